-- tsfuncs: the time-series functions of the toolkit API (docs/functions.md):
-- time_bucket (UTC and time-zone), first/last, time_bucket_gapfill,
-- locf_agg, locf, interpolate, delta, rate, histogram; a RollUp on local days.
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
SET extra_float_digits = 0;

-- the toolkit's parameter names, for every overload
SELECT p.oid::regprocedure AS function, pg_get_function_arguments(p.oid) AS arguments
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'lakets' AND p.proname IN ('time_bucket', 'time_bucket_gapfill', 'locf',
	'interpolate', 'delta', 'rate', 'histogram', 'first', 'last', 'locf_agg')
ORDER BY p.proname, pg_get_function_arguments(p.oid);
-- every one of them IMMUTABLE and PARALLEL SAFE
SELECT count(*) AS not_immutable_or_parallel_safe
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'lakets' AND (p.proname IN ('time_bucket', 'time_bucket_gapfill', 'locf',
	'interpolate', 'delta', 'rate', 'histogram', 'first', 'last', 'locf_agg')
	OR p.proname LIKE '\_first%' OR p.proname LIKE '\_last%' OR p.proname LIKE '\_bookend%'
	OR p.proname = '_locf_sfunc')
  AND (p.provolatile <> 'i' OR p.proparallel <> 's');

-- time_bucket: the toolkit's cases, with positional and named arguments
SELECT lakets.time_bucket('15 minutes', '2026-03-25 14:37:22+00'::timestamptz) AS t1,
       lakets.time_bucket('1 hour', '2026-03-25 14:37:22+00'::timestamptz) AS t2,
       lakets.time_bucket('1 month', '2026-03-25 14:37:22+00'::timestamptz) AS t3,
       lakets.time_bucket('3 months', '2026-08-15 10:00:00+00'::timestamptz) AS t4;
SELECT lakets.time_bucket(p_interval => '1 hour', p_timestamp => '2026-03-25 14:37:22+00'::timestamptz) AS named,
       lakets.time_bucket(p_timestamp => '2026-03-25 14:37:22+00'::timestamptz, p_interval => '1 day') AS named_reordered,
       lakets.time_bucket(p_interval => '1 hour', p_timestamp => '2026-03-25 14:37:22+00'::timestamptz,
                          p_origin => '2000-01-01 00:30+00'::timestamptz) AS named_origin,
       lakets.time_bucket(p_interval => '1 day', p_timestamp => '2026-03-25 14:37'::timestamp) AS named_timestamp,
       lakets.time_bucket(p_interval => '7 days', p_timestamp => '2026-03-25'::date) AS named_date;
-- months and fixed widths before the origin: floor, not truncation toward zero
SELECT lakets.time_bucket('2 months', '1999-11-15 00:00+00'::timestamptz) AS two_months_1999,
       lakets.time_bucket('3 months', '1999-12-31 23:59+00'::timestamptz) AS quarter_1999,
       lakets.time_bucket('1 year', '1970-06-01 00:00+00'::timestamptz) AS year_1970,
       lakets.time_bucket('7 hours', '1999-12-31 23:00+00'::timestamptz) AS hours_1999;
-- UTC whatever the session TimeZone
SET TimeZone = 'Asia/Kolkata';
SELECT lakets.time_bucket('1 month', '2026-02-28 22:00-05'::timestamptz) AT TIME ZONE 'UTC' AS month_of_utc_march,
       lakets.time_bucket('1 day', '2026-03-10 02:00+05:30'::timestamptz) AT TIME ZONE 'UTC' AS utc_day;
SET TimeZone = 'UTC';
-- fixed widths on times from 2000 on take a fast path (timefuncs.c), the
-- rest the general one: the same as date_bin for widths from 2 microseconds
-- to decades, times from 4713 BC to 294276 AD, a bucket's first and last
-- microsecond, per row and constant, timestamptz and timestamp
CREATE TEMP TABLE tb_cases AS
SELECT w, t FROM (
	SELECT (2 + abs(('x' || md5('w' || i))::bit(64)::int8) % (CASE i % 4 WHEN 0 THEN 100
	          WHEN 1 THEN 100000000 WHEN 2 THEN 1000000000000 ELSE 1000000000000000 END))
	         * interval '1 microsecond' AS w,
	       CASE WHEN i % 3 = 0
	         THEN '2000-01-01 00:00+00'::timestamptz + (('x' || md5('t' || i))::bit(64)::int8 % 4503599627370496) * interval '1 microsecond'
	         ELSE '2000-01-01 00:00+00'::timestamptz + (abs(('x' || md5('d' || i))::bit(64)::int8) % 109000000 - 2440000) * interval '1 day'
	              + (abs(('x' || md5('u' || i))::bit(64)::int8) % 86400000000) * interval '1 microsecond' END AS t
	FROM generate_series(1, 20000) AS i) c
