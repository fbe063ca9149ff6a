-- lakets--0.1--0.2.sql: ALTER EXTENSION lakets UPDATE from 0.1 to 0.2.
--
-- 0.1 tracked tables by schema and table NAME, 0.2 by OID (regclass); 0.2
-- also adds the LakeTS toolkit's surface (time functions, aggregates, LVC,
-- ingest, metric tables, alerts, monitoring) and changes some functions'
-- arguments and result columns. This script, in one transaction:
--
--  1. moves 0.1's tables aside (schema lakets_0_1) and drops the functions
--     whose argument list or result type changed;
--  2. creates every 0.2 object as a fresh install does (the SQL parts of
--     0.2, functions as CREATE OR REPLACE so that what depends on them,
--     such as triggers on users' tables and users' views, stays);
--  3. copies 0.1's rows into 0.2's tables, looking each name up once: a row
--     naming a table that no longer exists is dropped, as 0.2's maintenance
--     forgets what was dropped behind its back (a WARNING names it); a live
--     chunk found dropped or detached becomes a tombstone, as 0.2 records it;
--  4. gives each RollUp its 0.2 refresh function and real-time view, then
--     drops 0.1's tables and, where the updater is a superuser, creates the
--     sql_drop event trigger of 0.2.
--
-- The triggers 0.1 put on RollUp sources and their chunks are 0.2's (same
-- names, functions and arguments) and stay; pg_cron jobs lakets scheduled
-- run the same command in 0.2 and stay.
--
-- Until 0.2 is released, every change to the SQL parts goes here too; the
-- upgrade test (test/upgrade) compares an updated database with a fresh
-- install and fails on any difference. docs/upgrading.md.

\echo Use "ALTER EXTENSION lakets UPDATE TO '0.2'" to load this file. \quit

-- 1. 0.1's tables aside; their rows are copied in step 3.
CREATE SCHEMA lakets_0_1;
ALTER TABLE lakets._rollup_invalidation_log SET SCHEMA lakets_0_1;
ALTER TABLE lakets._source_invalidation_log SET SCHEMA lakets_0_1;
ALTER TABLE lakets._retention_policy SET SCHEMA lakets_0_1;
ALTER TABLE lakets._rollup_registry SET SCHEMA lakets_0_1;
ALTER TABLE lakets._chunk_metadata SET SCHEMA lakets_0_1;
ALTER TABLE lakets._chronotable_registry SET SCHEMA lakets_0_1;
ALTER TABLE lakets.job_history SET SCHEMA lakets_0_1;

-- Functions whose arguments or result columns changed: CREATE OR REPLACE
-- cannot change those. Nothing lakets made depends on them.
DROP FUNCTION lakets.show_chunks(text, interval, interval, text);
DROP FUNCTION lakets.create_chronotable(text, text, interval, text, boolean);
DROP FUNCTION lakets.show_retention_policy(text, text);
DROP FUNCTION lakets.show_rollups();
DROP FUNCTION lakets.show_rollup_dag();
DROP FUNCTION lakets.refresh_rollup_cascade(text);
DROP FUNCTION lakets.invalidate_rollup_range(text, timestamptz, timestamptz);

