/*
 * config.c
 *		Resolve lakets-helper's configuration: flags, then environment, then
 *		a Databricks configuration profile; then validate the result.
 *
 * The profile file is the INI file of the Databricks CLI and SDKs
 * (docs.databricks.com/dev-tools/auth/config-profiles): "[name]" sections
 * holding "key = value" lines, '#' or ';' comments.  We read the keys host,
 * client_id, client_secret, token and auth_type and ignore the rest, so one
 * file serves the CLI and us.  Unlike Python's configparser, [DEFAULT]
 * values are not inherited by other sections (the Go SDK, which the CLI
 * uses, does not inherit either).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "config.h"
#include "report.h"
#include "util.h"

/* A profile file bigger than this is certainly not a profile file. */
#define MAX_PROFILE_FILE (1024 * 1024)

void
config_init(config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->http_timeout_ms = -1;
	cfg->deadline_ms = -1;
	cfg->connect_timeout_ms = -1;
	cfg->statement_timeout_ms = -1;
	cfg->lock_timeout_ms = -1;
	cfg->retry_delay_ms = -1;
	cfg->retries = -1;
	cfg->every_ms = 0;
	cfg->count = 0;
}

const char *
target_kind_name(enum target_kind t)
{
	switch (t)
	{
		case TARGET_PROJECT:
			return "lakebase-autoscaling project";
		case TARGET_ENDPOINT:
			return "lakebase-autoscaling endpoint";
		case TARGET_INSTANCE:
			return "lakebase-provisioned instance";
		default:
			return "postgresql";
	}
}

static void
set_str(char **dst, char *src)
{
	free(*dst);
	*dst = src;
}

/*
 * Read a secret from the environment, then wipe and remove the variable so
 * the value lives only in our wiped buffer (and is not inherited).
 */
static char *
take_secret_env(const char *name)
{
	char	   *v = getenv(name);
	char	   *copy;

	if (v == NULL || *v == '\0')
		return NULL;
	copy = secret_dup(v);
	explicit_bzero(v, strlen(v));
	unsetenv(name);
	return copy;
}

static char *
env_dup(const char *name)
{
	const char *v = getenv(name);

	return (v != NULL && *v != '\0') ? xstrdup(v) : NULL;
}

/* ---- INI parsing --------------------------------------------------- */

static const char *
trim(const char *s, const char *end, const char **out_end)
{
	while (s < end && isspace((unsigned char) *s))
		s++;
	while (end > s && isspace((unsigned char) end[-1]))
		end--;
	*out_end = end;
	return s;
}

static void
store_key(profile_values *out, const char *key, size_t klen,
		  const char *val, size_t vlen)
{
	char	  **slot = NULL;
	bool		secret = false;
	char		k[32];
	size_t		i;

	if (klen >= sizeof(k))
		return;
	for (i = 0; i < klen; i++)
		k[i] = (char) tolower((unsigned char) key[i]);
	k[klen] = '\0';

	if (strcmp(k, "host") == 0)
		slot = &out->host;
	else if (strcmp(k, "client_id") == 0)
		slot = &out->client_id;
	else if (strcmp(k, "client_secret") == 0)
		slot = &out->client_secret, secret = true;
	else if (strcmp(k, "token") == 0)
		slot = &out->token, secret = true;
	else if (strcmp(k, "auth_type") == 0)
		slot = &out->auth_type;
	if (slot == NULL)
		return;

	if (secret)
	{
		secret_free(*slot);
		*slot = secret_adopt(xstrndup(val, vlen));
	}
	else
	{
		free(*slot);
		*slot = xstrndup(val, vlen);
	}
}

