/*
 * tokensource.c
 *		Databricks OAuth tokens from each supported source (tokensource.h).
 *
 * oauth-m2m: POST <host>/oidc/v1/token, grant_type=client_credentials and
 *   scope=all-apis as a form, the client id and secret as HTTP Basic
 *   credentials, each form-urlencoded first (RFC 6749 section 2.3.1).
 * env-oidc, file-oidc: POST <host>/oidc/v1/token with the token exchange
 *   grant of RFC 8693: grant_type=urn:ietf:params:oauth:grant-type:
 *   token-exchange, subject_token=<the identity provider's JWT>,
 *   subject_token_type=urn:ietf:params:oauth:token-type:jwt, scope=all-apis,
 *   and client_id for a service principal's federation policy (without
 *   it, the account-wide policy applies).  The JWT comes from a variable
 *   (DATABRICKS_OIDC_TOKEN, or the one DATABRICKS_OIDC_TOKEN_ENV names) or
 *   a file read anew for each exchange, since a Kubernetes projected
 *   service account token is rotated in place.
 * azure-client-secret: POST <Entra ID>/<tenant>/oauth2/token, the client
 *   credentials grant with resource=<the Azure Databricks application>,
 *   as the SDKs ask it; Azure Databricks takes the Entra ID token as is.
 * databricks-cli: run "databricks auth token --host <host>", which prints
 *   {"access_token", "token_type", "expiry"} and refreshes the login the
 *   CLI holds when it must.
 *
 * The shapes follow the Databricks SDK for Go (config/auth_oidc.go,
 * auth_azure_client_secret.go, cli_token_source.go).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "command.h"
#include "report.h"
#include "tokensource.h"

#define TOKEN_PATH		"/oidc/v1/token"
#define FORM_TYPE		"application/x-www-form-urlencoded"
/* the application id of Azure Databricks in Entra ID, the same in every cloud */
#define AZURE_DATABRICKS_RESOURCE "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d"
#define MAX_ID_TOKEN	(64 * 1024)
#define MAX_CLI_OUTPUT	(64 * 1024)
/* lifetime assumed when a source does not say */
#define UNKNOWN_LIFETIME_S 300

static const char *const hint_m2m =
"check DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (an OAuth secret of the service principal)";
static const char *const hint_azure =
"check ARM_CLIENT_ID, ARM_CLIENT_SECRET (a client secret of the Entra ID application) and ARM_TENANT_ID";

/* The answer's "access_token": a non-empty string fit for a header, or NULL. */
static const char *
access_token_of(json_object *o)
{
	json_object *v;
	const char *tok;

	if (!json_object_object_get_ex(o, "access_token", &v) ||
		!json_object_is_type(v, json_type_string))
		return NULL;
	tok = json_object_get_string(v);
	return tok[0] == '\0' || strpbrk(tok, " \t\r\n") != NULL ? NULL : tok;
}

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
	if ((tok = access_token_of(o)) == NULL)
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
parse_rfc3339(const char *s, time_t *out)
{
	struct tm	tm;
	int			y,
				mo,
				d,
				h,
				mi,
				sec,
				n = 0;
	long		offset = 0;
	const char *p;
	time_t		t;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
		n == 0 || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
		h < 0 || mi < 0 || sec < 0)
		return false;
	p = s + n;
	if (*p == '.')
	{
		p++;
		if (!isdigit((unsigned char) *p))
			return false;
		while (isdigit((unsigned char) *p))
			p++;
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-')
	{
		int			oh,
					om,
					m = 0;

		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &m) != 2 || m != 5 || oh > 23 || om > 59)
			return false;
		offset = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
		p += 6;
	}
	else if (*p == '\0')
	{
		/* no zone: local time, as the Python and Java SDKs read it */
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (t == (time_t) -1)
			return false;
		*out = t;
		return true;
	}
	if (*p != '\0')
		return false;
	t = timegm(&tm);
	if (t == (time_t) -1)
		return false;
	*out = t - offset;
	return true;
}

bool
cli_parse_token(const char *body, size_t len, char **access_token, time_t *expiry)
{
	json_object *o = http_parse_json(body, len);
	json_object *v;
	const char *tok;
	bool		ok = true;

	*access_token = NULL;
	*expiry = 0;
	if (o == NULL)
		return false;
	if ((tok = access_token_of(o)) == NULL)
		ok = false;
	else if (json_object_object_get_ex(o, "expiry", &v) &&
			 (!json_object_is_type(v, json_type_string) ||
			  !parse_rfc3339(json_object_get_string(v), expiry)))
		ok = false;
	else
		*access_token = secret_dup(tok);
	json_wipe_put(o);
	return ok;
}

