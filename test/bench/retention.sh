#!/usr/bin/env bash
# retention.sh: the retention benchmark of issue 4.
#
# Sets up (retention_setup.sql) LAKETS_BENCH_RETENTION_TABLES (100)
# ChronoTables rt_* with 1-day chunks and a '1 year' retention policy, as
# many plain partitioned tables pt_* laid out the same way, and one more
# ChronoTable, live, with the same policy. Then:
#
#   drop_1000   every rt_* table gets LAKETS_BENCH_RETENTION_CHUNKS (10)
#               expired 1-day chunks (in 2021) holding a few rows, so 1,000
#               in all, and one "SELECT count(*) FROM
#               lakets.enforce_retention()" drops them, timed inside the
#               server (clock_timestamp() before it and after its COMMIT,
#               where the files go; a CHECKPOINT first). The floor, in the
#               same run and the same way: as many plain partitions of pt_*
#               dropped in plain SQL (bench.drop_plain(): LOCK parent, DROP
#               TABLE, one bookkeeping row, in one transaction). The two
#               interleaved, the order alternating, LAKETS_BENCH_RETENTION_REPS
#               (7) times, each rep on new expired days. Also recorded: the
#               locks the transaction holds before its commit.
#   insert      p50/p99 latency of single-row INSERTs into live
#               (retention_insert.sql) from pgbench, 2 clients at a fixed
#               rate of LAKETS_BENCH_RETENTION_RATE (200) per second, for
#               LAKETS_BENCH_RETENTION_SECONDS (15) s, with the latency
#               counted from each transaction's scheduled start (pgbench
#               --rate), so that a wait on a lock shows in every insert
#               queued behind it. Four modes, LAKETS_BENCH_RETENTION_ROUNDS
#               (2) rounds, the order rotating:
#                 baseline  nothing else running;
#                 other     retention in a loop in another session
#                           (bench.retention_loop(): every rt_* table gets
#                           LAKETS_BENCH_RETENTION_LOOP_DAYS (10) new expired
#                           chunks, then one enforce_retention() drops them,
#                           1,000 per call by default); live has its policy
#                           but nothing expired;
#                 own       the same, and live gets as many expired chunks
#                           each iteration, so that enforce_retention() drops
#                           chunks of live too (first of all the tables: the
#                           policies are applied in the order they were added);
#                 own_per_table  the same expired chunks, applied instead by
#                           CALL lakets.maintain('retention'), which commits
#                           after each table (what pg_cron jobs and
#                           lakets-helper run).
#               p99 ratios against baseline, and the inserts split by
#               whether they overlapped the retention phase of the loop.
#
# The loop also gives the enforce_retention() times of 1,000 chunks again,
# under insert load and with more and more tombstones.
#
# Checks (a failure fails the script): every enforce_retention() call of
# drop_1000 drops exactly the 1,000 expired chunks and reports nothing else;
# afterwards exactly 1,000 more tombstones, none still a table, every chunk
# of the window active and attached, no expired chunk left active, today's
# rows all there; the floor drops as many and leaves the window; in the
# loop no chunk ends in "error"; pgbench exits cleanly and every insert it
# logged is in live; no WARNING or ERROR. Results are reported; there is no
# target (the issue names none).
#
# Needs the cluster of test/cluster.sh (PGHOST ...); test/bench/run.sh
# provides it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${PGHOST:?retention: run me from test/bench/run.sh (no cluster environment)}"

ntables=${LAKETS_BENCH_RETENTION_TABLES:-100}
chunks=${LAKETS_BENCH_RETENTION_CHUNKS:-10}
reps=${LAKETS_BENCH_RETENTION_REPS:-7}
rate=${LAKETS_BENCH_RETENTION_RATE:-200}
seconds=${LAKETS_BENCH_RETENTION_SECONDS:-15}
rounds=${LAKETS_BENCH_RETENTION_ROUNDS:-2}
loop_days=${LAKETS_BENCH_RETENTION_LOOP_DAYS:-10}
pgbench=${LAKETS_PGBIN:-/usr/lib/postgresql/15/bin}/pgbench
db=lakets_bench_retention
ndrop=$((ntables * chunks))

