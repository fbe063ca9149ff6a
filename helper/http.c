/*
 * http.c
 *		libcurl for lakets-helper.
 *
 * One easy handle is kept for the life of the process so consecutive
 * calls reuse the TLS connection.  Every request: https only, peer and
 * host verification on (the only knob is the CA bundle), no redirects (a
 * redirect answer is reported as such), a connect and a total timeout
 * bounded by the run's deadline, and a 1 MiB cap on the answer.
 * Connection errors, 429 and 5xx are retried by the one retry loop
 * (retry.c), with the server's Retry-After when it sends one (libcurl
 * parses it); 3xx and other 4xx are final.
 *
 * Credentials go to libcurl as what they are (CURLOPT_XOAUTH2_BEARER,
 * CURLOPT_USERNAME and CURLOPT_PASSWORD) and libcurl writes the
 * Authorization header; its own copies are beyond our reach, ours are
 * wiped.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "http.h"
#include "report.h"
#include "retry.h"

#define RETRY_AFTER_MAX_MS	3600000

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	http_response *resp = arg;
	size_t		n = size * nmemb;

	if (resp->body.len + n > HTTP_MAX_RESPONSE)
	{
		resp->too_large = true;
		return 0;				/* makes libcurl fail with CURLE_WRITE_ERROR */
	}
	strbuf_append(&resp->body, data, n);
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
http_response_init(http_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	strbuf_init(&resp->body);
	resp->retry_after_ms = -1;
}

void
http_response_free(http_response *resp)
{
	strbuf_free(&resp->body);
	free(resp->location);
	http_response_init(resp);
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

/* What the answer says besides its body: status, Retry-After, redirect. */
static void
read_answer(CURL *curl, http_response *resp)
{
	curl_off_t	retry_after = 0;
	char	   *location = NULL;

	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
	/* seconds, from a number or an HTTP-date; 0 when absent */
	if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK &&
		retry_after > 0)
		resp->retry_after_ms = retry_after > RETRY_AFTER_MAX_MS / 1000 ?
			RETRY_AFTER_MAX_MS : (int64_t) retry_after * 1000;
	if (resp->status >= 300 && resp->status < 400 &&
		curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location)
	{
		char		buf[256];

		sanitize_text(buf, sizeof(buf), location, strlen(location));
		resp->location = xstrdup(buf);
	}
}

static void
add_header(struct curl_slist **headers, const char *line)
{
	struct curl_slist *h = curl_slist_append(*headers, line);

	if (h == NULL)
		xmalloc((size_t) -1);	/* reports out of memory */
	*headers = h;
}

/* One attempt; returns the libcurl result. */
static CURLcode
perform_once(http_client *c, const http_req *req, const char *url,
			 struct curl_slist *headers, http_response *resp, char *errbuf)
{
	CURL	   *curl = c->curl;
	int64_t		left = deadline_left_ms(c->dl);
	int64_t		timeout = c->cfg->http_timeout_ms;
	CURLcode	rc;

	if (left < timeout)
		timeout = left;
	if (timeout < 1)
		timeout = 1;

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
	if (req->bearer)
	{
		curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long) CURLAUTH_BEARER);
		curl_easy_setopt(curl, CURLOPT_XOAUTH2_BEARER, req->bearer);
	}
	else if (req->user)
	{
		curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
		curl_easy_setopt(curl, CURLOPT_USERNAME, req->user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, req->password ? req->password : "");
	}
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	if (strcmp(req->method, "GET") == 0)
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	else
	{
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
		/* not copied by libcurl: stays in the caller's buffer */
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long) (req->body ? strlen(req->body) : 0));
	}

	errbuf[0] = '\0';
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		read_answer(curl, resp);
	/* the secrets handed over are not needed by the handle any more */
	curl_easy_setopt(curl, CURLOPT_XOAUTH2_BEARER, NULL);
	curl_easy_setopt(curl, CURLOPT_PASSWORD, NULL);
	return rc;
}

