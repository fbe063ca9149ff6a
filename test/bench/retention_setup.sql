-- retention_setup.sql: the objects of the retention benchmark
-- (test/bench/retention.sh), in a database of their own.
--
-- All tables are (ts timestamptz NOT NULL, device integer NOT NULL, value
-- double precision) with an index on (device, ts), 1-day partitions and the
-- 24 rows of today:
--   public.rt_001 ... rt_<:ntables>  ChronoTables (lakets' default window:
--                    yesterday, today, 3 days ahead, and the default
--                    partition), each with a retention policy of '1 year';
--   public.pt_001 ... pt_<:ntables>  the same as plain partitioned tables,
--                    for the plain-SQL floor (bench.drop_plain());
--   public.live      a ChronoTable with a '1 year' policy that pgbench
--                    inserts into. Policies are applied in the order they
--                    were added, live's first, so its chunks are the first
--                    enforce_retention() drops: the worst place for a table receiving inserts
--                    (its ACCESS EXCLUSIVE lock is then held for the whole
--                    call, until the commit).
-- Expired chunks ("a few rows" each) are added later, by
-- bench.add_expired_lakets() and bench.add_expired_plain().
--
-- psql -v ntables=100 -f retention_setup.sql
\ir common.sql

-- One row per timed statement: its time (ms, the commit included), what it
-- returned ("dropped/rows" for enforce_retention()) and the locks its
-- transaction held just before the commit.
CREATE TABLE bench.timings (
	test	text NOT NULL,
	system	text NOT NULL,
	rep		integer NOT NULL,
	ms		double precision NOT NULL,
	result	text,
	locks	bigint
);

-- bench.start(), the statement, bench.note() inside its transaction,
-- COMMIT, bench.stop(): both ends read the server's clock, so the time
-- includes the commit (where the files of dropped tables are unlinked and
-- their buffers invalidated) and leaves out the client but for a few round
-- trips.
CREATE FUNCTION bench.note(p_result text)
RETURNS void
LANGUAGE sql
AS $$
	SELECT set_config('bench.result', p_result, false),
		   set_config('bench.locks', (SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid())::text, false);
$$;

CREATE FUNCTION bench.stop(p_test text, p_system text, p_rep integer)
RETURNS void
LANGUAGE sql
AS $$
	INSERT INTO bench.timings
	VALUES (p_test, p_system, p_rep,
			extract(epoch FROM clock_timestamp() - current_setting('bench.t0')::timestamptz) * 1000,
			current_setting('bench.result'), current_setting('bench.locks')::bigint);
$$;

-- A few rows (3 a day) in [p_from, p_from + p_days days), for an expired chunk.
CREATE FUNCTION bench.old_rows(p_from timestamptz, p_days integer)
RETURNS TABLE (ts timestamptz, device integer, value double precision)
LANGUAGE sql IMMUTABLE
AS $$
	SELECT t, 0, 0.0
	FROM generate_series(p_from, p_from + p_days * interval '1 day' - interval '1 hour',
						 interval '8 hours') AS t
$$;

-- Give the ChronoTables p_tables the p_days expired 1-day chunks starting
-- at p_from, each holding a few rows; a transaction per table, which keeps
-- the lock table small. A range is used once: lakets never re-creates a
-- dropped chunk (its tombstone stays).
CREATE PROCEDURE bench.add_expired_lakets(p_tables text[], p_from timestamptz, p_days integer)
LANGUAGE plpgsql
AS $$
DECLARE
	t		text;
	n		integer;
BEGIN
	FOREACH t IN ARRAY p_tables LOOP
		-- lakets never creates a chunk its policy would drop: the expired
		-- chunks are made while the policy keeps everything (altered, not
		-- removed: the policies keep their ids, so their order)
		PERFORM lakets.alter_retention_policy(t, '1000 years');
		n := lakets._ensure_partitions(lakets._chronotable_id(t), 0, 0,
									   p_from, p_from + p_days * interval '1 day');
		PERFORM lakets.alter_retention_policy(t, '1 year');
		IF n <> p_days THEN
			RAISE EXCEPTION 'check failed: _ensure_partitions(%) created % chunks, expected %', t, n, p_days;
		END IF;
		EXECUTE format('INSERT INTO public.%I SELECT * FROM bench.old_rows($1, $2)', t)
		USING p_from, p_days;
		COMMIT;
	END LOOP;
