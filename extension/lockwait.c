/*
 * lockwait.c
 *	  Bounded lock waits with a clear error.
 *
 * A lock that conflicts with a long-running query (ACCESS EXCLUSIVE to drop
 * a chunk, or on the default partition to attach one) must not be awaited
 * indefinitely: while we wait in the lock queue, every later query on the
 * table queues behind us. We wait in the lock manager (so that the wait is
 * visible in pg_locks and deadlock detection applies) but with lock_timeout
 * set to lakets.lock_timeout for just that wait.
 *
 * Also the locks that keep two refreshes of a RollUp, or two maintenance
 * runs of a role, apart. They are taken on objects no SQL command locks (a
 * lakets registry table as the class, an id within it), never as advisory
 * keys: pg_advisory_lock() is open to every role, and one holding lakets'
 * keys would make every refresh and run skip.
 */
#include "postgres.h"

#include "catalog/catalog.h"
#include "catalog/namespace.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "compat.h"
#include "lakets.h"
#include "lockwait.h"

static const char *
lock_mode_name(LOCKMODE mode)
{
	switch (mode)
	{
		case AccessShareLock:
			return "ACCESS SHARE";
		case ShareUpdateExclusiveLock:
			return "SHARE UPDATE EXCLUSIVE";
		case ShareLock:
			return "SHARE";
		case ExclusiveLock:
			return "EXCLUSIVE";
		case AccessExclusiveLock:
			return "ACCESS EXCLUSIVE";
		default:
			return "requested";
	}
}

/*
 * Wait for a lock at most timeout_ms; false when that ran out. PostgreSQL
 * takes the backend out of the lock's wait queue (LockErrorCleanup) before
 * it raises the timeout, so the same lock may be waited for again.
 */
static bool
wait_for_lock(Oid relid, LOCKMODE mode, int timeout_ms)
{
	MemoryContext ccxt = CurrentMemoryContext;
	int			nestlevel = NewGUCNestLevel();
	char		timeout[32];
	bool		locked = true;

	snprintf(timeout, sizeof(timeout), "%d", timeout_ms);
	(void) set_config_option("lock_timeout", timeout, PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	PG_TRY();
	{
		LockRelationOid(relid, mode);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(ccxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			PG_RE_THROW();
		FlushErrorState();
		FreeErrorData(edata);
		locked = false;
	}
	PG_END_TRY();
	AtEOXact_GUC(true, nestlevel);
	return locked;
}

/* Whether the sessions whose locks conflict with mode are all autovacuum workers. */
static bool
blocked_by_autovacuum_only(Oid relid, LOCKMODE mode)
{
	LOCKTAG		tag;
	VirtualTransactionId *holders;
	bool		any = false;

	SET_LOCKTAG_RELATION(tag, IsSharedRelation(relid) ? InvalidOid : MyDatabaseId, relid);
	for (holders = GetLockConflicts(&tag, mode, NULL);
		 VirtualTransactionIdIsValid(*holders); holders++)
	{
		PGPROC	   *proc = lakets_vxid_proc(*holders);

		if (proc == NULL)
			continue;
		if (!(proc->statusFlags & PROC_IS_AUTOVACUUM))
			return false;
		any = true;
	}
	return any;
}

/*
 * Lock a relation, waiting at most lakets.lock_timeout; on timeout raise
 * ERRCODE_LOCK_NOT_AVAILABLE naming the relation and the lock.
 *
 * An autovacuum worker (auto-analyze of a RollUp table just filled, say)
 * gives way to a lock waiter, but only when the waiter's deadlock check
 * runs, after deadlock_timeout: when only such workers stand in the way,
 * the wait goes on that long again for them to be cancelled.
 */
void
lakets_lock_relation(Oid relid, LOCKMODE mode)
{
	if (ConditionalLockRelationOid(relid, mode))
		return;
	if (wait_for_lock(relid, mode, lakets_lock_timeout_ms))
		return;
	if (blocked_by_autovacuum_only(relid, mode) &&
		wait_for_lock(relid, mode, DeadlockTimeout + lakets_lock_timeout_ms))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
			 errmsg("could not obtain %s lock on relation \"%s\" within %d ms",
					lock_mode_name(mode), get_rel_name(relid), lakets_lock_timeout_ms),
			 errdetail("Another session holds a conflicting lock; lakets gives up "
					   "rather than make later queries on the table queue behind it."),
			 errhint("Try again when the long-running query has finished, or raise "
					 "lakets.lock_timeout.")));
}

/* Take the lock only if it is free right now. */
bool
lakets_try_lock_relation(Oid relid, LOCKMODE mode)
{
	return ConditionalLockRelationOid(relid, mode);
}

/* The class of a lakets lock: a registry table's OID. */
static void
object_locktag(LOCKTAG *tag, LaketsLock which, uint32 id)
{
	Oid			nsp = get_namespace_oid("lakets", false);
	Oid			classid = get_relname_relid(which == LAKETS_LOCK_REFRESH ?
											"_rollup_registry" : "job_history", nsp);

	SET_LOCKTAG_OBJECT(*tag, MyDatabaseId, classid, id, 0);
}

/*
 * Take a lakets lock if it is free: transaction-level, or (session) held
 * across commits until lakets_unlock_object().
 */
bool
lakets_try_lock_object(LaketsLock which, uint32 id, bool session)
{
	LOCKTAG		tag;

	object_locktag(&tag, which, id);
	return LockAcquire(&tag, ExclusiveLock, session, true) != LOCKACQUIRE_NOT_AVAIL;
}

void
lakets_unlock_object(LaketsLock which, uint32 id, bool session)
{
	LOCKTAG		tag;

	object_locktag(&tag, which, id);
	LockRelease(&tag, ExclusiveLock, session);
}
