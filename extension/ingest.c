/*
 * ingest.c
 *	  Batch ingest: a JSON array of objects inserted as rows in one
 *	  statement (ingest_batch), and one Prometheus-style sample
 *	  (ingest_prometheus).
 *
 * ingest_batch() runs as the caller: the caller's INSERT right (on the table
 * or on the columns written) is what PostgreSQL checks. The elements are
 * read once in C, only to check them and to group them by their set of keys
 * (a key missing from an object gets the column's default, as the toolkit's
 * row-by-row INSERTs do, so each set of keys is one INSERT with its own
 * column list; a batch of one shape is one INSERT over
 * jsonb_populate_recordset(), which types the values by the columns).
 *
 * An error fails the whole batch and names the element: the INSERT runs in
 * a subtransaction; when it fails, shorter and shorter prefixes of the batch
 * are inserted again (and rolled back) until the first element that makes
 * it fail is found, a bisection of about log2(n) tries. That costs only on
 * the way to an error.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/syscache.h"

#include "args.h"
#include "catalog.h"
#include "spi_exec.h"

/* The elements that have one set of keys. */
typedef struct Shape
{
	int			npairs;
	const JEntry *key_entries;	/* of the first element of the shape */
	const char *key_data;
	uint32		key_len;
	char	   *columns;		/* "a, b, c", quoted */
	char	   *r_columns;		/* "r.a, r.b, r.c" */
	List	   *elements;		/* 0-based positions in p_data */
} Shape;

/* Where an object's keys end in its data (keys come first, in order). */
static uint32
keys_length(const JsonbContainer *c, int npairs)
{
	uint32		off = 0;
	int			i;

	for (i = 0; i < npairs; i++)
	{
		JEntry		e = c->children[i];

		if (JBE_HAS_OFF(e))
			off = JBE_OFFLENFLD(e);
		else
			off += JBE_OFFLENFLD(e);
	}
	return off;
}

static bool
same_keys(const Shape *s, const JsonbContainer *c, int npairs)
{
	return s->npairs == npairs &&
		memcmp(s->key_entries, c->children, sizeof(JEntry) * npairs) == 0 &&
		s->key_len == keys_length(c, npairs) &&
		memcmp(s->key_data, (const char *) &c->children[2 * npairs], s->key_len) == 0;
}

static const char *
json_type_name(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "a string";
		case jbvNumeric:
			return "a number";
		case jbvBool:
			return "a boolean";
		case jbvBinary:
			return JsonContainerIsArray(v->val.binary.data) ? "an array" : "an object";
		default:
			return "not an object";
	}
}

/*
 * A new shape: its keys must be columns the INSERT may name (not dropped,
 * not generated, not GENERATED ALWAYS AS IDENTITY).
 */
static Shape *
new_shape(Oid relid, const JsonbContainer *c, int npairs, int element)
{
	Shape	   *s = palloc0(sizeof(Shape));
	StringInfoData cols;
	StringInfoData rcols;
	JsonbIterator *it = JsonbIteratorInit((JsonbContainer *) c);
	JsonbValue	v;
	JsonbIteratorToken tok;

	s->npairs = npairs;
	s->key_entries = c->children;
	s->key_len = keys_length(c, npairs);
	s->key_data = (const char *) &c->children[2 * npairs];
	initStringInfo(&cols);
	initStringInfo(&rcols);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;
		HeapTuple	tup;
		Form_pg_attribute att;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		tup = SearchSysCacheAttName(relid, key);
		if (!HeapTupleIsValid(tup) || ((Form_pg_attribute) GETSTRUCT(tup))->attnum <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("could not ingest element %d of p_data: column \"%s\" of relation %s does not exist",
							element + 1, key, catalog_relation_name(relid)),
					 errdetail("Elements are counted from 1; nothing of p_data was inserted."),
					 errhint("Every key of an element must name a column of the table.")));
		att = (Form_pg_attribute) GETSTRUCT(tup);
		if (att->attgenerated != '\0' || att->attidentity == ATTRIBUTE_IDENTITY_ALWAYS)
			ereport(ERROR,
					(errcode(ERRCODE_GENERATED_ALWAYS),
					 errmsg("could not ingest element %d of p_data: column \"%s\" of relation %s is generated",
							element + 1, key, catalog_relation_name(relid)),
					 errdetail("Elements are counted from 1; nothing of p_data was inserted."),
					 errhint("Leave the key out: the column computes its own value.")));
		/* a right missing is nobody's element's fault: say so before anything */
		if (pg_class_aclcheck(relid, GetUserId(), ACL_INSERT) != ACLCHECK_OK &&
			pg_attribute_aclcheck(relid, att->attnum, GetUserId(), ACL_INSERT) != ACLCHECK_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied for table %s", get_rel_name(relid)),
					 errdetail("ingest_batch() inserts as the caller, who may not write column \"%s\".",
							   key)));
		ReleaseSysCache(tup);
		appendStringInfo(&cols, "%s%s", cols.len > 0 ? ", " : "", quote_identifier(key));
		appendStringInfo(&rcols, "%sr.%s", rcols.len > 0 ? ", " : "", quote_identifier(key));
	}
	s->columns = cols.data;
	s->r_columns = rcols.data;
	return s;
}

