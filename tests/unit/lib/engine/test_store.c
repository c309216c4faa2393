/* test_store.c: the rollback store: persisted, reloaded, refused when corrupt. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "engine/store.h"
#include "fake.h"
#include "util/util.h"

static int setup(void **state)
{
	struct fake_env *t = fake_env_new();

	assert_int_equal(pvt_store_load(&t->ctx, &t->store, &t->e), 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	fake_env_free(*state);
	return 0;
}

static void test_persist_reload(void **state)
{
	struct fake_env *t = *state;
	struct pvt_store again;

	assert_int_equal(pvt_store_remember(&t->ctx, &t->store, "/proc/sys/vm/swappiness", "60",
					    "vm", NULL, &t->e), 0);
	assert_int_equal(pvt_store_remember(&t->ctx, &t->store, "/sys/block/vda/queue/nr_requests",
					    "256", "disk", "vda", &t->e), 0);
	/* the first original wins */
	assert_int_equal(pvt_store_remember(&t->ctx, &t->store, "/proc/sys/vm/swappiness", "10",
					    "vm", NULL, &t->e), 0);
	assert_int_equal(t->store.n, 2);
	assert_true(pvt_exists(t->root, "/run/pvtune/saved.json"));
	assert_int_equal(pvt_store_load(&t->ctx, &again, &t->e), 0);
	assert_int_equal(again.n, 2);
	assert_string_equal(again.e[0].path, "/proc/sys/vm/swappiness");
	assert_string_equal(again.e[0].value, "60");
	assert_null(again.e[0].device);
	assert_string_equal(again.e[1].device, "vda");
	assert_string_equal(again.e[1].unit, "disk");
	pvt_store_free(&again);
}

static void test_corrupt_store(void **state)
{
	struct fake_env *t = *state;
	struct pvt_store s;

	fake_write(t->root, "/run/pvtune/saved.json", "{ not json");
	assert_int_equal(pvt_store_load(&t->ctx, &s, &t->e), -EINVAL);
	assert_non_null(strstr(t->e.msg, "/run/pvtune/saved.json: not a pvtune rollback store"));
	fake_write(t->root, "/run/pvtune/saved.json", "{\"saved\":[{\"path\":\"/x\"}]}");
	assert_int_equal(pvt_store_load(&t->ctx, &s, &t->e), -EINVAL);
	assert_non_null(strstr(t->e.msg, "entry 0 lacks path, value or unit"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_persist_reload), T(test_corrupt_store),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
