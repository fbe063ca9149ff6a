/*
 * maintenance.c
 *	  One call for the scheduler: ensure partitions, refresh RollUps in
 *	  dependency order, enforce retention, in that order, each table, RollUp
 *	  and chunk isolated from the others; and its history.
 *
 * Two runs at once are safe: a run takes a transaction-level advisory lock
 * without waiting, and a second run finds it taken and returns a single
 * "skipped" row (recorded in the history as skipped). The history row is
 * written in the run's own transaction: a run that is cancelled or whose
 * backend is terminated leaves no row (and no change) behind.
 */
#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "args.h"
#include "catalog.h"
#include "ensure.h"
#include "refresh.h"
#include "retention.h"
#include "spi_exec.h"

/* pg_try_advisory_xact_lock keys: "lakets" maintenance */
#define MAINTENANCE_LOCK_KEY1 1818979188
#define MAINTENANCE_LOCK_KEY2 1

typedef struct Run
{
	ReturnSetInfo *rsinfo;
	JobRecord	record;
} Run;

static void
emit(Run *run, const char *step, const char *object, const char *action, const char *detail)
{
	Datum		values[4];
	bool		nulls[4] = {false, object == NULL, false, detail == NULL};

	values[0] = CStringGetTextDatum(step);
	values[1] = object ? CStringGetTextDatum(object) : (Datum) 0;
	values[2] = CStringGetTextDatum(action);
	values[3] = detail ? CStringGetTextDatum(detail) : (Datum) 0;
	tuplestore_putvalues(run->rsinfo->setResult, run->rsinfo->setDesc, values, nulls);
}

static void
note_error(Run *run, ErrorData *edata)
{
	run->record.errors++;
	if (run->record.error_text == NULL)
		run->record.error_text = pstrdup(edata->message);
}

static void
run_partitions(Run *run)
{
	ListCell   *lc;

	foreach(lc, catalog_list_chronotables())
	{
		ChronoTable *ct = lfirst(lc);
		char	   *name = quote_qualified_identifier(ct->schema_name, ct->table_name);
		int			created;
		ErrorData  *edata;

		if (!ensure_owns(ct))
			continue;
		edata = ensure_isolated(ct, &created);
		if (edata != NULL)
		{
			note_error(run, edata);
			emit(run, "partitions", name, "error", edata->message);
			continue;
		}
		run->record.chunks_created += created;
		emit(run, "partitions", name, created > 0 ? "created" : "ok",
			 psprintf("%d chunks created", created));
	}
}

static void
run_rollups(Run *run)
{
	ListCell   *lc;

	foreach(lc, rollup_cascade_order(NULL))
	{
		Rollup	   *r = lfirst(lc);
		bool		refreshed;
		double		ms;
		ErrorData  *edata;

		/* someone else's RollUp: not ours to refresh */
		if (!rollup_owned(r))
			continue;
		edata = rollup_refresh_isolated(r, &refreshed, &ms);
		if (edata != NULL)
		{
			note_error(run, edata);
			emit(run, "rollups", r->name, "error", edata->message);
			continue;
		}
		if (refreshed)
			run->record.rollups_refreshed++;
		emit(run, "rollups", r->name, refreshed ? "refreshed" : "nothing_to_do",
			 psprintf("%.3f ms", ms));
	}
}

static void
run_retention(Run *run)
{
	ListCell   *lc;

	foreach(lc, retention_enforce_all(false, false, NULL, NULL))
	{
		RetentionAction *a = lfirst(lc);
		char	   *object = a->chunk_name ? psprintf("%s %s", a->table_name, a->chunk_name) :
			a->table_name;
		char	   *range = NULL;

		if (strcmp(a->action, "dropped") == 0)
			run->record.chunks_dropped++;
		else if (strncmp(a->action, "skipped", 7) == 0)
			run->record.skipped++;
		else if (strcmp(a->action, "error") == 0)
			run->record.errors++;
		if (a->has_range)
		{
			/* timestamptz_to_str() returns a static buffer */
			char	   *start = pstrdup(timestamptz_to_str(a->range_start));

			range = psprintf("[%s, %s)", start, timestamptz_to_str(a->range_end));
		}
		emit(run, "retention", object, a->action, range);
	}
}

/* SQL: lakets.run_maintenance(p_job) -> (step, object, action, detail) */
PG_FUNCTION_INFO_V1(lakets_run_maintenance);
Datum
lakets_run_maintenance(PG_FUNCTION_ARGS)
{
	char	   *job = lakets_text_arg(fcinfo, 0, "p_job");
	bool		all = strcmp(job, "maintenance") == 0;
	Run			run;
	bool		isnull;
	bool		locked;

	if (!all && strcmp(job, "partitions") != 0 && strcmp(job, "rollups") != 0 &&
		strcmp(job, "retention") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown lakets job \"%s\"", job),
				 errhint("Use maintenance, partitions, rollups or retention.")));

	InitMaterializedSRF(fcinfo, 0);
	memset(&run, 0, sizeof(run));
	run.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	run.record.job = job;
	run.record.started = GetCurrentTimestamp();

	SPI_connect();
	locked = DatumGetBool(lakets_exec_scalar(psprintf("SELECT pg_catalog.pg_try_advisory_xact_lock(%d, %d)",
													  MAINTENANCE_LOCK_KEY1,
													  MAINTENANCE_LOCK_KEY2),
											 0, NULL, NULL, NULL, &isnull));
	if (!locked)
	{
		emit(&run, job, NULL, "skipped", "another lakets maintenance run is in progress");
		run.record.status = "skipped";
		run.record.skipped = 1;
		catalog_record_job(&run.record);
		SPI_finish();
		return (Datum) 0;
	}

	if (all || strcmp(job, "partitions") == 0)
		run_partitions(&run);
	if (all || strcmp(job, "rollups") == 0)
		run_rollups(&run);
	if (all || strcmp(job, "retention") == 0)
		run_retention(&run);

	run.record.status = (run.record.errors > 0 || run.record.skipped > 0) ? "partial" : "succeeded";
	catalog_record_job(&run.record);
	SPI_finish();
	return (Datum) 0;
}
