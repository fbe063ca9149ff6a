-- timebucket.sql: chunk arithmetic exposed to SQL (used by lakets itself).

CREATE FUNCTION lakets._chunk_start(p_time timestamptz, p_chunk_interval interval)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'lakets_chunk_start'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lakets._chunk_start(p_time timestamp, p_chunk_interval interval)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'lakets_chunk_start'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lakets._chunk_start(p_time date, p_chunk_interval interval)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'lakets_chunk_start'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION lakets._chunk_start(timestamptz, interval) IS
	'UTC start of the chunk of width p_chunk_interval that holds p_time (a timestamp is read as UTC, a date as its midnight UTC).';
