/*
 * rollup_query.c
 *	  Analysing a RollUp's query once, at create time, with PostgreSQL's own
 *	  parser and analyser, and deriving from the analysed tree the statements
 *	  lakets runs later.
 *
 * The query must be one SELECT aggregating one table (a ChronoTable or
 * another RollUp's table), grouped by a time bucket of its time column:
 * lakets.time_bucket(width, t [, origin]), lakets.time_bucket(width, t, zone
 * [, origin]) with a width of whole days or months (the RollUp's buckets are
 * then the zone's local days or months: refresh.c aligns on them through
 * zonebucket.c), date_bin(width, t, origin), or
 * date_trunc(unit, t) for a timestamp column / date_trunc(unit, t, 'UTC').
 * (date_trunc on timestamptz without a zone is refused: its buckets follow
 * the session TimeZone.) On a date column, date_trunc(unit, d::timestamp)
 * counts as a bucket too.
 *
 * Everything else in the query must be IMMUTABLE (functions, operators,
 * casts, aggregates): a refresh recomputes buckets later, in any session,
 * and must get what the first computation got. lakets.time_bucket() is, and
 * date_trunc(unit, t, 'UTC') as the bucket is accepted although PostgreSQL
 * marks it STABLE (its zone is a constant). TABLESAMPLE is refused.
 *
 * From it we derive, by adding quals to the analysed tree and deparsing it
 * with every name schema-qualified:
 *	- the refresh query: the same query restricted to "t >= $1 AND t < $2",
 *	  so that a refresh reads only the chunks of the window (partition
 *	  pruning applies to the parameters);
 *	- the live query of the real-time view: the same query restricted to
 *	  "t >= <watermark>".
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/analyze.h"
#include "parser/parse_func.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteHandler.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"

#include "citus.h"
#include "compat.h"
#include "rollup_query.h"
#include "timebucket.h"
#include "zonebucket.h"

static void
refuse(const char *message, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("p_query %s", message),
			 hint ? errhint("%s", hint) : 0));
}

static Query *
analyse(const char *sql, Oid *param_types, int nparams)
{
	List	   *raw = pg_parse_query(sql);
	Query	   *q;

	if (list_length(raw) != 1)
		refuse("must be exactly one statement", NULL);
	q = parse_analyze_fixedparams(linitial_node(RawStmt, raw), sql,
								  param_types, nparams, NULL);
	lakets_query_without_group_rte(q);
	return q;
}

/* Parse and analyse the query; check what does not depend on the source. */
RollupQuery *
rollup_query_parse(const char *sql)
{
	RollupQuery *rq = palloc0(sizeof(RollupQuery));
	Query	   *q = analyse(sql, NULL, 0);
	RangeTblEntry *rte;
	ListCell   *lc;

	if (q->commandType != CMD_SELECT || q->utilityStmt != NULL)
		refuse("must be a SELECT", NULL);
	if (q->setOperations != NULL)
		refuse("must not use UNION, INTERSECT or EXCEPT", NULL);
	if (q->cteList != NIL)
		refuse("must not use WITH", NULL);
	if (q->hasSubLinks)
		refuse("must not use subqueries", "A RollUp reads exactly one table.");
	if (q->hasWindowFuncs)
		refuse("must not use window functions", NULL);
	if (q->hasTargetSRFs)
		refuse("must not use set-returning functions", NULL);
	if (q->groupingSets != NIL)
		refuse("must not use GROUPING SETS, ROLLUP or CUBE", NULL);
	if (q->limitCount != NULL || q->limitOffset != NULL)
		refuse("must not use LIMIT or OFFSET", NULL);
	if (q->rowMarks != NIL)
		refuse("must not use FOR UPDATE or FOR SHARE", NULL);
	if (list_length(q->rtable) != 1 ||
		(rte = linitial_node(RangeTblEntry, q->rtable))->rtekind != RTE_RELATION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_query must read exactly one table"),
				 errdetail("A RollUp aggregates one ChronoTable or one other RollUp; "
						   "joins, subqueries and functions in FROM are not supported.")));
	if (!rte->inh)
		refuse("must not use ONLY", NULL);
	if (rte->tablesample != NULL)
		refuse("must not use TABLESAMPLE",
			   "A refresh recomputes buckets from all their rows.");
	if (contain_volatile_functions((Node *) q))
		refuse("must not use volatile functions",
			   "A refresh recomputes buckets at a later time; it must give the same "
			   "result as the first computation.");
	if (!q->hasAggs || q->groupClause == NIL)
		refuse("must aggregate rows grouped by a time bucket",
			   "Use e.g. SELECT lakets.time_bucket('1 hour', ts) AS bucket, avg(v) "
			   "FROM t GROUP BY 1.");

	/* every GROUP BY expression must be an output column (for the unique index) */
	foreach(lc, q->groupClause)
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		TargetEntry *tle = get_sortgroupclause_tle(sgc, q->targetList);

		if (tle->resjunk)
			refuse("must select every GROUP BY expression",
				   "The RollUp table has one row per group, keyed by the GROUP BY columns.");
	}
	foreach(lc, q->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (!tle->resjunk)
			rq->columns = lappend(rq->columns, pstrdup(tle->resname));
	}

	rq->query = q;
	rq->source_relid = rte->relid;
	rq->source_schema = get_namespace_name(get_rel_namespace(rte->relid));
	rq->source_table = get_rel_name(rte->relid);
	return rq;
}

