-- ensure: ensure_partitions() keeps the window of chunks around now(),
-- never re-creates a dropped chunk, fills gaps left by an interval change,
-- drains the default partition, and isolates a broken table.
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';

CREATE TABLE events (ts timestamptz, kind text);
SELECT lakets.create_chronotable('events', 'ts', '1 day') AS id \gset

-- steady state: nothing to do, and again
SELECT lakets.ensure_partitions('events') AS created;
SELECT lakets.ensure_partitions('events') AS created;
SELECT lakets.ensure_partitions() AS created_all;

-- a wider window: 1 more past chunk and 2 more future ones
SELECT lakets.set_chunk_window('events', 2, 5);
SELECT lakets.ensure_partitions('events') AS created;
SELECT count(*) AS chunks,
       min(range_start) = lakets._chunk_start(now(), '1 day') - interval '2 days' AS from_ok,
       max(range_end) = lakets._chunk_start(now(), '1 day') + interval '6 days' AS to_ok
FROM lakets.show_chunks('events');

-- _ensure_partitions: an explicit window, or an explicit range
SELECT lakets._ensure_partitions(:id, 0, 7) AS created;
SELECT lakets._ensure_partitions(:id, 0, 0, '2021-01-01 00:00+00', '2021-01-03 00:00+00') AS created;
SELECT chunk_name, range_start, range_end FROM lakets.show_chunks('events')
WHERE range_start < '2022-01-01' ORDER BY range_start;
SELECT lakets._ensure_partitions(:id, 0, 0, '2021-01-03 00:00+00', '2021-01-01 00:00+00');
SELECT lakets._ensure_partitions(:id, 0, 0, '2021-01-01 00:00+00', NULL);
SELECT lakets._ensure_partitions(:id, 0, 0, '1990-01-01 00:00+00', '2021-01-01 00:00+00');
SELECT lakets._ensure_partitions(:id, -1, 3);
SELECT lakets._ensure_partitions(NULL, 1, 3);
SELECT lakets._ensure_partitions(12345);

-- after set_chunk_interval, new chunks are cut to the gaps between old ones
-- (7-day chunks start on Saturdays; 2021-01-02 is one)
SELECT lakets.set_chunk_interval('events', '7 days');
SELECT lakets._ensure_partitions(:id, 0, 0, '2021-01-01 00:00+00', '2021-01-20 00:00+00') AS created;
SELECT chunk_name, range_start, range_end FROM lakets.show_chunks('events')
WHERE range_start < '2022-01-01' ORDER BY range_start;
SELECT lakets._ensure_partitions(:id, 0, 0, '2021-01-01 00:00+00', '2021-01-20 00:00+00') AS created_again;
SELECT lakets.set_chunk_interval('events', '1 day');

-- the default partition is drained into new chunks; rows without a time stay
INSERT INTO events VALUES ('2019-06-01 12:00+00', 'old'), ('2019-06-01 13:00+00', 'old'),
	('2019-06-03 00:00+00', 'old'), ('2035-01-01 00:00+00', 'far future'), (NULL, 'no time');
SELECT count(*) AS in_default FROM ONLY events_default;
SELECT lakets.ensure_partitions('events') AS created;
SELECT kind, ts FROM ONLY events_default;
SELECT c.relname, e.kind, e.ts FROM events e JOIN pg_class c ON c.oid = e.tableoid
WHERE e.ts < '2020-01-01' OR e.ts > '2030-01-01' ORDER BY e.ts;

-- dropped chunks are never re-created; a late row for one stays in the
-- default partition (reported, not lost)
SELECT lakets.drop_chunks('events', '3 years') AS dropped;
SELECT chunk_name, status, row_count, size_bytes FROM lakets.show_chunks('events', p_older_than => '3 years', p_include_dropped => true);
SELECT lakets._ensure_partitions(:id, 0, 0, '2019-06-01 00:00+00', '2019-06-02 00:00+00') AS recreated;
INSERT INTO events VALUES ('2019-06-01 18:00+00', 'late');
SELECT lakets.ensure_partitions('events') AS created;
SELECT kind FROM ONLY events_default ORDER BY kind;

-- it works inside a transaction block and from PL/pgSQL
SELECT lakets.set_chunk_window('events', 2, 8);
BEGIN;
SELECT lakets.ensure_partitions('events') AS created_in_transaction;
ROLLBACK;
DO $$
BEGIN
	RAISE NOTICE 'created % chunks', lakets.ensure_partitions('events');
END
$$;
SELECT lakets.ensure_partitions('events') AS created_after;

-- one broken table does not stop the others
CREATE TABLE good (ts timestamptz);
CREATE TABLE broken (ts timestamptz);
SELECT lakets.create_chronotable('good', 'ts', '1 hour') > 0 AS created;
SELECT lakets.create_chronotable('broken', 'ts', '1 hour') > 0 AS created;
SELECT lakets.set_chunk_window('good', 1, 5);
SELECT lakets.set_chunk_window('broken', 1, 5);
-- a relation squats on the name of good's next chunk: the chunk takes
-- another name
CREATE TABLE squatter (x int);
DO $$
BEGIN
	EXECUTE format('ALTER TABLE squatter RENAME TO %I', 'good_' ||
		to_char(lakets._chunk_start(now(), '1 hour') + interval '4 hours', 'YYYYMMDD_HH24MISS'));
END
$$;
-- broken's owner may no longer create tables in its schema (the WARNING
-- names a chunk with its date, so it is not shown here)
CREATE ROLE lakets_regress_weak;
ALTER TABLE broken OWNER TO lakets_regress_weak;
SET client_min_messages = error;
SELECT lakets.ensure_partitions() AS created_all;
RESET client_min_messages;
SELECT count(*) AS good_chunks, count(*) FILTER (WHERE chunk_name LIKE '%\_2') AS renamed
FROM lakets.show_chunks('good');
SELECT count(*) AS broken_chunks FROM lakets.show_chunks('broken');
-- and a table dropped behind lakets' back
DROP TABLE broken;
SELECT lakets.ensure_partitions() AS created_all;
SELECT lakets.ensure_partitions('broken');
SELECT lakets.drop_chronotable('broken');

SELECT lakets.drop_chronotable('good');
SELECT lakets.drop_chronotable('events');

DO $$
BEGIN
	EXECUTE (SELECT format('DROP TABLE %I', relname) FROM pg_class WHERE relname LIKE 'good\_%');
END
$$;
DROP ROLE lakets_regress_weak;
SELECT count(*) AS chronotables_left FROM lakets._chronotable_registry;