/*
 * Read the elements once: each an object with at least one key, grouped by
 * their keys.
 */
static List *
shapes_of(Oid relid, Jsonb *data, int n)
{
	List	   *shapes = NIL;
	Shape	   *last = NULL;
	MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "lakets ingest scan",
												  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old;
	int			i;

	for (i = 0; i < n; i++)
	{
		JsonbValue *v;
		JsonbContainer *c;
		int			npairs;
		ListCell   *lc;

		old = MemoryContextSwitchTo(scratch);
		v = getIthJsonbValueFromContainer(&data->root, i);
		MemoryContextSwitchTo(old);
		if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("could not ingest element %d of p_data: it is %s, not a JSON object",
							i + 1, json_type_name(v)),
					 errdetail("Elements are counted from 1; nothing of p_data was inserted.")));
		c = v->val.binary.data;
		npairs = JsonContainerSize(c);
		if (npairs == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("could not ingest element %d of p_data: the object has no keys", i + 1),
					 errdetail("Elements are counted from 1; nothing of p_data was inserted.")));
		if (last == NULL || !same_keys(last, c, npairs))
		{
			last = NULL;
			foreach(lc, shapes)
			{
				if (same_keys(lfirst(lc), c, npairs))
				{
					last = lfirst(lc);
					break;
				}
			}
			if (last == NULL)
			{
				last = new_shape(relid, c, npairs, i);
				shapes = lappend(shapes, last);
			}
		}
		last->elements = lappend_int(last->elements, i);
		if ((i & 1023) == 1023)
			MemoryContextReset(scratch);
	}
	return shapes;
}

/*
 * INSERT the first "count" elements of a shape; all of p_data at once when
 * it is all of one shape.
 */
static uint64
insert_elements(const char *qtable, Shape *s, Jsonb *data, int count, bool whole)
{
	Oid			types[2] = {JSONBOID, INT4ARRAYOID};
	Datum		values[2];
	Datum	   *elems;
	int			i;

	values[0] = JsonbPGetDatum(data);
	if (whole)
		return lakets_exec_args(psprintf("INSERT INTO %s (%s) SELECT %s FROM"
										 " pg_catalog.jsonb_populate_recordset(NULL::%s, $1) r",
										 qtable, s->columns, s->r_columns, qtable),
								1, types, values, NULL, SPI_OK_INSERT);
	elems = palloc(sizeof(Datum) * Max(count, 1));
	for (i = 0; i < count; i++)
		elems[i] = Int32GetDatum(list_nth_int(s->elements, i));
	values[1] = PointerGetDatum(construct_array(elems, count, INT4OID, sizeof(int32), true,
												TYPALIGN_INT));
	return lakets_exec_args(psprintf("INSERT INTO %s (%s) SELECT %s FROM"
									 " pg_catalog.unnest($2) AS i(lakets_i),"
									 " pg_catalog.jsonb_populate_record(NULL::%s,"
									 " $1 OPERATOR(pg_catalog.->) i.lakets_i) r",
									 qtable, s->columns, s->r_columns, qtable),
							2, types, values, NULL, SPI_OK_INSERT);
}

/*
 * Insert in a subtransaction; true when it worked. On failure *error gets
 * the error. With keep false the subtransaction is rolled back anyway (a
 * try while looking for the bad element).
 */
static bool
try_insert(const char *qtable, Shape *s, Jsonb *data, int count, bool whole, bool keep,
		   uint64 *inserted, ErrorData **error)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		uint64		n = insert_elements(qtable, s, data, count, whole);

		if (inserted)
			*inserted = n;
		if (keep)
			ReleaseCurrentSubTransaction();
		else
			RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		if (*error)
			FreeErrorData(*error);
		*error = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/* SQL: lakets.ingest_batch(p_table_name, p_data, p_schema_name) -> rows inserted */
