/*
 * rangeset.c
 *	  A pure set of disjoint time ranges.
 *
 * Used to find the gaps a new chunk may fill (the window minus the ranges of
 * existing and dropped chunks) and to gather the bucket ranges a transaction
 * touched. Ranges are half-open; overlapping or adjacent ranges are merged.
 * Memory comes from CurrentMemoryContext.
 */
#include "postgres.h"

#include "rangeset.h"

RangeSet *
rangeset_create(void)
{
	RangeSet   *set = palloc(sizeof(RangeSet));

	set->count = 0;
	set->capacity = 8;
	set->ranges = palloc(sizeof(TimeRange) * set->capacity);
	return set;
}

void
rangeset_add(RangeSet *set, int64 start, int64 end)
{
	int			lo = 0;
	int			hi;
	int			i;

	if (start >= end)
		return;

	/* first range that ends at or after start: it may merge with the new one */
	while (lo < set->count && set->ranges[lo].end < start)
		lo++;
	/* ranges lo .. hi-1 touch [start, end) and merge into it */
	hi = lo;
	while (hi < set->count && set->ranges[hi].start <= end)
	{
		start = Min(start, set->ranges[hi].start);
		end = Max(end, set->ranges[hi].end);
		hi++;
	}

	if (hi == lo)
	{
		/* insert at lo */
		if (set->count == set->capacity)
		{
			set->capacity *= 2;
			set->ranges = repalloc(set->ranges, sizeof(TimeRange) * set->capacity);
		}
		memmove(&set->ranges[lo + 1], &set->ranges[lo],
				sizeof(TimeRange) * (set->count - lo));
		set->count++;
	}
	else if (hi - lo > 1)
	{
		memmove(&set->ranges[lo + 1], &set->ranges[hi],
				sizeof(TimeRange) * (set->count - hi));
		set->count -= hi - lo - 1;
	}
	set->ranges[lo].start = start;
	set->ranges[lo].end = end;

	for (i = 1; i < set->count; i++)
		Assert(set->ranges[i - 1].end < set->ranges[i].start);
}

void
rangeset_add_set(RangeSet *set, const RangeSet *other)
{
	int			i;

	for (i = 0; i < other->count; i++)
		rangeset_add(set, other->ranges[i].start, other->ranges[i].end);
}

/* The parts of [start, end) that no range of "minus" covers. */
RangeSet *
rangeset_subtract(int64 start, int64 end, const RangeSet *minus)
{
	RangeSet   *result = rangeset_create();
	int64		pos = start;
	int			i;

	for (i = 0; i < minus->count && pos < end; i++)
	{
		const TimeRange *r = &minus->ranges[i];

		if (r->end <= pos)
			continue;
		if (r->start >= end)
			break;
		if (r->start > pos)
			rangeset_add(result, pos, r->start);
		pos = Max(pos, r->end);
	}
	if (pos < end)
		rangeset_add(result, pos, end);
	return result;
}

/*
 * Keep at most max_ranges ranges by closing the smallest gaps, so that late
 * data at two distant times stays two small ranges while the set as a whole
 * stays bounded.
 */
void
rangeset_limit(RangeSet *set, int max_ranges)
{
	Assert(max_ranges >= 1);
	while (set->count > max_ranges)
	{
		int			best = 1;
		int64		best_gap = PG_INT64_MAX;
		int			i;

		for (i = 1; i < set->count; i++)
		{
			int64		gap = set->ranges[i].start - set->ranges[i - 1].end;

			if (gap < best_gap)
			{
				best_gap = gap;
				best = i;
			}
		}
		set->ranges[best - 1].end = set->ranges[best].end;
		memmove(&set->ranges[best], &set->ranges[best + 1],
				sizeof(TimeRange) * (set->count - best - 1));
		set->count--;
	}
}
