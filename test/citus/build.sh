#!/usr/bin/env bash
# Builds Citus from ../shared/vendor/ (relative to the repository) into a
# cache under .tmp/citus/build/ and installs it into the PostgreSQL install
# when that lacks citus.so. A second run does not rebuild. Called by
# test/citus/run.sh (make test-citus) WITHOUT the install lock: the build
# runs unlocked, only the install takes /tmp/lakets-install.lock (unless
# LAKETS_INSTALL_LOCKED is set: the caller holds it).
#
# Exit status: 0 built/installed, 3 vendor directory absent (skip), else error.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# ../shared/vendor next to the repository; a git worktree looks next to
# the main checkout it belongs to (git's common directory).
vendor=${CITUS_VENDOR:-}
if [ -z "$vendor" ]; then
	vendor=$top/../shared/vendor
	common=$(git -C "$top" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
	if [ ! -d "$vendor" ] && [ -n "$common" ]; then
		vendor=$(dirname "$common")/../shared/vendor
	fi
fi
version=13.2.2
tarball=citus-$version.tar.gz
cache=$top/.tmp/citus/build
src=$cache/citus-$version

if [ ! -f "$vendor/$tarball" ]; then
	exit 3
fi

# Build packages (as test/install-deps.sh: install when root, else say what).
packages=(liblz4-dev libzstd-dev libkrb5-dev libselinux1-dev libcurl4-openssl-dev
	"postgresql-server-dev-$(pg_config --version | sed 's/^PostgreSQL \([0-9]*\).*/\1/')")
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "citus-build: missing packages: ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		echo "citus-build: error: not root; run: apt-get install -y --no-install-recommends ${missing[*]}" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

pkglibdir=$(pg_config --pkglibdir)
if [ ! -f "$src/.built" ]; then
	(cd "$vendor" && sha256sum --quiet -c <(grep " $tarball\$" SHA256SUMS)) ||
		{ echo "citus-build: error: $vendor/$tarball does not match SHA256SUMS" >&2; exit 1; }
	echo "citus-build: building Citus $version under $cache (a few minutes, once)"
	start=$(date +%s)
	rm -rf "$src"
	mkdir -p "$src"
	tar -xzf "$vendor/$tarball" -C "$src" --strip-components=1
	if grep -q have_createdb_privilege "$(pg_config --includedir-server)/commands/dbcommands.h"; then
		patch -s -d "$src" -p1 <"$vendor/citus-$version-pg15-have_createdb_privilege.patch"
	fi
	(cd "$src" && ./configure >"$cache/configure.log" 2>&1) ||
		{ tail -30 "$cache/configure.log" >&2; exit 1; }
	(cd "$src" && make -j2 >"$cache/make.log" 2>&1) ||
		{ tail -30 "$cache/make.log" >&2; exit 1; }
	touch "$src/.built"
	echo "citus-build: built in $(($(date +%s) - start)) s"
fi
if [ ! -f "$pkglibdir/citus.so" ]; then
	if [ -n "${LAKETS_INSTALL_LOCKED:-}" ]; then
		lock=()
	else
		lock=(flock /tmp/lakets-install.lock)
	fi
	(cd "$src" && "${lock[@]}" make install >"$cache/install.log" 2>&1) ||
		{ tail -30 "$cache/install.log" >&2; exit 1; }
	echo "citus-build: installed citus.so into $pkglibdir"
fi
