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

CREATE FUNCTION lakets.refresh_rollup_cascade(
	p_name text DEFAULT NULL,
	p_include_dependents boolean DEFAULT false)
RETURNS TABLE (rollup_name text, refreshed boolean, refresh_ms float8)
AS 'MODULE_PATHNAME', 'lakets_refresh_rollup_cascade'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.refresh_rollup_cascade(text, boolean) IS
	'Refresh the RollUps a RollUp depends on, directly or not, then it (then those depending on it, with p_include_dependents), in dependency order; all RollUps when p_name is NULL.';

CREATE FUNCTION lakets.invalidate_rollup_range(
	p_name text,
	p_from timestamptz,
	p_to timestamptz,
	p_tier text DEFAULT NULL)
RETURNS integer AS 'MODULE_PATHNAME', 'lakets_invalidate_rollup_range'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.invalidate_rollup_range(text, timestamptz, timestamptz, text) IS
	'Mark [p_from, p_to) of a RollUp for recomputation at its next refresh (p_tier: NULL or ''hot'', the only tier of lakets); returns how many ranges were logged.';

CREATE FUNCTION lakets.enable_rollup_invalidation(p_rollup_name text)
RETURNS void AS 'MODULE_PATHNAME', 'lakets_enable_rollup_invalidation'
LANGUAGE C VOLATILE;

CREATE FUNCTION lakets.disable_rollup_invalidation(p_rollup_name text)
RETURNS void AS 'MODULE_PATHNAME', 'lakets_disable_rollup_invalidation'
LANGUAGE C VOLATILE;

CREATE FUNCTION lakets.set_rollup_refresh_lag(p_name text, p_refresh_lag interval)
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

CREATE FUNCTION lakets._rollup_watermark(p_name text)
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

CREATE FUNCTION lakets.create_rollup_view(p_name text, p_raw_query text DEFAULT NULL)
RETURNS void AS 'MODULE_PATHNAME', 'lakets_create_rollup_view'
LANGUAGE C VOLATILE;

CREATE FUNCTION lakets.show_rollups()
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

CREATE FUNCTION lakets.show_rollup_dag()
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

CREATE FUNCTION lakets._note_shard_change(p_shell regclass, p_source oid, p_time timestamptz, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_shard_change' LANGUAGE C VOLATILE;
CREATE FUNCTION lakets._note_shard_change(p_shell regclass, p_source oid, p_time timestamp, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_shard_change' LANGUAGE C VOLATILE;
CREATE FUNCTION lakets._note_shard_change(p_shell regclass, p_source oid, p_time date, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_shard_change' LANGUAGE C VOLATILE;
CREATE FUNCTION lakets._note_shard_changes(p_shell regclass, p_source oid, p_old timestamptz, p_new timestamptz, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_shard_changes' LANGUAGE C VOLATILE;
CREATE FUNCTION lakets._note_shard_changes(p_shell regclass, p_source oid, p_old timestamp, p_new timestamp, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_shard_changes' LANGUAGE C VOLATILE;
CREATE FUNCTION lakets._note_shard_changes(p_shell regclass, p_source oid, p_old date, p_new date, p_granule bigint)
RETURNS boolean AS 'MODULE_PATHNAME', 'lakets_note_shard_changes' LANGUAGE C VOLATILE;
-- Run on a worker by the coordinator: delete the collected rows of sources
-- the caller owns (or that are gone).
CREATE FUNCTION lakets._forget_shard_invalidations(p_ids bigint[])
RETURNS bigint AS 'MODULE_PATHNAME', 'lakets_forget_shard_invalidations' LANGUAGE C VOLATILE STRICT;
