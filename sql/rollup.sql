-- rollup: RollUps are kept equal to their query, incrementally, and refuse
-- what they cannot keep.
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';

CREATE TABLE metrics (ts timestamptz NOT NULL, device int NOT NULL, value numeric);
SELECT lakets.create_chronotable('metrics', 'ts', '1 day') AS ct \gset
SELECT lakets._ensure_partitions(:ct, 0, 0, '2021-03-01', '2021-03-08') AS chunks;
-- one row every minute for a week, values fixed by a seed
SELECT setseed(0.42);
INSERT INTO metrics
SELECT '2021-03-01 00:00+00'::timestamptz + i * interval '1 minute', i % 4, round((random() * 100)::numeric, 2)
FROM generate_series(0, 7 * 1440 - 1) AS i;

-- bad definitions
SELECT lakets.create_rollup(NULL, 'SELECT 1');
SELECT lakets.create_rollup('r', NULL);
SELECT lakets.create_rollup('r', 'SELEC 1');
SELECT lakets.create_rollup('r', 'SELECT 1; SELECT 2');
SELECT lakets.create_rollup('r', 'INSERT INTO metrics VALUES (now(), 1, 1)');
SELECT lakets.create_rollup('r', 'SELECT ts, value FROM metrics');
SELECT lakets.create_rollup('r', 'SELECT device, count(*) FROM metrics GROUP BY device');
SELECT lakets.create_rollup('r', $$SELECT lakets.time_bucket('1 hour', m.ts) AS bucket, count(*) FROM metrics m JOIN metrics n USING (device) GROUP BY 1$$);
SELECT lakets.create_rollup('r', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, count(*) FROM metrics WHERE device IN (SELECT 1) GROUP BY 1$$);
SELECT lakets.create_rollup('r', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, sum(value * random()) FROM metrics GROUP BY 1$$);
SELECT lakets.create_rollup('r', $$SELECT date_trunc('hour', ts) AS bucket, count(*) FROM metrics GROUP BY 1$$);
SELECT lakets.create_rollup('r', $$SELECT date_trunc('millennium', ts, 'UTC') AS bucket, count(*) FROM metrics GROUP BY 1$$);
SELECT lakets.create_rollup('r', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, count(*) FROM metrics GROUP BY 1, device$$);
SELECT lakets.create_rollup('r', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, count(*) FROM metrics GROUP BY 1 LIMIT 5$$);
SELECT lakets.create_rollup('r', $$SELECT lakets.time_bucket('1 hour', ts) AS b1, lakets.time_bucket('1 day', ts) AS b2, count(*) FROM metrics GROUP BY 1, 2$$);
SELECT lakets.create_rollup('r', $$SELECT lakets.time_bucket('1 month 1 day', ts) AS bucket, count(*) FROM metrics GROUP BY 1$$);
CREATE TABLE plain (ts timestamptz, v int);
SELECT lakets.create_rollup('r', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, count(*) FROM plain GROUP BY 1$$);
SELECT lakets.create_rollup('r', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, count(*) FROM metrics GROUP BY 1$$,
	p_source_table => 'plain');
SELECT lakets.create_rollup('r', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, count(*) FROM metrics GROUP BY 1$$,
	p_depends_on => ARRAY['no_such_rollup']);
SELECT lakets.create_rollup(repeat('x', 60), $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, count(*) FROM metrics GROUP BY 1$$);

-- a month RollUp, then a three-level cascade: raw -> 1 minute -> 1 hour -> 1 day
SELECT lakets.create_rollup('m_month', $$
	SELECT date_trunc('month', ts, 'UTC') AS bucket, device, count(*) AS n, avg(value) AS mean
	FROM metrics GROUP BY 1, 2$$, '1 month') > 0 AS created;
-- the source's triggers round times to a day for it ...
SELECT tgname, split_part(encode(tgargs, 'escape'), '\000', 1) AS granule_usecs
FROM pg_trigger WHERE tgrelid = 'metrics'::regclass AND tgname LIKE 'zz_lakets%' ORDER BY 1;
SELECT lakets.create_rollup('m_1min', $$
	SELECT lakets.time_bucket('1 minute', ts) AS bucket, device,
	       count(*) AS n, sum(value) AS total, min(value) AS lo, max(value) AS hi
	FROM metrics GROUP BY 1, 2$$, '1 minute') > 0 AS created;
