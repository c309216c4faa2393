/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_profile.c: tuned.conf parsing, includes (tuned's resolution: the
 * next copy down for a profile's own name, each file read once, a depth
 * limit), variables and tuned's functions, tuned's section keys, every
 * error of a profile at once, and bad input. The files read are counted
 * by wrapping iniparser_load (the Makefile links this test with
 * -Wl,--wrap=iniparser_load).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <iniparser.h>

#include "fake.h"
#include "profile/load.h"
#include "profile/profile.h"
#include "profile/vars.h"
#include "units/check.h"
#include "util/util.h"

/* Files iniparser read since the last reset. */
static unsigned long loads;

dictionary *__real_iniparser_load(const char *path);
dictionary *__wrap_iniparser_load(const char *path);

dictionary *__wrap_iniparser_load(const char *path)
{
	loads++;
	return __real_iniparser_load(path);
}

static int setup(void **state)
{
	*state = fake_env_new();
	return 0;
}

static int teardown(void **state)
{
	fake_env_free(*state);
	return 0;
}

/* Load @name expecting -@err; the message must contain every needle. */
static void expect_errno(struct fake_env *t, const char *name, int err, const char *n1,
			 const char *n2)
{
	struct pvt_profile p;
	struct pvt_err e = {{0}};
	int r = pvt_profile_load(&t->ctx, name, &p, &e);

	if (r != -err)
		fail_msg("%s: %d, not %d: %s", name, r, -err, e.msg);
	if (!err) {
		pvt_profile_free(&p);
		return;
	}
	if (!strstr(e.msg, n1) || (n2 && !strstr(e.msg, n2)))
		fail_msg("error '%s' lacks '%s' / '%s'", e.msg, n1, n2 ? n2 : "");
}

/* The same for bad input, the most common error (EINVAL). */
static void expect_error(struct fake_env *t, const char *name, const char *n1, const char *n2)
{
	expect_errno(t, name, EINVAL, n1, n2);
}

static void test_basic(void **state)
{
	struct fake_env *t = *state;
	struct pvt_profile p;
	struct pvt_err e;
	const struct pvt_section *disk;

	fake_profile(t->root, "basic",
		     "# comment\n[main]\nsummary = A basic profile\n\n"
		     "[disk]\ndevices = vd* !vdb\nelevator = none\nReadAhead = >4096\n"
		     "; another comment\n[sysctl]\nvm.swappiness=10\n");
	assert_int_equal(pvt_profile_load(&t->ctx, "basic", &p, &e), 0);
	assert_string_equal(p.summary, "A basic profile");
	disk = pvt_profile_section(&p, "disk");
	assert_non_null(disk);
	assert_string_equal(pvt_section_get(disk, "devices"), "vd* !vdb");
	/* keys are case-insensitive, as in iniparser */
	assert_string_equal(pvt_section_get(disk, "readahead"), ">4096");
	assert_int_equal(pvt_section_option(disk, "elevator")->line, 7);
	assert_string_equal(pvt_section_get(pvt_profile_section(&p, "sysctl"), "vm.swappiness"),
			    "10");
	assert_int_equal(p.chain.n, 1);
	pvt_profile_free(&p);
}

static void test_include_child_wins(void **state)
{
	struct fake_env *t = *state;
	struct pvt_profile p;
	struct pvt_err e;
	const struct pvt_section *disk;

	fake_profile(t->root, "base", "[main]\nsummary=base\n[disk]\nelevator=mq-deadline\n"
		     "nr_requests=128\n[vm]\nswappiness=30\n");
	fake_profile(t->root, "mid", "[main]\ninclude=base\n[disk]\nnr_requests=64\n");
	fake_profile(t->root, "top", "[main]\ninclude = mid\nsummary=top\n[disk]\nelevator=none\n");
	assert_int_equal(pvt_profile_load(&t->ctx, "top", &p, &e), 0);
	assert_string_equal(p.summary, "top");
	disk = pvt_profile_section(&p, "disk");
	assert_string_equal(pvt_section_get(disk, "elevator"), "none");
	assert_string_equal(pvt_section_get(disk, "nr_requests"), "64");
	assert_string_equal(pvt_section_get(pvt_profile_section(&p, "vm"), "swappiness"), "30");
	assert_int_equal(p.chain.n, 3);
	assert_string_equal(p.chain.v[0], "base");
	assert_string_equal(p.chain.v[2], "top");
	/* the option keeps the file it came from */
	assert_non_null(strstr(pvt_section_option(disk, "nr_requests")->file, "/mid/tuned.conf"));
	pvt_profile_free(&p);
}

