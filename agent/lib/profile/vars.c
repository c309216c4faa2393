/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vars.c: ${name} expansion from a profile's [variables] section, and
 * ${f:NAME:ARG:...} through the caller's functions. Each variable is
 * expanded once and kept (a variable used twice costs nothing more), and no
 * value may grow past PVT_VALUE_MAX: "x1=${x0}${x0}..." nested a few deep
 * is an error, not a gigabyte. "\${" is a literal "${".
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "profile/vars.h"
#include "util/util.h"

#define MAX_DEPTH 16

enum var_state { VAR_NEW, VAR_BUSY, VAR_DONE, VAR_FAILED };

/* An error already reported (where it is): its users stay quiet. */
#define REPORTED (-ECANCELED)

struct expander {
	const struct pvt_section *vars;
	const struct pvt_funcs *f;
	enum var_state *state;	/* per option of @vars */
	char **value;		/* expanded, when VAR_DONE */
	struct pvt_strv path;	/* variables being expanded, for a cycle's message */
	struct pvt_errs *errs;
	int nerr;
};

struct buf {
	char *s;
	size_t len, cap;
};

static int buf_add(struct buf *b, const char *s, size_t n, struct pvt_err *e)
{
	if (b->len + n > PVT_VALUE_MAX)
		return pvt_fail(e, E2BIG, "longer than %d bytes once expanded", PVT_VALUE_MAX);
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = pvt_xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static int expand(struct expander *x, const char *in, size_t n, char **out, int depth,
		  struct pvt_err *e);

/* The end of the "${...}" that starts at @p (nested ones skipped), or NULL. */
static const char *closing(const char *p, const char *end)
{
	int level = 0;

	for (; p < end; p++) {
		if (p[0] == '$' && p + 1 < end && p[1] == '{') {
			level++;
			p++;
		} else if (*p == '}' && --level == 0) {
			return p;
		}
	}
	return NULL;
}

/*
 * The value of variable @name, expanded once. An error in its own value is
 * reported at its line, once; whoever uses it then gets REPORTED.
 */
static int variable(struct expander *x, const char *name, char **out, int depth,
		    struct pvt_err *e)
{
	const struct pvt_option *o;
	struct pvt_err own;
	size_t i;
	int r;

	for (i = 0; x->vars && i < x->vars->nopt; i++)
		if (strcmp(x->vars->opt[i].key, name) == 0)
			break;
	if (!x->vars || i == x->vars->nopt)
		return pvt_errf(e, "undefined variable ${%s}", name);
	o = &x->vars->opt[i];
	switch (x->state[i]) {
	case VAR_DONE:
		*out = pvt_xstrdup(x->value[i]);
		return 0;
	case VAR_FAILED:
		return REPORTED;
	case VAR_BUSY: {
		char chain[512] = "";
		size_t start = 0;

		for (size_t k = 0; k < x->path.n; k++)
			if (strcmp(x->path.v[k], name) == 0)
				start = k;
		for (size_t k = start; k < x->path.n; k++) {
			strncat(chain, x->path.v[k], sizeof(chain) - strlen(chain) - 1);
			strncat(chain, " -> ", sizeof(chain) - strlen(chain) - 1);
		}
		strncat(chain, name, sizeof(chain) - strlen(chain) - 1);
		return pvt_fail(e, ELOOP, "variable ${%s} refers to itself (%s)", name, chain);
	}
	case VAR_NEW:
		break;
	}
	if (depth >= MAX_DEPTH)
		return pvt_fail(e, ELOOP, "variables nest deeper than %d", MAX_DEPTH);
	x->state[i] = VAR_BUSY;
	pvt_strv_push(&x->path, name);
	if (strcmp(name, "include") == 0)
		r = pvt_errf(&own, "include=%s: tuned's variables file is not supported (put its variables in [variables])",
			     o->value);
	else
		r = expand(x, o->value, strlen(o->value), &x->value[i], depth + 1, &own);
	free(x->path.v[--x->path.n]);
	x->path.v[x->path.n] = NULL;
	if (r < 0) {
		x->state[i] = VAR_FAILED;
		if (r != REPORTED) {
			pvt_err_prefix(&own, r, "%s:%d: [variables] %s: ", o->file, o->line, o->key);
			pvt_errs_add(x->errs, r, &own);
			x->nerr++;
		}
		return REPORTED;
	}
	x->state[i] = VAR_DONE;
	*out = pvt_xstrdup(x->value[i]);
	return 0;
}

/* ${f:NAME:ARG...}: the arguments split on ':' (not "\:"), each expanded. */
static int function(struct expander *x, const char *body, size_t n, char **out, int depth,
		    struct pvt_err *e)
{
	struct pvt_strv args = {0};
	char *name = NULL;
	const char *p = body, *end = body + n;
	int r = 0;

	while (r == 0 && p <= end) {
		const char *q = p;
		struct buf raw = {0};
		char *val;

		/* one argument: up to a ':' outside any ${...} */
		while (q < end && *q != ':') {
			const char *c = q[0] == '$' && q + 1 < end && q[1] == '{' ? closing(q, end) : NULL;

			if (q[0] == '\\' && q + 1 < end && q[1] == ':') {
				buf_add(&raw, ":", 1, NULL);
				q += 2;
				continue;
			}
			if (c) {
				buf_add(&raw, q, (size_t)(c - q + 1), NULL);
				q = c + 1;
				continue;
			}
			buf_add(&raw, q, 1, NULL);
			q++;
		}
		r = expand(x, raw.s ? raw.s : "", raw.len, &val, depth, e);
		free(raw.s);
		if (r < 0)
			break;
		if (!name)
			name = val;
		else {
			pvt_strv_push(&args, val);
			free(val);
		}
		p = q + 1;
	}
	if (r == 0 && (!name || !*name))
		r = pvt_errf(e, "${f:...} names no function");
	if (r == 0 && !x->f)
		r = pvt_errf(e, "tuned function ${f:%s} is not supported here", name);
	if (r == 0) {
		r = x->f->call(x->f->ud, name, &args, out, e);
		if (r == 0 && strlen(*out) > PVT_VALUE_MAX) {
			free(*out);
			r = pvt_fail(e, E2BIG, "${f:%s}: longer than %d bytes", name, PVT_VALUE_MAX);
		}
	}
	free(name);
	pvt_strv_free(&args);
	return r;
}

static int expand(struct expander *x, const char *in, size_t n, char **out, int depth,
		  struct pvt_err *e)
{
	struct buf b = {0};
	const char *p = in, *end = in + n;
	int r = buf_add(&b, "", 0, e);

	while (r == 0 && p < end) {
		const char *c;
		char *val = NULL, *name;

		if (p[0] == '\\' && p + 2 < end + 1 && p[1] == '$' && p + 2 < end && p[2] == '{') {
			r = buf_add(&b, "${", 2, e);	/* escaped */
			p += 3;
			continue;
		}
		if (!(p[0] == '$' && p + 1 < end && p[1] == '{')) {
			r = buf_add(&b, p, 1, e);
			p++;
			continue;
		}
		c = closing(p, end);
		if (!c) {
			r = pvt_errf(e, "unterminated '${' in '%.*s'", (int)n, in);
			break;
		}
		if (c - p > 3 && strncmp(p + 2, "f:", 2) == 0) {
			r = function(x, p + 4, (size_t)(c - p - 4), &val, depth, e);
		} else if (c - p > 3 && p[3] == ':' ) {
			r = pvt_errf(e, "unknown '${%.*s}' (only variables, ${f:FUNCTION:...} and ${i:PROFILE_DIR})",
				     (int)(c - p - 2), p + 2);
		} else {
			name = pvt_xasprintf("%.*s", (int)(c - p - 2), p + 2);
			for (char *k = name; *k; k++)
				*k = (char)tolower((unsigned char)*k);
			r = variable(x, name, &val, depth, e);
			free(name);
		}
		if (r == 0)
			r = buf_add(&b, val, strlen(val), e);
		free(val);
		p = c + 1;
	}
	if (r < 0) {
		free(b.s);
		return r;
	}
	*out = b.s;
	return 0;
}

int pvt_vars_expand_profile(struct pvt_profile *p, const struct pvt_funcs *f,
			    struct pvt_errs *errs)
{
	const struct pvt_section *vars = pvt_profile_section(p, "variables");
	size_t nv = vars ? vars->nopt : 0;
	struct expander x = {
		.vars = vars, .f = f, .errs = errs,
		.state = pvt_xcalloc(nv + 1, sizeof(*x.state)),
		.value = pvt_xcalloc(nv + 1, sizeof(*x.value)),
	};
	struct pvt_err e;

	/* every variable, used or not, so that each error is found */
	for (size_t k = 0; k < nv; k++) {
		char *v;

		if (variable(&x, vars->opt[k].key, &v, 0, &e) == 0)
			free(v);
	}
	for (size_t i = 0; i < p->nsec; i++) {
		struct pvt_section *s = &p->sec[i];

		if (strcmp(s->name, "variables") == 0)
			continue;
		for (size_t k = 0; k < s->nopt;) {
			char *v;
			int r = expand(&x, s->opt[k].value, strlen(s->opt[k].value), &v, 0, &e);

			if (r == 0) {
				free(s->opt[k].value);
				s->opt[k].value = v;
				k++;
				continue;
			}
			if (r != REPORTED) {
				pvt_err_prefix(&e, r, "%s:%d: [%s] %s: ", s->opt[k].file, s->opt[k].line,
					       s->name, s->opt[k].key);
				pvt_errs_add(errs, r, &e);
				x.nerr++;
			}
			/* reported: the units do not see it half-expanded */
			pvt_section_unset(s, s->opt[k].key);
		}
	}
	for (size_t k = 0; k < nv; k++)
		free(x.value[k]);
	free(x.value);
	free(x.state);
	pvt_strv_free(&x.path);
	return x.nerr;
}
