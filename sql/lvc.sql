-- lvc: the Last Value Cache. The newest time wins (late rows never
-- overwrite), UPDATE and DELETE are followed, enable_lvc() fills the cache
-- from the rows there are, and nothing stays behind a disable, a dropped
-- source or DROP EXTENSION.
SET client_min_messages = warning;
SET TimeZone = 'UTC';

CREATE TABLE lm (time timestamptz NOT NULL, host text NOT NULL, cpu float8, mem float8);
INSERT INTO lm VALUES
	('2026-01-01 10:00', 'h-0', 1, 10), ('2026-01-01 11:00', 'h-0', 2, 20),
	('2026-01-01 09:00', 'h-1', 3, 30), ('2026-01-01 08:00', 'h-1', 4, 40);
SELECT lakets.create_chronotable('lm', 'time', '1 day') > 0 AS created;
SELECT lakets._ensure_partitions(lakets._chronotable_id('lm'), 0, 0,
	'2026-01-01', '2026-01-04') >= 0 AS chunks;

-- enable: the cache is <schema>._lvc_<table>, filled from the rows there are
SELECT lakets.enable_lvc('lm', ARRAY['host'], ARRAY['cpu', 'mem']);
\d _lvc_lm
SELECT * FROM _lvc_lm ORDER BY host;
SELECT * FROM lakets.latest_values('lm')
	AS (host text, cpu float8, mem float8, last_updated timestamptz);
SELECT * FROM lakets.lvc_stats();

-- newer rows replace, late rows (an older time) do not
INSERT INTO lm VALUES ('2026-01-01 12:00', 'h-0', 5, 50);
INSERT INTO lm VALUES ('2026-01-01 07:00', 'h-1', 99, 99);
SELECT host, cpu, mem, last_updated FROM _lvc_lm ORDER BY host;
-- in one statement, the newest of each key wins whatever the order
INSERT INTO lm VALUES ('2026-01-02 10:00', 'h-2', 6, 60), ('2026-01-02 12:00', 'h-2', 8, 80),
	('2026-01-02 11:00', 'h-2', 7, 70), ('2026-01-02 09:00', 'h-2', NULL, NULL);
SELECT host, cpu, mem, last_updated FROM _lvc_lm WHERE host = 'h-2';
-- the same time as the cached row: the later write wins
INSERT INTO lm VALUES ('2026-01-02 12:00', 'h-2', 9, 90);
SELECT host, cpu, mem, last_updated FROM _lvc_lm WHERE host = 'h-2';
-- COPY, and rows that land in the default partition
COPY lm FROM stdin;
2026-01-03 01:00:00+00	h-3	1	1
2026-01-03 02:00:00+00	h-3	2	2
2030-06-01 00:00:00+00	h-4	4	4
2020-06-01 00:00:00+00	h-4	3	3
\.
SELECT host, cpu, last_updated FROM _lvc_lm WHERE host IN ('h-3', 'h-4') ORDER BY host;
SELECT tableoid::regclass = 'lm_default'::regclass AS in_default FROM lm WHERE host = 'h-4' ORDER BY time;

