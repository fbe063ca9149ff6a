/*
 * maintenance.c
 *	  One call for the scheduler: ensure partitions, refresh RollUps in
 *	  dependency order, enforce retention, in that order, each table, RollUp
 *	  and chunk isolated from the others; and its history.
 *
 * Two forms share the steps:
 *	- the function run_maintenance() runs in the caller's transaction (inside
 *	  an explicit transaction, from PL/pgSQL, from pg_cron) and returns a row
 *	  per action;
 *	- the procedure maintain() commits after each table and RollUp when
 *	  CALLed outside a transaction block. The locks attaching and dropping
 *	  chunks take (ACCESS EXCLUSIVE on a default partition or a table) last
 *	  until commit: committing per table releases each as soon as that table
 *	  is done, instead of when every table is. Called inside a transaction
 *	  block, it does the same work in that one transaction.
 *
 * Two runs at once are safe: a run takes its role's maintenance lock without
 * waiting (transaction-level for the function, session-level for the
 * procedure, which commits), and a second run of the same role finds it
 * taken and does nothing but record that it skipped. The lock is per role
 * and on an object no SQL command can lock (lockwait.c), so no other role
 * can make a run skip; runs of different roles need no mutual exclusion,
 * each table's own locks keep them apart.
 *
 * A run starts by forgetting the registry rows of relations dropped behind
 * lakets' back (catalog_forget_missing()). The history row is written in the run's (last)
 * transaction: a run that is cancelled or whose backend is terminated
 * leaves no row behind, and no change but the tables it had committed.
 */
#include "postgres.h"

#include "executor/spi.h"
#include "nodes/parsenodes.h"
#include "tcop/pquery.h"
#include "catalog/namespace.h"
#include "commands/event_trigger.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/lsyscache.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "args.h"
#include "catalog.h"
#include "ensure.h"
#include "lockwait.h"
#include "refresh.h"
#include "retention.h"
#include "spi_exec.h"

typedef struct Run
{
	ReturnSetInfo *rsinfo;		/* the function's result; NULL in the procedure */
	bool		commit_each;	/* the procedure, called outside a transaction block */
	JobRecord	record;
} Run;

/* Report one action: a result row, or (procedure) a NOTICE when it matters. */
static void
emit(Run *run, const char *step, const char *object, const char *action, const char *detail)
{
	Datum		values[4];
	bool		nulls[4] = {false, object == NULL, false, detail == NULL};

	if (run->rsinfo == NULL)
	{
		/* a RollUp's detail is its timing: not worth a message */
		if (strcmp(step, "rollups") == 0)
			detail = NULL;
		if (strcmp(action, "ok") != 0 && strcmp(action, "nothing_to_do") != 0)
			ereport(NOTICE,
					(errmsg("lakets %s: %s%s%s%s%s", step, object ? object : "",
							object ? " " : "", action, detail ? " " : "", detail ? detail : "")));
		return;
	}
	values[0] = CStringGetTextDatum(step);
	values[1] = object ? CStringGetTextDatum(object) : (Datum) 0;
	values[2] = CStringGetTextDatum(action);
	values[3] = detail ? CStringGetTextDatum(detail) : (Datum) 0;
	tuplestore_putvalues(run->rsinfo->setResult, run->rsinfo->setDesc, values, nulls);
}

/*
 * What run_maintenance() gets from its SET clause, for each of the
 * procedure's transactions (SET LOCAL ends with the transaction).
 */
static void
pin_search_path(void)
{
	lakets_exec("SET LOCAL search_path = pg_catalog, pg_temp", SPI_OK_UTILITY);
}

/* The procedure commits what one table or RollUp did before the next. */
static void
next_transaction(Run *run)
{
	if (!run->commit_each)
		return;
	SPI_commit();
	/* the next statements need a snapshot; the portal owns it */
	EnsurePortalSnapshotExists();
	pin_search_path();
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
	Bitmapset  *steady;

	catalog_reconcile_chunks(0);
	/* most tables have nothing to do: reported without the full check */
	steady = ensure_steady_tables();

	foreach(lc, catalog_list_chronotables())
	{
		ChronoTable *ct = lfirst(lc);
		char	   *name = quote_qualified_identifier(ct->schema_name, ct->table_name);
		int			created;
		ErrorData  *edata;

		if (!ensure_owns(ct))
			continue;
		if (bms_is_member(ct->id, steady))
		{
			/* nothing done, nothing to commit */
			emit(run, "partitions", name, "ok", "0 chunks created");
			continue;
		}
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
		next_transaction(run);
	}
}

static void
run_rollups(Run *run)
{
	ListCell   *lc;

	foreach(lc, rollup_cascade_order(NULL, false))
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
		next_transaction(run);
	}
}

static void
report_retention(Run *run, List *actions)
{
	ListCell   *lc;

	foreach(lc, actions)
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
		{
			run->record.errors++;
			if (run->record.error_text == NULL && a->error != NULL)
				run->record.error_text = pstrdup(a->error);
		}
		if (a->has_range)
		{
			/* timestamptz_to_str() returns a static buffer */
			char	   *start = pstrdup(timestamptz_to_str(a->range_start));

			range = psprintf("[%s, %s)", start, timestamptz_to_str(a->range_end));
		}
		emit(run, "retention", object, a->action, range);
	}
}