WHERE t BETWEEN '4713-01-01 00:00+00 BC'::timestamptz + w AND '294276-01-01 00:00+00'::timestamptz - w;
SELECT count(*) > 19000 AS enough_cases,
       count(*) FILTER (WHERE lakets.time_bucket(w, t) <> date_bin(w, t, '2000-01-01 00:00+00')) AS differences,
       count(*) FILTER (WHERE lakets.time_bucket(w, date_bin(w, t, '2000-01-01 00:00+00')) <> date_bin(w, t, '2000-01-01 00:00+00')
                          OR lakets.time_bucket(w, date_bin(w, t, '2000-01-01 00:00+00') - interval '1 microsecond')
                             <> date_bin(w, t, '2000-01-01 00:00+00') - w) AS differences_at_edges
FROM tb_cases;
SELECT count(*) FILTER (WHERE lakets.time_bucket('13 minutes 7 microseconds', t) <> date_bin('13 minutes 7 microseconds', t, '2000-01-01 00:00+00')) AS differences_constant,
       count(*) FILTER (WHERE lakets.time_bucket('2 microseconds', t) <> date_bin('2 microseconds', t, '2000-01-01 00:00+00')) AS differences_2us,
       count(*) FILTER (WHERE lakets.time_bucket('1 microsecond', t) <> t) AS differences_1us
FROM tb_cases;
SELECT count(*) FILTER (WHERE lakets.time_bucket(w, t AT TIME ZONE 'UTC') <> date_bin(w, t AT TIME ZONE 'UTC', '2000-01-01 00:00')) AS differences_timestamp,
       count(*) FILTER (WHERE lakets.time_bucket('13 minutes 7 microseconds', t AT TIME ZONE 'UTC')
                              <> date_bin('13 minutes 7 microseconds', t AT TIME ZONE 'UTC', '2000-01-01 00:00')) AS differences_timestamp_constant
FROM tb_cases;
DROP TABLE tb_cases;
-- the fast path's limits: up to a million days, no negative part, 2000 to
-- the last microsecond PostgreSQL knows; past them the general path gives
-- the same buckets (a day is 24 hours: '1 day -1 hour' is 23 hours)
SELECT bool_and(lakets.time_bucket('1000000 days', t) = date_bin('1000000 days', t, '2000-01-01 00:00+00')) AS million_days,
       bool_and(lakets.time_bucket('1000001 days', t) = date_bin('1000001 days', t, '2000-01-01 00:00+00')) AS million_days_and_one,
       bool_and(lakets.time_bucket('1 day -1 hour', t) = date_bin('23 hours', t, '2000-01-01 00:00+00')) AS day_less_an_hour,
       bool_and(lakets.time_bucket('2 days -23 hours', t) = date_bin('25 hours', t, '2000-01-01 00:00+00')) AS days_less_hours,
       bool_and(lakets.time_bucket('1 hour', t AT TIME ZONE 'UTC') = date_bin('1 hour', t AT TIME ZONE 'UTC', '2000-01-01 00:00')) AS hour_timestamp
FROM (VALUES ('1999-12-31 23:59:59.999999+00'::timestamptz), ('2000-01-01 00:00+00'), ('2026-03-25 14:37:22.123456+00'),
             ('2000-01-01 00:00+00'::timestamptz + interval '1000000 days'),
             ('2000-01-01 00:00+00'::timestamptz + interval '1000000 days' - interval '1 microsecond'),
             ('294276-12-31 23:59:59.999999+00')) AS v(t);
-- a width whose microseconds do not fit in 64 bits is out of range, not wrapped
SELECT lakets.time_bucket('2000000000 days', '2026-03-25 14:37+00'::timestamptz);
-- infinite in, infinite out; NULL in, NULL out
SELECT lakets.time_bucket('1 day', 'infinity'::timestamptz) AS inf,
       lakets.time_bucket('1 day', NULL::timestamptz) IS NULL AS null_in;
