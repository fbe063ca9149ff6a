#!/usr/bin/env bash
# test/helper/run.sh - the lakets-helper test suite.
#
# Needs the throwaway cluster of test/cluster.sh (PGHOST, PGPORT, PGUSER,
# PGDATABASE, LAKETS_TMP in the environment) and a built helper
# (LAKETS_HELPER, default helper/lakets-helper).  Everything runs on
# 127.0.0.1: a mock Databricks workspace (mock_databricks.py) over TLS with a
# CA made here, the cluster's real SCRAM password logins over TLS, and a late
# TCP proxy for "Postgres down then up".
#
# Prints "ok - name", "not ok - name" or "skip - name (why)" per case and
# last "helper: N passed, N failed, N skipped"; exits non-zero iff a case
# failed.  The libFuzzer smoke run is one of the cases.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
: "${PGHOST:?run through test/run-tests.sh or source .tmp/cluster.env}"
: "${PGPORT:?}" "${LAKETS_TMP:?}"
export PGUSER=${PGUSER:-postgres}
H=${LAKETS_HELPER:-$top/helper/lakets-helper}
PY=/usr/bin/python3
T=$LAKETS_TMP/helper
OUT=$T/out
DB=helper_test
SP=8f2c1a7e-5b4d-4c3e-9a1f-0d2e3c4b5a69  # the service principal's application id
PAT_USER=lakets-user@example.com
# characters that must be form-urlencoded before HTTP Basic (RFC 6749 2.3.1)
SECRET=dose$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')+/=:%
PAT=dapi$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
# an identity provider's JWT (token federation), an Entra ID client secret,
# and the token the fake Databricks CLI prints
JWT=eyJhbGciOiJSUzI1NiJ9.$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n').$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
AZSECRET=azs~$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
CLITOKEN=dapicli$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
TENANT=00000000-0000-0000-0000-00000000a2e0
# only 127.0.0.1 is ever contacted: no proxies
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1

passed=0 failed=0 skipped=0
pids=()

ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() {
	local name=$1
	shift
	echo "not ok - $name"
	local line
	for line in "$@"; do echo "#   $line"; done
	failed=$((failed + 1))
}
skip() { echo "skip - $1 ($2)"; skipped=$((skipped + 1)); }

cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "DROP DATABASE IF EXISTS helper_test_old" >/dev/null 2>&1
	drop_roles >/dev/null 2>&1
}
drop_roles() {
	psql -X -q -d postgres <<SQL
DROP ROLE IF EXISTS "$SP";
DROP ROLE IF EXISTS "$PAT_USER";
DROP ROLE IF EXISTS lakets_job;
DROP ROLE IF EXISTS helper_plain;
SQL
}
trap cleanup EXIT

die() {
	echo "helper: setup failed: $*" >&2
	not_ok "setup" "$@"
	echo "helper: $passed passed, $failed failed, $skipped skipped"
	exit 1
}

# ---- setup ---------------------------------------------------------------
rm -rf "$T"
mkdir -p "$T/state" "$T/state2" "$OUT" "$T/home"
[ -x "$H" ] || die "no helper binary at $H (make -C helper)"

# shellcheck source=test/helper/mock.sh
. test/helper/mock.sh
MOCK_SP=$SP MOCK_SECRET=$SECRET MOCK_PAT=$PAT MOCK_PAT_USER=$PAT_USER
MOCK_JWT=$JWT MOCK_AZURE_SECRET=$AZSECRET MOCK_CLI_TOKEN=$CLITOKEN
mock_certs "$T" || die "openssl: $(tail -n 3 "$T/openssl.log")"

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
drop_roles >/dev/null 2>&1
psql -X -q -v ON_ERROR_STOP=1 -d postgres >"$T/setup.log" 2>&1 <<SQL || die "roles: $(tail -n 3 "$T/setup.log")"
CREATE DATABASE $DB;
CREATE ROLE "$SP" LOGIN PASSWORD 'not-a-minted-token';
CREATE ROLE "$PAT_USER" LOGIN PASSWORD 'not-a-minted-token';
CREATE ROLE lakets_job LOGIN PASSWORD 'not-a-minted-token';
CREATE ROLE helper_plain LOGIN PASSWORD 'plain-password-1';
SQL
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" >>"$T/setup.log" 2>&1 <<SQL || die "database: $(tail -n 3 "$T/setup.log")"
CREATE EXTENSION lakets;
GRANT CREATE ON SCHEMA public TO "$SP";
CREATE TABLE public.conn_log (pid int, usr text, at timestamptz DEFAULT now());
GRANT SELECT, INSERT ON public.conn_log TO PUBLIC;
SET ROLE "$SP";
CREATE TABLE public.metrics (ts timestamptz NOT NULL, v double precision);
SELECT lakets.create_chronotable('metrics', 'ts', '1 day');
CREATE TABLE public.events (ts timestamptz NOT NULL, kind text);
SELECT lakets.create_chronotable('events', 'ts', '1 day');
-- for the jobs: a RollUp to refresh, and two expired chunks to drop
SELECT lakets.create_rollup('metrics_daily',
	\$\$SELECT lakets.time_bucket('1 day', ts) AS bucket, count(*) AS n FROM metrics GROUP BY 1\$\$, '1 day');
SELECT lakets._ensure_partitions(lakets_id, 0, 0, '2021-01-01', '2021-01-03')
	FROM (SELECT id AS lakets_id FROM lakets._chronotable_registry WHERE relid = 'public.metrics'::regclass) r;
-- after the chunks: lakets never creates a chunk its retention would drop
SELECT lakets.add_retention_policy('metrics', '1 year');
RESET ROLE;
SQL

# as the service principal (who owns the ChronoTables), in the test database
as_sp() {
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -c "SET ROLE \"$SP\"" "$@"
}
# widen the window so that the next partitions job (run by the owner) creates chunks
widen_window() {
	as_sp -c "SELECT lakets.set_chunk_window('${2:-metrics}', 1, $1)" >/dev/null
}
# the newest lakets.job_history row: job|status|run_by
last_history() {
	psql -X -At -d "$DB" -c "SELECT job || '|' || status || '|' || run_by FROM lakets.job_history ORDER BY id DESC LIMIT 1"
}
# SUMMARY JOB STATUS CREATED REFRESHED DROPPED SKIPPED ERRORS: the human summary line
summary() {
	local c=chunks r=rollups d=chunks
	[ "$3" = 1 ] && c=chunk
	[ "$4" = 1 ] && r=rollup
	[ "$5" = 1 ] && d=chunk
	local e=errors
	[ "$7" = 1 ] && e=error
	echo "^$1 $2: $3 $c created, $4 $r refreshed, $5 $d dropped, $6 skipped, $7 $e\$"
}

mock_start "$T/state" "$T/server.crt" "$T/server.key" "$T/port" "$T/idp-port" || die "mock server did not start"
MOCK="https://127.0.0.1:$(cat "$T/port")"
ENTRA="https://127.0.0.1:$(cat "$T/idp-port")"
LOG=$T/state/requests.jsonl

# ---- how cases run ---------------------------------------------------------
# Every run starts from an empty environment plus what the case sets.
BASE=(PATH="$PATH" HOME="$T/home" LANG=C)
DBX=("${BASE[@]}" DATABRICKS_HOST="$MOCK" DATABRICKS_CLIENT_ID="$SP"
	DATABRICKS_CLIENT_SECRET="$SECRET" LAKETS_CA_BUNDLE="$T/ca.crt"
	LAKETS_PROJECT=lakets-proj LAKETS_DBNAME="$DB" PGPORT="$PGPORT" LAKETS_RETRY_DELAY=100ms)
