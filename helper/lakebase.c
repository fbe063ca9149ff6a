/*
 * lakebase.c
 *		Lakebase endpoint resolution, states and credential minting.
 *
 * The REST shapes follow the Databricks SDK for Python
 * (databricks/sdk/service/postgres.py and database.py):
 *
 * Autoscaling ("postgres" service)
 *	 GET  /api/2.0/postgres/projects/<p>/branches	-> {"branches": [Branch],
 *													   "next_page_token"}
 *		  the branch whose status.default is true (unless --branch names one)
 *	 GET  /api/2.0/postgres/<branch>/endpoints		-> {"endpoints": [Endpoint], ...}
 *		  the one whose status.endpoint_type is ENDPOINT_TYPE_READ_WRITE
 *	 GET  /api/2.0/postgres/<endpoint>				-> Endpoint: status.hosts.host,
 *		  status.current_state (INIT, ACTIVE, IDLE, DEGRADED), status.disabled
 *	 POST /api/2.0/postgres/credentials {"endpoint": "<endpoint name>"}
 *													-> {"token", "expire_time"}
 * Provisioned ("database" service)
 *	 GET  /api/2.0/database/instances/<name>		-> {"read_write_dns", "state"
 *		  (STARTING, AVAILABLE, UPDATING, FAILING_OVER, STOPPED, DELETING),
 *		  "stopped"}
 *	 POST /api/2.0/database/credentials {"instance_names": ["<name>"],
 *										 "request_id": "<uuid>"}
 *													-> {"token", "expiration_time"}
 *
 * An IDLE endpoint (scaled to zero) wakes when a connection arrives; one in
 * INIT, or an instance STARTING, UPDATING or FAILING_OVER, is polled until
 * it is ready, within --start-timeout and the deadline; a disabled
 * endpoint or a stopped instance is reported before any credential is
 * minted for a login that cannot succeed.
 *
 * Every read goes through api_get(): GET, check the status, parse.  Names
 * that come back from the API are validated before they are put into the
 * next URL, and hosts before they reach libpq (a comma would make libpq
 * try several hosts).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "lakebase.h"
#include "report.h"

#define MAX_PAGES 100
/* the longest pause between two looks at a target that is starting */
#define STATE_POLL_CAP_MS 10000

static const char *const hint_perm_project =
"grant the identity CAN USE (or higher) on the Lakebase project; see docs/helper.md";
static const char *const hint_perm_instance =
"grant the identity CAN USE (or higher) on the Lakebase database instance; see docs/helper.md";

bool
valid_hostname(const char *s)
{
	size_t		n = 0;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '.')
		return false;
	for (; *s; s++, n++)
		if (!isalnum((unsigned char) *s) && *s != '-' && *s != '.')
			return false;
	return n <= 253;
}

/* projects/<id>/branches/<id> */
static bool
valid_branch_name(const char *s)
{
	char	   *probe;
	bool		ok;

	if (s == NULL || strlen(s) > 400)
		return false;
	/* reuse the endpoint check by appending a dummy endpoint */
	probe = xasprintf("%s/endpoints/x", s);
	ok = valid_endpoint_name(probe);
	free(probe);
	return ok;
}

static const char *
get_str(json_object *o, const char *key)
{
	json_object *v;

	if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

static json_object *
get_obj(json_object *o, const char *key)
{
	json_object *v;

	if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_object))
		return v;
	return NULL;
}

static bool
is_default_branch(json_object *b)
{
	json_object *def;
	json_object *status = get_obj(b, "status");

	return status != NULL && json_object_object_get_ex(status, "default", &def) &&
		json_object_is_type(def, json_type_boolean) && json_object_get_boolean(def);
}

static bool
is_read_write(json_object *e)
{
	static const char *const keys[] = {"status", "spec"};
	int			i;

	for (i = 0; i < 2; i++)
	{
		const char *t = get_str(get_obj(e, keys[i]), "endpoint_type");

		if (t && (strcmp(t, "ENDPOINT_TYPE_READ_WRITE") == 0 || strcmp(t, "READ_WRITE") == 0))
			return true;
	}
	return false;
}


/*
 * One page of a list answer: {"<key>": [objects], "next_page_token": "..."}
 * (both optional).  *found is the name of the first object pick() accepts,
 * which must pass valid_name(); NULL if none on this page.
 */
