/*
 * args.c
 *	  Argument checks shared by the SQL-callable functions: NULL arguments,
 *	  table names, ownership.
 *
 * lakets functions are not STRICT: a NULL argument gets an error naming the
 * parameter rather than a silent NULL result.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "catalog/pg_class.h"

#include "args.h"
#include "compat.h"

void
lakets_require_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
}

char *
lakets_text_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	char	   *value;

	lakets_require_arg(fcinfo, argno, name);
	value = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (value[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be empty", name)));
	return value;
}

Interval *
lakets_interval_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	lakets_require_arg(fcinfo, argno, name);
	return PG_GETARG_INTERVAL_P(argno);
}

/* A lakets job name: maintenance, partitions, rollups or retention. */
const char *
lakets_job_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *job = lakets_text_arg(fcinfo, argno, "p_job");

	if (strcmp(job, "maintenance") != 0 && strcmp(job, "partitions") != 0 &&
		strcmp(job, "rollups") != 0 && strcmp(job, "retention") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown lakets job \"%s\"", job),
				 errhint("Use maintenance, partitions, rollups or retention.")));
	return job;
}

/*
 * The OID of schema_name.table_name. Names are taken as they are (no case
 * folding, no quoting), like the toolkit's p_schema_name/p_table_name.
 */
Oid
lakets_resolve_table(const char *schema_name, const char *table_name)
{
	Oid			nsp = get_namespace_oid(schema_name, true);
	Oid			relid;

	if (!OidIsValid(nsp))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"%s\" does not exist", schema_name)));
	relid = get_relname_relid(table_name, nsp);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s.%s\" does not exist", schema_name, table_name),
				 errhint("Names are case-sensitive and must not be quoted, "
						 "e.g. p_table_name => 'Metrics' for a table created as \"Metrics\".")));
	return relid;
}

/* Only the owner of a table (or a member of the owning role) may act on it. */
void
lakets_check_owner(Oid relid)
{
	if (!lakets_relation_ownercheck(relid, GetUserId()))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of table %s", get_rel_name(relid)),
				 errdetail("lakets acts on a table only for its owner or a member of the owning role."),
				 errhint("Run this as the table's owner, or GRANT the owning role to the role "
						 "that runs lakets maintenance.")));
}

Oid
lakets_rel_owner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}
