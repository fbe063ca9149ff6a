/*
 * lakets.h
 *	  Settings shared by the lakets modules.
 */
#ifndef LAKETS_H
#define LAKETS_H

/* lakets.lock_timeout: how long lakets waits for a lock before giving up (ms). */
extern int	lakets_lock_timeout_ms;

#endif							/* LAKETS_H */