-- ... and to a minute once a 1-minute RollUp reads it
SELECT tgname, split_part(encode(tgargs, 'escape'), '\000', 1) AS granule_usecs
FROM pg_trigger WHERE tgrelid = 'metrics'::regclass AND tgname LIKE 'zz_lakets%' ORDER BY 1;
SELECT lakets.create_rollup('m_1h', $$
	SELECT lakets.time_bucket('1 hour', bucket) AS bucket, device,
	       sum(n) AS n, sum(total) AS total, min(lo) AS lo, max(hi) AS hi
	FROM _rollup_m_1min GROUP BY 1, 2$$) > 0 AS created;
SELECT lakets.create_rollup('m_1d', $$
	SELECT date_bin('1 day', bucket, '2000-01-01 00:00+00') AS bucket,
	       sum(n) AS n, sum(total) AS total, min(lo) AS lo, max(hi) AS hi
	FROM _rollup_m_1h GROUP BY 1$$, '1 day') > 0 AS created;
SELECT lakets.create_rollup('m_1h', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, count(*) FROM metrics GROUP BY 1$$);

SELECT rollup_name, depends_on_names, refresh_order, bucket_interval, level FROM lakets.show_rollup_dag();
SELECT name, source_table, rollup_table, realtime_view, bucket_interval, depends_on_names, pending_ranges, row_count
FROM lakets.show_rollups();
-- the RollUp table: the query's columns, a unique index on the bucket and the keys
SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = '_rollup_m_1min'::regclass;
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = '_rollup_m_1h'::regclass AND attnum > 0 ORDER BY attnum;

-- a helper: does each RollUp equal its query run from scratch?
CREATE FUNCTION rollups_match() RETURNS TABLE (rollup text, matches boolean)
LANGUAGE plpgsql AS $$
DECLARE
	r record;
	diff bigint;
BEGIN
	FOR r IN SELECT name, query, rollup_relid::text AS rollup_table FROM lakets._rollup_registry ORDER BY name LOOP
		EXECUTE format('SELECT count(*) FROM ((TABLE %I EXCEPT ALL (%s)) UNION ALL ((%s) EXCEPT ALL TABLE %I)) d',
			r.rollup_table, r.query, r.query, r.rollup_table) INTO diff;
		rollup := r.name;
		matches := diff = 0;
		RETURN NEXT;
	END LOOP;
END
$$;
SELECT * FROM rollups_match();

-- changes: late data, updates moving rows between buckets and chunks,
-- deletes, a rolled-back transaction, and nothing is logged per row
BEGIN;
INSERT INTO metrics VALUES ('2021-03-02 10:30:30+00', 1, 5), ('2021-03-06 23:59:59+00', 2, 7);
UPDATE metrics SET value = value + 1 WHERE ts >= '2021-03-03 05:00+00' AND ts < '2021-03-03 06:00+00';
UPDATE metrics SET ts = ts + interval '2 days 3 hours' WHERE ts >= '2021-03-01 12:00+00' AND ts < '2021-03-01 12:10+00';
DELETE FROM metrics WHERE device = 3 AND ts >= '2021-03-05 00:00+00' AND ts < '2021-03-05 02:00+00';
COMMIT;
BEGIN;
INSERT INTO metrics VALUES ('2021-03-04 04:04:04+00', 0, 1000);
ROLLBACK;
-- one row per range, at most 128 per source and transaction (not one per row)
SELECT count(*) AS log_rows_before FROM lakets._source_invalidation_log \gset
SELECT :log_rows_before AS log_rows;
-- 300 rows at scattered minutes in one transaction: the closest ranges
-- merge beyond 128, every row still covered
CREATE TEMP TABLE scattered AS
SELECT '2021-03-02 00:00+00'::timestamptz + (i * 17 % 4000) * interval '1 minute' + interval '30 seconds' AS ts
FROM generate_series(1, 300) i;
BEGIN;
INSERT INTO metrics SELECT ts, 7, -7777 FROM scattered;
DELETE FROM metrics WHERE value = -7777;
COMMIT;
SELECT count(*) - :log_rows_before AS added_log_rows,
       (SELECT bool_and(EXISTS (SELECT 1 FROM lakets._source_invalidation_log l
                                WHERE s.ts >= l.range_start AND s.ts < l.range_end)) FROM scattered s) AS all_covered
FROM lakets._source_invalidation_log;
SELECT name, pending_ranges > 0 AS pending FROM lakets.show_rollups();
SELECT * FROM rollups_match();
SELECT rollup_name, refreshed, refresh_ms >= 0 AS timed FROM lakets.refresh_rollup_cascade() ORDER BY rollup_name;
SELECT * FROM rollups_match();
SELECT name, pending_ranges FROM lakets.show_rollups();
-- nothing left to do
SELECT lakets.refresh_rollup('m_1min') AS refreshed;
SELECT rollup_name, refreshed FROM lakets.refresh_rollup_cascade('m_1h');

