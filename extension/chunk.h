/*
 * chunk.h
 *	  One chunk: name, create + attach, drop, tombstone.
 */
#ifndef LAKETS_CHUNK_H
#define LAKETS_CHUNK_H

#include "postgres.h"

#include "catalog.h"

extern char *chunk_name_for(const char *table_name, int64 start);
extern char *chunk_default_name(const char *table_name);
extern Oid	chunk_parent_relid(const ChronoTable *ct, bool missing_ok);
extern bool chunk_is_partition_of(Oid relid, Oid parent_relid);
extern char *chunk_column_list(Oid relid);
extern void chunk_copy_table_settings(Oid parent_relid, Oid chunk_relid);
extern Oid	chunk_create(const ChronoTable *ct, Oid parent_relid,
						 int64 start, int64 end, bool move_from_default);
extern void chunk_create_default(const ChronoTable *ct, Oid parent_relid);
extern bool chunk_drop(const ChronoTable *ct, const ChunkMeta *chunk);
extern void chunk_drop_many(const ChronoTable *ct, List *chunks, bool *dropped);

#endif							/* LAKETS_CHUNK_H */
