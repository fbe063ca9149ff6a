/*
 * schedule.c
 *	  Optional scheduling of lakets jobs with pg_cron.
 *
 * lakets works without pg_cron (managed services such as Lakebase have
 * none; lakets-helper is the fallback there). Where pg_cron is installed in
 * the current database, schedule_maintenance() registers a job named
 * "lakets-<job>" that runs SELECT lakets.run_maintenance('<job>') in this
 * database, replacing an earlier job of the same name.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"

#include "args.h"
#include "spi_exec.h"

static void
require_pg_cron(void)
{
	lakets_exec("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron'", SPI_OK_SELECT);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("pg_cron is not installed in this database"),
				 errdetail("lakets.schedule_maintenance() registers its jobs with pg_cron."),
				 errhint("Install pg_cron (shared_preload_libraries = 'pg_cron', cron.database_name "
						 "set to this database, CREATE EXTENSION pg_cron), or run lakets-helper "
						 "from an external scheduler: see docs/helper.md.")));
}

/* SQL: lakets.schedule_maintenance(p_schedule, p_job) -> pg_cron job id */
PG_FUNCTION_INFO_V1(lakets_schedule_maintenance);
Datum
lakets_schedule_maintenance(PG_FUNCTION_ARGS)
{
	char	   *schedule = lakets_text_arg(fcinfo, 0, "p_schedule");
	const char *job = lakets_job_arg(fcinfo, 1);
	Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];
	bool		isnull;
	int64		jobid;

	SPI_connect();
	require_pg_cron();
	values[0] = CStringGetTextDatum(psprintf("lakets-%s", job));
	values[1] = CStringGetTextDatum(schedule);
	/* the procedure: it commits per table where pg_cron lets it */
	values[2] = CStringGetTextDatum(psprintf("CALL lakets.maintain(%s)", quote_literal_cstr(job)));
	/* cron.schedule() replaces a job of the same name and user */
	jobid = DatumGetInt64(lakets_exec_scalar("SELECT cron.schedule($1, $2, $3)",
											 3, types, values, NULL, &isnull));
	SPI_finish();
	PG_RETURN_INT64(jobid);
}

/* SQL: lakets.unschedule_maintenance(p_job) -> jobs removed */
PG_FUNCTION_INFO_V1(lakets_unschedule_maintenance);
Datum
lakets_unschedule_maintenance(PG_FUNCTION_ARGS)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1];
	char		nulls[1] = {' '};
	uint64		removed;

	if (PG_ARGISNULL(0))
		nulls[0] = 'n';
	else
		values[0] = CStringGetTextDatum(psprintf("lakets-%s", lakets_job_arg(fcinfo, 0)));
	SPI_connect();
	require_pg_cron();
	removed = lakets_exec_args("SELECT cron.unschedule(jobid) FROM cron.job"
							   " WHERE database = pg_catalog.current_database()"
							   " AND username = current_user"
							   " AND (jobname = $1 OR ($1 IS NULL AND jobname LIKE 'lakets-%'))",
							   1, types, values, nulls, SPI_OK_SELECT);
	SPI_finish();
	PG_RETURN_INT32((int32) removed);
}
