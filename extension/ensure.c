/*
 * ensure.c
 *	  The window of chunks around now(), and draining the default partition.
 *
 * ensure_partitions() runs often (every few minutes, from pg_cron or the
 * helper), over thousands of tables, so the steady state, where every chunk
 * of the window exists and the default partition is empty, must cost little
 * per table, also from a new connection (cold caches). It costs one registry
 * query for all tables (which also finds their default partitions), then
 * per table some arithmetic, one catalog cache lookup and the size of one
 * file, with no SPI, no relation opened and no lock (steady_pass()):
 *
 * - The registry keeps, per table, a range [covered_from, covered_until)
 *   whose chunks all exist or are tombstones, recorded when a call found or
 *   made them so. Chunk rows are never deleted (a dropped or detached chunk
 *   stays as a tombstone, which is never filled again), so the range stays
 *   true whatever happens to the chunks, behind lakets' back too, and
 *   whatever the interval or window become: a window inside it needs no
 *   chunk lookup. A window that has moved past it, or was widened, gets
 *   the full check below.
 * - The default partition is certainly empty when its main fork has no
 *   block: a row inserted into it, committed or not, has extended the file
 *   at once, and only TRUNCATE (a new file) or VACUUM shrink it. The size
 *   is read from the pg_class row without opening the relation (which from
 *   a new connection would build a relcache entry per table) and without a
 *   lock: a file a concurrent TRUNCATE or DROP replaces or removes reads as
 *   empty or missing, and what commits after the call began is the next
 *   call's. A file with blocks, be they only dead rows, gets the full
 *   check, which scans it for a visible row; a row not yet committed is
 *   drained by the first call that sees it committed.
 *
 * The pass runs in one subtransaction for all tables; should it fail, every
 * table gets the full check, each in a subtransaction of its own, which
 * reports the failing table and goes on with the others. Whose table it is
 * is asked only of those that need work.
 *
 * The full check (ensure_chunks_ext()) first records the chunks of that
 * table detached or dropped behind lakets' back (run_maintenance() does it
 * for all tables), looks up the chunks of the window, and only when
 * something is missing takes SHARE UPDATE EXCLUSIVE on the parent (which
 * serialises concurrent callers without blocking inserts or queries) and
 * looks again under that lock.
 *
 * A range that holds a dropped chunk's tombstone is never filled again, and
 * a chunk is never created over part of an existing chunk: the new chunk is
 * cut to the gap (this happens after set_chunk_interval()).
 *
 * Rows dated infinity, -infinity or outside the years 1 to 8999 have no
 * chunk: they stay in the default partition, and chunk creation goes on.
 *
 * A chunk that the table's retention policy would drop (its range ends at
 * or before the cutoff) is never created, not for the window and not for
 * rows waiting in the default partition: those rows stay there, and
 * retention deletes them (retention.c).
 */
#include "postgres.h"

#include <sys/stat.h>

#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/smgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "args.h"
#include "catalog.h"
#include "chronotable.h"
#include "chunk.h"
#include "citus.h"
#include "compat.h"
#include "ensure.h"
#include "isolate.h"
#include "lockwait.h"
#include "owner.h"
#include "rangeset.h"
#include "retention.h"
#include "spi_exec.h"
#include "timebucket.h"

/* The times that can have a chunk: the years 1 to 8999, UTC (chunk names and
 * bounds are written with four-digit years, and a chunk must end by 9999). */
#define CHUNKABLE_FROM INT64CONST(-63082281600000000)	/* 0001-01-01 */
#define CHUNKABLE_TO INT64CONST(220898707200000000) /* 9000-01-01 */

static bool
chunkable(Datum value, Oid time_type)
{
	int64		t = lakets_time_to_utc(value, time_type);

	return !TIMESTAMP_NOT_FINITE(t) && t >= CHUNKABLE_FROM && t < CHUNKABLE_TO;
}

/*
 * The retention cutoff of a ChronoTable, looked up only when needed (the
 * steady state, nothing to create, needs none): times before it are
 * expired; PG_INT64_MIN without a policy.
 */
typedef struct Expiry
{
	const ChronoTable *ct;
	bool		known;
	int64		cutoff;
} Expiry;

static int64
expiry_cutoff(Expiry *e)
{
	if (!e->known)
	{
		e->cutoff = retention_table_cutoff(e->ct);
		/* no chunkable time is that old: nothing is expired */
		if (e->cutoff < CHUNKABLE_FROM)
			e->cutoff = PG_INT64_MIN;
		e->known = true;
	}
	return e->cutoff;
}

