/* SPDX-License-Identifier: GPL-2.0-only */
/* qmp.c: the non-blocking QMP client (see qmp.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "qemu/qmp.h"
#include "util/timer.h"
#include "util/util.h"

struct cmd {
	struct cmd *next;
	struct pvt_qmp *q;
	uint64_t id;
	char *name;
	char *line;		/* serialised, until sent */
	pvt_qmp_reply_fn fn;
	void *userdata;
	sd_event_source *timer;
};

struct pvt_qmp {
	int ref;
	int fd;
	char *name;
	sd_event *ev;
	sd_event_source *io;
	sd_event_source *greet_timer;
	uint64_t timeout;
	struct pvt_qmp_ops ops;
	void *userdata;
	json_tokener *tok;
	size_t partial;		/* bytes of the message being read */
	char *out;
	size_t outlen;
	struct cmd *cmds;	/* pending, oldest first */
	uint64_t next_id;
	bool greeted, ready, closed, freed;
	char *why;		/* why it closed, told from @fail_src */
	sd_event_source *fail_src;	/* a defer source, enabled once closed */
	pid_t peer;
	uid_t peer_uid;
	int pidfd;		/* the peer, so that a recycled pid is seen; -1: none */
	unsigned long long start;	/* the peer's start time, where no pidfd */
	int version;
};

static void qmp_ref(struct pvt_qmp *q)
{
	q->ref++;
}

static void cmd_free(struct cmd *c)
{
	sd_event_source_disable_unref(c->timer);
	free(c->name);
	free(c->line);
	free(c);
}

static void qmp_unref(struct pvt_qmp *q)
{
	if (--q->ref > 0)
		return;
	while (q->cmds) {
		struct cmd *c = q->cmds;

		q->cmds = c->next;
		cmd_free(c);
	}
	sd_event_source_disable_unref(q->io);
	sd_event_source_disable_unref(q->greet_timer);
	sd_event_source_disable_unref(q->fail_src);
	if (q->fd >= 0)
		close(q->fd);
	if (q->pidfd >= 0)
		close(q->pidfd);
	free(q->why);
	if (q->tok)
		json_tokener_free(q->tok);
	sd_event_unref(q->ev);
	free(q->out);
	free(q->name);
	free(q);
}

/*
 * The owner is told of a failure from here, a defer source of the event loop,
 * never from within the call that found it: a job that sends a command and
 * sees the connection fail must not have its VM freed under its feet. Every
 * pending command gets the reason (its one callback), then the owner.
 */
static int on_fail(sd_event_source *s, void *userdata)
{
	struct pvt_qmp *q = userdata;

	(void)s;
	sd_event_source_set_enabled(q->fail_src, SD_EVENT_OFF);
	qmp_ref(q);
	while (q->cmds && !q->freed) {
		struct cmd *c = q->cmds;

		q->cmds = c->next;
		if (c->fn)
			c->fn(q, NULL, q->why, NULL, c->userdata);
		cmd_free(c);
	}
	if (!q->freed && q->ops.state)
		q->ops.state(q, q->why, q->userdata);
	qmp_unref(q);
	return 0;
}

