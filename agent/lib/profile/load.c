/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * load.c: a profile's files read with iniparser: the include chain as tuned
 * resolves it (see load.h), merge with tuned's replace= and drop=, then
 * variables and functions.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/ini.h"
#include "profile/load.h"
#include "profile/vars.h"
#include "util/util.h"

struct loader {
	const struct pvt_ctx *ctx;
	struct pvt_profile *out;
	struct pvt_strv names;	/* the profiles being read, outermost first (messages) */
	struct pvt_strv busy;	/* their files (real paths) */
	struct pvt_strv done;	/* files read completely */
	struct pvt_errs *errs;
	int nerr;
};

static int add_error(struct loader *L, int r, const struct pvt_err *e)
{
	pvt_errs_add(L->errs, r, e);
	L->nerr++;
	return r;
}

/* A file's identity: its real path (a profile may be reached by two paths). */
static char *identity(const char *path)
{
	char *r = realpath(path, NULL);

	return r ? r : pvt_xstrdup(path);
}

/* "a -> b -> c" from @from (an index into L->names) to the end, then @last. */
static void chain_text(const struct loader *L, size_t from, const char *last, char *buf,
		       size_t size)
{
	buf[0] = '\0';
	for (size_t i = from; i < L->names.n; i++) {
		strncat(buf, L->names.v[i], size - strlen(buf) - 1);
		strncat(buf, " -> ", size - strlen(buf) - 1);
	}
	strncat(buf, last, size - strlen(buf) - 1);
}

static bool truth(const char *v, bool *out)
{
	if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "yes"))
		*out = true;
	else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "no"))
		*out = false;
	else
		return false;
	return true;
}

/* @v with ${i:PROFILE_DIR} replaced by @dir (tuned's built-in variable). */
static char *profile_dir(const char *v, const char *dir)
{
	static const char key[] = "${i:PROFILE_DIR}";
	const char *hit = strstr(v, key);
	char *head, *rest, *out;

	if (!hit || (hit > v && hit[-1] == '\\'))
		return pvt_xstrdup(v);
	head = pvt_xasprintf("%.*s%s", (int)(hit - v), v, dir);
	rest = profile_dir(hit + strlen(key), dir);
	out = pvt_xasprintf("%s%s", head, rest);
	free(head);
	free(rest);
	return out;
}

/*
 * Every section and key of @ini into the profile; a key set again replaces
 * the value. tuned's replace=1 drops what the section had from earlier
 * files, drop=KEYS those keys; neither is kept as an option.
 */
static void merge(struct loader *L, const struct pvt_ini *ini, const char *display,
		  const char *logical)
{
	dictionary *d = ini->d;
	const struct pvt_linemap *m = &ini->m;
	char *dircopy = pvt_xstrdup(logical), *dir = dirname(dircopy);
	int nsec = iniparser_getnsec(d);

	for (int i = 0; i < nsec; i++) {
		const char *sname = iniparser_getsecname(d, i);
		int nkeys = iniparser_getsecnkeys(d, sname);
		const char **keys = pvt_xcalloc((size_t)nkeys + 1, sizeof(*keys));
		struct pvt_section *s = pvt_profile_section_add(L->out, sname, display,
						    pvt_linemap_line(m, sname, NULL));
		bool unit = strcmp(sname, "main") != 0;

		iniparser_getseckeys(d, sname, keys);
		for (int k = 0; unit && k < nkeys; k++) {
			const char *key = strchr(keys[k], ':') + 1;
			const char *val = iniparser_getstring(d, keys[k], "");
			struct pvt_strv drop = {0};
			struct pvt_err e;
			bool yes;

			if (strcmp(key, "replace") == 0) {
				if (!truth(val, &yes)) {
					pvt_errf(&e, "%s:%d: [%s] replace=%s: expected 1 or 0 (true or false)",
						 display, pvt_linemap_line(m, sname, key), sname, val);
					add_error(L, -EINVAL, &e);
				} else if (yes) {
					pvt_section_unset(s, NULL);
				}
			} else if (strcmp(key, "drop") == 0) {
				pvt_strv_split(&drop, val, ",; \t");
				for (size_t j = 0; j < drop.n; j++)
					pvt_section_unset(s, drop.v[j]);
				pvt_strv_free(&drop);
			}
		}
		for (int k = 0; k < nkeys; k++) {
			const char *key = strchr(keys[k], ':') + 1;
			char *val;

			if (!unit && strcmp(key, "include") == 0)
				continue;
			if (unit && (!strcmp(key, "replace") || !strcmp(key, "drop")))
				continue;
			val = profile_dir(iniparser_getstring(d, keys[k], ""), dir);
			pvt_section_set(s, key, val, display, pvt_linemap_line(m, sname, key));
			free(val);
		}
		free(keys);
	}
	free(dircopy);
}

