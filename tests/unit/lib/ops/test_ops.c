/*
 * test_ops.c: the operations over the rollback store: a crash then restore,
 * profile switch, off, bad profiles, hotplug, verify, recommend, the active
 * profile's file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "ops/ops.h"

static int setup(void **state)
{
	struct fake_env *t = fake_env_new();

	fake_disk(t->root, "vda", "[mq-deadline] none");
	fake_disk(t->root, "pvda", "[none] mq-deadline");
	fake_pvblk(t->root, "pvda");
	fake_profile(t->root, "one", "[main]\nsummary=one\n[disk]\nadd_random=0\nnr_requests=64\n"
		     "[pvblk]\nbatch_kicks=1\n[vm]\nswappiness=10\n");
	fake_profile(t->root, "two", "[main]\nsummary=two\n[vm]\ndirty_ratio=40\n");
	assert_int_equal(pvt_store_load(&t->ctx, &t->store, &t->e), 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	fake_env_free(*state);
	return 0;
}

static void assert_originals(struct fake_env *t)
{
	assert_file(t->root, "/sys/block/vda/queue/add_random", "1");
	assert_file(t->root, "/sys/block/vda/queue/nr_requests", "256");
	assert_file(t->root, "/sys/block/pvda/queue/add_random", "1");
	assert_file(t->root, "/sys/block/pvda/pvblk/batch_kicks", "0");
	assert_file(t->root, "/proc/sys/vm/swappiness", "60");
	assert_file(t->root, "/proc/sys/vm/dirty_ratio", "20");
}

static void test_crash_then_restore(void **state)
{
	struct fake_env *t = *state;
	struct pvt_store after_crash;

	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "one", &t->rep, &t->e), 0);
	assert_file(t->root, "/proc/sys/vm/swappiness", "10");
	assert_file(t->root, "/sys/block/pvda/pvblk/batch_kicks", "1");
	/* the daemon dies: its memory is gone, the persisted store is not */
	pvt_store_free(&t->store);
	assert_int_equal(pvt_store_load(&t->ctx, &after_crash, &t->e), 0);
	assert_int_equal(after_crash.n, 6);
	/* a restarted daemon re-applies the active profile: originals are kept */
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_profile(&t->ctx, &after_crash, "one", &t->rep, &t->e), 0);
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_off(&t->ctx, &after_crash, &t->rep, &t->e), 0);
	assert_originals(t);
	assert_int_equal(after_crash.n, 0);
	assert_null(pvt_active_get(&t->ctx));
	pvt_store_free(&after_crash);
	t->store = (struct pvt_store){0};
}

static void test_switch_restores_first(void **state)
{
	struct fake_env *t = *state;
	char *active;

	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "one", &t->rep, &t->e), 0);
	active = pvt_active_get(&t->ctx);
	assert_string_equal(active, "one");
	free(active);
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "two", &t->rep, &t->e), 0);
	/* one's changes are undone, two's applied */
	assert_file(t->root, "/proc/sys/vm/swappiness", "60");
	assert_file(t->root, "/sys/block/vda/queue/add_random", "1");
	assert_file(t->root, "/proc/sys/vm/dirty_ratio", "40");
	assert_int_equal(t->store.n, 1);
	active = pvt_active_get(&t->ctx);
	assert_string_equal(active, "two");
	free(active);
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_off(&t->ctx, &t->store, &t->rep, &t->e), 0);
	assert_originals(t);
}

static void test_bad_profile_changes_nothing(void **state)
{
	struct fake_env *t = *state;
	char *active;

	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "one", &t->rep, &t->e), 0);
	/* a bad value in the last section: nothing of it may be applied,
	 * and the active profile must stay in place */
	fake_profile(t->root, "bad", "[vm]\ndirty_ratio=45\n[disk]\nnr_requests=lots\n");
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "bad", &t->rep, &t->e), -EINVAL);
	assert_non_null(strstr(t->e.msg, "/bad/tuned.conf:4: [disk] nr_requests=lots"));
	assert_int_equal(t->rep.n, 0);
	assert_file(t->root, "/proc/sys/vm/dirty_ratio", "20");
	assert_file(t->root, "/proc/sys/vm/swappiness", "10");
	active = pvt_active_get(&t->ctx);
	assert_string_equal(active, "one");
	free(active);
	/* a device-level error (elevator not offered) changes nothing either */
	fake_profile(t->root, "bad2", "[vm]\ndirty_ratio=45\n[disk]\nelevator=bfq\n");
	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "bad2", &t->rep, &t->e), -EINVAL);
	assert_non_null(strstr(t->e.msg, "device pvda does not offer elevator 'bfq' (accepted: none mq-deadline)"));
	assert_file(t->root, "/proc/sys/vm/dirty_ratio", "20");
	/* a missing tunable on a pvblk disk, too */
	fake_remove(t->root, "/sys/block/pvda/pvblk/poll_max_usecs");
	fake_profile(t->root, "bad3", "[vm]\ndirty_ratio=45\n[pvblk]\npoll_max_usecs=9\n");
	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "bad3", &t->rep, &t->e), -ENOENT);
	assert_non_null(strstr(t->e.msg, "device pvda lacks this tunable"));
	assert_file(t->root, "/proc/sys/vm/dirty_ratio", "20");
	assert_file(t->root, "/proc/sys/vm/swappiness", "10");
	/* and a bad name */
	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "../one", &t->rep, &t->e), -EINVAL);
	assert_non_null(strstr(t->e.msg, "invalid profile name"));
}

