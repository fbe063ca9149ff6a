/*
 * http.c
 *		libcurl with retries for lakets-helper.
 *
 * One easy handle is kept for the life of the process so consecutive
 * calls reuse the TLS connection.  Every request: https only, peer and
 * host verification on (the only knob is the CA bundle), no redirects,
 * a connect and a total timeout bounded by the run's deadline, and a
 * 1 MiB cap on the answer.  Connection errors, 429 and 5xx are retried
 * with exponential backoff and jitter (Retry-After wins when present);
 * 400, 401, 403 and 404 are final.
 *
 * Authorization headers are built by the callers in wiped buffers; the
 * copies libcurl makes of header lines are wiped here before freeing.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "http.h"
#include "report.h"

#define RETRY_CAP_MS		30000
#define RETRY_AFTER_MAX_MS	3600000

typedef struct transfer
{
	http_response *resp;
} transfer;

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	transfer   *t = arg;
	size_t		n = size * nmemb;

	if (t->resp->body.len + n > HTTP_MAX_RESPONSE)
	{
		t->resp->too_large = true;
		return 0;				/* makes libcurl fail with CURLE_WRITE_ERROR */
	}
	strbuf_append(&t->resp->body, data, n);
	return n;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	transfer   *t = arg;
	size_t		n = size * nmemb;
	char		line[256];
	char	   *v;

	if (n < 12 || n >= sizeof(line) || strncasecmp(data, "Retry-After:", 12) != 0)
		return n;
	memcpy(line, data, n);
	line[n] = '\0';
	v = line + 12;
	v[strcspn(v, "\r\n")] = '\0';
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v >= '0' && *v <= '9')
	{
		long		secs;

		if (parse_int(v, 0, RETRY_AFTER_MAX_MS / 1000, &secs))
			t->resp->retry_after_ms = secs * 1000;
	}
	else
	{
		/* an HTTP-date */
		time_t		when = curl_getdate(v, NULL);

		if (when > 0)
		{
			int64_t		ms = ((int64_t) when - (int64_t) time(NULL)) * 1000;

			t->resp->retry_after_ms = ms < 0 ? 0 : ms > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS : ms;
		}
	}
	return n;
}

/* Lets SIGINT/SIGTERM abort a transfer in progress. */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
			curl_off_t ultotal, curl_off_t ulnow)
{
	return stop_requested ? 1 : 0;
}

int
http_init(http_client *c, const config *cfg)
{
	CURL	   *curl;

	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	curl = curl_easy_init();
	if (curl == NULL)
	{
		log_error("could not initialize libcurl");
		return EXIT_CONN;
	}
	c->curl = curl;
	return EXIT_OK;
}

void
http_cleanup(http_client *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	c->curl = NULL;
}

void
http_response_free(http_response *resp)
{
	strbuf_free(&resp->body);
	resp->status = 0;
	resp->too_large = false;
	resp->retry_after_ms = -1;
}

static void
free_headers_wiped(struct curl_slist *h)
{
	struct curl_slist *p;

	for (p = h; p; p = p->next)
		if (p->data)
			explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(h);
}

static bool
retryable_curl_error(CURLcode rc)
{
	switch (rc)
	{
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_CONNECT:
		case CURLE_OPERATION_TIMEDOUT:
		case CURLE_SEND_ERROR:
		case CURLE_RECV_ERROR:
		case CURLE_GOT_NOTHING:
		case CURLE_PARTIAL_FILE:
		case CURLE_SSL_CONNECT_ERROR:
		case CURLE_HTTP2:
		case CURLE_HTTP2_STREAM:
			return true;
		default:
			return false;
	}
}

static bool
retryable_status(long status)
{
	return status == 429 || (status >= 500 && status <= 599);
}

static const char *
fmt_secs(char *buf, size_t size, int64_t ms)
{
	snprintf(buf, size, "%.1fs", (double) ms / 1000.0);
	return buf;
}

/* One attempt; returns the libcurl result. */
static CURLcode
perform_once(http_client *c, const char *method, const char *url,
			 struct curl_slist *headers, const char *body,
			 http_response *resp, char *errbuf)
{
	CURL	   *curl = c->curl;
	transfer	t;
	int64_t		left = deadline_left_ms(c->dl);
	int64_t		timeout = c->cfg->http_timeout_ms;
	CURLcode	rc;

	if (left < timeout)
		timeout = left;
	if (timeout < 1)
		timeout = 1;

	t.resp = resp;
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
#else
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS, (long) CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(curl, CURLOPT_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2);
	if (c->cfg->cacert)
		curl_easy_setopt(curl, CURLOPT_CAINFO, c->cfg->cacert);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long) timeout);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long) timeout);
	curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, HELPER_NAME "/" HELPER_VERSION);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	else
	{
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
		/* not copied by libcurl: stays in our buffer */
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long) (body ? strlen(body) : 0));
	}

	errbuf[0] = '\0';
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
	return rc;
}

