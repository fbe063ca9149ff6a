/*
 * config.c
 *		Resolve lakets-helper's configuration: flags, then environment, then
 *		a Databricks configuration profile; then validate the result.
 *
 * The rules are those of the Databricks SDKs and CLI ("unified
 * authentication"), so one environment or profile serves them and us:
 *
 * - The profile file is read only when a profile is named (--profile,
 *   DATABRICKS_CONFIG_PROFILE) or when neither a host nor any credential is
 *   set otherwise.  A [DEFAULT] written by "databricks auth login" therefore
 *   never mixes with service-principal settings in the environment.
 * - Without a named profile, [__settings__] default_profile picks one
 *   (what "databricks auth switch" writes), else [DEFAULT].
 * - Values set by flags or the environment win over the profile's.
 * - The authentication method is auth_type if set; otherwise the one the
 *   credentials present imply, and two at once are an error.
 *
 * The file is the INI format of the CLI and SDKs
 * (docs.databricks.com/dev-tools/auth/config-profiles): "[name]" sections
 * holding "key = value" lines, '#' or ';' comments, values optionally in
 * quotes.  We read the keys of dbx_attrs below and ignore the rest.
 * [DEFAULT] values are not inherited by other sections (the Go SDK, which
 * the CLI uses, does not inherit either).
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

#include "command.h"
#include "config.h"
#include "report.h"
#include "util.h"

/* A profile file bigger than this is certainly not a profile file. */
#define MAX_PROFILE_FILE (1024 * 1024)

#define SETTINGS_SECTION	"__settings__"
#define DEFAULT_OIDC_ENV	"DATABRICKS_OIDC_TOKEN"

/*
 * Where each Databricks setting comes from.  "credential" marks the
 * settings whose presence means authentication is configured (the SDKs'
 * "auth" attributes), which keeps the profile file out of the way.
 */
static const struct
{
	const char *key;			/* profile key */
	const char *alt_key;		/* the key other SDKs write, or NULL */
	const char *env;
	bool		secret;
	bool		credential;
}			dbx_attrs[DA_COUNT] =
{
	[DA_HOST] = {"host", NULL, "DATABRICKS_HOST", false, false},
	[DA_CLIENT_ID] = {"client_id", NULL, "DATABRICKS_CLIENT_ID", false, true},
	[DA_CLIENT_SECRET] = {"client_secret", NULL, "DATABRICKS_CLIENT_SECRET", true, true},
	[DA_TOKEN] = {"token", NULL, "DATABRICKS_TOKEN", true, true},
	[DA_AUTH_TYPE] = {"auth_type", NULL, "DATABRICKS_AUTH_TYPE", false, false},
	[DA_OIDC_TOKEN_ENV] = {"oidc_token_env", NULL, "DATABRICKS_OIDC_TOKEN_ENV", false, true},
	[DA_OIDC_TOKEN_FILE] = {"oidc_token_filepath", "databricks_id_token_filepath",
	"DATABRICKS_OIDC_TOKEN_FILEPATH", false, true},
	[DA_AZURE_CLIENT_ID] = {"azure_client_id", NULL, "ARM_CLIENT_ID", false, true},
	[DA_AZURE_CLIENT_SECRET] = {"azure_client_secret", NULL, "ARM_CLIENT_SECRET", true, true},
	[DA_AZURE_TENANT_ID] = {"azure_tenant_id", NULL, "ARM_TENANT_ID", false, true},
	[DA_CLI_PATH] = {"databricks_cli_path", NULL, "DATABRICKS_CLI_PATH", false, false},
};

static const struct
{
	const char *name;
	enum auth_kind kind;
}			auth_names[] =
{
	{"pat", AUTH_PAT},
	{"oauth-m2m", AUTH_M2M},
	{"env-oidc", AUTH_ENV_OIDC},
	{"file-oidc", AUTH_FILE_OIDC},
	{"azure-client-secret", AUTH_AZURE_SECRET},
	{"databricks-cli", AUTH_CLI},
};

