-- attacker.sql: every lakets function, procedure and trigger path, called by
-- "attacker" on its own tables with its schema "evil" first on search_path.
-- Errors do not stop the script: what counts is who ran the planted code.
SET client_min_messages = warning;

-- m: a ChronoTable whose table carries code of the attacker
CREATE TABLE evil.m (ts timestamptz NOT NULL, v int NOT NULL CHECK (evil.chk(v)),
	note text DEFAULT evil.dflt());
CREATE INDEX m_idx ON evil.m ((evil.idx(v)));
CREATE TRIGGER m_trg BEFORE INSERT OR UPDATE ON evil.m FOR EACH ROW EXECUTE FUNCTION evil.trg();
INSERT INTO evil.m (ts, v) SELECT now() - i * interval '1 hour', i FROM pg_catalog.generate_series(0, 30) i;
SELECT lakets.create_chronotable('m', 'ts', '1 day', 'evil');
SELECT lakets.create_chronotable('m', 'ts', '1 day', 'evil', true);
SELECT lakets.create_hypertable('m', 'ts', '1 day', 'evil', true);
-- c: a clean source (no code of the attacker's) with clean RollUps
CREATE TABLE evil.c (ts timestamptz NOT NULL, v int NOT NULL);
SELECT lakets.create_chronotable('c', 'ts', '1 day', 'evil');
-- e: timestamp, d: date, r: for retention, x: to be dropped
CREATE TABLE evil.e (t timestamp NOT NULL, v int NOT NULL);
SELECT lakets.create_chronotable('e', 't', '1 day', 'evil');
CREATE TABLE evil.d (day date NOT NULL, v int NOT NULL);
SELECT lakets.create_chronotable('d', 'day', '7 days', 'evil');
CREATE TABLE evil.r (ts timestamptz NOT NULL, v int NOT NULL);
SELECT lakets.create_chronotable('r', 'ts', '1 day', 'evil');
CREATE TABLE evil.x (ts timestamptz NOT NULL, v int NOT NULL);
SELECT lakets.create_chronotable('x', 'ts', '1 day', 'evil');

SELECT lakets._chronotable_id('m', 'evil');
SELECT lakets.set_chunk_interval('m', '12 hours', 'evil');
SELECT lakets.set_chunk_interval('m', '1 day', 'evil');
SELECT lakets.set_chunk_window('m', 1, 3, 'evil');
SELECT lakets.ensure_partitions('m', 'evil');
SELECT lakets.ensure_partitions();
SELECT lakets._ensure_partitions(lakets._chronotable_id('c', 'evil'));
SELECT lakets._ensure_partitions(lakets._chronotable_id('r', 'evil'), 0, 0,
	now() - interval '60 days', now() - interval '50 days');
SELECT lakets._ensure_partitions(lakets._chronotable_id('m', 'evil'), 0, 0,
	now() - interval '60 days', now() - interval '58 days');

-- RollUps: one whose query calls the attacker's function, clean ones (every
-- name qualified, so that only lakets could bring evil code in), a RollUp on
-- a RollUp, and RollUps of a timestamp and a date column
SELECT lakets.create_rollup('m_dirty', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket,
	pg_catalog.count(*) AS n, pg_catalog.sum(evil.imm(v)) AS s FROM evil.m GROUP BY 1$$,
	'1 hour', 'm', 'evil');
SELECT lakets.create_rollup('c_hourly', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket,
	pg_catalog.count(*) AS n, pg_catalog.sum(v) AS s, pg_catalog.max(ts) AS last_ts
	FROM evil.c GROUP BY 1$$, '1 hour', 'c', 'evil');
SELECT lakets.create_rollup('c_daily', $$SELECT lakets.time_bucket('1 day', bucket) AS bucket,
	pg_catalog.sum(n) AS n, pg_catalog.sum(s) AS s FROM evil._rollup_c_hourly GROUP BY 1$$,
	'1 day', '_rollup_c_hourly', 'evil', '{c_hourly}');
SELECT lakets.create_rollup('e_hourly', $$SELECT lakets.time_bucket('1 hour', t) AS bucket,
	pg_catalog.count(*) AS n FROM evil.e GROUP BY 1$$, '1 hour', 'e', 'evil');
SELECT lakets.create_rollup('d_weekly', $$SELECT lakets.time_bucket('7 days', day) AS bucket,
	pg_catalog.count(*) AS n FROM evil.d GROUP BY 1$$, '7 days', 'd', 'evil');
