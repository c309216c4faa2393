/* vars.c: ${name} expansion from a profile's [variables] section. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "profile/vars.h"
#include "util/util.h"

#define MAX_DEPTH 16

static int expand(const struct pvt_section *vars, const char *in, char **out,
		  int depth, struct pvt_err *e)
{
	size_t cap = strlen(in) + 1, len = 0;
	char *buf = pvt_xmalloc(cap);

	if (depth > MAX_DEPTH) {
		free(buf);
		return pvt_fail(e, ELOOP, "variables nest deeper than %d (a variable refers to itself?)",
				MAX_DEPTH);
	}
	for (const char *p = in; *p;) {
		const char *add = p;
		size_t addlen = 1;
		char *val = NULL;

		if (p[0] == '$' && p[1] == '{') {
			const char *end = strchr(p + 2, '}');
			char *name;
			const char *raw;
			int r;

			if (!end) {
				free(buf);
				return pvt_errf(e, "unterminated '${' in '%s'", in);
			}
			name = pvt_xmalloc((size_t)(end - p - 1));
			memcpy(name, p + 2, (size_t)(end - p - 2));
			name[end - p - 2] = '\0';
			for (char *c = name; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			raw = vars ? pvt_section_get(vars, name) : NULL;
			if (!raw) {
				int r = pvt_errf(e, "undefined variable ${%s}", name);

				free(name);
				free(buf);
				return r;
			}
			free(name);
			r = expand(vars, raw, &val, depth + 1, e);
			if (r < 0) {
				free(buf);
				return r;
			}
			add = val;
			addlen = strlen(val);
			p = end + 1;
		} else {
			p++;
		}
		if (len + addlen + 1 > cap) {
			cap = (len + addlen + 1) * 2;
			buf = pvt_xrealloc(buf, cap);
		}
		memcpy(buf + len, add, addlen);
		len += addlen;
		free(val);
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

int pvt_vars_expand(const struct pvt_section *vars, const char *in, char **out,
		    struct pvt_err *e)
{
	return expand(vars, in, out, 0, e);
}

int pvt_vars_expand_profile(struct pvt_profile *p, struct pvt_err *e)
{
	const struct pvt_section *vars = pvt_profile_section(p, "variables");

	for (size_t i = 0; i < p->nsec; i++) {
		struct pvt_section *s = &p->sec[i];

		if (strcmp(s->name, "variables") == 0)
			continue;
		for (size_t k = 0; k < s->nopt; k++) {
			char *v;
			int r = pvt_vars_expand(vars, s->opt[k].value, &v, e);

			if (r < 0)
				return pvt_err_prefix(e, r, "%s:%d: [%s] %s: ", s->opt[k].file,
						      s->opt[k].line, s->name, s->opt[k].key);
			free(s->opt[k].value);
			s->opt[k].value = v;
		}
	}
	return 0;
}
