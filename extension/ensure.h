/*
 * ensure.h
 *	  Keeping the window of chunks ahead; draining the default partition.
 */
#ifndef LAKETS_ENSURE_H
#define LAKETS_ENSURE_H

#include "catalog.h"
#include "nodes/bitmapset.h"

extern int	ensure_chunks(const ChronoTable *ct, List *starts);
extern ErrorData *ensure_isolated(const ChronoTable *ct, int *created);
extern bool ensure_owns(const ChronoTable *ct);
extern Bitmapset *ensure_steady_tables(void);

#endif							/* LAKETS_ENSURE_H */