/* Close with a reason; the callbacks follow from the event loop (on_fail). */
static void qmp_fail(struct pvt_qmp *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void qmp_fail(struct pvt_qmp *q, const char *fmt, ...)
{
	char why[768];
	va_list ap;

	if (q->closed)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	q->why = pvt_xasprintf("QMP %s: %s", q->name, why);
	q->closed = true;
	q->ready = false;
	q->io = sd_event_source_disable_unref(q->io);
	q->greet_timer = sd_event_source_disable_unref(q->greet_timer);
	for (struct cmd *c = q->cmds; c; c = c->next)
		c->timer = sd_event_source_disable_unref(c->timer);
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	/* set up when the connection was opened, so this cannot fail */
	sd_event_source_set_enabled(q->fail_src, SD_EVENT_ONESHOT);
}

void pvt_qmp_protocol_error(struct pvt_qmp *q, const char *fmt, ...)
{
	char why[640];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	qmp_fail(q, "protocol error: %s", why);
}

static void flush_out(struct pvt_qmp *q)
{
	while (q->outlen && !q->closed) {
		ssize_t n = send(q->fd, q->out, q->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			qmp_fail(q, "write failed: %s", strerror(errno));
			return;
		}
		memmove(q->out, q->out + n, q->outlen - (size_t)n);
		q->outlen -= (size_t)n;
	}
	if (!q->closed)
		sd_event_source_set_io_events(q->io, EPOLLIN | EPOLLRDHUP |
					      (q->outlen ? EPOLLOUT : 0));
}

static void queue_out(struct pvt_qmp *q, const char *line)
{
	size_t n = strlen(line);

	q->out = pvt_xrealloc(q->out, q->outlen + n + 1);
	memcpy(q->out + q->outlen, line, n);
	q->out[q->outlen + n] = '\n';
	q->outlen += n + 1;
}

static void send_pending(struct pvt_qmp *q)
{
	for (struct cmd *c = q->cmds; c; c = c->next)
		if (c->line) {
			queue_out(q, c->line);
			free(c->line);
			c->line = NULL;
		}
	flush_out(q);
}

static int on_cmd_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct cmd *c = userdata;

	(void)s, (void)usec;
	qmp_fail(c->q, "no reply to %s within %llu ms", c->name,
		 (unsigned long long)(c->q->timeout / 1000));
	return 0;
}

static int on_greet_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct pvt_qmp *q = userdata;

	(void)s, (void)usec;
	qmp_fail(q, "no %s within %llu ms", q->greeted ? "reply to qmp_capabilities" : "greeting",
		 (unsigned long long)(q->timeout / 1000));
	return 0;
}

static void on_caps(struct pvt_qmp *q, json_object *ret, const char *err, const char *cls,
		    void *userdata)
{
	(void)ret, (void)cls, (void)userdata;
	if (err) {
		qmp_fail(q, "%s", err);	/* nothing if it is the connection's failure */
		return;
	}
	q->greet_timer = sd_event_source_disable_unref(q->greet_timer);
	q->ready = true;
	if (q->ops.state)
		q->ops.state(q, NULL, q->userdata);
	if (!q->closed && !q->freed)
		send_pending(q);
}

