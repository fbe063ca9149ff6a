/*
 * rollup_query.h
 *	  Analysing a RollUp's query and deriving the statements lakets runs.
 */
#ifndef LAKETS_ROLLUP_QUERY_H
#define LAKETS_ROLLUP_QUERY_H

#include "postgres.h"
#include "datatype/timestamp.h"
#include "nodes/parsenodes.h"

typedef struct RollupQuery
{
	Query	   *query;			/* analysed, as the user wrote it */
	Oid			source_relid;
	char	   *source_schema;
	char	   *source_table;
	/* set by rollup_query_find_bucket() */
	char	   *time_column;
	Oid			time_type;
	char	   *bucket_column;	/* output column holding the bucket */
	Oid			bucket_type;
	Interval	bucket_interval;
	int64		bucket_origin;	/* UTC instant the buckets are aligned on, or
								 * with bucket_timezone a local time */
	char	   *bucket_timezone;	/* time_bucket(width, t, zone): the zone */
	List	   *key_columns;	/* output columns of the GROUP BY, bucket first */
	List	   *columns;		/* all output columns */
} RollupQuery;

extern RollupQuery *rollup_query_parse(const char *sql);
extern void rollup_query_find_bucket(RollupQuery *rq, const char *time_column);
extern void rollup_query_drop_watermark_bound(RollupQuery *rq, const char *time_column,
											  const char *rollup_name);
extern char *rollup_query_sql(const RollupQuery *rq);
extern char *rollup_query_window_sql(const RollupQuery *rq);
extern char *rollup_query_function_sql(Oid fn);
extern char *rollup_query_live_sql(const RollupQuery *rq, const char *rollup_name);
extern char *rollup_query_watermark_expr(const char *rollup_name, Oid typid, bool citus);

#endif							/* LAKETS_ROLLUP_QUERY_H */
