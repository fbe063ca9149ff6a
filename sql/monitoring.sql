-- monitoring: lakets_metrics() (Prometheus-style rows), chunk_health() and
-- query_stats(). Every metric is checked for a real value on a fixture:
-- exact where the fixture fixes it, > 0 where it depends on the clock or
-- on disk sizes. Global counts are checked against the registry (earlier
-- tests may have left ChronoTables behind).
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';

-- the fixture: mon, 300 rows over three days of 2024, two RollUps (the
-- second divides by v) and a retention policy
CREATE TABLE mon (ts timestamptz NOT NULL, host text NOT NULL, v int NOT NULL);
INSERT INTO mon SELECT '2024-01-01 00:00+00'::timestamptz + i * interval '12 minutes', 'h' || (i % 3), i % 10 + 1
FROM generate_series(0, 299) AS i;
SELECT lakets.create_chronotable('mon', 'ts', '1 day') > 0 AS created;
SELECT lakets.create_rollup('mon_hourly', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, count(*) AS n FROM mon GROUP BY 1$$, '1 hour') > 0 AS created;
SELECT lakets.create_rollup('mon_ratio', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, sum(100 / v) AS r FROM mon GROUP BY 1$$, '1 hour') > 0 AS created;
SELECT lakets.add_retention_policy('mon', '10 years') > 0 AS policy;
-- mon_old: two old chunks, one detached behind lakets' back, one dropped
CREATE TABLE mon_old (ts timestamptz NOT NULL, v int NOT NULL);
SELECT lakets.create_chronotable('mon_old', 'ts', '1 day') AS old_ct \gset
SELECT lakets._ensure_partitions(:old_ct, 0, 0, '2023-12-29', '2023-12-31') AS chunks;
SELECT chunk_name AS detach_me FROM lakets.show_chunks('mon_old') WHERE range_start = '2023-12-30' \gset
ALTER TABLE mon_old DETACH PARTITION :detach_me;
SELECT lakets.drop_chunks('mon_old', '1 year') AS dropped;
-- a maintenance run that succeeds; then one that fails for mon_ratio (a
-- row with v = 0), whose changes stay pending
SELECT count(*) > 0 AS actions FROM lakets.run_maintenance();
INSERT INTO mon VALUES ('2024-01-02 05:30+00', 'h1', 0);
SELECT object, action FROM lakets.run_maintenance('rollups') WHERE action = 'error';
-- two rows no chunk covers: they sit in the default partition
INSERT INTO mon VALUES ('2100-01-01 00:00+00', 'h9', 1), ('2100-01-02 00:00+00', 'h9', 2);
ANALYZE mon;

CREATE TEMP TABLE m AS SELECT * FROM lakets.lakets_metrics();
-- every metric there is
SELECT metric_name, count(*) > 0 AS present FROM m GROUP BY 1 ORDER BY 1;
-- no value is NULL or NaN, every label set is an object
SELECT count(*) AS bad FROM m
WHERE metric_value IS NULL OR metric_value = 'NaN' OR jsonb_typeof(labels) <> 'object';

-- counts of the registry
SELECT metric_value > 0 AS positive,
	metric_value = (SELECT count(*) FROM lakets._chronotable_registry) AS exact
FROM m WHERE metric_name = 'lakets_hypertables_total';
SELECT labels->>'status' AS status, metric_value > 0 AS positive,
	metric_value = (SELECT count(*) FROM lakets._chunk_status s WHERE s.status = labels->>'status') AS exact
FROM m WHERE metric_name = 'lakets_chunks_total' ORDER BY 1;
SELECT status, count(*) FROM lakets.show_chunks('mon_old', p_include_dropped => true) WHERE range_start < '2024-01-01' GROUP BY 1 ORDER BY 1;
SELECT metric_value > 0 AS positive,
	metric_value = (SELECT count(*) FROM lakets._rollup_registry) AS exact
FROM m WHERE metric_name = 'lakets_rollups_total';
SELECT labels, metric_value > 0 AS positive,
	metric_value = (SELECT count(*) FROM lakets._retention_policy) AS exact
FROM m WHERE metric_name = 'lakets_policies_total';

-- per table: rows (planner estimates, exact here after ANALYZE), bytes,
-- rows in the default partition, retention
SELECT metric_name, metric_value FROM m
WHERE labels = '{"table": "public.mon"}'
  AND metric_name IN ('lakets_estimated_rows', 'lakets_default_partition_rows',
                      'lakets_retention_drop_after_seconds')