#define lengthof(a) (sizeof(a) / sizeof((a)[0]))

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
	cfg->start_timeout_ms = -1;
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

const char *
auth_kind_name(enum auth_kind a)
{
	size_t		i;

	for (i = 0; i < lengthof(auth_names); i++)
		if (auth_names[i].kind == a)
			return auth_names[i].name;
	return "none";
}

static void
set_str(char **dst, char *src)
{
	free(*dst);
	*dst = src;
}

/* Free a setting, wiping it first if it is a secret. */
static void
drop_attr(config *cfg, enum dbx_attr a)
{
	if (dbx_attrs[a].secret)
		secret_free(cfg->dbx[a]);
	else
		free(cfg->dbx[a]);
	cfg->dbx[a] = NULL;
}

/*
 * Read a secret from the environment, then wipe and remove the variable so
 * the value lives only in our wiped buffer (and is not inherited, by the
 * Databricks CLI for one).
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

/*
 * Called for each "[section]" (key NULL) and each "key = value" line of
 * an INI buffer; sec is the section the line is in.
 */
typedef void (*ini_fn) (void *arg, const char *sec, size_t slen,
						const char *key, size_t klen,
						const char *val, size_t vlen);

/* The value part of a line: unquoted, or cut at an inline comment. */
static const char *
ini_value(const char *vs, const char *ve, const char **out_end)
{
	const char *c;

	/* "value" or 'value': the quotes go, as in go-ini and configparser users */
	if (ve - vs >= 2 && (*vs == '"' || *vs == '\''))
	{
		const char *close = memchr(vs + 1, *vs, (size_t) (ve - vs - 1));

		if (close != NULL)
		{
			*out_end = close;
			return vs + 1;
		}
	}
	/* an inline comment needs whitespace before it, as in go-ini */
	for (c = vs; c < ve; c++)
		if ((*c == '#' || *c == ';') && c > vs && isspace((unsigned char) c[-1]))
			return trim(vs, c, out_end);
	*out_end = ve;
	return vs;
}

static bool
ini_walk(const char *buf, size_t len, ini_fn fn, void *arg, int *errline)
{
	const char *p = buf;
	const char *end = buf + len;
	const char *sec = NULL;
	size_t		slen = 0;
	int			lineno = 0;

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
			sec = ns;
			slen = (size_t) (ne - ns);
			fn(arg, sec, slen, NULL, 0, NULL, 0);
			continue;
		}

		{
			const char *eq = s;
			const char *ks,
					   *ke,
					   *vs,
					   *ve;

			while (eq < se && *eq != '=' && *eq != ':')
				eq++;
			if (eq == se || sec == NULL)
				goto syntax_error;
			ks = trim(s, eq, &ke);
			if (ks == ke)
				goto syntax_error;
			vs = trim(eq + 1, se, &ve);
			vs = ini_value(vs, ve, &ve);
			fn(arg, sec, slen, ks, (size_t) (ke - ks), vs, (size_t) (ve - vs));
		}
	}
	return true;

syntax_error:
	*errline = lineno;
	return false;
}

static bool
span_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

static bool
key_is(const char *s, size_t len, const char *word)
{
	return word != NULL && strlen(word) == len && strncasecmp(s, word, len) == 0;
}

/* [__settings__] default_profile, into *(char **) arg */
static void
collect_settings(void *arg, const char *sec, size_t slen, const char *key, size_t klen,
				 const char *val, size_t vlen)
{
	char	  **dflt = arg;

	if (key != NULL && vlen > 0 && span_is(sec, slen, SETTINGS_SECTION) &&
		key_is(key, klen, "default_profile"))
		set_str(dflt, xstrndup(val, vlen));
}

