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
 */
#include "postgres.h"

#include "storage/lmgr.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

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
 * Lock a relation, waiting at most lakets.lock_timeout; on timeout raise
 * ERRCODE_LOCK_NOT_AVAILABLE naming the relation and the lock.
 */
void
lakets_lock_relation(Oid relid, LOCKMODE mode)
{
	MemoryContext ccxt = CurrentMemoryContext;
	int			nestlevel;
	char		timeout[32];

	if (ConditionalLockRelationOid(relid, mode))
		return;

	nestlevel = NewGUCNestLevel();
	snprintf(timeout, sizeof(timeout), "%d", lakets_lock_timeout_ms);
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
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("could not obtain %s lock on relation \"%s\" within %d ms",
						lock_mode_name(mode), get_rel_name(relid),
						lakets_lock_timeout_ms),
				 errdetail("Another session holds a conflicting lock; lakets gives up "
						   "rather than make later queries on the table queue behind it."),
				 errhint("Try again when the long-running query has finished, or raise "
						 "lakets.lock_timeout.")));
	}
	PG_END_TRY();
	AtEOXact_GUC(true, nestlevel);
}

/* Take the lock only if it is free right now. */
bool
lakets_try_lock_relation(Oid relid, LOCKMODE mode)
{
	return ConditionalLockRelationOid(relid, mode);
}
