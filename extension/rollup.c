/*
 * rollup.c
 *	  RollUps: define, drop, the real-time view, invalidation switches and
 *	  refresh lag.
 *
 * create_rollup() analyses the query (rollup_query.c), creates the RollUp
 * table _rollup_<name> in the source's schema with the query's output
 * columns and a unique index on (bucket, group keys), the refresh function
 * _rollup_fn_<name>(from, to) that runs the query over [from, to) of the
 * source's time column, installs the invalidation trigger on the source if
 * it has none yet, loads the table, registers the RollUp and creates the
 * real-time view _rollup_rt_<name>. While it runs it holds SHARE ROW
 * EXCLUSIVE on the source, so that no row commits between the initial load
 * and the moment the RollUp starts receiving invalidations.
 *
 * The refresh function has a SQL-standard body (BEGIN ATOMIC): PostgreSQL
 * stores it parsed, by OID, so renaming the source, its schema or anything
 * the query reads changes nothing, pg_dump writes it out by name, and a
 * refresh calling it is inlined into one INSERT ... SELECT that reads only
 * the chunks of the window. Everything is created and run as the source's
 * owner (owner.c).
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_trigger.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "parser/parsetree.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "parser/parse_func.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "args.h"
#include "catalog.h"
#include "citus.h"
#include "invalidation.h"
#include "lockwait.h"
#include "owner.h"
#include "rangeset.h"
#include "refresh.h"
#include "rollup.h"
#include "rollup_query.h"
#include "spi_exec.h"
#include "timebucket.h"

#define ROLLUP_TABLE_PREFIX "_rollup_"
#define ROLLUP_VIEW_PREFIX "_rollup_rt_"
#define ROLLUP_FUNCTION_PREFIX "_rollup_fn_"
#define TRIGGER_NAME "zz_lakets_invalidate"
#define TRUNCATE_TRIGGER_NAME "zz_lakets_invalidate_truncate"

static void
check_rollup_name(const char *name)
{
	if (strlen(name) + strlen(ROLLUP_VIEW_PREFIX) > NAMEDATALEN - 1)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("rollup name \"%s\" is too long", name),
				 errdetail("Its view %s%s must fit in %d bytes.", ROLLUP_VIEW_PREFIX, name,
						   NAMEDATALEN - 1)));
}

static char *
quoted_list(List *names)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, names)
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "",
						 quote_identifier((char *) lfirst(lc)));
	return buf.data;
}

static bool
has_trigger(Oid relid, const char *name)
{
	Oid			types[2] = {OIDOID, NAMEOID};
	Datum		values[2];

	values[0] = ObjectIdGetDatum(relid);
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(name));
	lakets_exec_args("SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = $1 AND tgname = $2",
					 2, types, values, NULL, SPI_OK_SELECT);
	return SPI_processed > 0;
}

/*
 * The granule the trigger rounds times to: the bucket width when it is a
 * fixed width of at most a day, else a day. Coarser only costs recomputing
 * a little more; the refresh aligns to buckets anyway.
 */
static int64
trigger_granule(const Interval *width)
{
	int64		usecs;

	if (width->month != 0)
		return USECS_PER_DAY;
	usecs = (int64) width->day * USECS_PER_DAY + width->time;
	return Min(usecs, USECS_PER_DAY);
}

static const char *const row_triggers[] = {
	TRIGGER_NAME "_insert", TRIGGER_NAME "_update", TRIGGER_NAME "_delete"
};

static List *
partitions_of(Oid relid)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};
	List	   *result = NIL;
	uint64		i;
	bool		isnull;

	lakets_exec_args("SELECT inhrelid FROM pg_catalog.pg_inherits WHERE inhparent = $1",
					 1, types, values, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
		result = lappend_oid(result, DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
																	SPI_tuptable->tupdesc, 1,
																	&isnull)));
	return result;
}

