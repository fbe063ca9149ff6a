#!/usr/bin/env bash
# pg_dump keeps lakets' state: a database with a ChronoTable, a RollUp
# cascade, a retention policy, tombstones and pending invalidations is
# dumped and restored into a new database, where maintenance goes on as if
# nothing happened.
set -uo pipefail
suite=dump
. "$(dirname "$0")/../lib.sh"
src=lakets_dump_src
dst=lakets_dump_dst
dumpfile="$LAKETS_TMP/lakets_dump.sql"

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" \
	-c "CREATE DATABASE $src" -c "CREATE DATABASE $dst" 2>/dev/null || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d "$src" >/dev/null <<'SQL' || exit 1
SET client_min_messages = warning;
CREATE EXTENSION lakets;
CREATE TABLE m (ts timestamptz NOT NULL, v int NOT NULL);
SELECT lakets.create_chronotable('m', 'ts', '1 day');
SELECT lakets._ensure_partitions(lakets._chronotable_id('m'), 0, 0, '2021-01-01', '2021-01-04');
INSERT INTO m SELECT '2021-01-01 00:00+00'::timestamptz + i * interval '30 minutes', i FROM generate_series(0, 143) i;
SELECT lakets.create_rollup('m_hourly', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, count(*) AS n, sum(v) AS total FROM m GROUP BY 1$$, '1 hour');
SELECT lakets.create_rollup('m_daily', $$SELECT lakets.time_bucket('1 day', bucket) AS bucket, sum(n) AS n, sum(total) AS total FROM _rollup_m_hourly GROUP BY 1$$, '1 day');
SELECT lakets.add_retention_policy('_rollup_m_daily', '10 years');
SELECT lakets.drop_chunks('m', now() - '2021-01-02 00:00+00'::timestamptz);
-- pending work at dump time
INSERT INTO m VALUES ('2021-01-03 10:10+00', 1000);
SQL

"$LAKETS_PGBIN/pg_dump" -d "$src" -f "$dumpfile" || exit 1
restore_errors=$(psql -X -q -d "$dst" -f "$dumpfile" 2>&1 | grep -c 'ERROR')
check "the dump restores without errors" 0 "$restore_errors"

for t in _chronotable_registry _chunk_metadata _rollup_registry _source_invalidation_log _retention_policy; do
	check "lakets.$t is restored" "$(q $src "SELECT count(*) FROM lakets.$t")" "$(q $dst "SELECT count(*) FROM lakets.$t")"
done
check "the tombstone is restored" dropped "$(q $dst "SELECT status FROM lakets._chunk_metadata WHERE range_start = '2021-01-01 00:00+00'")"
check "the invalidation triggers are restored" 4 "$(q $dst "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'm'::regclass AND tgname LIKE 'zz_lakets%'")"

# maintenance goes on in the restored database
q $dst "SELECT count(*) FROM lakets.run_maintenance()" >/dev/null
check "maintenance runs" succeeded "$(q $dst "SELECT status FROM lakets.job_history ORDER BY id DESC LIMIT 1")"
check "the pending late row reached the cascade (48 + 1)" 49 "$(q $dst "SELECT n FROM _rollup_m_daily WHERE bucket = '2021-01-03 00:00+00'")"
check "day one keeps its aggregate" 48 "$(q $dst "SELECT n FROM _rollup_m_daily WHERE bucket = '2021-01-01 00:00+00'")"
q $dst "INSERT INTO m VALUES ('2021-01-02 01:00+00', 5)" >/dev/null
q $dst "SELECT count(*) FROM lakets.refresh_rollup_cascade()" >/dev/null
check "new changes are tracked after the restore" 49 "$(q $dst "SELECT n FROM _rollup_m_daily WHERE bucket = '2021-01-02 00:00+00'")"
check "new chunks get new ids" 1 "$(q $dst "SELECT count(*) FROM (SELECT lakets._ensure_partitions(lakets._chronotable_id('m'), 0, 0, '2020-12-30', '2020-12-31')) s")"

psql -X -q -d postgres -c "DROP DATABASE $src" -c "DROP DATABASE $dst" >/dev/null
rm -f "$dumpfile"
finish
