/*
 * session.c
 *		libpq connection and statement execution for lakets-helper.
 *
 * A connection gets application_name lakets-helper, a connect timeout,
 * TCP keepalives, and after login statement_timeout and lock_timeout (set
 * with set_config() rather than the "options" startup parameter, which
 * connection poolers reject).  statement_timeout never exceeds what is
 * left of the run's deadline.  Statements are sent asynchronously and
 * waited for with poll(), so a silent server or a signal leads to a
 * cancel request instead of a hang.
 *
 * Connection failures are retried with backoff; authentication and
 * configuration failures are not.  libpq reports connection failures as
 * text only, so they are classified by the messages PostgreSQL sends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

#define RETRY_CAP_MS	30000
#define CANCEL_GRACE_MS 5000

static const char *
first_line(const char *msg, char *buf, size_t size)
{
	size_t		n = strcspn(msg, "\n");

	if (n >= size)
		n = size - 1;
	memcpy(buf, msg, n);
	buf[n] = '\0';
	return buf;
}

/*
 * Decide what a failed connection attempt means.  Returns EXIT_CONN for
 * something worth retrying, or the final exit code.
 */
static int
classify_connect_error(const char *msg, bool *retry)
{
	static const char *const auth_markers[] = {
		"authentication failed", "no pg_hba.conf entry", "pg_hba.conf rejects",
		"role \"", "permission denied", "not permitted to log in",
		"password is expired", NULL
	};
	int			i;

	*retry = false;
	for (i = 0; auth_markers[i]; i++)
		if (strstr(msg, auth_markers[i]) != NULL)
			return EXIT_AUTH;
	if (strstr(msg, "database \"") != NULL && strstr(msg, "does not exist") != NULL)
		return EXIT_USAGE;
	if (strstr(msg, "invalid ") != NULL && strstr(msg, "connection option") != NULL)
		return EXIT_USAGE;
	if (strstr(msg, "server does not support SSL") != NULL ||
		strstr(msg, "certificate verify failed") != NULL ||
		strstr(msg, "root certificate file") != NULL)
		return EXIT_CONN;
	*retry = true;
	return EXIT_CONN;
}

/*
 * Server notices: WARNINGs are shown and counted (a job that skipped a
 * table says so with one); a NOTICE is first offered to the session's
 * notice hook (a job's actions); the others, and INFO, only with -v.
 */
static void
on_notice(void *arg, const PGresult *res)
{
	session    *s = arg;
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);

	if (primary == NULL)
		return;
	if (sev && strcmp(sev, "NOTICE") == 0 && s->notice_hook &&
		s->notice_hook(s->notice_arg, primary))
		return;
	if (sev && strcmp(sev, "WARNING") == 0)
	{
		s->warnings++;
		log_warning("server: %s", primary);
	}
	else
		log_info("server: %s", primary);
	if (detail)
		log_detail("%s", detail);
	if (hint)
		log_hint("%s", hint);
}

