/*
 * citus.h
 *	  Whether Citus is installed, and what Citus makes of a table.
 */
#ifndef LAKETS_CITUS_H
#define LAKETS_CITUS_H

#include "postgres.h"

typedef enum CitusTableKind
{
	CITUS_TABLE_NONE = 0,		/* no Citus, or a plain PostgreSQL table */
	CITUS_TABLE_DISTRIBUTED,	/* sharded (hash, range, append, single shard) */
	CITUS_TABLE_REFERENCE,		/* replicated to every node */
	CITUS_TABLE_LOCAL			/* a Citus managed local table */
} CitusTableKind;

extern bool lakets_citus_installed(void);
extern bool lakets_citus_is_worker(void);
extern CitusTableKind lakets_citus_table_kind(Oid relid);
extern const char *lakets_citus_kind_name(CitusTableKind kind);
extern char *lakets_citus_distribution_column(Oid relid);
extern char *lakets_citus_check_convertible(Oid relid, const char *distribute_by);
extern void lakets_citus_check_rollup_source(Oid relid);
extern void lakets_citus_exec_trigger_ddl(const char *sql);
extern void lakets_citus_exec_local_ddl(const char *sql);

#endif							/* LAKETS_CITUS_H */
