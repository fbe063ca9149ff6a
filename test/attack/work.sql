-- work.sql: included by victim.sql before each maintenance call. As
-- attacker (SET ROLE), leave work for the victim: rows in the default
-- partition of m (its attacker code runs when lakets moves them), an old
-- chunk with rows for retention, and changes for every RollUp.
SET ROLE attacker;
UPDATE evil.counter SET n = n + 1 RETURNING n AS k \gset
INSERT INTO evil.m (ts, v) VALUES (now() + (20 + :k) * interval '1 day', :k);
SELECT lakets._ensure_partitions(lakets._chronotable_id('r', 'evil'), 0, 0,
	now() - (100 + :k) * interval '1 day', now() - (99 + :k) * interval '1 day');
INSERT INTO evil.r VALUES (now() - (100 + :k) * interval '1 day' + interval '1 hour', :k);
INSERT INTO evil.m (ts, v) VALUES (now() - interval '30 minutes', :k);
INSERT INTO evil.c VALUES (now() - interval '1 hour', :k);
INSERT INTO evil.e VALUES (localtimestamp, :k);
INSERT INTO evil.d VALUES (current_date, :k);
RESET ROLE;
