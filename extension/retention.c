/*
 * retention.c
 *	  Retention policies for ChronoTables and RollUp tables, and enforcing
 *	  them.
 *
 * For a ChronoTable, a chunk is dropped only when its whole range ends at or
 * before now() - drop_after (in UTC). Before a chunk goes, every RollUp
 * reading the table must have recomputed the buckets overlapping it: pending
 * ranges there are refreshed first, and checked again once the locks are
 * held (a row may have committed in between); if a RollUp is still owed
 * something, the chunk is kept and reported (fail closed). Locks are taken
 * with the bounded wait of lakets.lock_timeout; a chunk whose lock is not
 * granted in time is skipped and reported instead of queueing behind a long
 * query and blocking every insert behind itself.
 *
 * For a RollUp table, whole buckets older than the cutoff are deleted, after
 * the RollUps reading it have caught up; the RollUp records that its data
 * before the cutoff is gone, so that RollUps reading it never recompute
 * those buckets from what is left.
 *
 * Rows that arrive late for a range whose chunk retention dropped land in
 * the default partition (a dropped chunk is never created again, nor one
 * retention would drop at once: ensure.c). Retention deletes them too, the
 * rows wholly before the chunk holding the cutoff, under the same rule as
 * chunks (the RollUps reading the table caught up first, checked again
 * with writes to the default partition locked out), and records that the
 * range is gone so that RollUps keep their buckets there, as over a
 * dropped chunk.
 *
 * Each chunk is handled in a subtransaction: one failure does not stop the
 * others. Chunks are dropped as the table's owner, and only when they are,
 * under the parent's lock, still its partitions (chunk.c).
 *
 * lakets.drop_chunks() is retention by hand: the same checks, for one
 * ChronoTable and an age given in the call.
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "args.h"
#include "catalog/partition.h"
#include "catalog.h"
#include "chunk.h"
#include "compat.h"
#include "invalidation.h"
#include "isolate.h"
#include "lockwait.h"
#include "owner.h"
#include "refresh.h"
#include "retention.h"
#include "spi_exec.h"
#include "timebucket.h"

/*
 * The UTC instant now() - age, independent of the session TimeZone. An age
 * reaching past the start of the timestamp range gives -infinity: nothing
 * is that old (a policy of '10000 years' drops nothing, and fails nothing).
 */
static int64
cutoff_before_now(const Interval *age)
{
	/* ~6000 years back from now stays well inside the range (4713 BC) */
	const int64 limit_days = INT64CONST(6000) * 366;

	if (age->month > 6000 * MONTHS_PER_YEAR || age->day > limit_days ||
		age->time > limit_days * USECS_PER_DAY ||
		(int64) age->month * 31 + age->day + age->time / USECS_PER_DAY > limit_days)
		return DT_NOBEGIN;
	return DatumGetTimestamp(DirectFunctionCall2(timestamp_mi_interval,
												 TimestampGetDatum(GetCurrentTransactionStartTimestamp()),
												 IntervalPGetDatum(age)));
}

static int64
cutoff_of(const RetentionPolicy *p)
{
	return cutoff_before_now(&p->drop_after);
}

/* The retention cutoff of a ChronoTable, PG_INT64_MIN when it has no policy. */
int64
retention_table_cutoff(const ChronoTable *ct)
{
	RetentionPolicy *p = catalog_get_retention(ct->relid, true);

	return p == NULL ? PG_INT64_MIN : cutoff_of(p);
}

static RetentionAction *
action(Oid relid, const char *chunk_name, bool has_range, int64 start, int64 end,
	   const char *what)
{
	RetentionAction *a = palloc0(sizeof(RetentionAction));

	a->table_name = catalog_relation_name(relid);
	a->chunk_name = chunk_name ? pstrdup(chunk_name) : NULL;
	a->has_range = has_range;
	a->range_start = start;
	a->range_end = end;
	a->action = what;
	return a;
}

/*
 * Set while retention_apply_isolated() makes its first attempt at a
 * policy: the table's work then runs without subtransactions of its own
 * (each subtransaction's commit walks every lock and every file to delete
 * that the transaction holds so far, so their cost grows with the square
 * of the tables done in one call). If anything fails, the policy's
 * subtransaction rolls back and the policy is applied again with them.
 */
