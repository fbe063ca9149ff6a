/*
 * timefuncs.c
 *	  SQL-visible time-series functions: time_bucket() and the scalar
 *	  helpers of the LakeTS toolkit (locf, interpolate, delta, rate,
 *	  histogram).
 *
 * lakets.time_bucket(p_interval, p_timestamp [, p_origin]) puts a time into
 * buckets of the given width, aligned on 2000-01-01 00:00 UTC unless an
 * origin is given, and month widths count whole months from January 2000
 * (UTC). Unlike date_trunc() on timestamptz, the result never depends on the
 * session TimeZone, so RollUps built on it are the same for every session.
 * time_bucket(p_interval, p_timestamp, p_timezone [, p_origin]) buckets on
 * the wall clock of a named zone instead (zonebucket.c).
 *
 * The helpers keep the toolkit's signatures and its NULL behaviour (they
 * were SQL CASE expressions there, so they are not STRICT here either);
 * bad input the toolkit let through silently (histogram with no buckets)
 * is an error. first()/last() are in bookend.c, gap filling in gapfill.c.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/float.h"
#include "utils/timestamp.h"

#include "timebucket.h"
#include "zonebucket.h"

/*
 * A call site's width, checked once (once for good when it is a constant)
 * and kept in fn_extra, for what the fast path below leaves: dates,
 * origins, months, times before 2000, odd widths.
 */
typedef struct BucketCache
{
	bool		checked;		/* width holds a checked width */
	bool		stable;			/* the width is the same in every call */
	Interval	width;
	Oid			typid;
} BucketCache;

static BucketCache *
bucket_cache(FunctionCallInfo fcinfo, const Interval *width, Oid typid)
{
	BucketCache *c = fcinfo->flinfo->fn_extra;

	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(BucketCache));
		c->typid = OidIsValid(typid) ? typid : get_fn_expr_argtype(fcinfo->flinfo, 1);
		/* a constant (or a parameter of the query): checked once */
		c->stable = get_fn_expr_arg_stable(fcinfo->flinfo, 0);
		fcinfo->flinfo->fn_extra = c;
	}
	if (!c->checked || (!c->stable && memcmp(&c->width, width, sizeof(Interval)) != 0))
	{
		c->checked = false;
		lakets_validate_interval(width, c->typid, "bucket width");
		c->width = *width;
		c->checked = true;
	}
	return c;
}

/*
 * time_bucket() in general; typid is the time type, or InvalidOid to take
 * it from the call.
 */
static pg_noinline Datum
bucket_general(FunctionCallInfo fcinfo, bool has_origin, Oid typid)
{
	const BucketCache *c = bucket_cache(fcinfo, PG_GETARG_INTERVAL_P(0), typid);
	int64		t = lakets_time_to_utc(PG_GETARG_DATUM(1), c->typid);
	int64		origin = has_origin ? lakets_time_to_utc(PG_GETARG_DATUM(2), c->typid) : 0;

	if (TIMESTAMP_NOT_FINITE(t))
		return PG_GETARG_DATUM(1);
	return lakets_utc_to_time(lakets_bucket_start_origin(t, &c->width, origin), c->typid);
}

/*
 * SQL: lakets.time_bucket(p_interval interval, p_timestamp timestamptz|timestamp)
 *
 * The common case, a width of days and time (not months, no negative part,
 * up to a million days) and a time from 2000 on, is t - t % usecs: the
 * grid of 2000-01-01 (0), in a function that calls nothing else. Every
 * width it takes is one lakets_validate_interval() accepts. It reads the
 * width from its argument rather than from a cache in fn_extra: reaching
 * fn_extra costs two dependent loads in every call, which with JIT kept
 * time_bucket() 1% behind date_bin() even with a multiplication in place
 * of the division (docs/benchmarks.md). A timestamp is read as UTC, so the
 * two types share the code.
 */
PG_FUNCTION_INFO_V1(lakets_time_bucket_timestamp);
Datum
lakets_time_bucket_timestamp(PG_FUNCTION_ARGS)
{
	const Interval *width = PG_GETARG_INTERVAL_P(0);
	int64		t = DatumGetInt64(PG_GETARG_DATUM(1));

	if (likely(width->month == 0 &&
			   (uint32) width->day <= 1000000 &&
			   (uint64) width->time < (UINT64CONST(1) << 62) &&
			   (uint64) t < (uint64) END_TIMESTAMP))
	{
		/* no overflow: below 2^62 + 10^6 days */
		int64		usecs = (int64) width->day * USECS_PER_DAY + width->time;

		if (likely(usecs > 0))
			return Int64GetDatum(t - t % usecs);
	}
	return bucket_general(fcinfo, false, TIMESTAMPOID);
}

