-- partitions_setup.sql: the objects of the partition-maintenance benchmark
-- (test/bench/partitions.sh), in a database of their own.
--
-- :ntables ChronoTables public.lt_<i> and as many pg_partman sets
-- public.pm_<i>, alike in every way that matters to maintenance: the same
-- columns, one index, 1-day partitions, yesterday + today + 3 days ahead +
-- a default partition, and the same 24 rows of today in each.
--
-- psql -v ntables=500 -f partitions_setup.sql
\ir common.sql
CREATE SCHEMA partman;
CREATE EXTENSION pg_partman SCHEMA partman;

\ir time_call.sql

-- Partitions per parent (the default partition included), for the checks.
CREATE FUNCTION bench.partition_counts(p_prefix text)
RETURNS TABLE (parent text, partitions bigint)
LANGUAGE sql STABLE
AS $$
	SELECT p.relname::text, count(i.inhrelid)
	FROM pg_class p
	JOIN pg_namespace n ON n.oid = p.relnamespace AND n.nspname = 'public'
	LEFT JOIN pg_inherits i ON i.inhparent = p.oid
	WHERE p.relkind = 'p' AND p.relname ~ ('^' || p_prefix || '_[0-9]+$')
	GROUP BY p.relname
$$;

CREATE TABLE bench.snapshot (parent text PRIMARY KEY, partitions bigint NOT NULL);

-- lakets: regular tables, converted. Each statement that \gexec runs is a
-- transaction of its own, which keeps the lock table small.
SELECT format('CREATE TABLE public.lt_%s (ts timestamptz NOT NULL, device integer NOT NULL, value double precision)', i),
	   format('CREATE INDEX ON public.lt_%s (device, ts)', i),
	   format($q$SELECT lakets.create_chronotable('lt_%s', 'ts', '1 day')$q$, i),
	   format('INSERT INTO public.lt_%s SELECT * FROM bench.today_rows()', i)
FROM generate_series(1, :ntables) AS i
\gexec

-- pg_partman: native partitioned tables handed to create_parent(), starting
-- with yesterday's partition so that the window matches lakets' default one
-- (1 past + current + 3 future).
SELECT format('CREATE TABLE public.pm_%s (ts timestamptz NOT NULL, device integer NOT NULL, value double precision) PARTITION BY RANGE (ts)', i),
	   format('CREATE INDEX ON public.pm_%s (device, ts)', i),
	   format($q$SELECT partman.create_parent(p_parent_table => 'public.pm_%s', p_control => 'ts', p_type => 'native', p_interval => 'daily', p_premake => 3, p_start_partition => %L, p_jobmon => false)$q$,
			  i, to_char(date_trunc('day', now() AT TIME ZONE 'UTC') - interval '1 day', 'YYYY-MM-DD HH24:MI:SS+00')),
	   format('INSERT INTO public.pm_%s SELECT * FROM bench.today_rows()', i)
FROM generate_series(1, :ntables) AS i
\gexec

-- Like lakets, keep the window around now() whatever the data: this is also
-- pg_partman's cheapest path (no max() scan over the partitions).
UPDATE partman.part_config SET infinite_time_partitions = true
WHERE parent_table ~ '^public\.pm_[0-9]+$';

-- Statistics as autovacuum would have them on a live system.
ANALYZE;
