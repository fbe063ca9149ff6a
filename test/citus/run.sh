#!/usr/bin/env bash
# test/citus/run.sh (make test-citus) - lakets on a Citus cluster.
#
# Builds Citus from ../shared/vendor/ (test/citus/build.sh, cached under
# .tmp/citus/build/), builds and installs lakets (under the install lock,
# like make test), starts a coordinator and two workers under .tmp/citus/
# (test/cluster.sh with citus preloaded), creates citus and lakets in the
# database lakets_citus on every node, runs the scenarios of scenarios.bash
# against the coordinator and stops the nodes (also on failure).
#
# Prints "citus: N passed, N failed", then the same bare "N passed, N
# failed" line as make test (what .ci/run reads); exits non-zero iff a check
# failed. Without ../shared/vendor it prints a "skipped" line and exits 0.
#
# The builds run unlocked; then the script runs again under
# /tmp/lakets-install.lock (shared by everyone using this PostgreSQL install:
# another install in the middle of the run would swap lakets.so under the
# nodes) for the install, the nodes and the scenarios. A caller that already
# holds the lock sets LAKETS_INSTALL_LOCKED=1 (else the two would wait for
# each other forever).
#   CITUS_KEEP=1     leave the nodes running (.tmp/citus/<node>/cluster.env)
#   CITUS_VENDOR=dir the directory with the Citus tarball
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
suite=citus
# shellcheck source=../lib.sh
. test/lib.sh
base=$top/.tmp/citus
nodes=(coord w1 w2)
DB=lakets_citus

fail() {
	echo "citus: $*" >&2
	echo "citus: $passed passed, $((failed + 1)) failed"
	echo
	echo "$passed passed, $((failed + 1)) failed"
	exit 1
}


t0=$(date +%s)
bash test/citus/build.sh
rc=$?
if [ "$rc" -eq 3 ]; then
	echo "citus: skipped: no Citus sources (../shared/vendor/citus-*.tar.gz is absent)"
	echo
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
[ "$rc" -eq 0 ] || fail "could not build or install Citus (test/citus/build.sh exit $rc)"

make -s all >/dev/null || fail "could not build lakets"
if [ -z "${LAKETS_INSTALL_LOCKED:-}" ]; then
	# built: again under the lock (the builds above are then no-ops)
	exec flock /tmp/lakets-install.lock env LAKETS_INSTALL_LOCKED=1 bash "$0" "$@"
fi
make -s install >/dev/null || fail "could not install lakets"

# node NAME: the environment of that node (PGHOST, PGPORT ...)
node_env() {
	# shellcheck disable=SC1090
	. "$base/$1/cluster.env"
}

# qn NODE SQL: one value from the database on NODE
qn() {
	(node_env "$1" && q "$DB" "$2")
}

stop_nodes() {
	local n
	for n in "${nodes[@]}"; do
		LAKETS_TMPDIR=$base/$n bash test/cluster.sh stop >/dev/null 2>&1
	done
}
[ -n "${CITUS_KEEP:-}" ] || trap stop_nodes EXIT

for n in "${nodes[@]}"; do
	LAKETS_TMPDIR=$base/$n LAKETS_PRELOAD=citus LAKETS_HOST_AUTH=trust \
		bash test/cluster.sh start >/dev/null || fail "could not start node $n"
done
for n in "${nodes[@]}"; do
	(node_env "$n" &&
		psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $DB" &&
		PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d "$DB" \
			-c "CREATE EXTENSION citus" -c "CREATE EXTENSION lakets") >/dev/null ||
		fail "could not create citus and lakets on node $n"
done
coord_port=$(node_env coord && echo "$PGPORT")
q_add="SELECT pg_catalog.citus_set_coordinator_host('127.0.0.1', $coord_port);"
for n in w1 w2; do
	q_add="$q_add SELECT pg_catalog.citus_add_node('127.0.0.1', $(node_env "$n" && echo "$PGPORT"));"
done
(node_env coord && psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c "$q_add") >/dev/null ||
	fail "could not add the workers"
check "two active workers" 2 "$(qn coord "SELECT count(*) FROM pg_catalog.citus_get_active_worker_nodes()")"
echo "citus: cluster of 1 coordinator and 2 workers up after $(($(date +%s) - t0)) s"

# the scenarios run against the coordinator
node_env coord
export PGHOST PGPORT PGUSER PGDATABASE=$DB
# shellcheck source=scenarios.bash
. test/citus/scenarios.bash
echo "citus: done in $(($(date +%s) - t0)) s"
finish
rc=$?
echo
echo "$passed passed, $failed failed"
exit "$rc"