/*
 * SQL: lakets.time_bucket(p_interval interval, p_timestamp date); before
 * 0.2 also the timestamp types (the 0.1 SQL names this symbol for all
 * three, so it stays general).
 */
PG_FUNCTION_INFO_V1(lakets_time_bucket);
Datum
lakets_time_bucket(PG_FUNCTION_ARGS)
{
	return bucket_general(fcinfo, false, InvalidOid);
}

/* SQL: lakets.time_bucket(p_interval interval, p_timestamp, p_origin) */
PG_FUNCTION_INFO_V1(lakets_time_bucket_origin);
Datum
lakets_time_bucket_origin(PG_FUNCTION_ARGS)
{
	return bucket_general(fcinfo, true, InvalidOid);
}

/* A call site's zone, looked up once while the name stays the same. */
typedef struct ZoneCache
{
	char	   *name;
	pg_tz	   *tz;
} ZoneCache;

static pg_tz *
zone_arg(FunctionCallInfo fcinfo, int argno)
{
	ZoneCache  *c = fcinfo->flinfo->fn_extra;
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(argno));

	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ZoneCache));
		fcinfo->flinfo->fn_extra = c;
	}
	if (c->name == NULL || strcmp(c->name, name) != 0)
	{
		c->tz = lakets_zone(name);
		c->name = MemoryContextStrdup(fcinfo->flinfo->fn_mcxt, name);
	}
	return c->tz;
}

/*
 * SQL: lakets.time_bucket(p_interval interval, p_timestamp timestamptz,
 * p_timezone text [, p_origin timestamptz])
 */
PG_FUNCTION_INFO_V1(lakets_time_bucket_zone);
Datum
lakets_time_bucket_zone(PG_FUNCTION_ARGS)
{
	Interval   *width = PG_GETARG_INTERVAL_P(0);
	TimestampTz t = PG_GETARG_TIMESTAMPTZ(1);
	pg_tz	   *tz = zone_arg(fcinfo, 2);
	int64		local_origin = 0;

	lakets_validate_interval(width, TIMESTAMPTZOID, "bucket width");
	if (PG_NARGS() > 3)
	{
		TimestampTz origin = PG_GETARG_TIMESTAMPTZ(3);

		if (TIMESTAMP_NOT_FINITE(origin))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("bucket origin must be finite")));
		local_origin = lakets_zone_local(origin, tz);
	}
	if (TIMESTAMP_NOT_FINITE(t))
		PG_RETURN_TIMESTAMPTZ(t);
	PG_RETURN_TIMESTAMPTZ(lakets_zone_bucket_start(t, width, local_origin, tz));
}

/*
 * Seconds from a to b, as EXTRACT(EPOCH FROM b - a) gives them, and the
 * same errors for infinite times.
 */
static float8
seconds_between(TimestampTz a, TimestampTz b)
{
	int64		usecs;

	if (TIMESTAMP_NOT_FINITE(a) || TIMESTAMP_NOT_FINITE(b))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("cannot subtract infinite timestamps")));
	if (pg_sub_s64_overflow(b, a, &usecs))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("interval out of range")));
	return (float8) usecs / USECS_PER_SEC;
}

/* SQL: lakets.locf(p_value float8, p_prev_value float8 DEFAULT NULL) */
PG_FUNCTION_INFO_V1(lakets_locf);
Datum
lakets_locf(PG_FUNCTION_ARGS)
{
	if (!PG_ARGISNULL(0))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	if (!PG_ARGISNULL(1))
		PG_RETURN_DATUM(PG_GETARG_DATUM(1));
	PG_RETURN_NULL();
}

/*
 * SQL: lakets.interpolate(p_value, p_prev_value, p_next_value, p_prev_time,
 * p_curr_time, p_next_time): p_value when known, else the value on the line
 * through (p_prev_time, p_prev_value) and (p_next_time, p_next_value) at
 * p_curr_time; p_prev_value when both times are equal; NULL when a
 * neighbour or a time is unknown.
 */
