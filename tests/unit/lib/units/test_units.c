/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_units.c: each unit's apply, verify and rollback against a fake sysfs;
 * planning: tuned's conditional sections, two options for one node, devices=
 * that matches nothing, a section that does not fit the machine; a value the
 * kernel does not keep.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine.h"
#include "fake.h"
#include "sys/x2apic.h"
#include "units/check.h"
#include "util/tunable.h"

/*
 * A node that takes any write and keeps nothing (test_written_not_kept):
 * the engine's writes go through this wrapper (-Wl,--wrap=pvt_write_tunable,
 * see the Makefile), since pvt_write_tunable() rightly refuses a fake node
 * that is a link to /dev/null.
 */
static const char *keeps_nothing;
int __real_pvt_write_tunable(const char *root, const char *path, const char *value,
			     struct pvt_err *e);
int __wrap_pvt_write_tunable(const char *root, const char *path, const char *value,
			     struct pvt_err *e);

int __wrap_pvt_write_tunable(const char *root, const char *path, const char *value,
			     struct pvt_err *e)
{
	if (keeps_nothing && strcmp(path, keeps_nothing) == 0)
		return 0;
	return __real_pvt_write_tunable(root, path, value, e);
}

static int setup(void **state)
{
	struct fake_env *t = fake_env_new();

	fake_disk(t->root, "vda", "[mq-deadline] kyber bfq none");
	fake_disk(t->root, "vdb", "[mq-deadline] none");
	fake_disk(t->root, "pvda", "[none] mq-deadline");
	fake_pvblk(t->root, "pvda");
	/* no device link: a virtual disk, not tuned by default */
	fake_write(t->root, "/sys/block/loop0/queue/scheduler", "[none]");
	fake_write(t->root, "/sys/block/loop0/queue/add_random", "1");
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	fake_env_free(*state);
	return 0;
}

/* Load profile text as "p" and plan it; returns the plan result. */
static int plan(struct fake_env *t, const char *text)
{
	struct pvt_profile p;
	int r;

	pvt_plan_free(&t->plan);
	fake_profile(t->root, "p", text);
	if (pvt_profile_load(&t->ctx, "p", &p, &t->e) < 0)
		fail_msg("profile does not load: %s", t->e.msg);
	r = pvt_engine_plan(&t->ctx, &p, NULL, &t->plan, &t->e);
	pvt_profile_free(&p);
	return r;
}

static size_t apply(struct fake_env *t, const char *text)
{
	assert_int_equal(plan(t, text), 0);
	if (pvt_engine_precheck(&t->ctx, &t->plan, &t->e) < 0)
		fail_msg("precheck: %s", t->e.msg);
	pvt_report_free(&t->rep);
	return pvt_engine_apply(&t->ctx, &t->store, &t->plan, &t->rep);
}

static size_t verify(struct fake_env *t)
{
	pvt_report_free(&t->rep);
	return pvt_engine_verify(&t->ctx, &t->store, &t->plan, &t->rep);
}

static const struct pvt_result *result(struct fake_env *t, const char *device, const char *key)
{
	for (size_t i = 0; i < t->rep.n; i++)
		if ((!device || (t->rep.r[i].device && !strcmp(t->rep.r[i].device, device))) &&
		    !strcmp(t->rep.r[i].key, key))
			return &t->rep.r[i];
	fail_msg("no result for %s %s", device ? device : "-", key);
	return NULL;
}

static void rollback(struct fake_env *t)
{
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_engine_rollback(&t->ctx, &t->store, NULL, NULL, &t->rep), 0);
	assert_int_equal(t->store.n, 0);
}

