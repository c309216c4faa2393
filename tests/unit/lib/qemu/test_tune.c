/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_tune.c: one VM tuned over QMP by lib/qemu/tune/ against a fake QMP
 * server on a socketpair whose "iothread" is a real thread of this process:
 * pinned, polling set with qom-set, cache and x2APIC verified, originals
 * persisted and restored; a connection dying in the middle of a job still
 * ends it, with the reason.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake.h"
#include "fakeqmp.h"
#include "qemu/tune.h"

/* ---- one VM over a fake QMP server ---- */

/* A thread of this process that idles until *stop: the VM's "iothread" or "vCPU". */
struct idle {
	pthread_t th;
	pid_t tid;
	volatile int *stop;
};

struct t {
	struct fake_qmp qmp;	/* first: the client's callbacks get it */
	char *root;
	struct idle io, vcpu;
	volatile int stop;
	char *inbuf;
	size_t inlen;
	int done;
	bool die_on;		/* hang up at the first qom-set */
	const char *lie_cmd;	/* answer this command with lie_ret */
	const char *lie_ret;	/* a return value; %d: the other process's pid */
	pid_t other;		/* a process that is not the VM's (the test's child) */
	bool reverse;		/* answer each batch of commands last first */
	char *held;		/* replies held back for reverse */
	struct pvt_report rep;
	size_t bad;
	int64_t poll_max, poll_grow;
	char *qomset;		/* "prop=value ..." */
};

static void *idle_thread(void *arg)
{
	struct idle *i = arg;

	i->tid = (pid_t)syscall(SYS_gettid);
	while (!*i->stop)
		usleep(10000);
	return NULL;
}

static void idle_start(struct t *t, struct idle *i)
{
	i->stop = &t->stop;
	pthread_create(&i->th, NULL, idle_thread, i);
	while (!i->tid)
		usleep(1000);
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	t->root = fake_new();
	fake_system(t->root);
	t->poll_max = 32768;
	fake_qmp_open(&t->qmp, 2000 * 1000, NULL);
	idle_start(t, &t->io);
	idle_start(t, &t->vcpu);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	t->stop = 1;
	pthread_join(t->io.th, NULL);
	pthread_join(t->vcpu.th, NULL);
	fake_qmp_close(&t->qmp);
	pvt_report_free(&t->rep);
	fake_free(t->root);
	free(t->inbuf);
	free(t->qomset);
	free(t->held);
	if (t->other > 0) {
		kill(t->other, SIGKILL);
		waitpid(t->other, NULL, 0);
	}
	free(t);
	return 0;
}

static void srv_reply(struct t *t, json_object *cmd)
{
	const char *name = json_object_get_string(json_object_object_get(cmd, "execute"));
	json_object *args = json_object_object_get(cmd, "arguments");
	int id = json_object_get_int(json_object_object_get(cmd, "id"));
	char *ret = NULL, *line;

	if (t->lie_cmd && !strcmp(name, t->lie_cmd)) {
		assert_int_not_equal(asprintf(&ret, t->lie_ret, (int)t->other), -1);
	} else if (!strcmp(name, "qmp_capabilities") || !strcmp(name, "blockdev-reopen")) {
		ret = strdup("{}");
	} else if (!strcmp(name, "query-iothreads")) {
		assert_int_not_equal(asprintf(&ret, "[{\"id\":\"io0\",\"thread-id\":%d,\"poll-max-ns\":%lld,"
				     "\"poll-grow\":%lld,\"poll-shrink\":0}]", (int)t->io.tid,
				     (long long)t->poll_max, (long long)t->poll_grow), -1);
	} else if (!strcmp(name, "query-cpus-fast")) {
		assert_int_not_equal(asprintf(&ret, "[{\"cpu-index\":0,\"thread-id\":%d,"
					      "\"qom-path\":\"/machine/unattached/device[0]\"}]",
					      (int)t->vcpu.tid), -1);
	} else if (!strcmp(name, "query-block")) {
		ret = strdup("[{\"device\":\"d0\",\"inserted\":{\"node-name\":\"#block1\",\"drv\":\"raw\","
			     "\"file\":\"/x.img\",\"cache\":{\"writeback\":true,\"direct\":false,\"no-flush\":false}}},"
			     "{\"device\":\"cd0\"}]");
	} else if (!strcmp(name, "query-named-block-nodes") || !strcmp(name, "qom-list")) {
		ret = strdup("[]");
	} else if (!strcmp(name, "qom-get")) {
		ret = strdup("false");
	} else if (!strcmp(name, "qom-set")) {
		const char *prop = json_object_get_string(json_object_object_get(args, "property"));
		int64_t v = json_object_get_int64(json_object_object_get(args, "value"));
		char *s;

		if (t->die_on) {
			fake_qmp_hangup(&t->qmp);
			return;
		}
		if (!strcmp(prop, "poll-max-ns"))
			t->poll_max = v;
		if (!strcmp(prop, "poll-grow"))
			t->poll_grow = v;
		assert_int_not_equal(asprintf(&s, "%s%s=%lld ", t->qomset ? t->qomset : "", prop,
					      (long long)v), -1);
		free(t->qomset);
		t->qomset = s;
		ret = strdup("{}");
	} else {
		fail_msg("unexpected command %s", name);
	}
	assert_int_not_equal(asprintf(&line, "{\"return\": %s, \"id\": %d}\r\n", ret, id), -1);
	if (t->reverse && strcmp(name, "qmp_capabilities")) {
		char *h;

		assert_int_not_equal(asprintf(&h, "%s%s", line, t->held ? t->held : ""), -1);
		free(t->held);
		t->held = h;
	} else {
		fake_qmp_send(&t->qmp, line);
	}
	free(line);
	free(ret);
}

