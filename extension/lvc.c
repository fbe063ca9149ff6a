/*
 * lvc.c
 *	  The Last Value Cache: for each key of a ChronoTable, the values of its
 *	  row with the newest time, in a table of its own (<schema>._lvc_<table>).
 *
 * Nothing is written per row. As invalidation.c does, the source's AFTER
 * ROW triggers do their work in their WHEN clause, which PostgreSQL
 * evaluates as each row is written: lakets._lvc_note() keeps, in backend
 * memory, the newest row seen per key in this statement, and returns false,
 * so no trigger event is queued, no row is fetched again and COPY keeps its
 * multi-row inserts. Row triggers on the partitioned table are cloned to
 * every chunk, those created later included. The AFTER STATEMENT trigger of
 * the table then writes what was gathered, one upsert for all the keys:
 *
 *	 INSERT ... SELECT * FROM unnest(keys..., values..., times)
 *	 ON CONFLICT (keys) DO UPDATE ... WHERE cache.last_updated <= excluded.last_updated
 *
 * so a late row (an older time) never overwrites a newer value, whichever
 * session writes first. Rows written straight into a chunk fire no statement
 * trigger of the table: what they leave is written at the next statement
 * trigger or just before commit.
 *
 * An UPDATE or DELETE notes the old row's key and time (_lvc_forget()): if
 * the cached row is among those, it is deleted from the cache and the key's
 * newest row is read again from the source (none left: the key goes). An
 * UPDATE that leaves key and time alone needs none of that: its new row has
 * the same time and simply overwrites. TRUNCATE of the table empties the
 * cache.
 *
 * last_updated is the time of the cached row (the ChronoTable's time column,
 * a timestamp or date taken as UTC), not the wall clock of the write.
 *
 * Rights: the cache is written as the owner of the source (owner.c), after
 * the first note of a transaction checked that the current user may write
 * the source; a role with INSERT on the source alone gets its rows cached
 * and can do nothing else to the cache. Gathered rows of a subtransaction
 * that rolls back are thrown away.
 *
 * The cache table depends on the source (dropped with it), on the extension
 * (dropped by DROP EXTENSION ... CASCADE) and the triggers depend on the
 * cache table (dropping it by hand takes them along); the registry row goes
 * with the ChronoTable's (foreign key).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

#include "args.h"
#include "catalog.h"
#include "lockwait.h"
#include "owner.h"
#include "spi_exec.h"
#include "timebucket.h"

#define LVC_PREFIX "_lvc_"
#define LVC_TRIGGER "trg_lakets_lvc"

static const char *const lvc_row_triggers[] = {
	LVC_TRIGGER "_insert", LVC_TRIGGER "_update", LVC_TRIGGER "_delete"
};

/* One column of the cache: a key or a value. */
typedef struct LvcColumn
{
	char	   *name;			/* in the source, now */
	char	   *cache_name;		/* in the cache (the source's name at enable_lvc()) */
	AttrNumber	attnum;			/* in the source */
	Oid			type;
	int32		typmod;
	Oid			collation;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Oid			array_type;
	FmgrInfo   *hash_fn;		/* keys only */
	FmgrInfo   *eq_fn;			/* keys only */
	Oid			eq_opr;			/* keys only */
} LvcColumn;

/* An LVC as the registry describes it. */
typedef struct LvcConfig
{
	Oid			source_relid;
	Oid			cache_relid;
	char	   *time_column;
	Oid			time_type;
	int			nkeys;
	int			nvalues;
	LvcColumn  *cols;			/* keys, then values */
} LvcConfig;

typedef struct LvcKey
{
	uint32		hash;
	Datum	   *values;
} LvcKey;

/* What a transaction wrote for one key, not yet in the cache. */
typedef struct LvcEntry
{
	LvcKey		key;			/* hash key, must be first */
	SubTransactionId subxid;	/* the latest subtransaction that touched it */
	bool		has_new;		/* the newest row written */
	int64		new_time;
	Datum	   *values;
	bool	   *nulls;
	bool		has_del;		/* rows deleted (or updated away) */
	int64		del_min;
	int64		del_max;
} LvcEntry;

typedef struct LvcSource
{
	Oid			relid;			/* hash key */
	LvcConfig  *config;
	MemoryContext cxt;			/* the entries; reset by a flush */
	HTAB	   *entries;
} LvcSource;

/* A WHEN clause's function remembers the source it checked. */
typedef struct NoteCache
{
	uint64		generation;
	LvcSource  *source;
} NoteCache;

static MemoryContext lvc_cxt = NULL;
static HTAB *lvc_sources = NULL;
static uint64 lvc_generation = 1;
static bool lvc_callbacks = false;
static LvcConfig *hashing_config;	/* for the entries' hash and match */

/* Configuration */

static Oid
operator_namespace(Oid opno)
{
	HeapTuple	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(opno));
	Oid			nsp;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for operator %u", opno);
	nsp = ((Form_pg_operator) GETSTRUCT(tup))->oprnamespace;
	ReleaseSysCache(tup);
	return nsp;
}

/* "OPERATOR(schema.=)": the equality of a key's type, whatever search_path */
static char *
equality_sql(const LvcColumn *col)
{
	return psprintf("OPERATOR(%s.=)", quote_identifier(get_namespace_name(operator_namespace(col->eq_opr))));
}

/*
 * Fill a column from the source's attribute; keys need hashing and
 * equality (the cache's primary key needs a btree ordering as well).
 */
static void
describe_column(Oid relid, const char *name, bool is_key, LvcColumn *col, MemoryContext cxt)
{
	HeapTuple	tup = SearchSysCacheAttName(relid, name);
	Form_pg_attribute att;
	MemoryContext old;

	if (!HeapTupleIsValid(tup) || ((Form_pg_attribute) GETSTRUCT(tup))->attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation %s does not exist",
						name, catalog_relation_name(relid))));
	att = (Form_pg_attribute) GETSTRUCT(tup);
	old = MemoryContextSwitchTo(cxt);
	col->name = pstrdup(name);
	col->cache_name = col->name;
	col->attnum = att->attnum;
	col->type = att->atttypid;
	col->typmod = att->atttypmod;
	col->collation = att->attcollation;
	ReleaseSysCache(tup);
	get_typlenbyvalalign(col->type, &col->typlen, &col->typbyval, &col->typalign);
	col->array_type = get_array_type(col->type);
	if (!OidIsValid(col->array_type))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("column \"%s\" of type %s cannot be cached", name,
						format_type_be(col->type)),
				 errdetail("The Last Value Cache needs an array type of every column it holds.")));
	col->hash_fn = NULL;
	col->eq_fn = NULL;
	col->eq_opr = InvalidOid;
	if (is_key)
	{
		TypeCacheEntry *tc = lookup_type_cache(col->type,
											   TYPECACHE_HASH_PROC_FINFO |
											   TYPECACHE_EQ_OPR_FINFO |
											   TYPECACHE_EQ_OPR | TYPECACHE_LT_OPR);

		if (!OidIsValid(tc->hash_proc) || !OidIsValid(tc->eq_opr) || !OidIsValid(tc->lt_opr))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FUNCTION),
					 errmsg("key column \"%s\" of type %s cannot be a key of the cache", name,
							format_type_be(col->type)),
					 errdetail("A key column's type needs a default hash and btree operator class.")));
		col->hash_fn = palloc(sizeof(FmgrInfo));
		fmgr_info_copy(col->hash_fn, &tc->hash_proc_finfo, cxt);
		col->eq_fn = palloc(sizeof(FmgrInfo));
		fmgr_info_copy(col->eq_fn, &tc->eq_opr_finfo, cxt);
		col->eq_opr = tc->eq_opr;
	}
	MemoryContextSwitchTo(old);
}

