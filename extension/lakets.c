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
	MarkGUCPrefixReserved("lakets");
}
