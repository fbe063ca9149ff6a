/*
 * inranges.c
 *	  lakets._in_ranges(t, ranges): whether a time lies in a multirange, for
 *	  the row filter of a refresh restricted to its dirty buckets.
 *
 * A refresh after late rows scans the chunks of its window once and keeps
 * only the rows of the dirty buckets (rollup_query_window_sql()). With
 * "t <@ multirange" PostgreSQL unpacks the bounds of the ranges it compares
 * for every row, which cost more than the rest of the scan. Here the bounds
 * are unpacked once per call site into a sorted array, and each row costs
 * a binary search over integers.
 */
#include "postgres.h"

#include "catalog/pg_operator_d.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "optimizer/plancat.h"
#include "utils/date.h"
#include "utils/multirangetypes.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "compat.h"

/* One range of the multirange, its bounds as integers (infinite: the extremes). */
typedef struct Bounds
{
	int64		lower;
	int64		upper;
	bool		lower_inc;
	bool		upper_inc;
} Bounds;

typedef struct RangesCache
{
	bool		stable;			/* the multirange is the same in every call */
	bool		date;			/* of dates (int32), else of timestamps */
	Size		size;			/* the multirange it was made from, when not stable */
	char	   *image;
	int32		count;
	Bounds	   *ranges;
} RangesCache;

static int64
bound_value(const RangeBound *b, bool date)
{
	if (b->infinite)
		return b->lower ? PG_INT64_MIN : PG_INT64_MAX;
	return date ? (int64) DatumGetDateADT(b->val) : DatumGetInt64(b->val);
}

static void
load_ranges(FunctionCallInfo fcinfo, RangesCache *c, MultirangeType *mr)
{
	TypeCacheEntry *typcache = lookup_type_cache(MultirangeTypeGetOid(mr), TYPECACHE_MULTIRANGE_INFO);
	int32		i;

	if (typcache->rngtype == NULL)
		elog(ERROR, "type %u is not a multirange type", MultirangeTypeGetOid(mr));
	c->date = typcache->rngtype->rngelemtype->type_id == DATEOID;
	c->count = mr->rangeCount;
	/* (a multirange that changes from row to row replaces the last one) */
	if (c->ranges != NULL)
		pfree(c->ranges);
	c->ranges = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(Bounds) * Max(c->count, 1));
	/* the ranges of a multirange are sorted and disjoint */
	for (i = 0; i < c->count; i++)
	{
		RangeBound	lower;
		RangeBound	upper;

		multirange_get_bounds(typcache->rngtype, mr, i, &lower, &upper);
		c->ranges[i].lower = bound_value(&lower, c->date);
		c->ranges[i].upper = bound_value(&upper, c->date);
		c->ranges[i].lower_inc = lower.inclusive || lower.infinite;
		c->ranges[i].upper_inc = upper.inclusive || upper.infinite;
	}
}

static RangesCache *
ranges_of(FunctionCallInfo fcinfo)
{
	RangesCache *c = fcinfo->flinfo->fn_extra;
	MultirangeType *mr;

	if (c != NULL && c->stable)
		return c;
	mr = PG_GETARG_MULTIRANGE_P(1);
	if (c != NULL && c->size == VARSIZE(mr) && memcmp(c->image, mr, c->size) == 0)
		return c;
	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(RangesCache));
		/* a constant or a parameter of the query: unpacked once */
		c->stable = get_fn_expr_arg_stable(fcinfo->flinfo, 1);
		fcinfo->flinfo->fn_extra = c;
	}
	load_ranges(fcinfo, c, mr);
	if (!c->stable)
	{
		if (c->image != NULL)
			pfree(c->image);
		c->size = VARSIZE(mr);
		c->image = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, c->size);
		memcpy(c->image, mr, c->size);
	}
	return c;
}

/*
 * SQL: lakets._in_ranges(p_time, p_ranges) -> bool, for timestamptz and
 * tstzmultirange, timestamp and tsmultirange, date and datemultirange: the
 * same as p_time <@ p_ranges.
 */
PG_FUNCTION_INFO_V1(lakets_in_ranges);
Datum
lakets_in_ranges(PG_FUNCTION_ARGS)
{
	RangesCache *c = ranges_of(fcinfo);
	int64		t = c->date ? (int64) PG_GETARG_DATEADT(0) : PG_GETARG_INT64(0);
	int32		lo = 0;
	int32		hi = c->count;

	/* the first range whose upper bound is not below t */
	while (lo < hi)
	{
		int32		mid = lo + (hi - lo) / 2;
		const Bounds *b = &c->ranges[mid];

		if (b->upper < t || (b->upper == t && !b->upper_inc))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == c->count)
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(c->ranges[lo].lower < t ||
				   (c->ranges[lo].lower == t && c->ranges[lo].lower_inc));
}

/*
 * SQL: lakets._in_ranges_support(internal), its planner support function:
 * the planner estimates the rows it keeps as it does for t <@ ranges (from
 * the column's histogram), not as a third of the table, which made plans
 * of small refreshes look large enough for JIT compilation.
 */
PG_FUNCTION_INFO_V1(lakets_in_ranges_support);
Datum
lakets_in_ranges_support(PG_FUNCTION_ARGS)
{
	Node	   *req = (Node *) PG_GETARG_POINTER(0);
	SupportRequestSelectivity *sel;

	if (!IsA(req, SupportRequestSelectivity))
		PG_RETURN_POINTER(NULL);
	sel = (SupportRequestSelectivity *) req;
	if (sel->is_join)
		PG_RETURN_POINTER(NULL);
	sel->selectivity = restriction_selectivity(sel->root, OID_MULTIRANGE_ELEM_CONTAINED_OP,
											   sel->args, sel->inputcollid, sel->varRelid);
	PG_RETURN_POINTER(sel);
}
