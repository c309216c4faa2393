/* SPDX-License-Identifier: GPL-2.0-only */
/* test_qemu.c: the [qemu] unit: keys and values checked at load, the section parsed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "units/check.h"
#include "units/qemu.h"

static int load(const char *text, struct pvt_profile *p, struct pvt_err *e)
{
	char *root = fake_new();
	struct pvt_ctx ctx;
	int r;

	fake_profile(root, "q", text);
	fake_ctx(&ctx, root);
	r = pvt_profile_load(&ctx, "q", p, e);
	pvt_ctx_free(&ctx);
	fake_free(root);
	return r;
}

static void expect_error(const char *text, const char *msg)
{
	struct pvt_profile p;
	struct pvt_err e = {{0}};

	assert_int_equal(load(text, &p, &e), -EINVAL);
	if (!strstr(e.msg, msg))
		fail_msg("'%s' not in '%s'", msg, e.msg);
}

static void test_unit_errors(void **state)
{
	(void)state;
	expect_error("[qemu]\niothread_cpus=x\n", "iothread_cpus: expected a CPU list or 'auto'");
	expect_error("[qemu]\nvcpu_cpus=\n", "vcpu_cpus");
	expect_error("[qemu]\npoll_max_ns=-1\n", "bad value '-1' for poll_max_ns");
	expect_error("[qemu]\npoll_grow=>2\n", "poll_grow takes no '>' or '<' modifier");
	expect_error("[qemu]\ncache=maybe\n", "bad value 'maybe' for cache (accepted: require prefer ignore)");
	expect_error("[qemu]\naio=posix\n", "bad value 'posix' for aio");
	expect_error("[qemu]\nlive_cache_none=2\n", "bad value '2' for live_cache_none (expected 0 or 1)");
	expect_error("[qemu]\niothread=1\n", "unknown key 'iothread' in [qemu] (known: iothread_cpus vcpu_cpus");
}

static void test_unit_parse(void **state)
{
	struct pvt_profile p;
	struct pvt_qemu_cfg c;
	struct pvt_err e;

	(void)state;
	assert_int_equal(load("[qemu]\niothread_cpus=auto\nvcpu_cpus=0-3\npoll_max_ns=1000\n"
			      "cache=require\naio=native|io_uring\naio_check=prefer\nx2apic=prefer\n",
			      &p, &e), 0);
	assert_int_equal(pvt_qemu_cfg_parse(pvt_profile_section(&p, "qemu"), &c, &e), 0);
	assert_true(c.io_set && c.io_auto && c.vcpu_set);
	assert_int_equal(pvt_cpuset_count(&c.vcpu_cpus), 4);
	assert_int_equal(c.poll_max_ns, 1000);
	assert_int_equal(c.poll_grow, -1);
	assert_int_equal(c.cache, PVT_LVL_REQUIRE);
	assert_int_equal(c.aio_level, PVT_LVL_PREFER);
	assert_string_equal(c.aio, "native|io_uring");
	assert_int_equal(c.x2apic, PVT_LVL_PREFER);
	assert_false(c.live_cache_none);
	assert_true(pvt_qemu_cfg_any(&c));
	pvt_profile_free(&p);
	/* a guest profile: nothing for host mode */
	assert_int_equal(pvt_qemu_cfg_parse(NULL, &c, &e), 0);
	assert_false(pvt_qemu_cfg_any(&c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unit_errors),
		cmocka_unit_test(test_unit_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