static void test_disk(void **state)
{
	struct fake_env *t = *state;

	assert_int_equal(apply(t, "[disk]\nelevator=none\nnr_requests=64\nrq_affinity=2\n"
			      "nomerges=1\nadd_random=0\niostats=0\nmax_sectors_kb=512\n"
			      "readahead=8192s\n"), 0);
	assert_file(t->root, "/sys/block/vda/queue/scheduler", "none");
	assert_file(t->root, "/sys/block/vdb/queue/nr_requests", "64");
	assert_file(t->root, "/sys/block/pvda/queue/rq_affinity", "2");
	assert_file(t->root, "/sys/block/vda/queue/nomerges", "1");
	assert_file(t->root, "/sys/block/vda/queue/add_random", "0");
	assert_file(t->root, "/sys/block/vda/queue/iostats", "0");
	assert_file(t->root, "/sys/block/vda/queue/max_sectors_kb", "512");
	/* sectors: 8192s = 4096 KiB */
	assert_file(t->root, "/sys/block/vda/queue/read_ahead_kb", "4096");
	/* pvda already ran none: nothing written, nothing saved */
	assert_int_equal(result(t, "pvda", "elevator")->st, PVT_ST_OK);
	assert_null(pvt_store_find(&t->store, "/sys/block/pvda/queue/scheduler"));
	/* loop0 has no device link: left alone */
	assert_file(t->root, "/sys/block/loop0/queue/add_random", "1");
	assert_int_equal(verify(t), 0);
	fake_write(t->root, "/sys/block/vdb/queue/nr_requests", "128");
	assert_int_equal(verify(t), 1);
	assert_int_equal(result(t, "vdb", "nr_requests")->st, PVT_ST_MISMATCH);
	assert_string_equal(result(t, "vdb", "nr_requests")->actual, "128");
	assert_string_equal(result(t, "vdb", "nr_requests")->expected, "64");
	rollback(t);
	assert_file(t->root, "/sys/block/vda/queue/scheduler", "mq-deadline");
	assert_file(t->root, "/sys/block/vdb/queue/nr_requests", "256");
	assert_file(t->root, "/sys/block/vda/queue/read_ahead_kb", "128");
	assert_file(t->root, "/sys/block/vda/queue/max_sectors_kb", "1280");
}

static void test_disk_elevator_offered(void **state)
{
	struct fake_env *t = *state;

	/* bfq: vda offers it, vdb does not */
	assert_int_equal(plan(t, "[disk]\ndevices=vd*\nelevator=bfq\n"), -EINVAL);
	assert_non_null(strstr(t->e.msg, "/p/tuned.conf:3: [disk] elevator=bfq: device vdb does not offer elevator 'bfq' (accepted: mq-deadline none)"));
	/* alternatives: the first one each disk offers */
	assert_int_equal(apply(t, "[disk]\ndevices=vd*\nelevator=kyber|none\n"), 0);
	assert_file(t->root, "/sys/block/vda/queue/scheduler", "kyber");
	assert_file(t->root, "/sys/block/vdb/queue/scheduler", "none");
}

static void test_disk_devices(void **state)
{
	struct fake_env *t = *state;

	assert_int_equal(apply(t, "[disk]\ndevices=vd* !vdb\nadd_random=0\n"), 0);
	assert_file(t->root, "/sys/block/vda/queue/add_random", "0");
	assert_file(t->root, "/sys/block/vdb/queue/add_random", "1");
	assert_file(t->root, "/sys/block/pvda/queue/add_random", "1");
	/* an explicit glob reaches disks without a device link */
	assert_int_equal(apply(t, "[disk]\ndevices=loop*\nadd_random=0\n"), 0);
	assert_file(t->root, "/sys/block/loop0/queue/add_random", "0");
	/* removable disks are skipped by default */
	fake_disk(t->root, "sr0", "[none]");
	fake_write(t->root, "/sys/block/sr0/removable", "1");
	assert_int_equal(apply(t, "[disk]\niostats=0\n"), 0);
	assert_file(t->root, "/sys/block/sr0/queue/iostats", "1");
	assert_file(t->root, "/sys/block/vdb/queue/iostats", "0");
}

static void test_disk_modifiers(void **state)
{
	struct fake_env *t = *state;

	fake_write(t->root, "/sys/block/vdb/queue/read_ahead_kb", "8192");
	assert_int_equal(apply(t, "[disk]\ndevices=vd*\nreadahead=>4096\nnr_requests=<128\n"), 0);
	assert_file(t->root, "/sys/block/vda/queue/read_ahead_kb", "4096");
	/* larger already: kept */
	assert_file(t->root, "/sys/block/vdb/queue/read_ahead_kb", "8192");
	assert_int_equal(result(t, "vdb", "readahead")->st, PVT_ST_KEPT);
	assert_file(t->root, "/sys/block/vda/queue/nr_requests", "128");
	assert_int_equal(verify(t), 0);
	assert_string_equal(result(t, "vdb", "readahead")->expected, ">4096");
	fake_write(t->root, "/sys/block/vdb/queue/read_ahead_kb", "1024");
	assert_int_equal(verify(t), 1);
}

static void test_disk_max_sectors(void **state)
{
	struct fake_env *t = *state;

	assert_int_equal(plan(t, "[disk]\ndevices=vda\nmax_sectors_kb=8192\n"), -EINVAL);
	assert_non_null(strstr(t->e.msg, "device vda accepts max_sectors_kb up to 4096"));
}

