/*
 * main.c
 *		lakets-helper: run lakets maintenance jobs against Lakebase (or any
 *		PostgreSQL) from cron, systemd timers, Kubernetes CronJobs or
 *		Databricks jobs.
 *
 * This file parses arguments and runs commands; the other files each do
 * one job: config.c (flags, environment, profile), http.c (libcurl with
 * retries), oauth.c (tokens and identity), lakebase.c (endpoint and
 * credential APIs), session.c (libpq), job.c (a lakets job and its
 * history) and report.c (output).  The shape of the command line follows
 * PostgreSQL's own client programs.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config.h"
#include "http.h"
#include "job.h"
#include "lakebase.h"
#include "oauth.h"
#include "report.h"
#include "session.h"
#include "util.h"

#define MAX_SQL_INPUT (1024 * 1024)

enum command
{
	CMD_NONE,
	CMD_RUN,
	CMD_SQL,
	CMD_TOKEN,
	CMD_CHECK
};

/* Everything one run needs; lives for the whole process. */
typedef struct context
{
	config		cfg;
	enum command cmd;
	const char *job;			/* for CMD_RUN */
	char	   *sql;			/* for CMD_SQL */
	http_client http;
	auth_state	auth;
	lakebase_target target;
} context;

static void
usage(void)
{
	printf("%s runs lakets maintenance jobs against Lakebase or PostgreSQL.\n\n", HELPER_NAME);
	printf("Usage:\n");
	printf("  %s [OPTION]... run maintenance|partitions|rollups|retention\n", HELPER_NAME);
	printf("  %s [OPTION]... sql STATEMENT      (\"-\" reads it from standard input)\n", HELPER_NAME);
	printf("  %s [OPTION]... token              print a fresh Postgres credential\n", HELPER_NAME);
	printf("  %s [OPTION]... check              resolve, connect, report versions\n", HELPER_NAME);
	printf("\nA job runs CALL lakets.maintain('<job>'), which commits after each table\n"
		   "and RollUp; it prints the actions lakets reports, then the run's summary\n"
		   "from lakets.job_history.\n");
	printf("\nLakebase target (one of; without any, plain PostgreSQL via libpq settings):\n");
	printf("  -p, --project=ID           Autoscaling project: default branch, read-write\n"
		   "                             endpoint                      [LAKETS_PROJECT]\n");
	printf("  -b, --branch=ID            with --project: this branch, not the default\n"
		   "                                                            [LAKETS_BRANCH]\n");
	printf("  -e, --endpoint=NAME        projects/<p>/branches/<b>/endpoints/<e>\n"
		   "                                                 [LAKETS_LAKEBASE_ENDPOINT]\n");
	printf("  -i, --instance=NAME        Provisioned database instance [LAKETS_INSTANCE]\n");
	printf("\nDatabricks workspace and authentication:\n");
	printf("  -H, --host=URL             workspace URL                [DATABRICKS_HOST]\n");
	printf("      --client-id=ID         service principal id    [DATABRICKS_CLIENT_ID]\n");
	printf("      --profile=NAME         profile in the config file (default: the one\n"
		   "                             [__settings__] names, else DEFAULT)\n"
		   "                                                [DATABRICKS_CONFIG_PROFILE]\n");
	printf("      --config-file=PATH     default ~/.databrickscfg [DATABRICKS_CONFIG_FILE]\n");
	printf("      --auth-type=TYPE       oauth-m2m, pat, env-oidc, file-oidc,\n"
		   "                             azure-client-secret or databricks-cli\n"
		   "                                                     [DATABRICKS_AUTH_TYPE]\n");
	printf("      --cacert=FILE          CA bundle for HTTPS to Databricks [LAKETS_CA_BUNDLE]\n");
	printf("  Secrets come only from the environment or the profile, never from options:\n"
		   "  DATABRICKS_CLIENT_SECRET (oauth-m2m), DATABRICKS_TOKEN (pat), the identity\n"
		   "  token in DATABRICKS_OIDC_TOKEN (env-oidc) or DATABRICKS_OIDC_TOKEN_FILEPATH\n"
		   "  (file-oidc), ARM_CLIENT_SECRET (azure-client-secret).  The profile is read\n"
		   "  only if named, or if neither a host nor a credential is set otherwise.\n");
	printf("\nConnection:\n");
	printf("  -d, --dbname=NAME          database (Lakebase default databricks_postgres;\n"
		   "                             plain mode: a name or conninfo) [LAKETS_DBNAME]\n");
	printf("      --conninfo=STRING      plain mode: libpq connection string (no password)\n");
	printf("  -U, --role=ROLE            Postgres role (default: the identity's user name\n"
		   "                             from SCIM Me; plain mode: PGUSER) [LAKETS_PG_ROLE]\n");
	printf("      --port=PORT            Postgres port (default 5432)          [PGPORT]\n");
	printf("      --sslmode=MODE         Lakebase: require (default), verify-ca,\n"
		   "                             verify-full                        [PGSSLMODE]\n");
	printf("\nTimeouts and retries (durations like 500ms, 30s, 10min, 1h):\n");
	printf("      --connect-timeout=DUR  Postgres connect timeout (30s)\n"
		   "                                                   [LAKETS_CONNECT_TIMEOUT]\n");
	printf("      --statement-timeout=DUR  statement_timeout (10min) [LAKETS_STATEMENT_TIMEOUT]\n");
	printf("      --lock-timeout=DUR     lock_timeout (30s)          [LAKETS_LOCK_TIMEOUT]\n");
	printf("      --http-timeout=DUR     per HTTP request (30s)      [LAKETS_HTTP_TIMEOUT]\n");
	printf("      --deadline=DUR         whole run, each repetition (15min; 0 = none)\n"
		   "                                                          [LAKETS_DEADLINE]\n");
	printf("      --start-timeout=DUR    wait for a Lakebase endpoint or instance that is\n"
		   "                             starting (10min)      [LAKETS_START_TIMEOUT]\n");
	printf("      --retries=N            retries after connection errors, HTTP 429 and\n"
		   "                             5xx (4)                       [LAKETS_RETRIES]\n");
	printf("      --retry-delay=DUR      first backoff, doubled each retry, with jitter\n"
		   "                             (500ms)                   [LAKETS_RETRY_DELAY]\n");
	printf("\nRepetition and output:\n");
	printf("      --every=DUR            repeat the command, reconnecting with a fresh\n"
		   "                             credential each time\n");
	printf("      --count=N              with --every: stop after N runs\n");
	printf("      --json                 one JSON object per line on standard output\n");
	printf("      --partial-ok           exit 0 instead of 5 on a partial success (for\n"
		   "                             schedulers without a list of success codes)\n");
	printf("  -v, --verbose              more messages on stderr (twice: every request)\n");
	printf("  -V, --version              print the version and exit\n");
	printf("  -h, --help                 show this help and exit\n");
	printf("\nExit status:\n");
	printf("  %d  success\n", EXIT_OK);
	printf("  %d  job error: the SQL or the job's procedure failed (message, detail\n"
		   "     and hint on stderr), or lakets is missing or too old\n", EXIT_JOB);
	printf("  %d  usage or configuration error\n", EXIT_USAGE);
	printf("  %d  authentication or permission error (HTTP 401/403, Postgres login refused)\n", EXIT_AUTH);
	printf("  %d  connection error: network, TLS, timeout, deadline, server error (5xx\n"
		   "     after retries), a malformed answer, or a Lakebase endpoint or instance\n"
		   "     that is disabled, stopped or did not start in time\n", EXIT_CONN);
	printf("  %d  partial success: lakets recorded a run job as partial or skipped, or\n"
		   "     sent a WARNING; check found no lakets extension; or with --every some\n"
		   "     runs failed (0 with --partial-ok)\n", EXIT_PARTIAL);
	printf("  %d  cancelled on request: SIGINT or SIGTERM arrived during a statement,\n"
		   "     a connection or a request (between --every runs: the runs' status)\n",
		   EXIT_CANCELLED);
	printf("\nSee docs/helper.md for authentication, permissions and scheduling examples.\n");
}