static List *
text_array_list(Datum d)
{
	ArrayType  *arr = DatumGetArrayTypeP(d);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	List	   *result = NIL;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (i = 0; i < n; i++)
		result = lappend(result, nulls[i] ? NULL : TextDatumGetCString(elems[i]));
	return result;
}

/*
 * The current names of the source's columns an int2[] of the registry
 * holds: renaming a column of the source changes nothing for its LVC.
 */
static List *
attnum_names(Oid relid, Datum d)
{
	ArrayType  *arr = DatumGetArrayTypeP(d);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	List	   *result = NIL;

	deconstruct_array(arr, INT2OID, sizeof(int16), true, TYPALIGN_SHORT, &elems, &nulls, &n);
	for (i = 0; i < n; i++)
		result = lappend(result, get_attname(relid, DatumGetInt16(elems[i]), false));
	return result;
}

static LvcConfig *
build_config(Oid source_relid, Oid cache_relid, const char *time_column, Oid time_type,
			 List *keys, List *values, MemoryContext cxt)
{
	LvcConfig  *cfg = MemoryContextAllocZero(cxt, sizeof(LvcConfig));
	ListCell   *lc;
	int			i = 0;

	cfg->source_relid = source_relid;
	cfg->cache_relid = cache_relid;
	cfg->time_column = MemoryContextStrdup(cxt, time_column);
	cfg->time_type = time_type;
	cfg->nkeys = list_length(keys);
	cfg->nvalues = list_length(values);
	cfg->cols = MemoryContextAllocZero(cxt, sizeof(LvcColumn) * (cfg->nkeys + cfg->nvalues));
	foreach(lc, keys)
		describe_column(source_relid, lfirst(lc), true, &cfg->cols[i++], cxt);
	foreach(lc, values)
		describe_column(source_relid, lfirst(lc), false, &cfg->cols[i++], cxt);
	return cfg;
}

/* The LVC of a source from the registry, or NULL; needs SPI. */
static LvcConfig *
load_config(Oid source_relid, MemoryContext cxt)
{
	Oid			types[1] = {REGCLASSOID};
	Datum		values[1] = {ObjectIdGetDatum(source_relid)};
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	Oid			cache_relid;
	char	   *time_column;
	Oid			time_type;
	LvcConfig  *cfg;
	int			i;

	lakets_exec_kept("SELECT l.cache_relid, r.time_column::text, r.time_type,"
					 " l.key_attnums, l.value_attnums"
					 " FROM lakets._lvc_registry l"
					 " JOIN lakets._chronotable_registry r ON r.id = l.chronotable_id"
					 " WHERE l.source_relid = $1",
					 1, types, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return NULL;
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	cache_relid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
	time_column = SPI_getvalue(tup, desc, 2);
	time_type = catalog_time_type_oid(SPI_getvalue(tup, desc, 3));
	cfg = build_config(source_relid, cache_relid, time_column, time_type,
					   attnum_names(source_relid, SPI_getbinval(tup, desc, 4, &isnull)),
					   attnum_names(source_relid, SPI_getbinval(tup, desc, 5, &isnull)), cxt);
	/* the cache keeps the names columns had when it was made */
	for (i = 0; i < cfg->nkeys + cfg->nvalues; i++)
	{
		char	   *name = get_attname(cache_relid, i + 1, true);

		if (name != NULL)
			cfg->cols[i].cache_name = MemoryContextStrdup(cxt, name);
	}
	return cfg;
}

/* Per-transaction state */

static void
forget_state(void)
{
	/* the memory goes with TopTransactionContext */
	lvc_cxt = NULL;
	lvc_sources = NULL;
	lvc_generation++;
}

static void lvc_flush(void);

static void
lvc_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (lvc_sources != NULL)
			{
				/* the portal of the last statement is gone: SPI needs a snapshot */
				bool		pushed = !ActiveSnapshotSet();

				if (pushed)
					PushActiveSnapshot(GetTransactionSnapshot());
				lvc_flush();
				if (pushed)
					PopActiveSnapshot();
				forget_state();
			}
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			forget_state();
			break;
		default:
			break;
	}
}

/*
 * A subtransaction rolled back: what its rows left goes. Subtransactions
 * still open when it started have smaller ids, those begun inside it
 * larger ones.
 */
static void
lvc_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					 SubTransactionId parentSubid, void *arg)
{
	HASH_SEQ_STATUS scan;
	LvcSource  *s;

	if (event != SUBXACT_EVENT_ABORT_SUB || lvc_sources == NULL)
		return;
	hash_seq_init(&scan, lvc_sources);
	while ((s = hash_seq_search(&scan)) != NULL)
	{
		HASH_SEQ_STATUS escan;
		LvcEntry   *e;

		if (s->entries == NULL)
			continue;
		hashing_config = s->config;
		hash_seq_init(&escan, s->entries);
		while ((e = hash_seq_search(&escan)) != NULL)
			if (e->subxid >= mySubid)
				hash_search(s->entries, &e->key, HASH_REMOVE, NULL);
	}
}

static uint32
entry_hash(const void *key, Size keysize)
{
	return ((const LvcKey *) key)->hash;
}

static int
entry_match(const void *key1, const void *key2, Size keysize)
{
	const LvcKey *a = key1;
	const LvcKey *b = key2;
	int			i;

	if (a->hash != b->hash)
		return 1;
	for (i = 0; i < hashing_config->nkeys; i++)
	{
		LvcColumn  *col = &hashing_config->cols[i];

		if (!DatumGetBool(FunctionCall2Coll(col->eq_fn, col->collation,
											a->values[i], b->values[i])))
			return 1;
	}
	return 0;
}

static void
reset_entries(LvcSource *s)
{
	HASHCTL		ctl;

	MemoryContextReset(s->cxt);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(LvcKey);
	ctl.entrysize = sizeof(LvcEntry);
	ctl.hash = entry_hash;
	ctl.match = entry_match;
	ctl.hcxt = s->cxt;
	s->entries = hash_create("lakets lvc keys", 256, &ctl,
							 HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

static void
check_write_right(Oid relid)
{
	AclMode		mode = ACL_INSERT | ACL_UPDATE | ACL_DELETE;

	if (pg_class_aclcheck(relid, GetUserId(), mode) == ACLCHECK_OK ||
		pg_attribute_aclcheck_all(relid, GetUserId(), mode, ACLMASK_ANY) == ACLCHECK_OK)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to record rows of %s for its last value cache",
					catalog_relation_name(relid)),
			 errdetail("Only a role that may write a table may record rows of it."),
			 errhint("lakets calls this from the triggers of the table; "
					 "there is no need to call it directly.")));
}

