/*
 * spi_exec.c
 *	  The one place generated SQL runs.
 *
 * Callers build statements with quote_identifier()/quote_literal_cstr() or
 * pass values as parameters; errors raised by the statements themselves
 * propagate unchanged (with their own errcode). What is handled here is SPI
 * reporting a failure of its own, which means a bug in lakets.
 *
 * Every statement runs with search_path = pg_catalog, pg_temp, whatever the
 * caller's: an operator, function or type a caller planted in a schema of
 * its own is never what lakets' SQL resolves to (pg_temp comes last, and is
 * never searched for operators and functions).
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/memutils.h"
#include "utils/guc.h"

#include "spi_exec.h"
#include "version.h"

#define PINNED_SEARCH_PATH "pg_catalog, pg_temp"

/*
 * Pin search_path until lakets_unpin_search_path(nestlevel); an error
 * unwinds it with the (sub)transaction. Nothing to do (0) when it is pinned
 * already, as in the functions with a SET clause and inside owner.c's
 * switch: setting it again would throw away the cached search path.
 */
int
lakets_pin_search_path(void)
{
	int			nestlevel;

	if (strcmp(namespace_search_path, PINNED_SEARCH_PATH) == 0)
		return 0;
	nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", PINNED_SEARCH_PATH, PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

void
lakets_unpin_search_path(int nestlevel)
{
	if (nestlevel > 0)
		AtEOXact_GUC(true, nestlevel);
}

static void
check_result(int ret, int expected, const char *sql)
{
	if (ret < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("lakets internal statement failed: %s",
						SPI_result_code_string(ret)),
				 errdetail("Statement: %s", sql)));
	if (expected != 0 && ret != expected)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("lakets internal statement returned %s, expected %s",
						SPI_result_code_string(ret),
						SPI_result_code_string(expected)),
				 errdetail("Statement: %s", sql)));
}

/*
 * Run one statement; "expected" is an SPI_OK_* code, or 0 for any success.
 * Returns the number of rows processed.
 */
uint64
lakets_exec(const char *sql, int expected)
{
	return lakets_exec_args(sql, 0, NULL, NULL, NULL, expected);
}

uint64
lakets_execf(int expected, const char *fmt,...)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	return lakets_exec(buf.data, expected);
}

uint64
lakets_exec_args(const char *sql, int nargs, Oid *argtypes, Datum *values,
				 const char *nulls, int expected)
{
	int			nestlevel;
	int			ret;

	/* never run against the registry of another version (version.c) */
	lakets_check_sql_version();
	nestlevel = lakets_pin_search_path();
	ret = SPI_execute_with_args(sql, nargs, argtypes, values, nulls,
											false, 0);

	lakets_unpin_search_path(nestlevel);
	check_result(ret, expected, sql);
	return SPI_processed;
}

/*
 * Run a query expected to return at most one row of one column and return
 * that value (copied out of SPI's memory into the caller's context).
 */
Datum
lakets_exec_scalar(const char *sql, int nargs, Oid *argtypes, Datum *values,
				   const char *nulls, bool *isnull)
{
	Datum		d;

	lakets_exec_args(sql, nargs, argtypes, values, nulls, SPI_OK_SELECT);
	if (SPI_processed == 0)
	{
		*isnull = true;
		return (Datum) 0;
	}
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, isnull);
	if (!*isnull)
	{
		Form_pg_attribute att = TupleDescAttr(SPI_tuptable->tupdesc, 0);

		d = SPI_datumTransfer(d, att->attbyval, att->attlen);
	}
	return d;
}

/*
 * Run a statement with *flag set for its duration (reset on error too): a
 * way to tell code it triggers (the sql_drop event trigger, the
 * invalidation trigger) that lakets itself is running it.
 */
void
lakets_exec_flagged(const char *sql, int expected, bool *flag)
{
	*flag = true;
	PG_TRY();
	{
		lakets_exec(sql, expected);
	}
	PG_FINALLY();
	{
		*flag = false;
	}
	PG_END_TRY();
}

/*
 * Drop a relation or function lakets removed from its registry just before:
 * the sql_drop event trigger sees lakets_dropping_own() and does nothing
 * (it runs for every DROP; there is nothing to forget here).
 */
static bool dropping_own = false;

void
lakets_drop_own(const char *kind, const char *qualified_name)
{
	lakets_exec_flagged(psprintf("DROP %s %s", kind, qualified_name), SPI_OK_UTILITY,
						&dropping_own);
}

bool
lakets_dropping_own(void)
{
	return dropping_own;
}

/*
 * The fixed statements lakets runs often (the registry writes, the log
 * written at every commit), prepared once per backend and kept: planning
 * them each time cost more than running them. A statement is found again
 * by its text; the plan cache re-plans it by itself when a table it reads
 * changes (the extension dropped and created again, say).
 */
typedef struct KeptPlan
{
	char	   *sql;
	SPIPlanPtr	plan;
} KeptPlan;

static List *kept_plans = NIL;

static SPIPlanPtr
kept_plan(const char *sql, int nargs, Oid *argtypes)
{
	ListCell   *lc;
	MemoryContext old;
	KeptPlan   *kp;
	SPIPlanPtr	plan;

	foreach(lc, kept_plans)
	{
		kp = lfirst(lc);
		if (strcmp(kp->sql, sql) == 0)
			return kp->plan;
	}
	plan = SPI_prepare(sql, nargs, argtypes);
	if (plan == NULL)
		check_result(SPI_result, 0, sql);
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "could not keep the plan of a lakets statement");
	old = MemoryContextSwitchTo(TopMemoryContext);
	kp = palloc(sizeof(KeptPlan));
	kp->sql = pstrdup(sql);
	kp->plan = plan;
	kept_plans = lappend(kept_plans, kp);
	MemoryContextSwitchTo(old);
	return plan;
}

/* lakets_exec_args() for a fixed statement, through its kept plan. */
uint64
lakets_exec_kept(const char *sql, int nargs, Oid *argtypes, Datum *values,
				 const char *nulls, int expected)
{
	int			nestlevel;
	int			ret;

	lakets_check_sql_version();
	nestlevel = lakets_pin_search_path();
	ret = SPI_execute_plan(kept_plan(sql, nargs, argtypes), values, nulls,
						   false, 0);

	lakets_unpin_search_path(nestlevel);
	check_result(ret, expected, sql);
	return SPI_processed;
}
