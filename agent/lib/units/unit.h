/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * unit.h: a tuning unit ([disk], [pvblk], [irq], [sysctl], [vm], [cpu], [qemu]).
 * A unit checks its section's keys and values when a profile loads, and turns
 * the section into plan items for the devices present. The engine applies,
 * verifies and rolls back plan items, the same way for every unit.
 *
 * A new unit: a file here defining `const struct pvt_unit pvt_unit_NAME`
 * (its keys, check and plan), declared below and listed in registry.c.
 */
#ifndef PVT_UNIT_H
#define PVT_UNIT_H

#include <stdbool.h>

#include "profile/modifier.h"
#include "profile/profile.h"
#include "util/ctx.h"
#include "util/err.h"

/* How a file's current content compares to the wanted value. */
enum pvt_cmp {
	PVT_CMP_STR,		/* exact text after collapsing blanks */
	PVT_CMP_INT,		/* integers; modifiers allowed */
	PVT_CMP_BRACKET,	/* "a [b] c": the bracketed word is current */
	PVT_CMP_CPULIST,	/* cpulists, "0-1" equals "0,1" */
};

struct pvt_item;
/* A check-only item (nothing written): sets *actual, returns true if OK. */
typedef bool (*pvt_check_fn)(const struct pvt_ctx *ctx, const struct pvt_item *it,
			      char **actual);

struct pvt_item {
	char *unit;	/* unit name: "disk" */
	char *device;	/* "vda", "irq24", or NULL */
	char *key;	/* "elevator" */
	char *path;	/* logical path written; NULL for check-only items */
	char *value;	/* value to write (modifier removed) */
	enum pvt_op op;
	enum pvt_cmp cmp;
	pvt_check_fn check;
	bool soft;	/* a failed check is a warning, not a mismatch */
	char *origin;	/* "FILE:LINE" of the option, for messages */
	char *section;	/* the section planned ("disk.slow"), set by the engine */
	/*
	 * Not applied, only said: nothing is read or written, and the item is
	 * reported n/a (a section whose condition does not hold), or as a
	 * warning with @warn (devices= that matches no disk).
	 */
	char *info;
	bool warn;
	/*
	 * Written after every other item of its device (the engine moves it
	 * to the end of the plan, keeping the order otherwise): nr_requests,
	 * whose write freezes the device's queue and holds its sysfs lock,
	 * so the cheap values land first (and the scheduler, which resets
	 * nr_requests, stays before it).
	 */
	bool late;
};

struct pvt_plan {
	struct pvt_item *it;
	size_t n;
};

void pvt_plan_add(struct pvt_plan *p, const struct pvt_item *tmpl);
void pvt_plan_free(struct pvt_plan *p);

struct pvt_unit {
	const char *name;
	const char *keys;	/* accepted keys, for messages */
	bool per_disk;		/* takes devices= and is applied per block device */
	bool on_hotplug;	/* re-planned when a disk appears (new IRQs) */
	/* Check one key/value (modifier already split off). */
	int (*check)(const char *key, const char *value, enum pvt_op op, struct pvt_err *e);
	/*
	 * Add the items of @sec to @plan. For per-disk units @disk restricts
	 * the plan to that disk (NULL: all). A value a device cannot take (an
	 * elevator it does not offer) is an error added to @errs, and that item
	 * is left out; returns how many errors.
	 */
	int (*plan)(const struct pvt_ctx *ctx, const struct pvt_section *sec,
		    const char *disk, struct pvt_plan *plan, struct pvt_errs *errs);
};

/* Helpers shared by units (common.c, plan.c). */
/*
 * Keys every section takes, which are not the unit's own: devices=,
 * enabled=, and tuned's type=, uname_regex= and cpuinfo_regex= (check.c).
 */
bool pvt_generic_key(const char *key);
/* Add @e's message to @errs with the option's "FILE:LINE: [section] key=value: "; returns 1. */
int pvt_plan_error(struct pvt_errs *errs, int r, struct pvt_err *e, const struct pvt_section *s,
		   const struct pvt_option *o);
int pvt_check_int(const char *key, const char *value, int64_t min, int64_t max,
		  struct pvt_err *e);
int pvt_check_no_modifier(const char *key, enum pvt_op op, struct pvt_err *e);
/* Item template fields from an option: origin "FILE:LINE". Caller frees. */
char *pvt_opt_origin(const struct pvt_option *o);
/* Block devices under /sys/block selected by devices= (default: disks with a device link). */
void pvt_disks_select(const struct pvt_ctx *ctx, const struct pvt_section *sec,
		      const char *only, struct pvt_strv *out);
/*
 * A section whose devices= selects none of the disks present (@what: "disk",
 * "pvblk disk") gets an n/a item that says so; not for one disk (@only).
 */
void pvt_plan_no_disk(struct pvt_plan *plan, const struct pvt_section *sec, const char *only,
		      const char *what);

/* [sysctl] KEY's node ("vm.swappiness": /proc/sys/vm/swappiness); caller frees. */
char *pvt_sysctl_path(const char *key);
/* [vm] KEY's node, or NULL for a key [vm] does not have. */
const char *pvt_vm_path(const char *key);

extern const struct pvt_unit pvt_unit_disk;
extern const struct pvt_unit pvt_unit_pvblk;
extern const struct pvt_unit pvt_unit_irq;
extern const struct pvt_unit pvt_unit_sysctl;
extern const struct pvt_unit pvt_unit_vm;
extern const struct pvt_unit pvt_unit_cpu;
extern const struct pvt_unit pvt_unit_qemu;

#endif
