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
extern char *chunk_column_list(Oid relid);
extern void chunk_create(const ChronoTable *ct, Oid parent_relid,
						 int64 start, int64 end, bool move_from_default);
extern void chunk_create_default(const ChronoTable *ct, Oid parent_relid);
extern void chunk_drop(const ChronoTable *ct, const ChunkMeta *chunk);

#endif							/* LAKETS_CHUNK_H */
