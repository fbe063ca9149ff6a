-- trust: identity by OID, one bad object never stops the others, RollUps
-- that stay right, conversions that keep what the table had, bad input.
-- (The attack and DDL chaos suites, test/attack and test/ddl_chaos, cover
-- privilege escalation and random outside DDL.)
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
SET client_min_messages = warning;

-- identity: renames of a table and its schema just work
CREATE SCHEMA t1;
CREATE TABLE t1.m (ts timestamptz NOT NULL, v int NOT NULL);
SELECT lakets.create_chronotable('m', 'ts', '1 day', 't1') > 0 AS created;
SELECT lakets._ensure_partitions(lakets._chronotable_id('m', 't1'), 0, 0, '2021-01-01', '2021-01-04');
INSERT INTO t1.m SELECT '2021-01-01 00:00+00'::timestamptz + i * interval '1 hour', 1 FROM generate_series(0, 71) i;
SELECT lakets.create_rollup('m_daily', $$SELECT lakets.time_bucket('1 day', ts) AS bucket, count(*) AS n, sum(v) AS total FROM t1.m GROUP BY 1$$, '1 day') > 0 AS created;
ALTER TABLE t1.m RENAME TO m2;
ALTER SCHEMA t1 RENAME TO t2;
INSERT INTO t2.m2 VALUES ('2021-01-02 05:00+00', 100);
SELECT lakets.refresh_rollup('m_daily');
SELECT bucket, n, total FROM t2._rollup_m_daily ORDER BY 1;
SELECT name, source_table, rollup_schema, rollup_table FROM lakets.show_rollups();
SELECT chunk_name, status FROM lakets.show_chunks('m2', p_schema_name => 't2') WHERE range_start < '2022-01-01';
-- a chunk detached by hand is left alone: recorded, never dropped
ALTER TABLE t2.m2 DETACH PARTITION t2.m_20210101_000000;
SELECT lakets.drop_chunks('m2', '1 day', 't2') AS dropped;
SELECT to_regclass('t2.m_20210101_000000') IS NOT NULL AS detached_chunk_kept;
SELECT chunk_name, status FROM lakets.show_chunks('m2', p_schema_name => 't2', p_include_dropped => true) WHERE range_start < '2022-01-01';
-- its buckets keep their values (the data left the ChronoTable)
SELECT bucket, n FROM t2._rollup_m_daily ORDER BY 1;

-- ranges logged before a RollUp existed are not charged to it; a source's
-- log goes with its last RollUp
CREATE TABLE lg (ts timestamptz NOT NULL, v int);
SELECT lakets.create_chronotable('lg', 'ts', '1 day') > 0 AS created;
SELECT lakets._ensure_partitions(lakets._chronotable_id('lg'), 0, 0, '2021-01-01', '2021-01-03');
SELECT lakets.create_rollup('lg_a', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, count(*) AS n FROM lg GROUP BY 1$$) > 0 AS created;
INSERT INTO lg VALUES ('2021-01-01 01:00+00', 1);
SELECT lakets.create_rollup('lg_b', $$SELECT lakets.time_bucket('1 day', ts) AS bucket, count(*) AS n FROM lg GROUP BY 1$$, '1 day') > 0 AS created;
SELECT name, pending_ranges FROM lakets.show_rollups() WHERE name LIKE 'lg%';
SELECT lakets.drop_rollup('lg_a');
INSERT INTO lg VALUES ('2021-01-02 01:00+00', 1);
SELECT lakets.drop_rollup('lg_b');
SELECT count(*) AS logged_for_lg FROM lakets._source_invalidation_log WHERE source_relid = 'lg'::regclass;
SELECT count(*) AS lakets_triggers_left FROM pg_trigger WHERE tgrelid = 'lg'::regclass AND tgname LIKE 'zz_lakets%';