static bool retention_optimistic = false;

/*
 * The policies applied, for one update of their last_run_at at the end of
 * the call (in_enforce_all: retention_enforce_all() does it for the
 * retention_apply_isolated() calls it makes).
 */
static List *applied_ids = NIL;
static bool in_enforce_all = false;

static void
flush_applied(void)
{
	List	   *ids = applied_ids;

	applied_ids = NIL;
	catalog_set_retention_ran(ids);
}

/*
 * Whether a table has no page at all, read without a statement; false when
 * its lock is not free at once (never queued behind DDL).
 */
static bool
relation_is_empty(Oid relid)
{
	Relation	rel;
	bool		empty;

	if (!lakets_try_lock_relation(relid, AccessShareLock))
		return false;
	rel = table_open(relid, NoLock);
	empty = RelationGetNumberOfBlocks(rel) == 0;
	table_close(rel, NoLock);
	return empty;
}

/* Whether some reader still owes a recomputation over [start, end). */
static bool
readers_pending(List *readers, int64 start, int64 end)
{
	ListCell   *lc;

	foreach(lc, readers)
		if (rollup_has_pending(lfirst(lc), start, end))
			return true;
	return false;
}

/*
 * Refresh the readers owing something over [start, end). Returns whether
 * one of them still owes it: its refresh was skipped (another refresh of it
 * is running, or within its refresh lag). The caller then leaves the data
 * for the next run instead of queueing a strong lock behind that refresh.
 */
static bool
catch_up_readers(List *readers, int64 start, int64 end)
{
	ListCell   *lc;
	bool		owed = false;

	foreach(lc, readers)
	{
		Rollup	   *r = lfirst(lc);

		if (rollup_has_pending(r, start, end) &&
			!rollup_refresh(catalog_get_rollup(r->name, false)))
			owed = true;
	}
	return owed;
}

typedef struct ChunkWork
{
	const ChronoTable *ct;
	const ChunkMeta *chunk;
	List	   *readers;
	bool		force;
	const char *result;
} ChunkWork;

static void
drop_chunk_work(void *arg)
{
	ChunkWork  *w = arg;

	Oid			parent_relid = chunk_parent_relid(w->ct, false);
	OwnerSwitch sw;
	bool		dropped;

	if (catch_up_readers(w->readers, w->chunk->start, w->chunk->end) && !w->force)
	{
		w->result = "skipped_rollup_pending";
		return;
	}
	/* the locks first: nothing can be written to the chunk after this */
	lakets_lock_relation(parent_relid, AccessExclusiveLock);
	if (!w->force && readers_pending(w->readers, w->chunk->start, w->chunk->end))
	{
		w->result = "skipped_rollup_pending";
		return;
	}
	lakets_become_owner(parent_relid, &sw);
	dropped = chunk_drop(w->ct, w->chunk);
	lakets_end_owner(&sw);
	/* detached or dropped behind lakets' back: left alone */
	w->result = dropped ? "dropped" : "skipped_not_a_partition";
}

typedef struct DefaultWork
{
	const ChronoTable *ct;
	List	   *readers;
	int64		before;			/* delete the rows before this */
	bool		force;
	bool		dry_run;
	const char *result;			/* NULL: nothing to delete */
} DefaultWork;

