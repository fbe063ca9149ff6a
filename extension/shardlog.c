/*
 * shardlog.c
 *	  RollUps over Citus distributed ChronoTables: collecting on the
 *	  coordinator the ranges the shards' triggers logged on the workers.
 *
 * Citus copies a distributed source's invalidation triggers to its shards.
 * Their WHEN clause (lakets._note_shard_change(), invalidation.c) carries
 * the coordinator's OID of the source, so a worker needs no registry of its
 * own: at commit it writes the ranges to its lakets._shard_invalidation_log.
 * Before a refresh reads a distributed source's log, the coordinator
 *	1. deletes on each worker the rows an earlier collection took (listed in
 *	   its lakets._shard_log_collected) and forgets them there;
 *	2. reads every worker's rows, adds their ranges to its own
 *	   _source_invalidation_log and lists their ids in _shard_log_collected,
 *	   in its own transaction.
 * The workers are asked through Citus' master_run_on_worker(), in their own
 * transactions: step 1 deletes only rows whose collection committed, so a
 * collection that rolls back leaves the rows to the next one; a row taken
 * twice (two collections at once, or a crash between steps) only
 * recomputes buckets again. No id order is relied on (a row with a smaller
 * id may commit later). A worker that cannot be asked makes the collection
 * fail with an error, and the refresh with it: it never goes on without a
 * worker's ranges.
 *
 * Rows are deleted on a worker by lakets._forget_shard_invalidations(),
 * which deletes only those of tables the caller owns there (or that are
 * gone): nobody else can make lakets forget a source's changes. A row
 * counts only when the worker's table it was logged for (where the
 * writer's right was checked) has the name of the coordinator's source it
 * names: writing one's own table cannot make another source recompute.
 */
#include "postgres.h"

#include "access/transam.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "compat.h"
#include "citus.h"
#include "owner.h"
#include "rangeset.h"
#include "shardlog.h"
#include "spi_exec.h"

typedef struct WorkerNode
{
	char	   *name;
	int32		port;
	List	   *collected;		/* ids taken by earlier collections (int64 *) */
	List	   *committed;		/* those whose collection committed */
} WorkerNode;

/* The primary nodes that may hold shards, but the coordinator. */
static List *
worker_nodes(void)
{
	List	   *nodes = NIL;
	uint64		i;

	lakets_exec("SELECT nodename, nodeport FROM pg_catalog.pg_dist_node"
				" WHERE noderole OPERATOR(pg_catalog.=) 'primary'"
				" AND groupid OPERATOR(pg_catalog.<>) 0 ORDER BY nodeid", SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		WorkerNode *n = palloc0(sizeof(WorkerNode));
		bool		isnull;

		n->name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		n->port = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2,
											  &isnull));
		nodes = lappend(nodes, n);
	}
	return nodes;
}

static WorkerNode *
find_node(List *nodes, const char *name, int32 port)
{
	ListCell   *lc;

	foreach(lc, nodes)
	{
		WorkerNode *n = lfirst(lc);

		if (n->port == port && strcmp(n->name, name) == 0)
			return n;
	}
	return NULL;
}

/*
 * Whether the worker's table a row was logged for (its qualified name) is
 * the coordinator's source the row names: a writer may name any source's
 * OID, but its right was checked on the table it wrote. Citus renames the
 * workers' tables with the coordinator's, in the same transaction.
 */
static bool
same_table(Oid source, const char *shell)
{
	char	   *name = get_rel_name(source);

	return name != NULL && shell != NULL &&
		strcmp(quote_qualified_identifier(get_namespace_name(get_rel_namespace(source)), name),
			   shell) == 0;
}

static char *
id_array_literal(List *ids)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	foreach(lc, ids)
		appendStringInfo(&buf, "%s" INT64_FORMAT, buf.len > 1 ? "," : "",
						 *(int64 *) lfirst(lc));
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