/* A value for HTTP Basic: form-urlencoded first (RFC 6749 section 2.3.1). */
static char *
form_escape(const char *s)
{
	char	   *esc = curl_easy_escape(NULL, s, 0);
	char	   *copy;

	if (esc == NULL)
		xmalloc((size_t) -1);	/* reports out of memory */
	copy = secret_dup(esc);
	explicit_bzero(esc, strlen(esc));
	curl_free(esc);
	return copy;
}

/* POST a form to a token endpoint and read the token from its answer. */
static int
post_for_token(http_client *c, const http_req *req, const char *what, const char *hint,
			   char **token, int64_t *lifetime_s)
{
	http_response resp;
	int			rc = http_request(c, req, &resp);

	if (rc != EXIT_OK)
		return rc;
	if (resp.status != 200)
	{
		rc = http_fail(&resp, what, hint, hint);
		/* token endpoints answer bad credentials with 400 (invalid_client, invalid_grant) */
		if (resp.status == 400)
		{
			log_hint("%s", hint);
			rc = EXIT_AUTH;
		}
		http_response_free(&resp);
		return rc;
	}
	if (!oauth_parse_token(resp.body.data, resp.body.len, token, lifetime_s))
	{
		http_response_free(&resp);
		log_error("%s: malformed response from %s%s", what,
				  req->base ? req->base : cfg_host(c->cfg), req->path);
		log_detail("Expected a JSON object with a string \"access_token\".");
		return EXIT_CONN;
	}
	http_response_free(&resp);
	return EXIT_OK;
}

static int
fetch_m2m(http_client *c, char **token, int64_t *lifetime_s)
{
	const config *cfg = c->cfg;
	char	   *id = form_escape(cfg_client_id(cfg));
	char	   *secret = form_escape(cfg->dbx[DA_CLIENT_SECRET]);
	http_req	req = {.method = "POST",.path = TOKEN_PATH,.user = id,.password = secret,
	.content_type = FORM_TYPE,.body = "grant_type=client_credentials&scope=all-apis"};
	int			rc = post_for_token(c, &req, "could not get an OAuth token", hint_m2m,
									token, lifetime_s);

	secret_free(secret);
	secret_free(id);
	return rc;
}

/* The identity token of file-oidc, read anew each time (it is rotated). */
static char *
read_id_token(const char *path)
{
	int			fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char	   *buf;
	ssize_t		n;
	size_t		len = 0;

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_ID_TOKEN)
	{
		if (fd >= 0)
			close(fd);
		log_error("could not read the identity token file \"%s\": %s", path,
				  fd < 0 ? strerror(errno) : "not a regular file of at most 64 kB");
		log_hint("check DATABRICKS_OIDC_TOKEN_FILEPATH (and, in Kubernetes, the projected volume)");
		return NULL;
	}
	buf = secret_adopt(xcalloc(1, MAX_ID_TOKEN + 1));
	while (len < MAX_ID_TOKEN && (n = read(fd, buf + len, MAX_ID_TOKEN - len)) > 0)
		len += (size_t) n;
	close(fd);
	while (len > 0 && isspace((unsigned char) buf[len - 1]))
		buf[--len] = '\0';
	if (len == 0 || strpbrk(buf, " \t\r\n") != NULL)
	{
		secret_free(buf);
		log_error("the identity token file \"%s\" does not hold a token", path);
		log_hint("it must hold the JWT your identity provider issued, and nothing else");
		return NULL;
	}
	return buf;
}

static int
fetch_federated(http_client *c, char **token, int64_t *lifetime_s)
{
	const config *cfg = c->cfg;
	const char *client_id = cfg_client_id(cfg);
	char	   *jwt = cfg->auth == AUTH_ENV_OIDC ? secret_dup(cfg->oidc_token) :
		read_id_token(cfg->dbx[DA_OIDC_TOKEN_FILE]);
	strbuf		form;
	char	   *hint;
	http_req	req = {.method = "POST",.path = TOKEN_PATH,.content_type = FORM_TYPE};
	int			rc;

	if (jwt == NULL)
		return EXIT_USAGE;
	strbuf_init(&form);
	http_form_add(&form, "grant_type", "urn:ietf:params:oauth:grant-type:token-exchange");
	http_form_add(&form, "subject_token", jwt);
	http_form_add(&form, "subject_token_type", "urn:ietf:params:oauth:token-type:jwt");
	http_form_add(&form, "scope", "all-apis");
	if (client_id)
		http_form_add(&form, "client_id", client_id);
	secret_free(jwt);
	req.body = form.data;
	hint = client_id ?
		xasprintf("check the federation policy of service principal %s: its issuer, audiences and subject must match the identity token's claims", client_id) :
		xstrdup("check the account's federation policy: its issuer, audiences and subject must match the identity token's claims (or set DATABRICKS_CLIENT_ID to use a service principal's policy)");
	rc = post_for_token(c, &req, "could not exchange the identity token for a Databricks token",
						hint, token, lifetime_s);
	free(hint);
	strbuf_free(&form);
	return rc;
}