/* "col >= lo AND col < hi" over the chunkable times, as SQL. */
static char *
chunkable_condition(const ChronoTable *ct)
{
	const char *qcol = quote_identifier(ct->time_column);

	return psprintf("%s >= %s AND %s < %s", qcol,
					quote_literal_cstr(lakets_time_literal(CHUNKABLE_FROM, ct->time_type)),
					qcol,
					quote_literal_cstr(lakets_time_literal(CHUNKABLE_TO, ct->time_type)));
}

/*
 * The rows of the default partition a chunk could take, as SQL: chunkable
 * and not expired (expired is PG_INT64_MIN without a retention policy).
 */
static char *
drainable_condition(const ChronoTable *ct, int64 expired)
{
	if (expired == PG_INT64_MIN)
		return chunkable_condition(ct);
	return psprintf("%s AND %s >= %s", chunkable_condition(ct),
					quote_identifier(ct->time_column),
					quote_literal_cstr(lakets_time_literal(expired, ct->time_type)));
}

/* The ranges of all chunks (any status) overlapping [from, to). */
static RangeSet *
known_ranges(const ChronoTable *ct, int64 from, int64 to)
{
	RangeSet   *set = rangeset_create();
	ListCell   *lc;

	foreach(lc, catalog_list_chunks(ct->id, from, to))
	{
		ChunkMeta  *c = lfirst(lc);

		rangeset_add(set, c->start, c->end);
	}
	return set;
}

/*
 * The pieces of the chunks starting at "starts" that no chunk covers yet and
 * retention would not drop, as a list of TimeRange: one piece per gap of
 * each chunk, never merged across chunk boundaries (a range set would
 * coalesce adjacent chunks). Sets *skipped if retention would drop a piece.
 */
static List *
missing_ranges(const ChronoTable *ct, List *starts, Expiry *expiry, bool *skipped)
{
	List	   *missing = NIL;
	RangeSet   *known;
	ListCell   *lc;

	if (starts == NIL)
		return NIL;
	known = known_ranges(ct, *(int64 *) linitial(starts),
						 lakets_bucket_add(*(int64 *) llast(starts), &ct->chunk_interval, 1));
	foreach(lc, starts)
	{
		int64		start = *(int64 *) lfirst(lc);
		RangeSet   *gaps = rangeset_subtract(start,
											 lakets_bucket_add(start, &ct->chunk_interval, 1),
											 known);
		int			i;

		for (i = 0; i < gaps->count; i++)
		{
			TimeRange  *piece;

			/* retention would drop it at once */
			if (gaps->ranges[i].end <= expiry_cutoff(expiry))
			{
				*skipped = true;
				continue;
			}
			piece = palloc(sizeof(TimeRange));
			*piece = gaps->ranges[i];
			missing = lappend(missing, piece);
		}
	}
	return missing;
}

/*
 * Whether a relation's main data has no block. Where the standard storage
 * manager keeps it, the size of the first file says so (one stat() instead
 * of the storage manager's open, seek and close, the largest part of the
 * steady state's cost per table); otherwise, or if that file is not there,
 * the storage manager is asked. A file that is missing counts as not
 * empty: the full check will see.
 */
static bool
main_fork_empty(const FormData_pg_class *form)
{
	char	   *path = lakets_main_fork_path(form);
	struct stat st;
	SMgrRelation smgr;
	bool		empty;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return st.st_size == 0;
	smgr = lakets_smgr_open(form);
	empty = smgrexists(smgr, MAIN_FORKNUM) && smgrnblocks(smgr, MAIN_FORKNUM) == 0;
	/* no file descriptor per table left open */
	smgrclose(smgr);
	return empty;
}

/*
 * Whether a default partition is certainly empty, read from the size of its
 * file (see the file header). No lock is needed to read a size: a file
 * that a concurrent TRUNCATE or DROP replaces or removes reads as empty or
 * missing, and what was committed after this call began is for the next
 * call. Raises no error of its own.
 */
