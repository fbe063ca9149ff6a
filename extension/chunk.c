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
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "args.h"
#include "catalog.h"
#include "chunk.h"
#include "lockwait.h"
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

Oid
chunk_parent_relid(const ChronoTable *ct, bool missing_ok)
{
	Oid			nsp = get_namespace_oid(ct->schema_name, true);
	Oid			relid = OidIsValid(nsp) ? get_relname_relid(ct->table_name, nsp) : InvalidOid;

	if (!OidIsValid(relid) && !missing_ok)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("chronotable \"%s.%s\" no longer exists",
						ct->schema_name, ct->table_name),
				 errdetail("The lakets registry lists it, but the table was dropped "
						   "or renamed outside lakets."),
				 errhint("Remove it from the registry with lakets.drop_chronotable().")));
	return relid;
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

/* Give a new partition the owner of its parent (chunks are created as the caller). */
static void
align_owner(Oid parent_relid, const char *qualified_name)
{
	Oid			owner = lakets_rel_owner(parent_relid);

	if (owner != GetUserId())
		lakets_execf(SPI_OK_UTILITY, "ALTER TABLE %s OWNER TO %s", qualified_name,
					 quote_identifier(GetUserNameFromId(owner, false)));
}

static char *
create_like_parent(const ChronoTable *ct, Oid parent_relid, const char *name)
{
	Oid			nsp = get_namespace_oid(ct->schema_name, false);
	char	   *qparent = quote_qualified_identifier(ct->schema_name, ct->table_name);
	char	   *qname = quote_qualified_identifier(ct->schema_name, name);

	if (OidIsValid(get_relname_relid(name, nsp)))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("relation \"%s\" already exists", qname),
				 errdetail("lakets needs that name for a partition of chronotable \"%s\".",
						   qparent),
				 errhint("Rename or drop the other relation.")));
	lakets_execf(SPI_OK_UTILITY,
				 "CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
				 " INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMPRESSION)",
				 qname, qparent);
	align_owner(parent_relid, qname);
	return qname;
}

/*
 * Create the chunk [start, end) of a ChronoTable and attach it. The caller
 * holds SHARE UPDATE EXCLUSIVE on the parent and has checked that no chunk
 * overlaps the range. With move_from_default, rows of the range that sit in
 * the default partition move into the chunk first (attaching would fail
 * otherwise).
 */
void
chunk_create(const ChronoTable *ct, Oid parent_relid, int64 start, int64 end,
			 bool move_from_default)
{
	char	   *name = chunk_name_for(ct->table_name, start);
	char	   *qparent = quote_qualified_identifier(ct->schema_name, ct->table_name);
	char	   *lo = quote_literal_cstr(lakets_time_literal(start, ct->time_type));
	char	   *hi = quote_literal_cstr(lakets_time_literal(end, ct->time_type));
	Oid			default_relid = get_default_partition_oid(parent_relid);
	char	   *qchunk;

	if (OidIsValid(default_relid))
		lakets_lock_relation(default_relid, AccessExclusiveLock);

	qchunk = create_like_parent(ct, parent_relid, name);

	if (move_from_default && OidIsValid(default_relid))
	{
		char	   *cols = chunk_column_list(parent_relid);
		const char *qcol = quote_identifier(ct->time_column);
		char	   *qdefault = quote_qualified_identifier(get_namespace_name(get_rel_namespace(default_relid)),
														  get_rel_name(default_relid));

		lakets_execf(SPI_OK_INSERT,
					 "WITH moved AS (DELETE FROM ONLY %s WHERE %s >= %s AND %s < %s"
					 " RETURNING %s) INSERT INTO %s (%s) SELECT %s FROM moved",
					 qdefault, qcol, lo, qcol, hi, cols, qchunk, cols, cols);
	}

	lakets_execf(SPI_OK_UTILITY,
				 "ALTER TABLE %s ATTACH PARTITION %s FOR VALUES FROM (%s) TO (%s)",
				 qparent, qchunk, lo, hi);
	rollup_track_partition(parent_relid, get_relname_relid(name, get_namespace_oid(ct->schema_name, false)));
	catalog_insert_chunk(ct->id, ct->schema_name, name, start, end);
}

/* The default partition, which catches rows no chunk covers. */
void
chunk_create_default(const ChronoTable *ct, Oid parent_relid)
{
	char	   *qname = create_like_parent(ct, parent_relid,
										   chunk_default_name(ct->table_name));

	lakets_execf(SPI_OK_UTILITY, "ALTER TABLE %s ATTACH PARTITION %s DEFAULT",
				 quote_qualified_identifier(ct->schema_name, ct->table_name), qname);
}

/*
 * Drop one chunk and leave its tombstone. Dropping a partition needs ACCESS
 * EXCLUSIVE on the parent; both locks are taken with a bounded wait.
 */
void
chunk_drop(const ChronoTable *ct, const ChunkMeta *chunk)
{
	Oid			nsp = get_namespace_oid(chunk->schema_name, true);
	Oid			relid = OidIsValid(nsp) ? get_relname_relid(chunk->chunk_name, nsp) : InvalidOid;

	if (OidIsValid(relid))
	{
		lakets_lock_relation(chunk_parent_relid(ct, false), AccessExclusiveLock);
		lakets_lock_relation(relid, AccessExclusiveLock);
		lakets_execf(SPI_OK_UTILITY, "DROP TABLE %s",
					 quote_qualified_identifier(chunk->schema_name, chunk->chunk_name));
	}
	catalog_mark_chunk_dropped(chunk->id);
}

/*
 * SQL: lakets._chunk_row_count(regclass) -> bigint. The planner's estimate
 * when the table has been analyzed or vacuumed, else an exact count.
 */
PG_FUNCTION_INFO_V1(lakets_chunk_row_count);
Datum
lakets_chunk_row_count(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Relation	rel = try_relation_open(relid, AccessShareLock);
	float4		reltuples;
	BlockNumber nblocks;
	int64		count;
	bool		isnull;

	if (rel == NULL)
		PG_RETURN_INT64(0);
	reltuples = rel->rd_rel->reltuples;
	nblocks = RelationGetNumberOfBlocks(rel);
	relation_close(rel, AccessShareLock);

	if (nblocks == 0)
		PG_RETURN_INT64(0);
	if (reltuples >= 0)
		PG_RETURN_INT64((int64) (reltuples + 0.5));

	SPI_connect();
	count = DatumGetInt64(lakets_exec_scalar(psprintf("SELECT count(*) FROM ONLY %s",
													  quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
																				 get_rel_name(relid))),
											 0, NULL, NULL, NULL, &isnull));
	SPI_finish();
	PG_RETURN_INT64(count);
}
