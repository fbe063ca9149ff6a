# Shared by the benchmark scripts of test/bench (sourced, not run: run.sh
# runs the *.sh files). Before sourcing, a script sets $bench (its name, for
# messages), $db and $work.

fail() {
	echo "$bench: error: $*" >&2
	exit 1
}

q() {
	psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"
}

# Run psql; fail on an error, and on any WARNING or ERROR it printed: lakets
# reports a table it could not handle as a WARNING and goes on.
run_checked() {
	local log=$work/psql.$$.err
	if ! q "$@" >/dev/null 2>"$log"; then
		cat "$log" >&2
		fail "psql failed"
	fi
	if grep -E 'WARNING|ERROR' "$log" >&2; then
		fail "a statement reported a problem (above)"
	fi
	rm -f "$log"
}