static bool
default_surely_empty(Oid default_relid)
{
	HeapTuple	tup;
	Form_pg_class form;
	bool		empty = false;

	if (!OidIsValid(default_relid))
		return true;			/* no default partition */
	/* the coordinator's own file of a Citus table is always empty */
	if (lakets_citus_table_kind(default_relid) != CITUS_TABLE_NONE)
		return false;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(default_relid));
	if (!HeapTupleIsValid(tup))
		return true;			/* dropped: nothing to drain */
	form = (Form_pg_class) GETSTRUCT(tup);
	/* anything but a plain table gets the full check */
	if (form->relkind == RELKIND_RELATION &&
		form->relpersistence != RELPERSISTENCE_TEMP &&
		OidIsValid(form->relfilenode))
		empty = main_fork_empty(form);
	ReleaseSysCache(tup);
	return empty;
}

/*
 * Whether the default partition holds a row a chunk could take (a row with
 * a NULL or unchunkable time belongs there, and an expired one waits for
 * retention). A peek, skipped when the partition is locked by someone
 * else: the next run will look again.
 */
static bool
default_has_rows(const ChronoTable *ct, Oid default_relid, Expiry *expiry)
{
	Relation	rel;
	TableScanDesc scan;
	TupleTableSlot *slot;
	AttrNumber	attnum;
	bool		found = false;

	if (!OidIsValid(default_relid) ||
		!lakets_try_lock_relation(default_relid, AccessShareLock))
		return false;
	/* the rows of a Citus table are on the workers: ask through Citus */
	if (lakets_citus_table_kind(default_relid) != CITUS_TABLE_NONE)
	{
		bool		isnull;

		return DatumGetBool(lakets_exec_scalar(psprintf("SELECT EXISTS (SELECT 1 FROM %s WHERE %s)",
														catalog_relation_name(default_relid),
														drainable_condition(ct, expiry_cutoff(expiry))),
											   0, NULL, NULL, NULL, &isnull));
	}
	rel = table_open(default_relid, NoLock);
	if (RelationGetNumberOfBlocks(rel) > 0)
	{
		attnum = get_attnum(default_relid, ct->time_column);
		slot = table_slot_create(rel, NULL);
		scan = table_beginscan(rel, GetActiveSnapshot(), 0, NULL);
		while (!found && table_scan_getnextslot(scan, ForwardScanDirection, slot))
		{
			bool		isnull;

			Datum		value = slot_getattr(slot, attnum, &isnull);

			found = !isnull && chunkable(value, ct->time_type) &&
				lakets_time_to_utc(value, ct->time_type) >= expiry_cutoff(expiry);
		}
		table_endscan(scan);
		ExecDropSingleTupleTableSlot(slot);
	}
	table_close(rel, NoLock);
	return found;
}

/*
 * Move the rows of the default partition into chunks, creating them. Rows
 * whose range has been dropped (a tombstone) stay where they are, reported:
 * nothing is deleted here.
 */
static int
drain_default(const ChronoTable *ct, Oid parent_relid, Oid default_relid, int64 expired)
{
	const char *qcol = quote_identifier(ct->time_column);
	char	   *qdefault = catalog_relation_name(default_relid);
	char	   *in_range = drainable_condition(ct, expired);
	/* no ONLY through Citus (nothing inherits from a default partition) */
	const char *only = lakets_citus_table_kind(default_relid) != CITUS_TABLE_NONE ? "" : "ONLY ";
	Oid			types[1] = {INTERVALOID};
	Datum		values[1] = {IntervalPGetDatum(&ct->chunk_interval)};
	List	   *starts = NIL;
	int			created = 0;
	uint64		i;
	ListCell   *lc;
	bool		isnull;
	int64		left;

	lakets_lock_relation(default_relid, AccessExclusiveLock);
	lakets_exec_args(psprintf("SELECT DISTINCT lakets._chunk_start(%s, $1) FROM %s%s"
							  " WHERE %s ORDER BY 1", qcol, only, qdefault, in_range),
					 1, types, values, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		int64	   *start = palloc(sizeof(int64));

		*start = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[i],
												   SPI_tuptable->tupdesc, 1, &isnull));
		starts = lappend(starts, start);
	}

	foreach(lc, starts)
	{
		int64		start = *(int64 *) lfirst(lc);
		int64		end = lakets_bucket_add(start, &ct->chunk_interval, 1);
		RangeSet   *gaps = rangeset_subtract(start, end, known_ranges(ct, start, end));
		int			g;

		for (g = 0; g < gaps->count; g++)
		{
			TimeRange  *r = &gaps->ranges[g];
			char	   *lo = quote_literal_cstr(lakets_time_literal(r->start, ct->time_type));
			char	   *hi = quote_literal_cstr(lakets_time_literal(r->end, ct->time_type));

			/* a gap piece of a partly covered bucket may hold no row */
			lakets_execf(SPI_OK_SELECT, "SELECT 1 FROM %s%s WHERE %s >= %s AND %s < %s LIMIT 1",
						 only, qdefault, qcol, lo, qcol, hi);
			if (SPI_processed == 0)
				continue;
			chunk_create(ct, parent_relid, r->start, r->end, true);
			created++;
		}
	}

	left = DatumGetInt64(lakets_exec_scalar(psprintf("SELECT count(*) FROM %s%s WHERE %s",
													 only, qdefault, in_range),
											0, NULL, NULL, NULL, &isnull));
	if (left > 0)
		ereport(WARNING,
				(errmsg("default partition of chronotable \"%s.%s\" keeps " INT64_FORMAT
						" rows whose chunks were dropped",
						ct->schema_name, ct->table_name, left),
				 errdetail("lakets never re-creates a dropped chunk, so these rows have no chunk to move to."),
				 errhint("Delete them from %s if they are not needed.", qdefault)));
	return created;
}

