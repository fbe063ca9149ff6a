/*
 * retry.c
 *		The one retry loop of lakets-helper (see retry.h).
 *
 * Callers make an attempt, decide whether its failure is worth retrying
 * (a connection error, HTTP 429 or 5xx, a Postgres server starting up),
 * and ask retry_wait() what to do next; the policy lives only here.
 */
#include <stdio.h>

#include "report.h"
#include "retry.h"

void
retry_start(retry_state *r, int retries, int64_t base_ms, const deadline *dl)
{
	r->attempt = 1;
	r->max_attempts = retries + 1;
	r->base_ms = base_ms;
	r->dl = dl;
}

retry_verdict
retry_wait(retry_state *r, int64_t server_delay_ms, const char *what, const char *reason)
{
	int64_t		delay = server_delay_ms >= 0 ? server_delay_ms :
		backoff_ms(r->attempt, r->base_ms, RETRY_CAP_MS);

	if (stop_requested)
		return RETRY_STOPPED;
	if (r->attempt >= r->max_attempts)
		return RETRY_GIVE_UP;
	if (delay >= deadline_left_ms(r->dl))
	{
		log_warning("%s: %s; retrying in %.1fs would pass the deadline",
					what, reason, (double) delay / 1000.0);
		return RETRY_GIVE_UP;
	}
	log_warning("%s: %s; retrying in %.1fs (attempt %d of %d)",
				what, reason, (double) delay / 1000.0, r->attempt + 1, r->max_attempts);
	if (!sleep_ms(delay))
		return RETRY_STOPPED;
	r->attempt++;
	return RETRY_AGAIN;
}
