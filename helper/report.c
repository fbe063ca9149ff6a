/*
 * report.c
 *		Log lines on stderr and results on stdout for lakets-helper.
 *
 * Logs follow PostgreSQL's frontend tools ("prog: error: ...", then
 * "prog: detail: ..." and "prog: hint: ..."); every line passes through
 * secret_redact() before it is written.  Results are either human text
 * (a psql-like aligned table; a lakets job's action lines and summary) or
 * JSON lines built with json-c, never by hand.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "report.h"
#include "util.h"

int			log_verbosity = 0;

/* Type OIDs from pg_type.dat; stable across releases. */
#define BOOLOID		16
#define INT8OID		20
#define INT2OID		21
#define INT4OID		23
#define OIDOID		26
#define JSONOID		114
#define FLOAT4OID	700
#define FLOAT8OID	701
#define NUMERICOID	1700
#define JSONBOID	3802

void
log_msg(enum log_level level, const char *fmt,...)
{
	static const char *const names[] = {
		"error", "warning", "info", "debug", "detail", "hint"
	};
	static enum log_level last_shown = LOG_ERROR;
	char		buf[4096];
	va_list		ap;

	switch (level)
	{
		case LOG_INFO:
			if (log_verbosity < 1)
				return;
			break;
		case LOG_DEBUG:
			if (log_verbosity < 2)
				return;
			break;
		case LOG_DETAIL:
		case LOG_HINT:
			/* belongs to the line before; hidden when that one was */
			if (last_shown == LOG_INFO && log_verbosity < 1)
				return;
			if (last_shown == LOG_DEBUG && log_verbosity < 2)
				return;
			break;
		default:
			break;
	}
	if (level != LOG_DETAIL && level != LOG_HINT)
		last_shown = level;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	secret_redact(buf, sizeof(buf));
	fflush(stdout);
	fprintf(stderr, "%s: %s: %s\n", HELPER_NAME, names[level], buf);
	fflush(stderr);
	explicit_bzero(buf, sizeof(buf));
}

int
log_cancelled(const char *what)
{
	log_error("%s: cancelled on request (%s)", what, stop_signal_name());
	return EXIT_CANCELLED;
}