static void
run_retention(Run *run)
{
	ListCell   *lc;

	if (!run->commit_each)
	{
		/* one transaction: every refresh first, then the drops */
		report_retention(run, retention_enforce_all(false, false, InvalidOid));
		return;
	}
	foreach(lc, retention_policies(InvalidOid))
	{
		RetentionPolicy *p = lfirst(lc);

		if (!retention_owned(p))
			continue;
		retention_catch_up(p);
		report_retention(run, retention_apply_isolated(p, false, false, true));
		next_transaction(run);
	}
}

static bool
try_lock(bool session)
{
	return lakets_try_lock_object(LAKETS_LOCK_MAINTENANCE, GetUserId(), session);
}

/* The steps of a job, then its history row; "skipped" when locked out. */
static void
run_job(Run *run, bool locked)
{
	const char *job = run->record.job;
	bool		all = strcmp(job, "maintenance") == 0;

	if (!locked)
	{
		emit(run, job, NULL, "skipped", "another lakets maintenance run is in progress");
		run->record.status = "skipped";
		run->record.skipped = 1;
		catalog_record_job(&run->record);
		return;
	}
	{
		int			forgotten = catalog_forget_missing();

		if (forgotten > 0)
			emit(run, job, NULL, "forgotten",
				 psprintf("%d registry rows of relations dropped outside lakets", forgotten));
	}
	if (all || strcmp(job, "partitions") == 0)
		run_partitions(run);
	if (all || strcmp(job, "rollups") == 0)
		run_rollups(run);
	if (all || strcmp(job, "retention") == 0)
		run_retention(run);
	run->record.status = (run->record.errors > 0 || run->record.skipped > 0) ? "partial" : "succeeded";
	catalog_record_job(&run->record);
}

/* SQL: lakets.run_maintenance(p_job) -> (step, object, action, detail) */
PG_FUNCTION_INFO_V1(lakets_run_maintenance);
Datum
lakets_run_maintenance(PG_FUNCTION_ARGS)
{
	Run			run;

	memset(&run, 0, sizeof(run));
	run.record.job = lakets_job_arg(fcinfo, 0);
	run.record.started = GetCurrentTimestamp();
	InitMaterializedSRF(fcinfo, 0);
	run.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	SPI_connect();
	run_job(&run, try_lock(false));
	SPI_finish();
	return (Datum) 0;
}

/*
 * SQL: CALL lakets.maintain(p_job) -- run_maintenance() committing after
 * each table and RollUp (see the file header).
 */
PG_FUNCTION_INFO_V1(lakets_maintain);
Datum
lakets_maintain(PG_FUNCTION_ARGS)
{
	Run			run;
	bool		locked;

	memset(&run, 0, sizeof(run));
	run.record.job = lakets_job_arg(fcinfo, 0);
	run.record.started = GetCurrentTimestamp();
	run.commit_each = fcinfo->context != NULL && IsA(fcinfo->context, CallContext) &&
		!castNode(CallContext, fcinfo->context)->atomic;

	SPI_connect_ext(run.commit_each ? SPI_OPT_NONATOMIC : 0);
	pin_search_path();
	if (!run.commit_each)
	{
		run_job(&run, try_lock(false));
		SPI_finish();
		PG_RETURN_VOID();
	}
	/* a session lock outlives our commits; released even on error */
	locked = try_lock(true);
	PG_TRY();
	{
		run_job(&run, locked);
	}
	PG_FINALLY();
	{
		if (locked)
			lakets_unlock_object(LAKETS_LOCK_MAINTENANCE, GetUserId(), true);
	}
	PG_END_TRY();
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * SQL: the sql_drop event trigger lakets._forget_dropped(): forget at once
 * the registry rows of what was just dropped. It fires for every DROP in
 * the database, so it first asks, with indexed look-ups, whether any
 * dropped relation is one lakets tracks; it does nothing for lakets' own
 * drops (which update the registry first: lakets_drop_own()) and while
 * the extension itself is being dropped.
 */
PG_FUNCTION_INFO_V1(lakets_forget_dropped);
Datum
lakets_forget_dropped(PG_FUNCTION_ARGS)
{
	Oid			nsp;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("lakets._forget_dropped() must be called as an event trigger")));
	if (lakets_dropping_own())
		PG_RETURN_VOID();
	nsp = get_namespace_oid("lakets", true);
	if (!OidIsValid(nsp) || !OidIsValid(get_relname_relid("_rollup_registry", nsp)) ||
		!OidIsValid(get_relname_relid("_retention_policy", nsp)))
		PG_RETURN_VOID();
	SPI_connect();
	if (catalog_tracks_dropped())
		(void) catalog_forget_missing();
	SPI_finish();
	PG_RETURN_VOID();
}
