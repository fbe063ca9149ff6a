/*
 * zonebucket.c
 *	  Buckets on the wall clock of a named time zone: lakets.time_bucket(
 *	  width, ts, zone) and RollUps grouped by it.
 *
 * An instant is read as the local time of the zone, that local time is put
 * into its bucket with the UTC arithmetic of timebucket.c (local times are
 * aligned on 2000-01-01 00:00 local, or on the local time of an origin), and
 * the local bucket start is turned back into an instant. Days and months so
 * start at local midnight and last 23, 24 or 25 hours over DST changes.
 *
 * A local bucket start may not exist (a spring-forward gap) or exist twice
 * (a fall-back overlap). A bucket never starts after the instants it holds
 * and buckets never overlap: an overlapped start is the latest of its
 * instants not after t (so that the two 02:00 hours of a fall-back night
 * are two one-hour buckets), and a start inside a gap is the instant the
 * gap begins (the first instant of the bucket).
 */
#include "postgres.h"

#include "pgtime.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "timebucket.h"
#include "zonebucket.h"

/* seconds between the Unix epoch and PostgreSQL's (2000-01-01) */
#define PG_EPOCH_SECS ((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY)

static void
out_of_range(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("timestamp out of range")));
}

/* The zone of that name (time zone database names and POSIX specs). */
pg_tz *
lakets_zone(const char *name)
{
	pg_tz	   *tz = pg_tzset(name);

	if (tz == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" not recognized", name),
				 errhint("Use a name of the time zone database, such as 'Europe/Berlin' or 'UTC'. "
						 "To give a bucket origin, write it as a timestamptz, "
						 "e.g. '2000-01-01 00:00+00'::timestamptz.")));
	return tz;
}

/* UTC offset (seconds west, as PostgreSQL counts) of the zone at t. */
static int
offset_at(int64 t, pg_tz *tz)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			off;

	if (timestamp2tm((Timestamp) t, &off, &tm, &fsec, NULL, tz) != 0)
		out_of_range();
	return off;
}

/* The wall-clock time of the zone at t, as a timestamp. */
int64
lakets_zone_local(int64 t, pg_tz *tz)
{
	return t - (int64) offset_at(t, tz) * USECS_PER_SEC;
}

/* Whether the instant c reads "local" on the zone's clock. */
static bool
reads(int64 c, int64 local, pg_tz *tz)
{
	return IS_VALID_TIMESTAMP(c) && lakets_zone_local(c, tz) == local;
}

/*
 * The instant of the local time "local" that starts the bucket of t (see
 * the file header): of its readings at most t, the latest; when it has
 * none (a gap), the instant the gap begins.
 */
static int64
local_to_instant(int64 local, int64 t, pg_tz *tz)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int64		c1;
	int64		c2;
	int64		best = DT_NOBEGIN;
	pg_time_t	from;
	pg_time_t	boundary;
	long		before_off;
	long		after_off;
	int			before_dst;
	int			after_dst;

	/* the reading with t's offset, and the one PostgreSQL would pick */
	c1 = local + (int64) offset_at(t, tz) * USECS_PER_SEC;
	if (timestamp2tm((Timestamp) local, NULL, &tm, &fsec, NULL, NULL) != 0)
		out_of_range();
	c2 = local + (int64) DetermineTimeZoneOffset(&tm, tz) * USECS_PER_SEC;
	if (c1 <= t && reads(c1, local, tz))
		best = c1;
	if (c2 <= t && c2 > best && reads(c2, local, tz))
		best = c2;
	if (best != DT_NOBEGIN)
		return best;

	/* a gap: its start is the zone's first transition after the earlier reading */
	from = (pg_time_t) (Min(c1, c2) / USECS_PER_SEC + PG_EPOCH_SECS);
	if (pg_next_dst_boundary(&from, &before_off, &before_dst, &boundary,
							 &after_off, &after_dst, tz) == 1)
	{
		int64		gap_start = ((int64) boundary - PG_EPOCH_SECS) * USECS_PER_SEC;

		if (gap_start <= t)
			return gap_start;
	}
	return Min(c2, t);
}

/*
 * Start of the bucket of width iv holding t on the zone's wall clock,
 * local buckets aligned on local_origin (a local time; 0 is 2000-01-01
 * 00:00 local).
 */
int64
lakets_zone_bucket_start(int64 t, const Interval *iv, int64 local_origin, pg_tz *tz)
{
	int64		local = lakets_zone_local(t, tz);

	return local_to_instant(lakets_bucket_start_origin(local, iv, local_origin), t, tz);
}

/*
 * End of the bucket that starts at "start": the start of the next one. That
 * is a reading of the next local bucket start, or a second reading of this
 * one (a zone whose clocks fall back at midnight starts two buckets there:
 * one for each reading); an instant a few hours past the next local start
 * is inside a later bucket for widths of a day or more (the only ones
 * RollUps take; offsets change by at most two hours at once), and the
 * earliest bucket start among these readings is the next one.
 */
int64
lakets_zone_bucket_end(int64 start, const Interval *iv, int64 local_origin, pg_tz *tz)
{
	int64		local = lakets_bucket_start_origin(lakets_zone_local(start, tz), iv, local_origin);
	int64		labels[2];
	int			offsets[2];
	int64		probe;
	int64		end;
	int			i,
				j;

	labels[0] = local;
	labels[1] = lakets_bucket_add(local, iv, 1);
	probe = labels[1] + (int64) offset_at(start, tz) * USECS_PER_SEC + 3 * USECS_PER_HOUR;
	if (!IS_VALID_TIMESTAMP(probe))
		out_of_range();
	end = lakets_zone_bucket_start(probe, iv, local_origin, tz);
	offsets[0] = offset_at(start, tz);
	offsets[1] = offset_at(end, tz);
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
		{
			int64		c = labels[i] + (int64) offsets[j] * USECS_PER_SEC;

			if (c > start && c < end && reads(c, labels[i], tz) &&
				lakets_zone_bucket_start(c, iv, local_origin, tz) == c)
				end = c;
		}
	return end;
}