static bool
find_in_page(json_object *o, const char *key,
			 bool (*pick) (json_object *), bool (*valid_name) (const char *),
			 char **found, char **next_page_token)
{
	json_object *arr = NULL;
	const char *npt;
	size_t		i,
				n;
	bool		ok = true;

	*found = NULL;
	*next_page_token = NULL;
	if (json_object_object_get_ex(o, key, &arr) && arr != NULL &&
		!json_object_is_type(arr, json_type_array))
		ok = false;
	npt = get_str(o, "next_page_token");
	if (ok && npt && npt[0])
	{
		if (strlen(npt) > 1024)
			ok = false;
		else
			*next_page_token = xstrdup(npt);
	}
	n = (ok && arr) ? json_object_array_length(arr) : 0;
	for (i = 0; i < n; i++)
	{
		json_object *item = json_object_array_get_idx(arr, i);
		const char *name;

		if (item == NULL || !json_object_is_type(item, json_type_object))
		{
			ok = false;
			break;
		}
		if (!pick(item))
			continue;
		name = get_str(item, "name");
		if (!valid_name(name))
			ok = false;
		else
			*found = xstrdup(name);
		break;
	}
	if (!ok)
	{
		free(*found);
		free(*next_page_token);
		*found = *next_page_token = NULL;
	}
	return ok;
}

static bool
branch_page(json_object *o, char **found, char **next)
{
	return find_in_page(o, "branches", is_default_branch, valid_branch_name, found, next);
}

static bool
endpoint_page(json_object *o, char **found, char **next)
{
	return find_in_page(o, "endpoints", is_read_write, valid_endpoint_name, found, next);
}

/* What a target's answer says; false when a host is there but not valid. */
static bool
read_state(json_object *o, bool endpoint, lb_state *out)
{
	json_object *status = endpoint ? get_obj(o, "status") : o;
	const char *h = endpoint ? get_str(get_obj(status, "hosts"), "host") :
		get_str(o, "read_write_dns");
	const char *st = get_str(status, endpoint ? "current_state" : "state");
	json_object *off;

	memset(out, 0, sizeof(*out));
	if (h != NULL && !valid_hostname(h))
		return false;
	if (h != NULL)
		out->host = xstrdup(h);
	if (st != NULL)
		sanitize_text(out->state, sizeof(out->state), st, strlen(st));
	out->off = json_object_object_get_ex(status, endpoint ? "disabled" : "stopped", &off) &&
		json_object_is_type(off, json_type_boolean) && json_object_get_boolean(off);
	return true;
}

/* A body parsed with one of the object readers above, for the fuzz target. */
static bool
parse_body(const char *body, size_t len, json_object **o)
{
	*o = http_parse_json(body, len);
	return *o != NULL;
}

static bool
parse_page(const char *body, size_t len, bool (*page) (json_object *, char **, char **),
		   char **found, char **next_page_token)
{
	json_object *o;
	bool		ok;

	*found = *next_page_token = NULL;
	if (!parse_body(body, len, &o))
		return false;
	ok = page(o, found, next_page_token);
	json_object_put(o);
	return ok;
}

bool
lb_parse_branches(const char *body, size_t len, char **default_branch,
				  char **next_page_token)
{
	return parse_page(body, len, branch_page, default_branch, next_page_token);
}

bool
lb_parse_endpoints(const char *body, size_t len, char **rw_endpoint,
				   char **next_page_token)
{
	return parse_page(body, len, endpoint_page, rw_endpoint, next_page_token);
}

static bool
parse_state(const char *body, size_t len, bool endpoint, lb_state *out)
{
	json_object *o;
	bool		ok;

	memset(out, 0, sizeof(*out));
	if (!parse_body(body, len, &o))
		return false;
	ok = read_state(o, endpoint, out);
	json_object_put(o);
	return ok;
}

bool
lb_parse_endpoint(const char *body, size_t len, lb_state *out)
{
	return parse_state(body, len, true, out);
}

bool
lb_parse_instance(const char *body, size_t len, lb_state *out)
{
	return parse_state(body, len, false, out);
}

void
lb_state_free(lb_state *s)
{
	free(s->host);
	s->host = NULL;
}

