-- chronotable.sql: converting tables, dropping them, chunk settings.

CREATE FUNCTION lakets.create_chronotable(
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

CREATE FUNCTION lakets.create_hypertable(
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

-- NULL for a caller who may read neither the chunk nor its ChronoTable
CREATE FUNCTION lakets._chunk_row_count(p_chunk regclass)
RETURNS bigint
AS 'MODULE_PATHNAME', 'lakets_chunk_row_count'
LANGUAGE C VOLATILE STRICT;

-- pg_total_relation_size(), or citus_total_relation_size() for a Citus table
CREATE FUNCTION lakets._chunk_size(p_chunk regclass)
RETURNS bigint
AS 'MODULE_PATHNAME', 'lakets_chunk_size'
LANGUAGE C VOLATILE STRICT;

CREATE FUNCTION lakets.show_chunks(
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

CREATE FUNCTION lakets.drop_chunks(
	p_table_name text,
	p_older_than interval,
	p_schema_name text DEFAULT 'public')
RETURNS integer
AS 'MODULE_PATHNAME', 'lakets_drop_chunks'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.drop_chunks(text, interval, text) IS
	'Drop the chunks whose whole range ends before now() - p_older_than, leaving tombstones; returns how many.';
