/* profile.c: load a profile: include chain, merge, variables, validation. */
#define _GNU_SOURCE
#include <iniparser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/linemap.h"
#include "profile/profile.h"
#include "units/unit.h"
#include "util/util.h"

#define MAX_NAME 64

int pvt_profile_name_check(const char *name, struct pvt_err *e)
{
	if (!name || !*name)
		return pvt_errf(e, "empty profile name");
	if (strchr(name, '/') || strstr(name, "..") || name[0] == '.')
		return pvt_errf(e, "invalid profile name '%s': names may not contain '/' or '..' or start with '.'",
				name);
	if (strlen(name) > MAX_NAME)
		return pvt_errf(e, "invalid profile name '%s': longer than %d characters",
				name, MAX_NAME);
	for (const char *c = name; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f || *c == '\\')
			return pvt_errf(e, "invalid profile name '%s': blanks, control characters and '\\' are not allowed",
					name);
	return 0;
}

char *pvt_profile_find(const struct pvt_ctx *ctx, const char *name)
{
	for (size_t i = 0; i < ctx->profile_dirs.n; i++) {
		char *p = pvt_xasprintf("%s/%s/tuned.conf", ctx->profile_dirs.v[i], name);

		if (pvt_exists(ctx->root, p))
			return p;
		free(p);
	}
	return NULL;
}

/* ---- building the merged profile ---- */

static struct pvt_section *section_get(struct pvt_profile *p, const char *name,
				       const char *file, int line)
{
	for (size_t i = 0; i < p->nsec; i++)
		if (strcmp(p->sec[i].name, name) == 0)
			return &p->sec[i];
	p->sec = pvt_xrealloc(p->sec, (p->nsec + 1) * sizeof(*p->sec));
	p->sec[p->nsec] = (struct pvt_section){
		.name = pvt_xstrdup(name), .file = pvt_xstrdup(file), .line = line,
	};
	return &p->sec[p->nsec++];
}

static void option_set(struct pvt_section *s, const char *key, const char *value,
		       const char *file, int line)
{
	struct pvt_option *o = NULL;

	for (size_t i = 0; i < s->nopt; i++)
		if (strcmp(s->opt[i].key, key) == 0)
			o = &s->opt[i];
	if (!o) {
		s->opt = pvt_xrealloc(s->opt, (s->nopt + 1) * sizeof(*s->opt));
		o = &s->opt[s->nopt++];
		o->key = pvt_xstrdup(key);
	} else {
		free(o->value);
		free(o->file);
	}
	o->value = pvt_xstrdup(value);
	o->file = pvt_xstrdup(file);
	o->line = line;
}

struct loader {
	const struct pvt_ctx *ctx;
	struct pvt_strv stack;
	struct pvt_profile *out;
};

static int silent(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

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
	return pvt_errf(e, "%s:%d: include cycle: %s", from, line, chain);
}

static int load_file(struct loader *L, const char *name, const char *from, int from_line,
		     struct pvt_err *e);

static int load_includes(struct loader *L, dictionary *d, const char *file,
			 const struct pvt_linemap *m, struct pvt_err *e)
{
	const char *inc = iniparser_getstring(d, "main:include", NULL);
	struct pvt_strv names = {0};
	int ret = 0;

	if (!inc)
		return 0;
	pvt_strv_split(&names, inc, ", \t");
	for (size_t i = 0; i < names.n && ret == 0; i++)
		ret = load_file(L, names.v[i], file, pvt_linemap_line(m, "main", "include"), e);
	pvt_strv_free(&names);
	return ret;
}

static void merge_dict(struct loader *L, dictionary *d, const char *file,
		       const struct pvt_linemap *m)
{
	int nsec = iniparser_getnsec(d);

	for (int i = 0; i < nsec; i++) {
		const char *sname = iniparser_getsecname(d, i);
		int nkeys = iniparser_getsecnkeys(d, sname);
		const char **keys = pvt_xcalloc((size_t)nkeys + 1, sizeof(*keys));
		struct pvt_section *s = section_get(L->out, sname, file,
						    pvt_linemap_line(m, sname, NULL));

		iniparser_getseckeys(d, sname, keys);
		for (int k = 0; k < nkeys; k++) {
			const char *key = strchr(keys[k], ':') + 1;
			const char *val = iniparser_getstring(d, keys[k], "");

			if (strcmp(sname, "main") == 0 && strcmp(key, "include") == 0)
				continue;
			option_set(s, key, val, file, pvt_linemap_line(m, sname, key));
		}
		free(keys);
	}
}