/*
 * Record that the chunks of [from, until) all exist or are tombstones,
 * joined to the range recorded before when the two touch. Only a hint for
 * later calls, so it is never worth an error or a wait: it is skipped in a
 * REPEATABLE READ or SERIALIZABLE transaction (where a concurrent update of
 * the registry row would be a serialization failure) and when another
 * transaction has the row locked (catalog_set_covered()). Not in a
 * subtransaction of its own either: each subtransaction's commit walks all
 * the locks the transaction holds, and a call that creates a chunk on each
 * of many tables holds many.
 */
static void
record_covered(const ChronoTable *ct, int64 from, int64 until)
{
	if (IsolationUsesXactSnapshot())
		return;
	if (ct->has_covered && ct->covered_from <= until && from <= ct->covered_until)
	{
		int64		joined_from = Min(from, ct->covered_from);
		int64		joined_until = Max(until, ct->covered_until);

		if (joined_from == ct->covered_from && joined_until == ct->covered_until)
			return;				/* nothing new */
		from = joined_from;
		until = joined_until;
	}
	catalog_set_covered(ct->id, from, until);
}

/*
 * Make sure the chunks starting at "starts" (sorted) exist, and that the
 * default partition holds no row a chunk could take; with "record" (the
 * starts are consecutive: a window), remember in the registry that the
 * range they span is covered. Returns the number of chunks created.
 */
static int
ensure_chunks_ext(const ChronoTable *ct, List *starts, bool record)
{
	Oid			parent_relid = chunk_parent_relid(ct, false);
	Oid			default_relid = get_default_partition_oid(parent_relid);
	Expiry		expiry = {ct, false, PG_INT64_MIN};
	int64		from = starts ? *(int64 *) linitial(starts) : 0;
	int64		until = starts ? lakets_bucket_add(*(int64 *) llast(starts),
												   &ct->chunk_interval, 1) : 0;
	bool		covered = starts == NIL ||
		(ct->has_covered && ct->covered_from <= from && until <= ct->covered_until);
	bool		skipped = false;
	List	   *missing = covered ? NIL : missing_ranges(ct, starts, &expiry, &skipped);
	bool		drain = !default_surely_empty(default_relid) &&
		default_has_rows(ct, default_relid, &expiry);
	int			created = 0;
	ListCell   *lc;

	if (missing != NIL || drain)
	{
		lakets_lock_relation(parent_relid, ShareUpdateExclusiveLock);
		/* another session may have done the work while we waited */
		skipped = false;
		missing = covered ? NIL : missing_ranges(ct, starts, &expiry, &skipped);
		foreach(lc, missing)
		{
			TimeRange  *piece = lfirst(lc);

			/* rows of the range may wait in the default partition: move them */
			chunk_create(ct, parent_relid, piece->start, piece->end, true);
			created++;
		}
		if (drain)
			created += drain_default(ct, parent_relid, default_relid,
									 expiry_cutoff(&expiry));
	}
	/* a piece retention would drop is not there: the range is not covered */
	if (record && !covered && !skipped)
		record_covered(ct, from, until);
	return created;
}

int
ensure_chunks(const ChronoTable *ct, List *starts)
{
	return ensure_chunks_ext(ct, starts, false);
}

