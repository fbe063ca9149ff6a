#!/usr/bin/env bash
# rollups.sh: the RollUp benchmarks of issue 3.
#
# Loads LAKETS_BENCH_ROWS (2,000,000) rows of LAKETS_BENCH_DEVICES (100, as
# in issues 13 and 15) devices, evenly spread over 30 days, from one data
# file, into the tables of rollups_setup.sql, and times, inside the server
# (bench.start() and bench.stop(): clock_timestamp() before the statement
# and after its commit; a CHECKPOINT before each timed statement):
#
#   ingest        COPY of the file into a ChronoTable with two RollUps
#                 attached (m5, m1h) and into the same ChronoTable with none,
#                 both emptied first; the two interleaved, the order
#                 alternating. Target: at most 1.10x.
#   full_refresh  m5 (5-minute buckets) over all the rows, through the normal
#                 refresh path (lakets.invalidate_rollup_range(-infinity,
#                 infinity), then lakets.refresh_rollup(); the RollUp table
#                 emptied first), against what a user would do by hand:
#                 "CREATE TABLE baseline_5m AS <m5's query>" plus
#                 "CREATE UNIQUE INDEX" on its keys (issue 13). Also
#                 lakets.create_rollup() of the same query (its initial
#                 load, DDL included), dropped again. The three in rotating
#                 order. Target: refresh and create_rollup at most 1.15x
#                 the floor.
#   incremental   lakets.refresh_rollup('m5') after an UPDATE of 1% of all
#                 the rows, all inside one day of the 30 (a different day in
#                 each rep), in the same loop as full_refresh (each rep: the
#                 three full variants, then the update and the incremental
#                 refresh). Target: at most 5% of the full refresh median.
#   realtime      the last 2 days read through the real-time view
#                 _rollup_rt_m5 with the last day not materialized, against
#                 the same UNION ALL written by hand (watermark a literal).
#                 Target (issue 13): at most 1.0x.
#   late          lakets.refresh_rollup('m5') after 100 rows inserted at
#                 random times over 5 days (late data: 100 dirty 5-minute
#                 buckets), against recomputing the same 5 days whole
#                 (invalidate_rollup_range() of them, then refresh_rollup()),
#                 in the same loop. Target (issue 15): at most 0.25x.
#
# Checks (a failure fails the script): row counts and nothing in a default
# partition after ingest; the ranges COPY logged stay inside the data; after
# every refresh (and create_rollup) the RollUp equals its query run from
# scratch, and so does the baseline's table (once); every refresh_rollup()
# call returns true; every UPDATE changes exactly 1% of the rows; no WARNING
# or ERROR. A missed target does not fail it: benchmarks report.
#
# Knobs: LAKETS_BENCH_ROWS (2000000), LAKETS_BENCH_DEVICES (50),
# LAKETS_BENCH_INGEST_REPS (7), LAKETS_BENCH_REFRESH_REPS (7).
#
# Needs the cluster of test/cluster.sh (PGHOST ...); test/bench/run.sh
# provides it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${PGHOST:?rollups: run me from test/bench/run.sh (no cluster environment)}"

rows=${LAKETS_BENCH_ROWS:-2000000}
devices=${LAKETS_BENCH_DEVICES:-100}
ingest_reps=${LAKETS_BENCH_INGEST_REPS:-7}
refresh_reps=${LAKETS_BENCH_REFRESH_REPS:-7}
days=30
start='2026-10-01 00:00+00'
changed=$((rows / 100))
db=lakets_bench_rollups

bench=rollups
# shellcheck source=test/bench/common.bash
. "$here/common.bash"
# the data file is read and written by the server
work=$(server_workdir rollups)
trap 'rm -rf "$work"' EXIT
data=$work/metrics.tsv

query() { # table width: the RollUps' query
	echo "SELECT lakets.time_bucket('$2', ts) AS bucket, device, count(*), avg(value), min(value), max(value) FROM public.$1 GROUP BY 1, 2"
}

echo "rollups: $rows rows, $devices devices, $days days; $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC')"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
	-c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" \
	-c "ALTER DATABASE $db SET timezone = 'UTC'" >/dev/null
t0=$(date +%s)
run_checked -v start="'$start'" -v days="$days" -f "$here/rollups_setup.sql"
# Rows in time order, as a feed delivers them: every device once per step.
run_checked -c "COPY (SELECT timestamptz '$start' + make_interval(secs => (i / $devices) * ($days * 86400.0) / ($rows / $devices)),
	                      i % $devices, ((i::bigint * 7919) % 100003) / 100.0
	                 FROM generate_series(0, $rows - 1) AS i) TO '$data'"
echo "rollups: set up in $(($(date +%s) - t0)) s (data file $(du -m "$data" | cut -f1) MB)"
q -At -c "SELECT 'rollups: ' || version()" \
	-c "SELECT 'rollups: ' || string_agg(extname || ' ' || extversion, ', ' ORDER BY extname)
	        FROM pg_extension WHERE extname = 'lakets'"