/*
 * The state of a source in this transaction, created at its first row
 * (which checks the current user's right and reads the registry).
 */
static LvcSource *
source_state(Oid relid)
{
	LvcSource  *s;
	bool		found;

	if (lvc_cxt == NULL)
	{
		HASHCTL		ctl;

		if (!lvc_callbacks)
		{
			RegisterXactCallback(lvc_xact_callback, NULL);
			RegisterSubXactCallback(lvc_subxact_callback, NULL);
			lvc_callbacks = true;
		}
		lvc_cxt = AllocSetContextCreate(TopTransactionContext, "lakets lvc",
										ALLOCSET_DEFAULT_SIZES);
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(LvcSource);
		ctl.hcxt = lvc_cxt;
		lvc_sources = hash_create("lakets lvc sources", 8, &ctl,
								  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	s = hash_search(lvc_sources, &relid, HASH_FIND, &found);
	if (s != NULL)
		return s;

	check_write_right(relid);
	{
		LvcConfig  *cfg;

		SPI_connect();
		cfg = load_config(relid, lvc_cxt);
		SPI_finish();
		if (cfg == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("table %s has no last value cache", catalog_relation_name(relid)),
					 errhint("lakets calls this from the triggers of a table with a last value "
							 "cache; there is no need to call it directly.")));
		s = hash_search(lvc_sources, &relid, HASH_ENTER, &found);
		s->config = cfg;
		s->cxt = AllocSetContextCreate(lvc_cxt, "lakets lvc keys", ALLOCSET_DEFAULT_SIZES);
		reset_entries(s);
	}
	return s;
}

/*
 * The source named by a WHEN clause function's arguments, checked once
 * per transaction: the arguments must be the source's time, keys (and
 * values) in their types.
 */
static LvcSource *
called_source(FunctionCallInfo fcinfo, bool with_values)
{
	NoteCache  *nc = fcinfo->flinfo->fn_extra;
	LvcSource  *s;
	LvcConfig  *cfg;
	int			expected;
	int			i;

	if (nc != NULL && nc->generation == lvc_generation)
		return nc->source;
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the source and key count of a last value cache must not be null")));
	s = source_state(PG_GETARG_OID(0));
	cfg = s->config;
	expected = 3 + cfg->nkeys + (with_values ? cfg->nvalues : 0);
	if (PG_GETARG_INT32(1) != cfg->nkeys || PG_NARGS() != expected ||
		get_fn_expr_argtype(fcinfo->flinfo, 2) != cfg->time_type)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("arguments do not match the last value cache of %s",
						catalog_relation_name(cfg->source_relid)),
				 errhint("lakets calls this from the triggers of the table; "
						 "there is no need to call it directly.")));
	for (i = 0; i < expected - 3; i++)
		if (get_fn_expr_argtype(fcinfo->flinfo, 3 + i) != cfg->cols[i].type)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("argument for column \"%s\" of the last value cache of %s has type %s, expected %s",
							cfg->cols[i].name, catalog_relation_name(cfg->source_relid),
							format_type_be(get_fn_expr_argtype(fcinfo->flinfo, 3 + i)),
							format_type_be(cfg->cols[i].type))));
	if (nc == NULL)
	{
		nc = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(NoteCache));
		fcinfo->flinfo->fn_extra = nc;
	}
	nc->generation = lvc_generation;
	nc->source = s;
	return s;
}

/* The entry of the key in arguments 3.., NULL when a key is NULL. */
static LvcEntry *
key_entry(FunctionCallInfo fcinfo, LvcSource *s)
{
	LvcConfig  *cfg = s->config;
	LvcKey		key;
	Datum		keyvals[INDEX_MAX_KEYS];
	LvcEntry   *e;
	bool		found;
	int			i;

	key.hash = 0;
	for (i = 0; i < cfg->nkeys; i++)
	{
		LvcColumn  *col = &cfg->cols[i];

		if (PG_ARGISNULL(3 + i))
			return NULL;
		keyvals[i] = PG_GETARG_DATUM(3 + i);
		key.hash = hash_combine(key.hash,
								DatumGetUInt32(FunctionCall1Coll(col->hash_fn, col->collation,
																 keyvals[i])));
	}
	key.values = keyvals;
	hashing_config = cfg;
	e = hash_search(s->entries, &key, HASH_ENTER, &found);
	if (!found)
	{
		MemoryContext old = MemoryContextSwitchTo(s->cxt);

		e->key.values = palloc(sizeof(Datum) * cfg->nkeys);
		for (i = 0; i < cfg->nkeys; i++)
			e->key.values[i] = datumCopy(keyvals[i], cfg->cols[i].typbyval, cfg->cols[i].typlen);
		e->has_new = e->has_del = false;
		e->values = cfg->nvalues > 0 ? palloc0(sizeof(Datum) * cfg->nvalues) : NULL;
		e->nulls = cfg->nvalues > 0 ? palloc0(sizeof(bool) * cfg->nvalues) : NULL;
		MemoryContextSwitchTo(old);
	}
	e->subxid = GetCurrentSubTransactionId();
	return e;
}

/*
 * SQL: lakets._lvc_note(source, nkeys, time, keys..., values...) -> false,
 * in the WHEN clause of the INSERT and UPDATE row triggers: the row becomes
 * its key's newest unless a newer one was seen. Rows without a time or
 * with a NULL key cannot be cached and are skipped.
 */
PG_FUNCTION_INFO_V1(lakets_lvc_note);
Datum
lakets_lvc_note(PG_FUNCTION_ARGS)
{
	LvcSource  *s = called_source(fcinfo, true);
	LvcConfig  *cfg = s->config;
	LvcEntry   *e;
	int64		t;
	int			i;

	if (PG_ARGISNULL(2))
		PG_RETURN_BOOL(false);
	t = lakets_time_to_utc(PG_GETARG_DATUM(2), cfg->time_type);
	e = key_entry(fcinfo, s);
	if (e == NULL || (e->has_new && t < e->new_time))
		PG_RETURN_BOOL(false);
	for (i = 0; i < cfg->nvalues; i++)
	{
		LvcColumn  *col = &cfg->cols[cfg->nkeys + i];
		int			arg = 3 + cfg->nkeys + i;

		/* the one copy a key keeps: no memory grows with the rows */
		if (e->has_new && !e->nulls[i] && !col->typbyval)
			pfree(DatumGetPointer(e->values[i]));
		e->nulls[i] = PG_ARGISNULL(arg);
		if (!e->nulls[i])
		{
			MemoryContext old = MemoryContextSwitchTo(s->cxt);

			e->values[i] = datumCopy(PG_GETARG_DATUM(arg), col->typbyval, col->typlen);
			MemoryContextSwitchTo(old);
		}
	}
	e->has_new = true;
	e->new_time = t;
	PG_RETURN_BOOL(false);
}