/* Bucket starts covering [from, to), at most LAKETS_MAX_CHUNKS_PER_CALL. */
static List *
range_starts(const ChronoTable *ct, int64 from, int64 to)
{
	List	   *starts = NIL;
	int64		start;

	if (from >= to)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_range_start must be earlier than p_range_end")));
	for (start = lakets_bucket_start(from, &ct->chunk_interval); start < to;
		 start = lakets_bucket_add(start, &ct->chunk_interval, 1))
	{
		int64	   *p;

		if (list_length(starts) >= LAKETS_MAX_CHUNKS_PER_CALL)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("range would need more than %d chunks",
							LAKETS_MAX_CHUNKS_PER_CALL),
					 errhint("Ask for a shorter range, or call the function several times.")));
		p = palloc(sizeof(int64));
		*p = start;
		starts = lappend(starts, p);
	}
	return starts;
}

/*
 * Check the caller's right, then, as the table's owner, make the chunks
 * starting at "starts" exist. (Callers have recorded the chunks detached or
 * dropped behind lakets' back first: catalog_reconcile_chunks().)
 */
static int
ensure_starts(const ChronoTable *ct, List *starts, bool record)
{
	Oid			relid = chunk_parent_relid(ct, false);
	OwnerSwitch sw;
	int			created;

	lakets_check_owner(relid);
	lakets_become_owner(relid, &sw);
	created = ensure_chunks_ext(ct, starts, record);
	lakets_end_owner(&sw);
	return created;
}

static int
ensure_one(const ChronoTable *ct, int past_count, int future_count)
{
	return ensure_starts(ct, chronotable_window_starts(ct, past_count, future_count), true);
}

typedef struct EnsureWork
{
	const ChronoTable *ct;
	int			created;
} EnsureWork;

static void
ensure_work(void *arg)
{
	EnsureWork *w = arg;

	w->created = ensure_one(w->ct, w->ct->past_count, w->ct->future_count);
}

/*
 * Ensure the chunks of one ChronoTable in a subtransaction; a failure is
 * reported as a WARNING and returned, and changes nothing.
 */
ErrorData *
ensure_isolated(const ChronoTable *ct, int *created)
{
	EnsureWork	w = {ct, 0};
	ErrorData  *edata = lakets_run_isolated(ensure_work, &w);

	*created = w.created;
	if (edata != NULL)
		lakets_warn_isolated(edata, psprintf("could not ensure chunks of chronotable \"%s.%s\"",
											 ct->schema_name, ct->table_name));
	return edata;
}

/* Whether the caller acts on this ChronoTable in "all tables" mode. */
bool
ensure_owns(const ChronoTable *ct)
{
	Oid			relid = chunk_parent_relid(ct, true);

	/* a table gone behind lakets' back is forgotten, not ours to report */
	return OidIsValid(relid) && lakets_relation_ownercheck(relid, GetUserId());
}

/* What the steady-state pass found for a ChronoTable. */
typedef enum Verdict
{
	VERDICT_SKIP,				/* gone, or someone else's */
	VERDICT_STEADY,				/* nothing to do */
	VERDICT_CHECK				/* may need work: the full check */
} Verdict;

typedef struct SteadyPass
{
	const ChronoWindow *windows;
	int			count;
	Verdict    *verdicts;
} SteadyPass;

/*
 * See the file header: no SPI, no relation opened, no lock taken, and one
 * catalog cache lookup for a table in its steady state. Whose table it is
 * matters only when there is something to do.
 */
static Verdict
steady_verdict(const ChronoWindow *w, TimestampTz now)
{
	int64		current;

	if (w->partitioned && w->has_covered)
	{
		current = lakets_bucket_start(now, &w->chunk_interval);
		if (lakets_bucket_add(current, &w->chunk_interval, -w->past_count) >= w->covered_from &&
			lakets_bucket_add(current, &w->chunk_interval, w->future_count + 1) <= w->covered_until &&
			default_surely_empty(w->default_relid))
			return VERDICT_STEADY;
	}
	/* a table gone behind lakets' back is forgotten, not ours to report */
	if (get_rel_relkind(w->relid) != RELKIND_PARTITIONED_TABLE ||
		!lakets_relation_ownercheck(w->relid, GetUserId()))
		return VERDICT_SKIP;
	return VERDICT_CHECK;
}

static void
steady_pass(void *arg)
{
	SteadyPass *pass = arg;
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	int			i;

	for (i = 0; i < pass->count; i++)
	{
		CHECK_FOR_INTERRUPTS();
		pass->verdicts[i] = steady_verdict(&pass->windows[i], now);
	}
}

/*
 * Run the steady-state pass over all ChronoTables. Returns the verdicts, in
 * the order of *windows, or NULL when the pass failed (every table then
 * needs the full check, which reports what failed).
 */
