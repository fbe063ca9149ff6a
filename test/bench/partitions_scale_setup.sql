-- partitions_scale_setup.sql: the objects of the partition-maintenance
-- benchmark at scale (test/bench/partitions_scale.sh), in a database of
-- their own.
--
-- :lakets_tables ChronoTables public.lt_<i> and :partman_tables pg_partman
-- sets public.pm_<i>, alike in every way that matters to maintenance: the
-- same three columns, 1-day partitions, yesterday + today + 3 days ahead +
-- a default partition. No index and no rows (the steady state of either
-- system reads neither), so that 10,000 tables are set up in about a minute.
--
-- psql -v lakets_tables=10000 -v partman_tables=1000 -f partitions_scale_setup.sql
\ir common.sql
CREATE SCHEMA partman;
CREATE EXTENSION pg_partman SCHEMA partman;

\ir time_call.sql

-- Partitions of all the tables of a prefix (the default partitions
-- included), for the checks.
CREATE FUNCTION bench.partitions(p_prefix text)
RETURNS bigint
LANGUAGE sql STABLE
AS $$
	SELECT count(*)
	FROM pg_class p
	JOIN pg_namespace n ON n.oid = p.relnamespace AND n.nspname = 'public'
	JOIN pg_inherits i ON i.inhparent = p.oid
	WHERE p.relkind = 'p' AND p.relname ~ ('^' || p_prefix || '_[0-9]+$')
$$;

-- lakets: regular tables, converted; each statement \gexec runs is a
-- transaction of its own, which keeps the lock table small.
SELECT format('CREATE TABLE public.lt_%s (ts timestamptz NOT NULL, device integer NOT NULL, value double precision)', i),
	   format($q$SELECT lakets.create_chronotable('lt_%s', 'ts', '1 day')$q$, i)
FROM generate_series(1, :lakets_tables) AS i
\gexec

-- pg_partman: native partitioned tables handed to create_parent(), starting
-- with yesterday's partition so that the window matches lakets' default one
-- (1 past + current + 3 future).
SELECT format('CREATE TABLE public.pm_%s (ts timestamptz NOT NULL, device integer NOT NULL, value double precision) PARTITION BY RANGE (ts)', i),
	   format($q$SELECT partman.create_parent(p_parent_table => 'public.pm_%s', p_control => 'ts', p_type => 'native', p_interval => 'daily', p_premake => 3, p_start_partition => %L, p_jobmon => false)$q$,
			  i, to_char(date_trunc('day', now() AT TIME ZONE 'UTC') - interval '1 day', 'YYYY-MM-DD HH24:MI:SS+00'))
FROM generate_series(1, :partman_tables) AS i
\gexec

-- pg_partman's cheapest path, as in partitions_setup.sql.
UPDATE partman.part_config SET infinite_time_partitions = true
WHERE parent_table ~ '^public\.pm_[0-9]+$';

-- The catalogs as autovacuum keeps them on a live system (the set-up's DDL
-- leaves dead catalog rows behind, which the first reader would prune).
VACUUM ANALYZE;
