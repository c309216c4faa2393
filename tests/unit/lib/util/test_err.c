/* SPDX-License-Identifier: GPL-2.0-only */
/* test_err.c: the error convention's list of errors, and how it comes out as one message. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static void test_errs(void **state)
{
	struct pvt_errs l = {0};
	struct pvt_err e;

	(void)state;
	assert_int_equal(pvt_errs_result(&l, &e), 0);
	pvt_errf(&e, "first");
	assert_int_equal(pvt_errs_add(&l, -ENOENT, &e), -ENOENT);
	pvt_errf(&e, "second");
	pvt_errs_add(&l, -EINVAL, &e);
	/* the first one's code, every message a line */
	assert_int_equal(pvt_errs_result(&l, &e), -ENOENT);
	assert_string_equal(e.msg, "first\nsecond");
	assert_int_equal(pvt_errs_result(&l, NULL), -ENOENT);
	pvt_errs_free(&l);
	assert_int_equal(l.n, 0);
}

static void test_errs_too_many(void **state)
{
	struct pvt_errs l = {0};
	struct pvt_err e;
	char *last;

	(void)state;
	for (int i = 0; i < 100; i++) {
		pvt_errf(&e, "profile.conf:%d: an error of forty characters or so", i + 1);
		pvt_errs_add(&l, -EINVAL, &e);
	}
	/* as many as fit, then how many did not */
	assert_int_equal(pvt_errs_result(&l, &e), -EINVAL);
	assert_true(strlen(e.msg) < sizeof(e.msg));
	assert_non_null(strstr(e.msg, "profile.conf:1: "));
	last = strrchr(e.msg, '\n');
	assert_non_null(last);
	if (strncmp(last, "\n... and ", 9) || atoi(last + 9) < 70)
		fail_msg("last line: '%s'", last + 1);
	/* with the ones shown, all of them */
	{
		int shown = 0;

		for (char *c = e.msg; *c; c++)
			shown += *c == '\n';
		assert_int_equal(shown + atoi(last + 9), 100);
	}
	pvt_errs_free(&l);
	/* one message too long for the buffer: cut, and the rest counted */
	{
		memset(e.msg, 'x', sizeof(e.msg) - 1);
		e.msg[sizeof(e.msg) - 1] = '\0';
		pvt_errs_add(&l, -EINVAL, &e);
		pvt_errf(&e, "another");
		pvt_errs_add(&l, -EINVAL, &e);
		pvt_errs_result(&l, &e);
		assert_non_null(strstr(e.msg, "\n... and 1 more"));
		pvt_errs_free(&l);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errs),
		cmocka_unit_test(test_errs_too_many),
	};

	return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