/* The expired rows of the default partition (see the file header). */
static void
delete_expired_default_work(void *arg)
{
	DefaultWork *w = arg;
	Oid			parent_relid = chunk_parent_relid(w->ct, false);
	Oid			default_relid = get_default_partition_oid(parent_relid);
	char	   *where;
	OwnerSwitch sw;
	uint64		found;

	if (!OidIsValid(default_relid))
		return;
	/* nothing there (the usual case): no statement to plan */
	if (relation_is_empty(default_relid))
		return;
	where = psprintf("%s < %s", quote_identifier(w->ct->time_column),
					 quote_literal_cstr(lakets_time_literal(w->before, w->ct->time_type)));
	lakets_become_owner(parent_relid, &sw);
	found = lakets_execf(SPI_OK_SELECT, "SELECT 1 FROM ONLY %s WHERE %s LIMIT 1",
						 catalog_relation_name(default_relid), where);
	lakets_end_owner(&sw);
	if (found == 0)
		return;
	if (w->dry_run)
	{
		w->result = "would_delete_default_rows";
		return;
	}
	if (catch_up_readers(w->readers, DT_NOBEGIN, w->before) && !w->force)
	{
		w->result = "skipped_rollup_pending";
		return;
	}
	/* no row may be written there while the RollUps are checked and it goes */
	lakets_lock_relation(default_relid, ExclusiveLock);
	if (!w->force && readers_pending(w->readers, DT_NOBEGIN, w->before))
	{
		w->result = "skipped_rollup_pending";
		return;
	}
	/* first, so that the readers never recompute what goes now */
	catalog_set_expired_before(w->ct->id, w->before);
	lakets_become_owner(parent_relid, &sw);
	invalidation_exec_unrecorded(psprintf("DELETE FROM ONLY %s WHERE %s",
										  catalog_relation_name(default_relid), where));
	lakets_end_owner(&sw);
	w->result = "deleted_default_rows";
}

/*
 * The action for the default partition's expired rows, or NULL when there
 * are none.
 */
static RetentionAction *
enforce_default(const ChronoTable *ct, List *readers, int64 cutoff, bool dry_run, bool force)
{
	DefaultWork w = {ct, readers, 0, force, dry_run, NULL};
	ErrorData  *edata;
	RetentionAction *a;
	Oid			default_relid;

	/* rows wholly before the chunk holding the cutoff, as for chunks */
	if (cutoff == DT_NOBEGIN || cutoff <= INT64CONST(-63082281600000000) ||
		TIMESTAMP_NOT_FINITE(cutoff))
		return NULL;
	w.before = lakets_bucket_start(cutoff, &ct->chunk_interval);
	if (w.before <= INT64CONST(-63082281600000000))	/* before year 1: no row to delete */
		return NULL;
	if (retention_optimistic)
	{
		delete_expired_default_work(&w);
		edata = NULL;
	}
	else if ((edata = lakets_run_isolated(delete_expired_default_work, &w)) != NULL)
	{
		w.result = edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE ? "skipped_locked" : "error";
		if (strcmp(w.result, "error") == 0)
			lakets_warn_isolated(edata, psprintf("could not delete expired rows of the default partition of %s",
												 catalog_relation_name(ct->relid)));
	}
	if (w.result == NULL)
		return NULL;
	default_relid = get_default_partition_oid(ct->relid);
	a = action(ct->relid, OidIsValid(default_relid) ? get_rel_name(default_relid) : NULL,
			   true, DT_NOBEGIN, w.before, w.result);
	if (edata != NULL && strcmp(w.result, "error") == 0)
		a->error = edata->message;
	return a;
}

typedef struct BatchWork
{
	const ChronoTable *ct;
	List	   *chunks;			/* the expired chunks */
	List	   *readers;
	bool		force;
	const char **results;		/* one per chunk */
	bool		owed;			/* a RollUp could not catch up: chunk by chunk */
	bool		parent_locked;
} BatchWork;

/*
 * Drop the expired chunks of one table in one go: the RollUps reading it
 * caught up over all of them, the parent's lock taken once, the chunks no
 * RollUp still owes dropped by one statement. Run as it is in the first
 * attempt (see retention_optimistic), else in a subtransaction of its own,
 * with drop_chunk_work() for each chunk when that fails.
 */
