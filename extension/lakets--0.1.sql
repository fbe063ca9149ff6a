-- catalog.sql: the lakets registry. Only extension/catalog.c writes to these
-- tables (as their owner, after checking that the caller owns the table it
-- acts on); everyone may read them.

CREATE TABLE lakets._chronotable_registry (
	id				serial PRIMARY KEY,
	schema_name		name NOT NULL,
	table_name		name NOT NULL,
	time_column		name NOT NULL,
	time_type		text NOT NULL
		CHECK (time_type IN ('timestamp with time zone', 'timestamp without time zone', 'date')),
	chunk_interval	interval NOT NULL,
	past_count		integer NOT NULL DEFAULT 1 CHECK (past_count >= 0),
	future_count	integer NOT NULL DEFAULT 3 CHECK (future_count >= 0),
	created_at		timestamptz NOT NULL DEFAULT now(),
	UNIQUE (schema_name, table_name)
);

COMMENT ON TABLE lakets._chronotable_registry IS
	'One row per ChronoTable: its time column, chunk interval and the window of chunks kept ahead.';

CREATE TABLE lakets._chunk_metadata (
	id				bigserial PRIMARY KEY,
	chronotable_id	integer NOT NULL
		REFERENCES lakets._chronotable_registry (id) ON DELETE CASCADE,
	chunk_schema	name NOT NULL,
	chunk_name		name NOT NULL,
	range_start		timestamptz NOT NULL,
	range_end		timestamptz NOT NULL,
	status			text NOT NULL DEFAULT 'active'
		CHECK (status IN ('active', 'tiered', 'dropped')),
	created_at		timestamptz NOT NULL DEFAULT now(),
	dropped_at		timestamptz,
	CHECK (range_start < range_end),
	UNIQUE (chronotable_id, range_start)
);

COMMENT ON TABLE lakets._chunk_metadata IS
	'One row per chunk ever created; a dropped chunk stays as a tombstone (status dropped) so that its range is never re-created.';

CREATE INDEX ON lakets._chunk_metadata (chronotable_id, range_end);
-- retention looks at live chunks only; tombstones accumulate
CREATE INDEX ON lakets._chunk_metadata (chronotable_id, range_start) WHERE status <> 'dropped';

SELECT pg_catalog.pg_extension_config_dump('lakets._chronotable_registry', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._chronotable_registry_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._chunk_metadata', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._chunk_metadata_id_seq', '');

REVOKE ALL ON lakets._chronotable_registry, lakets._chunk_metadata FROM PUBLIC;
GRANT SELECT ON lakets._chronotable_registry, lakets._chunk_metadata TO PUBLIC;
GRANT USAGE ON SCHEMA lakets TO PUBLIC;
-- timebucket.sql: chunk arithmetic exposed to SQL (used by lakets itself).

CREATE FUNCTION lakets._chunk_start(p_time timestamptz, p_chunk_interval interval)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'lakets_chunk_start'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lakets._chunk_start(p_time timestamp, p_chunk_interval interval)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'lakets_chunk_start'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lakets._chunk_start(p_time date, p_chunk_interval interval)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'lakets_chunk_start'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION lakets._chunk_start(timestamptz, interval) IS
	'UTC start of the chunk of width p_chunk_interval that holds p_time (a timestamp is read as UTC, a date as its midnight UTC).';
-- chronotable.sql: converting tables, dropping them, chunk settings.

CREATE FUNCTION lakets.create_chronotable(
	p_table_name text,
	p_time_column text,
	p_chunk_interval interval DEFAULT '7 days',
	p_schema_name text DEFAULT 'public',
	p_if_not_exists boolean DEFAULT false)
RETURNS integer
AS 'MODULE_PATHNAME', 'lakets_create_chronotable'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.create_chronotable(text, text, interval, text, boolean) IS
	'Convert a regular table into a ChronoTable (RANGE partitions on p_time_column, one chunk per p_chunk_interval, aligned in UTC); returns its id.';

