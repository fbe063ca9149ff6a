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

-- Forgetting what was dropped behind lakets' back: the registry rows of
-- relations that no longer exist go at once where this event trigger
-- exists, otherwise on the next maintenance run that meets them. Only a
-- superuser may create an event trigger, so an install by anyone else goes
-- without it (nothing depends on it).
CREATE FUNCTION lakets._forget_dropped()
RETURNS event_trigger AS 'MODULE_PATHNAME', 'lakets_forget_dropped'
LANGUAGE C;

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