static void
drop_chunks_batch_work(void *arg)
{
	BatchWork  *w = arg;
	Oid			parent_relid = chunk_parent_relid(w->ct, false);
	int64		start = PG_INT64_MAX,
				end = PG_INT64_MIN;
	List	   *droppable = NIL;
	bool	   *dropped;
	ListCell   *lc;
	int			i = 0,
				d = 0;
	OwnerSwitch sw;

	foreach(lc, w->chunks)
	{
		ChunkMeta  *chunk = lfirst(lc);

		start = Min(start, chunk->start);
		end = Max(end, chunk->end);
	}
	if (w->readers != NIL && catch_up_readers(w->readers, start, end) && !w->force)
	{
		w->owed = true;
		return;
	}
	lakets_lock_relation(parent_relid, AccessExclusiveLock);
	w->parent_locked = true;
	foreach(lc, w->chunks)
	{
		ChunkMeta  *chunk = lfirst(lc);

		if (!w->force && readers_pending(w->readers, chunk->start, chunk->end))
			w->results[i] = "skipped_rollup_pending";
		else
			droppable = lappend(droppable, chunk);
		i++;
	}
	dropped = palloc0(sizeof(bool) * (list_length(droppable) + 1));
	lakets_become_owner(parent_relid, &sw);
	chunk_drop_many(w->ct, droppable, dropped);
	lakets_end_owner(&sw);
	i = 0;
	foreach(lc, w->chunks)
	{
		if (w->results[i] == NULL)
			w->results[i] = dropped[d++] ? "dropped" : "skipped_not_a_partition";
		i++;
	}
}

static List *
enforce_chronotable(const ChronoTable *ct, int64 cutoff, bool dry_run, bool force)
{
	List	   *result = NIL;
	List	   *readers = catalog_rollups_of_source(ct->relid);
	List	   *expired = NIL;
	ListCell   *lc;
	bool		batched = false;

	foreach(lc, catalog_list_chunks_ext(ct->id, PG_INT64_MIN, cutoff, false))
	{
		ChunkMeta  *chunk = lfirst(lc);

		if (!chunk->dropped && chunk->end <= cutoff)
			expired = lappend(expired, chunk);
	}
	/* all at once; if that fails, chunk by chunk, so one bad chunk stops no other */
	if (!dry_run && expired != NIL)
	{
		BatchWork	b = {ct, expired, readers, force,
		palloc0(sizeof(char *) * list_length(expired)), false, false};
		ErrorData  *edata = NULL;
		int			i = 0;

		if (retention_optimistic)
			drop_chunks_batch_work(&b);
		else
			edata = lakets_run_isolated(drop_chunks_batch_work, &b);

		if (edata == NULL && !b.owed)
		{
			foreach(lc, expired)
			{
				ChunkMeta  *chunk = lfirst(lc);

				result = lappend(result, action(ct->relid, chunk->chunk_name, true,
												chunk->start, chunk->end, b.results[i++]));
			}
			batched = true;
		}
		else if (edata != NULL && edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE &&
				 !b.parent_locked)
		{
			foreach(lc, expired)
			{
				ChunkMeta  *chunk = lfirst(lc);

				result = lappend(result, action(ct->relid, chunk->chunk_name, true,
												chunk->start, chunk->end, "skipped_locked"));
			}
			batched = true;
		}
	}
	foreach(lc, batched ? NIL : expired)
	{
		ChunkMeta  *chunk = lfirst(lc);
		ChunkWork	w = {ct, chunk, readers, force, NULL};
		ErrorData  *edata = NULL;

		if (dry_run)
		{
			w.result = readers_pending(readers, chunk->start, chunk->end) ?
				"would_refresh_then_drop" : "would_drop";
		}
		else if ((edata = lakets_run_isolated(drop_chunk_work, &w)) != NULL)
		{
			if (edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE)
				w.result = "skipped_locked";
			else
			{
				w.result = "error";
				lakets_warn_isolated(edata, psprintf("could not drop chunk \"%s\"", chunk->chunk_name));
			}
		}
		result = lappend(result, action(ct->relid, chunk->chunk_name,
										true, chunk->start, chunk->end, w.result));
		if (edata != NULL && strcmp(w.result, "error") == 0)
			((RetentionAction *) llast(result))->error = edata->message;
	}
	{
		RetentionAction *a = enforce_default(ct, readers, cutoff, dry_run, force);

		if (a != NULL)
			result = lappend(result, a);
	}
	return result;
}

typedef struct RollupWork
{
	const Rollup *r;
	List	   *readers;
	int64		cutoff;
	bool		force;
	const char *result;
} RollupWork;