int
session_open(session *s, const config *cfg, const deadline *dl,
			 const char *host, const char *user,
			 password_fn get_password, void *arg)
{
	bool		lakebase = (get_password != NULL);
	int			max_attempts = cfg->retries + 1;
	int			attempt;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->dl = dl;

	for (attempt = 1;; attempt++)
	{
		const char *keys[20];
		const char *vals[20];
		int			n = 0;
		char	   *password = NULL;
		char		timeout[32];
		int64_t		left = deadline_left_ms(dl);
		int64_t		ct = cfg->connect_timeout_ms;
		int			rc;
		bool		retry;
		char		line[512];
		int64_t		delay;
		const char *dbname = cfg->conninfo ? cfg->conninfo : cfg->dbname;

		if (left <= 0)
		{
			log_error("could not connect: deadline exceeded");
			return EXIT_CONN;
		}
		if (get_password)
		{
			rc = get_password(arg, &password);
			if (rc != EXIT_OK)
				return rc;
		}
		if (ct > left)
			ct = left;
		/* libpq counts whole seconds and treats 1 as 2 */
		snprintf(timeout, sizeof(timeout), "%lld", (long long) ((ct + 999) / 1000 < 2 ? 2 : (ct + 999) / 1000));

		/* dbname first: in plain mode it may be a conninfo the rest overrides */
		if (dbname)
		{
			keys[n] = "dbname";
			vals[n++] = dbname;
		}
		if (host)
		{
			keys[n] = "host";
			vals[n++] = host;
		}
		if (cfg->port)
		{
			keys[n] = "port";
			vals[n++] = cfg->port;
		}
		if (user)
		{
			keys[n] = "user";
			vals[n++] = user;
		}
		if (password)
		{
			keys[n] = "password";
			vals[n++] = password;
		}
		if (cfg->sslmode)
		{
			keys[n] = "sslmode";
			vals[n++] = cfg->sslmode;
		}
		if (lakebase)
		{
			/* Lakebase authenticates by password over TLS; skip GSS probing */
			keys[n] = "gssencmode";
			vals[n++] = "disable";
		}
		keys[n] = "connect_timeout";
		vals[n++] = timeout;
		keys[n] = "application_name";
		vals[n++] = HELPER_NAME;
		keys[n] = "keepalives";
		vals[n++] = "1";
		keys[n] = "keepalives_idle";
		vals[n++] = "30";
		keys[n] = "keepalives_interval";
		vals[n++] = "10";
		keys[n] = "keepalives_count";
		vals[n++] = "3";
		keys[n] = NULL;
		vals[n] = NULL;

		log_info("connecting to %s:%s as %s (attempt %d)",
				 host ? host : "(libpq default)", cfg->port ? cfg->port : "(default)",
				 user ? user : "(libpq default)", attempt);
		s->conn = PQconnectdbParams(keys, vals, lakebase ? 0 : 1);
		secret_free(password);
		if (s->conn == NULL)
		{
			log_error("out of memory connecting to PostgreSQL");
			return EXIT_CONN;
		}
		if (PQstatus(s->conn) == CONNECTION_OK)
			break;

		first_line(PQerrorMessage(s->conn), line, sizeof(line));
		rc = classify_connect_error(PQerrorMessage(s->conn), &retry);
		delay = backoff_ms(attempt, cfg->retry_delay_ms, RETRY_CAP_MS);
		if (retry && attempt < max_attempts && delay < deadline_left_ms(dl) && !stop_requested)
		{
			log_warning("could not connect to PostgreSQL: %s; retrying in %.1fs (attempt %d of %d)",
						line, (double) delay / 1000.0, attempt + 1, max_attempts);
			PQfinish(s->conn);
			s->conn = NULL;
			if (!sleep_ms(delay))
			{
				log_error("interrupted");
				return EXIT_CONN;
			}
			continue;
		}
		log_error("could not connect to PostgreSQL: %s", line);
		if (retry && attempt > 1)
			log_detail("Gave up after %d attempts.", attempt);
		if (rc == EXIT_AUTH && lakebase)
			log_hint("the Postgres role \"%s\" must exist for this identity and may log in with OAuth credentials; see docs/helper.md",
					 user ? user : "");
		else if (rc == EXIT_AUTH)
			log_hint("check PGUSER and PGPASSWORD (or ~/.pgpass)");
		PQfinish(s->conn);
		s->conn = NULL;
		return rc;
	}

	log_info("connected to PostgreSQL %s as %s%s", PQparameterStatus(s->conn, "server_version"),
			 PQuser(s->conn), PQsslInUse(s->conn) ? " over TLS" : "");
	PQsetNoticeReceiver(s->conn, on_notice, s);

	/* job limits; statement_timeout never outlives the deadline */
	{
		char		st[32],
					lt[32];
		const char *params[2];
		int64_t		stmt = s->cfg->statement_timeout_ms;
		int64_t		left = deadline_left_ms(dl);
		PGresult   *res;

		if (left != INT64_MAX && (stmt == 0 || stmt > left))
			stmt = left > 0 ? left : 1;
		snprintf(st, sizeof(st), "%lldms", (long long) stmt);
		snprintf(lt, sizeof(lt), "%lldms", (long long) s->cfg->lock_timeout_ms);
		params[0] = st;
		params[1] = lt;
		res = PQexecParams(s->conn,
						   "SELECT pg_catalog.set_config('statement_timeout', $1, false),"
						   " pg_catalog.set_config('lock_timeout', $2, false)",
						   2, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			char		msg[512];

			log_error("could not set session limits: %s",
					  first_line(PQerrorMessage(s->conn), msg, sizeof(msg)));
			PQclear(res);
			session_close(s);
			return EXIT_CONN;
		}
		PQclear(res);
		log_debug("statement_timeout=%s lock_timeout=%s", st, lt);
	}
	return EXIT_OK;
}

