#!/usr/bin/env bash
# ALTER EXTENSION lakets UPDATE from 0.1, for real (as pg_cron's and
# TimescaleDB's upgrade tests do). lakets 0.1 is built from its sources
# (commit 4a008e5 of the history, or test/upgrade/lakets-0.1.tar.gz in a
# clone without it: the test checks that both agree) and installed into a
# private copy of this machine's PostgreSQL under .tmp/upgrade, never into
# the shared install. A server of that copy gets, under 0.1, ChronoTables
# with chunks, a tombstone, a chunk dropped and one detached behind lakets'
# back, rows in the default partition, RollUps (one over a RollUp) with
# invalidations pending in both logs, retention policies (one of a table
# since dropped), job history and a pg_cron job. Then the current build
# replaces 0.1's files, as a package upgrade does, and:
#  (c) in the window before ALTER EXTENSION, writes to the tracked table
#      work and every C function of 0.1's SQL works or fails cleanly (no
#      crash in the server log, nothing corrupted);
#      ALTER EXTENSION lakets UPDATE runs, with a WARNING per lost row;
#  (a) the catalog of lakets' objects equals a fresh 0.2 install's
#      (test/upgrade/catalog.sql): an SQL change missing from
#      lakets--0.1--0.2.sql fails here;
#  (b) maintenance runs, each RollUp equals its query recomputed, chunks
#      and registry agree with pg_inherits, retention drops what it should,
#      0.1's rows are all there;
#  (d) going back to 0.1 is refused with a clear message.
# On PostgreSQL 18, 0.1 is built with the one fix it needs there
# (test/upgrade/pg18-0.1.py); a major 0.1 does not build or run on is skipped.
# LAKETS_UPGRADE_KEEP=1 leaves the private server running afterwards, to look
# around (. .tmp/upgrade/cluster/cluster.env; stop it with test/cluster.sh).
set -uo pipefail
suite=upgrade
. "$(dirname "$0")/../lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
from_commit=4a008e54525a4a59747502b815456bf8e586e5d9
tarball=$top/test/upgrade/lakets-0.1.tar.gz

say() { echo "upgrade: $*"; }
skip() {
	say "$*: skipped"
	echo "$suite: $passed passed, $failed failed, 1 skipped"
	exit 0
}

major=$(pg_config --version | sed -n 's/^PostgreSQL \([0-9]*\).*/\1/p')
pgbin=$(pg_config --bindir)
[ -x "$pgbin/initdb" ] || pgbin=/usr/lib/postgresql/$major/bin
pgshare=$("$pgbin/pg_config" --sharedir)

work=${LAKETS_TMP:-$top/.tmp}/upgrade
# the server's OS user must reach the private install
if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$(dirname "$work")"; then
	work=$(mktemp -d /tmp/lakets-upgrade.XXXXXX)
	chmod 755 "$work"
fi
rm -rf "$work"
mkdir -p "$work/src" "$work/pg/lib/postgresql" "$work/pg/share/postgresql"

# --- lakets 0.1's sources: the history, else the committed tarball
if git -C "$top" cat-file -e "$from_commit^{commit}" 2>/dev/null; then
	git -C "$top" archive --format=tar --prefix=lakets-0.1/ "$from_commit" Makefile lakets.control extension |
		tar -x -C "$work/src"
	mkdir -p "$work/tarball"
	tar -xzf "$tarball" -C "$work/tarball"
	check "test/upgrade/lakets-0.1.tar.gz holds the sources of 0.1 ($from_commit)" "" \
		"$(diff -r "$work/src/lakets-0.1" "$work/tarball/lakets-0.1" 2>&1 | head -n 3)"
else
	say "commit ${from_commit:0:7} is not in this clone's history: 0.1 from test/upgrade/lakets-0.1.tar.gz"
	tar -xzf "$tarball" -C "$work/src"
fi
src01=$work/src/lakets-0.1
# 0.1 predates PostgreSQL 18: without the grouping RTE fix its RollUps
# refuse every query there (the fix alone, test/upgrade/pg18-0.1.py)
if [ "$major" -ge 18 ]; then
	python3 "$top/test/upgrade/pg18-0.1.py" "$src01" || skip "lakets 0.1's sources cannot be fixed for PostgreSQL $major"
	say "PostgreSQL $major: lakets 0.1 built with the PostgreSQL 18 fix of commit e62c442 (test/upgrade/pg18-0.1.py)"