static int add_cmd(struct pvt_qmp *q, const char *cmd, json_object *args, pvt_qmp_reply_fn fn,
		   void *userdata, bool first)
{
	json_object *o = json_object_new_object();
	struct cmd *c = pvt_xcalloc(1, sizeof(*c));
	struct cmd **pp = &q->cmds;
	int r;

	c->q = q;
	c->id = ++q->next_id;
	c->name = pvt_xstrdup(cmd);
	c->fn = fn;
	c->userdata = userdata;
	json_object_object_add(o, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(o, "arguments", args);
	json_object_object_add(o, "id", json_object_new_uint64(c->id));
	c->line = pvt_xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	/* a command without its timeout could wait for ever: not sent */
	if (!first && (r = pvt_timer_add(q->ev, &c->timer, q->timeout, on_cmd_timeout, c)) < 0) {
		cmd_free(c);
		return r;
	}
	if (first) {
		c->next = q->cmds;
		q->cmds = c;
	} else {
		while (*pp)
			pp = &(*pp)->next;
		*pp = c;
	}
	return 0;
}

/* A member that may be absent, or else must have type @t (json-c's NULL is null). */
static bool member(json_object *o, const char *key, enum json_type t, json_object **v)
{
	*v = NULL;
	if (!json_object_object_get_ex(o, key, v))
		return true;
	return json_object_get_type(*v) == t;
}

static const char *plain(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

static void greeting(struct pvt_qmp *q, json_object *msg)
{
	json_object *v, *x = NULL, *ma, *mi, *mc;

	if (!json_object_object_get_ex(msg, "QMP", &v) || !json_object_is_type(v, json_type_object)) {
		qmp_fail(q, "not a QMP greeting: %.200s", plain(msg));
		return;
	}
	if (!member(v, "version", json_type_object, &x) ||
	    (x && !member(x, "qemu", json_type_object, &x))) {
		pvt_qmp_protocol_error(q, "greeting: QMP.version.qemu is not an object: %.200s",
				       plain(msg));
		return;
	}
	q->greeted = true;
	if (x && member(x, "major", json_type_int, &ma) && member(x, "minor", json_type_int, &mi) &&
	    member(x, "micro", json_type_int, &mc) && ma && mi && mc) {
		int64_t M = json_object_get_int64(ma), m = json_object_get_int64(mi),
			u = json_object_get_int64(mc);

		if (M >= 0 && M < 1000 && m >= 0 && m < 100 && u >= 0 && u < 100)
			q->version = (int)(M * 10000 + m * 100 + u);
	} else if (x) {
		pvt_qmp_protocol_error(q, "greeting: the version is not three integers: %.200s",
				       plain(msg));
		return;
	}
	/* the first command: it cannot fail (no timer; the greeting's covers it) */
	(void)add_cmd(q, "qmp_capabilities", NULL, on_caps, NULL, true);
	queue_out(q, q->cmds->line);
	free(q->cmds->line);
	q->cmds->line = NULL;
	flush_out(q);
}

static void reply(struct pvt_qmp *q, json_object *msg)
{
	json_object *idv, *ret = NULL, *err = NULL, *cls = NULL, *desc = NULL;
	struct cmd **pp, *c;
	int64_t id;
	bool has_ret = json_object_object_get_ex(msg, "return", &ret);
	bool has_err = json_object_object_get_ex(msg, "error", &err);

	if (!json_object_object_get_ex(msg, "id", &idv) || !json_object_is_type(idv, json_type_int) ||
	    (id = json_object_get_int64(idv)) <= 0) {
		qmp_fail(q, "reply without our id: %.200s", plain(msg));
		return;
	}
	for (pp = &q->cmds; *pp && (*pp)->id != (uint64_t)id; pp = &(*pp)->next)
		;
	if (!*pp || (*pp)->line) {
		qmp_fail(q, "reply to no pending command (id %lld): %.200s", (long long)id,
			 plain(msg));
		return;
	}
	c = *pp;
	if (has_err && (!json_object_is_type(err, json_type_object) ||
			!member(err, "class", json_type_string, &cls) ||
			!member(err, "desc", json_type_string, &desc))) {
		/* the command is answered by the failure, from the event loop */
		pvt_qmp_protocol_error(q, "%s: malformed error (class and desc must be strings): %.200s",
				       c->name, plain(msg));
		return;
	}
	if (!has_err && has_ret && !ret) {
		/* QMP answers a command without a value with {}: a null is no answer */
		pvt_qmp_protocol_error(q, "%s: null return: %.200s", c->name, plain(msg));
		return;
	}
	if (!has_err && !has_ret) {
		qmp_fail(q, "%s: malformed reply (neither return nor error): %.200s", c->name,
			 plain(msg));
		return;
	}
	*pp = c->next;
	if (has_err) {
		const char *k = cls ? json_object_get_string(cls) : "GenericError";
		char *m = pvt_xasprintf("%s: %s: %s", c->name, k,
					desc ? json_object_get_string(desc) : "(no description)");

		if (c->fn)
			c->fn(q, NULL, m, k, c->userdata);
		free(m);
	} else if (c->fn) {
		c->fn(q, ret, NULL, NULL, c->userdata);
	}
	cmd_free(c);
}

static void dispatch(struct pvt_qmp *q, json_object *msg)
{
	json_object *ev, *data = NULL;

	if (!json_object_is_type(msg, json_type_object)) {
		qmp_fail(q, "malformed message (not a JSON object): %.200s", plain(msg));
		return;
	}
	if (!q->greeted) {
		greeting(q, msg);
		return;
	}
	if (json_object_object_get_ex(msg, "event", &ev)) {
		if (!json_object_is_type(ev, json_type_string) ||
		    !member(msg, "data", json_type_object, &data)) {
			pvt_qmp_protocol_error(q, "malformed event (event a string, data an object): %.200s",
					       plain(msg));
			return;
		}
		if (q->ops.event)
			q->ops.event(q, json_object_get_string(ev), data, q->userdata);
		return;
	}
	reply(q, msg);
}

static void consume(struct pvt_qmp *q, const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len && !q->closed && !q->freed) {
		json_object *o;
		enum json_tokener_error err;
		size_t used;

		/* white space between messages is not part of one */
		if (q->partial == 0 && buf[off] && strchr(" \t\r\n", buf[off])) {
			off++;
			continue;
		}
		o = json_tokener_parse_ex(q->tok, buf + off, (int)(len - off));
		err = json_tokener_get_error(q->tok);
		used = json_tokener_get_parse_end(q->tok);
		if (err == json_tokener_continue) {
			q->partial += len - off;
			if (q->partial > PVT_QMP_MAX_MSG)
				qmp_fail(q, "malformed reply: message over %d bytes", PVT_QMP_MAX_MSG);
			return;
		}
		if (err != json_tokener_success) {
			char near[41];
			size_t k;

			/* the bytes from where the message went wrong, printable */
			for (k = 0; k < 40 && off + k < len; k++)
				near[k] = buf[off + k] >= 0x20 && buf[off + k] < 0x7f ? buf[off + k] : ' ';
			near[k] = 0;
			qmp_fail(q, "malformed reply (%s) near '%s'", json_tokener_error_desc(err),
				 pvt_strip(near));
			return;
		}
		off += used;
		q->partial = 0;
		json_tokener_reset(q->tok);
		dispatch(q, o);
		json_object_put(o);
	}
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct pvt_qmp *q = userdata;
	char buf[65536];

	(void)s;
	qmp_ref(q);
	if (revents & EPOLLOUT)
		flush_out(q);
	if ((revents & (EPOLLIN | EPOLLHUP | EPOLLRDHUP | EPOLLERR)) && !q->closed) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			/* spurious */
		} else if (n < 0) {
			qmp_fail(q, "read failed: %s", strerror(errno));
		} else if (n == 0) {
			if (q->partial)
				qmp_fail(q, "connection closed in the middle of a message (truncated after %zu bytes)",
					 q->partial);
			else if (q->cmds && q->greeted)
				qmp_fail(q, "connection closed with %s unanswered", q->cmds->name);
			else
				qmp_fail(q, "connection closed by %s", q->greeted ? "QEMU" : "the peer before its greeting");
		} else {
			consume(q, buf, (size_t)n);
		}
	}
	qmp_unref(q);
	return 0;
}

