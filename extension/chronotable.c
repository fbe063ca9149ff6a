/*
 * chronotable.c
 *	  ChronoTables: converting a regular table into one (native RANGE
 *	  partitions, one chunk per interval, plus a default partition), dropping
 *	  it, its chunk interval and window, dropping old chunks.
 *
 * Conversion swaps the table for a partitioned one of the same name inside
 * the caller's transaction: the old table is renamed aside, a partitioned
 * table LIKE it takes its name, the chunks covering the existing rows and
 * the window around now() are created, the rows are copied, the old table
 * is dropped, and what LIKE does not copy (indexes, primary/unique/foreign
 * keys, triggers, comment, grants, owner, sequence ownership, policies,
 * publication membership, replica identity, statistics targets, storage
 * parameters) is recreated from the catalog definitions saved before. The
 * work runs as the table's owner (owner.c). Any error rolls it all back.
 * What cannot be carried over safely (dependent views, foreign keys that
 * reference the table, row-level security, exclusion constraints, an
 * unlogged table) is refused up front.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relation.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "args.h"
#include "catalog.h"
#include "chronotable.h"
#include "citus.h"
#include "chunk.h"
#include "lockwait.h"
#include "owner.h"
#include "rollup.h"
#include "spi_exec.h"
#include "timebucket.h"

/*
 * Refuse when views/rules or foreign keys of other tables depend on relid:
 * neither survives swapping the table, and DROP would name CASCADE as the
 * way out, which would silently drop user objects.
 */
void
chronotable_check_no_dependents(Oid relid, const char *action)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};
	char	   *relname = get_rel_name(relid);

	lakets_exec_args("SELECT DISTINCT r.ev_class::regclass::text"
					 " FROM pg_catalog.pg_depend d"
					 " JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid"
					 " WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass"
					 " AND d.refclassid = 'pg_catalog.pg_class'::regclass"
					 " AND d.refobjid = $1 AND r.ev_class <> $1 ORDER BY 1",
					 1, types, values, NULL, SPI_OK_SELECT);
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot %s table \"%s\" because other objects depend on it",
						action, relname),
				 errdetail("View %s depends on table \"%s\".",
						   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1),
						   relname),
				 errhint("Drop the dependent views first and create them again afterwards.")));

	lakets_exec_args("SELECT conname::text, conrelid::regclass::text"
					 " FROM pg_catalog.pg_constraint"
					 " WHERE contype = 'f' AND confrelid = $1 AND conrelid <> $1"
					 " AND conparentid = 0 ORDER BY 1",
					 1, types, values, NULL, SPI_OK_SELECT);
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot %s table \"%s\" because a foreign key references it",
						action, relname),
				 errdetail("Foreign key \"%s\" of table %s references table \"%s\".",
						   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1),
						   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2),
						   relname),
				 errhint("Drop the foreign key first and add it again afterwards.")));
}

