/*
 * alerts.c
 *	  The toolkit's SQL alerts: alert_check() runs a query of the caller's and
 *	  returns each row it yields as a firing alert; alert_deadman() returns the
 *	  series of a ChronoTable that stopped reporting.
 *
 * Both are reads done for the caller, with the caller's rights: nothing here
 * switches user, and neither function is SECURITY DEFINER. Alerts keep no
 * state in lakets (the toolkit keeps none either): a caller who wants a
 * history inserts the rows into a table of its own.
 *
 * The query of alert_check() is the caller's own SQL, exactly as if the
 * caller ran it: it runs under the caller's search_path (so that its
 * unqualified names mean what the caller means), which is why it goes to SPI
 * directly and not through spi_exec.c, whose pinned search_path is for the
 * statements lakets builds itself.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "args.h"
#include "catalog.h"
#include "spi_exec.h"

/* Rows fetched from the caller's query at a time. */
#define ALERT_FETCH_ROWS 1000

/* One row of the caller's query as jsonb: to_jsonb(row), as the toolkit. */
static Datum
row_to_jsonb(HeapTuple tuple, TupleDesc blessed)
{
	Datum		json = DirectFunctionCall1(row_to_json,
										   heap_copy_tuple_as_datum(tuple, blessed));

	return DirectFunctionCall1(jsonb_in,
							   CStringGetDatum(text_to_cstring(DatumGetTextPP(json))));
}

/*
 * SQL: lakets.alert_check(p_name, p_query, p_severity) -> one row per row of
 * p_query: (p_name, p_severity, now(), the row as jsonb).
 */
PG_FUNCTION_INFO_V1(lakets_alert_check);
Datum
lakets_alert_check(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *name = lakets_text_arg(fcinfo, 0, "p_name");
	char	   *query = lakets_text_arg(fcinfo, 1, "p_query");
	char	   *severity = lakets_text_arg(fcinfo, 2, "p_severity");
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	SPIPlanPtr	plan;
	Portal		portal;
	TupleDesc	blessed = NULL;
	MemoryContext rowcxt;

	InitMaterializedSRF(fcinfo, 0);
	values[0] = CStringGetTextDatum(name);
	values[1] = CStringGetTextDatum(severity);
	values[2] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());

	SPI_connect();
	plan = SPI_prepare(query, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	if (!SPI_is_cursor_plan(plan))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_query must be a single query that returns rows"),
				 errdetail("Each row the query returns is a firing alert."),
				 errhint("Pass one SELECT, e.g. 'SELECT host, max(cpu) FROM metrics GROUP BY host HAVING max(cpu) > 90'.")));
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, false);
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "lakets alert row",
								   ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		uint64		i;

		SPI_cursor_fetch(portal, true, ALERT_FETCH_ROWS);
		if (SPI_processed == 0)
			break;
		if (blessed == NULL)
		{
			blessed = CreateTupleDescCopy(SPI_tuptable->tupdesc);
			BlessTupleDesc(blessed);
		}
		for (i = 0; i < SPI_processed; i++)
		{
			MemoryContext old = MemoryContextSwitchTo(rowcxt);

			values[3] = row_to_jsonb(SPI_tuptable->vals[i], blessed);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			MemoryContextSwitchTo(old);
			MemoryContextReset(rowcxt);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();
	return (Datum) 0;
}

/*
 * The last instant of a series as timestamptz: timestamp and date columns
 * are read as UTC, as everywhere in lakets.
 */
static char *
last_seen_expr(Oid time_type, const char *qcolumn)
{
	if (time_type == TIMESTAMPTZOID)
		return psprintf("pg_catalog.max(%s)", qcolumn);
	if (time_type == TIMESTAMPOID)
		return psprintf("pg_catalog.timezone('UTC', pg_catalog.max(%s))", qcolumn);
	return psprintf("pg_catalog.timezone('UTC', pg_catalog.max(%s)::pg_catalog.timestamp)",
					qcolumn);
}

/* Letters, digits, _ and $, not starting with a digit or $. */
static bool
simple_identifier(const char *name)
{
	const char *p;

	if (name[0] == '\0' || isdigit((unsigned char) name[0]) || name[0] == '$')
		return false;
	for (p = name; *p; p++)
		if (!(isalnum((unsigned char) *p) || *p == '_' || *p == '$' || IS_HIGHBIT_SET(*p)))
			return false;
	return true;
}

/*
 * SQL: lakets.alert_deadman(p_name, p_table_name, p_group_by, p_timeout,
 *		p_schema_name) -> one row per value of p_group_by whose latest row is
 *		older than p_timeout, ordered by that value (as text).
 */
PG_FUNCTION_INFO_V1(lakets_alert_deadman);
Datum
lakets_alert_deadman(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *name = lakets_text_arg(fcinfo, 0, "p_name");
	char	   *table_name = lakets_text_arg(fcinfo, 1, "p_table_name");
	char	   *group_by = lakets_text_arg(fcinfo, 2, "p_group_by");
	Interval   *timeout = lakets_interval_arg(fcinfo, 3, "p_timeout");
	char	   *schema_name = lakets_text_arg(fcinfo, 4, "p_schema_name");
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	Interval	zero = {0};
	Oid			argtypes[2] = {INTERVALOID, TIMESTAMPTZOID};
	Datum		args[2];
	ChronoTable *ct;
	AttrNumber	attnum;
	char	   *sql;
	uint64		i;

	if (DatumGetInt32(DirectFunctionCall2(interval_cmp, IntervalPGetDatum(timeout),
										  IntervalPGetDatum(&zero))) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_timeout must not be negative")));
	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	ct = catalog_get_chronotable(lakets_resolve_table(schema_name, table_name), false);
	attnum = get_attnum(ct->relid, group_by);
	/*
	 * Not even an identifier (the toolkit's injection check): the toolkit's
	 * class, raise_exception, which its callers catch. The name would only
	 * ever be quoted here.
	 */
	if (attnum <= 0 && !simple_identifier(group_by))
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("p_group_by is not a column name: \"%s\"", group_by),
				 errhint("Pass the name of a column of %s.%s, unquoted.",
						 schema_name, table_name)));
	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s.%s\" does not exist",
						group_by, schema_name, table_name),
				 errhint("Names are case-sensitive and must not be quoted.")));

	sql = psprintf("SELECT s.k::pg_catalog.text, s.last_seen,"
				   " $2 OPERATOR(pg_catalog.-) s.last_seen"
				   " FROM (SELECT %s AS k, %s AS last_seen FROM %s GROUP BY 1) s"
				   " WHERE s.last_seen OPERATOR(pg_catalog.<) ($2 OPERATOR(pg_catalog.-) $1)"
				   " ORDER BY 1",
				   quote_identifier(group_by),
				   last_seen_expr(ct->time_type, quote_identifier(ct->time_column)),
				   catalog_relation_name(ct->relid));
	args[0] = IntervalPGetDatum(timeout);
	args[1] = TimestampTzGetDatum(now);
	lakets_exec_args(sql, 2, argtypes, args, NULL, SPI_OK_SELECT);

	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};

		values[0] = CStringGetTextDatum(name);
		values[1] = CStringGetTextDatum("critical");
		values[2] = TimestampTzGetDatum(now);
		values[3] = SPI_getbinval(tup, desc, 1, &nulls[3]);
		values[4] = SPI_getbinval(tup, desc, 2, &nulls[4]);
		values[5] = SPI_getbinval(tup, desc, 3, &nulls[5]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}
