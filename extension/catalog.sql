-- catalog.sql: the lakets registry. Only extension/catalog.c writes to these
-- tables (as their owner, after checking that the caller owns the table it
-- acts on); everyone may read them.

CREATE TABLE lakets._chronotable_registry (
	id				serial PRIMARY KEY,
	schema_name		name NOT NULL,
	table_name		name NOT NULL,
	time_column		name NOT NULL,
	time_type		text NOT NULL
		CHECK (time_type IN ('timestamp with time zone', 'timestamp without time zone', 'date')),
	chunk_interval	interval NOT NULL,
	past_count		integer NOT NULL DEFAULT 1 CHECK (past_count >= 0),
	future_count	integer NOT NULL DEFAULT 3 CHECK (future_count >= 0),
	created_at		timestamptz NOT NULL DEFAULT now(),
	UNIQUE (schema_name, table_name)
);

COMMENT ON TABLE lakets._chronotable_registry IS
	'One row per ChronoTable: its time column, chunk interval and the window of chunks kept ahead.';

CREATE TABLE lakets._chunk_metadata (
	id				bigserial PRIMARY KEY,
	chronotable_id	integer NOT NULL
		REFERENCES lakets._chronotable_registry (id) ON DELETE CASCADE,
	chunk_schema	name NOT NULL,
	chunk_name		name NOT NULL,
	range_start		timestamptz NOT NULL,
	range_end		timestamptz NOT NULL,
	status			text NOT NULL DEFAULT 'active'
		CHECK (status IN ('active', 'tiered', 'dropped')),
	created_at		timestamptz NOT NULL DEFAULT now(),
	dropped_at		timestamptz,
	CHECK (range_start < range_end),
	UNIQUE (chronotable_id, range_start)
);

COMMENT ON TABLE lakets._chunk_metadata IS
	'One row per chunk ever created; a dropped chunk stays as a tombstone (status dropped) so that its range is never re-created.';

CREATE INDEX ON lakets._chunk_metadata (chronotable_id, range_end);
-- retention looks at live chunks only; tombstones accumulate
CREATE INDEX ON lakets._chunk_metadata (chronotable_id, range_start) WHERE status <> 'dropped';

SELECT pg_catalog.pg_extension_config_dump('lakets._chronotable_registry', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._chronotable_registry_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._chunk_metadata', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._chunk_metadata_id_seq', '');

REVOKE ALL ON lakets._chronotable_registry, lakets._chunk_metadata FROM PUBLIC;
GRANT SELECT ON lakets._chronotable_registry, lakets._chunk_metadata TO PUBLIC;
GRANT USAGE ON SCHEMA lakets TO PUBLIC;
