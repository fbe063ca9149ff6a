/*
 * refresh.c
 *	  Refreshing RollUps: consume the invalidation log, align the ranges to
 *	  bucket boundaries, recompute exactly those buckets; the cascade over the
 *	  dependency graph.
 *
 * A refresh
 *	1. takes the RollUp's refresh lock without waiting: a second refresh of
 *	   the same RollUp skips (returns false) instead of queueing; readers of
 *	   the RollUp, writers of the source, and VACUUM or ANALYZE of either are
 *	   never blocked (readers but for the index build of a full rebuild,
 *	   below) and never make it skip. The lock is on an object only lakets
 *	   locks (not an advisory key anyone could hold), taken only after
 *	   the caller's right to refresh was checked;
 *	2. writes its own transaction's pending ranges, hands the source's logged
 *	   ranges to each RollUp of that source, and reads this RollUp's entries;
 *	3. widens each range to whole buckets and removes the buckets that
 *	   overlap a dropped chunk of the source (they would be aggregated from
 *	   partial data: they keep their last computed values);
 *	4. per range, as the source's owner, deletes the RollUp's rows of those
 *	   buckets and inserts what its refresh function gives for the window;
 *	5. deletes exactly the log entries it read (entries committed meanwhile
 *	   stay for the next run) and records the watermark and the time. The
 *	   watermark never passes the bucket of now(): a row dated in the future
 *	   does not hide the rows that arrive later from the real-time view.
 * Recomputing a RollUp's rows fires the invalidation trigger of its table
 * when another RollUp reads it, which is how a refresh invalidates the
 * changed buckets of the RollUps that depend on it.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/supportnodes.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "lockwait.h"
#include "utils/memutils.h"
#include "portability/instr_time.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/timestamp.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "utils/syscache.h"

#include "args.h"
#include "compat.h"
#include "catalog.h"
#include "citus.h"
#include "invalidation.h"
#include "isolate.h"
#include "lakets.h"
#include "owner.h"
#include "rangeset.h"
#include "refresh.h"
#include "rollup_query.h"
#include "shardlog.h"
#include "spi_exec.h"
#include "timebucket.h"
#include "zonebucket.h"

Oid
rollup_table_relid(const Rollup *r)
{
	if (r->rollup_table == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table of rollup \"%s\" no longer exists", r->name),
				 errhint("Drop the rollup with lakets.drop_rollup() and create it again.")));
	return r->rollup_relid;
}

/* Acting on a RollUp takes owning its source table. */
void
rollup_check_owner(const Rollup *r)
{
	if (r->source_table == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("source table of rollup \"%s\" no longer exists", r->name),
				 errhint("lakets forgets the rollup on its next maintenance run.")));
	lakets_check_owner(r->source_relid);
}

/* Whether the caller may act on a RollUp (one whose source is gone is nobody's). */
bool
rollup_owned(const Rollup *r)
{
	return r->source_table != NULL &&
		lakets_relation_ownercheck(r->source_relid, GetUserId());
}

/*
 * Start of the RollUp's bucket holding t: on the UTC grid of its width and
 * origin, or, for a RollUp grouped by time_bucket(width, t, zone), on the
 * zone's wall clock (its origin is then a local time; zonebucket.c).
 */
int64
rollup_bucket_start(const Rollup *r, int64 t)
{
	if (t == DT_NOBEGIN || t == DT_NOEND)
		return t;
	if (r->bucket_timezone != NULL)
		return lakets_zone_bucket_start(t, &r->bucket_interval, r->bucket_origin,
										lakets_zone(r->bucket_timezone));
	return lakets_bucket_start_origin(t, &r->bucket_interval, r->bucket_origin);
}

#define bucket_start(r, t) rollup_bucket_start((r), (t))

/* Start of the bucket after the one starting at b. */
static int64
next_bucket(const Rollup *r, int64 b)
{
	if (r->bucket_timezone != NULL)
		return lakets_zone_bucket_end(b, &r->bucket_interval, r->bucket_origin,
									  lakets_zone(r->bucket_timezone));
	return lakets_bucket_add(b, &r->bucket_interval, 1);
}

/* End of the bucket holding the instant just before t. */
static int64
bucket_end_before(const Rollup *r, int64 t)
{
	if (t == DT_NOBEGIN || t == DT_NOEND)
		return t;
	return next_bucket(r, bucket_start(r, t - 1));
}

/*
 * Whether the RollUp still owes a recomputation of any bucket overlapping
 * [start, end): pending ranges of its own log, of the source's log, or of
 * this transaction. Retention must not drop data such a bucket needs.
 */
bool
rollup_has_pending(const Rollup *r, int64 start, int64 end)
{
	int64		lo = bucket_start(r, start);
	int64		hi = bucket_end_before(r, end);
	ListCell   *lc;

	invalidation_flush();
	shardlog_collect(r->source_relid);
	catalog_move_source_invalidations(r->source_relid);
	/* what another refresh is moving may be owed to this RollUp too */
	if (r->invalidation_enabled && catalog_source_has_invalidations(r->source_relid, lo, hi))
		return true;
	foreach(lc, catalog_rollup_invalidations(r->id))
	{
		PendingRange *p = lfirst(lc);

		if (p->start < hi && p->end > lo)
			return true;
	}
	return false;
}

