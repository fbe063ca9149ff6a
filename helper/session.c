/*
 * session.c
 *		libpq connection and statement execution for lakets-helper.
 *
 * A connection gets fallback_application_name lakets-helper (PGAPPNAME or
 * an application_name in the connection string win), TCP keepalives, and
 * after login statement_timeout and lock_timeout (set with set_config()
 * rather than the "options" startup parameter, which connection poolers
 * reject).  statement_timeout never exceeds what is left of the run's
 * deadline.
 *
 * Connecting is asynchronous (PQconnectStartParams and PQconnectPoll with
 * poll()), so a stop request ends it at once and --connect-timeout bounds
 * the whole attempt.  A failed attempt is classified without reading
 * English text: by the SQLSTATE of the server's refusal (libpq puts it in
 * the message in verbose mode), by PQconnectionNeedsPassword(), or by the
 * phase it failed in (no TCP connection: worth retrying; the TLS
 * handshake: not).  Statements are sent asynchronously too and waited for
 * with poll(), so a silent server or a signal leads to a cancel request
 * instead of a hang.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "retry.h"
#include "session.h"

#define CANCEL_GRACE_MS 5000
#define POLL_TICK_MS	200

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

static bool
is_sqlstate_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

/*
 * In verbose mode libpq writes a server's error as "FATAL:  28P01:
 * message".  Take the SQLSTATE out of the first line of msg into sqlstate
 * ("" if there is none) and the line without it into line.
 */
static void
split_sqlstate(const char *msg, char sqlstate[6], char *line, size_t size)
{
	char	   *p;

	first_line(msg, line, size);
	sqlstate[0] = '\0';
	for (p = strstr(line, ":  "); p != NULL; p = strstr(p + 1, ":  "))
	{
		char	   *code = p + 3;
		int			i;

		for (i = 0; i < 5 && is_sqlstate_char(code[i]); i++)
			;
		if (i == 5 && code[5] == ':' && code[6] == ' ')
		{
			memcpy(sqlstate, code, 5);
			sqlstate[5] = '\0';
			memmove(code, code + 7, strlen(code + 7) + 1);
			return;
		}
	}
}

/* Where a connection attempt got to before it failed. */
enum connect_phase
{
	PHASE_NETWORK,				/* no connection to the server yet */
	PHASE_TLS,					/* TLS (or GSS) negotiation */
	PHASE_STARTUP				/* authentication and startup */
};

static enum connect_phase
phase_of(ConnStatusType st)
{
	switch (st)
	{
		case CONNECTION_SSL_STARTUP:
		case CONNECTION_GSS_STARTUP:
			return PHASE_TLS;
		case CONNECTION_AWAITING_RESPONSE:
		case CONNECTION_AUTH_OK:
		case CONNECTION_SETENV:
		case CONNECTION_CHECK_WRITABLE:
		case CONNECTION_CONSUME:
		case CONNECTION_CHECK_TARGET:
		case CONNECTION_CHECK_STANDBY:
			return PHASE_STARTUP;
		default:
			return PHASE_NETWORK;
	}
}

/*
 * Decide what a failed connection attempt means.  Returns the exit code,
 * and in *retry whether another attempt may succeed.
 */
static int
classify_connect_error(PGconn *conn, const char *sqlstate, enum connect_phase phase,
					   bool *retry)
{
	*retry = false;
	if (sqlstate[0] != '\0')
	{
		/* 28000 invalid_authorization_specification (pg_hba, no such role, no login), 28P01 */
		if (strncmp(sqlstate, "28", 2) == 0 || strcmp(sqlstate, "42501") == 0)
			return EXIT_AUTH;
		if (strcmp(sqlstate, "3D000") == 0)
			return EXIT_USAGE;	/* the database does not exist */
		/* 53300 too_many_connections, 57P03 cannot_connect_now, 57P01 shutdown, 08... */
		*retry = strncmp(sqlstate, "53", 2) == 0 || strncmp(sqlstate, "57P", 3) == 0 ||
			strncmp(sqlstate, "08", 2) == 0;
		return EXIT_CONN;
	}
	if (PQconnectionNeedsPassword(conn))
		return EXIT_AUTH;
	/* TLS refused or not verifiable: the same next time */
	*retry = phase != PHASE_TLS;
	return EXIT_CONN;
}

