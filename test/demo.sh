#!/usr/bin/env bash
# make demo: a throwaway cluster, a ChronoTable with a few hundred thousand
# synthetic rows, the maintenance run on it, and what it did.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash test/cluster.sh start
trap 'bash test/cluster.sh stop' EXIT
# shellcheck disable=SC1091
. .tmp/cluster.env

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
\echo '== Retention by hand: drop chunks older than 14 days (tombstones stay)'
SELECT lakets.drop_chunks('readings', '14 days') AS chunks_dropped;
SELECT status, count(*) AS chunks, sum(row_count) AS rows
FROM lakets.show_chunks('readings') GROUP BY status ORDER BY status;
SELECT count(*) AS rows_left FROM readings;
SQL