/*
 * The bucket ranges a refresh must not recompute: those overlapping a
 * dropped chunk of the source ChronoTable or the range retention emptied in
 * its default partition, or, for a RollUp read by another, the rows
 * retention removed from the source RollUp.
 */
RangeSet *
rollup_gone_ranges(const Rollup *r)
{
	RangeSet   *gone = rangeset_create();

	if (r->source_rollup_id == 0)
	{
		ChronoTable *ct = catalog_get_chronotable(r->source_relid, true);
		ListCell   *lc;

		if (ct != NULL)
			foreach(lc, catalog_list_chunks(ct->id, PG_INT64_MIN, PG_INT64_MAX))
			{
				ChunkMeta  *c = lfirst(lc);

				if (c->dropped)
					rangeset_add(gone, bucket_start(r, c->start), bucket_end_before(r, c->end));
			}
		/* expired rows retention deleted from the default partition */
		if (ct != NULL && ct->has_expired_before)
			rangeset_add(gone, DT_NOBEGIN, bucket_end_before(r, ct->expired_before));
	}
	else
	{
		Rollup	   *source = catalog_get_rollup_by_table(r->source_relid);

		if (source != NULL && source->has_dropped_before)
			rangeset_add(gone, DT_NOBEGIN, bucket_end_before(r, source->dropped_before));
	}
	return gone;
}

/*
 * Each range costs a DELETE and an INSERT ... SELECT that scans the source
 * chunks it overlaps: several small ranges in one chunk would scan it
 * several times. Merge ranges closer to each other than a source chunk (or,
 * for a RollUp read by another, than 16 of its buckets); recomputing the
 * unchanged buckets between them costs less than another scan.
 */
static void
close_small_gaps(const Rollup *r, RangeSet *aligned)
{
	int64		gap;
	int			i;

	if (r->source_rollup_id == 0)
	{
		ChronoTable *ct = catalog_get_chronotable(r->source_relid, true);

		if (ct == NULL)
			return;
		gap = ct->chunk_interval.month != 0 ? 28 * USECS_PER_DAY :
			(int64) ct->chunk_interval.day * USECS_PER_DAY + ct->chunk_interval.time;
	}
	else
		gap = r->bucket_interval.month != 0 ? 16 * 28 * USECS_PER_DAY :
			16 * ((int64) r->bucket_interval.day * USECS_PER_DAY + r->bucket_interval.time);

	for (i = aligned->count - 1; i > 0; i--)
	{
		TimeRange  *prev = &aligned->ranges[i - 1];
		TimeRange  *next = &aligned->ranges[i];

		if (prev->end != DT_NOEND && next->start != DT_NOBEGIN &&
			next->start - prev->end < gap)
			rangeset_add(aligned, prev->end, next->start);
	}
}

/*
 * The dirty buckets inside the window w, or NULL when they are the whole
 * window (no filter needed).
 */
static RangeSet *
dirty_within(const RangeSet *buckets, const TimeRange *w)
{
	RangeSet   *inside = rangeset_create();
	int			i;

	for (i = 0; i < buckets->count; i++)
	{
		int64		lo = Max(buckets->ranges[i].start, w->start);
		int64		hi = Min(buckets->ranges[i].end, w->end);

		if (lo < hi)
			rangeset_add(inside, lo, hi);
	}
	if (inside->count == 1 && inside->ranges[0].start == w->start &&
		inside->ranges[0].end == w->end)
		return NULL;
	return inside;
}

/*
 * The start of every bucket in the (bucket-aligned) ranges "only", as an
 * array of the bucket type, or 0 when there are more than a few hundred:
 * then one range scan of the window is cheaper than probing each.
 */
#define MAX_PROBED_BUCKETS 500

static Datum
bucket_starts(const Rollup *r, const RangeSet *only)
{
	Datum	   *elems = palloc(sizeof(Datum) * MAX_PROBED_BUCKETS);
	int			n = 0;
	int			i;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	for (i = 0; i < only->count; i++)
	{
		int64		b;

		for (b = only->ranges[i].start; b < only->ranges[i].end;
			 b = next_bucket(r, b))
		{
			if (n == MAX_PROBED_BUCKETS)
				return (Datum) 0;
			elems[n++] = lakets_utc_to_time(b, r->bucket_type);
		}
	}
	get_typlenbyvalalign(r->bucket_type, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_array(elems, n, r->bucket_type, typlen, typbyval, typalign));
}

/*
 * A multirange parameter of the time type typid for the ranges "only";
 * NULL for none. A value of the multirange type itself, so that the planner
 * folds "$3 IS NULL OR t <@ $3" (a text cast to it would be STABLE, kept
 * and parsed again for every row).
 */
static Datum
multirange_param(const RangeSet *only, Oid typid, char *null)
{
	char	   *literal = only ? lakets_multirange_literal(only, typid) : NULL;
	Oid			input;
	Oid			ioparam;

	if (literal == NULL)
	{
		*null = 'n';
		return (Datum) 0;
	}
	getTypeInputInfo(lakets_multirange_type(typid), &input, &ioparam);
	return OidInputFunctionCall(input, literal, ioparam, -1);
}

