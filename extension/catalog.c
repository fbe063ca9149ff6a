/*
 * catalog.c
 *	  The registry tables; nothing else touches them.
 *
 * Reads run as the caller (the tables are readable by everyone). Writes run
 * as the owner of the registry (the extension's owner) so that a user who
 * owns a table can make it a ChronoTable without write access to the
 * registry itself; every caller of a write has checked, before, that the
 * current user owns the table concerned. Transaction and subtransaction
 * abort restore the user id if a write fails.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "catalog.h"
#include "spi_exec.h"

#define CHRONOTABLE_COLUMNS \
	"id, schema_name, table_name, time_column, time_type, chunk_interval, " \
	"past_count, future_count"

static Oid
time_type_oid(const char *name)
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

static ChronoTable *
chronotable_from_tuple(HeapTuple tup, TupleDesc desc)
{
	ChronoTable *ct = palloc0(sizeof(ChronoTable));
	bool		isnull;

	ct->id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
	ct->schema_name = SPI_getvalue(tup, desc, 2);
	ct->table_name = SPI_getvalue(tup, desc, 3);
	ct->time_column = SPI_getvalue(tup, desc, 4);
	ct->time_type = time_type_oid(SPI_getvalue(tup, desc, 5));
	ct->chunk_interval = *DatumGetIntervalP(SPI_getbinval(tup, desc, 6, &isnull));
	ct->past_count = DatumGetInt32(SPI_getbinval(tup, desc, 7, &isnull));
	ct->future_count = DatumGetInt32(SPI_getbinval(tup, desc, 8, &isnull));
	return ct;
}

ChronoTable *
catalog_get_chronotable(const char *schema_name, const char *table_name,
						bool missing_ok)
{
	Oid			types[2] = {NAMEOID, NAMEOID};
	Datum		values[2];

	values[0] = DirectFunctionCall1(namein, CStringGetDatum(schema_name));
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(table_name));
	lakets_exec_args("SELECT " CHRONOTABLE_COLUMNS
					 " FROM lakets._chronotable_registry"
					 " WHERE schema_name = $1 AND table_name = $2",
					 2, types, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
	{
		if (missing_ok)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("table \"%s.%s\" is not a chronotable",
						schema_name, table_name),
				 errhint("Convert it with lakets.create_chronotable() first.")));
	}
	return chronotable_from_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc);
}

ChronoTable *
catalog_get_chronotable_by_id(int32 id, bool missing_ok)
{
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(id)};

	lakets_exec_args("SELECT " CHRONOTABLE_COLUMNS
					 " FROM lakets._chronotable_registry WHERE id = $1",
					 1, types, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
	{
		if (missing_ok)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("chronotable with id %d does not exist", id)));
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
						   save_sec | SECURITY_LOCAL_USERID_CHANGE);
	n = lakets_exec_args(sql, nargs, types, values, nulls, expected);
	SetUserIdAndSecContext(save_userid, save_sec);
	return n;
}

int32
catalog_insert_chronotable(const char *schema_name, const char *table_name,
						   const char *time_column, Oid time_type,
						   const Interval *iv)
{
	Oid			types[5] = {NAMEOID, NAMEOID, NAMEOID, TEXTOID, INTERVALOID};
	Datum		values[5];
	bool		isnull;

	values[0] = DirectFunctionCall1(namein, CStringGetDatum(schema_name));
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(table_name));
	values[2] = DirectFunctionCall1(namein, CStringGetDatum(time_column));
	values[3] = CStringGetTextDatum(format_type_be(time_type));
	values[4] = IntervalPGetDatum(iv);
	registry_write("INSERT INTO lakets._chronotable_registry"
				   " (schema_name, table_name, time_column, time_type, chunk_interval)"
				   " VALUES ($1, $2, $3, $4, $5) RETURNING id",
				   5, types, values, NULL, SPI_OK_INSERT_RETURNING);
	return DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
									   SPI_tuptable->tupdesc, 1, &isnull));
}

void
catalog_delete_chronotable(int32 id)
{
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(id)};

	registry_write("DELETE FROM lakets._chronotable_registry WHERE id = $1",
				   1, types, values, NULL, SPI_OK_DELETE);
}

void
catalog_set_chunk_interval(int32 id, const Interval *iv)
{
	Oid			types[2] = {INT4OID, INTERVALOID};
	Datum		values[2] = {Int32GetDatum(id), IntervalPGetDatum(iv)};

	registry_write("UPDATE lakets._chronotable_registry SET chunk_interval = $2"
				   " WHERE id = $1", 2, types, values, NULL, SPI_OK_UPDATE);
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

/* Chunks (any status) whose range overlaps [from, to), by start. */
List *
catalog_list_chunks(int32 chronotable_id, int64 from, int64 to)
{
	Oid			types[3] = {INT4OID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	List	   *result = NIL;
	uint64		i;

	values[0] = Int32GetDatum(chronotable_id);
	values[1] = TimestampTzGetDatum(from);
	values[2] = TimestampTzGetDatum(to);
	if (from == PG_INT64_MIN)
		nulls[1] = 'n';
	if (to == PG_INT64_MAX)
		nulls[2] = 'n';
	lakets_exec_args("SELECT id, chunk_schema, chunk_name, range_start, range_end, status"
					 " FROM lakets._chunk_metadata WHERE chronotable_id = $1"
					 " AND ($2 IS NULL OR range_end > $2)"
					 " AND ($3 IS NULL OR range_start < $3)"
					 " ORDER BY range_start",
					 3, types, values, nulls, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		ChunkMeta  *c = palloc0(sizeof(ChunkMeta));
		bool		isnull;

		c->id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		c->schema_name = SPI_getvalue(tup, desc, 2);
		c->chunk_name = SPI_getvalue(tup, desc, 3);
		c->start = DatumGetTimestampTz(SPI_getbinval(tup, desc, 4, &isnull));
		c->end = DatumGetTimestampTz(SPI_getbinval(tup, desc, 5, &isnull));
		c->status = SPI_getvalue(tup, desc, 6);
		c->dropped = strcmp(c->status, "dropped") == 0;
		result = lappend(result, c);
	}
	return result;
}

void
catalog_insert_chunk(int32 chronotable_id, const char *schema_name,
					 const char *chunk_name, int64 start, int64 end)
{
	Oid			types[5] = {INT4OID, NAMEOID, NAMEOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[5];

	values[0] = Int32GetDatum(chronotable_id);
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(schema_name));
	values[2] = DirectFunctionCall1(namein, CStringGetDatum(chunk_name));
	values[3] = TimestampTzGetDatum(start);
	values[4] = TimestampTzGetDatum(end);
	registry_write("INSERT INTO lakets._chunk_metadata"
				   " (chronotable_id, chunk_schema, chunk_name, range_start, range_end)"
				   " VALUES ($1, $2, $3, $4, $5)",
				   5, types, values, NULL, SPI_OK_INSERT);
}

void
catalog_mark_chunk_dropped(int64 chunk_id)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(chunk_id)};

	registry_write("UPDATE lakets._chunk_metadata"
				   " SET status = 'dropped', dropped_at = now() WHERE id = $1",
				   1, types, values, NULL, SPI_OK_UPDATE);
}

/* Whether the current user has the privileges of the registry's owner. */
bool
catalog_caller_owns_registry(void)
{
	return has_privs_of_role(GetUserId(), registry_owner());
}
