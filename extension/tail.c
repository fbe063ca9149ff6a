/*
 * tail.c
 *	  Tail entries: one row of a source's invalidation log covers the recent
 *	  changes of many transactions, instead of a row per commit.
 *
 * Most ingest writes rows dated near now(). Logging a range for each such
 * transaction costs a heap and an index insert (and their WAL) at every
 * commit. A tail entry is a logged range [start, infinity). A committing
 * transaction whose ranges reach into the last lakets.invalidation_tail_window
 * (its recent ranges) writes nothing for those that start at or after a
 * committed tail entry of the source; for the others it writes one tail
 * entry from the earliest of their starts, which the transactions after it
 * then reuse. A tail entry is moved to every RollUp's log like any range
 * and makes the next refresh recompute from its start on. An idle source
 * logs nothing, so its refreshes still find nothing to do.
 *
 * The danger is a transaction relying on a tail entry that a refresh
 * consumes before that transaction commits: the refresh's snapshot would
 * miss its rows, and nothing would be left to say they changed. Hence:
 *	- a committing writer takes ACCESS SHARE on lakets._invalidation_writers
 *	  (a lock target only; fast-path, so nearly free) before it looks for
 *	  tail entries, and holds it until its commit;
 *	- a refresh first claims the source's tail entries with an UPDATE, then
 *	  waits (at most lakets.lock_timeout) until every transaction holding
 *	  that lock has ended, and only then consumes the entries it claimed, in
 *	  a statement whose snapshot sees those transactions' rows; when the wait
 *	  times out it leaves them for its next run;
 *	- a writer that finds a tail entry claimed by a transaction in progress
 *	  relies on none and writes its own.
 * A writer either held the lock when the refresh looked for holders (the
 * refresh waits for it) or looked for tail entries after the refresh's
 * UPDATE (it sees the claim in progress, or, once committed, the entries
 * gone or still there and usable), so no change goes unrecorded.
 *
 * The holders waited for are the writers of every source, but each holds
 * the lock only from its pre-commit (or a refresh inside it, which writes
 * its ranges first) to its end; a prepared transaction relies on no tail
 * entry (invalidation.c), so it never holds the lock while it waits.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/skey.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "compat.h"
#include "lakets.h"
#include "tail.h"

/*
 * The tail entry this backend relied on last (its committing transactions
 * mostly write the same source): checking that one row is still there and
 * unclaimed takes one heap page, not an index scan.
 */
static Oid	cached_source = InvalidOid;
static ItemPointerData cached_tid;
static int64 cached_start;

/*
 * The shared buffer that held the cached row's page when last read: while
 * it still holds that page, the page exists (a VACUUM that cuts pages off
 * the end of the log drops their buffers first), so no lseek() is needed to
 * learn the log's size.
 */
static Buffer cached_buf = InvalidBuffer;

/* Whether this database has tail entries (lakets 0.1 had none). */
static bool
has_tail_entries(void)
{
	return OidIsValid(catalog_commit_relid(LAKETS_REL_TAIL_INDEX)) &&
		OidIsValid(catalog_commit_relid(LAKETS_REL_WRITERS));
}

/* The log's index of tail entries; InvalidOid without one (lakets 0.1). */
Oid
tail_index_relid(void)
{
	return has_tail_entries() ? catalog_commit_relid(LAKETS_REL_TAIL_INDEX) : InvalidOid;
}

/* Whether tup is a committed, unclaimed tail entry of source (and its start). */
static bool
usable_tail(Relation rel, HeapTuple tup, SnapshotData *dirty, Oid source_relid, int64 *start)
{
	bool		isnull;
	Datum		d;

	/* inserted, claimed or consumed by a transaction in progress */
	if (TransactionIdIsValid(dirty->xmin) || TransactionIdIsValid(dirty->xmax))
		return false;
	d = heap_getattr(tup, 1, RelationGetDescr(rel), &isnull);
	if (isnull || DatumGetObjectId(d) != source_relid)
		return false;
	d = heap_getattr(tup, 3, RelationGetDescr(rel), &isnull);
	if (isnull || DatumGetTimestampTz(d) != DT_NOEND)
		return false;
	d = heap_getattr(tup, 2, RelationGetDescr(rel), &isnull);
	if (isnull)
		return false;
	*start = DatumGetTimestampTz(d);
	return true;
}

/*
 * For a committing transaction with recent ranges of a source, the earliest
 * of which starts at from: take the writers lock (held to the end of the
 * transaction) and return the start of a committed tail entry it may rely
 * on, at or before from when there is one; DT_NOEND when there is none, or
 * when a refresh in progress has claimed one (then the transaction relies
 * on nothing and logs its own).
 */
