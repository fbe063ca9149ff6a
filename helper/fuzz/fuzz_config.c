/*
 * fuzz_config.c
 *		libFuzzer target for the profile-file parser and the small string
 *		validators config.c applies to user input.
 *
 * The first byte picks the profile to look up; the rest is the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "lakebase.h"
#include "util.h"

extern int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"DEFAULT", "prod", "lakets-prod", "a b"};
	profile_values pv;
	int			line;
	char	   *s;
	int64_t		ms;

	if (size < 1)
		return 0;
	if (config_parse_profile((const char *) data + 1, size - 1, names[data[0] % 4], &pv, &line))
	{
		/* a found profile's values must be proper strings */
		if (pv.host)
			(void) strlen(pv.host);
		if (pv.client_secret)
			(void) strlen(pv.client_secret);
	}
	profile_values_free(&pv);

	s = xstrndup((const char *) data + 1, size - 1);
	(void) parse_duration_ms(s, 1000, &ms);
	(void) valid_endpoint_name(s);
	(void) valid_resource_id(s);
	(void) valid_hostname(s);
	free(s);
	return 0;
}