-- time_bucket()'s arguments were renamed for the LakeTS toolkit
-- (p_interval, p_timestamp, p_origin). Dropping it would take every view
-- and function that calls it (RollUp queries, users' views) along; those
-- refer to it by OID and position, not by argument name, so the names are
-- changed in place, as CREATE OR REPLACE would if it could.
UPDATE pg_catalog.pg_proc
SET proargnames = CASE pronargs WHEN 2 THEN '{p_interval,p_timestamp}'::text[]
								ELSE '{p_interval,p_timestamp,p_origin}'::text[] END
WHERE oid IN ('lakets.time_bucket(interval, timestamptz)'::pg_catalog.regprocedure,
			  'lakets.time_bucket(interval, timestamp)'::pg_catalog.regprocedure,
			  'lakets.time_bucket(interval, date)'::pg_catalog.regprocedure,
			  'lakets.time_bucket(interval, timestamptz, timestamptz)'::pg_catalog.regprocedure,
			  'lakets.time_bucket(interval, timestamp, timestamp)'::pg_catalog.regprocedure);

-- Step 4's helper (C), dropped at the end.
CREATE FUNCTION lakets._upgrade_rollup(p_name text)
RETURNS void AS 'MODULE_PATHNAME', 'lakets_upgrade_rollup'
LANGUAGE C VOLATILE;

-- 2. Everything of 0.2, as a fresh install creates it.

-- ======================================================================
-- extension/catalog.sql of 0.2
-- ======================================================================

-- catalog.sql: the lakets registry. Only extension/catalog.c writes to these
-- tables (as their owner, after checking that the caller owns the table it
-- acts on); everyone may read them.
--
-- Tables are tracked by OID (regclass), never by name: renaming a table or
-- its schema changes nothing for lakets, and a new table that takes the
-- name of a dropped one is not mistaken for it. regclass columns survive
-- pg_dump and restore (they are dumped as qualified names and read back as
-- the new OIDs).

CREATE TABLE lakets._chronotable_registry (
	id				serial PRIMARY KEY,
	relid			regclass NOT NULL UNIQUE,
	time_column		name NOT NULL,
	time_type		text NOT NULL
		CHECK (time_type IN ('timestamp with time zone', 'timestamp without time zone', 'date')),
	chunk_interval	interval NOT NULL,
	past_count		integer NOT NULL DEFAULT 1 CHECK (past_count >= 0),
	future_count	integer NOT NULL DEFAULT 3 CHECK (future_count >= 0),
	-- storage parameters of the converted table, applied to every chunk
	-- (a partitioned table cannot hold them itself)
	chunk_options	text[],
	-- retention deleted the rows of the default partition before this
	-- instant: RollUps never recompute buckets from before it
	expired_before	timestamptz,
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	-- every chunk of [covered_from, covered_until) exists or is a
	-- tombstone (chunk rows are never deleted): ensure_partitions() needs
	-- no chunk lookup while the window lies inside it (ensure.c)
	covered_from	timestamptz,
	covered_until	timestamptz
);

COMMENT ON TABLE lakets._chronotable_registry IS
	'One row per ChronoTable: its time column, chunk interval and the window of chunks kept ahead.';

CREATE TABLE lakets._chunk_metadata (
	id				bigserial PRIMARY KEY,
	chronotable_id	integer NOT NULL
		REFERENCES lakets._chronotable_registry (id) ON DELETE CASCADE,
	-- NULL once the chunk is no longer a partition lakets manages
	chunk_relid		regclass,
	chunk_name		name NOT NULL,		-- the name it was created with
	range_start		timestamptz NOT NULL,
	range_end		timestamptz NOT NULL,
	status			text NOT NULL DEFAULT 'active'
		CHECK (status IN ('active', 'tiered', 'dropped', 'detached')),
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	dropped_at		timestamptz,
	CHECK (range_start < range_end),
	CHECK ((status = 'active') = (chunk_relid IS NOT NULL)),
	UNIQUE (chronotable_id, range_start)
);

COMMENT ON TABLE lakets._chunk_metadata IS
	'One row per chunk ever created; a dropped or detached chunk stays as a tombstone so that its range is never re-created.';

CREATE INDEX ON lakets._chunk_metadata (chronotable_id, range_end);
-- retention looks at live chunks only; tombstones accumulate
CREATE INDEX ON lakets._chunk_metadata (chronotable_id, range_start) WHERE status = 'active';
CREATE INDEX ON lakets._chunk_metadata (chunk_relid);

SELECT pg_catalog.pg_extension_config_dump('lakets._chronotable_registry', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._chronotable_registry_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._chunk_metadata', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._chunk_metadata_id_seq', '');

REVOKE ALL ON lakets._chronotable_registry, lakets._chunk_metadata FROM PUBLIC;
GRANT SELECT ON lakets._chronotable_registry, lakets._chunk_metadata TO PUBLIC;
GRANT USAGE ON SCHEMA lakets TO PUBLIC;

-- ======================================================================
-- extension/timebucket.sql of 0.2
-- ======================================================================

-- timebucket.sql: chunk arithmetic exposed to SQL (used by lakets itself).

CREATE OR REPLACE FUNCTION lakets._chunk_start(p_time timestamptz, p_chunk_interval interval)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'lakets_chunk_start'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION lakets._chunk_start(p_time timestamp, p_chunk_interval interval)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'lakets_chunk_start'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION lakets._chunk_start(p_time date, p_chunk_interval interval)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'lakets_chunk_start'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION lakets._chunk_start(timestamptz, interval) IS
	'UTC start of the chunk of width p_chunk_interval that holds p_time (a timestamp is read as UTC, a date as its midnight UTC).';

-- ======================================================================
-- extension/chronotable.sql of 0.2
-- ======================================================================

-- chronotable.sql: converting tables, dropping them, chunk settings.

CREATE OR REPLACE FUNCTION lakets.create_chronotable(
	p_table_name text,
	p_time_column text,
	p_chunk_interval interval DEFAULT '7 days',
	p_schema_name text DEFAULT 'public',
	p_if_not_exists boolean DEFAULT false,
	p_distribute_by text DEFAULT NULL)
RETURNS integer
AS 'MODULE_PATHNAME', 'lakets_create_chronotable'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.create_chronotable(text, text, interval, text, boolean, text) IS
	'Convert a regular table into a ChronoTable (RANGE partitions on p_time_column, one chunk per p_chunk_interval, aligned in UTC); returns its id. With Citus, a table distributed by a column is converted in place (same column, same co-location), and p_distribute_by distributes a local one by that column.';

CREATE OR REPLACE FUNCTION lakets.create_hypertable(
	p_table_name text,
	p_time_column text,
	p_chunk_interval interval DEFAULT '7 days',
	p_schema_name text DEFAULT 'public',
	p_if_not_exists boolean DEFAULT false)
RETURNS integer
AS 'MODULE_PATHNAME', 'lakets_create_chronotable'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.create_hypertable(text, text, interval, text, boolean) IS
	'The LakeTS toolkit''s earlier name of lakets.create_chronotable(), kept so that its callers work unchanged.';

CREATE OR REPLACE FUNCTION lakets.drop_chronotable(
	p_table_name text,
	p_schema_name text DEFAULT 'public')
RETURNS void
AS 'MODULE_PATHNAME', 'lakets_drop_chronotable'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.drop_chronotable(text, text) IS
	'Drop a ChronoTable: the table with all its chunks, and its registry entries.';

CREATE OR REPLACE FUNCTION lakets.set_chunk_interval(
	p_table_name text,
	p_chunk_interval interval,
	p_schema_name text DEFAULT 'public')
RETURNS void
AS 'MODULE_PATHNAME', 'lakets_set_chunk_interval'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.set_chunk_interval(text, interval, text) IS
	'Set the width of chunks created from now on; existing chunks keep their ranges.';

CREATE OR REPLACE FUNCTION lakets.set_chunk_window(
	p_table_name text,
	p_past_count integer,
	p_future_count integer,
	p_schema_name text DEFAULT 'public')
RETURNS void
AS 'MODULE_PATHNAME', 'lakets_set_chunk_window'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.set_chunk_window(text, integer, integer, text) IS
	'Set how many chunks before and after the current one ensure_partitions() keeps (default 1 and 3).';

CREATE OR REPLACE FUNCTION lakets._chronotable_id(p_table_name text, p_schema_name text DEFAULT 'public')
RETURNS integer
AS 'MODULE_PATHNAME', 'lakets_chronotable_id'
LANGUAGE C STABLE;

-- NULL for a caller who may read neither the chunk nor its ChronoTable
CREATE OR REPLACE FUNCTION lakets._chunk_row_count(p_chunk regclass)
RETURNS bigint
AS 'MODULE_PATHNAME', 'lakets_chunk_row_count'
LANGUAGE C VOLATILE STRICT;

-- pg_total_relation_size(), or citus_total_relation_size() for a Citus table
CREATE FUNCTION lakets._chunk_size(p_chunk regclass)
RETURNS bigint
AS 'MODULE_PATHNAME', 'lakets_chunk_size'
LANGUAGE C VOLATILE STRICT;

CREATE OR REPLACE FUNCTION lakets.show_chunks(
	p_table_name text,
	p_older_than interval DEFAULT NULL,
	p_newer_than interval DEFAULT NULL,
	p_schema_name text DEFAULT 'public',
	p_include_dropped boolean DEFAULT false)
RETURNS TABLE (
	chunk_name text,
	range_start timestamptz,
	range_end timestamptz,
	status text,
	row_count bigint,
	size_bytes bigint,
	created_at timestamptz)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT * FROM (
		-- the status as it is now: a chunk dropped or detached behind
		-- lakets' back shows so even before maintenance records it
		SELECT CASE WHEN c.oid IS NOT NULL
					THEN format('%I.%I', cn.nspname, c.relname)
					ELSE format('%I.%I', pn.nspname, m.chunk_name) END AS chunk_name,
			m.range_start, m.range_end,
			CASE WHEN m.status <> 'active' THEN m.status
				 WHEN c.oid IS NULL THEN 'dropped'
				 WHEN i.inhrelid IS NULL THEN 'detached'
				 ELSE 'active' END AS status,
			CASE WHEN i.inhrelid IS NULL THEN 0 ELSE lakets._chunk_row_count(c.oid) END,
			CASE WHEN i.inhrelid IS NULL THEN 0 ELSE lakets._chunk_size(c.oid) END,
			m.created_at
		FROM lakets._chunk_metadata m
		JOIN lakets._chronotable_registry r ON r.id = m.chronotable_id
		JOIN pg_class p ON p.oid = r.relid
		JOIN pg_namespace pn ON pn.oid = p.relnamespace
		LEFT JOIN pg_class c ON c.oid = m.chunk_relid
		LEFT JOIN pg_namespace cn ON cn.oid = c.relnamespace
		LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = r.relid
		WHERE m.chronotable_id = lakets._chronotable_id(p_table_name, p_schema_name)
		  AND (p_older_than IS NULL
			   OR m.range_end <= (now() AT TIME ZONE 'UTC' - p_older_than) AT TIME ZONE 'UTC')
		  AND (p_newer_than IS NULL
			   OR m.range_start >= (now() AT TIME ZONE 'UTC' - p_newer_than) AT TIME ZONE 'UTC')
	) chunks
	WHERE p_include_dropped OR chunks.status = 'active'
	ORDER BY chunks.range_start
$$;

COMMENT ON FUNCTION lakets.show_chunks(text, interval, interval, text, boolean) IS
	'The chunks of a ChronoTable (schema-qualified names), with row estimates and sizes: the live ones, or with p_include_dropped also those dropped (tombstones) and detached.';

CREATE OR REPLACE FUNCTION lakets.drop_chunks(
	p_table_name text,
	p_older_than interval,
	p_schema_name text DEFAULT 'public')
RETURNS integer
AS 'MODULE_PATHNAME', 'lakets_drop_chunks'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.drop_chunks(text, interval, text) IS
	'Drop the chunks whose whole range ends before now() - p_older_than, leaving tombstones; returns how many.';

-- ======================================================================
-- extension/ensure.sql of 0.2
-- ======================================================================

-- ensure.sql: keeping chunks ahead and draining the default partition.

CREATE OR REPLACE FUNCTION lakets.ensure_partitions(
	p_table_name text DEFAULT NULL,
	p_schema_name text DEFAULT 'public')
RETURNS integer
AS 'MODULE_PATHNAME', 'lakets_ensure_partitions'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION lakets.ensure_partitions(text, text) IS
	'Create the missing chunks of the window around now() (never re-creating a dropped one) and move rows out of the default partition, for one ChronoTable or all you own; returns the number of chunks created.';

CREATE OR REPLACE FUNCTION lakets._ensure_partitions(
	p_chronotable_id integer,
	p_past_count integer DEFAULT 1,
	p_future_count integer DEFAULT 3,
	p_range_start timestamptz DEFAULT NULL,
	p_range_end timestamptz DEFAULT NULL)
RETURNS integer
AS 'MODULE_PATHNAME', 'lakets_ensure_partitions_internal'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION lakets._ensure_partitions(integer, integer, integer, timestamptz, timestamptz) IS
	'Create the chunks of one ChronoTable for a window around now(), or for [p_range_start, p_range_end); returns the number created.';

-- ======================================================================
-- extension/timefuncs.sql of 0.2
-- ======================================================================

-- timefuncs.sql: the time-series functions of the LakeTS toolkit API, in C.
-- time_bucket() aligns in UTC on 2000-01-01 (or on p_origin), month widths
-- included, whatever the session TimeZone; the p_timezone variant buckets
-- by the wall clock of the named zone. See docs/functions.md.

CREATE OR REPLACE FUNCTION lakets.time_bucket(p_interval interval, p_timestamp timestamptz)
RETURNS timestamptz AS 'MODULE_PATHNAME', 'lakets_time_bucket_timestamp'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION lakets.time_bucket(p_interval interval, p_timestamp timestamp)
RETURNS timestamp AS 'MODULE_PATHNAME', 'lakets_time_bucket_timestamp'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION lakets.time_bucket(p_interval interval, p_timestamp date)
RETURNS date AS 'MODULE_PATHNAME', 'lakets_time_bucket'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION lakets.time_bucket(p_interval interval, p_timestamp timestamptz, p_origin timestamptz)
RETURNS timestamptz AS 'MODULE_PATHNAME', 'lakets_time_bucket_origin'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION lakets.time_bucket(p_interval interval, p_timestamp timestamp, p_origin timestamp)
RETURNS timestamp AS 'MODULE_PATHNAME', 'lakets_time_bucket_origin'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- IMMUTABLE although it reads the time zone database: the zone is an
-- argument, not the session's TimeZone (as for TimescaleDB's variant).
CREATE OR REPLACE FUNCTION lakets.time_bucket(p_interval interval, p_timestamp timestamptz, p_timezone text)
RETURNS timestamptz AS 'MODULE_PATHNAME', 'lakets_time_bucket_zone'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION lakets.time_bucket(p_interval interval, p_timestamp timestamptz, p_timezone text,
	p_origin timestamptz)
RETURNS timestamptz AS 'MODULE_PATHNAME', 'lakets_time_bucket_zone'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION lakets.time_bucket(interval, timestamptz) IS
	'Start of the bucket of width p_interval holding p_timestamp, aligned on 2000-01-01 00:00 UTC (months from January 2000), independent of the session TimeZone.';
COMMENT ON FUNCTION lakets.time_bucket(interval, timestamptz, text) IS
	'Start of the bucket of width p_interval holding p_timestamp on the wall clock of time zone p_timezone (days and months start at local midnight), aligned on 2000-01-01 00:00 local time.';

-- first() / last(): the value at the earliest / latest time of the group,
-- for any value type and a time of type timestamptz, timestamp, date or
-- bigint. NULL times are ignored (a NULL value is a value). On equal times
-- first() takes the smallest value and last() the largest, by the value
-- type's default sort order with NULL last: first() is the value of the
-- first row of ORDER BY time, value and last() that of the last row,
-- whatever the input order or the parallel split. C, parallel (combine,
-- serialize, deserialize). See extension/bookend.c.
CREATE OR REPLACE FUNCTION lakets._bookend_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'lakets_bookend_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lakets._bookend_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_bookend_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lakets._first_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_first_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lakets._last_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_last_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION lakets._first_sfunc(internal, anyelement, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_first_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lakets._last_sfunc(internal, anyelement, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_last_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lakets._bookend_final(internal, anyelement, timestamptz)
RETURNS anyelement AS 'MODULE_PATHNAME', 'lakets_bookend_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE lakets.first(value anyelement, "time" timestamptz) (
	SFUNC = lakets._first_sfunc, STYPE = internal,
	FINALFUNC = lakets._bookend_final, FINALFUNC_EXTRA,
	COMBINEFUNC = lakets._first_combine,
	SERIALFUNC = lakets._bookend_serialize, DESERIALFUNC = lakets._bookend_deserialize,
	PARALLEL = SAFE
);

CREATE AGGREGATE lakets.last(value anyelement, "time" timestamptz) (
	SFUNC = lakets._last_sfunc, STYPE = internal,
	FINALFUNC = lakets._bookend_final, FINALFUNC_EXTRA,
	COMBINEFUNC = lakets._last_combine,
	SERIALFUNC = lakets._bookend_serialize, DESERIALFUNC = lakets._bookend_deserialize,
	PARALLEL = SAFE
);

CREATE OR REPLACE FUNCTION lakets._first_sfunc(internal, anyelement, timestamp)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_first_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lakets._last_sfunc(internal, anyelement, timestamp)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_last_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lakets._bookend_final(internal, anyelement, timestamp)
RETURNS anyelement AS 'MODULE_PATHNAME', 'lakets_bookend_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE lakets.first(value anyelement, "time" timestamp) (
	SFUNC = lakets._first_sfunc, STYPE = internal,
	FINALFUNC = lakets._bookend_final, FINALFUNC_EXTRA,
	COMBINEFUNC = lakets._first_combine,
	SERIALFUNC = lakets._bookend_serialize, DESERIALFUNC = lakets._bookend_deserialize,
	PARALLEL = SAFE
);

