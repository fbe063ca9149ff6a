#!/usr/bin/env bash
# Fault test: the backend running lakets.run_maintenance() is terminated in
# the middle of its work (while it waits for a lock, after it has created
# chunks and refreshed a RollUp in its transaction). Nothing it did may
# survive half-done, and the next run must complete with nothing lost or
# duplicated.
set -uo pipefail
suite=fault
. "$(dirname "$0")/../lib.sh"
db=lakets_fault

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL' || exit 1
SET client_min_messages = warning;
CREATE EXTENSION lakets;
CREATE TABLE t (ts timestamptz NOT NULL, v int NOT NULL);
SELECT lakets.create_chronotable('t', 'ts', '1 day');
SELECT lakets._ensure_partitions(lakets._chronotable_id('t'), 0, 0, '2021-01-01', '2021-01-03');
INSERT INTO t SELECT '2021-01-01 00:00+00'::timestamptz + i * interval '1 hour', i FROM generate_series(0, 47) i;
INSERT INTO t SELECT now() - i * interval '1 minute', i FROM generate_series(0, 99) i;
SELECT lakets.create_rollup('t_daily', $$SELECT lakets.time_bucket('1 day', ts) AS bucket, count(*) AS n, sum(v) AS total FROM t GROUP BY 1$$, '1 day');
SELECT lakets.add_retention_policy('t', '1 year');
SELECT lakets.set_chunk_window('t', 1, 6);
-- late rows: the RollUp owes them before the old chunks may go
INSERT INTO t VALUES ('2021-01-02 05:30+00', 1000), (now(), 1);
SQL


chunks_before=$(q $db "SELECT count(*) FROM lakets._chunk_metadata")
pending_before=$(q $db "SELECT count(*) FROM lakets._source_invalidation_log")

# A long reader holds the table; maintenance will wait on its lock.
psql -X -q -d "$db" -c "BEGIN; SELECT count(*) FROM t; SELECT pg_sleep(60); COMMIT;" >/dev/null 2>&1 &
blocker=$!
for _ in $(seq 1 100); do
	[ "$(q $db "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND state = 'active' AND pid <> pg_backend_pid()")" = 1 ] && break
	sleep 0.1
done