void
session_close(session *s)
{
	if (s->conn)
		PQfinish(s->conn);
	s->conn = NULL;
}

static void
send_cancel(PGconn *conn)
{
	PGcancel   *c = PQgetCancel(conn);
	char		err[256];

	if (c)
	{
		if (!PQcancel(c, err, sizeof(err)))
			log_warning("could not send cancel request: %s", err);
		PQfreeCancel(c);
	}
}

/*
 * Wait until libpq has a whole result.  Gives up (after a cancel request
 * and a short grace) when the deadline passes or a stop is requested.
 */
static bool
wait_result(session *s)
{
	bool		cancelled = false;
	int64_t		cancel_at = 0;

	for (;;)
	{
		struct pollfd pfd;
		int64_t		left = deadline_left_ms(s->dl);
		int			timeout;

		if (!PQconsumeInput(s->conn))
			return true;		/* PQgetResult reports the error */
		if (!PQisBusy(s->conn))
			return true;
		if (!cancelled && (stop_requested || left == 0))
		{
			log_warning("%s; cancelling the running statement",
						stop_requested ? "stop requested" : "deadline reached");
			send_cancel(s->conn);
			cancelled = true;
			cancel_at = now_ms();
		}
		if (cancelled && now_ms() - cancel_at > CANCEL_GRACE_MS)
		{
			log_error("no answer from the server after the cancel request");
			return false;
		}
		pfd.fd = PQsocket(s->conn);
		pfd.events = POLLIN;
		timeout = 200;			/* wake up to notice stops and deadlines */
		if (poll(&pfd, 1, timeout) < 0 && errno != EINTR)
		{
			log_error("poll failed: %s", strerror(errno));
			return false;
		}
	}
}

static const char *
job_hint(const char *sqlstate, const char *job)
{
	if (sqlstate == NULL)
		return NULL;
	if (strcmp(sqlstate, "42883") == 0 || strcmp(sqlstate, "3F000") == 0)
		return job ? "is the lakets extension installed and up to date in this database? (CREATE EXTENSION lakets / ALTER EXTENSION lakets UPDATE)" : NULL;
	if (strcmp(sqlstate, "42501") == 0)
		return "the role lacks a privilege; see \"Authentication & permissions\" in docs/helper.md";
	if (strcmp(sqlstate, "57014") == 0)
		return "the statement ran into statement_timeout; raise --statement-timeout or --deadline";
	if (strcmp(sqlstate, "55P03") == 0)
		return "a lock was not granted within lock_timeout; another session holds it, try again later or raise --lock-timeout";
	return NULL;
}

static int
report_error(session *s, const PGresult *res, const char *job)
{
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *ours = job_hint(sqlstate, job);
	char		buf[512];

	if (primary == NULL)
		primary = first_line(PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res) :
							 PQerrorMessage(s->conn), buf, sizeof(buf));
	if (job)
		log_error("job \"%s\" failed: %s", job, primary);
	else
		log_error("%s", primary);
	if (detail)
		log_detail("%s", detail);
	if (log_verbosity > 0 && sqlstate)
		log_detail("SQLSTATE %s", sqlstate);
	if (hint)
		log_hint("%s", hint);
	if (ours)
		log_hint("%s", ours);

	if (PQstatus(s->conn) != CONNECTION_OK || (sqlstate && strncmp(sqlstate, "08", 2) == 0))
		return EXIT_CONN;
	if (sqlstate && (strcmp(sqlstate, "57P01") == 0 || strcmp(sqlstate, "57P02") == 0 ||
					 strcmp(sqlstate, "57P03") == 0))
		return EXIT_CONN;		/* server shutting down */
	return EXIT_JOB;
}

/*
 * Wait for the results of what was just sent and report any error.  With
 * keep NULL every result is printed (the "sql" command); otherwise the
 * first one is handed to the caller in *keep and nothing is printed.
 */
