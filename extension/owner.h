/*
 * owner.h
 *	  Doing a table's work as its owner.
 */
#ifndef LAKETS_OWNER_H
#define LAKETS_OWNER_H

#include "postgres.h"

typedef struct OwnerSwitch
{
	Oid			save_userid;
	int			save_sec;
	int			nestlevel;
} OwnerSwitch;

extern void lakets_become_owner(Oid relid, OwnerSwitch *sw);
extern void lakets_end_owner(OwnerSwitch *sw);

#endif							/* LAKETS_OWNER_H */