/*
 * " ORDER BY <the key columns>" of the RollUp table's unique index, or ""
 * when it has none (a table being loaded before its index is built). By
 * position among the table's columns, as INSERT ... SELECT * matches them.
 */
static char *
key_order_sql(const Rollup *r)
{
	Relation	rel = table_open(r->rollup_relid, AccessShareLock);
	List	   *indexes = RelationGetIndexList(rel);
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, indexes)
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_index index;
		int			k;

		if (!HeapTupleIsValid(tup))
			continue;
		index = (Form_pg_index) GETSTRUCT(tup);
		if (index->indisunique && index->indnkeyatts > 0 && buf.len == 0)
		{
			for (k = 0; k < index->indnkeyatts && index->indkey.values[k] != 0; k++)
			{
				AttrNumber	attnum = index->indkey.values[k];
				int			position = 0;
				int			a;

				for (a = 1; a <= attnum; a++)
					if (!TupleDescAttr(RelationGetDescr(rel), a - 1)->attisdropped)
						position++;
				appendStringInfo(&buf, "%s%d", k == 0 ? " ORDER BY " : ", ", position);
			}
			if (k < index->indnkeyatts)
				resetStringInfo(&buf);	/* an expression: no order to follow */
		}
		ReleaseSysCache(tup);
	}
	table_close(rel, AccessShareLock);
	return buf.data;
}

/* Whether the window [start, end) spans at least n buckets of the RollUp. */
static bool
spans_buckets(const Rollup *r, int64 start, int64 end, int n)
{
	int64		b;
	int			i;

	if (start == DT_NOBEGIN)
		return true;
	/* a tail entry (tail.c): its rows lie between its start and now */
	if (end == DT_NOEND)
		end = Max(start, GetCurrentTransactionStartTimestamp()) + 1;
	b = bucket_start(r, start);
	for (i = 0; i < n; i++)
	{
		if (b >= end)
			return false;
		b = next_bucket(r, b);
	}
	return true;
}

/*
 * Run the refresh's insert with lakets.refresh_work_mem as work_mem, when
 * that is more than the session's: a wide window aggregates many groups.
 */
static void
exec_insert(const char *sql, Oid *types, Datum *values, const char *nulls)
{
	int			nestlevel = 0;

	if (lakets_refresh_work_mem_kb > work_mem)
	{
		char		value[32];

		snprintf(value, sizeof(value), "%d", lakets_refresh_work_mem_kb);
		nestlevel = NewGUCNestLevel();
		(void) set_config_option("work_mem", value, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	}
	lakets_exec_args(sql, 3, types, values, nulls, SPI_OK_INSERT);
	if (nestlevel > 0)
		AtEOXact_GUC(true, nestlevel);
}

/*
 * Full rebuilds. A window that recomputes every row of the RollUp table
 * (its rows all inside the window, or none: a first refresh, everything
 * invalidated) writes the whole table: inserting each row into the indexes
 * then costs more than building them afterwards, as create_rollup() and a
 * hand-made CREATE TABLE AS plus CREATE INDEX do. The rows are not sorted
 * either: at 432,000 rows the sort cost more than twice what it saved the
 * index build; they are written a source chunk at a time instead, which
 * keeps the rows of nearby buckets together (rebuild_boundaries()). So the
 * indexes are marked
 * not ready for inserts (in this transaction's catalog snapshot only: other
 * sessions go on reading them as they were committed, the old rows
 * included), the rows are inserted, and each index is rebuilt by REINDEX,
 * which indexes the deleted rows too (transactions that still see them keep
 * finding them) and marks the index ready again. REINDEX holds ACCESS
 * EXCLUSIVE on the index until the commit: queries on the RollUp table wait
 * for the index build and the end of the refresh (never for the rest of
 * it); the lock is awaited at most lakets.lock_timeout. Anything going
 * wrong (the lock not granted, an index in use by this session) rolls the
 * attempt back and the window is written the normal way.
 */
typedef struct RebuildWork
{
	const Rollup *r;
	const TimeRange *w;
	const char *sql;
	Oid		   *types;
	const char *nulls;
	List	   *indexes;
} RebuildWork;

/* At most this many statements write a rebuilt window. */
#define MAX_REBUILD_PIECES 64

static int
compare_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : x > y;
}

/*
 * The bucket starts strictly inside w at which a rebuild starts a new
 * statement: the source's chunk boundaries (rounded down to a bucket), at
 * most MAX_REBUILD_PIECES - 1 of them, ascending; *n their count. One
 * statement per chunk costs no more than one over the window (each scans
 * its chunk and aggregates it in a small hash table), and the rows of a
 * chunk's buckets land together in the table: without a sort, a later
 * refresh or read of a few days finds their rows on few pages.
 */