/* Check that relid can become a ChronoTable on time_column; return its type. */
static Oid
check_convertible(Oid relid, const char *time_column, AttrNumber *attnum_out)
{
	Relation	rel = relation_open(relid, NoLock);
	const char *relname = RelationGetRelationName(rel);
	AttrNumber	attnum;
	Oid			typid;
	List	   *indexes;
	ListCell   *lc;

	if (rel->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("table \"%s\" is already partitioned", relname),
				 errdetail("lakets converts a regular table into a partitioned one."),
				 errhint("Create the table without PARTITION BY and convert it then.")));
	if (rel->rd_rel->relkind != RELKIND_RELATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", relname)));
	if (rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("temporary table \"%s\" cannot become a chronotable", relname)));
	if (rel->rd_rel->relpersistence == RELPERSISTENCE_UNLOGGED)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("unlogged table \"%s\" cannot become a chronotable", relname),
				 errdetail("A partitioned table cannot be unlogged, and converting would make "
						   "the data logged without telling."),
				 errhint("Make it logged first with ALTER TABLE ... SET LOGGED, if that is what you want.")));
	if (rel->rd_rel->relispartition || has_superclass(relid))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("table \"%s\" inherits from another table", relname),
				 errhint("Only a stand-alone table can become a chronotable.")));
	if (find_inheritance_children(relid, NoLock) != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("table \"%s\" has inheritance children", relname),
				 errhint("Detach the child tables (ALTER TABLE ... NO INHERIT) first.")));
	if (rel->rd_rel->relrowsecurity)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("table \"%s\" has row-level security enabled", relname),
				 errhint("Disable row-level security and drop its policies, convert the "
						 "table, then create them again.")));

	attnum = get_attnum(relid, time_column);
	if (attnum == InvalidAttrNumber || attnum < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						time_column, relname)));
	typid = get_atttype(relid, attnum);
	if (!lakets_is_time_type(typid))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of relation \"%s\" has type %s",
						time_column, relname, format_type_be(typid)),
				 errdetail("The time column of a chronotable must be of type "
						   "timestamp with time zone, timestamp without time zone or date.")));
	if (TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attgenerated)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("time column \"%s\" of relation \"%s\" is a generated column",
						time_column, relname)));

	/* Unique indexes of a partitioned table must include the partition key. */
	indexes = RelationGetIndexList(rel);
	foreach(lc, indexes)
	{
		Relation	irel = index_open(lfirst_oid(lc), AccessShareLock);
		Form_pg_index idx = irel->rd_index;
		bool		has_time = false;
		int			i;

		if (idx->indisexclusion)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("table \"%s\" has exclusion constraint \"%s\"",
							relname, RelationGetRelationName(irel)),
					 errdetail("Exclusion constraints are not supported on partitioned tables."),
					 errhint("Drop the exclusion constraint before converting the table.")));
		if (idx->indisunique)
		{
			for (i = 0; i < idx->indnkeyatts; i++)
				if (idx->indkey.values[i] == attnum)
					has_time = true;
			if (!has_time)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
						 errmsg("unique index \"%s\" of table \"%s\" does not include the time column \"%s\"",
								RelationGetRelationName(irel), relname, time_column),
						 errdetail("A unique constraint on a partitioned table must include "
								   "the partitioning column."),
						 errhint("Add \"%s\" to the primary key or unique constraint, or drop it.",
								 time_column)));
		}
		index_close(irel, AccessShareLock);
	}
	relation_close(rel, NoLock);

	chronotable_check_no_dependents(relid, "convert");
	*attnum_out = attnum;
	return typid;
}

