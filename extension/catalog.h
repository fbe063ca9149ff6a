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

/*
 * Relations are registered by OID. The names in these structs are the
 * current ones, looked up when the row is read; NULL when the relation no
 * longer exists.
 */
typedef struct ChronoTable
{
	int32		id;
	Oid			relid;
	char	   *schema_name;
	char	   *table_name;
	char	   *time_column;
	Oid			time_type;		/* TIMESTAMPTZOID, TIMESTAMPOID or DATEOID */
	Interval	chunk_interval;
	int32		past_count;
	int32		future_count;
	char	   *chunk_options;	/* storage parameters of chunks, or NULL */
	bool		has_expired_before;
	int64		expired_before; /* retention deleted default rows before it */
	bool		has_covered;
	int64		covered_from;	/* known chunks cover [covered_from, */
	int64		covered_until;	/* covered_until): see ensure.c */
} ChronoTable;

/* What ensure.c's steady-state pass reads of every ChronoTable. */
typedef struct ChronoWindow
{
	int32		id;
	Oid			relid;
	Interval	chunk_interval;
	int32		past_count;
	int32		future_count;
	bool		has_covered;
	int64		covered_from;
	int64		covered_until;
	bool		partitioned;	/* the table is (still) partitioned */
	Oid			default_relid;	/* its default partition, if any */
} ChronoWindow;

typedef struct ChunkMeta
{
	int64		id;
	Oid			relid;			/* InvalidOid once dropped or detached */
	char	   *chunk_name;		/* as created */
	int64		start;			/* UTC instants, see timebucket.h */
	int64		end;
	char	   *status;			/* active, tiered, dropped, detached */
	bool		dropped;		/* a tombstone: not a live chunk any more */
} ChunkMeta;

/* All of these need an SPI connection. */
/* a write to a registry table (of any module) as the registry's owner */
extern uint64 catalog_registry_write(const char *sql, int nargs, Oid *types,
									 Datum *values, const char *nulls, int expected);
extern char *catalog_relation_name(Oid relid);
extern ChronoTable *catalog_get_chronotable(Oid relid, bool missing_ok);
extern ChronoTable *catalog_get_chronotable_by_id(int32 id, bool missing_ok);
extern List *catalog_list_chronotables(void);
extern ChronoWindow *catalog_list_windows(int *count);
extern void catalog_set_covered(int32 id, int64 from, int64 until);
extern int32 catalog_insert_chronotable(Oid relid, const char *time_column,
										Oid time_type, const Interval *iv,
										const char *chunk_options);
extern void catalog_delete_chronotable(int32 id);
extern void catalog_set_chunk_interval(int32 id, const Interval *iv);
extern void catalog_set_window(int32 id, int32 past_count, int32 future_count);
extern void catalog_set_expired_before(int32 id, int64 expired_before);

extern List *catalog_list_chunks(int32 chronotable_id, int64 from, int64 to);
extern List *catalog_list_chunks_ext(int32 chronotable_id, int64 from, int64 to,
									 bool with_dropped);
extern void catalog_insert_chunk(int32 chronotable_id, Oid chunk_relid,
								 const char *chunk_name, int64 start, int64 end);
extern void catalog_mark_chunk_gone(int64 chunk_id, const char *status);
extern void catalog_reconcile_chunks(int32 chronotable_id);
extern int	catalog_forget_missing(void);
extern bool catalog_tracks_dropped(void);

typedef struct Rollup
{
	int32		id;
	char	   *name;
	char	   *query;			/* as given to create_rollup() */
	Oid			source_relid;
	char	   *source_schema;	/* current names, NULL when gone */
	char	   *source_table;
	char	   *source_time_column;
	Oid			source_time_type;
	int32		source_rollup_id;	/* 0: the source is a ChronoTable */
	Oid			rollup_relid;
	char	   *rollup_schema;	/* current names, NULL when gone */
	char	   *rollup_table;
	Oid			view_relid;		/* the real-time view, InvalidOid when none */
	Oid			refresh_function;	/* the query over [$1, $2) of the source */
	char	   *bucket_column;
	Oid			bucket_type;
	Interval	bucket_interval;
	int64		bucket_origin;	/* a local time when bucket_timezone is set */
	char	   *bucket_timezone;	/* NULL: UTC buckets */
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
extern Rollup *catalog_get_rollup_by_table(Oid rollup_relid);
extern List *catalog_list_rollups(void);
extern List *catalog_rollups_of_source(Oid source_relid);
extern int32 catalog_insert_rollup(const Rollup *r);
extern void catalog_delete_rollup(int32 id);
extern void catalog_set_rollup_refreshed(int32 id, bool has_watermark, int64 watermark);
extern void catalog_set_rollup_enabled(int32 id, bool enabled);
extern void catalog_set_rollup_lag(int32 id, const Interval *lag);
extern void catalog_set_rollup_view(int32 id, Oid view_relid);
extern void catalog_set_rollup_function(int32 id, Oid refresh_function);
extern void catalog_log_shard_invalidations(Oid shell, Oid origin, const RangeSet *ranges);
extern void catalog_log_source_invalidations(Oid source_relid, const RangeSet *ranges);
/* The relations the commit path uses, looked up once per backend. */
typedef enum LaketsCommitRelation
{
	LAKETS_REL_SOURCE_LOG,		/* lakets._source_invalidation_log */
	LAKETS_REL_TAIL_INDEX,		/* its partial index of tail entries (tail.c) */
	LAKETS_REL_WRITERS			/* lakets._invalidation_writers, a lock target */
} LaketsCommitRelation;

extern Oid	catalog_commit_relid(LaketsCommitRelation which);
extern Oid	catalog_log_relid(void);
extern void catalog_move_source_invalidations(Oid source_relid);
extern bool catalog_source_has_invalidations(Oid source_relid, int64 start, int64 end);
extern void catalog_forget_source_invalidations(Oid source_relid);
extern List *catalog_rollup_invalidations(int32 rollup_id);
extern void catalog_add_rollup_invalidation(int32 rollup_id, int64 start, int64 end);
extern void catalog_delete_rollup_invalidations(List *pending);

typedef struct RetentionPolicy
{
	int32		id;
	Oid			relid;
	char	   *schema_name;	/* current names, NULL when gone */
	char	   *table_name;
	Interval	drop_after;
} RetentionPolicy;

extern RetentionPolicy *catalog_get_retention(Oid relid, bool missing_ok);
extern List *catalog_list_retention(void);
extern int32 catalog_insert_retention(Oid relid, const Interval *drop_after);
extern void catalog_update_retention(int32 id, const Interval *drop_after);
extern void catalog_set_retention_ran(List *ids);
extern void catalog_delete_retention(Oid relid);
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