static int64 *
rebuild_boundaries(const Rollup *r, const TimeRange *w, int *n)
{
	ChronoTable *ct = r->source_rollup_id == 0 ?
		catalog_get_chronotable(r->source_relid, true) : NULL;
	List	   *chunks = ct ? catalog_list_chunks(ct->id, w->start, w->end) : NIL;
	int64	   *b = palloc(sizeof(int64) * (list_length(chunks) + 1));
	int			count = 0;
	int			kept = 0;
	int			i;
	ListCell   *lc;

	foreach(lc, chunks)
	{
		ChunkMeta  *c = lfirst(lc);
		int64		start;

		if (c->dropped || c->start == DT_NOBEGIN || c->start == DT_NOEND)
			continue;
		start = bucket_start(r, c->start);
		if (start > w->start && start < w->end)
			b[count++] = start;
	}
	if (count > 1)
		qsort(b, count, sizeof(int64), compare_int64);
	for (i = 0; i < count; i++)
		if (i == 0 || b[i] != b[i - 1])
			b[kept++] = b[i];
	/* every k-th: at most MAX_REBUILD_PIECES pieces */
	if (kept >= MAX_REBUILD_PIECES)
	{
		int			k = (kept + MAX_REBUILD_PIECES - 2) / (MAX_REBUILD_PIECES - 1);

		count = 0;
		for (i = k - 1; i < kept; i += k)
			b[count++] = b[i];
		kept = count;
	}
	*n = kept;
	return b;
}

/*
 * The indexes of the RollUp table, or NIL when a rebuild is not for it: not
 * a plain table, not owned by the current user (the source's owner), no
 * index, or an index not valid or not ready (left alone: a rebuild would
 * make it valid). *unindexed: the table has no index at all.
 */
static List *
rebuild_indexes(const Rollup *r, bool *unindexed)
{
	Relation	rel;
	List	   *indexes = NIL;
	ListCell   *lc;
	bool		ok;

	rel = table_open(r->rollup_relid, AccessShareLock);
	*unindexed = RelationGetIndexList(rel) == NIL;
	ok = lakets_refresh_rebuild && rel->rd_rel->relkind == RELKIND_RELATION &&
		lakets_relation_ownercheck(r->rollup_relid, GetUserId());
	foreach(lc, ok ? RelationGetIndexList(rel) : NIL)
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_index index;

		if (!HeapTupleIsValid(tup))
		{
			ok = false;
			continue;
		}
		index = (Form_pg_index) GETSTRUCT(tup);
		if (!index->indisvalid || !index->indisready || !index->indislive)
			ok = false;
		indexes = lappend_oid(indexes, lfirst_oid(lc));
		ReleaseSysCache(tup);
	}
	table_close(rel, AccessShareLock);
	return ok ? indexes : NIL;
}

/* Whether the RollUp table has no row outside [w->start, w->end). */
static bool
all_rows_within(const Rollup *r, const TimeRange *w, Datum *bvalues)
{
	const char *qbucket = quote_identifier(r->bucket_column);
	Oid			types[2] = {r->bucket_type, r->bucket_type};
	bool		isnull;
	Datum		d;

	d = lakets_exec_scalar(psprintf("SELECT NOT EXISTS (SELECT FROM %s WHERE %s < $1 OR %s >= $2)",
									catalog_relation_name(r->rollup_relid), qbucket, qbucket),
						   2, types, bvalues, NULL, &isnull);
	return !isnull && DatumGetBool(d);
}

/* Mark the indexes (not) ready for inserts, visible to this transaction. */
static void
set_indexes_ready(List *indexes, bool ready)
{
	Relation	pg_index = table_open(IndexRelationId, RowExclusiveLock);
	ListCell   *lc;

	foreach(lc, indexes)
	{
		HeapTuple	tup = SearchSysCacheCopy1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for index %u", lfirst_oid(lc));
		((Form_pg_index) GETSTRUCT(tup))->indisready = ready;
		CatalogTupleUpdate(pg_index, &tup->t_self, tup);
		heap_freetuple(tup);
	}
	table_close(pg_index, RowExclusiveLock);
	CommandCounterIncrement();
}

/* Insert every bucket of the window w, a statement per piece of it. */
static void
insert_by_chunks(const Rollup *r, const TimeRange *w, const char *sql, Oid *types,
				 const char *nulls)
{
	int			n;
	int64	   *bounds = rebuild_boundaries(r, w, &n);
	int			i;

	for (i = 0; i <= n; i++)
	{
		Datum		values[3];

		values[0] = lakets_utc_to_time(i == 0 ? w->start : bounds[i - 1], r->source_time_type);
		values[1] = lakets_utc_to_time(i == n ? w->end : bounds[i], r->source_time_type);
		values[2] = (Datum) 0;	/* NULL: every bucket */
		exec_insert(sql, types, values, nulls);
	}
}

static void
rebuild_work(void *arg)
{
	RebuildWork *w = arg;
	ListCell   *lc;

	/* no DDL on the indexes meanwhile; readers and writers go on */
	foreach(lc, w->indexes)
		lakets_lock_relation(lfirst_oid(lc), ShareUpdateExclusiveLock);
	set_indexes_ready(w->indexes, false);
	insert_by_chunks(w->r, w->w, w->sql, w->types, w->nulls);
	foreach(lc, w->indexes)
		lakets_lock_relation(lfirst_oid(lc), AccessExclusiveLock);
	/* REINDEX marks each ready again */
	foreach(lc, w->indexes)
		lakets_execf(SPI_OK_UTILITY, "REINDEX INDEX %s", catalog_relation_name(lfirst_oid(lc)));
}

