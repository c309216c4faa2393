/* SPDX-License-Identifier: GPL-2.0-only */
/* cpulist.c: Linux cpulist strings as CPU sets. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cpulist.h"
#include "util/util.h"

static bool parse_cpu(const char **p, long *out)
{
	char *end;

	if (!isdigit((unsigned char)**p))
		return false;
	*out = strtol(*p, &end, 10);
	*p = end;
	return *out >= 0 && *out < PVT_MAX_CPUS;
}

int pvt_cpulist_parse(const char *s, struct pvt_cpuset *set, struct pvt_err *e)
{
	const char *p = s;
	bool any = false;

	memset(set, 0, sizeof(*set));
	while (isspace((unsigned char)*p))
		p++;
	while (*p) {
		long lo, hi;

		while (isspace((unsigned char)*p))
			p++;
		if (!parse_cpu(&p, &lo))
			goto bad;
		hi = lo;
		if (*p == '-') {
			p++;
			if (!parse_cpu(&p, &hi) || hi < lo)
				goto bad;
		}
		for (long c = lo; c <= hi; c++)
			set->cpu[c] = true;
		any = true;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p)
			goto bad;
	}
	if (!any)
		goto bad;
	return 0;
bad:
	return pvt_errf(e, "'%s' is not a cpulist (expected e.g. 0-3,6; CPUs below %d)",
			s, PVT_MAX_CPUS);
}

char *pvt_cpulist_format(const struct pvt_cpuset *set)
{
	char *out = pvt_xcalloc(1, 1);
	size_t len = 0;

	for (int c = 0; c < PVT_MAX_CPUS; c++) {
		int hi = c;
		char part[32];
		int n;

		if (!set->cpu[c])
			continue;
		while (hi + 1 < PVT_MAX_CPUS && set->cpu[hi + 1])
			hi++;
		if (hi == c)
			n = snprintf(part, sizeof(part), "%s%d", len ? "," : "", c);
		else
			n = snprintf(part, sizeof(part), "%s%d-%d", len ? "," : "", c, hi);
		out = pvt_xrealloc(out, len + (size_t)n + 1);
		memcpy(out + len, part, (size_t)n + 1);
		len += (size_t)n;
		c = hi;
	}
	return out;
}

int pvt_cpuset_count(const struct pvt_cpuset *set)
{
	int n = 0;

	for (int c = 0; c < PVT_MAX_CPUS; c++)
		n += set->cpu[c];
	return n;
}

int pvt_cpuset_nth(const struct pvt_cpuset *set, int n)
{
	for (int c = 0; c < PVT_MAX_CPUS; c++)
		if (set->cpu[c] && n-- == 0)
			return c;
	return -1;
}

bool pvt_cpulist_equal(const char *a, const char *b)
{
	struct pvt_cpuset *sa = malloc(sizeof(*sa)), *sb = malloc(sizeof(*sb));
	bool eq = false;

	if (sa && sb && pvt_cpulist_parse(a, sa, NULL) == 0 &&
	    pvt_cpulist_parse(b, sb, NULL) == 0)
		eq = memcmp(sa, sb, sizeof(*sa)) == 0;
	free(sa);
	free(sb);
	return eq;
}