int
http_request(http_client *c, const http_req *req, http_response *resp)
{
	const char *base = req->base ? req->base : cfg_host(c->cfg);
	struct curl_slist *headers = NULL;
	char	   *url = xasprintf("%s%s", base, req->path);
	char	   *what = xasprintf("%s %s", req->method, req->path);
	char		errbuf[CURL_ERROR_SIZE];
	retry_state r;
	int			result = EXIT_CONN;

	http_response_init(resp);
	add_header(&headers, "Accept: application/json");
	add_header(&headers, "Expect:");
	if (req->content_type)
	{
		char	   *h = xasprintf("Content-Type: %s", req->content_type);

		add_header(&headers, h);
		free(h);
	}

	retry_start(&r, c->cfg->retries, c->cfg->retry_delay_ms, c->dl);
	for (;;)
	{
		int64_t		start = now_ms();
		CURLcode	rc;
		char		reason[CURL_ERROR_SIZE + 64];
		retry_verdict v;

		http_response_free(resp);
		if (deadline_passed(c->dl))
		{
			log_error("%s: deadline exceeded", what);
			log_hint("raise --deadline, or check the network path to %s", base);
			break;
		}
		rc = perform_once(c, req, url, headers, resp, errbuf);
		log_debug("%s -> %s%ld (%lld ms)", what,
				  rc == CURLE_OK ? "HTTP " : "error ", rc == CURLE_OK ? resp->status : (long) rc,
				  (long long) (now_ms() - start));

		if (rc == CURLE_OK && !retryable_status(resp->status))
		{
			result = EXIT_OK;
			break;
		}
		if (rc != CURLE_OK && stop_requested)
		{
			result = log_cancelled(what);
			break;
		}
		if (rc != CURLE_OK && resp->too_large)
		{
			log_error("%s: response too large (more than %d bytes)", what, HTTP_MAX_RESPONSE);
			log_detail("The service answered with more data than any valid response holds.");
			break;
		}
		if (rc != CURLE_OK && !retryable_curl_error(rc))
		{
			log_error("could not reach %s: %s", base, errbuf[0] ? errbuf : curl_easy_strerror(rc));
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
		v = retry_wait(&r, rc == CURLE_OK ? resp->retry_after_ms : -1, what, reason);
		if (v == RETRY_AGAIN)
			continue;
		if (v == RETRY_STOPPED)
			result = log_cancelled(what);
		else if (rc == CURLE_OK)
			result = EXIT_OK;	/* caller reports the status */
		else
		{
			log_error("could not reach %s: %s", base, reason);
			log_detail("Gave up after %d attempt%s.", r.attempt, r.attempt == 1 ? "" : "s");
		}
		break;
	}

	curl_slist_free_all(headers);
	free(url);
	free(what);
	if (result != EXIT_OK)
		http_response_free(resp);
	return result;
}

void
http_form_add(strbuf *form, const char *key, const char *value)
{
	char	   *esc = curl_easy_escape(NULL, value, 0);

	if (esc == NULL)
		xmalloc((size_t) -1);	/* reports out of memory */
	if (form->len > 0)
		strbuf_appends(form, "&");
	strbuf_appends(form, key);
	strbuf_appends(form, "=");
	strbuf_appends(form, esc);
	explicit_bzero(esc, strlen(esc));
	curl_free(esc);
}

bool
http_token_refused(const http_response *resp)
{
	static const char *const says[] = {
		"expired", "invalid access token", "invalid token", "token is invalid",
		"invalid bearer token", NULL
	};
	char		text[300];
	int			i;

	if (resp->status == 401)
		return true;
	if (resp->status != 403)
		return false;
	http_error_text(resp->body.data, resp->body.len, text, sizeof(text));
	for (i = 0; text[i]; i++)
		text[i] = (char) tolower((unsigned char) text[i]);
	for (i = 0; says[i]; i++)
		if (strstr(text, says[i]) != NULL)
			return true;
	return false;
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
		  const char *hint_token, const char *hint_403)
{
	char		text[300];

	if (resp->status >= 300 && resp->status < 400)
	{
		/* a login page or a proxy: the URL is not the workspace's API */
		log_error("%s: the server answered with a redirect (HTTP %ld) to %s", what,
				  resp->status, resp->location ? resp->location : "an unknown place");
		log_detail("Databricks APIs do not redirect; the URL is probably not the workspace URL.");
		log_hint("set DATABRICKS_HOST to the workspace URL, such as https://dbc-a1b2345c-d6e7.cloud.databricks.com");
		return EXIT_USAGE;
	}
	http_error_text(resp->body.data, resp->body.len, text, sizeof(text));
	log_error("%s: HTTP %ld", what, resp->status);
	if (text[0])
		log_detail("%s", text);
	if (http_token_refused(resp))
	{
		if (hint_token)
			log_hint("%s", hint_token);
		return EXIT_AUTH;
	}
	switch (resp->status)
	{
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

/*
 * json-c keeps the last string it parsed in a scratch buffer of the
 * tokener, and grows that buffer with realloc(), which frees the old block
 * unwiped.  It offers no call to wipe it, and its struct will become
 * opaque, so we use public calls only: before the real parse, a string of
 * len spaces sizes the buffer for any string the body can hold (so it
 * never grows, never leaves a copy behind); after it, the same string
 * overwrites whatever the body left there.
 */
static void
tokener_fill(json_tokener *tok, size_t len)
{
	char	   *spaces = xmalloc(len + 2);
	json_object *o;

	spaces[0] = '"';
	memset(spaces + 1, ' ', len);
	spaces[len + 1] = '"';
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, spaces, (int) len + 2);
	json_object_put(o);
	json_tokener_reset(tok);
	free(spaces);
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
		xmalloc((size_t) -1);	/* reports out of memory */
	tokener_fill(tok, len);
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
	tokener_fill(tok, len);
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