/* Run the loop and the fake server until *@until. */
static void serve(struct t *t, const int *until)
{
	for (int i = 0; i < 1000 && !*until; i++) {
		struct pollfd p = { .fd = t->qmp.srv, .events = POLLIN };
		char buf[4096];
		char *nl;
		ssize_t n;

		sd_event_run(t->qmp.ev, 1000);
		if (t->qmp.srv < 0 || poll(&p, 1, 1) != 1)
			continue;
		n = read(t->qmp.srv, buf, sizeof(buf));
		if (n <= 0)
			continue;
		t->inbuf = realloc(t->inbuf, t->inlen + (size_t)n + 1);
		memcpy(t->inbuf + t->inlen, buf, (size_t)n);
		t->inlen += (size_t)n;
		t->inbuf[t->inlen] = 0;
		while (t->qmp.srv >= 0 && (nl = strchr(t->inbuf, '\n'))) {
			json_object *o;

			*nl = 0;
			o = json_tokener_parse(t->inbuf);
			assert_non_null(o);
			srv_reply(t, o);
			json_object_put(o);
			t->inlen -= (size_t)(nl + 1 - t->inbuf);
			memmove(t->inbuf, nl + 1, t->inlen + 1);
		}
		if (t->held && t->qmp.srv >= 0 && !t->qmp.closed) {
			fake_qmp_send(&t->qmp, t->held);	/* this batch, last first */
			free(t->held);
			t->held = NULL;
		}
	}
	assert_true(*until);
}

static void on_done(void *ud, const struct pvt_report *rep, size_t bad)
{
	struct t *t = ud;

	pvt_report_free(&t->rep);
	pvt_report_append(&t->rep, rep);
	t->bad = bad;
	t->done = 1;
}

/* One job on the VM, served until it is done. */
static void run(struct t *t, enum pvt_qemu_mode mode, const struct pvt_qemu_cfg *c,
		struct pvt_qemu_saved *saved)
{
	t->done = 0;
	pvt_qemu_run(t->qmp.q, t->root, "vm", mode, c, saved, "/run/pvtune/qemu/vm.json", on_done, t);
	serve(t, &t->done);
}

static const struct pvt_result *item(struct t *t, const char *key)
{
	for (size_t i = 0; i < t->rep.n; i++)
		if (!strcmp(t->rep.r[i].key, key))
			return &t->rep.r[i];
	fail_msg("no item '%s'", key);
	return NULL;
}

static char *affinity(pid_t tid)
{
	cpu_set_t set;
	struct pvt_cpuset cs = {0};

	assert_int_equal(sched_getaffinity(tid, sizeof(set), &set), 0);
	for (int i = 0; i < CPU_SETSIZE; i++)
		cs.cpu[i] = CPU_ISSET(i, &set);
	return pvt_cpulist_format(&cs);
}