-- a cascade refreshes what the named RollUp depends on first, then it (as
-- the LakeTS toolkit does): m_1d is current afterwards, m_month untouched
INSERT INTO metrics VALUES ('2021-03-03 03:03+00', 1, 33);
SELECT rollup_name, refreshed FROM lakets.refresh_rollup_cascade('m_1d');
SELECT * FROM rollups_match();
SELECT lakets.refresh_rollup('m_month') AS month_still_pending;
-- ... and with p_include_dependents, what depends on it after it
INSERT INTO metrics VALUES ('2021-03-03 04:04+00', 1, 44);
SELECT rollup_name, refreshed FROM lakets.refresh_rollup_cascade('m_1h', p_include_dependents => true);
SELECT rollup_name, refreshed FROM lakets.refresh_rollup_cascade('m_1min', true);
SELECT * FROM rollups_match();
SELECT lakets.refresh_rollup('m_month') AS month_pending;
SELECT * FROM lakets.refresh_rollup_cascade('no_such_rollup');
SELECT * FROM lakets.refresh_rollup_cascade('m_1h', NULL);

-- the toolkit's call for a RollUp over a RollUp names the ChronoTable
-- beneath as p_source_table and the RollUp read in p_depends_on
SELECT lakets.create_rollup('m_1w', $$
	SELECT lakets.time_bucket('7 days', bucket) AS bucket, sum(n) AS n
	FROM _rollup_m_1d GROUP BY 1$$, '7 days', 'metrics', 'public', ARRAY['m_1d']) > 0 AS created;
SELECT rollup_name, depends_on_names, level FROM lakets.show_rollup_dag() WHERE rollup_name = 'm_1w';
SELECT rollup_name FROM lakets.refresh_rollup_cascade('m_1w');
SELECT lakets.drop_rollup('m_1w');
-- p_source_table must still be the table read or the ChronoTable beneath it
CREATE TABLE other_source (ts timestamptz NOT NULL);
SELECT lakets.create_chronotable('other_source', 'ts') > 0 AS created;
SELECT lakets.create_rollup('m_bad', $$
	SELECT lakets.time_bucket('7 days', bucket) AS bucket, sum(n) AS n
	FROM _rollup_m_1d GROUP BY 1$$, '7 days', 'other_source');
SELECT lakets.drop_chronotable('other_source');

-- the toolkit's tiers: lakets' data is all "hot"
SELECT lakets.invalidate_rollup_range('m_1h', '2021-03-02', '2021-03-02 01:00', 'hot') AS ranges;
SELECT lakets.invalidate_rollup_range('m_1h', '2021-03-02', '2021-03-02 01:00', 'cold');
SELECT lakets.invalidate_rollup_range('m_1h', '2021-03-02', '2021-03-02 01:00', NULL) AS ranges;
SELECT lakets.refresh_rollup('m_1h') AS refreshed;

-- random changes, then one cascade: all equal their from-scratch query
SELECT setseed(0.7);
INSERT INTO metrics SELECT '2021-03-01 00:00+00'::timestamptz + random() * interval '7 days', (random() * 4)::int, round((random() * 50)::numeric, 1)
FROM generate_series(1, 500);
UPDATE metrics SET ts = ts + (random() * interval '1 day' - interval '12 hours')
WHERE ts >= '2021-03-02' AND ts < '2021-03-06' AND value < 5 AND ts + interval '12 hours' < '2021-03-08' AND ts - interval '12 hours' >= '2021-03-01';
DELETE FROM metrics WHERE value > 99;
SELECT rollup_name, refreshed FROM lakets.refresh_rollup_cascade();
SELECT * FROM rollups_match();

