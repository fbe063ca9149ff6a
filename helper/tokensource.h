/*
 * tokensource.h
 *		Where a Databricks OAuth token comes from, one function per
 *		auth_type of the SDKs: oauth-m2m (client credentials), env-oidc and
 *		file-oidc (token federation: an identity provider's JWT exchanged
 *		at the workspace, RFC 8693), azure-client-secret (Microsoft Entra
 *		ID) and databricks-cli ("databricks auth token").
 */
#ifndef LAKETS_HELPER_TOKENSOURCE_H
#define LAKETS_HELPER_TOKENSOURCE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "http.h"

/*
 * A fresh token for c->cfg->auth (any kind but pat): *token is a secret,
 * *lifetime_s how long it stays valid (0: not said).  Returns an exit code;
 * failures are logged with a hint for the kind.
 */
extern int	token_source_fetch(http_client *c, char **token, int64_t *lifetime_s);

/*
 * Response parsers, exposed for the fuzz target.  oauth_parse_token reads
 * an OAuth token answer {"access_token", "expires_in"} (a number, or a
 * string as Entra ID v1 sends it); cli_parse_token the JSON of
 * "databricks auth token" {"access_token", "expiry": RFC 3339}.
 */
extern bool oauth_parse_token(const char *body, size_t len, char **access_token,
							  int64_t *expires_in_s);
extern bool cli_parse_token(const char *body, size_t len, char **access_token,
							time_t *expiry);

/* RFC 3339 ("2026-11-29T10:39:22.123456789+01:00") to a time; false if not. */
extern bool parse_rfc3339(const char *s, time_t *out);

#endif							/* LAKETS_HELPER_TOKENSOURCE_H */