/*
 * SQL: lakets._lvc_forget(source, nkeys, time, keys...) -> false, in the
 * WHEN clause of the UPDATE (old row) and DELETE row triggers.
 */
PG_FUNCTION_INFO_V1(lakets_lvc_forget);
Datum
lakets_lvc_forget(PG_FUNCTION_ARGS)
{
	LvcSource  *s = called_source(fcinfo, false);
	LvcEntry   *e;
	int64		t;

	if (PG_ARGISNULL(2))
		PG_RETURN_BOOL(false);
	t = lakets_time_to_utc(PG_GETARG_DATUM(2), s->config->time_type);
	e = key_entry(fcinfo, s);
	if (e == NULL)
		PG_RETURN_BOOL(false);
	if (!e->has_del)
	{
		e->has_del = true;
		e->del_min = e->del_max = t;
	}
	else
	{
		e->del_min = Min(e->del_min, t);
		e->del_max = Max(e->del_max, t);
	}
	PG_RETURN_BOOL(false);
}

/* Writing to the cache */

/* The source's time as the cache's last_updated (timestamptz, UTC) */
static char *
time_sql(const LvcConfig *cfg, const char *alias)
{
	char	   *col = psprintf("%s.%s", alias, quote_identifier(cfg->time_column));

	switch (cfg->time_type)
	{
		case TIMESTAMPTZOID:
			return col;
		case TIMESTAMPOID:
			return psprintf("pg_catalog.timezone('UTC'::pg_catalog.text, %s)", col);
		default:
			return psprintf("pg_catalog.timezone('UTC'::pg_catalog.text, %s::pg_catalog.timestamp)", col);
	}
}

/*
 * "a.k1, a.k2": columns [from, to) with an optional alias, as the source
 * ("s") or the cache (any other alias) names them
 */
static char *
column_list(const LvcConfig *cfg, int from, int to, const char *alias)
{
	StringInfoData buf;
	bool		source = alias != NULL && strcmp(alias, "s") == 0;
	int			i;

	initStringInfo(&buf);
	for (i = from; i < to; i++)
		appendStringInfo(&buf, "%s%s%s%s", buf.len > 0 ? ", " : "",
						 alias ? alias : "", alias ? "." : "",
						 quote_identifier(source ? cfg->cols[i].name : cfg->cols[i].cache_name));
	return buf.data;
}

/* "a.k1 OPERATOR(s.=) b.k1 AND ..." */
static char *
keys_match_sql(const LvcConfig *cfg, const char *a, const char *b)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < cfg->nkeys; i++)
	{
		const LvcColumn *col = &cfg->cols[i];

		/* b is the cache or an alias with its names; a may be the source */
		appendStringInfo(&buf, "%s%s.%s %s %s.%s", i > 0 ? " AND " : "",
						 a, quote_identifier(strcmp(a, "s") == 0 ? col->name : col->cache_name),
						 equality_sql(col), b, quote_identifier(col->cache_name));
	}
	return buf.data;
}

/* INSERT INTO cache ... ON CONFLICT (keys) DO UPDATE ... when not older */
static char *
upsert_sql(const LvcConfig *cfg, const char *qcache, const char *select)
{
	StringInfoData set;
	int			i;

	initStringInfo(&set);
	for (i = cfg->nkeys; i < cfg->nkeys + cfg->nvalues; i++)
		appendStringInfo(&set, "%s = excluded.%s, ", quote_identifier(cfg->cols[i].cache_name),
						 quote_identifier(cfg->cols[i].cache_name));
	return psprintf("INSERT INTO %s AS c (%s%s%s, last_updated) %s"
					" ON CONFLICT (%s) DO UPDATE SET %slast_updated = excluded.last_updated"
					" WHERE c.last_updated OPERATOR(pg_catalog.<=) excluded.last_updated",
					qcache, column_list(cfg, 0, cfg->nkeys, NULL),
					cfg->nvalues > 0 ? ", " : "",
					column_list(cfg, cfg->nkeys, cfg->nkeys + cfg->nvalues, NULL),
					select, column_list(cfg, 0, cfg->nkeys, NULL), set.data);
}

/*
 * "ROWS FROM (unnest($1), unnest($2), ...)": the arrays side by side (the
 * unnest(a, b) shorthand works only with an unqualified unnest).
 */
static char *
unnest_sql(int n)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "ROWS FROM (");
	for (i = 0; i < n; i++)
		appendStringInfo(&buf, "%spg_catalog.unnest($%d)", i > 0 ? ", " : "", i + 1);
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

static Datum
make_array(Datum *elems, bool *nulls, int n, const LvcColumn *col)
{
	int			dims[1] = {n};
	int			lbs[1] = {1};

	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs, col->type,
											  col->typlen, col->typbyval, col->typalign));
}