/* Field 22 of /proc/PID/stat: when the process started, in clock ticks; 0 if unknown. */
static unsigned long long start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');	/* the name may hold anything */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &t) != 1)
		return 0;
	return t;
}

/* Who is at the other end: its pid (none: refused), uid, and a pidfd on it. */
static int peer_creds(struct pvt_qmp *q, struct pvt_err *e)
{
	struct ucred cr;
	socklen_t crlen = sizeof(cr);

	if (getsockopt(q->fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) < 0)
		return pvt_fail(e, errno, "QMP %s: cannot tell the peer (SO_PEERCRED): %s", q->name,
				strerror(errno));
	if (cr.pid <= 0)
		return pvt_fail(e, EPERM, "QMP %s: the peer has no pid (another pid namespace?): refused",
				q->name);
	q->peer = cr.pid;
	q->peer_uid = cr.uid;
#ifdef SYS_pidfd_open
	q->pidfd = (int)syscall(SYS_pidfd_open, cr.pid, 0);
#endif
	if (q->pidfd < 0 && errno != ENOSYS)
		return pvt_fail(e, errno, "QMP %s: the peer (pid %d) is gone: %s", q->name,
				(int)cr.pid, strerror(errno));
	if (q->pidfd < 0)
		q->start = start_time(cr.pid);
	return 0;
}

int pvt_qmp_open_fd(sd_event *ev, int fd, const char *name, uint64_t timeout_usec,
		    const struct pvt_qmp_ops *ops, void *userdata, struct pvt_qmp **out,
		    struct pvt_err *e)
{
	struct pvt_qmp *q = pvt_xcalloc(1, sizeof(*q));
	int r;

