/*
 * command.h
 *		Run another program (the Databricks CLI) the way every network call
 *		of lakets-helper runs: with a timeout, a cap on what it may answer,
 *		and at once abandoned when a stop is requested.
 */
#ifndef LAKETS_HELPER_COMMAND_H
#define LAKETS_HELPER_COMMAND_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

typedef struct command_result
{
	int			exit_status;	/* -1 if it did not exit normally */
	bool		timed_out;
	bool		stopped;		/* a stop was requested */
	strbuf		out;			/* standard output (wiped when freed) */
	char		err[512];		/* the start of standard error, printable */
} command_result;

/*
 * The path of an executable: name as is if it holds a '/', else the first
 * match on PATH.  NULL when there is none.  Caller frees.
 */
extern char *command_find(const char *name);

/*
 * Run path with argv (no shell), standard input /dev/null, the environment
 * of this process.  Standard output beyond max_out bytes, a run longer
 * than timeout_ms or a stop request end it (SIGTERM, then SIGKILL).
 * Returns false only when it could not be started (logged).
 */
extern bool command_run(const char *path, char *const argv[], int64_t timeout_ms,
						size_t max_out, command_result *res);

extern void command_result_free(command_result *res);

#endif							/* LAKETS_HELPER_COMMAND_H */
