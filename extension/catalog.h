/*
 * catalog.h
 *	  The lakets registry: ChronoTables and their chunks.
 */
#ifndef LAKETS_CATALOG_H
#define LAKETS_CATALOG_H

#include "postgres.h"
#include "datatype/timestamp.h"
#include "nodes/pg_list.h"

#include "rangeset.h"

typedef struct ChronoTable
{
	int32		id;
	char	   *schema_name;
	char	   *table_name;
	char	   *time_column;
	Oid			time_type;		/* TIMESTAMPTZOID, TIMESTAMPOID or DATEOID */
	Interval	chunk_interval;
	int32		past_count;
	int32		future_count;
} ChronoTable;

typedef struct ChunkMeta
{
	int64		id;
	char	   *schema_name;
	char	   *chunk_name;
	int64		start;			/* UTC instants, see timebucket.h */
	int64		end;
	char	   *status;			/* active, tiered, dropped */
	bool		dropped;
} ChunkMeta;

/* All of these need an SPI connection. */
extern ChronoTable *catalog_get_chronotable(const char *schema_name,
											const char *table_name,
											bool missing_ok);
extern ChronoTable *catalog_get_chronotable_by_id(int32 id, bool missing_ok);
extern List *catalog_list_chronotables(void);
extern int32 catalog_insert_chronotable(const char *schema_name,
										const char *table_name,
										const char *time_column,
										Oid time_type, const Interval *iv);
extern void catalog_delete_chronotable(int32 id);
extern void catalog_set_chunk_interval(int32 id, const Interval *iv);
extern void catalog_set_window(int32 id, int32 past_count, int32 future_count);

extern List *catalog_list_chunks(int32 chronotable_id, int64 from, int64 to);
extern List *catalog_list_chunks_ext(int32 chronotable_id, int64 from, int64 to,
									 bool with_dropped);
extern void catalog_insert_chunk(int32 chronotable_id, const char *schema_name,
								 const char *chunk_name, int64 start, int64 end);
extern void catalog_mark_chunk_dropped(int64 chunk_id);



extern bool catalog_caller_owns_registry(void);

typedef struct Rollup
{
	int32		id;
	char	   *name;
	char	   *query;
	char	   *refresh_query;	/* SELECT with $1/$2 bounding the source time column */
	char	   *live_query;		/* the query above the watermark, for the real-time view */
	char	   *source_schema;
	char	   *source_table;
	char	   *source_time_column;
	Oid			source_time_type;
	int32		source_rollup_id;	/* 0: the source is a ChronoTable */
	char	   *rollup_schema;
	char	   *rollup_table;
	char	   *bucket_column;
	Oid			bucket_type;
	Interval	bucket_interval;
	int64		bucket_origin;
	List	   *depends_on;		/* names (char *) */
	Interval	refresh_lag;
	bool		invalidation_enabled;
	bool		has_watermark;
	int64		watermark;
	bool		has_last_refresh;
	int64		last_refresh;
	bool		has_dropped_before;
	int64		dropped_before;
} Rollup;

typedef struct PendingRange
{
	int64		id;
	int64		start;
	int64		end;
} PendingRange;

extern Oid	catalog_time_type_oid(const char *name);
extern Rollup *catalog_get_rollup(const char *name, bool missing_ok);
extern Rollup *catalog_get_rollup_by_table(const char *schema_name,
										   const char *table_name);
extern List *catalog_list_rollups(void);
extern int32 catalog_insert_rollup(const Rollup *r);
extern void catalog_delete_rollup(int32 id);
extern void catalog_set_rollup_refreshed(int32 id, bool has_watermark, int64 watermark);
extern void catalog_set_rollup_enabled(int32 id, bool enabled);
extern void catalog_set_rollup_lag(int32 id, const Interval *lag);
extern void catalog_set_rollup_live_query(int32 id, const char *live_query);
extern void catalog_log_source_invalidations(const char *schema_name,
											 const char *table_name,
											 const RangeSet *ranges);
extern void catalog_move_source_invalidations(const char *schema_name,
											  const char *table_name);
extern List *catalog_rollup_invalidations(int32 rollup_id);
extern void catalog_add_rollup_invalidation(int32 rollup_id, int64 start, int64 end);
extern void catalog_delete_rollup_invalidations(List *pending);

typedef struct RetentionPolicy
{
	int32		id;
	char	   *schema_name;
	char	   *table_name;
	Interval	drop_after;
} RetentionPolicy;

extern RetentionPolicy *catalog_get_retention(const char *schema_name,
											  const char *table_name, bool missing_ok);
extern List *catalog_list_retention(void);
extern int32 catalog_insert_retention(const char *schema_name, const char *table_name,
									  const Interval *drop_after);
extern void catalog_update_retention(int32 id, const Interval *drop_after);
extern void catalog_delete_retention(const char *schema_name, const char *table_name);
extern void catalog_set_rollup_dropped_before(int32 id, int64 dropped_before);

typedef struct JobRecord
{
	const char *job;
	int64		started;
	const char *status;
	int32		chunks_created;
	int32		rollups_refreshed;
	int32		chunks_dropped;
	int32		skipped;
	int32		errors;
	char	   *error_text;
} JobRecord;

extern void catalog_record_job(const JobRecord *job);

#endif							/* LAKETS_CATALOG_H */
