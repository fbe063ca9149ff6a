/*
 * timefuncs.c
 *	  SQL-visible time-series functions.
 *
 * lakets.time_bucket(width, ts [, origin]) puts ts into buckets of the given
 * width, aligned on 2000-01-01 00:00 UTC unless an origin is given, and
 * month widths count whole months from January 2000 (UTC). Unlike
 * date_trunc() on timestamptz, the result never depends on the session
 * TimeZone, so RollUps built on it are the same for every session.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/date.h"
#include "utils/timestamp.h"

#include "timebucket.h"

static Datum
bucket(FunctionCallInfo fcinfo, bool has_origin)
{
	Oid			typid = get_fn_expr_argtype(fcinfo->flinfo, 1);
	Interval   *width = PG_GETARG_INTERVAL_P(0);
	int64		t = lakets_time_to_utc(PG_GETARG_DATUM(1), typid);
	int64		origin = has_origin ? lakets_time_to_utc(PG_GETARG_DATUM(2), typid) : 0;

	lakets_validate_interval(width, typid, "bucket width");
	if (TIMESTAMP_NOT_FINITE(t))
		return PG_GETARG_DATUM(1);
	return lakets_utc_to_time(lakets_bucket_start_origin(t, width, origin), typid);
}

/* SQL: lakets.time_bucket(bucket_width interval, ts timestamptz|timestamp|date) */
PG_FUNCTION_INFO_V1(lakets_time_bucket);
Datum
lakets_time_bucket(PG_FUNCTION_ARGS)
{
	return bucket(fcinfo, false);
}

/* SQL: lakets.time_bucket(bucket_width interval, ts, origin) */
PG_FUNCTION_INFO_V1(lakets_time_bucket_origin);
Datum
lakets_time_bucket_origin(PG_FUNCTION_ARGS)
{
	return bucket(fcinfo, true);
}