/*
 * TRUNCATE fires only the statement triggers of the relations truncated,
 * and those are not cloned to partitions: each chunk and the default
 * partition get their own.
 */
static void
add_truncate_trigger(Oid relid)
{
	/* on a Citus table it fires on the coordinator, which truncates too */
	if (!has_trigger(relid, TRUNCATE_TRIGGER_NAME))
		lakets_citus_exec_trigger_ddl(psprintf("CREATE TRIGGER %s AFTER TRUNCATE ON %s"
											   " FOR EACH STATEMENT EXECUTE FUNCTION lakets._invalidation_trigger()",
											   TRUNCATE_TRIGGER_NAME,
											   quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
																		  get_rel_name(relid))));
}

/* A new partition of a table that RollUps read gets its TRUNCATE trigger. */
void
rollup_track_partition(Oid parent_relid, Oid partition_relid)
{
	if (has_trigger(parent_relid, TRUNCATE_TRIGGER_NAME))
		add_truncate_trigger(partition_relid);
}

/* The granule the row triggers of a source use now, 0 when it has none. */
static int64
installed_granule(Oid source_relid)
{
	Oid			types[2] = {OIDOID, NAMEOID};
	Datum		values[2];
	bool		isnull;
	Datum		d;

	values[0] = ObjectIdGetDatum(source_relid);
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(row_triggers[0]));
	d = lakets_exec_scalar("SELECT split_part(encode(tgargs, 'escape'), '\\000', 1)::bigint"
						   " FROM pg_catalog.pg_trigger WHERE tgrelid = $1 AND tgname = $2",
						   2, types, values, NULL, &isnull);
	return isnull ? 0 : DatumGetInt64(d);
}

/*
 * The invalidation triggers of a source (see invalidation.c). They round
 * times to the finest granule among the source's RollUps: when a finer
 * RollUp comes, they are created again with its granule; rebuild creates
 * them again in any case (an update from an older version). The granule is
 * an int8 literal: PostgreSQL reads and plans a WHEN clause for every
 * statement, and a cast in it would be folded every time. On a Citus
 * distributed source they call _note_shard_change() with the source's OID
 * here (Citus copies them to the shards; see shardlog.c).
 */
static void
install_trigger(Oid source_relid, const char *qsource, const char *time_column,
				const Interval *width, bool rebuild)
{
	const char *col = quote_identifier(time_column);
	char	   *source = quote_literal_cstr(qsource);
	int64		wanted = trigger_granule(width);
	int64		installed = installed_granule(source_relid);
	char	   *granule;
	char	   *literal;
	const char *events[] = {"INSERT", "UPDATE", "DELETE"};
	const char *when[3];
	int			i;
	ListCell   *lc;

	bool		sharded = lakets_citus_table_kind(source_relid) == CITUS_TABLE_DISTRIBUTED;
	char	   *origin = psprintf("'%u'::pg_catalog.oid", source_relid);

	if (installed != 0 && installed <= wanted && !rebuild)
		return;
	if (installed != 0 && installed < wanted)
		wanted = installed;
	if (installed != 0)
	{
		/* DROP TRIGGER takes ACCESS EXCLUSIVE: wait for it only so long */
		lakets_lock_relation(source_relid, AccessExclusiveLock);
		for (i = 0; i < lengthof(row_triggers); i++)
			lakets_citus_exec_trigger_ddl(psprintf("DROP TRIGGER %s ON %s",
												   row_triggers[i], qsource));
	}
	granule = psprintf(INT64_FORMAT, wanted);
	literal = psprintf("'%s'::pg_catalog.int8", granule);
	if (sharded)
	{
		when[0] = psprintf("lakets._note_shard_change(%s, %s, NEW.%s, %s)", source, origin, col, literal);
		when[1] = psprintf("lakets._note_shard_changes(%s, %s, OLD.%s, NEW.%s, %s)", source, origin,
						   col, col, literal);
		when[2] = psprintf("lakets._note_shard_change(%s, %s, OLD.%s, %s)", source, origin, col, literal);
	}
	else
	{
		when[0] = psprintf("lakets._note_change(%s, NEW.%s, %s)", source, col, literal);
		when[1] = psprintf("lakets._note_changes(%s, OLD.%s, NEW.%s, %s)", source, col, col, literal);
		when[2] = psprintf("lakets._note_change(%s, OLD.%s, %s)", source, col, literal);
	}
	for (i = 0; i < lengthof(row_triggers); i++)
		lakets_citus_exec_trigger_ddl(psprintf("CREATE TRIGGER %s AFTER %s ON %s FOR EACH ROW WHEN (%s)"
											   " EXECUTE FUNCTION lakets._invalidation_trigger(%s)",
											   row_triggers[i], events[i], qsource, when[i],
											   quote_literal_cstr(granule)));
	add_truncate_trigger(source_relid);
	foreach(lc, partitions_of(source_relid))
		add_truncate_trigger(lfirst_oid(lc));
}