static void test_include_several(void **state)
{
	struct fake_env *t = *state;
	struct pvt_profile p;
	struct pvt_err e;

	fake_profile(t->root, "pa", "[vm]\nswappiness=1\ndirty_ratio=11\n");
	fake_profile(t->root, "pb", "[vm]\nswappiness=2\n[sysctl]\nkernel.x=1\n");
	fake_profile(t->root, "both", "[main]\ninclude=pa, pb\n[vm]\ndirty_background_ratio=3\n");
	assert_int_equal(pvt_profile_load(&t->ctx, "both", &p, &e), 0);
	/* later includes win over earlier ones, the profile over both */
	assert_string_equal(pvt_section_get(pvt_profile_section(&p, "vm"), "swappiness"), "2");
	assert_string_equal(pvt_section_get(pvt_profile_section(&p, "vm"), "dirty_ratio"), "11");
	assert_string_equal(pvt_section_get(pvt_profile_section(&p, "vm"), "dirty_background_ratio"), "3");
	assert_non_null(pvt_profile_section(&p, "sysctl"));
	assert_int_equal(p.chain.n, 3);
	pvt_profile_free(&p);
	/* a diamond (both parents include the same base) is not a cycle */
	fake_profile(t->root, "base", "[vm]\nswappiness=9\n");
	fake_profile(t->root, "l", "[main]\ninclude=base\n");
	fake_profile(t->root, "r", "[main]\ninclude=base\n");
	fake_profile(t->root, "diamond", "[main]\ninclude=l r\n");
	assert_int_equal(pvt_profile_load(&t->ctx, "diamond", &p, &e), 0);
	assert_int_equal(p.chain.n, 4);
	pvt_profile_free(&p);
}

static void test_include_cycle(void **state)
{
	struct fake_env *t = *state;

	fake_profile(t->root, "a", "[main]\ninclude=b\n");
	fake_profile(t->root, "b", "[main]\nsummary=b\ninclude=c\n");
	fake_profile(t->root, "c", "[main]\ninclude=a\n");
	expect_errno(t, "a", ELOOP, "include cycle: a -> b -> c -> a", "/c/tuned.conf:2:");
	fake_profile(t->root, "self", "[main]\ninclude=self\n");
	expect_errno(t, "self", ELOOP, "include cycle: self -> self", NULL);
}

static void test_include_missing(void **state)
{
	struct fake_env *t = *state;

	/* the profile is there, but wrong: invalid, not "not found" */
	fake_profile(t->root, "orphan", "[main]\nsummary=x\ninclude=nowhere\n");
	expect_errno(t, "orphan", EINVAL, "/orphan/tuned.conf:3: included profile 'nowhere' not found", NULL);
	expect_errno(t, "nonexistent", ENOENT, "profile 'nonexistent' not found", NULL);
	/* tuned's "-NAME": included if it exists */
	fake_profile(t->root, "maybe", "[main]\ninclude=-nowhere\n[vm]\nswappiness=1\n");
	expect_errno(t, "maybe", 0, NULL, NULL);
}

static void test_etc_overrides_lib(void **state)
{
	struct fake_env *t = *state;
	struct pvt_profile p;
	struct pvt_err e;

	fake_profile(t->root, "ov", "[main]\nsummary=from lib\n");
	fake_write(t->root, "/etc/pvtune/profiles/ov/tuned.conf", "[main]\nsummary=from etc\n");
	assert_int_equal(pvt_profile_load(&t->ctx, "ov", &p, &e), 0);
	assert_string_equal(p.summary, "from etc");
	pvt_profile_free(&p);
}

static void test_variables(void **state)
{
	struct fake_env *t = *state;
	struct pvt_profile p;
	struct pvt_err e;
	const struct pvt_section *disk;

	fake_profile(t->root, "vbase", "[variables]\nsched=mq-deadline\nra=4096\n");
	fake_profile(t->root, "vars", "[main]\ninclude=vbase\n[variables]\nra=8192\n"
		     "disks=vd*\nall=${disks} pvd*\n"
		     "[disk]\ndevices=${all}\nelevator=${sched}\nreadahead=>${RA}\n");
	assert_int_equal(pvt_profile_load(&t->ctx, "vars", &p, &e), 0);
	disk = pvt_profile_section(&p, "disk");
	assert_string_equal(pvt_section_get(disk, "devices"), "vd* pvd*");
	assert_string_equal(pvt_section_get(disk, "elevator"), "mq-deadline");
	assert_string_equal(pvt_section_get(disk, "readahead"), ">8192");
	pvt_profile_free(&p);

	fake_profile(t->root, "undef", "[disk]\nelevator=${nope}\n");
	expect_error(t, "undef", "/undef/tuned.conf:2: [disk] elevator: undefined variable ${nope}",
		     NULL);
	fake_profile(t->root, "loop", "[variables]\nx=${y}\ny=${x}\n[disk]\nelevator=${x}\n");
	expect_errno(t, "loop", ELOOP, "loop/tuned.conf:3: [variables] y: variable ${x} refers to itself (x -> y -> x)",
		     NULL);
	/* a variable that expands to a bad value is caught after expansion */
	fake_profile(t->root, "badvar", "[variables]\ns=cfq\n[disk]\nelevator=${s}\n");
	expect_error(t, "badvar", "tuned.conf:4: [disk] elevator=cfq: unknown elevator 'cfq'", NULL);
}