-- a wide refresh writes in key order with more memory; the session's own
-- work_mem is untouched afterwards, and the result is the same
SET work_mem = '1MB';
SET lakets.refresh_sorted_buckets = 0;
SET lakets.refresh_work_mem = '8MB';
SELECT lakets.invalidate_rollup_range('m_1min', '-infinity', 'infinity') AS ranges;
SELECT rollup_name, refreshed FROM lakets.refresh_rollup_cascade('m_1min', true);
SHOW work_mem;
SELECT * FROM rollups_match();
SET lakets.refresh_work_mem = 0;
SET lakets.refresh_sorted_buckets = 100000000;
SELECT lakets.invalidate_rollup_range('m_1h', '-infinity', 'infinity') AS ranges;
SELECT lakets.refresh_rollup('m_1h') AS refreshed;
SELECT * FROM rollups_match();
-- a refresh rewriting the whole RollUp table rebuilds its indexes (REINDEX:
-- new files, valid and ready again); not when rows stay outside the window,
-- with lakets.refresh_rebuild off, or with the index open in this session
-- (REINDEX refuses: the rows go into the index as they are inserted)
CREATE TEMP TABLE index_files (indexrelid oid, f oid);
CREATE FUNCTION indexes_rebuilt(p_table regclass, OUT indexes bigint, OUT rebuilt bool, OUT usable bool)
LANGUAGE sql AS $$
	SELECT count(*), bool_and(pg_relation_filenode(i.indexrelid) IS DISTINCT FROM f.f),
	       bool_and(indisvalid AND indisready AND indislive)
	FROM pg_index i LEFT JOIN index_files f USING (indexrelid) WHERE i.indrelid = p_table
$$;
CREATE FUNCTION note_index_files(p_table regclass) RETURNS void LANGUAGE sql AS $$
	DELETE FROM index_files;
	INSERT INTO index_files SELECT indexrelid, pg_relation_filenode(indexrelid) FROM pg_index WHERE indrelid = p_table
