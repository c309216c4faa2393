/* SPDX-License-Identifier: GPL-2.0-only */
/* test_cpulist.c: cpulists parsed, formatted and compared. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/cpulist.h"

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
	assert_int_equal(pvt_cpulist_parse("3-1", s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "'3-1' is not a cpulist"));
	assert_int_equal(pvt_cpulist_parse("", s, &e), -EINVAL);
	assert_int_equal(pvt_cpulist_parse("1,,2", s, &e), -EINVAL);
	assert_int_equal(pvt_cpulist_parse("99999", s, &e), -EINVAL);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpulist),
	};

	return cmocka_run_group_tests_name("cpulist", tests, NULL, NULL);
}
