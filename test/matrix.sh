#!/usr/bin/env bash
# test/matrix.sh [MAJOR...] - run "make test", the whole suite, against real
# PostgreSQL servers of several major versions, and close with one line
# "N passed, N failed" over all of them.
#
#   test/matrix.sh            # 15 (this machine), 17 and 18: "make matrix"
#   test/matrix.sh 17         # one version: "PG=17 make test"
#
# The machine's own PostgreSQL (Debian 12: 15) runs "make test" here. Every
# other major runs it inside a Debian chroot that has that server: 17 from
# Debian 13 (trixie), 18 from sid. A chroot is made once with debootstrap
# under .tmp/matrix/pgNN (LAKETS_MATRIX_DIR moves it), gets the packages of
# "PGVER=NN test/install-deps.sh --list", and is reused by later runs; each
# run copies the work tree (tracked and untracked files, not the ignored
# ones) into the chroot's /src and runs "make test" there. The mounts the
# chroot needs (/proc, /dev) live in a private mount namespace, so they go
# away with the run and nothing outside sees them.
#
# PostgreSQL 16 has no Debian package in any suite: asking for it is an
# error, and the matrix does not run it (compat.h keeps it compiling).
#
# Needs root (debootstrap, chroot, mounts) and Debian's package mirror.
# MATRIX_SKIP_UNAVAILABLE=1 counts a version whose chroot cannot be made
# (not root, no mirror) as skipped instead of failed; CI uses it.
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
mirror=${LAKETS_MATRIX_MIRROR:-http://deb.debian.org/debian}
dir=${LAKETS_MATRIX_DIR:-$top/.tmp/matrix}
# apt options: sid's Release file may be past its Valid-Until on a mirror
# snapshot; the packages are still signed.
apt_opts=(-o Acquire::Check-Valid-Until=false -o APT::Install-Recommends=false -qq)

local_major() {
	pg_config --version 2>/dev/null | sed -n 's/^PostgreSQL \([0-9]*\).*/\1/p'
}

suite_of() {
	case "$1" in
	17) echo trixie ;;
	18) echo sid ;;
	*) return 1 ;;
	esac
}

say() { echo "matrix: $*"; }

# write_sources ROOT SUITE: the chroot's apt sources; a stable suite gets its
# updates and security fixes too (a package built against them needs them).
write_sources() {
	local root=$1 suite=$2
	{
		echo "deb $mirror $suite main"
		if [ "$suite" != sid ]; then
			echo "deb $mirror $suite-updates main"
			echo "deb ${mirror%/debian}/debian-security $suite-security main"
		fi
	} >"$root/etc/apt/sources.list"
}

# run_in ROOT CMD...: CMD inside the chroot, with /proc and /dev mounted in
# a mount namespace of its own.
run_in() {
	local root=$1
	shift
	unshare --mount --propagation private -- bash -c '
		root=$1; shift
		mount -t proc proc "$root/proc" &&
		mount --rbind /dev "$root/dev" &&
		exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive "$@"
	' run_in "$root" "$@"
}

# make_chroot MAJOR [PACKAGE...]: the cached chroot of MAJOR, made or
# completed, with the packages of test/install-deps.sh and the ones given;
# returns 75 when it cannot be made (not root, no mirror).
make_chroot() {
	local major=$1 suite root want have p missing=0
	shift
	suite=$(suite_of "$major")
	root=$dir/pg$major
	have=$(cat "$root/.lakets-packages" 2>/dev/null || true)
	want=$(
		{
			PGVER=$major bash test/install-deps.sh --list
			printf '%s\n' "$@" $have
		} | sort -u | tr '\n' ' '
	)
	for p in $want; do
		case " $have " in *" $p "*) ;; *) missing=1 ;; esac
	done
	[ "$missing" -eq 0 ] && return 0

	if [ "$(id -u)" -ne 0 ]; then
		say "error: PostgreSQL $major runs in a chroot: debootstrap, chroot and mounts need root" >&2
		return 75
	fi
	if ! command -v debootstrap >/dev/null; then
		say "installing debootstrap"
		{ apt-get update -qq && apt-get install -y -qq debootstrap; } >"$dir/debootstrap-install.log" 2>&1 || {
			tail -n 5 "$dir/debootstrap-install.log" >&2
			return 75
		}
	fi
	if [ ! -x "$root/usr/bin/apt-get" ]; then
		say "PostgreSQL $major: debootstrap $suite into $root (once)"
		rm -rf "$root.new"
		if ! debootstrap --variant=minbase "$suite" "$root.new" "$mirror" >"$dir/pg$major-debootstrap.log" 2>&1; then
			tail -n 5 "$dir/pg$major-debootstrap.log" >&2
			rm -rf "$root.new"
			return 75
		fi
		rm -rf "$root"
		mv "$root.new" "$root"
		write_sources "$root" "$suite"
		# no services start inside the chroot, and Debian's postgresql
		# creates no "main" cluster: test/cluster.sh makes its own
		printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
		chmod 755 "$root/usr/sbin/policy-rc.d"
		mkdir -p "$root/etc/postgresql-common/createcluster.d"
		echo "create_main_cluster = false" >"$root/etc/postgresql-common/createcluster.d/lakets.conf"
	fi
	say "PostgreSQL $major: installing $want"
	# shellcheck disable=SC2086
	if ! run_in "$root" bash -c 'apt-get "$@"' apt "${apt_opts[@]}" update >"$dir/pg$major-apt.log" 2>&1 ||
		! run_in "$root" apt-get "${apt_opts[@]}" install -y $want >>"$dir/pg$major-apt.log" 2>&1; then
		tail -n 10 "$dir/pg$major-apt.log" >&2
		return 75
	fi
	run_in "$root" apt-get clean
	echo "$want" >"$root/.lakets-packages"
}