PLAIN=("${BASE[@]}" PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" PGDATABASE="$DB")

# scenario ID [JSON fields]: what the mock does from now on
scenario() {
	mock_scenario "$T/state" "$@"
	SCEN=$1
}

# hx_bg NAME ENV... -- ARGS...: start the helper in the background with only
# the environment ENV (pid in $hpid); its output goes to $OUT/NAME.{out,err}
hx_bg() {
	local name=$1
	shift
	local envs=()
	while [ "$1" != "--" ]; do
		envs+=("$1")
		shift
	done
	shift
	env -i "${envs[@]}" "$H" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" </dev/null &
	hpid=$!
	CASE=$name
}
# hx NAME ENV... -- ARGS...: run the helper; sets RC and ELAPSED (seconds)
hx() {
	local t0
	t0=$(date +%s.%N)
	hx_bg "$@"
	wait "$hpid"
	RC=$?
	ELAPSED=$(awk "BEGIN { printf \"%.2f\", $(date +%s.%N) - $t0 }")
}
# term_bg: SIGTERM the helper of hx_bg; sets RC and ELAPSED (seconds to exit)
term_bg() {
	local t0
	t0=$(date +%s.%N)
	kill -TERM "$hpid"
	wait "$hpid"
	RC=$?
	ELAPSED=$(awk "BEGIN { printf \"%.2f\", $(date +%s.%N) - $t0 }")
}

# count [METHOD] PATH: requests of the current scenario to PATH
count() {
	local m="" p
	if [ $# -eq 2 ]; then m=$1; p=$2; else p=$1; fi
	grep -F "\"scenario\": \"$SCEN\"" "$LOG" | grep -F "\"path\": \"$p\"" |
		grep -cF "\"method\": \"${m:-}" || true
}

# expectations collect problems; verdict reports the case
problems=()
expect_rc() { [ "$RC" -eq "$1" ] || problems+=("exit status $RC, expected $1"); }
expect_out() { grep -qE -- "$1" "$OUT/$CASE.out" || problems+=("stdout lacks /$1/"); }
expect_err() { grep -qE -- "$1" "$OUT/$CASE.err" || problems+=("stderr lacks /$1/"); }
expect_no_err() { ! grep -qE -- "$1" "$OUT/$CASE.err" || problems+=("stderr has /$1/"); }
expect_eq() { [ "$1" = "$2" ] || problems+=("$3: got '$1', expected '$2'"); }
expect_true() { eval "$1" || problems+=("$2"); }
verdict() {
	local name=$1
	if [ ${#problems[@]} -eq 0 ]; then
		ok "$name"
	else
		not_ok "$name" "${problems[@]}" "stderr: $(tail -n 4 "$OUT/$CASE.err" 2>/dev/null | tr '\n' '|')"
	fi
	problems=()
}

# lt A B: true when the number A is below B
lt() { awk "BEGIN { exit !($1 < $2) }"; }


# ---- command line ----------------------------------------------------------
hx help "${BASE[@]}" -- --help
expect_rc 0
for opt in --project --branch --endpoint --instance --host --client-id --profile --config-file \
	--auth-type --cacert --dbname --conninfo --role --port --sslmode --connect-timeout \
	--statement-timeout --lock-timeout --http-timeout --deadline --start-timeout --retries \
	--retry-delay --every --count --json --partial-ok --verbose --version --help \
	DATABRICKS_CLIENT_SECRET DATABRICKS_TOKEN DATABRICKS_OIDC_TOKEN DATABRICKS_OIDC_TOKEN_FILEPATH \
	ARM_CLIENT_SECRET LAKETS_BRANCH LAKETS_START_TIMEOUT; do
	expect_out "$opt"
done
for type in oauth-m2m pat env-oidc file-oidc azure-client-secret databricks-cli; do expect_out "$type"; done
for code in 0 1 2 3 4 5 6; do expect_out "^  $code  "; done
# every long option of the source is in --help (and so in this list)
for opt in $(grep -o '{"[a-z-]*", [a-z_]*_argument' helper/main.c | cut -d'"' -f2); do
	expect_out "--$opt"
done
verdict "cli: --help lists every option and exit code"

hx version "${BASE[@]}" -- --version
expect_rc 0
expect_out '^lakets-helper [0-9]+\.[0-9]+\.[0-9]+$'
verdict "cli: --version"

hx usage "${BASE[@]}" -- frobnicate
expect_rc 2
expect_err '^lakets-helper: error: unknown command "frobnicate"$'
expect_err 'Try "lakets-helper --help" for more information\.$'
verdict "cli: usage error exits 2 with the --help pointer"

hx argv_secret "${BASE[@]}" -- --client-secret="$SECRET" run partitions
expect_rc 2
expect_err 'invalid option "--client-secret"'
verdict "cli: no option takes a secret (and the value is not echoed)"

hx argv_password "${PLAIN[@]}" -- --conninfo "dbname=$DB password=$SECRET" sql 'SELECT 1'
expect_rc 2
expect_err 'refusing a password on the command line'
verdict "cli: a password in --conninfo is refused"

hx argv_password_uri "${PLAIN[@]}" -- --dbname "postgresql://postgres:$PAT@127.0.0.1/$DB" sql 'SELECT 1'
expect_rc 2
expect_err 'refusing a password on the command line'
verdict "cli: a password in a --dbname URI is refused"

hx http_host "${DBX[@]}" DATABRICKS_HOST=http://127.0.0.1:1 -- run partitions
expect_rc 2
expect_err 'must use https'
verdict "config: plain-http workspace URL refused"

hx two_auths "${DBX[@]}" DATABRICKS_TOKEN="$PAT" -- run partitions
expect_rc 2
expect_err 'more than one authentication method is configured: pat and oauth-m2m'
expect_err 'hint: .*DATABRICKS_AUTH_TYPE'
verdict "config: OAuth secret and PAT together are ambiguous"

hx two_targets "${DBX[@]}" -- --project a --instance b check
expect_rc 2
verdict "config: only one Lakebase target"

# ---- full runs (OAuth M2M, Autoscaling project) ----------------------------
scenario m2m_partitions
widen_window 6
hx m2m_partitions "${DBX[@]}" -- run partitions
expect_rc 0
expect_out '^lakets partitions: public\.metrics created 3 chunks created$'
expect_out "$(summary partitions succeeded 3 0 0 0 0)"
expect_eq "$(wc -l <"$OUT/m2m_partitions.out")" 2 "stdout lines (one action, the summary)"
expect_eq "$(last_history)" "partitions|succeeded|$SP" "job_history row"
expect_eq "$(count POST /oidc/v1/token)" 1 "token requests"
expect_eq "$(count GET /api/2.0/preview/scim/v2/Me)" 1 "SCIM Me requests"
expect_eq "$(count GET /api/2.0/postgres/projects/lakets-proj/branches)" 2 "branch pages"
expect_eq "$(count GET /api/2.0/postgres/projects/lakets-proj/branches/production/endpoints)" 1 "endpoint lists"
expect_eq "$(count GET /api/2.0/postgres/projects/lakets-proj/branches/production/endpoints/primary)" 1 "endpoint gets"
expect_eq "$(count POST /api/2.0/postgres/credentials)" 1 "credential requests"
verdict "m2m: run partitions (project -> default branch -> read-write endpoint -> credential -> login)"

# maintenance: the RollUp owes the new rows, the 2021 chunks are expired
as_sp -c "INSERT INTO metrics VALUES ('2021-01-01 12:00+00', 1), ('2021-01-02 12:00+00', 2), (now(), 3)"
scenario m2m_maintenance
hx m2m_maintenance "${DBX[@]}" -- run maintenance
expect_rc 0
expect_out '^lakets rollups: metrics_daily refreshed$'
expect_out '^lakets retention: public\.metrics metrics_20210101_000000 dropped \[.*\)$'
expect_out '^lakets retention: public\.metrics metrics_20210102_000000 dropped \['
expect_out "$(summary maintenance succeeded 0 1 2 0 0)"
expect_eq "$(wc -l <"$OUT/m2m_maintenance.out")" 4 "stdout lines (three actions, the summary)"
expect_eq "$(last_history)" "maintenance|succeeded|$SP" "job_history row"
expect_eq "$(count POST /api/2.0/postgres/credentials)" 1 "credential requests"
verdict "m2m: run maintenance (CALL lakets.maintain(): actions, then the job_history summary)"

as_sp -c "INSERT INTO metrics VALUES (now(), 4)"
scenario m2m_rollups
hx m2m_rollups "${DBX[@]}" -- run rollups
expect_rc 0
expect_out '^lakets rollups: metrics_daily refreshed$'
expect_out "$(summary rollups succeeded 0 1 0 0 0)"
expect_eq "$(last_history)" "rollups|succeeded|$SP" "job_history row"
verdict "m2m: run rollups"

# an expired chunk: made while the policy keeps it (lakets never creates a
# chunk its retention would drop)
as_sp -c "SELECT lakets.alter_retention_policy('metrics', '100 years')" \
	-c "SELECT lakets._ensure_partitions(id, 0, 0, '2021-02-01', '2021-02-02') FROM lakets._chronotable_registry WHERE relid = 'public.metrics'::regclass" \
	-c "SELECT lakets.alter_retention_policy('metrics', '1 year')" >/dev/null
scenario m2m_retention
hx m2m_retention "${DBX[@]}" -- run retention
expect_rc 0
expect_out '^lakets retention: public\.metrics metrics_20210201_000000 dropped '
expect_out "$(summary retention succeeded 0 0 1 0 0)"
expect_eq "$(last_history)" "retention|succeeded|$SP" "job_history row"
verdict "m2m: run retention"

# nothing to do: no action, only the summary
scenario m2m_idle
hx m2m_idle "${DBX[@]}" -- run maintenance
expect_rc 0
expect_eq "$(cat "$OUT/m2m_idle.out")" "maintenance succeeded: 0 chunks created, 0 rollups refreshed, 0 chunks dropped, 0 skipped, 0 errors" "stdout"
verdict "m2m: run maintenance with nothing to do prints only the summary"

# the procedure commits after each table: the chunks of two tables are
# created in two transactions (now(), their created_at, differs)
widen_window 5 events
widen_window 7 metrics
before=$(psql -X -At -d "$DB" -c "SELECT max(id) FROM lakets._chunk_metadata")
scenario commits_per_table
hx commits_per_table "${DBX[@]}" -- --json run partitions
expect_rc 0
expect_eq "$(psql -X -At -d "$DB" -c "SELECT count(DISTINCT r.relid) || ' tables, ' || count(DISTINCT m.created_at) || ' transactions' FROM lakets._chunk_metadata m JOIN lakets._chronotable_registry r ON r.id = m.chronotable_id WHERE m.id > $before")" \
	"2 tables, 2 transactions" "chunks created"
expect_true "$PY - '$OUT/commits_per_table.out' '$SP' <<'PYCHECK' 2>>'$OUT/commits_per_table.err'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
actions, summary = lines[:-1], lines[-1]
assert [sorted(a) for a in actions] == [['action', 'detail', 'object', 'step']] * 2, actions
assert sorted((a['step'], a['object'], a['action']) for a in actions) == [
    ('partitions', 'public.events', 'created'), ('partitions', 'public.metrics', 'created')], actions
assert all(a['detail'].endswith(' chunks created') for a in actions), actions
assert summary['job'] == 'partitions' and summary['status'] == 'succeeded', summary
assert summary['chunks_created'] == sum(int(a['detail'].split()[0]) for a in actions), summary
assert summary['run_by'] == sys.argv[2] and summary['error_text'] is None, summary
assert isinstance(summary['id'], int) and summary['skipped'] == 0 and summary['errors'] == 0, summary
PYCHECK" "--json output is not one object per action and the job_history row"
verdict "jobs: run partitions commits after each table; --json gives each action and the job_history row"

scenario m2m_json
hx m2m_json "${DBX[@]}" -- --json sql "SELECT current_user AS usr, 42 AS answer, pg_catalog.inet_client_addr() IS NOT NULL AS tcp, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
expect_rc 0
expect_true "$PY -c 'import json,sys; o=json.loads(open(sys.argv[1]).read()); assert o==dict(usr=sys.argv[2], answer=42, tcp=True, ssl=True), o' '$OUT/m2m_json.out' '$SP' 2>>'$OUT/m2m_json.err'" \
	"stdout is not the expected JSON row"
verdict "m2m: sql --json, logged in as the service principal over TLS"

scenario m2m_check
hx m2m_check "${DBX[@]}" -- check
expect_rc 0
expect_out '^lakets: +[0-9.]+ installed'
expect_out '^ssl: +TLSv1\.[23]'
expect_out "^role: +$SP\$"
verdict "m2m: check reports server, TLS and extension versions"

scenario m2m_token
hx m2m_token "${DBX[@]}" -- token
expect_rc 0
tok=$(cat "$OUT/m2m_token.out")
expect_true "grep -qF '\"issued\": \"$tok\"' '$LOG'" "printed token is not the one minted"
got=$(env PGPASSWORD="$tok" psql -X -At "host=127.0.0.1 port=$PGPORT dbname=$DB user=$SP sslmode=require" -c 'SELECT current_user' 2>&1)
expect_eq "$got" "$SP" "psql login with the printed token"
verdict "m2m: token prints a fresh credential psql can log in with"

scenario m2m_token_json
hx m2m_token_json "${DBX[@]}" -- --json token
expect_rc 0
expect_true "$PY -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o[\"token\"].startswith(\"pgcred-\") and o[\"host\"]==\"127.0.0.1\" and o[\"sslmode\"]==\"require\" and o[\"user\"]==sys.argv[2]' '$OUT/m2m_token_json.out' '$SP'" \
	"--json token is not the expected object"
verdict "m2m: token --json"

scenario verbose
widen_window 8
hx verbose "${DBX[@]}" -- -vv run partitions
expect_rc 0
expect_err '^lakets-helper: debug: POST /oidc/v1/token -> HTTP 200'
expect_err '^lakets-helper: info: minted a Postgres credential'
expect_err "^lakets-helper: debug: running: CALL lakets\\.maintain\\('partitions'\\)\$"
expect_no_err 'server: lakets partitions'
expect_out '^lakets partitions: public\.metrics created 1 chunks created$'
expect_out "$(summary partitions succeeded 1 0 0 0 0)"
verdict "verbose: -vv logs every request (checked for secrets below)"

# ---- other targets ------------------------------------------------------------
scenario provisioned
hx provisioned "${DBX[@]}" LAKETS_PROJECT= LAKETS_INSTANCE=lakets-inst -- run partitions
expect_rc 0
expect_eq "$(count GET /api/2.0/database/instances/lakets-inst)" 1 "instance gets"
expect_eq "$(count POST /api/2.0/database/credentials)" 1 "credential requests (instance_names + request_id checked by the mock)"
verdict "provisioned: run partitions via a database instance"

scenario endpoint
hx endpoint "${DBX[@]}" LAKETS_PROJECT= LAKETS_LAKEBASE_ENDPOINT=projects/lakets-proj/branches/production/endpoints/primary -- run partitions
expect_rc 0
expect_eq "$(count GET /api/2.0/postgres/projects/lakets-proj/branches)" 0 "branch lists"
expect_eq "$(count POST /api/2.0/postgres/credentials)" 1 "credential requests"
verdict "autoscaling: an explicit endpoint skips branch discovery"

scenario no_such_project
hx no_such_project "${DBX[@]}" -- --project nope run partitions
expect_rc 2
expect_err 'HTTP 404'
verdict "autoscaling: unknown project is a configuration error"

# ---- fresh credential per connection -------------------------------------------
# The mock makes each minted token the role's password, so a connection only
# logs in with the newest credential; three runs must mint three.
scenario every
psql -X -q -d "$DB" -c "TRUNCATE conn_log"
hx every "${DBX[@]}" -- --every 1s --count 3 sql "INSERT INTO conn_log (pid, usr) SELECT pg_backend_pid(), current_user"
expect_rc 0
expect_eq "$(count POST /api/2.0/postgres/credentials)" 3 "credential requests"
expect_eq "$(count POST /oidc/v1/token)" 1 "token requests (the OAuth token is reused until it nears expiry)"
expect_eq "$(psql -X -At -d "$DB" -c "SELECT count(DISTINCT pid) || '/' || count(*) FROM conn_log WHERE usr = '$SP'")" "3/3" "distinct backends/rows"
expect_eq "$(grep '"scenario": "every"' "$LOG" | grep -o '"issued": "pgcred-[^"]*"' | sort -u | wc -l)" 3 "distinct credentials"
verdict "every: --every reconnects with a fresh credential each time"

scenario every_job
runs_before=$(psql -X -At -d "$DB" -c "SELECT count(*) FROM lakets.job_history WHERE job = 'rollups'")
hx every_job "${DBX[@]}" -- --every 1s --count 2 run rollups
expect_rc 0
expect_eq "$(count POST /api/2.0/postgres/credentials)" 2 "credential requests"
expect_eq "$(grep -c "$(summary rollups succeeded 0 0 0 0 0)" "$OUT/every_job.out")" 2 "summaries"
expect_eq "$(psql -X -At -d "$DB" -c "SELECT count(*) - $runs_before FROM lakets.job_history WHERE job = 'rollups' AND run_by = '$SP'")" 2 "job_history rows"
verdict "every: run rollups --every: a fresh credential, a CALL and a summary per run"

scenario every_sigterm
hx_bg every_sigterm "${DBX[@]}" -- --every 1s sql 'SELECT 1'
sleep 1.5
term_bg
expect_rc 0
expect_true "lt $ELAPSED 1.5" "took ${ELAPSED}s to stop"
verdict "every: SIGTERM stops the loop promptly with the runs' status"

# ---- identity and configuration sources --------------------------------------
scenario role_override '"password_role": "lakets_job"'
hx role_override "${DBX[@]}" LAKETS_PG_ROLE=lakets_job -- sql 'SELECT current_user'
expect_rc 0
expect_out '^ lakets_job'
expect_eq "$(count GET /api/2.0/preview/scim/v2/Me)" 0 "SCIM Me requests"
verdict "role override: LAKETS_PG_ROLE skips SCIM Me and logs in as that role"

cat >"$T/databrickscfg" <<CFG
; written by test/helper/run.sh
[DEFAULT]
host = https://127.0.0.1:9
client_id = wrong

[lakets-prod]
host = $MOCK
client_id = $SP
client_secret = $SECRET
CFG
chmod 600 "$T/databrickscfg"
NOCRED=("${BASE[@]}" LAKETS_CA_BUNDLE="$T/ca.crt" LAKETS_PROJECT=lakets-proj LAKETS_DBNAME="$DB" PGPORT="$PGPORT")

scenario profile
hx profile "${NOCRED[@]}" DATABRICKS_CONFIG_FILE="$T/databrickscfg" DATABRICKS_CONFIG_PROFILE=lakets-prod -- run partitions
expect_rc 0
expect_no_err 'readable by other'
expect_eq "$(count POST /oidc/v1/token)" 1 "token requests"
verdict "profile: host and M2M credentials from a named profile"

chmod 644 "$T/databrickscfg"
scenario profile_mode
hx profile_mode "${NOCRED[@]}" DATABRICKS_CONFIG_FILE="$T/databrickscfg" -- --profile lakets-prod run partitions
expect_rc 0
expect_err '^lakets-helper: warning: configuration file ".*" is readable by other users \(mode 0644\)'
expect_err 'chmod 600'
verdict "profile: a file readable by others gets a warning"
chmod 600 "$T/databrickscfg"

printf '[DEFAULT]\nhost=%s\nclient_id=%s\nclient_secret=%s\n' "$MOCK" "$SP" "$SECRET" >"$T/home/.databrickscfg"
chmod 600 "$T/home/.databrickscfg"
scenario profile_home
hx profile_home "${NOCRED[@]}" -- run partitions
expect_rc 0
verdict "profile: [DEFAULT] of ~/.databrickscfg"
rm -f "$T/home/.databrickscfg"

hx profile_missing "${NOCRED[@]}" DATABRICKS_CONFIG_FILE="$T/databrickscfg" DATABRICKS_CONFIG_PROFILE=staging -- run partitions
expect_rc 2
expect_err 'profile "staging" not found'
verdict "profile: an unknown profile is a configuration error"

printf '[DEFAULT]\nhost = x\nthis line is broken\nclient_secret = %s\n' "$SECRET" >"$T/broken.cfg"
hx profile_syntax "${NOCRED[@]}" DATABRICKS_CONFIG_FILE="$T/broken.cfg" -- run partitions
expect_rc 2
expect_err 'syntax error in configuration file ".*" at line 3'
verdict "profile: a syntax error names the line, not its text"

scenario pat '"password_role": "lakets-user@example.com"'
hx pat "${BASE[@]}" DATABRICKS_HOST="$MOCK" DATABRICKS_TOKEN="$PAT" LAKETS_CA_BUNDLE="$T/ca.crt" \
	LAKETS_PROJECT=lakets-proj LAKETS_DBNAME="$DB" PGPORT="$PGPORT" -- sql 'SELECT current_user'
expect_rc 0
expect_out "^ $PAT_USER"
expect_eq "$(count POST /oidc/v1/token)" 0 "token requests"
expect_eq "$(grep '"scenario": "pat"' "$LOG" | grep -c '"auth": "pat"')" 6 "API calls made with the PAT"
verdict "pat: a personal access token instead of OAuth M2M"

# ---- where the SDKs read the profile, and which profile -------------------
# [DEFAULT] as "databricks auth login" writes it, for another workspace
printf '[DEFAULT]\nhost = https://127.0.0.1:9\nauth_type = databricks-cli\n' >"$T/home/.databrickscfg"
chmod 600 "$T/home/.databrickscfg"
scenario default_cli_ignored
hx default_cli_ignored "${DBX[@]}" -- -v sql 'SELECT 1'
expect_rc 0
expect_no_err 'unsupported auth_type|using profile'
expect_eq "$(count POST /oidc/v1/token)" 1 "token requests"
verdict "config: M2M in the environment; a [DEFAULT] with auth_type = databricks-cli is not read"

printf '[DEFAULT]\nhost = %s\nclient_id = %s\nclient_secret = %s\n' "$MOCK" "$SP" "$SECRET" >"$T/home/.databrickscfg"
scenario pat_over_default_m2m '"password_role": "lakets-user@example.com"'
hx pat_over_default_m2m "${BASE[@]}" DATABRICKS_HOST="$MOCK" DATABRICKS_TOKEN="$PAT" LAKETS_CA_BUNDLE="$T/ca.crt" \
	LAKETS_PROJECT=lakets-proj LAKETS_DBNAME="$DB" PGPORT="$PGPORT" -- sql 'SELECT current_user'
expect_rc 0
expect_out "^ $PAT_USER"
expect_no_err 'more than one authentication method'
expect_eq "$(count POST /oidc/v1/token)" 0 "token requests"
verdict "config: DATABRICKS_TOKEN in the environment; service-principal credentials in [DEFAULT] are not read"

printf '[DEFAULT]\nhost = https://127.0.0.1:9\nclient_id = other-workspace-sp\nclient_secret = %s\n' "$SECRET" >"$T/home/.databrickscfg"
scenario host_not_mixed
hx host_not_mixed "${BASE[@]}" DATABRICKS_HOST="$MOCK" DATABRICKS_CLI_PATH=/nonexistent/databricks \
	LAKETS_CA_BUNDLE="$T/ca.crt" LAKETS_PROJECT=lakets-proj -- run partitions
expect_rc 2
expect_err 'no Databricks credentials configured'
expect_eq "$(grep -c "\"scenario\": \"host_not_mixed\"" "$LOG")" 0 "requests to the workspace"
verdict "config: DATABRICKS_HOST is never combined with another workspace's credentials from [DEFAULT]"
rm -f "$T/home/.databrickscfg"

cat >"$T/settings.cfg" <<CFG
[__settings__]
default_profile = lakets-prod

[DEFAULT]
host = https://127.0.0.1:9
client_id = wrong

[lakets-prod]
host = "$MOCK"
client_id = '$SP'
client_secret = "$SECRET"   # quoted, as the Go SDK reads it
CFG
chmod 600 "$T/settings.cfg"
scenario settings_quotes
hx settings_quotes "${NOCRED[@]}" DATABRICKS_CONFIG_FILE="$T/settings.cfg" -- -v sql 'SELECT current_user'
expect_rc 0
expect_out "^ $SP\$"
expect_err 'using profile "lakets-prod"'
expect_eq "$(count POST /oidc/v1/token)" 1 "token requests"
verdict "config: [__settings__] default_profile picks the profile; quoted values lose their quotes"

hx settings_named "${NOCRED[@]}" DATABRICKS_CONFIG_FILE="$T/settings.cfg" -- --profile __settings__ check
expect_rc 2
expect_err '"__settings__" is the settings section of the configuration file, not a profile'
verdict "config: --profile __settings__ is refused"

scenario host_forms
hx host_query "${DBX[@]}" DATABRICKS_HOST="$MOCK/?o=1234567890123456" -- -v sql 'SELECT 1'
expect_rc 0
expect_err 'ignoring "\?o=1234567890123456"'
verdict "config: a workspace URL with ?o=<workspace id> (as Azure shows it) is accepted"
hx host_fragment "${DBX[@]}" DATABRICKS_HOST="$MOCK/#" -- sql 'SELECT 1'
expect_rc 0
verdict "config: a workspace URL ending in /# is accepted"
before_path=$(grep -c '"scenario": "host_forms"' "$LOG")
hx host_path "${DBX[@]}" DATABRICKS_HOST="$MOCK/login.html" -- sql 'SELECT 1'
expect_rc 2
expect_err 'must not have a path: ".*/login\.html"'
expect_err "hint: use $MOCK\$"
expect_eq "$(grep -c '"scenario": "host_forms"' "$LOG")" "$before_path" "requests made"
verdict "config: a workspace URL with a path is refused before any request"
hx host_account "${DBX[@]}" DATABRICKS_HOST=https://accounts.cloud.databricks.com -- sql 'SELECT 1'
expect_rc 2
expect_err '"accounts\.cloud\.databricks\.com" is the Databricks account console, not a workspace'
expect_err 'hint: Lakebase is reached through a workspace'
verdict "config: an account console host is refused with a hint"

scenario redirect '"faults": [{"method": "POST", "path": "/oidc/v1/token", "status": 302, "headers": {"Location": "https://127.0.0.1/login.html?next=/oidc/v1/token"}}]'
hx redirect "${DBX[@]}" -- sql 'SELECT 1'
expect_rc 2
expect_err 'error: could not get an OAuth token: the server answered with a redirect \(HTTP 302\) to https://127\.0\.0\.1/login\.html'
expect_err 'hint: set DATABRICKS_HOST to the workspace URL'
expect_no_err 'HTTP 302$'
verdict "errors: a redirect is named as such, with where it points"

hx appname_plain "${PLAIN[@]}" PGAPPNAME=nightly-lakets -- sql "SELECT current_setting('application_name')"
expect_rc 0
expect_out "^ nightly-lakets *$"
verdict "postgres: PGAPPNAME is honoured (plain)"
scenario appname
hx appname_lakebase "${DBX[@]}" PGAPPNAME=lakets-cron -- sql "SELECT current_setting('application_name')"
expect_rc 0
expect_out "^ lakets-cron *$"
hx appname_default "${DBX[@]}" -- sql "SELECT current_setting('application_name')"
expect_out "^ lakets-helper *$"
verdict "postgres: PGAPPNAME is honoured (Lakebase); lakets-helper is the fallback"

# ---- tokens over time -----------------------------------------------------------
scenario jwt_expired '"faults": [{"method": "POST", "path": "/api/2.0/postgres/credentials", "status": 403, "times": 1, "json": {"error_code": "403", "message": "JWT has expired"}}]'
hx jwt_expired "${DBX[@]}" -- -v --every 1s --count 2 sql 'SELECT 1'
expect_rc 0
expect_err 'refused the cached OAuth token \(HTTP 403\); getting a new one'
expect_no_err 'stopping repetition|CAN USE'
expect_eq "$(count POST /oidc/v1/token)" 2 "token requests"
expect_eq "$(count POST /api/2.0/postgres/credentials)" 3 "credential requests (one refused, then one per run)"
verdict "tokens: a 403 \"JWT has expired\" gets a new OAuth token and a retry, and --every goes on"

scenario pat_refused '"faults": [{"method": "GET", "path": "/api/2.0/preview/scim/v2/Me", "status": 403, "json": {"error_code": "403", "message": "Invalid access token."}}]'
hx pat_refused "${BASE[@]}" DATABRICKS_HOST="$MOCK" DATABRICKS_TOKEN="$PAT" LAKETS_CA_BUNDLE="$T/ca.crt" \
	LAKETS_PROJECT=lakets-proj -- sql 'SELECT 1'
expect_rc 3
expect_err 'detail: 403: Invalid access token\.'
expect_err 'hint: check DATABRICKS_TOKEN: it may be expired or revoked'
expect_no_err 'LAKETS_PG_ROLE|lacks a permission'
expect_eq "$(count GET /api/2.0/preview/scim/v2/Me)" 1 "SCIM Me requests (a PAT cannot be renewed)"
verdict "tokens: a PAT refused with 403 \"Invalid access token\" gets the PAT hint, not a permission hint"

# a machine suspended for two hours: the one-hour OAuth token expired meanwhile
${CC:-cc} -shared -fPIC -O1 -o "$T/fake_suspend.so" test/helper/fake_suspend.c -ldl 2>"$OUT/fake_suspend.cc" ||
	die "fake_suspend.c: $(tail -n 3 "$OUT/fake_suspend.cc")"
echo 0 >"$T/suspend"
scenario suspend
hx_bg suspend "${DBX[@]}" LD_PRELOAD="$T/fake_suspend.so" FAKE_SUSPEND_FILE="$T/suspend" -- \
	-v --every 2s --count 2 sql 'SELECT 1'
for _ in $(seq 1 100); do
	[ "$(count POST /api/2.0/postgres/credentials)" -ge 1 ] && break
	sleep 0.05
done
echo 7200 >"$T/suspend"
wait "$hpid"
RC=$?
expect_rc 0
expect_err 'the OAuth token is about to expire; getting a new one'
expect_eq "$(count POST /oidc/v1/token)" 2 "token requests (a new one after the suspend)"
verdict "tokens: token expiry counts time suspended (CLOCK_BOOTTIME, not CLOCK_MONOTONIC)"

# ---- endpoint and instance states ------------------------------------------------
EP=projects/lakets-proj/branches/production/endpoints/primary
ON_EP=("${DBX[@]}" LAKETS_PROJECT= LAKETS_LAKEBASE_ENDPOINT=$EP)
ON_INST=("${DBX[@]}" LAKETS_PROJECT= LAKETS_INSTANCE=lakets-inst)
scenario endpoint_init '"endpoint_states": [{"current_state": "INIT", "hosts": null}, {"current_state": "INIT", "hosts": null}, {}]'
hx endpoint_init "${ON_EP[@]}" -- sql 'SELECT 1'
expect_rc 0
expect_err "warning: Lakebase endpoint \"$EP\" is INIT; waiting up to 600s for it"
expect_eq "$(count GET /api/2.0/postgres/$EP)" 3 "endpoint reads"
expect_eq "$(count POST /api/2.0/postgres/credentials)" 1 "credential requests"
verdict "states: an endpoint in INIT without hosts is waited for"

scenario endpoint_disabled '"endpoint_states": [{"disabled": true}]'
hx endpoint_disabled "${ON_EP[@]}" -- --retries 4 sql 'SELECT 1'
expect_rc 4
expect_err "error: Lakebase endpoint \"$EP\" is disabled"
expect_err 'hint: enable the endpoint'
expect_eq "$(count POST /api/2.0/postgres/credentials)" 0 "credential requests"
verdict "states: a disabled endpoint is reported at once; no credential is minted"

scenario endpoint_idle '"endpoint_states": [{"current_state": "IDLE"}]'
hx endpoint_idle "${ON_EP[@]}" -- -v sql 'SELECT 1'
expect_rc 0
expect_err "info: endpoint \"$EP\" is idle \\(scaled to zero\\); waking it by connecting"
verdict "states: an IDLE endpoint is woken by connecting (and says so)"

scenario instance_stopped '"instance_states": [{"state": "STOPPED", "stopped": true}]'
hx instance_stopped "${ON_INST[@]}" -- --retries 4 run partitions
expect_rc 4
expect_err 'error: Lakebase database instance "lakets-inst" is stopped'
expect_err 'hint: start the instance'
expect_eq "$(count GET /api/2.0/database/instances/lakets-inst)" 1 "instance reads"
expect_eq "$(count POST /api/2.0/database/credentials)" 0 "credential requests"
verdict "states: a STOPPED instance is reported at once; no credential is minted"

scenario instance_starting '"instance_states": [{"state": "STARTING"}, {"state": "STARTING"}, {}]'
hx instance_starting "${ON_INST[@]}" -- sql 'SELECT 1'
expect_rc 0
expect_err 'warning: Lakebase database instance "lakets-inst" is STARTING; waiting up to 600s for it'
expect_eq "$(count GET /api/2.0/database/instances/lakets-inst)" 3 "instance reads"
expect_eq "$(count POST /api/2.0/database/credentials)" 1 "credential requests"
verdict "states: a STARTING instance is waited for"

scenario instance_start_timeout '"instance_states": [{"state": "STARTING"}]'
hx instance_start_timeout "${ON_INST[@]}" -- --start-timeout 1s sql 'SELECT 1'
expect_rc 4
expect_err 'error: Lakebase database instance "lakets-inst" is still STARTING after [0-9]+s'
expect_err 'hint: raise --start-timeout'
expect_eq "$(count POST /api/2.0/database/credentials)" 0 "credential requests"
expect_true "lt $ELAPSED 4" "took ${ELAPSED}s, expected --start-timeout 1s to hold"
verdict "states: the wait for a starting instance is bounded by --start-timeout"

# ---- secretless and platform-native authentication -------------------------------
printf '%s' "$JWT" >"$T/k8s-token"	# as a Kubernetes projected service account token
FED=("${BASE[@]}" DATABRICKS_HOST="$MOCK" LAKETS_CA_BUNDLE="$T/ca.crt" LAKETS_PROJECT=lakets-proj
	LAKETS_DBNAME="$DB" PGPORT="$PGPORT" LAKETS_RETRY_DELAY=100ms)
# exchanges CLIENT_ID: token exchanges of the current scenario with that client_id (or null)
exchanges() { grep -F "\"scenario\": \"$SCEN\"" "$LOG" | grep -F '"auth": "exchange"' | grep -F '"status": 200' | grep -cF "\"client_id\": $1" || true; }

scenario file_oidc '"federation": "sp"'
hx file_oidc "${FED[@]}" DATABRICKS_CLIENT_ID="$SP" DATABRICKS_OIDC_TOKEN_FILEPATH="$T/k8s-token" -- -v run partitions
expect_rc 0
expect_err 'token federation, identity token from ".*k8s-token" \(file-oidc\), service principal'
expect_eq "$(exchanges "\"$SP\"")" 1 "token exchanges for the service principal"
expect_eq "$(count POST /oidc/v1/token)" 1 "token requests"
verdict "federation: file-oidc (a projected service account token) exchanged under a service principal's policy"

scenario env_oidc '"federation": "account"'
hx env_oidc "${FED[@]}" DATABRICKS_OIDC_TOKEN="$JWT" -- sql 'SELECT current_user'
expect_rc 0
expect_out "^ $SP\$"
expect_eq "$(exchanges null)" 1 "token exchanges without client_id"
verdict "federation: env-oidc (DATABRICKS_OIDC_TOKEN) under the account-wide policy"

scenario env_oidc_named '"federation": "sp"'
hx env_oidc_named "${FED[@]}" DATABRICKS_AUTH_TYPE=env-oidc DATABRICKS_CLIENT_ID="$SP" \
	DATABRICKS_OIDC_TOKEN_ENV=CI_ID_TOKEN CI_ID_TOKEN="$JWT" -- check
expect_rc 0
expect_out '^auth: +env-oidc$'
expect_eq "$(exchanges "\"$SP\"")" 1 "token exchanges"
verdict "federation: env-oidc with the token in the variable DATABRICKS_OIDC_TOKEN_ENV names"

printf 'eyJhbGciOiJSUzI1NiJ9.bm90LWEtZmVkZXJhdGVkLWlkZW50aXR5.c2ln\n' >"$T/other-token"
scenario federation_refused '"federation": "sp"'
hx federation_refused "${FED[@]}" DATABRICKS_CLIENT_ID="$SP" DATABRICKS_OIDC_TOKEN_FILEPATH="$T/other-token" -- sql 'SELECT 1'
expect_rc 3
expect_err '^lakets-helper: error: could not exchange the identity token for a Databricks token: HTTP 401$'
expect_err 'detail: invalid_grant: '
expect_err "hint: check the federation policy of service principal $SP"
verdict "federation: a token no policy accepts -> exit 3 with a hint on the policy"

hx federation_no_file "${FED[@]}" DATABRICKS_OIDC_TOKEN_FILEPATH="$T/no-such-token" -- sql 'SELECT 1'
expect_rc 2
expect_err 'could not read the identity token file ".*no-such-token"'
verdict "federation: a missing token file is a configuration error"

AZ=("${BASE[@]}" DATABRICKS_HOST="$MOCK" LAKETS_CA_BUNDLE="$T/ca.crt" LAKETS_PROJECT=lakets-proj
	LAKETS_DBNAME="$DB" PGPORT="$PGPORT" DATABRICKS_AUTH_TYPE=azure-client-secret ARM_CLIENT_ID="$SP"
	ARM_TENANT_ID="$TENANT" LAKETS_AZURE_AUTHORITY="$ENTRA")
scenario azure
hx azure "${AZ[@]}" ARM_CLIENT_SECRET="$AZSECRET" -- run partitions
expect_rc 0
expect_eq "$(count POST /$TENANT/oauth2/token)" 1 "Entra ID token requests"
expect_eq "$(count POST /oidc/v1/token)" 0 "Databricks token requests"
expect_eq "$(grep -F '"scenario": "azure"' "$LOG" | grep -cF '"auth": "aad"')" 6 "API calls with the Entra ID token"
verdict "azure: azure-client-secret gets a Microsoft Entra ID token for Azure Databricks"

scenario azure_wrong
hx azure_wrong "${AZ[@]}" ARM_CLIENT_SECRET=azs~wrong -- run partitions
expect_rc 3
expect_err '^lakets-helper: error: could not get a Microsoft Entra ID token: HTTP 401$'
expect_err 'detail: invalid_client: AADSTS7000215'
expect_err 'hint: check ARM_CLIENT_ID, ARM_CLIENT_SECRET'
verdict "azure: a wrong client secret -> exit 3 with the Entra ID message"

hx azure_incomplete "${AZ[@]}" -- run partitions
expect_rc 2
expect_err 'auth_type "azure-client-secret" needs ARM_CLIENT_SECRET'
verdict "azure: a missing ARM_CLIENT_SECRET is named"

hx azure_not_azure "${AZ[@]}" DATABRICKS_AUTH_TYPE= ARM_CLIENT_SECRET="$AZSECRET" DATABRICKS_CLI_PATH=/nonexistent -- check
expect_rc 2
expect_err 'no Databricks credentials configured'
verdict "azure: Entra ID credentials count for Azure workspace hosts only (as in the SDKs)"

# a stand-in for the Databricks CLI: what "databricks auth token" prints
mkdir -p "$T/bin"
cat >"$T/bin/databricks" <<SH
#!/bin/sh
echo "\$*" >"$T/cli.args"
case "\$(cat "$T/cli.mode" 2>/dev/null)" in
logged-out) echo 'Error: cannot get access token: refresh token is invalid' >&2; exit 1 ;;
hang) exec sleep 30 ;;
esac
printf '{\n  "access_token": "%s",\n  "token_type": "Bearer",\n  "expiry": "%s"\n}\n' "$CLITOKEN" "\$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%S.123456789Z)"
SH
chmod 755 "$T/bin/databricks"
# the profile "databricks auth login" writes
printf '[DEFAULT]\nhost = %s\nauth_type = databricks-cli\n' "$MOCK" >"$T/home/.databrickscfg"
chmod 600 "$T/home/.databrickscfg"
CLI=("${BASE[@]}" PATH="$T/bin:$PATH" LAKETS_CA_BUNDLE="$T/ca.crt" LAKETS_PROJECT=lakets-proj
	LAKETS_DBNAME="$DB" PGPORT="$PGPORT")