$$;
CREATE INDEX ON _rollup_m_1min (device);
SET lakets.refresh_sorted_buckets = 0;
SELECT note_index_files('_rollup_m_1min');
SELECT lakets.invalidate_rollup_range('m_1min', '-infinity', 'infinity') AS ranges;
SELECT lakets.refresh_rollup('m_1min') AS refreshed;
SELECT * FROM indexes_rebuilt('_rollup_m_1min');
SELECT * FROM rollups_match();
SELECT note_index_files('_rollup_m_1min');
SELECT lakets.invalidate_rollup_range('m_1min', '2021-03-02', 'infinity') AS ranges;
SELECT lakets.refresh_rollup('m_1min') AS refreshed;
SELECT * FROM indexes_rebuilt('_rollup_m_1min');
SET lakets.refresh_rebuild = off;
SELECT lakets.invalidate_rollup_range('m_1min', '-infinity', 'infinity') AS ranges;
SELECT lakets.refresh_rollup('m_1min') AS refreshed;
SELECT * FROM indexes_rebuilt('_rollup_m_1min');
RESET lakets.refresh_rebuild;
BEGIN;
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
DECLARE open_index CURSOR FOR SELECT bucket FROM _rollup_m_1min ORDER BY bucket;
MOVE 1 IN open_index;
SELECT lakets.invalidate_rollup_range('m_1min', '-infinity', 'infinity') AS ranges;
SELECT lakets.refresh_rollup('m_1min') AS refreshed;
SELECT * FROM indexes_rebuilt('_rollup_m_1min');
COMMIT;
SELECT * FROM rollups_match();
DROP INDEX _rollup_m_1min_device_idx;
DROP FUNCTION indexes_rebuilt(regclass);
DROP FUNCTION note_index_files(regclass);
DROP TABLE index_files;
RESET lakets.refresh_sorted_buckets;
-- a negative budget is refused (the message's wording differs between majors)
DO $$
BEGIN
	SET lakets.refresh_work_mem = -1;
	RAISE EXCEPTION 'accepted';
EXCEPTION WHEN invalid_parameter_value THEN
	RAISE NOTICE 'refused: %', SQLSTATE;
END
$$;
RESET lakets.refresh_work_mem;
RESET lakets.refresh_sorted_buckets;
RESET work_mem;

-- changes made in the refreshing transaction itself are seen
BEGIN;
INSERT INTO metrics VALUES ('2021-03-07 01:00+00', 9, 1);
SELECT rollup_name, refreshed FROM lakets.refresh_rollup_cascade();
SELECT n FROM _rollup_m_1min WHERE device = 9;
COMMIT;
SELECT * FROM rollups_match();

-- the refresh function is inlined and reads only the chunks of its window
SELECT format('PREPARE refresh_window(timestamptz, timestamptz, tstzmultirange) AS SELECT * FROM %s($1, $2, $3)',
	refresh_function::regproc)
FROM lakets._rollup_registry WHERE name = 'm_1min' \gexec
EXPLAIN (COSTS OFF) EXECUTE refresh_window('2021-03-03 00:00+00', '2021-03-03 01:00+00', NULL);
-- and, given the dirty buckets of the window, aggregates only their rows
EXPLAIN (COSTS OFF) EXECUTE refresh_window('2021-03-03 00:00+00', '2021-03-03 01:00+00',
	'{[2021-03-03 00:05+00,2021-03-03 00:06+00),[2021-03-03 00:40+00,2021-03-03 00:41+00)}');
DEALLOCATE refresh_window;
-- the filter lakets._in_ranges(t, ranges) is t <@ ranges, for the three
-- time types, bounds open, closed and infinite, ranges per row or constant
SELECT count(*) FILTER (WHERE lakets._in_ranges(t, m) IS DISTINCT FROM (t <@ m)) AS differences_tstz,
       count(*) FILTER (WHERE lakets._in_ranges(t::timestamp, m_ts) IS DISTINCT FROM (t::timestamp <@ m_ts)) AS differences_ts,
       count(*) FILTER (WHERE lakets._in_ranges(t::date, m_d) IS DISTINCT FROM (t::date <@ m_d)) AS differences_date,
       count(*) FILTER (WHERE t <@ m) > 0 AS some_inside
FROM (VALUES ('{[2021-03-03 00:05+00,2021-03-03 00:06+00),(2021-03-04 00:00+00,2021-03-05 00:00+00],[2021-03-06 12:00+00,)}'::tstzmultirange,
              '{[2021-03-03 00:05,2021-03-03 00:06),(2021-03-04,2021-03-05],[2021-03-06 12:00,)}'::tsmultirange,
              '{[2021-03-03,2021-03-04),(2021-03-05,2021-03-06]}'::datemultirange),
             ('{(,2021-03-01 00:00+00)}', '{(,2021-03-01 00:00]}', '{(,2021-03-01)}'),
             ('{}', '{}', '{}')) AS ms(m, m_ts, m_d),
     (SELECT t FROM generate_series('2021-02-27 00:00+00'::timestamptz, '2021-03-08 00:00+00', '30 seconds') AS t
      UNION ALL VALUES ('-infinity'::timestamptz), ('infinity')) AS ts;
SELECT lakets._in_ranges(t, '{[2021-03-03 00:05+00,2021-03-03 00:06+00)}'::tstzmultirange) AS constant_ranges
FROM (VALUES ('2021-03-03 00:04:59.999999+00'::timestamptz), ('2021-03-03 00:05+00'), ('2021-03-03 00:06+00')) AS v(t);

-- the real-time view: materialized buckets below the watermark, live above
SELECT lakets._rollup_watermark('m_1min') AS watermark;
SELECT lakets._rollup_watermark('no_such_rollup');
-- one call site, several RollUps: each its own watermark (cached per name)
SELECT name, lakets._rollup_watermark(name) IS NOT DISTINCT FROM coalesce(watermark, '-infinity') AS own_watermark
FROM lakets._rollup_registry ORDER BY name;
-- the view bounds its parts with a call the planner can evaluate (no
-- sub-plan): it prunes the live part's chunks when the query starts
CREATE FUNCTION plan_lines(q text) RETURNS SETOF text LANGUAGE plpgsql
AS $$ BEGIN RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || q; END $$;
SELECT count(*) FILTER (WHERE l ~ 'InitPlan|SubPlan') AS subplans
FROM plan_lines('SELECT * FROM _rollup_rt_m_1min') AS l;
-- where a superuser installed lakets, the planner sees the watermark as a
-- constant: it estimates the live part from the statistics and plans no
-- scan of the chunks below the watermark
SELECT count(*) FILTER (WHERE l ~ 'on metrics_2021030[1-6]') AS chunks_below_watermark,
       count(*) FILTER (WHERE l ~ 'on metrics_20210307') AS watermark_chunk,
       bool_and(l !~ 'lakets._rollup_watermark') AS constant_watermark
FROM plan_lines('SELECT * FROM _rollup_rt_m_1min') AS l;
INSERT INTO metrics VALUES ('2021-03-07 23:59:30+00', 1, 11);
SELECT (SELECT count(*) FROM _rollup_rt_m_1min) = (SELECT count(*) FROM (SELECT lakets.time_bucket('1 minute', ts), device FROM metrics GROUP BY 1, 2) q) AS view_is_current,
       (SELECT count(*) FROM _rollup_m_1min) < (SELECT count(*) FROM _rollup_rt_m_1min) AS table_is_behind;
SELECT bucket, device, n FROM _rollup_rt_m_1min WHERE bucket >= '2021-03-07 23:58+00' ORDER BY 1, 2;
SELECT lakets.refresh_rollup('m_1min');
SELECT lakets.create_rollup_view('m_1min');
SELECT lakets.create_rollup_view('m_1min', $$SELECT lakets.time_bucket('1 minute', ts) AS bucket, device, count(*) AS n, sum(value) AS total, min(value) AS lo, max(value) AS hi FROM metrics GROUP BY 1, 2$$);
SELECT lakets.create_rollup_view('m_1min', $$SELECT lakets.time_bucket('1 minute', ts) AS b, device, count(*) AS n, sum(value) AS total, min(value) AS lo, max(value) AS hi FROM metrics GROUP BY 1, 2$$);
SELECT lakets.create_rollup_view('m_1min', $$SELECT lakets.time_bucket('1 minute', bucket) AS bucket, count(*) FROM _rollup_m_1h GROUP BY 1$$);
-- the toolkit's raw query bounds itself by the watermark: lakets adds that
-- bound to the live part anyway, so the condition is dropped (others stay)
SELECT lakets.create_rollup_view('m_1min', $$SELECT lakets.time_bucket('1 minute', ts) AS bucket, device, count(*) AS n, sum(value) AS total, min(value) AS lo, max(value) AS hi FROM metrics WHERE ts > lakets._rollup_watermark('m_1min') AND device >= 0 GROUP BY 1, 2$$);
SELECT pg_get_viewdef('_rollup_rt_m_1min') ~ 'device >= 0' AS other_condition_kept,
       (SELECT count(*) FROM _rollup_rt_m_1min) = (SELECT count(*) FROM (SELECT lakets.time_bucket('1 minute', ts), device FROM metrics GROUP BY 1, 2) q) AS view_is_current;
-- the watermark of another RollUp, or used otherwise, is refused
SELECT lakets.create_rollup_view('m_1min', $$SELECT lakets.time_bucket('1 minute', ts) AS bucket, device, count(*) AS n, sum(value) AS total, min(value) AS lo, max(value) AS hi FROM metrics WHERE ts > lakets._rollup_watermark('m_1h') GROUP BY 1, 2$$);
SELECT lakets.create_rollup_view('m_1min', $$SELECT lakets.time_bucket('1 minute', ts) AS bucket, device, count(*) AS n, sum(value) AS total, min(value) AS lo, max(value) AS hi FROM metrics WHERE ts < lakets._rollup_watermark('m_1min') GROUP BY 1, 2$$);
SELECT lakets.create_rollup_view('m_1min');

-- invalidate_rollup_range, refresh lag, switching invalidation off
SELECT lakets.invalidate_rollup_range('m_1h', '2021-03-02 00:00+00', '2021-03-02 05:00+00') AS ranges;
SELECT lakets.invalidate_rollup_range('m_1h', '2021-03-02 05:00+00', '2021-03-02 00:00+00');
SELECT lakets.invalidate_rollup_range('m_1h', NULL, '2021-03-02 00:00+00');
SELECT lakets.refresh_rollup('m_1h') AS refreshed;
SELECT lakets.set_rollup_refresh_lag('m_1h', '1 hour');
SELECT lakets.invalidate_rollup_range('m_1h', '2021-03-02 00:00+00', '2021-03-02 05:00+00') AS ranges;
SELECT lakets.refresh_rollup('m_1h') AS refreshed_within_lag;
SELECT lakets.set_rollup_refresh_lag('m_1h', '0');
SELECT lakets.refresh_rollup('m_1h') AS refreshed_after_lag;
SELECT lakets.set_rollup_refresh_lag('m_1h', '-1 hour');
SELECT lakets.refresh_rollup('m_month') AS caught_up;
SELECT lakets.disable_rollup_invalidation('m_month');
INSERT INTO metrics VALUES ('2021-03-03 03:03+00', 2, 3);
SELECT rollup_name, refreshed FROM lakets.refresh_rollup_cascade();
SELECT * FROM rollups_match();
-- changes made while it was off are not tracked: invalidate them by hand
SELECT lakets.enable_rollup_invalidation('m_month');
SELECT lakets.enable_rollup_invalidation('no_such_rollup');
SELECT lakets.invalidate_rollup_range('m_month', '2021-03-01', '2021-04-01');
SELECT rollup_name, refreshed FROM lakets.refresh_rollup_cascade();
SELECT * FROM rollups_match();

-- retention keeps what RollUps computed: buckets of a dropped chunk are
-- never recomputed from partial data, and ranges there are not logged
SELECT lakets.drop_chunks('metrics', '10 years') AS nothing_that_old;
SELECT lakets.drop_chunks('metrics', now() - '2021-03-02 00:00+00'::timestamptz) AS dropped_day_one;
SELECT chunk_name, status FROM lakets.show_chunks('metrics', p_include_dropped => true) WHERE range_start < '2021-03-03' ORDER BY 1;
CREATE TEMP TABLE kept AS SELECT * FROM _rollup_m_1h WHERE bucket < '2021-03-02';
SELECT count(*) AS kept_rows FROM kept;
-- the part of the range over the dropped chunk is skipped
SELECT lakets.invalidate_rollup_range('m_1min', '2021-02-28 00:00+00', '2021-03-03 00:00+00') AS ranges;
SELECT range_start, range_end FROM lakets._rollup_invalidation_log l
JOIN lakets._rollup_registry r ON r.id = l.rollup_id WHERE r.name = 'm_1min';
-- even a full invalidation keeps day one as it was
SELECT lakets.invalidate_rollup_range('m_1min', '-infinity', 'infinity') AS ranges;
SELECT rollup_name, refreshed FROM lakets.refresh_rollup_cascade();
SELECT count(*) AS changed_rows FROM (TABLE kept EXCEPT ALL SELECT * FROM _rollup_m_1h WHERE bucket < '2021-03-02') d;
SELECT count(*) AS missing_rows FROM (SELECT * FROM _rollup_m_1h WHERE bucket < '2021-03-02' EXCEPT ALL TABLE kept) d;
-- and the rest still equals the query over what is left
SELECT count(*) AS differences FROM (
	(SELECT * FROM _rollup_m_1min WHERE bucket >= '2021-03-02'
	 EXCEPT ALL
	 SELECT lakets.time_bucket('1 minute', ts), device, count(*), sum(value), min(value), max(value)
	 FROM metrics GROUP BY 1, 2)
	UNION ALL
	(SELECT lakets.time_bucket('1 minute', ts), device, count(*), sum(value), min(value), max(value)
	 FROM metrics GROUP BY 1, 2
	 EXCEPT ALL
	 SELECT * FROM _rollup_m_1min WHERE bucket >= '2021-03-02')) d;

-- drop: refused while another RollUp depends on it
SELECT lakets.drop_rollup('m_1min');
SELECT lakets.drop_rollup('no_such_rollup');
SELECT lakets.drop_rollup('m_1d');
SELECT lakets.drop_rollup('m_month');
SELECT count(*) AS relations FROM pg_class WHERE relname IN ('_rollup_m_1d', '_rollup_rt_m_1d', '_rollup_m_month', '_rollup_rt_m_month');
-- only the owner of the source may act on a RollUp
CREATE ROLE lakets_regress_other;
SET ROLE lakets_regress_other;
SELECT lakets.refresh_rollup('m_1h');
SELECT lakets.drop_rollup('m_1h');
SELECT lakets.invalidate_rollup_range('m_1h', '2021-03-02', '2021-03-03');
SELECT lakets.disable_rollup_invalidation('m_1h');
SELECT lakets.create_rollup('mine', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, count(*) FROM metrics GROUP BY 1$$);
-- all RollUps: only those of tables the caller owns; a named one: reported
SELECT rollup_name, refreshed FROM lakets.refresh_rollup_cascade();
SELECT rollup_name, refreshed FROM lakets.refresh_rollup_cascade('m_1h');
RESET ROLE;
DROP ROLE lakets_regress_other;

-- dropping the ChronoTable drops its RollUps, views and triggers
SELECT lakets.drop_chronotable('metrics');
SELECT count(*) AS rollups_left FROM lakets._rollup_registry;
SELECT count(*) AS relations_left FROM pg_class WHERE relname LIKE '\_rollup\_%' AND relnamespace = 'public'::regnamespace;
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgname LIKE 'zz_lakets%';
SELECT count(*) AS log_rows_left FROM lakets._rollup_invalidation_log;
DROP FUNCTION rollups_match();
DROP TABLE plain;

-- tail entries: recent changes (within lakets.invalidation_tail_window of
-- the transaction's start, or later) share one log row [start, infinity);
-- older ones are logged as ranges; -1 logs every transaction's ranges
CREATE TABLE recent (ts timestamptz NOT NULL, v int NOT NULL);
SELECT lakets.create_chronotable('recent', 'ts', '1 day') > 0 AS created;
SELECT lakets.create_rollup('recent_5m', $$SELECT lakets.time_bucket('5 minutes', ts) AS bucket, count(*) AS n, sum(v) AS total FROM recent GROUP BY 1$$, '5 minutes') > 0 AS created;
CREATE VIEW recent_log AS
SELECT count(*) FILTER (WHERE range_end = 'infinity') AS tails,
	count(*) FILTER (WHERE range_end <> 'infinity') AS ranges
FROM lakets._source_invalidation_log WHERE source_relid = 'recent'::regclass;
INSERT INTO recent VALUES (now() - interval '1 minute', 2);
INSERT INTO recent VALUES (now(), 1);
INSERT INTO recent VALUES (now() + interval '1 year', 4);
INSERT INTO recent VALUES (now() - interval '1 day', 8);
SELECT * FROM recent_log;
SELECT lakets.refresh_rollup('recent_5m') AS refreshed;
SELECT sum(total) AS rolled_up FROM _rollup_recent_5m;
SELECT lakets.refresh_rollup('recent_5m') AS nothing_to_do;
SET lakets.invalidation_tail_window = -1;
INSERT INTO recent VALUES (now(), 16);
INSERT INTO recent VALUES (now(), 32);
SELECT * FROM recent_log;
RESET lakets.invalidation_tail_window;
SELECT lakets.refresh_rollup('recent_5m') AS refreshed;
SELECT sum(total) AS rolled_up FROM _rollup_recent_5m;
DROP VIEW recent_log;
SELECT lakets.drop_chronotable('recent');

-- a tail entry of a RollUp whose rows are all recent is no rewrite of the
-- whole table: its window ends now, not at infinity (no index rebuild)
CREATE TABLE young (ts timestamptz NOT NULL, v int NOT NULL);
SELECT lakets.create_chronotable('young', 'ts', '1 day') > 0 AS created;
SELECT lakets.create_rollup('young_1m', $$SELECT lakets.time_bucket('1 minute', ts) AS bucket, count(*) AS n FROM young GROUP BY 1$$, '1 minute') > 0 AS created;
INSERT INTO young VALUES (now(), 1);
SELECT lakets.refresh_rollup('young_1m') AS refreshed;
SELECT pg_relation_filenode(indexrelid) AS index_file FROM pg_index WHERE indrelid = '_rollup_young_1m'::regclass \gset
INSERT INTO young VALUES (now(), 2);
SELECT count(*) FILTER (WHERE range_end = 'infinity') AS tails FROM lakets._source_invalidation_log WHERE source_relid = 'young'::regclass;
SELECT lakets.refresh_rollup('young_1m') AS refreshed;
SELECT pg_relation_filenode(indexrelid) = :index_file AS index_not_rebuilt FROM pg_index WHERE indrelid = '_rollup_young_1m'::regclass;
SELECT sum(n) AS rolled_up FROM _rollup_young_1m;
SELECT lakets.drop_chronotable('young');

-- a cached plan of a real-time view is made again when a refresh moves the
-- watermark it holds as a constant
CREATE TABLE wm_src (ts timestamptz NOT NULL, v int NOT NULL);
SELECT lakets.create_chronotable('wm_src', 'ts', '1 day') > 0 AS created;
INSERT INTO wm_src VALUES ('2021-03-01 10:20+00', 1);
SELECT lakets.create_rollup('wm_1h', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, count(*) AS n FROM wm_src GROUP BY 1$$, '1 hour') > 0 AS created;
SET plan_cache_mode = force_generic_plan;
PREPARE wm AS SELECT sum(n) AS rows FROM _rollup_rt_wm_1h;
EXECUTE wm;
SELECT bool_or(l ~ '2021-03-01 10:00:00') AS at_10, bool_or(l ~ '2021-03-01 12:00:00') AS at_12
FROM plan_lines('EXECUTE wm') AS l;
INSERT INTO wm_src VALUES ('2021-03-01 12:40+00', 1), ('2021-03-01 11:10+00', 1);
EXECUTE wm;
SELECT lakets.refresh_rollup('wm_1h') AS refreshed;
SELECT bool_or(l ~ '2021-03-01 10:00:00') AS at_10, bool_or(l ~ '2021-03-01 12:00:00') AS at_12
FROM plan_lines('EXECUTE wm') AS l;
EXECUTE wm;
DEALLOCATE wm;
RESET plan_cache_mode;
DROP FUNCTION plan_lines(text);
SELECT lakets.drop_chronotable('wm_src');
