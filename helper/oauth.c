/*
 * oauth.c
 *		The bearer token and identity of lakets-helper's API calls.
 *
 * With a personal access token there is nothing to get: the PAT is the
 * bearer token.  Every other auth_type gets an OAuth token from
 * tokensource.c and uses it until five minutes before it expires (or
 * halfway, for short-lived ones), measured on CLOCK_BOOTTIME so that a
 * machine that slept through the expiry does not send a dead token.  A
 * token the workspace refuses anyway (revoked, or the clock was wrong)
 * is replaced once per call.
 *
 * Identity: GET /api/2.0/preview/scim/v2/Me, field userName; for a service
 * principal that is its application id, which is also its Postgres role.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "oauth.h"
#include "report.h"
#include "tokensource.h"

#define ME_PATH		"/api/2.0/preview/scim/v2/Me"

const char *
oauth_token_hint(const config *cfg)
{
	switch (cfg->auth)
	{
		case AUTH_PAT:
			return "check DATABRICKS_TOKEN: it may be expired or revoked";
		case AUTH_M2M:
			return "check DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (an OAuth secret of the service principal)";
		case AUTH_ENV_OIDC:
		case AUTH_FILE_OIDC:
			return "the workspace refused a token it had just issued; check that the identity is a user or service principal of this workspace";
		case AUTH_AZURE_SECRET:
			return "check that the Entra ID service principal ARM_CLIENT_ID was added to this workspace";
		case AUTH_CLI:
			return "log in again: databricks auth login";
		default:
			return NULL;
	}
}

bool
oauth_parse_me(const char *body, size_t len, char **username)
{
	json_object *o = http_parse_json(body, len);
	json_object *v;
	const char *u = NULL;

	*username = NULL;
	if (o == NULL)
		return false;
	if (json_object_object_get_ex(o, "userName", &v) && json_object_is_type(v, json_type_string))
		u = json_object_get_string(v);
	else if (json_object_object_get_ex(o, "applicationId", &v) &&
			 json_object_is_type(v, json_type_string))
		u = json_object_get_string(v);
	if (u == NULL || u[0] == '\0' || strlen(u) > 256)
	{
		json_object_put(o);
		return false;
	}
	*username = xstrdup(u);
	json_object_put(o);
	return true;
}

static int
ensure_bearer(http_client *c, auth_state *st, bool *fresh)
{
	char	   *token;
	int64_t		lifetime;
	int64_t		margin;
	int			rc;

	*fresh = false;
	if (c->cfg->auth == AUTH_PAT)
	{
		if (st->bearer == NULL)
			st->bearer = secret_dup(c->cfg->dbx[DA_TOKEN]);
		return EXIT_OK;
	}
	if (st->bearer != NULL && boot_ms() < st->refresh_at_ms)
		return EXIT_OK;
	if (st->bearer != NULL)
		log_info("the OAuth token is about to expire; getting a new one");
	*fresh = true;
	rc = token_source_fetch(c, &token, &lifetime);
	if (rc != EXIT_OK)
		return rc;
	secret_free(st->bearer);
	st->bearer = token;
	/* renew 5 minutes early, or halfway for short-lived tokens */
	margin = lifetime > 600 ? 300 : lifetime / 2;
	st->refresh_at_ms = boot_ms() + (lifetime - margin) * 1000;
	log_info("got an OAuth token (%s, valid %llds)", auth_kind_name(c->cfg->auth),
			 (long long) lifetime);
	return EXIT_OK;
}

int
oauth_api_request(http_client *c, auth_state *st, const char *method,
				  const char *path, const char *body, http_response *resp)
{
	int			tries;

	/* callers may always http_response_free(), even after a failure */
	http_response_init(resp);
	for (tries = 0; tries < 2; tries++)
	{
		bool		fresh;
		http_req	req = {.method = method,.path = path,.body = body,
		.content_type = body ? "application/json" : NULL};
		int			rc = ensure_bearer(c, st, &fresh);

		if (rc != EXIT_OK)
			return rc;
		req.bearer = st->bearer;
		rc = http_request(c, &req, resp);
		if (rc != EXIT_OK)
			return rc;
		/* a cached token may have been revoked or have expired early */
		if (http_token_refused(resp) && c->cfg->auth != AUTH_PAT && !fresh && tries == 0)
		{
			log_info("the workspace refused the cached OAuth token (HTTP %ld); getting a new one",
					 resp->status);
			http_response_free(resp);
			secret_free(st->bearer);
			st->bearer = NULL;
			continue;
		}
		return EXIT_OK;
	}
	return EXIT_OK;
}

int
oauth_whoami(http_client *c, auth_state *st, const char **username)
{
	http_response resp;
	int			rc;

	if (st->username == NULL)
	{
		rc = oauth_api_request(c, st, "GET", ME_PATH, NULL, &resp);
		if (rc != EXIT_OK)
			return rc;
		if (resp.status != 200)
		{
			rc = http_fail(&resp, "could not look up the current identity (SCIM Me)",
						   oauth_token_hint(c->cfg),
						   "set LAKETS_PG_ROLE (or --role) to skip the lookup");
			http_response_free(&resp);
			return rc;
		}
		if (!oauth_parse_me(resp.body.data, resp.body.len, &st->username))
		{
			http_response_free(&resp);
			log_error("could not look up the current identity: malformed response from %s%s",
					  cfg_host(c->cfg), ME_PATH);
			log_detail("Expected a JSON object with a string \"userName\".");
			return EXIT_CONN;
		}
		http_response_free(&resp);
		log_info("identity: %s", st->username);
	}
	*username = st->username;
	return EXIT_OK;
}

void
auth_state_free(auth_state *st)
{
	secret_free(st->bearer);
	free(st->username);
	memset(st, 0, sizeof(*st));
}