ORDER BY 1;
SELECT metric_value > 8192 * 3 AS several_pages FROM m
WHERE metric_name = 'lakets_table_size_bytes' AND labels->>'table' = 'public.mon';
SELECT metric_value = (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('mon')) AS exact
FROM m WHERE metric_name = 'lakets_table_size_bytes' AND labels->>'table' = 'public.mon';
SELECT metric_value > 0 AS positive FROM m WHERE metric_name = 'lakets_database_size_bytes';

-- RollUps: lag behind now (the data is of 2024), changes waiting
SELECT metric_name, labels->>'rollup' AS rollup, labels->>'tier' AS tier,
	metric_value > 0 AS positive
FROM m WHERE metric_name LIKE 'lakets_rollup_%' AND labels->>'rollup' LIKE 'mon_%' ORDER BY 1, 2;
SELECT metric_value > extract(epoch FROM now() - '2024-01-04 00:00+00') AS behind_2024
FROM m WHERE metric_name = 'lakets_rollup_watermark_lag_seconds' AND labels->>'rollup' = 'mon_hourly';
SELECT labels->>'rollup' AS rollup, metric_value AS pending,
	metric_value = (SELECT pending_ranges FROM lakets.show_rollups() WHERE name = labels->>'rollup') AS as_show_rollups
FROM m WHERE metric_name = 'lakets_rollup_invalidation_log_depth' AND labels->>'rollup' LIKE 'mon_%' ORDER BY 1;

-- the last run of each job
SELECT metric_name, labels, metric_value FROM m
WHERE metric_name IN ('lakets_maintenance_last_run_success', 'lakets_maintenance_last_run_errors')
  AND labels->>'job' IN ('maintenance', 'rollups')
ORDER BY 1, 2;
SELECT labels, metric_value > 0 AS positive,
	metric_value = (SELECT extract(epoch FROM max(finished)) FROM lakets.job_history h WHERE h.job = labels->>'job') AS exact
FROM m WHERE metric_name = 'lakets_maintenance_last_run_timestamp_seconds'
  AND labels->>'job' IN ('maintenance', 'rollups') ORDER BY 1;
SELECT labels, metric_value > 0 AS positive
FROM m WHERE metric_name = 'lakets_maintenance_last_run_duration_seconds'
  AND labels->>'job' IN ('maintenance', 'rollups') ORDER BY 1;

-- chunk_health
SELECT hypertable, total_chunks > 5 AS total, active_chunks = total_chunks - dropped_chunks - detached_chunks AS adds_up,
	tiered_chunks, dropped_chunks, detached_chunks, oldest_active < now() AS oldest_past, newest_active > now() AS ahead,
	default_partition_rows
FROM lakets.chunk_health() WHERE hypertable IN ('public.mon', 'public.mon_old') ORDER BY 1;
SELECT oldest_active, active_chunks = (SELECT count(*) FROM lakets.show_chunks('mon') WHERE status = 'active') AS as_show_chunks
FROM lakets.chunk_health() WHERE hypertable = 'public.mon';

-- what another role sees: no row counts of tables it may not read
CREATE ROLE lakets_regress_watcher;
SET ROLE lakets_regress_watcher;
SELECT metric_name FROM lakets.lakets_metrics() WHERE labels->>'table' = 'public.mon' ORDER BY 1;
SELECT hypertable, default_partition_rows FROM lakets.chunk_health() WHERE hypertable = 'public.mon';
RESET ROLE;
GRANT SELECT ON mon TO lakets_regress_watcher;
SET ROLE lakets_regress_watcher;
SELECT metric_value FROM lakets.lakets_metrics()
WHERE metric_name = 'lakets_estimated_rows' AND labels->>'table' = 'public.mon';
RESET ROLE;

-- query_stats: no rows without pg_stat_statements, nor when it is created
-- but not loaded (shared_preload_libraries), never an error
SELECT count(*) AS stats FROM lakets.query_stats();
CREATE EXTENSION pg_stat_statements;
SELECT count(*) AS stats FROM lakets.query_stats(5);
DROP EXTENSION pg_stat_statements;
SELECT * FROM lakets.query_stats(-1);
SELECT * FROM lakets.query_stats(NULL);

SELECT lakets.drop_rollup('mon_hourly');
SELECT lakets.drop_rollup('mon_ratio');
SELECT lakets.drop_chronotable('mon');
SELECT lakets.drop_chronotable('mon_old');
DROP TABLE :detach_me;
DROP ROLE lakets_regress_watcher;