/*
 * Insert a window that rewrites the whole RollUp table and rebuild its
 * indexes (see above); false when that was not done, nothing written.
 */
static bool
insert_rebuilding(const Rollup *r, const TimeRange *window, List *indexes,
				  const char *sql, Oid *types, const char *nulls)
{
	RebuildWork w = {r, window, sql, types, nulls, indexes};
	ErrorData  *edata;

	edata = lakets_run_isolated(rebuild_work, &w);
	if (edata == NULL)
		return true;
	ereport(DEBUG1,
			(errmsg_internal("lakets: refresh without index rebuild: %s", edata->message)));
	FreeErrorData(edata);
	return false;
}

/*
 * Delete and recompute the buckets covering the ranges of "dirty", except
 * those whose source data is gone. Windows close to each other are
 * recomputed in one statement (one scan of their chunks; see
 * close_small_gaps()), restricted to the dirty buckets within them: the
 * aggregate and the writes are limited to the buckets that changed.
 */
void
rollup_recompute(const Rollup *r, const RangeSet *dirty)
{
	RangeSet   *aligned = rangeset_create();
	RangeSet   *gone = rollup_gone_ranges(r);
	RangeSet   *buckets = rangeset_create();
	char	   *qtable = catalog_relation_name(r->rollup_relid);
	const char *qbucket = quote_identifier(r->bucket_column);
	char	   *delete_sql = psprintf("DELETE FROM %s WHERE %s >= $1 AND %s < $2"
									  " AND ($3 IS NULL OR %s <@ $3)",
									  qtable, qbucket, qbucket, qbucket);
	/* a few dirty buckets: found through the index one by one */
	char	   *delete_some_sql = psprintf("DELETE FROM %s WHERE %s = ANY ($1)",
										   qtable, qbucket);
	/* Citus plans no SQL function over its tables: their query (see rollup_query.c) */
	bool		citus = lakets_citus_table_kind(r->rollup_relid) != CITUS_TABLE_NONE ||
		lakets_citus_table_kind(r->source_relid) != CITUS_TABLE_NONE;
	char	   *insert_sql = citus ?
		psprintf("INSERT INTO %s %s", qtable, rollup_query_function_sql(r->refresh_function)) :
		psprintf("INSERT INTO %s SELECT * FROM %s($1, $2, $3)", qtable,
				 quote_qualified_identifier(get_namespace_name(get_func_namespace(r->refresh_function)),
											get_func_name(r->refresh_function)));
	char	   *sorted_insert_sql = NULL;
	int			i;

	for (i = 0; i < dirty->count; i++)
		rangeset_add(buckets, bucket_start(r, dirty->ranges[i].start),
					 bucket_end_before(r, dirty->ranges[i].end));
	rangeset_add_set(aligned, buckets);
	close_small_gaps(r, aligned);

	for (i = 0; i < aligned->count; i++)
	{
		RangeSet   *pieces = rangeset_subtract(aligned->ranges[i].start,
											   aligned->ranges[i].end, gone);
		int			p;

		for (p = 0; p < pieces->count; p++)
		{
			TimeRange  *w = &pieces->ranges[p];
			Oid			btypes[3] = {r->bucket_type, r->bucket_type,
			lakets_multirange_type(r->bucket_type)};
			Datum		bvalues[3];
			Oid			ttypes[3] = {r->source_time_type, r->source_time_type,
			lakets_multirange_type(r->source_time_type)};
			Datum		tvalues[3];
			char		nulls[3] = {' ', ' ', ' '};
			RangeSet   *only = dirty_within(buckets, w);
			Datum		starts;

			bvalues[0] = lakets_utc_to_time(w->start, r->bucket_type);
			bvalues[1] = lakets_utc_to_time(w->end, r->bucket_type);
			tvalues[0] = lakets_utc_to_time(w->start, r->source_time_type);
			tvalues[1] = lakets_utc_to_time(w->end, r->source_time_type);
			/* NULL: every bucket of the window */
			bvalues[2] = multirange_param(only, r->bucket_type, &nulls[2]);
			tvalues[2] = multirange_param(only, r->source_time_type, &nulls[2]);
			if (nulls[2] == ' ' && (starts = bucket_starts(r, only)) != (Datum) 0)
			{
				Oid			atype[1] = {get_array_type(r->bucket_type)};

				lakets_exec_args(delete_some_sql, 1, atype, &starts, NULL, SPI_OK_DELETE);
			}
			else
				lakets_exec_args(delete_sql, 3, btypes, bvalues, nulls, SPI_OK_DELETE);
			/*
			 * many rows: into the index in its order, not at random pages
			 * (not on Citus: the shards' indexes are not the coordinator's,
			 * and an ORDER BY would stop the insert running on the shards)
			 */
			if (!citus && nulls[2] == 'n' &&
				spans_buckets(r, w->start, w->end, lakets_refresh_sorted_buckets))
			{
				bool		unindexed;
				List	   *indexes = rebuild_indexes(r, &unindexed);

				/*
				 * The whole table, or one without an index (create_rollup()
				 * loads it before building its index): no sort (see
				 * rebuild_boundaries()).
				 */
				if (unindexed)
				{
					insert_by_chunks(r, w, insert_sql, ttypes, nulls);
					continue;
				}
				if (indexes != NIL && all_rows_within(r, w, bvalues) &&
					insert_rebuilding(r, w, indexes, insert_sql, ttypes, nulls))
					continue;
				if (sorted_insert_sql == NULL)
					sorted_insert_sql = psprintf("%s%s", insert_sql, key_order_sql(r));
				exec_insert(sorted_insert_sql, ttypes, tvalues, nulls);
			}
			else
				exec_insert(insert_sql, ttypes, tvalues, nulls);
		}
	}

	/*
	 * A Citus RollUp table's triggers log on the workers, where this
	 * transaction's writes commit only with it: a RollUp reading this one,
	 * refreshed next in the same transaction (a cascade), would not see
	 * them. The windows recomputed are logged here for it.
	 */
	if (citus && lakets_citus_table_kind(r->rollup_relid) != CITUS_TABLE_NONE &&
		aligned->count > 0 && catalog_rollups_of_source(r->rollup_relid) != NIL)
	{
		catalog_log_source_invalidations(r->rollup_relid, aligned);
		CommandCounterIncrement();
	}
}