SELECT lakets.create_rollup('r_daily', $$SELECT lakets.time_bucket('1 day', ts) AS bucket,
	pg_catalog.count(*) AS n FROM evil.r GROUP BY 1$$, '1 day', 'r', 'evil');
SELECT lakets.create_rollup('x_daily', $$SELECT lakets.time_bucket('1 day', ts) AS bucket,
	pg_catalog.count(*) AS n FROM evil.x GROUP BY 1$$, '1 day', 'x', 'evil');

-- the trigger paths: INSERT, UPDATE, DELETE, COPY, TRUNCATE, in and out of
-- transaction blocks; the commit-time flush
INSERT INTO evil.m (ts, v) VALUES (now(), 1), (now() - interval '2 hours', 2);
UPDATE evil.m SET v = v + 1 WHERE v = 2;
UPDATE evil.m SET ts = ts - interval '3 hours' WHERE v = 3;
DELETE FROM evil.m WHERE v = 4;
INSERT INTO evil.c SELECT now() - i * interval '37 minutes', i FROM pg_catalog.generate_series(0, 40) i;
BEGIN;
INSERT INTO evil.c VALUES (now(), 5);
UPDATE evil.c SET v = v + 1 WHERE v = 6;
DELETE FROM evil.c WHERE v = 7;
COMMIT;
COPY evil.c (ts, v) FROM STDIN;
2030-01-01 00:00:00+00	1
2000-01-01 00:00:00+00	2
\.
INSERT INTO evil.c VALUES (now() - interval '1 day', 9);
INSERT INTO evil.e SELECT localtimestamp - i * interval '41 minutes', i FROM pg_catalog.generate_series(0, 40) i;
UPDATE evil.e SET t = t - interval '1 hour' WHERE v = 3;
INSERT INTO evil.d SELECT current_date - i, i FROM pg_catalog.generate_series(0, 20) i;
UPDATE evil.d SET day = day - 1 WHERE v = 3;
INSERT INTO evil.r SELECT now() - interval '55 days' + i * interval '1 hour', i FROM pg_catalog.generate_series(0, 5) i;
INSERT INTO evil.x VALUES (now(), 1);
TRUNCATE evil.x;
TRUNCATE evil.d;
INSERT INTO evil.d VALUES (current_date, 1);

-- the internal entry points, on its own tables
SELECT lakets._note_change('evil.m'::regclass, now(), 1);
SELECT lakets._note_change('evil.e'::regclass, localtimestamp, 1);
SELECT lakets._note_change('evil.d'::regclass, current_date, 1);
SELECT lakets._note_changes('evil.m'::regclass, now(), now(), 1);
SELECT lakets._note_changes('evil.e'::regclass, localtimestamp, localtimestamp, 1);
SELECT lakets._note_changes('evil.d'::regclass, current_date, current_date, 1);
-- the Citus shards' entry points (without Citus: a change of the table named)
SELECT lakets._note_shard_change('evil.m'::regclass, 'evil.m'::regclass::oid, now(), 1);
SELECT lakets._note_shard_change('evil.e'::regclass, 'evil.e'::regclass::oid, localtimestamp, 1);
SELECT lakets._note_shard_change('evil.d'::regclass, 'evil.d'::regclass::oid, current_date, 1);
SELECT lakets._note_shard_changes('evil.m'::regclass, 'evil.m'::regclass::oid, now(), now(), 1);
SELECT lakets._note_shard_changes('evil.e'::regclass, 'evil.e'::regclass::oid, localtimestamp, localtimestamp, 1);
SELECT lakets._note_shard_changes('evil.d'::regclass, 'evil.d'::regclass::oid, current_date, current_date, 1);
SELECT lakets._forget_shard_invalidations(ARRAY[1, 2, 3]::bigint[]);

-- RollUps
SELECT lakets.refresh_rollup('m_dirty');
SELECT lakets.refresh_rollup('c_hourly');
SELECT * FROM lakets.refresh_rollup_cascade('c_hourly');
SELECT * FROM lakets.refresh_rollup_cascade();
SELECT lakets.invalidate_rollup_range('c_hourly', now() - interval '1 day', now());
SELECT lakets.disable_rollup_invalidation('c_hourly');
INSERT INTO evil.c VALUES (now(), 11);
SELECT lakets.enable_rollup_invalidation('c_hourly');
SELECT lakets.set_rollup_refresh_lag('c_hourly', '1 hour');
SELECT lakets.set_rollup_refresh_lag('c_hourly', '0');
SELECT lakets.create_rollup_view('c_hourly');
SELECT lakets.create_rollup_view('m_dirty', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket,
	pg_catalog.count(*) AS n, pg_catalog.sum(evil.imm(v)) AS s FROM evil.m GROUP BY 1$$);
