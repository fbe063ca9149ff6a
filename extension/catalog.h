/*
 * catalog.h
 *	  The lakets registry: ChronoTables and their chunks.
 */
#ifndef LAKETS_CATALOG_H
#define LAKETS_CATALOG_H

#include "postgres.h"
#include "datatype/timestamp.h"
#include "nodes/pg_list.h"

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
extern void catalog_insert_chunk(int32 chronotable_id, const char *schema_name,
								 const char *chunk_name, int64 start, int64 end);
extern void catalog_mark_chunk_dropped(int64 chunk_id);



extern bool catalog_caller_owns_registry(void);

#endif							/* LAKETS_CATALOG_H */