-- bad widths
SELECT lakets.time_bucket('0 minutes', now());
SELECT lakets.time_bucket('-1 hour', now());
SELECT lakets.time_bucket('1 month 1 day', now());
SELECT lakets.time_bucket('1 month', now(), '2000-01-15 00:00+00'::timestamptz);

-- time_bucket in a time zone: local days start at local midnight, 23 and 25
-- hours long over the DST changes of Europe/Berlin (2026-03-29, 2026-10-25)
SELECT lakets.time_bucket('1 day', t, 'Europe/Berlin') AS local_day, count(*) AS hours
FROM generate_series('2026-03-27 23:00+00'::timestamptz, '2026-03-30 21:59+00', '1 hour') AS t
GROUP BY 1 ORDER BY 1;
SELECT lakets.time_bucket('1 day', t, 'Europe/Berlin') AS local_day, count(*) AS hours
FROM generate_series('2026-10-23 22:00+00'::timestamptz, '2026-10-26 22:59+00', '1 hour') AS t
GROUP BY 1 ORDER BY 1;
-- local months, weeks (aligned on Saturday 2000-01-01 local, like the UTC ones) and an origin
SELECT lakets.time_bucket('1 month', '2026-03-31 22:30+00'::timestamptz, 'Europe/Berlin') AS april_in_berlin,
       lakets.time_bucket('1 month', '2026-03-31 21:30+00'::timestamptz, 'Europe/Berlin') AS march_in_berlin,
       lakets.time_bucket('3 months', '2026-01-01 00:30+00'::timestamptz, 'America/New_York') AS q4_in_new_york,
       lakets.time_bucket('7 days', '2026-03-31 12:00+00'::timestamptz, 'Europe/Berlin') AS week,
       lakets.time_bucket('1 day', '2026-03-31 12:00+00'::timestamptz, 'Europe/Berlin',
                          '2000-01-01 06:00+01'::timestamptz) AS day_from_6am,
       lakets.time_bucket(p_interval => '1 day', p_timestamp => '2026-03-31 23:30+00'::timestamptz,
                          p_timezone => 'europe/berlin') AS named_lower_case;
-- the two 02:00 hours of the fall-back night are two one-hour buckets
SELECT t, lakets.time_bucket('1 hour', t, 'Europe/Berlin') AS bucket,
       lakets.time_bucket('1 hour', t, 'Europe/Berlin') AT TIME ZONE 'Europe/Berlin' AS local_start
FROM generate_series('2026-10-24 23:30+00'::timestamptz, '2026-10-25 01:30+00', '30 minutes') AS t;
-- a local midnight that does not exist (Santiago, 2022-09-11 00:00 -> 01:00):
-- the day starts when the gap does
SELECT lakets.time_bucket('1 day', '2022-09-11 12:00+00'::timestamptz, 'America/Santiago') AS day_after_gap,
       lakets.time_bucket('1 day', '2022-09-10 12:00+00'::timestamptz, 'America/Santiago') AS day_before_gap;
-- a zone whose clocks fall back at midnight (Havana, 2025-11-02 01:00 ->
-- 00:00): midnight has two readings, each starts a bucket
SELECT lakets.time_bucket('1 day', t, 'America/Havana') AS bucket, min(t), max(t)
FROM generate_series('2025-11-01 12:00+00'::timestamptz, '2025-11-03 12:00+00', '30 minutes') AS t
GROUP BY 1 ORDER BY 1;
-- no bucket starts after a time it holds, and buckets never overlap, over
-- two years of 20-minute steps in a few zones and widths
SELECT count(*) FILTER (WHERE b > t) AS starts_after_t,
       count(*) FILTER (WHERE b < prev_b) AS starts_going_back
FROM (SELECT t, z, w, b, lag(b) OVER (PARTITION BY z, w ORDER BY t) AS prev_b
      FROM generate_series('2025-01-01 00:00+00'::timestamptz, '2026-12-31 00:00+00', '20 minutes') AS t,
           unnest(ARRAY['Europe/Berlin', 'America/Santiago', 'Australia/Lord_Howe', 'Asia/Kolkata']) AS z,
           unnest(ARRAY['15 minutes', '1 hour', '1 day', '1 month']::interval[]) AS w,
           LATERAL (SELECT lakets.time_bucket(w, t, z) AS b) x) q;
