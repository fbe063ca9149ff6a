#!/usr/bin/env bash
# Runs every lakets benchmark (each test/bench/*.sh other than this file, in
# name order) against one throwaway cluster. Called by "make bench" after the
# build and install; results go to docs/benchmarks.md by hand.
#
# A benchmark reports its figures and whether a target was met; it fails
# only when something went wrong (an error, a failed correctness check).
# Exits non-zero if any benchmark failed. Closes with one line
# "bench: N passed, N failed" (the shape test/run-tests.sh reads).
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

# Reuse a cluster that is already up (and leave it up); otherwise start one
# and stop it at exit.
out=$(bash test/cluster.sh start) || { echo "$out" >&2; exit 1; }
echo "$out"
case $out in
*"already running"*) ;;
*) trap 'bash test/cluster.sh stop >/dev/null' EXIT ;;
esac
# shellcheck disable=SC1091
. "${LAKETS_TMPDIR:-.tmp}/cluster.env"
export LAKETS_HELPER="$top/helper/lakets-helper"

passed=0 failed=0
for script in test/bench/*.sh; do
	[ "$script" = test/bench/run.sh ] && continue
	name=$(basename "$script" .sh)
	echo "== bench: $name"
	if bash "$script"; then
		passed=$((passed + 1))
	else
		echo "bench: $name failed" >&2
		failed=$((failed + 1))
	fi
done

echo
echo "bench: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