int
http_request(http_client *c, const char *method, const char *path,
			 const char *authz, const char *content_type,
			 const char *body, http_response *resp)
{
	struct curl_slist *headers = NULL;
	char	   *url = xasprintf("%s%s", c->cfg->host, path);
	char		errbuf[CURL_ERROR_SIZE];
	char		sbuf[32];
	int			max_attempts = c->cfg->retries + 1;
	int			attempt;
	int			result = EXIT_CONN;

	strbuf_init(&resp->body);
	resp->status = 0;
	resp->too_large = false;
	resp->retry_after_ms = -1;

	headers = curl_slist_append(headers, "Accept: application/json");
	headers = curl_slist_append(headers, "Expect:");
	if (content_type)
	{
		char	   *h = xasprintf("Content-Type: %s", content_type);

		headers = curl_slist_append(headers, h);
		free(h);
	}
	if (authz)
	{
		strbuf		h;

		strbuf_init(&h);
		strbuf_appends(&h, "Authorization: ");
		strbuf_appends(&h, authz);
		headers = curl_slist_append(headers, h.data);
		strbuf_free(&h);
	}
	if (headers == NULL)
		xmalloc((size_t) -1);	/* reports out of memory */

	for (attempt = 1;; attempt++)
	{
		int64_t		start = now_ms();
		CURLcode	rc;
		int64_t		delay;
		int64_t		left;
		char		reason[CURL_ERROR_SIZE + 64];

		http_response_free(resp);
		if (deadline_passed(c->dl))
		{
			log_error("%s %s: deadline exceeded", method, path);
			log_hint("raise --deadline, or check the network path to %s", c->cfg->host);
			break;
		}
		rc = perform_once(c, method, url, headers, body, resp, errbuf);
		log_debug("%s %s -> %s%ld (%lld ms)", method, path,
				  rc == CURLE_OK ? "HTTP " : "error ", rc == CURLE_OK ? resp->status : (long) rc,
				  (long long) (now_ms() - start));

		if (rc == CURLE_OK && !retryable_status(resp->status))
		{
			result = EXIT_OK;
			break;
		}
		if (rc != CURLE_OK && stop_requested)
		{
			log_error("%s %s: interrupted", method, path);
			break;
		}
		if (rc != CURLE_OK && resp->too_large)
		{
			log_error("%s %s: response too large (more than %d bytes)",
					  method, path, HTTP_MAX_RESPONSE);
			log_detail("The service answered with more data than any valid response holds.");
			break;
		}
		if (rc != CURLE_OK && !retryable_curl_error(rc))
		{
			log_error("could not reach %s: %s", c->cfg->host,
					  errbuf[0] ? errbuf : curl_easy_strerror(rc));
			if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
				rc == CURLE_SSL_CERTPROBLEM)
				log_hint("the server certificate is not trusted; for a private CA use --cacert or LAKETS_CA_BUNDLE");
			break;
		}

		/* retryable: a connection error, 429 or 5xx */
		if (rc == CURLE_OK)
			snprintf(reason, sizeof(reason), "HTTP %ld", resp->status);
		else
			snprintf(reason, sizeof(reason), "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));

		delay = backoff_ms(attempt, c->cfg->retry_delay_ms, RETRY_CAP_MS);
		if (rc == CURLE_OK && resp->retry_after_ms >= 0)
			delay = resp->retry_after_ms;
		left = deadline_left_ms(c->dl);

		if (attempt >= max_attempts || delay >= left)
		{
			if (attempt < max_attempts)
				log_warning("%s %s: %s; retrying in %s would pass the deadline",
							method, path, reason, fmt_secs(sbuf, sizeof(sbuf), delay));
			if (rc == CURLE_OK)
				result = EXIT_OK;	/* caller reports the status */
			else
			{
				log_error("could not reach %s: %s", c->cfg->host, reason);
				log_detail("Gave up after %d attempt%s.", attempt, attempt == 1 ? "" : "s");
			}
			break;
		}
		log_warning("%s %s: %s; retrying in %s (attempt %d of %d)",
					method, path, reason, fmt_secs(sbuf, sizeof(sbuf), delay),
					attempt + 1, max_attempts);
		if (!sleep_ms(delay))
		{
			log_error("%s %s: interrupted", method, path);
			break;
		}
	}

	free_headers_wiped(headers);
	free(url);
	if (result != EXIT_OK)
		http_response_free(resp);
	return result;
}

