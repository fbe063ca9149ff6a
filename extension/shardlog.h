/*
 * shardlog.h
 *	  Collecting on the Citus coordinator the changes logged on the workers.
 */
#ifndef LAKETS_SHARDLOG_H
#define LAKETS_SHARDLOG_H

#include "postgres.h"

extern void shardlog_collect(Oid source_relid);

#endif							/* LAKETS_SHARDLOG_H */