CREATE FUNCTION lakets.drop_chronotable(
	p_table_name text,
	p_schema_name text DEFAULT 'public')
RETURNS void
AS 'MODULE_PATHNAME', 'lakets_drop_chronotable'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.drop_chronotable(text, text) IS
	'Drop a ChronoTable: the table with all its chunks, and its registry entries.';

CREATE FUNCTION lakets.set_chunk_interval(
	p_table_name text,
	p_chunk_interval interval,
	p_schema_name text DEFAULT 'public')
RETURNS void
AS 'MODULE_PATHNAME', 'lakets_set_chunk_interval'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.set_chunk_interval(text, interval, text) IS
	'Set the width of chunks created from now on; existing chunks keep their ranges.';

CREATE FUNCTION lakets.set_chunk_window(
	p_table_name text,
	p_past_count integer,
	p_future_count integer,
	p_schema_name text DEFAULT 'public')
RETURNS void
AS 'MODULE_PATHNAME', 'lakets_set_chunk_window'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.set_chunk_window(text, integer, integer, text) IS
	'Set how many chunks before and after the current one ensure_partitions() keeps (default 1 and 3).';

CREATE FUNCTION lakets._chronotable_id(p_table_name text, p_schema_name text DEFAULT 'public')
RETURNS integer
AS 'MODULE_PATHNAME', 'lakets_chronotable_id'
LANGUAGE C STABLE;

CREATE FUNCTION lakets._chunk_row_count(p_chunk regclass)
RETURNS bigint
AS 'MODULE_PATHNAME', 'lakets_chunk_row_count'
LANGUAGE C VOLATILE STRICT;

CREATE FUNCTION lakets.show_chunks(
	p_table_name text,
	p_older_than interval DEFAULT NULL,
	p_newer_than interval DEFAULT NULL,
	p_schema_name text DEFAULT 'public')
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
	SELECT m.chunk_name::text, m.range_start, m.range_end, m.status,
		CASE WHEN c.oid IS NULL THEN 0 ELSE lakets._chunk_row_count(c.oid) END,
		CASE WHEN c.oid IS NULL THEN 0 ELSE pg_total_relation_size(c.oid) END,
		m.created_at
	FROM lakets._chunk_metadata m
	LEFT JOIN pg_namespace n ON n.nspname = m.chunk_schema
	LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = m.chunk_name
		AND m.status <> 'dropped'
	WHERE m.chronotable_id = lakets._chronotable_id(p_table_name, p_schema_name)
	  AND (p_older_than IS NULL
		   OR m.range_end <= (now() AT TIME ZONE 'UTC' - p_older_than) AT TIME ZONE 'UTC')
	  AND (p_newer_than IS NULL
		   OR m.range_start >= (now() AT TIME ZONE 'UTC' - p_newer_than) AT TIME ZONE 'UTC')
	ORDER BY m.range_start
$$;

COMMENT ON FUNCTION lakets.show_chunks(text, interval, interval, text) IS
	'The chunks of a ChronoTable, dropped ones (tombstones) included, with row estimates and sizes.';

CREATE FUNCTION lakets.drop_chunks(
	p_table_name text,
	p_older_than interval,
	p_schema_name text DEFAULT 'public')
RETURNS integer
AS 'MODULE_PATHNAME', 'lakets_drop_chunks'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.drop_chunks(text, interval, text) IS
	'Drop the chunks whose whole range ends before now() - p_older_than, leaving tombstones; returns how many.';
-- ensure.sql: keeping chunks ahead and draining the default partition.

CREATE FUNCTION lakets.ensure_partitions(
	p_table_name text DEFAULT NULL,
	p_schema_name text DEFAULT 'public')
RETURNS integer
AS 'MODULE_PATHNAME', 'lakets_ensure_partitions'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.ensure_partitions(text, text) IS
	'Create the missing chunks of the window around now() (never re-creating a dropped one) and move rows out of the default partition, for one ChronoTable or all you own; returns the number of chunks created.';