static void test_disk_order_and_rollback_order(void **state)
{
	struct fake_env *t = *state;
	static const char *const want[] = {
		"/sys/block/pvda/queue/scheduler", "/sys/block/pvda/queue/read_ahead_kb",
		"/sys/block/pvda/queue/rq_affinity", "/sys/block/pvda/pvblk/batch_kicks",
		"/sys/block/pvda/queue/nr_requests",
	};
	static const char prof[] = "[disk]\ndevices=pvda\nnr_requests=32\nreadahead=1024\n"
				   "elevator=mq-deadline\nrq_affinity=2\n[pvblk]\nbatch_kicks=0\n";
	size_t k = 0;

	/*
	 * elevator is planned first even when written last; nr_requests (a
	 * queue freeze) last of the device's items, after another section's
	 */
	assert_int_equal(plan(t, prof), 0);
	assert_int_equal(t->plan.n, 5);
	for (size_t i = 0; i < t->plan.n; i++)
		assert_string_equal(t->plan.it[i].path, want[i]);
	fake_write(t->root, "/sys/block/pvda/pvblk/batch_kicks", "1");
	assert_int_equal(apply(t, prof), 0);
	assert_file(t->root, "/sys/block/pvda/queue/nr_requests", "32");
	/* restored in the order saved: scheduler first, nr_requests last */
	rollback(t);
	for (size_t i = 0; i < t->rep.n; i++)
		if (strncmp(t->rep.r[i].path, "/sys/block/pvda/", 16) == 0)
			assert_string_equal(t->rep.r[i].path, want[k++]);
	assert_int_equal(k, 5);
}

static void test_pvblk(void **state)
{
	struct fake_env *t = *state;

	assert_int_equal(apply(t, "[pvblk]\npoll_max_usecs=50\nbatch_kicks=1\n"), 0);
	assert_file(t->root, "/sys/block/pvda/pvblk/poll_max_usecs", "50");
	assert_file(t->root, "/sys/block/pvda/pvblk/batch_kicks", "1");
	/* virtio disks are not pvblk disks */
	assert_int_equal(t->plan.n, 2);
	assert_false(pvt_exists(t->root, "/sys/block/vda/pvblk/batch_kicks"));
	assert_int_equal(verify(t), 0);
	fake_write(t->root, "/sys/block/pvda/pvblk/batch_kicks", "0");
	assert_int_equal(verify(t), 1);
	/* a missing tunable: n/a at verify, not a failure */
	fake_remove(t->root, "/sys/block/pvda/pvblk/poll_max_usecs");
	fake_write(t->root, "/sys/block/pvda/pvblk/batch_kicks", "1");
	assert_int_equal(verify(t), 0);
	assert_int_equal(result(t, "pvda", "poll_max_usecs")->st, PVT_ST_NA);
	/* ... and n/a for that disk at apply, naming it: the rest is applied */
	fake_write(t->root, "/sys/block/pvda/pvblk/irq_moderation", "0");
	assert_int_equal(apply(t, "[pvblk]\nirq_moderation=1\npoll_max_usecs=5\n"), 0);
	assert_int_equal(result(t, "pvda", "poll_max_usecs")->st, PVT_ST_NA);
	assert_non_null(strstr(result(t, "pvda", "poll_max_usecs")->note,
			       "device pvda lacks this tunable (/sys/block/pvda/pvblk/poll_max_usecs does not exist)"));
	assert_file(t->root, "/sys/block/pvda/pvblk/irq_moderation", "1");
	assert_int_equal(verify(t), 0);
	rollback(t);
	assert_file(t->root, "/sys/block/pvda/pvblk/irq_moderation", "0");
	assert_file(t->root, "/sys/block/pvda/pvblk/batch_kicks", "0");
}

static void test_irq_spread(void **state)
{
	struct fake_env *t = *state;

	assert_int_equal(apply(t, "[irq]\nmatch=virtio*-req.*\naffinity=spread\n"), 0);
	assert_int_equal(t->plan.n, 3);
	assert_file(t->root, "/proc/irq/25/smp_affinity_list", "0");
	assert_file(t->root, "/proc/irq/26/smp_affinity_list", "1");
	assert_file(t->root, "/proc/irq/27/smp_affinity_list", "0");
	/* the config interrupt is not a queue */
	assert_file(t->root, "/proc/irq/24/smp_affinity_list", "0-1");
	assert_int_equal(verify(t), 0);
	fake_write(t->root, "/proc/irq/26/smp_affinity_list", "0-1");
	assert_int_equal(verify(t), 1);
	assert_int_equal(result(t, "irq26:virtio0-req.1", "affinity")->st, PVT_ST_MISMATCH);
	rollback(t);
	assert_file(t->root, "/proc/irq/25/smp_affinity_list", "0-1");
	assert_file(t->root, "/proc/irq/27/smp_affinity_list", "0-1");
}