CREATE AGGREGATE lakets.last(value anyelement, "time" timestamp) (
	SFUNC = lakets._last_sfunc, STYPE = internal,
	FINALFUNC = lakets._bookend_final, FINALFUNC_EXTRA,
	COMBINEFUNC = lakets._last_combine,
	SERIALFUNC = lakets._bookend_serialize, DESERIALFUNC = lakets._bookend_deserialize,
	PARALLEL = SAFE
);

CREATE OR REPLACE FUNCTION lakets._first_sfunc(internal, anyelement, date)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_first_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lakets._last_sfunc(internal, anyelement, date)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_last_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lakets._bookend_final(internal, anyelement, date)
RETURNS anyelement AS 'MODULE_PATHNAME', 'lakets_bookend_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE lakets.first(value anyelement, "time" date) (
	SFUNC = lakets._first_sfunc, STYPE = internal,
	FINALFUNC = lakets._bookend_final, FINALFUNC_EXTRA,
	COMBINEFUNC = lakets._first_combine,
	SERIALFUNC = lakets._bookend_serialize, DESERIALFUNC = lakets._bookend_deserialize,
	PARALLEL = SAFE
);

CREATE AGGREGATE lakets.last(value anyelement, "time" date) (
	SFUNC = lakets._last_sfunc, STYPE = internal,
	FINALFUNC = lakets._bookend_final, FINALFUNC_EXTRA,
	COMBINEFUNC = lakets._last_combine,
	SERIALFUNC = lakets._bookend_serialize, DESERIALFUNC = lakets._bookend_deserialize,
	PARALLEL = SAFE
);

CREATE OR REPLACE FUNCTION lakets._first_sfunc(internal, anyelement, bigint)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_first_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lakets._last_sfunc(internal, anyelement, bigint)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_last_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lakets._bookend_final(internal, anyelement, bigint)
RETURNS anyelement AS 'MODULE_PATHNAME', 'lakets_bookend_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE lakets.first(value anyelement, "time" bigint) (
	SFUNC = lakets._first_sfunc, STYPE = internal,
	FINALFUNC = lakets._bookend_final, FINALFUNC_EXTRA,
	COMBINEFUNC = lakets._first_combine,
	SERIALFUNC = lakets._bookend_serialize, DESERIALFUNC = lakets._bookend_deserialize,
	PARALLEL = SAFE
);

CREATE AGGREGATE lakets.last(value anyelement, "time" bigint) (
	SFUNC = lakets._last_sfunc, STYPE = internal,
	FINALFUNC = lakets._bookend_final, FINALFUNC_EXTRA,
	COMBINEFUNC = lakets._last_combine,
	SERIALFUNC = lakets._bookend_serialize, DESERIALFUNC = lakets._bookend_deserialize,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE lakets.first(anyelement, timestamptz) IS
	'The value at the earliest non-NULL time; on equal times the smallest value (NULL last).';
COMMENT ON AGGREGATE lakets.last(anyelement, timestamptz) IS
	'The value at the latest non-NULL time; on equal times the largest value (NULL last).';

-- time_bucket_gapfill(): every bucket start from the bucket of p_start to
-- the bucket of p_finish, both included.
CREATE OR REPLACE FUNCTION lakets.time_bucket_gapfill(p_interval interval, p_start timestamptz, p_finish timestamptz)
RETURNS SETOF timestamptz AS 'MODULE_PATHNAME', 'lakets_time_bucket_gapfill'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 100;

-- locf_agg(value) OVER (ORDER BY ...): the last non-NULL value so far.
CREATE OR REPLACE FUNCTION lakets._locf_sfunc(anyelement, anyelement)
RETURNS anyelement AS 'MODULE_PATHNAME', 'lakets_locf_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE lakets.locf_agg(value anyelement) (
	SFUNC = lakets._locf_sfunc, STYPE = anyelement, PARALLEL = SAFE
);
COMMENT ON AGGREGATE lakets.locf_agg(anyelement) IS
	'As a window function (OVER (ORDER BY bucket)): the last non-NULL value up to the current row, carried over any run of NULLs.';

-- The toolkit's scalar helpers, same signatures and NULL behaviour.
CREATE OR REPLACE FUNCTION lakets.locf(p_value double precision, p_prev_value double precision DEFAULT NULL)
RETURNS double precision AS 'MODULE_PATHNAME', 'lakets_locf'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION lakets.interpolate(p_value double precision, p_prev_value double precision,
	p_next_value double precision, p_prev_time timestamptz, p_curr_time timestamptz,
	p_next_time timestamptz)
RETURNS double precision AS 'MODULE_PATHNAME', 'lakets_interpolate'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION lakets.delta(p_value double precision, p_prev_value double precision,
	p_handle_resets boolean DEFAULT true)
RETURNS double precision AS 'MODULE_PATHNAME', 'lakets_delta'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION lakets.rate(p_value double precision, p_prev_value double precision,
	p_time timestamptz, p_prev_time timestamptz, p_handle_resets boolean DEFAULT true)
RETURNS double precision AS 'MODULE_PATHNAME', 'lakets_rate'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE OR REPLACE FUNCTION lakets.histogram(p_value double precision, p_min double precision,
	p_max double precision, p_num_buckets integer)
RETURNS integer AS 'MODULE_PATHNAME', 'lakets_histogram'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- ======================================================================
-- extension/rollup.sql of 0.2
-- ======================================================================

-- rollup.sql: RollUps, their invalidation logs, and their SQL API.