static int
usage_error(const char *fmt, const char *arg)
{
	char		msg[512];

	snprintf(msg, sizeof(msg), fmt, arg ? arg : "");
	log_error("%s", msg);
	log_hint("Try \"%s --help\" for more information.", HELPER_NAME);
	return EXIT_USAGE;
}

static void
on_signal(int signo)
{
	stop_requested = signo;
}

static int
set_duration(int64_t *dst, const char *arg, const char *opt, int64_t unit)
{
	if (!parse_duration_ms(arg, unit, dst))
	{
		char		msg[256];

		snprintf(msg, sizeof(msg), "invalid value \"%%s\" for %s", opt);
		return usage_error(msg, arg);
	}
	return EXIT_OK;
}

static char *
read_stdin_sql(void)
{
	strbuf		sb;
	char		chunk[8192];
	size_t		n;

	strbuf_init(&sb);
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
	{
		strbuf_append(&sb, chunk, n);
		if (sb.len > MAX_SQL_INPUT)
		{
			strbuf_free(&sb);
			return NULL;
		}
	}
	if (sb.data == NULL)
		return xstrdup("");
	return sb.data;				/* ownership passes to the caller */
}

/* password_fn: a fresh credential for every connection attempt */
static int
mint_for_connection(void *arg, char **password)
{
	context    *ctx = arg;
	pg_credential cred;
	int			rc = lakebase_mint(&ctx->http, &ctx->auth, &ctx->target, &cred);

	if (rc != EXIT_OK)
		return rc;
	*password = cred.token;		/* the session wipes and frees it */
	free(cred.expires);
	return EXIT_OK;
}

