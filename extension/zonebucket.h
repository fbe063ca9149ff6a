/*
 * zonebucket.h
 *	  Buckets on the wall clock of a named time zone.
 */
#ifndef LAKETS_ZONEBUCKET_H
#define LAKETS_ZONEBUCKET_H

#include "postgres.h"
#include "datatype/timestamp.h"
#include "pgtime.h"

extern pg_tz *lakets_zone(const char *name);
extern int64 lakets_zone_local(int64 t, pg_tz *tz);
extern int64 lakets_zone_bucket_start(int64 t, const Interval *iv, int64 local_origin,
									  pg_tz *tz);
extern int64 lakets_zone_bucket_end(int64 start, const Interval *iv, int64 local_origin,
									pg_tz *tz);

#endif							/* LAKETS_ZONEBUCKET_H */