static int load_file(struct loader *L, const char *name, const char *from, int from_line,
		     struct pvt_err *e)
{
	char *logical, *path;
	struct pvt_linemap m;
	dictionary *d;
	int ret = -1;

	if (pvt_profile_name_check(name, e) < 0) {
		if (from)
			pvt_err_prefix(e, "%s:%d: ", from, from_line);
		return -1;
	}
	if (pvt_strv_contains(&L->stack, name))
		return cycle_error(L, name, from, from_line, e);
	logical = pvt_profile_find(L->ctx, name);
	if (!logical) {
		if (from)
			return pvt_errf(e, "%s:%d: included profile '%s' not found", from,
					from_line, name);
		return pvt_errf(e, "profile '%s' not found (looked in %s/%s and %s/%s)", name,
				PVT_ETC_PROFILES, name, PVT_LIB_PROFILES, name);
	}
	path = pvt_rooted(L->ctx->root, logical);
	free(logical);
	if (pvt_linemap_read(path, path, &m, e) < 0) {
		free(path);
		return -1;
	}
	iniparser_set_error_callback(silent);
	d = iniparser_load(path);
	if (!d) {
		pvt_errf(e, "%s: cannot be parsed as INI", path);
		goto out;
	}
	pvt_strv_push(&L->stack, name);
	ret = load_includes(L, d, path, &m, e);
	free(L->stack.v[--L->stack.n]);
	L->stack.v[L->stack.n] = NULL;
	if (ret == 0) {
		merge_dict(L, d, path, &m);
		if (!pvt_strv_contains(&L->out->chain, name))
			pvt_strv_push(&L->out->chain, name);
		if (!L->out->file || strcmp(L->out->name, name) == 0) {
			free(L->out->file);
			L->out->file = pvt_xstrdup(path);
		}
	}
	iniparser_freedict(d);
out:
	pvt_linemap_free(&m);
	free(path);
	return ret;
}

/* ---- validation ---- */

int pvt_opt_err(struct pvt_err *e, const struct pvt_section *s, const struct pvt_option *o)
{
	return pvt_err_prefix(e, "%s:%d: [%s] %s=%s: ", o->file, o->line, s->name, o->key,
			      o->value);
}

static int check_main(const struct pvt_section *s, struct pvt_err *e)
{
	for (size_t i = 0; i < s->nopt; i++) {
		const struct pvt_option *o = &s->opt[i];

		if (strcmp(o->key, "summary") && strcmp(o->key, "description"))
			return pvt_errf(e, "%s:%d: unknown key '%s' in [main] (known: include, summary, description)",
					o->file, o->line, o->key);
	}
	return 0;
}

static int check_unit(const struct pvt_unit *u, const struct pvt_section *s,
		      struct pvt_err *e)
{
	for (size_t i = 0; i < s->nopt; i++) {
		const struct pvt_option *o = &s->opt[i];
		enum pvt_op op;
		const char *v = pvt_modifier_split(o->value, &op);
		int r;

		if (strcmp(o->key, "devices") == 0) {
			if (!u->per_disk)
				return pvt_errf(e, "%s:%d: [%s] takes no devices= (only [disk] and [pvblk] do)",
						o->file, o->line, s->name);
			r = pvt_check_no_modifier(o->key, op, e);
			if (r == 0 && !*v)
				r = pvt_errf(e, "empty device list");
		} else if (strcmp(o->key, "enabled") == 0) {
			r = pvt_check_int(o->key, o->value, 0, 1, e);
		} else {
			r = u->check(o->key, v, op, e);
		}
		if (r < 0)
			return pvt_opt_err(e, s, o);
	}
	return 0;
}

static int expand_all(struct pvt_profile *p, struct pvt_err *e)
{
	const struct pvt_section *vars = pvt_profile_section(p, "variables");

	for (size_t i = 0; i < p->nsec; i++) {
		struct pvt_section *s = &p->sec[i];

		if (strcmp(s->name, "variables") == 0)
			continue;
		for (size_t k = 0; k < s->nopt; k++) {
			char *v;

			if (pvt_vars_expand(vars, s->opt[k].value, &v, e) < 0)
				return pvt_err_prefix(e, "%s:%d: [%s] %s: ", s->opt[k].file,
						      s->opt[k].line, s->name, s->opt[k].key);
			free(s->opt[k].value);
			s->opt[k].value = v;
		}
	}
	return 0;
}

