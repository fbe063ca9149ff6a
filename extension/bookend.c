/*
 * bookend.c
 *	  The aggregates lakets.first(value, time) and lakets.last(value, time).
 *
 * The value may be of any type (by value or by reference); the time is a
 * timestamptz, timestamp, date or bigint, compared as an int64. Rows with a
 * NULL time are ignored; a NULL value is a value like any other.
 *
 * Ties are resolved so that the result never depends on the input order or
 * on how a parallel plan splits the rows: first() is the value of the first
 * row of ORDER BY time, value and last() the value of the last one, the
 * value ordered by its type's default btree operator class (and the
 * aggregate's collation) with NULL after every other value. The order of
 * values is only consulted on a tie; a value type without a default btree
 * operator class is an error then.
 *
 * The state lives in the aggregate's memory context; a by-reference value
 * is copied when it becomes the candidate and the copy it replaces freed,
 * so that last() over rows in time order does not keep every row. Combine,
 * serialize and deserialize functions make the aggregates parallel: the
 * serialized form carries the value type, so that the leader can compare
 * values of partial states.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "compat.h"

typedef struct BookendState
{
	bool		has;			/* a row with a non-NULL time was seen */
	bool		value_null;
	int64		time;
	Datum		value;
	Oid			value_type;
	int16		typlen;
	bool		typbyval;
	Oid			collation;
	FmgrInfo   *cmp;			/* the value type's btree comparison, once looked up */
} BookendState;

static MemoryContext
agg_context(FunctionCallInfo fcinfo, const char *fn)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "%s called in non-aggregate context", fn);
	return aggcontext;
}

static BookendState *
new_state(MemoryContext aggcontext, Oid value_type, Oid collation)
{
	BookendState *st = MemoryContextAllocZero(aggcontext, sizeof(BookendState));

	st->value_type = value_type;
	st->collation = collation;
	get_typlenbyval(value_type, &st->typlen, &st->typbyval);
	return st;
}

/* The time argument as an int64, whatever its type. */
static int64
time_value(Datum d, Oid typid)
{
	switch (typid)
	{
		case TIMESTAMPTZOID:
			return DatumGetTimestampTz(d);
		case TIMESTAMPOID:
			return DatumGetTimestamp(d);
		case DATEOID:
			return (int64) DatumGetDateADT(d);
		case INT8OID:
			return DatumGetInt64(d);
		default:
			elog(ERROR, "unexpected time type %u for first() or last()", typid);
	}
	return 0;					/* keep compiler quiet */
}

/* Compare two values (NULL after every other value). */
static int
compare_values(BookendState *st, MemoryContext aggcontext, bool anull, Datum a,
			   bool bnull, Datum b)
{
	if (anull || bnull)
		return (anull ? 1 : 0) - (bnull ? 1 : 0);
	if (st->cmp == NULL)
	{
		TypeCacheEntry *tc = lookup_type_cache(st->value_type, TYPECACHE_CMP_PROC);
		FmgrInfo   *cmp;

		if (!OidIsValid(tc->cmp_proc))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FUNCTION),
					 errmsg("could not identify a comparison function for type %s",
							format_type_be(st->value_type)),
					 errdetail("first() and last() order the values of rows with equal times to choose one."),
					 errhint("Cast the value to a type that can be sorted, e.g. text.")));
		cmp = MemoryContextAlloc(aggcontext, sizeof(FmgrInfo));
		fmgr_info_cxt(tc->cmp_proc, cmp, aggcontext);
		st->cmp = cmp;
	}
	return DatumGetInt32(FunctionCall2Coll(st->cmp, st->collation, a, b));
}

/* Make (time, value) the candidate of st, copied into aggcontext. */
static void
take(BookendState *st, MemoryContext aggcontext, int64 time, bool value_null, Datum value)
{
	if (!st->typbyval && st->has && !st->value_null)
		pfree(DatumGetPointer(st->value));
	st->has = true;
	st->time = time;
	st->value_null = value_null;
	if (value_null)
		st->value = (Datum) 0;
	else if (st->typbyval)
		st->value = value;
	else
	{
		MemoryContext old = MemoryContextSwitchTo(aggcontext);

		/* detoasted: the state must not point into a row or a TOAST table */
		if (st->typlen == -1)
			value = PointerGetDatum(PG_DETOAST_DATUM_COPY(value));
		else
			value = datumCopy(value, false, st->typlen);
		MemoryContextSwitchTo(old);
		st->value = value;
	}
}

/*
 * Whether (time, value) comes before the candidate in ORDER BY time, value
 * (sign -1, for first()) or after it (sign 1, for last()).
 */
static bool
better(BookendState *st, MemoryContext aggcontext, int sign, int64 time, bool value_null,
	   Datum value)
{
	int			c;

	if (!st->has)
		return true;
	if (time != st->time)
		return (time < st->time ? -1 : 1) == sign;
	c = compare_values(st, aggcontext, value_null, value, st->value_null, st->value);
	return c != 0 && (c < 0 ? -1 : 1) == sign;
}

