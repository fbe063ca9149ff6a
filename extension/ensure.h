/*
 * ensure.h
 *	  Keeping the window of chunks ahead; draining the default partition.
 */
#ifndef LAKETS_ENSURE_H
#define LAKETS_ENSURE_H

#include "catalog.h"

extern int	ensure_chunks(const ChronoTable *ct, List *starts);
extern ErrorData *ensure_isolated(const ChronoTable *ct, int *created);
extern bool ensure_owns(const ChronoTable *ct);

#endif							/* LAKETS_ENSURE_H */
