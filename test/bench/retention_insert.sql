-- retention_insert.sql: the pgbench script of test/bench/retention.sh, one
-- single-row INSERT into the live ChronoTable, into today's chunk.
\set device random(1, 100)
INSERT INTO public.live (ts, device, value) VALUES (now(), :device, random());
