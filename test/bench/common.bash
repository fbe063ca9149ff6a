# Shared by the benchmark scripts of test/bench (sourced, not run: run.sh
# runs the *.sh files). Before sourcing, a script sets $bench (its name, for
# messages) and $db, and $work before its first run_checked (server_workdir
# makes one the server can write to).

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

# A work directory the server can write too (COPY files): as root, the
# server runs as "postgres". Prints its path.
server_workdir() { # name
	local dir=${LAKETS_TMP:-/tmp}/bench-$1.$$
	mkdir -p "$dir"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$dir"
		if ! runuser -u postgres -- test -w "$dir"; then
			rmdir "$dir"
			dir=$(mktemp -d "/tmp/lakets-bench-$1.XXXXXX")
			chown postgres: "$dir"
		fi
	fi
	echo "$dir"
}

# One timed statement, its own transaction, timed inside the server
# (bench.start() and bench.stop(): the commit included), a CHECKPOINT first.
timed() { # test system rep sql
	printf "CHECKPOINT;\nSELECT bench.start();\n%s;\nSELECT bench.stop('%s', '%s', %d);\n" \
		"$4" "$1" "$2" "$3"
}

# A call of bench.time_call() (time_call.sql) as a line of SQL.
time_stmt() { # test system rep sql
	printf "SELECT bench.time_call('%s', '%s', %d, \$q\$%s\$q\$);\n" "$1" "$2" "$3" "$4"
}

# The raw timings of bench.timings, a line per test and system: the count,
# the median and every time in the order taken.
print_timings() { # test-column-width system-column-width
	q -At -F ' ' -c "
		SELECT test, system, count(*),
		       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
		       string_agg(round(ms::numeric, 1)::text, ' ' ORDER BY rep)
		FROM bench.timings GROUP BY test, system ORDER BY test, system" |
		while read -r test system n median raw; do
			printf "%-${1}s %-${2}s n=%-2s median %9s ms   raw: %s\n" "$test" "$system" "$n" "$median" "$raw"
		done
}