/*
 * The watermark: the start of the latest materialized bucket, but never
 * past the bucket of now(), so that buckets materialized ahead of time
 * (rows dated in the future) are read live by the real-time view.
 */
void
rollup_update_watermark(const Rollup *r)
{
	bool		isnull;
	Datum		latest;
	int64		wm = 0;

	latest = lakets_exec_scalar(psprintf("SELECT max(%s) FROM %s",
										 quote_identifier(r->bucket_column),
										 catalog_relation_name(r->rollup_relid)),
								0, NULL, NULL, NULL, &isnull);
	if (!isnull)
	{
		int64		now_bucket = bucket_start(r, GetCurrentTransactionStartTimestamp());

		wm = Min(lakets_time_to_utc(latest, r->bucket_type), now_bucket);
	}
	catalog_set_rollup_refreshed(r->id, !isnull, wm);
	/*
	 * Plans of the real-time view hold the watermark as a constant (see
	 * lakets_rollup_watermark_support): a new one invalidates them, at commit.
	 */
	if (r->has_watermark != !isnull || (!isnull && r->watermark != wm))
		CacheInvalidateRelcacheByRelid(r->rollup_relid);
}

static bool
within_refresh_lag(const Rollup *r)
{
	TimestampTz next;

	if (!r->has_last_refresh)
		return false;
	next = DatumGetTimestampTz(DirectFunctionCall2(timestamp_pl_interval,
												   TimestampGetDatum(r->last_refresh),
												   IntervalPGetDatum(&r->refresh_lag)));
	return GetCurrentTransactionStartTimestamp() < next;
}

/*
 * Take the RollUp's refresh lock if it is free. Refreshes (and retention on
 * the RollUp table) serialize on it; a table lock would also conflict with
 * VACUUM and ANALYZE (autovacuum included) and make refreshes skip for them.
 * Held until the end of the (sub)transaction. Callers have checked the
 * caller's right on the RollUp: nobody else can hold this lock.
 */
bool
rollup_try_lock(const Rollup *r)
{
	return lakets_try_lock_object(LAKETS_LOCK_REFRESH, (uint32) r->id, false);
}

/*
 * Refresh one RollUp (see the file header). True when buckets were
 * recomputed; false when there was nothing to do, the refresh lag has not
 * passed, or another refresh of the same RollUp is running.
 */
bool
rollup_refresh(const Rollup *r)
{
	List	   *pending;
	ListCell   *lc;
	RangeSet   *dirty;
	OwnerSwitch sw;

	rollup_check_owner(r);
	(void) rollup_table_relid(r);
	if (!rollup_try_lock(r))
	{
		ereport(NOTICE,
				(errmsg("refresh of rollup \"%s\" skipped: another refresh of it is running",
						r->name)));
		return false;
	}
	if (within_refresh_lag(r))
		return false;

	invalidation_flush();
	shardlog_collect(r->source_relid);
	catalog_move_source_invalidations(r->source_relid);
	pending = catalog_rollup_invalidations(r->id);
	if (pending == NIL)
		return false;

	dirty = rangeset_create();
	foreach(lc, pending)
	{
		PendingRange *p = lfirst(lc);

		rangeset_add(dirty, p->start, p->end);
	}
	lakets_become_owner(r->source_relid, &sw);
	rollup_recompute(r, dirty);
	rollup_update_watermark(r);
	lakets_end_owner(&sw);
	catalog_delete_rollup_invalidations(pending);
	return true;
}

/*
 * Order RollUps so that each comes after those it depends on (Kahn's
 * algorithm); dependencies outside the list are ignored. A cycle, which
 * create_rollup() prevents, is an error.
 */
