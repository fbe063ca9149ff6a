-- ingest: rows that arrive late for ranges retention already expired
-- (issue 15): no chunk is created that retention would drop; such rows wait
-- in the default partition and retention deletes them, after the RollUps
-- got what they owe, and the RollUps keep those buckets.
SET client_min_messages = warning;
SET TimeZone = 'UTC';

CREATE TABLE lr (ts timestamptz NOT NULL, v int NOT NULL);
SELECT lakets.create_chronotable('lr', 'ts', '1 day') > 0 AS created;
SELECT lakets.create_rollup('lr_daily', $$SELECT lakets.time_bucket('1 day', ts) AS bucket,
	count(*) AS n, sum(v) AS total FROM lr GROUP BY 1$$, '1 day') > 0 AS created;
SELECT lakets.add_retention_policy('lr', '10 days') > 0 AS added;
-- a window reaching past the cutoff: the expired chunks are not created
SELECT lakets.set_chunk_window('lr', 15, 1);
SELECT lakets.ensure_partitions('lr') AS created;
SELECT count(*) FILTER (WHERE range_end <= now() - interval '10 days') AS expired_chunks,
	count(*) AS chunks
FROM lakets.show_chunks('lr');

-- late rows: 20 days old (expired) and 5 days old (kept), and one today
INSERT INTO lr VALUES (now() - interval '20 days', 1), (now() - interval '20 days', 2),
	(now() - interval '5 days', 10), (now(), 100);
SELECT lakets.ensure_partitions('lr') AS created;
SELECT tableoid::regclass = 'lr_default'::regclass AS in_default, sum(v)
FROM lr GROUP BY 1 ORDER BY 1;
-- the expired rows stay in the default partition without a WARNING at every run
SELECT lakets.ensure_partitions('lr') AS created_again;

-- retention: the RollUp catches up, then the expired rows go
SELECT action FROM lakets.enforce_retention(p_dry_run => true) WHERE table_name = 'public.lr';
SELECT chunk_name, action FROM lakets.enforce_retention() WHERE table_name = 'public.lr';
SELECT count(*) AS rows_in_default FROM ONLY lr_default;
SELECT count(*) AS rows_left, sum(v) FROM lr;
-- the RollUp kept what it had computed for the expired day
SELECT sum(n) AS n, sum(total) AS total FROM _rollup_lr_daily;
-- a later late row for the expired day is deleted too; the bucket keeps its value
INSERT INTO lr VALUES (now() - interval '20 days', 1000);
SELECT lakets.refresh_rollup('lr_daily');
SELECT sum(n) AS n, sum(total) AS total FROM _rollup_lr_daily;
SELECT chunk_name, action FROM lakets.enforce_retention() WHERE table_name = 'public.lr';
SELECT count(*) AS rows_in_default FROM ONLY lr_default;
SELECT sum(n) AS n, sum(total) AS total FROM _rollup_lr_daily;
-- a run with nothing expired in the default partition says nothing of it
SELECT count(*) AS default_actions FROM lakets.enforce_retention()
WHERE table_name = 'public.lr' AND chunk_name = 'lr_default';
-- run_maintenance() reports it like the other retention actions
INSERT INTO lr VALUES (now() - interval '30 days', 5);
SELECT object, action FROM lakets.run_maintenance('retention') WHERE object LIKE '%lr_default%';

SELECT lakets.drop_chronotable('lr');
