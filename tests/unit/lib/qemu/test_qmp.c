/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_qmp.c: the QMP client against a fake server on a socketpair: the
 * handshake, replies matched by id (also out of order), events interleaved,
 * QMP errors, and every way a peer can go wrong: garbage, a non-object, a
 * truncated message, EOF mid-reply, no reply (timeout), no greeting, a wrong
 * greeting, unknown ids; a socket that does not exist.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakeqmp.h"

struct t {
	struct fake_qmp qmp;	/* first: the client's callbacks get it */
	int nreplies;
	char *reply[8];		/* "ok:<json>" or "err:<msg>" */
	char *event;
};

static void on_event(struct pvt_qmp *q, const char *ev, json_object *data, void *ud)
{
	struct t *t = ud;

	(void)q, (void)data;
	free(t->event);
	t->event = strdup(ev);
}

static void on_reply(struct pvt_qmp *q, json_object *ret, const char *err, const char *cls,
		     void *ud)
{
	struct t *t = ud;
	char *s;

	(void)q, (void)cls;
	if (err)
		assert_int_not_equal(asprintf(&s, "err:%s", err), -1);
	else
		assert_int_not_equal(asprintf(&s, "ok:%s", json_object_to_json_string_ext(ret, JSON_C_TO_STRING_PLAIN)), -1);
	assert_true(t->nreplies < 8);
	t->reply[t->nreplies++] = s;
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	fake_qmp_open(&t->qmp, 300 * 1000, on_event);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	fake_qmp_close(&t->qmp);
	for (int i = 0; i < t->nreplies; i++)
		free(t->reply[i]);
	free(t->event);
	free(t);
	return 0;
}

static void run_until(struct t *t, const int *what, int want)
{
	for (int i = 0; i < 200 && *what < want && !t->qmp.closed; i++)
		sd_event_run(t->qmp.ev, 10 * 1000);
}

static void run_until_closed(struct t *t)
{
	for (int i = 0; i < 200 && !t->qmp.closed; i++)
		sd_event_run(t->qmp.ev, 10 * 1000);
	assert_non_null(t->qmp.closed);
}

/* Read one command line from the client (running its loop meanwhile); returns its id. */
static int srv_expect(struct t *t, const char *cmd)
{
	char line[4096];
	size_t n = 0;
	json_object *o, *x;
	int id;

	while (n < sizeof(line) - 1) {
		struct pollfd p = { .fd = t->qmp.srv, .events = POLLIN };

		sd_event_run(t->qmp.ev, 0);
		if (poll(&p, 1, 10) == 1) {
			assert_int_equal(read(t->qmp.srv, line + n, 1), 1);
			if (line[n++] == '\n')
				break;
		}
	}
	line[n] = 0;
	o = json_tokener_parse(line);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "execute", &x));
	assert_string_equal(json_object_get_string(x), cmd);
	assert_true(json_object_object_get_ex(o, "id", &x));
	id = json_object_get_int(x);
	json_object_put(o);
	return id;
}

static void handshake(struct t *t)
{
	char buf[128];
	int id;

	fake_qmp_send(&t->qmp, FAKE_QMP_GREETING);
	id = srv_expect(t, "qmp_capabilities");
	snprintf(buf, sizeof(buf), "{\"return\": {}, \"id\": %d}\r\n", id);
	fake_qmp_send(&t->qmp, buf);
	run_until(t, &t->qmp.ready, 1);
	if (t->qmp.closed)
		fail_msg("closed: %s", t->qmp.closed);
	assert_int_equal(t->qmp.ready, 1);
	assert_true(pvt_qmp_ready(t->qmp.q));
	assert_int_equal(pvt_qmp_version(t->qmp.q), 70200);
}

