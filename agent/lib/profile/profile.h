/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * profile.h: a profile as tuned.conf files describe it: sections of
 * options, each option with the file and line it came from (for error
 * messages). This folder knows the syntax only (load.h: include chain,
 * merge, variables); what the sections and keys mean, and whether they are
 * valid, is the units' business (units/check.h).
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
	char *name;		/* "a" or, for several merged, "a b" */
	char *file;		/* the (last) profile's own tuned.conf, under the root */
	char *summary;
	char *description;
	struct pvt_strv chain;	/* the profiles read, includes first, each named once */
	struct pvt_strv files;	/* every file read, in that order (paths as without --root) */
	struct pvt_section *sec;
	size_t nsec;
};

/* The deepest include chain read (a profile including itself counts one level). */
#define PVT_INCLUDE_DEPTH_MAX 32

/* Names may not be empty, contain '/', "..", blanks, or start with '.'. */
int pvt_profile_name_check(const char *name, struct pvt_err *e);
/* Path (under the root) of NAME's tuned.conf, or NULL if none exists. */
char *pvt_profile_find(const struct pvt_ctx *ctx, const char *name);
/* Every copy of NAME's tuned.conf (logical paths), the one that wins first. */
void pvt_profile_find_all(const struct pvt_ctx *ctx, const char *name, struct pvt_strv *out);
/* Names of all profiles in the profile directories (sorted, unique). */
void pvt_profile_list(const struct pvt_ctx *ctx, struct pvt_strv *names);
void pvt_profile_free(struct pvt_profile *p);

const struct pvt_section *pvt_profile_section(const struct pvt_profile *p, const char *name);
const struct pvt_option *pvt_section_option(const struct pvt_section *s, const char *key);
const char *pvt_section_get(const struct pvt_section *s, const char *key);

/* Building a profile: the section @name, added (from @file:@line) if new. */
struct pvt_section *pvt_profile_section_add(struct pvt_profile *p, const char *name,
					    const char *file, int line);
/* Set @key in @s; a key set again (a child profile's) replaces the value. */
void pvt_section_set(struct pvt_section *s, const char *key, const char *value,
		     const char *file, int line);

/* Remove @key from @s (nothing if absent); every key (@key NULL). */
void pvt_section_unset(struct pvt_section *s, const char *key);

/* Prepend "FILE:LINE: [section] key=value: " for option @o to the message in @e; returns @r. */
int pvt_opt_err(struct pvt_err *e, int r, const struct pvt_section *s,
		const struct pvt_option *o);

#endif