/* Run a query that returns one text column; return the values. */
static List *
text_rows(const char *sql, Oid relid, const char *qtable)
{
	Oid			types[2] = {OIDOID, TEXTOID};
	Datum		values[2];
	List	   *result = NIL;
	uint64		i;

	values[0] = ObjectIdGetDatum(relid);
	values[1] = CStringGetTextDatum(qtable);
	lakets_exec_args(sql, 2, types, values, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
		result = lappend(result, SPI_getvalue(SPI_tuptable->vals[i],
											  SPI_tuptable->tupdesc, 1));
	return result;
}

/*
 * The statements that recreate, on the new table, what LIKE does not copy.
 * $1 is the old table's OID, $2 the (quoted, qualified) table name.
 */
static List *
saved_definitions(Oid relid, const char *qtable)
{
	List	   *stmts = NIL;

	/* primary and unique keys */
	stmts = list_concat(stmts, text_rows(
										 "SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s', $2, conname,"
										 " pg_catalog.pg_get_constraintdef(oid))"
										 " FROM pg_catalog.pg_constraint"
										 " WHERE conrelid = $1 AND contype IN ('p', 'u')"
										 " ORDER BY conname", relid, qtable));
	/* other indexes (pg_get_indexdef names the table schema-qualified) */
	stmts = list_concat(stmts, text_rows(
										 "SELECT pg_catalog.pg_get_indexdef(i.indexrelid)"
										 " FROM pg_catalog.pg_index i WHERE i.indrelid = $1"
										 " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c"
										 " WHERE c.conindid = i.indexrelid AND c.conrelid = $1)"
										 " ORDER BY i.indexrelid", relid, qtable));
	stmts = list_concat(stmts, text_rows(
										 "SELECT pg_catalog.pg_get_triggerdef(oid) FROM pg_catalog.pg_trigger"
										 " WHERE tgrelid = $1 AND NOT tgisinternal ORDER BY tgname",
										 relid, qtable));
	stmts = list_concat(stmts, text_rows(
										 "SELECT format('COMMENT ON TABLE %s IS %L', $2, description)"
										 " FROM pg_catalog.pg_description WHERE objoid = $1"
										 " AND classoid = 'pg_catalog.pg_class'::regclass AND objsubid = 0",
										 relid, qtable));
	/* table and column privileges granted to others than the owner */
	stmts = list_concat(stmts, text_rows(
										 "SELECT format('GRANT %s ON TABLE %s TO %s%s', a.privilege_type, $2,"
										 " CASE WHEN a.grantee = 0 THEN 'PUBLIC'"
										 " ELSE quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END,"
										 " CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)"
										 " FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a"
										 " WHERE c.oid = $1 AND a.grantee <> c.relowner", relid, qtable));
	stmts = list_concat(stmts, text_rows(
										 "SELECT format('GRANT %s (%I) ON TABLE %s TO %s%s', a.privilege_type,"
										 " att.attname, $2,"
										 " CASE WHEN a.grantee = 0 THEN 'PUBLIC'"
										 " ELSE quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END,"
										 " CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)"
										 " FROM pg_catalog.pg_attribute att, pg_catalog.aclexplode(att.attacl) a"
										 " WHERE att.attrelid = $1 AND att.attnum > 0 AND NOT att.attisdropped",
										 relid, qtable));
	/* policies (kept even while row-level security is off) */
	stmts = list_concat(stmts, text_rows(
										 "SELECT format('CREATE POLICY %I ON %s AS %s FOR %s TO %s%s%s', p.polname, $2,"
										 " CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,"
										 " CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT'"
										 " WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,"
										 " (SELECT string_agg(CASE WHEN r = 0 THEN 'PUBLIC'"
										 " ELSE quote_ident(pg_catalog.pg_get_userbyid(r)) END, ', ')"
										 " FROM unnest(p.polroles) AS r),"
										 " ' USING (' || pg_catalog.pg_get_expr(p.polqual, p.polrelid) || ')',"
										 " ' WITH CHECK (' || pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) || ')')"
										 " FROM pg_catalog.pg_policy p WHERE p.polrelid = $1 ORDER BY p.polname",
										 relid, qtable));
	/* statistics targets (they recurse to the chunks; new chunks copy them) */
	stmts = list_concat(stmts, text_rows(
										 "SELECT format('ALTER TABLE %s ALTER COLUMN %I SET STATISTICS %s', $2,"
										 " attname, attstattarget) FROM pg_catalog.pg_attribute"
										 " WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped"
										 " AND attstattarget >= 0", relid, qtable));
	/* replica identity, after the index it may name */
	stmts = list_concat(stmts, text_rows(
										 "SELECT format('ALTER TABLE %s REPLICA IDENTITY %s', $2,"
										 " CASE c.relreplident WHEN 'f' THEN 'FULL' WHEN 'n' THEN 'NOTHING'"
										 " ELSE 'USING INDEX ' || quote_ident(i.relname) END)"
										 " FROM pg_catalog.pg_class c"
										 " LEFT JOIN pg_catalog.pg_index x ON x.indrelid = c.oid AND x.indisreplident"
										 " LEFT JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid"
										 " WHERE c.oid = $1 AND (c.relreplident IN ('f', 'n')"
										 " OR (c.relreplident = 'i' AND i.oid IS NOT NULL))", relid, qtable));
	return stmts;
}

/*
 * Foreign keys: re-created as the caller, who may hold the REFERENCES
 * privilege the owner lacks (PostgreSQL checks the rows as the referenced
 * table's owner, so no code of the caller's choosing runs).
 */
static List *
saved_foreign_keys(Oid relid, const char *qtable)
{
	return text_rows("SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s', $2, conname,"
					 " pg_catalog.pg_get_constraintdef(oid))"
					 " FROM pg_catalog.pg_constraint"
					 " WHERE conrelid = $1 AND contype = 'f' ORDER BY conname", relid, qtable);
}

/*
 * Publication membership: run as the caller, who must be allowed to change
 * the publications (their owner), or the conversion fails and changes
 * nothing. Publications FOR ALL TABLES or TABLES IN SCHEMA need nothing.
 */
static List *
saved_publications(Oid relid, const char *qtable)
{
	return text_rows("SELECT format('ALTER PUBLICATION %I ADD TABLE %s%s%s', p.pubname, $2,"
					 " ' (' || (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)"
					 " FROM pg_catalog.pg_attribute a WHERE a.attrelid = pr.prrelid"
					 " AND a.attnum = ANY (pr.prattrs::pg_catalog.int2[])) || ')',"
					 " ' WHERE (' || pg_catalog.pg_get_expr(pr.prqual, pr.prrelid) || ')')"
					 " FROM pg_catalog.pg_publication_rel pr"
					 " JOIN pg_catalog.pg_publication p ON p.oid = pr.prpubid"
					 " WHERE pr.prrelid = $1 ORDER BY p.pubname", relid, qtable);
}

/* The storage parameters of the table and its TOAST table, for chunks. */
static char *
saved_chunk_options(Oid relid)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};
	bool		isnull;
	Datum		d;

	d = lakets_exec_scalar("SELECT (coalesce(c.reloptions, '{}')"
						   " || coalesce((SELECT array_agg('toast.' || o) FROM unnest(t.reloptions) AS o),"
						   " '{}'))::text"
						   " FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_class t"
						   " ON t.oid = c.reltoastrelid WHERE c.oid = $1",
						   1, types, values, NULL, &isnull);
	if (isnull || strcmp(TextDatumGetCString(d), "{}") == 0)
		return NULL;
	return TextDatumGetCString(d);
}

