/*
 * catalog.c
 *	  The registry tables; nothing else touches them.
 *
 * Reads run as the caller (the tables are readable by everyone). Writes run
 * as the owner of the registry (the extension's owner) so that a user who
 * owns a table can make it a ChronoTable without write access to the
 * registry itself; every caller of a write has checked, before, that the
 * current user owns the table concerned. A write is a security-restricted
 * operation with search_path pinned (spi_exec.c), so nothing the caller
 * planted can run with the registry owner's rights. Transaction and
 * subtransaction abort restore the user id if a write fails.
 *
 * Relations are registered by OID (regclass); the names in the structs
 * returned are the current ones, looked up as rows are read.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/inval.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "spi_exec.h"
#include "tail.h"

#define CHRONOTABLE_COLUMNS \
	"id, relid, time_column, time_type, chunk_interval, past_count, future_count, " \
	"(SELECT string_agg(format('%s = %L', split_part(o, '=', 1)," \
	" substr(o, strpos(o, '=') + 1)), ', ') FROM unnest(chunk_options) AS o), " \
	"expired_before, covered_from, covered_until"

Oid
catalog_time_type_oid(const char *name)
{
	if (strcmp(name, "timestamp with time zone") == 0)
		return TIMESTAMPTZOID;
	if (strcmp(name, "timestamp without time zone") == 0)
		return TIMESTAMPOID;
	if (strcmp(name, "date") == 0)
		return DATEOID;
	elog(ERROR, "unexpected time type \"%s\" in lakets registry", name);
	return InvalidOid;			/* keep compiler quiet */
}

/* The current schema and name of a relation; both NULL when it is gone. */
static void
current_names(Oid relid, char **schema_name, char **table_name)
{
	*table_name = OidIsValid(relid) ? get_rel_name(relid) : NULL;
	*schema_name = *table_name ? get_namespace_name(get_rel_namespace(relid)) : NULL;
}

/* For messages: the relation's qualified name, or its OID once it is gone. */
char *
catalog_relation_name(Oid relid)
{
	char	   *schema_name;
	char	   *table_name;

	current_names(relid, &schema_name, &table_name);
	if (table_name == NULL)
		return psprintf("(dropped relation %u)", relid);
	return quote_qualified_identifier(schema_name, table_name);
}

static Oid
oid_column(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? InvalidOid : DatumGetObjectId(d);
}

static int64 optional_time(HeapTuple tup, TupleDesc desc, int col, bool *present);

static ChronoTable *
chronotable_from_tuple(HeapTuple tup, TupleDesc desc)
{
	ChronoTable *ct = palloc0(sizeof(ChronoTable));
	bool		isnull;
	bool		has_from;
	bool		has_until;

	ct->id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
	ct->relid = oid_column(tup, desc, 2);
	current_names(ct->relid, &ct->schema_name, &ct->table_name);
	ct->time_column = SPI_getvalue(tup, desc, 3);
	ct->time_type = catalog_time_type_oid(SPI_getvalue(tup, desc, 4));
	ct->chunk_interval = *DatumGetIntervalP(SPI_getbinval(tup, desc, 5, &isnull));
	ct->past_count = DatumGetInt32(SPI_getbinval(tup, desc, 6, &isnull));
	ct->future_count = DatumGetInt32(SPI_getbinval(tup, desc, 7, &isnull));
	/* as a WITH list: "fillfactor = '70', toast.autovacuum_enabled = 'off'" */
	ct->chunk_options = SPI_getvalue(tup, desc, 8);
	ct->expired_before = optional_time(tup, desc, 9, &ct->has_expired_before);
	ct->covered_from = optional_time(tup, desc, 10, &has_from);
	ct->covered_until = optional_time(tup, desc, 11, &has_until);
	ct->has_covered = has_from && has_until && ct->covered_from < ct->covered_until;
	return ct;
}

ChronoTable *
catalog_get_chronotable(Oid relid, bool missing_ok)
{
	Oid			types[1] = {REGCLASSOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};

	lakets_exec_kept("SELECT " CHRONOTABLE_COLUMNS
					 " FROM lakets._chronotable_registry WHERE relid = $1",
					 1, types, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
	{
		if (missing_ok)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("table %s is not a chronotable", catalog_relation_name(relid)),
				 errhint("Convert it with lakets.create_chronotable() first.")));
	}
	return chronotable_from_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc);
}

ChronoTable *
catalog_get_chronotable_by_id(int32 id, bool missing_ok)
{
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(id)};

	lakets_exec_kept("SELECT " CHRONOTABLE_COLUMNS
					 " FROM lakets._chronotable_registry WHERE id = $1",
					 1, types, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
	{
		if (missing_ok)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("chronotable with id %d does not exist", id),
				 errhint("lakets._chronotable_id() gives the id of a chronotable.")));
	}
	return chronotable_from_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc);
}

