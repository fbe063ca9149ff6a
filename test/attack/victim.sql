-- victim.sql: the maintenance entry points run by a victim (the superuser
-- postgres, or maint, a member of attacker) over the attacker's tables,
-- with the attacker's schema first on search_path. Errors do not stop it.
-- Its own statements name pg_catalog's objects: only lakets may resolve evil ones.
SET client_min_messages = warning;
\ir work.sql
SELECT * FROM lakets.run_maintenance();
\ir work.sql
CALL lakets.maintain();
\ir work.sql
SELECT lakets.ensure_partitions();
\ir work.sql
SELECT lakets.ensure_partitions('m', 'evil');
\ir work.sql
SELECT * FROM lakets.refresh_rollup_cascade();
\ir work.sql
SELECT * FROM lakets.refresh_rollup_cascade('c_hourly');
SELECT lakets.refresh_rollup('m_dirty');
SELECT lakets.refresh_rollup('e_hourly');
\ir work.sql
SELECT * FROM lakets.enforce_retention();
\ir work.sql
SELECT lakets.execute_retention();
\ir work.sql
SELECT lakets.execute_retention('r', 'evil');
SELECT lakets.drop_chunks('r', '60 days', 'evil');
SELECT * FROM lakets.show_chunks('m', NULL, NULL, 'evil');
SELECT * FROM lakets.show_rollups();
SELECT * FROM lakets.show_rollup_dag();
SELECT * FROM lakets.show_retention_policy();
-- the commit-time flush of a change to the attacker's clean source; the
-- victim's own statements name pg_catalog's objects
INSERT INTO evil.c VALUES (pg_catalog.now(), 100);
BEGIN;
INSERT INTO evil.c VALUES ('2020-01-01', 101);
UPDATE evil.c SET v = 102 WHERE v OPERATOR(pg_catalog.=) 100;
DELETE FROM evil.c WHERE v OPERATOR(pg_catalog.=) 101;
COMMIT;
COPY evil.c (ts, v) FROM STDIN;
2031-01-01 00:00:00+00	1
\.
-- lakets' real-time view of a clean RollUp
SELECT pg_catalog.count(*) FROM evil._rollup_rt_c_hourly;
SELECT pg_catalog.count(*) FROM evil._rollup_rt_c_daily;
SELECT * FROM lakets.run_maintenance();
