/*
 * tail.h
 *	  Tail entries of the source invalidation log (tail.c).
 */
#ifndef LAKETS_TAIL_H
#define LAKETS_TAIL_H

#include "postgres.h"
#include "utils/array.h"

extern Oid	tail_index_relid(void);
extern int64 tail_usable_start(Oid source_relid, int64 from);
extern ArrayType *tail_claim(Oid source_relid);

#endif							/* LAKETS_TAIL_H */