# ingest: both tables emptied, the RollUps refreshed (they consume the
# TRUNCATE's invalidation, so that only the COPY's is pending), one COPY
# of each.
t0=$(date +%s)
for ((r = 1; r <= ingest_reps; r++)); do
	{
		echo "TRUNCATE metrics, metrics_plain;"
		echo "SELECT lakets.refresh_rollup('m5'), lakets.refresh_rollup('m1h');"
		if ((r % 2)); then
			timed ingest two_rollups "$r" "COPY metrics FROM '$data'"
			timed ingest no_rollups "$r" "COPY metrics_plain FROM '$data'"
		else
			timed ingest no_rollups "$r" "COPY metrics_plain FROM '$data'"
			timed ingest two_rollups "$r" "COPY metrics FROM '$data'"
		fi
	} | run_checked
done
run_checked <<SQL
SELECT bench.check((SELECT count(*) FROM metrics) = $rows AND (SELECT count(*) FROM metrics_plain) = $rows,
	'ingest: both tables hold $rows rows');
SELECT bench.check(NOT EXISTS (SELECT FROM metrics_default) AND NOT EXISTS (SELECT FROM metrics_plain_default),
	'ingest: no row in a default partition');
SELECT bench.check(count(*) > 0 AND min(range_start) >= '$start'
	AND max(range_end) <= timestamptz '$start' + interval '$days days',
	'ingest: the ranges COPY logged are inside the data (' || count(*) || ' ranges, '
	|| coalesce(min(range_start)::text, '-') || ' .. ' || coalesce(max(range_end)::text, '-') || ')')
FROM lakets._source_invalidation_log WHERE source_relid = 'public.metrics'::regclass;
ANALYZE metrics;
ANALYZE metrics_plain;
SELECT bench.check(lakets.refresh_rollup('m5'), 'ingest: refresh_rollup(m5) after COPY returned true');
SELECT bench.check(lakets.refresh_rollup('m1h'), 'ingest: refresh_rollup(m1h) after COPY returned true');
SELECT bench.check_rollup('m5', 'after ingest');
SELECT bench.check_rollup('m1h', 'after ingest');
SQL
echo "rollups: ingest done in $(($(date +%s) - t0)) s"

# full_refresh and incremental, in one loop so that the incremental refresh
# and the full refresh it is compared with are taken in the same conditions.
# Each rep: the three full variants, each from an empty table, in rotating
# order; then 1% of all the rows changed inside one day (day 10, 17, 24, 1,
# 8 ... of the 30), committed, and one incremental refresh.
t0=$(date +%s)
m5_query=$(query metrics '5 minutes')
run_checked -c "CREATE TABLE bench.dirty (rep int, day date, ranges bigint, minutes float8)"
for ((r = 1; r <= refresh_reps; r++)); do
	day="timestamptz '$start' + interval '$(((7 * r + 2) % days)) days'"
	{
		for k in 0 1 2; do
			case $(((r + k) % 3)) in
			0)
				# the floor: what a user would do by hand (issue 13)
				echo "DROP TABLE IF EXISTS baseline_5m;"
				timed full_refresh ctas_index "$r" \
					"DO \$d\$ BEGIN EXECUTE \$q\$CREATE TABLE baseline_5m WITH (autovacuum_enabled = off) AS $m5_query\$q\$; CREATE UNIQUE INDEX ON baseline_5m (bucket, device); END \$d\$"
				((r > 1)) || echo "SELECT bench.check(bench.mismatches('baseline_5m', \$q\$$m5_query\$q\$) = 0,
					'full_refresh: the baseline differs from the query');"
				;;
			1)
				echo "TRUNCATE _rollup_m5;"
				echo "SELECT lakets.invalidate_rollup_range('m5', '-infinity', 'infinity');"
				timed full_refresh refresh_rollup "$r" \
					"SELECT bench.check(lakets.refresh_rollup('m5'), 'full_refresh rep $r: refresh_rollup returned true')"
				echo "SELECT bench.check_rollup('m5', 'full_refresh rep $r');"
				# as autovacuum would, after so many inserts
				echo "ANALYZE _rollup_m5;"
				;;
			2)
				timed full_refresh create_rollup "$r" \
					"SELECT lakets.create_rollup('m5_load', \$q\$$m5_query\$q\$, '5 minutes')"
				echo "SELECT bench.check_rollup('m5_load', 'create_rollup rep $r');"
				echo "SELECT lakets.drop_rollup('m5_load');"
				;;
			esac
		done
		echo "SELECT setseed(0.$r);"
		echo "WITH u AS (
			UPDATE metrics SET value = value + 1
			WHERE ts >= $day AND ts < $day + interval '1 day'
			  AND (ts, device) IN (SELECT ts, device FROM metrics
			                       WHERE ts >= $day AND ts < $day + interval '1 day'
			                       ORDER BY random() LIMIT $changed)
			RETURNING 1)
		SELECT bench.check(count(*) = $changed, 'incremental rep $r: the UPDATE changed ' || count(*) || ' rows') FROM u;"
		echo "INSERT INTO bench.dirty SELECT $r, ($day)::date, count(*),
			coalesce(sum(extract(epoch FROM range_end - range_start) / 60), 0)
			FROM lakets._source_invalidation_log WHERE source_relid = 'public.metrics'::regclass;"
		timed incremental refresh_rollup "$r" \
			"SELECT bench.check(lakets.refresh_rollup('m5'), 'incremental rep $r: refresh_rollup returned true')"
		echo "SELECT bench.check_rollup('m5', 'incremental rep $r');"
		# late: 100 rows at random times over 5 days, then the refresh,
		# against recomputing those 5 days whole
		late="timestamptz '$start' + interval '$(((5 * r + 3) % (days - 5))) days'"
		echo "INSERT INTO metrics SELECT $late + random() * interval '5 days',
			(random() * ($devices - 1))::int, 1 FROM generate_series(1, 100);"
		timed late refresh_rollup "$r" \
			"SELECT bench.check(lakets.refresh_rollup('m5'), 'late rep $r: refresh_rollup returned true')"
		echo "SELECT bench.check_rollup('m5', 'late rep $r');"
		echo "SELECT lakets.invalidate_rollup_range('m5', $late, $late + interval '5 days');"
		timed late recompute_5_days "$r" \
			"SELECT bench.check(lakets.refresh_rollup('m5'), 'late rep $r: the recompute returned true')"
	} | run_checked