static void test_unknown_section_and_key(void **state)
{
	struct fake_env *t = *state;

	fake_profile(t->root, "usec", "[main]\nsummary=x\n\n[bogus]\nfoo=1\n");
	expect_error(t, "usec", "/usec/tuned.conf:4: unknown section [bogus]", "known: main variables disk");
	fake_profile(t->root, "ukey", "[disk]\nelevator=none\nspeed=11\n");
	expect_error(t, "ukey", "/ukey/tuned.conf:3: [disk] speed=11: unknown key 'speed' in [disk]",
		     "known: devices enabled elevator");
	fake_profile(t->root, "umain", "[main]\nsumary=typo\n");
	expect_error(t, "umain", "/umain/tuned.conf:2: unknown key 'sumary' in [main]", NULL);
	fake_profile(t->root, "upv", "[pvblk]\nturbo=1\n");
	expect_error(t, "upv", "tuned.conf:2: [pvblk] turbo=1: unknown pvblk tunable 'turbo'",
		     "poll_max_usecs irq_moderation irq_moderation_usecs batch_kicks");
	/* the driver's limits (driver/pvblk.h), caught before anything is written */
	fake_profile(t->root, "pvrange", "[pvblk]\npoll_max_usecs=5000\nirq_moderation_usecs=0\n");
	expect_error(t, "pvrange", "tuned.conf:2: [pvblk] poll_max_usecs=5000: bad value '5000' for poll_max_usecs (expected an integer from 0 to 1000)",
		     "tuned.conf:3: [pvblk] irq_moderation_usecs=0: bad value '0' for irq_moderation_usecs (expected an integer from 1 to 1000)");
	fake_profile(t->root, "udev", "[vm]\ndevices=vda\n");
	expect_error(t, "udev", "tuned.conf:2: [vm] devices=vda: takes no devices=", NULL);
}

static void test_malformed(void **state)
{
	struct fake_env *t = *state;

	fake_profile(t->root, "m1", "[main]\nsummary=x\nthis line has no equals sign\n");
	expect_error(t, "m1", "/m1/tuned.conf:3: expected 'key = value' or '[section]'", NULL);
	fake_profile(t->root, "m2", "[main\nsummary=x\n");
	expect_error(t, "m2", "/m2/tuned.conf:1: malformed section header", NULL);
	fake_profile(t->root, "m3", "summary=x\n[main]\n");
	expect_error(t, "m3", "/m3/tuned.conf:1: key 'summary' outside any [section]", NULL);
	fake_profile(t->root, "m4", "[main]\n = value\n");
	expect_error(t, "m4", "/m4/tuned.conf:2: bad key ''", NULL);
	/* a continuation line keeps the line number of its start */
	fake_profile(t->root, "m5", "[disk]\nelevator=none\nnr_requests=\\\n12x\n");
	expect_error(t, "m5", "/m5/tuned.conf:3: [disk] nr_requests=12x", "expected an integer >= 1");
}