void
http_error_text(const char *body, size_t len, char *out, size_t outsize)
{
	json_object *o;
	json_object *v;
	const char *code = NULL;
	const char *msg = NULL;
	char		raw[512];

	out[0] = '\0';
	if (len == 0)
		return;
	o = http_parse_json(body, len);
	if (o == NULL)
	{
		sanitize_text(out, outsize > 200 ? 200 : outsize, body, len);
		return;
	}
	if (json_object_object_get_ex(o, "error_code", &v) && json_object_is_type(v, json_type_string))
		code = json_object_get_string(v);
	else if (json_object_object_get_ex(o, "error", &v) && json_object_is_type(v, json_type_string))
		code = json_object_get_string(v);
	if (json_object_object_get_ex(o, "message", &v) && json_object_is_type(v, json_type_string))
		msg = json_object_get_string(v);
	else if (json_object_object_get_ex(o, "error_description", &v) &&
			 json_object_is_type(v, json_type_string))
		msg = json_object_get_string(v);
	else if (json_object_object_get_ex(o, "detail", &v) && json_object_is_type(v, json_type_string))
		msg = json_object_get_string(v);

	if (code && msg)
		snprintf(raw, sizeof(raw), "%s: %s", code, msg);
	else
		snprintf(raw, sizeof(raw), "%s", code ? code : msg ? msg : "");
	sanitize_text(out, outsize, raw, strlen(raw));
	json_wipe_put(o);
}

int
http_fail(const http_response *resp, const char *what,
		  const char *hint_401, const char *hint_403)
{
	char		text[300];

	http_error_text(resp->body.data, resp->body.len, text, sizeof(text));
	log_error("%s: HTTP %ld", what, resp->status);
	if (text[0])
		log_detail("%s", text);
	switch (resp->status)
	{
		case 401:
			if (hint_401)
				log_hint("%s", hint_401);
			return EXIT_AUTH;
		case 403:
			log_hint("%s", hint_403 ? hint_403 :
					 "the identity lacks a permission; see \"Authentication & permissions\" in docs/helper.md");
			return EXIT_AUTH;
		case 400:
		case 404:
			return EXIT_USAGE;
		default:
			return EXIT_CONN;
	}
}

json_object *
http_parse_json(const char *body, size_t len)
{
	json_tokener *tok;
	json_object *o;

	if (body == NULL || len == 0 || len > HTTP_MAX_RESPONSE ||
		memchr(body, '\0', len) != NULL)
		return NULL;
	tok = json_tokener_new_ex(32);
	if (tok == NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, body, (int) len);
	if (o != NULL && json_tokener_get_error(tok) == json_tokener_success)
	{
		size_t		end = json_tokener_get_parse_end(tok);

		/* only whitespace may follow the object */
		while (end < len && (body[end] == ' ' || body[end] == '\n' ||
							 body[end] == '\r' || body[end] == '\t'))
			end++;
		if (end != len || !json_object_is_type(o, json_type_object))
		{
			json_wipe_put(o);
			o = NULL;
		}
	}
	else
	{
		/* incomplete ("continue") or an error */
		json_wipe_put(o);
		o = NULL;
	}
	/*
	 * The tokener's scratch buffer holds the last string it parsed, which
	 * may be a token.  Its struct is public in the json-c versions we build
	 * against; wipe the buffer before freeing it.
	 */
	if (tok->pb && tok->pb->buf)
		explicit_bzero(tok->pb->buf, (size_t) tok->pb->size);
	json_tokener_free(tok);
	return o;
}

void
json_wipe_put(json_object *obj)
{
	if (obj == NULL)
		return;
	switch (json_object_get_type(obj))
	{
		case json_type_string:
			explicit_bzero((char *) json_object_get_string(obj),
						   (size_t) json_object_get_string_len(obj));
			break;
		case json_type_object:
			{
				json_object_iter it;

				json_object_object_foreachC(obj, it)
				{
					if (it.val && json_object_is_type(it.val, json_type_string))
						explicit_bzero((char *) json_object_get_string(it.val),
									   (size_t) json_object_get_string_len(it.val));
					else if (it.val)
					{
						/* recurse without releasing: the parent owns it */
						json_object_get(it.val);
						json_wipe_put(it.val);
					}
				}
				break;
			}
		case json_type_array:
			{
				size_t		i,
							n = json_object_array_length(obj);

				for (i = 0; i < n; i++)
				{
					json_object *e = json_object_array_get_idx(obj, i);

					if (e)
					{
						json_object_get(e);
						json_wipe_put(e);
					}
				}
				break;
			}
		default:
			break;
	}
	json_object_put(obj);
}