-- the same whatever the session TimeZone; UTC as a zone is the UTC variant
SET TimeZone = 'America/Los_Angeles';
SELECT lakets.time_bucket('1 day', '2026-03-29 12:00+00'::timestamptz, 'Europe/Berlin') AT TIME ZONE 'UTC' AS berlin_day_from_la;
SET TimeZone = 'UTC';
SELECT count(*) AS differences_from_utc
FROM generate_series('1999-06-01 00:00+00'::timestamptz, '2001-06-01 00:00+00', '7 hours 13 minutes') AS t,
     unnest(ARRAY['1 hour', '1 day', '7 days', '1 month', '1 year']::interval[]) AS w
WHERE lakets.time_bucket(w, t, 'UTC') <> lakets.time_bucket(w, t);
-- errors: an unknown zone (an untyped origin literal is taken for a zone: cast it)
SELECT lakets.time_bucket('1 day', now(), 'Mars/Olympus_Mons');
SELECT lakets.time_bucket('1 day', now(), '2000-01-01 00:00+00');
SELECT lakets.time_bucket('0 days', now(), 'Europe/Berlin');
SELECT lakets.time_bucket('1 day', now(), 'Europe/Berlin', 'infinity');
SELECT lakets.time_bucket('1 day', 'infinity'::timestamptz, 'Europe/Berlin') AS inf,
       lakets.time_bucket('1 day', now(), NULL) IS NULL AS null_zone;

-- first / last
CREATE TABLE fl (g int, ts timestamptz, v text, n numeric);
INSERT INTO fl VALUES
	(1, '2026-01-01 10:00+00', 'ten', 10), (1, '2026-01-01 11:00+00', 'eleven', 20),
	(1, '2026-01-01 12:00+00', 'twelve', 30),
	-- NULL times are ignored, NULL values are values
	(1, NULL, 'no time', -1), (2, '2026-01-01 09:00+00', NULL, NULL),
	(2, '2026-01-01 10:00+00', 'b', 2),
	-- ties: first takes the smallest value, last the largest (NULL last)
	(3, '2026-01-01 10:00+00', 'b', 2), (3, '2026-01-01 10:00+00', 'a', 1),
	(3, '2026-01-01 12:00+00', 'y', 8), (3, '2026-01-01 12:00+00', 'z', 9),
	(4, '2026-01-01 12:00+00', 'x', 1), (4, '2026-01-01 12:00+00', NULL, NULL),
	(4, '2026-01-01 10:00+00', NULL, NULL), (4, '2026-01-01 10:00+00', 'c', 3),
	-- only NULL times
	(5, NULL, 'never', 5);
SELECT g, lakets.first(v, ts) AS first_v, lakets.last(v, ts) AS last_v,
       lakets.first(n, ts) AS first_n, lakets.last(n, ts) AS last_n
FROM fl GROUP BY g ORDER BY g;
-- the toolkit's case, double precision
SELECT lakets.first(v, t) AS first, lakets.last(v, t) AS last
FROM (VALUES ('2026-01-01 10:00+00'::timestamptz, 10::float8), ('2026-01-01 11:00+00', 20),
             ('2026-01-01 12:00+00', 30)) AS s(t, v);
-- the same result whatever the input order
SELECT count(DISTINCT (f, l)) AS distinct_results FROM (
	SELECT lakets.first(v, ts ORDER BY o) AS f, lakets.last(v, ts ORDER BY o) AS l
	FROM (SELECT v, ts, random() AS o, k FROM fl, generate_series(1, 30) AS k WHERE g = 3) x
	GROUP BY k) r;
-- no rows, or no row with a time: NULL
SELECT lakets.first(v, ts) IS NULL AS first_empty, lakets.last(v, ts) IS NULL AS last_empty
FROM fl WHERE false;
-- each time type: timestamp, date, bigint
SELECT lakets.first(v, t::timestamp) AS ts_first, lakets.last(v, t::timestamp) AS ts_last,
       lakets.first(v, t::date) AS date_first, lakets.last(v, t::date) AS date_last,
       lakets.first(v, extract(epoch FROM t)::bigint) AS bigint_first,
       lakets.last(v, extract(epoch FROM t)::bigint) AS bigint_last
