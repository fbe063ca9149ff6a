/*
 * chunk.c
 *	  One chunk of a ChronoTable: its name, creating and attaching it,
 *	  dropping it (leaving a tombstone in the registry), its row count.
 *
 * A chunk is created with CREATE TABLE ... (LIKE parent) and then attached,
 * which needs only SHARE UPDATE EXCLUSIVE on the parent (CREATE TABLE ...
 * PARTITION OF would take ACCESS EXCLUSIVE). Attaching also takes ACCESS
 * EXCLUSIVE on the default partition, to check it holds no row of the new
 * range; that lock could queue behind a long query, so it is taken first
 * with a bounded wait.
 *
 * Chunks are known by OID. Their names only follow a pattern for people:
 * a name that is taken gets a number appended. lakets drops a relation
 * only when, under the parent's ACCESS EXCLUSIVE lock, it is a partition
 * of that ChronoTable: a chunk someone detached or dropped is left alone
 * and recorded as such.
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "args.h"
#include "catalog.h"
#include "chunk.h"
#include "citus.h"
#include "lockwait.h"
#include "owner.h"
#include "rollup.h"
#include "spi_exec.h"
#include "timebucket.h"

/*
 * base || suffix, shortened to fit in NAMEDATALEN. A shortened base keeps a
 * hash of the whole base, so two long table names sharing a prefix still get
 * distinct chunk names.
 */
static char *
name_with_suffix(const char *base, const char *suffix)
{
	int			baselen = strlen(base);
	int			suffixlen = strlen(suffix);
	int			keep;
	uint32		hash;

	if (baselen + suffixlen <= NAMEDATALEN - 1)
		return psprintf("%s%s", base, suffix);

	hash = hash_bytes((const unsigned char *) base, baselen);
	/* 9 = "_" and 8 hex digits */
	keep = pg_mbcliplen(base, baselen, NAMEDATALEN - 1 - suffixlen - 9);
	return psprintf("%.*s_%08x%s", keep, base, hash, suffix);
}

/* <table>_YYYYMMDD_HHMMSS of the chunk's start in UTC. */
char *
chunk_name_for(const char *table_name, int64 start)
{
	return name_with_suffix(table_name, lakets_time_suffix(start));
}

char *
chunk_default_name(const char *table_name)
{
	return name_with_suffix(table_name, "_default");
}

/*
 * The ChronoTable's partitioned table, or InvalidOid (an error unless
 * missing_ok) when it no longer exists. A new table that took its name is
 * another relation: it is never mistaken for it.
 */
Oid
chunk_parent_relid(const ChronoTable *ct, bool missing_ok)
{
	if (ct->table_name == NULL || get_rel_relkind(ct->relid) != RELKIND_PARTITIONED_TABLE)
	{
		if (missing_ok)
			return InvalidOid;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table of chronotable %d no longer exists", ct->id),
				 errdetail("The table with OID %u was dropped outside lakets.", ct->relid),
				 errhint("lakets forgets it on its next maintenance run.")));
	}
	return ct->relid;
}

/* Whether relid is, right now, a partition of parent_relid. */
bool
chunk_is_partition_of(Oid relid, Oid parent_relid)
{
	return OidIsValid(relid) && get_rel_relkind(relid) != '\0' &&
		get_rel_relispartition(relid) &&
		get_partition_parent(relid, true) == parent_relid;
}

/* Quoted, comma-separated list of a table's insertable columns. */
char *
chunk_column_list(Oid relid)
{
	Relation	rel = relation_open(relid, NoLock);
	TupleDesc	desc = RelationGetDescr(rel);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || att->attgenerated)
			continue;
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "",
						 quote_identifier(NameStr(att->attname)));
	}
	relation_close(rel, NoLock);
	return buf.data;
}

/*
 * What a partition does not take from its parent by itself, copied from the
 * parent to a new chunk: the replica identity (logical replication reads
 * each partition's own) and per-column statistics targets.
 */