static char *
ssl_description(PGconn *conn)
{
	const char *proto,
			   *cipher;

	if (!PQsslInUse(conn))
		return xstrdup("off");
	proto = PQsslAttribute(conn, "protocol");
	cipher = PQsslAttribute(conn, "cipher");
	return xasprintf("%s (%s)", proto ? proto : "on", cipher ? cipher : "unknown cipher");
}

static int
run_once(context *ctx)
{
	config	   *cfg = &ctx->cfg;
	deadline	dl;
	session		s;
	const char *user = cfg->role;
	bool		lakebase = cfg->target != TARGET_NONE;
	int			rc;

	deadline_start(&dl, cfg->deadline_ms);
	ctx->http.dl = &dl;

	if (lakebase)
	{
		if (user == NULL && (rc = oauth_whoami(&ctx->http, &ctx->auth, &user)) != EXIT_OK)
			return rc;
		/* re-resolved each run: endpoints can move between repetitions */
		lakebase_target_free(&ctx->target);
		if ((rc = lakebase_resolve(&ctx->http, &ctx->auth, &ctx->target)) != EXIT_OK)
			return rc;

		if (ctx->cmd == CMD_TOKEN)
		{
			pg_credential cred;

			rc = lakebase_mint(&ctx->http, &ctx->auth, &ctx->target, &cred);
			if (rc != EXIT_OK)
				return rc;
			report_token(cred.token, cred.expires, ctx->target.host, cfg->port, user,
						 cfg->dbname, cfg->sslmode, cfg->json);
			pg_credential_free(&cred);
			return EXIT_OK;
		}
		rc = session_open(&s, cfg, &dl, ctx->target.host, user, mint_for_connection, ctx);
	}
	else
		rc = session_open(&s, cfg, &dl, NULL, cfg->role, NULL, NULL);
	if (rc != EXIT_OK)
		return rc;

	switch (ctx->cmd)
	{
		case CMD_RUN:
			rc = job_run(&s, ctx->job, cfg->json);
			break;
		case CMD_SQL:
			rc = session_run(&s, ctx->sql);
			break;
		case CMD_CHECK:
			{
				check_report c;
				PGresult   *keep;
				char	   *ssl = ssl_description(s.conn);

				memset(&c, 0, sizeof(c));
				c.mode = target_kind_name(cfg->target);
				c.auth = lakebase ? auth_kind_name(cfg->auth) : "libpq";
				c.target = ctx->target.endpoint ? ctx->target.endpoint : ctx->target.instance;
				c.ssl = ssl;
				rc = session_check(&s, &c, &keep);
				if (rc == EXIT_OK)
				{
					report_check(&c, cfg->json);
					if (c.lakets_installed == NULL)
					{
						log_warning("the lakets extension is not installed in database \"%s\"",
									c.dbname);
						log_hint("run CREATE EXTENSION lakets as a role allowed to create it");
						rc = EXIT_PARTIAL;
					}
					else if (c.lakets_available != NULL &&
							 strcmp(c.lakets_installed, c.lakets_available) != 0)
					{
						/* the package was upgraded, the database not (docs/upgrading.md) */
						log_warning("lakets %s is installed in database \"%s\", the server has %s",
									c.lakets_installed, c.dbname, c.lakets_available);
						log_hint("run ALTER EXTENSION lakets UPDATE in that database");
					}
				}
				PQclear(keep);
				free(ssl);
				break;
			}
		default:
			break;
	}
	session_close(&s);
	return rc;
}