static void test_bad_values(void **state)
{
	struct fake_env *t = *state;

	fake_profile(t->root, "b1", "[disk]\nrq_affinity=3\n");
	expect_error(t, "b1", "tuned.conf:2: [disk] rq_affinity=3: bad value '3' for rq_affinity",
		     "from 0 to 2");
	fake_profile(t->root, "b2", "[disk]\nelevator=>none\n");
	expect_error(t, "b2", "elevator takes no '>' or '<' modifier", NULL);
	fake_profile(t->root, "b3", "[disk]\nreadahead=lots\n");
	expect_error(t, "b3", "bad value 'lots' for readahead", NULL);
	fake_profile(t->root, "b4", "[pvblk]\nbatch_kicks=2\n");
	expect_error(t, "b4", "bad value '2' for batch_kicks (expected 0 or 1)", NULL);
	fake_profile(t->root, "b5", "[irq]\naffinity=0-x\n");
	expect_error(t, "b5", "tuned.conf:2: [irq] affinity=0-x: expected 'spread' or a cpulist", NULL);
	fake_profile(t->root, "b6", "[cpu]\nx2apic=maybe\n");
	expect_error(t, "b6", "bad value 'maybe' for x2apic (accepted: require prefer ignore)", NULL);
	fake_profile(t->root, "b7", "[vm]\ntransparent_hugepages=sometimes\n");
	expect_error(t, "b7", "accepted: always madvise never", NULL);
	fake_profile(t->root, "b8", "[sysctl]\nnet.core.somaxconn=>many\n");
	expect_error(t, "b8", "'>' needs an integer value", NULL);
	fake_profile(t->root, "b9", "[sysctl]\n../../etc/passwd=1\n");
	expect_error(t, "b9", "bad sysctl name", NULL);
	fake_profile(t->root, "b10", "[vm]\nswappiness=201\n");
	expect_error(t, "b10", "bad value '201' for swappiness (expected an integer from 0 to 200)", NULL);
}

static void test_bad_names(void **state)
{
	struct fake_env *t = *state;
	struct pvt_err e;

	assert_int_equal(pvt_profile_name_check("../etc", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "invalid profile name '../etc'"));
	assert_int_equal(pvt_profile_name_check("a/b", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "may not contain '/' or '..'"));
	assert_int_equal(pvt_profile_name_check("a..b", &e), -EINVAL);
	assert_int_equal(pvt_profile_name_check(".hidden", &e), -EINVAL);
	assert_int_equal(pvt_profile_name_check("", &e), -EINVAL);
	assert_int_equal(pvt_profile_name_check("has space", &e), -EINVAL);
	assert_int_equal(pvt_profile_name_check("pvblk-guest_2.x", &e), 0);
	expect_error(t, "../../../etc", "invalid profile name", NULL);
	fake_profile(t->root, "badinc", "[main]\ninclude=../x\n");
	expect_error(t, "badinc", "/badinc/tuned.conf:2: invalid profile name '../x'", NULL);
}

static void test_unreadable(void **state)
{
	struct fake_env *t = *state;

	/* a directory where the file should be: found, but cannot be read */
	fake_mkdir(t->root, "/usr/lib/pvtune/profiles/dir/tuned.conf");
	expect_errno(t, "dir", EISDIR, "/dir/tuned.conf: read error: Is a directory", NULL);
}

static void test_list(void **state)
{
	struct fake_env *t = *state;
	struct pvt_strv names = {0};

	fake_profile(t->root, "zeta", "[main]\nsummary=z\n");
	fake_profile(t->root, "alpha", "[main]\nsummary=a\n");
	fake_write(t->root, "/etc/pvtune/profiles/mine/tuned.conf", "[main]\nsummary=m\n");
	fake_mkdir(t->root, "/usr/lib/pvtune/profiles/empty-dir");
	pvt_profile_list(&t->ctx, &names);
	assert_int_equal(names.n, 3);
	assert_string_equal(names.v[0], "alpha");
	assert_string_equal(names.v[1], "mine");
	assert_string_equal(names.v[2], "zeta");
	pvt_strv_free(&names);
}


static void test_override_same_name(void **state)
{
	struct fake_env *t = *state;
	struct pvt_profile p;
	struct pvt_err e;
	const struct pvt_section *vm;

	/* tuned's customisation: /etc's copy includes its own name, read from below */
	fake_profile(t->root, "base", "[main]\nsummary=shipped\n[vm]\nswappiness=30\ndirty_ratio=20\n");
	fake_write(t->root, "/etc/pvtune/profiles/base/tuned.conf",
		   "[main]\ninclude=base\n[vm]\nswappiness=10\n");
	fake_profile(t->root, "child", "[main]\ninclude=base\nsummary=child\n");
	loads = 0;
	assert_int_equal(pvt_profile_load(&t->ctx, "base", &p, &e), 0);
	assert_int_equal(loads, 2);
	vm = pvt_profile_section(&p, "vm");
	assert_string_equal(pvt_section_get(vm, "swappiness"), "10");
	assert_string_equal(pvt_section_get(vm, "dirty_ratio"), "20");
	assert_string_equal(p.summary, "shipped");
	assert_int_equal(p.chain.n, 1);
	assert_int_equal(p.files.n, 2);
	assert_string_equal(p.files.v[0], "/usr/lib/pvtune/profiles/base/tuned.conf");
	assert_string_equal(p.files.v[1], "/etc/pvtune/profiles/base/tuned.conf");
	pvt_profile_free(&p);
	/* a profile that includes it gets the override */
	assert_int_equal(pvt_profile_load(&t->ctx, "child", &p, &e), 0);
	assert_string_equal(pvt_section_get(pvt_profile_section(&p, "vm"), "swappiness"), "10");
	assert_int_equal(p.files.n, 3);
	pvt_profile_free(&p);
	/* with no copy below, it is a cycle, and says why */
	fake_write(t->root, "/etc/pvtune/profiles/solo/tuned.conf", "[main]\ninclude=solo\n");
	expect_errno(t, "solo", ELOOP, "include cycle: solo -> solo (a profile that includes its own name reads the next copy down, and there is none below /etc/pvtune/profiles/solo/tuned.conf)",
		     NULL);
}

