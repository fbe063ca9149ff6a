/*
 * invalidation.c
 *	  Tracking which times of a RollUp's source changed: the per-transaction
 *	  range sets, and how rows get into them.
 *
 * Nothing is written per row. A row's time, rounded to a granule, goes into
 * a set of disjoint ranges kept in backend memory for the transaction, one
 * set per source table. Just before commit (or PREPARE) the sets are written
 * to lakets._source_invalidation_log once, a row per range; on abort they
 * vanish with the transaction's memory. Several disjoint ranges are kept, so
 * late data at two distant times does not dirty everything in between;
 * beyond MAX_RANGES the closest ones merge.
 *
 * Rows get there through AFTER ROW triggers on the source whose WHEN clause
 * calls lakets._note_change(source, NEW.t / OLD.t, granule): PostgreSQL
 * evaluates an AFTER trigger's WHEN clause as soon as the row is written,
 * and queues an event only when it is true. _note_change() records the time
 * and returns false, so no event is ever queued or fired, no row is fetched
 * again, and COPY keeps its multi-row inserts (a BEFORE ROW trigger would
 * turn them off). INSERT, UPDATE (old and new row), DELETE and COPY are
 * covered this way; TRUNCATE by statement triggers running
 * lakets._invalidation_trigger() on the table and on each of its partitions
 * (TRUNCATE of one chunk invalidates that chunk's range). Ranges of rows whose subtransaction rolls
 * back are kept: invalidating too much only costs a recomputation.
 *
 * On a Citus distributed source the WHEN clauses call _note_shard_change()
 * instead, which Citus copies to the shards on the workers: there the
 * ranges are kept the same way, keyed by the worker's table of the source,
 * and written at commit to lakets._shard_invalidation_log with the
 * coordinator's OID of the source, never as tail entries; the coordinator
 * collects them before a refresh (shardlog.c).
 *
 * _note_change() is callable by anyone, so the first call for a source in
 * a transaction checks that the caller may write that table (INSERT,
 * UPDATE, DELETE or TRUNCATE): nobody else can make lakets recompute (or
 * log) anything for it. The check is cached with the source's range set.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "citus.h"
#include "invalidation.h"
#include "lakets.h"
#include "rangeset.h"
#include "spi_exec.h"
#include "tail.h"
#include "timebucket.h"

#define MAX_RANGES 128

/* The ranges touched in one source table (a ChronoTable or a RollUp table). */
typedef struct SourceRanges
{
	Oid			relid;			/* hash key */
	RangeSet   *ranges;		/* NULL until the caller's right was checked */
	int64		hit_start;		/* the range that took the last row: rows */
	int64		hit_end;		/* that fall in it need no work at all */
	Oid			origin;			/* on a Citus worker, the coordinator's OID of
								 * the source whose shard this is; else
								 * InvalidOid */
} SourceRanges;

/*
 * Ranges a subtransaction wrote to the log (a refresh flushes first). If the
 * subtransaction aborts, its log rows go, so they come back into memory
 * and are written again later; if it commits, they belong to its parent.
 */
typedef struct FlushedRanges
{
	SubTransactionId subxid;
	Oid			relid;
	Oid			origin;
	RangeSet   *ranges;
} FlushedRanges;

static MemoryContext inval_cxt = NULL;
static bool suppressed = false;
static bool preparing = false;
static HTAB *sources = NULL;
static List *flushed = NIL;
static List *touched = NIL;		/* OIDs of this transaction's sources */
static bool callback_registered = false;

static void
forget_state(void)
{
	/* the ranges go with TopTransactionContext; the table stays for reuse */
	ListCell   *lc;

	foreach(lc, touched)
		(void) hash_search(sources, &lfirst_oid(lc), HASH_REMOVE, NULL);
	touched = NIL;
	inval_cxt = NULL;
	flushed = NIL;
	preparing = false;
}

static void
xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			invalidation_flush();
			break;
		case XACT_EVENT_PRE_PREPARE:
			/* a prepared transaction may wait long: it relies on no tail entry */
			preparing = true;
			invalidation_flush();
			preparing = false;
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			forget_state();
			break;
		default:
			break;
	}
}