static int
cmp_id(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* A sorted array of ids, for lookups (a worker may have logged many rows). */
typedef struct IdSet
{
	int64	   *ids;
	int			n;
} IdSet;

static IdSet
id_set(List *ids)
{
	IdSet		set = {palloc(sizeof(int64) * Max(list_length(ids), 1)), 0};
	ListCell   *lc;

	foreach(lc, ids)
		set.ids[set.n++] = *(int64 *) lfirst(lc);
	qsort(set.ids, set.n, sizeof(int64), cmp_id);
	return set;
}

static bool
in_set(const IdSet *set, int64 id)
{
	return set->n > 0 && bsearch(&id, set->ids, set->n, sizeof(int64), cmp_id) != NULL;
}

static Datum
id_array(List *ids)
{
	Datum	   *elems = palloc(sizeof(Datum) * list_length(ids));
	int			i = 0;
	ListCell   *lc;

	foreach(lc, ids)
		elems[i++] = Int64GetDatum(*(int64 *) lfirst(lc));
	return PointerGetDatum(construct_array(elems, i, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * Run one command on each node (in parallel) and return the text result of
 * each, in the order of nodes; an error names the first node that failed.
 */
static char **
run_on_workers(List *nodes, List *commands)
{
	int			n = list_length(nodes);
	Datum	   *names = palloc(sizeof(Datum) * n);
	Datum	   *ports = palloc(sizeof(Datum) * n);
	Datum	   *cmds = palloc(sizeof(Datum) * n);
	Oid			types[3] = {TEXTARRAYOID, INT4ARRAYOID, TEXTARRAYOID};
	Datum		values[3];
	char	  **results = palloc0(sizeof(char *) * n);
	int			i = 0;
	uint64		r;
	ListCell   *lc;

	foreach(lc, nodes)
	{
		WorkerNode *node = lfirst(lc);

		names[i] = CStringGetTextDatum(node->name);
		ports[i] = Int32GetDatum(node->port);
		cmds[i] = CStringGetTextDatum((char *) list_nth(commands, i));
		i++;
	}
	values[0] = PointerGetDatum(construct_array(names, n, TEXTOID, -1, false, TYPALIGN_INT));
	values[1] = PointerGetDatum(construct_array(ports, n, INT4OID, 4, true, TYPALIGN_INT));
	values[2] = PointerGetDatum(construct_array(cmds, n, TEXTOID, -1, false, TYPALIGN_INT));
	lakets_exec_args("SELECT node_name, node_port, success, result"
					 " FROM pg_catalog.master_run_on_worker($1, $2, $3, true)",
					 3, types, values, NULL, SPI_OK_SELECT);
	for (r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *name = SPI_getvalue(tup, desc, 1);
		bool		isnull;
		int32		port = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
		bool		success = DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull));
		char	   *result = SPI_getvalue(tup, desc, 4);
		WorkerNode *node = find_node(nodes, name, port);

		if (!success || node == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("could not collect the changes logged on Citus worker %s:%d",
							name, port),
					 errdetail("%s", result ? result : "The worker gave no answer."),
					 errhint("Rollups over distributed tables are refreshed only with every worker's changes; refresh again once the worker is back.")));
		for (i = 0; i < n; i++)
			if (list_nth(nodes, i) == node)
				results[i] = result;
	}
	for (i = 0; i < n; i++)
		if (results[i] == NULL)
		{
			WorkerNode *node = list_nth(nodes, i);

			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("could not collect the changes logged on Citus worker %s:%d",
							node->name, node->port),
					 errdetail("The worker gave no answer.")));
		}
	return results;
}

/*
 * Step 1: delete on the workers what earlier collections took (those of
 * tables the caller does not own stay, for their owner's next collection).
 */