int64
tail_usable_start(Oid source_relid, int64 from)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	SnapshotData dirty;
	HeapTuple	tup;
	int64		earliest = DT_NOEND;
	int64		start;

	if (!has_tail_entries() || !OidIsValid(catalog_log_relid()))
		return DT_NOEND;
	LockRelationOid(catalog_commit_relid(LAKETS_REL_WRITERS), AccessShareLock);

	/* dirty reads: they also see a claim still in progress */
	InitDirtySnapshot(dirty);
	rel = table_open(catalog_log_relid(), AccessShareLock);
	if (cached_source == source_relid && cached_start <= from)
	{
		BlockNumber blk = ItemPointerGetBlockNumber(&cached_tid);
		Buffer		pinned = InvalidBuffer;
		HeapTupleData cached;
		Buffer		buf;
		bool		usable = false;

		/* the page still exists: VACUUM may have cut it off the end */
		if (BufferIsValid(cached_buf) && lakets_read_recent_buffer(rel, blk, cached_buf))
			pinned = cached_buf;
		cached_buf = InvalidBuffer;
		cached.t_self = cached_tid;
		if ((BufferIsValid(pinned) || blk < RelationGetNumberOfBlocks(rel)) &&
			heap_fetch(rel, &dirty, &cached, &buf, false))
		{
			usable = usable_tail(rel, &cached, &dirty, source_relid, &start) &&
				start == cached_start;
			cached_buf = buf;
			ReleaseBuffer(buf);
		}
		if (BufferIsValid(pinned))
			ReleaseBuffer(pinned);
		if (usable)
		{
			table_close(rel, AccessShareLock);
			return start;
		}
	}
	cached_source = InvalidOid;

	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(source_relid));
	scan = systable_beginscan(rel, catalog_commit_relid(LAKETS_REL_TAIL_INDEX), true,
							  &dirty, 1, &key);
	while ((tup = systable_getnext(scan)) != NULL)
	{
		if (!usable_tail(rel, tup, &dirty, source_relid, &start))
		{
			/* a claim in progress: rely on none */
			if (TransactionIdIsValid(dirty.xmin) || TransactionIdIsValid(dirty.xmax))
			{
				earliest = DT_NOEND;
				cached_source = InvalidOid;
				break;
			}
			continue;
		}
		if (start < earliest)
		{
			earliest = start;
			cached_source = source_relid;
			cached_tid = tup->t_self;
			cached_start = start;
			cached_buf = InvalidBuffer;
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return earliest;
}

/*
 * Transactions a wait timed out on (a commit stuck in a synchronous
 * replication wait, a transaction idle after a refresh flushed its ranges):
 * while they run, later refreshes give up on them at once instead of
 * waiting lakets.lock_timeout each.
 */
#define MAX_STUCK 8
static VirtualTransactionId stuck[MAX_STUCK];
static int	nstuck = 0;

static bool
is_stuck(VirtualTransactionId vxid)
{
	int			i;

	for (i = 0; i < Min(nstuck, MAX_STUCK); i++)
		if (VirtualTransactionIdEquals(stuck[i], vxid))
			return true;
	return false;
}

/*
 * Wait until every transaction that held the writers lock when we looked
 * has ended, at most lakets.lock_timeout; false on timeout. Polls instead
 * of queueing for the lock, so no writer ever waits for us.
 */
static bool
wait_for_writers(void)
{
	LOCKTAG		tag;
	VirtualTransactionId *holders;
	TimestampTz deadline = 0;
	int			i;

	SET_LOCKTAG_RELATION(tag, MyDatabaseId, catalog_commit_relid(LAKETS_REL_WRITERS));
	holders = GetLockConflicts(&tag, AccessExclusiveLock, NULL);
	if (lakets_lock_timeout_ms > 0)
		deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), lakets_lock_timeout_ms);
	for (i = 0; VirtualTransactionIdIsValid(holders[i]); i++)
	{
		while (!VirtualXactLock(holders[i], false))
		{
			if (is_stuck(holders[i]) ||
				(deadline != 0 && GetCurrentTimestamp() >= deadline))
			{
				if (!is_stuck(holders[i]))
					stuck[nstuck++ % MAX_STUCK] = holders[i];
				return false;
			}
			CHECK_FOR_INTERRUPTS();
			pg_usleep(1000L);
		}
	}
	return true;
}

/*
 * Before consuming a source's log: claim its tail entries and wait out the
 * transactions that may rely on them. Returns the claimed entries' ctids
 * (tid[]), which the caller may consume with the rest of the log; NULL
 * when there are none, or they must stay (the wait timed out, or this
 * transaction's snapshot was taken before the wait).
 */
ArrayType *
tail_claim(Oid source_relid)
{
	Oid			types[1] = {REGCLASSOID};
	Datum		values[1] = {ObjectIdGetDatum(source_relid)};
	Datum	   *tids;
	uint64		n;
	uint64		i;

	if (!has_tail_entries() || IsolationUsesXactSnapshot())
		return NULL;
	n = catalog_registry_write("UPDATE lakets._source_invalidation_log l"
							   " SET range_start = l.range_start"
							   " WHERE l.ctid OPERATOR(pg_catalog.=) ANY (ARRAY("
							   "  SELECT ctid FROM lakets._source_invalidation_log"
							   "  WHERE source_relid OPERATOR(pg_catalog.=) $1"
							   "  AND range_end OPERATOR(pg_catalog.=) 'infinity'::pg_catalog.timestamptz"
							   "  FOR UPDATE SKIP LOCKED))"
							   " RETURNING l.ctid",
							   1, types, values, NULL, SPI_OK_UPDATE_RETURNING);
	if (n == 0)
		return NULL;
	tids = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
	{
		bool		isnull;

		tids[i] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
	}
	if (!wait_for_writers())
		return NULL;
	return construct_array(tids, (int) n, TIDOID, sizeof(ItemPointerData), false, TYPALIGN_SHORT);
}
