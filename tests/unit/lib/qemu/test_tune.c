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
	free(t);
	return 0;
}

static void srv_reply(struct t *t, json_object *cmd)
{
	const char *name = json_object_get_string(json_object_object_get(cmd, "execute"));
	json_object *args = json_object_object_get(cmd, "arguments");
	int id = json_object_get_int(json_object_object_get(cmd, "id"));
	char *ret = NULL, *line;

	if (!strcmp(name, "qmp_capabilities") || !strcmp(name, "blockdev-reopen")) {
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
	fake_qmp_send(&t->qmp, line);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_numa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dies_mid_job, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