/*
 * CREATE FUNCTION <schema>._rollup_fn_<name>(from, to, only) RETURNS TABLE
 * (the query's columns) BEGIN ATOMIC <the query over [from, to), and over
 * the ranges of the multirange "only" unless NULL> END; returns
 * its OID. Only its owner may run it. The inputs are named: PostgreSQL
 * deparses unnamed ones of such a body as "" (and pg_dump would fail).
 */
static Oid
create_refresh_function(const RollupQuery *rq, const char *name, const char *schema)
{
	char	   *fname = psprintf(ROLLUP_FUNCTION_PREFIX "%s", name);
	char	   *qfunc = quote_qualified_identifier(schema, fname);
	const char *ttype = format_type_be_qualified(rq->time_type);
	const char *mtype = format_type_be_qualified(lakets_multirange_type(rq->time_type));
	StringInfoData cols;
	ListCell   *lc;
	Oid			argtypes[3] = {rq->time_type, rq->time_type, lakets_multirange_type(rq->time_type)};

	initStringInfo(&cols);
	foreach(lc, rq->query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (!tle->resjunk)
			appendStringInfo(&cols, "%s%s %s", cols.len > 0 ? ", " : "",
							 quote_identifier(tle->resname),
							 format_type_be_qualified(exprType((Node *) tle->expr)));
	}
	lakets_citus_exec_local_ddl(psprintf("CREATE FUNCTION %s(lakets_from %s, lakets_to %s, lakets_only %s)"
										 " RETURNS TABLE (%s) LANGUAGE sql STABLE"
										 " BEGIN ATOMIC %s; END",
										 qfunc, ttype, ttype, mtype, cols.data,
										 rollup_query_window_sql(rq)));
	lakets_citus_exec_local_ddl(psprintf("REVOKE ALL ON FUNCTION %s(%s, %s, %s) FROM PUBLIC",
										 qfunc, ttype, ttype, mtype));
	return LookupFuncName(list_make2(makeString((char *) schema), makeString(fname)),
						  3, argtypes, false);
}

/*
 * (Re)create the real-time view of a RollUp from its live query; the view
 * is recorded by OID.
 */
static void
create_view(const Rollup *r, List *columns, const char *live_query)
{
	char	   *vname = OidIsValid(r->view_relid) && get_rel_name(r->view_relid) ?
		get_rel_name(r->view_relid) : psprintf(ROLLUP_VIEW_PREFIX "%s", r->name);
	char	   *vschema = OidIsValid(r->view_relid) && get_rel_name(r->view_relid) ?
		get_namespace_name(get_rel_namespace(r->view_relid)) : r->rollup_schema;

	lakets_citus_exec_local_ddl(psprintf("CREATE OR REPLACE VIEW %s AS SELECT %s FROM %s WHERE %s < %s"
										 " UNION ALL SELECT * FROM (%s) AS live",
										 quote_qualified_identifier(vschema, vname), quoted_list(columns),
										 catalog_relation_name(r->rollup_relid),
										 quote_identifier(r->bucket_column),
										 rollup_query_watermark_expr(r->name, r->bucket_type,
																	 lakets_citus_table_kind(r->source_relid) == CITUS_TABLE_DISTRIBUTED),
										 live_query));
	catalog_set_rollup_view(r->id, get_relname_relid(vname, get_namespace_oid(vschema, false)));
}

