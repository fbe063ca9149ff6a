/*
 * oauth.h
 *		Who we are to Databricks: the bearer token of the API calls (a
 *		personal access token, or an OAuth token from tokensource.c kept
 *		until shortly before it expires) and the identity's user name from
 *		SCIM Me.
 */
#ifndef LAKETS_HELPER_OAUTH_H
#define LAKETS_HELPER_OAUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "http.h"

typedef struct auth_state
{
	char	   *bearer;			/* secret: access token or PAT copy */
	int64_t		refresh_at_ms;	/* boot_ms(); get a new token after this */
	char	   *username;		/* SCIM userName, cached for the process */
} auth_state;

/*
 * Call the workspace API with our bearer token.  Gets (or renews) the
 * OAuth token as needed; a cached token the workspace refuses (401, or
 * a 403 saying it expired or is invalid) is replaced once and the call
 * repeated.  Same contract as http_request().
 */
extern int	oauth_api_request(http_client *c, auth_state *st, const char *method,
							  const char *path, const char *body,
							  http_response *resp);

/* The hint for a refused token, for the configured auth_type. */
extern const char *oauth_token_hint(const config *cfg);

/* The identity's user name (for a service principal, its application id). */
extern int	oauth_whoami(http_client *c, auth_state *st, const char **username);

extern void auth_state_free(auth_state *st);

/* Response parser, exposed for the fuzz target. */
extern bool oauth_parse_me(const char *body, size_t len, char **username);

#endif							/* LAKETS_HELPER_OAUTH_H */
