-- convert: converting a populated table keeps its rows and everything
-- about it; a failed conversion changes nothing.
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';

CREATE ROLE lakets_regress_reader;
CREATE ROLE lakets_regress_table_owner;
GRANT CREATE ON SCHEMA public TO lakets_regress_table_owner;
CREATE TABLE devices (id int PRIMARY KEY);
INSERT INTO devices SELECT generate_series(0, 9);

CREATE TABLE metrics (
	id bigserial,
	seq bigint GENERATED ALWAYS AS IDENTITY,
	ts timestamptz NOT NULL,
	device int NOT NULL REFERENCES devices,
	value float8 DEFAULT 0 CHECK (value >= 0),
	doubled float8 GENERATED ALWAYS AS (value * 2) STORED,
	note text,
	PRIMARY KEY (id, ts),
	UNIQUE (device, ts, id)
);
CREATE INDEX metrics_note_idx ON metrics (note) WHERE note IS NOT NULL;
COMMENT ON TABLE metrics IS 'sensor readings';
COMMENT ON COLUMN metrics.value IS 'the reading';
CREATE FUNCTION metrics_touch() RETURNS trigger LANGUAGE plpgsql AS
$$BEGIN NEW.note := coalesce(NEW.note, 'touched'); RETURN NEW; END$$;
CREATE TRIGGER metrics_touch BEFORE INSERT ON metrics FOR EACH ROW EXECUTE FUNCTION metrics_touch();
GRANT SELECT ON metrics TO lakets_regress_reader;
GRANT UPDATE (note) ON metrics TO lakets_regress_reader;
ALTER TABLE metrics OWNER TO lakets_regress_table_owner;

-- 100k rows, one every 30 seconds from midnight (UTC) 35 days ago: 35 days
INSERT INTO metrics (ts, device, value)
SELECT lakets._chunk_start(now(), '1 day') - interval '35 days' + i * interval '30 seconds', i % 10, i % 1000
FROM generate_series(1, 100000) AS i;
CREATE TEMP TABLE before AS
SELECT count(*) AS n, sum(value) AS total, sum(hashtext(ts::text || device::text)) AS fingerprint,
       max(id) AS max_id, max(seq) AS max_seq
FROM metrics;

-- a conversion that fails half-way (here: when it re-creates the indexes,
-- after the rows were copied) leaves the table exactly as it was
CREATE FUNCTION no_indexes() RETURNS event_trigger LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'no new indexes today'; END$$;
CREATE EVENT TRIGGER no_indexes ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
	EXECUTE FUNCTION no_indexes();
SELECT lakets.create_chronotable('metrics', 'ts', '1 day');
DROP EVENT TRIGGER no_indexes;
DROP FUNCTION no_indexes();
SELECT relkind, pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'metrics'::regclass;
SELECT (SELECT count(*) FROM metrics) = (SELECT n FROM before) AS rows_kept,
       (SELECT count(*) FROM lakets._chronotable_registry) AS registry_rows;
-- and so does a conversion rolled back by the caller
BEGIN;
SELECT lakets.create_chronotable('metrics', 'ts', '1 day') > 0 AS converted;
ROLLBACK;
SELECT relkind FROM pg_class WHERE oid = 'metrics'::regclass;

-- the conversion
SELECT lakets.create_chronotable('metrics', 'ts', '1 day') > 0 AS converted;
SELECT relkind, pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'metrics'::regclass;
SELECT pg_get_partkeydef('metrics'::regclass);

-- every row is there, in the chunk of its day
SELECT count(*) = (SELECT n FROM before) AS same_count,
       sum(value) = (SELECT total FROM before) AS same_total,
       sum(hashtext(ts::text || device::text)) = (SELECT fingerprint FROM before) AS same_rows
FROM metrics;
SELECT count(*) AS rows_in_default FROM ONLY metrics_default;
SELECT count(*) AS misplaced FROM metrics m
JOIN pg_class c ON c.oid = m.tableoid
WHERE c.relname <> 'metrics_' || to_char(date_trunc('day', m.ts), 'YYYYMMDD') || '_000000';
-- chunks: one per day with rows (35, the last one yesterday) plus today and
-- 3 future days from the window
SELECT count(*) AS chunks, count(*) FILTER (WHERE row_count > 0) AS with_rows,
       sum(row_count) = (SELECT n FROM before) AS row_counts_add_up,
       bool_and(size_bytes > 0) AS sizes
FROM lakets.show_chunks('metrics');

-- columns, defaults, NOT NULL, CHECK, generated and identity columns
SELECT attname, format_type(atttypid, atttypmod), attnotnull, attidentity, attgenerated,
       pg_get_expr(d.adbin, d.adrelid) AS default_expr, col_description(attrelid, attnum)
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE attrelid = 'metrics'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;
-- (NOT NULL is attnotnull above; PostgreSQL 18 also lists it here, as contype n)
SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = 'metrics'::regclass AND contype <> 'n' ORDER BY conname;
SELECT indexrelid::regclass AS index, pg_get_indexdef(indexrelid) FROM pg_index
WHERE indrelid = 'metrics'::regclass ORDER BY 1;
-- chunks got the indexes
SELECT count(DISTINCT i.indrelid) AS chunks_with_note_index
FROM pg_index i JOIN pg_inherits h ON h.inhrelid = i.indrelid
WHERE h.inhparent = 'metrics'::regclass AND pg_get_indexdef(i.indexrelid) LIKE '%(note)%';
SELECT tgname FROM pg_trigger WHERE tgrelid = 'metrics'::regclass AND NOT tgisinternal;
SELECT obj_description('metrics'::regclass, 'pg_class') AS comment;
SELECT has_table_privilege('lakets_regress_reader', 'metrics', 'SELECT') AS reader_select,
       has_table_privilege('lakets_regress_reader', 'metrics', 'INSERT') AS reader_insert,
       has_column_privilege('lakets_regress_reader', 'metrics', 'note', 'UPDATE') AS reader_update_note;
SELECT count(*) FILTER (WHERE c.relowner <> 'lakets_regress_table_owner'::regrole) AS chunks_not_owned
FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid WHERE h.inhparent = 'metrics'::regclass;
SELECT pg_get_serial_sequence('metrics', 'id') AS serial_seq,
       pg_get_serial_sequence('metrics', 'seq') IS NOT NULL AS identity_seq;
SELECT count(*) AS leftovers FROM pg_class WHERE relname LIKE 'lakets_convert_%';

-- new rows: sequences continue, the trigger fires, the foreign key holds
INSERT INTO metrics (ts, device, value) VALUES (now(), 3, 1.5) RETURNING
	id > (SELECT max_id FROM before) AS id_continues,
	seq > (SELECT max_seq FROM before) AS identity_continues,
	note, doubled;
DO $$
BEGIN
	INSERT INTO metrics (ts, device, value) VALUES (now(), 42, 1);
EXCEPTION WHEN foreign_key_violation THEN
	RAISE NOTICE 'foreign key holds';
END
$$;
DO $$
BEGIN
	INSERT INTO metrics (ts, device, value) VALUES (now(), 1, -1);
EXCEPTION WHEN check_violation THEN
	RAISE NOTICE 'check constraint holds';
END
$$;

SELECT lakets.drop_chronotable('metrics');
SELECT to_regclass('metrics_id_seq') IS NULL AS sequence_dropped_with_table;
DROP TABLE devices;
DROP FUNCTION metrics_touch();
REVOKE CREATE ON SCHEMA public FROM lakets_regress_table_owner;
DROP ROLE lakets_regress_reader, lakets_regress_table_owner;