static SourceRanges *source_ranges(Oid relid);
static void note_range(SourceRanges *s, int64 start, int64 end);

static void
subxact_callback(SubXactEvent event, SubTransactionId mySubid,
				 SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;

	if (flushed == NIL)
		return;
	if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		foreach(lc, flushed)
		{
			FlushedRanges *f = lfirst(lc);

			if (f->subxid == mySubid)
				f->subxid = parentSubid;
		}
	}
	else if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		foreach(lc, flushed)
		{
			FlushedRanges *f = lfirst(lc);
			int			i;

			if (f->subxid != mySubid)
				continue;
			for (i = 0; i < f->ranges->count; i++)
			{
				SourceRanges *s = source_ranges(f->relid);

				s->origin = f->origin;
				note_range(s, f->ranges->ranges[i].start, f->ranges->ranges[i].end);
			}
			flushed = foreach_delete_current(flushed, lc);
		}
	}
}

static void
ensure_state(void)
{
	HASHCTL		ctl;

	if (inval_cxt != NULL)
		return;
	if (!callback_registered)
	{
		RegisterXactCallback(xact_callback, NULL);
		RegisterSubXactCallback(subxact_callback, NULL);
		callback_registered = true;
	}
	if (sources == NULL)
	{
		/* made once per backend: a transaction only adds and removes entries */
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(Oid);
		ctl.hcxt = TopMemoryContext;
		ctl.entrysize = sizeof(SourceRanges);
		sources = hash_create("lakets invalidated sources", 8, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	inval_cxt = AllocSetContextCreate(TopTransactionContext, "lakets invalidations",
									  ALLOCSET_SMALL_SIZES);
}

static SourceRanges *
source_ranges(Oid relid)
{
	bool		found;
	SourceRanges *s = hash_search(sources, &relid, HASH_ENTER, &found);

	/* (an entry an error left behind has no ranges: it is checked again) */
	if (!found || s->ranges == NULL)
	{
		MemoryContext old;

		s->ranges = NULL;
		if (pg_class_aclcheck(relid, GetUserId(),
							  ACL_INSERT | ACL_UPDATE | ACL_DELETE | ACL_TRUNCATE) != ACLCHECK_OK)
		{
			char	   *name = get_rel_name(relid);

			hash_search(sources, &relid, HASH_REMOVE, NULL);
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to record changes of %s",
							name ? name : psprintf("relation %u", relid)),
					 errdetail("Only a role that may write a table may record changes of it "
							   "for its RollUps."),
					 errhint("lakets calls this from the triggers of a RollUp's source table; "
							 "there is no need to call it directly.")));
		}
		old = MemoryContextSwitchTo(inval_cxt);
		touched = list_append_unique_oid(touched, relid);
		s->ranges = rangeset_create();
		s->hit_start = s->hit_end = 0;
		s->origin = InvalidOid;
		MemoryContextSwitchTo(old);
	}
	return s;
}

static void
note_range(SourceRanges *s, int64 start, int64 end)
{
	MemoryContext old = MemoryContextSwitchTo(inval_cxt);
	int			i;

	rangeset_add(s->ranges, start, end);
	if (s->ranges->count > MAX_RANGES)
		rangeset_limit(s->ranges, MAX_RANGES);
	MemoryContextSwitchTo(old);

	for (i = 0; i < s->ranges->count; i++)
	{
		if (s->ranges->ranges[i].start <= start && s->ranges->ranges[i].end >= end)
		{
			s->hit_start = s->ranges->ranges[i].start;
			s->hit_end = s->ranges->ranges[i].end;
			break;
		}
	}
}

static void
note_time(Oid source, Oid origin, Datum value, Oid typid, int64 granule)
{
	SourceRanges *s;
	int64		t = lakets_time_to_utc(value, typid);
	int64		start;

	if (suppressed)
		return;
	ensure_state();
	s = source_ranges(source);
	if (OidIsValid(origin) && s->ranges->count == 0 && !OidIsValid(s->origin) &&
		lakets_citus_is_worker())
		s->origin = origin;
	if (t >= s->hit_start && t < s->hit_end)
		return;
	if (granule <= 0)
		granule = USECS_PER_MINUTE;
	if (TIMESTAMP_NOT_FINITE(t) || t <= DT_NOBEGIN + granule || t >= DT_NOEND - granule)
	{
		note_range(s, DT_NOBEGIN, DT_NOEND);
		return;
	}
	start = t - ((t % granule) + granule) % granule;
	note_range(s, start, start + granule);
}

