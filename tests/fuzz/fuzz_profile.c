/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_profile.c: libFuzzer harness for the profile loader (lib/profile read
 * and merge, lib/units check) and the planner (lib/engine plan, precheck)
 * on the fake tree of tests/unit/mkfake.sh.
 *
 * The input is a set of files: lines "=== NAME" start the file of profile
 * NAME (p0..p3 under /usr/lib/pvtune/profiles, e0..e1 under
 * /etc/pvtune/profiles, and o0..o1 the /etc copies of p0 and p1, tuned's
 * same-name override whose include=p0 means the next copy down); text
 * before the first such line is p0's. The shipped profiles are there too,
 * so an input may include them. p0 is loaded (include chains, variables,
 * modifiers, conditional sections, ${f:...}, every unit's keys), then
 * planned and prechecked against the tree's disks; then loaded again as
 * pvtune-adm check does, going on after each error ("p0 p1", merged, when
 * p1 is given). Anything but an error message (a crash, a leak, undefined
 * behaviour, a hang) is a finding.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine.h"
#include "units/check.h"
#include "util/err.h"
#include "fake.h"

static char root[] = "/tmp/pvtune-fuzz-profile.XXXXXX";
static struct pvt_ctx ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the temporary tree goes when the fuzzer exits */
static void cleanup(void)
{
	fake_rmtree(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *cmd;
	const char *top = getenv("PVTUNE_TOP");

	(void)argc, (void)argv;
	if (!mkdtemp(root) ||
	    asprintf(&cmd, "'%s/tests/unit/mkfake.sh' '%s' && mkdir -p '%s/etc/pvtune/profiles'",
		     top ? top : "..", root, root) < 0 ||
	    system(cmd) != 0) {
		fprintf(stderr, "fuzz_profile: cannot make the fake tree (set PVTUNE_TOP)\n");
		exit(1);
	}
	free(cmd);
	pvt_ctx_init(&ctx, root);
	ctx.writers = 1;
	atexit(cleanup);
	return 0;
}

static const char *const names[] = { "p0", "p1", "p2", "p3", "e0", "e1", "o0", "o1" };

static const char *dir_of(const char *name)
{
	return name[0] == 'p' ? "usr/lib/pvtune/profiles" : "etc/pvtune/profiles";
}

/* the profile's directory name: o0 is /etc's p0 */
static const char *base_of(const char *name)
{
	return name[0] == 'o' ? (name[1] == '0' ? "p0" : "p1") : name;
}

static void put(const char *name, const char *text, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", root, dir_of(name), base_of(name));
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s/tuned.conf", root, dir_of(name), base_of(name));
	f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(text, 1, len, f);
	fclose(f);
}

static void clear(void)
{
	char path[512];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s/%s/tuned.conf", root, dir_of(names[i]),
			 base_of(names[i]));
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s/%s", root, dir_of(names[i]), base_of(names[i]));
		rmdir(path);
	}
}

/* "=== p1" (a whole line): the name p1, else NULL */
static const char *marker(const char *line, size_t len)
{
	if (len != 6 || strncmp(line, "=== ", 4) != 0)
		return NULL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncmp(line + 4, names[i], 2) == 0)
			return names[i];
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *start = text, *name = "p0";
	struct pvt_profile p;
	struct pvt_errs errs = {0};
	struct pvt_plan plan = {0};
	struct pvt_err e;
	bool p1 = false;

	clear();
	for (size_t off = 0; off <= size;) {
		const char *nl = memchr(text + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - (text + off)) : size - off;
		const char *m = marker(text + off, len);

		if (m || !nl) {
			put(name, start, (size_t)(text + off - start) + (m ? 0 : len));
			if (!m)
				break;
			name = m;
			p1 = p1 || strcmp(m, "p1") == 0 || strcmp(m, "o1") == 0;
			start = text + off + len + 1;
		}
		off += len + 1;
	}
	if (pvt_profile_load(&ctx, "p0", &p, &e) == 0) {
		if (pvt_engine_plan(&ctx, &p, NULL, &plan, &e) == 0)
			(void)pvt_engine_precheck(&ctx, &plan, &e);
		pvt_plan_free(&plan);
		pvt_profile_free(&p);
	}
	/* pvtune-adm check: every error, and what could be read planned anyway */
	(void)pvt_profile_load_all(&ctx, p1 ? "p0 p1" : "p0", false, &p, &errs);
	if (p.files.n) {
		struct pvt_plan all = {0};

		(void)pvt_engine_plan_all(&ctx, &p, NULL, &all, &errs);
		(void)pvt_engine_precheck_all(&ctx, &all, &errs);
		pvt_plan_free(&all);
	}
	(void)pvt_errs_result(&errs, &e);
	pvt_errs_free(&errs);
	pvt_profile_free(&p);
	return 0;
}
