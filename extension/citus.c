/*
 * citus.c
 *	  Whether Citus is installed in the database, and whether a table is a
 *	  Citus distributed, reference or Citus local table.
 *
 * Citus keeps its tables in pg_dist_partition (on the coordinator and, with
 * metadata sync, on the workers). lakets has no build dependency on Citus:
 * it reads that catalog through SPI, and only when the citus extension
 * exists, so a database without Citus pays one pg_extension lookup per
 * cache load and nothing else.
 *
 * The whole catalog is read into a hash table once and kept until the
 * transaction ends (an XactCallback) or any relcache invalidation arrives (create_distributed_table
 * and undistribute_table invalidate the table they change): callers such as
 * the steady-state pass of ensure_partitions() ask about thousands of
 * tables and must not run a query per table. The checks of what lakets
 * accepts on Citus tables (conversion, RollUp sources) and the DDL lakets
 * runs on them with a Citus setting changed for the statement only
 * (citus.enable_unsafe_triggers, citus.enable_ddl_propagation) are here too.
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xact.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "citus.h"
#include "spi_exec.h"

typedef struct CitusEntry
{
	Oid			relid;			/* hash key */
	CitusTableKind kind;
	char	   *distribution_column;	/* NULL when not sharded by a column */
} CitusEntry;

static MemoryContext cache_cxt = NULL;
static HTAB *cache = NULL;		/* NULL when Citus is not installed */
static bool cache_valid = false;
static bool callbacks_registered = false;
static bool is_worker = false;	/* a Citus node that is not the coordinator */

static void
citus_relcache_callback(Datum arg, Oid relid)
{
	cache_valid = false;
}

static void
citus_xact_callback(XactEvent event, void *arg)
{
	cache_valid = false;
}

/*
 * partmethod 'h' (hash), 'r' (range) and 'a' (append) are sharded; 'n' is
 * a reference table (replication model 't'), a single-shard distributed
 * table (a co-location group) or a Citus local table.
 */
static CitusTableKind
kind_of(char partmethod, char repmodel, int32 colocationid)
{
	if (partmethod != 'n')
		return CITUS_TABLE_DISTRIBUTED;
	if (repmodel == 't')
		return CITUS_TABLE_REFERENCE;
	if (colocationid != 0)
		return CITUS_TABLE_DISTRIBUTED;
	return CITUS_TABLE_LOCAL;
}

static void
load_cache(void)
{
	HASHCTL		ctl;
	uint64		i;

	if (!callbacks_registered)
	{
		CacheRegisterRelcacheCallback(citus_relcache_callback, (Datum) 0);
		RegisterXactCallback(citus_xact_callback, NULL);
		callbacks_registered = true;
	}
	if (cache_cxt == NULL)
		cache_cxt = AllocSetContextCreate(TopMemoryContext, "lakets citus cache",
										  ALLOCSET_SMALL_SIZES);
	MemoryContextReset(cache_cxt);
	cache = NULL;
	cache_valid = false;
	is_worker = false;

	if (OidIsValid(get_extension_oid("citus", true)))
	{
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(CitusEntry);
		ctl.hcxt = cache_cxt;

		SPI_connect();
		lakets_exec("SELECT p.logicalrelid::pg_catalog.oid, p.partmethod, p.repmodel,"
					" p.colocationid, CASE WHEN p.partkey IS NOT NULL AND p.partkey OPERATOR(pg_catalog.<>) ''"
					" THEN pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) END"
					" FROM pg_catalog.pg_dist_partition p", SPI_OK_SELECT);
		cache = hash_create("lakets citus tables", Max(SPI_processed, 16), &ctl,
							HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			Oid			relid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
			char		partmethod = DatumGetChar(SPI_getbinval(tup, desc, 2, &isnull));
			char		repmodel = DatumGetChar(SPI_getbinval(tup, desc, 3, &isnull));
			int32		colocationid = DatumGetInt32(SPI_getbinval(tup, desc, 4, &isnull));
			char	   *column = SPI_getvalue(tup, desc, 5);
			CitusEntry *e = hash_search(cache, &relid, HASH_ENTER, NULL);

			e->kind = kind_of(partmethod, repmodel, colocationid);
			e->distribution_column = column ? MemoryContextStrdup(cache_cxt, column) : NULL;
		}
		/* the coordinator is group 0; a worker gets its group when added */
		lakets_exec("SELECT groupid OPERATOR(pg_catalog.<>) 0 FROM pg_catalog.pg_dist_local_group",
					SPI_OK_SELECT);
		if (SPI_processed == 1)
		{
			bool		isnull;
			Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

			is_worker = !isnull && DatumGetBool(d);
		}
		SPI_finish();
	}
	cache_valid = true;
}

static CitusEntry *
lookup(Oid relid)
{
	if (!cache_valid)
		load_cache();
	if (cache == NULL)
		return NULL;
	return hash_search(cache, &relid, HASH_FIND, NULL);
}

/* Whether the citus extension exists in this database. */
bool
lakets_citus_installed(void)
{
	if (!cache_valid)
		load_cache();
	return cache != NULL;
}

/* Whether this database is on a Citus worker (not the coordinator). */
bool
lakets_citus_is_worker(void)
{
	if (!cache_valid)
		load_cache();
	return cache != NULL && is_worker;
}

/* What Citus makes of a table (CITUS_TABLE_NONE without Citus). */
CitusTableKind
lakets_citus_table_kind(Oid relid)
{
	CitusEntry *e = lookup(relid);

	return e ? e->kind : CITUS_TABLE_NONE;
}