bool
lb_parse_credential(const char *body, size_t len, char **token, char **expires)
{
	json_object *o = http_parse_json(body, len);
	const char *t;
	const char *e;

	*token = NULL;
	*expires = NULL;
	if (o == NULL)
		return false;
	t = get_str(o, "token");
	/* libpq takes the password as a parameter; reject only the absurd */
	if (t == NULL || t[0] == '\0' || strlen(t) > 16384)
	{
		json_wipe_put(o);
		return false;
	}
	*token = secret_dup(t);
	e = get_str(o, "expire_time");
	if (e == NULL)
		e = get_str(o, "expiration_time");
	if (e != NULL && strlen(e) <= 64)
	{
		char		buf[80];

		sanitize_text(buf, sizeof(buf), e, strlen(e));
		*expires = xstrdup(buf);
	}
	json_wipe_put(o);
	return true;
}

static void
malformed(const char *what, const char *path, const char *expected)
{
	log_error("%s: malformed response from %s", what, path);
	log_detail("%s", expected);
}

/*
 * GET path, check the status and parse the body: the one way this file
 * reads the API.  *out is the answer's object, NULL on failure (logged,
 * with hint_404 after a 404).
 */
static int
api_get(http_client *c, auth_state *st, const char *path, const char *what,
		const char *hint_403, const char *hint_404, json_object **out)
{
	http_response resp;
	int			rc = oauth_api_request(c, st, "GET", path, NULL, &resp);

	*out = NULL;
	if (rc == EXIT_OK && resp.status != 200)
	{
		rc = http_fail(&resp, what, oauth_token_hint(c->cfg), hint_403);
		if (resp.status == 404 && hint_404)
			log_hint("%s", hint_404);
	}
	else if (rc == EXIT_OK && (*out = http_parse_json(resp.body.data, resp.body.len)) == NULL)
	{
		malformed(what, path, "Expected a JSON object.");
		rc = EXIT_CONN;
	}
	http_response_free(&resp);
	return rc;
}

/* GET a paginated list and run page() on each page until it finds one. */
static int
find_in_list(http_client *c, auth_state *st, const char *path, const char *what,
			 bool (*page) (json_object *, char **, char **),
			 const char *hint_404, const char *expected, char **found)
{
	char	   *page_token = NULL;
	int			pages;

	*found = NULL;
	for (pages = 0; pages < MAX_PAGES; pages++)
	{
		json_object *o;
		char	   *url;
		char	   *next = NULL;
		int			rc;
		bool		ok;

		if (page_token)
		{
			char	   *esc = curl_easy_escape(NULL, page_token, 0);

			if (esc == NULL)
				xmalloc((size_t) -1);	/* reports out of memory */
			url = xasprintf("%s?page_token=%s", path, esc);
			curl_free(esc);
		}
		else
			url = xstrdup(path);
		rc = api_get(c, st, url, what, hint_perm_project, hint_404, &o);
		free(url);
		free(page_token);
		page_token = NULL;
		if (rc != EXIT_OK)
			return rc;
		ok = page(o, found, &next);
		json_object_put(o);
		if (!ok)
		{
			malformed(what, path, expected);
			return EXIT_CONN;
		}
		if (*found || next == NULL)
		{
			free(next);
			return EXIT_OK;
		}
		page_token = next;
	}
	free(page_token);
	log_error("%s: more than %d pages of results", what, MAX_PAGES);
	return EXIT_CONN;
}

enum readiness
{
	READY,						/* connect */
	WAIT,						/* starting: look again later */
	DOWN						/* stopped or disabled: report, mint nothing */
};

static bool
state_is(const lb_state *s, const char *name)
{
	return strcmp(s->state, name) == 0;
}

static enum readiness
endpoint_readiness(const lb_state *s, const char *name)
{
	if (s->off)
	{
		log_error("Lakebase endpoint \"%s\" is disabled", name);
		log_hint("enable the endpoint (in the Lakebase UI, or with the Postgres API), then run again");
		return DOWN;
	}
	if (s->host == NULL || state_is(s, "INIT"))
		return WAIT;
	if (state_is(s, "IDLE"))
		log_info("endpoint \"%s\" is idle (scaled to zero); waking it by connecting", name);
	else if (state_is(s, "DEGRADED"))
		log_warning("Lakebase endpoint \"%s\" reports state DEGRADED; trying anyway", name);
	return READY;
}

