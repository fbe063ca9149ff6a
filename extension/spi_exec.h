/*
 * spi_exec.h
 *	  The one place generated SQL runs.
 */
#ifndef LAKETS_SPI_EXEC_H
#define LAKETS_SPI_EXEC_H

#include "postgres.h"
#include "executor/spi.h"

extern int	lakets_pin_search_path(void);
extern void lakets_unpin_search_path(int nestlevel);
extern uint64 lakets_exec(const char *sql, int expected);
extern uint64 lakets_execf(int expected, const char *fmt,...) pg_attribute_printf(2, 3);
extern uint64 lakets_exec_kept(const char *sql, int nargs, Oid *argtypes,
							   Datum *values, const char *nulls, int expected);
extern uint64 lakets_exec_args(const char *sql, int nargs, Oid *argtypes,
							   Datum *values, const char *nulls, int expected);
extern void lakets_exec_flagged(const char *sql, int expected, bool *flag);
extern void lakets_drop_own(const char *kind, const char *qualified_name);
extern bool lakets_dropping_own(void);
extern Datum lakets_exec_scalar(const char *sql, int nargs, Oid *argtypes,
								Datum *values, const char *nulls, bool *isnull);

#endif							/* LAKETS_SPI_EXEC_H */