/*
 * The WHEN-clause functions below: ntimes times from argument first on,
 * then the granule; before them the source and, for a shard (first == 2),
 * the coordinator's OID of it. Rows without a time are in no bucket.
 */
static inline Datum
note_args(FunctionCallInfo fcinfo, int first, int ntimes)
{
	Oid			typid = get_fn_expr_argtype(fcinfo->flinfo, first);
	int			g = first + ntimes;
	int64		granule = PG_ARGISNULL(g) ? 0 : PG_GETARG_INT64(g);
	Oid			origin = InvalidOid;
	int			i;

	if (PG_ARGISNULL(0) || (first == 2 && PG_ARGISNULL(1)))
		PG_RETURN_BOOL(false);
	if (first == 2)
		origin = PG_GETARG_OID(1);
	for (i = first; i < g; i++)
		if (!PG_ARGISNULL(i))
			note_time(PG_GETARG_OID(0), origin, PG_GETARG_DATUM(i), typid, granule);
	PG_RETURN_BOOL(false);
}

/*
 * SQL: lakets._note_change(source regclass, t, granule bigint) -> false.
 * Called from the WHEN clause of the source's AFTER ROW triggers (see the
 * file header).
 */
PG_FUNCTION_INFO_V1(lakets_note_change);
Datum
lakets_note_change(PG_FUNCTION_ARGS)
{
	return note_args(fcinfo, 1, 1);
}

/* SQL: lakets._note_changes(source, old_t, new_t, granule) -> false, for UPDATE */
PG_FUNCTION_INFO_V1(lakets_note_changes);
Datum
lakets_note_changes(PG_FUNCTION_ARGS)
{
	return note_args(fcinfo, 1, 2);
}

/*
 * SQL: lakets._note_shard_change(shell, source, t, granule) -> false, and
 * _note_shard_changes(shell, source, old_t, new_t, granule) for UPDATE:
 * the WHEN clauses of a Citus distributed source, which Citus copies to
 * its shards. "shell" is this node's table of that name (the caller's right
 * is checked on it), "source" the coordinator's OID of the source. On a
 * worker the ranges go to lakets._shard_invalidation_log at commit, for the
 * coordinator to collect (shardlog.c); on the coordinator (a shard placed
 * there) shell is the source itself and they are logged as usual.
 */
PG_FUNCTION_INFO_V1(lakets_note_shard_change);
Datum
lakets_note_shard_change(PG_FUNCTION_ARGS)
{
	return note_args(fcinfo, 2, 1);
}

PG_FUNCTION_INFO_V1(lakets_note_shard_changes);
Datum
lakets_note_shard_changes(PG_FUNCTION_ARGS)
{
	return note_args(fcinfo, 2, 2);
}

/*
 * The source a truncated relation belongs to, and the range it emptied: a
 * chunk's own range, or everything for the table itself or its default
 * partition.
 */
static Oid
truncated_source(Relation rel, int64 *start, int64 *end)
{
	Oid			relid = RelationGetRelid(rel);
	Oid			types[1] = {REGCLASSOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};

	*start = DT_NOBEGIN;
	*end = DT_NOEND;
	if (!rel->rd_rel->relispartition)
		return relid;
	SPI_connect();
	lakets_exec_args("SELECT range_start, range_end FROM lakets._chunk_metadata"
					 " WHERE chunk_relid = $1 AND status = 'active'",
					 1, types, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 1)
	{
		bool		isnull;

		*start = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		*end = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	}
	SPI_finish();
	return get_partition_parent(relid, false);
}

/*
 * SQL: lakets._invalidation_trigger() -- the TRUNCATE statement trigger of a
 * RollUp source: everything is invalid. (The row triggers also name this
 * function, but their WHEN clause is never true, so it never runs for them.)
 */
