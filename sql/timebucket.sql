-- timebucket: chunk alignment is UTC-based like
-- date_bin(width, t, '2000-01-01 00:00+00'), whatever the session TimeZone.
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'America/New_York';

SELECT lakets._chunk_start('2024-03-10 12:00+00'::timestamptz, '1 day') AT TIME ZONE 'UTC' AS day;
SELECT lakets._chunk_start('2024-03-10 03:00-05'::timestamptz, '1 day') AT TIME ZONE 'UTC' AS day_across_utc_midnight;
-- 2000-01-01 was a Saturday: 7-day chunks start on Saturdays
SELECT lakets._chunk_start('2024-03-13 12:00+00'::timestamptz, '7 days') AT TIME ZONE 'UTC' AS week;
SELECT lakets._chunk_start('2024-03-10 12:34:56+00'::timestamptz, '15 minutes') AT TIME ZONE 'UTC' AS quarter_hour;
-- before the origin: floor, not truncation toward zero
SELECT lakets._chunk_start('1999-12-31 23:00+00'::timestamptz, '1 day') AT TIME ZONE 'UTC' AS before_origin;
SELECT lakets._chunk_start('1999-12-31 23:00+00'::timestamptz, '7 hours') AT TIME ZONE 'UTC' AS before_origin_hours;

-- months count from January 2000
SELECT lakets._chunk_start('2024-02-29 23:59:59+00'::timestamptz, '1 month') AT TIME ZONE 'UTC' AS month;
SELECT lakets._chunk_start('2024-05-15 00:00+00'::timestamptz, '3 months') AT TIME ZONE 'UTC' AS quarter;
SELECT lakets._chunk_start('2024-05-15 00:00+00'::timestamptz, '1 year') AT TIME ZONE 'UTC' AS year;
SELECT lakets._chunk_start('1999-11-15 00:00+00'::timestamptz, '2 months') AT TIME ZONE 'UTC' AS months_before_origin;
-- the evening of February 29th in New York is March in UTC
SELECT lakets._chunk_start('2024-02-29 22:00-05'::timestamptz, '1 month') AT TIME ZONE 'UTC' AS month_of_local_evening;

-- timestamp without time zone is read as UTC, date as midnight UTC
SELECT lakets._chunk_start('2024-03-10 23:30'::timestamp, '1 day') AT TIME ZONE 'UTC' AS ts_day;
SELECT lakets._chunk_start('2024-03-10'::date, '1 month') AT TIME ZONE 'UTC' AS date_month;

-- the same as date_bin for fixed widths, over DST changes and the origin
SELECT count(*) AS differences
FROM generate_series('1999-06-01 00:00+00'::timestamptz, '2001-06-01 00:00+00', '7 hours 13 minutes') AS t,
     unnest(ARRAY['1 hour', '5 hours', '1 day', '7 days', '90 seconds']::interval[]) AS w
WHERE lakets._chunk_start(t, w) <> date_bin(w, t, '2000-01-01 00:00+00');
-- and the same whatever the session time zone
SET TimeZone = 'Asia/Kolkata';
SELECT lakets._chunk_start('2024-03-10 12:00+00'::timestamptz, '1 day') AT TIME ZONE 'UTC' AS day_in_kolkata;
SELECT lakets._chunk_start('2024-03-10 12:00+00'::timestamptz, '1 month') AT TIME ZONE 'UTC' AS month_in_kolkata;

-- widths that cannot be chunk intervals
SELECT lakets._chunk_start(now(), '0 days');
SELECT lakets._chunk_start(now(), '-1 day');
SELECT lakets._chunk_start(now(), '1 month 1 day');
SELECT lakets._chunk_start(now(), '-1 day 1 hour');
SELECT lakets._chunk_start(now(), '200000000 days');
-- '1 day -1 hour' is 23 hours (a day is 24 hours in UTC)
SELECT lakets._chunk_start('2024-03-10 12:00+00'::timestamptz, '1 day -1 hour') AT TIME ZONE 'UTC' AS hours_23;
SELECT lakets._chunk_start('infinity'::timestamptz, '1 day');
SELECT lakets._chunk_start('-infinity'::date, '1 month');