/*
 * Statements that move sequences from the old table (now named qold) to the
 * new one: serial sequences change owner, identity sequences of the new
 * table continue where the old ones stopped.
 */
static List *
sequence_moves(Oid old_relid, const char *qold, const char *qtable)
{
	Oid			types[3] = {OIDOID, TEXTOID, TEXTOID};
	Datum		values[3];
	List	   *result = NIL;
	uint64		i;

	values[0] = ObjectIdGetDatum(old_relid);
	values[1] = CStringGetTextDatum(qold);
	values[2] = CStringGetTextDatum(qtable);
	lakets_exec_args("SELECT CASE WHEN a.attidentity <> '' THEN"
					 " format('SELECT pg_catalog.setval(%L, s.last_value, s.is_called) FROM %s s',"
					 " pg_catalog.pg_get_serial_sequence($3, a.attname),"
					 " pg_catalog.pg_get_serial_sequence($2, a.attname))"
					 " ELSE format('ALTER SEQUENCE %s OWNED BY %s.%I', d.objid::regclass, $3, a.attname)"
					 " END"
					 " FROM pg_catalog.pg_depend d"
					 " JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid"
					 " JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'"
					 " WHERE d.classid = 'pg_catalog.pg_class'::regclass"
					 " AND d.refclassid = 'pg_catalog.pg_class'::regclass"
					 " AND d.refobjid = $1 AND d.deptype IN ('a', 'i')",
					 3, types, values, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
		result = lappend(result, SPI_getvalue(SPI_tuptable->vals[i],
											  SPI_tuptable->tupdesc, 1));
	return result;
}

static int
cmp_int64(const ListCell *a, const ListCell *b)
{
	int64		x = *(int64 *) lfirst(a);
	int64		y = *(int64 *) lfirst(b);

	return (x > y) - (x < y);
}

static List *
append_start(List *starts, int64 start)
{
	int64	   *p = palloc(sizeof(int64));

	*p = start;
	return lappend(starts, p);
}

/* Chunk starts of the window: past_count before the current chunk, future_count after. */
List *
chronotable_window_starts(const ChronoTable *ct, int past_count, int future_count)
{
	int64		current = lakets_bucket_start(GetCurrentTransactionStartTimestamp(),
											  &ct->chunk_interval);
	List	   *starts = NIL;
	int			i;

	for (i = -past_count; i <= future_count; i++)
		starts = append_start(starts, lakets_bucket_add(current, &ct->chunk_interval, i));
	return starts;
}

/* Sorted, distinct chunk starts holding the existing rows and the window. */
static List *
initial_chunk_starts(const ChronoTable *ct, const char *qtable)
{
	Oid			types[1] = {INTERVALOID};
	Datum		values[1] = {IntervalPGetDatum(&ct->chunk_interval)};
	const char *qcol = quote_identifier(ct->time_column);
	List	   *starts = chronotable_window_starts(ct, ct->past_count, ct->future_count);
	List	   *result = NIL;
	ListCell   *lc;
	uint64		i;

	lakets_exec_args(psprintf("SELECT DISTINCT lakets._chunk_start(%s, $1) FROM ONLY %s"
							  " WHERE %s IS NOT NULL", qcol, qtable, qcol),
					 1, types, values, NULL, SPI_OK_SELECT);
	if (SPI_processed > LAKETS_MAX_CHUNKS_PER_CALL)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("converting table %s would create " UINT64_FORMAT " chunks",
						qtable, SPI_processed),
				 errdetail("lakets creates at most %d chunks in one call.",
						   LAKETS_MAX_CHUNKS_PER_CALL),
				 errhint("Use a larger chunk interval.")));
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		starts = append_start(starts,
							  DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[i],
																SPI_tuptable->tupdesc, 1, &isnull)));
	}
	list_sort(starts, cmp_int64);
	foreach(lc, starts)
	{
		if (result == NIL || *(int64 *) llast(result) != *(int64 *) lfirst(lc))
			result = lappend(result, lfirst(lc));
	}
	return result;
}