/*
 * --every: run on a fixed grid (start + k * interval) so runs do not drift;
 * an overrun skips the missed slots.  Configuration and authentication
 * failures stop the loop, since retrying cannot fix them; anything else is
 * logged and the next run tried.
 */
static int
run_repeatedly(context *ctx)
{
	int64_t		every = ctx->cfg.every_ms;
	int64_t		start = now_ms();
	int64_t		slot = 0;		/* index of the slot just run */
	long		runs = 0,
				good = 0;
	int			last_bad = EXIT_OK;

	for (;;)
	{
		int			rc = run_once(ctx);
		int64_t		next_slot;

		runs++;
		if (rc == EXIT_OK)
			good++;
		else
			last_bad = rc;
		if (rc == EXIT_CANCELLED)
			return rc;
		if (rc == EXIT_USAGE || rc == EXIT_AUTH)
		{
			log_error("stopping repetition after run %ld: the error will not go away by itself", runs);
			return rc;
		}
		if (rc != EXIT_OK)
			log_warning("run %ld ended with exit status %d", runs, rc);
		else
			log_info("run %ld succeeded", runs);
		if ((ctx->cfg.count > 0 && runs >= ctx->cfg.count) || stop_requested)
			break;

		next_slot = (now_ms() - start) / every + 1;
		if (next_slot > slot + 1)
			log_warning("run %ld took longer than --every; skipping %lld run(s)",
						runs, (long long) (next_slot - slot - 1));
		slot = next_slot;
		if (!sleep_ms(start + slot * every - now_ms()))
			break;
	}
	if (good == runs)
		return EXIT_OK;
	if (good == 0)
		return last_bad;
	return EXIT_PARTIAL;
}

