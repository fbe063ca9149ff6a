/*
 * rollup.h
 *	  Defining and dropping RollUps.
 */
#ifndef LAKETS_ROLLUP_H
#define LAKETS_ROLLUP_H

#include "postgres.h"

extern void rollup_drop_for_source(Oid source_relid);
extern void rollup_track_partition(Oid parent_relid, Oid partition_relid);

#endif							/* LAKETS_ROLLUP_H */