static Const *
const_arg(List *args, int n)
{
	Node	   *arg = eval_const_expressions(NULL, (Node *) list_nth(args, n));

	if (!IsA(arg, Const) || ((Const *) arg)->constisnull)
		refuse("must use a constant bucket width and origin", NULL);
	return (Const *) arg;
}

/*
 * Whether node is the time column (varno 1: the query reads one table), or
 * a date time column cast to timestamp (an immutable cast).
 */
static bool
is_time_var(Node *node, AttrNumber attnum)
{
	while (node && IsA(node, RelabelType))
		node = (Node *) ((RelabelType *) node)->arg;
	if (node && IsA(node, FuncExpr) && ((FuncExpr *) node)->funcid == F_TIMESTAMP_DATE)
		node = linitial(((FuncExpr *) node)->args);
	return node && IsA(node, Var) && ((Var *) node)->varno == 1 &&
		((Var *) node)->varlevelsup == 0 && ((Var *) node)->varattno == attnum;
}

static bool
date_trunc_width(const char *unit, Interval *width, int64 *origin)
{
	static const struct
	{
		const char *unit;
		int32		months;
		int32		days;
		int64		usecs;
	}			units[] =
	{
		{"second", 0, 0, USECS_PER_SEC},
		{"minute", 0, 0, USECS_PER_MINUTE},
		{"hour", 0, 0, USECS_PER_HOUR},
		{"day", 0, 1, 0},
		{"week", 0, 7, 0},
		{"month", 1, 0, 0},
		{"quarter", 3, 0, 0},
		{"year", 12, 0, 0},
	};
	int			i;

	for (i = 0; i < lengthof(units); i++)
	{
		if (pg_strcasecmp(unit, units[i].unit) == 0)
		{
			width->month = units[i].months;
			width->day = units[i].days;
			width->time = units[i].usecs;
			/* ISO weeks start on Monday; 2000-01-03 was one */
			*origin = units[i].days == 7 ? 2 * USECS_PER_DAY : 0;
			return true;
		}
	}
	return false;
}

/*
 * If expr buckets the time column, fill in width and origin. Refuses the
 * bucket functions whose result depends on the session TimeZone.
 */
