/*
 * util.h
 *		Small shared pieces of lakets-helper: exit codes, checked allocation,
 *		secret buffers, clocks and deadlines, backoff, durations, UUIDs.
 *
 * Everything here is free of libcurl, libpq and json-c so the fuzz targets
 * and every module can use it.
 */
#ifndef LAKETS_HELPER_UTIL_H
#define LAKETS_HELPER_UTIL_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HELPER_NAME		"lakets-helper"
#define HELPER_VERSION	"0.2.0"

/*
 * Exit codes.  Documented in --help and docs/helper.md; scripts rely on
 * them, so never renumber.
 */
#define EXIT_OK			0		/* everything succeeded */
#define EXIT_JOB		1		/* the job (SQL) failed */
#define EXIT_USAGE		2		/* bad arguments or configuration */
#define EXIT_AUTH		3		/* authentication or permission refused */
#define EXIT_CONN		4		/* network, TLS, timeout or unusable answer */
#define EXIT_PARTIAL	5		/* completed, but something was skipped */
#define EXIT_CANCELLED	6		/* stopped on request (SIGINT, SIGTERM) */

/* Checked allocation: on failure print an error and exit(EXIT_CONN). */
extern void *xmalloc(size_t size);
extern void *xcalloc(size_t n, size_t size);
extern void *xrealloc(void *p, size_t size);
extern char *xstrdup(const char *s);
extern char *xstrndup(const char *s, size_t n);
extern char *xasprintf(const char *fmt,...) __attribute__((format(printf, 1, 2)));

/*
 * Secrets.  A secret is an ordinary NUL-terminated heap string that we
 * promise to wipe before freeing.  secret_adopt() also registers it so log
 * lines that would contain it are redacted (defence in depth: no code path
 * is meant to log one).
 */
extern char *secret_adopt(char *s);
extern char *secret_dup(const char *s);
extern void secret_free(char *s);
extern void secret_wipe(void *p, size_t len);
extern void secret_redact(char *buf, size_t bufsize);

/* Growable byte buffer; wiped when freed because it may hold secrets. */
typedef struct strbuf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} strbuf;

extern void strbuf_init(strbuf *sb);
extern void strbuf_append(strbuf *sb, const char *data, size_t len);
extern void strbuf_appends(strbuf *sb, const char *s);
extern void strbuf_free(strbuf *sb);

/*
 * Clocks, in milliseconds.  now_ms() (CLOCK_MONOTONIC) times what this
 * process does: deadlines, backoff, the --every grid.  boot_ms()
 * (CLOCK_BOOTTIME) also counts time the machine spent suspended, so it is
 * the clock for the lifetime of a token, which runs on while we sleep.
 */
extern int64_t now_ms(void);
extern int64_t boot_ms(void);

/* The time budget of one run; end_ms == 0 means no deadline. */
typedef struct deadline
{
	int64_t		end_ms;
} deadline;

extern void deadline_start(deadline *d, int64_t budget_ms);
extern int64_t deadline_left_ms(const deadline *d);
extern bool deadline_passed(const deadline *d);

/* Exponential backoff with jitter: attempt 1 waits about base_ms. */
extern int64_t backoff_ms(int attempt, int64_t base_ms, int64_t cap_ms);

/* Sleep, waking early when a stop was requested; false if interrupted. */
extern bool sleep_ms(int64_t ms);

/* The number of the signal (SIGINT, SIGTERM) that asked us to stop, or 0. */
extern volatile sig_atomic_t stop_requested;

/* "SIGTERM" or "SIGINT": the name of the signal in stop_requested. */
extern const char *stop_signal_name(void);

/* Random bytes from the kernel; a random RFC 4122 version 4 UUID. */
extern void random_bytes(void *buf, size_t len);
extern void uuid4(char out[37]);

/*
 * Durations: "30s", "10min", "1h", "500ms", "2 days", or a bare number of
 * default_unit_ms.  Returns false on syntax error or overflow.
 */
extern bool parse_duration_ms(const char *s, int64_t default_unit_ms,
							  int64_t *out);

/* Strict base-10 integer parse. */
extern bool parse_int(const char *s, long min, long max, long *out);

#endif							/* LAKETS_HELPER_UTIL_H */
