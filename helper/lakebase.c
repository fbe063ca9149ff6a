/*
 * lakebase.c
 *		Lakebase endpoint resolution and credential minting.
 *
 * The REST shapes follow the Databricks SDK for Python
 * (databricks/sdk/service/postgres.py and database.py):
 *
 * Autoscaling ("postgres" service)
 *	 GET  /api/2.0/postgres/projects/<p>/branches	-> {"branches": [Branch],
 *													   "next_page_token"}
 *		  the branch whose status.default is true
 *	 GET  /api/2.0/postgres/<branch>/endpoints		-> {"endpoints": [Endpoint], ...}
 *		  the one whose status.endpoint_type is ENDPOINT_TYPE_READ_WRITE
 *	 GET  /api/2.0/postgres/<endpoint>				-> Endpoint, status.hosts.host
 *	 POST /api/2.0/postgres/credentials {"endpoint": "<endpoint name>"}
 *													-> {"token", "expire_time"}
 * Provisioned ("database" service)
 *	 GET  /api/2.0/database/instances/<name>		-> {"read_write_dns", ...}
 *	 POST /api/2.0/database/credentials {"instance_names": ["<name>"],
 *										 "request_id": "<uuid>"}
 *													-> {"token", "expiration_time"}
 *
 * Names that come back from the API are validated before they are put
 * into the next URL, and hosts before they reach libpq (a comma would make
 * libpq try several hosts).
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
find_in_page(const char *body, size_t len, const char *key,
			 bool (*pick) (json_object *), bool (*valid_name) (const char *),
			 char **found, char **next_page_token)
{
	json_object *o = http_parse_json(body, len);
	json_object *arr = NULL;
	const char *npt;
	size_t		i,
				n;
	bool		ok = true;

	*found = NULL;
	*next_page_token = NULL;
	if (o == NULL)
		return false;
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
	json_object_put(o);
	if (!ok)
	{
		free(*found);
		free(*next_page_token);
		*found = *next_page_token = NULL;
	}
	return ok;
}

bool
lb_parse_branches(const char *body, size_t len, char **default_branch,
				  char **next_page_token)
{
	return find_in_page(body, len, "branches", is_default_branch, valid_branch_name,
						default_branch, next_page_token);
}

bool
lb_parse_endpoints(const char *body, size_t len, char **rw_endpoint,
				   char **next_page_token)
{
	return find_in_page(body, len, "endpoints", is_read_write, valid_endpoint_name,
						rw_endpoint, next_page_token);
}

bool
lb_parse_endpoint_host(const char *body, size_t len, char **host)
{
	json_object *o = http_parse_json(body, len);
	const char *h;

	*host = NULL;
	if (o == NULL)
		return false;
	h = get_str(get_obj(get_obj(o, "status"), "hosts"), "host");
	if (h != NULL && valid_hostname(h))
		*host = xstrdup(h);
	json_object_put(o);
	return *host != NULL;
}

bool
lb_parse_instance_host(const char *body, size_t len, char **host)
{
	json_object *o = http_parse_json(body, len);
	const char *h;

	*host = NULL;
	if (o == NULL)
		return false;
	h = get_str(o, "read_write_dns");
	if (h != NULL && valid_hostname(h))
		*host = xstrdup(h);
	json_object_put(o);
	return *host != NULL;
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

/* GET a paginated list and run parse on each page until it finds one. */
static int
find_in_list(http_client *c, auth_state *st, const char *path, const char *what,
			 bool (*parse) (const char *, size_t, char **, char **),
			 const char *hint_403, const char *expected, char **found)
{
	char	   *page_token = NULL;
	int			pages;

	*found = NULL;
	for (pages = 0; pages < MAX_PAGES; pages++)
	{
		http_response resp;
		char	   *url;
		char	   *next = NULL;
		int			rc;

		if (page_token)
		{
			char	   *esc = curl_easy_escape(c->curl, page_token, 0);

			url = xasprintf("%s?page_token=%s", path, esc ? esc : "");
			curl_free(esc);
		}
		else
			url = xstrdup(path);
		rc = oauth_api_request(c, st, "GET", url, NULL, &resp);
		free(url);
		free(page_token);
		page_token = NULL;
		if (rc != EXIT_OK)
			return rc;
		if (resp.status != 200)
		{
			rc = http_fail(&resp, what, NULL, hint_403);
			http_response_free(&resp);
			return rc;
		}
		if (!parse(resp.body.data, resp.body.len, found, &next))
		{
			http_response_free(&resp);
			malformed(what, path, expected);
			return EXIT_CONN;
		}
		http_response_free(&resp);
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

static int
resolve_endpoint_host(http_client *c, auth_state *st, lakebase_target *out)
{
	http_response resp;
	char	   *path = xasprintf("/api/2.0/postgres/%s", out->endpoint);
	int			rc;

	rc = oauth_api_request(c, st, "GET", path, NULL, &resp);
	if (rc == EXIT_OK && resp.status != 200)
	{
		rc = http_fail(&resp, "could not read the Lakebase endpoint", NULL, hint_perm_project);
		if (resp.status == 404)
			log_hint("check --endpoint / LAKETS_LAKEBASE_ENDPOINT: %s", out->endpoint);
	}
	else if (rc == EXIT_OK && !lb_parse_endpoint_host(resp.body.data, resp.body.len, &out->host))
	{
		malformed("could not read the Lakebase endpoint", path,
				  "Expected status.hosts.host to be a host name; is the endpoint running?");
		rc = EXIT_CONN;
	}
	http_response_free(&resp);
	free(path);
	return rc;
}

int
lakebase_resolve(http_client *c, auth_state *st, lakebase_target *out)
{
	const config *cfg = c->cfg;
	int			rc;

	memset(out, 0, sizeof(*out));
	if (cfg->target == TARGET_INSTANCE)
	{
		http_response resp;
		char	   *path = xasprintf("/api/2.0/database/instances/%s", cfg->target_name);

		out->instance = xstrdup(cfg->target_name);
		rc = oauth_api_request(c, st, "GET", path, NULL, &resp);
		if (rc == EXIT_OK && resp.status != 200)
		{
			rc = http_fail(&resp, "could not read the Lakebase database instance",
						   NULL, hint_perm_instance);
			if (resp.status == 404)
				log_hint("check --instance / LAKETS_INSTANCE: %s", cfg->target_name);
		}
		else if (rc == EXIT_OK &&
				 !lb_parse_instance_host(resp.body.data, resp.body.len, &out->host))
		{
			malformed("could not read the Lakebase database instance", path,
					  "Expected \"read_write_dns\" to be a host name; is the instance available?");
			rc = EXIT_CONN;
		}
		http_response_free(&resp);
		free(path);
	}
	else
	{
		if (cfg->target == TARGET_ENDPOINT)
			out->endpoint = xstrdup(cfg->target_name);
		else
		{
			char	   *path = xasprintf("/api/2.0/postgres/projects/%s/branches", cfg->target_name);
			char	   *branch = NULL;

			rc = find_in_list(c, st, path, "could not list the project's branches",
							  lb_parse_branches, hint_perm_project,
							  "Expected {\"branches\": [...]} with names projects/<p>/branches/<b>.",
							  &branch);
			free(path);
			if (rc == EXIT_OK && branch == NULL)
			{
				log_error("project \"%s\" has no default branch", cfg->target_name);
				log_hint("name an endpoint with --endpoint instead");
				rc = EXIT_USAGE;
			}
			if (rc == EXIT_OK)
			{
				log_info("default branch: %s", branch);
				path = xasprintf("/api/2.0/postgres/%s/endpoints", branch);
				rc = find_in_list(c, st, path, "could not list the branch's endpoints",
								  lb_parse_endpoints, hint_perm_project,
								  "Expected {\"endpoints\": [...]} with names projects/<p>/branches/<b>/endpoints/<e>.",
								  &out->endpoint);
				free(path);
				if (rc == EXIT_OK && out->endpoint == NULL)
				{
					log_error("branch \"%s\" has no read-write endpoint", branch);
					log_hint("create one, or name an endpoint with --endpoint");
					rc = EXIT_USAGE;
				}
			}
			free(branch);
			if (rc != EXIT_OK)
			{
				lakebase_target_free(out);
				return rc;
			}
			log_info("read-write endpoint: %s", out->endpoint);
		}
		rc = resolve_endpoint_host(c, st, out);
	}
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
		rc = http_fail(&resp, "could not generate a Postgres credential", NULL,
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
