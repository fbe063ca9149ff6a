-- timefuncs.sql: the time-series functions of the LakeTS toolkit API, in C.
-- time_bucket() aligns in UTC on 2000-01-01 (or on p_origin), month widths
-- included, whatever the session TimeZone; the p_timezone variant buckets
-- by the wall clock of the named zone. See docs/functions.md.

CREATE FUNCTION lakets.time_bucket(p_interval interval, p_timestamp timestamptz)
RETURNS timestamptz AS 'MODULE_PATHNAME', 'lakets_time_bucket_timestamp'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lakets.time_bucket(p_interval interval, p_timestamp timestamp)
RETURNS timestamp AS 'MODULE_PATHNAME', 'lakets_time_bucket_timestamp'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lakets.time_bucket(p_interval interval, p_timestamp date)
RETURNS date AS 'MODULE_PATHNAME', 'lakets_time_bucket'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lakets.time_bucket(p_interval interval, p_timestamp timestamptz, p_origin timestamptz)
RETURNS timestamptz AS 'MODULE_PATHNAME', 'lakets_time_bucket_origin'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lakets.time_bucket(p_interval interval, p_timestamp timestamp, p_origin timestamp)
RETURNS timestamp AS 'MODULE_PATHNAME', 'lakets_time_bucket_origin'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- IMMUTABLE although it reads the time zone database: the zone is an
-- argument, not the session's TimeZone (as for TimescaleDB's variant).
CREATE FUNCTION lakets.time_bucket(p_interval interval, p_timestamp timestamptz, p_timezone text)
RETURNS timestamptz AS 'MODULE_PATHNAME', 'lakets_time_bucket_zone'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION lakets.time_bucket(p_interval interval, p_timestamp timestamptz, p_timezone text,
	p_origin timestamptz)
RETURNS timestamptz AS 'MODULE_PATHNAME', 'lakets_time_bucket_zone'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION lakets.time_bucket(interval, timestamptz) IS
	'Start of the bucket of width p_interval holding p_timestamp, aligned on 2000-01-01 00:00 UTC (months from January 2000), independent of the session TimeZone.';
COMMENT ON FUNCTION lakets.time_bucket(interval, timestamptz, text) IS
	'Start of the bucket of width p_interval holding p_timestamp on the wall clock of time zone p_timezone (days and months start at local midnight), aligned on 2000-01-01 00:00 local time.';

-- first() / last(): the value at the earliest / latest time of the group,
-- for any value type and a time of type timestamptz, timestamp, date or
-- bigint. NULL times are ignored (a NULL value is a value). On equal times
-- first() takes the smallest value and last() the largest, by the value
-- type's default sort order with NULL last: first() is the value of the
-- first row of ORDER BY time, value and last() that of the last row,
-- whatever the input order or the parallel split. C, parallel (combine,
-- serialize, deserialize). See extension/bookend.c.
CREATE FUNCTION lakets._bookend_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'lakets_bookend_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lakets._bookend_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_bookend_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lakets._first_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_first_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION lakets._last_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_last_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION lakets._first_sfunc(internal, anyelement, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_first_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION lakets._last_sfunc(internal, anyelement, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_last_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION lakets._bookend_final(internal, anyelement, timestamptz)
RETURNS anyelement AS 'MODULE_PATHNAME', 'lakets_bookend_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE lakets.first(value anyelement, "time" timestamptz) (
	SFUNC = lakets._first_sfunc, STYPE = internal,
	FINALFUNC = lakets._bookend_final, FINALFUNC_EXTRA,
	COMBINEFUNC = lakets._first_combine,
	SERIALFUNC = lakets._bookend_serialize, DESERIALFUNC = lakets._bookend_deserialize,
	PARALLEL = SAFE
);

CREATE AGGREGATE lakets.last(value anyelement, "time" timestamptz) (
	SFUNC = lakets._last_sfunc, STYPE = internal,
	FINALFUNC = lakets._bookend_final, FINALFUNC_EXTRA,
	COMBINEFUNC = lakets._last_combine,
	SERIALFUNC = lakets._bookend_serialize, DESERIALFUNC = lakets._bookend_deserialize,
	PARALLEL = SAFE
);

CREATE FUNCTION lakets._first_sfunc(internal, anyelement, timestamp)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_first_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION lakets._last_sfunc(internal, anyelement, timestamp)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_last_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION lakets._bookend_final(internal, anyelement, timestamp)
RETURNS anyelement AS 'MODULE_PATHNAME', 'lakets_bookend_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE lakets.first(value anyelement, "time" timestamp) (
	SFUNC = lakets._first_sfunc, STYPE = internal,
	FINALFUNC = lakets._bookend_final, FINALFUNC_EXTRA,
	COMBINEFUNC = lakets._first_combine,
	SERIALFUNC = lakets._bookend_serialize, DESERIALFUNC = lakets._bookend_deserialize,
	PARALLEL = SAFE
);