static bool
bucket_of(Node *expr, AttrNumber attnum, Oid time_type, Interval *width, int64 *origin,
		  char **zone)
{
	FuncExpr   *f;
	char	   *name;
	Oid			nsp;
	int			nargs;

	if (!IsA(expr, FuncExpr))
		return false;
	f = (FuncExpr *) expr;
	nargs = list_length(f->args);
	name = get_func_name(f->funcid);
	nsp = get_func_namespace(f->funcid);
	*origin = 0;
	*zone = NULL;

	if (strcmp(name, "time_bucket") == 0 && nsp == get_namespace_oid("lakets", false) &&
		is_time_var(lsecond(f->args), attnum))
	{
		*width = *DatumGetIntervalP(const_arg(f->args, 0)->constvalue);
		if (nargs >= 3 && exprType(lthird(f->args)) == TEXTOID)
		{
			pg_tz	   *tz = lakets_zone(TextDatumGetCString(const_arg(f->args, 2)->constvalue));

			*zone = pstrdup(pg_get_timezone_name(tz));
			if (nargs == 4)
			{
				/* buckets align on the origin's local time */
				*origin = DatumGetTimestampTz(const_arg(f->args, 3)->constvalue);
				if (!TIMESTAMP_NOT_FINITE(*origin))
					*origin = lakets_zone_local(*origin, tz);
			}
		}
		else if (nargs == 3)
			*origin = lakets_time_to_utc(const_arg(f->args, 2)->constvalue,
										 exprType(lthird(f->args)));
		return true;
	}
	if (nsp != PG_CATALOG_NAMESPACE)
		return false;
	if (strcmp(name, "date_bin") == 0 && is_time_var(lsecond(f->args), attnum))
	{
		*width = *DatumGetIntervalP(const_arg(f->args, 0)->constvalue);
		if (width->month != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("p_query uses date_bin() with a width of months"),
					 errdetail("date_bin() cannot bin into intervals containing months or years."),
					 errhint("Use lakets.time_bucket('1 month', ...) or date_trunc('month', ..., 'UTC').")));
		*origin = lakets_time_to_utc(const_arg(f->args, 2)->constvalue,
									 exprType(lthird(f->args)));
		return true;
	}
	if (strcmp(name, "date_trunc") == 0 && IsA(lsecond(f->args), FuncExpr) &&
		((FuncExpr *) lsecond(f->args))->funcid == F_TIMESTAMPTZ_DATE &&
		is_time_var(linitial(((FuncExpr *) lsecond(f->args))->args), attnum))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_query buckets a date with date_trunc() through timestamp with time zone"),
				 errdetail("date_trunc(unit, date) casts the date to the session's time zone, so its "
						   "buckets would change with the TimeZone setting."),
				 errhint("Write date_trunc(unit, d::timestamp), or use lakets.time_bucket().")));
	if (strcmp(name, "date_trunc") == 0 && is_time_var(lsecond(f->args), attnum))
	{
		char	   *unit = TextDatumGetCString(const_arg(f->args, 0)->constvalue);

		if (exprType(lsecond(f->args)) == TIMESTAMPTZOID &&
			(nargs != 3 ||
			 pg_strcasecmp(TextDatumGetCString(const_arg(f->args, 2)->constvalue), "UTC") != 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("p_query buckets a timestamp with time zone with date_trunc() in the session time zone"),
					 errdetail("Its buckets would change with the TimeZone setting of whoever refreshes or reads the RollUp."),
					 errhint("Use lakets.time_bucket('1 %s', ...) or date_trunc('%s', ..., 'UTC').",
							 unit, unit)));
		if (!date_trunc_width(unit, width, origin))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("date_trunc unit \"%s\" is not supported in a RollUp", unit),
					 errhint("Use second, minute, hour, day, week, month, quarter or year.")));
		return true;
	}
	return false;
}

/*
 * The origin of a bucket: finite, and for month widths a month boundary
 * that gives the same buckets as months counted from January 2000 (the
 * only alignment months have here; returned as 0).
 */
