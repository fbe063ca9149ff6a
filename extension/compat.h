/*
 * compat.h
 *	  Every difference between the PostgreSQL versions lakets supports
 *	  (15 to 18), as a named shim. No other file tests PG_VERSION_NUM.
 *	  docs/versions.md says which of them "make matrix" runs.
 */
#ifndef LAKETS_COMPAT_H
#define LAKETS_COMPAT_H

#include "postgres.h"
#include "utils/acl.h"

#if PG_VERSION_NUM < 150000
#error "lakets requires PostgreSQL 15 or later"
#endif

/* PG 16 folded the per-catalog ownership checks into object_ownercheck(). */
#if PG_VERSION_NUM >= 160000
#define lakets_relation_ownercheck(relid, roleid) \
	object_ownercheck(RelationRelationId, (relid), (roleid))
#else
#define lakets_relation_ownercheck(relid, roleid) \
	pg_class_ownercheck((relid), (roleid))
#endif

/*
 * The storage of a relation's main data, from its pg_class row and without
 * opening the relation (ensure.c). PG 16 renamed RelFileNode to
 * RelFileLocator, PG 17 BackendId to ProcNumber.
 */
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "storage/smgr.h"

static inline SMgrRelation
lakets_smgr_open(const FormData_pg_class *form)
{
	Oid			spc = OidIsValid(form->reltablespace) ? form->reltablespace :
		MyDatabaseTableSpace;
#if PG_VERSION_NUM >= 160000
	RelFileLocator loc;

	loc.spcOid = spc;
	loc.dbOid = MyDatabaseId;
	loc.relNumber = form->relfilenode;
#if PG_VERSION_NUM >= 170000
	return smgropen(loc, INVALID_PROC_NUMBER);
#else
	return smgropen(loc, InvalidBackendId);
#endif
#else
	RelFileNode node;

	node.spcNode = spc;
	node.dbNode = MyDatabaseId;
	node.relNode = form->relfilenode;
	return smgropen(node, InvalidBackendId);
#endif
}

/*
 * The path, relative to the data directory, of the first file of a
 * relation's main data as the standard storage manager (md.c) lays it out.
 * PG 18's GetRelationPath() returns the path by value. Backend -1: not a
 * temporary relation.
 */
#include "common/relpath.h"

static inline char *
lakets_main_fork_path(const FormData_pg_class *form)
{
	Oid			spc = OidIsValid(form->reltablespace) ? form->reltablespace :
		MyDatabaseTableSpace;

#if PG_VERSION_NUM >= 180000
	return pstrdup(GetRelationPath(MyDatabaseId, spc, form->relfilenode, -1,
								   MAIN_FORKNUM).str);
#else
	return GetRelationPath(MyDatabaseId, spc, form->relfilenode, -1, MAIN_FORKNUM);
#endif
}

/*
 * Pin the buffer that held block blk of rel's main fork when last seen, if
 * it still holds it (ReadRecentBuffer; PG 16 renamed its relation argument).
 */
#include "storage/bufmgr.h"
#include "utils/rel.h"

static inline bool
lakets_read_recent_buffer(Relation rel, BlockNumber blk, Buffer recent)
{
#if PG_VERSION_NUM >= 160000
	return ReadRecentBuffer(rel->rd_locator, MAIN_FORKNUM, blk, recent);
#else
	return ReadRecentBuffer(rel->rd_node, MAIN_FORKNUM, blk, recent);
#endif
}

/*
 * The PGPROC of a virtual transaction's backend, NULL when gone. PG 17
 * numbers backends by ProcNumber instead of BackendId.
 */
#include "storage/lock.h"
#include "storage/proc.h"
#if PG_VERSION_NUM >= 170000
#include "storage/procarray.h"
#define lakets_vxid_proc(vxid) ProcNumberGetProc((vxid).procNumber)
#else
#include "storage/sinvaladt.h"
#define lakets_vxid_proc(vxid) BackendIdGetProc((vxid).backendId)
#endif

/* PG 16 moved the varlena macros (VARDATA_ANY ...) out of postgres.h. */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/*
 * PG 18's analyser adds a range table entry for the grouping step (RTE_GROUP)
 * at the end of the range table of a query with GROUP BY, and points the
 * grouped expressions of the target list and HAVING at it through Vars.
 * rollup_query.c reads the tree as 15 to 17 build it: one table, the bucket
 * expression itself in the target list. This undoes the grouping RTE; the
 * query means the same (PG 18's planner and deparser accept both shapes).
 */
#if PG_VERSION_NUM >= 180000
#include "optimizer/optimizer.h"

static inline void
lakets_query_without_group_rte(Query *q)
{
	RangeTblEntry *last;

	if (!q->hasGroupRTE)
		return;
	last = llast_node(RangeTblEntry, q->rtable);
	if (last->rtekind != RTE_GROUP)
		elog(ERROR, "the grouping step is not the last range table entry");
	q->targetList = (List *) flatten_group_exprs(NULL, q, (Node *) q->targetList);
	q->havingQual = flatten_group_exprs(NULL, q, q->havingQual);
	q->rtable = list_delete_last(q->rtable);
	q->hasGroupRTE = false;
}
#else
#define lakets_query_without_group_rte(q) ((void) (q))
#endif

#endif							/* LAKETS_COMPAT_H */