/*
 * The RollUp table of a Citus distributed source: distributed co-located
 * with the source when a GROUP BY key is the source's distribution column
 * (each group lives on one shard: a refresh runs shard by shard on the
 * workers), else a reference table (filled from the coordinator).
 */
static void
distribute_rollup_table(const RollupQuery *rq, const char *qtable, const char *qsource)
{
	char	   *distcol = lakets_citus_distribution_column(rq->source_relid);
	AttrNumber	attno = distcol ? get_attnum(rq->source_relid, distcol) : InvalidAttrNumber;
	const char *key = NULL;
	ListCell   *lc;

	foreach(lc, rq->query->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		Var		   *var = (Var *) tle->expr;

		if (tle->resjunk || tle->ressortgroupref == 0 || !IsA(var, Var) ||
			var->varlevelsup != 0 || var->varattno != attno)
			continue;
		if (rt_fetch(var->varno, rq->query->rtable)->relid == rq->source_relid)
		{
			key = tle->resname;
			break;
		}
	}
	if (key != NULL)
		lakets_execf(SPI_OK_SELECT,
					 "SELECT pg_catalog.create_distributed_table(%s, %s, colocate_with => %s)",
					 quote_literal_cstr(qtable), quote_literal_cstr(key),
					 quote_literal_cstr(qsource));
	else
		lakets_execf(SPI_OK_SELECT, "SELECT pg_catalog.create_reference_table(%s)",
					 quote_literal_cstr(qtable));
}

/* The source of a query, its time column, and the RollUp it is, if any. */
static char *
source_time_column(RollupQuery *rq, Rollup **upstream)
{
	ChronoTable *ct = catalog_get_chronotable(rq->source_relid, true);

	*upstream = NULL;
	if (ct != NULL)
		return ct->time_column;
	*upstream = catalog_get_rollup_by_table(rq->source_relid);
	if (*upstream != NULL)
		return (*upstream)->bucket_column;
	ereport(ERROR,
			(errcode(ERRCODE_WRONG_OBJECT_TYPE),
			 errmsg("p_query reads %s, which is neither a chronotable nor a rollup",
					quote_qualified_identifier(rq->source_schema, rq->source_table)),
			 errhint("Convert the table with lakets.create_chronotable() first.")));
	return NULL;				/* keep compiler quiet */
}

/*
 * The ChronoTable beneath a RollUp table, through RollUps over RollUps
 * (InvalidOid if relid is no RollUp table).
 */
static Oid
base_chronotable(Oid relid)
{
	Rollup	   *r = catalog_get_rollup_by_table(relid);
	int			depth = 0;

	while (r != NULL && r->source_rollup_id != 0 && depth++ < 100)
		r = catalog_get_rollup_by_table(r->source_relid);
	return r ? r->source_relid : InvalidOid;
}

static List *
dependencies(FunctionCallInfo fcinfo, int argno, const Rollup *upstream)
{
	List	   *deps = NIL;

	if (!PG_ARGISNULL(argno))
	{
		Datum	   *elems;
		bool	   *nulls;
		int			n,
					i;

		deconstruct_array(PG_GETARG_ARRAYTYPE_P(argno), TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &nulls, &n);
		for (i = 0; i < n; i++)
		{
			char	   *dep;

			if (nulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("p_depends_on must not contain nulls")));
			dep = TextDatumGetCString(elems[i]);
			if (catalog_get_rollup(dep, true) == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("rollup \"%s\" named in p_depends_on does not exist", dep),
						 errhint("Create the rollups a rollup depends on first.")));
			if (!list_member(deps, makeString(dep)))
				deps = lappend(deps, makeString(dep));
		}
	}
	if (upstream != NULL && !list_member(deps, makeString(upstream->name)))
		deps = lappend(deps, makeString(pstrdup(upstream->name)));
	return deps;
}