CREATE TABLE lakets._rollup_registry (
	id					serial PRIMARY KEY,
	name				text NOT NULL UNIQUE,
	query				text NOT NULL,		-- as given to create_rollup()
	source_relid		regclass NOT NULL,
	source_time_column	name NOT NULL,
	source_time_type	text NOT NULL,
	source_rollup_id	integer,	-- kept consistent by lakets (no self-reference: pg_dump warns)
	rollup_relid		regclass NOT NULL UNIQUE,
	view_relid			regclass,			-- the real-time view, while it exists
	-- the query over a window of the source: a SQL-standard function body,
	-- stored parsed, so that renames of anything it reads just work
	refresh_function	regprocedure NOT NULL,
	bucket_column		name NOT NULL,
	bucket_type			text NOT NULL,
	bucket_interval		interval NOT NULL,
	bucket_origin		timestamptz NOT NULL DEFAULT '2000-01-01 00:00+00',
	-- time_bucket(width, t, zone): the zone; bucket_origin is then the local
	-- wall-clock time the buckets are aligned on (NULL: UTC buckets)
	bucket_timezone		text,
	depends_on			text[] NOT NULL DEFAULT '{}',
	refresh_lag			interval NOT NULL DEFAULT '0' CHECK (refresh_lag >= '0'),
	invalidation_enabled boolean NOT NULL DEFAULT true,
	watermark			timestamptz,
	last_refresh		timestamptz,
	dropped_before		timestamptz,
	created_at			timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX ON lakets._rollup_registry (source_relid);

COMMENT ON TABLE lakets._rollup_registry IS
	'One row per RollUp: its query, the refresh statement derived from it, its bucket, dependencies and refresh state.';

-- Written at commit by the invalidation trigger: no foreign key and no
-- trigger, so that nothing runs user code at that point (invalidation.c).
CREATE TABLE lakets._source_invalidation_log (
	source_relid		regclass NOT NULL,
	range_start			timestamptz NOT NULL,
	range_end			timestamptz NOT NULL,
	logged_at			timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX ON lakets._source_invalidation_log (source_relid);

CREATE TABLE lakets._rollup_invalidation_log (
	id					bigserial PRIMARY KEY,
	rollup_id			integer NOT NULL REFERENCES lakets._rollup_registry (id) ON DELETE CASCADE,
	range_start			timestamptz NOT NULL,
	range_end			timestamptz NOT NULL,
	logged_at			timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX ON lakets._rollup_invalidation_log (rollup_id);

-- Tail entries, [start, infinity): one covers the recent changes of many
-- transactions (tail.c). A committing transaction that relies on one holds
-- ACCESS SHARE on _invalidation_writers (a lock target, nothing more) until
-- its commit; a refresh waits for those holders before consuming tails.
CREATE INDEX _source_invalidation_log_tail ON lakets._source_invalidation_log (source_relid, range_start)
	WHERE range_end = 'infinity';
CREATE TABLE lakets._invalidation_writers ();

COMMENT ON TABLE lakets._invalidation_writers IS
	'A lock target only: transactions relying on a tail entry of the invalidation log hold ACCESS SHARE on it until they commit.';

SELECT pg_catalog.pg_extension_config_dump('lakets._rollup_registry', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._rollup_registry_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._source_invalidation_log', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._rollup_invalidation_log', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._rollup_invalidation_log_id_seq', '');

REVOKE ALL ON lakets._rollup_registry, lakets._source_invalidation_log,
	lakets._rollup_invalidation_log, lakets._invalidation_writers FROM PUBLIC;
GRANT SELECT ON lakets._rollup_registry, lakets._source_invalidation_log,
	lakets._rollup_invalidation_log TO PUBLIC;

CREATE OR REPLACE FUNCTION lakets._invalidation_trigger()
RETURNS trigger AS 'MODULE_PATHNAME', 'lakets_invalidation_trigger'
LANGUAGE C;

CREATE OR REPLACE FUNCTION lakets.create_rollup(
	p_name text,
	p_query text,
	p_bucket_interval interval DEFAULT '1 hour',
	p_source_table text DEFAULT NULL,
	p_source_schema text DEFAULT 'public',
	p_depends_on text[] DEFAULT '{}')
RETURNS integer AS 'MODULE_PATHNAME', 'lakets_create_rollup'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.create_rollup(text, text, interval, text, text, text[]) IS
	'Create a RollUp: table _rollup_<name> holding p_query (an aggregate over one ChronoTable or RollUp, grouped by a time bucket), kept current incrementally; returns its id.';

CREATE OR REPLACE FUNCTION lakets.drop_rollup(p_name text)
RETURNS void AS 'MODULE_PATHNAME', 'lakets_drop_rollup'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION lakets.refresh_rollup(p_name text)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_refresh_rollup'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.refresh_rollup(text) IS
	'Recompute the buckets of a RollUp whose source rows changed; false when there was nothing to do or the refresh was skipped.';

CREATE OR REPLACE FUNCTION lakets.refresh_rollup_cascade(
	p_name text DEFAULT NULL,
	p_include_dependents boolean DEFAULT false)
RETURNS TABLE (rollup_name text, refreshed boolean, refresh_ms float8)
AS 'MODULE_PATHNAME', 'lakets_refresh_rollup_cascade'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.refresh_rollup_cascade(text, boolean) IS
	'Refresh the RollUps a RollUp depends on, directly or not, then it (then those depending on it, with p_include_dependents), in dependency order; all RollUps when p_name is NULL.';

CREATE OR REPLACE FUNCTION lakets.invalidate_rollup_range(
	p_name text,
	p_from timestamptz,
	p_to timestamptz,
	p_tier text DEFAULT NULL)
RETURNS integer AS 'MODULE_PATHNAME', 'lakets_invalidate_rollup_range'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.invalidate_rollup_range(text, timestamptz, timestamptz, text) IS
	'Mark [p_from, p_to) of a RollUp for recomputation at its next refresh (p_tier: NULL or ''hot'', the only tier of lakets); returns how many ranges were logged.';

CREATE OR REPLACE FUNCTION lakets.enable_rollup_invalidation(p_rollup_name text)
RETURNS void AS 'MODULE_PATHNAME', 'lakets_enable_rollup_invalidation'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION lakets.disable_rollup_invalidation(p_rollup_name text)
RETURNS void AS 'MODULE_PATHNAME', 'lakets_disable_rollup_invalidation'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION lakets.set_rollup_refresh_lag(p_name text, p_refresh_lag interval)
RETURNS void AS 'MODULE_PATHNAME', 'lakets_set_rollup_refresh_lag'
LANGUAGE C VOLATILE;

-- The row filter of a refresh restricted to its dirty buckets (inranges.c):
-- p_time <@ p_ranges, with the ranges unpacked once per query, estimated
-- by the planner as that operator is.
CREATE FUNCTION lakets._in_ranges_support(internal)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_in_ranges_support'
LANGUAGE C STRICT;

CREATE FUNCTION lakets._in_ranges(p_time timestamptz, p_ranges tstzmultirange)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_in_ranges'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lakets._in_ranges(p_time timestamp, p_ranges tsmultirange)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_in_ranges'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lakets._in_ranges(p_time date, p_ranges datemultirange)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_in_ranges'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- only a superuser may attach a support function: without it, a default
-- estimate
DO $$
BEGIN
	IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
		ALTER FUNCTION lakets._in_ranges(timestamptz, tstzmultirange) SUPPORT lakets._in_ranges_support;
		ALTER FUNCTION lakets._in_ranges(timestamp, tsmultirange) SUPPORT lakets._in_ranges_support;
		ALTER FUNCTION lakets._in_ranges(date, datemultirange) SUPPORT lakets._in_ranges_support;
	END IF;
END
$$;

CREATE OR REPLACE FUNCTION lakets._rollup_watermark(p_name text)
RETURNS timestamptz AS 'MODULE_PATHNAME', 'lakets_rollup_watermark'
LANGUAGE C STABLE;

COMMENT ON FUNCTION lakets._rollup_watermark(text) IS
	'Start of the latest materialized bucket of a RollUp (-infinity when none): the real-time view aggregates the source live from there on.';

-- The planner sees a constant watermark (refresh.c): right estimates and
-- chunk pruning for the real-time view's live part. Only a superuser may
-- attach a support function; without it the watermark is read at run time.
CREATE FUNCTION lakets._rollup_watermark_support(internal)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_rollup_watermark_support'
LANGUAGE C STRICT;

DO $$
BEGIN
	IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
		ALTER FUNCTION lakets._rollup_watermark(text) SUPPORT lakets._rollup_watermark_support;
	END IF;
END
$$;

CREATE OR REPLACE FUNCTION lakets.create_rollup_view(p_name text, p_raw_query text DEFAULT NULL)
RETURNS void AS 'MODULE_PATHNAME', 'lakets_create_rollup_view'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION lakets.show_rollups()
RETURNS TABLE (name text, rollup_table text, realtime_view text, bucket_interval interval,
	refresh_mode text, refresh_lag interval, watermark timestamptz,
	last_refreshed_at timestamptz, source_table text, bucket_column text,
	depends_on integer[], export_enabled boolean,
	rollup_schema text, depends_on_names text[], invalidation_enabled boolean,
	pending_ranges bigint, row_count bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT r.name, t.relname::text, v.relname::text, r.bucket_interval,
		'incremental', r.refresh_lag, r.watermark, r.last_refresh,
		format('%s.%s', sn.nspname, s.relname), r.bucket_column::text,
		ARRAY(SELECT d.id FROM lakets._rollup_registry d
			  WHERE d.name = ANY (r.depends_on) ORDER BY d.id),
		false,
		tn.nspname::text, r.depends_on, r.invalidation_enabled,
		(SELECT count(*) FROM lakets._rollup_invalidation_log l WHERE l.rollup_id = r.id)
		+ CASE WHEN r.invalidation_enabled THEN
			(SELECT count(*) FROM lakets._source_invalidation_log sl
			 WHERE sl.source_relid = r.source_relid)
		  ELSE 0 END,
		coalesce(lakets._chunk_row_count(r.rollup_relid), 0)
	FROM lakets._rollup_registry r
	LEFT JOIN pg_class t ON t.oid = r.rollup_relid
	LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
	LEFT JOIN pg_class v ON v.oid = r.view_relid
	LEFT JOIN pg_class s ON s.oid = r.source_relid
	LEFT JOIN pg_namespace sn ON sn.oid = s.relnamespace
	ORDER BY r.name
$$;

COMMENT ON FUNCTION lakets.show_rollups() IS
	'Every RollUp: the LakeTS toolkit''s columns (refresh_mode is always incremental, export_enabled always false), then its schema, the names it depends on, whether changes are tracked, the pending invalidation ranges and its row estimate.';

CREATE OR REPLACE FUNCTION lakets.show_rollup_dag()
RETURNS TABLE (rollup_name text, depends_on_names text[], refresh_order integer,
	bucket_interval interval, last_refreshed timestamptz, level integer)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH RECURSIVE deps AS (
		SELECT r.name, 0 AS level, ARRAY[r.name] AS path
		FROM lakets._rollup_registry r WHERE r.depends_on = '{}'
		UNION ALL
		SELECT r.name, d.level + 1, d.path || r.name
		FROM lakets._rollup_registry r JOIN deps d ON d.name = ANY (r.depends_on)
		WHERE NOT r.name = ANY (d.path)
	), levels AS (
		SELECT name, max(level) AS level FROM deps GROUP BY name
	)
	SELECT r.name, r.depends_on,
		(row_number() OVER (ORDER BY l.level, r.name))::integer,
		r.bucket_interval, r.last_refresh, l.level
	FROM lakets._rollup_registry r JOIN levels l ON l.name = r.name
	ORDER BY l.level, r.name
$$;
COMMENT ON FUNCTION lakets.show_rollup_dag() IS
	'Each RollUp in refresh order: the RollUps it depends on, its place in the order, its bucket, its last refresh and its level in the dependency graph (0 = reads a ChronoTable only).';

-- Called from the WHEN clause of a source's invalidation triggers; they
-- record the time and return false, so no trigger event is queued.
CREATE OR REPLACE FUNCTION lakets._note_change(p_source regclass, p_time timestamptz, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_change' LANGUAGE C VOLATILE;
CREATE OR REPLACE FUNCTION lakets._note_change(p_source regclass, p_time timestamp, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_change' LANGUAGE C VOLATILE;
CREATE OR REPLACE FUNCTION lakets._note_change(p_source regclass, p_time date, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_change' LANGUAGE C VOLATILE;
CREATE OR REPLACE FUNCTION lakets._note_changes(p_source regclass, p_old timestamptz, p_new timestamptz, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_changes' LANGUAGE C VOLATILE;
CREATE OR REPLACE FUNCTION lakets._note_changes(p_source regclass, p_old timestamp, p_new timestamp, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_changes' LANGUAGE C VOLATILE;
CREATE OR REPLACE FUNCTION lakets._note_changes(p_source regclass, p_old date, p_new date, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_changes' LANGUAGE C VOLATILE;

-- Citus (docs/citus.md): the triggers on a distributed source's shards run
-- on the workers, where lakets' registry is empty. Their WHEN clause names
-- the worker's copy of the source (for the caller's right) and carries the
-- coordinator's OID of it; at commit the ranges go to the worker's
-- _shard_invalidation_log, which the coordinator collects before a refresh
-- (shardlog.c). _shard_log_collected lists, on the coordinator, the rows it
-- collected that the workers have not deleted yet.
CREATE TABLE lakets._shard_invalidation_log (
	id					bigserial PRIMARY KEY,
	shell_relid			regclass NOT NULL,
	source_relid		oid NOT NULL,
	range_start			timestamptz NOT NULL,
	range_end			timestamptz NOT NULL,
	logged_at			timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE TABLE lakets._shard_log_collected (
	node_name			text NOT NULL,
	node_port			integer NOT NULL,
	id					bigint NOT NULL
);
REVOKE ALL ON lakets._shard_invalidation_log, lakets._shard_log_collected FROM PUBLIC;
GRANT SELECT ON lakets._shard_invalidation_log, lakets._shard_log_collected TO PUBLIC;

CREATE OR REPLACE FUNCTION lakets._note_shard_change(p_shell regclass, p_source oid, p_time timestamptz, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_shard_change' LANGUAGE C VOLATILE;
CREATE OR REPLACE FUNCTION lakets._note_shard_change(p_shell regclass, p_source oid, p_time timestamp, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_shard_change' LANGUAGE C VOLATILE;
CREATE OR REPLACE FUNCTION lakets._note_shard_change(p_shell regclass, p_source oid, p_time date, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_shard_change' LANGUAGE C VOLATILE;
CREATE OR REPLACE FUNCTION lakets._note_shard_changes(p_shell regclass, p_source oid, p_old timestamptz, p_new timestamptz, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_shard_changes' LANGUAGE C VOLATILE;
CREATE OR REPLACE FUNCTION lakets._note_shard_changes(p_shell regclass, p_source oid, p_old timestamp, p_new timestamp, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_shard_changes' LANGUAGE C VOLATILE;
CREATE OR REPLACE FUNCTION lakets._note_shard_changes(p_shell regclass, p_source oid, p_old date, p_new date, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_shard_changes' LANGUAGE C VOLATILE;
-- Run on a worker by the coordinator: delete the collected rows of sources
-- the caller owns (or that are gone).
CREATE OR REPLACE FUNCTION lakets._forget_shard_invalidations(p_ids bigint[])
RETURNS bigint AS 'MODULE_PATHNAME', 'lakets_forget_shard_invalidations' LANGUAGE C VOLATILE STRICT;

-- ======================================================================
-- extension/retention.sql of 0.2
-- ======================================================================

-- retention.sql: retention policies for ChronoTables and RollUp tables.

CREATE TABLE lakets._retention_policy (
	id				serial PRIMARY KEY,
	relid			regclass NOT NULL UNIQUE,
	drop_after		interval NOT NULL CHECK (drop_after > '0'),
	last_run_at		timestamptz,		-- last applied, not as a dry run
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now()
);

COMMENT ON TABLE lakets._retention_policy IS
	'One retention policy per ChronoTable or RollUp table: data older than drop_after is dropped.';

SELECT pg_catalog.pg_extension_config_dump('lakets._retention_policy', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._retention_policy_id_seq', '');
REVOKE ALL ON lakets._retention_policy FROM PUBLIC;
GRANT SELECT ON lakets._retention_policy TO PUBLIC;

CREATE OR REPLACE FUNCTION lakets.add_retention_policy(
	p_table_name text,
	p_drop_after interval,
	p_schema_name text DEFAULT 'public')
RETURNS integer AS 'MODULE_PATHNAME', 'lakets_add_retention_policy'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.add_retention_policy(text, interval, text) IS
	'Drop the data of a ChronoTable or RollUp table once it is older than p_drop_after; one policy per table. Returns the policy id.';

CREATE OR REPLACE FUNCTION lakets.alter_retention_policy(
	p_table_name text,
	p_drop_after interval,
	p_schema_name text DEFAULT 'public')
RETURNS void AS 'MODULE_PATHNAME', 'lakets_alter_retention_policy'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION lakets.remove_retention_policy(
	p_table_name text,
	p_schema_name text DEFAULT 'public')
RETURNS void AS 'MODULE_PATHNAME', 'lakets_remove_retention_policy'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION lakets.show_retention_policy(
	p_table_name text DEFAULT NULL,
	p_schema_name text DEFAULT 'public')
RETURNS TABLE (policy_id integer, policy_type text, drop_after text, tier_after text,
	enabled boolean, last_run_at timestamptz,
	schema_name text, table_name text, kind text, cutoff timestamptz, created_at timestamptz)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT p.id, 'retention', p.drop_after::text, NULL::text, true, p.last_run_at,
		n.nspname::text, c.relname::text,
		CASE WHEN EXISTS (SELECT 1 FROM lakets._rollup_registry r WHERE r.rollup_relid = p.relid)
			 THEN 'rollup' ELSE 'chronotable' END,
		(now() AT TIME ZONE 'UTC' - p.drop_after) AT TIME ZONE 'UTC',
		p.created_at
	FROM lakets._retention_policy p
	JOIN pg_class c ON c.oid = p.relid
	JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE p_table_name IS NULL
	   OR (c.relname = p_table_name AND n.nspname = p_schema_name)
	ORDER BY n.nspname, c.relname
$$;

COMMENT ON FUNCTION lakets.show_retention_policy(text, text) IS
	'The retention policy of a table (all policies when p_table_name is NULL): the LakeTS toolkit''s columns (tiering is not part of lakets: tier_after is NULL), then the table, its kind and the current cutoff.';

CREATE OR REPLACE FUNCTION lakets.execute_retention(
	p_table_name text DEFAULT NULL,
	p_schema_name text DEFAULT 'public',
	p_force boolean DEFAULT false)
RETURNS integer AS 'MODULE_PATHNAME', 'lakets_execute_retention'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION lakets.execute_retention(text, text, boolean) IS
	'Apply the retention policy of one table, or of all (NULL); returns the number of chunks dropped.';

CREATE OR REPLACE FUNCTION lakets.enforce_retention(p_dry_run boolean DEFAULT false)
RETURNS TABLE (table_name text, chunk_name text, range_start timestamptz,
	range_end timestamptz, action text)
AS 'MODULE_PATHNAME', 'lakets_enforce_retention'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION lakets.enforce_retention(boolean) IS
	'Apply every retention policy; one row per chunk considered with what was done (dropped, would_drop, skipped_locked, skipped_rollup_pending, error ...).';

-- ======================================================================
-- extension/maintenance.sql of 0.2
-- ======================================================================

-- maintenance.sql: one call for schedulers, its history, and pg_cron.

CREATE TABLE lakets.job_history (
	id					bigserial PRIMARY KEY,
	job					text NOT NULL,
	started				timestamptz NOT NULL,
	finished			timestamptz NOT NULL,
	status				text NOT NULL
		CHECK (status IN ('succeeded', 'partial', 'skipped')),
	chunks_created		integer NOT NULL DEFAULT 0,
	rollups_refreshed	integer NOT NULL DEFAULT 0,
	chunks_dropped		integer NOT NULL DEFAULT 0,
	skipped				integer NOT NULL DEFAULT 0,
	errors				integer NOT NULL DEFAULT 0,
	error_text			text,
	run_by				name NOT NULL DEFAULT current_user
);
CREATE INDEX ON lakets.job_history (started);

COMMENT ON TABLE lakets.job_history IS
	'One row per lakets.run_maintenance() run: what it did, what it skipped, and the first error.';

SELECT pg_catalog.pg_extension_config_dump('lakets.job_history', '');
SELECT pg_catalog.pg_extension_config_dump('lakets.job_history_id_seq', '');
REVOKE ALL ON lakets.job_history FROM PUBLIC;
GRANT SELECT ON lakets.job_history TO PUBLIC;

CREATE OR REPLACE FUNCTION lakets.run_maintenance(p_job text DEFAULT 'maintenance')
RETURNS TABLE (step text, object text, action text, detail text)
AS 'MODULE_PATHNAME', 'lakets_run_maintenance'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION lakets.run_maintenance(text) IS
	'Ensure partitions, refresh RollUps in dependency order, enforce retention (p_job: maintenance, partitions, rollups or retention); one row per action, recorded in lakets.job_history.';

CREATE OR REPLACE FUNCTION lakets.schedule_maintenance(
	p_schedule text DEFAULT '*/15 * * * *',
	p_job text DEFAULT 'maintenance')
RETURNS bigint AS 'MODULE_PATHNAME', 'lakets_schedule_maintenance'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.schedule_maintenance(text, text) IS
	'Schedule a lakets job (maintenance, partitions, rollups, retention) with pg_cron in this database, replacing an earlier one of the same job; returns the pg_cron job id.';

CREATE OR REPLACE FUNCTION lakets.unschedule_maintenance(p_job text DEFAULT NULL)
RETURNS integer AS 'MODULE_PATHNAME', 'lakets_unschedule_maintenance'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.unschedule_maintenance(text) IS
	'Remove the pg_cron job of a lakets job, or all lakets jobs of this database (NULL); returns how many were removed.';

-- No SET clause: it would make the procedure atomic (no COMMIT). It sets
-- search_path locally in each of its transactions instead.
CREATE OR REPLACE PROCEDURE lakets.maintain(p_job text DEFAULT 'maintenance')
AS 'MODULE_PATHNAME', 'lakets_maintain'
LANGUAGE C;

COMMENT ON PROCEDURE lakets.maintain(text) IS
	'run_maintenance() as a procedure: CALLed outside a transaction block it commits after each table and RollUp, so that each lock it takes is released as soon as that table is done. Actions worth knowing are NOTICEs; lakets.job_history gets the run.';

-- Forgetting what was dropped behind lakets' back: the registry rows of
-- relations that no longer exist go at once where this event trigger
-- exists, otherwise on the next maintenance run that meets them. Only a
-- superuser may create an event trigger, so an install by anyone else goes
-- without it (nothing depends on it).
CREATE OR REPLACE FUNCTION lakets._forget_dropped()
RETURNS event_trigger AS 'MODULE_PATHNAME', 'lakets_forget_dropped'
LANGUAGE C;

-- (the DO block creating the event trigger comes at the end)


-- ======================================================================
-- extension/lvc.sql of 0.2
-- ======================================================================

-- lvc.sql: the Last Value Cache (extension/lvc.c). A cache table per
-- ChronoTable holds, for each key, the values of its row with the newest
-- time; row triggers note what a statement writes and a statement trigger
-- writes it to the cache once per key.

CREATE TABLE lakets._lvc_registry (
	id				serial PRIMARY KEY,
	-- the source goes, its LVC goes (with its cache table, see lvc.c)
	chronotable_id	integer NOT NULL UNIQUE
		REFERENCES lakets._chronotable_registry (id) ON DELETE CASCADE,
	source_relid	regclass NOT NULL UNIQUE,
	cache_relid		regclass NOT NULL UNIQUE,
	cache_table_name name NOT NULL,		-- the name it was created with
	key_columns		text[] NOT NULL,	-- as given to enable_lvc()
	value_columns	text[] NOT NULL,
	-- the same columns by number: the source's columns may be renamed
	key_attnums		int2[] NOT NULL,
	value_attnums	int2[] NOT NULL,
	enabled			boolean NOT NULL DEFAULT true,
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now()
);

COMMENT ON TABLE lakets._lvc_registry IS
	'One row per ChronoTable with a Last Value Cache: its cache table, key and value columns.';

SELECT pg_catalog.pg_extension_config_dump('lakets._lvc_registry', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._lvc_registry_id_seq', '');
REVOKE ALL ON lakets._lvc_registry FROM PUBLIC;
GRANT SELECT ON lakets._lvc_registry TO PUBLIC;

CREATE OR REPLACE FUNCTION lakets.enable_lvc(
	p_table_name text,
	p_key_columns text[],
	p_value_columns text[],
	p_schema_name text DEFAULT 'public')
RETURNS void
AS 'MODULE_PATHNAME', 'lakets_enable_lvc'
LANGUAGE C;

COMMENT ON FUNCTION lakets.enable_lvc(text, text[], text[], text) IS
	'Create the Last Value Cache of a ChronoTable: <schema>._lvc_<table>, one row per key with the values of its newest row, filled from the rows there are and kept up to date by triggers.';

CREATE OR REPLACE FUNCTION lakets.disable_lvc(
	p_table_name text,
	p_schema_name text DEFAULT 'public')
RETURNS void
AS 'MODULE_PATHNAME', 'lakets_disable_lvc'
LANGUAGE C;

COMMENT ON FUNCTION lakets.disable_lvc(text, text) IS
	'Drop the Last Value Cache of a ChronoTable: its triggers and its cache table.';

CREATE OR REPLACE FUNCTION lakets.latest_values(
	p_table_name text,
	p_schema_name text DEFAULT 'public')
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lakets_latest_values'
LANGUAGE C STABLE;

COMMENT ON FUNCTION lakets.latest_values(text, text) IS
	'The rows of a ChronoTable''s Last Value Cache, newest first: its key columns, value columns and last_updated (the time of the row cached). Call it with a column definition list.';

CREATE OR REPLACE FUNCTION lakets.lvc_stats()
RETURNS TABLE (
	chronotable text,
	cache_table text,
	cached_series bigint,
	key_columns text,
	value_columns text,
	enabled boolean)
AS 'MODULE_PATHNAME', 'lakets_lvc_stats'
LANGUAGE C STABLE;

COMMENT ON FUNCTION lakets.lvc_stats() IS
	'Every Last Value Cache: its ChronoTable, cache table, number of keys cached (NULL where the caller may not read the ChronoTable), key and value columns.';

-- What the triggers call. _lvc_note(source, nkeys, time, keys..., values...)
-- and _lvc_forget(source, nkeys, time, keys...) run in the WHEN clause of
-- the row triggers and return false (no trigger event is ever queued);
-- _lvc_trigger() is the statement trigger that writes to the cache.
CREATE OR REPLACE FUNCTION lakets._lvc_note(regclass, integer, VARIADIC "any")
RETURNS boolean
AS 'MODULE_PATHNAME', 'lakets_lvc_note'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION lakets._lvc_forget(regclass, integer, VARIADIC "any")
RETURNS boolean
AS 'MODULE_PATHNAME', 'lakets_lvc_forget'
LANGUAGE C VOLATILE;

CREATE OR REPLACE FUNCTION lakets._lvc_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'lakets_lvc_trigger'
LANGUAGE C;

-- ======================================================================
-- extension/ingest.sql of 0.2
-- ======================================================================

-- ingest.sql: batch ingest (extension/ingest.c). Both functions insert as
-- the caller, with the caller's rights.

CREATE OR REPLACE FUNCTION lakets.ingest_batch(
	p_table_name text,
	p_data jsonb,
	p_schema_name text DEFAULT 'public')
RETURNS integer
AS 'MODULE_PATHNAME', 'lakets_ingest_batch'
LANGUAGE C;

COMMENT ON FUNCTION lakets.ingest_batch(text, jsonb, text) IS
	'Insert the objects of a JSON array as rows of a table (keys are column names, values typed by the columns) in one statement; returns the number of rows inserted. A bad element fails the whole batch, with its position in the error.';

CREATE OR REPLACE FUNCTION lakets.ingest_prometheus(
	p_table_name text,
	p_metric_name text,
	p_labels jsonb,
	p_value double precision,
	p_timestamp timestamptz DEFAULT pg_catalog.now(),
	p_schema_name text DEFAULT 'public')
RETURNS void
AS 'MODULE_PATHNAME', 'lakets_ingest_prometheus'
LANGUAGE C;

COMMENT ON FUNCTION lakets.ingest_prometheus(text, text, jsonb, double precision, timestamptz, text) IS
	'Insert one Prometheus-style sample into a table with the columns time, metric_name, labels (jsonb) and value.';

-- ======================================================================
-- extension/metric_table.sql of 0.2
-- ======================================================================

-- metric_table.sql: metric tables (TEXT tags, DOUBLE PRECISION fields) and
-- the cardinality of their tags.

CREATE OR REPLACE FUNCTION lakets.create_metric_table(
	p_table_name text,
	p_tag_columns text[],
	p_field_columns text[],
	p_chunk_interval interval DEFAULT '1 day',
	p_schema_name text DEFAULT 'public')
RETURNS integer AS 'MODULE_PATHNAME', 'lakets_create_metric_table'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.create_metric_table(text, text[], text[], interval, text) IS
	'Create a ChronoTable ("time" timestamptz, tags text NOT NULL, fields double precision) with an index on (tags..., time DESC) and a BRIN index on time; returns its id.';

CREATE OR REPLACE FUNCTION lakets.cardinality_stats(
	p_table_name text,
	p_schema_name text DEFAULT 'public')
RETURNS TABLE (column_name text, distinct_values bigint, total_rows bigint,
	pct_of_rows numeric)
AS 'MODULE_PATHNAME', 'lakets_cardinality_stats'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.cardinality_stats(text, text) IS
	'For each text column (tag) of a table: its distinct values, the rows of the table and the ratio in percent (exact counts).';

CREATE OR REPLACE FUNCTION lakets.cardinality_check(
	p_table_name text,
	p_max_series bigint DEFAULT 100000,
	p_schema_name text DEFAULT 'public')
RETURNS TABLE (status text, combined_cardinality bigint, max_allowed bigint,
	tag_columns text)
AS 'MODULE_PATHNAME', 'lakets_cardinality_check'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.cardinality_check(text, bigint, text) IS
	'The number of distinct tag combinations (series) of a table against p_max_series: OK, WARNING above 80 %, CRITICAL above it.';

-- ======================================================================
-- extension/alerts.sql of 0.2
-- ======================================================================

-- alerts.sql: SQL alerts over the caller's own data. Nothing is stored: an
-- alert is the rows a query returns now (see docs/monitoring.md).

CREATE OR REPLACE FUNCTION lakets.alert_check(
	p_name text,
	p_query text,
	p_severity text DEFAULT 'warning')
RETURNS TABLE (alert_name text, severity text, fired_at timestamptz, alert_data jsonb)
AS 'MODULE_PATHNAME', 'lakets_alert_check'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.alert_check(text, text, text) IS
	'Run p_query (one query, with the caller''s rights and search_path); each row it returns is a firing alert, its columns in alert_data.';

CREATE OR REPLACE FUNCTION lakets.alert_deadman(
	p_name text,
	p_table_name text,
	p_group_by text,
	p_timeout interval,
	p_schema_name text DEFAULT 'public')
RETURNS TABLE (alert_name text, severity text, fired_at timestamptz, dead_key text,
	last_seen timestamptz, silent_for interval)
AS 'MODULE_PATHNAME', 'lakets_alert_deadman'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.alert_deadman(text, text, text, interval, text) IS
	'The values of p_group_by in a ChronoTable whose latest row is older than p_timeout (silent series), severity critical.';

-- ======================================================================
-- extension/monitoring.sql of 0.2
-- ======================================================================

-- monitoring.sql: operational metrics (Prometheus-style rows), chunk health,
-- and the lakets statements of pg_stat_statements.

-- The live status of each chunk, as show_chunks() reports it: a chunk
-- dropped or detached behind lakets' back counts so before maintenance
-- records it.
CREATE VIEW lakets._chunk_status AS
	SELECT m.chronotable_id, r.relid AS chronotable_relid, m.chunk_relid,
		m.range_start, m.range_end,
		CASE WHEN m.status <> 'active' THEN m.status
			 WHEN c.oid IS NULL THEN 'dropped'
			 WHEN i.inhrelid IS NULL THEN 'detached'
			 ELSE 'active' END AS status
	FROM lakets._chunk_metadata m
	JOIN lakets._chronotable_registry r ON r.id = m.chronotable_id
	LEFT JOIN pg_catalog.pg_class c ON c.oid = m.chunk_relid
	LEFT JOIN pg_catalog.pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = r.relid;

REVOKE ALL ON lakets._chunk_status FROM PUBLIC;
GRANT SELECT ON lakets._chunk_status TO PUBLIC;

-- Per ChronoTable: its rows (planner estimates of analyzed partitions, exact
-- counts of the others; NULL for a caller who may not read the table), its
-- bytes over all partitions with indexes and TOAST (a Citus table's: its
-- shards', lakets._chunk_size()), and the rows sitting in its default
-- partition.
CREATE OR REPLACE FUNCTION lakets._chronotable_sizes()
RETURNS TABLE (chronotable_id integer, relid regclass, estimated_rows bigint,
	size_bytes bigint, default_rows bigint)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT r.id, r.relid,
		(SELECT sum(lakets._chunk_row_count(p.relid))::bigint
		 FROM pg_partition_tree(r.relid) p WHERE p.isleaf),
		(SELECT coalesce(sum(CASE WHEN p.isleaf THEN lakets._chunk_size(p.relid)
								  ELSE pg_total_relation_size(p.relid) END), 0)::bigint
		 FROM pg_partition_tree(r.relid) p),
		(SELECT CASE WHEN pt.partdefid = 0 THEN 0
					 ELSE lakets._chunk_row_count(pt.partdefid) END
		 FROM pg_partitioned_table pt WHERE pt.partrelid = r.relid)
	FROM lakets._chronotable_registry r
	JOIN pg_class c ON c.oid = r.relid
$$;

CREATE OR REPLACE FUNCTION lakets.lakets_metrics()
RETURNS TABLE (metric_name text, metric_value double precision, labels jsonb)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH sizes AS (SELECT * FROM lakets._chronotable_sizes()),
	last_run AS (
		SELECT DISTINCT ON (h.job) h.*
		FROM lakets.job_history h
		ORDER BY h.job, h.finished DESC, h.id DESC)
	-- the toolkit's metrics
	SELECT 'lakets_hypertables_total', count(*)::float8, '{}'::jsonb
	FROM lakets._chronotable_registry
	UNION ALL
	SELECT 'lakets_chunks_total', count(*)::float8, jsonb_build_object('status', s.status)
	FROM lakets._chunk_status s GROUP BY s.status
	UNION ALL
	SELECT 'lakets_estimated_rows', z.estimated_rows::float8,
		jsonb_build_object('table', z.relid::text)
	FROM sizes z WHERE z.estimated_rows IS NOT NULL
	UNION ALL
	SELECT 'lakets_rollup_watermark_lag_seconds',
		extract(epoch FROM now() - r.watermark)::float8, jsonb_build_object('rollup', r.name)
	FROM lakets._rollup_registry r WHERE isfinite(r.watermark)
	UNION ALL
	SELECT 'lakets_rollup_refresh_lag_seconds',
		extract(epoch FROM now() - r.last_refresh)::float8, jsonb_build_object('rollup', r.name)
	FROM lakets._rollup_registry r WHERE r.last_refresh IS NOT NULL
	UNION ALL
	-- time ranges waiting to be recomputed: the RollUp's own log, and the
	-- source's log not yet handed to it (lakets has one tier: hot)
	SELECT 'lakets_rollup_invalidation_log_depth',
		((SELECT count(*) FROM lakets._rollup_invalidation_log l WHERE l.rollup_id = r.id)
		 + CASE WHEN r.invalidation_enabled THEN
			(SELECT count(*) FROM lakets._source_invalidation_log s
			 WHERE s.source_relid = r.source_relid) ELSE 0 END)::float8,
		jsonb_build_object('rollup', r.name, 'tier', 'hot')
	FROM lakets._rollup_registry r
	UNION ALL
	SELECT 'lakets_policies_total', count(*)::float8, jsonb_build_object('type', 'retention')
	FROM lakets._retention_policy HAVING count(*) > 0
	UNION ALL
	SELECT 'lakets_database_size_bytes', pg_database_size(current_database())::float8, '{}'::jsonb
	-- lakets' own
	UNION ALL
	SELECT 'lakets_table_size_bytes', z.size_bytes::float8, jsonb_build_object('table', z.relid::text)
	FROM sizes z
	UNION ALL
	SELECT 'lakets_default_partition_rows', z.default_rows::float8,
		jsonb_build_object('table', z.relid::text)
	FROM sizes z WHERE z.default_rows IS NOT NULL
	UNION ALL
	SELECT 'lakets_rollups_total', count(*)::float8, '{}'::jsonb FROM lakets._rollup_registry
	UNION ALL
	SELECT 'lakets_retention_drop_after_seconds', extract(epoch FROM p.drop_after)::float8,
		jsonb_build_object('table', p.relid::text)
	FROM lakets._retention_policy p JOIN pg_class c ON c.oid = p.relid
	UNION ALL
	SELECT 'lakets_maintenance_last_run_timestamp_seconds', extract(epoch FROM j.finished)::float8,
		jsonb_build_object('job', j.job, 'status', j.status)
	FROM last_run j
	UNION ALL
	SELECT 'lakets_maintenance_last_run_success',
		CASE WHEN j.status = 'succeeded' THEN 1 ELSE 0 END::float8,
		jsonb_build_object('job', j.job)
	FROM last_run j
	UNION ALL
	SELECT 'lakets_maintenance_last_run_duration_seconds',
		extract(epoch FROM j.finished - j.started)::float8, jsonb_build_object('job', j.job)
	FROM last_run j
	UNION ALL
	SELECT 'lakets_maintenance_last_run_errors', j.errors::float8, jsonb_build_object('job', j.job)
	FROM last_run j
$$;

COMMENT ON FUNCTION lakets.lakets_metrics() IS
	'lakets operational metrics, one row per metric and label set (Prometheus names; for sql_exporter or a Grafana PostgreSQL source).';

CREATE OR REPLACE FUNCTION lakets.chunk_health()
RETURNS TABLE (hypertable text, total_chunks bigint, active_chunks bigint,
	tiered_chunks bigint, dropped_chunks bigint, oldest_active timestamptz,
	newest_active timestamptz, detached_chunks bigint, default_partition_rows bigint)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT z.relid::text,
		count(s.status),
		count(*) FILTER (WHERE s.status = 'active'),
		count(*) FILTER (WHERE s.status = 'tiered'),
		count(*) FILTER (WHERE s.status = 'dropped'),
		min(s.range_start) FILTER (WHERE s.status = 'active'),
		max(s.range_end) FILTER (WHERE s.status = 'active'),
		count(*) FILTER (WHERE s.status = 'detached'),
		z.default_rows
	FROM lakets._chronotable_sizes() z
	JOIN pg_class c ON c.oid = z.relid
	JOIN pg_namespace n ON n.oid = c.relnamespace
	LEFT JOIN lakets._chunk_status s ON s.chronotable_id = z.chronotable_id
	GROUP BY z.relid, z.default_rows, n.nspname, c.relname
	ORDER BY n.nspname, c.relname
$$;

COMMENT ON FUNCTION lakets.chunk_health() IS
	'Per ChronoTable: its chunks by status, the range its active chunks cover, and the rows in its default partition (rows no chunk covers).';

CREATE OR REPLACE FUNCTION lakets.query_stats(p_limit integer DEFAULT 20)
RETURNS TABLE (query text, calls bigint, total_time_ms double precision,
	mean_time_ms double precision, rows_returned bigint)
AS 'MODULE_PATHNAME', 'lakets_query_stats'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.query_stats(integer) IS
	'The p_limit statements of pg_stat_statements mentioning lakets or time_bucket that took the most time; no rows when pg_stat_statements is not installed or not loaded.';

-- 3. 0.1's rows, by OID. Names are resolved as 0.1 resolved them (quoted,
-- schema-qualified); a table that no longer exists is forgotten with a
-- WARNING, what 0.2's maintenance does with a table dropped behind its back.
DO $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT t.schema_name, t.table_name FROM lakets_0_1._chronotable_registry t
			 WHERE pg_catalog.to_regclass(pg_catalog.format('%I.%I', t.schema_name, t.table_name)) IS NULL
	LOOP
		RAISE WARNING 'lakets: chronotable %.% no longer exists: forgotten, with its chunks'' records',
			pg_catalog.quote_ident(r.schema_name), pg_catalog.quote_ident(r.table_name);
	END LOOP;
	FOR r IN SELECT p.schema_name, p.table_name FROM lakets_0_1._retention_policy p
			 WHERE pg_catalog.to_regclass(pg_catalog.format('%I.%I', p.schema_name, p.table_name)) IS NULL
	LOOP
		RAISE WARNING 'lakets: the retention policy of %.% is forgotten: the table no longer exists',
			pg_catalog.quote_ident(r.schema_name), pg_catalog.quote_ident(r.table_name);
	END LOOP;
END
$$;

INSERT INTO lakets._chronotable_registry (id, relid, time_column, time_type, chunk_interval,
	past_count, future_count, created_at)
SELECT t.id, pg_catalog.to_regclass(pg_catalog.format('%I.%I', t.schema_name, t.table_name)),
	t.time_column, t.time_type, t.chunk_interval, t.past_count, t.future_count, t.created_at
FROM lakets_0_1._chronotable_registry t
WHERE pg_catalog.to_regclass(pg_catalog.format('%I.%I', t.schema_name, t.table_name)) IS NOT NULL
ORDER BY t.id;

-- A chunk 0.1 believed live that is gone, or no longer a partition of its
-- ChronoTable, becomes the tombstone 0.2 makes of it (its range is never
-- created again); a tombstone stays one.
DO $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT m.chunk_schema, m.chunk_name,
				pg_catalog.to_regclass(pg_catalog.format('%I.%I', m.chunk_schema, m.chunk_name)) AS chunk
			 FROM lakets_0_1._chunk_metadata m
			 JOIN lakets._chronotable_registry t ON t.id = m.chronotable_id
			 WHERE m.status = 'active'
			   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i
							   WHERE i.inhparent = t.relid
								 AND i.inhrelid = pg_catalog.to_regclass(pg_catalog.format('%I.%I', m.chunk_schema, m.chunk_name)))
	LOOP
		RAISE WARNING 'lakets: chunk %.% was % behind lakets'' back: recorded as %',
			pg_catalog.quote_ident(r.chunk_schema), pg_catalog.quote_ident(r.chunk_name),
			CASE WHEN r.chunk IS NULL THEN 'dropped' ELSE 'detached' END,
			CASE WHEN r.chunk IS NULL THEN 'dropped' ELSE 'detached' END;
	END LOOP;
END
$$;

INSERT INTO lakets._chunk_metadata (id, chronotable_id, chunk_relid, chunk_name, range_start,
	range_end, status, created_at, dropped_at)
SELECT m.id, m.chronotable_id,
	CASE WHEN m.status = 'active' AND i.inhrelid IS NOT NULL THEN i.inhrelid::pg_catalog.regclass END,
	m.chunk_name, m.range_start, m.range_end,
	CASE WHEN m.status <> 'active' THEN m.status
		 WHEN i.inhrelid IS NOT NULL THEN 'active'
		 WHEN c.oid IS NOT NULL THEN 'detached'
		 ELSE 'dropped' END,
	m.created_at,
	CASE WHEN m.status = 'active' AND i.inhrelid IS NULL THEN pg_catalog.now() ELSE m.dropped_at END
FROM lakets_0_1._chunk_metadata m
JOIN lakets._chronotable_registry t ON t.id = m.chronotable_id
LEFT JOIN pg_catalog.pg_class c
	ON c.oid = pg_catalog.to_regclass(pg_catalog.format('%I.%I', m.chunk_schema, m.chunk_name))
LEFT JOIN pg_catalog.pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = t.relid
ORDER BY m.id;

-- RollUps: the source and the RollUp table must both still exist (0.2
-- forgets a RollUp whose table went; one whose source went has nothing to
-- refresh from). The refresh function is made in step 4: until then the
-- column holds a placeholder.
DO $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT g.name FROM lakets_0_1._rollup_registry g
			 WHERE pg_catalog.to_regclass(pg_catalog.format('%I.%I', g.source_schema, g.source_table)) IS NULL
				OR pg_catalog.to_regclass(pg_catalog.format('%I.%I', g.rollup_schema, g.rollup_table)) IS NULL
	LOOP
		RAISE WARNING 'lakets: rollup "%" is forgotten: its source or its table no longer exists', r.name
			USING HINT = 'What is left of it (its table, its view) stays; drop it when it is no longer needed.';
	END LOOP;
END
$$;

INSERT INTO lakets._rollup_registry (id, name, query, source_relid, source_time_column,
	source_time_type, source_rollup_id, rollup_relid, view_relid, refresh_function,
	bucket_column, bucket_type, bucket_interval, bucket_origin, bucket_timezone, depends_on,
	refresh_lag, invalidation_enabled, watermark, last_refresh, dropped_before, created_at)
SELECT g.id, g.name, g.query,
	pg_catalog.to_regclass(pg_catalog.format('%I.%I', g.source_schema, g.source_table)),
	g.source_time_column, g.source_time_type, g.source_rollup_id,
	pg_catalog.to_regclass(pg_catalog.format('%I.%I', g.rollup_schema, g.rollup_table)),
	pg_catalog.to_regclass(pg_catalog.format('%I.%I', g.rollup_schema, '_rollup_rt_' || g.name)),
	'lakets._upgrade_rollup(text)'::pg_catalog.regprocedure,
	g.bucket_column, g.bucket_type, g.bucket_interval, g.bucket_origin, NULL, g.depends_on,
	g.refresh_lag, g.invalidation_enabled, g.watermark, g.last_refresh, g.dropped_before,
	g.created_at
FROM lakets_0_1._rollup_registry g
WHERE pg_catalog.to_regclass(pg_catalog.format('%I.%I', g.source_schema, g.source_table)) IS NOT NULL
  AND pg_catalog.to_regclass(pg_catalog.format('%I.%I', g.rollup_schema, g.rollup_table)) IS NOT NULL
ORDER BY g.id;

-- a RollUp over a forgotten one has lost its source: forgotten too
DO $$
DECLARE
	r record;
BEGIN
	LOOP
		DELETE FROM lakets._rollup_registry g
		WHERE g.source_rollup_id IS NOT NULL
		  AND NOT EXISTS (SELECT 1 FROM lakets._rollup_registry u WHERE u.id = g.source_rollup_id)
		RETURNING g.name INTO r;
		EXIT WHEN NOT FOUND;
		RAISE WARNING 'lakets: rollup "%" is forgotten: the rollup it reads was', r.name;
	END LOOP;
	UPDATE lakets._rollup_registry g
	SET depends_on = ARRAY(SELECT d FROM pg_catalog.unnest(g.depends_on) d
						   WHERE EXISTS (SELECT 1 FROM lakets._rollup_registry u WHERE u.name = d))
	WHERE EXISTS (SELECT 1 FROM pg_catalog.unnest(g.depends_on) d
				  WHERE NOT EXISTS (SELECT 1 FROM lakets._rollup_registry u WHERE u.name = d));
END
$$;

-- pending invalidations: those of RollUps kept, and those logged for
-- sources that still exist
INSERT INTO lakets._rollup_invalidation_log (id, rollup_id, range_start, range_end, logged_at)
SELECT l.id, l.rollup_id, l.range_start, l.range_end, l.logged_at
FROM lakets_0_1._rollup_invalidation_log l
JOIN lakets._rollup_registry g ON g.id = l.rollup_id
ORDER BY l.id;

INSERT INTO lakets._source_invalidation_log (source_relid, range_start, range_end, logged_at)
SELECT pg_catalog.to_regclass(pg_catalog.format('%I.%I', l.source_schema, l.source_table)),
	l.range_start, l.range_end, l.logged_at
FROM lakets_0_1._source_invalidation_log l
WHERE pg_catalog.to_regclass(pg_catalog.format('%I.%I', l.source_schema, l.source_table)) IS NOT NULL;

INSERT INTO lakets._retention_policy (id, relid, drop_after, last_run_at, created_at)
SELECT p.id, pg_catalog.to_regclass(pg_catalog.format('%I.%I', p.schema_name, p.table_name)),
	p.drop_after, NULL, p.created_at
FROM lakets_0_1._retention_policy p
WHERE pg_catalog.to_regclass(pg_catalog.format('%I.%I', p.schema_name, p.table_name)) IS NOT NULL
ORDER BY p.id;

INSERT INTO lakets.job_history (id, job, started, finished, status, chunks_created,
	rollups_refreshed, chunks_dropped, skipped, errors, error_text, run_by)
SELECT h.id, h.job, h.started, h.finished, h.status, h.chunks_created, h.rollups_refreshed,
	h.chunks_dropped, h.skipped, h.errors, h.error_text, h.run_by
FROM lakets_0_1.job_history h
ORDER BY h.id;

-- the sequences go on where 0.1's stood
SELECT pg_catalog.setval('lakets._chronotable_registry_id_seq', s.last_value, s.is_called)
FROM lakets_0_1._chronotable_registry_id_seq s;
SELECT pg_catalog.setval('lakets._chunk_metadata_id_seq', s.last_value, s.is_called)
FROM lakets_0_1._chunk_metadata_id_seq s;
SELECT pg_catalog.setval('lakets._rollup_registry_id_seq', s.last_value, s.is_called)
FROM lakets_0_1._rollup_registry_id_seq s;
SELECT pg_catalog.setval('lakets._rollup_invalidation_log_id_seq', s.last_value, s.is_called)
FROM lakets_0_1._rollup_invalidation_log_id_seq s;
SELECT pg_catalog.setval('lakets._retention_policy_id_seq', s.last_value, s.is_called)
FROM lakets_0_1._retention_policy_id_seq s;
SELECT pg_catalog.setval('lakets.job_history_id_seq', s.last_value, s.is_called)
FROM lakets_0_1.job_history_id_seq s;

-- 4. Each RollUp's refresh function and real-time view, upstream ones
-- first, as their owners. Objects an extension script creates or replaces
-- become members of the extension: a RollUp's view joins it for the CREATE
-- OR REPLACE (which keeps what depends on the view), then the view and the
-- new function leave it, as a RollUp's objects are not the extension's.
-- A RollUp whose query 0.2 cannot read (a column it names was renamed
-- since, say) is forgotten with a WARNING, with the RollUps over it: failing
-- the update instead would leave it stuck, since no lakets function works
-- between the package upgrade and this update.
--
-- 0.1 kept a RollUp's query as given, names resolved by the search_path of
-- its creator; 0.2 parses it once more here, with the source's schema and
-- public on the path (0.1 had resolved the source there), the update's own
-- path restored after.
DO $$
DECLARE
	g record;
	v record;
	msg text;
	path text := pg_catalog.current_setting('search_path');
	untracked regclass[] := '{}';
	src regclass;
	part regclass;
	trig text;
BEGIN
	FOR g IN SELECT r.id, r.name, r.view_relid, r.source_rollup_id, r.rollup_relid, r.source_relid,
				o.source_schema
			 FROM lakets._rollup_registry r JOIN lakets_0_1._rollup_registry o ON o.id = r.id
			 ORDER BY r.id
	LOOP
		IF g.source_rollup_id IS NOT NULL
		   AND NOT EXISTS (SELECT 1 FROM lakets._rollup_registry u WHERE u.id = g.source_rollup_id) THEN
			DELETE FROM lakets._rollup_registry r WHERE r.id = g.id;
			DELETE FROM lakets._retention_policy p WHERE p.relid = g.rollup_relid;
			untracked := untracked || g.source_relid;
			RAISE WARNING 'lakets: rollup "%" is forgotten: the rollup it reads was', g.name;
			CONTINUE;
		END IF;
		BEGIN
			IF g.view_relid IS NOT NULL THEN
				EXECUTE pg_catalog.format('ALTER EXTENSION lakets ADD VIEW %s', g.view_relid);
			END IF;
			PERFORM pg_catalog.set_config('search_path',
										  pg_catalog.format('%I, public', g.source_schema), true);
			PERFORM lakets._upgrade_rollup(g.name);
			PERFORM pg_catalog.set_config('search_path', path, true);
			SELECT r.view_relid, r.refresh_function INTO v FROM lakets._rollup_registry r WHERE r.id = g.id;
			IF v.view_relid IS NOT NULL THEN
				EXECUTE pg_catalog.format('ALTER EXTENSION lakets DROP VIEW %s', v.view_relid);
			END IF;
			EXECUTE pg_catalog.format('ALTER EXTENSION lakets DROP FUNCTION %s', v.refresh_function);
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
			PERFORM pg_catalog.set_config('search_path', path, true);
			DELETE FROM lakets._rollup_registry r WHERE r.id = g.id;
			DELETE FROM lakets._retention_policy p WHERE p.relid = g.rollup_relid;
			untracked := untracked || g.source_relid;
			RAISE WARNING 'lakets: rollup "%" is forgotten: lakets 0.2 cannot read its query: %', g.name, msg
				USING HINT = 'Its table and view stay as they are. Create it again with lakets.create_rollup() (drop or rename the old table and view first).';
		END;
	END LOOP;
	-- a source no RollUp reads any more loses its triggers, as drop_rollup()
	-- leaves it
	FOR src IN SELECT DISTINCT u FROM pg_catalog.unnest(untracked) u
			   WHERE NOT EXISTS (SELECT 1 FROM lakets._rollup_registry r WHERE r.source_relid = u)
	LOOP
		FOREACH trig IN ARRAY ARRAY['zz_lakets_invalidate_insert', 'zz_lakets_invalidate_update',
									'zz_lakets_invalidate_delete', 'zz_lakets_invalidate_truncate'] LOOP
			EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS %I ON %s', trig, src);
		END LOOP;
		FOR part IN SELECT i.inhrelid::regclass FROM pg_catalog.pg_inherits i WHERE i.inhparent = src LOOP
			EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS zz_lakets_invalidate_truncate ON %s', part);
		END LOOP;
	END LOOP;
	DELETE FROM lakets._source_invalidation_log l
	WHERE NOT EXISTS (SELECT 1 FROM lakets._rollup_registry r WHERE r.source_relid = l.source_relid);
	UPDATE lakets._rollup_registry rr
	SET depends_on = ARRAY(SELECT d FROM pg_catalog.unnest(rr.depends_on) d
						   WHERE EXISTS (SELECT 1 FROM lakets._rollup_registry u WHERE u.name = d))
	WHERE EXISTS (SELECT 1 FROM pg_catalog.unnest(rr.depends_on) d
				  WHERE NOT EXISTS (SELECT 1 FROM lakets._rollup_registry u WHERE u.name = d));
END
$$;
DROP FUNCTION lakets._upgrade_rollup(text);

-- 0.1's tables go, out of the extension first (and so out of what pg_dump
-- dumps the rows of). A user's object that depends on one of them stops
-- the update with PostgreSQL's error naming it.
ALTER EXTENSION lakets DROP TABLE lakets_0_1._rollup_invalidation_log;
ALTER EXTENSION lakets DROP SEQUENCE lakets_0_1._rollup_invalidation_log_id_seq;
ALTER EXTENSION lakets DROP TABLE lakets_0_1._source_invalidation_log;
ALTER EXTENSION lakets DROP TABLE lakets_0_1._retention_policy;
ALTER EXTENSION lakets DROP SEQUENCE lakets_0_1._retention_policy_id_seq;
ALTER EXTENSION lakets DROP TABLE lakets_0_1._rollup_registry;
ALTER EXTENSION lakets DROP SEQUENCE lakets_0_1._rollup_registry_id_seq;
ALTER EXTENSION lakets DROP TABLE lakets_0_1._chunk_metadata;
ALTER EXTENSION lakets DROP SEQUENCE lakets_0_1._chunk_metadata_id_seq;
ALTER EXTENSION lakets DROP TABLE lakets_0_1._chronotable_registry;
ALTER EXTENSION lakets DROP SEQUENCE lakets_0_1._chronotable_registry_id_seq;
ALTER EXTENSION lakets DROP TABLE lakets_0_1.job_history;
ALTER EXTENSION lakets DROP SEQUENCE lakets_0_1.job_history_id_seq;
ALTER EXTENSION lakets DROP SCHEMA lakets_0_1;
DROP TABLE lakets_0_1._rollup_invalidation_log, lakets_0_1._source_invalidation_log,
	lakets_0_1._retention_policy, lakets_0_1._rollup_registry, lakets_0_1._chunk_metadata,
	lakets_0_1._chronotable_registry, lakets_0_1.job_history;
DROP SCHEMA lakets_0_1;

-- The sql_drop event trigger of 0.2 (extension/maintenance.sql), last:
-- it must not see the drops above.
DO $$
BEGIN
	IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
		CREATE EVENT TRIGGER lakets_forget_dropped ON sql_drop
			WHEN TAG IN ('DROP TABLE', 'DROP SCHEMA', 'DROP VIEW', 'DROP FUNCTION',
						 'DROP OWNED', 'DROP MATERIALIZED VIEW')
			EXECUTE FUNCTION lakets._forget_dropped();
	END IF;
END
$$;
