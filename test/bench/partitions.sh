#!/usr/bin/env bash
# partitions.sh: partition maintenance, lakets against pg_partman 4.x.
#
# Sets up LAKETS_BENCH_TABLES (500) ChronoTables and as many pg_partman sets
# (partitions_setup.sql), then times, in one run and in the same way for both
# (bench.time_call(): clock_timestamp() around the call, inside the server,
# one transaction per call):
#
#   steady_state       lakets.ensure_partitions() and
#                      partman.run_maintenance(p_analyze := false) when there
#                      is nothing to do; one session, calls interleaved.
#   steady_state_cold  the same, each call from a new connection (as a
#                      scheduler such as pg_cron runs it: cold caches).
#   create_one_chunk   the first call after the window of every table grew
#                      by one (lakets.set_chunk_window(), part_config.premake),
#                      so each call must create one partition on each table.
#
# Prints the raw timings, the medians and the lakets/pg_partman ratios; the
# issue's target is steady state <= 0.10. Checks along the way that steady
# calls create nothing and that each create call adds exactly one partition
# to every table; a failed check, or any WARNING from either system, makes
# the script fail. A missed target does not: benchmarks report.
#
# Needs the cluster of test/cluster.sh (PGHOST ...); test/bench/run.sh
# provides it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${PGHOST:?partitions: run me from test/bench/run.sh (no cluster environment)}"

ntables=${LAKETS_BENCH_TABLES:-500}
reps=${LAKETS_BENCH_REPS:-15}
cold_reps=${LAKETS_BENCH_COLD_REPS:-7}
create_rounds=${LAKETS_BENCH_CREATE_ROUNDS:-5}
target=0.10
db=lakets_bench
work=${LAKETS_TMP:-/tmp}/bench
mkdir -p "$work"
bench=partitions
# shellcheck source=test/bench/common.bash
. "$here/common.bash"

lakets_sql="SELECT lakets.ensure_partitions()"
partman_sql="SELECT partman.run_maintenance(p_analyze := false)"

snapshot() {
	q -c "TRUNCATE bench.snapshot" \
		-c "INSERT INTO bench.snapshot SELECT * FROM bench.partition_counts('lt') UNION ALL SELECT * FROM bench.partition_counts('pm')"
}

# Every table of prefix $1 has $2 more partitions than at the snapshot.
check_grew() {
	local prefix=$1 by=$2 what=$3 n bad
	n=$(q -At -c "SELECT count(*) FROM bench.partition_counts('$prefix')")
	[ "$n" -eq "$ntables" ] || fail "$what: $n tables ${prefix}_*, expected $ntables"
	bad=$(q -At -c "SELECT count(*) FROM bench.partition_counts('$prefix') c
		JOIN bench.snapshot s USING (parent) WHERE c.partitions <> s.partitions + $by")
	[ "$bad" -eq 0 ] || fail "$what: $bad tables ${prefix}_* did not get exactly $by new partition(s)$(
		[ "$by" -eq 0 ] && echo ' (did the run cross midnight UTC? run it again)')"
}

