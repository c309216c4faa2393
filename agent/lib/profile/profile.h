/*
 * profile.h: a profile read from tuned.conf files (iniparser), its include
 * chain merged (the child wins per key), variables expanded and every
 * section and key checked against the units. Each option keeps the file and
 * line it came from, for error messages.
 */
#ifndef PVT_PROFILE_H
#define PVT_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/ctx.h"
#include "util/err.h"

struct pvt_option {
	char *key;
	char *value;
	char *file;
	int line;
};

struct pvt_section {
	char *name;	/* "disk", "irq.virtio", ... */
	char *file;
	int line;
	struct pvt_option *opt;
	size_t nopt;
};

struct pvt_profile {
	char *name;
	char *file;		/* the profile's own tuned.conf */
	char *summary;
	char *description;
	struct pvt_strv chain;	/* the profile and everything it includes */
	struct pvt_section *sec;
	size_t nsec;
};

/* Names may not be empty, contain '/', "..", blanks, or start with '.'. */
int pvt_profile_name_check(const char *name, struct pvt_err *e);
/* Path (under the root) of NAME's tuned.conf, or NULL if none exists. */
char *pvt_profile_find(const struct pvt_ctx *ctx, const char *name);
/* Load, merge, expand and validate; on error nothing is returned. */
int pvt_profile_load(const struct pvt_ctx *ctx, const char *name,
		     struct pvt_profile *p, struct pvt_err *e);
void pvt_profile_free(struct pvt_profile *p);
/* Names of all profiles in the profile directories (sorted, unique). */
void pvt_profile_list(const struct pvt_ctx *ctx, struct pvt_strv *names);

const struct pvt_section *pvt_profile_section(const struct pvt_profile *p, const char *name);
const struct pvt_option *pvt_section_option(const struct pvt_section *s, const char *key);
const char *pvt_section_get(const struct pvt_section *s, const char *key);

/* Expand ${var} in @in from the [variables] section @vars. */
int pvt_vars_expand(const struct pvt_section *vars, const char *in, char **out,
		    struct pvt_err *e);

#endif