work=$(mktemp -d "${LAKETS_TMP:-/tmp}/bench-retention.XXXXXX")
bench=retention
# shellcheck source=test/bench/common.bash
. "$here/common.bash"
trap 'rm -rf "$work"' EXIT

timed() { # test system rep sql-returning-the-result
	printf "CHECKPOINT;\nSELECT bench.start();\nBEGIN;\nSELECT bench.note((%s)::text);\nCOMMIT;\nSELECT bench.stop('%s', '%s', %d);\n" \
		"$4" "$1" "$2" "$3"
}

lakets_drop="SELECT count(*) FILTER (WHERE action = 'dropped') || '/' || count(*) FROM lakets.enforce_retention()"
plain_drop="SELECT bench.drop_plain('1 year') || '/' || $ndrop"

echo "retention: $ntables ChronoTables x $chunks expired chunks, $ntables plain tables, 1 live table; $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC')"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
	-c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" \
	-c "ALTER DATABASE $db SET timezone = 'UTC'" >/dev/null
t0=$(date +%s)
run_checked -v ntables="$ntables" -f "$here/retention_setup.sql"
echo "retention: set up in $(($(date +%s) - t0)) s"
q -At -c "SELECT 'retention: ' || version()" \
	-c "SELECT 'retention: ' || string_agg(extname || ' ' || extversion, ', ' ORDER BY extname)
	        FROM pg_extension WHERE extname = 'lakets'" \
	-c "SELECT 'retention: max_locks_per_transaction = ' || current_setting('max_locks_per_transaction')
	        || ', max_connections = ' || current_setting('max_connections')
	        || ', lakets.lock_timeout = ' || coalesce(current_setting('lakets.lock_timeout', true), 'default')"

# drop_1000: each rep, new expired days on both sides, then one timed drop
# of each, the order alternating.
t0=$(date +%s)
rt_tables=$(q -At -c "SELECT array_agg(table_name::text ORDER BY table_name)::text
	FROM bench.chronotables r WHERE table_name ~ '^rt_[0-9]+\$'")
for ((r = 1; r <= reps; r++)); do
	from="timestamptz '2021-01-01 00:00+00' + interval '$(((r - 1) * chunks)) days'"
	{
		echo "CALL bench.add_expired_lakets('$rt_tables', $from, $chunks);"
		echo "CALL bench.add_expired_plain($from, $chunks);"
		if ((r % 2)); then
			timed drop_1000 lakets "$r" "$lakets_drop"
			timed drop_1000 plain_sql "$r" "$plain_drop"
		else
			timed drop_1000 plain_sql "$r" "$plain_drop"
			timed drop_1000 lakets "$r" "$lakets_drop"
		fi
		echo "SELECT bench.check(result = '$ndrop/$ndrop', 'drop_1000 rep $r: ' || system || ' returned ' || result || ', expected $ndrop/$ndrop')
		      FROM bench.timings WHERE test = 'drop_1000' AND rep = $r;"
		echo "SELECT bench.check_lakets('drop_1000 rep $r', $((r * ndrop)));"
		echo "SELECT bench.check_plain('drop_1000 rep $r');"
	} | run_checked
done
echo "retention: drop_1000 done in $(($(date +%s) - t0)) s"
echo "retention: checks passed (each call dropped exactly $ndrop chunks and reported nothing else; $ndrop new tombstones each time, none still a table; the window of every table intact; today's rows all there; the floor dropped as many)"

# insert: pgbench into live, with and without retention running.
insert_run() { # mode round
	local mode=$1 round=$2 own=false per_table=false loop_pid='' before after logged rc=0
	case $mode in own*) own=true ;; esac
	[ "$mode" = own_per_table ] && per_table=true
	before=$(q -At -c "SELECT count(*) FROM public.live WHERE device > 0")
	if [ "$mode" != baseline ]; then
		q -c "CALL bench.retention_loop('$mode', $round, $seconds + 1, $loop_days, $own, $per_table)" \
			>/dev/null 2>"$work/loop.err" &
		loop_pid=$!
		sleep 0.5
	fi
	"$pgbench" -n -M prepared -c 2 -j 2 -R "$rate" -T "$seconds" \
		--log --log-prefix="$work/pgb_${mode}_$round" \
		-f "$here/retention_insert.sql" "$db" >"$work/pgbench.out" 2>&1 || rc=$?
	if [ -n "$loop_pid" ]; then
		wait "$loop_pid" || { cat "$work/loop.err" >&2; fail "insert $mode round $round: the retention loop failed"; }
		if grep -E 'WARNING|ERROR' "$work/loop.err" >&2; then
			fail "insert $mode round $round: the retention loop reported a problem (above)"
		fi
	fi
	if [ "$rc" -ne 0 ] || grep -q 'aborted' "$work/pgbench.out"; then
		cat "$work/pgbench.out" >&2
		fail "insert $mode round $round: pgbench failed"
	fi
	q -c "TRUNCATE bench.pgbench_log"
	for f in "$work/pgb_${mode}_$round".*; do
		q -c "\\copy bench.pgbench_log FROM '$f' WITH (DELIMITER ' ')"
	done
	rm -f "$work/pgb_${mode}_$round".*
	run_checked -c "INSERT INTO bench.latency
		SELECT '$mode', $round, t_end - lat_us * interval '1 microsecond', t_end, lat_us / 1000.0
		FROM (SELECT to_timestamp(epoch_s + epoch_us / 1e6) AS t_end, lat_us FROM bench.pgbench_log) l"
	logged=$(q -At -c "SELECT count(*) FROM bench.pgbench_log")
	after=$(q -At -c "SELECT count(*) FROM public.live WHERE device > 0")
	[ "$((after - before))" -eq "$logged" ] ||
		fail "insert $mode round $round: pgbench logged $logged inserts, live got $((after - before))"
	echo "retention: insert $mode round $round: $logged inserts$(
		[ "$mode" = baseline ] || q -At -c "SELECT ', ' || count(*) || ' retention passes dropping '
			|| coalesce(sum(dropped), 0) || ' chunks'
			FROM bench.loop_phases WHERE mode = '$mode' AND round = $round AND phase = 'enforce'")"
}

