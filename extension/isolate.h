/*
 * isolate.h
 *	  Running one unit of maintenance work in its own subtransaction.
 */
#ifndef LAKETS_ISOLATE_H
#define LAKETS_ISOLATE_H

#include "postgres.h"

typedef void (*IsolatedWork) (void *arg);

extern ErrorData *lakets_run_isolated(IsolatedWork work, void *arg);
extern void lakets_warn_isolated(const ErrorData *edata, const char *what);

#endif							/* LAKETS_ISOLATE_H */
