/* test_profile.c: tuned.conf parsing, includes, variables and bad input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "profile/profile.h"
#include "units/check.h"

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

	assert_int_equal(pvt_profile_load(&t->ctx, name, &p, &e), -err);
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

	fake_profile(t->root, "orphan", "[main]\nsummary=x\ninclude=nowhere\n");
	expect_errno(t, "orphan", ENOENT, "/orphan/tuned.conf:3: included profile 'nowhere' not found", NULL);
	expect_errno(t, "nonexistent", ENOENT, "profile 'nonexistent' not found", NULL);
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
	expect_errno(t, "loop", ELOOP, "tuned.conf:5:", "variables nest deeper");
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
		     "poll_max_usecs irq_moderation batch_kicks");
	fake_profile(t->root, "udev", "[vm]\ndevices=vda\n");
	expect_error(t, "udev", "tuned.conf:2: [vm] takes no devices=", NULL);
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
	};

	return cmocka_run_group_tests_name("profile", tests, NULL, NULL);
}
