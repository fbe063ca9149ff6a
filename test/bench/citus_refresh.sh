#!/usr/bin/env bash
# citus_refresh.sh: a RollUp refresh over a distributed ChronoTable (issue 14).
#
# Starts its own Citus cluster (a coordinator and two workers, under
# .tmp/bench-citus/, as test/citus/run.sh does) and loads LAKETS_BENCH_ROWS
# (2,000,000) rows of LAKETS_BENCH_DEVICES (50) devices over 10 days into a
# ChronoTable distributed by device (create_chronotable(..., p_distribute_by))
# and into the same ChronoTable kept local on the coordinator ("one node").
# Each has a RollUp of 5-minute buckets grouped by device (over the
# distributed one, its table is co-located: the refresh runs on the shards).
# Times, inside the server (clock_timestamp() around the statement and its
# commit; a CHECKPOINT on every node before each):
#
#   full    lakets.refresh_rollup() after everything was invalidated
#           (invalidate_rollup_range(-infinity, infinity)): on Citus, on one
#           node, and the statement Citus' documentation tells users to
#           write by hand, on a co-located distributed table with the same
#           unique index: DELETE of all its rows and a co-located
#           INSERT ... SELECT of the query. Target: the Citus refresh at
#           most 1.2x the hand-written statement. (Citus against one node
#           is reported, with no target: two workers on the same 2 cores.)
#   incremental  refresh_rollup() after an UPDATE of 1% of the rows, all in
#           one day (a different day each rep), on Citus and on one node;
#           reported, no target.
#
# Checks (a failure fails the script): after every refresh both RollUps equal
# their query run from scratch (EXCEPT ALL both ways), and so does the
# hand-written table; every refresh_rollup() returns true; no WARNING or
# ERROR. A missed target does not fail it.
#
# Skipped (exit 0) when Citus is not installed into this PostgreSQL
# (make test-citus builds it from ../shared/vendor and installs it).
# Knobs: LAKETS_BENCH_ROWS (2000000), LAKETS_BENCH_DEVICES (50),
# LAKETS_BENCH_REFRESH_REPS (5).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
rows=${LAKETS_BENCH_ROWS:-2000000}
devices=${LAKETS_BENCH_DEVICES:-50}
reps=${LAKETS_BENCH_REFRESH_REPS:-5}
days=10
start='2026-10-01 00:00+00'
ndev=$((devices / 10 > 0 ? devices / 10 : 1))
db=lakets_bench_citus
bench=citus_refresh
base=$top/.tmp/bench-citus
nodes=(coord w1 w2)

if [ ! -f "$(pg_config --pkglibdir)/citus.so" ]; then
	echo "citus_refresh: skipped: Citus is not installed into this PostgreSQL (make test-citus builds and installs it)"
	exit 0
fi

# shellcheck source=test/bench/common.bash
. "$here/common.bash"
work=$(mktemp -d)

node_env() { # NODE: that node's PGHOST, PGPORT ...
	# shellcheck disable=SC1090
	. "$base/$1/cluster.env"
}
stop_nodes() {
	local n
	for n in "${nodes[@]}"; do
		LAKETS_TMPDIR=$base/$n bash "$top/test/cluster.sh" stop >/dev/null 2>&1 || true
	done
	rm -rf "$work"
}
trap stop_nodes EXIT
for n in "${nodes[@]}"; do
	LAKETS_TMPDIR=$base/$n LAKETS_PRELOAD=citus LAKETS_HOST_AUTH=trust \
		bash "$top/test/cluster.sh" start >/dev/null || fail "could not start node $n"
done
for n in "${nodes[@]}"; do
	(node_env "$n" &&
		psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db" &&
		PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d "$db" \
			-c "ALTER DATABASE $db SET timezone = 'UTC'" \
			-c "CREATE EXTENSION citus" -c "CREATE EXTENSION lakets") >/dev/null ||
		fail "could not create citus and lakets on node $n"
done
node_env coord
export PGHOST PGPORT PGUSER
add="SELECT pg_catalog.citus_set_coordinator_host('127.0.0.1', $PGPORT);"
for n in w1 w2; do
	add="$add SELECT pg_catalog.citus_add_node('127.0.0.1', $(node_env "$n" && echo "$PGPORT"));"
done
run_checked -c "$add"

checkpoint_all() {
	local n
	for n in "${nodes[@]}"; do
		(node_env "$n" && psql -X -q -d "$db" -c CHECKPOINT >/dev/null)
	done
}
# timed TEST SYSTEM REP SQL: one statement, its own transaction, timed in the server
timed() {
	checkpoint_all
	run_checked -c "SELECT set_config('bench.t0', clock_timestamp()::text, false)" -c "$4" \
		-c "INSERT INTO bench.timings VALUES ('$1', '$2', $3,
			extract(epoch FROM clock_timestamp() - current_setting('bench.t0')::timestamptz) * 1000)"
}
query() { # table
	echo "SELECT device, lakets.time_bucket('5 minutes', ts) AS bucket, count(*) AS n, sum(value) AS s, min(value) AS lo, max(value) AS hi FROM public.$1 GROUP BY 1, 2"
}
# mismatches TABLE SOURCE: rows where TABLE and the query over SOURCE differ
check_equal() { # table source what
	run_checked -c "SELECT bench.check((SELECT count(*) FROM ((SELECT * FROM $1 EXCEPT ALL SELECT * FROM ($(query "$2")) q)
		UNION ALL (SELECT * FROM ($(query "$2")) q EXCEPT ALL SELECT * FROM $1)) x) = 0, '$3')"
}

