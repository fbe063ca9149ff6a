/*
 * config.h
 *		Resolved configuration of one lakets-helper process.
 *
 * Each setting comes from the first of: command-line flag, environment
 * variable, Databricks configuration profile (~/.databrickscfg, the INI
 * file the Databricks CLI and SDKs share).  As in the SDKs, the profile
 * file is read only when a profile is named, or when neither a host nor
 * any credential is set otherwise.  Secrets (client secrets, tokens)
 * never come from the command line.
 */
#ifndef LAKETS_HELPER_CONFIG_H
#define LAKETS_HELPER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum target_kind
{
	TARGET_NONE,				/* plain PostgreSQL via libpq settings */
	TARGET_PROJECT,				/* Lakebase Autoscaling project */
	TARGET_ENDPOINT,			/* Lakebase Autoscaling endpoint */
	TARGET_INSTANCE				/* Lakebase Provisioned instance */
};

/* The SDKs' auth_type names; see auth_kind_name(). */
enum auth_kind
{
	AUTH_NONE,
	AUTH_PAT,					/* pat: personal access token */
	AUTH_M2M,					/* oauth-m2m: client credentials */
	AUTH_ENV_OIDC,				/* env-oidc: token federation, JWT in a variable */
	AUTH_FILE_OIDC,				/* file-oidc: token federation, JWT in a file */
	AUTH_AZURE_SECRET,			/* azure-client-secret: Entra ID service principal */
	AUTH_CLI					/* databricks-cli: "databricks auth token" */
};

/*
 * The Databricks settings that can come from the environment or a profile,
 * in the order of the SDKs' attribute list.  config.c has the table of
 * their profile keys and variables.
 */
enum dbx_attr
{
	DA_HOST,
	DA_CLIENT_ID,
	DA_CLIENT_SECRET,			/* secret */
	DA_TOKEN,					/* secret */
	DA_AUTH_TYPE,
	DA_OIDC_TOKEN_ENV,			/* name of the variable holding the JWT */
	DA_OIDC_TOKEN_FILE,
	DA_AZURE_CLIENT_ID,
	DA_AZURE_CLIENT_SECRET,		/* secret */
	DA_AZURE_TENANT_ID,
	DA_CLI_PATH,
	DA_COUNT
};

typedef struct config
{
	/* Databricks workspace and credentials, indexed by enum dbx_attr */
	char	   *dbx[DA_COUNT];
	char	   *oidc_token;		/* secret: the JWT of env-oidc */
	char	   *azure_authority;	/* Entra ID, "https://login.microsoftonline.com" */
	char	   *profile;
	char	   *config_file;
	bool		profile_explicit;
	bool		config_file_explicit;
	enum auth_kind auth;

	/* which database */
	enum target_kind target;
	char	   *target_name;
	char	   *branch;			/* with TARGET_PROJECT: not the default branch */
	char	   *dbname;
	char	   *conninfo;
	char	   *role;
	char	   *port;
	char	   *sslmode;
	char	   *cacert;

	/* timeouts and retries, milliseconds */
	int64_t		http_timeout_ms;
	int64_t		deadline_ms;
	int64_t		connect_timeout_ms;
	int64_t		statement_timeout_ms;
	int64_t		lock_timeout_ms;
	int64_t		retry_delay_ms;
	int64_t		start_timeout_ms;
	int			retries;

	/* repetition and output */
	int64_t		every_ms;
	long		count;
	bool		json;
	bool		partial_ok;
} config;

/* Shorthands for the workspace settings everyone reads. */
#define cfg_host(cfg)		((cfg)->dbx[DA_HOST])
#define cfg_client_id(cfg)	((cfg)->dbx[DA_CLIENT_ID])

/* Flags not given on the command line are NULL / -1 before resolving. */
extern void config_init(config *cfg);

/* Fill from environment and profile, then validate; returns an exit code. */
extern int	config_resolve(config *cfg);

/* Wipe secrets and free everything. */
extern void config_free(config *cfg);

extern const char *target_kind_name(enum target_kind t);
extern const char *auth_kind_name(enum auth_kind a);

/* Values of one profile section, indexed by enum dbx_attr. */
typedef struct profile_values
{
	bool		found;
	char	   *name;			/* the section chosen */
	char	   *v[DA_COUNT];
} profile_values;

/*
 * Parse an INI buffer (not necessarily NUL-terminated) and extract the
 * section called name, or with name NULL the one [__settings__]
 * default_profile names, else DEFAULT.  Values in matching quotes lose
 * them.  Returns false on a syntax error, with the line number in
 * *errline; never copies file text into messages, since a malformed line
 * may well hold a secret.
 */
extern bool config_parse_profile(const char *buf, size_t len, const char *name,
								 profile_values *out, int *errline);
extern void profile_values_free(profile_values *pv);

/* Validate a resource id used in REST paths (letters, digits, - and _). */
extern bool valid_resource_id(const char *s);
extern bool valid_endpoint_name(const char *s);

/*
 * Reduce a workspace URL to "https://host[:port]": a scheme is added if
 * missing; a query (?o=123, as Azure URLs carry), a fragment and a lone
 * "/" are dropped; a path, user info or an account console host is an
 * error.  Returns an exit code; *out is the normalized URL.
 */
extern int	normalize_host(const char *in, char **out);

#endif							/* LAKETS_HELPER_CONFIG_H */
