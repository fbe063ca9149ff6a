# The Citus scenarios, sourced by test/citus/run.sh with PGHOST, PGPORT,
# PGDATABASE of the coordinator exported and check/q/qn/fail defined.
# Times are relative to now(): a ChronoTable's window follows the clock.

# sql SQL: run statements on the coordinator, quiet unless they fail
sql() {
	PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c "$1" >/dev/null
}

# err SQL: the error message of a statement that must fail ("" if it did not)
err() {
	psql -X -q -At -d "$DB" -c "$1" 2>&1 >/dev/null | sed -n 's/^ERROR:  //p' | head -n 1
}

# sqlstate SQL: the SQLSTATE of a statement that must fail
sqlstate() {
	psql -X -q -At -d "$DB" -c '\set VERBOSITY verbose' -c "$1" 2>&1 >/dev/null |
		sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\):.*/\1/p' | head -n 1
}

# how many partitions of TABLE are not distributed co-located with it
not_colocated() {
	q "$DB" "SELECT count(*) FROM pg_catalog.pg_inherits i
		LEFT JOIN pg_catalog.pg_dist_partition c ON c.logicalrelid OPERATOR(pg_catalog.=) i.inhrelid
		WHERE i.inhparent OPERATOR(pg_catalog.=) '$1'::regclass
		AND (c.logicalrelid IS NULL OR c.colocationid OPERATOR(pg_catalog.<>)
			(SELECT colocationid FROM pg_catalog.pg_dist_partition WHERE logicalrelid OPERATOR(pg_catalog.=) '$1'::regclass))"
}

# the registry's active chunks of TABLE against pg_inherits (without the default)
registry_matches() {
	q "$DB" "SELECT (SELECT array_agg(chunk_relid::oid ORDER BY chunk_relid::oid) FROM lakets._chunk_metadata
			WHERE chronotable_id = lakets._chronotable_id('$1') AND status = 'active')
		IS NOT DISTINCT FROM
		(SELECT array_agg(inhrelid ORDER BY inhrelid) FROM pg_catalog.pg_inherits
			WHERE inhparent = '$1'::regclass AND NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = inhrelid
				AND pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'))"
}

# exact NAME QUERY: rows that differ between the RollUp table and its query
exact() {
	q "$DB" "SELECT count(*) FROM (((SELECT * FROM ($2) q) EXCEPT ALL SELECT * FROM _rollup_$1)
		UNION ALL (SELECT * FROM _rollup_$1 EXCEPT ALL (SELECT * FROM ($2) q))) x"
}
echo "== convert, then distribute"
sql "CREATE TABLE metrics (device_id int NOT NULL, ts timestamptz NOT NULL, v float8);
	INSERT INTO metrics SELECT d, pg_catalog.date_trunc('day', now()) - s * interval '1 hour', s
		FROM generate_series(1, 4) d, generate_series(0, 71) s;
	SELECT lakets.create_chronotable('metrics', 'ts', '1 day');
	SELECT pg_catalog.create_distributed_table('metrics', 'device_id');
	SELECT pg_catalog.truncate_local_data_after_distributing_table('metrics');" ||
	fail "could not convert and distribute metrics"
check "metrics is distributed" h "$(q "$DB" "SELECT partmethod FROM pg_catalog.pg_dist_partition WHERE logicalrelid = 'metrics'::regclass")"
check "every partition of metrics (chunks and default) distributed co-located" 0 "$(not_colocated metrics)"
check "rows kept through the conversion and distribution" 288 "$(q "$DB" "SELECT count(*) FROM metrics")"
check "no local copy left on the coordinator" 0 "$(q "$DB" "SELECT sum(pg_catalog.pg_relation_size(i.inhrelid)) FROM pg_catalog.pg_inherits i WHERE i.inhparent = 'metrics'::regclass")"
check "registry matches pg_inherits after distribution" t "$(registry_matches metrics)"

echo "== ensure_partitions on a distributed chronotable"
sql "SELECT lakets.set_chunk_window('metrics', 1, 6)" || fail "set_chunk_window"
n_before=$(q "$DB" "SELECT count(*) FROM pg_catalog.pg_inherits WHERE inhparent = 'metrics'::regclass")
created=$(q "$DB" "SELECT lakets.ensure_partitions('metrics')")
n_after=$(q "$DB" "SELECT count(*) FROM pg_catalog.pg_inherits WHERE inhparent = 'metrics'::regclass")
check "ensure_partitions created the chunks of the wider window" "$created" "$((n_after - n_before))"
check "ensure_partitions created some chunk" t "$([ "$created" -gt 0 ] && echo t || echo f)"
check "new chunks distributed co-located" 0 "$(not_colocated metrics)"
check "registry matches pg_inherits after ensure_partitions" t "$(registry_matches metrics)"
check "a second ensure_partitions has nothing to do" 0 "$(q "$DB" "SELECT lakets.ensure_partitions('metrics')")"

