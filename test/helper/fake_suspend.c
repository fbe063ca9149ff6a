/*
 * fake_suspend.c - an LD_PRELOAD shim for test/helper/run.sh that makes the
 * machine look as if it had been suspended: CLOCK_BOOTTIME (which counts
 * suspend) jumps ahead by the number of seconds in the file named by
 * FAKE_SUSPEND_FILE, while CLOCK_MONOTONIC (which does not) runs on as
 * usual.  A program that times token expiry on the wrong clock keeps using
 * a token the shim has aged past its expiry.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int			clock_gettime(clockid_t id, struct timespec *ts);

int
clock_gettime(clockid_t id, struct timespec *ts)
{
	static int	(*real) (clockid_t, struct timespec *);
	int			rc;

	if (real == NULL)
		real = (int (*) (clockid_t, struct timespec *)) dlsym(RTLD_NEXT, "clock_gettime");
	rc = real(id, ts);
	if (rc == 0 && id == CLOCK_BOOTTIME)
	{
		const char *path = getenv("FAKE_SUSPEND_FILE");
		FILE	   *f = path ? fopen(path, "r") : NULL;
		long		secs = 0;

		if (f)
		{
			if (fscanf(f, "%ld", &secs) != 1)
				secs = 0;
			fclose(f);
		}
		ts->tv_sec += secs;
	}
	return rc;
}
