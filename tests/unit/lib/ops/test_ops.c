/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_ops.c: the operations over the rollback store: a crash then restore,
 * profile switch, off, bad profiles, hotplug, verify, recommend, the active
 * profile's file; re-applying once, auto mode, a profile's files changed
 * since applied, several profiles merged, and the other tuners.
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
	/* so does a sysctl this kernel does not have */
	fake_profile(t->root, "bad3", "[vm]\ndirty_ratio=45\n[sysctl]\nvm.no_such=9\n");
	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "bad3", &t->rep, &t->e), -EINVAL);
	assert_non_null(strstr(t->e.msg, "/proc/sys/vm/no_such does not exist"));
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

static void test_other_writer_seen(void **state)
{
	struct fake_env *t = *state;
	struct pvt_store other;

	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "one", &t->rep, &t->e), 0);
	/* what the daemon holds is what it persisted: not read again */
	assert_true(pvt_store_current(&t->ctx, &t->store));
	/* pvtune-adm --no-daemon switches meanwhile (the daemon's memory is now stale) */
	assert_int_equal(pvt_store_load(&t->ctx, &other, &t->e), 0);
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_profile(&t->ctx, &other, "two", &t->rep, &t->e), 0);
	assert_file(t->root, "/proc/sys/vm/dirty_ratio", "40");
	assert_false(pvt_store_current(&t->ctx, &t->store));
	pvt_store_free(&other);
	/* the daemon's off reads the replaced store: dirty_ratio's original too */
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_off(&t->ctx, &t->store, &t->rep, &t->e), 0);
	assert_originals(t);
	assert_int_equal(t->store.n, 0);
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

static void expect_recommend(struct fake_env *t, int want_r, const char *want)
{
	char *r = NULL;

	assert_int_equal(pvt_op_recommend(&t->ctx, &r, &t->e), want_r);
	if (want)
		assert_string_equal(r, want);
	else
		assert_null(r);
	free(r);
}

static void test_recommend(void **state)
{
	struct fake_env *t = *state;

	/* a guest, but no profile for it: not named */
	expect_recommend(t, -EINVAL, NULL);
	assert_non_null(strstr(t->e.msg, "the profile for this machine, pvblk-guest, cannot be applied: profile 'pvblk-guest' not found"));
	fake_profile(t->root, "pvblk-guest", "[main]\nsummary=g\n[disk]\nadd_random=0\n");
	fake_profile(t->root, "pvblk-host", "[main]\nsummary=h\n[qemu]\npoll_max_ns=0\n");
	expect_recommend(t, 0, "pvblk-guest");
	/* one that would be refused on these disks is not named either */
	fake_write(t->root, "/etc/pvtune/profiles/pvblk-guest/tuned.conf", "[disk]\nelevator=bfq\n");
	expect_recommend(t, -EINVAL, NULL);
	assert_non_null(strstr(t->e.msg, "does not offer elevator 'bfq'"));
	fake_remove(t->root, "/etc/pvtune/profiles/pvblk-guest");
	/* bare metal: nothing fits */
	fake_write(t->root, "/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vmx x2apic");
	expect_recommend(t, -ENOENT, NULL);
	assert_non_null(strstr(t->e.msg, "no profile fits this machine"));
	fake_write(t->root, "/dev/kvm", "");
	expect_recommend(t, 0, "pvblk-host");
	/* a flag that merely contains the word does not count */
	fake_write(t->root, "/proc/cpuinfo", "flags\t\t: fpu hypervisor_x");
	expect_recommend(t, 0, "pvblk-host");
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


static size_t count_status(const struct pvt_report *rep, enum pvt_status st, const char *path)
{
	size_t n = 0;

	for (size_t i = 0; i < rep->n; i++)
		n += rep->r[i].st == st && (!path || (rep->r[i].path && !strcmp(rep->r[i].path, path)));
	return n;
}

static void test_reapply_once(void **state)
{
	struct fake_env *t = *state;

	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "one", &t->rep, &t->e), 0);
	pvt_report_free(&t->rep);
	/* the same again: nothing restored, nothing written */
	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "one", &t->rep, &t->e), 0);
	assert_int_equal(pvt_report_count(&t->rep, PVT_ST_RESTORED), 0);
	assert_int_equal(pvt_report_count(&t->rep, PVT_ST_CHANGED), 0);
	assert_int_equal(t->store.n, 6);
	pvt_report_free(&t->rep);
	/* another value for a node one set: written once, its original kept */
	fake_profile(t->root, "one2", "[vm]\nswappiness=20\n");
	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "one2", &t->rep, &t->e), 0);
	assert_int_equal(count_status(&t->rep, PVT_ST_RESTORED, "/proc/sys/vm/swappiness"), 0);
	assert_int_equal(count_status(&t->rep, PVT_ST_CHANGED, "/proc/sys/vm/swappiness"), 1);
	assert_int_equal(pvt_report_count(&t->rep, PVT_ST_RESTORED), 5);
	assert_file(t->root, "/proc/sys/vm/swappiness", "20");
	assert_string_equal(pvt_store_find(&t->store, "/proc/sys/vm/swappiness")->value, "60");
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_off(&t->ctx, &t->store, &t->rep, &t->e), 0);
	assert_originals(t);
}