static Datum
transition(FunctionCallInfo fcinfo, int sign, const char *fn)
{
	MemoryContext aggcontext = agg_context(fcinfo, fn);
	BookendState *st = PG_ARGISNULL(0) ? NULL : (BookendState *) PG_GETARG_POINTER(0);
	int64		time;

	if (st == NULL)
		st = new_state(aggcontext, get_fn_expr_argtype(fcinfo->flinfo, 1),
					   PG_GET_COLLATION());
	if (PG_ARGISNULL(2))
		PG_RETURN_POINTER(st);
	time = time_value(PG_GETARG_DATUM(2), get_fn_expr_argtype(fcinfo->flinfo, 2));
	if (better(st, aggcontext, sign, time, PG_ARGISNULL(1), PG_GETARG_DATUM(1)))
		take(st, aggcontext, time, PG_ARGISNULL(1), PG_GETARG_DATUM(1));
	PG_RETURN_POINTER(st);
}

/* SQL: lakets._first_sfunc(internal, anyelement, time) */
PG_FUNCTION_INFO_V1(lakets_first_sfunc);
Datum
lakets_first_sfunc(PG_FUNCTION_ARGS)
{
	return transition(fcinfo, -1, "lakets_first_sfunc");
}

/* SQL: lakets._last_sfunc(internal, anyelement, time) */
PG_FUNCTION_INFO_V1(lakets_last_sfunc);
Datum
lakets_last_sfunc(PG_FUNCTION_ARGS)
{
	return transition(fcinfo, 1, "lakets_last_sfunc");
}

static Datum
combine(FunctionCallInfo fcinfo, int sign, const char *fn)
{
	MemoryContext aggcontext = agg_context(fcinfo, fn);
	BookendState *st = PG_ARGISNULL(0) ? NULL : (BookendState *) PG_GETARG_POINTER(0);
	BookendState *other = PG_ARGISNULL(1) ? NULL : (BookendState *) PG_GETARG_POINTER(1);

	if (other == NULL || !other->has)
		return st ? PointerGetDatum(st) : (Datum) 0;
	if (st == NULL)
		st = new_state(aggcontext, other->value_type, other->collation);
	if (better(st, aggcontext, sign, other->time, other->value_null, other->value))
		take(st, aggcontext, other->time, other->value_null, other->value);
	PG_RETURN_POINTER(st);
}

/* SQL: lakets._first_combine(internal, internal) */
PG_FUNCTION_INFO_V1(lakets_first_combine);
Datum
lakets_first_combine(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	return combine(fcinfo, -1, "lakets_first_combine");
}

/* SQL: lakets._last_combine(internal, internal) */
PG_FUNCTION_INFO_V1(lakets_last_combine);
Datum
lakets_last_combine(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	return combine(fcinfo, 1, "lakets_last_combine");
}

/*
 * SQL: lakets._bookend_serialize(internal) -> bytea: value type, collation,
 * flags, time, then the value as datumSerialize() writes it (the workers
 * and the leader are the same server build).
 */
PG_FUNCTION_INFO_V1(lakets_bookend_serialize);
Datum
lakets_bookend_serialize(PG_FUNCTION_ARGS)
{
	BookendState *st = (BookendState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	(void) agg_context(fcinfo, "lakets_bookend_serialize");
	pq_begintypsend(&buf);
	pq_sendint32(&buf, st->value_type);
	pq_sendint32(&buf, st->collation);
	pq_sendbyte(&buf, st->has);
	pq_sendbyte(&buf, st->value_null);
	pq_sendint64(&buf, st->time);
	if (st->has && !st->value_null)
	{
		Size		size = datumEstimateSpace(st->value, false, st->typbyval, st->typlen);
		char	   *data = palloc(size);
		char	   *p = data;

		datumSerialize(st->value, false, st->typbyval, st->typlen, &p);
		pq_sendint32(&buf, (int32) size);
		pq_sendbytes(&buf, data, size);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* SQL: lakets._bookend_deserialize(bytea, internal) -> internal */
PG_FUNCTION_INFO_V1(lakets_bookend_deserialize);
Datum
lakets_bookend_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context(fcinfo, "lakets_bookend_deserialize");
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	BookendState *st;
	Oid			value_type;
	Oid			collation;

	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = 0;
	buf.cursor = 0;
	value_type = pq_getmsgint(&buf, 4);
	collation = pq_getmsgint(&buf, 4);
	st = new_state(aggcontext, value_type, collation);
	st->has = pq_getmsgbyte(&buf);
	st->value_null = pq_getmsgbyte(&buf);
	st->time = pq_getmsgint64(&buf);
	if (st->has && !st->value_null)
	{
		int32		size = pq_getmsgint(&buf, 4);
		char	   *p = (char *) pq_getmsgbytes(&buf, size);
		MemoryContext old = MemoryContextSwitchTo(aggcontext);
		bool		isnull;

		st->value = datumRestore(&p, &isnull);
		MemoryContextSwitchTo(old);
	}
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(st);
}

/* SQL: lakets._bookend_final(internal, anyelement, time) -> anyelement */
PG_FUNCTION_INFO_V1(lakets_bookend_final);
Datum
lakets_bookend_final(PG_FUNCTION_ARGS)
{
	BookendState *st = PG_ARGISNULL(0) ? NULL : (BookendState *) PG_GETARG_POINTER(0);

	(void) agg_context(fcinfo, "lakets_bookend_final");
	if (st == NULL || !st->has || st->value_null)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(st->value);
}