bool
config_parse_profile(const char *buf, size_t len, const char *name,
					 profile_values *out, int *errline)
{
	const char *p = buf;
	const char *end = buf + len;
	bool		in_section = false;
	bool		any_section = false;
	int			lineno = 0;

	memset(out, 0, sizeof(*out));
	*errline = 0;

	/* UTF-8 byte order mark, as some editors write */
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;

	while (p < end)
	{
		const char *eol = memchr(p, '\n', (size_t) (end - p));
		const char *lend = eol ? eol : end;
		const char *s,
				   *se;

		lineno++;
		if (memchr(p, '\0', (size_t) (lend - p)) != NULL)
			goto syntax_error;	/* binary data */
		s = trim(p, lend, &se);
		p = eol ? eol + 1 : end;

		if (s == se || *s == '#' || *s == ';')
			continue;

		if (*s == '[')
		{
			const char *close = se - 1;
			const char *ns,
					   *ne;

			while (close > s && *close != ']')
				close--;
			if (close == s)
				goto syntax_error;
			ns = trim(s + 1, close, &ne);
			if (ns == ne)
				goto syntax_error;
			any_section = true;
			in_section = (strlen(name) == (size_t) (ne - ns) &&
						  memcmp(ns, name, (size_t) (ne - ns)) == 0);
			if (in_section)
				out->found = true;
			continue;
		}

		{
			const char *eq = s;
			const char *ks,
					   *ke,
					   *vs,
					   *ve,
					   *c;

			while (eq < se && *eq != '=' && *eq != ':')
				eq++;
			if (eq == se || !any_section)
				goto syntax_error;
			ks = trim(s, eq, &ke);
			if (ks == ke)
				goto syntax_error;
			vs = trim(eq + 1, se, &ve);
			/* an inline comment needs whitespace before it, as in go-ini */
			for (c = vs; c < ve; c++)
			{
				if ((*c == '#' || *c == ';') && c > vs &&
					isspace((unsigned char) c[-1]))
				{
					vs = trim(vs, c, &ve);
					break;
				}
			}
			if (in_section)
				store_key(out, ks, (size_t) (ke - ks), vs, (size_t) (ve - vs));
		}
	}
	return true;

syntax_error:
	*errline = lineno;
	profile_values_free(out);
	return false;
}

void
profile_values_free(profile_values *pv)
{
	free(pv->host);
	free(pv->client_id);
	secret_free(pv->client_secret);
	secret_free(pv->token);
	free(pv->auth_type);
	memset(pv, 0, sizeof(*pv));
}

static char *
default_config_file(void)
{
	const char *home = getenv("HOME");

	if (home == NULL || *home == '\0')
	{
		struct passwd *pw = getpwuid(getuid());

		home = pw ? pw->pw_dir : NULL;
	}
	if (home == NULL)
		return NULL;
	return xasprintf("%s/.databrickscfg", home);
}

/*
 * Load the chosen profile.  A missing file or a missing [DEFAULT] section
 * is fine unless the user named the file or the profile explicitly.
 */
static int
load_profile(config *cfg, profile_values *pv)
{
	int			fd;
	struct stat st;
	strbuf		sb;
	int			errline;
	char		chunk[8192];
	ssize_t		n;

	memset(pv, 0, sizeof(*pv));
	fd = open(cfg->config_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
	{
		if (errno == ENOENT && !cfg->config_file_explicit && !cfg->profile_explicit)
		{
			log_debug("no configuration file \"%s\"", cfg->config_file);
			return EXIT_OK;
		}
		log_error("could not open configuration file \"%s\": %s",
				  cfg->config_file, strerror(errno));
		log_hint("set DATABRICKS_CONFIG_FILE to the file written by \"databricks configure\", or unset it");
		return EXIT_USAGE;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_PROFILE_FILE)
	{
		close(fd);
		log_error("configuration file \"%s\" is not a regular file of at most %d bytes",
				  cfg->config_file, MAX_PROFILE_FILE);
		return EXIT_USAGE;
	}
	if (st.st_mode & (S_IRGRP | S_IROTH))
	{
		log_warning("configuration file \"%s\" is readable by other users (mode %04o)",
					cfg->config_file, (unsigned) (st.st_mode & 07777));
		log_hint("it may hold secrets; run: chmod 600 \"%s\"", cfg->config_file);
	}

	strbuf_init(&sb);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
	{
		strbuf_append(&sb, chunk, (size_t) n);
		if (sb.len > MAX_PROFILE_FILE)
			break;
	}
	explicit_bzero(chunk, sizeof(chunk));
	close(fd);
	if (n < 0)
	{
		log_error("could not read configuration file \"%s\": %s",
				  cfg->config_file, strerror(errno));
		strbuf_free(&sb);
		return EXIT_USAGE;
	}

	if (!config_parse_profile(sb.data ? sb.data : "", sb.len, cfg->profile, pv, &errline))
	{
		strbuf_free(&sb);
		log_error("syntax error in configuration file \"%s\" at line %d",
				  cfg->config_file, errline);
		log_hint("each line must be \"[profile]\", \"key = value\" or a # comment");
		return EXIT_USAGE;
	}
	strbuf_free(&sb);

	if (!pv->found)
	{
		if (cfg->profile_explicit)
		{
			log_error("profile \"%s\" not found in \"%s\"", cfg->profile, cfg->config_file);
			log_hint("check DATABRICKS_CONFIG_PROFILE or --profile");
			return EXIT_USAGE;
		}
		log_debug("no profile \"%s\" in \"%s\"", cfg->profile, cfg->config_file);
	}
	else
		log_info("using profile \"%s\" from \"%s\"", cfg->profile, cfg->config_file);
	return EXIT_OK;
}

bool
valid_resource_id(const char *s)
{
	size_t		n = 0;

	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++, n++)
		if (!isalnum((unsigned char) *s) && *s != '-' && *s != '_')
			return false;
	return n <= 128;
}