# The work tree's files (what git would commit, changed or not yet added);
# outside a git checkout, everything but .tmp/ and the build's output.
copy_tree() {
	local dest=$1
	rm -rf "$dest"
	mkdir -p "$dest"
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
			tar --null -T - -cf - | tar -C "$dest" -xf -
	else
		tar --exclude=./.tmp --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
			--exclude=./helper/lakets-helper -cf - . | tar -C "$dest" -xf -
		# the install script the build concatenates (not upgrade scripts)
		rm -f "$dest/lakets--$(sed -n 's/^EXT_VERSION *= *//p' Makefile).sql"
	fi
}

# run_major MAJOR: "make test" against MAJOR; sets rc and the log's name.
run_major() {
	local major=$1 root log=$dir/pg$1.log start
	start=$(date +%s)
	if [ "$major" = "$(local_major)" ]; then
		say "PostgreSQL $major: make test on this machine"
		make test PG= 2>&1 | tee "$log"
	else
		root=$dir/pg$major
		(
			exec 9>"$dir/pg$major.lock"
			flock 9
			make_chroot "$major" || exit $?
			copy_tree "$root/src"
			say "PostgreSQL $major: make test in the $(suite_of "$major") chroot"
			# that major's pg_config first, whatever else the chroot has
			run_in "$root" bash -c 'export PATH=/usr/lib/postgresql/$1/bin:$PATH; cd /src && PGVER=$1 make test' \
				make_test "$major"
		) 2>&1 | tee "$log"
	fi
	set_result "$major" "${PIPESTATUS[0]}" "$log" "$(($(date +%s) - start))"
}

total_passed=0 total_failed=0 total_skipped=0
summary=()

# set_result MAJOR RC LOG SECONDS: read the closing line of "make test".
set_result() {
	local major=$1 rc=$2 log=$3 secs=$4 line p f s
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ "$rc" -eq 75 ] && [ -z "$line" ] && [ "$major" != "$(local_major)" ] &&
		[ "${MATRIX_SKIP_UNAVAILABLE:-0}" = 1 ]; then
		summary+=("PostgreSQL $major: not run (its chroot could not be made, see $log)")
		total_skipped=$((total_skipped + 1))
		return
	fi
	if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)? ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[4]:-0}
		# a suite that failed without counting it still fails the version
		[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	else
		p=0 f=1 s=0
		line="no result line (exit $rc)"
	fi
	total_passed=$((total_passed + p))
	total_failed=$((total_failed + f))
	total_skipped=$((total_skipped + s))
	summary+=("PostgreSQL $major: $p passed, $f failed, $s skipped in ${secs}s")
}

main() {
	local m line start majors=("$@")
	[ ${#majors[@]} -eq 0 ] && majors=(15 17 18)
	for m in "${majors[@]}"; do
		if [ "$m" = 16 ]; then
			say "error: PostgreSQL 16 has no Debian package in any suite; lakets compiles against it (extension/compat.h) but no test runs it" >&2
			exit 2
		fi
		if [ "$m" != "$(local_major)" ] && ! suite_of "$m" >/dev/null; then
			say "error: no Debian suite is known for PostgreSQL $m (known: $(local_major) here, 17, 18)" >&2
			exit 2
		fi
	done
	mkdir -p "$dir"

	start=$(date +%s)
	for m in "${majors[@]}"; do
		run_major "$m"
	done

	echo
	for line in "${summary[@]}"; do
		say "$line"
	done
	say "PostgreSQL 16: not run (no Debian package)"
	say "${#majors[@]} major(s) in $(($(date +%s) - start))s"
	if [ "$total_skipped" -gt 0 ]; then
		echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
	else
		echo "$total_passed passed, $total_failed failed"
	fi
	[ "$total_failed" -eq 0 ]
}

# test/deb.sh sources this file for its chroots
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	main "$@"
fi