static void test_irq_cpulist_and_actions(void **state)
{
	struct fake_env *t = *state;

	/* names from /sys/kernel/irq/N/actions win over /proc/interrupts */
	fake_write(t->root, "/sys/kernel/irq/24/actions", "pvblk0-req.0");
	assert_int_equal(apply(t, "[irq]\nmatch=pvblk*\naffinity=1,0\n"), 0);
	assert_int_equal(t->plan.n, 1);
	assert_file(t->root, "/proc/irq/24/smp_affinity_list", "0-1");
	assert_int_equal(result(t, "irq24:pvblk0-req.0", "affinity")->st, PVT_ST_OK);
	assert_int_equal(apply(t, "[irq]\nmatch=virtio*-req.*\naffinity=spread\ncpus=1\n"), 0);
	assert_file(t->root, "/proc/irq/25/smp_affinity_list", "1");
	assert_file(t->root, "/proc/irq/27/smp_affinity_list", "1");
}

static void test_sysctl_vm(void **state)
{
	struct fake_env *t = *state;

	assert_int_equal(apply(t, "[sysctl]\nnet.core.somaxconn=>8192\nnet/ipv4/tcp_rmem=4096 87380 6291456\n"
			      "[vm]\nswappiness=10\ndirty_ratio=40\ntransparent_hugepages=never\n"), 0);
	assert_file(t->root, "/proc/sys/net/core/somaxconn", "8192");
	assert_file(t->root, "/proc/sys/net/ipv4/tcp_rmem", "4096 87380 6291456");
	assert_file(t->root, "/proc/sys/vm/swappiness", "10");
	assert_file(t->root, "/proc/sys/vm/dirty_ratio", "40");
	assert_file(t->root, "/sys/kernel/mm/transparent_hugepage/enabled", "never");
	/* the kernel prints tabs; verify compares words */
	fake_write(t->root, "/proc/sys/net/ipv4/tcp_rmem", "4096\t87380\t6291456");
	fake_write(t->root, "/sys/kernel/mm/transparent_hugepage/enabled", "always madvise [never]");
	assert_int_equal(verify(t), 0);
	rollback(t);
	assert_file(t->root, "/proc/sys/net/core/somaxconn", "4096");
	assert_file(t->root, "/proc/sys/net/ipv4/tcp_rmem", "4096 131072 6291456");
	assert_file(t->root, "/proc/sys/vm/swappiness", "60");
	assert_file(t->root, "/sys/kernel/mm/transparent_hugepage/enabled", "madvise");
	/* a sysctl this kernel lacks: refused before any write, n/a at verify */
	assert_int_equal(plan(t, "[vm]\nswappiness=5\n[sysctl]\nkernel.nonexistent=1\n"), 0);
	assert_int_equal(pvt_engine_precheck(&t->ctx, &t->plan, &t->e), -EINVAL);
	assert_non_null(strstr(t->e.msg, "[sysctl] kernel.nonexistent=1: /proc/sys/kernel/nonexistent does not exist"));
	assert_int_equal(verify(t), 1);
	assert_int_equal(result(t, NULL, "kernel.nonexistent")->st, PVT_ST_NA);
	assert_file(t->root, "/proc/sys/vm/swappiness", "60");
}

static void test_instances(void **state)
{
	struct fake_env *t = *state;

	/* [disk] and [disk.pv]: two instances of one unit, each its own devices */
	assert_int_equal(apply(t, "[disk]\ndevices=vd*\nelevator=none\n"
			      "[disk.pv]\ndevices=pvd*\nelevator=mq-deadline\nnr_requests=16\n"), 0);
	assert_file(t->root, "/sys/block/vda/queue/scheduler", "none");
	assert_file(t->root, "/sys/block/vdb/queue/scheduler", "none");
	assert_file(t->root, "/sys/block/pvda/queue/scheduler", "mq-deadline");
	assert_file(t->root, "/sys/block/pvda/queue/nr_requests", "16");
	assert_file(t->root, "/sys/block/vda/queue/nr_requests", "256");
}

