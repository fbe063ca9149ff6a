/*
 * invalidation.h
 *	  The invalidation trigger and the per-transaction range sets.
 */
#ifndef LAKETS_INVALIDATION_H
#define LAKETS_INVALIDATION_H

extern void invalidation_flush(void);

#endif							/* LAKETS_INVALIDATION_H */