static void
delete_buckets_work(void *arg)
{
	RollupWork *w = arg;
	Oid			types[1] = {w->r->bucket_type};
	Datum		values[1] = {lakets_utc_to_time(w->cutoff, w->r->bucket_type)};
	OwnerSwitch sw;

	if (catch_up_readers(w->readers, DT_NOBEGIN, w->cutoff) && !w->force)
	{
		w->result = "skipped_rollup_pending";
		return;
	}
	/* no refresh of the RollUp may recompute buckets while they go */
	if (!rollup_try_lock(w->r))
	{
		w->result = "skipped_locked";
		return;
	}
	if (!w->force && readers_pending(w->readers, DT_NOBEGIN, w->cutoff))
	{
		w->result = "skipped_rollup_pending";
		return;
	}
	/* first, so that the readers never recompute what goes now */
	catalog_set_rollup_dropped_before(w->r->id, w->cutoff);
	lakets_become_owner(w->r->source_relid, &sw);
	lakets_exec_args(psprintf("DELETE FROM %s WHERE %s < $1",
							  catalog_relation_name(w->r->rollup_relid),
							  quote_identifier(w->r->bucket_column)),
					 1, types, values, NULL, SPI_OK_DELETE);
	lakets_end_owner(&sw);
	w->result = SPI_processed > 0 ? "deleted_buckets" : "nothing_to_delete";
}

static List *
enforce_rollup(const Rollup *r, int64 cutoff, bool dry_run, bool force)
{
	/* whole buckets only: those ending at or before the cutoff */
	int64		aligned = cutoff == DT_NOBEGIN ? DT_NOBEGIN :
		rollup_bucket_start(r, cutoff);
	RollupWork	w = {r, catalog_rollups_of_source(r->rollup_relid), aligned, force, NULL};
	ErrorData  *edata;

	if (aligned == DT_NOBEGIN)
		w.result = "nothing_to_delete";
	else if (dry_run)
		w.result = "would_delete_buckets";
	else if ((edata = lakets_run_isolated(delete_buckets_work, &w)) != NULL)
	{
		if (edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE)
			w.result = "skipped_locked";
		else
		{
			w.result = "error";
			lakets_warn_isolated(edata, psprintf("could not apply retention to rollup \"%s\"", r->name));
		}
	}
	return list_make1(action(r->rollup_relid, NULL, true, DT_NOBEGIN, aligned, w.result));
}

/*
 * Apply one policy; tables the caller does not own are skipped when
 * "all" is set and an error otherwise.
 */
List *
retention_apply(const RetentionPolicy *p, bool dry_run, bool force, bool all)
{
	ChronoTable *ct = catalog_get_chronotable(p->relid, true);
	Rollup	   *r = ct ? NULL : catalog_get_rollup_by_table(p->relid);
	List	   *actions;

	if ((ct == NULL && r == NULL) || p->table_name == NULL)
		return list_make1(action(p->relid, NULL, false, 0, 0, "skipped_missing_table"));
	if (all && !lakets_relation_ownercheck(p->relid, GetUserId()))
		return NIL;
	lakets_check_owner(p->relid);
	if (ct != NULL)
		actions = enforce_chronotable(ct, cutoff_of(p), dry_run, force);
	else
		actions = enforce_rollup(r, cutoff_of(p), dry_run, force);
	if (!dry_run)
		applied_ids = lappend_int(applied_ids, p->id);
	return actions;
}

typedef struct ApplyWork
{
	const RetentionPolicy *p;
	bool		dry_run;
	bool		force;
	bool		all;
	List	   *actions;
} ApplyWork;

static void
apply_work(void *arg)
{
	ApplyWork  *w = arg;

	w->actions = retention_apply(w->p, w->dry_run, w->force, w->all);
}

/*
 * retention_apply() in a subtransaction: a policy that fails becomes one
 * "error" action (and a WARNING), never the failure of the whole run.
 */
