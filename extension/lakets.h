/*
 * lakets.h
 *	  Settings shared by the lakets modules.
 */
#ifndef LAKETS_H
#define LAKETS_H

/* lakets.lock_timeout: how long lakets waits for a lock before giving up (ms). */
extern int	lakets_lock_timeout_ms;

/* lakets.refresh_work_mem: work_mem of a refresh statement, when larger (kB). */
extern int	lakets_refresh_work_mem_kb;

/* lakets.refresh_sorted_buckets: windows this wide are written in key order. */
extern int	lakets_refresh_sorted_buckets;
extern bool lakets_refresh_rebuild;

/* lakets.invalidation_tail_window: changes this recent share a tail entry (s). */
extern int	lakets_invalidation_tail_window_s;

#endif							/* LAKETS_H */
