/*
 * timebucket.c
 *	  Pure bucket/chunk arithmetic: UTC alignment, month buckets, overflow.
 *
 * Buckets are aligned like date_bin(interval, t, '2000-01-01 00:00+00'):
 * the origin is PostgreSQL's own epoch, so a fixed-width bucket start is a
 * floor division of the internal value. Month intervals count whole months
 * from January 2000 (UTC). A day is always 24 hours here: we work in UTC.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "lib/stringinfo.h"
#include "utils/timestamp.h"

#include "rangeset.h"
#include "timebucket.h"

static void
out_of_range(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("timestamp out of range for lakets chunking")));
}

bool
lakets_is_time_type(Oid typid)
{
	return typid == TIMESTAMPTZOID || typid == TIMESTAMPOID || typid == DATEOID;
}

/* Width of a fixed (non-month) interval in microseconds. */
static int64
interval_usecs(const Interval *iv)
{
	int64		usecs;

	if (pg_mul_s64_overflow((int64) iv->day, USECS_PER_DAY, &usecs) ||
		pg_add_s64_overflow(usecs, iv->time, &usecs))
		out_of_range();
	return usecs;
}

/*
 * Check that an interval can be a chunk or bucket width: positive (in all:
 * '1 day -1 hour' is 23 hours), either months or days/time but not both,
 * and whole days for a date column.
 */
void
lakets_validate_interval(const Interval *iv, Oid time_type, const char *what)
{
	int64		usecs = 0;		/* days and time in microseconds, no months */

	if (iv->month != 0 && (iv->day != 0 || iv->time != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not mix months with days or time", what),
				 errdetail("Months have no fixed length, so a width such as "
						   "\"1 month 2 days\" has no stable alignment."),
				 errhint("Use a whole number of months (e.g. '1 month'), or "
						 "days and time only (e.g. '30 days').")));
	/* a day is 24 hours here, so '1 day -1 hour' is 23 hours */
	if (iv->month == 0 &&
		(pg_mul_s64_overflow((int64) iv->day, USECS_PER_DAY, &usecs) ||
		 pg_add_s64_overflow(usecs, iv->time, &usecs)))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s is out of range", what),
				 errdetail("A width of days and time must come to less than 2^63 microseconds (about 292,000 years).")));
	if (iv->month < 0 || (iv->month == 0 && usecs <= 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be positive", what),
				 errhint("Use a positive width such as '1 day' or '1 month'.")));
	if (time_type == DATEOID && iv->month == 0 && usecs % USECS_PER_DAY != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s for a date column must be a whole number of days or months",
						what),
				 errhint("Use e.g. '1 day', '7 days' or '1 month'.")));
}

static int64
floor_div(int64 a, int64 b)
{
	int64		q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* Months since January 2000 of a UTC instant. */
static int64
month_index(int64 t)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm((Timestamp) t, NULL, &tm, &fsec, NULL, NULL) != 0)
		out_of_range();
	return (int64) (tm.tm_year - 2000) * MONTHS_PER_YEAR + (tm.tm_mon - 1);
}

static int64
month_index_to_utc(int64 mi)
{
	struct pg_tm tm;
	Timestamp	result;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 2000 + (int) floor_div(mi, MONTHS_PER_YEAR);
	tm.tm_mon = (int) (mi - floor_div(mi, MONTHS_PER_YEAR) * MONTHS_PER_YEAR) + 1;
	tm.tm_mday = 1;
	if (tm2timestamp(&tm, 0, NULL, &result) != 0 || !IS_VALID_TIMESTAMP(result))
		out_of_range();
	return (int64) result;
}

/* Start of the bucket of width iv that contains t. */
int64
lakets_bucket_start(int64 t, const Interval *iv)
{
	if (TIMESTAMP_NOT_FINITE(t) || !IS_VALID_TIMESTAMP(t))
		out_of_range();
	if (iv->month != 0)
		return month_index_to_utc(floor_div(month_index(t), iv->month) * iv->month);
	else
	{
		int64		width = interval_usecs(iv);

		return floor_div(t, width) * width;
	}
}

/*
 * Start of the bucket containing t for buckets aligned on "origin" instead of
 * 2000-01-01 (fixed widths only: months always count from January 2000).
 */
int64
lakets_bucket_start_origin(int64 t, const Interval *iv, int64 origin)
{
	int64		offset;

	if (origin == 0)
		return lakets_bucket_start(t, iv);
	if (iv->month != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("an origin is not supported with month-based bucket widths")));
	if (TIMESTAMP_NOT_FINITE(t) || pg_sub_s64_overflow(t, origin, &offset))
		out_of_range();
	return origin + lakets_bucket_start(offset, iv);
}

/* start + n buckets (n may be negative); start must be aligned. */
int64
lakets_bucket_add(int64 start, const Interval *iv, int64 n)
{
	int64		result;

	if (iv->month != 0)
	{
		int64		months;

		if (pg_mul_s64_overflow(n, iv->month, &months))
			out_of_range();
		return month_index_to_utc(month_index(start) + months);
	}
	if (pg_mul_s64_overflow(n, interval_usecs(iv), &result) ||
		pg_add_s64_overflow(start, result, &result) ||
		!IS_VALID_TIMESTAMP(result))
		out_of_range();
	return result;
}

