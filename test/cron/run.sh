#!/usr/bin/env bash
# pg_cron, for real: the throwaway cluster preloads pg_cron with
# cron.database_name = postgres. lakets.schedule_maintenance() registers a
# job that runs every minute (pg_cron 1.4's finest schedule); the test waits
# for pg_cron to run it and checks cron.job_run_details and the effect on
# the data, then unschedules it.
set -uo pipefail
suite=cron
. "$(dirname "$0")/../lib.sh"
db=postgres

psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL' || exit 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_cron;
DROP EXTENSION IF EXISTS lakets CASCADE;
CREATE EXTENSION lakets;
CREATE TABLE cron_events (ts timestamptz NOT NULL, v int NOT NULL);
SELECT lakets.create_chronotable('cron_events', 'ts', '1 day');
SELECT lakets.set_chunk_window('cron_events', 1, 6);
SQL

jobid=$(q $db "SELECT lakets.schedule_maintenance('* * * * *')")
check "a pg_cron job is registered" "lakets-maintenance|* * * * *|postgres" \
	"$(q $db "SELECT jobname || '|' || schedule || '|' || database FROM cron.job WHERE jobid = $jobid")"
again=$(q $db "SELECT lakets.schedule_maintenance('* * * * *')")
check "scheduling again replaces the job" "$jobid|1" "$again|$(q $db "SELECT count(*) FROM cron.job WHERE jobname LIKE 'lakets-%'")"
check "an unknown job is refused" 1 "$(psql -X -At -d $db -c "SELECT lakets.schedule_maintenance('* * * * *', 'cleanup')" 2>&1 | grep -c 'unknown lakets job')"

# pg_cron starts jobs at the top of each minute
status=""
for _ in $(seq 1 150); do
	status=$(q $db "SELECT status FROM cron.job_run_details WHERE jobid = $jobid AND status IN ('succeeded', 'failed') ORDER BY runid DESC LIMIT 1")
	[ -n "$status" ] && break
	sleep 0.5
done
check "pg_cron ran the job" succeeded "$status"
check "the job created the missing chunks" 8 "$(q $db "SELECT count(*) FROM lakets.show_chunks('cron_events')")"
check "the run is in lakets.job_history" "maintenance|succeeded|3" \
	"$(q $db "SELECT job || '|' || status || '|' || chunks_created FROM lakets.job_history ORDER BY id LIMIT 1")"

check "unschedule removes it" 1 "$(q $db "SELECT lakets.unschedule_maintenance()")"
check "no lakets job is left" 0 "$(q $db "SELECT count(*) FROM cron.job WHERE jobname LIKE 'lakets-%'")"
check "unscheduling again removes nothing" 0 "$(q $db "SELECT lakets.unschedule_maintenance('maintenance')")"

psql -X -q -d "$db" >/dev/null <<'SQL'
SELECT lakets.drop_chronotable('cron_events');
DROP EXTENSION lakets;
DROP EXTENSION pg_cron;
SQL
finish