static int64
checked_origin(const Interval *width, int64 origin)
{
	if (TIMESTAMP_NOT_FINITE(origin))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_query uses an infinite bucket origin"),
				 errhint("Give a finite origin, e.g. '2000-01-01 00:00+00'.")));
	if (width->month != 0 && origin != 0 &&
		lakets_bucket_start(origin, width) != origin)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_query buckets by months from an origin that is not aligned on them"),
				 errdetail("Month buckets are counted from January 2000 in UTC; an origin must "
						   "be the start of one of those buckets."),
				 errhint("Leave the origin out, or use a fixed width such as '30 days'.")));
	return width->month != 0 ? 0 : origin;
}

/*
 * Refuse what is not IMMUTABLE in the query, except the bucket expression
 * itself (date_trunc(unit, t, 'UTC') is STABLE only because of its zone
 * argument, a constant here).
 */
static void
check_immutable(Query *q, TargetEntry *bucket_tle)
{
	Query	   *copy = copyObject(q);
	ListCell   *lc;

	foreach(lc, copy->targetList)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);

		if (tle->resno == bucket_tle->resno)
			tle->expr = (Expr *) makeNullConst(exprType((Node *) tle->expr), -1, InvalidOid);
	}
	if (contain_mutable_functions((Node *) copy))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_query uses a function, operator or cast that is not immutable"),
				 errdetail("A refresh recomputes buckets later, in any session: the query must give "
						   "the same result whatever the session's settings (TimeZone, DateStyle, ...) "
						   "and whenever it runs, so now(), to_char(), casts between timestamp and "
						   "timestamptz and the like are refused."),
				 errhint("Keep the query to immutable functions; bucket with lakets.time_bucket().")));
}

/*
 * Find the output column that buckets time_column; record the bucket and
 * the GROUP BY key columns.
 */
void
rollup_query_find_bucket(RollupQuery *rq, const char *time_column)
{
	Query	   *q = rq->query;
	AttrNumber	attnum = get_attnum(rq->source_relid, time_column);
	ListCell   *lc;

	TargetEntry *bucket_tle = NULL;

	rq->time_column = pstrdup(time_column);
	rq->time_type = get_atttype(rq->source_relid, attnum);
	rq->bucket_column = NULL;
	rq->key_columns = NIL;

	foreach(lc, q->groupClause)
	{
		SortGroupClause *sgc = lfirst_node(SortGroupClause, lc);
		TargetEntry *tle = get_sortgroupclause_tle(sgc, q->targetList);
		Interval	width;
		int64		origin;
		char	   *zone;

		if (bucket_of((Node *) tle->expr, attnum, rq->time_type, &width, &origin, &zone))
		{
			if (rq->bucket_column != NULL)
				refuse("must group by one time bucket only", NULL);
			lakets_validate_interval(&width, rq->time_type, "bucket width");
			if (zone != NULL && width.time != 0)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("p_query buckets in a time zone by a width that is not whole days or months"),
						 errdetail("A RollUp aligns its refreshes on the local days or months of "
								   "a time zone; shorter local buckets are not supported."),
						 errhint("Use whole days or months, or UTC buckets such as "
								 "lakets.time_bucket('1 hour', ts): for a zone with whole-hour "
								 "offsets they are the same hours.")));
			rq->bucket_timezone = zone;
			origin = checked_origin(&width, origin);
			bucket_tle = tle;
			rq->bucket_column = pstrdup(tle->resname);
			rq->bucket_type = exprType((Node *) tle->expr);
			rq->bucket_interval = width;
			rq->bucket_origin = origin;
			rq->key_columns = lcons(rq->bucket_column, rq->key_columns);
		}
		else
			rq->key_columns = lappend(rq->key_columns, pstrdup(tle->resname));
	}
	if (rq->bucket_column == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_query has no time bucket column"),
				 errdetail("It must select and group by a time bucket of column \"%s\" of %s.%s.",
						   time_column, rq->source_schema, rq->source_table),
				 errhint("Use e.g. lakets.time_bucket('1 hour', %s) AS bucket ... GROUP BY bucket.",
						 quote_identifier(time_column))));
	check_immutable(q, bucket_tle);
}