static bool
has_identity_always(Oid relid)
{
	Relation	rel = relation_open(relid, NoLock);
	TupleDesc	desc = RelationGetDescr(rel);
	bool		result = false;
	int			i;

	for (i = 0; i < desc->natts; i++)
		if (TupleDescAttr(desc, i)->attidentity == ATTRIBUTE_IDENTITY_ALWAYS)
			result = true;
	relation_close(rel, NoLock);
	return result;
}

static void
exec_all(List *stmts)
{
	ListCell   *lc;

	foreach(lc, stmts)
		lakets_exec((char *) lfirst(lc), 0);
}

/*
 * The conversion itself (see the file header), run as the table's owner;
 * returns the chronotable id.
 */
static int32
convert_table(Oid relid, const char *schema_name, const char *table_name,
			  const char *time_column, Oid time_type, const Interval *iv,
			  const char *distribute_by)
{
	bool		distributed = lakets_citus_table_kind(relid) == CITUS_TABLE_DISTRIBUTED;
	char	   *qtable = quote_qualified_identifier(schema_name, table_name);
	char	   *oldname = psprintf("lakets_convert_%u", relid);
	char	   *qold = quote_qualified_identifier(schema_name, oldname);
	List	   *restore = saved_definitions(relid, qtable);
	char	   *chunk_options = saved_chunk_options(relid);
	List	   *seqmoves;
	List	   *starts;
	ChronoTable *ct;
	Oid			newrelid;
	int32		id;
	char	   *cols;
	ListCell   *lc;

	lakets_execf(SPI_OK_UTILITY, "ALTER TABLE %s RENAME TO %s", qtable,
				 quote_identifier(oldname));
	lakets_execf(SPI_OK_UTILITY,
				 "CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
				 " INCLUDING GENERATED INCLUDING IDENTITY INCLUDING STORAGE"
				 " INCLUDING COMMENTS INCLUDING COMPRESSION INCLUDING STATISTICS)"
				 " PARTITION BY RANGE (%s)",
				 qtable, qold, quote_identifier(time_column));
	newrelid = lakets_resolve_table(schema_name, table_name);
	/*
	 * Citus: distributed while empty, co-located with the table it replaces
	 * (or as Citus places a new table); the chunks made below are then
	 * distributed as they are attached, and the rows go from shard to
	 * shard on the workers.
	 */
	if (distribute_by != NULL)
		lakets_execf(SPI_OK_SELECT,
					 "SELECT pg_catalog.create_distributed_table(%s, %s, colocate_with => %s)",
					 quote_literal_cstr(qtable), quote_literal_cstr(distribute_by),
					 quote_literal_cstr(distributed ? qold : "default"));

	id = catalog_insert_chronotable(newrelid, time_column, time_type, iv, chunk_options);
	ct = catalog_get_chronotable_by_id(id, false);
	starts = initial_chunk_starts(ct, qold);

	chunk_create_default(ct, newrelid);
	foreach(lc, starts)
	{
		int64		start = *(int64 *) lfirst(lc);

		chunk_create(ct, newrelid, start,
					 lakets_bucket_add(start, &ct->chunk_interval, 1), false);
	}

	cols = chunk_column_list(newrelid);
	lakets_execf(SPI_OK_INSERT, "INSERT INTO %s (%s)%s SELECT %s FROM ONLY %s",
				 qtable, cols,
				 has_identity_always(newrelid) ? " OVERRIDING SYSTEM VALUE" : "",
				 cols, qold);

	seqmoves = sequence_moves(relid, qold, qtable);
	exec_all(seqmoves);
	lakets_drop_own("TABLE", qold);
	exec_all(restore);
	/* the chunks made before the indexes and settings came back */
	foreach(lc, find_inheritance_children(newrelid, NoLock))
		chunk_copy_table_settings(newrelid, lfirst_oid(lc));
	return id;
}

