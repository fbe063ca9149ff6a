-- retention: policies for ChronoTables and RollUp tables; chunks dropped
-- only when wholly expired, never before the RollUps got what they need.
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';

CREATE TABLE sensor (ts timestamptz NOT NULL, v int NOT NULL);
SELECT lakets.create_chronotable('sensor', 'ts', '1 day') AS ct \gset
SELECT lakets._ensure_partitions(:ct, 0, 0, '2021-06-01', '2021-06-05') AS chunks;
INSERT INTO sensor SELECT '2021-06-01 00:00+00'::timestamptz + i * interval '10 minutes', i % 7
FROM generate_series(0, 4 * 144 - 1) AS i;
SELECT lakets.create_rollup('sensor_hourly', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, count(*) AS n, sum(v) AS total FROM sensor GROUP BY 1$$, '1 hour') > 0 AS created;
SELECT lakets.create_rollup('sensor_daily', $$SELECT lakets.time_bucket('1 day', bucket) AS bucket, sum(n) AS n, sum(total) AS total FROM _rollup_sensor_hourly GROUP BY 1$$, '1 day') > 0 AS created;
CREATE TEMP TABLE hourly_before AS TABLE _rollup_sensor_hourly;

-- policies and their errors
SELECT lakets.add_retention_policy('sensor', '1 year') > 0 AS added;
SELECT lakets.add_retention_policy('sensor', '2 years');
SELECT lakets.add_retention_policy('sensor', '0 days');
SELECT lakets.add_retention_policy('sensor', '-1 day');
SELECT lakets.add_retention_policy('sensor', NULL);
SELECT lakets.add_retention_policy(NULL, '1 day');
SELECT lakets.add_retention_policy('no_such_table', '1 day');
CREATE TABLE not_chrono (ts timestamptz);
SELECT lakets.add_retention_policy('not_chrono', '1 day');
SELECT lakets.add_retention_policy('_rollup_sensor_daily', '10 years') > 0 AS added_for_rollup;
SELECT schema_name, table_name, kind, drop_after FROM lakets.show_retention_policy();
SELECT policy_type, drop_after, tier_after, enabled, last_run_at IS NULL AS never_run, table_name FROM lakets.show_retention_policy('sensor');
SELECT lakets.alter_retention_policy('sensor', '2 years');
SELECT lakets.alter_retention_policy('not_chrono', '2 years');
SELECT lakets.alter_retention_policy('sensor', '1 year');
SELECT lakets.remove_retention_policy('_rollup_sensor_daily');
SELECT lakets.remove_retention_policy('_rollup_sensor_daily');
SELECT lakets.execute_retention('not_chrono');

-- a dry run changes nothing
SELECT table_name, chunk_name, range_start, range_end, action FROM lakets.enforce_retention(p_dry_run => true);
SELECT count(*) AS active FROM lakets.show_chunks('sensor') WHERE status = 'active' AND range_start < '2022-01-01';

-- late rows in an expired chunk: retention refreshes the RollUp first
INSERT INTO sensor VALUES ('2021-06-02 12:05+00', 100);
SELECT lakets.set_rollup_refresh_lag('sensor_hourly', '1 day');
-- ... unless the RollUp cannot refresh now (here: within its refresh lag):
-- then the chunks it is owed stay (fail closed)
SELECT lakets.refresh_rollup('sensor_hourly') AS refreshed;
INSERT INTO sensor VALUES ('2021-06-03 12:05+00', 200);
SELECT table_name, chunk_name, action FROM lakets.enforce_retention();
SELECT chunk_name, status FROM lakets.show_chunks('sensor', p_include_dropped => true) WHERE range_start < '2022-01-01' ORDER BY 1;
SELECT lakets.set_rollup_refresh_lag('sensor_hourly', '0');
SELECT table_name, chunk_name, action FROM lakets.enforce_retention();
SELECT chunk_name, status FROM lakets.show_chunks('sensor', p_include_dropped => true) WHERE range_start < '2022-01-01' ORDER BY 1;
-- the RollUps kept every bucket, late rows included
SELECT sum(n) AS rows_counted, sum(total) AS total FROM _rollup_sensor_hourly;
SELECT sum(n) AS rows_counted, sum(total) AS total FROM _rollup_sensor_daily;
SELECT count(*) AS rows_left FROM sensor WHERE ts < '2022-01-01';
-- nothing left to do; the window chunks are untouched
SELECT lakets.execute_retention('sensor') AS dropped;
SELECT policy_type, drop_after, enabled, last_run_at IS NOT NULL AS ran FROM lakets.show_retention_policy('sensor');
SELECT count(*) = 5 AS window_intact FROM lakets.show_chunks('sensor') WHERE status = 'active';