List *
rollup_topological_order(List *rollups)
{
	int			n = list_length(rollups);
	int		   *indegree = palloc0(sizeof(int) * n);
	bool	   *done = palloc0(sizeof(bool) * n);
	List	   *order = NIL;
	int			i,
				j;

	for (i = 0; i < n; i++)
	{
		Rollup	   *r = list_nth(rollups, i);
		ListCell   *lc;

		foreach(lc, r->depends_on)
			for (j = 0; j < n; j++)
				if (strcmp(((Rollup *) list_nth(rollups, j))->name, lfirst(lc)) == 0)
					indegree[i]++;
	}
	while (list_length(order) < n)
	{
		Rollup	   *next = NULL;

		for (i = 0; i < n && next == NULL; i++)
			if (!done[i] && indegree[i] == 0)
			{
				next = list_nth(rollups, i);
				done[i] = true;
			}
		if (next == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("rollup dependencies form a cycle")));
		order = lappend(order, next);
		for (i = 0; i < n; i++)
		{
			Rollup	   *r = list_nth(rollups, i);
			ListCell   *lc;

			foreach(lc, r->depends_on)
				if (strcmp(next->name, lfirst(lc)) == 0)
					indegree[i]--;
		}
	}
	return order;
}

static bool
rollup_in(List *rollups, const char *name)
{
	ListCell   *lc;

	foreach(lc, rollups)
		if (strcmp(((Rollup *) lfirst(lc))->name, name) == 0)
			return true;
	return false;
}

/*
 * Add to "selected" every RollUp of "all" that is linked to one already
 * selected, until nothing changes: upstream (what they depend on) or
 * downstream (what depends on them).
 */
static List *
close_over(List *all, List *selected, bool upstream)
{
	bool		grew = true;

	while (grew)
	{
		ListCell   *lc;

		grew = false;
		foreach(lc, all)
		{
			Rollup	   *r = lfirst(lc);
			ListCell   *dc;
			bool		linked = false;

			if (rollup_in(selected, r->name))
				continue;
			if (upstream)
			{
				ListCell   *sc;

				foreach(sc, selected)
					foreach(dc, ((Rollup *) lfirst(sc))->depends_on)
						if (strcmp(lfirst(dc), r->name) == 0)
							linked = true;
			}
			else
				foreach(dc, r->depends_on)
					if (rollup_in(selected, lfirst(dc)))
						linked = true;
			if (linked)
			{
				selected = lappend(selected, r);
				grew = true;
			}
		}
	}
	return selected;
}

/* SQL: lakets.refresh_rollup(p_name) -> boolean */
PG_FUNCTION_INFO_V1(lakets_refresh_rollup);
Datum
lakets_refresh_rollup(PG_FUNCTION_ARGS)
{
	char	   *name = lakets_text_arg(fcinfo, 0, "p_name");
	bool		refreshed;

	SPI_connect();
	refreshed = rollup_refresh(catalog_get_rollup(name, false));
	SPI_finish();
	PG_RETURN_BOOL(refreshed);
}

typedef struct RefreshWork
{
	const char *name;
	bool		refreshed;
} RefreshWork;

static void
refresh_work(void *arg)
{
	RefreshWork *w = arg;

	/* re-read: an earlier refresh of a cascade changed the registry */
	w->refreshed = rollup_refresh(catalog_get_rollup(w->name, false));
}

/*
 * Refresh one RollUp in a subtransaction; a failure is reported as a
 * WARNING and returned. *refreshed and *ms tell what happened.
 */
ErrorData *
rollup_refresh_isolated(const Rollup *r, bool *refreshed, double *ms)
{
	RefreshWork w = {r->name, false};
	instr_time	start,
				elapsed;
	ErrorData  *edata;

	INSTR_TIME_SET_CURRENT(start);
	edata = lakets_run_isolated(refresh_work, &w);
	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	*refreshed = w.refreshed;
	*ms = INSTR_TIME_GET_MILLISEC(elapsed);
	if (edata != NULL)
		lakets_warn_isolated(edata, psprintf("could not refresh rollup \"%s\"", r->name));
	return edata;
}

/*
 * The RollUps a cascade refreshes, in order: p_name after everything it
 * depends on, directly or not (then what depends on it, when asked), or all.
 */
List *
rollup_cascade_order(const char *name, bool with_dependents)
{
	List	   *all = catalog_list_rollups();
	Rollup	   *named;
	List	   *selected;

	if (name == NULL)
		return rollup_topological_order(all);
	named = catalog_get_rollup(name, false);
	selected = close_over(all, list_make1(named), true);
	if (with_dependents)
		selected = list_concat(selected,
							   list_delete_first(close_over(all, list_make1(named), false)));
	return rollup_topological_order(selected);
}

/*
 * SQL: lakets.refresh_rollup_cascade(p_name, p_include_dependents) ->
 * (rollup_name, refreshed, refresh_ms). One RollUp that fails does not stop
 * the others.
 */
