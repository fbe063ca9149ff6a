/*
 * oauth.h
 *		Who we are to Databricks: an OAuth M2M access token (client
 *		credentials grant) or a personal access token, and the identity's
 *		user name from SCIM Me.
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
	int64_t		refresh_at_ms;	/* monotonic; mint again after this */
	char	   *username;		/* SCIM userName, cached for the process */
} auth_state;

/*
 * Call the workspace API with our bearer token.  Mints (or re-mints) the
 * OAuth token as needed; a 401 on a cached token mints once more and
 * retries.  Same contract as http_request().
 */
extern int	oauth_api_request(http_client *c, auth_state *st, const char *method,
							  const char *path, const char *body,
							  http_response *resp);

/* The identity's user name (for a service principal, its application id). */
extern int	oauth_whoami(http_client *c, auth_state *st, const char **username);

extern void auth_state_free(auth_state *st);

/* Response parsers, exposed for the fuzz target. */
extern bool oauth_parse_token(const char *body, size_t len, char **access_token,
							  int64_t *expires_in_s);
extern bool oauth_parse_me(const char *body, size_t len, char **username);

#endif							/* LAKETS_HELPER_OAUTH_H */