static List *
string_values(List *strings)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, strings)
		result = lappend(result, strVal(lfirst(lc)));
	return result;
}

/*
 * SQL: lakets.create_rollup(p_name, p_query, p_bucket_interval,
 *		p_source_table, p_source_schema, p_depends_on) -> id
 */
PG_FUNCTION_INFO_V1(lakets_create_rollup);
Datum
lakets_create_rollup(PG_FUNCTION_ARGS)
{
	char	   *name = lakets_text_arg(fcinfo, 0, "p_name");
	char	   *query = lakets_text_arg(fcinfo, 1, "p_query");
	Interval   *bucket_interval = lakets_interval_arg(fcinfo, 2, "p_bucket_interval");
	RollupQuery *rq;
	Rollup	   *upstream;
	Rollup		r;
	Oid			source_relid;
	char	   *qsource;
	char	   *qtable;
	RangeSet   *everything;
	OwnerSwitch sw;

	check_rollup_name(name);
	SPI_connect();
	if (catalog_get_rollup(name, true) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("rollup \"%s\" already exists", name)));

	rq = rollup_query_parse(query);
	source_relid = rq->source_relid;
	if (!PG_ARGISNULL(3))
	{
		char	   *schema = lakets_text_arg(fcinfo, 4, "p_source_schema");
		Oid			given = lakets_resolve_table(schema, lakets_text_arg(fcinfo, 3, "p_source_table"));

		if (given != source_relid && given != base_chronotable(source_relid))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("p_query reads %s, not the p_source_table given",
							quote_qualified_identifier(rq->source_schema, rq->source_table)),
					 errdetail("p_source_table must name the table p_query reads or, for a rollup over a rollup, the chronotable beneath it.")));
	}
	lakets_check_owner(source_relid);
	lakets_citus_check_rollup_source(source_relid);
	rollup_query_find_bucket(rq, source_time_column(rq, &upstream));
	if (memcmp(bucket_interval, &rq->bucket_interval, sizeof(Interval)) != 0)
		ereport(NOTICE,
				(errmsg("rollup \"%s\" uses the bucket width of its query", name),
				 errdetail("p_bucket_interval is %s; the query buckets by %s.",
						   DatumGetCString(DirectFunctionCall1(interval_out,
															   IntervalPGetDatum(bucket_interval))),
						   DatumGetCString(DirectFunctionCall1(interval_out,
															   IntervalPGetDatum(&rq->bucket_interval))))));

	memset(&r, 0, sizeof(r));
	r.name = name;
	r.query = query;
	r.source_relid = source_relid;
	r.source_schema = rq->source_schema;
	r.source_table = rq->source_table;
	r.source_time_column = rq->time_column;
	r.source_time_type = rq->time_type;
	r.source_rollup_id = upstream ? upstream->id : 0;
	r.rollup_schema = rq->source_schema;
	r.rollup_table = psprintf(ROLLUP_TABLE_PREFIX "%s", name);
	r.bucket_column = rq->bucket_column;
	r.bucket_type = rq->bucket_type;
	r.bucket_interval = rq->bucket_interval;
	r.bucket_origin = rq->bucket_origin;
	r.bucket_timezone = rq->bucket_timezone;
	r.depends_on = string_values(dependencies(fcinfo, 5, upstream));

	r.invalidation_enabled = true;

	if (OidIsValid(get_relname_relid(r.rollup_table, get_rel_namespace(source_relid))))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("relation %s already exists",
						quote_qualified_identifier(r.rollup_schema, r.rollup_table)),
				 errhint("Choose another rollup name, or drop that relation.")));

	/* no row may commit between the load and the start of tracking */
	lakets_lock_relation(source_relid, ShareRowExclusiveLock);
	/* what was logged before this RollUp existed belongs to the others */
	invalidation_flush();
	catalog_move_source_invalidations(source_relid);

	lakets_become_owner(source_relid, &sw);
	qsource = quote_qualified_identifier(r.source_schema, r.source_table);
	qtable = quote_qualified_identifier(r.rollup_schema, r.rollup_table);
	lakets_execf(SPI_OK_UTILITY, "CREATE TABLE %s AS %s WITH NO DATA",
				 qtable, rollup_query_sql(rq));
	r.rollup_relid = get_relname_relid(r.rollup_table, get_rel_namespace(source_relid));
	r.refresh_function = create_refresh_function(rq, name, r.rollup_schema);
	r.id = catalog_insert_rollup(&r);
	install_trigger(source_relid, qsource, r.source_time_column, &r.bucket_interval, false);
	/* (after the triggers: Citus runs their DDL on one connection per worker) */
	if (lakets_citus_table_kind(source_relid) == CITUS_TABLE_DISTRIBUTED)
		distribute_rollup_table(rq, qtable, qsource);

	everything = rangeset_create();
	rangeset_add(everything, DT_NOBEGIN, DT_NOEND);
	rollup_recompute(&r, everything);
	/* built after the load: one sort instead of an insert per row */
	lakets_execf(SPI_OK_UTILITY, "CREATE UNIQUE INDEX ON %s (%s)", qtable,
				 quoted_list(rq->key_columns));
	rollup_update_watermark(&r);
	create_view(catalog_get_rollup(name, false), rq->columns, rollup_query_live_sql(rq, name));
	lakets_end_owner(&sw);
	SPI_finish();
	PG_RETURN_INT32(r.id);
}

