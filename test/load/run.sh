#!/usr/bin/env bash
# Load test (issue 15): 20 s of real ingest, many small transactions from
# several clients (80% inserts near now, 10% rows up to 5 days late, 5%
# updates moving rows across buckets and chunks, 5% deletes) while
# CALL lakets.maintain() runs every second. Afterwards every RollUp equals a
# from-scratch recomputation (over the range retention keeps), the registry
# equals pg_inherits, the default partition holds no row older than the
# retention cutoff, and the server logged no error.
set -uo pipefail
suite=load
. "$(dirname "$0")/../lib.sh"
db=lakets_load
here=$(cd "$(dirname "$0")" && pwd)
out="${LAKETS_TMP:-.tmp}/load"
seconds=${LAKETS_LOAD_SECONDS:-20}
clients=${LAKETS_LOAD_CLIENTS:-4}
mkdir -p "$out"
log="$LAKETS_PGDATA/server.log"

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" 2>/dev/null || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL' || exit 1
SET client_min_messages = warning;
CREATE EXTENSION lakets;
CREATE TABLE ld (ts timestamptz NOT NULL, device int NOT NULL, v int NOT NULL);  -- sums of floats depend on their order
SELECT lakets.create_chronotable('ld', 'ts', '1 day');
SELECT lakets.set_chunk_window('ld', 6, 2);
SELECT lakets.ensure_partitions();
INSERT INTO ld SELECT now() - random() * interval '5 days', (random() * 99)::int, (random() * 100)::int
FROM generate_series(1, 20000);
SELECT lakets.create_rollup('ld_5m', $$SELECT lakets.time_bucket('5 minutes', ts) AS bucket, device,
	count(*) AS n, sum(v) AS total, max(v) AS top FROM ld GROUP BY 1, 2$$, '5 minutes');
SELECT lakets.create_rollup('ld_1h', $$SELECT lakets.time_bucket('1 hour', bucket) AS bucket,
	sum(n) AS n, sum(total) AS total FROM _rollup_ld_5m GROUP BY 1$$, '1 hour');
SELECT lakets.add_retention_policy('ld', '4 days');
SQL

cat >"$out/insert.sql" <<'SQL'
INSERT INTO ld VALUES (now() - random() * interval '10 minutes', (random() * 99)::int, (random() * 100)::int);
SQL
cat >"$out/late.sql" <<'SQL'
INSERT INTO ld VALUES (now() - random() * interval '5 days', (random() * 99)::int, (random() * 100)::int);
SQL
# each client updates and deletes rows of its own devices only: two
# updates of one row moving it to another partition fail in PostgreSQL
# (a ctid names a row only together with its partition: tableoid)
cat >"$out/update.sql" <<'SQL'
\set d :client_id + CLIENTS * random(0, 99 / CLIENTS)
UPDATE ld SET ts = ts - random() * interval '1 day', v = v + 1
WHERE (tableoid, ctid) = (SELECT tableoid, ctid FROM ld WHERE device = :d AND ts > now() - interval '2 days' LIMIT 1);
SQL
cat >"$out/delete.sql" <<'SQL'
\set d :client_id + CLIENTS * random(0, 99 / CLIENTS)
DELETE FROM ld WHERE (tableoid, ctid) = (SELECT tableoid, ctid FROM ld WHERE device = :d AND ts > now() - interval '3 days' LIMIT 1);
SQL

sed -i "s/CLIENTS/$clients/g" "$out/update.sql" "$out/delete.sql"
start=$(stat -c %s "$log")
(
	end=$((SECONDS + seconds))
	while [ "$SECONDS" -lt "$end" ]; do
		psql -X -q -d "$db" -c "SET client_min_messages = error" -c "CALL lakets.maintain()" \
			>>"$out/maintain.log" 2>&1
		sleep 1
	done
) &
maint=$!
"$LAKETS_PGBIN/pgbench" -n -c "$clients" -j 2 -T "$seconds" -d "$db" \
	-f "$out/insert.sql@80" -f "$out/late.sql@10" -f "$out/update.sql@5" -f "$out/delete.sql@5" \
	>"$out/pgbench.log" 2>&1
bench_rc=$?
wait "$maint"
check "pgbench ran without a failed transaction" 0 "$bench_rc"
tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out/pgbench.log" | head -n 1)
runs=$(q $db "SELECT count(*) FROM lakets.job_history")
echo "# ${tps:-?} transactions per second, $runs maintenance runs"
check "maintenance ran during the load" t "$(q $db "SELECT $runs >= 5")"

# one last run catches everything up (the rows of the last second included)
psql -X -q -d "$db" -c "SET client_min_messages = error" -c "CALL lakets.maintain()" >/dev/null 2>&1

# every RollUp equals its query, over the buckets retention keeps whole
for r in ld_5m ld_1h; do
	query=$(q $db "SELECT query FROM lakets._rollup_registry WHERE name = '$r'")
	diff=$(q $db "SELECT count(*) FROM (
	                (SELECT * FROM _rollup_$r WHERE bucket >= now() - interval '3 days'
	                 EXCEPT ALL SELECT * FROM ($query) q WHERE bucket >= now() - interval '3 days')
	                UNION ALL
	                (SELECT * FROM ($query) q WHERE bucket >= now() - interval '3 days'
	                 EXCEPT ALL SELECT * FROM _rollup_$r WHERE bucket >= now() - interval '3 days')) d")
	check "RollUp $r equals its query recomputed from scratch" 0 "$diff"
done
check "nothing is left pending" "0 0" \
	"$(q $db "SELECT count(*) FROM lakets._source_invalidation_log") $(q $db "SELECT count(*) FROM lakets._rollup_invalidation_log")"
check "the registry's live chunks are the partitions of ld" "" \
	"$(q $db "(SELECT chunk_relid FROM lakets._chunk_metadata WHERE status = 'active'
	           EXCEPT SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'ld'::regclass
	                  AND inhrelid <> 'ld_default'::regclass)
	          UNION ALL
	          (SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'ld'::regclass
	                  AND inhrelid <> 'ld_default'::regclass
	           EXCEPT SELECT chunk_relid FROM lakets._chunk_metadata WHERE status = 'active')")"
check "no row of the default partition is older than the retention cutoff" 0 \
	"$(q $db "SELECT count(*) FROM ONLY ld_default
	          WHERE ts < (SELECT cutoff FROM lakets.show_retention_policy('ld'))")"
errors=$(tail -c +"$((start + 1))" "$log" | grep -E 'ERROR|FATAL|PANIC|deadlock' |
	grep -v 'canceling statement due to user request' | head -n 5)
check "the server logged no error during the load ($log)" "" "$errors"

[ "$failed" -eq 0 ] && psql -X -q -d postgres -c "DROP DATABASE $db" 2>/dev/null
finish