: >"$T/cli.mode"
scenario cli '"password_role": "lakets-user@example.com"'
hx cli "${CLI[@]}" -- check
expect_rc 0
expect_out '^auth: +databricks-cli$'
expect_out "^role: +$PAT_USER\$"
expect_eq "$(cat "$T/cli.args")" "auth token --host $MOCK" "arguments given to databricks"
expect_eq "$(grep -F '"scenario": "cli"' "$LOG" | grep -cF '"auth": "cli"')" 6 "API calls with the CLI's token"
verdict "databricks-cli: check on one's own machine, with the login the Databricks CLI holds"

scenario cli_token '"password_role": "lakets-user@example.com"'
hx cli_token "${CLI[@]}" -- --json token
expect_rc 0
expect_true "$PY -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o[\"token\"].startswith(\"pgcred-\") and o[\"user\"]==sys.argv[2]' '$OUT/cli_token.out' '$PAT_USER'" \
	"--json token is not a credential for the person logged in"
verdict "databricks-cli: token prints a credential for the person logged in"

echo logged-out >"$T/cli.mode"
hx cli_logged_out "${CLI[@]}" -- check
expect_rc 3
expect_err '"databricks auth token" failed \(exit status 1\)'
expect_err 'detail: Error: cannot get access token'
expect_err "hint: log in first: databricks auth login --host $MOCK"
verdict "databricks-cli: not logged in -> exit 3 with the CLI's message and a hint"