static Datum
time_array(int64 *times, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		elems[i] = TimestampTzGetDatum(times[i]);
	return PointerGetDatum(construct_array(elems, n, TIMESTAMPTZOID, sizeof(TimestampTz),
										   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * Keys whose cached row may be gone: delete the cache rows whose time is
 * among the deleted ones, then read those keys' newest rows again.
 */
static void
recompute_deleted(const LvcConfig *cfg, const char *qsource, const char *qcache,
				  LvcEntry **del, int ndel)
{
	int			nk = cfg->nkeys;
	Oid		   *types = palloc(sizeof(Oid) * (nk + 2));
	Datum	   *args = palloc(sizeof(Datum) * (nk + 2));
	Datum	   *elems = palloc(sizeof(Datum) * ndel);
	int64	   *lo = palloc(sizeof(int64) * ndel);
	int64	   *hi = palloc(sizeof(int64) * ndel);
	char	   *sql;
	int			i;
	int			j;
	uint64		ngone;

	for (i = 0; i < nk; i++)
	{
		for (j = 0; j < ndel; j++)
			elems[j] = del[j]->key.values[i];
		types[i] = cfg->cols[i].array_type;
		args[i] = make_array(elems, NULL, ndel, &cfg->cols[i]);
	}
	for (j = 0; j < ndel; j++)
	{
		lo[j] = del[j]->del_min;
		hi[j] = del[j]->del_max;
	}
	types[nk] = types[nk + 1] = TIMESTAMPTZARRAYOID;
	args[nk] = time_array(lo, ndel);
	args[nk + 1] = time_array(hi, ndel);
	sql = psprintf("DELETE FROM %s c USING %s AS d(%s, lakets_lo, lakets_hi)"
				   " WHERE %s AND c.last_updated OPERATOR(pg_catalog.>=) d.lakets_lo"
				   " AND c.last_updated OPERATOR(pg_catalog.<=) d.lakets_hi RETURNING %s",
				   qcache, unnest_sql(nk + 2), column_list(cfg, 0, nk, NULL),
				   keys_match_sql(cfg, "c", "d"), column_list(cfg, 0, nk, "c"));
	ngone = lakets_exec_kept(sql, nk + 2, types, args, NULL, SPI_OK_DELETE_RETURNING);
	if (ngone == 0)
		return;

	/* the keys deleted, as arrays again */
	{
		SPITupleTable *tt = SPI_tuptable;

		elems = palloc(sizeof(Datum) * ngone);
		for (i = 0; i < nk; i++)
		{
			bool		isnull;

			for (j = 0; j < (int) ngone; j++)
				elems[j] = SPI_getbinval(tt->vals[j], tt->tupdesc, i + 1, &isnull);
			args[i] = make_array(elems, NULL, (int) ngone, &cfg->cols[i]);
		}
	}
	sql = upsert_sql(cfg, qcache,
					 psprintf("SELECT DISTINCT ON (%s) %s%s%s, %s FROM %s s"
							  " WHERE s.%s IS NOT NULL AND EXISTS (SELECT FROM %s AS g(%s)"
							  " WHERE %s) ORDER BY %s, s.%s DESC",
							  column_list(cfg, 0, nk, "s"), column_list(cfg, 0, nk, "s"),
							  cfg->nvalues > 0 ? ", " : "",
							  column_list(cfg, nk, nk + cfg->nvalues, "s"),
							  time_sql(cfg, "s"), qsource,
							  quote_identifier(cfg->time_column), unnest_sql(nk),
							  column_list(cfg, 0, nk, NULL), keys_match_sql(cfg, "s", "g"),
							  column_list(cfg, 0, nk, "s"), quote_identifier(cfg->time_column)));
	lakets_exec_kept(sql, nk, types, args, NULL, SPI_OK_INSERT);
}

/* One upsert of the newest rows of all the keys written. */
static void
upsert_new(const LvcConfig *cfg, const char *qcache, LvcEntry **rows, int nrows)
{
	int			ncols = cfg->nkeys + cfg->nvalues;
	Oid		   *types = palloc(sizeof(Oid) * (ncols + 1));
	Datum	   *args = palloc(sizeof(Datum) * (ncols + 1));
	Datum	   *elems = palloc(sizeof(Datum) * nrows);
	bool	   *nulls = palloc(sizeof(bool) * nrows);
	int64	   *times = palloc(sizeof(int64) * nrows);
	int			i;
	int			j;

	for (i = 0; i < ncols; i++)
	{
		for (j = 0; j < nrows; j++)
		{
			if (i < cfg->nkeys)
			{
				elems[j] = rows[j]->key.values[i];
				nulls[j] = false;
			}
			else
			{
				elems[j] = rows[j]->values[i - cfg->nkeys];
				nulls[j] = rows[j]->nulls[i - cfg->nkeys];
			}
		}
		types[i] = cfg->cols[i].array_type;
		args[i] = make_array(elems, nulls, nrows, &cfg->cols[i]);
	}
	for (j = 0; j < nrows; j++)
		times[j] = rows[j]->new_time;
	types[ncols] = TIMESTAMPTZARRAYOID;
	args[ncols] = time_array(times, nrows);
	lakets_exec_kept(upsert_sql(cfg, qcache,
								psprintf("SELECT * FROM %s", unnest_sql(ncols + 1))),
					 ncols + 1, types, args, NULL, SPI_OK_INSERT);
}

/*
 * Keys are written in the order of their hashes: two sessions upserting
 * overlapping sets of keys lock them in the same order and do not deadlock.
 */
static int
entry_order(const void *a, const void *b)
{
	uint32		ha = (*(LvcEntry *const *) a)->key.hash;
	uint32		hb = (*(LvcEntry *const *) b)->key.hash;

	return ha < hb ? -1 : (ha > hb ? 1 : 0);
}

static void
flush_source(LvcSource *s)
{
	LvcConfig  *cfg = s->config;
	long		n = hash_get_num_entries(s->entries);
	LvcEntry  **rows;
	LvcEntry  **del;
	int			nrows = 0;
	int			ndel = 0;
	HASH_SEQ_STATUS scan;
	LvcEntry   *e;
	OwnerSwitch sw;
	char	   *qsource;
	char	   *qcache;

	if (n == 0)
		return;
	/* dropped (or its LVC disabled) in this transaction: nothing to keep */
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(cfg->cache_relid)) ||
		!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(cfg->source_relid)))
	{
		reset_entries(s);
		return;
	}
	rows = palloc(sizeof(LvcEntry *) * n);
	del = palloc(sizeof(LvcEntry *) * n);
	hash_seq_init(&scan, s->entries);
	while ((e = hash_seq_search(&scan)) != NULL)
	{
		if (e->has_new)
			rows[nrows++] = e;
		/* a new row at least as new as the deleted ones replaces them anyway */
		if (e->has_del && !(e->has_new && e->new_time >= e->del_max))
			del[ndel++] = e;
	}
	qsort(rows, nrows, sizeof(LvcEntry *), entry_order);
	qsort(del, ndel, sizeof(LvcEntry *), entry_order);
	qsource = catalog_relation_name(cfg->source_relid);
	qcache = catalog_relation_name(cfg->cache_relid);
	lakets_become_owner(cfg->source_relid, &sw);
	if (ndel > 0)
		recompute_deleted(cfg, qsource, qcache, del, ndel);
	if (nrows > 0)
		upsert_new(cfg, qcache, rows, nrows);
	lakets_end_owner(&sw);
	reset_entries(s);
}

/* Write what was gathered for every source. */
static void
lvc_flush(void)
{
	HASH_SEQ_STATUS scan;
	LvcSource  *s;

	if (lvc_sources == NULL)
		return;
	/* the extension may have been dropped in this very transaction */
	if (!OidIsValid(get_extension_oid("lakets", true)))
	{
		forget_state();
		return;
	}
	SPI_connect();
	hash_seq_init(&scan, lvc_sources);
	while ((s = hash_seq_search(&scan)) != NULL)
		flush_source(s);
	SPI_finish();
}

/* Forget what was gathered for a source (its LVC goes, or it was truncated). */
static void
lvc_discard(Oid relid)
{
	LvcSource  *s;

	if (lvc_sources == NULL)
		return;
	s = hash_search(lvc_sources, &relid, HASH_FIND, NULL);
	if (s != NULL)
	{
		MemoryContextDelete(s->cxt);
		hash_search(lvc_sources, &relid, HASH_REMOVE, NULL);
	}
	lvc_generation++;
}

/*
 * SQL: lakets._lvc_trigger() -- the statement triggers of a source: after
 * INSERT, UPDATE or DELETE the rows gathered go to the cache; after
 * TRUNCATE the cache is emptied. (The row triggers name it too; their
 * WHEN clause is never true.)
 */