	q->ref = 1;
	q->fd = fd;
	q->pidfd = -1;
	q->name = pvt_xstrdup(name);
	q->ev = sd_event_ref(ev);
	q->timeout = timeout_usec;
	q->ops = *ops;
	q->userdata = userdata;
	q->tok = json_tokener_new_ex(PVT_QMP_MAX_DEPTH);
	json_tokener_set_flags(q->tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
	r = peer_creds(q, e);
	if (r < 0)
		goto fail;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	r = sd_event_add_io(ev, &q->io, fd, EPOLLIN | EPOLLRDHUP, on_io, q);
	if (r >= 0)
		r = pvt_timer_add(ev, &q->greet_timer, timeout_usec, on_greet_timeout, q);
	if (r >= 0)
		r = sd_event_add_defer(ev, &q->fail_src, on_fail, q);
	if (r >= 0)
		r = sd_event_source_set_enabled(q->fail_src, SD_EVENT_OFF);
	if (r < 0) {
		r = pvt_fail(e, -r, "QMP %s: cannot watch the socket: %s", name, strerror(-r));
		goto fail;
	}
	*out = q;
	return 0;
fail:
	q->freed = true;
	qmp_unref(q);
	return r;
}

int pvt_qmp_connect(sd_event *ev, const char *path, uint64_t timeout_usec,
		    const struct pvt_qmp_ops *ops, void *userdata, struct pvt_qmp **out,
		    struct pvt_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return pvt_fail(e, ENAMETOOLONG, "QMP %s: socket path too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return pvt_fail(e, errno, "QMP %s: socket: %s", path, strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		int err = errno;

		close(fd);
		return pvt_fail(e, err, "QMP %s: cannot connect: %s%s", path, strerror(err),
				err == ECONNREFUSED ? " (no QEMU listening: stale socket?)" : "");
	}
	return pvt_qmp_open_fd(ev, fd, path, timeout_usec, ops, userdata, out, e);
}

int pvt_qmp_command(struct pvt_qmp *q, const char *cmd, json_object *args,
		    pvt_qmp_reply_fn fn, void *userdata)
{
	int r;

	if (q->closed) {
		json_object_put(args);
		return -ENOTCONN;
	}
	r = add_cmd(q, cmd, args, fn, userdata, false);
	if (r < 0)
		return r;
	if (q->ready)
		send_pending(q);
	return 0;
}

bool pvt_qmp_ready(const struct pvt_qmp *q)
{
	return q->ready;
}

bool pvt_qmp_closed(const struct pvt_qmp *q)
{
	return q->closed;
}

pid_t pvt_qmp_peer_pid(const struct pvt_qmp *q)
{
	return q->peer;
}

uid_t pvt_qmp_peer_uid(const struct pvt_qmp *q)
{
	return q->peer_uid;
}

bool pvt_qmp_peer_alive(const struct pvt_qmp *q)
{
	/* signal 0: no signal sent; EPERM (another uid, no CAP_KILL) is alive too */
	if (q->pidfd >= 0)
		return syscall(SYS_pidfd_send_signal, q->pidfd, 0, NULL, 0) == 0 || errno == EPERM;
	return q->start && start_time(q->peer) == q->start;
}

bool pvt_qmp_peer_thread(const struct pvt_qmp *q, pid_t tid)
{
	char p[64];
	struct stat st;

	if (tid <= 0)
		return false;
	snprintf(p, sizeof(p), "/proc/%d/task/%d", (int)q->peer, (int)tid);
	/*
	 * Looked up first, then the peer found still alive: so the pid looked
	 * up was the peer's, not a recycled one (a pid is not reused while its
	 * process lives, and the pidfd follows that process).
	 */
	return stat(p, &st) == 0 && pvt_qmp_peer_alive(q);
}

const char *pvt_qmp_name(const struct pvt_qmp *q)
{
	return q->name;
}

int pvt_qmp_version(const struct pvt_qmp *q)
{
	return q->version;
}

void pvt_qmp_free(struct pvt_qmp *q)
{
	if (!q)
		return;
	q->freed = true;
	q->closed = true;
	q->io = sd_event_source_disable_unref(q->io);
	q->fail_src = sd_event_source_disable_unref(q->fail_src);
	qmp_unref(q);
}