fi
if ! make -C "$src01" -s PG_CONFIG="$pgbin/pg_config" lakets.so lakets--0.1.sql >"$work/build01.log" 2>&1; then
	tail -n 5 "$work/build01.log"
	skip "lakets 0.1's sources do not build against PostgreSQL $major (they predate its support)"
fi
check "extension/lakets--0.1.sql is exactly what 0.1 installed" "" \
	"$(cmp "$src01/lakets--0.1.sql" "$top/extension/lakets--0.1.sql" 2>&1)"

# --- a private copy of this PostgreSQL: it finds its share and lib
# directories relative to its binaries
cp -a "$(dirname "$pgbin")" "$work/pg/lib/postgresql/"
cp -a "$pgshare" "$work/pg/share/postgresql/"
pbin=$work/pg/lib/postgresql/$major/bin
pext=$("$pbin/pg_config" --sharedir)/extension
plib=$("$pbin/pg_config" --pkglibdir)
if [ "$pext" != "$work/pg/share/postgresql/$major/extension" ] || [ "$plib" != "$work/pg/lib/postgresql/$major/lib" ]; then
	check "a copy of PostgreSQL $major runs from $work/pg" "$work/pg/share/postgresql/$major/extension $work/pg/lib/postgresql/$major/lib" "$pext $plib"
	finish
	exit
fi
rm -rf "$plib/lakets.so" "$plib/bitcode/lakets" "$plib/bitcode/lakets.index.bc" "$pext"/lakets[-.]*

# put FILE DIR: replace as a package does (a new file renamed into place:
# running backends keep the old one they mapped)
put() {
	cp "$1" "$2/.$(basename "$1").new" && mv "$2/.$(basename "$1").new" "$2/$(basename "$1")"
}
put "$src01/lakets.so" "$plib"
put "$src01/lakets.control" "$pext"
put "$src01/lakets--0.1.sql" "$pext"

export LAKETS_TMPDIR=$work/cluster
cluster() { PATH="$pbin:$PATH" bash "$top/test/cluster.sh" "$1"; }
cluster start >/dev/null || { check "the private server starts" ok failed; finish; exit; }
# the copy of PostgreSQL and the sources go; the logs and the catalogs stay
[ -n "${LAKETS_UPGRADE_KEEP:-}" ] ||
	trap 'cluster stop >/dev/null; rm -rf "$work/pg" "$work/src" "$work/tarball"' EXIT
# shellcheck disable=SC1091
. "$work/cluster/cluster.env"
serverlog=$LAKETS_PGDATA/server.log
db=postgres		# pg_cron's database (cron.database_name)
fresh=lakets_fresh
psql -X -q -d postgres -c "ALTER SYSTEM SET jit = off" -c "SELECT pg_reload_conf()" >/dev/null

# --- lakets 0.1 and its state
setup_failed() {
	tail -n 5 "$work/setup01.log"
	# 0.1 was made and tested on 15 only: a 0.1 that does not run on a later
	# major cannot have databases there to update
	[ "$major" -gt 15 ] && skip "lakets 0.1 does not run on PostgreSQL $major (it predates its support)"
	check "lakets 0.1 and its state are set up" ok failed
	finish
	exit
}
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >"$work/setup01.log" 2>&1 <<'SQL' || setup_failed
SET client_min_messages = warning;
CREATE EXTENSION pg_cron;
CREATE EXTENSION lakets;
SELECT extversion FROM pg_extension WHERE extname = 'lakets';
CREATE SCHEMA app;
CREATE TABLE app.m (ts timestamptz NOT NULL, dev int NOT NULL, v int NOT NULL);
SELECT lakets.create_chronotable('m', 'ts', '1 day', 'app');
SELECT lakets._ensure_partitions(lakets._chronotable_id('m', 'app'), 0, 0, '2021-01-01', '2021-01-05');
INSERT INTO app.m SELECT '2021-01-01 00:00+00'::timestamptz + i * interval '30 minutes', i % 3, i
FROM generate_series(0, 191) i;
SELECT lakets.create_rollup('m_hourly', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, dev, count(*) AS n, sum(v) AS total FROM app.m GROUP BY 1, 2$$, '1 hour');
SELECT lakets.create_rollup('m_dev', $$SELECT lakets.time_bucket('1 day', ts) AS day, dev, max(v) AS top FROM app.m GROUP BY 1, 2$$, '1 day');
SELECT lakets.create_rollup('m_daily', $$SELECT lakets.time_bucket('1 day', bucket) AS bucket, dev, sum(n) AS n, sum(total) AS total FROM app._rollup_m_hourly GROUP BY 1, 2$$, '1 day');
SELECT lakets.add_retention_policy('_rollup_m_daily', '100 years', 'app');
-- a tombstone
SELECT lakets.drop_chunks('m', now() - '2021-01-02 00:00+00'::timestamptz, 'app');

