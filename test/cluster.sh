#!/usr/bin/env bash
# Starts and stops the throwaway PostgreSQL cluster that the demo, the tests
# and the benchmarks use. It lives under .tmp/ (its own port on 127.0.0.1 and
# its own Unix socket), preloads pg_cron, has SSL on with a self-signed
# certificate and password (SCRAM) logins over TCP for the helper's tests.
#
#   test/cluster.sh start   # initdb if needed, start, write .tmp/cluster.env
#   test/cluster.sh stop    # stop it (the data directory is removed)
#   . .tmp/cluster.env      # PGHOST PGPORT PGUSER PGDATABASE LAKETS_TMP ...
#
# Several clusters at once (test/citus/run.sh starts three):
#   LAKETS_TMPDIR=dir      where the cluster and its cluster.env live
#   LAKETS_PRELOAD=libs    shared_preload_libraries (default pg_cron)
#   LAKETS_HOST_AUTH=trust TCP logins without a password (nodes that connect
#                          to each other; default scram-sha-256)
#
# PostgreSQL refuses to run as root: as root, the server runs as the
# "postgres" OS user (created by Debian's postgresql package).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# LAKETS_TMPDIR puts the cluster elsewhere, e.g. to run two at once.
tmp="${LAKETS_TMPDIR:-$top/.tmp}"
envfile="$tmp/cluster.env"
pgbin=$(pg_config --bindir 2>/dev/null || echo "/usr/lib/postgresql/${PGVER:-15}/bin")
# Debian's /usr/bin/pg_config reports the client bindir; the server lives here.
[ -x "$pgbin/initdb" ] || pgbin=/usr/lib/postgresql/${PGVER:-15}/bin

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

free_port() {
	local p
	for p in $(seq "${1:-54320}" 54399); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null &&
			[ ! -e "/tmp/.s.PGSQL.$p" ]; then
			echo "$p"
			return 0
		fi
	done
	echo "cluster: error: no free port in 54320-54399" >&2
	return 1
}

start() {
	mkdir -p "$tmp"
	if [ -f "$envfile" ]; then
		# shellcheck disable=SC1090
		. "$envfile"
		if as_pg "$pgbin/pg_ctl" -D "$LAKETS_PGDATA" status >/dev/null 2>&1; then
			echo "cluster: already running on port $PGPORT"
			return 0
		fi
	fi

	# The data directory must be reachable by the server's OS user; a clone
	# under a private home directory is not, so fall back to /tmp then.
	local base="$tmp"
	if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$tmp"; then
		base=$(mktemp -d /tmp/lakets-cluster.XXXXXX)
		chmod 755 "$base"
	fi
	local data="$base/pgdata" sock
	rm -rf "$data"
	mkdir -p "$data"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$data"
	# Unix socket paths are limited to ~100 bytes.
	sock="$data"
	if [ ${#sock} -gt 80 ]; then
		sock=$(mktemp -d /tmp/lakets-sock.XXXXXX)
		chmod 777 "$sock"
	fi

	local port
	as_pg "$pgbin/initdb" -D "$data" -U postgres -A trust -E UTF8 \
		--locale=C.UTF-8 >"$tmp/initdb.log" 2>&1 ||
		{ cat "$tmp/initdb.log" >&2; exit 1; }

	as_pg openssl req -new -x509 -days 30 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$data/server.key" -out "$data/server.crt" >/dev/null 2>&1
	as_pg chmod 600 "$data/server.key"

	as_pg tee -a "$data/postgresql.conf" >/dev/null <<CONF
# added by test/cluster.sh
listen_addresses = '127.0.0.1'
include_if_exists = 'port.conf'
unix_socket_directories = '$sock'
shared_preload_libraries = '${LAKETS_PRELOAD:-pg_cron}'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 16
ssl = on
password_encryption = 'scram-sha-256'
max_connections = 60
max_locks_per_transaction = 1024
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
CONF
	as_pg tee "$data/pg_hba.conf" >/dev/null <<HBA
local   all all                trust
hostssl all all 127.0.0.1/32   ${LAKETS_HOST_AUTH:-scram-sha-256}
host    all all 127.0.0.1/32   ${LAKETS_HOST_AUTH:-scram-sha-256}
HBA

	# Another cluster may take the port we found free before we bind it
	# (tests of several developers, or CI, at once): then try the next one.
	local attempt next=54320
	for attempt in 1 2 3 4 5 6 7 8; do
		port=$(free_port "$next") || exit 1
		echo "port = $port" | as_pg tee "$data/port.conf" >/dev/null
		if as_pg "$pgbin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start >/dev/null; then
			break
		fi
		if [ "$attempt" -eq 8 ] || ! grep -q "could not create any TCP/IP sockets\|Address already in use" "$data/server.log"; then
			cat "$data/server.log" >&2
			exit 1
		fi
		next=$((port + 1))
	done

	cat >"$envfile" <<ENV
export PGHOST='$sock'
export PGPORT='$port'
export PGUSER=postgres
export PGDATABASE=postgres
export LAKETS_TMP='$tmp'
export LAKETS_PGDATA='$data'
export LAKETS_PGBIN='$pgbin'
ENV
	echo "cluster: started on port $port (socket $sock, data $data)"
}

stop() {
	[ -f "$envfile" ] || return 0
	# shellcheck disable=SC1090
	. "$envfile"
	as_pg "$pgbin/pg_ctl" -D "$LAKETS_PGDATA" -m fast -w stop >/dev/null 2>&1 || true
	case "$LAKETS_PGDATA" in
	/tmp/lakets-cluster.*) rm -rf "$(dirname "$LAKETS_PGDATA")" ;;
	*) rm -rf "$LAKETS_PGDATA" ;;
	esac
	case "$PGHOST" in /tmp/lakets-sock.*) rm -rf "$PGHOST" ;; esac
	rm -f "$envfile"
	echo "cluster: stopped"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac
