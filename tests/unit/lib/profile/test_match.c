/* SPDX-License-Identifier: GPL-2.0-only */
/* test_match.c: the syntax of profile values: device globs and negation, modifiers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "profile/match.h"
#include "profile/modifier.h"

static void test_globs(void **state)
{
	(void)state;
	assert_true(pvt_devices_match("vd*", "vda"));
	assert_false(pvt_devices_match("vd*", "sda"));
	assert_true(pvt_devices_match("sd*, vd*", "vdb"));
	assert_true(pvt_devices_match("sd*  pvd?", "pvda"));
	assert_false(pvt_devices_match("pvd?", "pvda1"));
	/* no spec, or only negations: everything but the negated */
	assert_true(pvt_devices_match(NULL, "anything"));
	assert_true(pvt_devices_match("!vdb", "vda"));
	assert_false(pvt_devices_match("!vdb", "vdb"));
	/* negation wins over a positive glob */
	assert_false(pvt_devices_match("vd* !vdb", "vdb"));
	assert_true(pvt_devices_match("vd* !vdb", "vdc"));
	assert_false(pvt_devices_match("vd* !vd[b-c]", "vdc"));
	assert_true(pvt_glob_any("virtio*-req.* pvblk*", "virtio3-req.12"));
	assert_true(pvt_glob_any("virtio*-req.* pvblk*", "pvblk0-req.0"));
	assert_false(pvt_glob_any("virtio*-req.*", "virtio0-config"));
}

static void test_modifiers(void **state)
{
	enum pvt_op op;

	(void)state;
	assert_string_equal(pvt_modifier_split(">4096", &op), "4096");
	assert_int_equal(op, PVT_OP_GT);
	assert_string_equal(pvt_modifier_split("< 64", &op), "64");
	assert_int_equal(op, PVT_OP_LT);
	assert_string_equal(pvt_modifier_split("none", &op), "none");
	assert_int_equal(op, PVT_OP_SET);
	/* '>': write only when larger than the current value */
	assert_true(pvt_modifier_wants_write(PVT_OP_GT, 4096, 128));
	assert_false(pvt_modifier_wants_write(PVT_OP_GT, 4096, 8192));
	assert_false(pvt_modifier_wants_write(PVT_OP_GT, 4096, 4096));
	assert_true(pvt_modifier_wants_write(PVT_OP_LT, 64, 256));
	assert_false(pvt_modifier_wants_write(PVT_OP_LT, 64, 32));
	assert_true(pvt_modifier_wants_write(PVT_OP_SET, 1, 2));
	/* verify: '>' is satisfied by anything at least as large */
	assert_true(pvt_modifier_satisfied(PVT_OP_GT, 4096, 8192));
	assert_true(pvt_modifier_satisfied(PVT_OP_GT, 4096, 4096));
	assert_false(pvt_modifier_satisfied(PVT_OP_GT, 4096, 128));
	assert_true(pvt_modifier_satisfied(PVT_OP_LT, 64, 32));
	assert_false(pvt_modifier_satisfied(PVT_OP_LT, 64, 65));
	assert_false(pvt_modifier_satisfied(PVT_OP_SET, 1, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_globs),
		cmocka_unit_test(test_modifiers),
	};

	return cmocka_run_group_tests_name("match", tests, NULL, NULL);
}