static enum readiness
instance_readiness(const lb_state *s, const char *name)
{
	if (s->off || state_is(s, "STOPPED"))
	{
		log_error("Lakebase database instance \"%s\" is stopped", name);
		log_hint("start the instance (in the Lakebase UI, or with the Database API), then run again");
		return DOWN;
	}
	if (state_is(s, "DELETING"))
	{
		log_error("Lakebase database instance \"%s\" is being deleted", name);
		return DOWN;
	}
	if (state_is(s, "STARTING") || state_is(s, "UPDATING") || state_is(s, "FAILING_OVER") ||
		s->host == NULL)
		return WAIT;
	return READY;
}

/*
 * Read the endpoint or instance until it is ready for a connection, at
 * most --start-timeout (and never past the deadline); sets out->host.
 */
static int
await_target(http_client *c, auth_state *st, lakebase_target *out)
{
	const config *cfg = c->cfg;
	bool		endpoint = out->endpoint != NULL;
	const char *name = endpoint ? out->endpoint : out->instance;
	char	   *path = endpoint ? xasprintf("/api/2.0/postgres/%s", name) :
		xasprintf("/api/2.0/database/instances/%s", name);
	const char *what = endpoint ? "could not read the Lakebase endpoint" :
		"could not read the Lakebase database instance";
	char	   *hint_404 = endpoint ?
		xasprintf("check --endpoint / LAKETS_LAKEBASE_ENDPOINT: %s", name) :
		xasprintf("check --instance / LAKETS_INSTANCE: %s", name);
	int64_t		start = now_ms();
	int			polls;
	int			rc = EXIT_OK;

	for (polls = 1;; polls++)
	{
		json_object *o;
		lb_state	s;
		enum readiness r;
		int64_t		waited,
					pause;

		rc = api_get(c, st, path, what, endpoint ? hint_perm_project : hint_perm_instance,
					 hint_404, &o);
		if (rc != EXIT_OK)
			break;
		if (!read_state(o, endpoint, &s))
		{
			json_object_put(o);
			malformed(what, path, endpoint ? "Expected status.hosts.host to be a host name." :
					  "Expected \"read_write_dns\" to be a host name.");
			rc = EXIT_CONN;
			break;
		}
		json_object_put(o);
		r = endpoint ? endpoint_readiness(&s, name) : instance_readiness(&s, name);
		if (r == READY)
		{
			out->host = s.host;
			s.host = NULL;
			break;
		}
		lb_state_free(&s);		/* keeps s.state */
		if (r == DOWN)
		{
			rc = EXIT_CONN;
			break;
		}
		waited = now_ms() - start;
		if (polls == 1)
			log_warning("Lakebase %s \"%s\" is %s; waiting up to %.0fs for it",
						endpoint ? "endpoint" : "database instance", name,
						s.state[0] ? s.state : "not ready (no host yet)",
						(double) cfg->start_timeout_ms / 1000.0);
		pause = backoff_ms(polls, cfg->retry_delay_ms, STATE_POLL_CAP_MS);
		if (waited + pause > cfg->start_timeout_ms || pause >= deadline_left_ms(c->dl))
		{
			log_error("Lakebase %s \"%s\" is still %s after %.0fs",
					  endpoint ? "endpoint" : "database instance", name,
					  s.state[0] ? s.state : "without a host", (double) waited / 1000.0);
			log_hint("raise --start-timeout (and --deadline), or start it ahead of the job");
			rc = EXIT_CONN;
			break;
		}
		if (!sleep_ms(pause))
		{
			rc = log_cancelled("waiting for Lakebase");
			break;
		}
	}
	free(hint_404);
	free(path);
	return rc;
}

