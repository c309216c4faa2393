/* SPDX-License-Identifier: GPL-2.0-only */
/* fake.h: a fake system tree in a temporary directory, for the unit tests. */
#ifndef PVT_FAKE_H
#define PVT_FAKE_H

#include "engine/report.h"
#include "engine/store.h"
#include "units/unit.h"
#include "util/ctx.h"

/* A fresh tree; fake_free removes it. */
char *fake_new(void);
void fake_free(char *root);
/* Removes the tree at @root (not @root's string); fuzz/ uses it at exit. */
void fake_rmtree(const char *root);
void fake_write(const char *root, const char *path, const char *content);
/* Content with trailing white space removed; caller frees. NULL if missing. */
char *fake_read(const char *root, const char *path);
void fake_mkdir(const char *root, const char *path);
void fake_remove(const char *root, const char *path);
/* A disk with a device link and every queue/ file; @sched is queue/scheduler. */
void fake_disk(const char *root, const char *name, const char *sched);
/* Add the pvblk/ tunables (all 0) to a disk. */
void fake_pvblk(const char *root, const char *name);
/* /usr/lib/pvtune/profiles/NAME/tuned.conf */
void fake_profile(const char *root, const char *name, const char *text);
/* cpuinfo (x2apic, hypervisor), 2 online CPUs, vm sysctls, interrupts. */
void fake_system(const char *root);
/* A context rooted at @root. */
void fake_ctx(struct pvt_ctx *ctx, const char *root);

/*
 * The tests' fixture: a fresh tree with fake_system() and a context rooted
 * there, and what a test fills (a store, a plan, a report, an error);
 * fake_env_free() frees them all and removes the tree.
 */
struct fake_env {
	char *root;
	struct pvt_ctx ctx;
	struct pvt_store store;
	struct pvt_plan plan;
	struct pvt_report rep;
	struct pvt_err e;
};

struct fake_env *fake_env_new(void);
void fake_env_free(struct fake_env *t);
/* assert that @path under @root holds @want */
#define assert_file(root, path, want) do { \
	char *got_ = fake_read(root, path); \
	assert_non_null(got_); \
	assert_string_equal(got_, want); \
	free(got_); \
} while (0)

#endif
