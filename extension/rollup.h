/*
 * rollup.h
 *	  Defining and dropping RollUps.
 */
#ifndef LAKETS_ROLLUP_H
#define LAKETS_ROLLUP_H

extern void rollup_drop_for_source(const char *schema_name, const char *table_name);

#endif							/* LAKETS_ROLLUP_H */