/* The keys of dbx_attrs in section pv->name, into pv */
static void
collect_profile(void *arg, const char *sec, size_t slen, const char *key, size_t klen,
				const char *val, size_t vlen)
{
	profile_values *pv = arg;
	int			a;

	if (!span_is(sec, slen, pv->name))
		return;
	pv->found = true;
	if (key == NULL)
		return;
	for (a = 0; a < DA_COUNT; a++)
	{
		if (!key_is(key, klen, dbx_attrs[a].key) && !key_is(key, klen, dbx_attrs[a].alt_key))
			continue;
		if (dbx_attrs[a].secret)
		{
			secret_free(pv->v[a]);
			pv->v[a] = secret_adopt(xstrndup(val, vlen));
		}
		else
			set_str(&pv->v[a], xstrndup(val, vlen));
		break;
	}
}

bool
config_parse_profile(const char *buf, size_t len, const char *name,
					 profile_values *out, int *errline)
{
	char	   *dflt = NULL;

	memset(out, 0, sizeof(*out));
	if (name == NULL)
	{
		if (!ini_walk(buf, len, collect_settings, &dflt, errline))
		{
			free(dflt);
			return false;
		}
		out->name = dflt ? dflt : xstrdup("DEFAULT");
	}
	else
		out->name = xstrdup(name);
	if (!ini_walk(buf, len, collect_profile, out, errline))
	{
		profile_values_free(out);
		return false;
	}
	return true;
}

