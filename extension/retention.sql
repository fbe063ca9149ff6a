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