/*
 * A diamond of @depth levels: dK includes lK and rK, which both include
 * d(K-1); d0 sets k=base. lK sets k=lK.
 */
static void diamond(struct fake_env *t, int depth)
{
	char name[32], text[128];

	fake_profile(t->root, "d0", "[sysctl]\nkernel.k=base\n");
	for (int k = 1; k <= depth; k++) {
		snprintf(name, sizeof(name), "l%d", k);
		snprintf(text, sizeof(text), "[main]\ninclude=d%d\n[sysctl]\nkernel.k=l%d\n", k - 1, k);
		fake_profile(t->root, name, text);
		snprintf(name, sizeof(name), "r%d", k);
		snprintf(text, sizeof(text), "[main]\ninclude=d%d\n", k - 1);
		fake_profile(t->root, name, text);
		snprintf(name, sizeof(name), "d%d", k);
		snprintf(text, sizeof(text), "[main]\ninclude=l%d r%d\n", k, k);
		fake_profile(t->root, name, text);
	}
}

static void test_include_diamond_read_once(void **state)
{
	struct fake_env *t = *state;
	struct pvt_profile p;
	struct pvt_err e;

	/* each file once per load: 3 per level and d0, not 2^14 */
	diamond(t, 14);
	loads = 0;
	assert_int_equal(pvt_profile_load(&t->ctx, "d14", &p, &e), 0);
	assert_int_equal(loads, 3 * 14 + 1);
	assert_int_equal(p.files.n, 3 * 14 + 1);
	/*
	 * as tuned: d13, read for l14, is not read again for r14, so it does
	 * not undo what l14 set
	 */
	assert_string_equal(pvt_section_get(pvt_profile_section(&p, "sysctl"), "kernel.k"), "l14");
	pvt_profile_free(&p);
}

static void test_include_depth(void **state)
{
	struct fake_env *t = *state;
	char name[32], text[64];

	for (int k = 0; k <= PVT_INCLUDE_DEPTH_MAX + 1; k++) {
		snprintf(name, sizeof(name), "deep%d", k);
		snprintf(text, sizeof(text), "[main]\ninclude=deep%d\n", k + 1);
		fake_profile(t->root, name, k <= PVT_INCLUDE_DEPTH_MAX ? text : "[vm]\nswappiness=1\n");
	}
	loads = 0;
	expect_errno(t, "deep0", ELOOP, "deep31/tuned.conf:2: includes nest deeper than 32 levels",
		     "deep31 -> deep32");
	assert_int_equal(loads, PVT_INCLUDE_DEPTH_MAX);
	/* 32 deep is fine */
	expect_errno(t, "deep2", 0, NULL, NULL);
}

static void test_variable_size(void **state)
{
	struct fake_env *t = *state;
	char *text, *big = pvt_xstrdup("[variables]\nx0=");

	/* "billion laughs": x1 is 100 times x0, x2 100 times x1, ... */
	for (int i = 0; i < 1000; i++) {
		char *n = pvt_xasprintf("%sa", big);

		free(big);
		big = n;
	}
	text = pvt_xasprintf("%s\n", big);
	for (int k = 1; k <= 5; k++) {
		char *line = pvt_xasprintf("x%d=", k), *n;

		for (int i = 0; i < 100; i++) {
			n = pvt_xasprintf("%s${x%d}", line, k - 1);
			free(line);
			line = n;
		}
		n = pvt_xasprintf("%s%s\n", text, line);
		free(text);
		free(line);
		text = n;
	}
	{
		char *n = pvt_xasprintf("%s[disk]\ndevices=${x5}\n", text);

		free(text);
		text = n;
	}
	fake_profile(t->root, "laughs", text);
	expect_errno(t, "laughs", E2BIG, "laughs/tuned.conf:3: [variables] x1: longer than 65536 bytes once expanded",
		     NULL);
	free(text);
	free(big);
}