/* The read-write endpoint of the project's branch (--branch, or the default). */
static int
find_endpoint(http_client *c, auth_state *st, lakebase_target *out)
{
	const config *cfg = c->cfg;
	char	   *branch = NULL;
	char	   *path;
	char	   *hint_404;
	int			rc = EXIT_OK;

	if (cfg->branch)
		branch = xasprintf("projects/%s/branches/%s", cfg->target_name, cfg->branch);
	else
	{
		path = xasprintf("/api/2.0/postgres/projects/%s/branches", cfg->target_name);
		hint_404 = xasprintf("check --project / LAKETS_PROJECT: %s", cfg->target_name);
		rc = find_in_list(c, st, path, "could not list the project's branches", branch_page,
						  hint_404,
						  "Expected {\"branches\": [...]} with names projects/<p>/branches/<b>.",
						  &branch);
		free(hint_404);
		free(path);
		if (rc == EXIT_OK && branch == NULL)
		{
			log_error("project \"%s\" has no default branch", cfg->target_name);
			log_hint("name a branch with --branch, or an endpoint with --endpoint");
			rc = EXIT_USAGE;
		}
		if (rc == EXIT_OK)
			log_info("default branch: %s", branch);
	}
	if (rc == EXIT_OK)
	{
		path = xasprintf("/api/2.0/postgres/%s/endpoints", branch);
		hint_404 = cfg->branch ?
			xasprintf("check --branch / LAKETS_BRANCH: project \"%s\" may have no branch \"%s\"",
					  cfg->target_name, cfg->branch) : NULL;
		rc = find_in_list(c, st, path, "could not list the branch's endpoints", endpoint_page,
						  hint_404,
						  "Expected {\"endpoints\": [...]} with names projects/<p>/branches/<b>/endpoints/<e>.",
						  &out->endpoint);
		free(hint_404);
		free(path);
		if (rc == EXIT_OK && out->endpoint == NULL)
		{
			log_error("branch \"%s\" has no read-write endpoint", branch);
			log_hint("create one, or name an endpoint with --endpoint");
			rc = EXIT_USAGE;
		}
		if (rc == EXIT_OK)
			log_info("read-write endpoint: %s", out->endpoint);
	}
	free(branch);
	return rc;
}

int
lakebase_resolve(http_client *c, auth_state *st, lakebase_target *out)
{
	const config *cfg = c->cfg;
	int			rc = EXIT_OK;

	memset(out, 0, sizeof(*out));
	if (cfg->target == TARGET_INSTANCE)
		out->instance = xstrdup(cfg->target_name);
	else if (cfg->target == TARGET_ENDPOINT)
		out->endpoint = xstrdup(cfg->target_name);
	else
		rc = find_endpoint(c, st, out);
	if (rc == EXIT_OK)
		rc = await_target(c, st, out);
	if (rc != EXIT_OK)
		lakebase_target_free(out);
	else
		log_info("Postgres host: %s", out->host);
	return rc;
}

int
lakebase_mint(http_client *c, auth_state *st, const lakebase_target *t,
			  pg_credential *out)
{
	json_object *req = json_object_new_object();
	char	   *body;
	const char *path;
	http_response resp;
	int			rc;

	memset(out, 0, sizeof(*out));
	if (req == NULL)
		xmalloc((size_t) -1);
	if (t->instance)
	{
		json_object *names = json_object_new_array();
		char		uuid[37];

		uuid4(uuid);
		json_object_array_add(names, json_object_new_string(t->instance));
		json_object_object_add(req, "instance_names", names);
		json_object_object_add(req, "request_id", json_object_new_string(uuid));
		path = "/api/2.0/database/credentials";
	}
	else
	{
		json_object_object_add(req, "endpoint", json_object_new_string(t->endpoint));
		path = "/api/2.0/postgres/credentials";
	}
	body = xstrdup(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
	json_object_put(req);

	rc = oauth_api_request(c, st, "POST", path, body, &resp);
	free(body);
	if (rc != EXIT_OK)
		return rc;
	if (resp.status != 200)
	{
		rc = http_fail(&resp, "could not generate a Postgres credential", oauth_token_hint(c->cfg),
					   t->instance ? hint_perm_instance : hint_perm_project);
		http_response_free(&resp);
		return rc;
	}
	if (!lb_parse_credential(resp.body.data, resp.body.len, &out->token, &out->expires))
	{
		http_response_free(&resp);
		malformed("could not generate a Postgres credential", path,
				  "Expected a JSON object with a string \"token\".");
		return EXIT_CONN;
	}
	http_response_free(&resp);
	log_info("minted a Postgres credential (expires %s)",
			 out->expires ? out->expires : "in about an hour");
	return EXIT_OK;
}

void
lakebase_target_free(lakebase_target *t)
{
	free(t->endpoint);
	free(t->instance);
	free(t->host);
	memset(t, 0, sizeof(*t));
}

void
pg_credential_free(pg_credential *cred)
{
	secret_free(cred->token);
	free(cred->expires);
	memset(cred, 0, sizeof(*cred));
}
