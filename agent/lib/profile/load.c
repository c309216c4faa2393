/* load.c: a profile's files read with iniparser: include chain, merge, variables. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/ini.h"
#include "profile/load.h"
#include "profile/vars.h"
#include "util/util.h"

struct loader {
	const struct pvt_ctx *ctx;
	struct pvt_strv stack;
	struct pvt_profile *out;
};

static int cycle_error(struct loader *L, const char *name, const char *from,
		       int line, struct pvt_err *e)
{
	char chain[512] = "";
	size_t start = 0;

	for (size_t i = 0; i < L->stack.n; i++)
		if (strcmp(L->stack.v[i], name) == 0)
			start = i;
	for (size_t i = start; i < L->stack.n; i++) {
		strncat(chain, L->stack.v[i], sizeof(chain) - strlen(chain) - 1);
		strncat(chain, " -> ", sizeof(chain) - strlen(chain) - 1);
	}
	strncat(chain, name, sizeof(chain) - strlen(chain) - 1);
	return pvt_fail(e, ELOOP, "%s:%d: include cycle: %s", from, line, chain);
}

static int load_file(struct loader *L, const char *name, const char *from, int from_line,
		     struct pvt_err *e);

static int load_includes(struct loader *L, const struct pvt_ini *ini, const char *file,
			 struct pvt_err *e)
{
	const char *inc = iniparser_getstring(ini->d, "main:include", NULL);
	struct pvt_strv names = {0};
	int ret = 0;

	if (!inc)
		return 0;
	pvt_strv_split(&names, inc, ", \t");
	for (size_t i = 0; i < names.n && ret == 0; i++)
		ret = load_file(L, names.v[i], file, pvt_linemap_line(&ini->m, "main", "include"), e);
	pvt_strv_free(&names);
	return ret;
}

/* Every section and key of @ini into the profile; a key set again replaces the value. */
static void merge(struct loader *L, const struct pvt_ini *ini, const char *file)
{
	dictionary *d = ini->d;
	const struct pvt_linemap *m = &ini->m;
	int nsec = iniparser_getnsec(d);

	for (int i = 0; i < nsec; i++) {
		const char *sname = iniparser_getsecname(d, i);
		int nkeys = iniparser_getsecnkeys(d, sname);
		const char **keys = pvt_xcalloc((size_t)nkeys + 1, sizeof(*keys));
		struct pvt_section *s = pvt_profile_section_add(L->out, sname, file,
						    pvt_linemap_line(m, sname, NULL));

		iniparser_getseckeys(d, sname, keys);
		for (int k = 0; k < nkeys; k++) {
			const char *key = strchr(keys[k], ':') + 1;
			const char *val = iniparser_getstring(d, keys[k], "");

			if (strcmp(sname, "main") == 0 && strcmp(key, "include") == 0)
				continue;
			pvt_section_set(s, key, val, file, pvt_linemap_line(m, sname, key));
		}
		free(keys);
	}
}

static int load_file(struct loader *L, const char *name, const char *from, int from_line,
		     struct pvt_err *e)
{
	char *logical, *path;
	struct pvt_ini ini;
	int ret;

	ret = pvt_profile_name_check(name, e);
	if (ret < 0)
		return from ? pvt_err_prefix(e, ret, "%s:%d: ", from, from_line) : ret;
	if (pvt_strv_contains(&L->stack, name))
		return cycle_error(L, name, from, from_line, e);
	logical = pvt_profile_find(L->ctx, name);
	if (!logical) {
		if (from)
			return pvt_fail(e, ENOENT, "%s:%d: included profile '%s' not found", from,
					from_line, name);
		return pvt_fail(e, ENOENT, "profile '%s' not found (looked in %s/%s and %s/%s)", name,
				PVT_ETC_PROFILES, name, PVT_LIB_PROFILES, name);
	}
	path = pvt_rooted(L->ctx->root, logical);
	free(logical);
	ret = pvt_ini_load(path, &ini, e);
	if (ret < 0) {
		free(path);
		return ret;
	}
	pvt_strv_push(&L->stack, name);
	ret = load_includes(L, &ini, path, e);
	free(L->stack.v[--L->stack.n]);
	L->stack.v[L->stack.n] = NULL;
	if (ret == 0) {
		merge(L, &ini, path);
		if (!pvt_strv_contains(&L->out->chain, name))
			pvt_strv_push(&L->out->chain, name);
		if (!L->out->file || strcmp(L->out->name, name) == 0) {
			free(L->out->file);
			L->out->file = pvt_xstrdup(path);
		}
	}
	pvt_ini_free(&ini);
	free(path);
	return ret;
}

int pvt_profile_read(const struct pvt_ctx *ctx, const char *name, struct pvt_profile *p,
		     struct pvt_err *e)
{
	struct loader L = { .ctx = ctx, .out = p };
	const struct pvt_section *mainsec;
	int r;

	memset(p, 0, sizeof(*p));
	p->name = pvt_xstrdup(name);
	r = load_file(&L, name, NULL, 0, e);
	if (r >= 0)
		r = pvt_vars_expand_profile(p, e);
	if (r < 0) {
		pvt_strv_free(&L.stack);
		pvt_profile_free(p);
		return r;
	}
	pvt_strv_free(&L.stack);
	mainsec = pvt_profile_section(p, "main");
	p->summary = pvt_xstrdup(mainsec ? pvt_section_get(mainsec, "summary") : "");
	p->description = pvt_xstrdup(mainsec ? pvt_section_get(mainsec, "description") : "");
	return 0;
}
