#!/usr/bin/env bash
# lvc_ingest.sh: the Last Value Cache and batch ingest benchmarks (issue 10).
#
#   lvc     COPY of LAKETS_BENCH_ROWS (2,000,000) rows of
#           LAKETS_BENCH_LVC_KEYS (1000) devices, in time order over 30
#           days, into a ChronoTable with a Last Value Cache (key device,
#           value value) and into the same ChronoTable without one; both
#           emptied first, the order alternating. Target: at most 1.15x.
#   ingest  lakets.ingest_batch() of a JSON array of LAKETS_BENCH_BATCH
#           (100,000) objects against
#           INSERT INTO t SELECT * FROM jsonb_populate_recordset(NULL::t, <the array>),
#           into two ChronoTables alike. Target: at most 1.2x.
#
# Each statement is timed inside the server (bench.start()/bench.stop():
# clock_timestamp() before it and after its commit, a CHECKPOINT before).
# Checks (a failure fails the script): after every COPY the cache holds, per
# device, the newest row's value and time; after each batch the row count;
# no WARNING or ERROR. A missed target does not fail it.
#
# Knobs: LAKETS_BENCH_ROWS, LAKETS_BENCH_LVC_KEYS, LAKETS_BENCH_BATCH,
# LAKETS_BENCH_LVC_REPS (5), LAKETS_BENCH_INGEST_REPS (5).
#
# Needs the cluster of test/cluster.sh (PGHOST ...); test/bench/run.sh
# provides it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${PGHOST:?lvc_ingest: run me from test/bench/run.sh (no cluster environment)}"

rows=${LAKETS_BENCH_ROWS:-2000000}
keys=${LAKETS_BENCH_LVC_KEYS:-1000}
batch=${LAKETS_BENCH_BATCH:-100000}
lvc_reps=${LAKETS_BENCH_LVC_REPS:-5}
ingest_reps=${LAKETS_BENCH_INGEST_REPS:-5}
days=30
start='2026-10-01 00:00+00'
db=lakets_bench_lvc

bench=lvc_ingest
# shellcheck source=test/bench/common.bash
. "$here/common.bash"
# the data file is read and written by the server
work=$(server_workdir lvc)
trap 'rm -rf "$work"' EXIT
data=$work/metrics.tsv

echo "lvc_ingest: $rows rows, $keys keys; batch of $batch; $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC')"
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
	-c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" \
	-c "ALTER DATABASE $db SET timezone = 'UTC'" >/dev/null
t0=$(date +%s)
run_checked -v start="'$start'" -v days="$days" <<SQL
\i $here/common.sql
CREATE TABLE bench.timings (test text NOT NULL, system text NOT NULL, rep integer NOT NULL,
							ms double precision NOT NULL);
CREATE FUNCTION bench.stop(p_test text, p_system text, p_rep integer)
RETURNS void LANGUAGE sql AS \$\$
	INSERT INTO bench.timings
	VALUES (p_test, p_system, p_rep,
			extract(epoch FROM clock_timestamp() - current_setting('bench.t0')::timestamptz) * 1000);
\$\$;
CREATE TABLE public.metrics_off (ts timestamptz NOT NULL, device integer NOT NULL, value double precision);
CREATE INDEX ON public.metrics_off (device, ts);
CREATE TABLE public.metrics_lvc (LIKE public.metrics_off);
CREATE INDEX ON public.metrics_lvc (device, ts);
CREATE TABLE public.batch_fn (LIKE public.metrics_off);
CREATE TABLE public.batch_sql (LIKE public.metrics_off);
SELECT lakets._ensure_partitions(lakets.create_chronotable(t, 'ts', '1 day'), 0, 0,
								 :start, :start::timestamptz + :days * interval '1 day')
FROM unnest(ARRAY['metrics_off', 'metrics_lvc', 'batch_fn', 'batch_sql']) AS t;
SELECT lakets.enable_lvc('metrics_lvc', ARRAY['device'], ARRAY['value']);
-- the cache against the newest row of each device, from scratch
CREATE FUNCTION bench.lvc_mismatches()
RETURNS bigint LANGUAGE sql AS \$\$
	SELECT count(*)
	FROM public._lvc_metrics_lvc c
	FULL JOIN (SELECT DISTINCT ON (device) device, value, ts FROM public.metrics_lvc
			   ORDER BY device, ts DESC) q USING (device)
	WHERE c.device IS NULL OR q.device IS NULL OR c.last_updated <> q.ts OR c.value <> q.value;
