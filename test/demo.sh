#!/usr/bin/env bash
# make demo: a throwaway cluster, a ChronoTable with a few hundred thousand
# synthetic rows, the maintenance run on it, and what it did.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash test/cluster.sh start
trap 'bash test/cluster.sh stop' EXIT
# shellcheck disable=SC1091
. "${LAKETS_TMPDIR:-.tmp}/cluster.env"

psql -X -q -v ON_ERROR_STOP=1 -d postgres <<'SQL'
\pset footer off
DROP DATABASE IF EXISTS lakets_demo;
CREATE DATABASE lakets_demo;
\c lakets_demo
SET client_min_messages = warning;
CREATE EXTENSION lakets;

\echo
\echo '== A regular table with 300,000 readings over the last 30 days'
CREATE TABLE readings (
	device_id int NOT NULL,
	ts timestamptz NOT NULL,
	temperature float8,
	PRIMARY KEY (device_id, ts)
);
INSERT INTO readings
SELECT i % 50, now() - interval '30 days' + (i * interval '30 days') / 300000, 20 + 5 * sin(i / 1000.0)
FROM generate_series(1, 300000) AS i;

\echo
\echo '== lakets.create_chronotable(''readings'', ''ts'', ''1 day'')'
\timing on
SELECT lakets.create_chronotable('readings', 'ts', '1 day') AS chronotable_id;
\timing off

\echo
\echo '== Rows arrive for next week and from last year: they land in the default partition'
INSERT INTO readings VALUES (1, now() + interval '8 days', 21.5), (2, now() - interval '1 year', 19.0);
SELECT count(*) AS rows_in_default FROM ONLY readings_default;

\echo
\echo '== Maintenance: SELECT lakets.ensure_partitions()'
\timing on
SELECT lakets.ensure_partitions() AS chunks_created;
\timing off
SELECT count(*) AS rows_in_default FROM ONLY readings_default;

\echo
\echo '== The chunks (rows per chunk; times in UTC)'
SET TimeZone = 'UTC';
ANALYZE readings;
SELECT chunk_name, range_start::date AS day, status, row_count,
	   pg_size_pretty(size_bytes) AS size
FROM lakets.show_chunks('readings')
ORDER BY range_start;

\echo
\echo '== Queries touch only the chunks they need'
EXPLAIN (COSTS OFF)
SELECT avg(temperature) FROM readings WHERE ts >= now() - interval '2 days';

\echo
\echo '== A RollUp: hourly averages per device, kept current incrementally'
SELECT lakets.create_rollup('readings_hourly', $$
	SELECT lakets.time_bucket('1 hour', ts) AS bucket, device_id,
	       count(*) AS n, avg(temperature) AS mean, max(temperature) AS peak
	FROM readings GROUP BY 1, 2 $$) AS rollup_id;
SELECT count(*) AS hourly_rows FROM _rollup_readings_hourly;

\echo
\echo '== Late data arrives for two days a week apart: only those buckets are recomputed'
INSERT INTO readings VALUES (7, now() - interval '3 days' + interval '1 second', 99.0),
	(7, now() - interval '10 days' + interval '1 second', 98.0);
SELECT range_start, range_end FROM lakets._source_invalidation_log;
\timing on
SELECT lakets.refresh_rollup('readings_hourly') AS refreshed;
\timing off

\echo
\echo '== The real-time view: materialized buckets below the watermark, live above'
INSERT INTO readings VALUES (3, now(), 25.0);
SELECT bucket, device_id, n, round(peak::numeric, 1) AS peak
FROM _rollup_rt_readings_hourly WHERE device_id = 3 ORDER BY bucket DESC LIMIT 2;

\echo
\echo '== Retention: keep 14 days of readings, 1 year of hourly averages'
SELECT lakets.add_retention_policy('readings', '14 days') AS policy_id;
SELECT lakets.add_retention_policy('_rollup_readings_hourly', '1 year') AS policy_id;
SELECT action, count(*) AS chunks FROM lakets.enforce_retention(p_dry_run => true) GROUP BY 1;

\echo
\echo '== One call for the scheduler: SELECT * FROM lakets.run_maintenance()'
SELECT step, action, count(*) AS objects FROM lakets.run_maintenance() GROUP BY 1, 2 ORDER BY 1, 2;
SELECT job, status, chunks_created, rollups_refreshed, chunks_dropped FROM lakets.job_history;
SELECT status, count(*) AS chunks, sum(row_count) AS rows
FROM lakets.show_chunks('readings', p_include_dropped => true) GROUP BY status ORDER BY status;
SELECT count(*) AS hourly_rows_kept, min(bucket)::date AS oldest_hour FROM _rollup_readings_hourly;
SQL

echo
echo "== The same job from lakets-helper, as a cron job would run it (plain PostgreSQL mode)"
if [ -x helper/lakets-helper ]; then
	helper/lakets-helper --dbname=lakets_demo run maintenance
else
	echo "(helper/lakets-helper is not built)"
fi