typedef struct WatermarkCall
{
	Oid			funcid;			/* lakets._rollup_watermark(text) */
	const char *rollup_name;
	bool		found;			/* a call of it for rollup_name */
	bool		other;			/* anything but constants and such calls */
} WatermarkCall;

static bool
watermark_call_walker(Node *node, WatermarkCall *w)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncExpr) && ((FuncExpr *) node)->funcid == w->funcid)
	{
		Node	   *arg = linitial(((FuncExpr *) node)->args);

		if (IsA(arg, Const) && !((Const *) arg)->constisnull &&
			strcmp(TextDatumGetCString(((Const *) arg)->constvalue), w->rollup_name) == 0)
			w->found = true;
		else
			w->other = true;
		return false;
	}
	if (IsA(node, Var) || IsA(node, Param) || IsA(node, SubLink) || IsA(node, Aggref))
		w->other = true;
	return expression_tree_walker(node, watermark_call_walker, (void *) w);
}

/* "t > lakets._rollup_watermark('name')" (or >=), t the time column. */
static bool
is_watermark_bound(Node *node, AttrNumber attnum, Oid funcid, const char *rollup_name)
{
	OpExpr	   *op;
	Node	   *left;
	char	   *opname;
	WatermarkCall w = {funcid, rollup_name, false, false};

	if (!IsA(node, OpExpr) || list_length(((OpExpr *) node)->args) != 2)
		return false;
	op = (OpExpr *) node;
	opname = get_opname(op->opno);
	if (opname == NULL || (strcmp(opname, ">") != 0 && strcmp(opname, ">=") != 0))
		return false;
	left = strip_implicit_coercions(linitial(op->args));
	if (!IsA(left, Var) || ((Var *) left)->varattno != attnum ||
		((Var *) left)->varlevelsup != 0)
		return false;
	(void) watermark_call_walker(lsecond(op->args), &w);
	return w.found && !w.other;
}

/*
 * The LakeTS toolkit's real-time views bound their raw query by hand with
 * "WHERE t > lakets._rollup_watermark('name')". lakets adds that bound to
 * the live part itself (rollup_query_live_sql()), so such a top-level
 * condition on this RollUp's watermark is dropped; any other use of the
 * watermark stays, and is refused as not immutable.
 */
void
rollup_query_drop_watermark_bound(RollupQuery *rq, const char *time_column,
								  const char *rollup_name)
{
	Query	   *q = rq->query;
	AttrNumber	attnum = get_attnum(rq->source_relid, time_column);
	Oid			argtypes[1] = {TEXTOID};
	Oid			funcid = LookupFuncName(list_make2(makeString("lakets"),
												   makeString("_rollup_watermark")),
										1, argtypes, true);
	List	   *kept = NIL;
	ListCell   *lc;

	if (q->jointree->quals == NULL || !OidIsValid(funcid))
		return;
	foreach(lc, make_ands_implicit((Expr *) q->jointree->quals))
		if (!is_watermark_bound(lfirst(lc), attnum, funcid, rollup_name))
			kept = lappend(kept, lfirst(lc));
	q->jointree->quals = kept == NIL ? NULL : (Node *) make_ands_explicit(kept);
}

/*
 * Deparse so that the text means the same in any session: an empty
 * search_path qualifies every name, and constants are written the way
 * pg_dump writes them (the text is parsed again by later refreshes, under
 * whatever DateStyle and IntervalStyle they have).
 */