static void test_enabled(void **state)
{
	struct fake_env *t = *state;

	assert_int_equal(apply(t, "[vm]\nenabled=0\nswappiness=1\n[sysctl]\nenabled=1\nnet.core.somaxconn=100\n"), 0);
	assert_file(t->root, "/proc/sys/vm/swappiness", "60");
	assert_file(t->root, "/proc/sys/net/core/somaxconn", "100");
}

static void x2apic_expect(struct fake_env *t, bool on, const char *needle)
{
	char *ev = NULL;

	assert_int_equal(pvt_x2apic_enabled(&t->ctx, &ev), on);
	if (!strstr(ev, needle))
		fail_msg("evidence '%s' lacks '%s'", ev, needle);
	free(ev);
}

static void test_x2apic(void **state)
{
	struct fake_env *t = *state;

	x2apic_expect(t, true, "enabled: cpu flag (kernel log has no APIC mode line)");
	fake_write(t->root, "/dev/kmsg", "6,1,0,-;x2apic enabled\n"
		   "6,2,0,-;APIC: Switched APIC routing to: physical x2apic");
	x2apic_expect(t, true, "kernel log 'APIC: Switched APIC routing to: physical x2apic'");
	fake_write(t->root, "/dev/kmsg", "6,1,0,-;x2apic: IRQ remapping doesn't support X2APIC mode\n"
		   "6,2,0,-;Switched APIC routing to physical flat.");
	x2apic_expect(t, false, "disabled: kernel log 'Switched APIC routing to physical flat.'");
	fake_write(t->root, "/proc/cmdline", "root=/dev/vda nox2apic");
	x2apic_expect(t, false, "nox2apic on the kernel command line");
	fake_write(t->root, "/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu apic hypervisor");
	x2apic_expect(t, false, "no x2apic flag in /proc/cpuinfo");

	/* require: a mismatch; prefer: a warning only */
	assert_int_equal(plan(t, "[cpu]\nx2apic=require\n"), 0);
	assert_int_equal(verify(t), 1);
	assert_int_equal(result(t, NULL, "x2apic")->st, PVT_ST_MISMATCH);
	assert_string_equal(result(t, NULL, "x2apic")->expected, "enabled");
	assert_int_equal(plan(t, "[cpu]\nx2apic=prefer\n"), 0);
	assert_int_equal(verify(t), 0);
	assert_int_equal(result(t, NULL, "x2apic")->st, PVT_ST_WARN);
	assert_int_equal(plan(t, "[cpu]\nx2apic=ignore\n"), 0);
	assert_int_equal(t->plan.n, 0);
}

static void test_forget_and_per_device_rollback(void **state)
{
	struct fake_env *t = *state;

	assert_int_equal(apply(t, "[disk]\ndevices=vd*\nadd_random=0\n[vm]\nswappiness=1\n"), 0);
	assert_int_equal(t->store.n, 3);
	pvt_report_free(&t->rep);
	assert_int_equal(pvt_engine_rollback(&t->ctx, &t->store, "disk", "vda", &t->rep), 0);
	assert_int_equal(t->rep.n, 1);
	assert_file(t->root, "/sys/block/vda/queue/add_random", "1");
	assert_file(t->root, "/sys/block/vdb/queue/add_random", "0");
	/* vdb goes away: its originals are forgotten, the rest stays */
	assert_int_equal(pvt_engine_forget_device(&t->ctx, &t->store, "vdb", &t->e), 0);
	assert_int_equal(t->store.n, 1);
	assert_string_equal(t->store.e[0].path, "/proc/sys/vm/swappiness");
}

/* One tree of @n disks (every third one pvblk, every fourth running none). */
static char *many_disks(size_t n)
{
	char *root = fake_new();

	fake_system(root);
	for (size_t i = 0; i < n; i++) {
		char name[16];

		snprintf(name, sizeof(name), i % 3 == 2 ? "pvd%zu" : "vd%zu", i);
		fake_disk(root, name, i % 4 == 3 ? "[none] mq-deadline" : "mq-deadline [none]");
		if (i % 3 == 2)
			fake_pvblk(root, name);
	}
	/* a node that cannot be read: its item fails, the rest goes on */
	fake_remove(root, "/sys/block/vd4/queue/rq_affinity");
	fake_mkdir(root, "/sys/block/vd4/queue/rq_affinity");
	return root;
}

static void assert_same_report(const struct pvt_report *a, const struct pvt_report *b)
{
#define SAME(f) do { \
	if (a->r[i].f || b->r[i].f) { \
		assert_non_null(a->r[i].f); \
		assert_non_null(b->r[i].f); \
		assert_string_equal(a->r[i].f, b->r[i].f); \
	} \
} while (0)
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		SAME(unit);
		SAME(device);
		SAME(key);
		SAME(path);
		SAME(expected);
		SAME(actual);
		assert_int_equal(a->r[i].st, b->r[i].st);
	}