SELECT lakets._rollup_watermark('c_hourly');
-- a name the planner cannot fold: the function itself runs
SELECT lakets._rollup_watermark(pg_catalog.concat('c_', 'hourly'));
SELECT lakets._in_ranges(now(), pg_catalog.tstzmultirange(pg_catalog.tstzrange(now() - interval '1 hour', now())));
SELECT lakets._in_ranges(LOCALTIMESTAMP, pg_catalog.tsmultirange(pg_catalog.tsrange(LOCALTIMESTAMP, NULL)));
SELECT lakets._in_ranges(CURRENT_DATE, pg_catalog.datemultirange(pg_catalog.daterange(CURRENT_DATE, CURRENT_DATE + 1)));
SELECT count(*) FROM evil._rollup_rt_c_hourly;
SELECT count(*) FROM evil._rollup_rt_c_daily;
SELECT count(*) FROM evil._rollup_rt_m_dirty;
SELECT count(*) FROM evil._rollup_rt_e_hourly;
SELECT * FROM lakets.show_rollups();
SELECT * FROM lakets.show_rollup_dag();

-- retention
SELECT lakets.add_retention_policy('r', '30 days', 'evil');
SELECT lakets.alter_retention_policy('r', '40 days', 'evil');
SELECT * FROM lakets.show_retention_policy();
SELECT * FROM lakets.show_retention_policy('r', 'evil');
SELECT * FROM lakets.enforce_retention(true);
SELECT lakets.execute_retention('r', 'evil');
SELECT lakets.execute_retention();
SELECT * FROM lakets.enforce_retention();
SELECT lakets.remove_retention_policy('r', 'evil');
SELECT lakets.add_retention_policy('r', '30 days', 'evil');
SELECT lakets.add_retention_policy('m', '45 days', 'evil');
SELECT lakets.add_retention_policy('_rollup_c_hourly', '1000 days', 'evil');

-- chunks
SELECT * FROM lakets.show_chunks('m', NULL, NULL, 'evil');
SELECT * FROM lakets.show_chunks('c', '1 day', '10 days', 'evil');
SELECT lakets._chunk_row_count('evil.m'::regclass);
SELECT lakets.drop_chunks('m', '50 days', 'evil');

-- maintenance
SELECT * FROM lakets.run_maintenance();
SELECT * FROM lakets.run_maintenance('partitions');
SELECT * FROM lakets.run_maintenance('rollups');
SELECT * FROM lakets.run_maintenance('retention');
CALL lakets.maintain();
CALL lakets.maintain('rollups');
SELECT lakets.schedule_maintenance();
SELECT lakets.unschedule_maintenance();

-- time functions
SELECT lakets.time_bucket('1 hour', now());
SELECT lakets.time_bucket('1 hour', localtimestamp);
SELECT lakets.time_bucket('7 days', current_date);
SELECT lakets.time_bucket('1 hour', now(), now());
SELECT lakets.time_bucket('1 hour', localtimestamp, localtimestamp);
SELECT lakets._chunk_start(now(), '1 day');
SELECT lakets._chunk_start(localtimestamp, '1 day');
SELECT lakets._chunk_start(current_date, '1 day');

-- dropping
SELECT lakets.drop_rollup('x_daily');
SELECT lakets.drop_chronotable('x', 'evil');

-- time-series functions (first/last, gap-fill, locf, ...)
SELECT lakets.time_bucket('1 day', now(), 'Europe/Berlin');
SELECT lakets.time_bucket('1 day', now(), 'Europe/Berlin', '2000-01-01 06:00+01'::timestamptz);
SELECT lakets.first(v, ts), lakets.last(v, ts), lakets.first(note, ts) FROM evil.m;
SELECT lakets.first(v, t), lakets.last(v, t) FROM evil.e;
SELECT lakets.first(v, day), lakets.last(v, day) FROM evil.d;
SELECT lakets.first(ts, v::bigint), lakets.last(note, v::bigint) FROM evil.m;
-- in parallel: the combine, serialize and deserialize functions
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
-- force_parallel_mode is debug_parallel_query from PostgreSQL 16 on
SELECT pg_catalog.set_config(CASE WHEN pg_catalog.current_setting('server_version_num')::int >= 160000
	THEN 'debug_parallel_query' ELSE 'force_parallel_mode' END, 'on', false) AS parallel_forced;
