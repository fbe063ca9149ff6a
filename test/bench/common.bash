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

# For each pair "numerator denominator target" (test/system names; target
# "-" for none), the ratio of their medians in bench.timings, which decides
# the verdict, and the median of the ratios within each rep, which shows how
# much of a difference is noise between reps.
print_ratios() { # "num den target" ...
	local values="" i=0 pair num den target
	for pair in "$@"; do
		read -r num den target <<<"$pair"
		i=$((i + 1))
		values+="${values:+, }($i, '$num', '$den', '$target')"
	done
	q -At -F ' ' -c "
		WITH t AS (SELECT test || '/' || system AS what, rep, ms FROM bench.timings),
		m AS (SELECT what, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms FROM t GROUP BY 1),
		p (i, num, den, target) AS (VALUES $values)
		SELECT p.num, p.den, p.target, round((n.ms / d.ms)::numeric, 3),
		       (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY tn.ms / td.ms)::numeric, 3)
		        FROM t tn JOIN t td USING (rep) WHERE tn.what = p.num AND td.what = p.den)
		FROM p JOIN m n ON n.what = p.num JOIN m d ON d.what = p.den ORDER BY p.i" |
		while read -r num den target ratio paired; do
			if [ "$target" = - ]; then
				verdict="(no target)"
			elif awk -v r="$ratio" -v t="$target" 'BEGIN { exit !(r <= t) }'; then
				verdict="(target <= $target) PASS"
			else
				verdict="(target <= $target) MISS"
			fi
			echo "$num / $den ratio: $ratio $verdict"
			echo "    (median of the per-rep ratios: $paired)"
		done
}