t0=$(date +%s)
# Warm-up (not reported): connections, caches, the plan of the insert.
"$pgbench" -n -M prepared -c 2 -j 2 -R "$rate" -T 2 -f "$here/retention_insert.sql" "$db" >/dev/null 2>&1 ||
	fail "pgbench warm-up failed"
modes=(baseline other own own_per_table)
for ((r = 1; r <= rounds; r++)); do
	for ((k = 0; k < ${#modes[@]}; k++)); do
		insert_run "${modes[$(((r - 1 + k) % ${#modes[@]}))]}" "$r"
	done
done
# (LAKETS_BENCH_RETENTION_ROUNDS=0 measures drop_1000 alone)
((rounds == 0)) || run_checked -c "SELECT bench.check(sum(rows - dropped - skipped) = 0,
	'insert: ' || sum(rows - dropped - skipped) || ' chunks ended in error in the retention loop')
	FROM bench.loop_phases WHERE phase = 'enforce'"
((rounds == 0)) || run_checked -c "SELECT bench.check(min(t_start) >= (SELECT min(t0) FROM bench.loop_phases) - interval '10 minutes'
	AND max(t_end) <= clock_timestamp(), 'insert: pgbench log times are not on the server clock')
	FROM bench.latency"
echo "retention: insert done in $(($(date +%s) - t0)) s"
echo "retention: checks passed (pgbench without errors, every logged insert in live; no chunk ended in error in the loop)"

# The report.
echo
q -At -F ' ' -c "
	SELECT test, system, count(*),
	       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
	       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) / $ndrop * 1000)::numeric),
	       max(locks),
	       string_agg(round(ms::numeric, 1)::text, ' ' ORDER BY rep)
	FROM bench.timings GROUP BY test, system ORDER BY system" |
	while read -r test system n median per_chunk locks raw; do
		printf '%-9s %-9s n=%-2s median %8s ms (%s us/chunk), locks held %s   raw: %s\n' \
			"$test" "$system" "$n" "$median" "$per_chunk" "$locks" "$raw"
	done
