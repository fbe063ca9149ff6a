/*
 * owner.c
 *	  Doing a table's work as its owner.
 *
 * Converting a table, creating and attaching chunks, moving rows out of the
 * default partition, refreshing a RollUp and dropping chunks run code that
 * belongs to the table's owner: its triggers, CHECK constraints, defaults,
 * index expressions, the functions of a RollUp's query. Whoever calls lakets
 * (a superuser's cron job, a maintenance role that is a member of several
 * owners), that code must never run with the caller's rights. So, once the
 * caller's right to act on the table is checked, lakets becomes the table's
 * owner for the work, in a security-restricted operation with search_path
 * pinned, exactly as VACUUM, CREATE INDEX and REFRESH MATERIALIZED VIEW do.
 * An error unwinds all of it with the (sub)transaction.
 */
#include "postgres.h"

#include "miscadmin.h"

#include "args.h"
#include "owner.h"
#include "spi_exec.h"

void
lakets_become_owner(Oid relid, OwnerSwitch *sw)
{
	GetUserIdAndSecContext(&sw->save_userid, &sw->save_sec);
	SetUserIdAndSecContext(lakets_rel_owner(relid),
						   sw->save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	sw->nestlevel = lakets_pin_search_path();
}

void
lakets_end_owner(OwnerSwitch *sw)
{
	lakets_unpin_search_path(sw->nestlevel);
	SetUserIdAndSecContext(sw->save_userid, sw->save_sec);
}