# lakets' registry agrees with the catalog: one active chunk per partition
# that is not the default one.
check_registry() {
	local bad
	bad=$(q -At -c "SELECT count(*) FROM bench.partition_counts('lt') c
		JOIN lakets._chronotable_registry r ON r.relid = format('public.%I', c.parent)::regclass
		WHERE c.partitions - 1 <> (SELECT count(*) FROM lakets._chunk_metadata m
		                           WHERE m.chronotable_id = r.id AND m.status = 'active')")
	[ "$bad" -eq 0 ] || fail "$1: $bad ChronoTables whose chunk registry disagrees with pg_inherits"
}

# Every lakets call of test $1 returned $2.
check_results() {
	local bad
	bad=$(q -At -c "SELECT count(*) FROM bench.timings
		WHERE test = '$1' AND system = 'lakets' AND result::int <> $2")
	[ "$bad" -eq 0 ] || fail "$1: $bad ensure_partitions() calls did not return $2"
}

echo "partitions: $ntables ChronoTables and $ntables pg_partman sets; $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC')"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
	-c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" \
	-c "ALTER DATABASE $db SET timezone = 'UTC'" >/dev/null
t0=$(date +%s)
run_checked -v ntables="$ntables" -f "$here/partitions_setup.sql"
echo "partitions: set up in $(($(date +%s) - t0)) s"
q -At -c "SELECT 'partitions: ' || version()" \
	-c "SELECT 'partitions: ' || string_agg(extname || ' ' || extversion, ', ' ORDER BY extname)
	        FROM pg_extension WHERE extname IN ('lakets', 'pg_partman')"

# Warm-up (not reported): both systems reach their steady state.
{
	time_stmt warmup lakets 0 "$lakets_sql"
	time_stmt warmup pg_partman 0 "$partman_sql"
} | run_checked
snapshot

# steady_state: one session, the order alternating from one rep to the next.
for ((r = 1; r <= reps; r++)); do
	if ((r % 2)); then
		time_stmt steady_state lakets "$r" "$lakets_sql"
		time_stmt steady_state pg_partman "$r" "$partman_sql"
	else
		time_stmt steady_state pg_partman "$r" "$partman_sql"
		time_stmt steady_state lakets "$r" "$lakets_sql"
	fi
done | run_checked

# steady_state_cold: a new connection for every call.
for ((r = 1; r <= cold_reps; r++)); do
	time_stmt steady_state_cold lakets "$r" "$lakets_sql" | run_checked
	time_stmt steady_state_cold pg_partman "$r" "$partman_sql" | run_checked
done
check_results steady_state 0
check_results steady_state_cold 0
check_grew lt 0 "steady state"
check_grew pm 0 "steady state"

# create_one_chunk: grow every window by one, then one call of each.
for ((r = 1; r <= create_rounds; r++)); do
	snapshot
	{
		echo "SELECT lakets.set_chunk_window(table_name, past_count, future_count + 1)
		      FROM bench.chronotables r WHERE table_name ~ '^lt_[0-9]+\$';"
		echo "UPDATE partman.part_config SET premake = premake + 1
		      WHERE parent_table ~ '^public\\.pm_[0-9]+\$';"
		if ((r % 2)); then
			time_stmt create_one_chunk lakets "$r" "$lakets_sql"
			time_stmt create_one_chunk pg_partman "$r" "$partman_sql"
		else
			time_stmt create_one_chunk pg_partman "$r" "$partman_sql"
			time_stmt create_one_chunk lakets "$r" "$lakets_sql"
		fi
	} | run_checked
	check_grew lt 1 "create_one_chunk round $r"
	check_grew pm 1 "create_one_chunk round $r"
done
check_results create_one_chunk "$ntables"
check_registry "after create_one_chunk"
echo "partitions: checks passed (steady calls created nothing; each create call added exactly one partition to each of the $ntables tables of each system)"

# The report: raw timings (ms, in rep order), medians, ratios.
echo
q -At -F ' ' -c "
	SELECT test, system, count(*),
	       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
	       string_agg(round(ms::numeric, 1)::text, ' ' ORDER BY rep)
	FROM bench.timings WHERE test <> 'warmup'
	GROUP BY test, system
	ORDER BY array_position(ARRAY['steady_state', 'steady_state_cold', 'create_one_chunk'], test),
	         system DESC" |
	while read -r test system n median raw; do
		printf '%-18s %-10s n=%-2s median %9s ms   raw: %s\n' "$test" "$system" "$n" "$median" "$raw"
	done
echo
q -At -F ' ' -c "
	WITH m AS (
		SELECT test, system, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms
		FROM bench.timings WHERE test <> 'warmup' GROUP BY test, system)
	SELECT l.test, round((l.ms / p.ms)::numeric, 3)
	FROM m l JOIN m p ON p.test = l.test AND p.system = 'pg_partman'
	WHERE l.system = 'lakets'
	ORDER BY array_position(ARRAY['steady_state', 'steady_state_cold', 'create_one_chunk'], l.test)" |
	while read -r test ratio; do
		case $test in
		steady_state*)
			if awk -v r="$ratio" -v t="$target" 'BEGIN { exit !(r <= t) }'; then
				verdict=PASS
			else
				verdict=MISS
			fi
			echo "$test ensure_partitions/run_maintenance ratio: $ratio (target <= $target) $verdict"
			;;
		*)
			echo "$test ensure_partitions/run_maintenance ratio: $ratio (no target)"
			;;
		esac
	done

psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null