int
main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{"project", required_argument, NULL, 'p'},
		{"branch", required_argument, NULL, 'b'},
		{"endpoint", required_argument, NULL, 'e'},
		{"instance", required_argument, NULL, 'i'},
		{"host", required_argument, NULL, 'H'},
		{"client-id", required_argument, NULL, 1},
		{"profile", required_argument, NULL, 2},
		{"config-file", required_argument, NULL, 3},
		{"auth-type", required_argument, NULL, 4},
		{"cacert", required_argument, NULL, 5},
		{"dbname", required_argument, NULL, 'd'},
		{"conninfo", required_argument, NULL, 6},
		{"role", required_argument, NULL, 'U'},
		{"port", required_argument, NULL, 7},
		{"sslmode", required_argument, NULL, 8},
		{"connect-timeout", required_argument, NULL, 9},
		{"statement-timeout", required_argument, NULL, 10},
		{"lock-timeout", required_argument, NULL, 11},
		{"http-timeout", required_argument, NULL, 12},
		{"deadline", required_argument, NULL, 13},
		{"retries", required_argument, NULL, 14},
		{"retry-delay", required_argument, NULL, 15},
		{"every", required_argument, NULL, 16},
		{"count", required_argument, NULL, 17},
		{"json", no_argument, NULL, 18},
		{"partial-ok", no_argument, NULL, 19},
		{"start-timeout", required_argument, NULL, 20},
		{"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	context		ctx;
	config	   *cfg = &ctx.cfg;
	int			c;
	int			rc = EXIT_OK;
	long		n;
	int			targets = 0;
	const char *cmd;
	struct sigaction sa;

	memset(&ctx, 0, sizeof(ctx));
	config_init(cfg);

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-?") == 0))
	{
		usage();
		return EXIT_OK;
	}

	/* "+": options end at the command, as in "git"; ":": we report errors */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:p:b:e:i:H:d:U:vVh", long_options, NULL)) != -1)
	{
		switch (c)
		{
			case 'p':
			case 'e':
			case 'i':
				targets++;
				cfg->target = c == 'p' ? TARGET_PROJECT : c == 'e' ? TARGET_ENDPOINT : TARGET_INSTANCE;
				free(cfg->target_name);
				cfg->target_name = xstrdup(optarg);
				break;
			case 'b':
				free(cfg->branch);
				cfg->branch = xstrdup(optarg);
				break;
			case 'H':
				free(cfg->dbx[DA_HOST]);
				cfg->dbx[DA_HOST] = xstrdup(optarg);
				break;
			case 1:
				free(cfg->dbx[DA_CLIENT_ID]);
				cfg->dbx[DA_CLIENT_ID] = xstrdup(optarg);
				break;
			case 2:
				free(cfg->profile);
				cfg->profile = xstrdup(optarg);
				cfg->profile_explicit = true;
				break;
			case 3:
				free(cfg->config_file);
				cfg->config_file = xstrdup(optarg);
				cfg->config_file_explicit = true;
				break;
			case 4:
				free(cfg->dbx[DA_AUTH_TYPE]);
				cfg->dbx[DA_AUTH_TYPE] = xstrdup(optarg);
				break;
			case 5:
				free(cfg->cacert);
				cfg->cacert = xstrdup(optarg);
				break;
			case 'd':
				free(cfg->dbname);
				cfg->dbname = xstrdup(optarg);
				break;
			case 6:
				free(cfg->conninfo);
				cfg->conninfo = xstrdup(optarg);
				break;
			case 'U':
				free(cfg->role);
				cfg->role = xstrdup(optarg);
				break;
			case 7:
				if (!parse_int(optarg, 1, 65535, &n))
					rc = usage_error("invalid port \"%s\"", optarg);
				free(cfg->port);
				cfg->port = xstrdup(optarg);
				break;
			case 8:
				free(cfg->sslmode);
				cfg->sslmode = xstrdup(optarg);
				break;
			case 9:
				rc = set_duration(&cfg->connect_timeout_ms, optarg, "--connect-timeout", 1000);
				break;
			case 10:
				rc = set_duration(&cfg->statement_timeout_ms, optarg, "--statement-timeout", 1);
				break;
			case 11:
				rc = set_duration(&cfg->lock_timeout_ms, optarg, "--lock-timeout", 1);
				break;
			case 12:
				rc = set_duration(&cfg->http_timeout_ms, optarg, "--http-timeout", 1000);
				break;
			case 13:
				rc = set_duration(&cfg->deadline_ms, optarg, "--deadline", 1000);
				break;
			case 14:
				if (!parse_int(optarg, 0, 100, &n))
					rc = usage_error("invalid value \"%s\" for --retries (0 to 100)", optarg);
				cfg->retries = (int) n;
				break;
			case 15:
				rc = set_duration(&cfg->retry_delay_ms, optarg, "--retry-delay", 1);
				break;
			case 16:
				rc = set_duration(&cfg->every_ms, optarg, "--every", 1000);
				if (rc == EXIT_OK && cfg->every_ms < 1000)
					rc = usage_error("--every must be at least 1s, not \"%s\"", optarg);
				break;
			case 17:
				if (!parse_int(optarg, 1, 1000000000, &cfg->count))
					rc = usage_error("invalid value \"%s\" for --count", optarg);
				break;
			case 18:
				cfg->json = true;
				break;
			case 19:
				cfg->partial_ok = true;
				break;
			case 20:
				rc = set_duration(&cfg->start_timeout_ms, optarg, "--start-timeout", 1000);
				break;
			case 'v':
				log_verbosity++;
				break;
			case 'V':
				printf("%s %s\n", HELPER_NAME, HELPER_VERSION);
				config_free(cfg);
				return EXIT_OK;
			case 'h':
				usage();
				config_free(cfg);
				return EXIT_OK;
			case ':':
				if (optopt)
				{
					char		name[3] = {'-', (char) optopt, '\0'};

					rc = usage_error("option \"%s\" needs a value", name);
				}
				else
					rc = usage_error("option \"%s\" needs a value", argv[optind - 1]);
				break;
			default:
				{
					/* name only: the value might be a misplaced secret */
					char	   *name = optopt ? xasprintf("-%c", optopt) :
						xstrdup(argv[optind - 1]);

					name[strcspn(name, "=")] = '\0';
					rc = usage_error("invalid option \"%s\"", name);
					free(name);
					if (strncmp(argv[optind - 1], "--client-secret", 15) == 0 ||
						strncmp(argv[optind - 1], "--token", 7) == 0)
						log_hint("secrets are read only from the environment (DATABRICKS_CLIENT_SECRET, DATABRICKS_TOKEN ...) or a profile");
					break;
				}
		}
		if (rc != EXIT_OK)
		{
			config_free(cfg);
			return rc;
		}
	}

	if (optind >= argc)
	{
		config_free(cfg);
		return usage_error("no command given%s", NULL);
	}
	cmd = argv[optind++];
	if (strcmp(cmd, "run") == 0)
	{
		ctx.cmd = CMD_RUN;
		if (optind >= argc)
			rc = usage_error("\"run\" needs a job: maintenance, partitions, rollups or retention%s", NULL);
		else
		{
			ctx.job = job_lookup(argv[optind]);
			if (ctx.job == NULL)
				rc = usage_error("unknown job \"%s\"; use maintenance, partitions, rollups or retention", argv[optind]);
			optind++;
		}
	}
	else if (strcmp(cmd, "sql") == 0)
	{
		ctx.cmd = CMD_SQL;
		if (optind >= argc)
			rc = usage_error("\"sql\" needs a statement%s", NULL);
		else if (strcmp(argv[optind], "-") == 0)
		{
			ctx.sql = read_stdin_sql();
			if (ctx.sql == NULL)
				rc = usage_error("standard input holds more than 1 MB of SQL%s", NULL);
			optind++;
		}
		else
			ctx.sql = xstrdup(argv[optind++]);
	}
	else if (strcmp(cmd, "token") == 0)
		ctx.cmd = CMD_TOKEN;
	else if (strcmp(cmd, "check") == 0)
		ctx.cmd = CMD_CHECK;
	else
		rc = usage_error("unknown command \"%s\"", cmd);

	if (rc == EXIT_OK && optind < argc)
		rc = usage_error("too many command-line arguments (first is \"%s\")", argv[optind]);
	if (rc == EXIT_OK && targets > 1)
		rc = usage_error("use only one of --project, --endpoint and --instance%s", NULL);
	if (rc == EXIT_OK && cfg->every_ms > 0 && ctx.cmd == CMD_TOKEN)
		rc = usage_error("--every makes no sense with \"token\"%s", NULL);
	if (rc == EXIT_OK && cfg->count > 0 && cfg->every_ms == 0)
		rc = usage_error("--count needs --every%s", NULL);
	if (rc == EXIT_OK && cfg->conninfo && cfg->dbname)
		rc = usage_error("use either --dbname or --conninfo%s", NULL);
	if (rc == EXIT_OK)
		rc = config_resolve(cfg);
	if (rc == EXIT_OK && ctx.cmd == CMD_TOKEN && cfg->target == TARGET_NONE)
	{
		log_error("\"token\" needs a Lakebase target");
		log_hint("set --project, --endpoint or --instance (or LAKETS_PROJECT, LAKETS_LAKEBASE_ENDPOINT, LAKETS_INSTANCE)");
		rc = EXIT_USAGE;
	}
	if (rc == EXIT_OK && cfg->target != TARGET_NONE && cfg->conninfo)
		rc = usage_error("--conninfo is for plain PostgreSQL, not Lakebase%s", NULL);
	if (rc != EXIT_OK)
	{
		free(ctx.sql);
		config_free(cfg);
		return rc;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* libcurl only for Lakebase: plain mode never initializes it */
	if (cfg->target != TARGET_NONE && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
	{
		log_error("could not initialize libcurl");
		rc = EXIT_CONN;
	}
	else
	{
		if (cfg->target != TARGET_NONE)
			rc = http_init(&ctx.http, cfg);
		if (rc == EXIT_OK)
			rc = cfg->every_ms > 0 ? run_repeatedly(&ctx) : run_once(&ctx);
		if (cfg->target != TARGET_NONE)
		{
			http_cleanup(&ctx.http);
			curl_global_cleanup();
		}
	}

	if (rc == EXIT_PARTIAL && cfg->partial_ok)
	{
		log_info("partial success reported as exit status 0 (--partial-ok)");
		rc = EXIT_OK;
	}
	auth_state_free(&ctx.auth);
	lakebase_target_free(&ctx.target);
	if (ctx.sql)
		explicit_bzero(ctx.sql, strlen(ctx.sql));
	free(ctx.sql);
	config_free(cfg);
	return rc;
}
