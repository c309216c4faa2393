/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * functions.c: tuned's ${f:...} functions (tuned/profiles/functions/): the
 * same arguments and results, from the system under the root. virt_check
 * asks /proc/cpuinfo's hypervisor flag where tuned runs virt-what; the
 * regular expressions are POSIX extended ones (glibc's, which also take \s,
 * \w and \b) where tuned's are Python's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/cpuinfo.h"
#include "units/functions.h"
#include "util/cpulist.h"
#include "util/util.h"

/* "1-3,^2,,5" (the arguments joined by ','): tuned's cpulists, '^' removes. */
static int unpack(const struct pvt_strv *args, struct pvt_cpuset *set, struct pvt_err *e)
{
	struct pvt_strv parts = {0};
	int r = 0;

	memset(set, 0, sizeof(*set));
	for (size_t i = 0; i < args->n; i++)
		pvt_strv_split(&parts, args->v[i], ",");
	for (size_t i = 0; i < parts.n && r == 0; i++) {
		char *p = pvt_strip(parts.v[i]);
		bool off = *p == '^';
		struct pvt_cpuset *one;

		if (!*(p + off))
			continue;
		one = pvt_xmalloc(sizeof(*one));
		r = pvt_cpulist_parse(p + off, one, e);
		for (int c = 0; r == 0 && c < PVT_MAX_CPUS; c++)
			if (one->cpu[c])
				set->cpu[c] = !off;
		free(one);
	}
	pvt_strv_free(&parts);
	return r;
}

/* "0,1,2" (tuned's unpacked form), or "" for an empty set. */
static char *unpacked(const struct pvt_cpuset *set)
{
	char *out = pvt_xstrdup("");

	for (int c = 0; c < PVT_MAX_CPUS; c++) {
		if (set->cpu[c]) {
			char *n = pvt_xasprintf("%s%s%d", out, *out ? "," : "", c);

			free(out);
			out = n;
		}
	}
	return out;
}

static int read_set(const struct pvt_ctx *ctx, const char *path, struct pvt_cpuset *set,
		    struct pvt_err *e)
{
	char *text = NULL;
	int r = pvt_read_file(ctx->root, path, &text, e);

	if (r == 0)
		r = pvt_cpulist_parse(text, set, e);
	free(text);
	return r;
}