/* The root certificate file libpq reads for verify-ca/verify-full. */
static bool
root_cert_missing(PGconn *conn, const char *sslmode)
{
	PQconninfoOption *opts;
	PQconninfoOption *o;
	const char *root = NULL;
	char	   *dflt = NULL;
	bool		missing;
	struct stat st;

	if (sslmode == NULL || strncmp(sslmode, "verify-", 7) != 0)
		return false;
	opts = PQconninfo(conn);
	for (o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "sslrootcert") == 0 && o->val && o->val[0])
			root = o->val;
	if (root == NULL)
	{
		struct passwd *pw = getpwuid(geteuid());

		dflt = pw ? xasprintf("%s/.postgresql/root.crt", pw->pw_dir) : NULL;
		root = dflt;
	}
	missing = root != NULL && stat(root, &st) != 0;
	free(dflt);
	PQconninfoFree(opts);
	return missing;
}

/* The effective sslmode of a connection (flag, conninfo or PGSSLMODE). */
static const char *
conn_sslmode(PGconn *conn, char *buf, size_t size)
{
	PQconninfoOption *opts = PQconninfo(conn);
	PQconninfoOption *o;

	buf[0] = '\0';
	for (o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "sslmode") == 0 && o->val)
			snprintf(buf, size, "%s", o->val);
	PQconninfoFree(opts);
	return buf;
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

/* Wait until the connection's socket is ready, a tick at most. */
static bool
wait_socket(PGconn *conn, PostgresPollingStatusType want)
{
	struct pollfd pfd;

	pfd.fd = PQsocket(conn);
	pfd.events = want == PGRES_POLLING_READING ? POLLIN : POLLOUT;
	pfd.revents = 0;
	if (pfd.fd < 0)
		return true;			/* PQconnectPoll reports it */
	/* an error (EINTR included) is for PQconnectPoll to look at too */
	return poll(&pfd, 1, POLL_TICK_MS) != 0;
}

typedef enum attempt_result
{
	ATTEMPT_OK,
	ATTEMPT_FAILED,
	ATTEMPT_TIMED_OUT,
	ATTEMPT_STOPPED
} attempt_result;

/*
 * One asynchronous connection attempt, within timeout_ms; *phase is where
 * it was when it failed.  s->conn is set in every case but out of memory.
 */
static attempt_result
connect_once(session *s, const char *const *keys, const char *const *vals, bool expand,
			 int64_t timeout_ms, enum connect_phase *phase)
{
	PostgresPollingStatusType ps = PGRES_POLLING_WRITING;
	int64_t		end = now_ms() + timeout_ms;

	*phase = PHASE_NETWORK;
	s->conn = PQconnectStartParams(keys, vals, expand ? 1 : 0);
	if (s->conn == NULL)
	{
		log_error("out of memory connecting to PostgreSQL");
		return ATTEMPT_FAILED;
	}
	/* the server's errors then carry their SQLSTATE */
	PQsetErrorVerbosity(s->conn, PQERRORS_VERBOSE);
	if (PQstatus(s->conn) == CONNECTION_BAD)
		return ATTEMPT_FAILED;
	for (;;)
	{
		if (ps == PGRES_POLLING_OK)
			return ATTEMPT_OK;
		if (ps == PGRES_POLLING_FAILED)
			return ATTEMPT_FAILED;
		if (stop_requested)
			return ATTEMPT_STOPPED;
		if (now_ms() >= end)
			return ATTEMPT_TIMED_OUT;
		if (!wait_socket(s->conn, ps))
			continue;			/* a tick without news: look at the clock again */
		*phase = phase_of(PQstatus(s->conn));
		ps = PQconnectPoll(s->conn);
	}
}

