/*
 * rangeset.h
 *	  A set of disjoint half-open time ranges [start, end).
 */
#ifndef LAKETS_RANGESET_H
#define LAKETS_RANGESET_H

#include "postgres.h"

typedef struct TimeRange
{
	int64		start;
	int64		end;
} TimeRange;

typedef struct RangeSet
{
	int			count;
	int			capacity;
	TimeRange  *ranges;			/* sorted by start, disjoint, not adjacent */
} RangeSet;

extern RangeSet *rangeset_create(void);
extern void rangeset_add(RangeSet *set, int64 start, int64 end);
extern void rangeset_add_set(RangeSet *set, const RangeSet *other);
extern RangeSet *rangeset_subtract(int64 start, int64 end, const RangeSet *minus);
extern void rangeset_limit(RangeSet *set, int max_ranges);

#endif							/* LAKETS_RANGESET_H */
