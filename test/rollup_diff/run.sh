#!/usr/bin/env bash
# test/rollup_diff/run.sh - the randomized differential test of RollUps.
#
# Needs the throwaway cluster of test/cluster.sh (PGHOST, PGPORT, PGUSER,
# PGDATABASE, LAKETS_TMP in the environment) with lakets installed. Creates
# the database lakets_diff, runs diff_test.py there (random changes to three
# ChronoTables, refreshes, every RollUp compared with its query run from
# scratch; see the docstring) and drops the database.
#
#   LAKETS_DIFF_SEED=N     another random seed (the default one is fixed)
#   LAKETS_DIFF_ROUNDS=N   more or fewer rounds (default 60)
#
# Every statement is written to $LAKETS_TMP/rollup_diff/trace.sql, to
# reproduce and minimize a failure.
# Prints last "rollup_diff: N passed, N failed"; exits non-zero iff a check failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${PGHOST:?run through test/run-tests.sh or source .tmp/cluster.env}"
: "${PGPORT:?}" "${LAKETS_TMP:?}"
export PGUSER=${PGUSER:-postgres}
# Debian's interpreter: it has psycopg 3 (a python3 earlier on PATH may not)
PY=/usr/bin/python3
DB=lakets_diff
out=$LAKETS_TMP/rollup_diff
mkdir -p "$out"

fail() {
	echo "rollup_diff: $*" >&2
	echo "rollup_diff: 0 passed, 1 failed"
	exit 1
}

"$PY" -c 'import psycopg' 2>/dev/null || fail "$PY has no psycopg (apt-get install python3-psycopg)"
PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d postgres \
	-c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null ||
	fail "could not create database $DB"
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c "CREATE EXTENSION lakets" >/dev/null ||
	fail "could not create extension lakets in $DB"

LAKETS_DIFF_DB=$DB LAKETS_DIFF_TRACE=$out/trace.sql "$PY" "$here/diff_test.py"
rc=$?

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
exit "$rc"