static int
collect_results(session *s, const char *job, PGresult **keep)
{
	PGresult   *res;
	int			rc = EXIT_OK;

	for (;;)
	{
		if (!wait_result(s))
		{
			rc = EXIT_CONN;
			break;
		}
		res = PQgetResult(s->conn);
		if (res == NULL)
			break;
		switch (PQresultStatus(res))
		{
			case PGRES_TUPLES_OK:
			case PGRES_COMMAND_OK:
				if (rc != EXIT_OK)
					break;
				if (keep == NULL)
				{
					if (PQresultStatus(res) == PGRES_TUPLES_OK)
						report_rows(res, s->cfg->json);
					else
						report_command(res, s->cfg->json);
				}
				else if (*keep == NULL)
				{
					*keep = res;
					res = NULL;
				}
				break;
			case PGRES_EMPTY_QUERY:
				break;
			case PGRES_FATAL_ERROR:
				if (rc == EXIT_OK)
					rc = report_error(s, res, job);
				break;
			default:
				if (rc == EXIT_OK)
				{
					log_error("unexpected result: %s", PQresStatus(PQresultStatus(res)));
					log_hint("COPY and replication commands are not supported");
					rc = EXIT_JOB;
				}
				break;
		}
		PQclear(res);
		if (PQstatus(s->conn) != CONNECTION_OK)
		{
			if (rc == EXIT_OK)
			{
				char		buf[512];

				log_error("connection lost: %s",
						  first_line(PQerrorMessage(s->conn), buf, sizeof(buf)));
			}
			rc = EXIT_CONN;
			break;
		}
	}
	if (rc != EXIT_OK && keep != NULL)
	{
		PQclear(*keep);
		*keep = NULL;
	}
	return rc;
}

static int
send_failed(session *s)
{
	char		buf[512];

	log_error("could not send the statement: %s",
			  first_line(PQerrorMessage(s->conn), buf, sizeof(buf)));
	return EXIT_CONN;
}

int
session_run(session *s, const char *sql)
{
	log_debug("running the statement from the command line");
	if (!PQsendQuery(s->conn, sql))
		return send_failed(s);
	return collect_results(s, NULL, NULL);
}

int
session_exec(session *s, const char *sql, int nparams, const char *const *params,
			 const char *job, PGresult **res)
{
	int			ok;

	*res = NULL;
	log_debug("running: %s", sql);
	/* the simple protocol without parameters: what psql sends for a CALL */
	if (nparams == 0)
		ok = PQsendQuery(s->conn, sql);
	else
		ok = PQsendQueryParams(s->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (!ok)
		return send_failed(s);
	return collect_results(s, job, res);
}

int
session_check(session *s, check_report *c, PGresult **keep)
{
	static const char *const q =
		"SELECT pg_catalog.current_setting('server_version'), current_user,"
		" pg_catalog.current_database(),"
		" (SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'lakets'),"
		" (SELECT default_version FROM pg_catalog.pg_available_extensions WHERE name = 'lakets')";
	PGresult   *res;

	*keep = NULL;
	if (!PQsendQuery(s->conn, q) || !wait_result(s))
	{
		log_error("could not query the server: %s", PQerrorMessage(s->conn));
		return EXIT_CONN;
	}
	res = PQgetResult(s->conn);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
	{
		int			rc = report_error(s, res, NULL);

		PQclear(res);
		while ((res = PQgetResult(s->conn)) != NULL)
			PQclear(res);
		return rc;
	}
	while (1)
	{
		PGresult   *extra = PQgetResult(s->conn);

		if (extra == NULL)
			break;
		PQclear(extra);
	}
	c->server_version = PQgetvalue(res, 0, 0);
	c->user = PQgetvalue(res, 0, 1);
	c->dbname = PQgetvalue(res, 0, 2);
	c->lakets_installed = PQgetisnull(res, 0, 3) ? NULL : PQgetvalue(res, 0, 3);
	c->lakets_available = PQgetisnull(res, 0, 4) ? NULL : PQgetvalue(res, 0, 4);
	c->host = PQhost(s->conn);
	c->port = PQport(s->conn);
	*keep = res;
	return EXIT_OK;
}
