-- ensure.sql: keeping chunks ahead and draining the default partition.

CREATE FUNCTION lakets.ensure_partitions(
	p_table_name text DEFAULT NULL,
	p_schema_name text DEFAULT 'public')
RETURNS integer
AS 'MODULE_PATHNAME', 'lakets_ensure_partitions'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

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
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION lakets._ensure_partitions(integer, integer, integer, timestamptz, timestamptz) IS
	'Create the chunks of one ChronoTable for a window around now(), or for [p_range_start, p_range_end); returns the number created.';