static List *
dependents_of(const char *name)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, catalog_list_rollups())
	{
		Rollup	   *r = lfirst(lc);
		ListCell   *dc;

		foreach(dc, r->depends_on)
			if (strcmp(lfirst(dc), name) == 0)
				result = lappend(result, r);
	}
	return result;
}

/* Drop a relation of a RollUp's, if it is still there (by OID). */
static void
drop_if_exists(const char *kind, Oid relid)
{
	if (OidIsValid(relid) && get_rel_name(relid) != NULL)
	{
		lakets_lock_relation(relid, AccessExclusiveLock);
		lakets_drop_own(kind, catalog_relation_name(relid));
	}
}

/*
 * Drop the lakets triggers of a table no RollUp reads any more, and what
 * was logged for it.
 */
static void
untrack_source(Oid source_relid)
{
	char	   *qsource;
	ListCell   *lc;
	int			i;

	catalog_forget_source_invalidations(source_relid);
	if (get_rel_name(source_relid) == NULL)
		return;
	qsource = catalog_relation_name(source_relid);
	lakets_lock_relation(source_relid, AccessExclusiveLock);
	for (i = 0; i < lengthof(row_triggers); i++)
		lakets_citus_exec_trigger_ddl(psprintf("DROP TRIGGER IF EXISTS %s ON %s",
											   row_triggers[i], qsource));
	lakets_citus_exec_trigger_ddl(psprintf("DROP TRIGGER IF EXISTS %s ON %s",
										   TRUNCATE_TRIGGER_NAME, qsource));
	foreach(lc, partitions_of(source_relid))
		lakets_citus_exec_trigger_ddl(psprintf("DROP TRIGGER IF EXISTS %s ON %s",
											   TRUNCATE_TRIGGER_NAME,
											   catalog_relation_name(lfirst_oid(lc))));
}

/*
 * The table whose owner acts on a RollUp: its source, or, once the source
 * was dropped behind lakets' back, the RollUp table; InvalidOid when both
 * are gone (what is left is only registry rows, which anyone may forget).
 */
