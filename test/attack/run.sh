#!/usr/bin/env bash
# test/attack/run.sh - lakets under attack (issue 9, section 1).
#
# search_path hijack: the role "attacker" owns the schema "evil", where
# plant.sql shadows pg_catalog's operators (=, <, <=, >=, >, <> for the type
# pairs lakets compares, +, -, ||, LIKE), functions (now(), lower(),
# quote_ident(), format(), unnest(), set_config(), to_regclass(),
# pg_try_advisory_lock() ...) and aggregates (count(*), max, min, sum), and
# puts code on its own tables (a trigger, a CHECK constraint, a column
# DEFAULT, an index expression, a function in a RollUp query). Each of them
# records who ran it in evil.ran and, run by a superuser, makes attacker a
# superuser. Then, with evil first on search_path:
#   - attacker.sql: attacker calls every lakets function and procedure and
#     every trigger path on its own tables;
#   - victim.sql: the superuser postgres and maint (a member of attacker) run
#     the maintenance entry points over attacker's tables and write to its
#     RollUp source, once with SET search_path = evil, pg_catalog and once
#     with search_path = evil from ALTER ROLE ... IN DATABASE.
# Checks: no planted code ever ran as anyone but attacker, attacker is not
# a superuser, no lakets function is SECURITY DEFINER, and every lakets
# function was called (pg_stat_user_functions, track_functions = all): a
# function added later must be added here.
#
# Unprivileged interference: the role "nobody" holds every advisory lock key
# lakets uses today, or leaves a run_maintenance() open in a transaction;
# maintenance and refreshes of others must not be skipped for it. And nobody
# may not log changes for attacker's table through lakets._note_change().
#
# Runs in its own database lakets_attack with roles attacker, maint, nobody,
# all dropped at the end (LAKETS_ATTACK_KEEP=1 keeps them). Session logs go to $LAKETS_TMP/attack/.
# Prints last "attack: N passed, N failed"; exits non-zero iff a check failed.
set -uo pipefail
suite=attack
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
: "${PGHOST:?run through test/run-tests.sh or source .tmp/cluster.env}" "${LAKETS_TMP:?}"
db=lakets_attack
out=$LAKETS_TMP/attack
hijack=evil,pg_catalog
nobody_app=lakets_attack_nobody
mkdir -p "$out"
rm -f "$out"/*.log

cleanup() {
	local p
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	PGOPTIONS= psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" \
		-c "DROP ROLE IF EXISTS attacker" -c "DROP ROLE IF EXISTS maint" \
		-c "DROP ROLE IF EXISTS nobody" >/dev/null 2>&1
}
# LAKETS_ATTACK_KEEP=1 keeps the database and the roles, to look around
trap '[ -n "${LAKETS_ATTACK_KEEP:-}" ] || cleanup' EXIT

# sq SQL: one value, as postgres, with a clean search_path
sq() {
	PGOPTIONS="-c search_path=pg_catalog" psql -X -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"
}

# as_role ROLE PATH LOG [psql args]: a session of ROLE with search_path PATH
# (empty: the role's own setting), output appended to $out/LOG.log
as_role() {
	local role=$1 path=$2 log=$3
	shift 3
	echo "-- as $role, search_path ${path:-(role setting)}" >>"$out/$log.log"
	PGOPTIONS=${path:+"-c search_path=$path"} psql -X -q -U "$role" -d "$db" "$@" \
		>>"$out/$log.log" 2>&1
}

die() {
	echo "attack: $*" >&2
	failed=$((failed + 1))
	finish
	exit 1
}

# ---------------------------------------------------------------- set-up
cleanup
PGOPTIONS= psql -X -q -v ON_ERROR_STOP=1 -d postgres >/dev/null <<SQL || die "could not create $db and the roles"
SET client_min_messages = warning;
CREATE ROLE attacker LOGIN;
CREATE ROLE maint LOGIN;
GRANT attacker TO maint;
CREATE ROLE nobody LOGIN;
CREATE DATABASE $db;
ALTER DATABASE $db SET track_functions = 'all';
SQL
sq "CREATE EXTENSION lakets; CREATE SCHEMA evil AUTHORIZATION attacker" >/dev/null ||
	die "could not create the extension"
as_role attacker pg_catalog plant -v ON_ERROR_STOP=1 -f "$here/plant.sql" ||
	die "could not plant the attacker's objects (see $out/plant.log)"

# ---------------------------------------------------------------- the hijack
as_role attacker "$hijack" attacker -f "$here/attacker.sql"
for role in postgres maint; do
	as_role "$role" "$hijack" victims -f "$here/victim.sql"
done
# search_path = evil only, from the role's settings: pg_catalog comes first
# then, but operators of exactly the types compared (regclass) still win
sq "ALTER ROLE postgres IN DATABASE $db SET search_path = evil;
    ALTER ROLE maint IN DATABASE $db SET search_path = evil" >/dev/null
for role in postgres maint; do
	as_role "$role" "" victims -f "$here/victim.sql"
done
sq "ALTER ROLE postgres IN DATABASE $db RESET search_path;
    ALTER ROLE maint IN DATABASE $db RESET search_path" >/dev/null

ran=$(sq "SELECT count(*) FROM evil.ran")
echo "# planted objects ran $ran times (distinct role and object)"
bad=$(sq "SELECT string_agg(format('%s (session %s): %s', cur, sess, obj), E'\n' ORDER BY cur, obj)
          FROM evil.ran WHERE cur <> 'attacker'")
check "no planted code ran as a role other than attacker" "" "$bad"
warned=$(grep -h 'lakets-attack:' "$out/attacker.log" "$out/victims.log" |
	sed 's/.*lakets-attack: //' | sort -u)
check "no session warned of planted code run as another role ($out/*.log)" "" "$warned"
check "attacker is not a superuser at the end" f \
	"$(sq "SELECT rolsuper FROM pg_roles WHERE rolname = 'attacker'")"
check "no lakets function is SECURITY DEFINER" "" \
	"$(sq "SELECT string_agg(oid::regprocedure::text, ', ') FROM pg_proc
	       WHERE pronamespace = 'lakets'::regnamespace AND prosecdef")"
sq "ALTER ROLE attacker NOSUPERUSER" >/dev/null
# a call that fails does not run all of its paths
errors=$(grep -h 'ERROR:' "$out/attacker.log" "$out/victims.log" |
	grep -v 'pg_cron is not installed in this database' | sort | uniq -c)
check "no lakets call of attacker or the victims failed ($out/*.log)" "" "$errors"

# Every lakets function was called (some successful call of each); the
# pg_cron ones are called too, but fail here: pg_cron lives in "postgres".
# Aggregates and their support functions are not counted by the statistics
# (the executor calls those directly): attacker.sql calls each aggregate,
# and a call that fails is an error above. Nor are planner support
# functions (the planner calls them).
uncovered() {
	sq "SELECT string_agg(p.oid::regprocedure::text, ', ' ORDER BY 1)
	    FROM pg_proc p WHERE p.pronamespace = 'lakets'::regnamespace
	      AND coalesce(pg_stat_get_function_calls(p.oid), 0) = 0
	      AND p.proname NOT IN ('schedule_maintenance', 'unschedule_maintenance')
	      AND p.prokind <> 'a'
	      AND NOT EXISTS (SELECT FROM pg_aggregate a WHERE p.oid IN (a.aggtransfn,
	          a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn))
	      AND NOT EXISTS (SELECT FROM pg_proc s WHERE s.prosupport = p.oid)"
}
missing=$(uncovered)
for _ in 1 2 3 4 5; do # a session's counts reach the statistics as it exits
	[ -z "$missing" ] && break
	sleep 0.5
	missing=$(uncovered)
done
check "every lakets function and procedure was called by the test" "" "$missing"
check "schedule_maintenance and unschedule_maintenance were called" 2 \
	"$(grep -c 'pg_cron is not installed in this database' "$out/attacker.log")"

# ---------------------------------------------------------------- interference
# nobody_session SQL: a background session of nobody running SQL; waits
# until it runs its pg_sleep() (after having done the rest)
nobody_session() {
	PGOPTIONS= PGAPPNAME=$nobody_app psql -X -q -U nobody -d "$db" -v ON_ERROR_STOP=1 \
		>>"$out/nobody.log" 2>&1 <<<"$1" &
	local _
	for _ in $(seq 1 100); do
		[ "$(sq "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$nobody_app'
		         AND query LIKE '%pg_sleep%' AND state = 'active'")" = 1 ] && return 0
		sleep 0.1
	done
	echo "# nobody's session did not get to its pg_sleep (see $out/nobody.log)"
}

end_nobody_session() {
	sq "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
	    WHERE application_name = '$nobody_app'" >/dev/null
	wait 2>/dev/null
}

# interference_checks WHAT: others' maintenance and refreshes go on
interference_checks() {
	local what=$1 role
	for role in attacker postgres; do
		check "$what: run_maintenance() of $role reports nothing skipped" 0 \
			"$(PGOPTIONS="-c search_path=pg_catalog" psql -X -At -U $role -d "$db" \
				-c "SELECT count(*) FROM lakets.run_maintenance() WHERE action = 'skipped'" 2>&1)"
	done
	PGOPTIONS= psql -X -q -U attacker -d "$db" -c "CALL lakets.maintain()" >/dev/null 2>&1
	check "$what: CALL lakets.maintain() of attacker is not skipped" "succeeded" \
		"$(sq "SELECT status FROM lakets.job_history ORDER BY id DESC LIMIT 1")"
	sq "INSERT INTO evil.c VALUES (now() - interval '2 hours', 7)" >/dev/null
	check "$what: refresh_rollup() of attacker refreshes after a change" t \
		"$(PGOPTIONS= psql -X -At -U attacker -d "$db" -c "SELECT lakets.refresh_rollup('c_hourly')" 2>&1)"
}

lock_keys="(VALUES (1818979188), (1818979189)) k(k), generate_series(0, 100) n"
nobody_session "
SELECT count(pg_advisory_lock(k, n)) FROM $lock_keys;
SELECT count(pg_advisory_lock((k::bigint << 32) | n)) FROM $lock_keys;
SELECT count(pg_advisory_lock(k::bigint)) FROM (VALUES (1818979188), (1818979189)) k(k);
SELECT pg_sleep(30);"
echo "# nobody holds $(sq "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
	WHERE a.application_name = '$nobody_app' AND l.locktype = 'advisory'") advisory locks"
interference_checks "while nobody holds lakets' advisory lock keys"
end_nobody_session

nobody_session "
BEGIN;
SELECT * FROM lakets.run_maintenance();
SELECT pg_sleep(30);
COMMIT;"
interference_checks "while nobody's run_maintenance() is open"
end_nobody_session

# note_as_nobody LABEL CALL: nobody's CALL logging a change of attacker's
# table must fail with 42501 (at the call or at commit) and log nothing
note_as_nobody() {
	local before state
	before=$(sq "SELECT count(*) FROM lakets._source_invalidation_log")
	state=$(PGOPTIONS= psql -X -q -At -U nobody -d "$db" 2>>"$out/nobody.log" <<SQL
BEGIN;
SELECT $2;
COMMIT;
\\echo :LAST_ERROR_SQLSTATE
SQL
)
	check "nobody's $1 fails with 42501" 42501 "$(echo "$state" | tail -n 1)"
	check "nobody's $1 adds nothing to lakets._source_invalidation_log" "$before" \
		"$(sq "SELECT count(*) FROM lakets._source_invalidation_log")"
}
# no pending change of attacker's tables: any new log row is nobody's
PGOPTIONS= psql -X -q -U attacker -d "$db" -c "SELECT * FROM lakets.refresh_rollup_cascade()" \
	>>"$out/nobody.log" 2>&1
m_oid=$(sq "SELECT 'evil.m'::regclass::oid")
e_oid=$(sq "SELECT 'evil.e'::regclass::oid")
note_as_nobody "_note_change(attacker's table, '-infinity', 1)" \
	"lakets._note_change($m_oid::regclass, '-infinity'::timestamptz, 1)"
note_as_nobody "_note_changes(attacker's table, '-infinity', 'infinity', 1)" \
	"lakets._note_changes($m_oid::regclass, '-infinity'::timestamptz, 'infinity'::timestamptz, 1)"
note_as_nobody "_note_change(attacker's timestamp table, '-infinity', 1)" \
	"lakets._note_change($e_oid::regclass, '-infinity'::timestamp, 1)"
note_as_nobody "_note_shard_change(attacker's table, its OID, '-infinity', 1)" \
	"lakets._note_shard_change($m_oid::regclass, $m_oid::oid, '-infinity'::timestamptz, 1)"
note_as_nobody "_note_shard_changes(attacker's table, its OID, '-infinity', 'infinity', 1)" \
	"lakets._note_shard_changes($m_oid::regclass, $m_oid::oid, '-infinity'::timestamptz, 'infinity'::timestamptz, 1)"

finish
