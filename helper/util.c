/*
 * util.c
 *		Checked allocation, secret wiping, deadlines, backoff, durations,
 *		random UUIDs for lakets-helper.
 *
 * Kept free of the network libraries so the fuzz targets link it alone.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "util.h"

volatile sig_atomic_t stop_requested = 0;

const char *
stop_signal_name(void)
{
	return stop_requested == SIGINT ? "SIGINT" : "SIGTERM";
}

static void
oom(size_t size)
{
	fprintf(stderr, "%s: error: out of memory (%zu bytes)\n", HELPER_NAME, size);
	exit(EXIT_CONN);
}

void *
xmalloc(size_t size)
{
	void	   *p = malloc(size ? size : 1);

	if (p == NULL)
		oom(size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	   *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom(n * size);
	return p;
}

void *
xrealloc(void *p, size_t size)
{
	void	   *q = realloc(p, size ? size : 1);

	if (q == NULL)
		oom(size);
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char	   *p;
	size_t		len = strnlen(s, n);

	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
xasprintf(const char *fmt,...)
{
	va_list		ap;
	int			n;
	char	   *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(0);
	p = xmalloc((size_t) n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t) n + 1, fmt, ap);
	va_end(ap);
	return p;
}

/*
 * Registered secrets, for redaction.  A handful at most are alive at once
 * (client secret, PAT, OAuth token, Postgres credential).
 */
#define MAX_SECRETS 16
static char *secrets[MAX_SECRETS];

void
secret_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		explicit_bzero(p, len);
}

char *
secret_adopt(char *s)
{
	int			i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < MAX_SECRETS; i++)
	{
		if (secrets[i] == NULL)
		{
			secrets[i] = s;
			break;
		}
	}
	return s;
}

char *
secret_dup(const char *s)
{
	return s ? secret_adopt(xstrdup(s)) : NULL;
}

void
secret_free(char *s)
{
	int			i;

	if (s == NULL)
		return;
	for (i = 0; i < MAX_SECRETS; i++)
		if (secrets[i] == s)
			secrets[i] = NULL;
	explicit_bzero(s, strlen(s));
	free(s);
}

/*
 * Replace every registered secret found in buf by "[redacted]".  Secrets
 * shorter than 6 bytes are ignored: they would match ordinary words.
 */
void
secret_redact(char *buf, size_t bufsize)
{
	static const char mask[] = "[redacted]";
	int			i;

	for (i = 0; i < MAX_SECRETS; i++)
	{
		const char *s = secrets[i];
		size_t		slen;
		char	   *hit;

		if (s == NULL || (slen = strlen(s)) < 6)
			continue;
		while ((hit = strstr(buf, s)) != NULL)
		{
			size_t		tail = strlen(hit + slen);
			size_t		pos = (size_t) (hit - buf);
			size_t		mlen = sizeof(mask) - 1;

			if (pos + mlen + tail + 1 > bufsize)
				mlen = 0;		/* no room: just cut the secret out */
			memmove(hit + mlen, hit + slen, tail + 1);
			memcpy(hit, mask, mlen);
		}
	}
}

void
strbuf_init(strbuf *sb)
{
	sb->data = NULL;
	sb->len = 0;
	sb->cap = 0;
}

void
strbuf_append(strbuf *sb, const char *data, size_t len)
{
	if (sb->len + len + 1 > sb->cap)
	{
		size_t		ncap = sb->cap ? sb->cap : 256;
		char	   *n;

		while (ncap < sb->len + len + 1)
			ncap *= 2;
		/* allocate fresh and wipe the old block: it may hold a secret */
		n = xmalloc(ncap);
		if (sb->data)
		{
			memcpy(n, sb->data, sb->len);
			explicit_bzero(sb->data, sb->cap);
			free(sb->data);
		}
		sb->data = n;
		sb->cap = ncap;
	}
	memcpy(sb->data + sb->len, data, len);
	sb->len += len;
	sb->data[sb->len] = '\0';
}

void
strbuf_appends(strbuf *sb, const char *s)
{
	strbuf_append(sb, s, strlen(s));
}

