/*
 * job.c
 *		Run one lakets job ("run maintenance|partitions|rollups|retention")
 *		and report what it did.
 *
 * A job is CALL lakets.maintain('<job>').  Called outside a transaction
 * block, as our statements always are (libpq autocommit), the procedure
 * commits after each table and RollUp, so the ACCESS EXCLUSIVE locks taken
 * to attach and drop chunks are released table by table instead of when the
 * whole run ends (docs/maintenance.md).  It returns no rows: each action
 * worth knowing comes as a NOTICE "lakets <step>: <object> <action>[
 * <detail>]", the errors of a table also as WARNINGs, and the run's status
 * and counts as a row of lakets.job_history, read here afterwards.
 *
 * A lakets that has no procedure yet but has lakets.run_maintenance() (the
 * same work in the caller's one transaction, a row per action) is still
 * served, with a warning asking to upgrade: a job that holds its locks too
 * long beats partitions that are never created.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "report.h"
#include "util.h"

static const char *const job_names[] = {"maintenance", "partitions", "rollups", "retention"};

/*
 * What the job may use, and client_min_messages lowered to notice if the
 * role or database set it higher: the actions are NOTICEs.
 */
static const char *const probe_sql =
"SELECT (SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'lakets'),"
" pg_catalog.to_regprocedure('lakets.maintain(text)') IS NOT NULL,"
" pg_catalog.to_regprocedure('lakets.run_maintenance(text)') IS NOT NULL,"
" pg_catalog.to_regclass('lakets.job_history') IS NOT NULL,"
" pg_catalog.current_database(),"
" CASE WHEN pg_catalog.current_setting('client_min_messages') IN ('warning', 'error')"
" THEN pg_catalog.set_config('client_min_messages', 'notice', false) END";

/* Where our run's history row will be: after this id, started after now. */
static const char *const before_sql =
"SELECT pg_catalog.max(id), pg_catalog.clock_timestamp() FROM lakets.job_history";

/*
 * The newest row of this job by this role since before_sql; "started"
 * rules out a run that began before ours and finished while ours ran (ours
 * was then skipped).
 */
static const char *const history_sql =
"SELECT h.* FROM lakets.job_history h"
" WHERE h.id > COALESCE($1::bigint, 0) AND h.job = $2"
" AND h.run_by = CURRENT_USER AND h.started >= $3::timestamptz"
" ORDER BY h.id DESC LIMIT 1";

typedef struct job_run_state
{
	bool		json;
	int			actions;
} job_run_state;

const char *
job_lookup(const char *name)
{
	size_t		i;

	for (i = 0; i < sizeof(job_names) / sizeof(job_names[0]); i++)
		if (strcmp(name, job_names[i]) == 0)
			return job_names[i];
	return NULL;
}

/* The actions lakets reports (maintenance.c, retention.c). */
static bool
is_action_word(const char *w, size_t n)
{
	static const char *const words[] = {
		"created", "refreshed", "dropped", "deleted_buckets", "nothing_to_delete",
		"nothing_to_do", "ok", "error", "failed", NULL
	};
	size_t		i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if ((w[i] < 'a' || w[i] > 'z') && w[i] != '_')
			return false;
	if ((n >= 7 && strncmp(w, "skipped", 7) == 0) || (n > 6 && strncmp(w, "would_", 6) == 0))
		return true;
	for (i = 0; words[i]; i++)
		if (strlen(words[i]) == n && memcmp(words[i], w, n) == 0)
			return true;
	return false;
}

static char *
dup_nonempty(const char *s, const char *end)
{
	while (end > s && end[-1] == ' ')
		end--;
	return end > s ? xstrndup(s, (size_t) (end - s)) : NULL;
}

/*
 * The object is one or more names (quote_identifier()'s quoting kept, so
 * a space inside quotes splits nothing; a RollUp's name may hold spaces
 * unquoted), the action the first known word after it; what follows is
 * the detail, free text.  A message whose first word is an action and
 * whose other words hold none is an action of the whole job, without
 * object.
 */
