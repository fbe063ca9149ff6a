-- chronotable: create_chronotable / drop_chronotable / settings, and every
-- error they raise.
SET DateStyle = 'ISO, YMD';
SET client_min_messages = notice;

CREATE TABLE readings (ts timestamptz NOT NULL, sensor int, value float8);

-- NULL and empty arguments
SELECT lakets.create_chronotable(NULL, 'ts');
SELECT lakets.create_chronotable('readings', NULL);
SELECT lakets.create_chronotable('readings', 'ts', NULL);
SELECT lakets.create_chronotable('readings', 'ts', '1 day', NULL);
SELECT lakets.create_chronotable('readings', 'ts', '1 day', 'public', NULL);
SELECT lakets.create_chronotable('', 'ts');

-- missing objects
SELECT lakets.create_chronotable('readings', 'ts', '1 day', 'no_such_schema');
SELECT lakets.create_chronotable('no_such_table', 'ts');
SELECT lakets.create_chronotable('Readings', 'ts');
SELECT lakets.create_chronotable('readings', 'no_such_column');
SELECT lakets.create_chronotable('readings', 'sensor');

-- bad intervals
SELECT lakets.create_chronotable('readings', 'ts', '0 days');
SELECT lakets.create_chronotable('readings', 'ts', '-7 days');
SELECT lakets.create_chronotable('readings', 'ts', '1 month 2 days');

-- tables that cannot be converted
CREATE TABLE already_partitioned (ts timestamptz) PARTITION BY RANGE (ts);
SELECT lakets.create_chronotable('already_partitioned', 'ts');
CREATE TABLE parent_table (ts timestamptz);
CREATE TABLE child_table () INHERITS (parent_table);
SELECT lakets.create_chronotable('parent_table', 'ts');
SELECT lakets.create_chronotable('child_table', 'ts');
CREATE VIEW readings_view AS SELECT * FROM readings;
SELECT lakets.create_chronotable('readings_view', 'ts');
SELECT lakets.create_chronotable('readings', 'ts');
DROP VIEW readings_view;
CREATE TABLE keyed (id int PRIMARY KEY, ts timestamptz NOT NULL);
SELECT lakets.create_chronotable('keyed', 'ts');
CREATE TABLE referenced (id int, ts timestamptz NOT NULL, PRIMARY KEY (id, ts));
CREATE TABLE referencing (rid int, rts timestamptz, FOREIGN KEY (rid, rts) REFERENCES referenced);
SELECT lakets.create_chronotable('referenced', 'ts');
CREATE TEMP TABLE temp_readings (ts timestamptz);
SELECT lakets.create_chronotable('temp_readings', 'ts', '1 day', (SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()));
CREATE TABLE secured (ts timestamptz);
ALTER TABLE secured ENABLE ROW LEVEL SECURITY;
SELECT lakets.create_chronotable('secured', 'ts');
CREATE TABLE generated_time (t0 timestamptz, ts timestamptz GENERATED ALWAYS AS (t0) STORED);
SELECT lakets.create_chronotable('generated_time', 'ts');
CREATE TABLE by_day (day date NOT NULL);
SELECT lakets.create_chronotable('by_day', 'day', '12 hours');

-- a good conversion, then the same name again
SELECT lakets.create_chronotable('readings', 'ts', '1 day') AS id \gset
SELECT relkind FROM pg_class WHERE oid = 'readings'::regclass;
SELECT relid, time_column, time_type, chunk_interval, past_count, future_count
FROM lakets._chronotable_registry WHERE id = :id;
SELECT lakets.create_chronotable('readings', 'ts', '1 day');
SELECT lakets.create_chronotable('readings', 'ts', '1 day', p_if_not_exists => true) = :id AS same_id;
-- the toolkit's earlier name for it
SELECT lakets.create_hypertable('readings', 'ts', '1 day', 'public', true) = :id AS same_id;
SELECT lakets.create_hypertable('readings', 'ts', '1 day');
SELECT lakets._chronotable_id('readings') = :id AS lookup;
SELECT lakets._chronotable_id('keyed');

-- the window: the previous, the current and 3 future chunks
SELECT count(*) AS chunks,
       min(range_start) = lakets._chunk_start(now(), '1 day') - interval '1 day' AS first_is_previous,
       max(range_end) = lakets._chunk_start(now(), '1 day') + interval '4 days' AS last_is_third_future,
       bool_and(status = 'active') AS all_active
FROM lakets.show_chunks('readings');
SELECT count(*) AS default_partitions FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'readings'::regclass AND c.relname = 'readings_default';
-- chunks are ordinary partitions created by CREATE TABLE + ATTACH
SELECT count(*) AS partitions FROM pg_inherits WHERE inhparent = 'readings'::regclass;

-- settings
SELECT lakets.set_chunk_interval('readings', '12 hours');
SELECT chunk_interval FROM lakets._chronotable_registry WHERE id = :id;
SELECT lakets.set_chunk_interval('readings', '1 month 1 day');
SELECT lakets.set_chunk_interval('readings', NULL);
SELECT lakets.set_chunk_interval('keyed', '1 day');
SELECT lakets.set_chunk_window('readings', 2, 5);
SELECT past_count, future_count FROM lakets._chronotable_registry WHERE id = :id;
SELECT lakets.set_chunk_window('readings', -1, 5);
SELECT lakets.set_chunk_window('readings', 1, NULL);
SELECT lakets.set_chunk_window('readings', 1, 20000);

