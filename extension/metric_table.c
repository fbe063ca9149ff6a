/*
 * metric_table.c
 *	  Metric tables (the toolkit's tag + field model): a ChronoTable made in
 *	  one call with TEXT tag columns and DOUBLE PRECISION field columns, and
 *	  the cardinality of its tags.
 *
 * create_metric_table() creates the table as the caller (who thus owns it),
 * converts it through lakets.create_chronotable() and adds the toolkit's two
 * indexes on the partitioned table, so every chunk, present and future, has
 * them. It is one statement of the caller's transaction: any error leaves
 * nothing behind.
 *
 * cardinality_stats() and cardinality_check() read the table with the
 * caller's rights (a plain SELECT of the caller's); every count is exact, as
 * in the toolkit.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "args.h"
#include "catalog.h"
#include "spi_exec.h"

#define METRIC_TIME_COLUMN "time"

/* A name the toolkit would accept and PostgreSQL would keep as it is. */
static void
check_identifier(const char *name, const char *what)
{
	if (name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be empty", what)));
	if (strlen(name) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("%s \"%s\" is too long", what, name),
				 errdetail("Names are at most %d bytes long.", NAMEDATALEN - 1)));
}

/* The names in a text[] argument, checked; they join *seen. */
static List *
column_names_arg(FunctionCallInfo fcinfo, int argno, const char *argname, List **seen)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	List	   *names = NIL;

	lakets_require_arg(fcinfo, argno, argname);
	arr = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", argname)));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (i = 0; i < n; i++)
	{
		char	   *name;
		ListCell   *lc;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain nulls", argname)));
		name = TextDatumGetCString(elems[i]);
		check_identifier(name, "column name");
		if (strcmp(name, METRIC_TIME_COLUMN) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_COLUMN),
					 errmsg("column name \"%s\" is reserved for the time column", name),
					 errdetail("A metric table has a column \"time\" of type timestamptz."),
					 errhint("Name the tag or field otherwise.")));
		foreach(lc, *seen)
			if (strcmp(lfirst(lc), name) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_COLUMN),
						 errmsg("column \"%s\" is named more than once", name),
						 errdetail("Tag and field names must all be distinct.")));
		*seen = lappend(*seen, name);
		names = lappend(names, name);
	}
	return names;
}

/*
 * An index name of the toolkit's, idx_<table>_<suffix>; a long table name is
 * cut so that the suffix stays, as PostgreSQL names indexes.
 */
static char *
index_name(const char *table_name, const char *suffix)
{
	return makeObjectName("idx", table_name, suffix);
}

/*
 * SQL: lakets.create_metric_table(p_table_name, p_tag_columns,
 *		p_field_columns, p_chunk_interval, p_schema_name) -> chronotable id
 */
PG_FUNCTION_INFO_V1(lakets_create_metric_table);
Datum
lakets_create_metric_table(PG_FUNCTION_ARGS)
{
	char	   *table_name = lakets_text_arg(fcinfo, 0, "p_table_name");
	Interval   *iv = lakets_interval_arg(fcinfo, 3, "p_chunk_interval");
	char	   *schema_name = lakets_text_arg(fcinfo, 4, "p_schema_name");
	List	   *seen = NIL;
	List	   *tags;
	List	   *fields;
	char	   *qtable;
	StringInfoData cols;
	StringInfoData tagcols;
	ListCell   *lc;
	Oid			argtypes[3] = {TEXTOID, INTERVALOID, TEXTOID};
	Datum		values[3];
	bool		isnull;
	int32		id;

	check_identifier(table_name, "table name");
	tags = column_names_arg(fcinfo, 1, "p_tag_columns", &seen);
	fields = column_names_arg(fcinfo, 2, "p_field_columns", &seen);
	if (!OidIsValid(get_namespace_oid(schema_name, true)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"%s\" does not exist", schema_name)));
	qtable = quote_qualified_identifier(schema_name, table_name);

	initStringInfo(&cols);
	initStringInfo(&tagcols);
	appendStringInfo(&cols, "%s pg_catalog.timestamptz NOT NULL",
					 quote_identifier(METRIC_TIME_COLUMN));
	foreach(lc, tags)
	{
		appendStringInfo(&cols, ", %s pg_catalog.text NOT NULL",
						 quote_identifier(lfirst(lc)));
		appendStringInfo(&tagcols, "%s, ", quote_identifier(lfirst(lc)));
	}
	foreach(lc, fields)
		appendStringInfo(&cols, ", %s pg_catalog.float8", quote_identifier(lfirst(lc)));

	SPI_connect();
	/* as the caller: the caller owns the new table */
	lakets_execf(SPI_OK_UTILITY, "CREATE TABLE %s (%s)", qtable, cols.data);
	values[0] = CStringGetTextDatum(table_name);
	values[1] = IntervalPGetDatum(iv);
	values[2] = CStringGetTextDatum(schema_name);
	id = DatumGetInt32(lakets_exec_scalar("SELECT lakets.create_chronotable($1, '"
										  METRIC_TIME_COLUMN "', $2, $3)",
										  3, argtypes, values, NULL, &isnull));
	if (tags != NIL)
		lakets_execf(SPI_OK_UTILITY, "CREATE INDEX %s ON %s (%s%s DESC)",
					 quote_identifier(index_name(table_name, "series")), qtable,
					 tagcols.data, quote_identifier(METRIC_TIME_COLUMN));
	lakets_execf(SPI_OK_UTILITY, "CREATE INDEX %s ON %s USING brin (%s)",
				 quote_identifier(index_name(table_name, "brin")), qtable,
				 quote_identifier(METRIC_TIME_COLUMN));
	SPI_finish();
	PG_RETURN_INT32(id);
}