/*
 * SQL: lakets.create_chronotable(p_table_name, p_time_column,
 *		p_chunk_interval, p_schema_name, p_if_not_exists) -> chronotable id
 */
PG_FUNCTION_INFO_V1(lakets_create_chronotable);
Datum
lakets_create_chronotable(PG_FUNCTION_ARGS)
{
	char	   *table_name = lakets_text_arg(fcinfo, 0, "p_table_name");
	char	   *time_column = lakets_text_arg(fcinfo, 1, "p_time_column");
	Interval   *iv = lakets_interval_arg(fcinfo, 2, "p_chunk_interval");
	char	   *schema_name = lakets_text_arg(fcinfo, 3, "p_schema_name");
	bool		if_not_exists;
	char	   *distribute_by = NULL;
	ChronoTable *existing;
	Oid			relid;
	Oid			time_type;
	AttrNumber	attnum;
	int32		id;

	lakets_require_arg(fcinfo, 4, "p_if_not_exists");
	if_not_exists = PG_GETARG_BOOL(4);
	/* (lakets.create_hypertable() has no p_distribute_by) */
	if (PG_NARGS() > 5 && !PG_ARGISNULL(5))
		distribute_by = lakets_text_arg(fcinfo, 5, "p_distribute_by");

	SPI_connect();
	relid = lakets_resolve_table(schema_name, table_name);
	existing = catalog_get_chronotable(relid, true);
	if (existing != NULL)
	{
		if (!if_not_exists)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("table \"%s.%s\" is already a chronotable",
							schema_name, table_name),
					 errhint("Pass p_if_not_exists => true to accept an existing chronotable.")));
		ereport(NOTICE,
				(errmsg("table \"%s.%s\" is already a chronotable, skipping",
						schema_name, table_name)));
		id = existing->id;
	}
	else
	{
		OwnerSwitch sw;
		List	   *as_caller;

		lakets_check_owner(relid);
		lakets_lock_relation(relid, AccessExclusiveLock);
		distribute_by = lakets_citus_check_convertible(relid, distribute_by);
		time_type = check_convertible(relid, time_column, &attnum);
		lakets_validate_interval(iv, time_type, "chunk interval");
		as_caller = list_concat(saved_foreign_keys(relid, quote_qualified_identifier(schema_name,
																					  table_name)),
								saved_publications(relid, quote_qualified_identifier(schema_name,
																					 table_name)));
		lakets_become_owner(relid, &sw);
		id = convert_table(relid, schema_name, table_name, time_column, time_type, iv,
						   distribute_by);
		lakets_end_owner(&sw);
		exec_all(as_caller);
	}
	SPI_finish();
	PG_RETURN_INT32(id);
}