List *
catalog_list_chronotables(void)
{
	List	   *result = NIL;
	uint64		i;

	lakets_exec("SELECT " CHRONOTABLE_COLUMNS
				" FROM lakets._chronotable_registry ORDER BY id", SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
		result = lappend(result, chronotable_from_tuple(SPI_tuptable->vals[i],
														SPI_tuptable->tupdesc));
	return result;
}

/*
 * The windows of all ChronoTables, by id, with their default partitions, in
 * one kept statement: what ensure_partitions() reads of each table in its
 * steady state (no names, no storage options). One hash join finds the
 * default partitions of all tables for less than a catalog cache lookup
 * each costs in a new connection. Sets *count.
 */
ChronoWindow *
catalog_list_windows(int *count)
{
	ChronoWindow *result;
	uint64		i;

	lakets_exec_kept("SELECT r.id, r.relid, r.chunk_interval, r.past_count, r.future_count,"
					 " r.covered_from, r.covered_until, p.partdefid"
					 " FROM lakets._chronotable_registry r"
					 " LEFT JOIN pg_catalog.pg_partitioned_table p ON p.partrelid = r.relid"
					 " ORDER BY r.id",
					 0, NULL, NULL, NULL, SPI_OK_SELECT);
	result = palloc0(sizeof(ChronoWindow) * Max(SPI_processed, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		ChronoWindow *w = &result[i];
		bool		isnull;
		bool		has_until;

		w->id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		w->relid = oid_column(tup, desc, 2);
		w->chunk_interval = *DatumGetIntervalP(SPI_getbinval(tup, desc, 3, &isnull));
		w->past_count = DatumGetInt32(SPI_getbinval(tup, desc, 4, &isnull));
		w->future_count = DatumGetInt32(SPI_getbinval(tup, desc, 5, &isnull));
		w->covered_from = optional_time(tup, desc, 6, &w->has_covered);
		w->covered_until = optional_time(tup, desc, 7, &has_until);
		w->has_covered = w->has_covered && has_until && w->covered_from < w->covered_until;
		w->default_relid = oid_column(tup, desc, 8);
		(void) SPI_getbinval(tup, desc, 8, &isnull);
		w->partitioned = !isnull;
	}
	*count = (int) SPI_processed;
	return result;
}

/*
 * Run a registry write as the registry's owner (see the file header).
 */
static Oid
registry_owner(void)
{
	Oid			nsp = get_namespace_oid("lakets", false);
	Oid			relid = get_relname_relid("_chronotable_registry", nsp);
	HeapTuple	tup;
	Oid			owner;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "lakets registry table is missing");
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

static uint64
registry_write(const char *sql, int nargs, Oid *types, Datum *values,
			   const char *nulls, int expected)
{
	Oid			save_userid;
	int			save_sec;
	uint64		n;

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(registry_owner(),
						   save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	/* fixed statements: their plans are kept (spi_exec.c) */
	n = lakets_exec_kept(sql, nargs, types, values, nulls, expected);
	SetUserIdAndSecContext(save_userid, save_sec);
	return n;
}

/* The same for the registry tables of other modules (lvc.c). */
uint64
catalog_registry_write(const char *sql, int nargs, Oid *types, Datum *values,
					   const char *nulls, int expected)
{
	return registry_write(sql, nargs, types, values, nulls, expected);
}

/* A write whose only argument is one id or OID. */
static uint64
registry_write1(const char *sql, Oid type, Datum value, int expected)
{
	Oid			types[1] = {type};
	Datum		values[1] = {value};

	return registry_write(sql, 1, types, values, NULL, expected);
}

int32
catalog_insert_chronotable(Oid relid, const char *time_column, Oid time_type,
						   const Interval *iv, const char *chunk_options)
{
	Oid			types[5] = {REGCLASSOID, NAMEOID, TEXTOID, INTERVALOID, TEXTOID};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', chunk_options ? ' ' : 'n'};
	bool		isnull;

	values[0] = ObjectIdGetDatum(relid);
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(time_column));
	values[2] = CStringGetTextDatum(format_type_be(time_type));
	values[3] = IntervalPGetDatum(iv);
	values[4] = chunk_options ? CStringGetTextDatum(chunk_options) : (Datum) 0;
	registry_write("INSERT INTO lakets._chronotable_registry"
				   " (relid, time_column, time_type, chunk_interval, chunk_options)"
				   " VALUES ($1, $2, $3, $4, $5::text[]) RETURNING id",
				   5, types, values, nulls, SPI_OK_INSERT_RETURNING);
	return DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
									   SPI_tuptable->tupdesc, 1, &isnull));
}

void
catalog_delete_chronotable(int32 id)
{
	registry_write1("DELETE FROM lakets._chronotable_registry WHERE id = $1",
					INT4OID, Int32GetDatum(id), SPI_OK_DELETE);
}

void
catalog_set_chunk_interval(int32 id, const Interval *iv)
{
	Oid			types[2] = {INT4OID, INTERVALOID};
	Datum		values[2] = {Int32GetDatum(id), IntervalPGetDatum(iv)};

	registry_write("UPDATE lakets._chronotable_registry SET chunk_interval = $2"
				   " WHERE id = $1", 2, types, values, NULL, SPI_OK_UPDATE);
}

/*
 * column := greatest(column, t) in the row id of a registry table (an
 * instant that only moves forward); table and column are constants of ours.
 */
static void
advance_instant(const char *table, const char *column, int32 id, int64 t)
{
	Oid			types[2] = {INT4OID, TIMESTAMPTZOID};
	Datum		values[2] = {Int32GetDatum(id), TimestampTzGetDatum(t)};

	registry_write(psprintf("UPDATE lakets.%s SET %s = greatest(%s, $2) WHERE id = $1",
							table, column, column),
				   2, types, values, NULL, SPI_OK_UPDATE);
}

/* Retention deleted the default partition's rows before this instant. */
void
catalog_set_expired_before(int32 id, int64 expired_before)
{
	advance_instant("_chronotable_registry", "expired_before", id, expired_before);
}

/*
 * Record that the chunks of [from, until) all exist or are tombstones. A
 * hint (ensure.c): the row is skipped if another transaction has it locked,
 * as a caller must not queue behind, say, a retention run.
 */
