/*
 * isolate.c
 *	  Running one unit of maintenance work (one table, one RollUp, one chunk)
 *	  in its own subtransaction, so that its failure is rolled back alone and
 *	  the caller can report it and go on with the others. This is what makes
 *	  "one broken table never stops the work on the others" hold inside an
 *	  explicit transaction, a PL/pgSQL function or a pg_cron command alike.
 *
 * The pattern is PL/pgSQL's exception block: BeginInternalSubTransaction,
 * and on error copy the error out, roll the subtransaction back and restore
 * the memory context and resource owner.
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "isolate.h"

/*
 * Run work(arg) in a subtransaction. Returns NULL when it succeeded, or the
 * error it raised (allocated in the caller's memory context) after rolling
 * the subtransaction back. Query cancel and termination are not caught.
 */
ErrorData *
lakets_run_isolated(IsolatedWork work, void *arg)
{
	MemoryContext callercxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	ErrorData  *volatile edata = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(callercxt);
	PG_TRY();
	{
		work(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(callercxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(callercxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			edata->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN)
			PG_RE_THROW();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(callercxt);
		CurrentResourceOwner = owner;
	}
	PG_END_TRY();
	return edata;
}

/*
 * Report a failure lakets_run_isolated() returned as a WARNING "<what>: <its
 * message>", keeping its error code, detail and hint.
 */
void
lakets_warn_isolated(const ErrorData *edata, const char *what)
{
	ereport(WARNING,
			(errcode(edata->sqlerrcode),
			 errmsg("%s: %s", what, edata->message),
			 edata->detail ? errdetail("%s", edata->detail) : 0,
			 edata->hint ? errhint("%s", edata->hint) : 0));
}
