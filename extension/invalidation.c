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
 * covered this way; TRUNCATE by a statement trigger running
 * lakets._invalidation_trigger(). Ranges of rows whose subtransaction rolls
 * back are kept: invalidating too much only costs a recomputation.
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "catalog.h"
#include "invalidation.h"
#include "rangeset.h"
#include "timebucket.h"

#define MAX_RANGES 32

/* The ranges touched in one source table (a ChronoTable or a RollUp table). */
typedef struct SourceRanges
{
	Oid			relid;			/* hash key */
	RangeSet   *ranges;
	int64		hit_start;		/* the range that took the last row: rows */
	int64		hit_end;		/* that fall in it need no work at all */
} SourceRanges;

static MemoryContext inval_cxt = NULL;
static HTAB *sources = NULL;
static bool callback_registered = false;

static void
forget_state(void)
{
	/* the memory goes with TopTransactionContext */
	inval_cxt = NULL;
	sources = NULL;
}

static void
xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			invalidation_flush();
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

static void
ensure_state(void)
{
	HASHCTL		ctl;

	if (inval_cxt != NULL)
		return;
	if (!callback_registered)
	{
		RegisterXactCallback(xact_callback, NULL);
		callback_registered = true;
	}
	inval_cxt = AllocSetContextCreate(TopTransactionContext, "lakets invalidations",
									  ALLOCSET_SMALL_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.hcxt = inval_cxt;
	ctl.entrysize = sizeof(SourceRanges);
	sources = hash_create("lakets invalidated sources", 8, &ctl,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

static SourceRanges *
source_ranges(Oid relid)
{
	bool		found;
	SourceRanges *s = hash_search(sources, &relid, HASH_ENTER, &found);

	if (!found)
	{
		MemoryContext old = MemoryContextSwitchTo(inval_cxt);

		s->ranges = rangeset_create();
		s->hit_start = s->hit_end = 0;
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
note_time(Oid source, Datum value, Oid typid, int64 granule)
{
	SourceRanges *s;
	int64		t = lakets_time_to_utc(value, typid);
	int64		start;

	ensure_state();
	s = source_ranges(source);
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
 * SQL: lakets._note_change(source regclass, t, granule bigint) -> false.
 * Called from the WHEN clause of the source's AFTER ROW triggers (see the
 * file header); rows without a time are in no bucket and are skipped.
 */
PG_FUNCTION_INFO_V1(lakets_note_change);
Datum
lakets_note_change(PG_FUNCTION_ARGS)
{
	if (!PG_ARGISNULL(0) && !PG_ARGISNULL(1))
		note_time(PG_GETARG_OID(0), PG_GETARG_DATUM(1),
				  get_fn_expr_argtype(fcinfo->flinfo, 1),
				  PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2));
	PG_RETURN_BOOL(false);
}

/* SQL: lakets._note_changes(source, old_t, new_t, granule) -> false, for UPDATE */
PG_FUNCTION_INFO_V1(lakets_note_changes);
Datum
lakets_note_changes(PG_FUNCTION_ARGS)
{
	Oid			typid = get_fn_expr_argtype(fcinfo->flinfo, 1);
	int64		granule = PG_ARGISNULL(3) ? 0 : PG_GETARG_INT64(3);

	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(false);
	if (!PG_ARGISNULL(1))
		note_time(PG_GETARG_OID(0), PG_GETARG_DATUM(1), typid, granule);
	if (!PG_ARGISNULL(2))
		note_time(PG_GETARG_OID(0), PG_GETARG_DATUM(2), typid, granule);
	PG_RETURN_BOOL(false);
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

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("lakets._invalidation_trigger() must be called as a TRUNCATE trigger"),
				 errhint("The row triggers of a RollUp source do their work in their WHEN clause.")));
	ensure_state();
	note_range(source_ranges(RelationGetRelid(td->tg_relation)), DT_NOBEGIN, DT_NOEND);
	return PointerGetDatum(NULL);
}

/*
 * Write the ranges gathered so far to the source invalidation log and
 * start afresh. Runs at pre-commit, and before a refresh so that it sees
 * the changes of its own transaction.
 */
void
invalidation_flush(void)
{
	HASH_SEQ_STATUS scan;
	SourceRanges *s;
	bool		pushed = false;
	bool		connected = false;

	if (sources == NULL)
		return;

	hash_seq_init(&scan, sources);
	while ((s = hash_seq_search(&scan)) != NULL)
	{
		char	   *table_name;

		if (s->ranges->count == 0)
			continue;
		table_name = get_rel_name(s->relid);
		if (table_name != NULL)
		{
			if (!connected)
			{
				if (!ActiveSnapshotSet())
				{
					PushActiveSnapshot(GetTransactionSnapshot());
					pushed = true;
				}
				SPI_connect();
				connected = true;
			}
			catalog_log_source_invalidations(get_namespace_name(get_rel_namespace(s->relid)),
											 table_name, s->ranges);
		}
		s->ranges->count = 0;
		s->hit_start = s->hit_end = 0;
	}
	if (connected)
		SPI_finish();
	if (pushed)
		PopActiveSnapshot();
}
