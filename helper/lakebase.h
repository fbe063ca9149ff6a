/*
 * lakebase.h
 *		Lakebase REST calls: find the Postgres host of a target, wait for it
 *		when it is starting, and mint a short-lived Postgres credential.
 */
#ifndef LAKETS_HELPER_LAKEBASE_H
#define LAKETS_HELPER_LAKEBASE_H

#include <stdbool.h>

#include "config.h"
#include "http.h"
#include "oauth.h"

typedef struct lakebase_target
{
	char	   *endpoint;		/* Autoscaling endpoint resource name */
	char	   *instance;		/* Provisioned instance name */
	char	   *host;			/* where Postgres listens */
} lakebase_target;

typedef struct pg_credential
{
	char	   *token;			/* secret: the Postgres password */
	char	   *expires;		/* RFC 3339 text as the API gave it, or NULL */
} pg_credential;

/*
 * Resolve cfg's target (project and branch, endpoint or instance) to a
 * host, reading its state: an endpoint or instance that is starting is
 * waited for (up to --start-timeout), one that is disabled or stopped is
 * an error before any credential is minted.
 */
extern int	lakebase_resolve(http_client *c, auth_state *st, lakebase_target *out);

/* Mint a fresh credential; one per physical connection. */
extern int	lakebase_mint(http_client *c, auth_state *st, const lakebase_target *t,
						  pg_credential *out);

extern void lakebase_target_free(lakebase_target *t);
extern void pg_credential_free(pg_credential *cred);

/* What an endpoint or instance answer says about where and whether to connect. */
typedef struct lb_state
{
	char	   *host;			/* a valid host name, or NULL when none is given */
	char		state[32];		/* status.current_state or state, printable; "" if absent */
	bool		off;			/* endpoint status.disabled; instance stopped */
} lb_state;

/*
 * Response parsers, exposed for the fuzz target.  Each returns false when
 * the body is not the JSON shape the API documents (a host that is not a
 * host name included); "not found" is a well-formed answer with a NULL
 * result.
 */
extern bool lb_parse_branches(const char *body, size_t len, char **default_branch,
							  char **next_page_token);
extern bool lb_parse_endpoints(const char *body, size_t len, char **rw_endpoint,
							   char **next_page_token);
extern bool lb_parse_endpoint(const char *body, size_t len, lb_state *out);
extern bool lb_parse_instance(const char *body, size_t len, lb_state *out);
extern bool lb_parse_credential(const char *body, size_t len, char **token,
								char **expires);
extern void lb_state_free(lb_state *s);	/* frees the host */

extern bool valid_hostname(const char *s);

#endif							/* LAKETS_HELPER_LAKEBASE_H */
