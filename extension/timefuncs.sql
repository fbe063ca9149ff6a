-- timefuncs.sql: time-series functions. time_bucket() aligns in UTC on
-- 2000-01-01 (or on origin), month widths included, whatever the session
-- TimeZone.

CREATE FUNCTION lakets.time_bucket(bucket_width interval, ts timestamptz)
RETURNS timestamptz AS 'MODULE_PATHNAME', 'lakets_time_bucket'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lakets.time_bucket(bucket_width interval, ts timestamp)
RETURNS timestamp AS 'MODULE_PATHNAME', 'lakets_time_bucket'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lakets.time_bucket(bucket_width interval, ts date)
RETURNS date AS 'MODULE_PATHNAME', 'lakets_time_bucket'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lakets.time_bucket(bucket_width interval, ts timestamptz, origin timestamptz)
RETURNS timestamptz AS 'MODULE_PATHNAME', 'lakets_time_bucket_origin'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lakets.time_bucket(bucket_width interval, ts timestamp, origin timestamp)
RETURNS timestamp AS 'MODULE_PATHNAME', 'lakets_time_bucket_origin'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION lakets.time_bucket(interval, timestamptz) IS
	'Start of the bucket of width bucket_width holding ts, aligned on 2000-01-01 00:00 UTC (months from January 2000), independent of the session TimeZone.';