CREATE AGGREGATE lakets.last(value anyelement, "time" timestamp) (
	SFUNC = lakets._last_sfunc, STYPE = internal,
	FINALFUNC = lakets._bookend_final, FINALFUNC_EXTRA,
	COMBINEFUNC = lakets._last_combine,
	SERIALFUNC = lakets._bookend_serialize, DESERIALFUNC = lakets._bookend_deserialize,
	PARALLEL = SAFE
);

CREATE FUNCTION lakets._first_sfunc(internal, anyelement, date)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_first_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION lakets._last_sfunc(internal, anyelement, date)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_last_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION lakets._bookend_final(internal, anyelement, date)
RETURNS anyelement AS 'MODULE_PATHNAME', 'lakets_bookend_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE lakets.first(value anyelement, "time" date) (
	SFUNC = lakets._first_sfunc, STYPE = internal,
	FINALFUNC = lakets._bookend_final, FINALFUNC_EXTRA,
	COMBINEFUNC = lakets._first_combine,
	SERIALFUNC = lakets._bookend_serialize, DESERIALFUNC = lakets._bookend_deserialize,
	PARALLEL = SAFE
);

CREATE AGGREGATE lakets.last(value anyelement, "time" date) (
	SFUNC = lakets._last_sfunc, STYPE = internal,
	FINALFUNC = lakets._bookend_final, FINALFUNC_EXTRA,
	COMBINEFUNC = lakets._last_combine,
	SERIALFUNC = lakets._bookend_serialize, DESERIALFUNC = lakets._bookend_deserialize,
	PARALLEL = SAFE
);

CREATE FUNCTION lakets._first_sfunc(internal, anyelement, bigint)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_first_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION lakets._last_sfunc(internal, anyelement, bigint)
RETURNS internal AS 'MODULE_PATHNAME', 'lakets_last_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION lakets._bookend_final(internal, anyelement, bigint)
RETURNS anyelement AS 'MODULE_PATHNAME', 'lakets_bookend_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE lakets.first(value anyelement, "time" bigint) (
	SFUNC = lakets._first_sfunc, STYPE = internal,
	FINALFUNC = lakets._bookend_final, FINALFUNC_EXTRA,
	COMBINEFUNC = lakets._first_combine,
	SERIALFUNC = lakets._bookend_serialize, DESERIALFUNC = lakets._bookend_deserialize,
	PARALLEL = SAFE
);

CREATE AGGREGATE lakets.last(value anyelement, "time" bigint) (
	SFUNC = lakets._last_sfunc, STYPE = internal,
	FINALFUNC = lakets._bookend_final, FINALFUNC_EXTRA,
	COMBINEFUNC = lakets._last_combine,
	SERIALFUNC = lakets._bookend_serialize, DESERIALFUNC = lakets._bookend_deserialize,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE lakets.first(anyelement, timestamptz) IS
	'The value at the earliest non-NULL time; on equal times the smallest value (NULL last).';
COMMENT ON AGGREGATE lakets.last(anyelement, timestamptz) IS
	'The value at the latest non-NULL time; on equal times the largest value (NULL last).';

-- time_bucket_gapfill(): every bucket start from the bucket of p_start to
-- the bucket of p_finish, both included.
CREATE FUNCTION lakets.time_bucket_gapfill(p_interval interval, p_start timestamptz, p_finish timestamptz)
RETURNS SETOF timestamptz AS 'MODULE_PATHNAME', 'lakets_time_bucket_gapfill'
LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 100;

-- locf_agg(value) OVER (ORDER BY ...): the last non-NULL value so far.
CREATE FUNCTION lakets._locf_sfunc(anyelement, anyelement)
RETURNS anyelement AS 'MODULE_PATHNAME', 'lakets_locf_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE lakets.locf_agg(value anyelement) (
	SFUNC = lakets._locf_sfunc, STYPE = anyelement, PARALLEL = SAFE
);
COMMENT ON AGGREGATE lakets.locf_agg(anyelement) IS
	'As a window function (OVER (ORDER BY bucket)): the last non-NULL value up to the current row, carried over any run of NULLs.';

-- The toolkit's scalar helpers, same signatures and NULL behaviour.
CREATE FUNCTION lakets.locf(p_value double precision, p_prev_value double precision DEFAULT NULL)
RETURNS double precision AS 'MODULE_PATHNAME', 'lakets_locf'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION lakets.interpolate(p_value double precision, p_prev_value double precision,
	p_next_value double precision, p_prev_time timestamptz, p_curr_time timestamptz,
	p_next_time timestamptz)
RETURNS double precision AS 'MODULE_PATHNAME', 'lakets_interpolate'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION lakets.delta(p_value double precision, p_prev_value double precision,
	p_handle_resets boolean DEFAULT true)
RETURNS double precision AS 'MODULE_PATHNAME', 'lakets_delta'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION lakets.rate(p_value double precision, p_prev_value double precision,
	p_time timestamptz, p_prev_time timestamptz, p_handle_resets boolean DEFAULT true)
RETURNS double precision AS 'MODULE_PATHNAME', 'lakets_rate'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION lakets.histogram(p_value double precision, p_min double precision,
	p_max double precision, p_num_buckets integer)
RETURNS integer AS 'MODULE_PATHNAME', 'lakets_histogram'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
