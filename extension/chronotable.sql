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

-- NULL for a caller who may read neither the chunk nor its ChronoTable
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
	-- the status as it is now: a chunk dropped or detached behind lakets'
	-- back shows so even before maintenance records it
	SELECT coalesce(c.relname::text, m.chunk_name::text), m.range_start, m.range_end,
		CASE WHEN m.status <> 'active' THEN m.status
			 WHEN c.oid IS NULL THEN 'dropped'
			 WHEN i.inhrelid IS NULL THEN 'detached'
			 ELSE 'active' END,
		CASE WHEN i.inhrelid IS NULL THEN 0 ELSE lakets._chunk_row_count(c.oid) END,
		CASE WHEN i.inhrelid IS NULL THEN 0 ELSE pg_total_relation_size(c.oid) END,
		m.created_at
	FROM lakets._chunk_metadata m
	JOIN lakets._chronotable_registry r ON r.id = m.chronotable_id
	LEFT JOIN pg_class c ON c.oid = m.chunk_relid
	LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = r.relid
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
