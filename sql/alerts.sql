-- alerts: alert_check() runs the caller's query with the caller's rights and
-- returns its rows as alerts; alert_deadman() finds silent series. Nothing
-- is stored.
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';

CREATE TABLE host_cpu (time timestamptz NOT NULL, "Host" text NOT NULL, cpu float8);
-- h1 and h2 report until now, "old box" stopped in 2024
INSERT INTO host_cpu
SELECT now() - i * interval '1 minute', 'h' || (i % 2 + 1), 50 + i % 45
FROM generate_series(0, 99) AS i;
INSERT INTO host_cpu VALUES ('2024-03-01 12:00+00', 'old box', 99.5), ('2024-02-01 00:00+00', 'old box', 10);
SELECT lakets.create_chronotable('host_cpu', 'time', '1 day') > 0 AS created;

-- alert_check: one alert per row, its columns in alert_data
SELECT alert_name, severity, fired_at = now() AS fired_now, alert_data
FROM lakets.alert_check('high_cpu',
	'SELECT "Host" AS host, max(cpu) AS peak FROM host_cpu GROUP BY 1 HAVING max(cpu) > 90 ORDER BY 1',
	'critical');
-- p_severity defaults to warning; no row, no alert
SELECT alert_name, severity, alert_data->>'host' AS host
FROM lakets.alert_check('old', 'SELECT "Host" AS host FROM host_cpu WHERE time < ''2025-01-01''');
SELECT count(*) AS alerts FROM lakets.alert_check('none', 'SELECT 1 FROM host_cpu WHERE cpu > 999');
-- every type becomes JSON as to_jsonb() makes it
SELECT alert_data FROM lakets.alert_check('types',
	$$SELECT 1::int AS i, 2.50::numeric AS n, 'x'::text AS t, NULL::text AS nothing,
		'2024-01-01 10:00+00'::timestamptz AS ts, ARRAY[1, 2] AS arr, true AS b,
		ROW(1, 'a') AS rec, '{"k": 1}'::jsonb AS j, 'NaN'::float8 AS nan$$);
-- a query can be VALUES, WITH, or unnamed columns
SELECT alert_data FROM lakets.alert_check('values', 'VALUES (1, ''a''), (2, ''b'')');
SELECT alert_data FROM lakets.alert_check('with', 'WITH x AS (SELECT 7 AS v) SELECT v, v + 1 FROM x;');
-- many rows (fetched in batches)
SELECT count(*), min((alert_data->>'g')::int), max((alert_data->>'g')::int)
FROM lakets.alert_check('many', 'SELECT g FROM generate_series(1, 2500) AS g');
-- the query runs under the caller's search_path
CREATE SCHEMA alert_s;
CREATE TABLE alert_s.readings (v int);
INSERT INTO alert_s.readings VALUES (42);
SET search_path = alert_s, public;
SELECT alert_data FROM lakets.alert_check('path', 'SELECT v FROM readings');
RESET search_path;
-- bad input
SELECT * FROM lakets.alert_check('two', 'SELECT 1; SELECT 2');
SELECT * FROM lakets.alert_check('ddl', 'CREATE TABLE should_not_exist (i int)');
SELECT to_regclass('should_not_exist') AS should_not_exist;
SELECT * FROM lakets.alert_check('syntax', 'SELEC 1');
SELECT * FROM lakets.alert_check('missing', 'SELECT * FROM no_such_table');
SELECT * FROM lakets.alert_check(NULL, 'SELECT 1');
SELECT * FROM lakets.alert_check('n', NULL);
SELECT * FROM lakets.alert_check('n', '');
SELECT * FROM lakets.alert_check('n', 'SELECT 1', NULL);
-- an error in the query is the query's error
SELECT * FROM lakets.alert_check('div', 'SELECT 1 / 0');

-- the caller's rights only
CREATE ROLE lakets_regress_alerter;
CREATE TABLE alert_secret (v int);
INSERT INTO alert_secret VALUES (1);
CREATE TABLE alert_log (note text);
GRANT SELECT, INSERT ON alert_log TO lakets_regress_alerter;
SET ROLE lakets_regress_alerter;
SELECT alert_data FROM lakets.alert_check('who', 'SELECT current_user AS who, session_user = current_user AS same');
SELECT * FROM lakets.alert_check('secret', 'SELECT v FROM alert_secret');
-- a write in the same query is undone with it
SELECT * FROM lakets.alert_check('secret',
	'WITH w AS (INSERT INTO alert_log VALUES (''leaked'') RETURNING note) SELECT s.v, w.note FROM alert_secret s, w');