static void test_mode(void **state)
{
	struct fake_env *t = *state;
	char *name = NULL;

	fake_profile(t->root, "pvblk-guest", "[vm]\nswappiness=33\n");
	assert_false(pvt_mode_auto(&t->ctx));
	assert_int_equal(pvt_op_auto_profile(&t->ctx, &t->store, &t->rep, &t->e), 0);
	assert_true(pvt_mode_auto(&t->ctx));
	assert_file(t->root, "/proc/sys/vm/swappiness", "33");
	/* what pvtuned applies when it starts: the recommended profile */
	fake_write(t->root, "/etc/pvtune/active_profile", "one");
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_startup(&t->ctx, &t->store, NULL, &name, &t->rep, &t->e), 0);
	assert_string_equal(name, "pvblk-guest");
	free(name);
	/* profile and off: manual; then the active one, or the fallback */
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "two", &t->rep, &t->e), 0);
	assert_false(pvt_mode_auto(&t->ctx));
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_startup(&t->ctx, &t->store, "one", &name, &t->rep, &t->e), 0);
	assert_string_equal(name, "two");
	free(name);
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_off(&t->ctx, &t->store, &t->rep, &t->e), 0);
	assert_false(pvt_mode_auto(&t->ctx));
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_startup(&t->ctx, &t->store, NULL, &name, &t->rep, &t->e), 0);
	assert_null(name);
	assert_int_equal(pvt_op_startup(&t->ctx, &t->store, "one", &name, &t->rep, &t->e), 0);
	assert_string_equal(name, "one");
	free(name);
}

static void test_files_changed(void **state)
{
	struct fake_env *t = *state;
	const struct pvt_result *w;

	fake_profile(t->root, "base", "[vm]\ndirty_ratio=40\n");
	fake_profile(t->root, "top", "[main]\ninclude=base\n[vm]\nswappiness=10\n");
	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "top", &t->rep, &t->e), 0);
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_verify(&t->ctx, &t->store, &t->rep, &t->e), 0);
	assert_int_equal(pvt_report_count(&t->rep, PVT_ST_WARN), 0);
	/* an included file edited: verify compares with it, and says so */
	fake_profile(t->root, "base", "[vm]\ndirty_ratio=41\n");
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_verify(&t->ctx, &t->store, &t->rep, &t->e), 1);
	w = &t->rep.r[t->rep.n - 1];
	assert_int_equal(w->st, PVT_ST_WARN);
	assert_string_equal(w->path, "/usr/lib/pvtune/profiles/base/tuned.conf");
	assert_non_null(strstr(w->note, "changed since profile top was applied"));
	assert_non_null(strstr(w->note, "re-apply with 'pvtune-adm profile top'"));
	/* a file that no longer loads: the error, and the same hint */
	fake_profile(t->root, "base", "[vm]\ndirty_ratio=400\n");
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_verify(&t->ctx, &t->store, &t->rep, &t->e), -EINVAL);
	assert_non_null(strstr(t->e.msg, "[vm] dirty_ratio=400"));
	assert_non_null(strstr(t->e.msg, "base/tuned.conf changed since profile top was applied"));
	/* re-applied: nothing to say */
	fake_profile(t->root, "base", "[vm]\ndirty_ratio=41\n");
	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "top", &t->rep, &t->e), 0);
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_verify(&t->ctx, &t->store, &t->rep, &t->e), 0);
	assert_int_equal(pvt_report_count(&t->rep, PVT_ST_WARN), 0);
}

