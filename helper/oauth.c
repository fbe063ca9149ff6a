/*
 * oauth.c
 *		OAuth machine-to-machine tokens and identity for lakets-helper.
 *
 * M2M: POST <host>/oidc/v1/token with grant_type=client_credentials and
 * scope=all-apis as a form body, and the client id and secret as HTTP Basic
 * credentials (each form-urlencoded first, RFC 6749 section 2.3.1), as the
 * Databricks SDKs do.  The answer's access_token is used as a bearer token
 * until shortly before expires_in runs out.  With a personal access token
 * there is nothing to mint: the PAT is the bearer token.
 *
 * Identity: GET /api/2.0/preview/scim/v2/Me, field userName; for a service
 * principal that is its application id, which is also its Postgres role.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "oauth.h"
#include "report.h"

#define TOKEN_PATH	"/oidc/v1/token"
#define ME_PATH		"/api/2.0/preview/scim/v2/Me"

static const char *const hint_m2m_401 =
"check DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (an OAuth secret of the service principal)";
static const char *const hint_pat_401 =
"check DATABRICKS_TOKEN: it may be expired or revoked";

bool
oauth_parse_token(const char *body, size_t len, char **access_token,
				  int64_t *expires_in_s)
{
	json_object *o = http_parse_json(body, len);
	json_object *v;
	const char *tok;

	*access_token = NULL;
	*expires_in_s = 3600;
	if (o == NULL)
		return false;
	if (!json_object_object_get_ex(o, "access_token", &v) ||
		!json_object_is_type(v, json_type_string) ||
		(tok = json_object_get_string(v))[0] == '\0' ||
		strpbrk(tok, " \t\r\n") != NULL)
	{
		json_wipe_put(o);
		return false;
	}
	*access_token = secret_dup(tok);
	if (json_object_object_get_ex(o, "expires_in", &v))
	{
		int64_t		e = 0;

		if (json_object_is_type(v, json_type_int))
			e = json_object_get_int64(v);
		else if (json_object_is_type(v, json_type_string))
			e = strtoll(json_object_get_string(v), NULL, 10);
		if (e > 0 && e < 10 * 86400)
			*expires_in_s = e;
	}
	json_wipe_put(o);
	return true;
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

/* Basic credentials: base64(urlencode(id) ":" urlencode(secret)). */
static char *
basic_authz(http_client *c, const config *cfg)
{
	char	   *id = curl_easy_escape(c->curl, cfg->client_id, 0);
	char	   *sec = curl_easy_escape(c->curl, cfg->client_secret, 0);
	strbuf		pair;
	char	   *b64;
	char	   *authz;

	if (id == NULL || sec == NULL)
		xmalloc((size_t) -1);	/* reports out of memory */
	strbuf_init(&pair);
	strbuf_appends(&pair, id);
	strbuf_appends(&pair, ":");
	strbuf_appends(&pair, sec);
	explicit_bzero(sec, strlen(sec));
	curl_free(sec);
	curl_free(id);
	b64 = base64_encode((const unsigned char *) pair.data, pair.len);
	strbuf_free(&pair);
	authz = secret_adopt(xasprintf("Basic %s", b64));
	explicit_bzero(b64, strlen(b64));
	free(b64);
	return authz;
}

static int
mint_oauth_token(http_client *c, auth_state *st)
{
	const config *cfg = c->cfg;
	http_response resp;
	char	   *authz;
	char	   *token;
	int64_t		expires_in;
	int64_t		margin;
	int			rc;

	authz = basic_authz(c, cfg);
	rc = http_request(c, "POST", TOKEN_PATH, authz,
					  "application/x-www-form-urlencoded",
					  "grant_type=client_credentials&scope=all-apis", &resp);
	secret_free(authz);
	if (rc != EXIT_OK)
		return rc;
	if (resp.status != 200)
	{
		rc = http_fail(&resp, "could not get an OAuth token", hint_m2m_401,
					   "the service principal may not be allowed to use this workspace");
		/* a wrong client secret is answered 400 invalid_client by some IdPs */
		if (resp.status == 400 && strstr(resp.body.data ? resp.body.data : "", "invalid_client"))
		{
			log_hint("%s", hint_m2m_401);
			rc = EXIT_AUTH;
		}
		http_response_free(&resp);
		return rc;
	}
	if (!oauth_parse_token(resp.body.data, resp.body.len, &token, &expires_in))
	{
		http_response_free(&resp);
		log_error("could not get an OAuth token: malformed response from %s%s",
				  cfg->host, TOKEN_PATH);
		log_detail("Expected a JSON object with a string \"access_token\".");
		return EXIT_CONN;
	}
	http_response_free(&resp);

	secret_free(st->bearer);
	st->bearer = token;
	/* renew 5 minutes early, or halfway for short-lived tokens */
	margin = expires_in > 600 ? 300 : expires_in / 2;
	st->refresh_at_ms = now_ms() + (expires_in - margin) * 1000;
	log_info("got an OAuth token for %s (valid %llds)", cfg->client_id, (long long) expires_in);
	return EXIT_OK;
}

static int
ensure_bearer(http_client *c, auth_state *st, bool *fresh)
{
	*fresh = false;
	if (c->cfg->auth == AUTH_PAT)
	{
		if (st->bearer == NULL)
			st->bearer = secret_dup(c->cfg->token);
		return EXIT_OK;
	}
	if (st->bearer != NULL && now_ms() < st->refresh_at_ms)
		return EXIT_OK;
	*fresh = true;
	return mint_oauth_token(c, st);
}

int
oauth_api_request(http_client *c, auth_state *st, const char *method,
				  const char *path, const char *body, http_response *resp)
{
	int			tries;

	/* callers may always http_response_free(), even after a failure */
	strbuf_init(&resp->body);
	resp->status = 0;
	resp->too_large = false;
	resp->retry_after_ms = -1;
	for (tries = 0; tries < 2; tries++)
	{
		bool		fresh;
		char	   *authz;
		int			rc = ensure_bearer(c, st, &fresh);

		if (rc != EXIT_OK)
			return rc;
		authz = secret_adopt(xasprintf("Bearer %s", st->bearer));
		rc = http_request(c, method, path, authz, body ? "application/json" : NULL,
						  body, resp);
		secret_free(authz);
		if (rc != EXIT_OK)
			return rc;
		/* a cached OAuth token may have been revoked: mint once more */
		if (resp->status == 401 && c->cfg->auth == AUTH_M2M && !fresh && tries == 0)
		{
			log_info("cached OAuth token refused; getting a new one");
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
						   c->cfg->auth == AUTH_PAT ? hint_pat_401 : hint_m2m_401,
						   "set LAKETS_PG_ROLE (or --role) to skip the lookup");
			http_response_free(&resp);
			return rc;
		}
		if (!oauth_parse_me(resp.body.data, resp.body.len, &st->username))
		{
			http_response_free(&resp);
			log_error("could not look up the current identity: malformed response from %s%s",
					  c->cfg->host, ME_PATH);
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
