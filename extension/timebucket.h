/*
 * timebucket.h
 *	  Pure bucket/chunk arithmetic on UTC instants.
 *
 * Times are int64 microseconds since 2000-01-01 00:00 UTC (the internal form
 * of timestamptz). A timestamp (without time zone) value is read as a UTC
 * wall-clock time and a date as its midnight UTC, so that chunk and bucket
 * boundaries never depend on the session TimeZone.
 */
#ifndef LAKETS_TIMEBUCKET_H
#define LAKETS_TIMEBUCKET_H

#include "postgres.h"
#include "datatype/timestamp.h"

extern void lakets_validate_interval(const Interval *iv, Oid time_type,
									 const char *what);
extern int64 lakets_bucket_start(int64 t, const Interval *iv);
extern int64 lakets_bucket_start_origin(int64 t, const Interval *iv, int64 origin);
extern int64 lakets_bucket_add(int64 start, const Interval *iv, int64 n);
extern int64 lakets_time_to_utc(Datum value, Oid typid);
extern Datum lakets_utc_to_time(int64 t, Oid typid);
extern char *lakets_time_literal(int64 t, Oid typid);
extern char *lakets_time_suffix(int64 t);
extern bool lakets_is_time_type(Oid typid);
extern bool lakets_time_in_literal_range(int64 t);
extern Oid	lakets_multirange_type(Oid typid);

struct RangeSet;
extern char *lakets_multirange_literal(const struct RangeSet *set, Oid typid);

#endif							/* LAKETS_TIMEBUCKET_H */
