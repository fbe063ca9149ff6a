/*
 * lockwait.h
 *	  Bounded lock waits.
 */
#ifndef LAKETS_LOCKWAIT_H
#define LAKETS_LOCKWAIT_H

#include "postgres.h"
#include "storage/lockdefs.h"

extern void lakets_lock_relation(Oid relid, LOCKMODE mode);
extern bool lakets_try_lock_relation(Oid relid, LOCKMODE mode);

typedef enum LaketsLock
{
	LAKETS_LOCK_REFRESH,		/* one refresh of a RollUp (id: the RollUp) */
	LAKETS_LOCK_MAINTENANCE		/* one maintenance run (id: the role) */
} LaketsLock;

extern bool lakets_try_lock_object(LaketsLock which, uint32 id, bool session);
extern void lakets_unlock_object(LaketsLock which, uint32 id, bool session);

#endif							/* LAKETS_LOCKWAIT_H */