q -At -F ' ' -c "
	WITH m AS (
		SELECT system, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms
		FROM bench.timings WHERE test = 'drop_1000' GROUP BY system)
	SELECT round((l.ms / p.ms)::numeric, 2),
	       (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY a.ms / b.ms)::numeric, 2)
	        FROM bench.timings a JOIN bench.timings b USING (test, rep)
	        WHERE a.system = 'lakets' AND b.system = 'plain_sql')
	FROM m l, m p WHERE l.system = 'lakets' AND p.system = 'plain_sql'" |
	while read -r ratio paired; do
		verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.05) ? "PASS" : "MISS" }')
		echo "drop_1000 enforce_retention/plain_sql ratio: $ratio (target <= 1.05, issue 13) $verdict; median of per-rep ratios $paired"
	done

echo
q -At -F ' ' -c "
	SELECT mode, count(*),
	       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2),
	       round(percentile_cont(0.9) WITHIN GROUP (ORDER BY ms)::numeric, 2),
	       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2),
	       round(percentile_cont(0.999) WITHIN GROUP (ORDER BY ms)::numeric, 2),
	       round(max(ms)::numeric, 2),
	       (SELECT string_agg(p99::text, ' ' ORDER BY round) FROM (
	           SELECT round, round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS p99
	           FROM bench.latency l2 WHERE l2.mode = l.mode GROUP BY round) r)
	FROM bench.latency l GROUP BY mode
	ORDER BY array_position(ARRAY['baseline', 'other', 'own', 'own_per_table'], mode)" |
	while read -r mode n p50 p90 p99 p999 max per_round; do
		printf 'insert %-13s n=%-5s p50 %7s ms  p90 %7s  p99 %8s  p99.9 %8s  max %8s   p99 per round: %s\n' \
			"$mode" "$n" "$p50" "$p90" "$p99" "$p999" "$max" "$per_round"
	done
q -At -F ' ' -c "
	SELECT mode, count(*),
	       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric),
	       round(max(ms)::numeric),
	       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY dropped))::numeric),
	       round((100 * sum(ms) / (SELECT sum(extract(epoch FROM p2.t1 - p2.t0) * 1000)
	                               FROM bench.loop_phases p2 WHERE p2.mode = p.mode))::numeric),
	       string_agg(round(ms::numeric)::text, ' ' ORDER BY round, iter)
	FROM (SELECT *, extract(epoch FROM t1 - t0) * 1000 AS ms FROM bench.loop_phases WHERE phase = 'enforce') p
	GROUP BY mode ORDER BY mode" |
	while read -r mode n median max dropped share raw; do
		echo "loop $mode: $n retention passes, median $median ms, max $max ms, median $dropped chunks dropped per pass, ${share}% of the loop's time; raw (ms): $raw"
	done
q -At -F ' ' -c "
	SELECT l.mode,
	       CASE WHEN EXISTS (SELECT FROM bench.loop_phases p
	                         WHERE p.mode = l.mode AND p.round = l.round AND p.phase = 'enforce'
	                           AND p.t0 < l.t_end AND p.t1 > l.t_start)
	            THEN 'during_enforce' ELSE 'outside_enforce' END AS w,
	       count(*),
	       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2),
	       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2),
	       round(max(ms)::numeric, 2)
	FROM bench.latency l WHERE l.mode <> 'baseline'
	GROUP BY 1, 2 ORDER BY 1, 2" |
	while read -r mode w n p50 p99 max; do
		printf 'insert %-13s %-15s n=%-5s p50 %7s ms  p99 %8s  max %8s\n' "$mode" "$w" "$n" "$p50" "$p99" "$max"
	done
q -At -F ' ' -c "
	WITH m AS (
		SELECT mode, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
		       percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
		FROM bench.latency GROUP BY mode)
	SELECT d.mode, round((d.p99 / b.p99)::numeric, 2), round((d.p50 / b.p50)::numeric, 2)
	FROM m d, m b WHERE b.mode = 'baseline' AND d.mode <> 'baseline'
	ORDER BY d.mode" |
	while read -r mode r99 r50; do
		echo "insert p99 $mode/baseline ratio: $r99 (no target); p50 ratio $r50"
	done

psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null
