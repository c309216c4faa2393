/*
 * check.c: a profile checked against the units: [main] and [variables] are
 * the profile's own, every other section must name a unit, and each of its
 * keys and values must be one that unit accepts (devices= and enabled= are
 * common to all).
 */
#include <string.h>

#include "profile/load.h"
#include "units/check.h"
#include "units/registry.h"

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
			return pvt_opt_err(e, r, s, o);
	}
	return 0;
}

int pvt_profile_check(const struct pvt_profile *p, struct pvt_err *e)
{
	for (size_t i = 0; i < p->nsec; i++) {
		const struct pvt_section *s = &p->sec[i];
		const struct pvt_unit *u;
		int r;

		if (strcmp(s->name, "variables") == 0)
			continue;
		if (strcmp(s->name, "main") == 0) {
			r = check_main(s, e);
			if (r < 0)
				return r;
			continue;
		}
		u = pvt_unit_find(s->name);
		if (!u)
			return pvt_errf(e, "%s:%d: unknown section [%s] (known: main variables %s)",
					s->file, s->line, s->name, pvt_unit_names());
		r = check_unit(u, s, e);
		if (r < 0)
			return r;
	}
	return 0;
}

int pvt_profile_load(const struct pvt_ctx *ctx, const char *name, struct pvt_profile *p,
		     struct pvt_err *e)
{
	int r = pvt_profile_read(ctx, name, p, e);

	if (r < 0)
		return r;
	r = pvt_profile_check(p, e);
	if (r < 0)
		pvt_profile_free(p);
	return r;
}