PG_FUNCTION_INFO_V1(lakets_refresh_rollup_cascade);
Datum
lakets_refresh_rollup_cascade(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ListCell   *lc;
	bool		include_dependents = false;

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	/* lakets 0.1's declaration has no second argument (version.c) */
	if (PG_NARGS() > 1)
	{
		lakets_require_arg(fcinfo, 1, "p_include_dependents");
		include_dependents = PG_GETARG_BOOL(1);
	}
	foreach(lc, rollup_cascade_order(PG_ARGISNULL(0) ? NULL :
									 lakets_text_arg(fcinfo, 0, "p_name"),
									 include_dependents))
	{
		Rollup	   *r = lfirst(lc);
		bool		refreshed;
		double		ms;
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		/* all RollUps: those of tables the caller owns */
		if (PG_ARGISNULL(0) && !rollup_owned(r))
			continue;
		(void) rollup_refresh_isolated(r, &refreshed, &ms);
		values[0] = CStringGetTextDatum(r->name);
		values[1] = BoolGetDatum(refreshed);
		values[2] = Float8GetDatum(ms);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * SQL: lakets.invalidate_rollup_range(p_name, p_from, p_to) -> ranges logged.
 * Parts of the range whose source data was dropped are skipped.
 */
PG_FUNCTION_INFO_V1(lakets_invalidate_rollup_range);
Datum
lakets_invalidate_rollup_range(PG_FUNCTION_ARGS)
{
	char	   *name = lakets_text_arg(fcinfo, 0, "p_name");
	Rollup	   *r;
	RangeSet   *pieces;
	int			i;
	TimestampTz from,
				to;

	lakets_require_arg(fcinfo, 1, "p_from");
	lakets_require_arg(fcinfo, 2, "p_to");
	from = PG_GETARG_TIMESTAMPTZ(1);
	to = PG_GETARG_TIMESTAMPTZ(2);
	/* the toolkit's tiers: all of lakets' data is "hot" */
	if (PG_NARGS() > 3 && !PG_ARGISNULL(3) &&
		strcmp(text_to_cstring(PG_GETARG_TEXT_PP(3)), "hot") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("lakets has no tier \"%s\"", text_to_cstring(PG_GETARG_TEXT_PP(3))),
				 errdetail("All data of a lakets rollup is in PostgreSQL, the toolkit's \"hot\" tier."),
				 errhint("Pass NULL or 'hot' as p_tier.")));
	if (from >= to)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_from must be earlier than p_to")));
	SPI_connect();
	r = catalog_get_rollup(name, false);
	rollup_check_owner(r);
	pieces = rangeset_subtract(from, to, rollup_gone_ranges(r));
	for (i = 0; i < pieces->count; i++)
		catalog_add_rollup_invalidation(r->id, pieces->ranges[i].start, pieces->ranges[i].end);
	SPI_finish();
	PG_RETURN_INT32(pieces->count);
}

/*
 * SQL: lakets._rollup_watermark_support(internal), the planner support
 * function of lakets._rollup_watermark(): a call with a constant name
 * becomes the watermark itself, a constant. The planner then estimates the
 * real-time view's live part from the source's statistics (a STABLE call
 * would count as a third of the table) and prunes chunks while planning.
 * A plan keeps the watermark it was made with; a refresh that moves it
 * invalidates the plans that read the RollUp table (rollup_update_watermark),
 * and a plan with an older watermark still gives the view's answer: every
 * bucket below it is materialized.
 */
PG_FUNCTION_INFO_V1(lakets_rollup_watermark_support);
Datum
lakets_rollup_watermark_support(PG_FUNCTION_ARGS)
{
	Node	   *req = (Node *) PG_GETARG_POINTER(0);
	FuncExpr   *call;
	Const	   *name;
	Datum		wm;

	if (!IsA(req, SupportRequestSimplify))
		PG_RETURN_POINTER(NULL);
	call = ((SupportRequestSimplify *) req)->fcall;
	if (list_length(call->args) != 1 || !IsA(linitial(call->args), Const))
		PG_RETURN_POINTER(NULL);
	name = linitial_node(Const, call->args);
	if (name->constisnull)
		PG_RETURN_POINTER(NULL);
	wm = OidFunctionCall1Coll(call->funcid, call->inputcollid, name->constvalue);
	PG_RETURN_POINTER(makeConst(TIMESTAMPTZOID, -1, InvalidOid, sizeof(TimestampTz),
								wm, false, FLOAT8PASSBYVAL));
}

/* The watermark a call site looked up, for the rest of its query. */
typedef struct WatermarkCache
{
	char	   *name;
	TimestampTz watermark;
} WatermarkCache;

/*
 * SQL: lakets._rollup_watermark(p_name) -> timestamptz (-infinity when
 * none). STABLE: looked up once per query and call site (the real-time
 * view calls it in a condition evaluated for each row).
 */
PG_FUNCTION_INFO_V1(lakets_rollup_watermark);
Datum
lakets_rollup_watermark(PG_FUNCTION_ARGS)
{
	char	   *name = lakets_text_arg(fcinfo, 0, "p_name");
	WatermarkCache *cache = fcinfo->flinfo->fn_extra;
	Rollup	   *r;
	TimestampTz wm;

	if (cache != NULL && strcmp(cache->name, name) == 0)
		PG_RETURN_TIMESTAMPTZ(cache->watermark);
	SPI_connect();
	r = catalog_get_rollup(name, false);
	wm = r->has_watermark ? r->watermark : DT_NOBEGIN;
	SPI_finish();
	if (cache == NULL)
		cache = fcinfo->flinfo->fn_extra =
			MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(WatermarkCache));
	cache->name = MemoryContextStrdup(fcinfo->flinfo->fn_mcxt, name);
	cache->watermark = wm;
	PG_RETURN_TIMESTAMPTZ(wm);
}
