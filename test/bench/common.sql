-- common.sql: what every benchmark database starts with, read by the
-- *_setup.sql scripts (\ir common.sql): lakets, the schema "bench" and the
-- helpers more than one benchmark uses. Each setup adds its own
-- bench.timings table (and bench.stop(), which writes it).
\set ON_ERROR_STOP on
SET client_min_messages = warning;

CREATE EXTENSION lakets;
CREATE SCHEMA bench;

-- lakets' registry of ChronoTables with each table's current name
CREATE VIEW bench.chronotables AS
SELECT r.*, c.relname AS table_name
FROM lakets._chronotable_registry r JOIN pg_catalog.pg_class c ON c.oid = r.relid;

-- bench.start() ... bench.stop(): the server's clock at both ends.
CREATE FUNCTION bench.start()
RETURNS void
LANGUAGE sql
AS $$
	SELECT set_config('bench.t0', clock_timestamp()::text, false);
$$;

-- Fail (and so fail the benchmark) unless p_ok.
CREATE FUNCTION bench.check(p_ok boolean, p_what text)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
	IF p_ok IS NOT TRUE THEN
		RAISE EXCEPTION 'check failed: %', p_what;
	END IF;
END
$$;

-- The 24 rows of today (UTC) every table gets.
CREATE FUNCTION bench.today_rows()
RETURNS TABLE (ts timestamptz, device integer, value double precision)
LANGUAGE sql STABLE
AS $$
	SELECT t, (extract(hour FROM t AT TIME ZONE 'UTC'))::int % 4, 1.0
	FROM generate_series(date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
						 date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
						 + interval '23 hours', interval '1 hour') AS t
$$;
