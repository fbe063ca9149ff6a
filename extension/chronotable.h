/*
 * chronotable.h
 *	  Converting a table into a ChronoTable, dropping it, its settings.
 */
#ifndef LAKETS_CHRONOTABLE_H
#define LAKETS_CHRONOTABLE_H

#include "postgres.h"

#include "catalog.h"

/* At most this many chunks are created by one call (a guard against typos). */
#define LAKETS_MAX_CHUNKS_PER_CALL 10000

extern void chronotable_check_no_dependents(Oid relid, const char *action);
extern void lakets_check_window(int32 past_count, int32 future_count);
extern List *chronotable_window_starts(const ChronoTable *ct, int past_count,
									   int future_count);

#endif							/* LAKETS_CHRONOTABLE_H */