static Oid
acting_relid(const Rollup *r)
{
	if (r->source_table != NULL)
		return r->source_relid;
	if (r->rollup_table != NULL)
		return r->rollup_relid;
	return InvalidOid;
}

/* Drop a RollUp's view, table and function, as the acting table's owner. */
static void
drop_one(const Rollup *r)
{
	OwnerSwitch sw;
	bool		as_owner = OidIsValid(acting_relid(r));

	if (as_owner)
		lakets_become_owner(acting_relid(r), &sw);
	/* the registry first: the sql_drop event trigger then has nothing to do */
	catalog_delete_retention(r->rollup_relid);
	catalog_delete_rollup(r->id);
	drop_if_exists("VIEW", r->view_relid);
	drop_if_exists("TABLE", r->rollup_relid);
	if (SearchSysCacheExists1(PROCOID, ObjectIdGetDatum(r->refresh_function)))
		lakets_drop_own("FUNCTION", format_procedure_qualified(r->refresh_function));
	if (catalog_rollups_of_source(r->source_relid) == NIL)
		untrack_source(r->source_relid);
	if (as_owner)
		lakets_end_owner(&sw);
}

/* SQL: lakets.drop_rollup(p_name) */
PG_FUNCTION_INFO_V1(lakets_drop_rollup);
Datum
lakets_drop_rollup(PG_FUNCTION_ARGS)
{
	char	   *name = lakets_text_arg(fcinfo, 0, "p_name");
	Rollup	   *r;
	List	   *dependents;

	SPI_connect();
	r = catalog_get_rollup(name, false);
	/* a RollUp whose source was dropped can still be dropped */
	if (OidIsValid(acting_relid(r)))
		lakets_check_owner(acting_relid(r));
	dependents = dependents_of(name);
	if (dependents != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot drop rollup \"%s\" because rollup \"%s\" depends on it",
						name, ((Rollup *) linitial(dependents))->name),
				 errhint("Drop the dependent rollups first.")));
	drop_one(r);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * Drop every RollUp reading a table, and those depending on them, last
 * ones first (for drop_chronotable()).
 */
void
rollup_drop_for_source(Oid source_relid)
{
	List	   *doomed = NIL;
	bool		grew = true;
	List	   *all = catalog_list_rollups();
	List	   *order;
	int			i;

	while (grew)
	{
		ListCell   *lc;

		grew = false;
		foreach(lc, all)
		{
			Rollup	   *r = lfirst(lc);
			bool		hit;
			ListCell   *dc;

			if (list_member_ptr(doomed, r))
				continue;
			hit = r->source_relid == source_relid;
			foreach(dc, r->depends_on)
			{
				ListCell   *xc;

				foreach(xc, doomed)
					if (strcmp(lfirst(dc), ((Rollup *) lfirst(xc))->name) == 0)
						hit = true;
			}
			if (hit)
			{
				doomed = lappend(doomed, r);
				grew = true;
			}
		}
	}
	order = rollup_topological_order(doomed);
	for (i = list_length(order) - 1; i >= 0; i--)
		drop_one(list_nth(order, i));
}

static Rollup *
owned_rollup(FunctionCallInfo fcinfo, const char *argname)
{
	Rollup	   *r = catalog_get_rollup(lakets_text_arg(fcinfo, 0, argname), false);

	rollup_check_owner(r);
	return r;
}

/* SQL: lakets.enable_rollup_invalidation(p_rollup_name) */
PG_FUNCTION_INFO_V1(lakets_enable_rollup_invalidation);
Datum
lakets_enable_rollup_invalidation(PG_FUNCTION_ARGS)
{
	SPI_connect();
	catalog_set_rollup_enabled(owned_rollup(fcinfo, "p_rollup_name")->id, true);
	SPI_finish();
	PG_RETURN_VOID();
}