FROM (VALUES ('2026-01-02 10:00+00'::timestamptz, 'jan2'), ('2026-01-01 11:00+00', 'jan1'),
             ('2026-01-03 12:00+00', 'jan3'), ('2026-01-03 13:00+00', 'jan3b')) AS s(t, v);
-- by-reference values: arrays, a large (TOASTed) text, a composite
CREATE TABLE big (ts timestamptz, v text, a int[]);
INSERT INTO big VALUES ('2026-01-01', repeat('a', 100000), '{1,2}'),
	('2026-01-02', repeat('b', 200000), '{3}'), ('2026-01-03', 'c', '{4,5,6}');
SELECT length(lakets.first(v, ts)) AS first_len, length(lakets.last(v, ts)) AS last_len,
       lakets.first(a, ts) AS first_a, lakets.last(a, ts) AS last_a,
       (lakets.first(b, ts)).a AS first_row_a
FROM big b;
-- a value type without a sort order: fine until two times tie
SELECT lakets.last(p, t) AS last_point
FROM (VALUES (1, point(1, 1)), (2, point(2, 2))) AS s(t, p);
SELECT lakets.last(p, t) FROM (VALUES (1, point(1, 1)), (1, point(2, 2))) AS s(t, p);
-- the collation of the values decides ties
SELECT lakets.first(v COLLATE "C", 1) AS first_c, lakets.last(v COLLATE "C", 1) AS last_c
FROM (VALUES ('a'), ('B'), ('b'), ('A')) AS s(v);

-- parallel aggregation: partial states built in workers, serialized,
-- combined in the leader; ties between workers resolved the same way
CREATE TABLE par (g int, ts timestamptz, v text, x float8) WITH (parallel_workers = 2);
INSERT INTO par
SELECT i % 7, '2026-01-01 00:00+00'::timestamptz + (i % 1000) * interval '1 minute',
       md5(i::text), (i % 97)::float8
FROM generate_series(1, 200000) AS i;
ANALYZE par;
CREATE TABLE par_expected AS
SELECT g, (array_agg(v ORDER BY ts, v))[1] AS first_v,
       (array_agg(v ORDER BY ts DESC, v DESC))[1] AS last_v,
       (array_agg(x ORDER BY ts, x))[1] AS first_x,
       (array_agg(x ORDER BY ts DESC, x DESC))[1] AS last_x
FROM par GROUP BY g;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
-- force_parallel_mode is debug_parallel_query from PostgreSQL 16 on
SELECT pg_catalog.set_config(CASE WHEN pg_catalog.current_setting('server_version_num')::int >= 160000
	THEN 'debug_parallel_query' ELSE 'force_parallel_mode' END, 'on', false) AS parallel_forced;
EXPLAIN (COSTS OFF)
SELECT g, lakets.first(v, ts), lakets.last(v, ts) FROM par GROUP BY g;
SELECT count(*) AS differences FROM (
	SELECT g, lakets.first(v, ts), lakets.last(v, ts), lakets.first(x, ts), lakets.last(x, ts)
	FROM par GROUP BY g
	EXCEPT
	SELECT * FROM par_expected) d;
EXPLAIN (COSTS OFF)
SELECT lakets.first(v, ts), lakets.last(v, ts) FROM par;
SELECT lakets.first(v, ts) = (SELECT v FROM par ORDER BY ts, v LIMIT 1) AS first_ok,
       lakets.last(v, ts) = (SELECT v FROM par ORDER BY ts DESC, v DESC LIMIT 1) AS last_ok
FROM par;
SELECT pg_catalog.set_config(CASE WHEN pg_catalog.current_setting('server_version_num')::int >= 160000
	THEN 'debug_parallel_query' ELSE 'force_parallel_mode' END, 'off', false) AS parallel_not_forced;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- time_bucket_gapfill: both ends included
SELECT count(*) AS toolkit_case
FROM lakets.time_bucket_gapfill('1 hour', '2026-03-25 10:00+00', '2026-03-25 15:00+00');
SELECT * FROM lakets.time_bucket_gapfill('1 hour', '2026-03-25 10:20+00', '2026-03-25 12:59+00');
SELECT * FROM lakets.time_bucket_gapfill(p_interval => '1 month', p_start => '2025-11-15 00:00+00',
                                         p_finish => '2026-02-01 00:00+00');
