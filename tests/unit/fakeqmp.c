/* SPDX-License-Identifier: GPL-2.0-only */
/* fakeqmp.c: a QMP client whose peer is the test (see fakeqmp.h). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fakeqmp.h"

static void on_state(struct pvt_qmp *q, const char *why, void *ud)
{
	struct fake_qmp *f = ud;

	(void)q;
	if (why) {
		free(f->closed);
		f->closed = strdup(why);
	} else {
		f->ready++;
	}
}

void fake_qmp_open(struct fake_qmp *f, uint64_t timeout_usec, pvt_qmp_event_fn event)
{
	/* the ops outlive this call: the client keeps a copy */
	const struct pvt_qmp_ops ops = { .state = on_state, .event = event };
	struct pvt_err e;
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_true(sd_event_new(&f->ev) >= 0);
	f->srv = sv[1];
	assert_int_equal(pvt_qmp_open_fd(f->ev, sv[0], "fake", timeout_usec, &ops, f, &f->q, &e), 0);
}

void fake_qmp_close(struct fake_qmp *f)
{
	pvt_qmp_free(f->q);
	f->q = NULL;
	fake_qmp_hangup(f);
	f->ev = sd_event_unref(f->ev);
	free(f->closed);
	f->closed = NULL;
}

void fake_qmp_send(struct fake_qmp *f, const char *s)
{
	if (f->closed)
		fail_msg("closed: %s", f->closed);
	assert_int_equal(write(f->srv, s, strlen(s)), (ssize_t)strlen(s));
}

void fake_qmp_hangup(struct fake_qmp *f)
{
	if (f->srv >= 0)
		close(f->srv);
	f->srv = -1;
}