SELECT lakets.first(v, ts), lakets.last(v, ts) FROM evil.m;
SELECT pg_catalog.set_config(CASE WHEN pg_catalog.current_setting('server_version_num')::int >= 160000
	THEN 'debug_parallel_query' ELSE 'force_parallel_mode' END, 'off', false) AS parallel_not_forced;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SELECT pg_catalog.count(*) FROM lakets.time_bucket_gapfill('1 hour', now() - interval '1 day', now());
SELECT b, lakets.locf_agg(c.v) OVER (ORDER BY b)
FROM lakets.time_bucket_gapfill('1 hour', now() - interval '1 day', now()) AS b
LEFT JOIN evil.c ON lakets.time_bucket('1 hour', c.ts) = b;
SELECT lakets.locf(NULL, 1), lakets.delta(5, 3), lakets.histogram(5, 0, 10, 5),
	lakets.interpolate(NULL, 1, 3, now() - interval '2 hours', now() - interval '1 hour', now()),
	lakets.rate(5, 3, now(), now() - interval '1 minute');
-- a RollUp on the local days of a time zone, with first/last
SELECT lakets.create_rollup('c_berlin', $$SELECT lakets.time_bucket('1 day', ts, 'Europe/Berlin') AS bucket,
	lakets.first(v, ts) AS first_v, lakets.last(v, ts) AS last_v, pg_catalog.count(*) AS n
	FROM evil.c GROUP BY 1$$, '1 day', 'c', 'evil');
INSERT INTO evil.c VALUES (now(), 7);
SELECT lakets.refresh_rollup('c_berlin');

-- last value cache and ingest
SELECT lakets.enable_lvc('c', ARRAY['v'], ARRAY[]::text[], 'evil');
SELECT lakets.disable_lvc('c', 'evil');
SELECT lakets.enable_lvc('m', ARRAY['v'], ARRAY['note'], 'evil');
INSERT INTO evil.m (ts, v) VALUES (pg_catalog.now(), 21), (pg_catalog.now() - interval '1 hour', 21);
UPDATE evil.m SET note = 'u' WHERE v = 21;
DELETE FROM evil.m WHERE v = 21 AND ts < pg_catalog.now() - interval '30 minutes';
COPY evil.m (ts, v) FROM STDIN;
2030-01-01 00:00:00+00	22
\.
SELECT lakets._lvc_note('evil.m'::regclass, 1, pg_catalog.now(), 23, 'n'::text);
SELECT lakets._lvc_forget('evil.m'::regclass, 1, pg_catalog.now(), 23);
SELECT * FROM lakets.latest_values('m', 'evil') AS (v int, note text, last_updated timestamptz);
SELECT * FROM lakets.lvc_stats();
SELECT lakets.ingest_batch('m', '[{"ts": "2026-01-01T00:00:00Z", "v": 24}, {"ts": "2026-01-01T00:00:01Z", "v": 25, "note": "b"}]', 'evil');
CREATE TABLE evil.p (time timestamptz NOT NULL, metric_name text, labels jsonb, value float8);
SELECT lakets.ingest_prometheus('p', 'up', '{"job": "evil"}', 1, pg_catalog.now(), 'evil');

-- metric tables, alerts, monitoring
SELECT lakets.create_metric_table('mt', '{host}', '{val}', '1 day', 'evil');
INSERT INTO evil.mt VALUES (now(), 'a', 1), (now() - interval '2 hours', 'b', 2);
SELECT * FROM lakets.cardinality_stats('mt', 'evil');
SELECT * FROM lakets.cardinality_check('mt', 10, 'evil');
SELECT * FROM lakets.alert_check('a', 'SELECT 1 AS one', 'info');
SELECT * FROM lakets.alert_check('mt', 'SELECT host FROM evil.mt');
SELECT * FROM lakets.alert_deadman('d', 'mt', 'host', '1 hour', 'evil');
SELECT * FROM lakets.alert_deadman('d', 'm', 'v', '1 hour', 'evil');
SELECT * FROM lakets.lakets_metrics();
SELECT * FROM lakets._chronotable_sizes();
SELECT * FROM lakets.chunk_health();
SELECT * FROM lakets.query_stats(5);