/* SQL: lakets.disable_rollup_invalidation(p_rollup_name) */
PG_FUNCTION_INFO_V1(lakets_disable_rollup_invalidation);
Datum
lakets_disable_rollup_invalidation(PG_FUNCTION_ARGS)
{
	SPI_connect();
	catalog_set_rollup_enabled(owned_rollup(fcinfo, "p_rollup_name")->id, false);
	SPI_finish();
	PG_RETURN_VOID();
}

/* SQL: lakets.set_rollup_refresh_lag(p_name, p_refresh_lag) */
PG_FUNCTION_INFO_V1(lakets_set_rollup_refresh_lag);
Datum
lakets_set_rollup_refresh_lag(PG_FUNCTION_ARGS)
{
	Interval   *lag = lakets_interval_arg(fcinfo, 1, "p_refresh_lag");

	if (lag->month < 0 || lag->day < 0 || lag->time < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_refresh_lag must not be negative")));
	SPI_connect();
	catalog_set_rollup_lag(owned_rollup(fcinfo, "p_name")->id, lag);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * SQL: lakets.create_rollup_view(p_name, p_raw_query) -- (re)create the
 * real-time view, from the RollUp's own query or from p_raw_query (which
 * must read the same source and give the same columns).
 */
PG_FUNCTION_INFO_V1(lakets_create_rollup_view);
Datum
lakets_create_rollup_view(PG_FUNCTION_ARGS)
{
	Rollup	   *r;
	RollupQuery *rq;
	OwnerSwitch sw;

	SPI_connect();
	r = owned_rollup(fcinfo, "p_name");
	rq = rollup_query_parse(PG_ARGISNULL(1) ? r->query : lakets_text_arg(fcinfo, 1, "p_raw_query"));
	if (rq->source_relid != r->source_relid)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_raw_query must read %s, the source of rollup \"%s\"",
						catalog_relation_name(r->source_relid), r->name)));
	rollup_query_drop_watermark_bound(rq, r->source_time_column, r->name);
	rollup_query_find_bucket(rq, r->source_time_column);
	if (strcmp(rq->bucket_column, r->bucket_column) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_raw_query must name its bucket column \"%s\", as rollup \"%s\" does",
						r->bucket_column, r->name)));
	(void) rollup_table_relid(r);
	lakets_become_owner(r->source_relid, &sw);
	create_view(r, rq->columns, rollup_query_live_sql(rq, r->name));
	lakets_end_owner(&sw);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * SQL: lakets._upgrade_rollup(p_name) -- run by lakets--0.1--0.2.sql only,
 * which creates and drops it: a RollUp carried over from lakets 0.1 gets
 * what 0.2 keeps beside its registry row, the refresh function, and its
 * real-time view in 0.2's form (from the RollUp's query), as its source's
 * owner, as create_rollup() does.
 */
PG_FUNCTION_INFO_V1(lakets_upgrade_rollup);
Datum
lakets_upgrade_rollup(PG_FUNCTION_ARGS)
{
	Rollup	   *r;
	RollupQuery *rq;
	OwnerSwitch sw;
	Oid			fn;

	if (!creating_extension)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("lakets._upgrade_rollup() is only for ALTER EXTENSION lakets UPDATE")));
	SPI_connect();
	r = catalog_get_rollup(lakets_text_arg(fcinfo, 0, "p_name"), false);
	rq = rollup_query_parse(r->query);
	rollup_query_find_bucket(rq, r->source_time_column);
	lakets_become_owner(r->source_relid, &sw);
	fn = create_refresh_function(rq, r->name, r->rollup_schema);
	catalog_set_rollup_function(r->id, fn);
	r->refresh_function = fn;
	create_view(r, rq->columns, rollup_query_live_sql(rq, r->name));
	/* 0.1's WHEN clauses cast the granule: cheaper ones */
	if (r->source_table != NULL)
		install_trigger(r->source_relid, catalog_relation_name(r->source_relid),
						r->source_time_column, &r->bucket_interval, true);
	lakets_end_owner(&sw);
	SPI_finish();
	PG_RETURN_VOID();
}
