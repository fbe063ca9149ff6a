/*
 * fuzz_json.c
 *		libFuzzer target for everything that reads an answer from elsewhere:
 *		the OAuth token, the Databricks CLI's token, SCIM Me, Lakebase
 *		list/get/credential responses, error bodies, and the NOTICEs a lakets
 *		job reports its actions with.
 *
 * The first byte picks the parser; the rest is the response body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "job.h"
#include "lakebase.h"
#include "oauth.h"
#include "tokensource.h"
#include "util.h"

extern int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *) data + 1;
	size_t		len;
	char	   *a = NULL;
	char	   *b = NULL;
	int64_t		expires;
	time_t		expiry;
	lb_state	ls;
	char		text[300];

	if (size < 1)
		return 0;
	len = size - 1;
	switch (data[0] % 10)
	{
		case 0:
			if (oauth_parse_token(body, len, &a, &expires) && (a == NULL || expires <= 0))
				abort();
			secret_free(a);
			return 0;
		case 1:
			if (oauth_parse_me(body, len, &a) && a == NULL)
				abort();
			break;
		case 2:
			(void) lb_parse_branches(body, len, &a, &b);
			if (a)
			{
				char	   *probe = xasprintf("%s/endpoints/x", a);

				if (!valid_endpoint_name(probe))
					abort();
				free(probe);
			}
			break;
		case 3:
			(void) lb_parse_endpoints(body, len, &a, &b);
			if (a && !valid_endpoint_name(a))
				abort();
			break;
		case 4:
		case 5:
			if ((data[0] % 10 == 4 ? lb_parse_endpoint(body, len, &ls) :
				 lb_parse_instance(body, len, &ls)) &&
				((ls.host && !valid_hostname(ls.host)) || strlen(ls.state) >= sizeof(ls.state)))
				abort();
			lb_state_free(&ls);
			return 0;
		case 6:
			if (lb_parse_credential(body, len, &a, &b) && a == NULL)
				abort();
			secret_free(a);
			free(b);
			return 0;
		case 7:
			http_error_text(body, len, text, sizeof(text));
			if (strlen(text) >= sizeof(text))
				abort();
			return 0;
		case 8:
			if (cli_parse_token(body, len, &a, &expiry) && a == NULL)
				abort();
			secret_free(a);
			return 0;
		default:
			{
				char	   *msg = xstrndup(body, len);
				job_action	ja;

				if (job_parse_action(msg, &ja) &&
					(ja.step == NULL || ja.step[0] == '\0' ||
					 (ja.action == NULL && ja.object != NULL) ||
					 (ja.action != NULL && ja.action[0] == '\0') ||
					 (ja.object != NULL && ja.object[0] == '\0') ||
					 (ja.detail != NULL && ja.detail[0] == '\0')))
					abort();
				job_action_free(&ja);
				free(msg);
				return 0;
			}
	}
	free(a);
	free(b);
	return 0;
}