PG_FUNCTION_INFO_V1(lakets_ingest_batch);
Datum
lakets_ingest_batch(PG_FUNCTION_ARGS)
{
	char	   *table_name = lakets_text_arg(fcinfo, 0, "p_table_name");
	char	   *schema_name = lakets_text_arg(fcinfo, 2, "p_schema_name");
	Jsonb	   *data;
	int			n;
	Oid			relid;
	char	   *qtable;
	List	   *shapes;
	ListCell   *lc;
	uint64		total = 0;

	lakets_require_arg(fcinfo, 1, "p_data");
	data = PG_GETARG_JSONB_P(1);
	/* raise_exception: the class the toolkit raises, which its callers catch */
	if (!JB_ROOT_IS_ARRAY(data) || JB_ROOT_IS_SCALAR(data))
		ereport(ERROR,
				(errcode(ERRCODE_RAISE_EXCEPTION),
				 errmsg("p_data must be a JSONB array"),
				 errdetail("It is %s.", JB_ROOT_IS_OBJECT(data) ? "an object" : "a scalar"),
				 errhint("Pass the rows as an array of objects: [{\"column\": value, ...}, ...].")));
	n = JB_ROOT_COUNT(data);
	if (n == 0)
		PG_RETURN_INT32(0);

	SPI_connect();
	relid = lakets_resolve_table(schema_name, table_name);
	qtable = catalog_relation_name(relid);
	shapes = shapes_of(relid, data, n);
	foreach(lc, shapes)
	{
		Shape	   *s = lfirst(lc);
		int			count = list_length(s->elements);
		bool		whole = list_length(shapes) == 1;
		ErrorData  *error = NULL;
		uint64		inserted;
		int			lo;
		int			hi;
		int			bad;

		if (try_insert(qtable, s, data, count, whole, true, &inserted, &error))
		{
			total += inserted;
			continue;
		}
		/* the first element whose prefix fails: prefix lo works, prefix hi fails */
		lo = 0;
		hi = count;
		while (hi - lo > 1)
		{
			int			mid = lo + (hi - lo) / 2;

			if (try_insert(qtable, s, data, mid, false, false, NULL, &error))
				lo = mid;
			else
				hi = mid;
		}
		bad = list_nth_int(s->elements, hi - 1);
		ereport(ERROR,
				(errcode(error->sqlerrcode),
				 errmsg("could not ingest element %d of p_data: %s", bad + 1, error->message),
				 error->detail ? errdetail_internal("%s", error->detail) :
				 errdetail("Elements are counted from 1; nothing of p_data was inserted."),
				 error->hint ? errhint("%s", error->hint) : 0));
	}
	SPI_finish();
	if (total > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("more rows inserted than an integer counts")));
	PG_RETURN_INT32((int32) total);
}

/*
 * SQL: lakets.ingest_prometheus(p_table_name, p_metric_name, p_labels,
 * p_value, p_timestamp, p_schema_name): one sample into the columns time,
 * metric_name, labels and value, as the caller.
 */
PG_FUNCTION_INFO_V1(lakets_ingest_prometheus);
Datum
lakets_ingest_prometheus(PG_FUNCTION_ARGS)
{
	char	   *table_name = lakets_text_arg(fcinfo, 0, "p_table_name");
	char	   *schema_name = lakets_text_arg(fcinfo, 5, "p_schema_name");
	static const char *const columns[] = {"time", "metric_name", "labels", "value"};
	Oid			types[4] = {TIMESTAMPTZOID, TEXTOID, JSONBOID, FLOAT8OID};
	Datum		values[4];
	char		nulls[4];
	int			args[4] = {4, 1, 2, 3};
	Oid			relid;
	int			i;

	SPI_connect();
	relid = lakets_resolve_table(schema_name, table_name);
	for (i = 0; i < lengthof(columns); i++)
	{
		HeapTuple	tup = SearchSysCacheAttName(relid, columns[i]);

		if (!HeapTupleIsValid(tup))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("table %s has no column \"%s\"", catalog_relation_name(relid), columns[i]),
					 errhint("ingest_prometheus() writes the columns time, metric_name, labels (jsonb) and value.")));
		ReleaseSysCache(tup);
		nulls[i] = PG_ARGISNULL(args[i]) ? 'n' : ' ';
		values[i] = PG_ARGISNULL(args[i]) ? (Datum) 0 : PG_GETARG_DATUM(args[i]);
	}
	lakets_exec_args(psprintf("INSERT INTO %s (\"time\", metric_name, labels, value)"
							  " VALUES ($1, $2, $3, $4)", catalog_relation_name(relid)),
					 4, types, values, nulls, SPI_OK_INSERT);
	SPI_finish();
	PG_RETURN_VOID();
}