static void load_file(struct loader *L, const char *name, const char *path,
		      const char *logical, const char *from, int from_line);

/*
 * Which copy of @name an include reads: the highest one that is not being
 * read already. NULL with *@seen: one was read completely (nothing to do);
 * NULL with *@busy: every copy is being read (a cycle).
 */
static char *choose(struct loader *L, const struct pvt_strv *copies, bool *seen, bool *busy)
{
	*seen = *busy = false;
	for (size_t i = 0; i < copies->n; i++) {
		char *rooted = pvt_rooted(L->ctx->root, copies->v[i]);
		char *id = identity(rooted);
		bool in_busy = pvt_strv_contains(&L->busy, id);
		bool in_done = pvt_strv_contains(&L->done, id);

		free(rooted);
		free(id);
		if (in_busy) {
			*busy = true;
			continue;
		}
		if (in_done) {
			*seen = true;
			return NULL;
		}
		return pvt_xstrdup(copies->v[i]);
	}
	return NULL;
}

/* One name of an include= (@from:@from_line), or a name asked for (@from NULL). */
static void include(struct loader *L, const char *spec, const char *from, int from_line)
{
	bool optional = spec[0] == '-' && from, seen, busy;
	const char *name = optional ? spec + 1 : spec;
	struct pvt_strv copies = {0};
	struct pvt_err e;
	char *chosen;
	int r;

	r = pvt_profile_name_check(name, &e);
	if (r < 0) {
		if (from)
			pvt_err_prefix(&e, r, "%s:%d: ", from, from_line);
		add_error(L, r, &e);
		return;
	}
	pvt_profile_find_all(L->ctx, name, &copies);
	chosen = choose(L, &copies, &seen, &busy);
	if (chosen) {
		char *path = pvt_rooted(L->ctx->root, chosen);

		load_file(L, name, path, chosen, from, from_line);
		free(path);
	} else if (busy && !seen) {
		char chain[512];
		size_t start = 0;

		for (size_t i = 0; i < L->names.n; i++)
			if (strcmp(L->names.v[i], name) == 0)
				start = i;
		chain_text(L, start, name, chain, sizeof(chain));
		pvt_fail(&e, ELOOP, "%s:%d: include cycle: %s (a profile that includes its own name reads the next copy down, and there is none below %s)",
			 from, from_line, chain, copies.v[copies.n - 1]);
		add_error(L, -ELOOP, &e);
	} else if (!seen && !optional) {
		if (from)
			pvt_errf(&e, "%s:%d: included profile '%s' not found (looked in %s/%s and %s/%s)",
				 from, from_line, name, PVT_ETC_PROFILES, name, PVT_LIB_PROFILES, name);
		else
			pvt_fail(&e, ENOENT, "profile '%s' not found (looked in %s/%s and %s/%s)",
				 name, PVT_ETC_PROFILES, name, PVT_LIB_PROFILES, name);
		add_error(L, from ? -EINVAL : -ENOENT, &e);
	}
	free(chosen);
	pvt_strv_free(&copies);
}

static void pop(struct pvt_strv *v)
{
	free(v->v[--v->n]);
	v->v[v->n] = NULL;
}

/*
 * Read @path (@logical: the same as without --root, or as given for check
 * FILE); @from:@from_line includes it (NULL: asked for).
 */
