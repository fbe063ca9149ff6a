#!/usr/bin/env bash
# commits.sh: what RollUps cost a commit (issue 15, section 1).
#
# pgbench runs single-row INSERT transactions (a row near now(), a random
# device) into three identical ChronoTables: one without a RollUp (the
# baseline), one with one RollUp, one with two; 4 and 8 clients, each run
# LAKETS_BENCH_COMMIT_SECONDS (5) long, the three tables in rotating order,
# LAKETS_BENCH_COMMIT_REPS (7) rounds. fsync and synchronous_commit are on
# for the run (the throwaway cluster has them off), so a commit costs what
# it costs on a real server. Reports transactions per second and the ratio
# of each to the baseline of the same client count in the same run: the
# median over the rounds of the ratio within a round (the three runs of a
# round are adjacent, so a change in the load of a shared machine, or in the
# disk's fsync latency, moves both sides of a ratio alike; medians of the
# raw tps are printed too).
# Target: at least 0.90x of the baseline with one and with two RollUps.
#
# Checks (a failure fails the script): pgbench reports no failed
# transaction, and after a refresh each RollUp equals its query.
set -euo pipefail

: "${PGHOST:?commits: run me from test/bench/run.sh (no cluster environment)}"
bench=commits
db=lakets_bench_commits
seconds=${LAKETS_BENCH_COMMIT_SECONDS:-5}
reps=${LAKETS_BENCH_COMMIT_REPS:-7}
work=${LAKETS_TMP:-/tmp}/bench-commits.$$
mkdir -p "$work"
pgbench=${LAKETS_PGBIN:-/usr/lib/postgresql/15/bin}/pgbench
# shellcheck disable=SC1091
. "$(dirname "$0")/common.bash"

restore() {
	psql -X -q -d postgres -c "ALTER SYSTEM RESET fsync" -c "ALTER SYSTEM RESET synchronous_commit" \
		-c "SELECT pg_reload_conf()" >/dev/null 2>&1
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
	rm -rf "$work"
}
trap restore EXIT

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
run_checked <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION lakets;
CREATE TABLE c0 (ts timestamptz NOT NULL, device int NOT NULL, value float8);
CREATE TABLE c1 (LIKE c0);
CREATE TABLE c2 (LIKE c0);
SELECT lakets.create_chronotable(t, 'ts', '1 day') FROM unnest(ARRAY['c0', 'c1', 'c2']) AS t;
SELECT lakets.create_rollup('c1_5m', $$SELECT lakets.time_bucket('5 minutes', ts) AS bucket, device,
	count(*) AS n, max(value) AS hi FROM c1 GROUP BY 1, 2$$, '5 minutes');
SELECT lakets.create_rollup('c2_5m', $$SELECT lakets.time_bucket('5 minutes', ts) AS bucket, device,
	count(*) AS n, max(value) AS hi FROM c2 GROUP BY 1, 2$$, '5 minutes');
SELECT lakets.create_rollup('c2_1h', $$SELECT lakets.time_bucket('1 hour', ts) AS bucket,
	count(*) AS n, max(value) AS hi FROM c2 GROUP BY 1$$, '1 hour');
-- the steady state of a table whose maintenance runs: refreshed once
SELECT lakets.refresh_rollup_cascade();
SQL
for t in c0 c1 c2; do
	echo "INSERT INTO $t VALUES (now() - random() * interval '10 minutes', (random() * 99)::int, random());" \
		>"$work/$t.sql"
done
psql -X -q -d postgres -c "ALTER SYSTEM SET fsync = on" -c "ALTER SYSTEM SET synchronous_commit = on" \
	-c "SELECT pg_reload_conf()" >/dev/null

# tps of one pgbench run: table $1, $2 clients
tps() {
	local out
	out=$("$pgbench" -n -c "$2" -j 2 -T "$seconds" -f "$work/$1.sql" "$db" 2>&1) ||
		fail "pgbench failed: $out"
	if grep -qE 'number of failed transactions: [1-9]' <<<"$out"; then
		fail "pgbench reports failed transactions: $out"
	fi
	sed -nE 's/^tps = ([0-9.]+) .*/\1/p' <<<"$out"
}

declare -A runs round ratios
order=(c0 c1 c2)
for clients in 4 8; do
	for ((r = 1; r <= reps; r++)); do
		for t in "${order[@]}"; do
			round[$t]=$(tps "$t" "$clients")
			runs[$clients.$t]+="${round[$t]} "
		done
		for t in c1 c2; do
			ratios[$clients.$t]+="$(awk -v a="${round[$t]}" -v b="${round[c0]}" 'BEGIN { printf "%.4f", a / b }') "
		done
		order=("${order[@]:1}" "${order[0]}")
	done
done

# the median; of an even count, the mean of the middle two
median() {
	tr ' ' '\n' | grep -v '^$' | sort -g |
		awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

echo
missed=0
for clients in 4 8; do
	base=$(median <<<"${runs[$clients.c0]}")
	for t in c0 c1 c2; do
		printf 'commits %d clients  %-20s tps median %8.1f   raw: %s\n' "$clients" \
			"$([ "$t" = c0 ] && echo "no rollup" || echo "${t#c} rollup(s)")" \
			"$(median <<<"${runs[$clients.$t]}")" "${runs[$clients.$t]}"
	done
	for t in c1 c2; do
		of_medians=$(awk -v a="$(median <<<"${runs[$clients.$t]}")" -v b="$base" 'BEGIN { printf "%.3f", a / b }')
		ratio=$(median <<<"${ratios[$clients.$t]}" | awk '{ printf "%.3f", $1 }')
		verdict=$(awk -v x="$ratio" 'BEGIN { print (x >= 0.90) ? "PASS" : "MISS" }')
		[ "$verdict" = PASS ] || missed=$((missed + 1))
		echo "commits $clients clients ${t#c} rollup(s)/no rollup tps ratio: $ratio (target >= 0.90) $verdict" \
			"  [per round: ${ratios[$clients.$t]% }; of the medians: $of_medians]"
	done
done

# the RollUps still equal their queries
run_checked <<'SQL'
SELECT lakets.refresh_rollup_cascade();
DO $$
DECLARE
	r record;
	n bigint;
BEGIN
	FOR r IN SELECT query, rollup_relid FROM lakets._rollup_registry LOOP
		EXECUTE format('SELECT count(*) FROM ((TABLE %s EXCEPT ALL (%s)) UNION ALL ((%s) EXCEPT ALL TABLE %s)) d',
			r.rollup_relid, r.query, r.query, r.rollup_relid) INTO n;
		IF n <> 0 THEN
			RAISE EXCEPTION 'rollup % differs from its query in % rows', r.rollup_relid, n;
		END IF;
	END LOOP;
END
$$;
SQL
echo "commits: checks passed (no failed transaction; every RollUp equals its query)"
[ "$missed" -eq 0 ] || echo "commits: $missed target(s) missed"