-- a RollUp whose source was dropped behind lakets' back (here without the
-- sql_drop event trigger) can still be dropped, and maintenance forgets it
ALTER EVENT TRIGGER lakets_forget_dropped DISABLE;
CREATE TABLE gone (ts timestamptz NOT NULL, v int);
SELECT lakets.create_chronotable('gone', 'ts', '1 day') > 0 AS created;
SELECT lakets.create_rollup('gone_h', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, count(*) AS n FROM gone GROUP BY 1$$) > 0 AS created;
SELECT lakets.create_rollup('gone_d', $$SELECT lakets.time_bucket('1 day', bucket) AS bucket, sum(n) AS n FROM _rollup_gone_h GROUP BY 1$$, '1 day') > 0 AS created;
DROP TABLE gone CASCADE;
SELECT lakets.drop_rollup('gone_h');
SELECT lakets.drop_rollup('gone_d');
SELECT lakets.drop_rollup('gone_h');
SELECT to_regclass('_rollup_gone_d') IS NULL AND to_regclass('_rollup_gone_h') IS NULL AS tables_dropped;
-- or the next maintenance run forgets it; its table stays, the owner's
CREATE TABLE gone2 (ts timestamptz NOT NULL, v int);
SELECT lakets.create_chronotable('gone2', 'ts', '1 day') > 0 AS created;
SELECT lakets.create_rollup('gone2_h', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, count(*) AS n FROM gone2 GROUP BY 1$$) > 0 AS created;
DROP TABLE gone2 CASCADE;
SELECT action, detail FROM lakets.run_maintenance() WHERE action NOT IN ('ok', 'nothing_to_do', 'refreshed', 'created');
SELECT count(*) AS rollups_left FROM lakets._rollup_registry WHERE name LIKE 'gone%';
SELECT count(*) AS errors FROM lakets.run_maintenance() WHERE action = 'error';
SELECT to_regclass('_rollup_gone2_h') IS NOT NULL AS rollup_table_left_to_its_owner;
DROP TABLE _rollup_gone2_h;
ALTER EVENT TRIGGER lakets_forget_dropped ENABLE;

-- drop_chunks refreshes the RollUps first: no change is lost
CREATE TABLE dc (ts timestamptz NOT NULL, v int);
SELECT lakets.create_chronotable('dc', 'ts', '1 day') > 0 AS created;
SELECT lakets._ensure_partitions(lakets._chronotable_id('dc'), 0, 0, '2021-01-01', '2021-01-03');
INSERT INTO dc VALUES ('2021-01-01 01:00+00', 1);
SELECT lakets.create_rollup('dc_d', $$SELECT lakets.time_bucket('1 day', ts) AS bucket, count(*) AS n FROM dc GROUP BY 1$$, '1 day') > 0 AS created;
INSERT INTO dc VALUES ('2021-01-01 02:00+00', 1);
SELECT lakets.drop_chunks('dc', '1 day') AS dropped;
SELECT bucket, n FROM _rollup_dc_d ORDER BY 1;

-- a row dated in the future does not hide later rows from the real-time view
CREATE TABLE fu (ts timestamptz NOT NULL, v int);
SELECT lakets.create_chronotable('fu', 'ts', '1 day') > 0 AS created;
INSERT INTO fu VALUES (now() + interval '1 year', 1);
SELECT lakets.create_rollup('fu_h', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, count(*) AS n FROM fu GROUP BY 1$$) > 0 AS created;
INSERT INTO fu SELECT now(), 1 FROM generate_series(1, 30);
SELECT (SELECT sum(n) FROM _rollup_rt_fu_h) AS in_view, (SELECT count(*) FROM fu) AS in_table;
SELECT lakets.refresh_rollup('fu_h');
INSERT INTO fu SELECT now(), 1 FROM generate_series(1, 30);
SELECT (SELECT sum(n) FROM _rollup_rt_fu_h) AS in_view, (SELECT count(*) FROM fu) AS in_table;

-- rows with no possible chunk stay in the default partition; the others move
CREATE TABLE inf (ts timestamptz);
SELECT lakets.create_chronotable('inf', 'ts', '1 day') > 0 AS created;
INSERT INTO inf VALUES ('infinity'), ('-infinity'), ('0100-01-01 00:00+00 BC'), ('9500-01-01 00:00+00'),
	(NULL), ('2021-06-01 12:00+00');
SELECT lakets.ensure_partitions('inf') AS created;
SELECT lakets.ensure_partitions('inf') AS created_again;
SELECT tableoid::regclass AS partition, ts FROM inf ORDER BY ts NULLS LAST;