-- timestamp and date ChronoTables; one chunk dropped, one detached behind
-- lakets' back
CREATE TABLE d (day date NOT NULL, v int);
SELECT lakets.create_chronotable('d', 'day', '1 month');
SELECT lakets._ensure_partitions(lakets._chronotable_id('d'), 0, 0, '2021-01-01', '2021-04-01');
INSERT INTO d SELECT '2021-01-01'::date + i, i FROM generate_series(0, 89) i;
DROP TABLE d_20210101_000000;
ALTER TABLE d DETACH PARTITION d_20210201_000000;
CREATE TABLE w (ts timestamp NOT NULL, v int);
SELECT lakets.create_chronotable('w', 'ts', '7 days');

-- retention that maintenance applies after the update, and a policy of a
-- table dropped since
CREATE TABLE old_events (ts timestamptz NOT NULL, v int);
SELECT lakets.create_chronotable('old_events', 'ts', '1 day');
SELECT lakets._ensure_partitions(lakets._chronotable_id('old_events'), 0, 0, '2021-01-01', '2021-01-03');
INSERT INTO old_events VALUES ('2021-01-01 10:00+00', 1), ('2021-01-02 10:00+00', 2);
SELECT lakets.add_retention_policy('old_events', '1 day');
CREATE TABLE gone (ts timestamptz NOT NULL, v int);
SELECT lakets.create_chronotable('gone', 'ts', '1 day');
SELECT lakets.add_retention_policy('gone', '30 days');
DROP TABLE gone;

-- a RollUp whose query no longer reads its source (a column renamed since),
-- and one over it
CREATE TABLE b (ts timestamptz NOT NULL, x int);
SELECT lakets.create_chronotable('b', 'ts', '1 day');
SELECT lakets.create_rollup('b_sum', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, sum(x) AS x FROM b GROUP BY 1$$, '1 hour');
SELECT lakets.create_rollup('b_daily', $$SELECT lakets.time_bucket('1 day', bucket) AS bucket, sum(x) AS x FROM _rollup_b_sum GROUP BY 1$$, '1 day');
SELECT lakets.add_retention_policy('_rollup_b_daily', '10 years');
ALTER TABLE b RENAME COLUMN x TO y;

-- job history (no retention yet) and a pg_cron job
SELECT count(*) FROM lakets.run_maintenance('partitions');
SELECT count(*) FROM lakets.run_maintenance('rollups');
SELECT lakets.schedule_maintenance('*/15 * * * *');

-- rows in the default partition: before any chunk
INSERT INTO app.m VALUES ('1999-06-01 00:00+00', 1, 5);
-- pending invalidations: moved into the RollUp log of m_dev and m_daily by
-- a refresh of m_hourly, and in the source log, not moved yet
INSERT INTO app.m VALUES ('2021-01-03 10:10+00', 1, 1000);
SELECT lakets.refresh_rollup('m_hourly');
INSERT INTO app.m VALUES ('2021-01-04 11:11+00', 2, 2000);
SQL
check "0.1 is installed" 0.1 "$(q $db "SELECT extversion FROM pg_extension WHERE extname = 'lakets'")"
check "0.1 has invalidations pending in both logs" "true|true" \
	"$(q $db "SELECT (SELECT count(*) > 0 FROM lakets._rollup_invalidation_log) || '|' || (SELECT count(*) > 0 FROM lakets._source_invalidation_log)")"
rows_before=$(q $db "SELECT (count(*) + 1) || '/' || (sum(v) + 3000) FROM app.m")
history_before=$(q $db "SELECT count(*) || '|' || max(id) FROM lakets.job_history")

