/*
 * http.h
 *		HTTPS requests through libcurl, with certificate verification,
 *		timeouts, a response size cap and retries (retry.c).
 */
#ifndef LAKETS_HELPER_HTTP_H
#define LAKETS_HELPER_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "util.h"

/* Answers larger than this are refused; none of ours comes close. */
#define HTTP_MAX_RESPONSE (1024 * 1024)

typedef struct http_client
{
	void	   *curl;			/* CURL *, kept for connection reuse */
	const config *cfg;
	const deadline *dl;			/* budget of the current run */
} http_client;

/* One request.  Every pointer may be NULL but method and path. */
typedef struct http_req
{
	const char *method;
	const char *base;			/* "https://host[:port]"; NULL: the workspace */
	const char *path;
	const char *bearer;			/* secret: OAuth bearer token */
	const char *user;			/* HTTP Basic user and password (secret) */
	const char *password;
	const char *content_type;
	const char *body;			/* may hold a secret: the caller wipes it */
} http_req;

typedef struct http_response
{
	long		status;			/* HTTP status, 0 if none */
	strbuf		body;			/* wiped when freed: may hold a token */
	bool		too_large;
	int64_t		retry_after_ms; /* -1 when absent */
	char	   *location;		/* the target of a redirect, printable */
} http_response;

extern int	http_init(http_client *c, const config *cfg);
extern void http_cleanup(http_client *c);

/* An empty response that http_response_free() accepts. */
extern void http_response_init(http_response *resp);
extern void http_response_free(http_response *resp);

/*
 * Send a request, retrying connection errors, 429 and 5xx while attempts
 * and the deadline allow.  Returns EXIT_OK whenever an HTTP answer arrived
 * (check resp->status); otherwise logs the failure and returns EXIT_CONN,
 * or EXIT_CANCELLED when a stop was requested.
 */
extern int	http_request(http_client *c, const http_req *req, http_response *resp);

/*
 * Does this answer refuse the bearer token itself (401, or a 403 saying
 * the token expired or is invalid, as "JWT has expired"), rather than an
 * action the identity may not take?
 */
extern bool http_token_refused(const http_response *resp);

/*
 * Log a non-2xx answer as an error with the service's own message as
 * detail and the hint for a refused token (401, http_token_refused()) or
 * a missing permission (403); returns the exit code it maps to.
 */
extern int	http_fail(const http_response *resp, const char *what,
					  const char *hint_token, const char *hint_403);

/*
 * Extract a printable message from an error body (Databricks
 * {"error_code","message"}, OAuth {"error","error_description"} or SCIM
 * {"detail"}).  Never fails; used by the fuzz target too.
 */
extern void http_error_text(const char *body, size_t len, char *out, size_t outsize);

/* Append "key=value" to a form body, both escaped; the buffer is wiped later. */
extern void http_form_add(strbuf *form, const char *key, const char *value);

struct json_object;

/*
 * Parse a whole body as exactly one JSON object (nesting limited, no
 * trailing bytes, no embedded NUL); NULL when it is anything else.
 */
extern struct json_object *http_parse_json(const char *body, size_t len);

/* Wipe every string inside a parsed body, then free it. */
extern void json_wipe_put(struct json_object *obj);

#endif							/* LAKETS_HELPER_HTTP_H */
