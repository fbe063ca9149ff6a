#!/usr/bin/env bash
# Installs the Debian packages lakets needs to build, test and benchmark.
# Prints the exact apt-get line; exits non-zero when something is missing
# and we are not root (so cannot install it).
#
#   PGVER=17 test/install-deps.sh          # for another PostgreSQL major
#   PGVER=17 test/install-deps.sh --list   # only print the package names
#
# The names are the same in Debian 12, 13 and sid (test/matrix.sh installs
# this list into its trixie and sid chroots), hence the unversioned clang.
set -euo pipefail

PGVER=${PGVER:-15}
packages=(
	make gcc openssl
	"postgresql-$PGVER" "postgresql-server-dev-$PGVER"
	libpq-dev libcurl4-openssl-dev libjson-c-dev
	"postgresql-$PGVER-cron" "postgresql-$PGVER-partman"
	clang libclang-rt-dev valgrind time
	python3 python3-requests python3-psycopg python3-yaml logrotate systemd
)

if [ "${1:-}" = --list ]; then
	printf '%s\n' "${packages[@]}"
	exit 0
fi

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

line="apt-get install -y --no-install-recommends ${missing[*]}"
echo "install-deps: missing packages: ${missing[*]}"
echo "install-deps: $line"
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: error: not root; run the line above as root (e.g. with sudo), then try again" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
$line
