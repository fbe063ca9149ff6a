-- maintenance: run_maintenance() does partitions, RollUps and retention in
-- one call with a row per action and a history; pg_cron is optional; and a
-- dedicated maintenance role needs exactly the grants docs/permissions.md
-- lists.
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';

-- the application's tables belong to an application role
CREATE ROLE lakets_regress_app;
GRANT CREATE ON SCHEMA public TO lakets_regress_app;
SET ROLE lakets_regress_app;
CREATE TABLE app_events (ts timestamptz NOT NULL, kind int NOT NULL);
SELECT lakets.create_chronotable('app_events', 'ts', '1 day') AS ct \gset
SELECT lakets._ensure_partitions(:ct, 0, 0, '2021-01-01', '2021-01-03') AS chunks;
INSERT INTO app_events SELECT '2021-01-01 00:00+00'::timestamptz + i * interval '1 hour', i % 3 FROM generate_series(0, 47) i;
SELECT lakets.create_rollup('app_daily', $$SELECT lakets.time_bucket('1 day', ts) AS bucket, kind, count(*) AS n FROM app_events GROUP BY 1, 2$$, '1 day') > 0 AS created;
SELECT lakets.add_retention_policy('app_events', '1 year') > 0 AS policy;
SELECT lakets.set_chunk_window('app_events', 1, 5);
INSERT INTO app_events VALUES ('2021-01-02 05:00+00', 1);
RESET ROLE;

-- the maintenance role: exactly the grants of docs/permissions.md
CREATE ROLE lakets_regress_maint LOGIN;
GRANT lakets_regress_app TO lakets_regress_maint;
-- and a role without them
CREATE ROLE lakets_regress_outsider LOGIN;

SET ROLE lakets_regress_outsider;
SELECT * FROM lakets.run_maintenance();
SELECT job, status, chunks_created, rollups_refreshed, chunks_dropped, run_by FROM lakets.job_history;
SELECT lakets.ensure_partitions('app_events');
SELECT lakets.refresh_rollup('app_daily');
SELECT lakets.execute_retention('app_events');
RESET ROLE;

SET ROLE lakets_regress_maint;
-- in the order done: partitions, RollUps, retention (RollUp timings vary)
SELECT step, object, action, CASE WHEN step = 'rollups' THEN 'timed' ELSE detail END AS detail
FROM lakets.run_maintenance();
SELECT job, status, chunks_created, rollups_refreshed, chunks_dropped, skipped, errors, run_by
FROM lakets.job_history ORDER BY id;
-- what it did: the window is there, the RollUp caught the late row before
-- its chunk went, the expired chunks are tombstones
SELECT count(*) AS active_chunks FROM lakets.show_chunks('app_events') WHERE status = 'active';
SELECT count(*) AS dropped_chunks FROM lakets.show_chunks('app_events', p_include_dropped => true) WHERE status = 'dropped';
SELECT table_name, last_run_at IS NOT NULL AS ran FROM lakets.show_retention_policy() ORDER BY 1;
SELECT bucket, kind, n FROM _rollup_app_daily ORDER BY 1, 2;
SELECT count(*) FILTER (WHERE c.relowner <> 'lakets_regress_app'::regrole) AS chunks_not_owned_by_app
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'app_events'::regclass;
-- a second run has nothing to do
SELECT step, object, action FROM lakets.run_maintenance() WHERE action NOT IN ('ok', 'nothing_to_do');
-- jobs
SELECT step, object, action FROM lakets.run_maintenance('partitions');
SELECT step, action FROM lakets.run_maintenance('rollups');
SELECT count(*) AS retention_rows FROM lakets.run_maintenance('retention');
SELECT lakets.run_maintenance('cleanup');
SELECT lakets.run_maintenance(NULL);
-- the procedure form commits per table; actions worth knowing are NOTICEs
INSERT INTO app_events VALUES (now(), 2);
CALL lakets.maintain();
CALL lakets.maintain('retention');
CALL lakets.maintain('cleanup');
SELECT job, status FROM lakets.job_history ORDER BY id;
RESET ROLE;

-- it works inside a transaction block and from PL/pgSQL
BEGIN;
SELECT count(*) > 0 AS rows FROM lakets.run_maintenance();
ROLLBACK;
DO $$
DECLARE n bigint;
BEGIN
	SELECT count(*) INTO n FROM lakets.run_maintenance();
	RAISE NOTICE 'run_maintenance returned % rows', n;
END
$$;
-- inside a transaction block the procedure does it all in that transaction
BEGIN;
CALL lakets.maintain('partitions');
ROLLBACK;

-- (two concurrent runs: test/isolation/specs/maintenance_vs_maintenance.spec)

-- pg_cron: not installed in this database
SELECT lakets.schedule_maintenance();
SELECT lakets.schedule_maintenance('* * * * *', 'cleanup');
SELECT lakets.unschedule_maintenance();

-- no SECURITY DEFINER anywhere; maintenance functions pin search_path
SELECT count(*) AS security_definer FROM pg_proc
WHERE pronamespace = 'lakets'::regnamespace AND prosecdef;
SELECT proname FROM pg_proc WHERE pronamespace = 'lakets'::regnamespace
AND proconfig @> ARRAY['search_path=pg_catalog, pg_temp'] ORDER BY 1;

SELECT lakets.drop_chronotable('app_events');
DELETE FROM lakets.job_history;
REVOKE CREATE ON SCHEMA public FROM lakets_regress_app;
DROP ROLE lakets_regress_maint, lakets_regress_outsider, lakets_regress_app;