static void test_variable_once(void **state)
{
	struct fake_env *t = *state;
	struct pvt_profile p;
	struct pvt_err e;
	char *text = pvt_xstrdup("[variables]\ne0=\n");

	/* 100 uses a level, 10 levels: each variable is expanded once */
	for (int k = 1; k <= 10; k++) {
		char *n = pvt_xasprintf("%se%d=", text, k);

		free(text);
		text = n;
		for (int i = 0; i < 100; i++) {
			n = pvt_xasprintf("%s${e%d}", text, k - 1);
			free(text);
			text = n;
		}
		n = pvt_xasprintf("%s\n", text);
		free(text);
		text = n;
	}
	{
		char *n = pvt_xasprintf("%s[sysctl]\nkernel.x=a${e10}b\n", text);

		free(text);
		text = n;
	}
	fake_profile(t->root, "fan", text);
	free(text);
	assert_int_equal(pvt_profile_load(&t->ctx, "fan", &p, &e), 0);
	assert_string_equal(pvt_section_get(pvt_profile_section(&p, "sysctl"), "kernel.x"), "ab");
	pvt_profile_free(&p);
}

static void test_functions(void **state)
{
	struct fake_env *t = *state;
	struct pvt_profile p;
	struct pvt_err e;
	const struct pvt_section *s;

	fake_profile(t->root, "fn", "[variables]\nlist=0-3\n"
		     "[sysctl]\nkernel.a=${f:virt_check:vm:bare}\nkernel.b=${f:cpulist_online:${list}}\n"
		     "kernel.c=${f:cpulist_pack:1,2,3,5}\nkernel.d=${f:cpulist_unpack:1-3,^2}\n"
		     "kernel.e=${f:kb2s:4}\nkernel.f=${f:s2kb:5}\nkernel.g=${f:s2kb:7}\n"
		     "kernel.h=${f:strip:  a :b  }\nkernel.i=${f:cpulist_invert:0}\n"
		     "kernel.j=${f:regex_search_ternary:x86_64:^x86:intel:other}\n"
		     "kernel.k=${f:cpuinfo_check:x2apic:yes:no}\nkernel.l=${i:PROFILE_DIR}\n"
		     "kernel.m=${f:assertion:same:1:1}z\nkernel.n=\\${list}\n");
	assert_int_equal(pvt_profile_load(&t->ctx, "fn", &p, &e), 0);
	s = pvt_profile_section(&p, "sysctl");
	assert_string_equal(pvt_section_get(s, "kernel.a"), "vm");
	assert_string_equal(pvt_section_get(s, "kernel.b"), "0,1");
	assert_string_equal(pvt_section_get(s, "kernel.c"), "1-3,5");
	assert_string_equal(pvt_section_get(s, "kernel.d"), "1,3");
	assert_string_equal(pvt_section_get(s, "kernel.e"), "8");
	assert_string_equal(pvt_section_get(s, "kernel.f"), "2");
	assert_string_equal(pvt_section_get(s, "kernel.g"), "4");
	assert_string_equal(pvt_section_get(s, "kernel.h"), "a b");
	assert_string_equal(pvt_section_get(s, "kernel.i"), "1");
	assert_string_equal(pvt_section_get(s, "kernel.j"), "intel");
	assert_string_equal(pvt_section_get(s, "kernel.k"), "yes");
	assert_string_equal(pvt_section_get(s, "kernel.l"), "/usr/lib/pvtune/profiles/fn");
	assert_string_equal(pvt_section_get(s, "kernel.m"), "z");
	assert_string_equal(pvt_section_get(s, "kernel.n"), "${list}");
	pvt_profile_free(&p);
	/* on bare metal */
	fake_write(t->root, "/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu");
	fake_profile(t->root, "fn2", "[sysctl]\nkernel.a=${f:virt_check:vm:bare}\n");
	assert_int_equal(pvt_profile_load(&t->ctx, "fn2", &p, &e), 0);
	assert_string_equal(pvt_section_get(pvt_profile_section(&p, "sysctl"), "kernel.a"), "bare");
	pvt_profile_free(&p);
	/* refused, each naming its place */
	fake_profile(t->root, "fn3", "[sysctl]\nkernel.a=${f:exec:/bin/true}\n"
		     "kernel.b=${f:calc_isolated_cores:1}\nkernel.c=${f:assertion:must:1:2}\n"
		     "kernel.d=${f:kb2s}\n");
	expect_error(t, "fn3", "fn3/tuned.conf:2: [sysctl] kernel.a: tuned's ${f:exec} runs a program; pvtune runs none",
		     "fn3/tuned.conf:3: [sysctl] kernel.b: tuned function ${f:calc_isolated_cores} is not supported (supported: virt_check");
	expect_error(t, "fn3", "fn3/tuned.conf:4: [sysctl] kernel.c: assertion 'must' failed: '1' != '2'",
		     "fn3/tuned.conf:5: [sysctl] kernel.d: ${f:kb2s} takes 1 argument(s), not 0");
}

