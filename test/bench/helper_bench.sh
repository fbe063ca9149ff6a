#!/usr/bin/env bash
# test/bench/helper_bench.sh - lakets-helper against the same flow in Python.
#
# Start to finish, `lakets-helper run partitions` and test/bench/helper_flow.py
# (requests + psycopg) each: get an OAuth M2M token from the mock Databricks
# workspace over TLS, look up the identity, find the project's default branch
# and read-write endpoint, mint a Postgres credential, log in to the
# throwaway cluster over TLS with it, and CALL lakets.maintain('partitions')
# (with the probe before it and the lakets.job_history read after it).
# Runs alternate, in the same run; the wall time of each is taken around the
# process, its peak memory (maximum RSS) from /usr/bin/time -f %M.  Target:
# the helper needs at most 1/5 of Python's time and memory.
#
# Needs the cluster environment (run through test/bench/run.sh, or source
# .tmp/cluster.env) and the built helper.  HELPER_BENCH_RUNS (default 15)
# runs of each are measured after one warm-up run.  Fails only when a run
# fails; missed targets are reported, not fatal.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
: "${PGHOST:?source .tmp/cluster.env (test/cluster.sh start) first}"
: "${PGPORT:?}" "${LAKETS_TMP:?}"
H=${LAKETS_HELPER:-$top/helper/lakets-helper}
RUNS=${HELPER_BENCH_RUNS:-15}
T=$LAKETS_TMP/helper-bench
DB=helper_bench
SP=4d3c2b1a-0f9e-4d8c-b7a6-958473625140
SECRET=dose$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
pids=()

fail() {
	echo "helper_bench: error: $*" >&2
	exit 1
}
[ -x "$H" ] || fail "no helper at $H (make -C helper)"
[ -x /usr/bin/time ] || fail "/usr/bin/time is missing (Debian package \"time\")"
/usr/bin/python3 -c 'import requests, psycopg' 2>/dev/null ||
	fail "python3-requests and python3-psycopg are needed (test/install-deps.sh)"

cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "DROP ROLE IF EXISTS \"$SP\"" >/dev/null 2>&1
}
trap cleanup EXIT

rm -rf "$T"
mkdir -p "$T/state"
# shellcheck source=test/helper/mock.sh
. test/helper/mock.sh
MOCK_SP=$SP MOCK_SECRET=$SECRET MOCK_PAT= MOCK_PAT_USER=nobody
mock_certs "$T" || fail "openssl: $(tail -n 3 "$T/openssl.log")"

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "DROP ROLE IF EXISTS \"$SP\"" >/dev/null 2>&1
psql -X -q -v ON_ERROR_STOP=1 -d postgres \
	-c "CREATE DATABASE $DB" -c "CREATE ROLE \"$SP\" LOGIN PASSWORD 'unset'" >"$T/setup.log" 2>&1 ||
	fail "setup: $(tail -n 3 "$T/setup.log")"
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" >>"$T/setup.log" 2>&1 <<SQL || fail "setup: $(tail -n 3 "$T/setup.log")"
CREATE EXTENSION lakets;
GRANT CREATE ON SCHEMA public TO "$SP";
SET ROLE "$SP";
CREATE TABLE public.metrics (ts timestamptz NOT NULL, v double precision);
SELECT lakets.create_chronotable('metrics', 'ts', '1 day');
SQL

mock_start "$T/state" "$T/server.crt" "$T/server.key" "$T/port" || fail "mock server did not start"
# Tokens pgcred-1, pgcred-2, ...; we set the role's password to the next one
# before each run, outside the timing (each run mints exactly one).
mock_scenario "$T/state" bench '"predictable_tokens": true, "rotate_password": false'
minted=0
next_password() {
	minted=$((minted + 1))
	psql -X -q -d postgres -c "ALTER ROLE \"$SP\" PASSWORD 'pgcred-$minted'" >/dev/null ||
		fail "could not set the role's password"
}

ENVS=(PATH="$PATH" HOME="$T" LANG=C DATABRICKS_HOST="https://127.0.0.1:$(cat "$T/port")"
	DATABRICKS_CLIENT_ID="$SP" DATABRICKS_CLIENT_SECRET="$SECRET" LAKETS_CA_BUNDLE="$T/ca.crt"
	LAKETS_PROJECT=lakets-proj LAKETS_DBNAME="$DB" PGPORT="$PGPORT")

# measure WHO: one run; appends "seconds kilobytes" to $T/WHO.times
measure() {
	local who=$1 t0 t1 cmd
	if [ "$who" = helper ]; then cmd=("$H" run partitions); else cmd=(/usr/bin/python3 test/bench/helper_flow.py); fi
	next_password
	t0=$(date +%s%N)
	env -i "${ENVS[@]}" /usr/bin/time -f %M -o "$T/rss" "${cmd[@]}" >"$T/$who.out" 2>"$T/$who.err" </dev/null ||
		fail "$who run failed: $(tail -n 3 "$T/$who.err")"
	t1=$(date +%s%N)
	grep -qxF 'partitions succeeded: 0 chunks created, 0 rollups refreshed, 0 chunks dropped, 0 skipped, 0 errors' "$T/$who.out" ||
		fail "$who printed something unexpected: $(head -n 5 "$T/$who.out")"
	echo "$(((t1 - t0) / 1000)) $(tail -n 1 "$T/rss")" >>"$T/$who.times"
}

# warm up (first chunks, page cache), then alternate
measure helper
measure python
rm -f "$T/helper.times" "$T/python.times"
for _ in $(seq 1 "$RUNS"); do
	measure helper
	measure python
done

# the floor: what mapping the helper's shared libraries alone costs
for _ in 1 2 3; do
	/usr/bin/time -f %M -o "$T/rss" "$H" --version >/dev/null || fail "lakets-helper --version failed"
	echo "0 $(tail -n 1 "$T/rss")" >>"$T/floor.times"
done

median() { # file column -> median
	sort -n -k"$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
hw=$(median "$T/helper.times" 1) hm=$(median "$T/helper.times" 2)
pw=$(median "$T/python.times" 1) pm=$(median "$T/python.times" 2)

echo "helper_bench: $RUNS runs each of \"run partitions\" (mock workspace over TLS, cluster login over TLS)"
awk -v w="$hw" -v m="$hm" 'BEGIN { printf "lakets-helper wall median: %.1f ms, peak RSS median: %.1f MB\n", w / 1000, m / 1024 }'
awk -v w="$pw" -v m="$pm" 'BEGIN { printf "python        wall median: %.1f ms, peak RSS median: %.1f MB\n", w / 1000, m / 1024 }'
awk -v m="$(median "$T/floor.times" 2)" 'BEGIN { printf "lakets-helper --version peak RSS (shared libraries alone): %.1f MB\n", m / 1024 }'
missed=0
ratio() { # name helper python
	local r
	r=$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.2f", a / b }')
	echo "helper_vs_python $1 ratio: $r (target <= 0.20)"
	awk -v r="$r" 'BEGIN { exit !(r <= 0.20) }' || missed=$((missed + 1))
}
ratio wall "$hw" "$pw"
ratio memory "$hm" "$pm"
if [ "$missed" -eq 0 ]; then
	echo "helper_bench: targets met"
else
	echo "helper_bench: $missed target(s) missed"
fi
exit 0