const char *
lakets_citus_kind_name(CitusTableKind kind)
{
	switch (kind)
	{
		case CITUS_TABLE_DISTRIBUTED:
			return "a Citus distributed table";
		case CITUS_TABLE_REFERENCE:
			return "a Citus reference table";
		case CITUS_TABLE_LOCAL:
			return "a Citus local table";
		case CITUS_TABLE_NONE:
			break;
	}
	return "a local table";
}

/*
 * The column a Citus distributed table is sharded by (palloc'd), or NULL
 * when the table is not sharded by a column.
 */
char *
lakets_citus_distribution_column(Oid relid)
{
	CitusEntry *e = lookup(relid);

	if (e == NULL || e->kind != CITUS_TABLE_DISTRIBUTED || e->distribution_column == NULL)
		return NULL;
	return pstrdup(e->distribution_column);
}

/* A quoted name for messages. */
static char *
qualified_name(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/*
 * Whether create_chronotable() may convert a table, and the column the
 * ChronoTable is to be distributed by (NULL: it stays local). A table Citus
 * distributes by a column is converted in place, keeping that column and
 * its co-location; a local one is distributed when distribute_by names a
 * column. Reference and Citus local tables are refused.
 */
char *
lakets_citus_check_convertible(Oid relid, const char *distribute_by)
{
	CitusTableKind kind = lakets_citus_table_kind(relid);
	char	   *column = lakets_citus_distribution_column(relid);

	if (distribute_by != NULL && get_attnum(relid, distribute_by) == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of p_distribute_by does not exist in %s",
						distribute_by, qualified_name(relid))));
	if (kind == CITUS_TABLE_NONE)
	{
		if (distribute_by != NULL && !lakets_citus_installed())
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot distribute %s: the citus extension is not installed",
							qualified_name(relid)),
					 errhint("Create the citus extension, or leave p_distribute_by out.")));
		return distribute_by ? pstrdup(distribute_by) : NULL;
	}
	if (kind != CITUS_TABLE_DISTRIBUTED || column == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot convert %s into a chronotable: it is %s",
						qualified_name(relid),
						kind == CITUS_TABLE_DISTRIBUTED ? "a Citus distributed table without a distribution column" :
						lakets_citus_kind_name(kind)),
				 errdetail("lakets converts local tables and tables Citus distributes by a column."),
				 errhint("Undistribute it with undistribute_table() first.")));
	if (distribute_by != NULL && strcmp(distribute_by, column) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is distributed by column \"%s\", not by \"%s\"",
						qualified_name(relid), column, distribute_by),
				 errhint("Leave p_distribute_by out to keep the distribution of the table.")));
	return column;
}

/*
 * A RollUp reads a ChronoTable that is local or distributed by a column
 * (its shards' triggers log on the workers, shardlog.c); over a reference
 * or Citus local table the triggers would fire where lakets tracks nothing.
 */
void
lakets_citus_check_rollup_source(Oid relid)
{
	CitusTableKind kind = lakets_citus_table_kind(relid);

	if (kind == CITUS_TABLE_NONE)
		return;
	if (kind == CITUS_TABLE_DISTRIBUTED && lakets_citus_distribution_column(relid) != NULL)
	{
		Oid			types[1] = {OIDOID};
		Datum		values[1] = {ObjectIdGetDatum(relid)};
		bool		isnull;
		Datum		xmin;

		/* the triggers Citus sends to the shards name the workers' table */
		xmin = lakets_exec_scalar("SELECT xmin::text::bigint FROM pg_catalog.pg_dist_partition"
								  " WHERE logicalrelid OPERATOR(pg_catalog.=) $1",
								  1, types, values, NULL, &isnull);
		if (!isnull && TransactionIdIsCurrentTransactionId((TransactionId) DatumGetInt64(xmin)))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot create a rollup over %s in the transaction that distributed it",
							qualified_name(relid)),
					 errdetail("Citus creates the table on the workers over other connections, which see it once this transaction commits; the rollup's triggers on the shards name it."),
					 errhint("Commit, then create the rollup.")));
		return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("cannot create a rollup over %s: it is %s",
					qualified_name(relid),
					kind == CITUS_TABLE_DISTRIBUTED ? "a Citus distributed table without a distribution column" :
					lakets_citus_kind_name(kind)),
			 errdetail("Rollups read local tables or tables Citus distributes by a column."),
			 errhint("See docs/citus.md.")));
}

/*
 * Run DDL that Citus must not send to the workers: a RollUp's refresh
 * function and real-time view are the coordinator's (Citus would propagate
 * them as they read a distributed table, which it cannot do once the
 * transaction ran a parallel command on the shards).
 */
void
lakets_citus_exec_local_ddl(const char *sql)
{
	int			nestlevel = NewGUCNestLevel();

	if (lakets_citus_installed())
		(void) set_config_option("citus.enable_ddl_propagation", "off", PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	lakets_exec(sql, SPI_OK_UTILITY);
	AtEOXact_GUC(true, nestlevel);
}

/*
 * Run trigger DDL on a table that may be a Citus table: Citus refuses
 * triggers on its tables unless citus.enable_unsafe_triggers is on, which
 * lakets sets for its own statement only.
 */
void
lakets_citus_exec_trigger_ddl(const char *sql)
{
	int			nestlevel = NewGUCNestLevel();

	if (lakets_citus_installed())
	{
		(void) set_config_option("citus.enable_unsafe_triggers", "on", PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);

		/*
		 * One connection per worker: the command on the workers' copy of a
		 * table and those on its shards otherwise may run over two
		 * connections of the transaction, the one waiting for the other's
		 * lock (seen as a distributed deadlock).
		 */
		(void) set_config_option("citus.multi_shard_modify_mode", "sequential", PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	}
	lakets_exec(sql, SPI_OK_UTILITY);
	AtEOXact_GUC(true, nestlevel);
}