/*
 * The table the caller names, resolved once, and the quoted names of its
 * text columns (the tags, as the toolkit counts them) in column order.
 */
static Oid
tag_table(FunctionCallInfo fcinfo, int table_arg, int schema_arg, List **tag_columns)
{
	char	   *table_name = lakets_text_arg(fcinfo, table_arg, "p_table_name");
	char	   *schema_name = lakets_text_arg(fcinfo, schema_arg, "p_schema_name");
	Oid			relid = lakets_resolve_table(schema_name, table_name);
	Relation	rel;
	TupleDesc	desc;
	int			i;
	char		relkind = get_rel_relkind(relid);

	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE &&
		relkind != RELKIND_VIEW && relkind != RELKIND_MATVIEW &&
		relkind != RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s.%s\" is not a table", schema_name, table_name)));
	rel = relation_open(relid, AccessShareLock);
	desc = RelationGetDescr(rel);
	*tag_columns = NIL;
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && att->atttypid == TEXTOID)
			*tag_columns = lappend(*tag_columns, pstrdup(NameStr(att->attname)));
	}
	relation_close(rel, NoLock);
	return relid;
}

/*
 * SQL: lakets.cardinality_stats(p_table_name, p_schema_name) -> one row per
 * text column: its distinct values, the table's rows, their ratio in percent.
 * One scan of the table counts them all.
 */
PG_FUNCTION_INFO_V1(lakets_cardinality_stats);
Datum
lakets_cardinality_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *tags;
	Oid			relid;
	StringInfoData sql;
	ListCell   *lc;
	int			col;

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	relid = tag_table(fcinfo, 0, 1, &tags);
	if (tags == NIL)
	{
		SPI_finish();
		return (Datum) 0;
	}
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT pg_catalog.count(*)");
	foreach(lc, tags)
		appendStringInfo(&sql, ", pg_catalog.count(DISTINCT %s)", quote_identifier(lfirst(lc)));
	appendStringInfo(&sql, " FROM %s", catalog_relation_name(relid));
	lakets_exec(sql.data, SPI_OK_SELECT);

	col = 2;
	foreach(lc, tags)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		total = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		int64		distinct = DatumGetInt64(SPI_getbinval(tup, desc, col, &isnull));
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};
		Datum		pct;

		if (total > 0)
		{
			/* round(distinct / total * 100, 3), in numeric as the toolkit */
			pct = DirectFunctionCall2(numeric_div,
									  DirectFunctionCall1(int8_numeric, Int64GetDatum(distinct)),
									  DirectFunctionCall1(int8_numeric, Int64GetDatum(total)));
			pct = DirectFunctionCall2(numeric_mul, pct,
									  DirectFunctionCall1(int4_numeric, Int32GetDatum(100)));
			pct = DirectFunctionCall2(numeric_round, pct, Int32GetDatum(3));
		}
		else
			pct = DirectFunctionCall1(int4_numeric, Int32GetDatum(0));
		values[0] = CStringGetTextDatum(lfirst(lc));
		values[1] = Int64GetDatum(distinct);
		values[2] = Int64GetDatum(total);
		values[3] = pct;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		col++;
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * SQL: lakets.cardinality_check(p_table_name, p_max_series, p_schema_name)
 * -> status (OK, WARNING above 80 % of p_max_series, CRITICAL above it),
 * the number of distinct tag combinations, p_max_series, the tag columns.
 */
PG_FUNCTION_INFO_V1(lakets_cardinality_check);
Datum
lakets_cardinality_check(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		max_series;
	List	   *tags;
	Oid			relid;
	StringInfoData cols;
	ListCell   *lc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	int64		cardinality = 0;

	lakets_require_arg(fcinfo, 1, "p_max_series");
	max_series = PG_GETARG_INT64(1);
	if (max_series < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_max_series must not be negative")));
	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	relid = tag_table(fcinfo, 0, 2, &tags);
	initStringInfo(&cols);
	foreach(lc, tags)
		appendStringInfo(&cols, "%s%s", cols.len > 0 ? ", " : "", quote_identifier(lfirst(lc)));
	if (tags != NIL)
	{
		bool		isnull;

		cardinality = DatumGetInt64(lakets_exec_scalar(psprintf("SELECT pg_catalog.count(*) FROM"
																" (SELECT DISTINCT %s FROM %s) t",
																cols.data,
																catalog_relation_name(relid)),
													   0, NULL, NULL, NULL, &isnull));
	}
	/*
	 * WARNING above max * 0.8, compared exactly without overflow: with
	 * d = max - n >= 0, n > 0.8 max <=> 5 d < max <=> d <= (max - 1) / 5
	 */
	if (cardinality > max_series)
		values[0] = CStringGetTextDatum("CRITICAL");
	else if (max_series > 0 && max_series - cardinality <= (max_series - 1) / 5)
		values[0] = CStringGetTextDatum("WARNING");
	else
		values[0] = CStringGetTextDatum("OK");
	values[1] = Int64GetDatum(cardinality);
	values[2] = Int64GetDatum(max_series);
	values[3] = CStringGetTextDatum(cols.data);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	SPI_finish();
	return (Datum) 0;
}
