-- monitoring.sql: operational metrics (Prometheus-style rows), chunk health,
-- and the lakets statements of pg_stat_statements.

-- The live status of each chunk, as show_chunks() reports it: a chunk
-- dropped or detached behind lakets' back counts so before maintenance
-- records it.
CREATE VIEW lakets._chunk_status AS
	SELECT m.chronotable_id, r.relid AS chronotable_relid, m.chunk_relid,
		m.range_start, m.range_end,
		CASE WHEN m.status <> 'active' THEN m.status
			 WHEN c.oid IS NULL THEN 'dropped'
			 WHEN i.inhrelid IS NULL THEN 'detached'
			 ELSE 'active' END AS status
	FROM lakets._chunk_metadata m
	JOIN lakets._chronotable_registry r ON r.id = m.chronotable_id
	LEFT JOIN pg_catalog.pg_class c ON c.oid = m.chunk_relid
	LEFT JOIN pg_catalog.pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = r.relid;

REVOKE ALL ON lakets._chunk_status FROM PUBLIC;
GRANT SELECT ON lakets._chunk_status TO PUBLIC;

-- Per ChronoTable: its rows (planner estimates of analyzed partitions, exact
-- counts of the others; NULL for a caller who may not read the table), its
-- bytes over all partitions with indexes and TOAST (a Citus table's: its
-- shards', lakets._chunk_size()), and the rows sitting in its default
-- partition.
CREATE FUNCTION lakets._chronotable_sizes()
RETURNS TABLE (chronotable_id integer, relid regclass, estimated_rows bigint,
	size_bytes bigint, default_rows bigint)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT r.id, r.relid,
		(SELECT sum(lakets._chunk_row_count(p.relid))::bigint
		 FROM pg_partition_tree(r.relid) p WHERE p.isleaf),
		(SELECT coalesce(sum(CASE WHEN p.isleaf THEN lakets._chunk_size(p.relid)
								  ELSE pg_total_relation_size(p.relid) END), 0)::bigint
		 FROM pg_partition_tree(r.relid) p),
		(SELECT CASE WHEN pt.partdefid = 0 THEN 0
					 ELSE lakets._chunk_row_count(pt.partdefid) END
		 FROM pg_partitioned_table pt WHERE pt.partrelid = r.relid)
	FROM lakets._chronotable_registry r
	JOIN pg_class c ON c.oid = r.relid
$$;

CREATE FUNCTION lakets.lakets_metrics()
RETURNS TABLE (metric_name text, metric_value double precision, labels jsonb)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH sizes AS (SELECT * FROM lakets._chronotable_sizes()),
	last_run AS (
		SELECT DISTINCT ON (h.job) h.*
		FROM lakets.job_history h
		ORDER BY h.job, h.finished DESC, h.id DESC)
	-- the toolkit's metrics
	SELECT 'lakets_hypertables_total', count(*)::float8, '{}'::jsonb
	FROM lakets._chronotable_registry
	UNION ALL
	SELECT 'lakets_chunks_total', count(*)::float8, jsonb_build_object('status', s.status)
	FROM lakets._chunk_status s GROUP BY s.status
	UNION ALL
	SELECT 'lakets_estimated_rows', z.estimated_rows::float8,
		jsonb_build_object('table', z.relid::text)
	FROM sizes z WHERE z.estimated_rows IS NOT NULL
	UNION ALL
	SELECT 'lakets_rollup_watermark_lag_seconds',
		extract(epoch FROM now() - r.watermark)::float8, jsonb_build_object('rollup', r.name)
	FROM lakets._rollup_registry r WHERE isfinite(r.watermark)
	UNION ALL
	SELECT 'lakets_rollup_refresh_lag_seconds',
		extract(epoch FROM now() - r.last_refresh)::float8, jsonb_build_object('rollup', r.name)
	FROM lakets._rollup_registry r WHERE r.last_refresh IS NOT NULL
	UNION ALL
	-- time ranges waiting to be recomputed: the RollUp's own log, and the
	-- source's log not yet handed to it (lakets has one tier: hot)
	SELECT 'lakets_rollup_invalidation_log_depth',
		((SELECT count(*) FROM lakets._rollup_invalidation_log l WHERE l.rollup_id = r.id)
		 + CASE WHEN r.invalidation_enabled THEN
			(SELECT count(*) FROM lakets._source_invalidation_log s
			 WHERE s.source_relid = r.source_relid) ELSE 0 END)::float8,
		jsonb_build_object('rollup', r.name, 'tier', 'hot')
	FROM lakets._rollup_registry r
	UNION ALL
	SELECT 'lakets_policies_total', count(*)::float8, jsonb_build_object('type', 'retention')
	FROM lakets._retention_policy HAVING count(*) > 0
	UNION ALL
	SELECT 'lakets_database_size_bytes', pg_database_size(current_database())::float8, '{}'::jsonb
	-- lakets' own
	UNION ALL
	SELECT 'lakets_table_size_bytes', z.size_bytes::float8, jsonb_build_object('table', z.relid::text)
	FROM sizes z
	UNION ALL
	SELECT 'lakets_default_partition_rows', z.default_rows::float8,
		jsonb_build_object('table', z.relid::text)
	FROM sizes z WHERE z.default_rows IS NOT NULL
	UNION ALL
	SELECT 'lakets_rollups_total', count(*)::float8, '{}'::jsonb FROM lakets._rollup_registry
	UNION ALL
	SELECT 'lakets_retention_drop_after_seconds', extract(epoch FROM p.drop_after)::float8,
		jsonb_build_object('table', p.relid::text)
	FROM lakets._retention_policy p JOIN pg_class c ON c.oid = p.relid
	UNION ALL
	SELECT 'lakets_maintenance_last_run_timestamp_seconds', extract(epoch FROM j.finished)::float8,
		jsonb_build_object('job', j.job, 'status', j.status)
	FROM last_run j
	UNION ALL
	SELECT 'lakets_maintenance_last_run_success',
		CASE WHEN j.status = 'succeeded' THEN 1 ELSE 0 END::float8,
		jsonb_build_object('job', j.job)
	FROM last_run j
	UNION ALL
	SELECT 'lakets_maintenance_last_run_duration_seconds',
		extract(epoch FROM j.finished - j.started)::float8, jsonb_build_object('job', j.job)
	FROM last_run j
	UNION ALL
	SELECT 'lakets_maintenance_last_run_errors', j.errors::float8, jsonb_build_object('job', j.job)
	FROM last_run j
$$;

COMMENT ON FUNCTION lakets.lakets_metrics() IS
	'lakets operational metrics, one row per metric and label set (Prometheus names; for sql_exporter or a Grafana PostgreSQL source).';

CREATE FUNCTION lakets.chunk_health()
RETURNS TABLE (hypertable text, total_chunks bigint, active_chunks bigint,
	tiered_chunks bigint, dropped_chunks bigint, oldest_active timestamptz,
	newest_active timestamptz, detached_chunks bigint, default_partition_rows bigint)
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT z.relid::text,
		count(s.status),
		count(*) FILTER (WHERE s.status = 'active'),
		count(*) FILTER (WHERE s.status = 'tiered'),
		count(*) FILTER (WHERE s.status = 'dropped'),
		min(s.range_start) FILTER (WHERE s.status = 'active'),
		max(s.range_end) FILTER (WHERE s.status = 'active'),
		count(*) FILTER (WHERE s.status = 'detached'),
		z.default_rows
	FROM lakets._chronotable_sizes() z
	JOIN pg_class c ON c.oid = z.relid
	JOIN pg_namespace n ON n.oid = c.relnamespace
	LEFT JOIN lakets._chunk_status s ON s.chronotable_id = z.chronotable_id
	GROUP BY z.relid, z.default_rows, n.nspname, c.relname
	ORDER BY n.nspname, c.relname
$$;

COMMENT ON FUNCTION lakets.chunk_health() IS
	'Per ChronoTable: its chunks by status, the range its active chunks cover, and the rows in its default partition (rows no chunk covers).';

CREATE FUNCTION lakets.query_stats(p_limit integer DEFAULT 20)
RETURNS TABLE (query text, calls bigint, total_time_ms double precision,
	mean_time_ms double precision, rows_returned bigint)
AS 'MODULE_PATHNAME', 'lakets_query_stats'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION lakets.query_stats(integer) IS
	'The p_limit statements of pg_stat_statements mentioning lakets or time_bucket that took the most time; no rows when pg_stat_statements is not installed or not loaded.';