PG_FUNCTION_INFO_V1(lakets_lvc_trigger);
Datum
lakets_lvc_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Oid			relid;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("lakets._lvc_trigger() must be called as a statement trigger"),
				 errhint("The row triggers of a last value cache do their work in their WHEN clause.")));
	relid = RelationGetRelid(td->tg_relation);
	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
	{
		LvcConfig  *cfg;
		OwnerSwitch sw;

		lvc_discard(relid);
		SPI_connect();
		cfg = load_config(relid, CurrentMemoryContext);
		if (cfg != NULL && SearchSysCacheExists1(RELOID, ObjectIdGetDatum(cfg->cache_relid)))
		{
			lakets_become_owner(relid, &sw);
			lakets_execf(SPI_OK_DELETE, "DELETE FROM %s", catalog_relation_name(cfg->cache_relid));
			lakets_end_owner(&sw);
		}
		SPI_finish();
	}
	else
		lvc_flush();
	return PointerGetDatum(NULL);
}

/* The SQL-callable functions */

typedef struct LvcRow
{
	Oid			source_relid;
	Oid			cache_relid;
	char	   *key_columns;
	char	   *value_columns;
	bool		enabled;
} LvcRow;

/* The registry row of a source; NULL when it has none (or a stale one). */
static LvcRow *
registry_row(Oid source_relid)
{
	Oid			types[1] = {REGCLASSOID};
	Datum		values[1] = {ObjectIdGetDatum(source_relid)};
	LvcRow	   *row;
	bool		isnull;

	lakets_exec_kept("SELECT source_relid, cache_relid,"
					 " pg_catalog.array_to_string(key_columns, ', '),"
					 " pg_catalog.array_to_string(value_columns, ', '), enabled"
					 " FROM lakets._lvc_registry WHERE source_relid = $1",
					 1, types, values, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
		return NULL;
	row = palloc(sizeof(LvcRow));
	row->source_relid = source_relid;
	row->cache_relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
													  SPI_tuptable->tupdesc, 2, &isnull));
	row->key_columns = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	row->value_columns = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4);
	row->enabled = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5,
											  &isnull));
	return row;
}

static void
delete_registry_row(Oid source_relid)
{
	Oid			types[1] = {REGCLASSOID};
	Datum		values[1] = {ObjectIdGetDatum(source_relid)};

	catalog_registry_write("DELETE FROM lakets._lvc_registry WHERE source_relid = $1",
						   1, types, values, NULL, SPI_OK_DELETE);
}

static void
not_enabled(const char *schema_name, const char *table_name)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("LVC not enabled for %s.%s", schema_name, table_name),
			 errhint("Enable it with lakets.enable_lvc().")));
}

/* Column names of an argument: a non-null array without NULL or empty names. */
static List *
column_names_arg(FunctionCallInfo fcinfo, int argno, const char *name, bool allow_empty)
{
	List	   *names;
	ListCell   *lc;

	lakets_require_arg(fcinfo, argno, name);
	names = text_array_list(PG_GETARG_DATUM(argno));
	if (names == NIL && !allow_empty)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must name at least one column", name)));
	foreach(lc, names)
		if (lfirst(lc) == NULL || ((char *) lfirst(lc))[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must not contain NULL or empty names", name)));
	if (list_length(names) > INDEX_MAX_KEYS && !allow_empty)
		ereport(ERROR,
				(errcode(ERRCODE_TOO_MANY_COLUMNS),
				 errmsg("%s names more than %d columns", name, INDEX_MAX_KEYS)));
	return names;
}

static void
check_column_names(List *keys, List *values)
{
	List	   *all = list_concat_copy(keys, values);
	ListCell   *lc;
	ListCell   *lc2;

	foreach(lc, all)
	{
		if (strcmp(lfirst(lc), "last_updated") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a column named \"last_updated\" cannot be cached"),
					 errdetail("The cache has a column of that name: the time of the row cached.")));
		for_each_cell(lc2, all, lnext(all, lc))
			if (strcmp(lfirst(lc), lfirst(lc2)) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_COLUMN),
						 errmsg("column \"%s\" is named twice in p_key_columns and p_value_columns",
								(char *) lfirst(lc))));
	}
}

static char *
column_definitions(const LvcConfig *cfg)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < cfg->nkeys + cfg->nvalues; i++)
	{
		const LvcColumn *col = &cfg->cols[i];

		appendStringInfo(&buf, "%s %s", quote_identifier(col->name),
						 format_type_extended(col->type, col->typmod,
											  FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY));
		if (OidIsValid(col->collation) && col->collation != get_typcollation(col->type))
		{
			HeapTuple	tup = SearchSysCache1(COLLOID, ObjectIdGetDatum(col->collation));
			Form_pg_collation coll;

			if (!HeapTupleIsValid(tup))
				elog(ERROR, "cache lookup failed for collation %u", col->collation);
			coll = (Form_pg_collation) GETSTRUCT(tup);
			appendStringInfo(&buf, " COLLATE %s",
							 quote_qualified_identifier(get_namespace_name(coll->collnamespace),
														NameStr(coll->collname)));
			ReleaseSysCache(tup);
		}
		appendStringInfoString(&buf, i < cfg->nkeys ? " NOT NULL, " : ", ");
	}
	return buf.data;
}

static void
depend_on(ObjectAddress *dependent, Oid classid, Oid objid, DependencyType type)
{
	ObjectAddress referenced;

	ObjectAddressSet(referenced, classid, objid);
	recordDependencyOn(dependent, &referenced, type);
}

static char *
cache_name_for(const char *table_name)
{
	char	   *name = psprintf(LVC_PREFIX "%s", table_name);
	int			len = strlen(name);

	if (len >= NAMEDATALEN)
		name[pg_mbcliplen(name, len, NAMEDATALEN - 1)] = '\0';
	return name;
}

static Datum
attnum_array(const LvcConfig *cfg, int from, int to)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(to - from, 1));
	int			i;

	for (i = from; i < to; i++)
		elems[i - from] = Int16GetDatum(cfg->cols[i].attnum);
	return PointerGetDatum(construct_array(elems, to - from, INT2OID, sizeof(int16), true,
										   TYPALIGN_SHORT));
}

