/*
 * config.h
 *		Resolved configuration of one lakets-helper process.
 *
 * Each setting comes from the first of: command-line flag, environment
 * variable, Databricks configuration profile (~/.databrickscfg, the INI
 * file the Databricks CLI and SDKs share).  Secrets (client secret,
 * personal access token) never come from the command line.
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

enum auth_kind
{
	AUTH_NONE,
	AUTH_M2M,					/* OAuth client credentials */
	AUTH_PAT					/* personal access token */
};

typedef struct config
{
	/* Databricks workspace */
	char	   *host;			/* "https://..." without trailing slash */
	char	   *client_id;
	char	   *client_secret;	/* secret */
	char	   *token;			/* secret (PAT) */
	char	   *auth_type;		/* "pat", "oauth-m2m" or NULL */
	char	   *profile;
	char	   *config_file;
	bool		profile_explicit;
	bool		config_file_explicit;
	enum auth_kind auth;

	/* which database */
	enum target_kind target;
	char	   *target_name;
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
	int			retries;

	/* repetition and output */
	int64_t		every_ms;
	long		count;
	bool		json;
} config;

/* Flags not given on the command line are NULL / -1 before resolving. */
extern void config_init(config *cfg);

/* Fill from environment and profile, then validate; returns an exit code. */
extern int	config_resolve(config *cfg);

/* Wipe secrets and free everything. */
extern void config_free(config *cfg);

extern const char *target_kind_name(enum target_kind t);

/* Values of one profile section. */
typedef struct profile_values
{
	bool		found;
	char	   *host;
	char	   *client_id;
	char	   *client_secret;	/* secret */
	char	   *token;			/* secret */
	char	   *auth_type;
} profile_values;

/*
 * Parse an INI buffer (not necessarily NUL-terminated) and extract the
 * section called name.  Returns false on a syntax error, with the line
 * number in *errline; never copies file text into messages, since a
 * malformed line may well hold a secret.
 */
extern bool config_parse_profile(const char *buf, size_t len, const char *name,
								 profile_values *out, int *errline);
extern void profile_values_free(profile_values *pv);

/* Validate a resource id used in REST paths (letters, digits, - and _). */
extern bool valid_resource_id(const char *s);
extern bool valid_endpoint_name(const char *s);

#endif							/* LAKETS_HELPER_CONFIG_H */