static bool
valid_tenant(const char *s)
{
	size_t		n = 0;

	for (; *s; s++, n++)
		if (!isalnum((unsigned char) *s) && *s != '-' && *s != '.')
			return false;
	return n > 0 && n <= 128;
}

static int
fetch_azure(http_client *c, char **token, int64_t *lifetime_s)
{
	const config *cfg = c->cfg;
	const char *tenant = cfg->dbx[DA_AZURE_TENANT_ID];
	strbuf		form;
	char	   *path;
	http_req	req = {.method = "POST",.base = cfg->azure_authority,.content_type = FORM_TYPE};
	int			rc;

	if (!valid_tenant(tenant))
	{
		log_error("invalid Azure tenant id \"%s\"", tenant);
		log_hint("ARM_TENANT_ID is the directory (tenant) id, a UUID, or its domain name");
		return EXIT_USAGE;
	}
	path = xasprintf("/%s/oauth2/token", tenant);
	strbuf_init(&form);
	http_form_add(&form, "grant_type", "client_credentials");
	http_form_add(&form, "client_id", cfg->dbx[DA_AZURE_CLIENT_ID]);
	http_form_add(&form, "client_secret", cfg->dbx[DA_AZURE_CLIENT_SECRET]);
	http_form_add(&form, "resource", AZURE_DATABRICKS_RESOURCE);
	req.path = path;
	req.body = form.data;
	rc = post_for_token(c, &req, "could not get a Microsoft Entra ID token", hint_azure,
						token, lifetime_s);
	strbuf_free(&form);
	free(path);
	return rc;
}

static int
fetch_cli(http_client *c, char **token, int64_t *lifetime_s)
{
	const config *cfg = c->cfg;
	const char *path = cfg->dbx[DA_CLI_PATH];
	char	   *argv[] = {(char *) path, "auth", "token", "--host", cfg_host(cfg), NULL};
	int64_t		timeout = deadline_left_ms(c->dl);
	command_result res;
	time_t		expiry;
	int			rc = EXIT_OK;

	if (timeout > cfg->http_timeout_ms)
		timeout = cfg->http_timeout_ms;
	log_debug("running %s auth token --host %s", path, cfg_host(cfg));
	if (!command_run(path, argv, timeout, MAX_CLI_OUTPUT, &res))
		return EXIT_USAGE;
	if (res.stopped)
		rc = log_cancelled("databricks auth token");
	else if (res.timed_out)
	{
		log_error("could not get a token from the Databricks CLI: \"databricks auth token\" gave no answer within %.0fs",
				  (double) timeout / 1000.0);
		rc = EXIT_CONN;
	}
	else if (res.exit_status != 0)
	{
		log_error("could not get a token from the Databricks CLI: \"databricks auth token\" failed (exit status %d)",
				  res.exit_status);
		if (res.err[0])
			log_detail("%s", res.err);
		log_hint("log in first: databricks auth login --host %s", cfg_host(cfg));
		rc = EXIT_AUTH;
	}
	else if (!cli_parse_token(res.out.data, res.out.len, token, &expiry))
	{
		log_error("could not get a token from the Databricks CLI: unexpected output of \"databricks auth token\"");
		log_detail("Expected JSON with \"access_token\" and \"expiry\", as the Databricks CLI 0.205 or newer prints it.");
		rc = EXIT_CONN;
	}
	else
		*lifetime_s = expiry > time(NULL) ? (int64_t) (expiry - time(NULL)) : 0;
	command_result_free(&res);
	return rc;
}

int
token_source_fetch(http_client *c, char **token, int64_t *lifetime_s)
{
	int			rc;

	*token = NULL;
	*lifetime_s = 0;
	switch (c->cfg->auth)
	{
		case AUTH_M2M:
			rc = fetch_m2m(c, token, lifetime_s);
			break;
		case AUTH_ENV_OIDC:
		case AUTH_FILE_OIDC:
			rc = fetch_federated(c, token, lifetime_s);
			break;
		case AUTH_AZURE_SECRET:
			rc = fetch_azure(c, token, lifetime_s);
			break;
		case AUTH_CLI:
			rc = fetch_cli(c, token, lifetime_s);
			break;
		default:
			log_error("no token source for auth_type \"%s\"", auth_kind_name(c->cfg->auth));
			return EXIT_USAGE;
	}
	if (rc == EXIT_OK && *lifetime_s <= 0)
		*lifetime_s = UNKNOWN_LIFETIME_S;
	return rc;
}