CREATE FUNCTION lakets._ensure_partitions(
	p_chronotable_id integer,
	p_past_count integer DEFAULT 1,
	p_future_count integer DEFAULT 3,
	p_range_start timestamptz DEFAULT NULL,
	p_range_end timestamptz DEFAULT NULL)
RETURNS integer
AS 'MODULE_PATHNAME', 'lakets_ensure_partitions_internal'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets._ensure_partitions(integer, integer, integer, timestamptz, timestamptz) IS
	'Create the chunks of one ChronoTable for a window around now(), or for [p_range_start, p_range_end); returns the number created.';
-- timefuncs.sql: time-series functions. time_bucket() aligns in UTC on
-- 2000-01-01 (or on origin), month widths included, whatever the session
-- TimeZone.

CREATE FUNCTION lakets.time_bucket(bucket_width interval, ts timestamptz)
RETURNS timestamptz AS 'MODULE_PATHNAME', 'lakets_time_bucket'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lakets.time_bucket(bucket_width interval, ts timestamp)
RETURNS timestamp AS 'MODULE_PATHNAME', 'lakets_time_bucket'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lakets.time_bucket(bucket_width interval, ts date)
RETURNS date AS 'MODULE_PATHNAME', 'lakets_time_bucket'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lakets.time_bucket(bucket_width interval, ts timestamptz, origin timestamptz)
RETURNS timestamptz AS 'MODULE_PATHNAME', 'lakets_time_bucket_origin'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lakets.time_bucket(bucket_width interval, ts timestamp, origin timestamp)
RETURNS timestamp AS 'MODULE_PATHNAME', 'lakets_time_bucket_origin'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION lakets.time_bucket(interval, timestamptz) IS
	'Start of the bucket of width bucket_width holding ts, aligned on 2000-01-01 00:00 UTC (months from January 2000), independent of the session TimeZone.';
-- rollup.sql: RollUps, their invalidation logs, and their SQL API.