# --- the package upgrade: 0.2's files replace 0.1's
put "$top/lakets.so" "$plib"
put "$top/lakets.control" "$pext"
for f in "$top"/lakets--*.sql "$top"/extension/lakets--*.sql; do
	put "$f" "$pext"
done

# (c) the window: 0.1's SQL, 0.2's library
out=$(psql -X -q -At -d "$db" 2>&1 <<'SQL'
INSERT INTO app.m VALUES ('2021-01-03 12:05+00', 0, 3000);
UPDATE app.m SET v = v + 1 WHERE ts = '2021-01-03 12:05+00';
DELETE FROM app.m WHERE ts = '2021-01-03 12:05+00';
INSERT INTO app.m VALUES ('2021-01-03 12:35+00', 0, 3000);
SELECT 'logged ' || count(*) FROM lakets._source_invalidation_log WHERE source_schema = 'app' AND source_table = 'm' AND range_start >= '2021-01-03 12:00+00' AND range_start < '2021-01-03 13:00+00';
SELECT 'bucket ' || lakets.time_bucket('1 hour', '2021-01-03 12:34+00'::timestamptz);
SELECT lakets.run_maintenance();
SQL
)
echo "$out" | sed 's/^/  /'

check "in the window, writes to a RollUp's source work and are logged as 0.1 logs them" "logged 4" \
	"$(echo "$out" | grep '^logged')"
check "in the window, the time functions work" "bucket 2021-01-03 12:00:00+00" "$(echo "$out" | grep '^bucket')"
check "in the window, maintenance stops with a clear error" 1 \
	"$(echo "$out" | grep -c "lakets' SQL objects are at version 0.1, the library is 0.2")"
# every C function 0.1's SQL declares, with NULL arguments, each in a
# subtransaction: it works or errors, the server never crashes
out=$(psql -X -q -At -d "$db" 2>&1 <<'SQL'
SET client_min_messages = warning;
DO $$
DECLARE
	f record;
	ok int := 0;
	errors int := 0;
BEGIN
	FOR f IN SELECT p.oid::regprocedure AS sig, p.proname,
				(SELECT string_agg('NULL::' || format_type(t, NULL), ', ' ORDER BY n)
				 FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY a(t, n)) AS args
			 FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
			 WHERE p.pronamespace = 'lakets'::regnamespace AND l.lanname = 'c'
			   AND p.prokind IN ('f', 'p') AND p.prorettype <> 'trigger'::regtype
			   AND p.prorettype <> 'internal'::regtype
			   AND NOT ('internal'::regtype = ANY (p.proargtypes::oid[]))
			 ORDER BY 1::text
	LOOP
		BEGIN
			IF (SELECT prokind FROM pg_proc WHERE oid = f.sig) = 'p' THEN
				EXECUTE format('CALL lakets.%I(%s)', f.proname, coalesce(f.args, ''));
			ELSE
				EXECUTE format('SELECT * FROM lakets.%I(%s)', f.proname, coalesce(f.args, ''));
			END IF;
			ok := ok + 1;
		EXCEPTION WHEN OTHERS THEN
			errors := errors + 1;
		END;
	END LOOP;
	RAISE WARNING 'called % worked, % errors', ok, errors;
END
$$;
SELECT 'alive';
SQL
)
echo "$out" | grep -o 'called.*' | sed 's/^/upgrade: in the window, 0.1'\''s C functions: /'
check "in the window, no call of 0.1's C functions crashes the server" alive "$(echo "$out" | tail -n 1)"
check "the server log has no crash" 0 "$(grep -c 'terminated by signal' "$serverlog")"
check "in the window, the data is intact (one row more)" "$rows_before" \
	"$(q $db "SELECT count(*) || '/' || sum(v) FROM app.m")"

# --- ALTER EXTENSION lakets UPDATE
out=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "ALTER EXTENSION lakets UPDATE" 2>&1)
rc=$?
echo "$out" | sed 's/^/  /'
check "ALTER EXTENSION lakets UPDATE succeeds" 0 "$rc"
check "the extension is at 0.2" 0.2 "$(q $db "SELECT extversion FROM pg_extension WHERE extname = 'lakets'")"
check "the update warns of the policy of the dropped table" 1 \
	"$(echo "$out" | grep -c 'retention policy of public.gone is forgotten')"
check "the update warns of the chronotable dropped" 1 "$(echo "$out" | grep -c 'chronotable public.gone no longer exists')"
check "the update warns of the chunk dropped behind lakets' back" 1 \
	"$(echo "$out" | grep -c 'chunk public.d_20210101_000000 was dropped')"