-- time column types: timestamp (read as UTC) and date, month chunks
CREATE TABLE local_events (at timestamp NOT NULL, what text);
SELECT lakets.create_chronotable('local_events', 'at', '1 month') > 0 AS created;
SELECT count(*) AS chunks FROM lakets.show_chunks('local_events');
SELECT lakets.create_chronotable('by_day', 'day', '7 days') > 0 AS created;
INSERT INTO by_day VALUES (current_date);
SELECT count(*) FROM ONLY by_day_default;

-- schemas and names needing quotes
CREATE SCHEMA "Odd Schema";
CREATE TABLE "Odd Schema"."Mixed Case" ("Time Stamp" timestamptz NOT NULL, "v" int);
SELECT lakets.create_chronotable('Mixed Case', 'Time Stamp', '1 day', 'Odd Schema') > 0 AS created;
INSERT INTO "Odd Schema"."Mixed Case" VALUES (now(), 1);
SELECT count(*) FROM "Odd Schema"."Mixed Case";

-- long names are shortened with a hash, so they stay distinct
CREATE TABLE a_table_name_that_is_long_enough_to_need_shortening_aaaaaaaaaaa (ts timestamptz);
CREATE TABLE a_table_name_that_is_long_enough_to_need_shortening_bbbbbbbbbbb (ts timestamptz);
SELECT lakets.create_chronotable('a_table_name_that_is_long_enough_to_need_shortening_aaaaaaaaaaa', 'ts') > 0 AS created;
SELECT lakets.create_chronotable('a_table_name_that_is_long_enough_to_need_shortening_bbbbbbbbbbb', 'ts') > 0 AS created;
SELECT count(DISTINCT c.chunk_name) AS distinct_names, max(octet_length((parse_ident(c.chunk_name))[2])) <= 63 AS fit
FROM unnest(ARRAY['a_table_name_that_is_long_enough_to_need_shortening_aaaaaaaaaaa',
                  'a_table_name_that_is_long_enough_to_need_shortening_bbbbbbbbbbb']) AS t(name),
     lakets.show_chunks(t.name) AS c;

-- ownership: a role that does not own the table can do nothing to it
CREATE ROLE lakets_regress_stranger;
GRANT ALL ON readings TO lakets_regress_stranger;
CREATE TABLE stranger_target (ts timestamptz);
GRANT ALL ON stranger_target TO lakets_regress_stranger;
SET ROLE lakets_regress_stranger;
SELECT lakets.create_chronotable('stranger_target', 'ts');
SELECT lakets.drop_chronotable('readings');
SELECT lakets.set_chunk_interval('readings', '1 day');
SELECT lakets.ensure_partitions('readings');
SELECT lakets.drop_chunks('readings', '1 day');
SELECT lakets.ensure_partitions();  -- all: skips what it does not own
INSERT INTO lakets._chronotable_registry (relid, time_column, time_type, chunk_interval)
VALUES ('stranger_target', 'ts', 'date', '1 day');
RESET ROLE;
-- a member of the owning role may; chunks belong to the table's owner
CREATE ROLE lakets_regress_owner;
GRANT CREATE ON SCHEMA public TO lakets_regress_owner, lakets_regress_stranger;
ALTER TABLE stranger_target OWNER TO lakets_regress_owner;
GRANT lakets_regress_owner TO lakets_regress_stranger;
SET ROLE lakets_regress_stranger;
SELECT lakets.create_chronotable('stranger_target', 'ts') > 0 AS created;
SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'stranger_target'::regclass;
SELECT count(*) AS partitions, count(*) FILTER (WHERE c.relowner <> 'lakets_regress_owner'::regrole) AS not_owned
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'stranger_target'::regclass;
SELECT lakets.drop_chronotable('stranger_target');
RESET ROLE;

-- drop
SELECT lakets.drop_chronotable('keyed');
CREATE VIEW readings_view AS SELECT * FROM readings;
SELECT lakets.drop_chronotable('readings');
DROP VIEW readings_view;
SELECT lakets.drop_chronotable('readings');
SELECT to_regclass('readings') IS NULL AS table_gone,
       (SELECT count(*) FROM lakets._chronotable_registry WHERE id = :id) AS registry_rows,
       (SELECT count(*) FROM lakets._chunk_metadata WHERE chronotable_id = :id) AS chunk_rows,
       (SELECT count(*) FROM pg_class WHERE relname LIKE 'readings\_%') AS leftover_relations;
-- a chronotable whose table was dropped outside lakets can still be removed
-- dropped behind lakets' back: forgotten at once (the sql_drop event trigger);
-- a new table of the same name is another table, which lakets never touches
DROP TABLE local_events;
SELECT count(*) AS registry_rows_left FROM lakets._chronotable_registry r
WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = r.relid);
CREATE TABLE local_events (id int, note text);
SELECT lakets.drop_chronotable('local_events');
SELECT lakets.create_chronotable('local_events', 'note');
SELECT relkind FROM pg_class WHERE relname = 'local_events';
DROP TABLE local_events;

SELECT lakets.drop_chronotable('Mixed Case', 'Odd Schema');
SELECT lakets.drop_chronotable('by_day');
SELECT lakets.drop_chronotable('a_table_name_that_is_long_enough_to_need_shortening_aaaaaaaaaaa');
SELECT lakets.drop_chronotable('a_table_name_that_is_long_enough_to_need_shortening_bbbbbbbbbbb');
DROP SCHEMA "Odd Schema";
DROP TABLE already_partitioned, parent_table, child_table, keyed, referencing, referenced,
	secured, generated_time;
REVOKE CREATE ON SCHEMA public FROM lakets_regress_owner, lakets_regress_stranger;
DROP ROLE lakets_regress_stranger, lakets_regress_owner;
SELECT count(*) AS chronotables_left FROM lakets._chronotable_registry;