echo hang >"$T/cli.mode"
hx cli_hang "${CLI[@]}" -- --http-timeout 1s check
expect_rc 4
expect_err 'gave no answer within 1s'
expect_true "lt $ELAPSED 4" "took ${ELAPSED}s, expected the 1 s timeout to hold"
verdict "databricks-cli: a CLI that hangs is stopped after --http-timeout"
rm -f "$T/home/.databrickscfg" "$T/cli.mode"

# ---- Autoscaling branches ------------------------------------------------------------
scenario branch
hx branch "${DBX[@]}" -- --branch dev sql 'SELECT 1'
expect_rc 0
expect_eq "$(count GET /api/2.0/postgres/projects/lakets-proj/branches)" 0 "branch lists"
expect_eq "$(count GET /api/2.0/postgres/projects/lakets-proj/branches/dev/endpoints)" 1 "endpoint lists of dev"
expect_eq "$(count GET /api/2.0/postgres/projects/lakets-proj/branches/dev/endpoints/dev-primary)" 1 "reads of dev's endpoint"
verdict "autoscaling: --branch picks a non-default branch's read-write endpoint"

scenario branch_unknown
hx branch_unknown "${DBX[@]}" LAKETS_BRANCH=nope -- sql 'SELECT 1'
expect_rc 2
expect_err 'HTTP 404'
expect_err 'hint: check --branch / LAKETS_BRANCH'
verdict "autoscaling: an unknown LAKETS_BRANCH is a configuration error with a hint"