#undef SAME
}

/*
 * Concurrent writers (more disks than threads) give what one writer gives:
 * the same report in plan order, the same store in the same order, the same
 * values, and the same rollback.
 */
static void test_concurrent_writers(void **state)
{
	static const char profile[] = "[disk]\ndevices=vd* pvd*\nelevator=mq-deadline\n"
				      "readahead=1024\nnr_requests=32\nrq_affinity=2\n"
				      "add_random=0\n[pvblk]\ndevices=pvd*\nbatch_kicks=1\n"
				      "[vm]\nswappiness=30\n";
	const size_t n = 3 * PVT_WRITERS_DEFAULT / 2;
	struct {
		char *root;
		struct pvt_ctx ctx;
		struct pvt_store store;
		struct pvt_plan plan;
		struct pvt_report rep;
	} w[2] = {0};
	struct pvt_profile p;
	struct pvt_err e;

	(void)state;
	for (int k = 0; k < 2; k++) {
		w[k].root = many_disks(n);
		fake_ctx(&w[k].ctx, w[k].root);
		w[k].ctx.writers = k == 0 ? 1 : 0;	/* one writer; the default */
		fake_profile(w[k].root, "p", profile);
		assert_int_equal(pvt_profile_load(&w[k].ctx, "p", &p, &e), 0);
		assert_int_equal(pvt_engine_plan(&w[k].ctx, &p, NULL, &w[k].plan, &e), 0);
		pvt_profile_free(&p);
		/* vd4's rq_affinity fails, nothing else */
		assert_int_equal(pvt_engine_apply(&w[k].ctx, &w[k].store, &w[k].plan, &w[k].rep), 1);
	}
	assert_same_report(&w[0].rep, &w[1].rep);
	assert_int_equal(w[0].store.n, w[1].store.n);
	for (size_t i = 0; i < w[0].store.n; i++) {
		assert_string_equal(w[0].store.e[i].path, w[1].store.e[i].path);
		assert_string_equal(w[0].store.e[i].value, w[1].store.e[i].value);
	}
	for (size_t d = 0; d < n; d++) {
		char path[64];

		snprintf(path, sizeof(path), d % 3 == 2 ? "/sys/block/pvd%zu/queue/%s" :
			 "/sys/block/vd%zu/queue/%s", d, "scheduler");
		assert_file(w[1].root, path, "mq-deadline");
		snprintf(path, sizeof(path), d % 3 == 2 ? "/sys/block/pvd%zu/queue/%s" :
			 "/sys/block/vd%zu/queue/%s", d, "nr_requests");
		assert_file(w[1].root, path, "32");
		if (d % 3 == 2) {
			snprintf(path, sizeof(path), "/sys/block/pvd%zu/pvblk/batch_kicks", d);
			assert_file(w[1].root, path, "1");
		}
	}
	assert_file(w[1].root, "/sys/block/vd4/queue/read_ahead_kb", "1024");
	assert_file(w[1].root, "/proc/sys/vm/swappiness", "30");
	for (int k = 0; k < 2; k++) {
		pvt_report_free(&w[k].rep);
		assert_int_equal(pvt_engine_rollback(&w[k].ctx, &w[k].store, NULL, NULL, &w[k].rep), 0);
		assert_int_equal(w[k].store.n, 0);
	}
	assert_same_report(&w[0].rep, &w[1].rep);
	assert_file(w[1].root, "/sys/block/vd3/queue/scheduler", "none");
	assert_file(w[1].root, "/sys/block/vd0/queue/nr_requests", "256");
	assert_file(w[1].root, "/sys/block/pvd2/pvblk/batch_kicks", "0");
	assert_file(w[1].root, "/proc/sys/vm/swappiness", "60");
	for (int k = 0; k < 2; k++) {
		pvt_plan_free(&w[k].plan);
		pvt_report_free(&w[k].rep);
		pvt_store_free(&w[k].store);
		pvt_ctx_free(&w[k].ctx);
		fake_free(w[k].root);
	}
}


/* The plan's error with every error found, as one message. */
static int plan_error(struct fake_env *t, const char *text)
{
	int r = plan(t, text);

	assert_true(r < 0);
	return r;
}