-- p_force drops even what a RollUp is still owed (the chunk is made while
-- the policy keeps it: lakets never creates a chunk retention would drop)
SELECT lakets.alter_retention_policy('sensor', '100 years');
SELECT lakets._ensure_partitions(:ct, 0, 0, '2021-07-01', '2021-07-02') AS chunks;
INSERT INTO sensor VALUES ('2021-07-01 01:00+00', 1);
SELECT lakets.alter_retention_policy('sensor', '1 year');
SELECT lakets.set_rollup_refresh_lag('sensor_hourly', '1 day');
SELECT lakets.execute_retention('sensor') AS dropped_without_force;
SELECT lakets.execute_retention('sensor', p_force => true) AS dropped_with_force;
SELECT lakets.set_rollup_refresh_lag('sensor_hourly', '0');

-- retention on a RollUp table deletes whole old buckets, and the RollUps
-- reading it keep theirs
SELECT lakets.add_retention_policy('_rollup_sensor_hourly', '1 year') > 0 AS added;
SELECT table_name, chunk_name, range_start,
       range_end = lakets.time_bucket('1 hour', (now() AT TIME ZONE 'UTC' - interval '1 year') AT TIME ZONE 'UTC') AS whole_buckets_before_cutoff,
       action
FROM lakets.enforce_retention();
SELECT count(*) AS hourly_rows FROM _rollup_sensor_hourly WHERE bucket < '2022-01-01';
SELECT sum(n) AS daily_rows_counted FROM _rollup_sensor_daily;
SELECT dropped_before IS NOT NULL AS recorded FROM lakets._rollup_registry WHERE name = 'sensor_hourly';
SELECT lakets.invalidate_rollup_range('sensor_daily', '2021-06-01', '2021-06-05') AS ranges_over_deleted_buckets;
SELECT rollup_name, refreshed FROM lakets.refresh_rollup_cascade();
SELECT sum(n) AS daily_rows_counted_after_refresh FROM _rollup_sensor_daily;

-- only owners
CREATE ROLE lakets_regress_nobody;
SET ROLE lakets_regress_nobody;
SELECT lakets.add_retention_policy('sensor', '1 day');
SELECT lakets.remove_retention_policy('sensor');
SELECT lakets.execute_retention('sensor');
SELECT count(*) AS rows_for_nobody FROM lakets.enforce_retention();
RESET ROLE;
DROP ROLE lakets_regress_nobody;

-- one chunk that cannot be dropped (a view reads it) stops neither the other
-- chunks of its table nor the other tables: the first attempt, all tables
-- at once, fails; then each table, then each chunk, on its own
CREATE TABLE ret_a (ts timestamptz NOT NULL, v int);
CREATE TABLE ret_b (ts timestamptz NOT NULL, v int);
SELECT lakets.create_chronotable(t, 'ts', '1 day') > 0 AS converted FROM unnest(ARRAY['ret_a', 'ret_b']) t;
SELECT lakets._ensure_partitions(lakets._chronotable_id(t), 0, 0, '2021-02-01', '2021-02-04')
FROM unnest(ARRAY['ret_a', 'ret_b']) t;
INSERT INTO ret_a SELECT '2021-02-01'::timestamptz + i * interval '1 hour', i FROM generate_series(0, 71) i;
INSERT INTO ret_b SELECT '2021-02-01'::timestamptz + i * interval '1 hour', i FROM generate_series(0, 71) i;
SELECT lakets.add_retention_policy(t, '1 year') > 0 AS added FROM unnest(ARRAY['ret_a', 'ret_b']) t;
SELECT chunk_name AS held FROM lakets.show_chunks('ret_a') WHERE range_start = '2021-02-02' \gset
CREATE VIEW ret_a_view AS SELECT * FROM :held;
SELECT table_name, chunk_name, action FROM lakets.enforce_retention() WHERE table_name LIKE 'public.ret_%' ORDER BY 1, 2;
SELECT count(*) AS rows_left_a, (SELECT count(*) FROM ret_b) AS rows_left_b FROM ret_a;
DROP VIEW ret_a_view;
SELECT table_name, chunk_name, action FROM lakets.enforce_retention() WHERE table_name LIKE 'public.ret_%' ORDER BY 1, 2;
SELECT lakets.drop_chronotable(t) FROM unnest(ARRAY['ret_a', 'ret_b']) t;

-- dropping the ChronoTable removes its policies
SELECT lakets.drop_chronotable('sensor');
SELECT count(*) AS policies_left FROM lakets._retention_policy;
DROP TABLE not_chrono;
