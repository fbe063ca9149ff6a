#!/usr/bin/env bash
# test/ddl_chaos/run.sh - the randomized DDL chaos test (issue 9, section 2).
#
# Needs the throwaway cluster of test/cluster.sh (PGHOST, PGPORT, PGUSER,
# LAKETS_TMP, LAKETS_PGBIN in the environment) with lakets installed. Runs
# chaos_test.py: per seed, a fresh database lakets_chaos_<seed>_<n> gets
# random lakets calls mixed with DDL behind lakets' back (renames, drops,
# DETACH PARTITION, DROP SCHEMA CASCADE, re-created names, pg_dump and
# restore); see its docstring for the invariants checked.
#
#   LAKETS_CHAOS_SEED=N[,M...]  other seeds (the default ones are fixed)
#   LAKETS_CHAOS_STEPS=N        steps per seed (default 200)
#
# Every statement goes to $LAKETS_TMP/ddl_chaos/trace.sql.
# Prints last "ddl_chaos: N passed, N failed"; exits non-zero iff a check failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${PGHOST:?run through test/run-tests.sh or source .tmp/cluster.env}"
: "${PGPORT:?}" "${LAKETS_TMP:?}" "${LAKETS_PGBIN:?}"
export PGUSER=${PGUSER:-postgres}
# Debian's interpreter: it has psycopg 3 (a python3 earlier on PATH may not)
PY=/usr/bin/python3
out=$LAKETS_TMP/ddl_chaos
mkdir -p "$out"

if ! "$PY" -c 'import psycopg' 2>/dev/null; then
	echo "ddl_chaos: $PY has no psycopg (apt-get install python3-psycopg)" >&2
	echo "ddl_chaos: 0 passed, 1 failed"
	exit 1
fi

drop_databases() {
	psql -X -At -d postgres -c "SELECT datname FROM pg_database WHERE datname LIKE 'lakets\_chaos\_%'" |
		while read -r d; do
			psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$d\" WITH (FORCE)" >/dev/null 2>&1
		done
}
trap drop_databases EXIT

LAKETS_CHAOS_DB=lakets_chaos LAKETS_CHAOS_TRACE=$out/trace.sql \
	LAKETS_CHAOS_DUMP=$out/dump.sql "$PY" "$here/chaos_test.py"
