/*
 * retry.h
 *		The one retry loop of lakets-helper, shared by HTTPS requests and
 *		Postgres connections: attempts counted against --retries, backoff
 *		with jitter (or the server's own Retry-After), never past the run's
 *		deadline, and a stop request ends the wait at once.
 */
#ifndef LAKETS_HELPER_RETRY_H
#define LAKETS_HELPER_RETRY_H

#include <stdint.h>

#include "util.h"

/* Backoff never grows beyond this. */
#define RETRY_CAP_MS	30000

typedef struct retry_state
{
	int			attempt;		/* the attempt being made, from 1 */
	int			max_attempts;
	int64_t		base_ms;
	const deadline *dl;
} retry_state;

typedef enum retry_verdict
{
	RETRY_AGAIN,				/* slept; make the next attempt */
	RETRY_GIVE_UP,				/* out of attempts or time; report the failure */
	RETRY_STOPPED				/* a stop was requested while waiting */
} retry_verdict;

extern void retry_start(retry_state *r, int retries, int64_t base_ms, const deadline *dl);

/*
 * After a failed attempt worth retrying: warn "<what>: <reason>; retrying
 * in 1.2s (attempt 2 of 5)" and sleep, or say why not.  server_delay_ms is
 * the delay the server asked for, or -1.
 */
extern retry_verdict retry_wait(retry_state *r, int64_t server_delay_ms,
								const char *what, const char *reason);

#endif							/* LAKETS_HELPER_RETRY_H */
