/*
 * args.h
 *	  Argument checks shared by the SQL-callable functions.
 */
#ifndef LAKETS_ARGS_H
#define LAKETS_ARGS_H

#include "postgres.h"
#include "datatype/timestamp.h"
#include "fmgr.h"

extern char *lakets_text_arg(FunctionCallInfo fcinfo, int argno, const char *name);
extern Interval *lakets_interval_arg(FunctionCallInfo fcinfo, int argno, const char *name);
extern const char *lakets_job_arg(FunctionCallInfo fcinfo, int argno);
extern void lakets_require_arg(FunctionCallInfo fcinfo, int argno, const char *name);
extern Oid	lakets_resolve_table(const char *schema_name, const char *table_name);
extern void lakets_check_owner(Oid relid);
extern Oid	lakets_rel_owner(Oid relid);

#endif							/* LAKETS_ARGS_H */