List *
retention_apply_isolated(const RetentionPolicy *p, bool dry_run, bool force, bool all)
{
	ApplyWork	w = {p, dry_run, force, all, NIL};
	ErrorData  *volatile edata = NULL;
	RetentionAction *a;
	List	   *before;

	if (!in_enforce_all)
		applied_ids = NIL;
	before = applied_ids;
	retention_optimistic = !dry_run;
	PG_TRY();
	{
		edata = lakets_run_isolated(apply_work, &w);
	}
	PG_FINALLY();
	{
		retention_optimistic = false;
	}
	PG_END_TRY();
	/* again, each step in a subtransaction of its own: what fails is told */
	if (edata != NULL && !dry_run)
	{
		applied_ids = before;
		edata = lakets_run_isolated(apply_work, &w);
	}
	if (edata == NULL)
	{
		if (!in_enforce_all)
			flush_applied();
		return w.actions;
	}
	applied_ids = before;
	lakets_warn_isolated(edata, psprintf("could not apply the retention policy of %s",
										 catalog_relation_name(p->relid)));
	a = action(p->relid, NULL, false, 0, 0, "error");
	a->error = edata->message;
	return list_make1(a);
}

typedef struct CatchUpWork
{
	List	   *readers;
	int64		start;
	int64		end;
} CatchUpWork;

static void
catch_up_work(void *arg)
{
	CatchUpWork *w = arg;

	(void) catch_up_readers(w->readers, w->start, w->end);
}

/*
 * Refresh, before any chunk is dropped, the RollUps owed something over the
 * expired chunks of a policy. The ACCESS EXCLUSIVE lock taken to drop a
 * chunk lasts until the end of the transaction: doing every refresh first
 * keeps the time each table stays locked down to the drops themselves.
 * A failure here is only reported: the drop phase checks again.
 */
void
retention_catch_up(const RetentionPolicy *p)
{
	ChronoTable *ct = catalog_get_chronotable(p->relid, true);
	int64		cutoff = cutoff_of(p);
	CatchUpWork w = {NIL, PG_INT64_MAX, PG_INT64_MIN};
	ListCell   *lc;

	if (ct == NULL || !OidIsValid(chunk_parent_relid(ct, true)))
		return;
	foreach(lc, catalog_list_chunks_ext(ct->id, PG_INT64_MIN, cutoff, false))
	{
		ChunkMeta  *chunk = lfirst(lc);

		if (chunk->dropped || chunk->end > cutoff)
			continue;
		w.start = Min(w.start, chunk->start);
		w.end = Max(w.end, chunk->end);
	}
	if (w.start >= w.end)
		return;
	w.readers = catalog_rollups_of_source(ct->relid);
	if (w.readers != NIL)
		(void) lakets_run_isolated(catch_up_work, &w);
}

bool
retention_owned(const RetentionPolicy *p)
{
	return p->table_name != NULL && lakets_relation_ownercheck(p->relid, GetUserId());
}

/* The policy of relid, or all policies when relid is InvalidOid. */
List *
retention_policies(Oid relid)
{
	if (OidIsValid(relid))
		return list_make1(catalog_get_retention(relid, false));
	return catalog_list_retention();
}

typedef struct AllWork
{
	List	   *policies;
	bool		force;
	List	   *actions;
} AllWork;

static void
apply_all_work(void *arg)
{
	AllWork    *w = arg;
	ListCell   *lc;

	foreach(lc, w->policies)
		w->actions = list_concat(w->actions, retention_apply(lfirst(lc), false, w->force, true));
}

/*
 * Every policy (or the one of schema_name.table_name), in one transaction:
 * every refresh first, then the drops (see retention_catch_up()). All the
 * tables are first tried in one subtransaction, with none of their own;
 * if anything fails, each policy is applied again in its own.
 */
List *
retention_enforce_all(bool dry_run, bool force, Oid relid)
{
	/* set inside PG_TRY: volatile (gcc 14 warns, -Werror=clobbered) */
	List	   *volatile result = NIL;
	List	   *policies = retention_policies(relid);
	ListCell   *lc;

	applied_ids = NIL;
	if (!dry_run)
		foreach(lc, policies)
			if (retention_owned(lfirst(lc)))
				retention_catch_up(lfirst(lc));
	if (!dry_run && !OidIsValid(relid) && policies != NIL)
	{
		AllWork		w = {policies, force, NIL};
		ErrorData  *volatile edata = NULL;

		retention_optimistic = true;
		PG_TRY();
		{
			edata = lakets_run_isolated(apply_all_work, &w);
		}
		PG_FINALLY();
		{
			retention_optimistic = false;
		}
		PG_END_TRY();
		if (edata == NULL)
		{
			flush_applied();
			return w.actions;
		}
		applied_ids = NIL;
	}
	in_enforce_all = true;
	PG_TRY();
	{
		foreach(lc, policies)
			result = list_concat(result,
								 OidIsValid(relid) ?
								 retention_apply(lfirst(lc), dry_run, force, false) :
								 retention_apply_isolated(lfirst(lc), dry_run, force, true));
	}
	PG_FINALLY();
	{
		in_enforce_all = false;
	}
	PG_END_TRY();
	flush_applied();
	return result;
}

