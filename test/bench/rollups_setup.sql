-- rollups_setup.sql: the objects of the RollUp benchmark (test/bench/rollups.sh),
-- in a database of their own.
--
-- Two ChronoTables alike in every way (columns, the index on (device, ts),
-- one chunk per day over the :days days of the data, created before any
-- row is loaded so that nothing lands in the default partition):
--   public.metrics        with two RollUps attached, m5 (5-minute buckets)
--                         and m1h (1-hour buckets), created while it is empty;
--   public.metrics_plain  with none.
-- And public.baseline_5m: the table "INSERT INTO t SELECT <m5's query>"
-- fills, made the way create_rollup() makes _rollup_m5 (CREATE TABLE AS
-- <query> WITH NO DATA) with the same unique index on (bucket, device).
--
-- Autovacuum is off on all of them, so that it cannot start in the middle
-- of a timed statement on a 2-core machine; rollups.sh runs ANALYZE where
-- autovacuum would have.
--
-- psql -v start="'2026-10-01 00:00+00'" -v days=30 -f rollups_setup.sql
\ir common.sql

-- One row per timed statement.
CREATE TABLE bench.timings (
	test	text NOT NULL,
	system	text NOT NULL,
	rep		integer NOT NULL,
	ms		double precision NOT NULL
);

-- bench.start() and bench.stop() bracket a statement that runs as a
-- transaction of its own between them; both read the server's clock, so
-- the time includes the statement's commit (where lakets writes the
-- invalidation log) and leaves out the client, but for one round trip.
CREATE FUNCTION bench.stop(p_test text, p_system text, p_rep integer)
RETURNS void
LANGUAGE sql
AS $$
	INSERT INTO bench.timings
	VALUES (p_test, p_system, p_rep,
			extract(epoch FROM clock_timestamp() - current_setting('bench.t0')::timestamptz) * 1000);
$$;

-- The rows where a RollUp table and its query run from scratch disagree
-- (missing or extra buckets, different values). avg() is compared with a
-- tolerance: a sum of floats depends on the order the rows come in.
CREATE FUNCTION bench.mismatches(p_table regclass, p_query text)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
	n bigint;
BEGIN
	EXECUTE format($q$
		SELECT count(*)
		FROM %s r FULL JOIN (%s) q ON q.bucket = r.bucket AND q.device = r.device
		WHERE r.bucket IS NULL OR q.bucket IS NULL
		   OR r.count <> q.count OR r.min <> q.min OR r.max <> q.max
		   OR abs(r.avg - q.avg) > 1e-9 * greatest(1, abs(q.avg))$q$, p_table, p_query)
	INTO n;
	RETURN n;
END
$$;

-- Fail unless the RollUp equals its query run from scratch.
CREATE FUNCTION bench.check_rollup(p_name text, p_when text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	r lakets._rollup_registry;
	n bigint;
BEGIN
	SELECT * INTO STRICT r FROM lakets._rollup_registry WHERE name = p_name;
	n := bench.mismatches(r.rollup_relid, r.query);
	PERFORM bench.check(n = 0, format('%s: rollup %s differs from its query run from scratch in %s rows',
									  p_when, p_name, n));
END
$$;

CREATE FUNCTION bench.query(p_table text, p_width text)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
	SELECT format('SELECT lakets.time_bucket(%L, ts) AS bucket, device, count(*), avg(value), '
				  'min(value), max(value) FROM public.%I GROUP BY 1, 2', p_width, p_table);
$$;

CREATE FUNCTION bench.no_autovacuum(p_table regclass)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	part regclass;
BEGIN
	FOR part IN SELECT relid FROM pg_partition_tree(p_table) WHERE isleaf LOOP
		EXECUTE format('ALTER TABLE %s SET (autovacuum_enabled = false)', part);
	END LOOP;
END
$$;

CREATE TABLE public.metrics (ts timestamptz NOT NULL, device integer NOT NULL, value double precision);
CREATE INDEX ON public.metrics (device, ts);
CREATE TABLE public.metrics_plain (LIKE public.metrics);
CREATE INDEX ON public.metrics_plain (device, ts);

SELECT lakets._ensure_partitions(lakets.create_chronotable(t, 'ts', '1 day'), 0, 0,
								 :start, :start::timestamptz + :days * interval '1 day')
FROM unnest(ARRAY['metrics', 'metrics_plain']) AS t;

SELECT lakets.create_rollup('m5', bench.query('metrics', '5 minutes'), '5 minutes');
SELECT lakets.create_rollup('m1h', bench.query('metrics', '1 hour'), '1 hour');

-- The baseline's table, the way create_rollup() makes a RollUp table.
SELECT format('CREATE TABLE public.baseline_5m AS %s WITH NO DATA', bench.query('metrics', '5 minutes'))
\gexec
CREATE UNIQUE INDEX ON public.baseline_5m (bucket, device);

SELECT bench.no_autovacuum(t)
FROM unnest(ARRAY['metrics', 'metrics_plain', '_rollup_m5', '_rollup_m1h', 'baseline_5m']::regclass[]) AS t;
