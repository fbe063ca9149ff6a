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

/* PG 16 moved the varlena macros (VARDATA_ANY ...) out of postgres.h. */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

#endif							/* LAKETS_COMPAT_H */
