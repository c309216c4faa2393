/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * qmp.h: a non-blocking QMP client on sd-event. It reads the greeting, sends
 * qmp_capabilities, then runs commands matched to their replies by id, with
 * events interleaved and a timeout per command. Garbage, truncated messages,
 * timeouts and dead sockets close the connection with a message saying what
 * went wrong; every pending command is then answered with that message, and
 * then the owner's state callback: from a defer source of the event loop,
 * never from inside the call that saw the failure (so the owner may free
 * what a running job still walks only once the job has ended).
 *
 * The peer must have a pid (SO_PEERCRED): a peer without one (another pid
 * namespace) is refused. A pidfd on it (or its start time, on kernels
 * before 5.3) tells whether a thread id belongs to that very process.
 * Every JSON value of the protocol's own (greeting, id, error, event) is
 * type-checked; a wrong type is a protocol error that closes the connection.
 */
#ifndef PVT_QMP_H
#define PVT_QMP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "util/err.h"

#define PVT_QMP_MAX_MSG (1 << 20)	/* a message larger than this is garbage */
#define PVT_QMP_MAX_DEPTH 32		/* JSON nesting deeper than this is garbage */

struct pvt_qmp;

/*
 * A command's outcome: @ret is the "return" value (borrowed, valid during the
 * call) and @err NULL; or @ret NULL and @err says why: QMP's error class and
 * desc ("CommandNotFound: The command foo has not been found"), a timeout, or
 * the connection's end. @err_class is QMP's class, or NULL for a local error.
 */
typedef void (*pvt_qmp_reply_fn)(struct pvt_qmp *q, json_object *ret, const char *err,
				 const char *err_class, void *userdata);
/* An asynchronous event ("SHUTDOWN", ...); @data may be NULL. */
typedef void (*pvt_qmp_event_fn)(struct pvt_qmp *q, const char *event, json_object *data,
				  void *userdata);
/* The connection is ready (@why NULL) or closed (@why says why). */
typedef void (*pvt_qmp_state_fn)(struct pvt_qmp *q, const char *why, void *userdata);

struct pvt_qmp_ops {
	pvt_qmp_state_fn state;
	pvt_qmp_event_fn event;		/* may be NULL */
};

/*
 * Connect to the unix socket @path (non-blocking). @timeout_usec bounds the
 * greeting and each command. Fails at once if the socket cannot be connected.
 */
int pvt_qmp_connect(sd_event *ev, const char *path, uint64_t timeout_usec,
		    const struct pvt_qmp_ops *ops, void *userdata, struct pvt_qmp **out,
		    struct pvt_err *e);
/* The same over a connected socket @fd (taken); @name is used in messages. */
int pvt_qmp_open_fd(sd_event *ev, int fd, const char *name, uint64_t timeout_usec,
		    const struct pvt_qmp_ops *ops, void *userdata, struct pvt_qmp **out,
		    struct pvt_err *e);
/*
 * Queue a command (@args taken, may be NULL). Before the handshake is done it
 * waits. @fn is called exactly once, from the event loop, unless the call
 * fails (-ENOTCONN: the connection is closed; or its timeout could not be
 * armed) or the client is freed first.
 */
PVT_MUST_CHECK int pvt_qmp_command(struct pvt_qmp *q, const char *cmd, json_object *args,
		    pvt_qmp_reply_fn fn, void *userdata);
bool pvt_qmp_ready(const struct pvt_qmp *q);
bool pvt_qmp_closed(const struct pvt_qmp *q);
/* The peer's pid and uid (SO_PEERCRED); the pid is > 0. */
pid_t pvt_qmp_peer_pid(const struct pvt_qmp *q);
uid_t pvt_qmp_peer_uid(const struct pvt_qmp *q);
/* The peer process still runs (through its pidfd: not a process that took its pid). */
bool pvt_qmp_peer_alive(const struct pvt_qmp *q);
/* @tid is a thread of the peer process, now: /proc/PID/task/TID, then the pidfd. */
bool pvt_qmp_peer_thread(const struct pvt_qmp *q, pid_t tid);
/*
 * The owner found the peer's reply malformed (a wrong type, a null, a thread
 * that is not the peer's): close with "protocol error: ..." (told as any
 * failure, from the event loop).
 */
void pvt_qmp_protocol_error(struct pvt_qmp *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *pvt_qmp_name(const struct pvt_qmp *q);
/* The greeting's "QMP.version.qemu" as major*10000+minor*100+micro, or 0. */
int pvt_qmp_version(const struct pvt_qmp *q);
/*
 * Close and free; pending commands are dropped without their callbacks (the
 * one exception to "exactly one callback": the owner is going away).
 */
void pvt_qmp_free(struct pvt_qmp *q);

#endif