-- UPDATE: values of the cached row; the cached row moved to an older time
-- (the key's newest row is read again); a key changed
UPDATE lm SET cpu = 55 WHERE host = 'h-0' AND time = '2026-01-01 12:00';
SELECT host, cpu, mem, last_updated FROM _lvc_lm WHERE host = 'h-0';
UPDATE lm SET time = '2026-01-01 06:00' WHERE host = 'h-0' AND time = '2026-01-01 12:00';
SELECT host, cpu, mem, last_updated FROM _lvc_lm WHERE host = 'h-0';
UPDATE lm SET host = 'h-5' WHERE host = 'h-3' AND time = '2026-01-03 02:00';
SELECT host, cpu, last_updated FROM _lvc_lm WHERE host IN ('h-3', 'h-5') ORDER BY host;
-- DELETE: an older row changes nothing; the cached row brings back the
-- one before it; the last rows of a key take it away
DELETE FROM lm WHERE host = 'h-0' AND time = '2026-01-01 10:00';
SELECT host, cpu, last_updated FROM _lvc_lm WHERE host = 'h-0';
DELETE FROM lm WHERE host = 'h-0' AND time = '2026-01-01 11:00';
SELECT host, cpu, last_updated FROM _lvc_lm WHERE host = 'h-0';
DELETE FROM lm WHERE host = 'h-5';
SELECT count(*) AS h5 FROM _lvc_lm WHERE host = 'h-5';

-- rows written straight into a chunk reach the cache by commit
SELECT chunk_name AS chunk FROM lakets.show_chunks('lm') WHERE range_start = '2026-01-03' \gset
INSERT INTO :chunk VALUES ('2026-01-03 05:00', 'h-3', 33, 33);
SELECT host, cpu, last_updated FROM _lvc_lm WHERE host = 'h-3';
-- what rolls back is not cached
BEGIN;
INSERT INTO lm VALUES ('2026-01-03 06:00', 'h-3', 66, 66);
ROLLBACK;
BEGIN;
SAVEPOINT s;
INSERT INTO :chunk VALUES ('2026-01-03 07:00', 'h-3', 77, 77);
ROLLBACK TO SAVEPOINT s;
INSERT INTO lm VALUES ('2026-01-03 04:00', 'h-6', 44, 44);
COMMIT;
SELECT host, cpu, last_updated FROM _lvc_lm WHERE host IN ('h-3', 'h-6') ORDER BY host;
-- a chunk created later gets the triggers
SELECT lakets._ensure_partitions(lakets._chronotable_id('lm'), 0, 0,
	'2026-01-10', '2026-01-11') AS created;
SELECT t.tgname FROM pg_trigger t
WHERE t.tgrelid = (SELECT chunk_name FROM lakets.show_chunks('lm') WHERE range_start = '2026-01-10')::regclass
ORDER BY 1;
INSERT INTO lm VALUES ('2026-01-10 01:00', 'h-6', 45, 45);
SELECT host, cpu, last_updated FROM _lvc_lm WHERE host = 'h-6';

-- the whole cache, newest first, and its statistics
SELECT * FROM lakets.latest_values('lm', 'public')
	AS (host text, cpu float8, mem float8, last_updated timestamptz);
SELECT chronotable, cache_table, cached_series, key_columns, value_columns, enabled
FROM lakets.lvc_stats();

-- TRUNCATE empties the cache; the next rows fill it again
TRUNCATE lm;
SELECT count(*) AS cached FROM _lvc_lm;
INSERT INTO lm VALUES ('2026-01-02 00:00', 'h-0', 1, 1);
SELECT host, cpu, last_updated FROM _lvc_lm;

-- bad calls
SELECT lakets.enable_lvc('lm', ARRAY['host'], ARRAY['cpu']);
CREATE TABLE plain (time timestamptz NOT NULL, host text, cpu float8);
SELECT lakets.enable_lvc('plain', ARRAY['host'], ARRAY['cpu']);
SELECT lakets.enable_lvc('nosuch', ARRAY['host'], ARRAY['cpu']);
CREATE TABLE lb (time timestamptz NOT NULL, host text, cpu float8, last_updated timestamptz, p point);
SELECT lakets.create_chronotable('lb', 'time', '1 day') > 0 AS created;
SELECT lakets.enable_lvc('lb', ARRAY['nosuch'], ARRAY['cpu']);
SELECT lakets.enable_lvc('lb', ARRAY['host'], ARRAY['nosuch']);
SELECT lakets.enable_lvc('lb', ARRAY['host'], ARRAY['cpu', 'host']);
SELECT lakets.enable_lvc('lb', ARRAY['host'], ARRAY['last_updated']);
SELECT lakets.enable_lvc('lb', ARRAY[]::text[], ARRAY['cpu']);
SELECT lakets.enable_lvc('lb', NULL, ARRAY['cpu']);
SELECT lakets.enable_lvc('lb', ARRAY['host', NULL], ARRAY['cpu']);
SELECT lakets.enable_lvc('lb', ARRAY['host'], NULL);
SELECT lakets.enable_lvc('lb', ARRAY['p'], ARRAY['cpu']);
SELECT lakets.disable_lvc('lb');
SELECT * FROM lakets.latest_values('lb') AS (host text, cpu float8, last_updated timestamptz);
SELECT * FROM lakets.latest_values('lm') AS (host text, cpu float8, last_updated timestamptz);
SELECT lakets._lvc_note('lm', 2, now(), 'x'::text);
SELECT lakets._lvc_note('lm', 1, now(), 1, 2.0::float8, 3.0::float8);
SELECT lakets._lvc_trigger();
-- no value columns: a cache of keys and times; a key of two columns
SELECT lakets.enable_lvc('lb', ARRAY['host', 'cpu'], ARRAY[]::text[]);
INSERT INTO lb (time, host, cpu) VALUES ('2026-01-01', 'a', 1), ('2026-01-02', 'a', 1),
	('2026-01-01', 'a', 2), (now(), NULL, 3);
SELECT * FROM _lvc_lb ORDER BY host, cpu;

-- rights: a role with INSERT on the source only gets its rows cached; a
-- role without it cannot write them, nor record rows through lakets
CREATE ROLE lvc_writer;
CREATE ROLE lvc_nobody;
GRANT INSERT ON lm TO lvc_writer;
SET ROLE lvc_writer;
INSERT INTO lm VALUES ('2026-01-02 05:00', 'h-7', 7, 7);
SELECT * FROM _lvc_lm;
SELECT * FROM lakets.latest_values('lm') AS (host text, cpu float8, mem float8, last_updated timestamptz);
SELECT lakets.enable_lvc('lb', ARRAY['host'], ARRAY['cpu']);
SELECT lakets.disable_lvc('lm');
SET ROLE lvc_nobody;
INSERT INTO lm VALUES ('2026-01-02 06:00', 'h-8', 8, 8);
SELECT lakets._lvc_note('lm', 1, '2026-01-02 06:00'::timestamptz, 'h-8'::text, 8::float8, 8::float8);
SELECT chronotable, cached_series FROM lakets.lvc_stats() ORDER BY 1;
RESET ROLE;
SELECT host, cpu, last_updated FROM _lvc_lm ORDER BY host;
GRANT SELECT ON lm TO lvc_nobody;
SET ROLE lvc_nobody;
SELECT host FROM lakets.latest_values('lm') AS (host text, cpu float8, mem float8, last_updated timestamptz)
ORDER BY host;
RESET ROLE;

-- disable: the triggers and the cache go
SELECT lakets.disable_lvc('lm');
SELECT count(*) AS triggers FROM pg_trigger WHERE tgname LIKE 'trg_lakets_lvc%'
	AND tgrelid IN (SELECT relid FROM pg_partition_tree('lm'));
SELECT to_regclass('_lvc_lm') AS cache, count(*) AS registered
FROM lakets._lvc_registry WHERE source_relid = 'lm'::regclass;
INSERT INTO lm VALUES ('2026-01-02 07:00', 'h-9', 9, 9);
SELECT lakets.disable_lvc('lm');
-- enable again: backfilled from the table
SELECT lakets.enable_lvc('lm', ARRAY['host'], ARRAY['cpu']);
SELECT * FROM _lvc_lm ORDER BY host;
-- the cache dropped by hand takes the triggers along; enable_lvc works again
DROP TABLE _lvc_lm;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgname LIKE 'trg_lakets_lvc%'
	AND tgrelid IN (SELECT relid FROM pg_partition_tree('lm'));
INSERT INTO lm VALUES ('2026-01-02 08:00', 'h-9', 10, 10);
SELECT lakets.enable_lvc('lm', ARRAY['host'], ARRAY['cpu']);
SELECT host, cpu FROM _lvc_lm ORDER BY host;

-- renaming the source's columns changes nothing for the cache
ALTER TABLE lm RENAME COLUMN host TO hostname;
ALTER TABLE lm RENAME COLUMN cpu TO load;
INSERT INTO lm VALUES ('2026-01-02 09:00', 'h-9', 11, 11);
SELECT host, cpu, last_updated FROM _lvc_lm WHERE host = 'h-9';
DELETE FROM lm WHERE hostname = 'h-9' AND time = '2026-01-02 09:00';
SELECT host, cpu, last_updated FROM _lvc_lm WHERE host = 'h-9';

-- a date time column: last_updated is its midnight, UTC
CREATE TABLE ld (day date NOT NULL, k int NOT NULL, v int);
INSERT INTO ld VALUES ('2026-01-01', 1, 1), ('2026-01-03', 1, 3);
SELECT lakets.create_chronotable('ld', 'day', '7 days') > 0 AS created;
SELECT lakets.enable_lvc('ld', ARRAY['k'], ARRAY['v']);
INSERT INTO ld VALUES ('2026-01-02', 1, 2), ('2026-01-04', 2, 4);
SELECT * FROM _lvc_ld ORDER BY k;
DELETE FROM ld WHERE day = '2026-01-03';
SELECT * FROM _lvc_ld ORDER BY k;
DROP TABLE ld;

-- dropping the source leaves nothing
DROP TABLE lm;
DROP TABLE lb;
SELECT count(*) AS caches FROM pg_class WHERE relname LIKE '\_lvc\_%' AND relnamespace = 'public'::regnamespace;
SELECT count(*) AS registered FROM lakets._lvc_registry;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgname LIKE 'trg_lakets_lvc%';
DROP TABLE plain;
DROP ROLE lvc_writer;
REVOKE ALL ON SCHEMA public FROM lvc_nobody;
DROP ROLE lvc_nobody;

-- DROP EXTENSION leaves nothing either (in a database of its own)
SELECT current_database() AS regress_db \gset
CREATE DATABASE lakets_lvc_dropext;
\c lakets_lvc_dropext
SET client_min_messages = warning;
CREATE EXTENSION lakets;
CREATE TABLE dm (time timestamptz NOT NULL, k int NOT NULL, v int);
SELECT lakets.create_chronotable('dm', 'time', '1 day') > 0 AS created;
SELECT lakets.enable_lvc('dm', ARRAY['k'], ARRAY['v']);
INSERT INTO dm VALUES (now(), 1, 1);
\set VERBOSITY terse
DROP EXTENSION lakets;
\set VERBOSITY default
DROP EXTENSION lakets CASCADE;
SELECT to_regclass('_lvc_dm') AS cache,
	(SELECT count(*) FROM pg_trigger WHERE tgrelid = 'dm'::regclass AND NOT tgisinternal) AS triggers;
INSERT INTO dm VALUES (now(), 2, 2);
SELECT count(*) FROM dm;
\c :regress_db
DROP DATABASE lakets_lvc_dropext;