static void test_conditional_sections(void **state)
{
	struct fake_env *t = *state;
	const char *prof = "[vm.arm]\ntype=vm\nuname_regex=aarch64\nswappiness=1\n"
			   "[sysctl.x2]\ntype=sysctl\ncpuinfo_regex=^flags.* x2apic\n"
			   "net.core.somaxconn=100\n";

	fake_write(t->root, "/proc/sys/kernel/arch", "x86_64");
	assert_int_equal(apply(t, prof), 0);
	/* not this machine: skipped, and said */
	assert_file(t->root, "/proc/sys/vm/swappiness", "60");
	assert_int_equal(result(t, NULL, "uname_regex")->st, PVT_ST_NA);
	assert_non_null(strstr(result(t, NULL, "uname_regex")->note,
			       "skipped: uname_regex=aarch64 does not match"));
	assert_non_null(strstr(result(t, NULL, "uname_regex")->note, "x86_64"));
	/* cpuinfo matches: applied */
	assert_file(t->root, "/proc/sys/net/core/somaxconn", "100");
	rollback(t);
	fake_write(t->root, "/proc/sys/kernel/arch", "aarch64");
	assert_int_equal(apply(t, prof), 0);
	assert_file(t->root, "/proc/sys/vm/swappiness", "1");
	rollback(t);
	fake_write(t->root, "/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu hypervisor");
	assert_int_equal(apply(t, prof), 0);
	assert_file(t->root, "/proc/sys/net/core/somaxconn", "4096");
	assert_non_null(strstr(result(t, NULL, "cpuinfo_regex")->note,
			       "skipped: cpuinfo_regex=^flags.* x2apic matches nothing in /proc/cpuinfo"));
}

/*
 * The skipped section's item names the option that did not match, not one
 * guessed from the message: a uname_regex whose text says "cpuinfo_regex",
 * in a section without cpuinfo_regex, crashed the planner (found by
 * fuzz_profile: a NULL option dereferenced).
 */
static void test_condition_named_by_option(void **state)
{
	struct fake_env *t = *state;

	fake_write(t->root, "/proc/sys/kernel/arch", "x86_64");
	assert_int_equal(apply(t, "[vm.arm]\ntype=vm\nuname_regex=cpuinfo_regex\nswappiness=1\n"), 0);
	assert_file(t->root, "/proc/sys/vm/swappiness", "60");
	assert_int_equal(result(t, NULL, "uname_regex")->st, PVT_ST_NA);
	assert_non_null(strstr(result(t, NULL, "uname_regex")->note,
			       "skipped: uname_regex=cpuinfo_regex does not match"));
}

static void test_conflicts(void **state)
{
	struct fake_env *t = *state;

	/* a [sysctl] key and a [vm] key for one node */
	plan_error(t, "[vm]\nswappiness=30\n[sysctl]\nvm.swappiness=10\n");
	if (!strstr(t->e.msg, "p/tuned.conf:2: [vm] swappiness=30 and ") ||
	    !strstr(t->e.msg, "p/tuned.conf:4: [sysctl] vm.swappiness=10 both set /proc/sys/vm/swappiness: keep one"))
		fail_msg("%s", t->e.msg);
	assert_int_equal(t->plan.n, 0);
	/* two sections for one disk: once, naming the disk */
	plan_error(t, "[disk]\nreadahead=4096\n[disk.slow]\ndevices=vda\nreadahead=128\n");
	if (!strstr(t->e.msg, "p/tuned.conf:2: [disk] readahead=4096 and ") ||
	    !strstr(t->e.msg, "p/tuned.conf:5: [disk.slow] readahead=128 both set /sys/block/vda/queue/read_ahead_kb"))
		fail_msg("%s", t->e.msg);
	/* on every disk: one error listing them */
	plan_error(t, "[disk]\nreadahead=4096\n[disk.all]\nreadahead=128\n");
	if (!strstr(t->e.msg, "both set the same node of pvda vda vdb") || strchr(t->e.msg, '\n'))
		fail_msg("%s", t->e.msg);
	/* apart, they are fine */
	assert_int_equal(plan(t, "[disk]\ndevices=vda\nreadahead=4096\n[disk.slow]\ndevices=vdb\nreadahead=128\n"), 0);
}