int
session_open(session *s, const config *cfg, const deadline *dl,
			 const char *host, const char *user,
			 password_fn get_password, void *arg)
{
	bool		lakebase = (get_password != NULL);
	retry_state r;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->dl = dl;
	retry_start(&r, cfg->retries, cfg->retry_delay_ms, dl);

	for (;;)
	{
		const char *keys[20];
		const char *vals[20];
		int			n = 0;
		char	   *password = NULL;
		int64_t		left = deadline_left_ms(dl);
		int64_t		ct = cfg->connect_timeout_ms;
		int			rc;
		bool		retry;
		char		line[512];
		char		sqlstate[6];
		char		sslmode[32];
		enum connect_phase phase;
		attempt_result ar;
		retry_verdict v;
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
		keys[n] = "fallback_application_name";
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
				 user ? user : "(libpq default)", r.attempt);
		ar = connect_once(s, keys, vals, !lakebase, ct, &phase);
		secret_free(password);
		if (ar == ATTEMPT_OK)
			break;
		if (s->conn == NULL)
			return EXIT_CONN;
		if (ar == ATTEMPT_STOPPED)
		{
			session_close(s);
			return log_cancelled("connecting to PostgreSQL");
		}
		if (ar == ATTEMPT_TIMED_OUT)
		{
			snprintf(line, sizeof(line), "timeout expired after %.0fs", (double) ct / 1000.0);
			sqlstate[0] = '\0';
			rc = EXIT_CONN;
			retry = true;
		}
		else
		{
			split_sqlstate(PQerrorMessage(s->conn), sqlstate, line, sizeof(line));
			rc = classify_connect_error(s->conn, sqlstate, phase, &retry);
		}
		conn_sslmode(s->conn, sslmode, sizeof(sslmode));
		if (retry)
		{
			PQfinish(s->conn);
			s->conn = NULL;
			v = retry_wait(&r, -1, "could not connect to PostgreSQL", line);
			if (v == RETRY_AGAIN)
				continue;
			if (v == RETRY_STOPPED)
				return log_cancelled("connecting to PostgreSQL");
		}
		log_error("could not connect to PostgreSQL: %s", line);
		if (retry && r.attempt > 1)
			log_detail("Gave up after %d attempts.", r.attempt);
		if (log_verbosity > 0 && sqlstate[0])
			log_detail("SQLSTATE %s", sqlstate);
		if (rc == EXIT_AUTH && lakebase)
			log_hint("the Postgres role \"%s\" must exist for this identity and may log in with OAuth credentials; see docs/helper.md",
					 user ? user : "");
		else if (rc == EXIT_AUTH && s->conn && PQconnectionNeedsPassword(s->conn))
			log_hint("the server asks for a password: set PGPASSWORD or use a ~/.pgpass file");
		else if (rc == EXIT_AUTH)
			log_hint("check PGUSER and PGPASSWORD (or ~/.pgpass), and the server's pg_hba.conf");
		else if (s->conn && root_cert_missing(s->conn, sslmode))
			log_hint("sslmode %s verifies the server against a root certificate, and there is none: set PGSSLROOTCERT (or sslrootcert) to the CA certificate that signs the server's (on Debian the system bundle is /etc/ssl/certs/ca-certificates.crt)",
					 sslmode);
		else if (!retry && rc == EXIT_CONN && phase == PHASE_TLS)
			log_hint("the TLS handshake failed: check --sslmode (PGSSLMODE) and, for verify-ca and verify-full, the root certificate (PGSSLROOTCERT)");
		session_close(s);
		return rc;
	}

	log_info("connected to PostgreSQL %s as %s%s", PQparameterStatus(s->conn, "server_version"),
			 PQuser(s->conn), PQsslInUse(s->conn) ? " over TLS" : "");
	PQsetErrorVerbosity(s->conn, PQERRORS_DEFAULT);
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
	int64_t		cancel_at = 0;

	for (;;)
	{
		struct pollfd pfd;
		int64_t		left = deadline_left_ms(s->dl);

		if (!PQconsumeInput(s->conn))
			return true;		/* PQgetResult reports the error */
		if (!PQisBusy(s->conn))
			return true;
		if (s->cancelled == CANCEL_NONE && (stop_requested || left == 0))
		{
			s->cancelled = stop_requested ? CANCEL_STOP : CANCEL_DEADLINE;
			log_info("%s; cancelling the running statement",
					 stop_requested ? "stop requested" : "deadline reached");
			send_cancel(s->conn);
			cancel_at = now_ms();
		}
		if (s->cancelled != CANCEL_NONE && now_ms() - cancel_at > CANCEL_GRACE_MS)
		{
			log_error("no answer from the server after the cancel request");
			return false;
		}
		pfd.fd = PQsocket(s->conn);
		pfd.events = POLLIN;
		/* wake up to notice stops and deadlines */
		if (poll(&pfd, 1, POLL_TICK_MS) < 0 && errno != EINTR)
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

	/* our own cancel request: not a statement_timeout, whatever 57014 says */
	if (s->cancelled == CANCEL_STOP)
	{
		char	   *what = job ? xasprintf("job \"%s\"", job) : xstrdup("the statement");
		int			rc = log_cancelled(what);

		free(what);
		return rc;
	}
	if (s->cancelled == CANCEL_DEADLINE)
	{
		log_error("%s: cancelled at the deadline", job ? job : "the statement");
		log_hint("raise --deadline (LAKETS_DEADLINE)");
		return EXIT_CONN;
	}
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
			rc = s->cancelled == CANCEL_STOP ? log_cancelled("the statement") : EXIT_CONN;
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
		if (s->cancelled == CANCEL_STOP)
			return log_cancelled("check");
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
