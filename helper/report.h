/*
 * report.h
 *		Everything lakets-helper prints: log lines on stderr in the
 *		"lakets-helper: <level>: <message>" shape of PostgreSQL's frontend
 *		tools, and job results on stdout as a human table or JSON lines.
 */
#ifndef LAKETS_HELPER_REPORT_H
#define LAKETS_HELPER_REPORT_H

#include <stdbool.h>

#include <libpq-fe.h>

enum log_level
{
	LOG_ERROR,
	LOG_WARNING,
	LOG_INFO,
	LOG_DEBUG,
	LOG_DETAIL,					/* continues the previous error or warning */
	LOG_HINT
};

/* 0: errors and warnings; 1 (-v): progress; 2 (-vv): every request */
extern int	log_verbosity;

extern void log_msg(enum log_level level, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

#define log_error(...)		log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warning(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...)		log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)		log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_detail(...)		log_msg(LOG_DETAIL, __VA_ARGS__)
#define log_hint(...)		log_msg(LOG_HINT, __VA_ARGS__)

/*
 * Report that what was stopped because SIGINT or SIGTERM asked us to
 * ("<what>: cancelled on request (SIGTERM)"); returns EXIT_CANCELLED.
 */
extern int	log_cancelled(const char *what);

/* Copy untrusted text (server messages) into buf, printable and bounded. */
extern void sanitize_text(char *buf, size_t bufsize, const char *src, size_t len);

/*
 * Print a result set.  Human mode: an aligned table and a row count.
 * JSON mode: one object per row, typed by column type.
 */
extern void report_rows(const PGresult *res, bool json);

/* A command without rows: its tag ("INSERT 0 1"). */
extern void report_command(const PGresult *res, bool json);

/*
 * One action of a lakets job (object and detail may be NULL).  Human mode:
 * the line lakets' NOTICE has, "lakets <step>: <object> <action> <detail>";
 * JSON mode: an object with the fields step, object, action and detail.
 */
extern void report_action(const char *step, const char *object,
						  const char *action, const char *detail, bool json);

/*
 * The lakets.job_history row (one, every column) of a job run.  Human
 * mode: "<job> <status>: 2 chunks created, 1 rollup refreshed, 0 chunks
 * dropped, 0 skipped, 0 errors"; JSON mode: the row as one object.
 */
extern void report_job_summary(const char *job, const PGresult *res, bool json);

/* Facts gathered by "check". */
typedef struct check_report
{
	const char *mode;			/* "lakebase-autoscaling endpoint", ... */
	const char *auth;			/* "oauth-m2m", "pat" or "libpq" */
	const char *target;			/* endpoint or instance name, or NULL */
	const char *host;
	const char *port;
	const char *dbname;
	const char *user;
	const char *ssl;			/* "TLSv1.3 (TLS_AES_256_GCM_SHA384)" or "off" */
	const char *server_version;
	const char *lakets_installed;	/* NULL when not installed */
	const char *lakets_available;	/* NULL when not available */
} check_report;

extern void report_check(const check_report *c, bool json);

/* The credential printed by "token". */
extern void report_token(const char *token, const char *expires,
						 const char *host, const char *port,
						 const char *user, const char *dbname,
						 const char *sslmode, bool json);

#endif							/* LAKETS_HELPER_REPORT_H */