done
run_checked <<SQL
SELECT bench.check(lakets.refresh_rollup('m1h'), 'refresh_rollup(m1h) after the updates returned true');
SELECT bench.check_rollup('m1h', 'after the updates');
SQL
echo "rollups: full_refresh and incremental done in $(($(date +%s) - t0)) s"

# realtime: the last 2 days of the data read through the real-time view with
# the last day not materialized (the watermark set back a day), against the
# same written by hand: the RollUp table below the watermark UNION ALL the
# query over the source from it, the watermark a literal. Interleaved, the
# order alternating, refresh_reps times. Target (issue 13): at most 1.0x.
t0=$(date +%s)
wm="timestamptz '$start' + interval '$((days - 1)) days'"
from="timestamptz '$start' + interval '$((days - 2)) days'"
view_sql="SELECT count(*), sum(count) FROM _rollup_rt_m5 WHERE bucket >= $from"
hand_sql="SELECT count(*), sum(count) FROM (
	SELECT bucket, device, count, avg, min, max FROM _rollup_m5 WHERE bucket >= $from AND bucket < $wm
	UNION ALL
	SELECT lakets.time_bucket('5 minutes', ts) AS bucket, device, count(*), avg(value), min(value), max(value)
	FROM public.metrics WHERE ts >= $wm AND ts >= $from GROUP BY 1, 2) u"
run_checked <<SQL
SELECT bench.check(lakets.refresh_rollup('m5') IS NOT NULL, 'realtime: m5 refreshed');
UPDATE lakets._rollup_registry SET watermark = $wm WHERE name = 'm5';
SELECT bench.check((SELECT row(v.*) FROM ($view_sql) v) = (SELECT row(h.*) FROM ($hand_sql) h),
	'realtime: the view and the hand-written query agree');
SQL
for ((r = 1; r <= refresh_reps; r++)); do
	{
		if ((r % 2)); then
			timed realtime view "$r" "$view_sql"
			timed realtime hand_written "$r" "$hand_sql"
		else
			timed realtime hand_written "$r" "$hand_sql"
			timed realtime view "$r" "$view_sql"
		fi
	} | run_checked
done
echo "rollups: realtime done in $(($(date +%s) - t0)) s"
echo "rollups: checks passed (row counts; COPY logged ranges inside the data; every refresh returned true and left the RollUp equal to its query run from scratch)"
q -At -F ' ' -c "SELECT rep, day, ranges, round(minutes::numeric) FROM bench.dirty ORDER BY rep" |
	while read -r rep d n minutes; do
		echo "incremental rep $rep: $changed rows changed on $d; pending: $n range(s) covering $minutes min"
	done

# The report: raw timings (ms, in rep order), medians, ratios.
order="ARRAY['ingest/no_rollups', 'ingest/two_rollups', 'full_refresh/ctas_index',
             'full_refresh/refresh_rollup', 'full_refresh/create_rollup', 'incremental/refresh_rollup',
             'late/recompute_5_days', 'late/refresh_rollup', 'realtime/hand_written', 'realtime/view']"
echo
q -At -F ' ' -c "
	SELECT test, system, count(*),
	       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
	       string_agg(round(ms::numeric, 1)::text, ' ' ORDER BY rep)
	FROM bench.timings
	GROUP BY test, system
	ORDER BY array_position($order, test || '/' || system)" |
	while read -r test system n median raw; do
		printf '%-13s %-15s n=%-2s median %9s ms   raw: %s\n' "$test" "$system" "$n" "$median" "$raw"
	done
echo
print_ratios "ingest/two_rollups ingest/no_rollups 1.10" \
	"full_refresh/refresh_rollup full_refresh/ctas_index 1.15" \
	"full_refresh/create_rollup full_refresh/ctas_index 1.15" \
	"incremental/refresh_rollup full_refresh/refresh_rollup 0.05" \
	"late/refresh_rollup late/recompute_5_days 0.25" \
	"realtime/view realtime/hand_written 1.0"

psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null