static int validate(struct pvt_profile *p, struct pvt_err *e)
{
	for (size_t i = 0; i < p->nsec; i++) {
		const struct pvt_section *s = &p->sec[i];
		const struct pvt_unit *u;

		if (strcmp(s->name, "variables") == 0)
			continue;
		if (strcmp(s->name, "main") == 0) {
			if (check_main(s, e) < 0)
				return -1;
			continue;
		}
		u = pvt_unit_find(s->name);
		if (!u)
			return pvt_errf(e, "%s:%d: unknown section [%s] (known: main variables %s)",
					s->file, s->line, s->name, pvt_unit_names());
		if (check_unit(u, s, e) < 0)
			return -1;
	}
	return 0;
}

int pvt_profile_load(const struct pvt_ctx *ctx, const char *name, struct pvt_profile *p,
		     struct pvt_err *e)
{
	struct loader L = { .ctx = ctx, .out = p };
	const struct pvt_section *mainsec;

	memset(p, 0, sizeof(*p));
	p->name = pvt_xstrdup(name);
	if (load_file(&L, name, NULL, 0, e) < 0 || expand_all(p, e) < 0 || validate(p, e) < 0) {
		pvt_strv_free(&L.stack);
		pvt_profile_free(p);
		return -1;
	}
	pvt_strv_free(&L.stack);
	mainsec = pvt_profile_section(p, "main");
	p->summary = pvt_xstrdup(mainsec ? pvt_section_get(mainsec, "summary") : "");
	p->description = pvt_xstrdup(mainsec ? pvt_section_get(mainsec, "description") : "");
	return 0;
}

void pvt_profile_free(struct pvt_profile *p)
{
	for (size_t i = 0; i < p->nsec; i++) {
		for (size_t k = 0; k < p->sec[i].nopt; k++) {
			free(p->sec[i].opt[k].key);
			free(p->sec[i].opt[k].value);
			free(p->sec[i].opt[k].file);
		}
		free(p->sec[i].opt);
		free(p->sec[i].name);
		free(p->sec[i].file);
	}
	free(p->sec);
	free(p->name);
	free(p->file);
	free(p->summary);
	free(p->description);
	pvt_strv_free(&p->chain);
	memset(p, 0, sizeof(*p));
}

void pvt_profile_list(const struct pvt_ctx *ctx, struct pvt_strv *names)
{
	struct pvt_strv all = {0};

	for (size_t i = 0; i < ctx->profile_dirs.n; i++)
		pvt_list_dir(ctx->root, ctx->profile_dirs.v[i], &all, NULL);
	for (size_t i = 0; i < all.n; i++) {
		char *p;

		if (pvt_strv_contains(names, all.v[i]) ||
		    pvt_profile_name_check(all.v[i], NULL) < 0)
			continue;
		p = pvt_profile_find(ctx, all.v[i]);
		if (p)
			pvt_strv_push(names, all.v[i]);
		free(p);
	}
	pvt_strv_free(&all);
	/* keep the output stable */
	for (size_t i = 1; i < names->n; i++)
		for (size_t j = i; j > 0 && strcmp(names->v[j - 1], names->v[j]) > 0; j--) {
			char *t = names->v[j];

			names->v[j] = names->v[j - 1];
			names->v[j - 1] = t;
		}
}

const struct pvt_section *pvt_profile_section(const struct pvt_profile *p, const char *name)
{
	for (size_t i = 0; i < p->nsec; i++)
		if (strcmp(p->sec[i].name, name) == 0)
			return &p->sec[i];
	return NULL;
}

const struct pvt_option *pvt_section_option(const struct pvt_section *s, const char *key)
{
	for (size_t i = 0; i < s->nopt; i++)
		if (strcmp(s->opt[i].key, key) == 0)
			return &s->opt[i];
	return NULL;
}

const char *pvt_section_get(const struct pvt_section *s, const char *key)
{
	const struct pvt_option *o = pvt_section_option(s, key);

	return o ? o->value : NULL;
}
