-- ingest_batch: a JSON array of objects inserted in one statement, typed by
-- the table's columns, as the caller; a bad element fails the whole batch
-- and is named. ingest_prometheus: one sample.
SET client_min_messages = warning;
SET TimeZone = 'UTC';

CREATE TABLE ib (time timestamptz NOT NULL, host text NOT NULL, cpu float8,
	n int DEFAULT 42, up boolean, tags jsonb, twice int GENERATED ALWAYS AS (n * 2) STORED);
SELECT lakets.create_chronotable('ib', 'time', '1 day') > 0 AS created;
SELECT lakets._ensure_partitions(lakets._chronotable_id('ib'), 0, 0,
	'2026-03-24', '2026-03-27') >= 0 AS chunks;

-- rows in, the number of rows back
SELECT lakets.ingest_batch('ib', '[
	{"time": "2026-03-25T17:00:00Z", "host": "batch-1", "cpu": 55.5},
	{"time": "2026-03-25T17:00:01Z", "host": "batch-2", "cpu": 66.6},
	{"time": "2026-03-25T17:00:02Z", "host": "batch-3", "cpu": 77.7}
]');
-- JSON null, numbers as strings, booleans, objects into jsonb; a key
-- left out gets the column's default (the elements of another shape are a
-- statement of their own)
SELECT lakets.ingest_batch('ib', '[
	{"time": "2026-03-25T18:00:00Z", "host": "null-test", "cpu": null, "n": null},
	{"time": "2026-03-25T18:00:01Z", "host": "string-num", "cpu": "12.5", "n": "7", "up": true},
	{"time": "2026-03-25T18:00:02Z", "host": "nested", "tags": {"env": "prod", "dc": [1, 2]}},
	{"time": "2026-03-25T18:00:03Z", "host": "int", "cpu": 3, "n": 3, "up": false}
]');
SELECT * FROM ib ORDER BY time;
-- an empty array inserts nothing
SELECT lakets.ingest_batch('ib', '[]');
SELECT lakets.ingest_batch('ib', '[{"time": "2026-03-25T19:00:00Z", "host": "other-schema"}]', 'public');

-- bad input: nothing is inserted, and the error names the element
SELECT lakets.ingest_batch('ib', '{"not": "array"}');
DO $$ BEGIN
	PERFORM lakets.ingest_batch('ib', '{"not": "array"}');
EXCEPTION WHEN raise_exception THEN
	RAISE WARNING 'refused with the toolkit''s class: %', SQLERRM;
END $$;
SELECT lakets.ingest_batch('ib', '42');
SELECT lakets.ingest_batch('ib', NULL);
SELECT lakets.ingest_batch('ib', '[
	{"time": "2026-03-26T00:00:00Z", "host": "ok-1", "cpu": 1},
	{"time": "2026-03-26T00:00:01Z", "host": "ok-2", "cpu": 2},
	{"time": "2026-03-26T00:00:02Z", "host": "bad", "cpu": "high"},
	{"time": "2026-03-26T00:00:03Z", "host": "ok-4", "cpu": 4}
]');
SELECT lakets.ingest_batch('ib', '[{"time": "2026-03-26T00:00:00Z", "host": "a", "n": 1.5}]');
SELECT lakets.ingest_batch('ib', '[{"time": "2026-03-26T00:00:00Z", "host": "a"},
	{"time": "2026-03-26T00:00:01Z", "host": "b", "colour": "red"}]');
SELECT lakets.ingest_batch('ib', '[{"time": "2026-03-26T00:00:00Z", "host": "a"}, 5]');
SELECT lakets.ingest_batch('ib', '[{"time": "2026-03-26T00:00:00Z", "host": "a"}, [1, 2]]');
SELECT lakets.ingest_batch('ib', '[{"time": "2026-03-26T00:00:00Z", "host": "a"}, {}]');
SELECT lakets.ingest_batch('ib', '[{"time": "2026-03-26T00:00:00Z", "host": "a", "twice": 2}]');
SELECT lakets.ingest_batch('ib', '[{"time": "2026-03-26T00:00:00Z", "host": "a"},
	{"time": "2026-03-26T00:00:01Z", "host": "b"}, {"time": "2026-03-26T00:00:02Z", "host": "c"},
	{"time": "2026-03-26T00:00:03Z", "host": null}, {"time": "2026-03-26T00:00:04Z", "host": "e"}]');
SELECT lakets.ingest_batch('ib', '[{"time": "not a time", "host": "a"}]');
SELECT lakets.ingest_batch('nosuch', '[{"a": 1}]');
SELECT lakets.ingest_batch(NULL, '[{"a": 1}]');
SELECT count(*) AS rows_after_errors FROM ib WHERE time >= '2026-03-26';
-- a duplicate inside the batch: the second of the two is named
CREATE TABLE ibk (id int PRIMARY KEY, v text);
INSERT INTO ibk VALUES (1, 'there');
SELECT lakets.ingest_batch('ibk', '[{"id": 2}, {"id": 3}, {"id": 4}, {"id": 3}, {"id": 5}]');
SELECT lakets.ingest_batch('ibk', '[{"id": 2}, {"id": 1}]');
SELECT lakets.ingest_batch('ibk', '[{"id": 2, "v": "a"}, {"id": 3}, {"id": 4, "v": "b"}]');
SELECT * FROM ibk ORDER BY id;

-- rights: the caller's own INSERT right applies
CREATE ROLE ib_reader;
CREATE ROLE ib_writer;
GRANT SELECT ON ib TO ib_reader;
GRANT INSERT ON ib TO ib_writer;
GRANT INSERT (id) ON ibk TO ib_writer;
SET ROLE ib_reader;
SELECT lakets.ingest_batch('ib', '[{"time": "2026-03-26T01:00:00Z", "host": "reader"}]');
SET ROLE ib_writer;
SELECT lakets.ingest_batch('ib', '[{"time": "2026-03-26T01:00:00Z", "host": "writer"}]');
SELECT lakets.ingest_batch('ibk', '[{"id": 10}]');
SELECT lakets.ingest_batch('ibk', '[{"id": 11, "v": "x"}]');
RESET ROLE;
SELECT host FROM ib WHERE time >= '2026-03-26';
SELECT * FROM ibk WHERE id >= 10;
DROP TABLE ibk;
DROP TABLE ib;
DROP ROLE ib_reader;
DROP ROLE ib_writer;

-- ingest_prometheus: time, metric_name, labels, value
CREATE TABLE prom (time timestamptz NOT NULL, metric_name text, labels jsonb, value float8);
SELECT lakets.ingest_prometheus('prom', 'cpu_usage', '{"host": "web-01", "env": "prod"}', 72.5,
	'2026-03-25 17:00:00+00');
SELECT lakets.ingest_prometheus('prom', 'mem_usage', '{"host": "web-01"}', 4096.0);
SELECT lakets.ingest_prometheus(p_table_name => 'prom', p_metric_name => 'up', p_labels => NULL,
	p_value => 1, p_timestamp => '2026-03-25 17:00:01+00', p_schema_name => 'public');
SELECT metric_name, labels, value, time = '2026-03-25 17:00:00+00' OR time = '2026-03-25 17:00:01+00'
	OR time > now() - interval '1 hour' AS time_ok
FROM prom ORDER BY metric_name;
SELECT lakets.ingest_prometheus('ib_missing', 'x', '{}', 1);
CREATE TABLE notprom (time timestamptz, name text, value float8);
SELECT lakets.ingest_prometheus('notprom', 'x', '{}', 1);
DROP TABLE notprom;
DROP TABLE prom;