PG_FUNCTION_INFO_V1(lakets_invalidation_trigger);
Datum
lakets_invalidation_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Oid			source;
	int64		start;
	int64		end;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("lakets._invalidation_trigger() must be called as a TRUNCATE trigger"),
				 errhint("The row triggers of a RollUp source do their work in their WHEN clause.")));
	source = truncated_source(td->tg_relation, &start, &end);
	ensure_state();
	note_range(source_ranges(source), start, end);
	return PointerGetDatum(NULL);
}

/*
 * What a flush writes of a source's ranges (tail.c): those ending before
 * the tail window in full; of the recent ones, nothing for those a
 * committed tail entry covers, and for the others one tail entry from the
 * earliest of their starts.
 */
static RangeSet *
ranges_to_log(SourceRanges *s)
{
	int64		recent;
	int64		tail;
	int64		from = DT_NOEND;
	RangeSet   *log;
	int			i;

	if (lakets_invalidation_tail_window_s < 0 || preparing ||
		!OidIsValid(tail_index_relid()))
		return s->ranges;
	recent = GetCurrentTransactionStartTimestamp() -
		(int64) lakets_invalidation_tail_window_s * USECS_PER_SEC;
	for (i = 0; i < s->ranges->count; i++)
		if (s->ranges->ranges[i].end > recent)
			break;
	if (i == s->ranges->count)
		return s->ranges;
	/* ranges are sorted: the i-th is the earliest recent one */
	tail = tail_usable_start(s->relid, s->ranges->ranges[i].start);
	log = rangeset_create();
	for (i = 0; i < s->ranges->count; i++)
	{
		TimeRange  *r = &s->ranges->ranges[i];

		if (r->end <= recent)
			rangeset_add(log, r->start, r->end);
		else if (r->start < tail)
			from = Min(from, r->start);
	}
	if (from != DT_NOEND)
		rangeset_add(log, from, DT_NOEND);
	return log;
}

/*
 * Write the ranges gathered so far to the source invalidation log and
 * start afresh. Runs at pre-commit, and before a refresh so that it sees
 * the changes of its own transaction.
 */
void
invalidation_flush(void)
{
	ListCell   *lc;
	bool		logged = false;

	if (inval_cxt == NULL)
		return;
	/* the extension may have been dropped in this very transaction */
	if (!OidIsValid(catalog_log_relid()))
	{
		forget_state();
		return;
	}

	foreach(lc, touched)
	{
		SourceRanges *s = hash_search(sources, &lfirst_oid(lc), HASH_FIND, NULL);

		if (s == NULL || s->ranges == NULL || s->ranges->count == 0)
			continue;
		/* a source dropped in this transaction needs nothing any more */
		if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(s->relid)))
		{
			/* a shard's ranges: for the coordinator, no tail entries */
			RangeSet   *log = OidIsValid(s->origin) ? s->ranges : ranges_to_log(s);

			if (log->count > 0 && OidIsValid(s->origin))
				catalog_log_shard_invalidations(s->relid, s->origin, log);
			else if (log->count > 0)
			{
				catalog_log_source_invalidations(s->relid, log);
				logged = true;
			}
			if (GetCurrentTransactionNestLevel() > 1)
			{
				MemoryContext old = MemoryContextSwitchTo(inval_cxt);
				FlushedRanges *f = palloc(sizeof(FlushedRanges));

				f->subxid = GetCurrentSubTransactionId();
				f->relid = s->relid;
				f->origin = s->origin;
				f->ranges = rangeset_create();
				rangeset_add_set(f->ranges, s->ranges);
				flushed = lappend(flushed, f);
				MemoryContextSwitchTo(old);
			}
		}
		s->ranges->count = 0;
		s->hit_start = s->hit_end = 0;
	}
	/* what follows in this transaction (a refresh) must see the rows */
	if (logged)
		CommandCounterIncrement();
}

/*
 * Run sql with changes not recorded: retention deleting expired rows whose
 * buckets the RollUps keep (refresh.c never recomputes them).
 */
void
invalidation_exec_unrecorded(const char *sql)
{
	lakets_exec_flagged(sql, SPI_OK_DELETE, &suppressed);
}