check "the update warns of the chunk detached behind lakets' back" 1 \
	"$(echo "$out" | grep -c 'chunk public.d_20210201_000000 was detached')"
check "the update warns of the rollup whose query no longer reads its source" 1 \
	"$(echo "$out" | grep -c 'rollup "b_sum" is forgotten: lakets 0.2 cannot read its query: column "x" does not exist')"
check "the update warns of the rollup over it" 1 "$(echo "$out" | grep -c 'rollup "b_daily" is forgotten: the rollup it reads was')"
check "the other RollUps, policies and tables are there; the triggers of the forgotten one's source are not" \
	"m_daily m_dev m_hourly|app._rollup_m_daily old_events|1|0" \
	"$(q $db "SELECT (SELECT string_agg(name, ' ' ORDER BY name) FROM lakets._rollup_registry) || '|' || (SELECT string_agg(relid::regclass::text, ' ' ORDER BY 1) FROM lakets._retention_policy) || '|' || (to_regclass('_rollup_b_sum') IS NOT NULL)::int || '|' || (SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'zz_lakets%' AND tgrelid IN (SELECT 'b'::regclass UNION ALL SELECT inhrelid FROM pg_inherits WHERE inhparent = 'b'::regclass))")"

# (a) the catalog equals a fresh install's
psql -X -q -d postgres -c "CREATE DATABASE $fresh" >/dev/null
q $fresh "CREATE EXTENSION lakets" >/dev/null
psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -f "$top/test/upgrade/catalog.sql" >"$work/catalog-updated.txt" 2>&1
psql -X -q -At -v ON_ERROR_STOP=1 -d "$fresh" -f "$top/test/upgrade/catalog.sql" >"$work/catalog-fresh.txt" 2>&1
check "the catalog is read (test/upgrade/catalog.sql)" "0 0" \
	"$(grep -c ERROR "$work/catalog-fresh.txt") $(grep -c ERROR "$work/catalog-updated.txt")"
diff -u "$work/catalog-fresh.txt" "$work/catalog-updated.txt" >"$work/catalog.diff"
check "the catalog after the update equals a fresh 0.2 install's ($(wc -l <"$work/catalog-fresh.txt") lines)" 0 \
	"$(grep -c '^[-+][^-+]' "$work/catalog.diff")"
head -n 40 "$work/catalog.diff"

# the triggers 0.1 put on a RollUp source and its chunks are those 0.2 puts
psql -X -q -v ON_ERROR_STOP=1 -d "$fresh" >/dev/null 2>&1 <<'SQL'
SET client_min_messages = warning;
CREATE SCHEMA app;
CREATE TABLE app.m (ts timestamptz NOT NULL, dev int NOT NULL, v int NOT NULL);
SELECT lakets.create_chronotable('m', 'ts', '1 day', 'app');
SELECT lakets._ensure_partitions(lakets._chronotable_id('m', 'app'), 0, 0, '2021-01-01', '2021-01-05');
SELECT lakets.create_rollup('m_hourly', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket, dev, count(*) AS n, sum(v) AS total FROM app.m GROUP BY 1, 2$$, '1 hour');
SELECT lakets.create_rollup('m_dev', $$SELECT lakets.time_bucket('1 day', ts) AS day, dev, max(v) AS top FROM app.m GROUP BY 1, 2$$, '1 day');
SQL
triggers="SELECT string_agg(tgrelid::regclass || ' ' || pg_get_triggerdef(oid), E'\n' ORDER BY tgrelid::regclass::text, tgname)
	FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN ('app.m'::regclass, 'app.m_20210103_000000'::regclass, 'app.m_default'::regclass)"
check "the triggers on a RollUp source and its chunks are 0.2's" "$(q $fresh "$triggers")" "$(q $db "$triggers")"

# (b) maintenance goes on
check "0.1's rows are all there" "$rows_before" "$(q $db "SELECT count(*) || '/' || sum(v) FROM app.m")"
check "the row in the default partition is still there" 1 \
	"$(q $db "SELECT count(*) FROM app.m_default WHERE ts = '1999-06-01 00:00+00'" 2>&1)"
