/*
 * gapfill.c
 *	  Gap filling: lakets.time_bucket_gapfill(), the bucket starts of a time
 *	  range (to LEFT JOIN data onto), and the window aggregate
 *	  lakets.locf_agg(), which carries the last non-NULL value forward.
 *
 * time_bucket_gapfill(p_interval, p_start, p_finish) returns the start of
 * every bucket from the bucket of p_start to the bucket of p_finish, both
 * included (the toolkit's generate_series(time_bucket(p_start),
 * time_bucket(p_finish), p_interval)), with the alignment of
 * lakets.time_bucket(): UTC, months from January 2000. Nothing when p_finish
 * is before p_start; NULL bounds are an error.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/timestamp.h"

#include "timebucket.h"

typedef struct GapfillState
{
	Interval	width;
	int64		next;
	int64		last;
} GapfillState;

/* SQL: lakets.time_bucket_gapfill(p_interval, p_start, p_finish) */
PG_FUNCTION_INFO_V1(lakets_time_bucket_gapfill);
Datum
lakets_time_bucket_gapfill(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	GapfillState *st;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		static const char *const names[] = {"p_interval", "p_start", "p_finish"};
		int			i;
		int64		start;
		int64		finish;

		for (i = 0; i < 3; i++)
			if (PG_ARGISNULL(i))
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("%s must not be NULL", names[i])));
		lakets_validate_interval(PG_GETARG_INTERVAL_P(0), TIMESTAMPTZOID, "bucket width");
		start = PG_GETARG_TIMESTAMPTZ(1);
		finish = PG_GETARG_TIMESTAMPTZ(2);
		if (TIMESTAMP_NOT_FINITE(start) || TIMESTAMP_NOT_FINITE(finish))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("p_start and p_finish must be finite")));

		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		st = palloc(sizeof(GapfillState));
		st->width = *PG_GETARG_INTERVAL_P(0);
		st->next = lakets_bucket_start(start, &st->width);
		st->last = lakets_bucket_start(finish, &st->width);
		funcctx->user_fctx = st;
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	st = funcctx->user_fctx;
	if (st->next <= st->last)
	{
		int64		b = st->next;

		/* past the last one, stop without computing a bucket out of range */
		st->next = b == st->last ? PG_INT64_MAX : lakets_bucket_add(b, &st->width, 1);
		SRF_RETURN_NEXT(funcctx, TimestampTzGetDatum(b));
	}
	SRF_RETURN_DONE(funcctx);
}

/*
 * SQL: lakets._locf_sfunc(state anyelement, value anyelement), the
 * transition of lakets.locf_agg(value): the value when it is not NULL,
 * else the state. The executor copies a new by-reference state into the
 * aggregate's memory.
 */
PG_FUNCTION_INFO_V1(lakets_locf_sfunc);
Datum
lakets_locf_sfunc(PG_FUNCTION_ARGS)
{
	if (!PG_ARGISNULL(1))
		PG_RETURN_DATUM(PG_GETARG_DATUM(1));
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(PG_GETARG_DATUM(0));
}
