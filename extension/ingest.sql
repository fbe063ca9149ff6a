-- ingest.sql: batch ingest (extension/ingest.c). Both functions insert as
-- the caller, with the caller's rights.

CREATE FUNCTION lakets.ingest_batch(
	p_table_name text,
	p_data jsonb,
	p_schema_name text DEFAULT 'public')
RETURNS integer
AS 'MODULE_PATHNAME', 'lakets_ingest_batch'
LANGUAGE C;

COMMENT ON FUNCTION lakets.ingest_batch(text, jsonb, text) IS
	'Insert the objects of a JSON array as rows of a table (keys are column names, values typed by the columns) in one statement; returns the number of rows inserted. A bad element fails the whole batch, with its position in the error.';

CREATE FUNCTION lakets.ingest_prometheus(
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
