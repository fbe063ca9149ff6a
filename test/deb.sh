#!/usr/bin/env bash
# test/deb.sh build|check [MAJOR...] - Debian packages of lakets.
#
#   test/deb.sh build [MAJOR...]   # "make deb": .tmp/deb/<suite>/*.deb
#   test/deb.sh check [MAJOR...]   # "make deb-check": build, then install them
#                                  # into a clean chroot and use them
#
# MAJOR defaults to this machine's PostgreSQL (15 on Debian 12). The packages
# are built the way Debian packages PostgreSQL extensions: debian/control.in
# and pg_buildext make one postgresql-NN-lakets per server major the build
# machine has, plus lakets-helper, with dpkg-buildpackage. This machine's
# major is built here; 17 and 18 are built in the chroots of test/matrix.sh
# (trixie and sid), since a package must be built on the distribution it is
# for.
#
# check debootstraps a new minimal chroot of the same suite (nothing cached),
# installs postgresql-NN-lakets and lakets-helper there with apt (which pulls
# in the server and libraries through the packages' own dependencies: a
# missing dependency fails here), creates a cluster, runs CREATE EXTENSION
# lakets and a ChronoTable call, and runs "lakets-helper --version" and
# "lakets-helper check" against that cluster. Needs root and Debian's mirror.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=test/matrix.sh
. "$top/test/matrix.sh"
cd "$top"
out=$top/.tmp/deb
# check() and the counts
# shellcheck source=test/lib.sh
. "$top/test/lib.sh"

host_suite() {
	. /etc/os-release && echo "$VERSION_CODENAME"
}

suite_for() {
	if [ "$1" = "$(local_major)" ]; then host_suite; else suite_of "$1"; fi
}

build_pkgs=(build-essential debhelper dpkg-dev fakeroot postgresql-server-dev-all)

