/* SPDX-License-Identifier: GPL-2.0-only */
/* test_irqs.c: the queue number of an interrupt's action name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sys/irqs.h"

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
		cmocka_unit_test(test_irq_queue_index),
	};

	return cmocka_run_group_tests_name("irqs", tests, NULL, NULL);
}