void
catalog_set_covered(int32 id, int64 from, int64 until)
{
	Oid			types[3] = {INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[3] = {Int32GetDatum(id), TimestampTzGetDatum(from),
	TimestampTzGetDatum(until)};

	registry_write("UPDATE lakets._chronotable_registry r"
				   " SET covered_from = $2, covered_until = $3"
				   " FROM (SELECT id FROM lakets._chronotable_registry WHERE id = $1"
				   " FOR NO KEY UPDATE SKIP LOCKED) l WHERE r.id = l.id",
				   3, types, values, NULL, SPI_OK_UPDATE);
}

void
catalog_set_window(int32 id, int32 past_count, int32 future_count)
{
	Oid			types[3] = {INT4OID, INT4OID, INT4OID};
	Datum		values[3] = {Int32GetDatum(id), Int32GetDatum(past_count),
	Int32GetDatum(future_count)};

	registry_write("UPDATE lakets._chronotable_registry"
				   " SET past_count = $2, future_count = $3 WHERE id = $1",
				   3, types, values, NULL, SPI_OK_UPDATE);
}

/*
 * Chunks whose range overlaps [from, to), by start; tombstones too when
 * with_dropped (retention, which runs often, needs only the live ones).
 */
List *
catalog_list_chunks_ext(int32 chronotable_id, int64 from, int64 to, bool with_dropped)
{
	Oid			types[4] = {INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID, BOOLOID};
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	List	   *result = NIL;
	uint64		i;

	values[3] = BoolGetDatum(with_dropped);
	values[0] = Int32GetDatum(chronotable_id);
	values[1] = TimestampTzGetDatum(from);
	values[2] = TimestampTzGetDatum(to);
	if (from == PG_INT64_MIN)
		nulls[1] = 'n';
	if (to == PG_INT64_MAX)
		nulls[2] = 'n';
	lakets_exec_kept("SELECT id, chunk_relid, chunk_name, range_start, range_end, status"
					 " FROM lakets._chunk_metadata WHERE chronotable_id = $1"
					 " AND ($2 IS NULL OR range_end > $2)"
					 " AND ($3 IS NULL OR range_start < $3)"
					 " AND ($4 OR status = 'active')"
					 " ORDER BY range_start",
					 4, types, values, nulls, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		ChunkMeta  *c = palloc0(sizeof(ChunkMeta));
		bool		isnull;

		c->id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		c->relid = oid_column(tup, desc, 2);
		c->chunk_name = SPI_getvalue(tup, desc, 3);
		c->start = DatumGetTimestampTz(SPI_getbinval(tup, desc, 4, &isnull));
		c->end = DatumGetTimestampTz(SPI_getbinval(tup, desc, 5, &isnull));
		c->status = SPI_getvalue(tup, desc, 6);
		c->dropped = strcmp(c->status, "active") != 0;
		result = lappend(result, c);
	}
	return result;
}

List *
catalog_list_chunks(int32 chronotable_id, int64 from, int64 to)
{
	return catalog_list_chunks_ext(chronotable_id, from, to, true);
}

void
catalog_insert_chunk(int32 chronotable_id, Oid chunk_relid, const char *chunk_name,
					 int64 start, int64 end)
{
	Oid			types[5] = {INT4OID, REGCLASSOID, NAMEOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[5];

	values[0] = Int32GetDatum(chronotable_id);
	values[1] = ObjectIdGetDatum(chunk_relid);
	values[2] = DirectFunctionCall1(namein, CStringGetDatum(chunk_name));
	values[3] = TimestampTzGetDatum(start);
	values[4] = TimestampTzGetDatum(end);
	registry_write("INSERT INTO lakets._chunk_metadata"
				   " (chronotable_id, chunk_relid, chunk_name, range_start, range_end)"
				   " VALUES ($1, $2, $3, $4, $5)",
				   5, types, values, NULL, SPI_OK_INSERT);
}

/* The chunk is a tombstone from now on: status dropped or detached. */
void
catalog_mark_chunk_gone(int64 chunk_id, const char *status)
{
	Oid			types[2] = {INT8OID, TEXTOID};
	Datum		values[2] = {Int64GetDatum(chunk_id), CStringGetTextDatum(status)};

	registry_write("UPDATE lakets._chunk_metadata"
				   " SET status = $2, chunk_relid = NULL, dropped_at = now() WHERE id = $1",
				   2, types, values, NULL, SPI_OK_UPDATE);
}

/*
 * Record what happened to chunks behind lakets' back: a live chunk that is
 * no longer a partition of its ChronoTable was detached (it still exists)
 * or dropped. Either way it is a tombstone now, and lakets never touches
 * that relation again. For one ChronoTable, or all of them (id 0) in one
 * statement, which the all-tables calls run once. Safe for anyone: it only
 * records what is true.
 */
void
catalog_reconcile_chunks(int32 chronotable_id)
{
	/* one table: its own statement, whose plan reads that table's chunks only */
	if (chronotable_id != 0)
	{
		registry_write1("UPDATE lakets._chunk_metadata m SET status = CASE WHEN EXISTS"
						" (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = m.chunk_relid)"
						" THEN 'detached' ELSE 'dropped' END,"
						" chunk_relid = NULL, dropped_at = now()"
						" FROM lakets._chronotable_registry r"
						" WHERE r.id = $1 AND m.chronotable_id = $1 AND m.status = 'active'"
						" AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i"
						" WHERE i.inhrelid = m.chunk_relid AND i.inhparent = r.relid)",
						INT4OID, Int32GetDatum(chronotable_id), SPI_OK_UPDATE);
		return;
	}
	registry_write1("UPDATE lakets._chunk_metadata m SET status = CASE WHEN EXISTS"
					" (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = m.chunk_relid)"
					" THEN 'detached' ELSE 'dropped' END,"
					" chunk_relid = NULL, dropped_at = now()"
					" FROM lakets._chronotable_registry r"
					" WHERE r.id = m.chronotable_id AND ($1 = 0 OR r.id = $1)"
					" AND m.status = 'active'"
					" AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i"
					" WHERE i.inhrelid = m.chunk_relid AND i.inhparent = r.relid)",
					INT4OID, Int32GetDatum(chronotable_id), SPI_OK_UPDATE);
}

/*
 * In a sql_drop event trigger: whether a relation just dropped is one the
 * registry points at (the cheap test before catalog_forget_missing()). It
 * runs for every DROP in the database: its plan is kept (spi_exec.c).
 */
bool
catalog_tracks_dropped(void)
{
	bool		isnull;

	lakets_exec_kept("SELECT EXISTS (SELECT 1"
					 " FROM pg_catalog.pg_event_trigger_dropped_objects() d"
					 " WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass"
					 " AND d.objsubid = 0 AND ("
					 " EXISTS (SELECT 1 FROM lakets._chronotable_registry r WHERE r.relid = d.objid)"
					 " OR EXISTS (SELECT 1 FROM lakets._chunk_metadata m WHERE m.chunk_relid = d.objid)"
					 " OR EXISTS (SELECT 1 FROM lakets._rollup_registry r WHERE r.source_relid = d.objid"
					 " OR r.rollup_relid = d.objid OR r.view_relid = d.objid)"
					 " OR EXISTS (SELECT 1 FROM lakets._retention_policy p WHERE p.relid = d.objid)))",
					 0, NULL, NULL, NULL, SPI_OK_SELECT);
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * Forget every registry row of a relation that no longer exists (see the
 * sql_drop event trigger in maintenance.sql); returns how many rows went.
 * Safe for anyone to run: it only removes what points at nothing.
 */
int
catalog_forget_missing(void)
{
	static const char *const statements[] = {
		"UPDATE lakets._chunk_metadata m SET status = 'dropped', chunk_relid = NULL,"
		" dropped_at = now() WHERE m.status = 'active' AND NOT EXISTS"
		" (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = m.chunk_relid)",
		"DELETE FROM lakets._rollup_registry r WHERE NOT EXISTS"
		" (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = r.source_relid)"
		" OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = r.rollup_relid)",
		"UPDATE lakets._rollup_registry r SET view_relid = NULL WHERE NOT EXISTS"
		" (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = r.view_relid)",
		"DELETE FROM lakets._chronotable_registry r WHERE NOT EXISTS"
		" (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = r.relid)",
		"DELETE FROM lakets._retention_policy p WHERE NOT EXISTS"
		" (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = p.relid)",
		/* a source's log goes with its last RollUp */
		"DELETE FROM lakets._source_invalidation_log l WHERE NOT EXISTS"
		" (SELECT 1 FROM lakets._rollup_registry r WHERE r.source_relid = l.source_relid)",
	};
	int			forgotten = 0;
	int			i;

	for (i = 0; i < lengthof(statements); i++)
		forgotten += (int) registry_write(statements[i], 0, NULL, NULL, NULL, 0);
	return forgotten;
}

/* RollUps */

#define ROLLUP_COLUMNS \
	"id, name, query, source_relid, source_time_column, source_time_type, " \
	"coalesce(source_rollup_id, 0), rollup_relid, view_relid, refresh_function, " \
	"bucket_column, bucket_type, bucket_interval, bucket_origin, depends_on, " \
	"refresh_lag, invalidation_enabled, watermark, last_refresh, dropped_before, " \
	"bucket_timezone"

static char *
text_column(HeapTuple tup, TupleDesc desc, int col)
{
	return SPI_getvalue(tup, desc, col);
}

static int64
optional_time(HeapTuple tup, TupleDesc desc, int col, bool *present)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	*present = !isnull;
	return isnull ? 0 : DatumGetTimestampTz(d);
}

static Rollup *
rollup_from_tuple(HeapTuple tup, TupleDesc desc)
{
	Rollup	   *r = palloc0(sizeof(Rollup));
	bool		isnull;
	Datum		deps;

	r->id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
	r->name = text_column(tup, desc, 2);
	r->query = text_column(tup, desc, 3);
	r->source_relid = oid_column(tup, desc, 4);
	current_names(r->source_relid, &r->source_schema, &r->source_table);
	r->source_time_column = text_column(tup, desc, 5);
	r->source_time_type = catalog_time_type_oid(text_column(tup, desc, 6));
	r->source_rollup_id = DatumGetInt32(SPI_getbinval(tup, desc, 7, &isnull));
	r->rollup_relid = oid_column(tup, desc, 8);
	current_names(r->rollup_relid, &r->rollup_schema, &r->rollup_table);
	r->view_relid = oid_column(tup, desc, 9);
	r->refresh_function = oid_column(tup, desc, 10);
	r->bucket_column = text_column(tup, desc, 11);
	r->bucket_type = catalog_time_type_oid(text_column(tup, desc, 12));
	r->bucket_interval = *DatumGetIntervalP(SPI_getbinval(tup, desc, 13, &isnull));
	r->bucket_origin = DatumGetTimestampTz(SPI_getbinval(tup, desc, 14, &isnull));
	r->bucket_timezone = text_column(tup, desc, 21);
	deps = SPI_getbinval(tup, desc, 15, &isnull);
	if (!isnull)
	{
		Datum	   *elems;
		int			n,
					i;

		deconstruct_array(DatumGetArrayTypeP(deps), TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, NULL, &n);
		for (i = 0; i < n; i++)
			r->depends_on = lappend(r->depends_on, TextDatumGetCString(elems[i]));
	}
	r->refresh_lag = *DatumGetIntervalP(SPI_getbinval(tup, desc, 16, &isnull));
	r->invalidation_enabled = DatumGetBool(SPI_getbinval(tup, desc, 17, &isnull));
	r->watermark = optional_time(tup, desc, 18, &r->has_watermark);
	r->last_refresh = optional_time(tup, desc, 19, &r->has_last_refresh);
	r->dropped_before = optional_time(tup, desc, 20, &r->has_dropped_before);
	return r;
}

Rollup *
catalog_get_rollup(const char *name, bool missing_ok)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};

	lakets_exec_kept("SELECT " ROLLUP_COLUMNS " FROM lakets._rollup_registry WHERE name = $1",
					 1, types, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
	{
		if (missing_ok)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("rollup \"%s\" does not exist", name),
				 errhint("lakets.show_rollups() lists the existing RollUps.")));
	}
	return rollup_from_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc);
}