psql -X -q -d "$db" -c "SET lakets.lock_timeout = '60s'; SELECT * FROM lakets.run_maintenance();" >/dev/null 2>&1 &
maint=$!
waiting=0
for _ in $(seq 1 200); do
	if [ "$(q $db "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%run_maintenance%' AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")" = 1 ]; then
		waiting=1
		break
	fi
	sleep 0.1
done
check "run_maintenance is stuck mid-run on a lock" 1 "$waiting"
terminated=$(q $db "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%run_maintenance%' AND pid <> pg_backend_pid()) s")
check "its backend is terminated" 1 "$terminated"
wait "$maint"
q $db "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" >/dev/null
wait "$blocker" 2>/dev/null

check "no chunk from the terminated run survives" "$chunks_before" "$(q $db "SELECT count(*) FROM lakets._chunk_metadata")"
check "no chunk dropped by the terminated run" 0 "$(q $db "SELECT count(*) FROM lakets._chunk_metadata WHERE status = 'dropped'")"
check "no history row from the terminated run" 0 "$(q $db "SELECT count(*) FROM lakets.job_history")"
check "pending invalidations are still there" "$pending_before" "$(q $db "SELECT count(*) FROM lakets._source_invalidation_log")"
check "every partition but the default is a registered chunk" \
	"$(q $db "SELECT count(*) - 1 FROM pg_inherits WHERE inhparent = 't'::regclass")" \
	"$(q $db "SELECT count(*) FROM lakets._chunk_metadata WHERE status = 'active'")"

# The next run completes.
q $db "SELECT count(*) FROM lakets.run_maintenance()" >/dev/null
check "the next run succeeds" succeeded "$(q $db "SELECT status FROM lakets.job_history ORDER BY id DESC LIMIT 1")"
check "one history row" 1 "$(q $db "SELECT count(*) FROM lakets.job_history")"
check "the window is complete" 8 "$(q $db "SELECT count(*) FROM lakets.show_chunks('t') WHERE status = 'active'")"
check "no duplicate chunk" 0 "$(q $db "SELECT count(*) - count(DISTINCT range_start) FROM lakets._chunk_metadata")"
check "the expired chunks were dropped once" 2 "$(q $db "SELECT count(*) FROM lakets._chunk_metadata WHERE status = 'dropped'")"
check "the RollUp counts every row, late ones included (48 + 100 + 2)" 150 "$(q $db "SELECT sum(n) FROM _rollup_t_daily")"
check "the RollUp matches the rows still there" 0 "$(q $db "SELECT count(*) FROM (SELECT lakets.time_bucket('1 day', ts), count(*), sum(v) FROM t GROUP BY 1 EXCEPT ALL SELECT * FROM _rollup_t_daily) d")"
check "nothing pending" 0 "$(q $db "SELECT count(*) FROM lakets._rollup_invalidation_log")"

# Dropping the extension in a transaction that changed a RollUp source: the
# pending invalidations have nowhere to go, and the commit must not fail.
q $db "SELECT count(*) FROM lakets.run_maintenance()" >/dev/null
dropped=$(psql -X -q -At -d "$db" 2>&1 <<'SQL'
BEGIN;
INSERT INTO t VALUES (now(), -7);
DROP EXTENSION lakets CASCADE;
COMMIT;
SELECT count(*) FROM t WHERE v = -7;
SQL
)
check "dropping lakets in a transaction that changed a source commits" 1 "$(echo "$dropped" | tail -n 1)"

# An autovacuum worker in the way of a bounded lock wait: PostgreSQL cancels
# it for a waiter after deadlock_timeout, and lakets waits that long for it
# rather than fail after lakets.lock_timeout.
q postgres "ALTER SYSTEM SET autovacuum_naptime = 1" >/dev/null
q postgres "SELECT pg_reload_conf()" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL' || exit 1
SET client_min_messages = warning;
CREATE EXTENSION lakets;
CREATE TABLE av (ts timestamptz NOT NULL, v int NOT NULL);
SELECT lakets.create_chronotable('av', 'ts', '1 day');
INSERT INTO av SELECT '2021-01-01 00:00+00'::timestamptz + i * interval '1 minute', i FROM generate_series(0, 19999) i;
SELECT lakets.create_rollup('av_m', $$SELECT lakets.time_bucket('1 minute', ts) AS bucket, count(*) AS n FROM av GROUP BY 1$$, '1 minute');
-- a slow vacuum of the RollUp table, started by autovacuum
ALTER TABLE _rollup_av_m SET (autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0,
	autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1);
DELETE FROM _rollup_av_m WHERE n > 0 AND bucket < '2021-01-05';
SQL
vacuuming=0
for _ in $(seq 1 600); do
	if [ "$(q $db "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' AND query LIKE '%_rollup_av_m%'")" = 1 ]; then
		vacuuming=1
		break
	fi
	sleep 0.1
done
check "autovacuum is vacuuming the RollUp table" 1 "$vacuuming"
dropped=$(psql -X -q -At -d "$db" -c "SET lakets.lock_timeout = '200ms'" -c "SET deadlock_timeout = '1s'" \
	-c "SELECT lakets.drop_rollup('av_m')" -c "SELECT count(*) FROM pg_class WHERE relname = '_rollup_av_m'" 2>&1)
check "drop_rollup waits for autovacuum to give way, not lakets.lock_timeout only" 0 "$(echo "$dropped" | tail -n 1)"
q postgres "ALTER SYSTEM RESET autovacuum_naptime" >/dev/null
q postgres "SELECT pg_reload_conf()" >/dev/null

psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null
finish