static char *
deparse(Query *q)
{
	int			nestlevel = NewGUCNestLevel();
	char	   *sql;

	(void) set_config_option("search_path", "pg_catalog", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("datestyle", "ISO, YMD", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("intervalstyle", "postgres", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("extra_float_digits", "3", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	sql = pg_get_querydef(q, false);
	AtEOXact_GUC(true, nestlevel);
	return sql;
}

/* The query as analysed, deparsed with qualified names. */
char *
rollup_query_sql(const RollupQuery *rq)
{
	return deparse(copyObject(rq->query));
}

/* rq's query with condition (on its source) added to its WHERE, deparsed. */
static char *
query_with_condition(const RollupQuery *rq, const char *condition, Oid *param_types,
					 int nparams)
{
	Query	   *q = copyObject(rq->query);
	Query	   *cond;

	cond = analyse(psprintf("SELECT FROM %s WHERE %s",
							quote_qualified_identifier(rq->source_schema, rq->source_table),
							condition),
				   param_types, nparams);
	q->jointree->quals = make_and_qual(q->jointree->quals, cond->jointree->quals);
	q->hasSubLinks |= cond->hasSubLinks;
	return deparse(q);
}

/*
 * The query restricted to the window [$1, $2) of the time column and, when
 * $3 (a multirange) is not NULL, to its ranges: a refresh scans the chunks
 * of the window once and aggregates only the rows of the buckets that
 * changed. The test of the ranges comes first: it turns most rows away, and
 * PostgreSQL evaluates conditions of equal cost in the order written.
 */
char *
rollup_query_window_sql(const RollupQuery *rq)
{
	Oid			types[3] = {rq->time_type, rq->time_type, lakets_multirange_type(rq->time_type)};
	const char *col = quote_identifier(rq->time_column);

	return query_with_condition(rq, psprintf("($3 IS NULL OR lakets._in_ranges(%s, $3))"
											 " AND %s >= $1 AND %s < $2", col, col, col),
								types, 3);
}

/*
 * The query of a RollUp's refresh function (its SQL-standard body, stored
 * by OID), deparsed with its arguments as $1, $2, $3: Citus plans no
 * call of a SQL function over a distributed table, so a refresh of a
 * RollUp over one runs the query itself (and Citus pushes it down to the
 * shards when the RollUp table is co-located with the source).
 */
char *
rollup_query_function_sql(Oid fn)
{
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
	bool		isnull;
	Datum		body;
	Node	   *n;
	Query	   *q;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for function %u", fn);
	body = SysCacheGetAttr(PROCOID, tup, Anum_pg_proc_prosqlbody, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("refresh function %s has no SQL-standard body", format_procedure(fn))));
	n = stringToNode(TextDatumGetCString(body));
	ReleaseSysCache(tup);
	/* BEGIN ATOMIC: a list holding the list of its statements */
	if (IsA(n, List))
		n = linitial(linitial_node(List, (List *) n));
	q = castNode(Query, n);
	AcquireRewriteLocks(q, false, false);
	return deparse(q);
}

/*
 * The watermark of a RollUp as an expression of type typid: a call of
 * lakets._rollup_watermark(), which the planner turns into a constant (its
 * support function, refresh.c) or, without one, evaluates as a STABLE
 * function, to estimate rows and prune chunks (a sub-select would be an
 * unknown value to it; on a Citus table it is one, see below).
 */
char *
rollup_query_watermark_expr(const char *rollup_name, Oid typid, bool citus)
{
	/*
	 * Citus would send the call to the workers, which know no RollUp: as
	 * a sub-select, it runs once on the coordinator.
	 */
	char	   *wm = psprintf(citus ? "(SELECT lakets._rollup_watermark(%s))" :
							  "lakets._rollup_watermark(%s)", quote_literal_cstr(rollup_name));

	if (typid == TIMESTAMPOID)
		return psprintf("(%s AT TIME ZONE 'UTC')", wm);
	if (typid == DATEOID)
		return psprintf("(%s AT TIME ZONE 'UTC')::date", wm);
	return wm;
}

/* The query restricted to the rows at or after the watermark. */
char *
rollup_query_live_sql(const RollupQuery *rq, const char *rollup_name)
{
	return query_with_condition(rq,
								psprintf("%s >= %s", quote_identifier(rq->time_column),
										 rollup_query_watermark_expr(rollup_name, rq->time_type,
																	 lakets_citus_table_kind(rq->source_relid) == CITUS_TABLE_DISTRIBUTED)),
								NULL, 0);
}
