-- catalog.sql: the lakets registry. Only extension/catalog.c writes to these
-- tables (as their owner, after checking that the caller owns the table it
-- acts on); everyone may read them.
--
-- Tables are tracked by OID (regclass), never by name: renaming a table or
-- its schema changes nothing for lakets, and a new table that takes the
-- name of a dropped one is not mistaken for it. regclass columns survive
-- pg_dump and restore (they are dumped as qualified names and read back as
-- the new OIDs).

CREATE TABLE lakets._chronotable_registry (
	id				serial PRIMARY KEY,
	relid			regclass NOT NULL UNIQUE,
	time_column		name NOT NULL,
	time_type		text NOT NULL
		CHECK (time_type IN ('timestamp with time zone', 'timestamp without time zone', 'date')),
	chunk_interval	interval NOT NULL,
	past_count		integer NOT NULL DEFAULT 1 CHECK (past_count >= 0),
	future_count	integer NOT NULL DEFAULT 3 CHECK (future_count >= 0),
	-- storage parameters of the converted table, applied to every chunk
	-- (a partitioned table cannot hold them itself)
	chunk_options	text[],
	-- retention deleted the rows of the default partition before this
	-- instant: RollUps never recompute buckets from before it
	expired_before	timestamptz,
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	-- every chunk of [covered_from, covered_until) exists or is a
	-- tombstone (chunk rows are never deleted): ensure_partitions() needs
	-- no chunk lookup while the window lies inside it (ensure.c)
	covered_from	timestamptz,
	covered_until	timestamptz
);

COMMENT ON TABLE lakets._chronotable_registry IS
	'One row per ChronoTable: its time column, chunk interval and the window of chunks kept ahead.';

CREATE TABLE lakets._chunk_metadata (
	id				bigserial PRIMARY KEY,
	chronotable_id	integer NOT NULL
		REFERENCES lakets._chronotable_registry (id) ON DELETE CASCADE,
	-- NULL once the chunk is no longer a partition lakets manages
	chunk_relid		regclass,
	chunk_name		name NOT NULL,		-- the name it was created with
	range_start		timestamptz NOT NULL,
	range_end		timestamptz NOT NULL,
	status			text NOT NULL DEFAULT 'active'
		CHECK (status IN ('active', 'tiered', 'dropped', 'detached')),
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	dropped_at		timestamptz,
	CHECK (range_start < range_end),
	CHECK ((status = 'active') = (chunk_relid IS NOT NULL)),
	UNIQUE (chronotable_id, range_start)
);

COMMENT ON TABLE lakets._chunk_metadata IS
	'One row per chunk ever created; a dropped or detached chunk stays as a tombstone so that its range is never re-created.';

CREATE INDEX ON lakets._chunk_metadata (chronotable_id, range_end);
-- retention looks at live chunks only; tombstones accumulate
CREATE INDEX ON lakets._chunk_metadata (chronotable_id, range_start) WHERE status = 'active';
CREATE INDEX ON lakets._chunk_metadata (chunk_relid);

SELECT pg_catalog.pg_extension_config_dump('lakets._chronotable_registry', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._chronotable_registry_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._chunk_metadata', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._chunk_metadata_id_seq', '');

REVOKE ALL ON lakets._chronotable_registry, lakets._chunk_metadata FROM PUBLIC;
GRANT SELECT ON lakets._chronotable_registry, lakets._chunk_metadata TO PUBLIC;
GRANT USAGE ON SCHEMA lakets TO PUBLIC;