SELECT count(*) AS one_bucket FROM lakets.time_bucket_gapfill('1 day', '2026-03-25 10:00+00', '2026-03-25 11:00+00');
SELECT count(*) AS finish_before_start FROM lakets.time_bucket_gapfill('1 day', '2026-03-25', '2026-03-20');
SELECT lakets.time_bucket_gapfill('1 hour', NULL, '2026-03-25');
SELECT lakets.time_bucket_gapfill('1 hour', '2026-03-25', NULL);
SELECT lakets.time_bucket_gapfill(NULL, '2026-03-25', '2026-03-26');
SELECT lakets.time_bucket_gapfill('0 hours', '2026-03-25', '2026-03-26');
SELECT lakets.time_bucket_gapfill('-1 hour', '2026-03-25', '2026-03-26');
SELECT lakets.time_bucket_gapfill('1 hour', '-infinity', '2026-03-26');

-- locf_agg: the last non-NULL value over any run of NULLs, any type
CREATE TABLE obs (device int, ts timestamptz, v float8, s text);
INSERT INTO obs VALUES (1, '2026-03-25 10:05+00', 1.5, 'on'), (1, '2026-03-25 13:10+00', 4.5, 'off'),
	(2, '2026-03-25 11:00+00', 7, NULL);
SELECT d.device, b AS bucket, o.v, lakets.locf_agg(o.v) OVER w AS v_filled,
       lakets.locf_agg(o.s) OVER w AS s_filled
FROM (VALUES (1), (2)) AS d(device)
CROSS JOIN lakets.time_bucket_gapfill('1 hour', '2026-03-25 09:00+00', '2026-03-25 14:00+00') AS b
LEFT JOIN obs o ON o.device = d.device AND lakets.time_bucket('1 hour', o.ts) = b
WINDOW w AS (PARTITION BY d.device ORDER BY b)
ORDER BY 1, 2;

-- the scalar helpers: the toolkit's cases and their edges
SELECT lakets.locf(NULL, 10.0) AS carried, lakets.locf(20.0, 10.0) AS kept,
       lakets.locf(NULL, NULL) IS NULL AS both_null, lakets.locf(NULL) IS NULL AS no_previous;
SELECT lakets.interpolate(NULL, 10.0, 30.0, '2026-01-01 10:00+00', '2026-01-01 11:00+00', '2026-01-01 12:00+00') AS midpoint,
       lakets.interpolate(NULL, 10.0, 30.0, '2026-01-01 10:00+00', '2026-01-01 10:15+00', '2026-01-01 12:00+00') AS quarter,
       lakets.interpolate(5.0, 10.0, 30.0, '2026-01-01 10:00+00', '2026-01-01 11:00+00', '2026-01-01 12:00+00') AS known,
       lakets.interpolate(NULL, 10.0, 30.0, '2026-01-01 10:00+00', NULL, '2026-01-01 10:00+00') AS same_times,
       lakets.interpolate(NULL, NULL, 30.0, '2026-01-01 10:00+00', '2026-01-01 11:00+00', '2026-01-01 12:00+00') IS NULL AS no_prev,
       lakets.interpolate(NULL, 10.0, 30.0, NULL, '2026-01-01 11:00+00', '2026-01-01 12:00+00') IS NULL AS no_prev_time,
       lakets.interpolate(NULL, 10.0, 30.0, '2026-01-01 10:00+00', '2026-01-01 13:00+00', '2026-01-01 12:00+00') AS extrapolated;
SELECT lakets.interpolate(NULL, 10.0, 30.0, '-infinity', '2026-01-01 11:00+00', '2026-01-01 12:00+00');
SELECT lakets.delta(100.0, 80.0) AS up, lakets.delta(50.0, 80.0, true) AS reset,
       lakets.delta(50.0, 80.0, false) AS down, lakets.delta(100.0, NULL) IS NULL AS no_prev,
       lakets.delta(NULL, 80.0) IS NULL AS no_value, lakets.delta(50.0, 80.0, NULL) AS resets_unknown;
SELECT round(lakets.rate(200.0, 100.0, '2026-01-01 01:00+00', '2026-01-01 00:00+00')::numeric, 6) AS per_second,
       lakets.rate(50.0, 100.0, '2026-01-01 00:00:10+00', '2026-01-01 00:00+00') AS after_reset,
       lakets.rate(50.0, 100.0, '2026-01-01 00:00:10+00', '2026-01-01 00:00+00', false) AS falling,
       lakets.rate(200.0, 100.0, '2026-01-01 00:00+00', '2026-01-01 00:00+00') IS NULL AS same_time,
       lakets.rate(200.0, 100.0, '2026-01-01 00:00+00', NULL) IS NULL AS no_prev_time,
       lakets.rate(200.0, 100.0, NULL, '2026-01-01 00:00+00') IS NULL AS no_time;
