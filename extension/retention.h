/*
 * retention.h
 *	  Retention policies and their enforcement.
 */
#ifndef LAKETS_RETENTION_H
#define LAKETS_RETENTION_H

#include "postgres.h"
#include "nodes/pg_list.h"

#include "catalog.h"

/* One chunk (or RollUp table) considered by retention, and what was done. */
typedef struct RetentionAction
{
	char	   *table_name;		/* schema-qualified, quoted as needed */
	char	   *chunk_name;		/* NULL for a RollUp table */
	bool		has_range;
	int64		range_start;
	int64		range_end;
	const char *action;
	const char *error;			/* the message, for an "error" action */
} RetentionAction;

extern List *retention_enforce_all(bool dry_run, bool force, Oid relid);
extern List *retention_policies(Oid relid);
extern int64 retention_table_cutoff(const ChronoTable *ct);
extern bool retention_owned(const RetentionPolicy *p);
extern void retention_catch_up(const RetentionPolicy *p);
extern List *retention_apply(const RetentionPolicy *p, bool dry_run, bool force, bool all);
extern List *retention_apply_isolated(const RetentionPolicy *p, bool dry_run, bool force,
									  bool all);

#endif							/* LAKETS_RETENTION_H */