SELECT count(*) AS logged FROM alert_log;
-- writes of its own are the caller's business (and the caller's right)
SELECT alert_data FROM lakets.alert_check('log',
	'INSERT INTO alert_log VALUES (''by alert'') RETURNING note');
SELECT note FROM alert_log;
SELECT * FROM lakets.alert_deadman('dead', 'host_cpu', 'Host', '1 hour');
RESET ROLE;
-- lakets keeps no alert state: no table, nothing written to the registry
SELECT count(*) AS alert_tables FROM pg_class
WHERE relnamespace = 'lakets'::regnamespace AND relname LIKE '%alert%';

-- alert_deadman: the series whose latest row is older than p_timeout
SELECT alert_name, severity, fired_at = now() AS fired_now, dead_key, last_seen,
	silent_for = now() - last_seen AS silent_since_last_seen
FROM lakets.alert_deadman('silent', 'host_cpu', 'Host', '1 hour');
SELECT count(*) AS none_silent FROM lakets.alert_deadman('silent', 'host_cpu', 'Host', '100 years');
SELECT dead_key FROM lakets.alert_deadman('all', 'host_cpu', 'Host', '0');
-- a timestamp and a date column are read as UTC
CREATE TABLE dev_ts (t timestamp NOT NULL, dev int NOT NULL);
INSERT INTO dev_ts VALUES ('2024-05-01 08:00', 1), ('2024-05-02 09:30', 1), ('2024-05-03 10:00', 2);
SELECT lakets.create_chronotable('dev_ts', 't', '1 day') > 0 AS created;
SET TimeZone = 'Asia/Tokyo';
SELECT dead_key, last_seen AT TIME ZONE 'UTC' AS last_seen_utc
FROM lakets.alert_deadman('dev', 'dev_ts', 'dev', '1 day');
SET TimeZone = 'UTC';
CREATE TABLE dev_day (day date NOT NULL, dev text NOT NULL);
INSERT INTO dev_day VALUES ('2024-05-01', 'a'), ('2024-05-08', 'b');
SELECT lakets.create_chronotable('dev_day', 'day', '7 days') > 0 AS created;
SELECT dead_key, last_seen FROM lakets.alert_deadman('day', 'dev_day', 'dev', '1 day');
-- bad input
SELECT * FROM lakets.alert_deadman('x', 'host_cpu', 'host', '1 hour');
SELECT * FROM lakets.alert_deadman('x', 'host_cpu', 'ctid', '1 hour');
-- not even an identifier: the toolkit's class (raise_exception), caught as it catches it
DO $$ BEGIN
	PERFORM lakets.alert_deadman('x', 'host_cpu', 'Host; DROP TABLE host_cpu;--', '1 hour');
EXCEPTION WHEN raise_exception THEN
	RAISE NOTICE 'refused: %', SQLERRM;
END $$;
DO $$ BEGIN
	PERFORM lakets.alert_deadman('x', 'host_cpu', 'no_such_column', '1 hour');
EXCEPTION WHEN undefined_column THEN
	RAISE NOTICE 'refused: %', SQLERRM;
END $$;
SELECT * FROM lakets.alert_deadman('x', 'alert_secret', 'v', '1 hour');
SELECT * FROM lakets.alert_deadman('x', 'no_such', 'v', '1 hour');
SELECT * FROM lakets.alert_deadman('x', 'host_cpu', 'Host', '-1 hour');
SELECT * FROM lakets.alert_deadman('x', 'host_cpu', 'Host', NULL);
SELECT * FROM lakets.alert_deadman('x', 'host_cpu', NULL, '1 hour');
SELECT * FROM lakets.alert_deadman('x', 'host_cpu', 'Host', '1 hour', 'no_such');

DROP TABLE host_cpu, dev_ts, dev_day, alert_secret, alert_log;
DROP SCHEMA alert_s CASCADE;
DROP ROLE lakets_regress_alerter;
