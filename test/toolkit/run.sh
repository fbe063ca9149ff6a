#!/usr/bin/env bash
# Runs the LakeTS toolkit's own SQL test suite against lakets: each of its
# tests/test_*.sql in a fresh database with CREATE EXTENSION lakets, and
# counts its blocks ("T<n> PASSED" notices) that pass. The toolkit is not
# part of lakets: point LAKETS_TOOLKIT at a checkout of
# databricks-solutions/lakets; without it the suite is skipped.
#
# Expects the cluster of test/cluster.sh (PGHOST, PGPORT, PGUSER exported).
# Prints one line per file and closes with "toolkit: N passed, N failed".
# Blocks that need Databricks or the toolkit's private helpers fail by
# design (docs/switching.md); the suite reports, it does not judge, so it
# exits 0 whatever it counted unless it could not run.
set -uo pipefail

if [ -z "${LAKETS_TOOLKIT:-}" ] || [ ! -d "${LAKETS_TOOLKIT}/tests" ]; then
	echo "toolkit: LAKETS_TOOLKIT is not a checkout of the LakeTS toolkit; skipped"
	echo "toolkit: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

top=$(cd "$(dirname "$0")/../.." && pwd)
out="$top/.tmp/toolkit"
mkdir -p "$out"
db=lakets_toolkit
passed=0 failed=0

for file in "$LAKETS_TOOLKIT"/tests/test_*.sql; do
	name=$(basename "$file" .sql)
	# the blocks the file has: the distinct "T<n> PASSED" labels it raises
	# (some files say "TEST <n> PASSED")
	mapfile -t blocks < <(grep -oE "\b(T|TEST )[0-9]+[a-z]? PASSED" "$file" | sort -u)
	[ "${#blocks[@]}" -eq 0 ] && continue
	dropdb --if-exists "$db" >/dev/null 2>&1
	createdb "$db" || exit 1
	psql -X -q -d "$db" -c "CREATE EXTENSION lakets" >/dev/null 2>&1 || exit 1
	psql -X -d "$db" -f "$file" >"$out/$name.log" 2>&1
	ok=0
	for b in "${blocks[@]}"; do
		grep -q "NOTICE:  $b" "$out/$name.log" && ok=$((ok + 1))
	done
	echo "$name: $ok of ${#blocks[@]} blocks passed"
	passed=$((passed + ok))
	failed=$((failed + ${#blocks[@]} - ok))
done
dropdb --if-exists "$db" >/dev/null 2>&1
echo "toolkit: $passed passed, $failed failed"