check "0.1's job history is there" "$history_before" \
	"$(q $db "SELECT count(*) || '|' || max(id) FROM lakets.job_history WHERE id <= ${history_before#*|}")"
check "the pg_cron job is still there" "1|CALL lakets.maintain('maintenance')" \
	"$(q $db "SELECT count(*) || '|' || max(command) FROM cron.job WHERE jobname = 'lakets-maintenance'")"
check "the tombstone is kept" "dropped" \
	"$(q $db "SELECT status FROM lakets._chunk_metadata m JOIN lakets._chronotable_registry r ON r.id = m.chronotable_id WHERE r.relid = 'app.m'::regclass AND m.range_start = '2021-01-01 00:00+00'")"
check "the chunks dropped and detached behind lakets' back are tombstones" "dropped|detached" \
	"$(q $db "SELECT string_agg(status, '|' ORDER BY range_start) FROM lakets._chunk_metadata m JOIN lakets._chronotable_registry r ON r.id = m.chronotable_id WHERE r.relid = 'd'::regclass AND m.range_start < '2021-03-01'")"
check "the pending invalidations came through" "true|true" \
	"$(q $db "SELECT (SELECT count(*) > 0 FROM lakets._rollup_invalidation_log) || '|' || (SELECT count(*) > 0 FROM lakets._source_invalidation_log WHERE source_relid = 'app.m'::regclass)")"
out=$(psql -X -q -At -d "$db" -c "CALL lakets.maintain()" 2>&1)
check "CALL lakets.maintain() runs" "succeeded" \
	"$(q $db "SELECT status FROM lakets.job_history ORDER BY id DESC LIMIT 1")"
q $db "SELECT count(*) FROM lakets.refresh_rollup_cascade()" >/dev/null
check "nothing is pending after the refresh" 0 "$(q $db "SELECT sum(pending_ranges) FROM lakets.show_rollups()")"
# each RollUp equals its query, recomputed (m_hourly and m_dev from the
# chunks still there: the dropped day's buckets stay in a RollUp)
for r in m_hourly m_dev m_daily; do
	diffs=$(q $db "WITH reg AS (SELECT query, rollup_relid::text AS t, bucket_column AS b FROM lakets._rollup_registry WHERE name = '$r')
		SELECT 'SELECT count(*) FROM ((SELECT * FROM ' || t || ' WHERE ' || quote_ident(b) || ' >= ''2021-01-02'' EXCEPT ALL SELECT * FROM (' || query || ') q WHERE ' || quote_ident(b) || ' >= ''2021-01-02'') UNION ALL (SELECT * FROM (' || query || ') q WHERE ' || quote_ident(b) || ' >= ''2021-01-02'' EXCEPT ALL SELECT * FROM ' || t || ' WHERE ' || quote_ident(b) || ' >= ''2021-01-02'')) x' FROM reg" |
		psql -X -At -d "$db" 2>&1)
	check "rollup $r equals its query recomputed" 0 "$diffs"
done
check "rollup m_daily keeps the dropped day" 3 "$(q $db "SELECT count(*) FROM app._rollup_m_daily WHERE bucket = '2021-01-01 00:00+00'")"
check "the real-time view of m_hourly is 0.2's and works" "1|$(q $db "SELECT count(*) FROM app._rollup_m_hourly")" \
	"$(q $db "SELECT (pg_get_viewdef('app._rollup_rt_m_hourly'::regclass) NOT LIKE '%(SELECT lakets._rollup_watermark%')::int || '|' || count(*) FROM app._rollup_rt_m_hourly WHERE bucket < '2021-01-05'")"
check "chunks and registry agree with pg_inherits" "" \
	"$(q $db "SELECT string_agg(x::text, ', ') FROM (
		(SELECT m.chunk_relid FROM lakets._chunk_metadata m JOIN lakets._chronotable_registry r ON r.id = m.chronotable_id
		 WHERE m.status = 'active' EXCEPT SELECT i.inhrelid::regclass FROM pg_inherits i JOIN lakets._chronotable_registry r ON r.relid = i.inhparent)
		UNION ALL
		(SELECT i.inhrelid::regclass FROM pg_inherits i JOIN lakets._chronotable_registry r ON r.relid = i.inhparent
		 JOIN pg_class c ON c.oid = i.inhrelid WHERE NOT pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'
		 EXCEPT SELECT m.chunk_relid FROM lakets._chunk_metadata m WHERE m.status = 'active')) x(x)")"
check "retention dropped the expired chunks of old_events" "0|2" \
	"$(q $db "SELECT (SELECT count(*) FROM lakets.show_chunks('old_events') WHERE range_start < '2021-01-03') || '|' || (SELECT count(*) FROM lakets._chunk_metadata m JOIN lakets._chronotable_registry r ON r.id = m.chronotable_id WHERE r.relid = 'old_events'::regclass AND m.status = 'dropped')")"
q $db "INSERT INTO app.m VALUES ('2021-01-04 01:00+00', 0, 7)" >/dev/null
q $db "SELECT count(*) FROM lakets.refresh_rollup_cascade()" >/dev/null
check "a write after the update reaches the cascade" "$(q $db "SELECT sum(n) FROM app._rollup_m_hourly WHERE bucket >= '2021-01-04' AND bucket < '2021-01-05'")" \
	"$(q $db "SELECT sum(n) FROM app._rollup_m_daily WHERE bucket = '2021-01-04 00:00+00'")"
check "the pg_cron job's command runs" succeeded \
	"$(psql -X -q -At -d "$db" -c "$(q $db "SELECT command FROM cron.job WHERE jobname = 'lakets-maintenance'")" >/dev/null 2>&1 &&
		q $db "SELECT status FROM lakets.job_history ORDER BY id DESC LIMIT 1")"
