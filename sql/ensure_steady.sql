-- ensure_steady: the steady state of ensure_partitions(). A table whose
-- window lies inside the range its registry row records as covered needs
-- no chunk lookup, and an empty default partition is told by the size of
-- its file; everything the full check does still happens when needed.
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';

CREATE TABLE st (ts timestamptz, v int);
SELECT lakets.create_chronotable('st', 'ts', '1 day') AS id \gset

-- the first call records the covered range: the window at least
SELECT lakets.ensure_partitions() AS created;
SELECT covered_from <= lakets._chunk_start(now(), '1 day') - interval '1 day' AS from_ok,
       covered_until >= lakets._chunk_start(now(), '1 day') + interval '4 days' AS until_ok
FROM lakets._chronotable_registry WHERE id = :id;
SELECT lakets.ensure_partitions() AS steady;

-- a row inserted into the default partition since the last call is
-- drained by the next one, the window being covered
INSERT INTO st VALUES ('2035-01-01 12:00+00', 1);
SELECT lakets.ensure_partitions() AS created;
SELECT count(*) AS in_default FROM ONLY st_default;
SELECT tableoid::regclass AS chunk FROM st WHERE v = 1;
-- the default partition keeps only a dead row: nothing to do, no warning
SELECT lakets.ensure_partitions() AS steady;

-- the same after TRUNCATE gave the default partition a new file
TRUNCATE st_default;
INSERT INTO st VALUES ('2036-01-01 12:00+00', 2);
SELECT lakets.ensure_partitions() AS created;
SELECT count(*) AS in_default FROM ONLY st_default;

-- run_maintenance() tells the steady tables from those with work the same way
INSERT INTO st VALUES ('2037-01-01 12:00+00', 4);
SELECT step, object, action, detail FROM lakets.run_maintenance('partitions');
SELECT step, object, action, detail FROM lakets.run_maintenance('partitions');
SELECT tableoid::regclass AS chunk FROM st WHERE v = 4;
-- (the maintenance test reads the job history from its start)
DELETE FROM lakets.job_history;

-- a row without a time stays in the default partition, call after call
INSERT INTO st VALUES (NULL, 3);
SELECT lakets.ensure_partitions() AS created;
SELECT lakets.ensure_partitions() AS created_again;
SELECT v FROM ONLY st_default;
DELETE FROM st WHERE v = 3;

-- the last chunk of the window detached behind lakets' back: its range is
-- a tombstone from then on (recorded by the next full check of the table:
-- run_maintenance(), or ensure_partitions() of this table), never created
-- again
SELECT chunk_name AS last_chunk FROM lakets.show_chunks('st')
WHERE range_start = lakets._chunk_start(now(), '1 day') + interval '3 days' \gset
ALTER TABLE st DETACH PARTITION :last_chunk;
SELECT lakets.ensure_partitions() AS created;
SELECT lakets.ensure_partitions('st') AS created;
SELECT status FROM lakets.show_chunks('st', p_include_dropped => true)
WHERE range_start = lakets._chunk_start(now(), '1 day') + interval '3 days';
SELECT lakets.ensure_partitions() AS created;
-- and one dropped
SELECT chunk_name AS first_chunk FROM lakets.show_chunks('st')
WHERE range_start = lakets._chunk_start(now(), '1 day') - interval '1 day' \gset
DROP TABLE :first_chunk;
SELECT lakets.ensure_partitions() AS created;
SELECT count(*) FILTER (WHERE status = 'active') AS active,
       count(*) FILTER (WHERE status = 'detached') AS detached,
       count(*) FILTER (WHERE status = 'dropped') AS dropped
FROM lakets.show_chunks('st', p_include_dropped => true)
WHERE range_start < '2030-01-01';

-- a wider window reaches beyond the covered range: its chunks are made
SELECT lakets.set_chunk_window('st', 1, 5);
SELECT lakets.ensure_partitions() AS created;
SELECT covered_until >= lakets._chunk_start(now(), '1 day') + interval '6 days' AS until_ok
FROM lakets._chronotable_registry WHERE id = :id;
SELECT lakets.ensure_partitions() AS steady;

-- so does a window of a new interval: the new chunks are cut to the gaps
-- between the old ones, none overlaps another
SELECT lakets.set_chunk_interval('st', '7 days');
SELECT lakets.ensure_partitions() > 0 AS created;
SELECT count(*) AS overlapping
FROM lakets._chunk_metadata a JOIN lakets._chunk_metadata b
  ON b.chronotable_id = a.chronotable_id AND a.id < b.id
 AND a.range_start < b.range_end AND b.range_start < a.range_end
WHERE a.chronotable_id = :id;
SELECT lakets.ensure_partitions() AS steady;

-- a chunk retention would drop at once is never made, so such a window is
-- never covered: each call looks again, and still makes nothing
CREATE TABLE short (ts timestamptz NOT NULL);
SELECT lakets.create_chronotable('short', 'ts', '1 hour') AS short_id \gset
SELECT lakets.add_retention_policy('short', '1 hour') > 0 AS policy;
SELECT lakets.set_chunk_window('short', 5, 1);
SELECT lakets.ensure_partitions() AS created;
SELECT lakets.ensure_partitions() AS created_again;
SELECT count(*) AS expired_chunks FROM lakets.show_chunks('short')
WHERE range_end <= now() - interval '1 hour';
SELECT covered_from IS NULL AS not_covered FROM lakets._chronotable_registry WHERE id = :short_id;

-- a table dropped behind lakets' back is passed over
SELECT lakets.drop_chronotable('short');
CREATE TABLE gone (ts timestamptz NOT NULL);
SELECT lakets.create_chronotable('gone', 'ts', '1 day') > 0 AS created;
SELECT lakets.ensure_partitions() AS created;
DROP TABLE gone;
SELECT lakets.ensure_partitions() AS created;

SELECT lakets.drop_chronotable('st');
DROP TABLE :last_chunk;