/* SQL: lakets.enable_lvc(p_table_name, p_key_columns, p_value_columns, p_schema_name) */
PG_FUNCTION_INFO_V1(lakets_enable_lvc);
Datum
lakets_enable_lvc(PG_FUNCTION_ARGS)
{
	char	   *table_name = lakets_text_arg(fcinfo, 0, "p_table_name");
	char	   *schema_name = lakets_text_arg(fcinfo, 3, "p_schema_name");
	List	   *keys = column_names_arg(fcinfo, 1, "p_key_columns", false);
	List	   *values = column_names_arg(fcinfo, 2, "p_value_columns", true);
	Oid			relid;
	ChronoTable *ct;
	LvcRow	   *existing;
	LvcConfig  *cfg;
	char	   *cache_name;
	char	   *qsource;
	char	   *qcache;
	Oid			cache_relid;
	OwnerSwitch sw;
	ObjectAddress cache_addr;
	char	   *source_lit;
	char	   *nk;
	char	   *tcol;
	StringInfoData newargs;
	StringInfoData oldargs;
	int			i;
	Oid			types[8] = {INT4OID, REGCLASSOID, REGCLASSOID, NAMEOID, TEXTARRAYOID, TEXTARRAYOID,
	INT2ARRAYOID, INT2ARRAYOID};
	Datum		rvalues[8];

	check_column_names(keys, values);
	SPI_connect();
	relid = lakets_resolve_table(schema_name, table_name);
	ct = catalog_get_chronotable(relid, false);
	lakets_check_owner(relid);
	/* CREATE TRIGGER's lock, taken now: no row is written between backfill and triggers */
	lakets_lock_relation(relid, ShareRowExclusiveLock);

	existing = registry_row(relid);
	if (existing != NULL)
	{
		if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(existing->cache_relid)))
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("LVC already enabled for %s.%s", schema_name, table_name),
					 errhint("Disable it with lakets.disable_lvc() first to change its columns.")));
		/* its cache table was dropped by hand: the row points at nothing */
		delete_registry_row(relid);
	}
	cfg = build_config(relid, InvalidOid, ct->time_column, ct->time_type, keys, values,
					   CurrentMemoryContext);
	cache_name = cache_name_for(get_rel_name(relid));
	if (OidIsValid(get_relname_relid(cache_name, get_rel_namespace(relid))))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("relation \"%s.%s\" already exists", schema_name, cache_name),
				 errdetail("The last value cache of %s.%s is the table %s.", schema_name,
						   table_name, cache_name),
				 errhint("Rename or drop that table first.")));
	qsource = catalog_relation_name(relid);
	qcache = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), cache_name);

	/* the cache, filled from the rows there are, and the triggers: as the owner */
	lakets_become_owner(relid, &sw);
	lakets_execf(SPI_OK_UTILITY,
				 "CREATE TABLE %s (%slast_updated pg_catalog.timestamptz NOT NULL, PRIMARY KEY (%s))",
				 qcache, column_definitions(cfg), column_list(cfg, 0, cfg->nkeys, NULL));
	cache_relid = get_relname_relid(cache_name, get_rel_namespace(relid));
	{
		StringInfoData notnull;

		initStringInfo(&notnull);
		for (i = 0; i < cfg->nkeys; i++)
			appendStringInfo(&notnull, " AND s.%s IS NOT NULL", quote_identifier(cfg->cols[i].name));
		lakets_execf(SPI_OK_INSERT,
					 "INSERT INTO %s (%s%s%s, last_updated)"
					 " SELECT DISTINCT ON (%s) %s%s%s, %s FROM %s s"
					 " WHERE s.%s IS NOT NULL%s ORDER BY %s, s.%s DESC",
					 qcache, column_list(cfg, 0, cfg->nkeys, NULL), cfg->nvalues > 0 ? ", " : "",
					 column_list(cfg, cfg->nkeys, cfg->nkeys + cfg->nvalues, NULL),
					 column_list(cfg, 0, cfg->nkeys, "s"), column_list(cfg, 0, cfg->nkeys, "s"),
					 cfg->nvalues > 0 ? ", " : "",
					 column_list(cfg, cfg->nkeys, cfg->nkeys + cfg->nvalues, "s"),
					 time_sql(cfg, "s"), qsource, quote_identifier(cfg->time_column),
					 notnull.data, column_list(cfg, 0, cfg->nkeys, "s"),
					 quote_identifier(cfg->time_column));
	}

	source_lit = quote_literal_cstr(qsource);
	nk = psprintf("%d", cfg->nkeys);
	tcol = (char *) quote_identifier(cfg->time_column);
	initStringInfo(&newargs);
	initStringInfo(&oldargs);
	for (i = 0; i < cfg->nkeys + cfg->nvalues; i++)
	{
		appendStringInfo(&newargs, ", NEW.%s", quote_identifier(cfg->cols[i].name));
		if (i < cfg->nkeys)
			appendStringInfo(&oldargs, ", OLD.%s", quote_identifier(cfg->cols[i].name));
	}
	lakets_execf(SPI_OK_UTILITY,
				 "CREATE TRIGGER %s AFTER INSERT ON %s FOR EACH ROW"
				 " WHEN (lakets._lvc_note(%s, %s, NEW.%s%s)) EXECUTE FUNCTION lakets._lvc_trigger()",
				 lvc_row_triggers[0], qsource, source_lit, nk, tcol, newargs.data);
	lakets_execf(SPI_OK_UTILITY,
				 "CREATE TRIGGER %s AFTER UPDATE ON %s FOR EACH ROW"
				 " WHEN (lakets._lvc_forget(%s, %s, OLD.%s%s) OR lakets._lvc_note(%s, %s, NEW.%s%s))"
				 " EXECUTE FUNCTION lakets._lvc_trigger()",
				 lvc_row_triggers[1], qsource, source_lit, nk, tcol, oldargs.data,
				 source_lit, nk, tcol, newargs.data);
	lakets_execf(SPI_OK_UTILITY,
				 "CREATE TRIGGER %s AFTER DELETE ON %s FOR EACH ROW"
				 " WHEN (lakets._lvc_forget(%s, %s, OLD.%s%s)) EXECUTE FUNCTION lakets._lvc_trigger()",
				 lvc_row_triggers[2], qsource, source_lit, nk, tcol, oldargs.data);
	lakets_execf(SPI_OK_UTILITY,
				 "CREATE TRIGGER %s AFTER INSERT OR UPDATE OR DELETE ON %s"
				 " FOR EACH STATEMENT EXECUTE FUNCTION lakets._lvc_trigger()",
				 LVC_TRIGGER, qsource);
	lakets_execf(SPI_OK_UTILITY,
				 "CREATE TRIGGER %s AFTER TRUNCATE ON %s"
				 " FOR EACH STATEMENT EXECUTE FUNCTION lakets._lvc_trigger()",
				 LVC_TRIGGER "_truncate", qsource);
	lakets_end_owner(&sw);

	/*
	 * The cache goes with the source and with the extension; the triggers
	 * go with the cache.
	 */
	ObjectAddressSet(cache_addr, RelationRelationId, cache_relid);
	depend_on(&cache_addr, RelationRelationId, relid, DEPENDENCY_AUTO);
	depend_on(&cache_addr, ExtensionRelationId, get_extension_oid("lakets", false),
			  DEPENDENCY_NORMAL);
	{
		const char *all[5] = {lvc_row_triggers[0], lvc_row_triggers[1], lvc_row_triggers[2],
		LVC_TRIGGER, LVC_TRIGGER "_truncate"};

		for (i = 0; i < lengthof(all); i++)
		{
			ObjectAddress trig;

			ObjectAddressSet(trig, TriggerRelationId, get_trigger_oid(relid, all[i], false));
			depend_on(&trig, RelationRelationId, cache_relid, DEPENDENCY_AUTO);
		}
	}

	rvalues[0] = Int32GetDatum(ct->id);
	rvalues[1] = ObjectIdGetDatum(relid);
	rvalues[2] = ObjectIdGetDatum(cache_relid);
	rvalues[3] = DirectFunctionCall1(namein, CStringGetDatum(cache_name));
	rvalues[4] = PG_GETARG_DATUM(1);
	rvalues[5] = PG_GETARG_DATUM(2);
	rvalues[6] = attnum_array(cfg, 0, cfg->nkeys);
	rvalues[7] = attnum_array(cfg, cfg->nkeys, cfg->nkeys + cfg->nvalues);
	catalog_registry_write("INSERT INTO lakets._lvc_registry (chronotable_id, source_relid,"
						   " cache_relid, cache_table_name, key_columns, value_columns,"
						   " key_attnums, value_attnums)"
						   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
						   8, types, rvalues, NULL, SPI_OK_INSERT);
	lvc_discard(relid);
	SPI_finish();
	PG_RETURN_VOID();
}