void
sanitize_text(char *buf, size_t bufsize, const char *src, size_t len)
{
	size_t		o = 0;
	size_t		i;

	if (bufsize == 0)
		return;
	for (i = 0; i < len && src[i] != '\0' && o + 4 < bufsize; i++)
	{
		unsigned char c = (unsigned char) src[i];

		buf[o++] = (c < 0x20 || c == 0x7f) ? ' ' : (char) c;
	}
	if (i < len && src[i] != '\0')
	{
		/* truncated */
		while (o + 4 > bufsize)
			o--;
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
}

/* Display width of a UTF-8 string: code points, which is close enough. */
static size_t
display_width(const char *s)
{
	size_t		w = 0;

	for (; *s; s++)
		if (((unsigned char) *s & 0xc0) != 0x80)
			w++;
	return w;
}

static bool
is_numeric_type(Oid t)
{
	return t == INT2OID || t == INT4OID || t == INT8OID || t == OIDOID ||
		t == FLOAT4OID || t == FLOAT8OID || t == NUMERICOID;
}

static void
print_padded(const char *s, size_t width, bool right)
{
	size_t		w = display_width(s);
	size_t		pad = width > w ? width - w : 0;

	if (right)
		printf("%*s%s", (int) pad, "", s);
	else
		printf("%s%*s", s, (int) pad, "");
}

static void
rows_as_table(const PGresult *res)
{
	int			ncols = PQnfields(res);
	int			nrows = PQntuples(res);
	size_t	   *width = xcalloc((size_t) ncols, sizeof(size_t));
	int			c,
				r;

	for (c = 0; c < ncols; c++)
	{
		width[c] = display_width(PQfname(res, c));
		for (r = 0; r < nrows; r++)
		{
			size_t		w = display_width(PQgetvalue(res, r, c));

			if (w > width[c])
				width[c] = w;
		}
	}
	for (c = 0; c < ncols; c++)
	{
		printf("%s", c ? " | " : " ");
		print_padded(PQfname(res, c), width[c], false);
	}
	printf("\n");
	for (c = 0; c < ncols; c++)
	{
		size_t		i;

		printf("%s", c ? "-+-" : "-");
		for (i = 0; i < width[c]; i++)
			putchar('-');
	}
	printf("-\n");
	for (r = 0; r < nrows; r++)
	{
		for (c = 0; c < ncols; c++)
		{
			printf("%s", c ? " | " : " ");
			print_padded(PQgetvalue(res, r, c), width[c],
						 is_numeric_type(PQftype(res, c)));
		}
		printf("\n");
	}
	printf("(%d %s)\n", nrows, nrows == 1 ? "row" : "rows");
	free(width);
}

static json_object *
value_to_json(const PGresult *res, int r, int c)
{
	const char *v;
	Oid			t;

	if (PQgetisnull(res, r, c))
		return NULL;
	v = PQgetvalue(res, r, c);
	t = PQftype(res, c);
	switch (t)
	{
		case BOOLOID:
			return json_object_new_boolean(v[0] == 't');
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case OIDOID:
			return json_object_new_int64(strtoll(v, NULL, 10));
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
			/* keep the server's digits; NaN and infinities are not JSON */
			if (strcasecmp(v, "NaN") == 0 || strcasestr(v, "inf") != NULL)
				return json_object_new_string(v);
			return json_object_new_double_s(strtod(v, NULL), v);
		case JSONOID:
		case JSONBOID:
			{
				json_object *j = json_tokener_parse(v);

				return j ? j : json_object_new_string(v);
			}
		default:
			return json_object_new_string(v);
	}
}

static void
rows_as_json(const PGresult *res)
{
	int			ncols = PQnfields(res);
	int			nrows = PQntuples(res);
	int			r,
				c;

	for (r = 0; r < nrows; r++)
	{
		json_object *o = json_object_new_object();

		if (o == NULL)
			xmalloc((size_t) -1);	/* reports out of memory */
		for (c = 0; c < ncols; c++)
			json_object_object_add(o, PQfname(res, c), value_to_json(res, r, c));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	}
}

void
report_rows(const PGresult *res, bool json)
{
	if (json)
		rows_as_json(res);
	else
		rows_as_table(res);
	fflush(stdout);
}

void
report_command(const PGresult *res, bool json)
{
	const char *tag = PQcmdStatus((PGresult *) res);

	if (json)
	{
		json_object *o = json_object_new_object();

		json_object_object_add(o, "command", json_object_new_string(tag));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	}
	else
		printf("%s\n", tag);
	fflush(stdout);
}

static void
add_str(json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
}

void
report_action(const char *step, const char *object, const char *action,
			  const char *detail, bool json)
{
	if (json)
	{
		json_object *o = json_object_new_object();

		if (o == NULL)
			xmalloc((size_t) -1);	/* reports out of memory */
		add_str(o, "step", step);
		add_str(o, "object", object);
		add_str(o, "action", action);
		add_str(o, "detail", detail);
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	}
	else
	{
		/* the shape of lakets' NOTICE; server text, so made printable */
		const char *parts[3] = {object, action, detail};
		strbuf		line;
		char	   *clean;
		int			i;

		strbuf_init(&line);
		strbuf_appends(&line, "lakets ");
		strbuf_appends(&line, step);
		strbuf_appends(&line, ":");
		for (i = 0; i < 3; i++)
		{
			if (parts[i] == NULL)
				continue;
			strbuf_appends(&line, " ");
			strbuf_appends(&line, parts[i]);
		}
		clean = xmalloc(line.len + 4);
		sanitize_text(clean, line.len + 4, line.data, line.len);
		printf("%s\n", clean);
		free(clean);
		strbuf_free(&line);
	}
	fflush(stdout);
}

/* A job_history column as text; "0" when this lakets has no such column. */
static const char *
history_value(const PGresult *res, const char *column)
{
	int			c = PQfnumber(res, column);

	if (c < 0 || PQgetisnull(res, 0, c))
		return "0";
	return PQgetvalue(res, 0, c);
}

static void
append_count(strbuf *sb, const PGresult *res, const char *column,
			 const char *one, const char *many)
{
	const char *n = history_value(res, column);

	if (sb->len > 0)
		strbuf_appends(sb, ", ");
	strbuf_appends(sb, n);
	strbuf_appends(sb, " ");
	strbuf_appends(sb, strcmp(n, "1") == 0 ? one : many);
}

void
report_job_summary(const char *job, const PGresult *res, bool json)
{
	strbuf		counts;

	if (json)
	{
		rows_as_json(res);
		fflush(stdout);
		return;
	}
	strbuf_init(&counts);
	append_count(&counts, res, "chunks_created", "chunk created", "chunks created");
	append_count(&counts, res, "rollups_refreshed", "rollup refreshed", "rollups refreshed");
	append_count(&counts, res, "chunks_dropped", "chunk dropped", "chunks dropped");
	append_count(&counts, res, "skipped", "skipped", "skipped");
	append_count(&counts, res, "errors", "error", "errors");
	/* status is one of succeeded, partial, skipped (a CHECK constraint) */
	printf("%s %s: %s\n", job, history_value(res, "status"), counts.data);
	strbuf_free(&counts);
	fflush(stdout);
}

void
report_check(const check_report *c, bool json)
{
	if (json)
	{
		json_object *o = json_object_new_object();

		add_str(o, "mode", c->mode);
		add_str(o, "auth", c->auth);
		add_str(o, "target", c->target);
		add_str(o, "host", c->host);
		add_str(o, "port", c->port);
		add_str(o, "dbname", c->dbname);
		add_str(o, "user", c->user);
		add_str(o, "ssl", c->ssl);
		add_str(o, "server_version", c->server_version);
		add_str(o, "lakets_installed", c->lakets_installed);
		add_str(o, "lakets_available", c->lakets_available);
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	}
	else
	{
		printf("mode:     %s\n", c->mode);
		printf("auth:     %s\n", c->auth);
		if (c->target)
			printf("target:   %s\n", c->target);
		printf("server:   %s:%s, PostgreSQL %s\n", c->host ? c->host : "(default)",
			   c->port ? c->port : "(default)", c->server_version);
		printf("ssl:      %s\n", c->ssl);
		printf("database: %s\n", c->dbname);
		printf("role:     %s\n", c->user);
		if (c->lakets_installed)
			printf("lakets:   %s installed (%s available)\n", c->lakets_installed,
				   c->lakets_available ? c->lakets_available : "none");
		else
			printf("lakets:   not installed (%s available)\n",
				   c->lakets_available ? c->lakets_available : "none");
	}
	fflush(stdout);
}

void
report_token(const char *token, const char *expires, const char *host,
			 const char *port, const char *user, const char *dbname,
			 const char *sslmode, bool json)
{
	if (json)
	{
		json_object *o = json_object_new_object();
		json_object *t = json_object_new_string(token);
		const char *out;

		json_object_object_add(o, "token", t);
		add_str(o, "expires", expires);
		add_str(o, "host", host);
		add_str(o, "port", port);
		add_str(o, "user", user);
		add_str(o, "dbname", dbname);
		add_str(o, "sslmode", sslmode);
		out = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		printf("%s\n", out);
		fflush(stdout);
		/* json-c kept copies of the credential: wipe them before freeing */
		secret_wipe((char *) out, strlen(out));
		secret_wipe((char *) json_object_get_string(t),
					(size_t) json_object_get_string_len(t));
		json_object_put(o);
	}
	else
		printf("%s\n", token);
	fflush(stdout);
}