/* The table of a new policy: a ChronoTable or a RollUp table the caller owns. */
static Oid
policy_table(const char *schema_name, const char *table_name)
{
	Oid			relid = lakets_resolve_table(schema_name, table_name);

	if (catalog_get_chronotable(relid, true) == NULL &&
		catalog_get_rollup_by_table(relid) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("table \"%s.%s\" is neither a chronotable nor a rollup table",
						schema_name, table_name),
				 errhint("Retention applies to tables converted with lakets.create_chronotable() "
						 "and to the _rollup_<name> tables of RollUps.")));
	lakets_check_owner(relid);
	return relid;
}

static Interval *
drop_after_arg(FunctionCallInfo fcinfo, int argno)
{
	Interval   *iv = lakets_interval_arg(fcinfo, argno, "p_drop_after");

	if (iv->month < 0 || iv->day < 0 || iv->time < 0 ||
		(iv->month == 0 && iv->day == 0 && iv->time == 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_drop_after must be positive"),
				 errhint("Use e.g. '30 days' or '1 year'.")));
	return iv;
}

/* SQL: lakets.add_retention_policy(p_table_name, p_drop_after, p_schema_name) -> id */
PG_FUNCTION_INFO_V1(lakets_add_retention_policy);
Datum
lakets_add_retention_policy(PG_FUNCTION_ARGS)
{
	char	   *table_name = lakets_text_arg(fcinfo, 0, "p_table_name");
	Interval   *drop_after = drop_after_arg(fcinfo, 1);
	char	   *schema_name = lakets_text_arg(fcinfo, 2, "p_schema_name");
	int32		id;

	Oid			relid;

	SPI_connect();
	relid = policy_table(schema_name, table_name);
	if (catalog_get_retention(relid, true) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("table \"%s.%s\" already has a retention policy", schema_name, table_name),
				 errhint("Change it with lakets.alter_retention_policy(), or remove it first.")));
	id = catalog_insert_retention(relid, drop_after);
	SPI_finish();
	PG_RETURN_INT32(id);
}

/* SQL: lakets.alter_retention_policy(p_table_name, p_drop_after, p_schema_name) */
PG_FUNCTION_INFO_V1(lakets_alter_retention_policy);
Datum
lakets_alter_retention_policy(PG_FUNCTION_ARGS)
{
	char	   *table_name = lakets_text_arg(fcinfo, 0, "p_table_name");
	Interval   *drop_after = drop_after_arg(fcinfo, 1);
	char	   *schema_name = lakets_text_arg(fcinfo, 2, "p_schema_name");

	SPI_connect();
	catalog_update_retention(catalog_get_retention(policy_table(schema_name, table_name),
												   false)->id,
							 drop_after);
	SPI_finish();
	PG_RETURN_VOID();
}

/* SQL: lakets.remove_retention_policy(p_table_name, p_schema_name) */
PG_FUNCTION_INFO_V1(lakets_remove_retention_policy);
Datum
lakets_remove_retention_policy(PG_FUNCTION_ARGS)
{
	char	   *table_name = lakets_text_arg(fcinfo, 0, "p_table_name");
	char	   *schema_name = lakets_text_arg(fcinfo, 1, "p_schema_name");

	Oid			relid;

	SPI_connect();
	relid = lakets_resolve_table(schema_name, table_name);
	(void) catalog_get_retention(relid, false);
	lakets_check_owner(relid);
	catalog_delete_retention(relid);
	SPI_finish();
	PG_RETURN_VOID();
}

