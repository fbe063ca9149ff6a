/*
 * lakets.c
 *	  Module entry point: PG_MODULE_MAGIC and the lakets.* settings.
 *
 * lakets needs no shared_preload_libraries entry: the library is loaded on
 * the first call of one of its functions, and the settings are defined then
 * (values set earlier, e.g. in postgresql.conf, are picked up from their
 * placeholders).
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "utils/guc.h"

#include "lakets.h"

PG_MODULE_MAGIC;

int			lakets_lock_timeout_ms = 1000;
int			lakets_refresh_work_mem_kb = 65536;
int			lakets_refresh_sorted_buckets = 2000;
bool		lakets_refresh_rebuild = true;
int			lakets_invalidation_tail_window_s = 600;

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomIntVariable("lakets.lock_timeout",
							"Longest time lakets waits for a table lock before giving up.",
							"lakets takes locks that could queue behind a long query "
							"(e.g. to attach or drop a chunk) with this bounded wait "
							"instead of blocking every later query on the table. "
							"Zero waits indefinitely.",
							&lakets_lock_timeout_ms,
							1000, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("lakets.refresh_work_mem",
							"Memory a RollUp refresh may use for its aggregate and sorts.",
							"Applied to the refresh statement only, and only when larger "
							"than work_mem. A refresh over many buckets aggregates many "
							"groups; with too little memory its hash aggregate spills to "
							"disk. Zero leaves work_mem alone.",
							&lakets_refresh_work_mem_kb,
							65536, 0, MAX_KILOBYTES,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("lakets.refresh_sorted_buckets",
							"Buckets from which a RollUp refresh writes its rows in key order.",
							"A refresh whose window spans at least this many buckets sorts "
							"its rows by the RollUp table's unique key before inserting "
							"them, so that the index is filled in order rather than at "
							"random pages. Zero always sorts.",
							&lakets_refresh_sorted_buckets,
							2000, 0, INT_MAX,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("lakets.refresh_rebuild",
							 "Whether a refresh that rewrites a whole RollUp table rebuilds its indexes.",
							 "A refresh window holding every row of the RollUp table (and "
							 "at least lakets.refresh_sorted_buckets buckets) inserts its "
							 "rows with the table's indexes not maintained, then rebuilds "
							 "them with REINDEX, which is faster; queries on the table wait "
							 "for the index build. Off: the rows go into the indexes as "
							 "they are inserted.",
							 &lakets_refresh_rebuild,
							 true,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("lakets.invalidation_tail_window",
							"Changes this recent share one tail entry in a RollUp source's log.",
							"A committing transaction's changes to rows dated within this "
							"window before its start, or later, are covered by one entry "
							"[start, infinity) of the source's invalidation log, which the "
							"transactions after it reuse instead of logging a row each; the "
							"next refresh recomputes from that start. -1 logs every change "
							"of every transaction.",
							&lakets_invalidation_tail_window_s,
							600, -1, INT_MAX,
							PGC_USERSET, GUC_UNIT_S,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("lakets");
}
