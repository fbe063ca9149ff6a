-- metric_table: the toolkit's tag + field tables, made ChronoTables in one
-- call, and the cardinality of their tags.
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';

SELECT lakets.create_metric_table('cpu', ARRAY['host', 'region'], ARRAY['usage', 'Idle Pct'], '1 day') > 0 AS created;
-- the columns, their types, and the ChronoTable
SELECT attname, format_type(atttypid, atttypmod) AS type, attnotnull
FROM pg_attribute WHERE attrelid = 'cpu'::regclass AND attnum > 0 ORDER BY attnum;
SELECT relkind FROM pg_class WHERE oid = 'cpu'::regclass;
SELECT time_column, chunk_interval FROM lakets._chronotable_registry WHERE relid = 'cpu'::regclass;
-- the toolkit's two indexes, on the table and on every chunk
SELECT indexrelid::regclass AS index, pg_get_indexdef(indexrelid) AS def
FROM pg_index WHERE indrelid = 'cpu'::regclass ORDER BY 1;
SELECT count(*) > 0 AS chunks,
       bool_and((SELECT count(*) FROM pg_index x WHERE x.indrelid = i.inhrelid) = 2) AS all_indexed
FROM pg_inherits i WHERE i.inhparent = 'cpu'::regclass;

-- defaults: a one-day chunk interval in public; no tags, no series index
CREATE SCHEMA "Metrics";
SELECT lakets.create_metric_table('Temp', '{}', '{value}', p_schema_name => 'Metrics') > 0 AS created;
SELECT chunk_interval FROM lakets._chronotable_registry WHERE relid = '"Metrics"."Temp"'::regclass;
SELECT indexrelid::regclass AS index FROM pg_index WHERE indrelid = '"Metrics"."Temp"'::regclass;

-- bad input: clear errors, nothing left behind
SELECT lakets.create_metric_table('cpu', '{h}', '{v}');
SELECT lakets.create_metric_table('m2', '{host}', '{host}');
SELECT lakets.create_metric_table('m2', '{time}', '{v}');
SELECT lakets.create_metric_table('m2', '{host, NULL}', '{v}');
SELECT lakets.create_metric_table('m2', '{host, ""}', '{v}');
SELECT lakets.create_metric_table('m2', '{{a}, {b}}', '{v}');
SELECT lakets.create_metric_table('m2', NULL, '{v}');
SELECT lakets.create_metric_table('m2', '{h}', NULL);
SELECT lakets.create_metric_table('m2', '{h}', '{v}', NULL);
SELECT lakets.create_metric_table('m2', '{h}', '{v}', '-1 day');
SELECT lakets.create_metric_table('m2', '{h}', '{v}', '1 day', 'no_such_schema');
SELECT lakets.create_metric_table('', '{h}', '{v}');
SELECT lakets.create_metric_table(repeat('x', 64), '{h}', '{v}');
SELECT lakets.create_metric_table('m2', ARRAY[repeat('x', 64)], '{v}');
SELECT to_regclass('m2') AS m2;
-- quoting: names are taken as they are
SELECT lakets.create_metric_table('m2; DROP TABLE cpu', '{"a\"b", "x y"}', '{"Z"}') > 0 AS created;
SELECT attname FROM pg_attribute WHERE attrelid = '"m2; DROP TABLE cpu"'::regclass AND attnum > 0 ORDER BY attnum;
SELECT to_regclass('cpu') AS cpu_still_there;
-- a long name: the index names are cut to fit, as PostgreSQL would
SELECT lakets.create_metric_table(repeat('l', 60), '{h}', '{v}') > 0 AS created;
SELECT indexrelid::regclass AS index FROM pg_index WHERE indrelid = repeat('l', 60)::regclass ORDER BY 1;

-- the data: 3 hosts in 2 regions, 120 rows
INSERT INTO cpu (time, host, region, usage, "Idle Pct")
SELECT '2024-01-01 00:00+00'::timestamptz + i * interval '1 minute',
       'h' || (i % 3), CASE WHEN i % 3 = 0 THEN 'eu' ELSE 'us' END, i, 100 - i
FROM generate_series(0, 119) AS i;
SELECT * FROM lakets.cardinality_stats('cpu');
SELECT * FROM lakets.cardinality_check('cpu');
SELECT * FROM lakets.cardinality_check('cpu', 3);
SELECT * FROM lakets.cardinality_check('cpu', 2);
-- 3 series: OK for at most 4 (75 %), WARNING above 80 % (max 3), CRITICAL above max (max 2)
SELECT status FROM lakets.cardinality_check('cpu', 4);
SELECT lakets.cardinality_check('cpu', 5) AS "3 of 5 is 60 %";
-- a table without tags, an empty one, a plain table, a view
SELECT * FROM lakets.cardinality_stats('Temp', 'Metrics');
SELECT * FROM lakets.cardinality_check('Temp', 10, 'Metrics');
CREATE TABLE plain (k text, n int);
SELECT * FROM lakets.cardinality_stats('plain');
INSERT INTO plain VALUES ('a', 1), ('a', 2), (NULL, 3);
SELECT * FROM lakets.cardinality_stats('plain');
SELECT * FROM lakets.cardinality_check('plain');
-- exactly 80 % is not above it: 4 series of at most 5 are OK
INSERT INTO plain VALUES ('b', 4), ('c', 5);
SELECT status, combined_cardinality FROM lakets.cardinality_check('plain', 5);
CREATE VIEW plain_v AS SELECT k AS "Key" FROM plain;
SELECT * FROM lakets.cardinality_stats('plain_v');
-- errors
SELECT * FROM lakets.cardinality_stats('no_such');
SELECT * FROM lakets.cardinality_stats('cpu', 'no_such');
SELECT * FROM lakets.cardinality_stats(NULL);
SELECT * FROM lakets.cardinality_check('cpu', NULL);
SELECT * FROM lakets.cardinality_check('cpu', -1);
CREATE SEQUENCE seq;
SELECT * FROM lakets.cardinality_stats('seq');
-- read with the caller's rights
CREATE ROLE lakets_regress_metric_reader;
SET ROLE lakets_regress_metric_reader;
SELECT * FROM lakets.cardinality_stats('cpu');
SELECT * FROM lakets.cardinality_check('cpu');
RESET ROLE;
GRANT SELECT ON cpu TO lakets_regress_metric_reader;
SET ROLE lakets_regress_metric_reader;
SELECT column_name, distinct_values FROM lakets.cardinality_stats('cpu');
-- creating needs the right to create in the schema
SELECT lakets.create_metric_table('m3', '{h}', '{v}');
RESET ROLE;

DROP TABLE cpu, "Metrics"."Temp", "m2; DROP TABLE cpu", plain CASCADE;
SELECT lakets.drop_chronotable(repeat('l', 60));
DROP SCHEMA "Metrics";
DROP SEQUENCE seq;
DROP ROLE lakets_regress_metric_reader;