-- an extreme retention policy drops nothing and fails nothing
SELECT lakets.add_retention_policy('inf', '10000 years') > 0 AS added;
SELECT step, action FROM lakets.run_maintenance('retention') WHERE object LIKE '%inf%';
SELECT status, errors FROM lakets.job_history ORDER BY id DESC LIMIT 1;
SELECT count(*) AS dropped FROM lakets.enforce_retention() WHERE action = 'dropped';
-- a policy that fails is that table's error row, not the run's failure
CREATE TABLE bad (ts timestamptz NOT NULL);
SELECT lakets.create_chronotable('bad', 'ts', '1 day') > 0 AS created;
SELECT lakets._ensure_partitions(lakets._chronotable_id('bad'), 0, 0, '2001-01-01', '2001-01-02');
SELECT lakets.add_retention_policy('bad', '1 day') > 0 AS added;
CREATE FUNCTION no_drops() RETURNS event_trigger LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'no drops today'; END$$;
CREATE EVENT TRIGGER no_drops ON sql_drop EXECUTE FUNCTION no_drops();
SELECT object, action FROM lakets.run_maintenance('retention') WHERE object LIKE '%bad%';
SELECT status, errors, error_text FROM lakets.job_history ORDER BY id DESC LIMIT 1;
DROP EVENT TRIGGER no_drops;
DROP FUNCTION no_drops();

-- RollUp queries must not depend on session settings
CREATE TABLE q (ts timestamptz NOT NULL, v numeric);
SELECT lakets.create_chronotable('q', 'ts', '1 day') > 0 AS created;
CREATE TABLE qd (d date NOT NULL, v int);
SELECT lakets.create_chronotable('qd', 'd', '1 month') > 0 AS created;
SELECT lakets.create_rollup('x', $$SELECT lakets.time_bucket('1 hour', ts) AS b, to_char(max(ts), 'YYYY') AS y FROM q GROUP BY 1$$);
SELECT lakets.create_rollup('x', $$SELECT lakets.time_bucket('1 hour', ts) AS b, count(*) FROM q WHERE ts > now() - interval '1 day' GROUP BY 1$$);
SELECT lakets.create_rollup('x', $$SELECT lakets.time_bucket('1 hour', ts) AS b, max(ts::timestamp) FROM q GROUP BY 1$$);
SELECT lakets.create_rollup('x', $$SELECT lakets.time_bucket('1 hour', ts) AS b, count(*) FROM q TABLESAMPLE SYSTEM (10) GROUP BY 1$$);
SELECT lakets.create_rollup('x', $$SELECT lakets.time_bucket('1 month', ts, '2000-01-15 00:00+00'::timestamptz) AS b, count(*) FROM q GROUP BY 1$$);
SELECT lakets.create_rollup('x', $$SELECT date_bin('1 month', ts, '2000-01-01 00:00+00') AS b, count(*) FROM q GROUP BY 1$$);
SELECT lakets.create_rollup('x', $$SELECT lakets.time_bucket('1 hour', ts, '-infinity'::timestamptz) AS b, count(*) FROM q GROUP BY 1$$);
SELECT lakets.create_rollup('x', $$SELECT date_trunc('month', d) AS b, count(*) FROM qd GROUP BY 1$$);
-- accepted: an origin on a month boundary, date_trunc in UTC, a date as timestamp
SELECT lakets.create_rollup('q_3m', $$SELECT lakets.time_bucket('3 months', ts, '2000-04-01 00:00+00'::timestamptz) AS b, count(*) AS n FROM q GROUP BY 1$$, '3 months') > 0 AS created;
SELECT lakets.create_rollup('qd_m', $$SELECT date_trunc('month', d::timestamp) AS b, count(*) AS n, sum(v) AS total FROM qd GROUP BY 1$$, '1 month') > 0 AS created;
INSERT INTO qd SELECT '2021-01-01'::date + i, i FROM generate_series(0, 59) i;
SELECT lakets.refresh_rollup('qd_m');
SELECT b, n, total FROM _rollup_qd_m ORDER BY 1;

-- conversion keeps what the table had
CREATE TABLE keep (id int NOT NULL, ts timestamptz NOT NULL, note text,
	PRIMARY KEY (id, ts)) WITH (fillfactor = 70, autovacuum_enabled = false);