static void handshake(struct t *t)
{
	fake_qmp_send(&t->qmp, FAKE_QMP_GREETING);
	serve(t, &t->qmp.ready);
}

static void test_tune(void **state)
{
	struct t *t = *state;
	struct pvt_qemu_cfg c;
	struct pvt_qemu_saved saved = {0}, reloaded;
	struct pvt_err e;
	char *orig = affinity(t->io.tid), *now;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		skip();
	handshake(t);
	pvt_qemu_cfg_init(&c);
	c.io_set = true;
	pvt_cpulist_parse("1", &c.io_cpus, NULL);
	c.poll_max_ns = 4000;
	c.poll_grow = 2;
	c.cache = PVT_LVL_REQUIRE;
	c.x2apic = PVT_LVL_PREFER;

	/* apply */
	run(t, PVT_QEMU_APPLY, &c, &saved);
	now = affinity(t->io.tid);
	assert_string_equal(now, "1");
	free(now);
	assert_int_equal(item(t, "iothread io0 affinity")->st, PVT_ST_CHANGED);
	assert_string_equal(t->qomset, "poll-max-ns=4000 poll-grow=2 ");
	assert_int_equal(item(t, "drive d0 cache")->st, PVT_ST_MISMATCH);
	assert_string_equal(item(t, "drive d0 cache")->actual, "writeback");
	assert_int_equal(item(t, "vcpu 0 x2apic")->st, PVT_ST_WARN);
	assert_int_equal(t->bad, 1);	/* the cache; x2apic only warns */
	/* originals persisted before the change */
	assert_int_equal(pvt_qemu_saved_load(t->root, "/run/pvtune/qemu/vm.json", &reloaded, &e), 0);
	assert_int_equal(reloaded.naff, 1);
	assert_string_equal(reloaded.aff[0].cpus, orig);
	assert_int_equal(reloaded.npoll, 1);
	assert_int_equal(reloaded.poll[0].max_ns, 32768);
	pvt_qemu_saved_free(&reloaded);

	/* verify: everything but the cache as wanted */
	run(t, PVT_QEMU_VERIFY, &c, &saved);
	assert_int_equal(item(t, "iothread io0 affinity")->st, PVT_ST_OK);
	assert_int_equal(item(t, "iothread io0 poll-max-ns")->st, PVT_ST_OK);
	assert_int_equal(t->bad, 1);

	/* restore */
	free(t->qomset);
	t->qomset = NULL;
	run(t, PVT_QEMU_RESTORE, &c, &saved);
	now = affinity(t->io.tid);
	assert_string_equal(now, orig);
	free(now);
	assert_string_equal(t->qomset, "poll-max-ns=32768 poll-grow=0 poll-shrink=0 ");
	assert_int_equal(t->bad, 0);
	assert_int_equal(saved.naff + saved.npoll, 0);
	pvt_qemu_saved_free(&saved);
	free(orig);
}

/* iothread_cpus=auto: online CPUs minus the vCPUs', within their NUMA node */
static void test_auto_numa(void **state)
{
	struct t *t = *state;
	struct pvt_qemu_cfg c;
	struct pvt_qemu_saved saved = {0};
	char *now;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		skip();
	fake_write(t->root, "/sys/devices/system/cpu/online", "0-3");
	fake_write(t->root, "/sys/devices/system/node/node0/cpulist", "0-1");
	fake_write(t->root, "/sys/devices/system/node/node1/cpulist", "2-3");
	handshake(t);
	pvt_qemu_cfg_init(&c);
	c.io_set = c.io_auto = true;
	c.vcpu_set = true;
	pvt_cpulist_parse("0", &c.vcpu_cpus, NULL);
	run(t, PVT_QEMU_APPLY, &c, &saved);
	assert_int_equal(t->bad, 0);
	assert_string_equal(item(t, "vcpu 0 affinity")->expected, "0");
	assert_string_equal(item(t, "iothread io0 affinity")->expected, "1");	/* not 1-3 */
	now = affinity(t->vcpu.tid);
	assert_string_equal(now, "0");
	free(now);
	now = affinity(t->io.tid);
	assert_string_equal(now, "1");
	free(now);
	/* and back */
	run(t, PVT_QEMU_RESTORE, &c, &saved);
	now = affinity(t->vcpu.tid);
	assert_string_not_equal(now, "0");
	free(now);
	pvt_qemu_saved_free(&saved);
}

