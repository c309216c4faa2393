/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fakeqmp.h: a QMP client (lib/qemu/qmp.c) on its own sd-event loop, whose
 * peer is the test: the other end of a socketpair, where the test plays
 * QEMU. Put struct fake_qmp first in the test's own state: the client's
 * callbacks get the fake_qmp, so the test's state is the same pointer.
 */
#ifndef PVT_FAKEQMP_H
#define PVT_FAKEQMP_H

#include <stdint.h>

#include "qemu/qmp.h"

/* QEMU 7.2.0's greeting (version 70200). */
#define FAKE_QMP_GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": []}}\r\n"

struct fake_qmp {
	sd_event *ev;
	struct pvt_qmp *q;	/* the client, named "fake" in its messages */
	int srv;		/* the test's end; -1 once hung up */
	int ready;		/* times the client said it is ready */
	char *closed;		/* why the client closed, or NULL */
};

/* A client with @timeout_usec; @event (may be NULL) gets its events. */
void fake_qmp_open(struct fake_qmp *f, uint64_t timeout_usec, pvt_qmp_event_fn event);
void fake_qmp_close(struct fake_qmp *f);
/* Write @s to the client (the test fails if the client has closed). */
void fake_qmp_send(struct fake_qmp *f, const char *s);
/* Close the test's end: the client sees QEMU go away. */
void fake_qmp_hangup(struct fake_qmp *f);

#endif
