/*
 * tls_floor.c - the least a C program using libcurl and libpq does over TLS.
 *
 * test/bench/helper_bench.sh measures the peak memory of this program next to
 * lakets-helper's, so the report shows what the libraries alone cost:
 *
 *   tls_floor pq CONNINFO            one TLS login with libpq and SELECT 1
 *   tls_floor curl+pq URL CONNINFO   one HTTPS GET with libcurl (any HTTP
 *                                    status will do), then the same login
 *
 * Built with -DFLOOR_PQ_ONLY it has only the first form and links only libpq,
 * so that figure carries no libcurl at all.
 *
 * The CA bundle for the HTTPS request comes from LAKETS_CA_BUNDLE.  No
 * parsing, no retries, no report: a floor, not a client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FLOOR_PQ_ONLY
#include <curl/curl.h>
#endif
#include <libpq-fe.h>

#ifndef FLOOR_PQ_ONLY
static size_t
discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
	(void) ptr;
	(void) arg;
	return size * nmemb;
}

static int
https_get(const char *url)
{
	CURL	   *c;
	CURLcode	rc;
	const char *ca = getenv("LAKETS_CA_BUNDLE");

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (c = curl_easy_init()) == NULL)
	{
		fprintf(stderr, "tls_floor: could not initialize libcurl\n");
		return 1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	if (ca)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		fprintf(stderr, "tls_floor: %s: %s\n", url, curl_easy_strerror(rc));
	curl_easy_cleanup(c);
	curl_global_cleanup();
	return rc == CURLE_OK ? 0 : 1;
}
#endif

static int
pq_login(const char *conninfo)
{
	PGconn	   *conn = PQconnectdb(conninfo);
	PGresult   *res;
	int			bad;

	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "tls_floor: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return 1;
	}
	if (PQsslInUse(conn) == 0)
	{
		fprintf(stderr, "tls_floor: the connection does not use TLS\n");
		PQfinish(conn);
		return 1;
	}
	res = PQexec(conn, "SELECT 1");
	bad = PQresultStatus(res) != PGRES_TUPLES_OK;
	if (bad)
		fprintf(stderr, "tls_floor: %s", PQerrorMessage(conn));
	PQclear(res);
	PQfinish(conn);
	return bad;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "pq") == 0)
		return pq_login(argv[2]);
#ifndef FLOOR_PQ_ONLY
	if (argc == 4 && strcmp(argv[1], "curl+pq") == 0)
		return https_get(argv[2]) || pq_login(argv[3]);
#endif
	fprintf(stderr, "usage: tls_floor pq CONNINFO | tls_floor curl+pq URL CONNINFO\n");
	return 2;
}