SELECT lakets.histogram(15.0, 0.0, 100.0, 10) AS h15, lakets.histogram(95.0, 0.0, 100.0, 10) AS h95,
       lakets.histogram(50.0, 0.0, 100.0, 10) AS h50, lakets.histogram(0.0, 0.0, 100.0, 10) AS at_min,
       lakets.histogram(-5.0, 0.0, 100.0, 10) AS below, lakets.histogram(100.0, 0.0, 100.0, 10) AS at_max,
       lakets.histogram(1e9, 0.0, 100.0, 10) AS above, lakets.histogram(99.999999, 0.0, 100.0, 10) AS just_below_max,
       lakets.histogram(5.0, 0.0, 100.0, 1) AS one_bucket, lakets.histogram(NULL, 0.0, 100.0, 10) IS NULL AS null_value,
       lakets.histogram(5.0, 0.0, 100.0, NULL) IS NULL AS null_buckets, lakets.histogram(5.0, NULL, 100.0, 10) IS NULL AS null_min;
SELECT lakets.histogram(5.0, 0.0, 100.0, 0);
SELECT lakets.histogram(5.0, 0.0, 100.0, -3);

-- a RollUp on local days of Europe/Berlin, kept exact by incremental
-- refreshes over the DST change, rows near local midnight included
CREATE TABLE zm (ts timestamptz NOT NULL, device int NOT NULL, v numeric);
SELECT lakets.create_chronotable('zm', 'ts', '1 day') > 0 AS created;
INSERT INTO zm SELECT '2026-03-26 00:00+00'::timestamptz + i * interval '17 minutes', i % 3, i % 101
FROM generate_series(0, 6 * 24 * 60 / 17) AS i;
SELECT lakets.create_rollup('zm_berlin_day', $$
	SELECT lakets.time_bucket('1 day', ts, 'Europe/Berlin') AS day, device, count(*) AS n,
	       sum(v) AS total, lakets.first(v, ts) AS opening, lakets.last(v, ts) AS closing
	FROM zm GROUP BY 1, 2$$, '1 day') > 0 AS created;
SELECT bucket_interval, bucket_timezone, bucket_origin FROM lakets._rollup_registry WHERE name = 'zm_berlin_day';
CREATE FUNCTION zm_differences() RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM (
		(SELECT * FROM _rollup_zm_berlin_day
		 EXCEPT ALL
		 SELECT lakets.time_bucket('1 day', ts, 'Europe/Berlin'), device, count(*), sum(v),
		        lakets.first(v, ts), lakets.last(v, ts) FROM zm GROUP BY 1, 2)
		UNION ALL
		(SELECT lakets.time_bucket('1 day', ts, 'Europe/Berlin'), device, count(*), sum(v),
		        lakets.first(v, ts), lakets.last(v, ts) FROM zm GROUP BY 1, 2
		 EXCEPT ALL
		 SELECT * FROM _rollup_zm_berlin_day)) d $$;
SELECT zm_differences() AS after_create;
SELECT day, sum(n) AS rows FROM _rollup_zm_berlin_day GROUP BY day ORDER BY day;
-- rows just after local midnight (22:xx/23:xx UTC the day before), on the
-- short day, and an update that moves a row across local midnight
INSERT INTO zm VALUES ('2026-03-28 23:10+00', 0, 1000), ('2026-03-29 22:05+00', 1, 2000),
	('2026-03-29 21:55+00', 2, 3000), ('2026-03-31 22:00+00', 0, 4000);
UPDATE zm SET ts = '2026-03-30 21:59:59+00' WHERE ts = '2026-03-30 22:00+00' OR v = 4000;
DELETE FROM zm WHERE ts = '2026-03-27 23:01+00';
SELECT lakets.refresh_rollup('zm_berlin_day') AS refreshed;
SELECT zm_differences() AS after_refresh;
SELECT day, sum(n) AS rows FROM _rollup_zm_berlin_day GROUP BY day ORDER BY day;
-- local months; local days from 06:00 (an origin); zone buckets shorter
-- than a day are refused
SELECT lakets.create_rollup('zm_month', $$
	SELECT lakets.time_bucket('1 month', ts, 'America/New_York') AS m, count(*) AS n FROM zm GROUP BY 1$$,
	'1 month') > 0 AS created;