void
profile_values_free(profile_values *pv)
{
	int			a;

	for (a = 0; a < DA_COUNT; a++)
	{
		if (dbx_attrs[a].secret)
			secret_free(pv->v[a]);
		else
			free(pv->v[a]);
	}
	free(pv->name);
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
 * Load the chosen profile (cfg->profile if one was named, else the
 * default one).  A missing file or a missing [DEFAULT] section is fine
 * unless the user named the file or a profile.
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
	bool		named;

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

	if (!config_parse_profile(sb.data ? sb.data : "", sb.len,
							  cfg->profile_explicit ? cfg->profile : NULL, pv, &errline))
	{
		strbuf_free(&sb);
		log_error("syntax error in configuration file \"%s\" at line %d",
				  cfg->config_file, errline);
		log_hint("each line must be \"[profile]\", \"key = value\" or a # comment");
		return EXIT_USAGE;
	}
	strbuf_free(&sb);

	/* a default_profile in [__settings__] names a profile as --profile does */
	named = cfg->profile_explicit || strcmp(pv->name, "DEFAULT") != 0;
	set_str(&cfg->profile, xstrdup(pv->name));
	if (!pv->found)
	{
		if (named)
		{
			log_error("profile \"%s\" not found in \"%s\"", cfg->profile, cfg->config_file);
			log_hint(cfg->profile_explicit ? "check DATABRICKS_CONFIG_PROFILE or --profile" :
					 "check default_profile in the [__settings__] section (\"databricks auth switch\" sets it)");
			profile_values_free(pv);
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

int
normalize_host(const char *in, char **out)
{
	const char *p = in;
	size_t		alen;
	const char *rest;
	const char *c;

	*out = NULL;
	if (strncasecmp(p, "http://", 7) == 0)
	{
		log_error("the workspace URL (DATABRICKS_HOST) must use https, not http");
		log_hint("set DATABRICKS_HOST=https://<workspace host>");
		return EXIT_USAGE;
	}
	if (strncasecmp(p, "https://", 8) == 0)
		p += 8;
	else if (strstr(p, "://") != NULL)
	{
		log_error("the workspace URL (DATABRICKS_HOST) has an unsupported scheme: \"%s\"", in);
		return EXIT_USAGE;
	}
	alen = strcspn(p, "/?#");
	rest = p + alen;
	if (memchr(p, '@', alen) != NULL)
	{
		/* not echoed: user info may be a password */
		log_error("the workspace URL (DATABRICKS_HOST) must not contain user information (\"user@\")");
		log_hint("credentials go into DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET, or a profile");
		return EXIT_USAGE;
	}
	for (c = p; c < rest; c++)
		if (isspace((unsigned char) *c) || iscntrl((unsigned char) *c))
			break;
	if (alen == 0 || c < rest)
	{
		log_error("the workspace URL (DATABRICKS_HOST) is not valid: \"%s\"", in);
		return EXIT_USAGE;
	}
	/* a path other than "/" is not a workspace URL (it would be posted to) */
	while (*rest == '/')
		rest++;
	if (*rest != '\0' && *rest != '?' && *rest != '#')
	{
		log_error("the workspace URL (DATABRICKS_HOST) must not have a path: \"%s\"", in);
		log_hint("use https://%.*s", (int) alen, p);
		return EXIT_USAGE;
	}
	if (*rest != '\0' && strcmp(rest, "#") != 0)
		log_info("ignoring \"%s\" after the host in the workspace URL", rest);
	if (strncasecmp(p, "accounts.", 9) == 0 || strncasecmp(p, "accounts-dod.", 13) == 0)
	{
		log_error("\"%.*s\" is the Databricks account console, not a workspace", (int) alen, p);
		log_hint("Lakebase is reached through a workspace: set DATABRICKS_HOST to its URL, such as https://dbc-a1b2345c-d6e7.cloud.databricks.com or https://adb-1234567890123456.7.azuredatabricks.net");
		return EXIT_USAGE;
	}
	*out = xasprintf("https://%.*s", (int) alen, p);
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
		for (i = 0; i < lengthof(envs); i++)
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

	if (cfg->branch == NULL)
		cfg->branch = env_dup("LAKETS_BRANCH");
	if (cfg->branch != NULL && cfg->target != TARGET_PROJECT)
	{
		log_error("a branch (--branch, LAKETS_BRANCH) needs a project (--project, LAKETS_PROJECT)");
		log_hint("an endpoint name already names its branch; a Provisioned instance has none");
		return EXIT_USAGE;
	}
	if (cfg->branch != NULL && !valid_resource_id(cfg->branch))
	{
		log_error("invalid branch name \"%s\"", cfg->branch);
		log_hint("use the branch id, such as \"production\" or \"dev\" (letters, digits, \"-\" and \"_\")");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* Is any credential set, by a flag or the environment? */
static bool
any_credential(const config *cfg)
{
	int			a;

	for (a = 0; a < DA_COUNT; a++)
		if (dbx_attrs[a].credential && cfg->dbx[a] != NULL)
			return true;
	return getenv(DEFAULT_OIDC_ENV) != NULL && *getenv(DEFAULT_OIDC_ENV) != '\0';
}

static bool
is_azure_host(const char *host)
{
	return strstr(host, ".azuredatabricks.net") != NULL ||
		strstr(host, ".databricks.azure.us") != NULL ||
		strstr(host, ".databricks.azure.cn") != NULL;
}

/* Entra ID for the workspace's cloud, unless LAKETS_AZURE_AUTHORITY says */
static char *
azure_authority(const char *host)
{
	char	   *a = env_dup("LAKETS_AZURE_AUTHORITY");
	size_t		n;

	if (a == NULL)
		a = xstrdup(strstr(host, ".databricks.azure.us") ? "https://login.microsoftonline.us" :
					strstr(host, ".databricks.azure.cn") ? "https://login.chinacloudapi.cn" :
					"https://login.microsoftonline.com");
	n = strlen(a);
	while (n > 0 && a[n - 1] == '/')
		a[--n] = '\0';
	return a;
}

/* The flags and the environment, then the profile where the SDKs read it */
static int
gather_databricks(config *cfg)
{
	profile_values pv;
	int			a;
	int			rc;
	char	   *env_host;

	for (a = 0; a < DA_COUNT; a++)
	{
		if (cfg->dbx[a] != NULL)
			continue;			/* from a flag */
		cfg->dbx[a] = dbx_attrs[a].secret ? take_secret_env(dbx_attrs[a].env) :
			env_dup(dbx_attrs[a].env);
	}

	if (cfg->profile == NULL && (cfg->profile = env_dup("DATABRICKS_CONFIG_PROFILE")) != NULL)
		cfg->profile_explicit = true;
	if (cfg->profile_explicit && strcmp(cfg->profile, SETTINGS_SECTION) == 0)
	{
		log_error("\"%s\" is the settings section of the configuration file, not a profile",
				  SETTINGS_SECTION);
		log_hint("name a profile, or set default_profile in [%s]", SETTINGS_SECTION);
		return EXIT_USAGE;
	}
	if (cfg->config_file == NULL &&
		(cfg->config_file = env_dup("DATABRICKS_CONFIG_FILE")) != NULL)
		cfg->config_file_explicit = true;
	if (cfg->config_file == NULL)
		cfg->config_file = default_config_file();

	if (!cfg->profile_explicit && (cfg_host(cfg) != NULL || any_credential(cfg)))
	{
		log_debug("not reading a profile: the host or credentials are set, and no profile is named");
		return EXIT_OK;
	}
	if (cfg->config_file == NULL)
		return EXIT_OK;
	rc = load_profile(cfg, &pv);
	if (rc != EXIT_OK || !pv.found)
	{
		profile_values_free(&pv);
		return rc;
	}
	env_host = cfg_host(cfg);
	if (env_host != NULL && pv.v[DA_HOST] != NULL && strcmp(env_host, pv.v[DA_HOST]) != 0)
		log_warning("the host \"%s\" from the command line or DATABRICKS_HOST overrides \"%s\" of profile \"%s\"",
					env_host, pv.v[DA_HOST], cfg->profile);
	for (a = 0; a < DA_COUNT; a++)
	{
		if (cfg->dbx[a] != NULL || pv.v[a] == NULL)
			continue;
		cfg->dbx[a] = pv.v[a];	/* ownership passes; a secret stays registered */
		pv.v[a] = NULL;
	}
	profile_values_free(&pv);
	return EXIT_OK;
}

/* Which authentication, as the SDKs decide it. */
static int
choose_auth(config *cfg)
{
	const char *type = cfg->dbx[DA_AUTH_TYPE];
	enum auth_kind found[4];
	int			nfound = 0;
	size_t		i;
	char	   *cli;

	if (type != NULL)
	{
		for (i = 0; i < lengthof(auth_names); i++)
			if (strcmp(type, auth_names[i].name) == 0)
				cfg->auth = auth_names[i].kind;
		if (cfg->auth == AUTH_NONE)
		{
			log_error("unsupported auth_type \"%s\"", type);
			log_hint("lakets-helper supports oauth-m2m, pat, env-oidc, file-oidc, azure-client-secret and databricks-cli");
			return EXIT_USAGE;
		}
		return EXIT_OK;
	}

	if (cfg->dbx[DA_TOKEN])
		found[nfound++] = AUTH_PAT;
	if (cfg->dbx[DA_CLIENT_SECRET])
		found[nfound++] = AUTH_M2M;
	if (cfg->oidc_token)
		found[nfound++] = AUTH_ENV_OIDC;
	else if (cfg->dbx[DA_OIDC_TOKEN_FILE])
		found[nfound++] = AUTH_FILE_OIDC;
	/* as in the SDKs, Entra ID credentials count for Azure workspaces only */
	if (cfg->dbx[DA_AZURE_CLIENT_SECRET] && is_azure_host(cfg_host(cfg)))
		found[nfound++] = AUTH_AZURE_SECRET;
	if (nfound > 1)
	{
		log_error("more than one authentication method is configured: %s and %s",
				  auth_kind_name(found[0]), auth_kind_name(found[1]));
		log_hint("keep the credentials of one method, or choose one with DATABRICKS_AUTH_TYPE (auth_type in a profile)");
		return EXIT_USAGE;
	}
	if (nfound == 1)
	{
		cfg->auth = found[0];
		return EXIT_OK;
	}
	if (cfg_client_id(cfg) != NULL)
	{
		cfg->auth = AUTH_M2M;	/* reported by check_auth(): no secret */
		return EXIT_OK;
	}
	/* the SDKs' default chain ends with a Databricks CLI that is logged in */
	cli = command_find(cfg->dbx[DA_CLI_PATH] ? cfg->dbx[DA_CLI_PATH] : "databricks");
	if (cli != NULL)
	{
		free(cli);
		cfg->auth = AUTH_CLI;
		return EXIT_OK;
	}
	log_error("no Databricks credentials configured");
	log_hint("set DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET for a service principal, DATABRICKS_OIDC_TOKEN_FILEPATH for token federation, or DATABRICKS_TOKEN; see docs/helper.md");
	return EXIT_USAGE;
}

/* What the chosen method needs; then drop the secrets it does not use. */
static int
check_auth(config *cfg)
{
	static const enum dbx_attr secrets[] = {DA_CLIENT_SECRET, DA_TOKEN, DA_AZURE_CLIENT_SECRET};
	enum dbx_attr keep = DA_COUNT;
	const char *missing = NULL;
	const char *hint = NULL;
	size_t		i;

	switch (cfg->auth)
	{
		case AUTH_M2M:
			keep = DA_CLIENT_SECRET;
			if (cfg_client_id(cfg) == NULL || cfg->dbx[DA_CLIENT_SECRET] == NULL)
			{
				log_error("OAuth M2M needs both a client id and a client secret; %s is missing",
						  cfg_client_id(cfg) == NULL ? "the client id" : "the client secret");
				log_hint("set DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (environment or profile), or for token federation DATABRICKS_OIDC_TOKEN_FILEPATH");
				return EXIT_USAGE;
			}
			log_info("authenticating as service principal %s (oauth-m2m)", cfg_client_id(cfg));
			break;
		case AUTH_PAT:
			keep = DA_TOKEN;
			if (cfg->dbx[DA_TOKEN] == NULL)
				missing = "DATABRICKS_TOKEN", hint = "set DATABRICKS_TOKEN (or token in the profile)";
			else
				log_info("authenticating with a personal access token (pat)");
			break;
		case AUTH_ENV_OIDC:
			if (cfg->oidc_token == NULL)
			{
				log_error("env-oidc needs an identity token in %s, which is empty or not set",
						  cfg->dbx[DA_OIDC_TOKEN_ENV] ? cfg->dbx[DA_OIDC_TOKEN_ENV] : DEFAULT_OIDC_ENV);
				log_hint("set %s to the JWT of your identity provider, or name the variable holding it with DATABRICKS_OIDC_TOKEN_ENV",
						 DEFAULT_OIDC_ENV);
				return EXIT_USAGE;
			}
			log_info("authenticating by token federation, identity token from the environment (env-oidc)%s%s",
					 cfg_client_id(cfg) ? ", service principal " : ", account-wide",
					 cfg_client_id(cfg) ? cfg_client_id(cfg) : "");
			break;
		case AUTH_FILE_OIDC:
			if (cfg->dbx[DA_OIDC_TOKEN_FILE] == NULL)
				missing = "DATABRICKS_OIDC_TOKEN_FILEPATH",
					hint = "set DATABRICKS_OIDC_TOKEN_FILEPATH to the identity token's file, such as a Kubernetes projected service account token";
			else if (access(cfg->dbx[DA_OIDC_TOKEN_FILE], R_OK) != 0)
			{
				log_error("could not read the identity token file \"%s\": %s",
						  cfg->dbx[DA_OIDC_TOKEN_FILE], strerror(errno));
				log_hint("check DATABRICKS_OIDC_TOKEN_FILEPATH (and, in Kubernetes, the projected volume)");
				return EXIT_USAGE;
			}
			else
				log_info("authenticating by token federation, identity token from \"%s\" (file-oidc)%s%s",
						 cfg->dbx[DA_OIDC_TOKEN_FILE],
						 cfg_client_id(cfg) ? ", service principal " : ", account-wide",
						 cfg_client_id(cfg) ? cfg_client_id(cfg) : "");
			break;
		case AUTH_AZURE_SECRET:
			keep = DA_AZURE_CLIENT_SECRET;
			if (cfg->dbx[DA_AZURE_CLIENT_ID] == NULL)
				missing = "ARM_CLIENT_ID";
			else if (cfg->dbx[DA_AZURE_CLIENT_SECRET] == NULL)
				missing = "ARM_CLIENT_SECRET";
			else if (cfg->dbx[DA_AZURE_TENANT_ID] == NULL)
				missing = "ARM_TENANT_ID";
			hint = "azure-client-secret needs ARM_CLIENT_ID, ARM_CLIENT_SECRET and ARM_TENANT_ID (or azure_client_id, azure_client_secret and azure_tenant_id in the profile)";
			if (missing == NULL)
			{
				cfg->azure_authority = azure_authority(cfg_host(cfg));
				log_info("authenticating as Microsoft Entra ID service principal %s of tenant %s (azure-client-secret)",
						 cfg->dbx[DA_AZURE_CLIENT_ID], cfg->dbx[DA_AZURE_TENANT_ID]);
			}
			break;
		case AUTH_CLI:
			{
				char	   *cli = command_find(cfg->dbx[DA_CLI_PATH] ? cfg->dbx[DA_CLI_PATH] : "databricks");

				if (cli == NULL)
				{
					log_error("auth_type is \"databricks-cli\" but the Databricks CLI was not found%s%s",
							  cfg->dbx[DA_CLI_PATH] ? " at " : " on PATH",
							  cfg->dbx[DA_CLI_PATH] ? cfg->dbx[DA_CLI_PATH] : "");
					log_hint("install it (docs.databricks.com/dev-tools/cli/install) and run \"databricks auth login --host %s\", or set DATABRICKS_CLI_PATH",
							 cfg_host(cfg));
					return EXIT_USAGE;
				}
				set_str(&cfg->dbx[DA_CLI_PATH], cli);
				log_info("authenticating with the login of the Databricks CLI %s (databricks-cli)", cli);
				break;
			}
		case AUTH_NONE:
			break;
	}
	if (missing != NULL)
	{
		log_error("auth_type \"%s\" needs %s, which is not set", auth_kind_name(cfg->auth), missing);
		log_hint("%s", hint);
		return EXIT_USAGE;
	}
	for (i = 0; i < lengthof(secrets); i++)
		if (secrets[i] != keep)
			drop_attr(cfg, secrets[i]);
	if (cfg->auth != AUTH_ENV_OIDC)
	{
		secret_free(cfg->oidc_token);
		cfg->oidc_token = NULL;
	}
	return EXIT_OK;
}

static int
resolve_databricks(config *cfg)
{
	char	   *host;
	int			rc;

	if ((rc = gather_databricks(cfg)) != EXIT_OK)
		return rc;
	if (cfg_host(cfg) == NULL)
	{
		log_error("no Databricks workspace host configured");
		log_hint("set DATABRICKS_HOST or add \"host\" to the profile \"%s\"",
				 cfg->profile ? cfg->profile : "DEFAULT");
		return EXIT_USAGE;
	}
	if ((rc = normalize_host(cfg_host(cfg), &host)) != EXIT_OK)
		return rc;
	set_str(&cfg->dbx[DA_HOST], host);

	/* the identity token of env-oidc, from the variable the settings name */
	cfg->oidc_token = take_secret_env(cfg->dbx[DA_OIDC_TOKEN_ENV] ? cfg->dbx[DA_OIDC_TOKEN_ENV] :
									  DEFAULT_OIDC_ENV);
	if ((rc = choose_auth(cfg)) != EXIT_OK || (rc = check_auth(cfg)) != EXIT_OK)
		return rc;

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
								   500, 1, "retry delay")) != EXIT_OK ||
		(rc = resolve_duration_env(&cfg->start_timeout_ms, "LAKETS_START_TIMEOUT",
								   10 * 60000, 1000, "start timeout")) != EXIT_OK)
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
	int			a;

	for (a = 0; a < DA_COUNT; a++)
		drop_attr(cfg, (enum dbx_attr) a);
	secret_free(cfg->oidc_token);
	free(cfg->azure_authority);
	free(cfg->profile);
	free(cfg->config_file);
	free(cfg->target_name);
	free(cfg->branch);
	free(cfg->dbname);
	free(cfg->conninfo);
	free(cfg->role);
	free(cfg->port);
	free(cfg->sslmode);
	free(cfg->cacert);
	memset(cfg, 0, sizeof(*cfg));
}
