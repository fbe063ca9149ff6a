#!/usr/bin/env bash
# Runs every lakets test suite against one throwaway cluster and prints one
# closing line "N passed, N failed" over all of them (pg_regress, isolation,
# and every test/*/run.sh suite). Exits non-zero if anything failed.
#
# Called by "make test" after the build and install; REGRESS and ISOLATION
# (space-separated test names) come from the Makefile.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash test/cluster.sh start || exit 1
trap 'bash test/cluster.sh stop >/dev/null' EXIT
# shellcheck disable=SC1091
. "${LAKETS_TMPDIR:-.tmp}/cluster.env"
export LAKETS_HELPER="$top/helper/lakets-helper"

# pg_config --pgxs is <pgxs>/src/makefiles/pgxs.mk
pgxs=$(dirname "$(dirname "$(dirname "$(pg_config --pgxs)")")")
passed=0 failed=0 skipped=0

# pg_regress (and pg_isolation_regress) close with "All N tests passed." or
# "M of N tests failed." (from PostgreSQL 16 on, behind "# "); a crash of the
# runner itself counts as one failure.
count_pg_regress() {
	local log=$1 line n m
	line=$(grep -E '^(# )? *(All [0-9]+ tests passed|[0-9]+ of [0-9]+ tests failed)' "$log" | tail -n 1)
	if [[ $line =~ All\ ([0-9]+)\ tests\ passed ]]; then
		passed=$((passed + BASH_REMATCH[1]))
	elif [[ $line =~ ([0-9]+)\ of\ ([0-9]+)\ tests\ failed ]]; then
		m=${BASH_REMATCH[1]} n=${BASH_REMATCH[2]}
		passed=$((passed + n - m))
		failed=$((failed + m))
	else
		echo "run-tests: could not read the result of $log" >&2
		failed=$((failed + 1))
	fi
}

# Other suites print "<suite>: N passed, N failed[, N skipped]" last.
count_suite() {
	local log=$1 rc=$2 line
	line=$(grep -E '^[a-z_-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)? ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
		skipped=$((skipped + ${BASH_REMATCH[4]:-0}))
		if [ "$rc" -ne 0 ] && [ "${BASH_REMATCH[2]}" -eq 0 ]; then
			failed=$((failed + 1))
		fi
	else
		echo "run-tests: $log has no result line (exit $rc)" >&2
		failed=$((failed + 1))
	fi
}

mkdir -p .tmp/results

echo "== pg_regress"
rm -rf .tmp/regress && mkdir -p .tmp/regress
"$pgxs/src/test/regress/pg_regress" --inputdir=. --outputdir=.tmp/regress \
	--bindir="$LAKETS_PGBIN" --host="$PGHOST" --port="$PGPORT" --user=postgres \
	--dbname=lakets_regress ${REGRESS:?REGRESS is not set} 2>&1 | tee .tmp/results/regress.log
count_pg_regress .tmp/results/regress.log
[ -f .tmp/regress/regression.diffs ] && head -n 200 .tmp/regress/regression.diffs

echo "== isolation"
rm -rf .tmp/isolation && mkdir -p .tmp/isolation
"$pgxs/src/test/isolation/pg_isolation_regress" --inputdir=test/isolation \
	--outputdir=.tmp/isolation --bindir="$LAKETS_PGBIN" --host="$PGHOST" \
	--port="$PGPORT" --user=postgres --dbname=lakets_isolation \
	--load-extension=lakets ${ISOLATION:?ISOLATION is not set} 2>&1 | tee .tmp/results/isolation.log
count_pg_regress .tmp/results/isolation.log
[ -f .tmp/isolation/regression.diffs ] && head -n 200 .tmp/isolation/regression.diffs

for suite in test/*/run.sh; do
	name=$(basename "$(dirname "$suite")")
	# isolation ran above; benchmarks belong to "make bench", the toolkit
	# suite (a yardstick, not pass or fail) to "make toolkit", the Citus
	# cluster (its own nodes, and it installs lakets itself) to "make test-citus"
	case "$name" in isolation | bench | toolkit | citus) continue ;; esac
	echo "== $name"
	bash "$suite" 2>&1 | tee ".tmp/results/$name.log"
	count_suite ".tmp/results/$name.log" "${PIPESTATUS[0]}"
done

echo
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
