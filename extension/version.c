/*
 * version.c
 *	  The one check that the extension's SQL objects in this database are
 *	  the version this library was built for (LAKETS_SQL_VERSION, the
 *	  Makefile's EXT_VERSION).
 *
 * Between installing a new lakets package and running ALTER EXTENSION
 * lakets UPDATE, a database still has the old version's SQL objects while
 * the new lakets.so serves them: the registry tables have the old layout,
 * and the old functions declare the old argument lists. Every statement
 * lakets runs goes through spi_exec.c, which calls this first: until the
 * update, lakets' own work stops with one clear error instead of
 * misreading the old tables. What never runs SQL keeps working: the time
 * functions, and the triggers on users' tables (the commit-time write to
 * the invalidation log knows both layouts, catalog.c), so that writes to
 * users' tables go on during the window. docs/upgrading.md.
 *
 * A match is remembered for the life of the backend (the check runs for
 * every internal statement); a mismatch is looked up again each time, so
 * the ALTER EXTENSION in the same session is seen at once.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"

#include "version.h"

#ifndef LAKETS_SQL_VERSION
#error "LAKETS_SQL_VERSION must be defined (the Makefile's EXT_VERSION)"
#endif

static bool version_matches = false;

/* extversion of the extension, NULL if there is none */
static char *
installed_version(Oid extoid)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	char	   *result = NULL;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(extoid));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, Anum_pg_extension_extversion,
									 RelationGetDescr(rel), &isnull);

		if (!isnull)
			result = text_to_cstring(DatumGetTextPP(d));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
}

void
lakets_check_sql_version(void)
{
	Oid			extoid;
	char	   *installed;

	if (version_matches)
		return;
	extoid = get_extension_oid("lakets", true);
	/* dropped in this transaction: whatever runs is cleaning up */
	if (!OidIsValid(extoid))
		return;
	/* the install or update script itself is running */
	if (creating_extension && CurrentExtensionObject == extoid)
		return;
	installed = installed_version(extoid);
	if (installed != NULL && strcmp(installed, LAKETS_SQL_VERSION) == 0)
	{
		version_matches = true;
		return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("lakets' SQL objects are at version %s, the library is %s",
					installed ? installed : "(unknown)", LAKETS_SQL_VERSION),
			 errdetail("The lakets package was upgraded, the extension in database \"%s\" not yet.",
					   get_database_name(MyDatabaseId)),
			 errhint("Run ALTER EXTENSION lakets UPDATE.")));
}