bool
job_parse_action(const char *message, job_action *a)
{
	const char *p = message;
	const char *step,
			   *rest;
	const char *first = NULL,
			   *first_end = NULL;
	const char *act = NULL,
			   *act_end = NULL;

	memset(a, 0, sizeof(*a));
	if (strncmp(p, "lakets ", 7) != 0)
		return false;
	step = p += 7;
	while ((*p >= 'a' && *p <= 'z') || *p == '_')
		p++;
	if (p == step || p[0] != ':' || p[1] != ' ')
		return false;
	a->step = xstrndup(step, (size_t) (p - step));
	rest = p + 2;

	for (p = rest; *p != '\0' && act == NULL;)
	{
		const char *t = p;
		bool		quoted = false;

		while (*p != '\0' && (quoted || *p != ' '))
			quoted ^= (*p++ == '"');
		if (p > t)
		{
			if (first == NULL)
				first = t, first_end = p;
			else if (is_action_word(t, (size_t) (p - t)))
				act = t, act_end = p;
		}
		while (*p == ' ')
			p++;
	}
	if (act != NULL)
		a->object = dup_nonempty(rest, act);
	else if (first != NULL && is_action_word(first, (size_t) (first_end - first)))
		act = first, act_end = first_end;
	if (act != NULL)
	{
		a->action = xstrndup(act, (size_t) (act_end - act));
		a->detail = dup_nonempty(*act_end ? act_end + 1 : act_end, act_end + strlen(act_end));
	}
	else
		a->detail = dup_nonempty(rest, rest + strlen(rest));
	return true;
}

void
job_action_free(job_action *a)
{
	free(a->step);
	free(a->object);
	free(a->action);
	free(a->detail);
	memset(a, 0, sizeof(*a));
}

/* The session's notice hook while the procedure runs. */
static bool
on_job_notice(void *arg, const char *message)
{
	job_run_state *st = arg;
	job_action	a;

	if (!job_parse_action(message, &a))
		return false;
	report_action(a.step, a.object, a.action, a.detail, st->json);
	st->actions++;
	job_action_free(&a);
	return true;
}

/*
 * The fallback's rows, reported as the procedure would: only actions worth
 * knowing, and a RollUp's timing is not one.
 */
static void
report_rows_as_actions(job_run_state *st, const PGresult *res)
{
	int			r;

	for (r = 0; r < PQntuples(res); r++)
	{
		const char *step = PQgetvalue(res, r, 0);
		const char *action = PQgetvalue(res, r, 2);
		const char *object = PQgetisnull(res, r, 1) ? NULL : PQgetvalue(res, r, 1);
		const char *detail = PQgetisnull(res, r, 3) ? NULL : PQgetvalue(res, r, 3);

		if (strcmp(action, "ok") == 0 || strcmp(action, "nothing_to_do") == 0)
			continue;
		if (strcmp(step, "rollups") == 0)
			detail = NULL;
		report_action(step, object, action, detail, st->json);
		st->actions++;
	}
}

/* The exit status the history row and the WARNINGs make. */
static int
judge(session *s, const char *job, const PGresult *hist)
{
	int			c = PQfnumber(hist, "status");
	const char *status = c >= 0 ? PQgetvalue(hist, 0, c) : "";

	c = PQfnumber(hist, "error_text");

	if (strcmp(status, "skipped") == 0)
	{
		log_warning("%s was skipped: another lakets maintenance run was in progress", job);
		return EXIT_PARTIAL;
	}
	if (strcmp(status, "succeeded") == 0)
	{
		if (s->warnings == 0)
			return EXIT_OK;
		log_warning("%s completed, but the server sent %d %s", job, s->warnings,
					s->warnings == 1 ? "warning" : "warnings");
		return EXIT_PARTIAL;
	}
	log_warning("%s completed, but reported skipped or failed steps", job);
	if (c >= 0 && !PQgetisnull(hist, 0, c))
	{
		char		text[512];
		const char *v = PQgetvalue(hist, 0, c);

		sanitize_text(text, sizeof(text), v, strlen(v));
		log_detail("First error: %s", text);
	}
	return EXIT_PARTIAL;
}