/* A time column value as a UTC instant (see the header comment). */
int64
lakets_time_to_utc(Datum value, Oid typid)
{
	switch (typid)
	{
		case TIMESTAMPTZOID:
			return DatumGetTimestampTz(value);
		case TIMESTAMPOID:
			return DatumGetTimestamp(value);
		case DATEOID:
			{
				DateADT		d = DatumGetDateADT(value);

				if (DATE_IS_NOBEGIN(d))
					return DT_NOBEGIN;
				if (DATE_IS_NOEND(d))
					return DT_NOEND;
				return (int64) d * USECS_PER_DAY;
			}
		default:
			elog(ERROR, "unexpected time type %u", typid);
	}
	return 0;					/* keep compiler quiet */
}

Datum
lakets_utc_to_time(int64 t, Oid typid)
{
	if (typid == DATEOID && (t == DT_NOBEGIN || t == DT_NOEND))
	{
		DateADT		d;

		if (t == DT_NOBEGIN)
			DATE_NOBEGIN(d);
		else
			DATE_NOEND(d);
		return DateADTGetDatum(d);
	}
	switch (typid)
	{
		case TIMESTAMPTZOID:
			return TimestampTzGetDatum(t);
		case TIMESTAMPOID:
			return TimestampGetDatum(t);
		case DATEOID:
			return DateADTGetDatum((DateADT) floor_div(t, USECS_PER_DAY));
		default:
			elog(ERROR, "unexpected time type %u", typid);
	}
	return (Datum) 0;			/* keep compiler quiet */
}

/* Whether lakets_time_literal() can write t (the years 1 to 9999). */
bool
lakets_time_in_literal_range(int64 t)
{
	struct pg_tm tm;
	fsec_t		fsec;

	return !TIMESTAMP_NOT_FINITE(t) &&
		timestamp2tm((Timestamp) t, NULL, &tm, &fsec, NULL, NULL) == 0 &&
		tm.tm_year > 0 && tm.tm_year <= 9999;
}

static void
utc_fields(int64 t, struct pg_tm *tm, fsec_t *fsec)
{
	if (timestamp2tm((Timestamp) t, NULL, tm, fsec, NULL, NULL) != 0 ||
		tm->tm_year <= 0 || tm->tm_year > 9999)
		out_of_range();
}

/*
 * A literal of the time column's type for t, in ISO form (accepted whatever
 * DateStyle is) with an explicit UTC offset for timestamptz.
 */
char *
lakets_time_literal(int64 t, Oid typid)
{
	struct pg_tm tm;
	fsec_t		fsec;
	char		frac[16] = "";

	utc_fields(t, &tm, &fsec);
	if (typid == DATEOID)
		return psprintf("%04d-%02d-%02d", tm.tm_year, tm.tm_mon, tm.tm_mday);
	if (fsec != 0)
		snprintf(frac, sizeof(frac), ".%06d", (int) fsec);
	return psprintf("%04d-%02d-%02d %02d:%02d:%02d%s%s",
					tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec, frac,
					typid == TIMESTAMPTZOID ? "+00" : "");
}

/* "_YYYYMMDD_HHMMSS" of t in UTC, the suffix of a chunk's name. */
char *
lakets_time_suffix(int64 t)
{
	struct pg_tm tm;
	fsec_t		fsec;

	utc_fields(t, &tm, &fsec);
	return psprintf("_%04d%02d%02d_%02d%02d%02d",
					tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * SQL: lakets._chunk_start(value, width) -> timestamptz, the UTC start of the
 * chunk holding value. One C function serves the three time types.
 */
PG_FUNCTION_INFO_V1(lakets_chunk_start);
Datum
lakets_chunk_start(PG_FUNCTION_ARGS)
{
	Oid			typid = get_fn_expr_argtype(fcinfo->flinfo, 0);
	Interval   *iv = PG_GETARG_INTERVAL_P(1);

	lakets_validate_interval(iv, InvalidOid, "chunk interval");
	PG_RETURN_TIMESTAMPTZ(lakets_bucket_start(lakets_time_to_utc(PG_GETARG_DATUM(0), typid), iv));
}

/* The multirange type of a time type (tstzmultirange, tsmultirange, datemultirange). */
Oid
lakets_multirange_type(Oid typid)
{
	switch (typid)
	{
		case TIMESTAMPTZOID:
			return TSTZMULTIRANGEOID;
		case TIMESTAMPOID:
			return TSMULTIRANGEOID;
		case DATEOID:
			return DATEMULTIRANGEOID;
		default:
			elog(ERROR, "unexpected time type %u", typid);
	}
	return InvalidOid;			/* keep compiler quiet */
}

/*
 * The ranges of a set as a multirange literal of the time type typid, or
 * NULL when a bound cannot be written (infinite, or outside the years 1 to
 * 9999).
 */
char *
lakets_multirange_literal(const RangeSet *set, Oid typid)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (i = 0; i < set->count; i++)
	{
		const TimeRange *r = &set->ranges[i];

		if (!lakets_time_in_literal_range(r->start) || !lakets_time_in_literal_range(r->end))
			return NULL;
		appendStringInfo(&buf, "%s[\"%s\",\"%s\")", i > 0 ? "," : "",
						 lakets_time_literal(r->start, typid), lakets_time_literal(r->end, typid));
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}
