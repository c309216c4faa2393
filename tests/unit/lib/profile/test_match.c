/* test_match.c: device globs and negation, modifiers, cpulists, IRQ names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/cpulist.h"
#include "sys/irqs.h"
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

static void test_cpulist(void **state)
{
	struct pvt_cpuset *s = malloc(sizeof(*s));
	struct pvt_err e;
	char *f;

	(void)state;
	assert_int_equal(pvt_cpulist_parse("0-2,5, 7-8", s, &e), 0);
	assert_int_equal(pvt_cpuset_count(s), 6);
	assert_int_equal(pvt_cpuset_nth(s, 3), 5);
	assert_int_equal(pvt_cpuset_nth(s, 6), -1);
	f = pvt_cpulist_format(s);
	assert_string_equal(f, "0-2,5,7-8");
	free(f);
	assert_true(pvt_cpulist_equal("0,1,2", "0-2"));
	assert_false(pvt_cpulist_equal("0-1", "0-2"));
	assert_int_equal(pvt_cpulist_parse("3-1", s, &e), -1);
	assert_non_null(strstr(e.msg, "'3-1' is not a cpulist"));
	assert_int_equal(pvt_cpulist_parse("", s, &e), -1);
	assert_int_equal(pvt_cpulist_parse("1,,2", s, &e), -1);
	assert_int_equal(pvt_cpulist_parse("99999", s, &e), -1);
	free(s);
}

static void test_irq_queue_index(void **state)
{
	(void)state;
	assert_int_equal(pvt_irq_queue_index("virtio0-req.3"), 3);
	assert_int_equal(pvt_irq_queue_index("pvblk1-req.12"), 12);
	assert_int_equal(pvt_irq_queue_index("virtio0-config"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_globs),
		cmocka_unit_test(test_modifiers),
		cmocka_unit_test(test_cpulist),
		cmocka_unit_test(test_irq_queue_index),
	};

	return cmocka_run_group_tests_name("match", tests, NULL, NULL);
}