static void test_commands_events(void **state)
{
	struct t *t = *state;
	char buf[256];
	int a, b;

	/* queued before the handshake: sent after it */
	assert_int_equal(pvt_qmp_command(t->qmp.q, "query-iothreads", NULL, on_reply, t), 0);
	handshake(t);
	a = srv_expect(t, "query-iothreads");
	assert_int_equal(pvt_qmp_command(t->qmp.q, "qom-get", json_tokener_parse("{\"path\":\"/objects/io0\",\"property\":\"poll-max-ns\"}"), on_reply, t), 0);
	b = srv_expect(t, "qom-get");
	/* replied out of order, an event in between, split over writes */
	snprintf(buf, sizeof(buf), "{\"return\": 32768, \"id\": %d}\r\n{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"RESUME\"}\r\n{\"return\": [{\"id\": \"io0\", \"thread-id\"", b);
	fake_qmp_send(&t->qmp, buf);
	run_until(t, &t->nreplies, 1);
	snprintf(buf, sizeof(buf), ": 42}], \"id\": %d}\r\n", a);
	fake_qmp_send(&t->qmp, buf);
	run_until(t, &t->nreplies, 2);
	assert_int_equal(t->nreplies, 2);
	assert_string_equal(t->reply[0], "ok:32768");
	assert_string_equal(t->reply[1], "ok:[{\"id\":\"io0\",\"thread-id\":42}]");
	assert_string_equal(t->event, "RESUME");
	assert_null(t->qmp.closed);
}

static void test_qmp_error(void **state)
{
	struct t *t = *state;
	char buf[256];
	int a;

	handshake(t);
	assert_int_equal(pvt_qmp_command(t->qmp.q, "query-cpus-fast", NULL, on_reply, t), 0);
	a = srv_expect(t, "query-cpus-fast");
	snprintf(buf, sizeof(buf), "{\"id\": %d, \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command query-cpus-fast has not been found\"}}\n", a);
	fake_qmp_send(&t->qmp, buf);
	run_until(t, &t->nreplies, 1);
	assert_string_equal(t->reply[0], "err:query-cpus-fast: CommandNotFound: The command query-cpus-fast has not been found");
	assert_null(t->qmp.closed);
}

static void test_garbage(void **state)
{
	struct t *t = *state;

	handshake(t);
	assert_int_equal(pvt_qmp_command(t->qmp.q, "query-block", NULL, on_reply, t), 0);
	srv_expect(t, "query-block");
	fake_qmp_send(&t->qmp, "hello, I am not JSON\n");
	run_until_closed(t);
	assert_non_null(strstr(t->qmp.closed, "QMP fake: malformed reply"));
	assert_non_null(strstr(t->qmp.closed, "near 'hello, I am not JSON"));
	/* the pending command got the same reason */
	assert_int_equal(t->nreplies, 1);
	assert_non_null(strstr(t->reply[0], "err:QMP fake: malformed reply"));
	/* and nothing more can be sent */
	assert_int_equal(pvt_qmp_command(t->qmp.q, "query-block", NULL, on_reply, t), -ENOTCONN);
}

static void test_nul_bytes(void **state)
{
	struct t *t = *state;

	handshake(t);
	assert_int_equal(write(t->qmp.srv, "\0\0\0\n", 4), 4);
	run_until_closed(t);
	assert_non_null(strstr(t->qmp.closed, "malformed reply"));
}

static void test_not_object(void **state)
{
	struct t *t = *state;

	handshake(t);
	fake_qmp_send(&t->qmp, "[1, 2]\n");
	run_until_closed(t);
	assert_non_null(strstr(t->qmp.closed, "not a JSON object"));
}

static void test_truncated(void **state)
{
	struct t *t = *state;

	handshake(t);
	assert_int_equal(pvt_qmp_command(t->qmp.q, "query-iothreads", NULL, on_reply, t), 0);
	srv_expect(t, "query-iothreads");
	fake_qmp_send(&t->qmp, "{\"return\": [{\"id\": \"io");
	fake_qmp_hangup(&t->qmp);
	run_until_closed(t);
	assert_non_null(strstr(t->qmp.closed, "closed in the middle of a message (truncated after 22 bytes)"));
	assert_int_equal(t->nreplies, 1);
	assert_non_null(strstr(t->reply[0], "err:"));
}

static void test_eof_pending(void **state)
{
	struct t *t = *state;

	handshake(t);
	assert_int_equal(pvt_qmp_command(t->qmp.q, "query-iothreads", NULL, on_reply, t), 0);
	srv_expect(t, "query-iothreads");
	fake_qmp_hangup(&t->qmp);
	run_until_closed(t);
	assert_string_equal(t->qmp.closed, "QMP fake: connection closed with query-iothreads unanswered");
}

