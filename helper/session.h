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

/*
 * Offered every server NOTICE (its primary message) while a statement
 * runs; returns true when it took care of it, false to have it logged
 * like any other notice (shown with -v).
 */
typedef bool (*notice_fn) (void *arg, const char *message);

/* Why we sent the running statement a cancel request. */
enum cancel_reason
{
	CANCEL_NONE,
	CANCEL_STOP,				/* SIGINT or SIGTERM */
	CANCEL_DEADLINE				/* --deadline */
};

typedef struct session
{
	PGconn	   *conn;
	const config *cfg;
	const deadline *dl;
	enum cancel_reason cancelled;
	int			warnings;		/* server WARNINGs so far (logged as they come) */
	notice_fn	notice_hook;	/* set by the caller; NULL: none */
	void	   *notice_arg;
} session;

/*
 * Connect, retrying connection failures (not authentication failures)
 * with backoff within the deadline.  host/user NULL: libpq's defaults
 * (PGHOST, PGUSER, conninfo ...).  Returns an exit code (EXIT_CANCELLED
 * when a stop was requested meanwhile).
 */
extern int	session_open(session *s, const config *cfg, const deadline *dl,
						 const char *host, const char *user,
						 password_fn get_password, void *arg);

extern void session_close(session *s);

/*
 * Run sql (one or more statements) and print every result: the "sql"
 * command.  Returns EXIT_OK, EXIT_JOB, EXIT_CONN when the connection
 * broke or the deadline passed, or EXIT_CANCELLED when a stop request
 * cancelled the statement.
 */
extern int	session_run(session *s, const char *sql);

/*
 * Run one statement (with nparams text parameters, or none: then by the
 * simple query protocol, as psql does) and hand its result to the caller
 * in *res (NULL on failure), printing nothing but errors.  job names the
 * lakets job it is part of, for the messages and hints of a failure.
 * Returns EXIT_OK, EXIT_JOB, EXIT_CONN or EXIT_CANCELLED.
 */
extern int	session_exec(session *s, const char *sql, int nparams,
						 const char *const *params, const char *job,
						 PGresult **res);

/*
 * Read server and extension versions for "check".  The strings put in c
 * point into *keep, which the caller PQclear()s after reporting.
 */
extern int	session_check(session *s, check_report *c, PGresult **keep);

#endif							/* LAKETS_HELPER_SESSION_H */
