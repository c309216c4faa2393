/* SPDX-License-Identifier: GPL-2.0-only */
/* profile.c: a profile's sections and options: names, files, access, building. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"
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

void pvt_profile_find_all(const struct pvt_ctx *ctx, const char *name, struct pvt_strv *out)
{
	for (size_t i = 0; i < ctx->profile_dirs.n; i++) {
		char *p = pvt_xasprintf("%s/%s/tuned.conf", ctx->profile_dirs.v[i], name);

		if (pvt_exists(ctx->root, p))
			pvt_strv_push(out, p);
		free(p);
	}
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
	pvt_strv_free(&p->files);
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

struct pvt_section *pvt_profile_section_add(struct pvt_profile *p, const char *name,
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

void pvt_section_set(struct pvt_section *s, const char *key, const char *value,
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

void pvt_section_unset(struct pvt_section *s, const char *key)
{
	char *k = key ? pvt_xstrdup(key) : NULL;	/* @key may be an option's own */

	for (size_t i = 0; i < s->nopt;) {
		struct pvt_option *o = &s->opt[i];

		if (k && strcmp(o->key, k) != 0) {
			i++;
			continue;
		}
		free(o->key);
		free(o->value);
		free(o->file);
		memmove(o, o + 1, (s->nopt - i - 1) * sizeof(*o));
		s->nopt--;
	}
	free(k);
}

int pvt_opt_err(struct pvt_err *e, int r, const struct pvt_section *s,
		const struct pvt_option *o)
{
	return pvt_err_prefix(e, r, "%s:%d: [%s] %s=%s: ", o->file, o->line, s->name, o->key,
			      o->value);
}