void
strbuf_free(strbuf *sb)
{
	if (sb->data)
	{
		explicit_bzero(sb->data, sb->cap);
		free(sb->data);
	}
	strbuf_init(sb);
}

static int64_t
clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

int64_t
boot_ms(void)
{
	return clock_ms(CLOCK_BOOTTIME);
}

void
deadline_start(deadline *d, int64_t budget_ms)
{
	d->end_ms = budget_ms > 0 ? now_ms() + budget_ms : 0;
}

int64_t
deadline_left_ms(const deadline *d)
{
	int64_t		left;

	if (d->end_ms == 0)
		return INT64_MAX;
	left = d->end_ms - now_ms();
	return left > 0 ? left : 0;
}

bool
deadline_passed(const deadline *d)
{
	return d->end_ms != 0 && now_ms() >= d->end_ms;
}

/*
 * "Equal jitter": half the exponential step is fixed, half random, so
 * retries from many hosts spread out but never collapse to zero.
 */
int64_t
backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms)
{
	int64_t		step = base_ms;
	uint32_t	r;
	int			i;

	for (i = 1; i < attempt && step < cap_ms; i++)
		step *= 2;
	if (step > cap_ms)
		step = cap_ms;
	random_bytes(&r, sizeof(r));
	return step / 2 + (int64_t) (r % (uint32_t) (step / 2 + 1));
}

bool
sleep_ms(int64_t ms)
{
	int64_t		end = now_ms() + ms;

	while (!stop_requested)
	{
		int64_t		left = end - now_ms();
		struct timespec ts;

		if (left <= 0)
			return true;
		/* wake at least every 200 ms to notice a stop request */
		if (left > 200)
			left = 200;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		nanosleep(&ts, NULL);
	}
	return false;
}

void
random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0)
	{
		ssize_t		n = getrandom(p, len, 0);

		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: error: could not read random bytes: %s\n",
					HELPER_NAME, strerror(errno));
			exit(EXIT_CONN);
		}
		p += n;
		len -= (size_t) n;
	}
}

void
uuid4(char out[37])
{
	unsigned char b[16];

	random_bytes(b, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;	/* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	snprintf(out, 37,
			 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
			 b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static const struct
{
	const char *name;
	int64_t		ms;
}			duration_units[] =
{
	{"ms", 1}, {"msec", 1}, {"millisecond", 1}, {"milliseconds", 1},
	{"s", 1000}, {"sec", 1000}, {"secs", 1000}, {"second", 1000}, {"seconds", 1000},
	{"m", 60000}, {"min", 60000}, {"mins", 60000}, {"minute", 60000}, {"minutes", 60000},
	{"h", 3600000}, {"hour", 3600000}, {"hours", 3600000},
	{"d", 86400000}, {"day", 86400000}, {"days", 86400000},
};

bool
parse_duration_ms(const char *s, int64_t default_unit_ms, int64_t *out)
{
	char	   *end;
	double		v;
	int64_t		unit = default_unit_ms;
	size_t		i;

	while (isspace((unsigned char) *s))
		s++;
	if (!isdigit((unsigned char) *s) && *s != '.')
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || v < 0)
		return false;
	while (isspace((unsigned char) *end))
		end++;
	if (*end != '\0')
	{
		size_t		ulen = strlen(end);

		while (ulen > 0 && isspace((unsigned char) end[ulen - 1]))
			ulen--;
		unit = 0;
		for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++)
		{
			if (strlen(duration_units[i].name) == ulen &&
				strncasecmp(end, duration_units[i].name, ulen) == 0)
			{
				unit = duration_units[i].ms;
				break;
			}
		}
		if (unit == 0)
			return false;
	}
	/* 100 years is more than any sane interval and far from overflow */
	if (v * (double) unit > 100.0 * 365 * 86400000.0)
		return false;
	*out = (int64_t) (v * (double) unit + 0.5);
	return true;
}

bool
parse_int(const char *s, long min, long max, long *out)
{
	char	   *end;
	long		v;

	if (s == NULL || *s == '\0')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}