static void
forget_collected(List *nodes)
{
	List	   *commands = NIL;
	bool		any = false;
	uint64		i;
	ListCell   *lc;

	lakets_exec("SELECT node_name, node_port, id, xmin::text::bigint FROM lakets._shard_log_collected",
				SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		bool		isnull;
		WorkerNode *node = find_node(nodes, SPI_getvalue(tup, SPI_tuptable->tupdesc, 1),
									 DatumGetInt32(SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull)));
		int64	   *id = palloc(sizeof(int64));

		*id = DatumGetInt64(SPI_getbinval(tup, SPI_tuptable->tupdesc, 3, &isnull));
		/* a node since removed from the cluster: nothing to delete there */
		if (node == NULL)
			continue;
		node->collected = lappend(node->collected, id);
		/*
		 * Taken by this very transaction (an earlier refresh in it): the
		 * rows must stay on the worker until it commits, or its rollback
		 * would lose them.
		 */
		if (!TransactionIdIsCurrentTransactionId((TransactionId)
												 DatumGetInt64(SPI_getbinval(tup, SPI_tuptable->tupdesc, 4, &isnull))))
		{
			node->committed = lappend(node->committed, id);
			any = true;
		}
	}
	foreach(lc, nodes)
	{
		WorkerNode *node = lfirst(lc);

		commands = lappend(commands, psprintf("SELECT lakets._forget_shard_invalidations(%s)",
											  quote_literal_cstr(id_array_literal(node->committed))));
	}
	if (any)
		(void) run_on_workers(nodes, commands);
	/* rows of nodes no longer in the cluster: nobody will delete them */
	catalog_registry_write("DELETE FROM lakets._shard_log_collected c"
						   " WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_dist_node n"
						   "  WHERE n.nodename OPERATOR(pg_catalog.=) c.node_name"
						   "  AND n.nodeport OPERATOR(pg_catalog.=) c.node_port)",
						   0, NULL, NULL, NULL, SPI_OK_DELETE);
}

/*
 * Step 2: take the workers' rows into the coordinator's log, but those an
 * earlier collection took; forget the ids taken earlier that are gone.
 */
static void
take_new(List *nodes)
{
	List	   *commands = NIL;
	char	  **results;
	ListCell   *lc;
	int			i = 0;
	List	   *sources = NIL;	/* OIDs, parallel to sets */
	List	   *sets = NIL;

	foreach(lc, nodes)
		commands = lappend(commands,
						   "SELECT COALESCE(pg_catalog.json_agg(pg_catalog.json_build_array("
						   "l.id, l.source_relid, l.range_start, l.range_end,"
						   " pg_catalog.format('%I.%I', n.nspname, c.relname)))::text, '[]')"
						   " FROM lakets._shard_invalidation_log l"
						   " LEFT JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) l.shell_relid"
						   " LEFT JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace");
	results = run_on_workers(nodes, commands);
	foreach(lc, nodes)
	{
		WorkerNode *node = lfirst(lc);
		Oid			types[1] = {TEXTOID};
		Datum		values[1] = {CStringGetTextDatum(results[i++])};
		SPITupleTable *rows;
		uint64		nrows;
		uint64		r;

		lakets_exec_args("SELECT (e OPERATOR(pg_catalog.->>) 0)::bigint,"
						 " (e OPERATOR(pg_catalog.->>) 1)::oid,"
						 " (e OPERATOR(pg_catalog.->>) 2)::timestamptz,"
						 " (e OPERATOR(pg_catalog.->>) 3)::timestamptz,"
						 " e OPERATOR(pg_catalog.->>) 4"
						 " FROM pg_catalog.json_array_elements($1::json) e",
						 1, types, values, NULL, SPI_OK_SELECT);
		rows = SPI_tuptable;
		nrows = SPI_processed;
		{
			Datum	   *ids = palloc(sizeof(Datum) * Max(nrows, 1));
			int			nids = 0;
			List	   *gone = NIL;
			List	   *read = NIL;
			IdSet		taken = id_set(node->collected);
			IdSet		present;
			ListCell   *cc;
			Oid			ltypes[3] = {TEXTOID, INT4OID, INT8ARRAYOID};
			Datum		lvalues[3];

			for (r = 0; r < nrows; r++)
			{
				bool		isnull;
				Oid			source = DatumGetObjectId(SPI_getbinval(rows->vals[r], rows->tupdesc, 2, &isnull));
				int64		start = DatumGetTimestampTz(SPI_getbinval(rows->vals[r], rows->tupdesc, 3, &isnull));
				int64		end = DatumGetTimestampTz(SPI_getbinval(rows->vals[r], rows->tupdesc, 4, &isnull));
				char	   *shell = SPI_getvalue(rows->vals[r], rows->tupdesc, 5);
				int64	   *id = palloc(sizeof(int64));
				int			k;

				*id = DatumGetInt64(SPI_getbinval(rows->vals[r], rows->tupdesc, 1, &isnull));
				read = lappend(read, id);
				if (in_set(&taken, *id))
					continue;
				ids[nids++] = Int64GetDatum(*id);
				if (!same_table(source, shell))
					continue;
				if (!list_member_oid(sources, source))
				{
					sources = lappend_oid(sources, source);
					sets = lappend(sets, rangeset_create());
				}
				for (k = 0; k < list_length(sources); k++)
					if (list_nth_oid(sources, k) == source)
						rangeset_add(list_nth(sets, k), start, end);
			}
			lvalues[0] = CStringGetTextDatum(node->name);
			lvalues[1] = Int32GetDatum(node->port);
			if (nids > 0)
			{
				lvalues[2] = PointerGetDatum(construct_array(ids, nids, INT8OID, 8, FLOAT8PASSBYVAL,
															 TYPALIGN_DOUBLE));
				catalog_registry_write("INSERT INTO lakets._shard_log_collected (node_name, node_port, id)"
									   " SELECT $1, $2, pg_catalog.unnest($3)",
									   3, ltypes, lvalues, NULL, SPI_OK_INSERT);
			}
			present = id_set(read);
			foreach(cc, node->collected)
				if (!in_set(&present, *(int64 *) lfirst(cc)))
					gone = lappend(gone, lfirst(cc));
			if (gone != NIL)
			{
				lvalues[2] = id_array(gone);
				catalog_registry_write("DELETE FROM lakets._shard_log_collected"
									   " WHERE node_name OPERATOR(pg_catalog.=) $1"
									   " AND node_port OPERATOR(pg_catalog.=) $2"
									   " AND id OPERATOR(pg_catalog.=) ANY ($3)",
									   3, ltypes, lvalues, NULL, SPI_OK_DELETE);
			}
		}
	}
	for (i = 0; i < list_length(sources); i++)
	{
		Oid			source = list_nth_oid(sources, i);

		/* a source no RollUp reads any more (dropped since): nothing owed */
		if (catalog_rollups_of_source(source) != NIL)
			catalog_log_source_invalidations(source, list_nth(sets, i));
	}
	CommandCounterIncrement();
}