static void test_dies_mid_job(void **state)
{
	struct t *t = *state;
	struct pvt_qemu_cfg c;
	struct pvt_qemu_saved saved = {0};

	handshake(t);
	pvt_qemu_cfg_init(&c);
	c.poll_max_ns = 4000;
	t->die_on = true;	/* QEMU "killed" when the qom-set arrives */
	run(t, PVT_QEMU_APPLY, &c, &saved);
	assert_int_equal(item(t, "iothread io0 poll-max-ns")->st, PVT_ST_FAILED);
	assert_non_null(strstr(item(t, "iothread io0 poll-max-ns")->note,
			       "connection closed with qom-set unanswered"));
	assert_non_null(t->qmp.closed);
	pvt_qemu_saved_free(&saved);
}

/* A process that is not the VM: its threads are another's (another user's, say). */
static void other_process(struct t *t)
{
	t->other = fork();
	assert_true(t->other >= 0);
	if (t->other == 0) {
		pause();
		_exit(0);
	}
}

static struct pvt_qemu_cfg pin_cfg(void)
{
	struct pvt_qemu_cfg c;

	pvt_qemu_cfg_init(&c);
	c.io_set = c.vcpu_set = true;
	pvt_cpulist_parse("1", &c.io_cpus, NULL);
	pvt_cpulist_parse("0", &c.vcpu_cpus, NULL);
	c.poll_max_ns = 4000;
	c.cache = PVT_LVL_REQUIRE;
	c.x2apic = PVT_LVL_PREFER;
	return c;
}

/* A peer naming another process's thread as its iothread or vCPU: refused, nothing pinned. */
static void test_other_threads(void **state)
{
	static const char *const lies[][2] = {
		{ "query-iothreads", "[{\"id\":\"io0\",\"thread-id\":%d}]" },
		{ "query-cpus-fast", "[{\"cpu-index\":0,\"thread-id\":%d}]" },
	};
	struct t *t = *state;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		skip();
	for (size_t i = 0; i < 2; i++) {
		struct pvt_qemu_cfg c = pin_cfg();
		struct pvt_qemu_saved saved = {0};
		char *before, *after, *io_before, *io_after;

		if (i) {
			teardown(state);
			setup(state);
			t = *state;
		}
		other_process(t);
		before = affinity(t->other);
		io_before = affinity(t->io.tid);
		t->lie_cmd = lies[i][0];
		t->lie_ret = lies[i][1];
		handshake(t);
		run(t, PVT_QEMU_APPLY, &c, &saved);
		after = affinity(t->other);
		io_after = affinity(t->io.tid);
		assert_string_equal(after, before);	/* the other process untouched */
		assert_string_equal(io_after, io_before);	/* and nothing else changed */
		assert_int_equal(saved.naff, 0);
		assert_true(t->bad >= 1);
		assert_non_null(strstr(item(t, i ? "vcpu 0" : "iothread io0")->note,
				       "is not a thread of the QMP peer"));
		serve(t, (const int *)&t->qmp.closed);
		assert_non_null(strstr(t->qmp.closed, "protocol error: thread-id"));
		free(before);
		free(after);
		free(io_before);
		free(io_after);
		pvt_qemu_saved_free(&saved);
	}
}

/* Originals naming a thread that is not the peer's (a stale or forged file): not restored. */
static void test_restore_other_thread(void **state)
{
	struct t *t = *state;
	struct pvt_qemu_cfg c = pin_cfg();
	struct pvt_qemu_saved saved = {0};
	char *before, *after;

	other_process(t);
	before = affinity(t->other);
	handshake(t);
	saved.aff = calloc(1, sizeof(*saved.aff));
	saved.aff[0] = (struct pvt_qemu_aff){ t->other, strdup("iothread io0"), strdup("0") };
	saved.naff = 1;
	run(t, PVT_QEMU_RESTORE, &c, &saved);
	after = affinity(t->other);
	assert_string_equal(after, before);
	assert_int_equal(item(t, "iothread io0 affinity")->st, PVT_ST_NA);
	free(before);
	free(after);
	pvt_qemu_saved_free(&saved);
}

