/*
 * monitoring.c
 *	  query_stats(): the lakets-related statements of pg_stat_statements.
 *
 * pg_stat_statements is optional. Without the extension in this database,
 * or with the extension created but its library not preloaded (reading the
 * view then raises an error), query_stats() returns no rows rather than an
 * error, as the toolkit's does: a dashboard polling it keeps working. The
 * view is read with the caller's rights, so its own rule applies: the text
 * of other users' statements shows only to members of pg_read_all_stats.
 *
 * The rest of the monitoring functions (lakets_metrics(), chunk_health())
 * are plain SQL over the registry, in monitoring.sql.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "args.h"
#include "spi_exec.h"

/* The statements, filtered and ordered as the toolkit does. */
static void
read_statements(ReturnSetInfo *rsinfo, const char *qschema, int32 limit)
{
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(limit)};
	uint64		i;

	lakets_exec_args(psprintf("SELECT pg_catalog.left(s.query, 200), s.calls,"
							  " s.total_exec_time, s.mean_exec_time, s.rows"
							  " FROM %s.pg_stat_statements s"
							  " WHERE s.query OPERATOR(pg_catalog.~~) '%%lakets%%'"
							  " OR s.query OPERATOR(pg_catalog.~~) '%%time_bucket%%'"
							  " ORDER BY s.total_exec_time DESC LIMIT $1", qschema),
					 1, argtypes, args, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		Datum		values[5];
		bool		nulls[5];
		int			col;

		for (col = 0; col < 5; col++)
			values[col] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
										col + 1, &nulls[col]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/* SQL: lakets.query_stats(p_limit) -> the p_limit lakets statements that took longest */
PG_FUNCTION_INFO_V1(lakets_query_stats);
Datum
lakets_query_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32		limit;
	Oid			extoid;
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1];
	bool		isnull;
	char	   *qschema;
	MemoryContext cxt;
	ResourceOwner owner;

	lakets_require_arg(fcinfo, 0, "p_limit");
	limit = PG_GETARG_INT32(0);
	if (limit < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_limit must not be negative")));
	InitMaterializedSRF(fcinfo, 0);
	extoid = get_extension_oid("pg_stat_statements", true);
	if (!OidIsValid(extoid))
		return (Datum) 0;

	SPI_connect();
	args[0] = ObjectIdGetDatum(extoid);
	qschema = TextDatumGetCString(lakets_exec_scalar("SELECT pg_catalog.quote_ident(n.nspname)"
													 " FROM pg_catalog.pg_extension e"
													 " JOIN pg_catalog.pg_namespace n"
													 " ON n.oid OPERATOR(pg_catalog.=) e.extnamespace"
													 " WHERE e.oid OPERATOR(pg_catalog.=) $1",
													 1, argtypes, args, NULL, &isnull));

	/* the one error that means "not loaded" gives no rows */
	cxt = CurrentMemoryContext;
	owner = CurrentResourceOwner;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		read_statements(rsinfo, qschema, limit);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE)
			PG_RE_THROW();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_END_TRY();
	SPI_finish();
	return (Datum) 0;
}
