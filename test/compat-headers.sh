#!/usr/bin/env bash
# test/compat-headers.sh MAJOR [SUITE] - compile the extension against the
# server headers of another PostgreSQL major version.
#
# Debian 12 ships only PostgreSQL 15, and lakets supports 15 to 18 through
# extension/compat.h. This downloads postgresql-server-dev-MAJOR from the
# Debian suite SUITE (default trixie) into .tmp/compat-MAJOR without
# installing it, and compiles every extension/*.c against those headers with
# the flags of this build (-Wextra -Werror included), checking syntax and
# types only: nothing is linked or run. The system's apt sources are left
# as they are. Not part of "make test" (it needs the network); "make compat"
# runs it for 17.
set -euo pipefail

major=${1:?usage: test/compat-headers.sh MAJOR [SUITE]}
suite=${2:-trixie}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
dir=$top/.tmp/compat-$major
rm -rf "$dir"
mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/root" "$dir/dl"
echo "deb http://deb.debian.org/debian $suite main" >"$dir/sources.list"
apt=(-o Dir::Etc::sourcelist="$dir/sources.list" -o Dir::Etc::sourceparts=/nonexistent
	-o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache" -o Debug::NoLocking=1)
apt-get "${apt[@]}" -qq update
(cd "$dir/dl" && apt-get "${apt[@]}" -qq download "postgresql-server-dev-$major") 2>"$dir/download.log" || {
	tail -n 3 "$dir/download.log" >&2
	exit 1
}
dpkg -x "$dir"/dl/*.deb "$dir/root"
inc=$dir/root/usr/include/postgresql
[ -f "$inc/$major/server/pg_config.h" ] || { echo "compat: no server headers in the package" >&2; exit 1; }
version=$(sed -n 's/^#define PG_VERSION_NUM \([0-9]*\)/\1/p' "$inc/$major/server/pg_config.h")

read -r -a cflags <<<"$(make -s print-cflags)"
read -r -a cppflags <<<"$(pg_config --cppflags)"
failed=0 n=0
for f in extension/*.c; do
	n=$((n + 1))
	# the other major's headers come first: its internal dir has libpq's too
	if ! ${CC:-gcc} "${cflags[@]}" -Iextension -I. -I"$inc/$major/server" -I"$inc/internal" \
		"${cppflags[@]}" -fsyntax-only "$f"; then
		failed=$((failed + 1))
	fi
done
echo "compat: $n files against PostgreSQL $version headers ($suite): $((n - failed)) compiled, $failed failed"
[ "$failed" -eq 0 ]