static void load_file(struct loader *L, const char *name, const char *path,
		      const char *logical, const char *from, int from_line)
{
	struct pvt_strv incs = {0};
	struct pvt_ini ini;
	const char *inc;
	struct pvt_err e;
	char *id;
	int r;

	if (L->names.n >= PVT_INCLUDE_DEPTH_MAX) {
		char chain[512];

		chain_text(L, L->names.n > 4 ? L->names.n - 4 : 0, name, chain, sizeof(chain));
		pvt_fail(&e, ELOOP, "%s:%d: includes nest deeper than %d levels (... %s)", from,
			 from_line, PVT_INCLUDE_DEPTH_MAX, chain);
		add_error(L, -ELOOP, &e);
		return;
	}
	r = pvt_ini_load_all(path, path, &ini, L->errs, &e);
	if (r < 0) {
		add_error(L, r, &e);
		return;
	}
	L->nerr += r;
	id = identity(path);
	pvt_strv_push(&L->names, name);
	pvt_strv_push(&L->busy, id);
	inc = iniparser_getstring(ini.d, "main:include", NULL);
	if (inc && strstr(inc, "${")) {
		pvt_errf(&e, "%s:%d: include=%s: variables and functions in include= are not supported",
			 path, pvt_linemap_line(&ini.m, "main", "include"), inc);
		add_error(L, -EINVAL, &e);
	} else if (inc) {
		pvt_strv_split(&incs, inc, ",; \t");
		for (size_t i = 0; i < incs.n; i++)
			include(L, incs.v[i], path, pvt_linemap_line(&ini.m, "main", "include"));
	}
	pvt_strv_free(&incs);
	pop(&L->names);
	pop(&L->busy);
	merge(L, &ini, path, logical);
	pvt_strv_push(&L->done, id);
	if (!pvt_strv_contains(&L->out->chain, name))
		pvt_strv_push(&L->out->chain, name);
	pvt_strv_push(&L->out->files, logical);
	if (!from) {	/* the profile's own file (the last one asked for) */
		free(L->out->file);
		L->out->file = pvt_xstrdup(path);
	}
	free(id);
	pvt_ini_free(&ini);
}

static int finish(struct loader *L, const struct pvt_funcs *f)
{
	const struct pvt_section *mainsec;

	L->nerr += pvt_vars_expand_profile(L->out, f, L->errs);
	mainsec = pvt_profile_section(L->out, "main");
	L->out->summary = pvt_xstrdup(mainsec && pvt_section_get(mainsec, "summary") ?
				      pvt_section_get(mainsec, "summary") : "");
	L->out->description = pvt_xstrdup(mainsec && pvt_section_get(mainsec, "description") ?
					  pvt_section_get(mainsec, "description") : "");
	pvt_strv_free(&L->names);
	pvt_strv_free(&L->busy);
	pvt_strv_free(&L->done);
	return L->nerr;
}

int pvt_profile_read_all(const struct pvt_ctx *ctx, const char *names, const struct pvt_funcs *f,
			 struct pvt_profile *p, struct pvt_errs *errs)
{
	struct loader L = { .ctx = ctx, .out = p, .errs = errs };
	struct pvt_strv v = {0};

	memset(p, 0, sizeof(*p));
	pvt_strv_split(&v, names ? names : "", " \t\n");
	p->name = pvt_xstrdup(names ? names : "");
	if (!v.n) {
		struct pvt_err e;

		pvt_errf(&e, "no profile named");
		add_error(&L, -EINVAL, &e);
	}
	for (size_t i = 0; i < v.n; i++)
		include(&L, v.v[i], NULL, 0);
	if (v.n > 1) {	/* "a b", normalised */
		free(p->name);
		p->name = pvt_xstrdup(v.v[0]);
		for (size_t i = 1; i < v.n; i++) {
			char *n = pvt_xasprintf("%s %s", p->name, v.v[i]);

			free(p->name);
			p->name = n;
		}
	}
	pvt_strv_free(&v);
	return finish(&L, f);
}

int pvt_profile_read_file(const struct pvt_ctx *ctx, const char *path, const struct pvt_funcs *f,
			  struct pvt_profile *p, struct pvt_errs *errs)
{
	struct loader L = { .ctx = ctx, .out = p, .errs = errs };
	char *copy = pvt_xstrdup(path), *dir = dirname(copy);
	char *dcopy = pvt_xstrdup(dir), *name = basename(dcopy);

	memset(p, 0, sizeof(*p));
	p->name = pvt_xstrdup(name);
	load_file(&L, p->name, path, path, NULL, 0);	/* as it is, not under the root */
	free(copy);
	free(dcopy);
	return finish(&L, f);
}