hx branch_no_project "${ON_INST[@]}" -- --branch dev check
expect_rc 2
expect_err 'needs a project'
verdict "autoscaling: --branch without a project is refused"

# ---- stopping ----------------------------------------------------------------------
running_sleeps() {
	psql -X -At -d "$DB" -c "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'"
}
hx_bg sigterm_statement "${PLAIN[@]}" -- sql 'SELECT pg_sleep(30)'
for _ in $(seq 1 100); do
	[ "$(running_sleeps)" = 1 ] && break
	sleep 0.1
done
term_bg
expect_rc 6
expect_err '^lakets-helper: error: the statement: cancelled on request \(SIGTERM\)$'
expect_no_err 'statement_timeout|statement timeout'
expect_true "lt $ELAPSED 2" "took ${ELAPSED}s to stop"
expect_eq "$(running_sleeps)" 0 "statements still running"
verdict "signals: SIGTERM during a statement -> cancelled on request, exit 6, not a statement timeout"

# a server that accepts connections and never answers
bh_port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
$PY - "$bh_port" <<'PY' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
held = []
while True:
    held.append(s.accept()[0])
PY
pids+=($!)
for _ in $(seq 1 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$bh_port") 2>/dev/null && break
	sleep 0.05
done
SILENT=("${PLAIN[@]}" PGHOST=127.0.0.1 PGPORT="$bh_port")
hx_bg sigterm_connect "${SILENT[@]}" -- --connect-timeout 30s sql 'SELECT 1'
sleep 1
term_bg
expect_rc 6
expect_err 'error: connecting to PostgreSQL: cancelled on request \(SIGTERM\)'
expect_true "lt $ELAPSED 1.5" "took ${ELAPSED}s to stop"
verdict "signals: SIGTERM while connecting stops at once, not after --connect-timeout"

hx connect_timeout "${SILENT[@]}" -- --connect-timeout 1s --retries 1 --retry-delay 100ms sql 'SELECT 1'
expect_rc 4
expect_err 'warning: could not connect to PostgreSQL: timeout expired after 1s; retrying'
expect_true "lt $ELAPSED 4" "took ${ELAPSED}s, expected two 1 s attempts"
verdict "postgres: --connect-timeout bounds an attempt at a server that never answers, and it is retried"

# ---- connection failures, classified by SQLSTATE, not by their text ------------------
hx no_such_db "${PLAIN[@]}" PGDATABASE=no_such_db -- sql 'SELECT 1'
expect_rc 2
expect_err 'database "no_such_db" does not exist'
expect_no_err 'retrying'
verdict "postgres: a database that does not exist (3D000) is a configuration error, not retried"

TCP=("${BASE[@]}" PGHOST=127.0.0.1 PGPORT="$PGPORT" PGUSER=helper_plain PGDATABASE="$DB")
hx needs_password "${TCP[@]}" -- sql 'SELECT 1'
expect_rc 3
expect_err 'hint: the server asks for a password: set PGPASSWORD or use a ~/.pgpass file'
expect_no_err 'retrying'
verdict "postgres: no password for a server that wants one -> exit 3 (PQconnectionNeedsPassword)"

hx verify_no_root "${TCP[@]}" PGPASSWORD=plain-password-1 -- --sslmode verify-full sql 'SELECT 1'
expect_rc 4
expect_err 'hint: sslmode verify-full verifies the server against a root certificate, and there is none: set PGSSLROOTCERT'
expect_no_err 'retrying'
verdict "tls: --sslmode verify-full without a root certificate gets a hint, and no retries"

hx verify_wrong_ca "${TCP[@]}" PGPASSWORD=plain-password-1 PGSSLROOTCERT="$T/ca.crt" -- -v --sslmode verify-full sql 'SELECT 1'
expect_rc 4
expect_err 'hint: the TLS handshake failed'
expect_eq "$(grep -c 'info: connecting to' "$OUT/verify_wrong_ca.err")" 1 "connection attempts"
verdict "tls: a server certificate the root certificate does not sign -> exit 4, not retried"

hx verify_full "${TCP[@]}" PGPASSWORD=plain-password-1 PGSSLROOTCERT="$LAKETS_PGDATA/server.crt" -- --sslmode verify-full sql 'SELECT 1'
expect_rc 0
verdict "tls: --sslmode verify-full with the right root certificate connects"

scenario lakebase_verify_full
hx lakebase_verify_full "${DBX[@]}" -- --sslmode verify-full sql 'SELECT 1'
expect_rc 4
expect_err 'hint: sslmode verify-full verifies the server against a root certificate, and there is none'
verdict "tls: Lakebase with --sslmode verify-full and no root certificate gets the same hint"

scenario retry_after_date '"faults": [{"method": "POST", "path": "/oidc/v1/token", "status": 503, "retry_after_date": 3, "times": 1}]'
hx retry_after_date "${DBX[@]}" -- sql 'SELECT 1'
expect_rc 0
expect_err 'warning: POST /oidc/v1/token: HTTP 503; retrying in [23]\.0s'
gap=$(grep '"scenario": "retry_after_date"' "$LOG" | grep '"path": "/oidc/v1/token"' |
	$PY -c 'import json,sys; t=[json.loads(l)["t"] for l in sys.stdin]; print("%.2f" % (t[1]-t[0]))')
expect_true "! lt $gap 1.9" "second token request ${gap}s after the first, expected >= 2s"
verdict "errors: Retry-After as an HTTP-date is honoured (parsed by libcurl)"

# ---- failures Databricks reports ----------------------------------------------
scenario wrong_secret
hx wrong_secret "${DBX[@]}" DATABRICKS_CLIENT_SECRET=dose-wrong-secret-0000 -- run partitions
expect_rc 3
expect_err '^lakets-helper: error: could not get an OAuth token: HTTP 401$'
expect_err '^lakets-helper: detail: invalid_client: Client authentication failed'
expect_err '^lakets-helper: hint: check DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET'
expect_eq "$(count POST /oidc/v1/token)" 1 "token requests (no retry)"
verdict "errors: wrong client secret -> 401, no retry, exit 3"

scenario forbidden '"faults": [{"method": "POST", "path": "/api/2.0/postgres/credentials", "status": 403, "json": {"error_code": "PERMISSION_DENIED", "message": "User does not have CAN USE on project lakets-proj"}}]'
hx forbidden "${DBX[@]}" -- run partitions
expect_rc 3
expect_err 'HTTP 403'
expect_err 'detail: PERMISSION_DENIED: User does not have CAN USE'
expect_err '^lakets-helper: hint: grant the identity'
expect_eq "$(count POST /api/2.0/postgres/credentials)" 1 "credential requests (no retry)"
expect_eq "$(count POST /oidc/v1/token)" 1 "token requests (a missing permission is not a refused token)"
verdict "errors: 403 on the credential -> no retry, permission hint, exit 3"

scenario rate_limited '"faults": [{"method": "POST", "path": "/oidc/v1/token", "status": 429, "retry_after": 2, "times": 1}]'
hx rate_limited "${DBX[@]}" -- run partitions
expect_rc 0
expect_eq "$(count POST /oidc/v1/token)" 2 "token requests"
gap=$(grep '"scenario": "rate_limited"' "$LOG" | grep '"path": "/oidc/v1/token"' |
	$PY -c 'import json,sys; t=[json.loads(l)["t"] for l in sys.stdin]; print("%.2f" % (t[1]-t[0]))')
expect_true "! lt $gap 1.9" "second token request ${gap}s after the first, expected >= 2s (Retry-After)"
expect_err 'warning: POST /oidc/v1/token: HTTP 429; retrying in 2\.0s'
verdict "errors: 429 with Retry-After: 2 is retried after 2 s"

scenario server_error '"faults": [{"method": "POST", "path": "/api/2.0/postgres/credentials", "status": 500, "times": 1}]'
hx server_error "${DBX[@]}" -- run partitions
expect_rc 0
expect_eq "$(count POST /api/2.0/postgres/credentials)" 2 "credential requests"
verdict "errors: 500 then success is retried"

scenario server_down '"faults": [{"method": "GET", "path": "/api/2.0/preview/scim/v2/Me", "status": 503}]'
hx server_down "${DBX[@]}" -- --retries 2 run partitions
expect_rc 4
expect_eq "$(count GET /api/2.0/preview/scim/v2/Me)" 3 "SCIM Me requests (1 + 2 retries)"
expect_err 'HTTP 503'
verdict "errors: persistent 503 gives up after --retries, exit 4"

scenario malformed '"faults": [{"method": "GET", "path": "/api/2.0/postgres/projects/lakets-proj/branches/production/endpoints", "raw": "{\"endpoints\": [{\"name\": "}]'
hx malformed "${DBX[@]}" -- run partitions
expect_rc 4
expect_err 'malformed response'
expect_eq "$(count GET /api/2.0/postgres/projects/lakets-proj/branches/production/endpoints)" 1 "endpoint lists (no retry)"
verdict "errors: malformed JSON -> exit 4, no retry"

scenario wrong_shape '"faults": [{"method": "GET", "path": "/api/2.0/postgres/projects/lakets-proj/branches/production/endpoints/primary", "raw": "{\"status\": {\"hosts\": {\"host\": \"evil.example.com,127.0.0.1\"}}}"}]'
hx wrong_shape "${DBX[@]}" -- run partitions
expect_rc 4
expect_err 'malformed response'
verdict "errors: a host that is not a host name is refused"

scenario oversized '"faults": [{"method": "POST", "path": "/api/2.0/postgres/credentials", "size": 2000000}]'
hx oversized "${DBX[@]}" -- run partitions
expect_rc 4
expect_err 'response too large'
verdict "errors: oversized JSON (2 MB) refused, exit 4"

scenario slow '"faults": [{"method": "GET", "path": "/api/2.0/preview/scim/v2/Me", "delay": 6}]'
hx slow "${DBX[@]}" -- --http-timeout 1s --deadline 3s run partitions
expect_rc 4
expect_err 'timed out|deadline'
expect_true "lt $ELAPSED 4.5" "took ${ELAPSED}s, expected the 3 s deadline to hold"
verdict "errors: a slow server hits the timeout and the deadline holds"

mock_start "$T/state2" "$T/untrusted.crt" "$T/untrusted.key" "$T/port2" || die "second mock did not start"
scenario untrusted
hx untrusted "${DBX[@]}" DATABRICKS_HOST="https://127.0.0.1:$(cat "$T/port2")" -- run partitions
expect_rc 4
expect_err 'certificate'
expect_err 'hint: .*--cacert'
expect_true "[ ! -s '$T/state2/requests.jsonl' ]" "the untrusted server received a request"
verdict "tls: an untrusted server certificate is refused"

hx no_cacert "${DBX[@]}" LAKETS_CA_BUNDLE= -- run partitions
expect_rc 4
expect_err 'certificate'
verdict "tls: without the private CA the mock is refused too (verification always on)"

# ---- Postgres side ------------------------------------------------------------
scenario login_refused '"rotate_password": false'
hx login_refused "${DBX[@]}" -- run partitions
expect_rc 3
expect_err 'password authentication failed'
expect_eq "$(count POST /api/2.0/postgres/credentials)" 1 "credential requests (no retry)"
verdict "postgres: a refused login is an authentication error, not retried"

late_port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
$PY test/helper/late_proxy.py --port "$late_port" --target "$PGPORT" --delay 2 --ready-file "$T/late.ready" &
pids+=($!)
scenario down_then_up
hx down_then_up "${DBX[@]}" PGPORT="$late_port" -- --retries 10 --retry-delay 200ms run partitions
expect_rc 0
expect_err 'warning: could not connect to PostgreSQL: .*retrying in'
expect_true "[ -f '$T/late.ready' ]" "the late proxy never started"
expect_true "[ $(count POST /api/2.0/postgres/credentials) -ge 2 ]" "expected a fresh credential per connection attempt"
verdict "postgres: down then up -> retried with backoff until it answers"

hx pg_down "${DBX[@]}" PGPORT=1 -- --retries 1 --retry-delay 100ms run partitions
expect_rc 4
expect_err 'could not connect to PostgreSQL'
verdict "postgres: nothing listening -> exit 4 after retries"

# a run lakets records as succeeded, but with a WARNING: a row in a range
# whose chunk retention dropped stays in the default partition (while the
# policy no longer expires it: expired rows wait for retention silently)
as_sp -c "SELECT lakets.alter_retention_policy('metrics', '100 years')" \
	-c "INSERT INTO metrics VALUES ('2021-01-01 06:00+00', 6)" >/dev/null
hx warning_only "${PLAIN[@]}" -- run partitions
expect_rc 5
expect_err '^lakets-helper: warning: server: default partition of chronotable "public.metrics" keeps 1 rows'
expect_err '^lakets-helper: warning: partitions completed, but the server sent 1 warning$'
expect_out "$(summary partitions succeeded 0 0 0 0 0)"
verdict "jobs: a run recorded as succeeded but with a server WARNING -> partial success, exit 5"
hx warning_partial_ok "${PLAIN[@]}" -- --partial-ok run partitions
expect_rc 0
expect_err '^lakets-helper: warning: partitions completed, but the server sent 1 warning$'
verdict "jobs: --partial-ok makes that partial success exit 0 (the warning is still printed)"
as_sp -c "DELETE FROM metrics WHERE ts = '2021-01-01 06:00+00'" \
	-c "SELECT lakets.alter_retention_policy('metrics', '1 year')" >/dev/null
as_sp -c "DELETE FROM metrics WHERE ts < '2022-01-01'"

# hold_lock TABLE: a session (application_name helper_test_locker) holds
# ACCESS EXCLUSIVE on TABLE for 30 s; returns once the lock is granted, with
# the session's psql in $lockpid
hold_lock() {
	PGAPPNAME=helper_test_locker psql -X -q -d "$DB" \
		-c "BEGIN; LOCK TABLE $1 IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(30); COMMIT" >/dev/null 2>&1 &
	lockpid=$!
	for _ in $(seq 1 100); do
		[ "$(psql -X -At -d "$DB" -c "SELECT count(*) FROM pg_locks WHERE relation = '$1'::regclass AND mode = 'AccessExclusiveLock' AND granted")" = 1 ] && break
		sleep 0.1
	done
}

# lakets skips a table it cannot lock, with a WARNING: a partial success
widen_window 9
hold_lock public.metrics
scenario partial
hx partial "${DBX[@]}" -- run partitions
expect_rc 5
expect_err '^lakets-helper: warning: server: could not ensure chunks of chronotable "public.metrics"'
expect_err '^lakets-helper: warning: partitions completed, but reported skipped or failed steps$'
expect_err '^lakets-helper: detail: First error: '
expect_out '^lakets partitions: public\.metrics error .+'
expect_out "$(summary partitions partial 0 0 0 0 1)"
expect_eq "$(last_history)" "partitions|partial|$SP" "job_history row"
verdict "jobs: a table lakets had to skip (lock held elsewhere) -> partial success, exit 5"

# stop_lockers: end the sessions started with application_name helper_test_locker
stop_lockers() {
	psql -X -q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'helper_test_locker'" >/dev/null
	wait "$@" 2>/dev/null
}
# the table is still locked: maintenance reports its partitions step failed
scenario partial_maintenance
hx partial_maintenance "${DBX[@]}" -- --json run maintenance
expect_rc 5
expect_out '^\{"step":"partitions","object":"public.metrics","action":"(error|skipped[a-z_]*)","detail":'
expect_out '^\{"id":[0-9]+,"job":"maintenance",.*"status":"partial",.*"errors":1,"error_text":"[^"]+"'
verdict "jobs: run maintenance reporting a step it could not do -> partial success, exit 5"
stop_lockers "$lockpid"

# a run of the same role in an open transaction keeps others out (the
# procedure called in a transaction block takes the same lock as a whole
# transaction): ours is recorded as skipped, with a NOTICE and no WARNING
PGAPPNAME=helper_test_locker psql -X -q -d "$DB" -c "SET ROLE \"$SP\"" \
	-c "BEGIN; CALL lakets.maintain('rollups'); SELECT pg_sleep(30); COMMIT" >/dev/null 2>&1 &
lockpid=$!
for _ in $(seq 1 100); do
	[ "$(psql -X -At -d "$DB" -c "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'object' AND l.classid = 'lakets.job_history'::regclass AND a.application_name = 'helper_test_locker'")" != 0 ] && break
	sleep 0.1
done
scenario maintenance_skipped
hx maintenance_skipped "${DBX[@]}" -- run maintenance
expect_rc 5
expect_out '^lakets maintenance: skipped another lakets maintenance run is in progress$'
expect_out "$(summary maintenance skipped 0 0 0 1 0)"
expect_no_err 'warning: server:'
expect_err '^lakets-helper: warning: maintenance was skipped: another lakets maintenance run was in progress$'
expect_eq "$(last_history)" "maintenance|skipped|$SP" "job_history row"
verdict "jobs: run maintenance skipped (another run in progress) -> partial success, exit 5"

scenario retention_skipped_json
hx retention_skipped_json "${DBX[@]}" -- --json run retention
expect_rc 5
expect_true "$PY - '$OUT/retention_skipped_json.out' <<'PYCHECK' 2>>'$OUT/retention_skipped_json.err'
import json, sys
action, summary = [json.loads(l) for l in open(sys.argv[1])]
assert action == dict(step='retention', object=None, action='skipped',
                      detail='another lakets maintenance run is in progress'), action
assert summary['job'] == 'retention' and summary['status'] == 'skipped' and summary['skipped'] == 1, summary
PYCHECK" "--json output is not the skipped action and a skipped job_history row"
verdict "jobs: run retention --json while another run holds the lock -> skipped, exit 5"
stop_lockers "$lockpid"

hx plain "${PLAIN[@]}" -- run partitions
expect_rc 0
expect_out "$(summary partitions succeeded 1 0 0 0 0)"
verdict "plain: ordinary libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE)"

hx plain_conninfo "${BASE[@]}" PGPORT="$PGPORT" -- --conninfo "host=$PGHOST user=$PGUSER dbname=$DB" sql 'SELECT current_database()'
expect_rc 0
expect_out "^ $DB"
verdict "plain: a conninfo string"

hx plain_password "${BASE[@]}" PGHOST=127.0.0.1 PGPORT="$PGPORT" PGUSER=helper_plain PGPASSWORD=plain-password-1 PGDATABASE="$DB" PGSSLMODE=require -- sql 'SELECT current_user'
expect_rc 0
expect_out '^ helper_plain'
verdict "plain: PGPASSWORD over TLS with SCRAM"

hx job_error "${PLAIN[@]}" -- sql 'SELECT 1/0'
expect_rc 1
expect_err '^lakets-helper: error: division by zero$'
verdict "jobs: a failing statement exits 1 with the server's message"

hx no_extension "${PLAIN[@]}" PGDATABASE=postgres -- run partitions
expect_rc 1
expect_err '^lakets-helper: error: job "partitions" failed: the lakets extension is not installed in database "postgres"$'
expect_err '^lakets-helper: hint: run CREATE EXTENSION lakets'
expect_eq "$(wc -c <"$OUT/no_extension.out")" 0 "stdout bytes"
verdict "jobs: missing extension -> exit 1 with a hint"

# the procedure fails as a whole (here: lock_timeout on lakets' registry)
hold_lock lakets._chronotable_registry
runs_before=$(psql -X -At -d "$DB" -c "SELECT count(*) FROM lakets.job_history")
hx procedure_error "${PLAIN[@]}" -- --lock-timeout 300ms run partitions
expect_rc 1
expect_err '^lakets-helper: error: job "partitions" failed: canceling statement due to lock timeout$'
expect_err '^lakets-helper: hint: a lock was not granted within lock_timeout'
expect_eq "$(wc -c <"$OUT/procedure_error.out")" 0 "stdout bytes"
expect_eq "$(psql -X -At -d "$DB" -c "SELECT count(*) - $runs_before FROM lakets.job_history")" 0 "job_history rows added"
verdict "jobs: the procedure raising an ERROR -> job error, exit 1"
stop_lockers "$lockpid"

# a lakets without lakets.maintain(): the function, with a warning
OLD=helper_test_old
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $OLD" >/dev/null 2>&1
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $OLD" >>"$T/setup.log" 2>&1 &&
	psql -X -q -v ON_ERROR_STOP=1 -d "$OLD" >>"$T/setup.log" 2>&1 <<SQL || die "old lakets: $(tail -n 3 "$T/setup.log")"
CREATE EXTENSION lakets;
ALTER EXTENSION lakets DROP PROCEDURE lakets.maintain(text);
DROP PROCEDURE lakets.maintain(text);
CREATE TABLE public.m (ts timestamptz NOT NULL);
SELECT lakets.create_chronotable('m', 'ts', '1 day');
SELECT lakets.set_chunk_window('m', 1, 5);
SQL
hx old_lakets "${PLAIN[@]}" PGDATABASE="$OLD" -- run partitions
expect_rc 0
expect_err "^lakets-helper: warning: lakets [0-9.]+ in database \"$OLD\" has no procedure lakets\\.maintain\\(\\): running lakets\\.run_maintenance\\('partitions'\\) instead, in one transaction\$"
expect_err '^lakets-helper: hint: upgrade lakets \(ALTER EXTENSION lakets UPDATE\)'
expect_out '^lakets partitions: public\.m created 2 chunks created$'
expect_out "$(summary partitions succeeded 2 0 0 0 0)"
expect_eq "$(wc -l <"$OUT/old_lakets.out")" 2 "stdout lines (one action, the summary: the rows as the procedure reports them)"
verdict "jobs: lakets without lakets.maintain() -> run_maintenance() in one transaction, with a warning to upgrade"

psql -X -q -d "$OLD" -c "ALTER FUNCTION lakets.run_maintenance(text) RENAME TO run_maintenance_hidden" >/dev/null
hx older_lakets "${PLAIN[@]}" PGDATABASE="$OLD" -- run partitions
expect_rc 1
expect_err "^lakets-helper: error: job \"partitions\" failed: lakets [0-9.]+ in database \"$OLD\" is too old for lakets-helper\$"
expect_err '^lakets-helper: hint: upgrade lakets: ALTER EXTENSION lakets UPDATE$'
verdict "jobs: lakets with neither maintain() nor run_maintenance() -> exit 1 with a hint to upgrade"
psql -X -q -d "$OLD" -c "ALTER FUNCTION lakets.run_maintenance_hidden(text) RENAME TO run_maintenance" >/dev/null

hx check_partial "${PLAIN[@]}" PGDATABASE=postgres -- check
expect_rc 5
expect_err 'lakets extension is not installed'
verdict "jobs: check without the extension is a partial success (exit 5)"

hx stmt_deadline "${PLAIN[@]}" -- --deadline 2s sql 'SELECT pg_sleep(20)'
expect_rc 1
expect_err 'statement timeout'
expect_true "lt $ELAPSED 5" "took ${ELAPSED}s"
verdict "jobs: statement_timeout never outlives --deadline"

# ---- deploy examples (helper/deploy) ----------------------------------------------
# deploy_case NAME COMMAND...: run a check; its stdout and stderr are the case's
deploy_case() {
	local name=$1
	shift
	"$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
	RC=$?
	CASE=$name
}
D=helper/deploy
deploy_case deploy_docker $PY test/helper/check_deploy.py docker "$H" $D/Dockerfile
expect_rc 0
verdict "deploy: the image's runtime packages are exactly what ldd says the binary needs"

if $PY -c 'import yaml' 2>/dev/null; then
	deploy_case deploy_kubernetes $PY test/helper/check_deploy.py kubernetes $D/kubernetes/cronjob.yaml
	expect_rc 0
	verdict "deploy: the Kubernetes CronJob parses, uses workload identity (a projected token, no Secret) and --partial-ok"

	deploy_case deploy_databricks $PY test/helper/check_deploy.py databricks $D/databricks/databricks.yml
	expect_rc 0
	expect_true "$PY -m py_compile $D/databricks/run_helper.py 2>>'$OUT/deploy_databricks.err'" "run_helper.py does not compile"
	rm -rf $D/databricks/__pycache__
	verdict "deploy: the Databricks job parses, runs on serverless compute every 15 minutes, states the secret scope permission"
else
	skip "deploy: Kubernetes and Databricks YAML" "python3-yaml is not installed"
fi

deploy_case deploy_cron $PY test/helper/check_deploy.py cron $D/cron/lakets $D/cron/logrotate
expect_rc 0
if command -v logrotate >/dev/null; then
	# the service user exists only where the example is installed
	sed 's/^\(\s*su\) lakets lakets$/\1 root root/' $D/cron/logrotate >"$T/logrotate.conf"
	expect_true "logrotate -d -s '$T/logrotate.state' '$T/logrotate.conf' >>'$OUT/deploy_cron.out' 2>&1" "logrotate -d refuses the rotation config"
	verdict "deploy: the cron file's job lines are valid, its log is rotated, logrotate -d accepts the config"
else
	verdict "deploy: the cron file's job lines are valid and its log is rotated"
	skip "deploy: logrotate -d" "logrotate is not installed"
fi

if command -v systemd-analyze >/dev/null; then
	# systemd-analyze verify wants the program to exist: point ExecStart at this build
	mkdir -p "$T/systemd"
	sed "s|^ExecStart=/usr/local/bin/lakets-helper|ExecStart=$H|" $D/systemd/lakets-maintenance.service \
		>"$T/systemd/lakets-maintenance.service"
	cp $D/systemd/lakets-maintenance.timer "$T/systemd/"
	deploy_case deploy_systemd systemd-analyze verify --man=no "$T/systemd/lakets-maintenance.service" \
		"$T/systemd/lakets-maintenance.timer"
	expect_rc 0
	expect_eq "$(cat "$OUT/deploy_systemd.out" "$OUT/deploy_systemd.err")" "" "systemd-analyze verify output"
	expect_true "grep -q '^LoadCredential=' $D/systemd/lakets-maintenance.service" "the service loads no credential"
	expect_true "! grep -qE 'SECRET|TOKEN=' $D/systemd/lakets-maintenance.service" "a secret in the unit"
	verdict "deploy: systemd-analyze verify accepts the service (LoadCredential=) and the timer"
else
	skip "deploy: systemd units" "systemd-analyze is not installed"
fi

# ---- secrets ------------------------------------------------------------------
# The client secret, the PAT, the identity token, the Entra ID secret, the
# CLI's token and every OAuth token the mock issued must not appear in any
# output of any case (including -vv).  Postgres credentials appear only
# where "token" printed one on purpose.
leaks=()
for s in "$SECRET" "$PAT" "$JWT" "$AZSECRET" "$CLITOKEN" $(grep -oE '"issued": "(oauth|aad)-[^"]*"' "$LOG" | cut -d'"' -f4 | sort -u); do
	f=$(grep -rlF -- "$s" "$OUT" 2>/dev/null | head -n 3)
	[ -n "$f" ] && leaks+=("${s:0:8}... in $(echo "$f" | xargs -n1 basename | tr '\n' ' ')")
done
f=$(grep -rlE 'pgcred-' "$OUT" | grep -vE '/(m2m|cli)_token' | head -n 3)
[ -n "$f" ] && leaks+=("a Postgres credential in $(echo "$f" | xargs -n1 basename | tr '\n' ' ')")
CASE=secrets
if [ ${#leaks[@]} -eq 0 ]; then
	ok "secrets: no secret in any stdout/stderr of $(ls "$OUT" | wc -l) captured outputs"
else
	not_ok "secrets: no secret in any stdout/stderr" "${leaks[@]}"
fi

# json-c keeps parsed strings in a buffer of its own: is a token left there?
${CC:-cc} -O1 -g -Ihelper -I"$(pg_config --includedir)" -o "$T/wipe_check" test/helper/wipe_check.c \
	$(ls helper/*.c | grep -v '/main\.c$') -L"$(pg_config --libdir)" -lpq -lcurl -ljson-c 2>"$OUT/wipe_check.cc" ||
	die "wipe_check.c: $(tail -n 3 "$OUT/wipe_check.cc")"
"$T/wipe_check" >"$OUT/wipe_check.out" 2>"$OUT/wipe_check.err"
RC=$?
CASE=wipe_check
expect_rc 0
expect_out '^wipe_check: [1-9][0-9]* blocks checked, 0 held the secret$'
verdict "secrets: parsing a token answer leaves no copy of the token in freed memory (json-c's buffer included)"

# ---- memory -------------------------------------------------------------------
if command -v valgrind >/dev/null; then
	VG=(valgrind --leak-check=full --show-leak-kinds=definite,indirect
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --num-callers=30)
	vg_case() { # name expected-rc env... -- args
		local name=$1 want=$2
		shift 2
		local envs=()
		while [ "$1" != "--" ]; do envs+=("$1"); shift; done
		shift
		env -i "${envs[@]}" "${VG[@]}" "$H" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" </dev/null
		RC=$?
		CASE=$name
		expect_rc "$want"
		expect_err 'ERROR SUMMARY: 0 errors'
		expect_true "grep -qE 'definitely lost: 0 bytes|All heap blocks were freed' '$OUT/$name.err'" "leaks reported"
	}
	scenario valgrind
	widen_window 10
	vg_case valgrind_m2m 0 "${DBX[@]}" -- -v run partitions
	verdict "valgrind: full M2M run (token, SCIM, discovery, credential, TLS login, job) leaks nothing"
	scenario valgrind_every
	vg_case valgrind_every 0 "${DBX[@]}" LAKETS_PROJECT= LAKETS_INSTANCE=lakets-inst -- --every 1s --count 2 --json check
	verdict "valgrind: --every with a provisioned instance leaks nothing"
	scenario valgrind_401
	vg_case valgrind_401 3 "${DBX[@]}" DATABRICKS_CLIENT_SECRET=dose-wrong -- run partitions
	verdict "valgrind: the 401 error path leaks nothing"
	vg_case valgrind_plain 0 "${PLAIN[@]}" -- --json sql 'SELECT 1 AS one'
	verdict "valgrind: plain PostgreSQL run leaks nothing"
	scenario valgrind_federation '"federation": "sp", "instance_states": [{"state": "STARTING"}, {}]'
	vg_case valgrind_federation 0 "${FED[@]}" LAKETS_PROJECT= LAKETS_INSTANCE=lakets-inst \
		DATABRICKS_CLIENT_ID="$SP" DATABRICKS_OIDC_TOKEN_FILEPATH="$T/k8s-token" -- check
	verdict "valgrind: file-oidc token exchange and the wait for a STARTING instance leak nothing"
	scenario valgrind_cli '"password_role": "lakets-user@example.com"'
	vg_case valgrind_cli 0 "${CLI[@]}" DATABRICKS_HOST="$MOCK" DATABRICKS_AUTH_TYPE=databricks-cli -- --json token
	verdict "valgrind: the Databricks CLI's token (posix_spawn, pipes) leaks nothing"
	as_sp -c "INSERT INTO metrics VALUES (now(), 5)"
	vg_case valgrind_job_json 0 "${PLAIN[@]}" -- --json run maintenance
	expect_out '"action":"refreshed"'
	expect_out '"status":"succeeded"'
	verdict "valgrind: run maintenance --json (actions from NOTICEs, the job_history row) leaks nothing"
	vg_case valgrind_old_lakets 0 "${PLAIN[@]}" PGDATABASE="$OLD" -- run maintenance
	expect_err 'has no procedure lakets\.maintain'
	verdict "valgrind: the run_maintenance() fallback leaks nothing"
	vg_case valgrind_no_extension 1 "${PLAIN[@]}" PGDATABASE=postgres -- run rollups
	verdict "valgrind: a job without the extension leaks nothing"
else
	skip "valgrind" "valgrind is not installed"
fi

# ---- fuzzing ------------------------------------------------------------------
if command -v clang-14 >/dev/null || command -v clang >/dev/null; then
	make -s -C helper fuzz-smoke FUZZ_OUT="$T/fuzz" FUZZ_SMOKE_SECONDS="${FUZZ_SMOKE_SECONDS:-5}" \
		>"$OUT/fuzz.out" 2>"$OUT/fuzz.err"
	RC=$?
	CASE=fuzz
	expect_rc 0
	expect_true "[ \$(grep -c '^Done' '$OUT/fuzz.out') -eq 2 ]" "both fuzzers should report Done"
	verdict "fuzz: libFuzzer smoke run of the profile parser and the JSON handling"
else
	skip "fuzz" "clang (libFuzzer) is not installed"
fi

echo "helper: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
