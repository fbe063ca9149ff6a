-- chunks: show_chunks, drop_chunks, chunk names, and boundaries that do
-- not move with the session time zone (DST changes included).
SET DateStyle = 'ISO, YMD';

-- timestamptz, 1-day chunks across the US DST changes of 2021 (March 14,
-- November 7), created while the session is in New York time
SET TimeZone = 'America/New_York';
CREATE TABLE dst (ts timestamptz NOT NULL, v int);
SELECT lakets.create_chronotable('dst', 'ts', '1 day') AS id \gset
SELECT lakets._ensure_partitions(:id, 0, 0, '2021-03-13 00:00+00', '2021-03-16 00:00+00') AS spring;
SELECT lakets._ensure_partitions(:id, 0, 0, '2021-11-06 00:00+00', '2021-11-09 00:00+00') AS autumn;
-- bounds are midnight UTC: 19:00 or 20:00 in New York depending on DST
SELECT chunk_name, range_start, range_end, range_end - range_start AS width
FROM lakets.show_chunks('dst') WHERE range_start < '2022-01-01' ORDER BY range_start;
SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c
WHERE c.relname = 'dst_20210314_000000';
-- rows go by their UTC day: 21:00 local on March 13 is March 14 in UTC
INSERT INTO dst VALUES ('2021-03-13 21:00', 1), ('2021-03-14 03:30', 2), ('2021-11-07 01:30 EDT', 3),
	('2021-11-07 01:30 EST', 4);
SELECT v, ts AT TIME ZONE 'UTC' AS utc, tableoid::regclass AS chunk FROM dst ORDER BY v;
-- the same chunks whatever time zone looks at them
SET TimeZone = 'Australia/Lord_Howe';
SELECT lakets._ensure_partitions(:id, 0, 0, '2021-03-13 00:00+00', '2021-03-16 00:00+00') AS spring_again;
RESET TimeZone;

-- timestamp without time zone: bounds are the UTC wall clock
SET TimeZone = 'Asia/Tokyo';
CREATE TABLE wall (at timestamp NOT NULL);
SELECT lakets.create_chronotable('wall', 'at', '6 hours') AS wall_id \gset
SELECT lakets._ensure_partitions(:wall_id, 0, 0, '2021-05-01 00:00+00', '2021-05-01 12:00+00') AS created;
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_class c
JOIN pg_inherits i ON i.inhrelid = c.oid
WHERE i.inhparent = 'wall'::regclass AND c.relname LIKE 'wall_2021%' ORDER BY 1;
RESET TimeZone;

-- date, month chunks
CREATE TABLE monthly (day date NOT NULL);
SELECT lakets.create_chronotable('monthly', 'day', '1 month') AS monthly_id \gset
SELECT lakets._ensure_partitions(:monthly_id, 0, 0, '2024-01-15 00:00+00', '2024-04-01 00:00+00') AS created;
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_class c
JOIN pg_inherits i ON i.inhrelid = c.oid
WHERE i.inhparent = 'monthly'::regclass AND c.relname LIKE 'monthly_2024%' ORDER BY 1;
INSERT INTO monthly VALUES ('2024-02-29'), ('2024-03-01');
SELECT day, tableoid::regclass FROM monthly WHERE day < '2025-01-01' ORDER BY day;

-- show_chunks filters
SET TimeZone = 'UTC';
SELECT count(*) AS all_chunks FROM lakets.show_chunks('dst');
SELECT count(*) AS older_than_1_year FROM lakets.show_chunks('dst', p_older_than => '1 year');
SELECT count(*) AS newer_than_1_year FROM lakets.show_chunks('dst', p_newer_than => '1 year');
SELECT count(*) AS none FROM lakets.show_chunks('dst', '1 year', '1 year');
SELECT * FROM lakets.show_chunks('no_such_table');
SELECT * FROM lakets.show_chunks(NULL);
-- row counts are estimates after ANALYZE, exact before
SELECT chunk_name, row_count FROM lakets.show_chunks('dst') WHERE row_count > 0 ORDER BY 1;
ANALYZE dst;
SELECT chunk_name, row_count FROM lakets.show_chunks('dst') WHERE row_count > 0 ORDER BY 1;

-- drop_chunks drops whole chunks older than the cutoff and leaves tombstones
SELECT lakets.drop_chunks('dst', NULL);
SELECT lakets.drop_chunks('dst', '-1 day');
SELECT lakets.drop_chunks('no_such_table', '1 day');
BEGIN;
SELECT lakets.drop_chunks('dst', '1 year') AS dropped_then_rolled_back;
ROLLBACK;
SELECT count(*) AS still_active FROM lakets.show_chunks('dst', '1 year') WHERE status = 'active';
SELECT lakets.drop_chunks('dst', '1 year') AS dropped;
SELECT chunk_name, status, row_count, size_bytes FROM lakets.show_chunks('dst', '1 year', p_include_dropped => true) ORDER BY 1;
SELECT count(*) AS rows_left_in_2021 FROM dst WHERE ts < '2022-01-01';
SELECT count(*) AS relations_left FROM pg_class WHERE relname LIKE 'dst\_2021%';
SELECT lakets.drop_chunks('dst', '1 year') AS dropped_again;
-- the current and future chunks are untouched
SELECT count(*) = 5 AS window_intact FROM lakets.show_chunks('dst') WHERE status = 'active';

SELECT lakets.drop_chronotable('dst');
SELECT lakets.drop_chronotable('wall');
SELECT lakets.drop_chronotable('monthly');