# the build, run in /src (a copy of the tree) by the build machine
build_script='
set -e
cd /src
pg_buildext updatecontrol
dpkg-buildpackage -us -uc -b >/tmp/lakets-deb-build.log 2>&1 || { tail -n 40 /tmp/lakets-deb-build.log; exit 1; }
mkdir -p /debs && rm -f /debs/*.deb && mv ../*.deb /debs/
ls /debs
'

build() {
	local major=$1 suite dest root
	suite=$(suite_for "$major")
	dest=$out/$suite
	rm -rf "$dest"
	mkdir -p "$dest"
	echo "deb: PostgreSQL $major: building on $suite"
	if [ "$major" = "$(local_major)" ]; then
		local missing=()
		for p in "${build_pkgs[@]}"; do
			dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
		done
		if [ ${#missing[@]} -gt 0 ]; then
			[ "$(id -u)" -eq 0 ] || { echo "deb: error: missing ${missing[*]}; install them as root" >&2; return 1; }
			apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || return 1
		fi
		rm -rf "$out/src"
		copy_tree "$out/src/lakets"
		(
			cd "$out/src/lakets" || exit 1
			pg_buildext updatecontrol &&
				dpkg-buildpackage -us -uc -b >"$out/build-$major.log" 2>&1 ||
				{ tail -n 40 "$out/build-$major.log"; exit 1; }
		) || return 1
		mv "$out"/src/*.deb "$dest/"
	else
		root=$dir/pg$major
		make_chroot "$major" "${build_pkgs[@]}" || return 1
		copy_tree "$root/src"
		run_in "$root" bash -c "$build_script" || return 1
		cp "$root"/debs/*.deb "$dest/"
	fi
	ls "$dest"
}

# the check, run in the clean chroot as root
check_script='
set -u
major=$1
cd /debs
apt-get -o Acquire::Check-Valid-Until=false -qq update >/dev/null
apt-get install -y -qq --no-install-recommends ./postgresql-$major-lakets_*.deb ./lakets-helper_*.deb \
	>/tmp/apt.log 2>&1 || { tail -n 20 /tmp/apt.log; exit 1; }
# no TCP: the chroot shares the network of the machine, whose port 5432 may be taken
pg_createcluster $major main >/dev/null
printf "listen_addresses = \047\047\n" >/etc/postgresql/$major/main/conf.d/lakets-check.conf
pg_ctlcluster $major main start
psql() { runuser -u postgres -- /usr/bin/psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
echo "extension: $(psql -c "CREATE EXTENSION lakets; SELECT extversion FROM pg_extension WHERE extname = '\''lakets'\''")"
echo "chronotable: $(psql -c "CREATE TABLE m (ts timestamptz NOT NULL, v int); SELECT count(*) > 0 FROM lakets.create_chronotable('\''m'\'', '\''ts'\'', '\''1 day'\'')" 2>&1 | tail -n 1)"
echo "update: $(psql -c "CREATE DATABASE upd" >/dev/null; psql -d upd -c "CREATE EXTENSION lakets VERSION '\''0.1'\''; ALTER EXTENSION lakets UPDATE; SELECT extversion FROM pg_extension WHERE extname = '\''lakets'\''" 2>&1 | tail -n 1)"
echo "helper: $(lakets-helper --version 2>&1 | head -n 1)"
runuser -u postgres -- env PGHOST=/var/run/postgresql PGDATABASE=postgres lakets-helper check >/tmp/check.out 2>&1
echo "helper check: $?"
sed "s/^/  /" /tmp/check.out
pg_ctlcluster $major main stop
'

check_major() {
	local major=$1 suite root log version helper_version
	suite=$(suite_for "$major")
	root=$out/clean-$major
	log=$out/check-$major.log
	version=$(sed -n 's/^lakets (\([^)-]*\).*/\1/p' debian/changelog | head -n 1)
	rm -rf "$root"
	echo "deb: PostgreSQL $major: installing into a clean $suite chroot"
	if ! debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$out/debootstrap-$major.log" 2>&1; then
		tail -n 5 "$out/debootstrap-$major.log" >&2
		check "PostgreSQL $major: a clean $suite chroot" ok failed
		return
	fi
	write_sources "$root" "$suite"
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod 755 "$root/usr/sbin/policy-rc.d"
	mkdir -p "$root/debs" "$root/etc/postgresql-common/createcluster.d"
	echo "create_main_cluster = false" >"$root/etc/postgresql-common/createcluster.d/lakets.conf"
	cp "$out/$suite"/*.deb "$root/debs/"
	run_in "$root" bash -c "$check_script" check "$major" >"$log" 2>&1
	cat "$log"
	helper_version=$(sed -n 's/^helper: //p' "$log")
	check "PostgreSQL $major: CREATE EXTENSION lakets from postgresql-$major-lakets" \
		"${version%.0}" "$(sed -n 's/^extension: //p' "$log")"
	check "PostgreSQL $major: a ChronoTable works" t "$(sed -n 's/^chronotable: //p' "$log")"
	check "PostgreSQL $major: lakets 0.1 from the package updates to ${version%.0}" \
		"${version%.0}" "$(sed -n 's/^update: //p' "$log")"
	check "PostgreSQL $major: lakets-helper --version from the lakets-helper package" \
		yes "$(case "$helper_version" in lakets-helper*) echo yes ;; *) echo "$helper_version" ;; esac)"
	check "PostgreSQL $major: lakets-helper check against the packaged server" 0 \
		"$(sed -n 's/^helper check: //p' "$log")"
	rm -rf "$root"
}

main_deb() {
	local action=${1:-} majors m
	shift || true
	majors=("$@")
	[ ${#majors[@]} -eq 0 ] && majors=("$(local_major)")
	case "$action" in build | check) ;; *)
		echo "usage: test/deb.sh build|check [MAJOR...]" >&2
		exit 2
		;;
	esac
	mkdir -p "$out" "$dir"
	for m in "${majors[@]}"; do
		if [ "$m" != "$(local_major)" ] && ! suite_of "$m" >/dev/null; then
			echo "deb: error: no Debian suite is known for PostgreSQL $m" >&2
			exit 2
		fi
	done
	for m in "${majors[@]}"; do
		if ! build "$m"; then
			check "PostgreSQL $m: the packages build" ok failed
			continue
		fi
		[ "$action" = check ] && check_major "$m"
	done
	if [ "$action" = check ]; then
		echo "deb: $passed passed, $failed failed"
		echo "$passed passed, $failed failed"
	fi
	[ "$failed" -eq 0 ]
}

main_deb "$@"