END
$$;

-- The plain partitions of the floor, and which were dropped.
CREATE TABLE bench.plain_parts (
	parent		text NOT NULL,
	child		text PRIMARY KEY,
	range_end	timestamptz NOT NULL,
	dropped		boolean NOT NULL DEFAULT false
);

-- The same as bench.add_expired_lakets() for the plain tables pt_*.
CREATE PROCEDURE bench.add_expired_plain(p_from timestamptz, p_days integer)
LANGUAGE plpgsql
AS $$
DECLARE
	t		text;
	d		timestamptz;
	c		text;
BEGIN
	FOR t IN SELECT c.relname FROM pg_class c
			 WHERE c.relkind = 'p' AND c.relname ~ '^pt_[0-9]+$' ORDER BY 1 LOOP
		FOR i IN 0 .. p_days - 1 LOOP
			d := p_from + i * interval '1 day';
			c := t || to_char(d AT TIME ZONE 'UTC', '_YYYYMMDD');
			EXECUTE format('CREATE TABLE public.%I PARTITION OF public.%I FOR VALUES FROM (%L) TO (%L)',
						   c, t, d, d + interval '1 day');
			INSERT INTO bench.plain_parts VALUES (t, c, d + interval '1 day');
		END LOOP;
		EXECUTE format('INSERT INTO public.%I SELECT * FROM bench.old_rows($1, $2)', t)
		USING p_from, p_days;
		COMMIT;
	END LOOP;
END
$$;

-- The floor: what dropping the expired partitions costs in plain SQL, done
-- the way lakets does it minus its checks (one transaction, in table
-- order: ACCESS EXCLUSIVE on the parent, DROP TABLE, a bookkeeping row
-- updated), without subtransactions. Returns the number dropped.
CREATE FUNCTION bench.drop_plain(p_drop_after interval)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
	p		record;
	n		integer := 0;
BEGIN
	FOR p IN SELECT parent, child FROM bench.plain_parts
			 WHERE NOT dropped AND range_end <= now() - p_drop_after
			 ORDER BY parent, range_end LOOP
		EXECUTE format('LOCK TABLE public.%I IN ACCESS EXCLUSIVE MODE', p.parent);
		EXECUTE format('DROP TABLE public.%I', p.child);
		UPDATE bench.plain_parts SET dropped = true WHERE child = p.child;
		n := n + 1;
	END LOOP;
	RETURN n;
END
$$;

-- The checks after a drop of the expired chunks (a failure fails the
-- benchmark). ChronoTables rt_*: p_tombstones chunks are tombstones, none of
-- them is still a table; every chunk of the window set up is active and
-- attached, and no other chunk is active; the rows of today are all there.
CREATE FUNCTION bench.check_lakets(p_what text, p_tombstones bigint)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	n		bigint;
	t		text;
	total	bigint := 0;
BEGIN
	SELECT count(*) INTO n FROM lakets._chunk_metadata m
	JOIN bench.chronotables r ON r.id = m.chronotable_id
	WHERE r.table_name ~ '^rt_[0-9]+$' AND m.status = 'dropped';
	PERFORM bench.check(n = p_tombstones,
						format('%s: %s tombstones on the rt_* tables, expected %s', p_what, n, p_tombstones));
	SELECT count(*) INTO n FROM lakets._chunk_metadata m
	JOIN pg_class c ON c.relname = m.chunk_name AND c.relnamespace = 'public'::regnamespace
	WHERE m.status = 'dropped';
	PERFORM bench.check(n = 0, format('%s: %s tombstoned chunks still exist as tables', p_what, n));
	SELECT count(*) INTO n FROM bench.window_chunks w
	WHERE NOT EXISTS (SELECT FROM lakets._chunk_metadata m
					  JOIN bench.chronotables r ON r.id = m.chronotable_id
					  WHERE r.table_name = w.table_name AND m.chunk_name = w.chunk_name
						AND m.status = 'active')
	   OR NOT EXISTS (SELECT FROM pg_inherits i
					  WHERE i.inhrelid = format('public.%I', w.chunk_name)::regclass
						AND i.inhparent = format('public.%I', w.table_name)::regclass);
	PERFORM bench.check(n = 0, format('%s: %s chunks of the window are gone or detached', p_what, n));
	SELECT count(*) INTO n FROM lakets._chunk_metadata m
	JOIN bench.chronotables r ON r.id = m.chronotable_id
	WHERE r.table_name ~ '^rt_[0-9]+$' AND m.status = 'active'
	  AND NOT EXISTS (SELECT FROM bench.window_chunks w WHERE w.chunk_name = m.chunk_name);
	PERFORM bench.check(n = 0, format('%s: %s expired chunks are still active', p_what, n));
	FOR t IN SELECT table_name FROM bench.chronotables r WHERE table_name ~ '^rt_[0-9]+$' LOOP
		EXECUTE format('SELECT count(*) FROM public.%I', t) INTO n;
		total := total + n;
	END LOOP;
	SELECT count(*) * 24 INTO n FROM bench.chronotables r WHERE table_name ~ '^rt_[0-9]+$';
	PERFORM bench.check(total = n, format('%s: %s rows left in rt_*, expected %s (today''s)', p_what, total, n));