int
job_run(session *s, const char *job, bool json)
{
	job_run_state st = {json, 0};
	PGresult   *probe = NULL;
	PGresult   *before = NULL;
	PGresult   *hist = NULL;
	PGresult   *rows = NULL;
	const char *version,
			   *dbname;
	bool		procedure;
	char	   *sql;
	const char *params[3];
	int			rc;

	s->warnings = 0;
	rc = session_exec(s, probe_sql, 0, NULL, job, &probe);
	if (rc != EXIT_OK)
		return rc;
	version = PQgetisnull(probe, 0, 0) ? NULL : PQgetvalue(probe, 0, 0);
	procedure = PQgetvalue(probe, 0, 1)[0] == 't';
	dbname = PQgetvalue(probe, 0, 4);
	if (version == NULL)
	{
		log_error("job \"%s\" failed: the lakets extension is not installed in database \"%s\"",
				  job, dbname);
		log_hint("run CREATE EXTENSION lakets there as a role allowed to create it");
		rc = EXIT_JOB;
	}
	else if (PQgetvalue(probe, 0, 3)[0] != 't' ||
			 (!procedure && PQgetvalue(probe, 0, 2)[0] != 't'))
	{
		log_error("job \"%s\" failed: lakets %s in database \"%s\" is too old for %s",
				  job, version, dbname, HELPER_NAME);
		log_detail("It has neither the procedure lakets.maintain(text) nor the function lakets.run_maintenance(text).");
		log_hint("upgrade lakets: ALTER EXTENSION lakets UPDATE");
		rc = EXIT_JOB;
	}
	else if (!procedure)
	{
		log_warning("lakets %s in database \"%s\" has no procedure lakets.maintain(): running lakets.run_maintenance('%s') instead, in one transaction",
					version, dbname, job);
		log_detail("Every lock the job takes is then held until the whole job ends, instead of being released table by table.");
		log_hint("upgrade lakets (ALTER EXTENSION lakets UPDATE) to have the job commit after each table and RollUp");
	}
	if (rc != EXIT_OK)
	{
		PQclear(probe);
		return rc;
	}

	if ((rc = session_exec(s, before_sql, 0, NULL, job, &before)) != EXIT_OK)
	{
		PQclear(probe);
		return rc;
	}

	/* job is one of job_names: nothing to quote */
	if (procedure)
	{
		sql = xasprintf("CALL lakets.maintain('%s')", job);
		s->notice_hook = on_job_notice;
		s->notice_arg = &st;
		rc = session_exec(s, sql, 0, NULL, job, &rows);
		s->notice_hook = NULL;
		s->notice_arg = NULL;
	}
	else
	{
		sql = xasprintf("SELECT step, object, action, detail FROM lakets.run_maintenance('%s')", job);
		rc = session_exec(s, sql, 0, NULL, job, &rows);
		if (rc == EXIT_OK)
			report_rows_as_actions(&st, rows);
	}
	free(sql);
	PQclear(rows);

	if (rc == EXIT_OK)
	{
		params[0] = PQgetisnull(before, 0, 0) ? NULL : PQgetvalue(before, 0, 0);
		params[1] = job;
		params[2] = PQgetvalue(before, 0, 1);
		rc = session_exec(s, history_sql, 3, params, job, &hist);
	}
	if (rc == EXIT_OK && PQntuples(hist) == 0)
	{
		log_warning("%s completed, but its row in lakets.job_history was not found", job);
		log_detail("It reported %d %s; its status is unknown.", st.actions,
				   st.actions == 1 ? "action" : "actions");
		rc = EXIT_PARTIAL;
	}
	else if (rc == EXIT_OK)
	{
		report_job_summary(job, hist, json);
		rc = judge(s, job, hist);
	}
	PQclear(hist);
	PQclear(before);
	PQclear(probe);
	return rc;
}