/* projects/<id>/branches/<id>/endpoints/<id> */
bool
valid_endpoint_name(const char *s)
{
	static const char *const parts[] = {"projects", "branches", "endpoints"};
	char	   *copy,
			   *save = NULL,
			   *tok;
	bool		ok = true;
	int			i;

	if (s == NULL || s[0] == '\0' || strlen(s) > 512)
		return false;
	copy = xstrdup(s);
	tok = strtok_r(copy, "/", &save);
	for (i = 0; i < 3 && ok; i++)
	{
		if (tok == NULL || strcmp(tok, parts[i]) != 0)
			ok = false;
		else
		{
			tok = strtok_r(NULL, "/", &save);
			if (!valid_resource_id(tok))
				ok = false;
			tok = strtok_r(NULL, "/", &save);
		}
	}
	if (tok != NULL || s[strlen(s) - 1] == '/' || strstr(s, "//") != NULL)
		ok = false;
	free(copy);
	return ok;
}

static int
normalize_host(config *cfg)
{
	char	   *h = cfg->host;
	size_t		len;

	if (strncasecmp(h, "http://", 7) == 0)
	{
		log_error("DATABRICKS_HOST must use https, not http");
		log_hint("set DATABRICKS_HOST=https://<workspace host>");
		return EXIT_USAGE;
	}
	if (strstr(h, "://") == NULL)
		set_str(&cfg->host, xasprintf("https://%s", h));
	else if (strncasecmp(h, "https://", 8) != 0)
	{
		log_error("DATABRICKS_HOST has an unsupported scheme: \"%s\"", h);
		return EXIT_USAGE;
	}
	h = cfg->host;
	len = strlen(h);
	while (len > 8 && h[len - 1] == '/')
		h[--len] = '\0';
	if (len <= 8 || strpbrk(h + 8, " \t\r\n?#@") != NULL)
	{
		log_error("DATABRICKS_HOST is not a valid workspace URL: \"%s\"", h);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int
resolve_duration_env(int64_t *val, const char *env, int64_t dflt,
					 int64_t unit, const char *what)
{
	const char *v;

	if (*val >= 0)
		return EXIT_OK;
	v = getenv(env);
	if (v != NULL && *v != '\0')
	{
		if (!parse_duration_ms(v, unit, val))
		{
			log_error("invalid %s in %s: \"%s\"", what, env, v);
			log_hint("use a duration such as 30s, 10min or 1h");
			return EXIT_USAGE;
		}
		return EXIT_OK;
	}
	*val = dflt;
	return EXIT_OK;
}

static int
resolve_target(config *cfg)
{
	static const struct
	{
		const char *env;
		enum target_kind kind;
	}			envs[] = {
		{"LAKETS_PROJECT", TARGET_PROJECT},
		{"LAKETS_LAKEBASE_ENDPOINT", TARGET_ENDPOINT},
		{"LAKETS_INSTANCE", TARGET_INSTANCE},
	};
	size_t		i;

	/* flags were checked for conflicts by main(); env only if no flag */
	if (cfg->target == TARGET_NONE)
	{
		for (i = 0; i < sizeof(envs) / sizeof(envs[0]); i++)
		{
			char	   *v = env_dup(envs[i].env);

			if (v == NULL)
				continue;
			if (cfg->target != TARGET_NONE)
			{
				free(v);
				log_error("more than one Lakebase target is set in the environment");
				log_hint("set only one of LAKETS_PROJECT, LAKETS_LAKEBASE_ENDPOINT and LAKETS_INSTANCE");
				return EXIT_USAGE;
			}
			cfg->target = envs[i].kind;
			cfg->target_name = v;
		}
	}
	switch (cfg->target)
	{
		case TARGET_PROJECT:
		case TARGET_INSTANCE:
			if (!valid_resource_id(cfg->target_name))
			{
				log_error("invalid %s name \"%s\"",
						  cfg->target == TARGET_PROJECT ? "project" : "instance",
						  cfg->target_name);
				log_hint("names contain only letters, digits, \"-\" and \"_\"");
				return EXIT_USAGE;
			}
			break;
		case TARGET_ENDPOINT:
			if (!valid_endpoint_name(cfg->target_name))
			{
				log_error("invalid endpoint name \"%s\"", cfg->target_name);
				log_hint("use projects/<project>/branches/<branch>/endpoints/<endpoint>");
				return EXIT_USAGE;
			}
			break;
		default:
			break;
	}
	return EXIT_OK;
}

static int
resolve_databricks(config *cfg)
{
	profile_values pv;
	int			rc;

	/* flags, then environment */
	if (cfg->host == NULL)
		cfg->host = env_dup("DATABRICKS_HOST");
	if (cfg->client_id == NULL)
		cfg->client_id = env_dup("DATABRICKS_CLIENT_ID");
	cfg->client_secret = take_secret_env("DATABRICKS_CLIENT_SECRET");
	cfg->token = take_secret_env("DATABRICKS_TOKEN");
	if (cfg->auth_type == NULL)
		cfg->auth_type = env_dup("DATABRICKS_AUTH_TYPE");

	if (cfg->profile == NULL && (cfg->profile = env_dup("DATABRICKS_CONFIG_PROFILE")) != NULL)
		cfg->profile_explicit = true;
	if (cfg->profile == NULL)
		cfg->profile = xstrdup("DEFAULT");
	if (cfg->config_file == NULL &&
		(cfg->config_file = env_dup("DATABRICKS_CONFIG_FILE")) != NULL)
		cfg->config_file_explicit = true;
	if (cfg->config_file == NULL)
		cfg->config_file = default_config_file();

	/* then the profile, for whatever is still unset */
	if (cfg->config_file != NULL)
	{
		rc = load_profile(cfg, &pv);
		if (rc != EXIT_OK)
			return rc;
		if (cfg->host == NULL && pv.host)
			cfg->host = xstrdup(pv.host);
		if (cfg->client_id == NULL && pv.client_id)
			cfg->client_id = xstrdup(pv.client_id);
		if (cfg->client_secret == NULL && pv.client_secret)
			cfg->client_secret = secret_dup(pv.client_secret);
		if (cfg->token == NULL && pv.token)
			cfg->token = secret_dup(pv.token);
		if (cfg->auth_type == NULL && pv.auth_type)
			cfg->auth_type = xstrdup(pv.auth_type);
		profile_values_free(&pv);
	}

	if (cfg->host == NULL)
	{
		log_error("no Databricks workspace host configured");
		log_hint("set DATABRICKS_HOST or add \"host\" to the profile \"%s\"", cfg->profile);
		return EXIT_USAGE;
	}
	rc = normalize_host(cfg);
	if (rc != EXIT_OK)
		return rc;

	/* which authentication, as the SDKs decide it */
	if (cfg->auth_type != NULL)
	{
		if (strcmp(cfg->auth_type, "oauth-m2m") == 0)
			cfg->auth = AUTH_M2M;
		else if (strcmp(cfg->auth_type, "pat") == 0)
			cfg->auth = AUTH_PAT;
		else
		{
			log_error("unsupported auth_type \"%s\"", cfg->auth_type);
			log_hint("lakets-helper supports \"oauth-m2m\" (service principal) and \"pat\"");
			return EXIT_USAGE;
		}
	}
	else if (cfg->client_secret != NULL && cfg->token != NULL)
	{
		log_error("more than one authentication method is configured: oauth-m2m and pat");
		log_hint("set only one of DATABRICKS_CLIENT_SECRET and DATABRICKS_TOKEN, or set DATABRICKS_AUTH_TYPE");
		return EXIT_USAGE;
	}
	else if (cfg->client_secret != NULL)
		cfg->auth = AUTH_M2M;
	else if (cfg->token != NULL)
		cfg->auth = AUTH_PAT;
	else if (cfg->client_id != NULL)
		cfg->auth = AUTH_M2M;	/* reported below: no secret */

	switch (cfg->auth)
	{
		case AUTH_M2M:
			if (cfg->client_id == NULL || cfg->client_secret == NULL)
			{
				log_error("OAuth M2M needs both a client id and a client secret; %s is missing",
						  cfg->client_id == NULL ? "the client id" : "the client secret");
				log_hint("set DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (environment or profile)");
				return EXIT_USAGE;
			}
			secret_free(cfg->token);
			cfg->token = NULL;
			log_info("authenticating as service principal %s (OAuth M2M)", cfg->client_id);
			break;
		case AUTH_PAT:
			if (cfg->token == NULL)
			{
				log_error("auth_type is \"pat\" but no token is configured");
				log_hint("set DATABRICKS_TOKEN");
				return EXIT_USAGE;
			}
			secret_free(cfg->client_secret);
			cfg->client_secret = NULL;
			log_info("authenticating with a personal access token");
			break;
		case AUTH_NONE:
			log_error("no Databricks credentials configured");
			log_hint("set DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET for a service principal, or DATABRICKS_TOKEN");
			return EXIT_USAGE;
	}

	/* connection security: require or stricter, never weaker */
	if (cfg->sslmode == NULL)
	{
		const char *v = getenv("PGSSLMODE");

		if (v && (strcmp(v, "verify-ca") == 0 || strcmp(v, "verify-full") == 0))
			cfg->sslmode = xstrdup(v);
		else
			cfg->sslmode = xstrdup("require");
	}
	if (strcmp(cfg->sslmode, "require") != 0 && strcmp(cfg->sslmode, "verify-ca") != 0 &&
		strcmp(cfg->sslmode, "verify-full") != 0)
	{
		log_error("sslmode \"%s\" is not allowed for Lakebase", cfg->sslmode);
		log_hint("use require, verify-ca or verify-full");
		return EXIT_USAGE;
	}
	if (cfg->dbname == NULL)
		cfg->dbname = xstrdup("databricks_postgres");
	if (cfg->port == NULL)
		cfg->port = env_dup("PGPORT");
	if (cfg->port == NULL)
		cfg->port = xstrdup("5432");
	return EXIT_OK;
}

/* Plain PostgreSQL: libpq's own settings; refuse passwords on argv. */
static int
resolve_plain(config *cfg)
{
	char	   *errmsg = NULL;
	PQconninfoOption *opts,
			   *o;
	char	   *ci = cfg->conninfo;

	/* --dbname may hold a connection string too, as with psql */
	if (ci == NULL && cfg->dbname &&
		(strchr(cfg->dbname, '=') || strncmp(cfg->dbname, "postgres://", 11) == 0 ||
		 strncmp(cfg->dbname, "postgresql://", 13) == 0))
		ci = cfg->dbname;
	if (ci == NULL)
		goto check_sslmode;
	opts = PQconninfoParse(ci, &errmsg);
	if (opts == NULL)
	{
		log_error("invalid connection string: %s", errmsg ? errmsg : "out of memory");
		PQfreemem(errmsg);
		return EXIT_USAGE;
	}
	for (o = opts; o->keyword; o++)
	{
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL && o->val[0] != '\0')
		{
			explicit_bzero(o->val, strlen(o->val));
			PQconninfoFree(opts);
			explicit_bzero(ci, strlen(ci));
			log_error("refusing a password on the command line");
			log_hint("other users can read command lines; use PGPASSWORD or a ~/.pgpass file");
			return EXIT_USAGE;
		}
	}
	PQconninfoFree(opts);
check_sslmode:
	if (cfg->sslmode != NULL && strcmp(cfg->sslmode, "disable") != 0 &&
		strcmp(cfg->sslmode, "allow") != 0 && strcmp(cfg->sslmode, "prefer") != 0 &&
		strcmp(cfg->sslmode, "require") != 0 && strcmp(cfg->sslmode, "verify-ca") != 0 &&
		strcmp(cfg->sslmode, "verify-full") != 0)
	{
		log_error("invalid sslmode \"%s\"", cfg->sslmode);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int
config_resolve(config *cfg)
{
	int			rc;
	long		n;
	const char *v;

	rc = resolve_target(cfg);
	if (rc != EXIT_OK)
		return rc;

	if (cfg->role == NULL)
		cfg->role = env_dup("LAKETS_PG_ROLE");
	if (cfg->dbname == NULL)
		cfg->dbname = env_dup("LAKETS_DBNAME");
	if (cfg->cacert == NULL)
		cfg->cacert = env_dup("LAKETS_CA_BUNDLE");
	if (cfg->cacert != NULL && access(cfg->cacert, R_OK) != 0)
	{
		log_error("could not read CA bundle \"%s\": %s", cfg->cacert, strerror(errno));
		return EXIT_USAGE;
	}

	if ((rc = resolve_duration_env(&cfg->http_timeout_ms, "LAKETS_HTTP_TIMEOUT",
								   30000, 1000, "HTTP timeout")) != EXIT_OK ||
		(rc = resolve_duration_env(&cfg->deadline_ms, "LAKETS_DEADLINE",
								   15 * 60000, 1000, "deadline")) != EXIT_OK ||
		(rc = resolve_duration_env(&cfg->connect_timeout_ms, "LAKETS_CONNECT_TIMEOUT",
								   30000, 1000, "connect timeout")) != EXIT_OK ||
		(rc = resolve_duration_env(&cfg->statement_timeout_ms, "LAKETS_STATEMENT_TIMEOUT",
								   10 * 60000, 1, "statement timeout")) != EXIT_OK ||
		(rc = resolve_duration_env(&cfg->lock_timeout_ms, "LAKETS_LOCK_TIMEOUT",
								   30000, 1, "lock timeout")) != EXIT_OK ||
		(rc = resolve_duration_env(&cfg->retry_delay_ms, "LAKETS_RETRY_DELAY",
								   500, 1, "retry delay")) != EXIT_OK)
		return rc;
	if (cfg->http_timeout_ms < 100 || cfg->connect_timeout_ms < 1000)
	{
		log_error("timeouts must be at least 100ms (HTTP) and 1s (connect)");
		return EXIT_USAGE;
	}
	if (cfg->retries < 0)
	{
		v = getenv("LAKETS_RETRIES");
		if (v != NULL && *v != '\0')
		{
			if (!parse_int(v, 0, 100, &n))
			{
				log_error("invalid LAKETS_RETRIES \"%s\"", v);
				return EXIT_USAGE;
			}
			cfg->retries = (int) n;
		}
		else
			cfg->retries = 4;
	}

	if (cfg->target != TARGET_NONE)
		return resolve_databricks(cfg);
	if (getenv("DATABRICKS_HOST") != NULL)
		log_info("DATABRICKS_HOST is set but no Lakebase target is; using plain libpq settings");
	return resolve_plain(cfg);
}

void
config_free(config *cfg)
{
	free(cfg->host);
	free(cfg->client_id);
	secret_free(cfg->client_secret);
	secret_free(cfg->token);
	free(cfg->auth_type);
	free(cfg->profile);
	free(cfg->config_file);
	free(cfg->target_name);
	free(cfg->dbname);
	free(cfg->conninfo);
	free(cfg->role);
	free(cfg->port);
	free(cfg->sslmode);
	free(cfg->cacert);
	memset(cfg, 0, sizeof(*cfg));
}