\$\$;
DO \$\$
DECLARE
	part regclass;
BEGIN
	FOR part IN SELECT relid FROM pg_partition_tree('metrics_off') WHERE isleaf
		UNION ALL SELECT relid FROM pg_partition_tree('metrics_lvc') WHERE isleaf
		UNION ALL SELECT '_lvc_metrics_lvc'::regclass LOOP
		EXECUTE format('ALTER TABLE %s SET (autovacuum_enabled = false)', part);
	END LOOP;
END
\$\$;
-- the batch: $batch objects as a feed sends them
CREATE TABLE bench.batch AS
SELECT jsonb_agg(jsonb_build_object('ts', :start::timestamptz + i * interval '1 second',
									'device', i % 100, 'value', i / 10.0) ORDER BY i) AS j
FROM generate_series(1, $batch) AS i;
SQL
# Rows in time order, as a feed delivers them: every device once per step.
run_checked -c "COPY (SELECT timestamptz '$start' + make_interval(secs => (i / $keys) * ($days * 86400.0) / ($rows / $keys)),
	                      i % $keys, ((i::bigint * 7919) % 100003) / 100.0
	                 FROM generate_series(0, $rows - 1) AS i) TO '$data'"
echo "lvc_ingest: set up in $(($(date +%s) - t0)) s (data file $(du -m "$data" | cut -f1) MB)"

t0=$(date +%s)
for ((r = 1; r <= lvc_reps; r++)); do
	{
		echo "TRUNCATE metrics_off, metrics_lvc;"
		if ((r % 2)); then
			timed lvc on "$r" "COPY metrics_lvc FROM '$data'"
			timed lvc off "$r" "COPY metrics_off FROM '$data'"
		else
			timed lvc off "$r" "COPY metrics_off FROM '$data'"
			timed lvc on "$r" "COPY metrics_lvc FROM '$data'"
		fi
		echo "SELECT bench.check((SELECT count(*) FROM _lvc_metrics_lvc) = $keys, 'lvc rep $r: $keys keys cached');"
		echo "SELECT bench.check(bench.lvc_mismatches() = 0, 'lvc rep $r: the cache holds the newest row of every key');"
	} | run_checked
done
echo "lvc_ingest: lvc done in $(($(date +%s) - t0)) s"

t0=$(date +%s)
for ((r = 1; r <= ingest_reps; r++)); do
	fn="SELECT bench.check(lakets.ingest_batch('batch_fn', (SELECT j FROM bench.batch)) = $batch, 'ingest_batch returned $batch')"
	sql="INSERT INTO batch_sql SELECT * FROM jsonb_populate_recordset(NULL::batch_sql, (SELECT j FROM bench.batch))"
	{
		echo "TRUNCATE batch_fn, batch_sql;"
		if ((r % 2)); then
			timed ingest ingest_batch "$r" "$fn"
			timed ingest insert_select "$r" "$sql"
		else
			timed ingest insert_select "$r" "$sql"
			timed ingest ingest_batch "$r" "$fn"
		fi
		echo "SELECT bench.check((SELECT count(*) FROM batch_fn) = $batch AND (SELECT count(*) FROM batch_sql) = $batch, 'ingest rep $r: both tables hold $batch rows');"
	} | run_checked
done
echo "lvc_ingest: ingest done in $(($(date +%s) - t0)) s"
echo "lvc_ingest: checks passed (after every COPY the cache equals the newest row of each key; row counts)"

echo
q -At -F ' ' -c "
	SELECT test, system, count(*),
	       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
	       string_agg(round(ms::numeric, 1)::text, ' ' ORDER BY rep)
	FROM bench.timings GROUP BY test, system ORDER BY test DESC, system DESC" |
	while read -r test system n median raw; do
		printf '%-7s %-14s n=%-2s median %9s ms   raw: %s\n' "$test" "$system" "$n" "$median" "$raw"
	done
echo
print_ratios "lvc/on lvc/off 1.15" "ingest/ingest_batch ingest/insert_select 1.2"

psql -X -q -d postgres -c "DROP DATABASE $db" >/dev/null
