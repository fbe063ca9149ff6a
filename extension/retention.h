/*
 * retention.h
 *	  Retention policies and their enforcement.
 */
#ifndef LAKETS_RETENTION_H
#define LAKETS_RETENTION_H

#include "postgres.h"
#include "nodes/pg_list.h"

/* One chunk (or RollUp table) considered by retention, and what was done. */
typedef struct RetentionAction
{
	char	   *table_name;		/* schema-qualified, quoted as needed */
	char	   *chunk_name;		/* NULL for a RollUp table */
	bool		has_range;
	int64		range_start;
	int64		range_end;
	const char *action;
} RetentionAction;

extern List *retention_enforce_all(bool dry_run, bool force, const char *schema_name,
								   const char *table_name);

#endif							/* LAKETS_RETENTION_H */