/* The RollUp whose table is rollup_relid, or NULL. */
Rollup *
catalog_get_rollup_by_table(Oid rollup_relid)
{
	Oid			types[1] = {REGCLASSOID};
	Datum		values[1] = {ObjectIdGetDatum(rollup_relid)};

	lakets_exec_kept("SELECT " ROLLUP_COLUMNS " FROM lakets._rollup_registry"
					 " WHERE rollup_relid = $1",
					 1, types, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return NULL;
	return rollup_from_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc);
}

static List *
rollups_where(const char *condition, int nargs, Oid *types, Datum *values)
{
	List	   *result = NIL;
	uint64		i;

	lakets_exec_kept(psprintf("SELECT " ROLLUP_COLUMNS " FROM lakets._rollup_registry %s"
							  " ORDER BY id", condition),
					 nargs, types, values, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
		result = lappend(result, rollup_from_tuple(SPI_tuptable->vals[i],
												   SPI_tuptable->tupdesc));
	return result;
}

List *
catalog_list_rollups(void)
{
	return rollups_where("", 0, NULL, NULL);
}

/* The RollUps that read a table. */
List *
catalog_rollups_of_source(Oid source_relid)
{
	Oid			types[1] = {REGCLASSOID};
	Datum		values[1] = {ObjectIdGetDatum(source_relid)};

	return rollups_where("WHERE source_relid = $1", 1, types, values);
}

int32
catalog_insert_rollup(const Rollup *r)
{
	Oid			types[17] = {TEXTOID, TEXTOID, REGCLASSOID, NAMEOID, TEXTOID, INT4OID,
		REGCLASSOID, REGCLASSOID, REGPROCEDUREOID, NAMEOID, TEXTOID, INTERVALOID,
	TIMESTAMPTZOID, TEXTARRAYOID, INTERVALOID, BOOLOID, TEXTOID};
	Datum		values[17];
	char		nulls[17];
	Datum	   *deps = palloc(sizeof(Datum) * (list_length(r->depends_on) + 1));
	ListCell   *lc;
	int			n = 0;
	bool		isnull;

	memset(nulls, ' ', sizeof(nulls));
	foreach(lc, r->depends_on)
		deps[n++] = CStringGetTextDatum((char *) lfirst(lc));
	values[0] = CStringGetTextDatum(r->name);
	values[1] = CStringGetTextDatum(r->query);
	values[2] = ObjectIdGetDatum(r->source_relid);
	values[3] = DirectFunctionCall1(namein, CStringGetDatum(r->source_time_column));
	values[4] = CStringGetTextDatum(format_type_be(r->source_time_type));
	values[5] = Int32GetDatum(r->source_rollup_id);
	if (r->source_rollup_id == 0)
		nulls[5] = 'n';
	values[6] = ObjectIdGetDatum(r->rollup_relid);
	values[7] = ObjectIdGetDatum(r->view_relid);
	if (!OidIsValid(r->view_relid))
		nulls[7] = 'n';
	values[8] = ObjectIdGetDatum(r->refresh_function);
	values[9] = DirectFunctionCall1(namein, CStringGetDatum(r->bucket_column));
	values[10] = CStringGetTextDatum(format_type_be(r->bucket_type));
	values[11] = IntervalPGetDatum(&r->bucket_interval);
	values[12] = TimestampTzGetDatum(r->bucket_origin);
	values[13] = PointerGetDatum(construct_array(deps, n, TEXTOID, -1, false, TYPALIGN_INT));
	values[14] = IntervalPGetDatum(&r->refresh_lag);
	values[15] = BoolGetDatum(r->invalidation_enabled);
	if (r->bucket_timezone != NULL)
		values[16] = CStringGetTextDatum(r->bucket_timezone);
	else
		nulls[16] = 'n';
	registry_write("INSERT INTO lakets._rollup_registry (name, query, source_relid,"
				   " source_time_column, source_time_type, source_rollup_id, rollup_relid,"
				   " view_relid, refresh_function, bucket_column, bucket_type, bucket_interval,"
				   " bucket_origin, depends_on, refresh_lag, invalidation_enabled, bucket_timezone)"
				   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,"
				   " $16, $17) RETURNING id",
				   17, types, values, nulls, SPI_OK_INSERT_RETURNING);
	return DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
									   &isnull));
}