echo "== inserts through the coordinator"
sql "INSERT INTO metrics SELECT d, pg_catalog.date_trunc('day', now()) + interval '2 days 3 hours', 1
	FROM generate_series(1, 10) d" || fail "insert"
chunk2=$(q "$DB" "SELECT chunk_relid FROM lakets._chunk_metadata WHERE chronotable_id = lakets._chronotable_id('metrics')
	AND status = 'active' AND range_start = pg_catalog.date_trunc('day', now()) + interval '2 days'")
check "the chunk of the day after tomorrow exists" t "$([ -n "$chunk2" ] && echo t || echo f)"
check "rows of that day are in its chunk" 10 "$(q "$DB" "SELECT count(*) FROM $chunk2")"
check "nothing went to the default partition" 0 "$(q "$DB" "SELECT count(*) FROM metrics_default")"

echo "== the default partition is drained"
sql "INSERT INTO metrics SELECT d, pg_catalog.date_trunc('day', now()) + interval '40 days 1 hour', 2
		FROM generate_series(1, 6) d;
	INSERT INTO metrics SELECT d, pg_catalog.date_trunc('day', now()) + interval '50 days 5 hours', 3
		FROM generate_series(1, 3) d;
	INSERT INTO metrics VALUES (7, 'infinity', 4)" || fail "insert into the default"
check "far future rows wait in the default partition" 10 "$(q "$DB" "SELECT count(*) FROM metrics_default")"
drained=$(q "$DB" "SELECT lakets.ensure_partitions()")
check "ensure_partitions() made two chunks for them, in one transaction" 2 "$drained"
check "only the row without a chunk (infinity) stays in the default partition" infinity \
	"$(q "$DB" "SELECT string_agg(ts::text, ',') FROM metrics_default")"
for days in 40 50; do
	chunk=$(q "$DB" "SELECT chunk_relid FROM lakets._chunk_metadata WHERE chronotable_id = lakets._chronotable_id('metrics')
		AND status = 'active' AND range_start = pg_catalog.date_trunc('day', now()) + interval '$days days'")
	check "the drained rows of +$days days are in their chunk" "$([ "$days" = 40 ] && echo 6 || echo 3)" \
		"$(q "$DB" "SELECT count(*) FROM $chunk")"
	check "no copy of the drained rows of +$days days on the coordinator" 0 \
		"$(q "$DB" "SELECT pg_catalog.pg_relation_size('$chunk')")"
done
check "the drained chunks are distributed co-located" 0 "$(not_colocated metrics)"
check "all rows still there" 308 "$(q "$DB" "SELECT count(*) FROM metrics")"
check "registry matches pg_inherits after the drain" t "$(registry_matches metrics)"
check "ensure_partitions() then has nothing to do" 0 "$(q "$DB" "SELECT lakets.ensure_partitions()")"
check "run_maintenance() reports no failure" 0 \
	"$(q "$DB" "SELECT count(*) FROM lakets.run_maintenance() WHERE action ILIKE '%fail%' OR action ILIKE '%error%'")"

echo "== show_chunks on a distributed chronotable"
check "show_chunks counts the rows on the workers (all but the default's)" 307 \
	"$(q "$DB" "SELECT sum(row_count) FROM lakets.show_chunks('metrics')")"
check "show_chunks sizes are the shards' (citus_total_relation_size)" t \
	"$(q "$DB" "SELECT bool_and(size_bytes = pg_catalog.citus_total_relation_size(chunk_name::regclass))
		AND sum(size_bytes) > 0 FROM lakets.show_chunks('metrics')")"

echo "== distribute, then convert"
sql "CREATE TABLE dist_first (device_id int NOT NULL, ts timestamptz NOT NULL, v float8);
	SELECT pg_catalog.create_distributed_table('dist_first', 'device_id');
	CREATE TABLE dist_side (device_id int NOT NULL, name text);
	SELECT pg_catalog.create_distributed_table('dist_side', 'device_id', colocate_with => 'dist_first');
	INSERT INTO dist_first SELECT d, pg_catalog.date_trunc('day', now()) - s * interval '5 hours', s
		FROM generate_series(1, 5) d, generate_series(0, 30) s" || fail "dist_first"
coloc=$(q "$DB" "SELECT colocationid FROM pg_catalog.pg_dist_partition WHERE logicalrelid = 'dist_first'::regclass")
check "p_distribute_by naming another column than the table's refused" \
	'public.dist_first is distributed by column "device_id", not by "v"' \
	"$(err "SELECT lakets.create_chronotable('dist_first', 'ts', '1 day', p_distribute_by => 'v')")"
check "that refusal is invalid_parameter_value (22023)" 22023 \
	"$(sqlstate "SELECT lakets.create_chronotable('dist_first', 'ts', '1 day', p_distribute_by => 'v')")"
check "create_chronotable converts a distributed table in place" t \
	"$(q "$DB" "SELECT lakets.create_chronotable('dist_first', 'ts', '1 day') > 0")"
check "it is still distributed by its column" device_id \
	"$(q "$DB" "SELECT pg_catalog.column_to_column_name(logicalrelid, partkey) FROM pg_catalog.pg_dist_partition WHERE logicalrelid = 'dist_first'::regclass")"
check "in its co-location group (with the table co-located before)" "$coloc" \
	"$(q "$DB" "SELECT colocationid FROM pg_catalog.pg_dist_partition WHERE logicalrelid = 'dist_first'::regclass")"
check "every partition distributed co-located" 0 "$(not_colocated dist_first)"
check "rows kept" 155 "$(q "$DB" "SELECT count(*) FROM dist_first")"
check "rows in their chunks, none in the default partition" 0 "$(q "$DB" "SELECT count(*) FROM dist_first_default")"
check "no local copy on the coordinator" 0 "$(q "$DB" "SELECT sum(pg_catalog.pg_relation_size(i.inhrelid)) FROM pg_catalog.pg_inherits i WHERE i.inhparent = 'dist_first'::regclass")"
check "registry matches pg_inherits" t "$(registry_matches dist_first)"
check "lakets_metrics() sizes a distributed chronotable by its shards" t \
	"$(q "$DB" "SELECT metric_value > 0 AND metric_value = (SELECT sum(pg_catalog.citus_total_relation_size(inhrelid))
		FROM pg_catalog.pg_inherits WHERE inhparent = 'dist_first'::regclass)
		FROM lakets.lakets_metrics() WHERE metric_name = 'lakets_table_size_bytes' AND labels->>'table' = 'public.dist_first'")"
check "a co-located join with the other table still runs" 155 \
	"$(q "$DB" "SELECT count(*) FROM dist_first f LEFT JOIN dist_side s USING (device_id)")"
sql "SELECT lakets.create_rollup('df_hourly', 'SELECT device_id, lakets.time_bucket(''1 hour'', ts) AS bucket, sum(v) AS s FROM dist_first GROUP BY 1, 2', '1 hour');
	INSERT INTO dist_first VALUES (2, now() - interval '1 day', 100)" || fail "df_hourly"
sql "SELECT lakets.refresh_rollup('df_hourly')" || fail "refresh df_hourly"
check "a rollup over it is exact" 0 "$(exact df_hourly "SELECT device_id, lakets.time_bucket('1 hour', ts) AS bucket, sum(v) AS s FROM dist_first GROUP BY 1, 2")"

echo "== convert and distribute in one call (p_distribute_by)"
sql "CREATE TABLE one_step (device_id int NOT NULL, ts timestamptz NOT NULL, v float8);
	INSERT INTO one_step SELECT d, pg_catalog.date_trunc('day', now()) - s * interval '3 hours', s
		FROM generate_series(1, 4) d, generate_series(0, 40) s" || fail "one_step"
check "p_distribute_by naming no column of the table refused" \
	'column "dev" of p_distribute_by does not exist in public.one_step' \
	"$(err "SELECT lakets.create_chronotable('one_step', 'ts', '1 day', p_distribute_by => 'dev')")"
check "that refusal is undefined_column (42703)" 42703 \
	"$(sqlstate "SELECT lakets.create_chronotable('one_step', 'ts', '1 day', p_distribute_by => 'dev')")"
check "create_chronotable(..., p_distribute_by) converts and distributes" t \
	"$(q "$DB" "SELECT lakets.create_chronotable('one_step', 'ts', '1 day', p_distribute_by => 'device_id') > 0")"
check "distributed by that column" device_id \
	"$(q "$DB" "SELECT pg_catalog.column_to_column_name(logicalrelid, partkey) FROM pg_catalog.pg_dist_partition WHERE logicalrelid = 'one_step'::regclass")"
check "every partition distributed co-located" 0 "$(not_colocated one_step)"
check "rows kept" 164 "$(q "$DB" "SELECT count(*) FROM one_step")"
check "no local copy on the coordinator" 0 "$(q "$DB" "SELECT sum(pg_catalog.pg_relation_size(i.inhrelid)) FROM pg_catalog.pg_inherits i WHERE i.inhparent = 'one_step'::regclass")"
check "registry matches pg_inherits" t "$(registry_matches one_step)"
check "show_chunks counts its rows on the workers" 164 "$(q "$DB" "SELECT sum(row_count) FROM lakets.show_chunks('one_step')")"

echo "== refused conversions"
sql "CREATE TABLE ref_first (ts timestamptz NOT NULL); SELECT pg_catalog.create_reference_table('ref_first')" || fail "ref_first"
check "create_chronotable on a reference table refused" \
	'cannot convert public.ref_first into a chronotable: it is a Citus reference table' \
	"$(err "SELECT lakets.create_chronotable('ref_first', 'ts', '1 day')")"

echo "== rollups over a distributed chronotable"
# the rows logged on the workers and not yet collected
worker_log() {
	echo $(($(qn w1 "SELECT count(*) FROM lakets._shard_invalidation_log") + $(qn w2 "SELECT count(*) FROM lakets._shard_invalidation_log")))
}
dev_q="SELECT device_id, lakets.time_bucket('1 hour', ts) AS bucket, sum(v) AS s, count(*) AS n, min(v) AS lo FROM events GROUP BY 1, 2"
all_q="SELECT lakets.time_bucket('30 minutes', ts) AS bucket, sum(v) AS s, count(*) AS n FROM events GROUP BY 1"
# both exact: after a refresh of both
both_exact() {
	sql "SELECT lakets.refresh_rollup('ev_dev'); SELECT lakets.refresh_rollup('ev_all'); SELECT lakets.refresh_rollup('ev_day')" || fail "refresh ($1)"
	check "ev_dev (grouped by the distribution column) equals its query $1" 0 "$(exact ev_dev "$dev_q")"
	check "ev_all (not grouped by it) equals its query $1" 0 "$(exact ev_all "$all_q")"
	check "ev_day (over ev_dev's distributed table) equals its query $1" 0 "$(exact ev_day "$day_q")"
}
sql "CREATE TABLE events (device_id int NOT NULL, ts timestamptz NOT NULL, v float8);
	INSERT INTO events SELECT d, pg_catalog.date_trunc('day', now()) - s * interval '7 minutes', s % 13
		FROM generate_series(1, 6) d, generate_series(0, 600) s;
	SELECT lakets.create_chronotable('events', 'ts', '1 day');
	SELECT pg_catalog.create_distributed_table('events', 'device_id');
	SELECT pg_catalog.truncate_local_data_after_distributing_table('events');" ||
	fail "could not convert and distribute events"
check "create_rollup over a distributed chronotable (grouped by the distribution column)" t \
	"$(q "$DB" "SELECT lakets.create_rollup('ev_dev', \$q\$$dev_q\$q\$, '1 hour') > 0")"
check "create_rollup over a distributed chronotable (not grouped by it)" t \
	"$(q "$DB" "SELECT lakets.create_rollup('ev_all', \$q\$$all_q\$q\$, '30 minutes') > 0")"
day_q="SELECT device_id, lakets.time_bucket('1 day', bucket) AS day, sum(n) AS n FROM _rollup_ev_dev GROUP BY 1, 2"
check "create_rollup over a rollup kept in a distributed table" t \
	"$(q "$DB" "SELECT lakets.create_rollup('ev_day', \$q\$$day_q\$q\$, '1 day') > 0")"
check "ev_day's table is co-located with ev_dev's" t \
	"$(q "$DB" "SELECT r.colocationid = s.colocationid FROM pg_catalog.pg_dist_partition r, pg_catalog.pg_dist_partition s
		WHERE r.logicalrelid = '_rollup_ev_day'::regclass AND s.logicalrelid = '_rollup_ev_dev'::regclass")"
check "ev_dev's table is distributed co-located with events" t \
	"$(q "$DB" "SELECT r.partmethod = 'h' AND r.colocationid = s.colocationid FROM pg_catalog.pg_dist_partition r, pg_catalog.pg_dist_partition s
		WHERE r.logicalrelid = '_rollup_ev_dev'::regclass AND s.logicalrelid = 'events'::regclass")"
check "ev_all's table is a reference table" t \
	"$(q "$DB" "SELECT repmodel = 't' FROM pg_catalog.pg_dist_partition WHERE logicalrelid = '_rollup_ev_all'::regclass")"
check "ev_dev loaded exactly" 0 "$(exact ev_dev "$dev_q")"
check "ev_all loaded exactly" 0 "$(exact ev_all "$all_q")"
check "the shards' triggers on a worker log for the coordinator's source" t \
	"$(qn w1 "SELECT count(*) > 0 AND bool_and(pg_catalog.pg_get_triggerdef(oid) LIKE '%_note_shard_change%')
		FROM pg_catalog.pg_trigger WHERE tgname LIKE 'zz_lakets_invalidate_insert%'")"
check "the refresh pushes down: its insert runs on the shards" t \
	"$(q "$DB" "SELECT bool_and(partmethod = 'h') FROM pg_catalog.pg_dist_partition WHERE logicalrelid = '_rollup_ev_dev'::regclass")"

sql "INSERT INTO events SELECT d, now() - interval '30 hours' - d * interval '1 minute', 5 FROM generate_series(1, 6) d;
	INSERT INTO events VALUES (1, pg_catalog.date_trunc('day', now()) + interval '40 days 2 hours', 7),
		(2, pg_catalog.date_trunc('day', now()) - interval '400 days', 3);
	UPDATE events SET ts = now() - interval '60 hours' WHERE device_id = 4 AND ts > now() - interval '10 hours';
	UPDATE events SET v = v + 2 WHERE device_id = 5 AND ts < now() - interval '50 hours';
	DELETE FROM events WHERE device_id = 6 AND ts BETWEEN now() - interval '40 hours' AND now() - interval '20 hours'" ||
	fail "writes to events"
check "the workers logged the changes" t "$([ "$(worker_log)" -gt 0 ] && echo t || echo f)"
both_exact "after late, out-of-window, moved, updated and deleted rows"
# (the refreshes above logged ev_dev's own writes for ev_day: taken by the
# first, deleted on the workers by the second)
sql "SELECT lakets.refresh_rollup('ev_day')" || fail "refresh"
sql "SELECT lakets.refresh_rollup('ev_day')" || fail "refresh"
check "collected rows are deleted on the workers by the next collection" 0 "$(worker_log)"
check "and forgotten on the coordinator" 0 "$(q "$DB" "SELECT count(*) FROM lakets._shard_log_collected")"
check "show_rollups counts the rows on the workers" t \
	"$(q "$DB" "SELECT bool_and(row_count = CASE name WHEN 'ev_dev' THEN (SELECT count(*) FROM _rollup_ev_dev)
		ELSE (SELECT count(*) FROM _rollup_ev_all) END AND row_count > 0) FROM lakets.show_rollups() WHERE name IN ('ev_dev', 'ev_all')")"

sql "INSERT INTO events SELECT d, now() + d * interval '10 minutes', 2 FROM generate_series(1, 6) d" || fail "recent rows"
check "the real-time view of ev_dev (on the coordinator) equals the query" 0 \
	"$(q "$DB" "SELECT count(*) FROM ((SELECT * FROM _rollup_rt_ev_dev EXCEPT ALL SELECT * FROM ($dev_q) q)
		UNION ALL (SELECT * FROM ($dev_q) q EXCEPT ALL SELECT * FROM _rollup_rt_ev_dev)) x")"
check "the real-time view of ev_all equals the query" 0 \
	"$(q "$DB" "SELECT count(*) FROM ((SELECT * FROM _rollup_rt_ev_all EXCEPT ALL SELECT * FROM ($all_q) q)
		UNION ALL (SELECT * FROM ($all_q) q EXCEPT ALL SELECT * FROM _rollup_rt_ev_all)) x")"

check "ensure_partitions() drains the default partition of a chronotable with rollups (two chunks)" 2 \
	"$(q "$DB" "SELECT lakets.ensure_partitions('events')")"
check "the drained chunk is distributed co-located" 0 "$(not_colocated events)"
sql "UPDATE events SET v = v + 1 WHERE ts >= pg_catalog.date_trunc('day', now()) + interval '40 days'
		AND ts < pg_catalog.date_trunc('day', now()) + interval '41 days'" || fail "update the drained chunk"
both_exact "after the drain and a change in the new chunk"
sql "SELECT lakets.set_chunk_window('events', 1, 4); SELECT lakets.ensure_partitions('events')" || fail "ensure_partitions with rollups"
sql "INSERT INTO events SELECT d, pg_catalog.date_trunc('day', now()) + interval '3 days 1 hour', 4 FROM generate_series(1, 6) d" ||
	fail "insert into a new chunk"
both_exact "after rows in a chunk ensure_partitions made"
chunk=$(q "$DB" "SELECT chunk_relid FROM lakets._chunk_metadata WHERE chronotable_id = lakets._chronotable_id('events')
	AND status = 'active' AND range_start = pg_catalog.date_trunc('day', now()) - interval '1 day'")
sql "TRUNCATE $chunk" || fail "truncate a chunk"
both_exact "after TRUNCATE of a chunk"
sql "SELECT count(*) FROM lakets.run_maintenance()" || fail "run_maintenance"
check "run_maintenance refreshes them exactly" 0 "$(exact ev_dev "$dev_q")"
sql "INSERT INTO events SELECT d, pg_catalog.date_trunc('day', now()) - interval '20 hours', 5 FROM generate_series(1, 6) d" ||
	fail "late rows before CALL lakets.maintain()"
PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c "CALL lakets.maintain()" >/dev/null ||
	fail "CALL lakets.maintain()"
check "CALL lakets.maintain() (a commit per table) refreshes ev_dev exactly" 0 "$(exact ev_dev "$dev_q")"
check "CALL lakets.maintain() refreshes ev_all exactly" 0 "$(exact ev_all "$all_q")"

echo "== randomized differential rounds"
for round in 1 2 3 4; do
	sql "SELECT pg_catalog.setseed(0.$round);
		INSERT INTO events SELECT 1 + (random() * 9)::int,
			now() - random() * interval '4 days' + interval '1 day', (random() * 20)::int
			FROM generate_series(1, 200);
		UPDATE events SET v = v + 1, ts = now() - interval '$round days 17 minutes'
			WHERE device_id = 1 + $round % 6 AND v::int % 5 = $round;
		DELETE FROM events WHERE device_id = 1 + ($round + 2) % 6 AND v::int % 7 = $round;
		INSERT INTO events VALUES (2, now() - interval '$((round * 3)) days', $round)" ||
		fail "round $round writes"
	if [ "$round" = 3 ]; then
		sql "SELECT lakets.refresh_rollup('ev_all')" || fail "refresh in round 3"
	fi
	if [ "$round" = 2 ]; then
		# a collection rolled back: the workers' rows wait for the next one
		sql "BEGIN; SELECT lakets.refresh_rollup('ev_dev'); SELECT lakets.refresh_rollup('ev_all'); ROLLBACK" ||
			fail "rolled-back refresh in round 2"
		check "a rolled-back refresh leaves the workers' rows to the next" t "$([ "$(worker_log)" -gt 0 ] && echo t || echo f)"
	fi
	both_exact "in round $round"
done

echo "== a worker stopped, then back"
w2_data=$(node_env w2 && echo "$LAKETS_PGDATA")
w2_pgbin=$(node_env w2 && echo "$LAKETS_PGBIN")
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
sql "INSERT INTO events SELECT d, now() - interval '26 hours', 9 FROM generate_series(1, 6) d" || fail "insert before the stop"
ledger_before=$(q "$DB" "SELECT count(*) FROM lakets._shard_log_collected")
as_pg "$w2_pgbin/pg_ctl" -D "$w2_data" -m fast -w stop >/dev/null || fail "could not stop w2"
msg=$(err "SELECT lakets.refresh_rollup('ev_dev')")
check "a refresh with a worker down fails, naming the worker" t \
	"$(case "$msg" in "could not collect the changes logged on Citus worker 127.0.0.1:"*) echo t ;; *) echo "f: $msg" ;; esac)"
check "and changes nothing: the collected list is as before" "$ledger_before" \
	"$(q "$DB" "SELECT count(*) FROM lakets._shard_log_collected")"
check "run_maintenance reports the failed refresh as an error, it does not skip it" error \
	"$(PGOPTIONS="-c client_min_messages=error" q "$DB" "SELECT action FROM lakets.run_maintenance() WHERE step = 'rollups' AND object = 'ev_dev'")"
as_pg "$w2_pgbin/pg_ctl" -D "$w2_data" -l "$w2_data/server.log" -w start >/dev/null || fail "could not start w2"
check "w1 kept its logged rows meanwhile" t "$([ "$(qn w1 "SELECT count(*) FROM lakets._shard_invalidation_log")" -gt 0 ] && echo t || echo f)"
both_exact "once the worker is back"

echo "== a rollup over a distributed chronotable, by an owner who is not a superuser"
sql "CREATE ROLE ts_owner LOGIN; GRANT CREATE ON SCHEMA public TO ts_owner" || fail "ts_owner"
own_q="SELECT device_id, lakets.time_bucket('1 hour', ts) AS bucket, count(*) AS n FROM own_ev GROUP BY 1, 2"
as_owner() {
	PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -v ON_ERROR_STOP=1 -U ts_owner -d "$DB" -c "$1"
}
as_owner "CREATE TABLE own_ev (device_id int NOT NULL, ts timestamptz NOT NULL);
	INSERT INTO own_ev SELECT d, now() - s * interval '1 hour' FROM generate_series(1, 4) d, generate_series(0, 30) s;
	SELECT lakets.create_chronotable('own_ev', 'ts', '1 day', p_distribute_by => 'device_id')" >/dev/null &&
	as_owner "SELECT lakets.create_rollup('own_h', \$q\$$own_q\$q\$, '1 hour')" >/dev/null ||
	fail "ts_owner's chronotable and rollup"
check "ts_owner's writes, then its refresh, are exact" 0 \
	"$(as_owner "INSERT INTO own_ev SELECT d, now() - interval '40 hours' FROM generate_series(1, 4) d" >/dev/null &&
		as_owner "SELECT lakets.refresh_rollup('own_h')" >/dev/null && exact own_h "$own_q")"
as_owner "SELECT lakets.refresh_rollup('own_h')" >/dev/null || fail "ts_owner's second refresh"
check "ts_owner's second collection deleted its own rows on the workers" 0 \
	"$(qn w1 "SELECT count(*) FROM lakets._shard_invalidation_log l JOIN pg_catalog.pg_class c ON c.oid = l.shell_relid
		WHERE c.relname = 'own_ev'")"
check "rows of others' tables it collected are not collected twice" 0 \
	"$(q "$DB" "SELECT count(*) FROM (SELECT node_name, node_port, id FROM lakets._shard_log_collected GROUP BY 1, 2, 3 HAVING count(*) > 1) d")"
as_owner "SELECT lakets.drop_chronotable('own_ev')" >/dev/null || fail "ts_owner's drop_chronotable"
sql "REVOKE CREATE ON SCHEMA public FROM ts_owner; DROP ROLE ts_owner" || fail "drop ts_owner"

echo "== refused"
sql "CREATE TABLE same_tx (device_id int NOT NULL, ts timestamptz NOT NULL)" || fail "same_tx"
check "create_rollup in the transaction that distributed its source refused" \
	'cannot create a rollup over public.same_tx in the transaction that distributed it' \
	"$(err "BEGIN; SELECT lakets.create_chronotable('same_tx', 'ts', '1 day', p_distribute_by => 'device_id');
		SELECT lakets.create_rollup('same_tx_h', 'SELECT device_id, lakets.time_bucket(''1 hour'', ts) AS bucket, count(*) FROM same_tx GROUP BY 1, 2', '1 hour'); COMMIT")"
check "create_rollup over a rollup kept in a reference table refused" \
	'cannot create a rollup over public._rollup_ev_all: it is a Citus reference table' \
	"$(err "SELECT lakets.create_rollup('ev_all_day', 'SELECT lakets.time_bucket(''1 day'', bucket) AS day, sum(n) AS n FROM _rollup_ev_all GROUP BY 1', '1 day')")"
check "that refusal is feature_not_supported (0A000)" 0A000 \
	"$(sqlstate "SELECT lakets.create_rollup('ev_all_day', 'SELECT lakets.time_bucket(''1 day'', bucket) AS day, sum(n) AS n FROM _rollup_ev_all GROUP BY 1', '1 day')")"
echo "== drop_rollup and drop_chronotable with rollups over a distributed chronotable"
sql "SELECT lakets.drop_rollup('ev_day')" || fail "drop_rollup ev_day"
sql "SELECT lakets.drop_rollup('ev_all')" || fail "drop_rollup ev_all"
check "the reference rollup table is gone from Citus' metadata" 0 \
	"$(q "$DB" "SELECT count(*) FROM pg_catalog.pg_dist_partition WHERE logicalrelid::text = '_rollup_ev_all'")"
check "the source's triggers stay for ev_dev (on a worker's shards)" t \
	"$(qn w1 "SELECT count(*) > 0 FROM pg_catalog.pg_trigger WHERE tgname LIKE 'zz_lakets_invalidate_insert%'")"
sql "SELECT lakets.drop_rollup('df_hourly')" || fail "drop_rollup df_hourly"
check "the last rollup of a source dropped: no trigger left on its shards" 0 \
	"$(qn w1 "SELECT count(*) FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
		WHERE t.tgname LIKE 'zz_lakets_invalidate%' AND c.relname LIKE 'dist_first%'")"
sql "SELECT lakets.drop_chronotable('events')" || fail "drop_chronotable events"
check "drop_chronotable dropped the rollup over it" 0 "$(q "$DB" "SELECT count(*) FROM lakets.show_rollups() WHERE name IN ('ev_dev', 'ev_all')")"
check "and its distributed rollup table" "" "$(q "$DB" "SELECT to_regclass('_rollup_ev_dev')")"

sql "CREATE TABLE tracked (device_id int NOT NULL, ts timestamptz NOT NULL, v float8);
	SELECT lakets.create_chronotable('tracked', 'ts', '1 day');
	SELECT lakets.create_rollup('tracked_hourly', 'SELECT device_id, lakets.time_bucket(''1 hour'', ts) AS bucket, avg(v) FROM tracked GROUP BY 1, 2', '1 hour')" ||
	fail "a chronotable with a rollup"
check "Citus refuses to distribute a chronotable that has rollups" \
	'cannot distribute relation "tracked" because it has triggers' \
	"$(err "SELECT pg_catalog.create_distributed_table('tracked', 'device_id')")"
check "that chronotable stays local" 0 "$(q "$DB" "SELECT count(*) FROM pg_catalog.pg_dist_partition WHERE logicalrelid = 'tracked'::regclass")"
check "nor with citus.enable_unsafe_triggers (the triggers name the table, which the workers lack then)" \
	'relation "public.tracked" does not exist' \
	"$(err "SET citus.enable_unsafe_triggers = on; SELECT pg_catalog.create_distributed_table('tracked', 'device_id')")"
check "that chronotable is still local" 0 "$(q "$DB" "SELECT count(*) FROM pg_catalog.pg_dist_partition WHERE logicalrelid = 'tracked'::regclass")"

echo "== retention drops distributed chunks"
old=$(q "$DB" "SELECT count(*) FROM lakets._chunk_metadata WHERE chronotable_id = lakets._chronotable_id('metrics')
	AND status = 'active' AND range_end <= now() - interval '1 day'")
check "there are chunks older than a day" t "$([ "$old" -gt 0 ] && echo t || echo f)"
check "drop_chunks drops them" "$old" "$(q "$DB" "SELECT lakets.drop_chunks('metrics', '1 day')")"
check "registry matches pg_inherits after drop_chunks" t "$(registry_matches metrics)"
check "their rows are gone" 0 "$(q "$DB" "SELECT count(*) FROM metrics WHERE ts < now() - interval '2 days'")"
check "no dropped chunk left in Citus' metadata" 0 "$(q "$DB" "SELECT count(*) FROM pg_catalog.pg_dist_partition p
	JOIN lakets._chunk_metadata m ON m.chunk_relid::oid = p.logicalrelid::oid WHERE m.status = 'dropped'")"
sql "SELECT lakets.add_retention_policy('metrics', '12 hours')" || fail "add_retention_policy"
dropped=$(q "$DB" "SELECT count(*) FROM lakets.enforce_retention()")
check "enforce_retention ran" t "$([ -n "$dropped" ] && echo t || echo f)"
check "enforce_retention dropped the chunk of yesterday" 0 "$(q "$DB" "SELECT count(*) FROM lakets._chunk_metadata
	WHERE chronotable_id = lakets._chronotable_id('metrics') AND status = 'active' AND range_end <= now() - interval '12 hours'")"
check "registry matches pg_inherits after enforce_retention" t "$(registry_matches metrics)"
check "every partition still distributed co-located" 0 "$(not_colocated metrics)"

echo "== drop_chronotable on a distributed chronotable"
sql "SELECT lakets.drop_chronotable('metrics')" || fail "drop_chronotable"
check "metrics is gone" "" "$(q "$DB" "SELECT to_regclass('metrics')")"
check "Citus' metadata holds none of its tables" 0 \
	"$(q "$DB" "SELECT count(*) FROM pg_catalog.pg_dist_partition WHERE logicalrelid::text LIKE 'metrics%'")"
check "lakets' registry forgot it" 0 "$(q "$DB" "SELECT count(*) FROM lakets._chronotable_registry WHERE relid::text LIKE 'metrics%'")"

echo "== a coordinator that holds shards too"
# (a bigint distribution column: a new co-location group, placed on every node;
# writes to the coordinator's shards run in its own backend and log as on one node)
coord_port=$(q "$DB" "SELECT nodeport FROM pg_catalog.pg_dist_node WHERE groupid = 0")
sql "SELECT pg_catalog.citus_set_node_property('127.0.0.1', $coord_port, 'shouldhaveshards', true);
	CREATE TABLE on_coord (device_id bigint NOT NULL, ts timestamptz NOT NULL, v float8);
	INSERT INTO on_coord SELECT d, now() - s * interval '45 minutes', s FROM generate_series(1, 12) d, generate_series(0, 60) s;
	SELECT lakets.create_chronotable('on_coord', 'ts', '1 day', p_distribute_by => 'device_id')" || fail "on_coord"
check "some of its shards are on the coordinator" t \
	"$(q "$DB" "SELECT count(*) > 0 FROM pg_catalog.pg_dist_shard s JOIN pg_catalog.pg_dist_placement p USING (shardid)
		WHERE s.logicalrelid = 'on_coord'::regclass AND p.groupid = 0")"
oc_q="SELECT device_id, lakets.time_bucket('1 hour', ts) AS bucket, sum(v) AS s, count(*) AS n FROM on_coord GROUP BY 1, 2"
sql "SELECT lakets.create_rollup('oc_h', \$q\$$oc_q\$q\$, '1 hour')" || fail "rollup on_coord"
sql "INSERT INTO on_coord SELECT d, now() - interval '30 hours', 100 FROM generate_series(1, 12) d;
	UPDATE on_coord SET v = v + 1 WHERE ts < now() - interval '40 hours';
	DELETE FROM on_coord WHERE device_id IN (3, 4) AND ts > now() - interval '10 hours'" || fail "writes to on_coord"
sql "SELECT lakets.refresh_rollup('oc_h')" || fail "refresh oc_h"
check "the rollup is exact with rows on the coordinator's shards and the workers'" 0 "$(exact oc_h "$oc_q")"
sql "SELECT lakets.drop_chronotable('on_coord');
	SELECT pg_catalog.citus_set_node_property('127.0.0.1', $coord_port, 'shouldhaveshards', false)" || fail "drop on_coord"
