/*
 * refresh.h
 *	  Consuming a RollUp's invalidations and recomputing its buckets.
 */
#ifndef LAKETS_REFRESH_H
#define LAKETS_REFRESH_H

#include "catalog.h"
#include "rangeset.h"

extern Oid	rollup_table_relid(const Rollup *r);
extern int64 rollup_bucket_start(const Rollup *r, int64 t);
extern void rollup_check_owner(const Rollup *r);
extern bool rollup_owned(const Rollup *r);
extern RangeSet *rollup_gone_ranges(const Rollup *r);
extern bool rollup_has_pending(const Rollup *r, int64 start, int64 end);
extern void rollup_recompute(const Rollup *r, const RangeSet *dirty);
extern void rollup_update_watermark(const Rollup *r);
extern bool rollup_refresh(const Rollup *r);
extern bool rollup_try_lock(const Rollup *r);
extern List *rollup_topological_order(List *rollups);
extern List *rollup_cascade_order(const char *name, bool with_dependents);
extern ErrorData *rollup_refresh_isolated(const Rollup *r, bool *refreshed, double *ms);

#endif							/* LAKETS_REFRESH_H */