void
catalog_delete_rollup(int32 id)
{
	registry_write1("DELETE FROM lakets._rollup_registry WHERE id = $1",
					INT4OID, Int32GetDatum(id), SPI_OK_DELETE);
}

void
catalog_set_rollup_refreshed(int32 id, bool has_watermark, int64 watermark)
{
	Oid			types[2] = {INT4OID, TIMESTAMPTZOID};
	Datum		values[2] = {Int32GetDatum(id), TimestampTzGetDatum(watermark)};
	char		nulls[2] = {' ', has_watermark ? ' ' : 'n'};

	registry_write("UPDATE lakets._rollup_registry SET watermark = $2,"
				   " last_refresh = statement_timestamp() WHERE id = $1",
				   2, types, values, nulls, SPI_OK_UPDATE);
}

/* Set one column of a RollUp's registry row; column is a constant of ours. */
static void
set_rollup_column(int32 id, const char *column, Oid type, Datum value)
{
	Oid			types[2] = {INT4OID, type};
	Datum		values[2] = {Int32GetDatum(id), value};

	registry_write(psprintf("UPDATE lakets._rollup_registry SET %s = $2 WHERE id = $1", column),
				   2, types, values, NULL, SPI_OK_UPDATE);
}

void
catalog_set_rollup_enabled(int32 id, bool enabled)
{
	set_rollup_column(id, "invalidation_enabled", BOOLOID, BoolGetDatum(enabled));
}

void
catalog_set_rollup_lag(int32 id, const Interval *lag)
{
	set_rollup_column(id, "refresh_lag", INTERVALOID, IntervalPGetDatum(lag));
}

void
catalog_set_rollup_view(int32 id, Oid view_relid)
{
	set_rollup_column(id, "view_relid", REGCLASSOID, ObjectIdGetDatum(view_relid));
}

void
catalog_set_rollup_function(int32 id, Oid refresh_function)
{
	set_rollup_column(id, "refresh_function", REGPROCEDUREOID, ObjectIdGetDatum(refresh_function));
}

/*
 * The OIDs of the relations the commit path uses (InvalidOid for one that
 * does not exist), looked up by name once per backend: the commit path does
 * no name look-up. Any invalidation of one of them (its drop, the
 * extension's) forgets them all.
 */
static const char *const commit_relation_names[] = {
	[LAKETS_REL_SOURCE_LOG] = "_source_invalidation_log",
	[LAKETS_REL_TAIL_INDEX] = "_source_invalidation_log_tail",
	[LAKETS_REL_WRITERS] = "_invalidation_writers",
};
static Oid	commit_relids[lengthof(commit_relation_names)];
static bool commit_relids_known = false;
static bool commit_callback_registered = false;

static void
forget_commit_relids(Datum arg, Oid relid)
{
	int			i;

	for (i = 0; i < lengthof(commit_relids); i++)
		if (relid == InvalidOid || relid == commit_relids[i])
			commit_relids_known = false;
}