ALTER TABLE keep REPLICA IDENTITY FULL;
ALTER TABLE keep ALTER COLUMN note SET STATISTICS 500;
CREATE POLICY keep_own ON keep USING (id > 0);
SET client_min_messages = error;
CREATE PUBLICATION keep_pub FOR TABLE keep;
SET client_min_messages = warning;
SELECT lakets.create_chronotable('keep', 'ts', '1 day') > 0 AS created;
SELECT relreplident FROM pg_class WHERE oid = 'keep'::regclass;
SELECT count(*) AS chunks,
	count(*) FILTER (WHERE c.reloptions @> '{fillfactor=70,autovacuum_enabled=false}') AS with_options,
	count(*) FILTER (WHERE c.relreplident = 'f') AS replica_full,
	count(*) FILTER (WHERE a.attstattarget = 500) AS statistics_500
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'note'
WHERE i.inhparent = 'keep'::regclass;
SELECT polname, pg_get_expr(polqual, polrelid) FROM pg_policy WHERE polrelid = 'keep'::regclass;
SELECT p.pubname FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid
WHERE pr.prrelid = 'keep'::regclass;
-- and a new chunk gets the same
SELECT lakets._ensure_partitions(lakets._chronotable_id('keep'), 0, 0, '2021-01-01', '2021-01-02');
SELECT c.reloptions, c.relreplident FROM pg_class c WHERE c.relname = 'keep_20210101_000000';
DROP PUBLICATION keep_pub;
-- refused up front
CREATE UNLOGGED TABLE unl (ts timestamptz NOT NULL);
SELECT lakets.create_chronotable('unl', 'ts');
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE excl (ts timestamptz NOT NULL, r int, EXCLUDE USING gist (r WITH =, ts WITH =));
SELECT lakets.create_chronotable('excl', 'ts');
SELECT relkind FROM pg_class WHERE relname IN ('unl', 'excl') ORDER BY relname;

-- bad input
SELECT lakets.set_chunk_window('keep', 2147483647, 2147483647);
SELECT lakets.set_chunk_window('keep', -1, 0);
CREATE TABLE w23 (ts timestamptz NOT NULL);
SELECT lakets.create_chronotable('w23', 'ts', '1 day -1 hour') > 0 AS created_23_hours;
SELECT lakets._ensure_partitions(lakets._chronotable_id('w23'), 0, 0, '2021-01-01', '2021-01-02');
SELECT range_end - range_start AS width FROM lakets.show_chunks('w23') LIMIT 1;
CREATE TABLE wneg (ts timestamptz NOT NULL);
SELECT lakets.create_chronotable('wneg', 'ts', '-1 day 1 hour');
CREATE TABLE us (ts timestamptz NOT NULL);
SELECT lakets.create_chronotable('us', 'ts', '1 microsecond', p_if_not_exists => false) > 0 AS created;
SELECT count(*) AS chunks, count(DISTINCT chunk_name) AS distinct_names FROM lakets.show_chunks('us');

-- show_chunks for a role that may read the ChronoTable (not its chunks)
CREATE ROLE lakets_regress_reader2;
GRANT SELECT ON t2.m2 TO lakets_regress_reader2;
GRANT USAGE ON SCHEMA t2 TO lakets_regress_reader2;
SET ROLE lakets_regress_reader2;
SELECT count(*) AS chunks, count(row_count) AS counted FROM lakets.show_chunks('m2', p_schema_name => 't2') WHERE status = 'active';
RESET ROLE;
REVOKE ALL ON t2.m2 FROM lakets_regress_reader2;
REVOKE ALL ON SCHEMA t2 FROM lakets_regress_reader2;
DROP ROLE lakets_regress_reader2;

-- clean up
SELECT lakets.drop_rollup(name) FROM lakets._rollup_registry ORDER BY id DESC;
DROP SCHEMA t2 CASCADE;
DROP TABLE lg, dc, fu, inf, bad, q, qd, keep, unl, excl, w23, wneg, us;
SELECT (SELECT count(*) FROM lakets._chronotable_registry) AS chronotables,
	(SELECT count(*) FROM lakets._retention_policy) AS policies,
	(SELECT count(*) FROM lakets._rollup_registry) AS rollups;