/* SQL: lakets.disable_lvc(p_table_name, p_schema_name) */
PG_FUNCTION_INFO_V1(lakets_disable_lvc);
Datum
lakets_disable_lvc(PG_FUNCTION_ARGS)
{
	char	   *table_name = lakets_text_arg(fcinfo, 0, "p_table_name");
	char	   *schema_name = lakets_text_arg(fcinfo, 1, "p_schema_name");
	Oid			relid;
	LvcRow	   *row;
	OwnerSwitch sw;
	int			i;

	SPI_connect();
	relid = lakets_resolve_table(schema_name, table_name);
	row = registry_row(relid);
	if (row == NULL)
		not_enabled(schema_name, table_name);
	lakets_check_owner(relid);
	lakets_lock_relation(relid, AccessExclusiveLock);
	delete_registry_row(relid);
	lvc_discard(relid);
	lakets_become_owner(relid, &sw);
	/* the triggers first: dropping the cache would take them along, but only its own */
	for (i = 0; i < lengthof(lvc_row_triggers); i++)
		lakets_execf(SPI_OK_UTILITY, "DROP TRIGGER IF EXISTS %s ON %s", lvc_row_triggers[i],
					 catalog_relation_name(relid));
	lakets_execf(SPI_OK_UTILITY, "DROP TRIGGER IF EXISTS %s ON %s", LVC_TRIGGER,
				 catalog_relation_name(relid));
	lakets_execf(SPI_OK_UTILITY, "DROP TRIGGER IF EXISTS %s ON %s", LVC_TRIGGER "_truncate",
				 catalog_relation_name(relid));
	if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(row->cache_relid)))
		lakets_drop_own("TABLE", catalog_relation_name(row->cache_relid));
	lakets_end_owner(&sw);
	SPI_finish();
	PG_RETURN_VOID();
}

static char *
describe_desc(TupleDesc desc)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped)
			appendStringInfo(&buf, "%s%s %s", buf.len > 0 ? ", " : "",
							 quote_identifier(NameStr(att->attname)),
							 format_type_be(att->atttypid));
	}
	return buf.data;
}

/* SQL: lakets.latest_values(p_table_name, p_schema_name) RETURNS SETOF record */
PG_FUNCTION_INFO_V1(lakets_latest_values);
Datum
lakets_latest_values(PG_FUNCTION_ARGS)
{
	char	   *table_name = lakets_text_arg(fcinfo, 0, "p_table_name");
	char	   *schema_name = lakets_text_arg(fcinfo, 1, "p_schema_name");
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			relid;
	LvcRow	   *row;
	OwnerSwitch sw;
	TupleDesc	desc;
	bool		match;
	uint64		i;
	int			j;

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	relid = lakets_resolve_table(schema_name, table_name);
	row = registry_row(relid);
	if (row == NULL || !SearchSysCacheExists1(RELOID, ObjectIdGetDatum(row->cache_relid)))
		not_enabled(schema_name, table_name);
	/* the cache is the source's data: whoever may read the source may read it */
	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table %s", table_name)));
	lakets_become_owner(relid, &sw);
	lakets_execf(SPI_OK_SELECT, "SELECT * FROM %s ORDER BY last_updated DESC",
				 catalog_relation_name(row->cache_relid));
	lakets_end_owner(&sw);

	desc = SPI_tuptable->tupdesc;
	match = desc->natts == rsinfo->setDesc->natts;
	for (j = 0; match && j < desc->natts; j++)
		match = TupleDescAttr(desc, j)->atttypid == TupleDescAttr(rsinfo->setDesc, j)->atttypid;
	if (!match)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("the column definition list does not match the last value cache of %s.%s",
						schema_name, table_name),
				 errdetail("The cache has the columns %s.", describe_desc(desc)),
				 errhint("Call it as SELECT * FROM lakets.latest_values(...) AS (%s).",
						 describe_desc(desc))));
	for (i = 0; i < SPI_processed; i++)
		tuplestore_puttuple(rsinfo->setResult, SPI_tuptable->vals[i]);
	SPI_finish();
	return (Datum) 0;
}

/* SQL: lakets.lvc_stats() */
PG_FUNCTION_INFO_V1(lakets_lvc_stats);
Datum
lakets_lvc_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *rows = NIL;
	ListCell   *lc;
	uint64		i;

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	lakets_exec_kept("SELECT source_relid, cache_relid FROM lakets._lvc_registry ORDER BY id",
					 0, NULL, NULL, NULL, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			source = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
															SPI_tuptable->tupdesc, 1, &isnull));

		rows = lappend_oid(rows, source);
	}
	foreach(lc, rows)
	{
		Oid			source = lfirst_oid(lc);
		LvcRow	   *row;
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};
		char	   *src_name = get_rel_name(source);

		row = registry_row(source);
		/* dropped behind lakets' back: the registry row is forgotten soon */
		if (row == NULL || src_name == NULL || get_rel_name(row->cache_relid) == NULL)
			continue;
		values[0] = CStringGetTextDatum(psprintf("%s.%s", get_namespace_name(get_rel_namespace(source)),
												 src_name));
		values[1] = CStringGetTextDatum(get_rel_name(row->cache_relid));
		if (pg_class_aclcheck(source, GetUserId(), ACL_SELECT) == ACLCHECK_OK)
		{
			OwnerSwitch sw;
			bool		isnull;
			Datum		n;

			lakets_become_owner(source, &sw);
			n = lakets_exec_scalar(psprintf("SELECT pg_catalog.count(*) FROM %s",
											catalog_relation_name(row->cache_relid)),
								   0, NULL, NULL, NULL, &isnull);
			lakets_end_owner(&sw);
			values[2] = n;
		}
		else
			nulls[2] = true;
		values[3] = CStringGetTextDatum(row->key_columns);
		values[4] = CStringGetTextDatum(row->value_columns);
		values[5] = BoolGetDatum(row->enabled);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}