static void test_store_unwritable_changes_nothing(void **state)
{
	struct fake_env *t = *state;

	/* a file where the state directory should be: originals cannot be
	 * saved, so nothing may be written */
	fake_write(t->root, "/run/pvtune", "not a directory");
	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "one", &t->rep, &t->e), -ENOTDIR);
	assert_int_equal(pvt_report_count(&t->rep, PVT_ST_CHANGED), 0);
	if (!strstr(t->e.msg, "cannot open the store's lock /run/pvtune/saved.lock: Not a directory"))
		fail_msg("error: %s", t->e.msg);
	assert_originals(t);
	assert_int_equal(t->store.n, 0);
}

static void test_disk_added(void **state)
{
	struct fake_env *t = *state;

	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "one", &t->rep, &t->e), 0);
	fake_disk(t->root, "pvdb", "[none] mq-deadline");
	fake_pvblk(t->root, "pvdb");
	/* touched by hand before the event: must stay untouched except pvdb */
	fake_write(t->root, "/proc/sys/vm/swappiness", "33");
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_disk_added(&t->ctx, &t->store, "pvdb", &t->rep, NULL, &t->e), 0);
	assert_file(t->root, "/sys/block/pvdb/queue/nr_requests", "64");
	assert_file(t->root, "/sys/block/pvdb/pvblk/batch_kicks", "1");
	assert_file(t->root, "/proc/sys/vm/swappiness", "33");
	for (size_t i = 0; i < t->rep.n; i++)
		assert_string_equal(t->rep.r[i].device, "pvdb");
	assert_non_null(pvt_store_find(&t->store, "/sys/block/pvdb/pvblk/batch_kicks"));
	/* without an active profile nothing happens */
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_off(&t->ctx, &t->store, &t->rep, &t->e), 0);
	assert_file(t->root, "/sys/block/pvdb/pvblk/batch_kicks", "0");
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_disk_added(&t->ctx, &t->store, "pvdb", &t->rep, NULL, &t->e), 0);
	assert_int_equal(t->rep.n, 0);
}

static void test_verify_op(void **state)
{
	struct fake_env *t = *state;

	assert_int_equal(pvt_op_verify(&t->ctx, &t->store, &t->rep, &t->e), -ENOENT);
	assert_string_equal(t->e.msg, "no profile is active");
	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "one", &t->rep, &t->e), 0);
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_verify(&t->ctx, &t->store, &t->rep, &t->e), 0);
	fake_write(t->root, "/sys/block/vda/queue/add_random", "1");
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_verify(&t->ctx, &t->store, &t->rep, &t->e), 1);
	assert_int_equal(pvt_report_count(&t->rep, PVT_ST_MISMATCH), 1);
}

static void expect_recommend(struct fake_env *t, const char *want)
{
	char *r = pvt_op_recommend(&t->ctx);

	assert_string_equal(r, want);
	free(r);
}

static void test_recommend(void **state)
{
	struct fake_env *t = *state;

	expect_recommend(t, "pvblk-guest");
	fake_write(t->root, "/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vmx x2apic");
	expect_recommend(t, "off");
	fake_write(t->root, "/dev/kvm", "");
	expect_recommend(t, "pvblk-host");
	/* a flag that merely contains the word does not count */
	fake_write(t->root, "/proc/cpuinfo", "flags\t\t: fpu hypervisor_x");
	expect_recommend(t, "pvblk-host");
}

static void test_active_file(void **state)
{
	struct fake_env *t = *state;
	char *a;

	assert_null(pvt_active_get(&t->ctx));
	assert_int_equal(pvt_active_set(&t->ctx, "one", &t->e), 0);
	assert_file(t->root, "/etc/pvtune/active_profile", "one");
	a = pvt_active_get(&t->ctx);
	assert_string_equal(a, "one");
	free(a);
	/* a tampered file with a bad name is ignored */
	fake_write(t->root, "/etc/pvtune/active_profile", "../../x");
	assert_null(pvt_active_get(&t->ctx));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_crash_then_restore),
		T(test_switch_restores_first), T(test_bad_profile_changes_nothing),
		T(test_store_unwritable_changes_nothing),
		T(test_disk_added), T(test_verify_op), T(test_recommend), T(test_active_file),
	};

	return cmocka_run_group_tests_name("ops", tests, NULL, NULL);
}
