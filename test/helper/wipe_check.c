/*
 * wipe_check.c - does parsing a token answer leave the token in freed
 * memory?  For test/helper/run.sh.
 *
 * This program replaces free() and realloc() for the whole process (the
 * shared libraries included, json-c's buffers among them): while armed,
 * every block freed, and every block realloc() moves away from, is searched
 * for the second half of the secret (a key parsed later may overwrite the
 * start of a buffer) before it is given back.  realloc() always moves here, so
 * a buffer that grows while holding a secret is caught too.  Then it parses
 * answers holding a secret the way lakets-helper does and frees everything.
 *
 * Prints "wipe_check: N blocks checked, M held the secret" and exits 1 if
 * M > 0.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "tokensource.h"
#include "util.h"

extern void *__libc_malloc(size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);

static const char *armed;		/* the secret looked for, or NULL */
static long checked,
			leaked;

void		free(void *p);
void	   *realloc(void *p, size_t size);

void
free(void *p)
{
	if (p != NULL && armed != NULL)
	{
		size_t		n = malloc_usable_size(p);

		checked++;
		size_t		half = strlen(armed) / 2;

		if (memmem(p, n, armed + half, strlen(armed) - half) != NULL)
			leaked++;
	}
	__libc_free(p);
}

void *
realloc(void *p, size_t size)
{
	void	   *q;
	size_t		old;

	if (armed == NULL || p == NULL)
		return __libc_realloc(p, size);
	q = __libc_malloc(size);
	if (q == NULL)
		return NULL;
	old = malloc_usable_size(p);
	memcpy(q, p, old < size ? old : size);
	free(p);
	return q;
}

static void
check(const char *secret, const char *fmt)
{
	/* the body stays outside the heap: only what the parser keeps counts */
	static char body[4096];
	char	   *tok = NULL;
	int64_t		expires;
	time_t		expiry;

	snprintf(body, sizeof(body), fmt, secret);
	armed = secret;
	if (strstr(fmt, "expiry"))
		cli_parse_token(body, strlen(body), &tok, &expiry);
	else
		oauth_parse_token(body, strlen(body), &tok, &expires);
	if (tok == NULL || strcmp(tok, secret) != 0)
	{
		printf("wipe_check: the parser did not return the token of %s\n", fmt);
		exit(2);
	}
	secret_free(tok);
	armed = NULL;
	explicit_bzero(body, sizeof(body));
}

int
main(void)
{
	const char *secret = "dapiWIPEcheck0123456789abcdef0123456789";

	/* a long string after the token makes json-c's buffer grow */
	check(secret, "{\"access_token\":\"%s\",\"scope\":\"all-apis all-apis all-apis all-apis all-apis all-apis all-apis all-apis all-apis all-apis\",\"expires_in\":3600}");
	check(secret, "{\"token_type\":\"Bearer\",\"access_token\":\"%s\",\"expires_in\":\"3599\"}");
	check(secret, "{\"access_token\":\"%s\",\"expiry\":\"2026-11-29T10:39:22.123456789+01:00\",\"token_type\":\"Bearer\",\"padding\":\"0123456789012345678901234567890123456789012345678901234567890123456789\"}");
	printf("wipe_check: %ld blocks checked, %ld held the secret\n", checked, leaked);
	return leaked > 0 || checked == 0;
}