/* Wrong types and nulls in every reply the jobs read: a protocol error that ends the job and drops the VM. */
static void test_wrong_types(void **state)
{
	static const char *const lies[][2] = {
		{ "query-iothreads", "true" },
		{ "query-iothreads", "{\"id\":\"io0\"}" },
		{ "query-iothreads", "[{\"id\":\"io0\",\"thread-id\":null}]" },
		{ "query-iothreads", "[{\"id\":null,\"thread-id\":1}]" },
		{ "query-iothreads", "[{\"id\":\"io0\",\"thread-id\":99999999999}]" },
		{ "query-iothreads", "[{\"id\":\"io0\",\"thread-id\":1.5}]" },
		{ "query-iothreads", "[null]" },
		{ "query-cpus-fast", "[{\"cpu-index\":0,\"thread-id\":\"12\"}]" },
		{ "query-cpus-fast", "[{\"cpu-index\":null,\"thread-id\":1}]" },
		{ "query-cpus-fast", "[{\"cpu-index\":0,\"thread-id\":1,\"qom-path\":7}]" },
		{ "query-block", "[{\"device\":null}]" },
		{ "query-block", "[{\"device\":\"d0\",\"inserted\":{\"cache\":{\"direct\":null,\"writeback\":true,\"no-flush\":false}}}]" },
		{ "query-block", "[{\"device\":\"d0\",\"inserted\":[]}]" },
		{ "query-named-block-nodes", "[{\"node-name\":{},\"cache\":{}}]" },
		{ "qom-list", "[{\"name\":\"io0\",\"type\":null}]" },
		{ "qom-list", "\"child<iothread>\"" },
		{ "qom-get", "\"on\"" },
		{ "qom-get", "null" },
	};
	struct t *t = *state;

	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		struct pvt_qemu_cfg c = pin_cfg();
		struct pvt_qemu_saved saved = {0};

		if (i) {
			teardown(state);
			setup(state);
			t = *state;
		}
		c.io_set = c.vcpu_set = false;	/* any CPU count */
		t->lie_cmd = lies[i][0];
		t->lie_ret = lies[i][1];
		handshake(t);
		run(t, PVT_QEMU_APPLY, &c, &saved);
		assert_true(t->done);
		assert_true(t->bad >= 1);
		serve(t, (const int *)&t->qmp.closed);
		if (!strstr(t->qmp.closed, "protocol error"))
			fail_msg("case %zu (%s %s): %s", i, lies[i][0], lies[i][1], t->qmp.closed);
		pvt_qemu_saved_free(&saved);
	}
}

/* Replies in reverse order of the commands: matched by id, the same result. */
static void test_out_of_order(void **state)
{
	struct t *t = *state;
	struct pvt_qemu_cfg c = pin_cfg();
	struct pvt_qemu_saved saved = {0};

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		skip();
	handshake(t);
	t->reverse = true;
	run(t, PVT_QEMU_APPLY, &c, &saved);
	assert_int_equal(item(t, "iothread io0 affinity")->st, PVT_ST_CHANGED);
	assert_int_equal(item(t, "vcpu 0 affinity")->st, PVT_ST_CHANGED);
	assert_string_equal(t->qomset, "poll-max-ns=4000 ");
	assert_null(t->qmp.closed);
	run(t, PVT_QEMU_RESTORE, &c, &saved);
	assert_int_equal(t->bad, 0);
	pvt_qemu_saved_free(&saved);
}

/* QEMU gone while a restore sends its commands: the job ends, nothing walks freed data. */
static void test_dies_mid_restore(void **state)
{
	struct t *t = *state;
	struct pvt_qemu_cfg c;
	struct pvt_qemu_saved saved = {0};

	handshake(t);
	pvt_qemu_cfg_init(&c);
	c.poll_max_ns = 4000;
	c.poll_grow = 2;
	c.poll_shrink = 3;
	run(t, PVT_QEMU_APPLY, &c, &saved);
	assert_int_equal(saved.npoll, 1);
	t->die_on = true;
	run(t, PVT_QEMU_RESTORE, &c, &saved);
	assert_true(t->bad >= 1);
	serve(t, (const int *)&t->qmp.closed);
	pvt_qemu_saved_free(&saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_numa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dies_mid_job, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_other_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dies_mid_restore, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