static void test_several(void **state)
{
	struct fake_env *t = *state;
	char *a;

	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "one  two", &t->rep, &t->e), 0);
	assert_file(t->root, "/proc/sys/vm/swappiness", "10");
	assert_file(t->root, "/proc/sys/vm/dirty_ratio", "40");
	a = pvt_active_get(&t->ctx);
	assert_string_equal(a, "one two");
	free(a);
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_verify(&t->ctx, &t->store, &t->rep, &t->e), 0);
	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "one ../x", &t->rep, &t->e), -EINVAL);
}

static void test_other_tuners(void **state)
{
	struct fake_env *t = *state;

	fake_profile(t->root, "irqs", "[irq]\naffinity=spread\n[vm]\nswappiness=10\n");
	assert_int_equal(pvt_op_profile(&t->ctx, &t->store, "irqs", &t->rep, &t->e), 0);
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_verify(&t->ctx, &t->store, &t->rep, &t->e), 0);
	assert_int_equal(pvt_report_count(&t->rep, PVT_ST_WARN), 0);
	/* irqbalance: each [irq] item; tuned: what its profile sets too */
	/* found where they say: a pid file, a socket, each checked in /proc */
	fake_write(t->root, "/run/irqbalance/irqbalance901.sock", "");
	fake_write(t->root, "/run/tuned/tuned.pid", "78");
	fake_write(t->root, "/proc/78/comm", "bash");
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_verify(&t->ctx, &t->store, &t->rep, &t->e), 0);
	assert_int_equal(pvt_report_count(&t->rep, PVT_ST_WARN), 0);
	fake_write(t->root, "/proc/901/comm", "irqbalance");
	fake_write(t->root, "/proc/77/comm", "tuned");
	fake_write(t->root, "/run/tuned/tuned.pid", "77");
	fake_write(t->root, "/etc/tuned/active_profile", "virtual-guest");
	fake_write(t->root, "/usr/lib/tuned/virtual-guest/tuned.conf",
		   "[main]\ninclude=throughput-performance\n[vm]\ndirty_ratio=30\n");
	fake_write(t->root, "/usr/lib/tuned/throughput-performance/tuned.conf",
		   "[cpu]\ngovernor=performance\n[sysctl]\nvm.swappiness=${f:exec:x}\n"
		   "kernel.y=1\n[sysfs]\n/proc/sys/vm/swap*=5\n");
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_verify(&t->ctx, &t->store, &t->rep, &t->e), 0);
	assert_int_equal(pvt_report_count(&t->rep, PVT_ST_WARN), 4);
	for (size_t i = 0; i < t->rep.n; i++) {
		const struct pvt_result *r = &t->rep.r[i];

		if (r->st != PVT_ST_WARN)
			continue;
		if (!strcmp(r->unit, "irq"))
			assert_non_null(strstr(r->note, "irqbalance (pid 901) moves interrupts"));
		else
			assert_non_null(strstr(r->note, "tuned (pid 77, profile virtual-guest) sets this too and will undo it: "));
	}
	/* the first of its options that sets it; what its functions give is tuned's */
	assert_non_null(strstr(t->rep.r[t->rep.n - 1].note,
				"throughput-performance/tuned.conf:4: [sysctl] vm.swappiness=${f:exec}"));
	/* [sysfs] globs count too */
	fake_write(t->root, "/usr/lib/tuned/throughput-performance/tuned.conf",
		   "[sysfs]\n/proc/sys/vm/swap*=5\n");
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_op_verify(&t->ctx, &t->store, &t->rep, &t->e), 0);
	assert_non_null(strstr(t->rep.r[t->rep.n - 1].note, "[sysfs] /proc/sys/vm/swap*=5"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_crash_then_restore),
		T(test_switch_restores_first), T(test_bad_profile_changes_nothing),
		T(test_store_unwritable_changes_nothing),
		T(test_disk_added), T(test_other_writer_seen), T(test_verify_op), T(test_recommend),
		T(test_active_file),
		T(test_reapply_once), T(test_mode), T(test_files_changed), T(test_several),
		T(test_other_tuners),
	};

	return cmocka_run_group_tests_name("ops", tests, NULL, NULL);
}