/*
 * Before the log of a source is read: when it is a Citus distributed
 * table, bring in what its shards logged on the workers (see the header).
 * Nothing for any other table.
 */
void
shardlog_collect(Oid source_relid)
{
	List	   *nodes;

	if (lakets_citus_table_kind(source_relid) != CITUS_TABLE_DISTRIBUTED ||
		lakets_citus_is_worker())
		return;
	SPI_connect();
	nodes = worker_nodes();
	if (nodes != NIL)
	{
		forget_collected(nodes);
		take_new(nodes);
	}
	SPI_finish();
}

/*
 * SQL: lakets._forget_shard_invalidations(p_ids bigint[]) -> bigint, run on
 * a worker by shardlog_collect(): deletes the rows of p_ids whose table the
 * caller owns, or that no longer exists; returns how many.
 */
PG_FUNCTION_INFO_V1(lakets_forget_shard_invalidations);
Datum
lakets_forget_shard_invalidations(PG_FUNCTION_ARGS)
{
	Oid			types[1] = {INT8ARRAYOID};
	Datum		values[1] = {PG_GETARG_DATUM(0)};
	Datum	   *mine;
	int			n = 0;
	uint64		i;
	uint64		deleted = 0;

	SPI_connect();
	lakets_exec_args("SELECT id, shell_relid::oid FROM lakets._shard_invalidation_log"
					 " WHERE id OPERATOR(pg_catalog.=) ANY ($1)",
					 1, types, values, NULL, SPI_OK_SELECT);
	mine = palloc(sizeof(Datum) * Max(SPI_processed, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			shell = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
														   SPI_tuptable->tupdesc, 2, &isnull));

		if (get_rel_name(shell) == NULL || lakets_relation_ownercheck(shell, GetUserId()))
			mine[n++] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
	}
	if (n > 0)
	{
		values[0] = PointerGetDatum(construct_array(mine, n, INT8OID, 8, FLOAT8PASSBYVAL,
													TYPALIGN_DOUBLE));
		deleted = catalog_registry_write("DELETE FROM lakets._shard_invalidation_log"
										 " WHERE id OPERATOR(pg_catalog.=) ANY ($1)",
										 1, types, values, NULL, SPI_OK_DELETE);
	}
	SPI_finish();
	PG_RETURN_INT64((int64) deleted);
}
