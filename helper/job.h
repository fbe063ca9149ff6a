/*
 * job.h
 *		The lakets jobs of "run": CALL lakets.maintain('<job>'), its actions
 *		(NOTICEs) and its lakets.job_history row.
 */
#ifndef LAKETS_HELPER_JOB_H
#define LAKETS_HELPER_JOB_H

#include <stdbool.h>

#include "session.h"

/* The job called name (maintenance, partitions, rollups, retention), or NULL. */
extern const char *job_lookup(const char *name);

/*
 * Run the job on an open session and report it: each action as it comes,
 * then the job_history row.  Returns EXIT_OK; EXIT_PARTIAL when lakets
 * recorded the run as partial or skipped, or sent a WARNING; EXIT_JOB when
 * the job failed or lakets is missing; EXIT_CONN when the connection broke
 * or the deadline passed.
 */
extern int	job_run(session *s, const char *job, bool json);

/*
 * One action, split from a NOTICE "lakets <step>: <object> <action>[
 * <detail>]".  object is NULL for an action of the whole job ("lakets
 * maintenance: skipped another lakets maintenance run is in progress");
 * action is NULL when no word of the message is an action lakets is known
 * to report, and detail then holds everything after the step.
 */
typedef struct job_action
{
	char	   *step;
	char	   *object;
	char	   *action;
	char	   *detail;
} job_action;

/* false (and *a empty) when message is not a lakets job action. */
extern bool job_parse_action(const char *message, job_action *a);
extern void job_action_free(job_action *a);

#endif							/* LAKETS_HELPER_JOB_H */
