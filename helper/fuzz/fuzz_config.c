/*
 * fuzz_config.c
 *		libFuzzer target for the profile-file parser and the small string
 *		validators config.c applies to user input.
 *
 * The first byte picks the profile to look up (or the default one); the
 * rest is the file.
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
	/* NULL: the profile [__settings__] default_profile names, else DEFAULT */
	static const char *const names[] = {"DEFAULT", "prod", "lakets-prod", NULL};
	profile_values pv;
	int			line;
	char	   *s;
	int64_t		ms;

	if (size < 1)
		return 0;
	if (config_parse_profile((const char *) data + 1, size - 1, names[data[0] % 4], &pv, &line))
	{
		int			a;

		/* a found profile's values must be proper strings */
		if (pv.name == NULL)
			abort();
		for (a = 0; a < DA_COUNT; a++)
			if (pv.v[a])
				(void) strlen(pv.v[a]);
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