PG_FUNCTION_INFO_V1(lakets_interpolate);
Datum
lakets_interpolate(PG_FUNCTION_ARGS)
{
	float8		prev;
	float8		next;
	TimestampTz prev_time;
	TimestampTz next_time;

	if (!PG_ARGISNULL(0))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(5))
		PG_RETURN_NULL();
	prev = PG_GETARG_FLOAT8(1);
	next = PG_GETARG_FLOAT8(2);
	prev_time = PG_GETARG_TIMESTAMPTZ(3);
	next_time = PG_GETARG_TIMESTAMPTZ(5);
	if (prev_time == next_time)
		PG_RETURN_FLOAT8(prev);
	if (PG_ARGISNULL(4))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(float8_pl(prev,
							   float8_div(float8_mul(float8_mi(next, prev),
													 seconds_between(prev_time, PG_GETARG_TIMESTAMPTZ(4))),
										  seconds_between(prev_time, next_time))));
}

/* delta() on known arguments; NULL result as *isnull. */
static float8
delta(FunctionCallInfo fcinfo, int value_arg, int prev_arg, int resets_arg, bool *isnull)
{
	float8		value;
	float8		prev;

	*isnull = true;
	if (PG_ARGISNULL(prev_arg) || PG_ARGISNULL(value_arg))
		return 0;
	*isnull = false;
	value = PG_GETARG_FLOAT8(value_arg);
	prev = PG_GETARG_FLOAT8(prev_arg);
	/* a counter reset: the counter restarted from 0 and counted to value */
	if (!PG_ARGISNULL(resets_arg) && PG_GETARG_BOOL(resets_arg) && float8_lt(value, prev))
		return value;
	return float8_mi(value, prev);
}

/*
 * SQL: lakets.delta(p_value, p_prev_value, p_handle_resets DEFAULT true):
 * p_value - p_prev_value, or p_value when it dropped below p_prev_value
 * and resets are handled; NULL without a previous value.
 */
PG_FUNCTION_INFO_V1(lakets_delta);
Datum
lakets_delta(PG_FUNCTION_ARGS)
{
	bool		isnull;
	float8		d = delta(fcinfo, 0, 1, 2, &isnull);

	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(d);
}

/*
 * SQL: lakets.rate(p_value, p_prev_value, p_time, p_prev_time,
 * p_handle_resets DEFAULT true): delta() per second; NULL without a
 * previous point or when both times are equal.
 */
PG_FUNCTION_INFO_V1(lakets_rate);
Datum
lakets_rate(PG_FUNCTION_ARGS)
{
	bool		isnull;
	float8		d;
	TimestampTz time;
	TimestampTz prev_time;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(3) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	time = PG_GETARG_TIMESTAMPTZ(2);
	prev_time = PG_GETARG_TIMESTAMPTZ(3);
	if (time == prev_time)
		PG_RETURN_NULL();
	d = delta(fcinfo, 0, 1, 4, &isnull);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(float8_div(d, seconds_between(prev_time, time)));
}

/*
 * SQL: lakets.histogram(p_value, p_min, p_max, p_num_buckets): the 0-based
 * bucket of p_value among p_num_buckets equal-width buckets over
 * [p_min, p_max), clamped to [0, p_num_buckets - 1]: values below p_min go
 * to bucket 0, values at or above p_max to the last one.
 */
PG_FUNCTION_INFO_V1(lakets_histogram);
Datum
lakets_histogram(PG_FUNCTION_ARGS)
{
	float8		value;
	float8		lo;
	float8		hi;
	int32		n;
	float8		b;

	if (!PG_ARGISNULL(3) && PG_GETARG_INT32(3) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p_num_buckets must be positive"),
				 errdetail("p_num_buckets is %d.", PG_GETARG_INT32(3))));
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	value = PG_GETARG_FLOAT8(0);
	if (!PG_ARGISNULL(1) && float8_lt(value, PG_GETARG_FLOAT8(1)))
		PG_RETURN_INT32(0);
	if (PG_ARGISNULL(3))
		PG_RETURN_NULL();
	n = PG_GETARG_INT32(3);
	if (!PG_ARGISNULL(2) && float8_ge(value, PG_GETARG_FLOAT8(2)))
		PG_RETURN_INT32(n - 1);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	lo = PG_GETARG_FLOAT8(1);
	hi = PG_GETARG_FLOAT8(2);
	b = floor(float8_div(float8_mi(value, lo), float8_div(float8_mi(hi, lo), (float8) n)));
	if (isnan(b))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("integer out of range")));
	PG_RETURN_INT32(b >= n - 1 ? n - 1 : (int32) b);
}
