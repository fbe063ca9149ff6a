#!/usr/bin/env bash
# partitions_scale.sh: partition maintenance at scale (issue 13, section 4):
# lakets.ensure_partitions() over LAKETS_BENCH_SCALE_TABLES (10,000)
# ChronoTables, with pg_partman 4.x run_maintenance(p_analyze := false) over
# LAKETS_BENCH_SCALE_PARTMAN_TABLES (1,000) sets as the reference
# (partitions_scale_setup.sql), both in their steady state (every partition
# of the window exists, the default partitions are empty), timed the same
# way as partitions.sh (bench.time_call(): clock_timestamp() around the
# call, inside the server, one transaction per call):
#
#   steady_state       one session, the calls interleaved, the order
#                      alternating, LAKETS_BENCH_SCALE_REPS (9) times;
#   steady_state_cold  each call from a new connection (as a scheduler such
#                      as pg_cron runs it: cold caches),
#                      LAKETS_BENCH_SCALE_COLD_REPS (7) times.
#
# Prints the raw timings and medians, lakets' time per call against the
# issue's target (at most 100 ms for 10,000 tables: 10 us per table, met or
# missed) and the time per table against pg_partman's per table. Checks
# that steady calls create nothing, and at the end that a row inserted into
# a default partition is still drained by the next call; a failed check, or
# a WARNING from either system, makes the script fail, a missed target does
# not.
#
# Needs the cluster of test/cluster.sh (PGHOST ...); test/bench/run.sh
# provides it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${PGHOST:?partitions_scale: run me from test/bench/run.sh (no cluster environment)}"

lt_tables=${LAKETS_BENCH_SCALE_TABLES:-10000}
pm_tables=${LAKETS_BENCH_SCALE_PARTMAN_TABLES:-1000}
reps=${LAKETS_BENCH_SCALE_REPS:-9}
cold_reps=${LAKETS_BENCH_SCALE_COLD_REPS:-7}
target_ms=100
db=lakets_bench_scale
work=${LAKETS_TMP:-/tmp}/bench
mkdir -p "$work"
bench=partitions_scale
# shellcheck source=test/bench/common.bash
. "$here/common.bash"

lakets_sql="SELECT lakets.ensure_partitions()"
partman_sql="SELECT partman.run_maintenance(p_analyze := false)"

# Every lakets call of test $1 returned 0 (created nothing).
check_nothing_created() {
	local bad
	bad=$(q -At -c "SELECT count(*) FROM bench.timings
		WHERE test = '$1' AND system = 'lakets' AND result::int <> 0")
	[ "$bad" -eq 0 ] || fail "$1: $bad ensure_partitions() calls created chunks$(
		echo ' (did the run cross midnight UTC? run it again)')"
}

echo "partitions_scale: $lt_tables ChronoTables, $pm_tables pg_partman sets; $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC')"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
	-c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" \
	-c "ALTER DATABASE $db SET timezone = 'UTC'" >/dev/null
t0=$(date +%s)
run_checked -v lakets_tables="$lt_tables" -v partman_tables="$pm_tables" \
	-f "$here/partitions_scale_setup.sql"
echo "partitions_scale: set up in $(($(date +%s) - t0)) s"
q -At -c "SELECT 'partitions_scale: ' || version()" \
	-c "SELECT 'partitions_scale: ' || string_agg(extname || ' ' || extversion, ', ' ORDER BY extname)
	        FROM pg_extension WHERE extname IN ('lakets', 'pg_partman')"

# Warm-up (not reported): both systems reach their steady state (lakets
# records what each table's chunks cover).
{
	time_stmt warmup lakets 0 "$lakets_sql"
	time_stmt warmup pg_partman 0 "$partman_sql"
} | run_checked
lt_before=$(q -At -c "SELECT bench.partitions('lt')")
pm_before=$(q -At -c "SELECT bench.partitions('pm')")

for ((r = 1; r <= reps; r++)); do
	if ((r % 2)); then
		time_stmt steady_state lakets "$r" "$lakets_sql"
		time_stmt steady_state pg_partman "$r" "$partman_sql"
	else
		time_stmt steady_state pg_partman "$r" "$partman_sql"
		time_stmt steady_state lakets "$r" "$lakets_sql"
	fi
done | run_checked

for ((r = 1; r <= cold_reps; r++)); do
	time_stmt steady_state_cold lakets "$r" "$lakets_sql" | run_checked
	time_stmt steady_state_cold pg_partman "$r" "$partman_sql" | run_checked
done
check_nothing_created steady_state
check_nothing_created steady_state_cold
[ "$(q -At -c "SELECT bench.partitions('lt')")" -eq "$lt_before" ] ||
	fail "steady state: the ChronoTables' partitions changed"
[ "$(q -At -c "SELECT bench.partitions('pm')")" -eq "$pm_before" ] ||
	fail "steady state: the pg_partman sets' partitions changed"

# Still correct at scale: a row in a default partition is drained.
q -c "INSERT INTO public.lt_$((lt_tables / 2)) VALUES ('2035-01-01 12:00+00', 1, 1.0)"
drained=$(q -At -c "$lakets_sql")
[ "$drained" -eq 1 ] || fail "a row in the default partition of lt_$((lt_tables / 2)): ensure_partitions() created $drained chunks, expected 1"
left=$(q -At -c "SELECT count(*) FROM ONLY public.lt_$((lt_tables / 2))_default")
[ "$left" -eq 0 ] || fail "a row in the default partition of lt_$((lt_tables / 2)) was not drained"
echo "partitions_scale: checks passed (steady calls created nothing; a row in a default partition was drained by the next call)"

echo
q -At -F ' ' -c "
	SELECT test, system, count(*),
	       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
	       string_agg(round(ms::numeric, 1)::text, ' ' ORDER BY rep)
	FROM bench.timings WHERE test <> 'warmup'
	GROUP BY test, system
	ORDER BY array_position(ARRAY['steady_state', 'steady_state_cold'], test), system DESC" |
	while read -r test system n median raw; do
		printf '%-18s %-10s n=%-2s median %9s ms   raw: %s\n' "$test" "$system" "$n" "$median" "$raw"
	done
echo
q -At -F ' ' -c "
	WITH m AS (
		SELECT test, system, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms
		FROM bench.timings WHERE test <> 'warmup' GROUP BY test, system)
	SELECT l.test, round(l.ms::numeric, 1), round((l.ms * 1000 / $lt_tables)::numeric, 2),
	       round((p.ms * 1000 / $pm_tables)::numeric, 1),
	       round(((l.ms / $lt_tables) / (p.ms / $pm_tables))::numeric, 4)
	FROM m l JOIN m p ON p.test = l.test AND p.system = 'pg_partman'
	WHERE l.system = 'lakets'
	ORDER BY array_position(ARRAY['steady_state', 'steady_state_cold'], l.test)" |
	while read -r test ms lt_us pm_us ratio; do
		if awk -v m="$ms" -v t="$target_ms" 'BEGIN { exit !(m <= t) }'; then
			verdict=met
		else
			verdict=MISSED
		fi
		echo "$test: ensure_partitions() over $lt_tables tables: $ms ms per call, $lt_us us per table (target <= $target_ms ms: $verdict)"
		echo "$test: per table against pg_partman run_maintenance() over $pm_tables sets ($pm_us us per set): ratio $ratio"
	done

psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null