static bool matches(const char *regex, const char *text, struct pvt_err *e, int *r)
{
	regex_t re;
	int c = regcomp(&re, regex, REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
	bool hit;

	if (c) {
		char why[128];

		regerror(c, &re, why, sizeof(why));
		*r = pvt_errf(e, "bad regular expression '%s': %s", regex, why);
		return false;
	}
	hit = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return hit;
}

static int nargs(const char *name, const struct pvt_strv *a, size_t lo, size_t hi,
		 struct pvt_err *e)
{
	if (a->n < lo || (hi && a->n > hi)) {
		if (lo == hi)
			return pvt_errf(e, "${f:%s} takes %zu argument(s), not %zu", name, lo, a->n);
		return pvt_errf(e, "${f:%s} takes at least %zu argument(s), not %zu", name, lo, a->n);
	}
	return 0;
}

static int cpulists(const struct pvt_ctx *ctx, const char *name, const struct pvt_strv *a,
		    char **out, struct pvt_err *e)
{
	struct pvt_cpuset *set = pvt_xmalloc(sizeof(*set)), *sys = pvt_xmalloc(sizeof(*sys));
	int r = unpack(a, set, e);

	if (r == 0 && (!strcmp(name, "cpulist_online") || !strcmp(name, "cpulist_invert")))
		r = read_set(ctx, "/sys/devices/system/cpu/online", sys, e);
	else if (r == 0 && !strcmp(name, "cpulist_present"))
		r = read_set(ctx, "/sys/devices/system/cpu/present", sys, e);
	for (int c = 0; r == 0 && c < PVT_MAX_CPUS; c++) {
		if (!strcmp(name, "cpulist_online") || !strcmp(name, "cpulist_present"))
			set->cpu[c] = set->cpu[c] && sys->cpu[c];
		else if (!strcmp(name, "cpulist_invert"))
			set->cpu[c] = !set->cpu[c] && sys->cpu[c];
	}
	if (r == 0)
		*out = !strcmp(name, "cpulist_pack") ?
		       (pvt_cpuset_count(set) ? pvt_cpulist_format(set) : pvt_xstrdup("")) :
		       unpacked(set);
	free(set);
	free(sys);
	return r;
}

int pvt_tuned_function(void *ud, const char *name, const struct pvt_strv *a, char **out,
		       struct pvt_err *e)
{
	const struct pvt_ctx *ctx = ud;
	int64_t n;
	int r = 0;

	if (!strcmp(name, "virt_check")) {
		if ((r = nargs(name, a, 2, 2, e)) == 0)
			*out = pvt_xstrdup(a->v[pvt_cpuinfo_flag(ctx, "hypervisor") ? 0 : 1]);
	} else if (!strncmp(name, "cpulist_", 8) &&
		   (!strcmp(name + 8, "online") || !strcmp(name + 8, "present") ||
		    !strcmp(name + 8, "unpack") || !strcmp(name + 8, "pack") ||
		    !strcmp(name + 8, "invert"))) {
		r = cpulists(ctx, name, a, out, e);
	} else if (!strcmp(name, "kb2s") || !strcmp(name, "s2kb")) {
		if ((r = nargs(name, a, 1, 1, e)) == 0 && (!pvt_parse_i64(a->v[0], &n) || n < 0))
			r = pvt_errf(e, "${f:%s}: '%s' is not a number", name, a->v[0]);
		if (r == 0 && name[0] == 'k')
			*out = pvt_xasprintf("%lld", (long long)n * 2);
		else if (r == 0)	/* Python's round(): a half goes to the even number */
			*out = pvt_xasprintf("%lld", (long long)(n / 2 + (n % 2 && (n / 2) % 2)));
	} else if (!strcmp(name, "strip")) {
		char *s = pvt_xstrdup("");

		if ((r = nargs(name, a, 1, 0, e)) == 0) {
			for (size_t i = 0; i < a->n; i++) {
				char *t = pvt_xasprintf("%s%s", s, a->v[i]);

				free(s);
				s = t;
			}
			*out = pvt_xstrdup(pvt_strip(s));
		}
		free(s);
	} else if (!strcmp(name, "assertion") || !strcmp(name, "assertion_non_equal")) {
		bool equal;

		if ((r = nargs(name, a, 3, 3, e)) < 0)
			return r;
		equal = strcmp(a->v[1], a->v[2]) == 0;
		if (equal != (name[9] == '\0'))
			return pvt_errf(e, "assertion '%s' failed: '%s' %s '%s'", a->v[0], a->v[1],
					equal ? "==" : "!=", a->v[2]);
		*out = pvt_xstrdup("");
	} else if (!strcmp(name, "regex_search_ternary")) {
		if ((r = nargs(name, a, 4, 4, e)) == 0) {
			bool hit = matches(a->v[1], a->v[0], e, &r);

			if (r == 0)
				*out = pvt_xstrdup(a->v[hit ? 2 : 3]);
		}
	} else if (!strcmp(name, "cpuinfo_check")) {
		char *info = NULL;

		if ((r = nargs(name, a, 2, 0, e)) < 0 ||
		    (r = pvt_read_file(ctx->root, "/proc/cpuinfo", &info, e)) < 0)
			return r;
		*out = NULL;
		for (size_t i = 0; i + 1 < a->n && !*out && r == 0; i += 2)
			if (matches(a->v[i], info, e, &r))
				*out = pvt_xstrdup(a->v[i + 1]);
		if (r == 0 && !*out)
			*out = pvt_xstrdup(a->n % 2 ? a->v[a->n - 1] : "");
		free(info);
	} else if (!strcmp(name, "exec")) {
		r = pvt_errf(e, "tuned's ${f:exec} runs a program; pvtune runs none: remove it");
	} else {
		r = pvt_errf(e, "tuned function ${f:%s} is not supported (supported: %s)", name,
			     PVT_TUNED_FUNCTIONS);
	}
	return r;
}