Oid
catalog_commit_relid(LaketsCommitRelation which)
{
	Oid			nsp;
	int			i;

	if (commit_relids_known)
		return commit_relids[which];
	if (!commit_callback_registered)
	{
		CacheRegisterRelcacheCallback(forget_commit_relids, (Datum) 0);
		commit_callback_registered = true;
	}
	nsp = get_namespace_oid("lakets", true);
	for (i = 0; i < lengthof(commit_relids); i++)
		commit_relids[i] = OidIsValid(nsp) ?
			get_relname_relid(commit_relation_names[i], nsp) : InvalidOid;
	/* without the extension, look again next time */
	commit_relids_known = OidIsValid(commit_relids[LAKETS_REL_SOURCE_LOG]);
	return commit_relids[which];
}

Oid
catalog_log_relid(void)
{
	return catalog_commit_relid(LAKETS_REL_SOURCE_LOG);
}

static bool
log_columns_are(TupleDesc desc, int natts, const Oid *types)
{
	int			i;

	if (desc->natts != natts)
		return false;
	for (i = 0; i < natts; i++)
		if (TupleDescAttr(desc, i)->attisdropped || TupleDescAttr(desc, i)->atttypid != types[i])
			return false;
	return true;
}

/* (source_relid, range_start, range_end, logged_at): this version's */
static bool
log_has_layout(TupleDesc desc)
{
	static const Oid types[] = {REGCLASSOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID};

	return log_columns_are(desc, lengthof(types), types);
}

/*
 * (source_schema, source_table, range_start, range_end, logged_at): lakets
 * 0.1's, met between the package upgrade and ALTER EXTENSION lakets UPDATE
 * (version.c). Writes to a RollUp's source go on then, logged as 0.1 logged
 * them; the update script carries the rows over.
 */
static bool
log_has_0_1_layout(TupleDesc desc)
{
	static const Oid types[] = {NAMEOID, NAMEOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID};

	return log_columns_are(desc, lengthof(types), types);
}

/*
 * The index entries of a log row. Like CatalogIndexInsert(), but it keeps
 * to the predicate of the one partial index, that of the tail entries
 * (tail.c), which CatalogIndexInsert() does not evaluate.
 */
static void
log_index_insert(CatalogIndexState indstate, HeapTuple tup, bool is_tail)
{
	Relation	heap = indstate->ri_RelationDesc;
	TupleTableSlot *slot = MakeSingleTupleTableSlot(RelationGetDescr(heap), &TTSOpsHeapTuple);
	int			i;

	ExecStoreHeapTuple(tup, slot, false);
	for (i = 0; i < indstate->ri_NumIndices; i++)
	{
		Relation	index = indstate->ri_IndexRelationDescs[i];
		IndexInfo  *info = indstate->ri_IndexRelationInfo[i];
		Datum		values[INDEX_MAX_KEYS];
		bool		isnull[INDEX_MAX_KEYS];

		if (!info->ii_ReadyForInserts)
			continue;
		if (info->ii_Expressions != NIL ||
			(info->ii_Predicate != NIL && RelationGetRelid(index) != tail_index_relid()))
			elog(ERROR, "unexpected index \"%s\" on lakets._source_invalidation_log",
				 RelationGetRelationName(index));
		if (info->ii_Predicate != NIL && !is_tail)
			continue;
		FormIndexDatum(info, slot, NULL, values, isnull);
		index_insert(index, values, isnull, &tup->t_self, heap,
					 info->ii_Unique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO, false, info);
	}
	ExecDropSingleTupleTableSlot(slot);
}

/*
 * One row per range touched in a source table by a committing transaction.
 * This runs at every commit that touched a RollUp's source, so it inserts
 * the rows straight into the heap and the index, as PostgreSQL writes its
 * own catalogs: no SPI, no planner, no executor, no name look-up but the
 * log's own, no permission check (it is lakets' table, and the caller's
 * right to write the source was checked by _note_change()). Ranges of a
 * source no RollUp reads any more go when the next maintenance run
 * forgets them (catalog_forget_missing()). The caller makes them visible
 * to the next command (CommandCounterIncrement()).
 */
void
catalog_log_source_invalidations(Oid source_relid, const RangeSet *ranges)
{
	Oid			logrelid = catalog_log_relid();
	Relation	rel;
	CatalogIndexState indstate;
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	bool		layout_0_1;
	Datum		schema = (Datum) 0;
	Datum		table = (Datum) 0;
	int			i;

	if (!OidIsValid(logrelid))
		elog(ERROR, "lakets._source_invalidation_log does not exist");
	rel = table_open(logrelid, RowExclusiveLock);

	layout_0_1 = log_has_0_1_layout(RelationGetDescr(rel));
	if (!layout_0_1 && !log_has_layout(RelationGetDescr(rel)))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("lakets._source_invalidation_log does not have the layout of lakets %s",
						LAKETS_SQL_VERSION),
				 errhint("Run ALTER EXTENSION lakets UPDATE.")));
	if (layout_0_1)
	{
		schema = DirectFunctionCall1(namein,
									 CStringGetDatum(get_namespace_name(get_rel_namespace(source_relid))));
		table = DirectFunctionCall1(namein, CStringGetDatum(get_rel_name(source_relid)));
	}
	indstate = CatalogOpenIndexes(rel);
	for (i = 0; i < ranges->count; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};
		HeapTuple	tup;

		if (layout_0_1)
		{
			values[0] = schema;
			values[1] = table;
			values[2] = TimestampTzGetDatum(ranges->ranges[i].start);
			values[3] = TimestampTzGetDatum(ranges->ranges[i].end);
			values[4] = TimestampTzGetDatum(now);
		}
		else
		{
			values[0] = ObjectIdGetDatum(source_relid);
			values[1] = TimestampTzGetDatum(ranges->ranges[i].start);
			values[2] = TimestampTzGetDatum(ranges->ranges[i].end);
			values[3] = TimestampTzGetDatum(now);
		}
		tup = heap_form_tuple(RelationGetDescr(rel), values, nulls);
		simple_heap_insert(rel, tup);
		log_index_insert(indstate, tup, ranges->ranges[i].end == DT_NOEND);
		heap_freetuple(tup);
	}
	CatalogCloseIndexes(indstate);
	table_close(rel, RowExclusiveLock);
}