echo "citus_refresh: $rows rows, $devices devices, $days days; a coordinator and 2 workers on $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC')"
t0=$(date +%s)
# values are whole numbers: sums do not depend on the order rows come in
run_checked <<SQL
SET client_min_messages = warning;
CREATE SCHEMA bench;
CREATE TABLE bench.timings (test text, system text, rep integer, ms double precision);
CREATE FUNCTION bench.check(p_ok boolean, p_what text) RETURNS void LANGUAGE plpgsql AS \$\$
BEGIN
	IF p_ok IS NOT TRUE THEN
		RAISE EXCEPTION 'check failed: %', p_what;
	END IF;
END
\$\$;
CREATE TABLE dm (ts timestamptz NOT NULL, device integer NOT NULL, value double precision);
CREATE TABLE lm (LIKE dm);
SELECT lakets.create_chronotable('dm', 'ts', '1 day', p_distribute_by => 'device');
SELECT lakets.create_chronotable('lm', 'ts', '1 day');
INSERT INTO lm SELECT timestamptz '$start' + make_interval(secs => (i / $devices) * ($days * 86400.0) / ($rows / $devices)),
	i % $devices, (i::bigint * 7919) % 1000
	FROM generate_series(0, $rows - 1) AS i;
INSERT INTO dm SELECT * FROM lm;
SELECT lakets.create_rollup('dm5', \$q\$$(query dm)\$q\$, '5 minutes');
SELECT lakets.create_rollup('lm5', \$q\$$(query lm)\$q\$, '5 minutes');
CREATE TABLE hand5 AS $(query dm) WITH NO DATA;
SELECT pg_catalog.create_distributed_table('hand5', 'device', colocate_with => 'dm');
CREATE UNIQUE INDEX ON hand5 (bucket, device);
ANALYZE;
SQL
run_checked -c "SELECT bench.check((SELECT partmethod FROM pg_catalog.pg_dist_partition WHERE logicalrelid = '_rollup_dm5'::regclass) = 'h',
	'the RollUp table of dm is distributed')"
echo "citus_refresh: set up in $(($(date +%s) - t0)) s"
q -At -c "SELECT 'citus_refresh: ' || version()" \
	-c "SELECT 'citus_refresh: ' || string_agg(extname || ' ' || extversion, ', ' ORDER BY extname)
	        FROM pg_extension WHERE extname IN ('lakets', 'citus')"

hand="BEGIN; DELETE FROM hand5; INSERT INTO hand5 $(query dm); COMMIT"
for ((r = 1; r <= reps; r++)); do
	# the three full refreshes in rotating order
	for k in 0 1 2; do
		case $(((r + k) % 3)) in
		0) timed full hand_written "$r" "$hand" ;;
		1)
			run_checked -c "SELECT lakets.invalidate_rollup_range('dm5', '-infinity', 'infinity')"
			timed full citus "$r" "SELECT bench.check(lakets.refresh_rollup('dm5'), 'dm5 refreshed')"
			;;
		2)
			run_checked -c "SELECT lakets.invalidate_rollup_range('lm5', '-infinity', 'infinity')"
			timed full one_node "$r" "SELECT bench.check(lakets.refresh_rollup('lm5'), 'lm5 refreshed')"
			;;
		esac
	done
	# 1% of the rows: a tenth of the devices, in one day (another each rep)
	day="timestamptz '$start' + interval '$(((r - 1) % days)) days'"
	for t in dm lm; do
		run_checked -c "UPDATE $t SET value = value + 1
			WHERE ts >= $day AND ts < $day + interval '1 day' AND device < $ndev"
	done
	timed incremental citus "$r" "SELECT bench.check(lakets.refresh_rollup('dm5'), 'dm5 refreshed')"
	timed incremental one_node "$r" "SELECT bench.check(lakets.refresh_rollup('lm5'), 'lm5 refreshed')"
	if [ "$r" = 1 ] || [ "$r" = "$reps" ]; then
		check_equal _rollup_dm5 dm "rep $r: dm5 equals its query"
		check_equal _rollup_lm5 lm "rep $r: lm5 equals its query"
	fi
done
# the hand-written table once more, after the last update
q -c "$hand" >/dev/null
check_equal hand5 dm "the hand-written table equals the query"

echo
print_timings 12 13
echo
print_ratios "full/citus full/hand_written 1.2" "full/citus full/one_node -" \
	"incremental/citus incremental/one_node -" "incremental/citus full/citus -"