/* The ChronoTable named by (table, schema) arguments, checked for ownership. */
static ChronoTable *
owned_chronotable(FunctionCallInfo fcinfo, int table_arg, int schema_arg, Oid *relid)
{
	char	   *table_name = lakets_text_arg(fcinfo, table_arg, "p_table_name");
	char	   *schema_name = lakets_text_arg(fcinfo, schema_arg, "p_schema_name");
	ChronoTable *ct = catalog_get_chronotable(lakets_resolve_table(schema_name, table_name),
											  false);

	*relid = chunk_parent_relid(ct, false);
	lakets_check_owner(*relid);
	return ct;
}

/* SQL: lakets.drop_chronotable(p_table_name, p_schema_name) */
PG_FUNCTION_INFO_V1(lakets_drop_chronotable);
Datum
lakets_drop_chronotable(PG_FUNCTION_ARGS)
{
	ChronoTable *ct;
	Oid			relid;
	OwnerSwitch sw;

	SPI_connect();
	ct = owned_chronotable(fcinfo, 0, 1, &relid);
	lakets_lock_relation(relid, AccessExclusiveLock);
	rollup_drop_for_source(relid);
	chronotable_check_no_dependents(relid, "drop");
	/* the registry first: the sql_drop event trigger then has nothing to do */
	catalog_delete_retention(relid);
	catalog_delete_chronotable(ct->id);
	lakets_become_owner(relid, &sw);
	lakets_drop_own("TABLE", catalog_relation_name(relid));
	lakets_end_owner(&sw);
	SPI_finish();
	PG_RETURN_VOID();
}

/* SQL: lakets.set_chunk_interval(p_table_name, p_chunk_interval, p_schema_name) */
PG_FUNCTION_INFO_V1(lakets_set_chunk_interval);
Datum
lakets_set_chunk_interval(PG_FUNCTION_ARGS)
{
	Interval   *iv = lakets_interval_arg(fcinfo, 1, "p_chunk_interval");
	ChronoTable *ct;
	Oid			relid;

	SPI_connect();
	ct = owned_chronotable(fcinfo, 0, 2, &relid);
	lakets_validate_interval(iv, ct->time_type, "chunk interval");
	catalog_set_chunk_interval(ct->id, iv);
	SPI_finish();
	PG_RETURN_VOID();
}

/* SQL: lakets.set_chunk_window(p_table_name, p_past_count, p_future_count, p_schema_name) */
PG_FUNCTION_INFO_V1(lakets_set_chunk_window);
Datum
lakets_set_chunk_window(PG_FUNCTION_ARGS)
{
	int32		past_count;
	int32		future_count;
	ChronoTable *ct;
	Oid			relid;

	lakets_require_arg(fcinfo, 1, "p_past_count");
	lakets_require_arg(fcinfo, 2, "p_future_count");
	past_count = PG_GETARG_INT32(1);
	future_count = PG_GETARG_INT32(2);
	lakets_check_window(past_count, future_count);
	SPI_connect();
	ct = owned_chronotable(fcinfo, 0, 3, &relid);
	catalog_set_window(ct->id, past_count, future_count);
	SPI_finish();
	PG_RETURN_VOID();
}

/* SQL: lakets._chronotable_id(p_table_name, p_schema_name), erroring when it is none. */
PG_FUNCTION_INFO_V1(lakets_chronotable_id);
Datum
lakets_chronotable_id(PG_FUNCTION_ARGS)
{
	char	   *table_name = lakets_text_arg(fcinfo, 0, "p_table_name");
	char	   *schema_name = lakets_text_arg(fcinfo, 1, "p_schema_name");
	int32		id;

	SPI_connect();
	id = catalog_get_chronotable(lakets_resolve_table(schema_name, table_name), false)->id;
	SPI_finish();
	PG_RETURN_INT32(id);
}

/* A window of past_count + 1 + future_count chunks, within the limit. */
void
lakets_check_window(int32 past_count, int32 future_count)
{
	if (past_count < 0 || future_count < 0 ||
		(int64) past_count + future_count + 1 > LAKETS_MAX_CHUNKS_PER_CALL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("chunk window of %d past and %d future chunks is out of range",
						past_count, future_count),
				 errdetail("The window holds the past chunks, the current one and the future ones."),
				 errhint("Use counts of 0 or more, %d in all at most.", LAKETS_MAX_CHUNKS_PER_CALL - 1)));
}
