-- lvc.sql: the Last Value Cache (extension/lvc.c). A cache table per
-- ChronoTable holds, for each key, the values of its row with the newest
-- time; row triggers note what a statement writes and a statement trigger
-- writes it to the cache once per key.

CREATE TABLE lakets._lvc_registry (
	id				serial PRIMARY KEY,
	-- the source goes, its LVC goes (with its cache table, see lvc.c)
	chronotable_id	integer NOT NULL UNIQUE
		REFERENCES lakets._chronotable_registry (id) ON DELETE CASCADE,
	source_relid	regclass NOT NULL UNIQUE,
	cache_relid		regclass NOT NULL UNIQUE,
	cache_table_name name NOT NULL,		-- the name it was created with
	key_columns		text[] NOT NULL,	-- as given to enable_lvc()
	value_columns	text[] NOT NULL,
	-- the same columns by number: the source's columns may be renamed
	key_attnums		int2[] NOT NULL,
	value_attnums	int2[] NOT NULL,
	enabled			boolean NOT NULL DEFAULT true,
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now()
);

COMMENT ON TABLE lakets._lvc_registry IS
	'One row per ChronoTable with a Last Value Cache: its cache table, key and value columns.';

SELECT pg_catalog.pg_extension_config_dump('lakets._lvc_registry', '');
SELECT pg_catalog.pg_extension_config_dump('lakets._lvc_registry_id_seq', '');
REVOKE ALL ON lakets._lvc_registry FROM PUBLIC;
GRANT SELECT ON lakets._lvc_registry TO PUBLIC;

CREATE FUNCTION lakets.enable_lvc(
	p_table_name text,
	p_key_columns text[],
	p_value_columns text[],
	p_schema_name text DEFAULT 'public')
RETURNS void
AS 'MODULE_PATHNAME', 'lakets_enable_lvc'
LANGUAGE C;

COMMENT ON FUNCTION lakets.enable_lvc(text, text[], text[], text) IS
	'Create the Last Value Cache of a ChronoTable: <schema>._lvc_<table>, one row per key with the values of its newest row, filled from the rows there are and kept up to date by triggers.';

CREATE FUNCTION lakets.disable_lvc(
	p_table_name text,
	p_schema_name text DEFAULT 'public')
RETURNS void
AS 'MODULE_PATHNAME', 'lakets_disable_lvc'
LANGUAGE C;

COMMENT ON FUNCTION lakets.disable_lvc(text, text) IS
	'Drop the Last Value Cache of a ChronoTable: its triggers and its cache table.';

CREATE FUNCTION lakets.latest_values(
	p_table_name text,
	p_schema_name text DEFAULT 'public')
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lakets_latest_values'
LANGUAGE C STABLE;

COMMENT ON FUNCTION lakets.latest_values(text, text) IS
	'The rows of a ChronoTable''s Last Value Cache, newest first: its key columns, value columns and last_updated (the time of the row cached). Call it with a column definition list.';

CREATE FUNCTION lakets.lvc_stats()
RETURNS TABLE (
	chronotable text,
	cache_table text,
	cached_series bigint,
	key_columns text,
	value_columns text,
	enabled boolean)
AS 'MODULE_PATHNAME', 'lakets_lvc_stats'
LANGUAGE C STABLE;

COMMENT ON FUNCTION lakets.lvc_stats() IS
	'Every Last Value Cache: its ChronoTable, cache table, number of keys cached (NULL where the caller may not read the ChronoTable), key and value columns.';

-- What the triggers call. _lvc_note(source, nkeys, time, keys..., values...)
-- and _lvc_forget(source, nkeys, time, keys...) run in the WHEN clause of
-- the row triggers and return false (no trigger event is ever queued);
-- _lvc_trigger() is the statement trigger that writes to the cache.
CREATE FUNCTION lakets._lvc_note(regclass, integer, VARIADIC "any")
RETURNS boolean
AS 'MODULE_PATHNAME', 'lakets_lvc_note'
LANGUAGE C VOLATILE;

CREATE FUNCTION lakets._lvc_forget(regclass, integer, VARIADIC "any")
RETURNS boolean
AS 'MODULE_PATHNAME', 'lakets_lvc_forget'
LANGUAGE C VOLATILE;

CREATE FUNCTION lakets._lvc_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'lakets_lvc_trigger'
LANGUAGE C;
