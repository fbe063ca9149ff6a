# Shared by the shell test suites (test/*/run.sh): counting checks and the
# closing "<suite>: N passed, N failed" line that test/run-tests.sh reads.
# The cluster is already running; PGHOST, PGPORT, PGUSER... are exported.

passed=0
failed=0

# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then
		echo "ok - $1"
		passed=$((passed + 1))
	else
		echo "not ok - $1: expected '$2', got '$3'"
		failed=$((failed + 1))
	fi
}

# q DB SQL: one value, unaligned
q() {
	psql -X -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

finish() {
	echo "$suite: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