static void test_devices_no_match(void **state)
{
	struct fake_env *t = *state;

	assert_int_equal(apply(t, "[disk]\ndevices=sdz*\nadd_random=0\n[pvblk]\ndevices=vd*\nbatch_kicks=1\n"), 0);
	assert_int_equal(result(t, NULL, "devices")->st, PVT_ST_NA);
	assert_string_equal(t->rep.r[0].note, "devices=sdz* matches no disk present");
	assert_string_equal(t->rep.r[1].note, "devices=vd* matches no pvblk disk present");
	assert_int_equal(pvt_report_count(&t->rep, PVT_ST_CHANGED), 0);
	/* verify says it too, and passes */
	assert_int_equal(verify(t), 0);
	assert_int_equal(pvt_report_count(&t->rep, PVT_ST_NA), 2);
}

static void test_machine_fit(void **state)
{
	struct fake_env *t = *state;

	/* a guest: [qemu] applies on its host, not here */
	assert_int_equal(apply(t, "[qemu]\npoll_max_ns=0\n"), 0);
	assert_int_equal(t->rep.n, 1);
	assert_int_equal(t->rep.r[0].st, PVT_ST_WARN);
	assert_non_null(strstr(t->rep.r[0].note, "this machine is a KVM guest"));
	/* a host without pvtuned's host mode: nothing applies it */
	fake_write(t->root, "/dev/kvm", "");
	fake_write(t->root, "/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vmx");
	assert_int_equal(apply(t, "[qemu]\npoll_max_ns=0\n[pvblk]\nbatch_kicks=1\n"), 0);
	assert_non_null(strstr(result(t, NULL, "section")->note, "pvtuned's host mode"));
	assert_non_null(strstr(t->rep.r[t->rep.n - 1].note, "this machine is not a KVM guest"));
	/* with host mode: said of the guest section only */
	t->ctx.host_mode = true;
	assert_int_equal(apply(t, "[qemu]\npoll_max_ns=0\n"), 0);
	assert_int_equal(t->rep.n, 0);
}

static void test_written_not_kept(void **state)
{
	struct fake_env *t = *state;

	/* a node that takes any write and keeps what it had (0) */
	keeps_nothing = "/sys/block/vda/queue/nomerges";
	assert_int_equal(apply(t, "[disk]\ndevices=vda\nnomerges=2\nadd_random=0\n"), 1);
	keeps_nothing = NULL;
	assert_int_equal(result(t, "vda", "nomerges")->st, PVT_ST_FAILED);
	assert_string_equal(result(t, "vda", "nomerges")->note, "written, but the kernel kept '0'");
	assert_int_equal(result(t, "vda", "add_random")->st, PVT_ST_CHANGED);
}

static void test_held_values_not_saved(void **state)
{
	struct fake_env *t = *state;

	/* what already holds is neither saved nor written: no store, no persist */
	assert_false(pvt_exists(t->root, PVT_STORE_FILE));
	assert_int_equal(apply(t, "[disk]\ndevices=vda\nrq_affinity=1\nnr_requests=<512\n"), 0);
	assert_int_equal(result(t, "vda", "rq_affinity")->st, PVT_ST_OK);
	assert_string_equal(result(t, "vda", "rq_affinity")->actual, "1");
	assert_int_equal(result(t, "vda", "nr_requests")->st, PVT_ST_KEPT);
	assert_int_equal(t->store.n, 0);
	assert_false(pvt_exists(t->root, PVT_STORE_FILE));
	/* one that does not hold: its original alone is saved, and restored */
	assert_int_equal(apply(t, "[disk]\ndevices=vda\nrq_affinity=2\nadd_random=1\n"), 0);
	assert_int_equal(result(t, "vda", "rq_affinity")->st, PVT_ST_CHANGED);
	assert_int_equal(result(t, "vda", "add_random")->st, PVT_ST_OK);
	assert_int_equal(t->store.n, 1);
	assert_string_equal(t->store.e[0].path, "/sys/block/vda/queue/rq_affinity");
	assert_true(pvt_exists(t->root, PVT_STORE_FILE));
	rollback(t);
	assert_file(t->root, "/sys/block/vda/queue/rq_affinity", "1");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_disk), T(test_disk_elevator_offered), T(test_disk_devices),
		T(test_disk_modifiers), T(test_disk_max_sectors),
		T(test_disk_order_and_rollback_order), T(test_pvblk), T(test_irq_spread),
		T(test_irq_cpulist_and_actions), T(test_sysctl_vm), T(test_instances), T(test_enabled),
		T(test_x2apic), T(test_forget_and_per_device_rollback),
		T(test_conditional_sections), T(test_condition_named_by_option),
		T(test_conflicts), T(test_devices_no_match),
		T(test_machine_fit), T(test_written_not_kept), T(test_held_values_not_saved),
		cmocka_unit_test(test_concurrent_writers),
	};

	return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}