END
$$;

-- Plain tables pt_*: nothing but the partitions set up (5 and a default).
CREATE FUNCTION bench.check_plain(p_what text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
	n		bigint;
BEGIN
	SELECT count(*) INTO n FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
	WHERE p.relname ~ '^pt_[0-9]+$';
	PERFORM bench.check(n = 6 * (SELECT count(*) FROM pg_class WHERE relkind = 'p' AND relname ~ '^pt_[0-9]+$'),
						format('%s: %s partitions left on the pt_* tables, expected 6 each', p_what, n));
END
$$;

-- The insert-latency part: phases of the maintenance loop, and the
-- latencies pgbench logged.
CREATE TABLE bench.loop_phases (
	mode		text NOT NULL,
	round		integer NOT NULL,
	iter		integer NOT NULL,
	phase		text NOT NULL,
	t0			timestamptz NOT NULL,
	t1			timestamptz NOT NULL,
	rows		bigint,
	dropped		bigint,
	skipped		bigint
);

CREATE TABLE bench.latency (
	mode		text NOT NULL,
	round		integer NOT NULL,
	t_start		timestamptz NOT NULL,
	t_end		timestamptz NOT NULL,
	ms			double precision NOT NULL
);

-- pgbench --log lines with --rate: client_id transaction_no time(us)
-- script_no time_epoch time_us schedule_lag(us). "time" is counted from
-- the scheduled start, so a transaction that waited on a lock, and those
-- queued behind it, all show the wait.
CREATE TABLE bench.pgbench_log (
	client		integer,
	txn			bigint,
	lat_us		bigint,
	script		integer,
	epoch_s		bigint,
	epoch_us	bigint,
	lag_us		bigint
);

-- Next unused range of expired days for the maintenance loop (from 2015 on,
-- apart from the 2021 ranges of the drop-1000 part).
CREATE SEQUENCE bench.loop_range;

-- Retention "running in a loop" for p_seconds: each iteration gives every
-- ChronoTable rt_* (and, with p_own, the live table) p_days new expired
-- chunks with a few rows (phase "recreate", a transaction per table), then
-- applies the policies (phase "enforce", its commit included): one call of
-- enforce_retention() (one transaction), or, with p_per_table,
-- CALL lakets.maintain('retention'), which commits after each table, in the
-- same (table-name) order.
CREATE PROCEDURE bench.retention_loop(p_mode text, p_round integer, p_seconds double precision,
									  p_days integer, p_own boolean, p_per_table boolean)
LANGUAGE plpgsql
AS $$
DECLARE
	t_stop	timestamptz := clock_timestamp() + p_seconds * interval '1 second';
	tables	text[];
	policed	text[];
	t		text;
	it		integer := 0;
	day0	timestamptz;
	t0		timestamptz;
	n		integer;
	n_rows	bigint;
	n_drop	bigint;
	n_skip	bigint;
BEGIN
	SELECT array_agg(table_name::text ORDER BY table_name) INTO tables
	FROM bench.chronotables
	WHERE table_name ~ '^rt_[0-9]+$' OR (p_own AND table_name = 'live');
	SELECT array_agg(c.relname::text ORDER BY c.relname) INTO policed
	FROM lakets._retention_policy p JOIN pg_catalog.pg_class c ON c.oid = p.relid;
	WHILE clock_timestamp() < t_stop LOOP
		it := it + 1;
		day0 := timestamptz '2015-01-01 00:00+00' + nextval('bench.loop_range') * p_days * interval '1 day';
		IF day0 + p_days * interval '1 day' > now() - interval '1 year' THEN
			RAISE EXCEPTION 'retention_loop: out of expired days (iteration %)', it;
		END IF;
		t0 := clock_timestamp();
		CALL bench.add_expired_lakets(tables, day0, p_days);
		INSERT INTO bench.loop_phases VALUES (p_mode, p_round, it, 'recreate', t0, clock_timestamp());
		COMMIT;
		t0 := clock_timestamp();
		IF p_per_table THEN
			-- what schedulers run: the procedure commits after each table
			CALL lakets.maintain('retention');
			SELECT chunks_dropped, skipped INTO n_drop, n_skip
			FROM lakets.job_history ORDER BY id DESC LIMIT 1;
			n_rows := n_drop + n_skip;
		ELSE
			SELECT count(*), count(*) FILTER (WHERE action = 'dropped'),
				   count(*) FILTER (WHERE action = 'skipped_locked')
			INTO n_rows, n_drop, n_skip
			FROM lakets.enforce_retention();
			COMMIT;
		END IF;
		INSERT INTO bench.loop_phases
		VALUES (p_mode, p_round, it, 'enforce', t0, clock_timestamp(), n_rows, n_drop, n_skip);
		COMMIT;
	END LOOP;
END
$$;

-- live first: policies are applied in the order they were added
CREATE TABLE public.live (ts timestamptz NOT NULL, device integer NOT NULL, value double precision);
CREATE INDEX ON public.live (device, ts);
SELECT lakets.create_chronotable('live', 'ts', '1 day');
SELECT lakets.add_retention_policy('live', '1 year');

-- The ChronoTables. Each statement \gexec runs is a transaction of its own.
SELECT format('CREATE TABLE public.rt_%s (ts timestamptz NOT NULL, device integer NOT NULL, value double precision)', n),
	   format('CREATE INDEX ON public.rt_%s (device, ts)', n),
	   format($q$SELECT lakets.create_chronotable('rt_%s', 'ts', '1 day')$q$, n),
	   format('INSERT INTO public.rt_%s SELECT * FROM bench.today_rows()', n),
	   format($q$SELECT lakets.add_retention_policy('rt_%s', '1 year')$q$, n)
FROM generate_series(1, :ntables) AS i, lpad(i::text, greatest(3, length('' || :ntables)), '0') AS n
\gexec

-- The plain tables: the same partitions (yesterday, today, 3 days ahead,
-- default).
SELECT format('CREATE TABLE public.pt_%s (ts timestamptz NOT NULL, device integer NOT NULL, value double precision) PARTITION BY RANGE (ts)', n),
	   format('CREATE INDEX ON public.pt_%s (device, ts)', n),
	   format('CREATE TABLE public.pt_%s_default PARTITION OF public.pt_%s DEFAULT', n, n),
	   (SELECT string_agg(format('CREATE TABLE public.pt_%s_%s PARTITION OF public.pt_%s FOR VALUES FROM (%L) TO (%L)',
								 n, to_char(d, 'YYYYMMDD'), n, d AT TIME ZONE 'UTC', (d + interval '1 day') AT TIME ZONE 'UTC'), '; ')
		FROM generate_series(date_trunc('day', now() AT TIME ZONE 'UTC') - interval '1 day',
							 date_trunc('day', now() AT TIME ZONE 'UTC') + interval '3 days',
							 interval '1 day') AS d),
	   format('INSERT INTO public.pt_%s SELECT * FROM bench.today_rows()', n)
FROM generate_series(1, :ntables) AS i, lpad(i::text, greatest(3, length('' || :ntables)), '0') AS n
\gexec

-- The window of every ChronoTable as set up, for the checks.
CREATE TABLE bench.window_chunks AS
SELECT r.table_name::text, m.chunk_name::text
FROM bench.chronotables r
JOIN lakets._chunk_metadata m ON m.chronotable_id = r.id AND m.status = 'active';

ANALYZE;