/*
 * On a Citus worker: the ranges a transaction changed in the shards of a
 * distributed source, for the coordinator to collect (shardlog.c). "shell"
 * is this node's table of the source, "origin" the coordinator's OID of it.
 * Written as the registry's owner: the writer of the shard needs no right on
 * lakets' tables.
 */
void
catalog_log_shard_invalidations(Oid shell, Oid origin, const RangeSet *ranges)
{
	Oid			types[4] = {REGCLASSOID, OIDOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID};
	Datum		values[4];
	Datum	   *starts = palloc(sizeof(Datum) * ranges->count);
	Datum	   *ends = palloc(sizeof(Datum) * ranges->count);
	bool		pushed;
	int			i;

	for (i = 0; i < ranges->count; i++)
	{
		starts[i] = TimestampTzGetDatum(ranges->ranges[i].start);
		ends[i] = TimestampTzGetDatum(ranges->ranges[i].end);
	}
	values[0] = ObjectIdGetDatum(shell);
	values[1] = ObjectIdGetDatum(origin);
	values[2] = PointerGetDatum(construct_array(starts, ranges->count, TIMESTAMPTZOID,
												sizeof(TimestampTz), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[3] = PointerGetDatum(construct_array(ends, ranges->count, TIMESTAMPTZOID,
												sizeof(TimestampTz), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	/* at commit (PREPARE for Citus' two-phase commit) no snapshot is set */
	pushed = !ActiveSnapshotSet();
	if (pushed)
		PushActiveSnapshot(GetTransactionSnapshot());
	SPI_connect();
	registry_write("INSERT INTO lakets._shard_invalidation_log (shell_relid, source_relid, range_start, range_end)"
				   " SELECT $1, $2, s, e FROM ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($4)) AS u(s, e)",
				   4, types, values, NULL, SPI_OK_INSERT);
	SPI_finish();
	if (pushed)
		PopActiveSnapshot();
}

/*
 * Hand the ranges logged for a source to each of its RollUps that tracks
 * invalidations. A logged row is deleted by exactly one mover, so concurrent
 * refreshes of RollUps of the same source never lose or double a range.
 * Rows another transaction is moving are skipped, not waited for: two
 * movers that met rows in different orders deadlocked. Those rows reach
 * every RollUp's log when the other mover commits (or stay here if it
 * aborts), so a skipping refresh leaves them for its next run.
 */
void
catalog_move_source_invalidations(Oid source_relid)
{
	Oid			types[2] = {REGCLASSOID, TIDARRAYOID};
	Datum		values[2];
	char		nulls[2] = {' ', ' '};
	ArrayType  *tails = tail_claim(source_relid);

	/* tail entries only once the transactions relying on them are done */
	values[0] = ObjectIdGetDatum(source_relid);
	values[1] = PointerGetDatum(tails);
	if (tails == NULL)
		nulls[1] = 'n';
	registry_write("WITH moved AS (DELETE FROM lakets._source_invalidation_log"
				   " WHERE ctid OPERATOR(pg_catalog.=) ANY (ARRAY("
				   "  SELECT ctid FROM lakets._source_invalidation_log"
				   "  WHERE source_relid OPERATOR(pg_catalog.=) $1"
				   "  AND (range_end OPERATOR(pg_catalog.<>) 'infinity'::pg_catalog.timestamptz"
				   "   OR ctid OPERATOR(pg_catalog.=) ANY ($2))"
				   "  FOR UPDATE SKIP LOCKED))"
				   " RETURNING range_start, range_end)"
				   " INSERT INTO lakets._rollup_invalidation_log (rollup_id, range_start, range_end)"
				   " SELECT r.id, m.range_start, m.range_end FROM moved m"
				   " JOIN lakets._rollup_registry r ON r.source_relid = $1"
				   " AND r.invalidation_enabled",
				   2, types, values, nulls, SPI_OK_INSERT);
}

/*
 * Whether ranges overlapping [start, end) logged for a source are still
 * waiting to be moved (rows another transaction is moving, or logged since):
 * retention must then assume a RollUp of the source still owes them.
 */
bool
catalog_source_has_invalidations(Oid source_relid, int64 start, int64 end)
{
	Oid			types[3] = {REGCLASSOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[3] = {ObjectIdGetDatum(source_relid), TimestampTzGetDatum(start),
	TimestampTzGetDatum(end)};
	bool		isnull;

	lakets_exec_kept("SELECT EXISTS (SELECT 1 FROM lakets._source_invalidation_log"
					 " WHERE source_relid OPERATOR(pg_catalog.=) $1"
					 " AND range_start OPERATOR(pg_catalog.<) $3"
					 " AND range_end OPERATOR(pg_catalog.>) $2)",
					 3, types, values, NULL, SPI_OK_SELECT);
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/* The ranges logged for a source that no RollUp reads any more. */
void
catalog_forget_source_invalidations(Oid source_relid)
{
	registry_write1("DELETE FROM lakets._source_invalidation_log WHERE source_relid = $1",
					REGCLASSOID, ObjectIdGetDatum(source_relid), SPI_OK_DELETE);
}

/* The pending ranges of a RollUp, visible to this statement's snapshot. */
List *
catalog_rollup_invalidations(int32 rollup_id)
{
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(rollup_id)};
	List	   *result = NIL;
	uint64		i;

	lakets_exec_kept("SELECT id, range_start, range_end FROM lakets._rollup_invalidation_log"
					 " WHERE rollup_id = $1", 1, types, values, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		PendingRange *p = palloc(sizeof(PendingRange));
		bool		isnull;

		p->id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		p->start = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
		p->end = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3, &isnull));
		result = lappend(result, p);
	}
	return result;
}

void
catalog_add_rollup_invalidation(int32 rollup_id, int64 start, int64 end)
{
	Oid			types[3] = {INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[3] = {Int32GetDatum(rollup_id), TimestampTzGetDatum(start),
	TimestampTzGetDatum(end)};

	registry_write("INSERT INTO lakets._rollup_invalidation_log (rollup_id, range_start, range_end)"
				   " VALUES ($1, $2, $3)", 3, types, values, NULL, SPI_OK_INSERT);
}

/* Remove exactly the log entries a refresh consumed. */
void
catalog_delete_rollup_invalidations(List *pending)
{
	Oid			types[1] = {INT8ARRAYOID};
	Datum		values[1];
	Datum	   *ids;
	ListCell   *lc;
	int			n = 0;

	if (pending == NIL)
		return;
	ids = palloc(sizeof(Datum) * list_length(pending));
	foreach(lc, pending)
		ids[n++] = Int64GetDatum(((PendingRange *) lfirst(lc))->id);
	values[0] = PointerGetDatum(construct_array(ids, n, INT8OID, sizeof(int64), true,
												TYPALIGN_DOUBLE));
	registry_write("DELETE FROM lakets._rollup_invalidation_log WHERE id = ANY ($1)",
				   1, types, values, NULL, SPI_OK_DELETE);
}

/* Retention policies */

static RetentionPolicy *
retention_from_tuple(HeapTuple tup, TupleDesc desc)
{
	RetentionPolicy *p = palloc0(sizeof(RetentionPolicy));
	bool		isnull;

	p->id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
	p->relid = oid_column(tup, desc, 2);
	current_names(p->relid, &p->schema_name, &p->table_name);
	p->drop_after = *DatumGetIntervalP(SPI_getbinval(tup, desc, 3, &isnull));
	return p;
}

RetentionPolicy *
catalog_get_retention(Oid relid, bool missing_ok)
{
	Oid			types[1] = {REGCLASSOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};

	lakets_exec_kept("SELECT id, relid, drop_after FROM lakets._retention_policy"
					 " WHERE relid = $1", 1, types, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
	{
		if (missing_ok)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("table %s has no retention policy", catalog_relation_name(relid)),
				 errhint("Add one with lakets.add_retention_policy().")));
	}
	return retention_from_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc);
}

List *
catalog_list_retention(void)
{
	List	   *result = NIL;
	uint64		i;

	lakets_exec("SELECT id, relid, drop_after FROM lakets._retention_policy ORDER BY id",
				SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
		result = lappend(result, retention_from_tuple(SPI_tuptable->vals[i],
													  SPI_tuptable->tupdesc));
	return result;
}

int32
catalog_insert_retention(Oid relid, const Interval *drop_after)
{
	Oid			types[2] = {REGCLASSOID, INTERVALOID};
	Datum		values[2] = {ObjectIdGetDatum(relid), IntervalPGetDatum(drop_after)};
	bool		isnull;

	registry_write("INSERT INTO lakets._retention_policy (relid, drop_after)"
				   " VALUES ($1, $2) RETURNING id",
				   2, types, values, NULL, SPI_OK_INSERT_RETURNING);
	return DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
									   &isnull));
}

void
catalog_update_retention(int32 id, const Interval *drop_after)
{
	Oid			types[2] = {INT4OID, INTERVALOID};
	Datum		values[2] = {Int32GetDatum(id), IntervalPGetDatum(drop_after)};

	registry_write("UPDATE lakets._retention_policy SET drop_after = $2 WHERE id = $1",
				   2, types, values, NULL, SPI_OK_UPDATE);
}

/*
 * Policies were applied (not as a dry run): when, for
 * show_retention_policy(). One statement for all of a call's.
 */
void
catalog_set_retention_ran(List *ids)
{
	Datum	   *elems;
	int			n = 0;
	ListCell   *lc;

	if (ids == NIL)
		return;
	elems = palloc(sizeof(Datum) * list_length(ids));
	foreach(lc, ids)
		elems[n++] = Int32GetDatum(lfirst_int(lc));
	registry_write1("UPDATE lakets._retention_policy SET last_run_at = pg_catalog.now()"
					" WHERE id OPERATOR(pg_catalog.=) ANY ($1)", INT4ARRAYOID,
					PointerGetDatum(construct_array(elems, n, INT4OID, sizeof(int32), true,
													TYPALIGN_INT)),
					SPI_OK_UPDATE);
}

void
catalog_delete_retention(Oid relid)
{
	registry_write1("DELETE FROM lakets._retention_policy WHERE relid = $1",
					REGCLASSOID, ObjectIdGetDatum(relid), SPI_OK_DELETE);
}

/* Retention removed a RollUp's buckets before this instant (kept monotonic). */
void
catalog_set_rollup_dropped_before(int32 id, int64 dropped_before)
{
	advance_instant("_rollup_registry", "dropped_before", id, dropped_before);
}

/* Job history */

void
catalog_record_job(const JobRecord *job)
{
	Oid			types[10] = {TEXTOID, TIMESTAMPTZOID, TEXTOID, INT4OID, INT4OID, INT4OID,
	INT4OID, INT4OID, TEXTOID, NAMEOID};
	Datum		values[10];
	char		nulls[10];

	memset(nulls, ' ', sizeof(nulls));
	values[0] = CStringGetTextDatum(job->job);
	values[1] = TimestampTzGetDatum(job->started);
	values[2] = CStringGetTextDatum(job->status);
	values[3] = Int32GetDatum(job->chunks_created);
	values[4] = Int32GetDatum(job->rollups_refreshed);
	values[5] = Int32GetDatum(job->chunks_dropped);
	values[6] = Int32GetDatum(job->skipped);
	values[7] = Int32GetDatum(job->errors);
	values[8] = job->error_text ? CStringGetTextDatum(job->error_text) : (Datum) 0;
	if (job->error_text == NULL)
		nulls[8] = 'n';
	/* the caller, not the registry owner we write as */
	values[9] = DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	registry_write("INSERT INTO lakets.job_history (job, started, finished, status,"
				   " chunks_created, rollups_refreshed, chunks_dropped, skipped, errors,"
				   " error_text, run_by)"
				   " VALUES ($1, $2, clock_timestamp(), $3, $4, $5, $6, $7, $8, $9, $10)",
				   10, types, values, nulls, SPI_OK_INSERT);
}