CREATE TABLE lakets._rollup_registry (
	id					serial PRIMARY KEY,
	name				text NOT NULL UNIQUE,
	query				text NOT NULL,
	refresh_query		text NOT NULL,
	live_query			text NOT NULL,
	source_schema		name NOT NULL,
	source_table		name NOT NULL,
	source_time_column	name NOT NULL,
	source_time_type	text NOT NULL,
	source_rollup_id	integer,	-- kept consistent by lakets (no self-reference: pg_dump warns)
	rollup_schema		name NOT NULL,
	rollup_table		name NOT NULL,
	bucket_column		name NOT NULL,
	bucket_type			text NOT NULL,
	bucket_interval		interval NOT NULL,
	bucket_origin		timestamptz NOT NULL DEFAULT '2000-01-01 00:00+00',
	depends_on			text[] NOT NULL DEFAULT '{}',
	refresh_lag			interval NOT NULL DEFAULT '0' CHECK (refresh_lag >= '0'),
	invalidation_enabled boolean NOT NULL DEFAULT true,
	watermark			timestamptz,
	last_refresh		timestamptz,
	dropped_before		timestamptz,
	created_at			timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE lakets._rollup_registry IS
	'One row per RollUp: its query, the refresh statement derived from it, its bucket, dependencies and refresh state.';

-- Written at commit by the invalidation trigger: no foreign key and no
-- trigger, so that nothing runs user code at that point (invalidation.c).
CREATE TABLE lakets._source_invalidation_log (
	source_schema		name NOT NULL,
	source_table		name NOT NULL,
	range_start			timestamptz NOT NULL,
	range_end			timestamptz NOT NULL,
	logged_at			timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON lakets._source_invalidation_log (source_schema, source_table);

CREATE TABLE lakets._rollup_invalidation_log (
	id					bigserial PRIMARY KEY,
	rollup_id			integer NOT NULL REFERENCES lakets._rollup_registry (id) ON DELETE CASCADE,
	range_start			timestamptz NOT NULL,
	range_end			timestamptz NOT NULL,
	logged_at			timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON lakets._rollup_invalidation_log (rollup_id);

SELECT pg_catalog.pg_extension_config_dump('lakets._rollup_registry', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._rollup_registry_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._source_invalidation_log', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._rollup_invalidation_log', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._rollup_invalidation_log_id_seq', '');

REVOKE ALL ON lakets._rollup_registry, lakets._source_invalidation_log,
	lakets._rollup_invalidation_log FROM PUBLIC;
GRANT SELECT ON lakets._rollup_registry, lakets._source_invalidation_log,
	lakets._rollup_invalidation_log TO PUBLIC;

CREATE FUNCTION lakets._invalidation_trigger()
RETURNS trigger AS 'MODULE_PATHNAME', 'lakets_invalidation_trigger'
LANGUAGE C;

CREATE FUNCTION lakets.create_rollup(
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

CREATE FUNCTION lakets.drop_rollup(p_name text)
RETURNS void AS 'MODULE_PATHNAME', 'lakets_drop_rollup'
LANGUAGE C VOLATILE;

CREATE FUNCTION lakets.refresh_rollup(p_name text)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_refresh_rollup'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.refresh_rollup(text) IS
	'Recompute the buckets of a RollUp whose source rows changed; false when there was nothing to do or the refresh was skipped.';

CREATE FUNCTION lakets.refresh_rollup_cascade(p_name text DEFAULT NULL)
RETURNS TABLE (rollup_name text, refreshed boolean, refresh_ms float8)
AS 'MODULE_PATHNAME', 'lakets_refresh_rollup_cascade'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.refresh_rollup_cascade(text) IS
	'Refresh a RollUp and every RollUp that depends on it (all RollUps when NULL), in dependency order.';

CREATE FUNCTION lakets.invalidate_rollup_range(p_name text, p_from timestamptz, p_to timestamptz)
RETURNS integer AS 'MODULE_PATHNAME', 'lakets_invalidate_rollup_range'
LANGUAGE C VOLATILE;

CREATE FUNCTION lakets.enable_rollup_invalidation(p_rollup_name text)
RETURNS void AS 'MODULE_PATHNAME', 'lakets_enable_rollup_invalidation'
LANGUAGE C VOLATILE;

CREATE FUNCTION lakets.disable_rollup_invalidation(p_rollup_name text)
RETURNS void AS 'MODULE_PATHNAME', 'lakets_disable_rollup_invalidation'
LANGUAGE C VOLATILE;

CREATE FUNCTION lakets.set_rollup_refresh_lag(p_name text, p_refresh_lag interval)
RETURNS void AS 'MODULE_PATHNAME', 'lakets_set_rollup_refresh_lag'
LANGUAGE C VOLATILE;

CREATE FUNCTION lakets._rollup_watermark(p_name text)
RETURNS timestamptz AS 'MODULE_PATHNAME', 'lakets_rollup_watermark'
LANGUAGE C STABLE;

COMMENT ON FUNCTION lakets._rollup_watermark(text) IS
	'Start of the latest materialized bucket of a RollUp (-infinity when none): the real-time view aggregates the source live from there on.';

CREATE FUNCTION lakets.create_rollup_view(p_name text, p_raw_query text DEFAULT NULL)
RETURNS void AS 'MODULE_PATHNAME', 'lakets_create_rollup_view'
LANGUAGE C VOLATILE;

CREATE FUNCTION lakets.show_rollups()
RETURNS TABLE (rollup_name text, source text, rollup_table text, bucket_interval interval,
	refresh_lag interval, invalidation_enabled boolean, pending_ranges bigint,
	watermark timestamptz, last_refresh timestamptz, row_count bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT r.name, format('%I.%I', r.source_schema, r.source_table),
		format('%I.%I', r.rollup_schema, r.rollup_table), r.bucket_interval, r.refresh_lag,
		r.invalidation_enabled,
		(SELECT count(*) FROM lakets._rollup_invalidation_log l WHERE l.rollup_id = r.id)
		+ CASE WHEN r.invalidation_enabled THEN
			(SELECT count(*) FROM lakets._source_invalidation_log s
			 WHERE s.source_schema = r.source_schema AND s.source_table = r.source_table)
		  ELSE 0 END,
		r.watermark, r.last_refresh,
		coalesce(lakets._chunk_row_count(to_regclass(format('%I.%I', r.rollup_schema, r.rollup_table))), 0)
	FROM lakets._rollup_registry r
	ORDER BY r.name
$$;

CREATE FUNCTION lakets.show_rollup_dag()
RETURNS TABLE (rollup_name text, depends_on text[], level integer)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH RECURSIVE deps AS (
		SELECT r.name, r.depends_on, 0 AS level, ARRAY[r.name] AS path
		FROM lakets._rollup_registry r WHERE r.depends_on = '{}'
		UNION ALL
		SELECT r.name, r.depends_on, d.level + 1, d.path || r.name
		FROM lakets._rollup_registry r JOIN deps d ON d.name = ANY (r.depends_on)
		WHERE NOT r.name = ANY (d.path)
	)
	SELECT name, depends_on, max(level) FROM deps GROUP BY name, depends_on ORDER BY 3, 1
$$;

COMMENT ON FUNCTION lakets.show_rollup_dag() IS
	'Each RollUp with the RollUps it depends on and its level in the dependency graph (0 = reads a ChronoTable only).';

-- Called from the WHEN clause of a source's invalidation triggers; they
-- record the time and return false, so no trigger event is queued.
CREATE FUNCTION lakets._note_change(p_source regclass, p_time timestamptz, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_change' LANGUAGE C VOLATILE;
CREATE FUNCTION lakets._note_change(p_source regclass, p_time timestamp, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_change' LANGUAGE C VOLATILE;
CREATE FUNCTION lakets._note_change(p_source regclass, p_time date, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_change' LANGUAGE C VOLATILE;
CREATE FUNCTION lakets._note_changes(p_source regclass, p_old timestamptz, p_new timestamptz, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_changes' LANGUAGE C VOLATILE;
CREATE FUNCTION lakets._note_changes(p_source regclass, p_old timestamp, p_new timestamp, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_changes' LANGUAGE C VOLATILE;
CREATE FUNCTION lakets._note_changes(p_source regclass, p_old date, p_new date, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_changes' LANGUAGE C VOLATILE;
-- retention.sql: retention policies for ChronoTables and RollUp tables.

CREATE TABLE lakets._retention_policy (
	id				serial PRIMARY KEY,
	schema_name		name NOT NULL,
	table_name		name NOT NULL,
	drop_after		interval NOT NULL CHECK (drop_after > '0'),
	created_at		timestamptz NOT NULL DEFAULT now(),
	UNIQUE (schema_name, table_name)
);

COMMENT ON TABLE lakets._retention_policy IS
	'One retention policy per ChronoTable or RollUp table: data older than drop_after is dropped.';

SELECT pg_catalog.pg_extension_config_dump('lakets._retention_policy', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._retention_policy_id_seq', '');
REVOKE ALL ON lakets._retention_policy FROM PUBLIC;
GRANT SELECT ON lakets._retention_policy TO PUBLIC;

CREATE FUNCTION lakets.add_retention_policy(
	p_table_name text,
	p_drop_after interval,
	p_schema_name text DEFAULT 'public')
RETURNS integer AS 'MODULE_PATHNAME', 'lakets_add_retention_policy'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.add_retention_policy(text, interval, text) IS
	'Drop the data of a ChronoTable or RollUp table once it is older than p_drop_after; one policy per table. Returns the policy id.';

CREATE FUNCTION lakets.alter_retention_policy(
	p_table_name text,
	p_drop_after interval,
	p_schema_name text DEFAULT 'public')
RETURNS void AS 'MODULE_PATHNAME', 'lakets_alter_retention_policy'
LANGUAGE C VOLATILE;

CREATE FUNCTION lakets.remove_retention_policy(
	p_table_name text,
	p_schema_name text DEFAULT 'public')
RETURNS void AS 'MODULE_PATHNAME', 'lakets_remove_retention_policy'
LANGUAGE C VOLATILE;

CREATE FUNCTION lakets.show_retention_policy(
	p_table_name text DEFAULT NULL,
	p_schema_name text DEFAULT 'public')
RETURNS TABLE (schema_name text, table_name text, kind text, drop_after interval,
	cutoff timestamptz, created_at timestamptz)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT p.schema_name::text, p.table_name::text,
		CASE WHEN EXISTS (SELECT 1 FROM lakets._rollup_registry r
						  WHERE r.rollup_schema = p.schema_name AND r.rollup_table = p.table_name)
			 THEN 'rollup' ELSE 'chronotable' END,
		p.drop_after,
		(now() AT TIME ZONE 'UTC' - p.drop_after) AT TIME ZONE 'UTC',
		p.created_at
	FROM lakets._retention_policy p
	WHERE p_table_name IS NULL
	   OR (p.table_name = p_table_name AND p.schema_name = p_schema_name)
	ORDER BY 1, 2
$$;

CREATE FUNCTION lakets.execute_retention(
	p_table_name text DEFAULT NULL,
	p_schema_name text DEFAULT 'public',
	p_force boolean DEFAULT false)
RETURNS integer AS 'MODULE_PATHNAME', 'lakets_execute_retention'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION lakets.execute_retention(text, text, boolean) IS
	'Apply the retention policy of one table, or of all (NULL); returns the number of chunks dropped.';

CREATE FUNCTION lakets.enforce_retention(p_dry_run boolean DEFAULT false)
RETURNS TABLE (table_name text, chunk_name text, range_start timestamptz,
	range_end timestamptz, action text)
AS 'MODULE_PATHNAME', 'lakets_enforce_retention'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION lakets.enforce_retention(boolean) IS
	'Apply every retention policy; one row per chunk considered with what was done (dropped, would_drop, skipped_locked, skipped_rollup_pending, error ...).';
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

CREATE FUNCTION lakets.run_maintenance(p_job text DEFAULT 'maintenance')
RETURNS TABLE (step text, object text, action text, detail text)
AS 'MODULE_PATHNAME', 'lakets_run_maintenance'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION lakets.run_maintenance(text) IS
	'Ensure partitions, refresh RollUps in dependency order, enforce retention (p_job: maintenance, partitions, rollups or retention); one row per action, recorded in lakets.job_history.';

CREATE FUNCTION lakets.schedule_maintenance(
	p_schedule text DEFAULT '*/15 * * * *',
	p_job text DEFAULT 'maintenance')
RETURNS bigint AS 'MODULE_PATHNAME', 'lakets_schedule_maintenance'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.schedule_maintenance(text, text) IS
	'Schedule a lakets job (maintenance, partitions, rollups, retention) with pg_cron in this database, replacing an earlier one of the same job; returns the pg_cron job id.';

CREATE FUNCTION lakets.unschedule_maintenance(p_job text DEFAULT NULL)
RETURNS integer AS 'MODULE_PATHNAME', 'lakets_unschedule_maintenance'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.unschedule_maintenance(text) IS
	'Remove the pg_cron job of a lakets job, or all lakets jobs of this database (NULL); returns how many were removed.';

-- No SET clause: it would make the procedure atomic (no COMMIT). It sets
-- search_path locally in each of its transactions instead.
CREATE PROCEDURE lakets.maintain(p_job text DEFAULT 'maintenance')
AS 'MODULE_PATHNAME', 'lakets_maintain'
LANGUAGE C;

COMMENT ON PROCEDURE lakets.maintain(text) IS
	'run_maintenance() as a procedure: CALLed outside a transaction block it commits after each table and RollUp, so that each lock it takes is released as soon as that table is done. Actions worth knowing are NOTICEs; lakets.job_history gets the run.';
