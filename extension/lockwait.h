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

#endif							/* LAKETS_LOCKWAIT_H */