static Verdict *
steady_verdicts(ChronoWindow **windows, int *count)
{
	SteadyPass	pass;
	ErrorData  *edata;

	pass.windows = *windows = catalog_list_windows(&pass.count);
	pass.verdicts = palloc(sizeof(Verdict) * Max(pass.count, 1));
	*count = pass.count;
	edata = lakets_run_isolated(steady_pass, &pass);
	if (edata == NULL)
		return pass.verdicts;
	FreeErrorData(edata);
	return NULL;
}

/*
 * The ids of the ChronoTables in their steady state: nothing to do, whoever
 * owns them (run_maintenance() reports them without the full check).
 */
Bitmapset *
ensure_steady_tables(void)
{
	ChronoWindow *windows;
	int			count;
	Verdict    *verdicts = steady_verdicts(&windows, &count);
	Bitmapset  *steady = NULL;
	int			i;

	for (i = 0; verdicts != NULL && i < count; i++)
	{
		if (verdicts[i] == VERDICT_STEADY)
			steady = bms_add_member(steady, windows[i].id);
	}
	return steady;
}

/*
 * ensure_one() for every ChronoTable the caller owns that may need work,
 * one failure at a time. Chunks detached or dropped behind lakets' back
 * are recorded for the tables that get the full check (run_maintenance()
 * records them for all tables).
 */
static int
ensure_all(void)
{
	ChronoWindow *windows;
	int			count;
	Verdict    *verdicts = steady_verdicts(&windows, &count);
	int			created = 0;
	int			i;

	for (i = 0; i < count; i++)
	{
		ChronoTable *ct;
		int			n;

		if (verdicts != NULL && verdicts[i] != VERDICT_CHECK)
			continue;
		ct = catalog_get_chronotable_by_id(windows[i].id, true);
		if (ct == NULL || !ensure_owns(ct))
			continue;			/* gone, or someone else's table */
		catalog_reconcile_chunks(ct->id);
		if (ensure_isolated(ct, &n) == NULL)
			created += n;
	}
	return created;
}

/* SQL: lakets.ensure_partitions(p_table_name, p_schema_name) -> chunks created */
PG_FUNCTION_INFO_V1(lakets_ensure_partitions);
Datum
lakets_ensure_partitions(PG_FUNCTION_ARGS)
{
	int			created;

	SPI_connect();
	if (PG_ARGISNULL(0))
		created = ensure_all();
	else
	{
		char	   *table_name = lakets_text_arg(fcinfo, 0, "p_table_name");
		char	   *schema_name = lakets_text_arg(fcinfo, 1, "p_schema_name");
		ChronoTable *ct = catalog_get_chronotable(lakets_resolve_table(schema_name, table_name),
												  false);

		catalog_reconcile_chunks(ct->id);
		created = ensure_one(ct, ct->past_count, ct->future_count);
	}
	SPI_finish();
	PG_RETURN_INT32(created);
}

/*
 * SQL: lakets._ensure_partitions(p_chronotable_id, p_past_count,
 *		p_future_count, p_range_start, p_range_end) -> chunks created
 *
 * With p_range_start and p_range_end, the chunks covering that range;
 * otherwise the window of p_past_count and p_future_count around now().
 */
PG_FUNCTION_INFO_V1(lakets_ensure_partitions_internal);
Datum
lakets_ensure_partitions_internal(PG_FUNCTION_ARGS)
{
	ChronoTable *ct;
	int			created;

	lakets_require_arg(fcinfo, 0, "p_chronotable_id");
	lakets_require_arg(fcinfo, 1, "p_past_count");
	lakets_require_arg(fcinfo, 2, "p_future_count");
	if (PG_ARGISNULL(3) != PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("p_range_start and p_range_end must be given together")));
	lakets_check_window(PG_GETARG_INT32(1), PG_GETARG_INT32(2));

	SPI_connect();
	ct = catalog_get_chronotable_by_id(PG_GETARG_INT32(0), false);
	catalog_reconcile_chunks(ct->id);
	if (PG_ARGISNULL(3))
		created = ensure_one(ct, PG_GETARG_INT32(1), PG_GETARG_INT32(2));
	else
		created = ensure_starts(ct, range_starts(ct, PG_GETARG_TIMESTAMPTZ(3),
												 PG_GETARG_TIMESTAMPTZ(4)), false);
	SPI_finish();
	PG_RETURN_INT32(created);
}