/* throughput-performance's sections, as a user copying it would have them */
static const char tuned_copy[] =
	"[main]\n"
	"summary=copied from tuned\n"
	"[variables]\n"
	"thunderx_cpuinfo_regex=CPU part\\s+:\\s+(0x0?516)|(0x0?af)|(0x0?a[0-3])|(0x0?b8)\\b\n"
	"[cpu]\n"
	"governor=performance\n"					/* 7 */
	"[acpi]\n"							/* 8 */
	"platform_profile=performance\n"
	"[vm]\n"
	"dirty_bytes = 40%\n"						/* 11 */
	"[vm.thunderx]\n"
	"type=vm\n"
	"uname_regex=aarch64\n"
	"cpuinfo_regex=${thunderx_cpuinfo_regex}\n"
	"transparent_hugepages=never\n"
	"[disk]\n"
	"readahead=>4096\n"
	"priority=10\n"							/* 19 */
	"[sysctl]\n"
	"vm.swappiness=10\n"
	"[sysctl.thunderx]\n"
	"type=sysctl\n"
	"uname_regex=aarch64\n"
	"cpuinfo_regex=${thunderx_cpuinfo_regex}\n"
	"kernel.numa_balancing=0\n"
	"[video]\n"							/* 27 */
	"panel_power_savings=0\n"
	"[disk.udev]\n"
	"devices_udev_regex=ID_MODEL=.*\n"				/* 30 */
	"readahead=128\n"
	"[net]\n"							/* 32 */
	"type=net\n";

static void test_tuned_sections(void **state)
{
	struct fake_env *t = *state;
	struct pvt_profile p;
	struct pvt_errs errs = {0};
	static const char *const want[] = {
		"tp/tuned.conf:6: [cpu] governor=performance: a key of tuned's cpu plugin that pvtune does not have, remove it: unknown key 'governor' in [cpu]",
		"tp/tuned.conf:7: [acpi]: tuned's acpi plugin, which pvtune does not have; the section must go",
		"tp/tuned.conf:10: [vm] dirty_bytes=40%: bad value '40%' for dirty_bytes: tuned's 'N%' form is not supported (write dirty_ratio=40)",
		"tp/tuned.conf:18: [disk] priority=10: tuned's priority= (the order of plugin instances) is not supported",
		"tp/tuned.conf:26: [video]: tuned's video plugin, which pvtune does not have; the section must go",
		"tp/tuned.conf:29: [disk.udev] devices_udev_regex=ID_MODEL=.*: tuned's devices_udev_regex= (devices chosen by udev properties) is not supported: without it the section would tune other devices, so the section must go",
		"tp/tuned.conf:32: [net] type=net: tuned's plugin, which pvtune does not have; the section must go",
	};

	fake_profile(t->root, "tp", tuned_copy);
	/* every error in one load; the conditional sections are fine */
	assert_int_equal(pvt_profile_load_all(&t->ctx, "tp", false, &p, &errs), 7);
	for (size_t i = 0; i < 7; i++)
		if (!strstr(errs.msg[i], want[i]))
			fail_msg("error %zu: '%s' lacks '%s'", i, errs.msg[i], want[i]);
	/* what is refused as a whole is not half read */
	assert_int_equal(pvt_profile_section(&p, "disk.udev")->nopt, 0);
	assert_string_equal(pvt_section_get(pvt_profile_section(&p, "vm.thunderx"), "uname_regex"),
			    "aarch64");
	pvt_errs_free(&errs);
	pvt_profile_free(&p);
	/* a bad regular expression is one */
	fake_profile(t->root, "re", "[vm.x]\ntype=vm\nuname_regex=(\nswappiness=1\n");
	expect_error(t, "re", "re/tuned.conf:3: [vm.x] uname_regex=(: bad regular expression", NULL);
}