INSERT INTO zm VALUES ('2026-04-01 03:30+00', 0, 1), ('2026-04-01 04:30+00', 0, 1);
SELECT lakets.refresh_rollup('zm_month') AS refreshed;
SELECT m, n, (SELECT count(*) FROM zm WHERE lakets.time_bucket('1 month', ts, 'America/New_York') = m) AS expected
FROM _rollup_zm_month ORDER BY m;
SELECT lakets.create_rollup('zm_6am', $$
	SELECT lakets.time_bucket('1 day', ts, 'Europe/Berlin', '2000-01-01 06:00+01') AS d, count(*) AS n
	FROM zm GROUP BY 1$$, '1 day') > 0 AS created;
UPDATE zm SET v = v + 1 WHERE ts BETWEEN '2026-03-29 03:50+00' AND '2026-03-29 04:10+00';
INSERT INTO zm VALUES ('2026-03-30 04:00+00', 1, 1), ('2026-03-30 03:59:59+00', 1, 1);
SELECT lakets.refresh_rollup('zm_6am') AS refreshed;
SELECT count(*) AS differences FROM (
	(TABLE _rollup_zm_6am EXCEPT ALL
	 SELECT lakets.time_bucket('1 day', ts, 'Europe/Berlin', '2000-01-01 06:00+01'), count(*) FROM zm GROUP BY 1)
	UNION ALL
	(SELECT lakets.time_bucket('1 day', ts, 'Europe/Berlin', '2000-01-01 06:00+01'), count(*) FROM zm GROUP BY 1
	 EXCEPT ALL TABLE _rollup_zm_6am)) d;
SELECT min(d) AS first_6am_bucket FROM _rollup_zm_6am;
SELECT lakets.create_rollup('zm_hour', $$
	SELECT lakets.time_bucket('1 hour', ts, 'Europe/Berlin') AS h, count(*) AS n FROM zm GROUP BY 1$$);
SELECT lakets.create_rollup('zm_bad', $$
	SELECT lakets.time_bucket('1 day', ts, 'Nowhere/Else') AS d, count(*) AS n FROM zm GROUP BY 1$$, '1 day');
SELECT lakets.drop_rollup('zm_berlin_day'), lakets.drop_rollup('zm_month'), lakets.drop_rollup('zm_6am');
-- a RollUp on the days of Havana, over its two-reading midnight: few dirty
-- buckets are deleted one by one, through the list of their starts
CREATE TABLE zh (ts timestamptz NOT NULL, v int NOT NULL);
SELECT lakets.create_chronotable('zh', 'ts', '1 day') > 0 AS created;
INSERT INTO zh SELECT '2025-10-31 00:00+00'::timestamptz + i * interval '10 minutes', i
FROM generate_series(0, 5 * 144) AS i;
SELECT lakets.create_rollup('zh_day', $$
	SELECT lakets.time_bucket('1 day', ts, 'America/Havana') AS day, count(*) AS n, sum(v) AS total
	FROM zh GROUP BY 1$$, '1 day') > 0 AS created;
UPDATE zh SET v = v + 1 WHERE ts IN ('2025-11-02 04:10+00', '2025-11-02 05:10+00', '2025-11-03 04:50+00');
INSERT INTO zh VALUES ('2025-11-02 04:59:59+00', 1), ('2025-11-02 05:00+00', 1);
SELECT lakets.refresh_rollup('zh_day') AS refreshed;
SELECT day, n, total FROM _rollup_zh_day ORDER BY day;
SELECT count(*) AS differences FROM (
	(TABLE _rollup_zh_day EXCEPT ALL
	 SELECT lakets.time_bucket('1 day', ts, 'America/Havana'), count(*), sum(v) FROM zh GROUP BY 1)
	UNION ALL
	(SELECT lakets.time_bucket('1 day', ts, 'America/Havana'), count(*), sum(v) FROM zh GROUP BY 1
	 EXCEPT ALL TABLE _rollup_zh_day)) d;
SELECT lakets.drop_rollup('zh_day');