void
chunk_copy_table_settings(Oid parent_relid, Oid chunk_relid)
{
	char	   *qchunk = catalog_relation_name(chunk_relid);
	Relation	parent = relation_open(parent_relid, NoLock);
	char		ident = parent->rd_rel->relreplident;
	Oid			types[2] = {OIDOID, OIDOID};
	Datum		values[2] = {ObjectIdGetDatum(parent_relid), ObjectIdGetDatum(chunk_relid)};
	List	   *stmts = NIL;
	uint64		i;
	ListCell   *lc;

	relation_close(parent, NoLock);
	if (ident == REPLICA_IDENTITY_FULL)
		stmts = lappend(stmts, psprintf("ALTER TABLE %s REPLICA IDENTITY FULL", qchunk));
	else if (ident == REPLICA_IDENTITY_NOTHING)
		stmts = lappend(stmts, psprintf("ALTER TABLE %s REPLICA IDENTITY NOTHING", qchunk));
	else if (ident == REPLICA_IDENTITY_INDEX)
	{
		/* the chunk's index that is a partition of the parent's identity index */
		lakets_exec_args("SELECT pg_catalog.quote_ident(c.relname)"
						 " FROM pg_catalog.pg_index pi"
						 " JOIN pg_catalog.pg_inherits h ON h.inhparent = pi.indexrelid"
						 " JOIN pg_catalog.pg_index ci ON ci.indexrelid = h.inhrelid"
						 " JOIN pg_catalog.pg_class c ON c.oid = ci.indexrelid"
						 " WHERE pi.indrelid = $1 AND pi.indisreplident AND ci.indrelid = $2",
						 2, types, values, NULL, SPI_OK_SELECT);
		if (SPI_processed == 1)
			stmts = lappend(stmts,
							psprintf("ALTER TABLE %s REPLICA IDENTITY USING INDEX %s", qchunk,
									 SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1)));
	}
	lakets_exec_args("SELECT pg_catalog.format('ALTER TABLE %s ALTER COLUMN %I SET STATISTICS %s',"
					 " $2::pg_catalog.regclass, attname, attstattarget)"
					 " FROM pg_catalog.pg_attribute WHERE attrelid = $1 AND attnum > 0"
					 " AND NOT attisdropped AND attstattarget >= 0",
					 2, types, values, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
		stmts = lappend(stmts, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	foreach(lc, stmts)
		lakets_exec(lfirst(lc), SPI_OK_UTILITY);
}

/*
 * A free name for a new partition in nsp: the wanted one, or with _2, _3 ...
 * appended when another relation has it.
 */
static char *
free_name(const char *wanted, Oid nsp)
{
	char	   *name = pstrdup(wanted);
	int			n;

	for (n = 2; OidIsValid(get_relname_relid(name, nsp)); n++)
		name = name_with_suffix(wanted, psprintf("_%d", n));
	return name;
}

/*
 * CREATE TABLE name (LIKE parent) in the parent's schema, with the storage
 * parameters chunks get; returns its OID. Run as the parent's owner, the
 * table is the owner's.
 */
static Oid
create_like_parent(const ChronoTable *ct, const char *name)
{
	Oid			nsp = get_rel_namespace(ct->relid);
	char	   *qparent = quote_qualified_identifier(ct->schema_name, ct->table_name);
	char	   *qname = quote_qualified_identifier(ct->schema_name, name);

	lakets_execf(SPI_OK_UTILITY,
				 "CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
				 " INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMPRESSION)%s%s%s",
				 qname, qparent,
				 ct->chunk_options ? " WITH (" : "",
				 ct->chunk_options ? ct->chunk_options : "",
				 ct->chunk_options ? ")" : "");
	return get_relname_relid(name, nsp);
}

/*
 * Create the chunk [start, end) of a ChronoTable and attach it. The caller
 * holds SHARE UPDATE EXCLUSIVE on the parent and has checked that no chunk
 * overlaps the range. With move_from_default, rows of the range that sit in
 * the default partition move into the chunk first (attaching would fail
 * otherwise).
 */
Oid
chunk_create(const ChronoTable *ct, Oid parent_relid, int64 start, int64 end,
			 bool move_from_default)
{
	char	   *name = free_name(chunk_name_for(ct->table_name, start),
								 get_rel_namespace(parent_relid));
	char	   *qparent = quote_qualified_identifier(ct->schema_name, ct->table_name);
	char	   *lo = quote_literal_cstr(lakets_time_literal(start, ct->time_type));
	char	   *hi = quote_literal_cstr(lakets_time_literal(end, ct->time_type));
	Oid			default_relid = get_default_partition_oid(parent_relid);
	char	   *qchunk = quote_qualified_identifier(ct->schema_name, name);
	Oid			chunk_relid;
	char	   *distribution_column;

	if (OidIsValid(default_relid))
		lakets_lock_relation(default_relid, AccessExclusiveLock);

	chunk_relid = create_like_parent(ct, name);
	distribution_column = lakets_citus_distribution_column(parent_relid);

	if (move_from_default && OidIsValid(default_relid) && distribution_column != NULL)
	{
		/*
		 * Citus: the rows are on the workers. The chunk is distributed
		 * co-located with the parent before it is filled, so that the
		 * INSERT ... SELECT runs shard by shard on the workers and no copy
		 * stays on the coordinator; ATTACH then finds a distributed table.
		 */
		char	   *cols = chunk_column_list(parent_relid);
		char	   *qdefault = catalog_relation_name(default_relid);
		const char *qcol = quote_identifier(ct->time_column);

		lakets_execf(SPI_OK_SELECT,
					 "SELECT pg_catalog.create_distributed_table(%s, %s, colocate_with => %s)",
					 quote_literal_cstr(qchunk), quote_literal_cstr(distribution_column),
					 quote_literal_cstr(qparent));
		lakets_execf(SPI_OK_INSERT, "INSERT INTO %s (%s) SELECT %s FROM %s WHERE %s >= %s AND %s < %s",
					 qchunk, cols, cols, qdefault, qcol, lo, qcol, hi);
		lakets_execf(SPI_OK_DELETE, "DELETE FROM %s WHERE %s >= %s AND %s < %s",
					 qdefault, qcol, lo, qcol, hi);
	}
	else if (move_from_default && OidIsValid(default_relid))
	{
		char	   *cols = chunk_column_list(parent_relid);
		const char *qcol = quote_identifier(ct->time_column);

		lakets_execf(SPI_OK_INSERT,
					 "WITH moved AS (DELETE FROM ONLY %s WHERE %s >= %s AND %s < %s"
					 " RETURNING %s) INSERT INTO %s (%s) SELECT %s FROM moved",
					 catalog_relation_name(default_relid), qcol, lo, qcol, hi, cols,
					 qchunk, cols, cols);
	}

	lakets_execf(SPI_OK_UTILITY,
				 "ALTER TABLE %s ATTACH PARTITION %s FOR VALUES FROM (%s) TO (%s)",
				 qparent, qchunk, lo, hi);
	chunk_copy_table_settings(parent_relid, chunk_relid);
	rollup_track_partition(parent_relid, chunk_relid);
	catalog_insert_chunk(ct->id, chunk_relid, name, start, end);
	return chunk_relid;
}

/* The default partition, which catches rows no chunk covers. */
void
chunk_create_default(const ChronoTable *ct, Oid parent_relid)
{
	char	   *name = free_name(chunk_default_name(ct->table_name),
								 get_rel_namespace(parent_relid));
	Oid			relid = create_like_parent(ct, name);

	lakets_execf(SPI_OK_UTILITY, "ALTER TABLE %s ATTACH PARTITION %s DEFAULT",
				 quote_qualified_identifier(ct->schema_name, ct->table_name),
				 catalog_relation_name(relid));
	chunk_copy_table_settings(parent_relid, relid);
}

/*
 * Drop one chunk and leave its tombstone. Dropping a partition needs ACCESS
 * EXCLUSIVE on the parent; both locks are taken with a bounded wait. Under
 * the parent's lock the chunk is checked to be its partition still: one
 * that was detached stays (recorded as detached), one that is gone is
 * recorded as dropped. Returns whether lakets dropped it.
 */
bool
chunk_drop(const ChronoTable *ct, const ChunkMeta *chunk)
{
	bool		dropped;

	chunk_drop_many(ct, list_make1((ChunkMeta *) chunk), &dropped);
	return dropped;
}

/*
 * chunk_drop() for several chunks of one ChronoTable at once: the parent's
 * lock taken once, one DROP TABLE for all. dropped[i] tells whether
 * chunks[i] was dropped (see chunk_drop() for those that are not).
 */
void
chunk_drop_many(const ChronoTable *ct, List *chunks, bool *dropped)
{
	Oid			parent_relid = chunk_parent_relid(ct, false);
	StringInfoData names;
	ListCell   *lc;
	int			i = 0;

	initStringInfo(&names);
	lakets_lock_relation(parent_relid, AccessExclusiveLock);
	foreach(lc, chunks)
	{
		const ChunkMeta *chunk = lfirst(lc);

		dropped[i] = chunk_is_partition_of(chunk->relid, parent_relid);
		if (!dropped[i])
			catalog_mark_chunk_gone(chunk->id,
									OidIsValid(chunk->relid) && get_rel_name(chunk->relid) ?
									"detached" : "dropped");
		else
		{
			lakets_lock_relation(chunk->relid, AccessExclusiveLock);
			catalog_mark_chunk_gone(chunk->id, "dropped");
			appendStringInfo(&names, "%s%s", names.len > 0 ? ", " : "",
							 catalog_relation_name(chunk->relid));
		}
		i++;
	}
	/* the tombstones first: the sql_drop event trigger then has nothing to do */
	if (names.len > 0)
		lakets_drop_own("TABLE", names.data);
}

/*
 * SQL: lakets._chunk_row_count(regclass) -> bigint. The planner's estimate
 * when the table has been analyzed or vacuumed, else an exact count; an
 * exact count through Citus for a Citus table (the coordinator's own
 * statistics know nothing of the workers' rows).
 */
PG_FUNCTION_INFO_V1(lakets_chunk_row_count);
Datum
lakets_chunk_row_count(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Relation	rel = try_relation_open(relid, AccessShareLock);
	float4		reltuples;
	BlockNumber nblocks;
	bool		readable;
	Oid			parent_relid;
	int64		count;
	bool		isnull;
	bool		citus;
	OwnerSwitch sw;

	if (rel == NULL)
		PG_RETURN_INT64(0);
	reltuples = rel->rd_rel->reltuples;
	nblocks = RelationGetNumberOfBlocks(rel);
	parent_relid = rel->rd_rel->relispartition ? get_partition_parent(relid, true) : InvalidOid;
	relation_close(rel, AccessShareLock);

	/* who may read the ChronoTable may count its chunks */
	readable = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK ||
		(OidIsValid(parent_relid) &&
		 pg_class_aclcheck(parent_relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK);
	if (!readable)
		PG_RETURN_NULL();
	/* the coordinator's copy of a Citus table is empty: count on the workers */
	citus = lakets_citus_table_kind(relid) != CITUS_TABLE_NONE;
	if (!citus && nblocks == 0)
		PG_RETURN_INT64(0);
	if (!citus && reltuples >= 0)
		PG_RETURN_INT64((int64) (reltuples + 0.5));

	SPI_connect();
	lakets_become_owner(relid, &sw);
	count = DatumGetInt64(lakets_exec_scalar(psprintf("SELECT count(*) FROM ONLY %s",
													  catalog_relation_name(relid)),
											 0, NULL, NULL, NULL, &isnull));
	lakets_end_owner(&sw);
	SPI_finish();
	PG_RETURN_INT64(count);
}

/*
 * SQL: lakets._chunk_size(regclass) -> bigint. pg_total_relation_size(),
 * or for a Citus table citus_total_relation_size() (the size of its shards
 * on the workers; the coordinator's own copy is empty). NULL when the
 * relation is gone.
 */
PG_FUNCTION_INFO_V1(lakets_chunk_size);
Datum
lakets_chunk_size(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Oid			types[1] = {REGCLASSOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};
	Datum		size;
	bool		isnull;

	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		PG_RETURN_NULL();
	if (lakets_citus_table_kind(relid) == CITUS_TABLE_NONE)
	{
		/* NULL for a table dropped meanwhile, as pg_total_relation_size() says */
		LOCAL_FCINFO(sizeinfo, 1);

		InitFunctionCallInfoData(*sizeinfo, NULL, 1, InvalidOid, NULL, NULL);
		sizeinfo->args[0].value = ObjectIdGetDatum(relid);
		sizeinfo->args[0].isnull = false;
		size = pg_total_relation_size(sizeinfo);
		if (sizeinfo->isnull)
			PG_RETURN_NULL();
		PG_RETURN_DATUM(size);
	}
	SPI_connect();
	size = lakets_exec_scalar("SELECT pg_catalog.citus_total_relation_size($1)",
							  1, types, values, NULL, &isnull);
	SPI_finish();
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(size);
}
