/*
 * lakebase.h
 *		Lakebase REST calls: find the Postgres host of a target and mint a
 *		short-lived Postgres credential for it.
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

/* Resolve cfg's target (project, endpoint or instance) to a host. */
extern int	lakebase_resolve(http_client *c, auth_state *st, lakebase_target *out);

/* Mint a fresh credential; one per physical connection. */
extern int	lakebase_mint(http_client *c, auth_state *st, const lakebase_target *t,
						  pg_credential *out);

extern void lakebase_target_free(lakebase_target *t);
extern void pg_credential_free(pg_credential *cred);

/*
 * Response parsers, exposed for the fuzz target.  Each returns false when
 * the body is not the JSON shape the API documents; "not found" is a
 * well-formed answer with a NULL result.
 */
extern bool lb_parse_branches(const char *body, size_t len, char **default_branch,
							  char **next_page_token);
extern bool lb_parse_endpoints(const char *body, size_t len, char **rw_endpoint,
							   char **next_page_token);
extern bool lb_parse_endpoint_host(const char *body, size_t len, char **host);
extern bool lb_parse_instance_host(const char *body, size_t len, char **host);
extern bool lb_parse_credential(const char *body, size_t len, char **token,
								char **expires);

extern bool valid_hostname(const char *s);

#endif							/* LAKETS_HELPER_LAKEBASE_H */