static void test_timeout(void **state)
{
	struct t *t = *state;

	handshake(t);
	assert_int_equal(pvt_qmp_command(t->qmp.q, "query-block", NULL, on_reply, t), 0);
	srv_expect(t, "query-block");
	run_until_closed(t);
	assert_string_equal(t->qmp.closed, "QMP fake: no reply to query-block within 300 ms");
	assert_int_equal(t->nreplies, 1);
}

static void test_no_greeting(void **state)
{
	struct t *t = *state;

	run_until_closed(t);
	assert_string_equal(t->qmp.closed, "QMP fake: no greeting within 300 ms");
}

static void test_bad_greeting(void **state)
{
	struct t *t = *state;

	fake_qmp_send(&t->qmp, "{\"hello\": 1}\n");
	run_until_closed(t);
	assert_string_equal(t->qmp.closed, "QMP fake: not a QMP greeting: {\"hello\":1}");
}

static void test_unknown_id(void **state)
{
	struct t *t = *state;

	handshake(t);
	fake_qmp_send(&t->qmp, "{\"return\": {}, \"id\": 999}\n");
	run_until_closed(t);
	assert_non_null(strstr(t->qmp.closed, "reply to no pending command (id 999)"));
}

static void test_no_id(void **state)
{
	struct t *t = *state;

	handshake(t);
	fake_qmp_send(&t->qmp, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error\"}}\n");
	run_until_closed(t);
	assert_non_null(strstr(t->qmp.closed, "reply without our id"));
}

static void test_hangup_before_greeting(void **state)
{
	struct t *t = *state;

	/* a peer that hangs up before its greeting */
	fake_qmp_hangup(&t->qmp);
	run_until_closed(t);
	assert_string_equal(t->qmp.closed, "QMP fake: connection closed by the peer before its greeting");
}

/* A reply with neither return nor error still ends its command: one callback, then closed. */
static void test_no_return_no_error(void **state)
{
	struct t *t = *state;
	char buf[128];
	int id;

	handshake(t);
	assert_int_equal(pvt_qmp_command(t->qmp.q, "query-status", NULL, on_reply, t), 0);
	id = srv_expect(t, "query-status");
	snprintf(buf, sizeof(buf), "{\"id\": %d, \"retrun\": {}}\n", id);
	fake_qmp_send(&t->qmp, buf);
	run_until_closed(t);
	assert_int_equal(t->nreplies, 1);
	assert_non_null(strstr(t->reply[0], "err:QMP fake: query-status: malformed reply (neither return nor error)"));
	assert_non_null(strstr(t->qmp.closed, "neither return nor error"));
}

/* Wrong types or nulls where the protocol has a string or an object: a protocol error, never a crash. */
static void test_wrong_types(void **state)
{
	static const char *const bad[] = {
		"{\"id\": %d, \"error\": null}\n",
		"{\"id\": %d, \"error\": {\"class\": null, \"desc\": \"x\"}}\n",
		"{\"id\": %d, \"error\": {\"class\": \"GenericError\", \"desc\": [1]}}\n",
		"{\"id\": %d, \"error\": \"GenericError\"}\n",
		"{\"event\": null}\n",
		"{\"event\": \"STOP\", \"data\": 7}\n",
		"{\"id\": -%d, \"return\": {}}\n",
		"{\"id\": %d, \"return\": null}\n",
	};
	struct t *t = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char buf[256];
		int id;

		if (i) {
			teardown(state);
			setup(state);
			t = *state;
		}
		handshake(t);
		assert_int_equal(pvt_qmp_command(t->qmp.q, "query-status", NULL, on_reply, t), 0);
		id = srv_expect(t, "query-status");
		snprintf(buf, sizeof(buf), bad[i], id);
		fake_qmp_send(&t->qmp, buf);
		run_until_closed(t);
		/* the command still got exactly one answer: the failure */
		assert_int_equal(t->nreplies, 1);
		assert_non_null(strstr(t->reply[0], "err:QMP fake: "));
		if (!strstr(t->qmp.closed, "protocol error") && !strstr(t->qmp.closed, "without our id"))
			fail_msg("case %zu: %s", i, t->qmp.closed);
	}
}