check "new ids follow 0.1's" t \
	"$(q $db "CREATE TABLE later (ts timestamptz NOT NULL)" >/dev/null; q $db "SELECT lakets.create_chronotable('later', 'ts', '1 day') > max(id) FROM lakets._chronotable_registry WHERE relid <> 'later'::regclass")"

# an updated database dumps and restores as a fresh one does (the RollUps'
# functions and views are the user's objects again, the registry is
# lakets' configuration data)
"$pbin/pg_dump" -d "$db" --extension=lakets -f "$work/updated.sql" 2>"$work/dump.log"
check "the updated database dumps" 0 "$?"
psql -X -q -d postgres -c "CREATE DATABASE lakets_restored" >/dev/null
check "the dump restores without errors" 0 \
	"$(psql -X -q -d lakets_restored -f "$work/updated.sql" 2>&1 | grep -c ERROR)"
check "the restored registry is the updated one" \
	"$(q $db "SELECT (SELECT count(*) FROM lakets._chronotable_registry) || '/' || (SELECT count(*) FROM lakets._chunk_metadata) || '/' || (SELECT count(*) FROM lakets._rollup_registry) || '/' || (SELECT count(*) FROM lakets._retention_policy)")" \
	"$(q lakets_restored "SELECT (SELECT count(*) FROM lakets._chronotable_registry) || '/' || (SELECT count(*) FROM lakets._chunk_metadata) || '/' || (SELECT count(*) FROM lakets._rollup_registry) || '/' || (SELECT count(*) FROM lakets._retention_policy)")"
q lakets_restored "INSERT INTO app.m VALUES ('2021-01-04 02:00+00', 0, 9)" >/dev/null
q lakets_restored "SELECT count(*) FROM lakets.run_maintenance()" >/dev/null 2>&1
check "maintenance runs in the restored database and reaches the cascade" "succeeded|$(($(q $db "SELECT sum(n) FROM app._rollup_m_daily WHERE bucket = '2021-01-04 00:00+00'") + 1))" \
	"$(q lakets_restored "SELECT status FROM lakets.job_history ORDER BY id DESC LIMIT 1")|$(q lakets_restored "SELECT sum(n) FROM app._rollup_m_daily WHERE bucket = '2021-01-04 00:00+00'")"

# (d) no way back
out=$(psql -X -q -At -d "$db" -c "ALTER EXTENSION lakets UPDATE TO '0.1'" 2>&1)
echo "$out" | sed 's/^/  /'
check "a downgrade to 0.1 is refused with a clear message" 1 \
	"$(echo "$out" | grep -c '^ERROR:  lakets 0.2 cannot be downgraded to 0.1$')"
check "the refused downgrade changed nothing" 0.2 "$(q $db "SELECT extversion FROM pg_extension WHERE extname = 'lakets'")"

check "the server log has no crash" 0 "$(grep -c 'terminated by signal' "$serverlog")"
q $db "SELECT lakets.unschedule_maintenance()" >/dev/null 2>&1
finish
