/*
 * session.h
 *		The libpq side of lakets-helper: open one physical connection with
 *		the settings scheduled jobs need, run statements with bounded waits,
 *		and gather the facts "check" reports.
 */
#ifndef LAKETS_HELPER_SESSION_H
#define LAKETS_HELPER_SESSION_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "config.h"
#include "report.h"
#include "util.h"

/*
 * Called before every connection attempt for the password to use, so each
 * physical connection gets a freshly minted credential.  Returns an exit
 * code; *password is a secret the session wipes and frees.
 */
typedef int (*password_fn) (void *arg, char **password);

typedef struct session
{
	PGconn	   *conn;
	const config *cfg;
	const deadline *dl;
	int			warnings;		/* server WARNINGs during the current job */
} session;

/*
 * Connect, retrying connection failures (not authentication failures)
 * with backoff within the deadline.  host/user NULL: libpq's defaults
 * (PGHOST, PGUSER, conninfo ...).  Returns an exit code.
 */
extern int	session_open(session *s, const config *cfg, const deadline *dl,
						 const char *host, const char *user,
						 password_fn get_password, void *arg);

extern void session_close(session *s);

/*
 * Run sql (one or more statements) and print every result.  Returns
 * EXIT_OK, EXIT_JOB, or EXIT_CONN when the connection broke or the deadline
 * passed.  For a lakets job (job != NULL) it returns EXIT_PARTIAL when a
 * row reports a step skipped or failed, or the server raised a WARNING
 * (lakets reports a table it had to skip that way).
 */
extern int	session_run(session *s, const char *sql, const char *job);

/*
 * Read server and extension versions for "check".  The strings put in c
 * point into *keep, which the caller PQclear()s after reporting.
 */
extern int	session_check(session *s, check_report *c, PGresult **keep);

#endif							/* LAKETS_HELPER_SESSION_H */