/* Greetings with wrong types: refused with a reason. */
static void test_greeting_types(void **state)
{
	static const char *const bad[] = {
		"{\"QMP\": null}\n",
		"{\"QMP\": {\"version\": null}}\n",
		"{\"QMP\": {\"version\": {\"qemu\": {\"major\": \"7\", \"minor\": 2, \"micro\": 0}}}}\n",
		"{\"QMP\": {\"version\": {\"qemu\": [7, 2, 0]}}}\n",
	};
	struct t *t = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (i) {
			teardown(state);
			setup(state);
			t = *state;
		}
		fake_qmp_send(&t->qmp, bad[i]);
		run_until_closed(t);
		assert_int_equal(t->qmp.ready, 0);
	}
}

/* The owner's protocol error closes the connection; the callbacks come from the loop, not from the call. */
static void test_protocol_error_deferred(void **state)
{
	struct t *t = *state;

	handshake(t);
	assert_int_equal(pvt_qmp_command(t->qmp.q, "query-status", NULL, on_reply, t), 0);
	pvt_qmp_protocol_error(t->qmp.q, "thread-id %d is not a thread of the QMP peer", 1);
	assert_true(pvt_qmp_closed(t->qmp.q));
	assert_int_equal(t->nreplies, 0);	/* not yet: from the event loop */
	assert_null(t->qmp.closed);
	assert_int_equal(pvt_qmp_command(t->qmp.q, "query-status", NULL, on_reply, t), -ENOTCONN);
	run_until_closed(t);
	assert_int_equal(t->nreplies, 1);
	assert_string_equal(t->qmp.closed, "QMP fake: protocol error: thread-id 1 is not a thread of the QMP peer");
}

/* A message over the cap (1 MiB) closes the connection before it is parsed. */
static void test_huge(void **state)
{
	struct t *t = *state;
	size_t n = PVT_QMP_MAX_MSG + 4096;
	char *big = malloc(n + 1);

	handshake(t);
	assert_int_equal(pvt_qmp_command(t->qmp.q, "query-status", NULL, on_reply, t), 0);
	(void)srv_expect(t, "query-status");
	memcpy(big, "{\"return\": \"", 12);
	memset(big + 12, 'a', n - 12);
	big[n] = 0;
	for (size_t off = 0; off < n && !t->qmp.closed;) {
		ssize_t w = write(t->qmp.srv, big + off, n - off > 65536 ? 65536 : n - off);

		if (w > 0)
			off += (size_t)w;
		sd_event_run(t->qmp.ev, 1000);
	}
	run_until_closed(t);
	assert_non_null(strstr(t->qmp.closed, "message over 1048576 bytes"));
	assert_int_equal(t->nreplies, 1);
	free(big);
}

/* The peer's credentials: this process (a socketpair), alive, its own threads only. */
static void test_peer(void **state)
{
	struct t *t = *state;

	assert_int_equal(pvt_qmp_peer_pid(t->qmp.q), getpid());
	assert_int_equal(pvt_qmp_peer_uid(t->qmp.q), getuid());
	assert_true(pvt_qmp_peer_alive(t->qmp.q));
	assert_true(pvt_qmp_peer_thread(t->qmp.q, getpid()));
	assert_false(pvt_qmp_peer_thread(t->qmp.q, 1));	/* init: not ours */
	assert_false(pvt_qmp_peer_thread(t->qmp.q, 0));
	assert_false(pvt_qmp_peer_thread(t->qmp.q, -1));
}

static void test_connect_missing(void **state)
{
	const struct pvt_qmp_ops ops = { .event = on_event };
	struct t *t = *state;
	struct pvt_qmp *q = NULL;
	struct pvt_err e;

	assert_int_equal(pvt_qmp_connect(t->qmp.ev, "/nonexistent/qmp.sock", 1000, &ops, t, &q, &e), -ENOENT);
	assert_string_equal(e.msg, "QMP /nonexistent/qmp.sock: cannot connect: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_commands_events), T(test_qmp_error), T(test_garbage), T(test_nul_bytes), T(test_not_object),
		T(test_truncated), T(test_eof_pending), T(test_timeout), T(test_no_greeting),
		T(test_bad_greeting), T(test_unknown_id), T(test_no_id), T(test_hangup_before_greeting),
		T(test_connect_missing), T(test_no_return_no_error), T(test_wrong_types),
		T(test_greeting_types), T(test_protocol_error_deferred), T(test_huge), T(test_peer),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