static void test_several_profiles(void **state)
{
	struct fake_env *t = *state;
	struct pvt_profile p;
	struct pvt_err e;
	const struct pvt_section *vm;

	/* tuned-adm profile a b: merged in that order, later wins key by key */
	fake_profile(t->root, "pa", "[main]\nsummary=a\n[vm]\nswappiness=1\ndirty_ratio=11\n");
	fake_profile(t->root, "pb", "[main]\nsummary=b\n[vm]\nswappiness=2\n");
	assert_int_equal(pvt_profile_load(&t->ctx, "pa  pb", &p, &e), 0);
	assert_string_equal(p.name, "pa pb");
	vm = pvt_profile_section(&p, "vm");
	assert_string_equal(pvt_section_get(vm, "swappiness"), "2");
	assert_string_equal(pvt_section_get(vm, "dirty_ratio"), "11");
	assert_string_equal(p.summary, "b");
	assert_int_equal(p.chain.n, 2);
	pvt_profile_free(&p);
	expect_errno(t, "pa nope", ENOENT, "profile 'nope' not found", NULL);
}

static void test_replace_drop(void **state)
{
	struct fake_env *t = *state;
	struct pvt_profile p;
	struct pvt_err e;
	const struct pvt_section *d;

	fake_profile(t->root, "rb", "[disk]\nelevator=none\nreadahead=4096\n");
	fake_profile(t->root, "rr", "[main]\ninclude=rb\n[disk]\nreplace=1\nadd_random=0\n");
	fake_profile(t->root, "rd", "[main]\ninclude=rb\n[disk]\ndrop=readahead\n");
	assert_int_equal(pvt_profile_load(&t->ctx, "rr", &p, &e), 0);
	d = pvt_profile_section(&p, "disk");
	assert_int_equal(d->nopt, 1);
	assert_string_equal(pvt_section_get(d, "add_random"), "0");
	pvt_profile_free(&p);
	assert_int_equal(pvt_profile_load(&t->ctx, "rd", &p, &e), 0);
	d = pvt_profile_section(&p, "disk");
	assert_int_equal(d->nopt, 1);
	assert_string_equal(pvt_section_get(d, "elevator"), "none");
	pvt_profile_free(&p);
	fake_profile(t->root, "rx", "[disk]\nreplace=maybe\n");
	expect_error(t, "rx", "rx/tuned.conf:2: [disk] replace=maybe: expected 1 or 0", NULL);
}

static void test_every_error_at_once(void **state)
{
	struct fake_env *t = *state;
	struct pvt_profile p;
	struct pvt_errs errs = {0};

	/* syntax errors, then what the good lines say, and an include's */
	fake_profile(t->root, "inc", "[vm]\nswappiness=900\n");
	fake_profile(t->root, "many", "[main]\ninclude=inc\n"
		     "no equals here\n"			/* 3 */
		     "[disk\n"				/* 4: and its keys are lost */
		     "elevator=none\n"
		     "[disk]\n"
		     "rq_affinity=7\n"			/* 7 */
		     "[sysctl]\n"
		     "kernel.x=${nope}\n"		/* 9 */
		     "[bogus]\n"			/* 10 */
		     "k=v\n");
	assert_int_equal(pvt_profile_load_all(&t->ctx, "many", false, &p, &errs), 6);
	assert_non_null(strstr(errs.msg[0], "many/tuned.conf:3: expected 'key = value'"));
	assert_non_null(strstr(errs.msg[1], "many/tuned.conf:4: malformed section header"));
	assert_non_null(strstr(errs.msg[2], "many/tuned.conf:9: [sysctl] kernel.x: undefined variable ${nope}"));
	assert_non_null(strstr(errs.msg[3], "inc/tuned.conf:2: [vm] swappiness=900"));
	assert_non_null(strstr(errs.msg[4], "many/tuned.conf:7: [disk] rq_affinity=7"));
	assert_non_null(strstr(errs.msg[5], "many/tuned.conf:10: unknown section [bogus]"));
	pvt_errs_free(&errs);
	pvt_profile_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_include_child_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_include_several, setup, teardown),
		cmocka_unit_test_setup_teardown(test_include_cycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_include_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_etc_overrides_lib, setup, teardown),
		cmocka_unit_test_setup_teardown(test_variables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_section_and_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_override_same_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_include_diamond_read_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_include_depth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_variable_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_variable_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_functions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tuned_sections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_several_profiles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_error_at_once, setup, teardown),
	};

	return cmocka_run_group_tests_name("profile", tests, NULL, NULL);
}
