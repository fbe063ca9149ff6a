/*
 * version.h
 *	  Whether the extension's SQL objects in this database are the ones this
 *	  library was built for.
 */
#ifndef LAKETS_VERSION_H
#define LAKETS_VERSION_H

extern void lakets_check_sql_version(void);

#endif							/* LAKETS_VERSION_H */
