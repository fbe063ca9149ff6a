/*
 * invalidation.h
 *	  The invalidation trigger and the per-transaction range sets.
 */
#ifndef LAKETS_INVALIDATION_H
#define LAKETS_INVALIDATION_H

extern void invalidation_flush(void);
extern void invalidation_exec_unrecorded(const char *sql);

#endif							/* LAKETS_INVALIDATION_H */
