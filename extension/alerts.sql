-- alerts.sql: SQL alerts over the caller's own data. Nothing is stored: an
-- alert is the rows a query returns now (see docs/monitoring.md).

CREATE FUNCTION lakets.alert_check(
	p_name text,
	p_query text,
	p_severity text DEFAULT 'warning')
RETURNS TABLE (alert_name text, severity text, fired_at timestamptz, alert_data jsonb)
AS 'MODULE_PATHNAME', 'lakets_alert_check'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.alert_check(text, text, text) IS
	'Run p_query (one query, with the caller''s rights and search_path); each row it returns is a firing alert, its columns in alert_data.';

CREATE FUNCTION lakets.alert_deadman(
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