/* SQL: lakets.execute_retention(p_table_name, p_schema_name, p_force) -> chunks dropped */
PG_FUNCTION_INFO_V1(lakets_execute_retention);
Datum
lakets_execute_retention(PG_FUNCTION_ARGS)
{
	char	   *table_name = PG_ARGISNULL(0) ? NULL : lakets_text_arg(fcinfo, 0, "p_table_name");
	char	   *schema_name = lakets_text_arg(fcinfo, 1, "p_schema_name");
	bool		force;
	int32		dropped = 0;
	ListCell   *lc;

	lakets_require_arg(fcinfo, 2, "p_force");
	force = PG_GETARG_BOOL(2);
	SPI_connect();
	foreach(lc, retention_enforce_all(false, force,
									  table_name ? lakets_resolve_table(schema_name, table_name) :
									  InvalidOid))
	{
		RetentionAction *a = lfirst(lc);

		if (strcmp(a->action, "dropped") == 0)
			dropped++;
	}
	SPI_finish();
	PG_RETURN_INT32(dropped);
}

/* SQL: lakets.enforce_retention(p_dry_run) -> one row per chunk considered */
PG_FUNCTION_INFO_V1(lakets_enforce_retention);
Datum
lakets_enforce_retention(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		dry_run;
	ListCell   *lc;

	lakets_require_arg(fcinfo, 0, "p_dry_run");
	dry_run = PG_GETARG_BOOL(0);
	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	foreach(lc, retention_enforce_all(dry_run, false, InvalidOid))
	{
		RetentionAction *a = lfirst(lc);
		Datum		values[5];
		bool		nulls[5] = {false, a->chunk_name == NULL, !a->has_range, !a->has_range, false};

		values[0] = CStringGetTextDatum(a->table_name);
		values[1] = a->chunk_name ? CStringGetTextDatum(a->chunk_name) : (Datum) 0;
		values[2] = TimestampTzGetDatum(a->range_start);
		values[3] = TimestampTzGetDatum(a->range_end);
		values[4] = CStringGetTextDatum(a->action);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * SQL: lakets.drop_chunks(p_table_name, p_older_than, p_schema_name) -> chunks
 * dropped. The RollUps reading the table catch up first; a chunk whose
 * buckets a RollUp still owes is kept, with a WARNING (fail closed).
 */
PG_FUNCTION_INFO_V1(lakets_drop_chunks);
Datum
lakets_drop_chunks(PG_FUNCTION_ARGS)
{
	char	   *table_name = lakets_text_arg(fcinfo, 0, "p_table_name");
	Interval   *older_than = lakets_interval_arg(fcinfo, 1, "p_older_than");
	char	   *schema_name = lakets_text_arg(fcinfo, 2, "p_schema_name");
	ChronoTable *ct;
	List	   *readers;
	int64		cutoff;
	ListCell   *lc;
	int32		dropped = 0;

	if (older_than->month < 0 || older_than->day < 0 || older_than->time < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_older_than must not be negative"),
				 errhint("Give an age such as '30 days'.")));
	SPI_connect();
	ct = catalog_get_chronotable(lakets_resolve_table(schema_name, table_name), false);
	lakets_check_owner(chunk_parent_relid(ct, false));
	cutoff = cutoff_before_now(older_than);
	readers = catalog_rollups_of_source(ct->relid);
	foreach(lc, catalog_list_chunks_ext(ct->id, PG_INT64_MIN, cutoff, false))
	{
		ChunkMeta  *chunk = lfirst(lc);
		ChunkWork	w = {ct, chunk, readers, false, NULL};

		if (chunk->end > cutoff)
			continue;
		drop_chunk_work(&w);
		if (strcmp(w.result, "dropped") == 0)
			dropped++;
		else if (strcmp(w.result, "skipped_rollup_pending") == 0)
			ereport(WARNING,
					(errmsg("chunk \"%s\" of %s kept: a rollup still owes its buckets",
							chunk->chunk_name, catalog_relation_name(ct->relid)),
					 errhint("Refresh the rollups reading the table, then drop the chunk again.")));
	}
	SPI_finish();
	PG_RETURN_INT32(dropped);
}
