/*
 * command.c
 *		Running another program with a timeout (see command.h).
 *
 * posix_spawn() with both output pipes read through poll(), waking every
 * 200 ms to notice a stop request or the timeout.  The child gets default
 * dispositions for the signals we catch or ignore, so that SIGPIPE and
 * SIGTERM act on it as on any program.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "command.h"
#include "report.h"

#define KILL_GRACE_MS 2000

extern char **environ;

static bool
is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *
command_find(const char *name)
{
	const char *path = getenv("PATH");
	const char *p;

	if (name == NULL || name[0] == '\0')
		return NULL;
	if (strchr(name, '/') != NULL)
		return is_executable(name) ? xstrdup(name) : NULL;
	for (p = path; p != NULL && *p != '\0';)
	{
		size_t		n = strcspn(p, ":");
		char	   *cand = xasprintf("%.*s/%s", (int) (n ? n : 1), n ? p : ".", name);

		if (is_executable(cand))
			return cand;
		free(cand);
		p += n;
		if (*p == ':')
			p++;
	}
	return NULL;
}

/*
 * Past the timeout (or too much output), or asked to stop: SIGTERM, then
 * after a grace SIGKILL.  *kill_at is when the grace ends, 0 before.
 */
static void
enforce_limits(pid_t pid, int64_t start, int64_t timeout_ms, command_result *res,
			   int64_t *kill_at)
{
	if (*kill_at == 0 && (stop_requested || res->timed_out || now_ms() - start >= timeout_ms))
	{
		if (stop_requested)
			res->stopped = true;
		else
			res->timed_out = true;
		kill(pid, SIGTERM);
		*kill_at = now_ms() + KILL_GRACE_MS;
	}
	else if (*kill_at != 0 && now_ms() >= *kill_at)
		kill(pid, SIGKILL);
}

/* Read what is there; false at end of file or on an error. */
static bool
drain(int fd, command_result *res, bool is_out, size_t max_out, size_t *errlen)
{
	char		buf[4096];
	ssize_t		n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	if (is_out)
	{
		if (res->out.len + (size_t) n <= max_out)
			strbuf_append(&res->out, buf, (size_t) n);
		else
			res->timed_out = true;	/* too much: treated as a failure */
	}
	else if (*errlen + 1 < sizeof(res->err))
	{
		size_t		take = (size_t) n;

		if (take > sizeof(res->err) - 1 - *errlen)
			take = sizeof(res->err) - 1 - *errlen;
		memcpy(res->err + *errlen, buf, take);
		*errlen += take;
		res->err[*errlen] = '\0';
	}
	explicit_bzero(buf, sizeof(buf));
	return true;
}

bool
command_run(const char *path, char *const argv[], int64_t timeout_ms,
			size_t max_out, command_result *res)
{
	int			out[2],
				err[2];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t	dflt;
	pid_t		pid;
	int			rc;
	int64_t		start = now_ms();
	int64_t		kill_at = 0;
	size_t		errlen = 0;
	bool		open_out = true,
				open_err = true;
	int			status = 0;

	memset(res, 0, sizeof(*res));
	res->exit_status = -1;
	strbuf_init(&res->out);
	if (pipe2(out, O_CLOEXEC) != 0)
	{
		log_error("could not run %s: %s", path, strerror(errno));
		return false;
	}
	if (pipe2(err, O_CLOEXEC) != 0)
	{
		log_error("could not run %s: %s", path, strerror(errno));
		close(out[0]);
		close(out[1]);
		return false;
	}
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGTERM);
	/* each of these allocates, and may fail */
	if ((rc = posix_spawn_file_actions_init(&fa)) == 0)
	{
		if ((rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) == 0 &&
			(rc = posix_spawn_file_actions_adddup2(&fa, out[1], 1)) == 0 &&
			(rc = posix_spawn_file_actions_adddup2(&fa, err[1], 2)) == 0 &&
			(rc = posix_spawnattr_init(&attr)) == 0)
		{
			if ((rc = posix_spawnattr_setsigdefault(&attr, &dflt)) == 0 &&
				(rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF)) == 0)
				rc = posix_spawn(&pid, path, &fa, &attr, argv, environ);
			posix_spawnattr_destroy(&attr);
		}
		posix_spawn_file_actions_destroy(&fa);
	}
	close(out[1]);
	close(err[1]);
	if (rc != 0)
	{
		log_error("could not run %s: %s", path, strerror(rc));
		close(out[0]);
		close(err[0]);
		return false;
	}

	while (open_out || open_err)
	{
		struct pollfd pfd[2];
		int			nfd = 0;
		int			i;

		enforce_limits(pid, start, timeout_ms, res, &kill_at);
		if (kill_at != 0 && now_ms() >= kill_at)
			break;				/* killed; a child of its may hold the pipes */
		memset(pfd, 0, sizeof(pfd));
		if (open_out)
		{
			pfd[nfd].fd = out[0];
			pfd[nfd++].events = POLLIN;
		}
		if (open_err)
		{
			pfd[nfd].fd = err[0];
			pfd[nfd++].events = POLLIN;
		}
		if (poll(pfd, (nfds_t) nfd, 200) < 0 && errno != EINTR)
			break;
		for (i = 0; i < nfd; i++)
		{
			bool		is_out = pfd[i].fd == out[0];

			if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
				continue;
			if (!drain(pfd[i].fd, res, is_out, max_out, &errlen))
			{
				if (is_out)
					open_out = false;
				else
					open_err = false;
			}
		}
	}
	close(out[0]);
	close(err[0]);
	/* its output is closed, but it may still run: the same limits apply */
	for (;;)
	{
		pid_t		w = waitpid(pid, &status, WNOHANG);
		struct timespec tick = {0, 20 * 1000 * 1000};

		if (w == pid || (w < 0 && errno != EINTR))
			break;
		enforce_limits(pid, start, timeout_ms, res, &kill_at);
		nanosleep(&tick, NULL);
	}
	if (WIFEXITED(status) && kill_at == 0)
		res->exit_status = WEXITSTATUS(status);
	sanitize_text(res->err, sizeof(res->err), res->err, strlen(res->err));
	return true;
}

void
command_result_free(command_result *res)
{
	strbuf_free(&res->out);
}
