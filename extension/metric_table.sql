-- metric_table.sql: metric tables (TEXT tags, DOUBLE PRECISION fields) and
-- the cardinality of their tags.

CREATE FUNCTION lakets.create_metric_table(
	p_table_name text,
	p_tag_columns text[],
	p_field_columns text[],
	p_chunk_interval interval DEFAULT '1 day',
	p_schema_name text DEFAULT 'public')
RETURNS integer AS 'MODULE_PATHNAME', 'lakets_create_metric_table'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.create_metric_table(text, text[], text[], interval, text) IS
	'Create a ChronoTable ("time" timestamptz, tags text NOT NULL, fields double precision) with an index on (tags..., time DESC) and a BRIN index on time; returns its id.';

CREATE FUNCTION lakets.cardinality_stats(
	p_table_name text,
	p_schema_name text DEFAULT 'public')
RETURNS TABLE (column_name text, distinct_values bigint, total_rows bigint,
	pct_of_rows numeric)
AS 'MODULE_PATHNAME', 'lakets_cardinality_stats'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.cardinality_stats(text, text) IS
	'For each text column (tag) of a table: its distinct values, the rows of the table and the ratio in percent (exact counts).';

CREATE FUNCTION lakets.cardinality_check(
	p_table_name text,
	p_max_series bigint DEFAULT 100000,
	p_schema_name text DEFAULT 'public')
RETURNS TABLE (status text, combined_cardinality bigint, max_allowed bigint,
	tag_columns text)
AS 'MODULE_PATHNAME', 'lakets_cardinality_check'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.cardinality_check(text, bigint, text) IS
	'The number of distinct tag combinations (series) of a table against p_max_series: OK, WARNING above 80 %, CRITICAL above it.';
