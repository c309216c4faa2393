/* qmp.c: the non-blocking QMP client (see qmp.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
	pid_t peer;
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
	if (q->fd >= 0)
		close(q->fd);
	if (q->tok)
		json_tokener_free(q->tok);
	sd_event_unref(q->ev);
	free(q->out);
	free(q->name);
	free(q);
}

/* Close with a reason: every pending command, then the owner, are told. */
static void qmp_fail(struct pvt_qmp *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void qmp_fail(struct pvt_qmp *q, const char *fmt, ...)
{
	char why[768], msg[1024];
	va_list ap;

	if (q->closed)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "QMP %s: %s", q->name, why);
	q->closed = true;
	q->ready = false;
	q->io = sd_event_source_disable_unref(q->io);
	q->greet_timer = sd_event_source_disable_unref(q->greet_timer);
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	qmp_ref(q);
	while (q->cmds && !q->freed) {
		struct cmd *c = q->cmds;

		q->cmds = c->next;
		if (c->fn)
			c->fn(q, NULL, msg, NULL, c->userdata);
		cmd_free(c);
	}
	if (!q->freed && q->ops.state)
		q->ops.state(q, msg, q->userdata);
	qmp_unref(q);
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
	if (err)
		return;		/* qmp_fail has told the owner */
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

static void greeting(struct pvt_qmp *q, json_object *msg)
{
	json_object *v, *x;

	if (!json_object_object_get_ex(msg, "QMP", &v)) {
		qmp_fail(q, "not a QMP greeting: %.200s",
			 json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN));
		return;
	}
	q->greeted = true;
	if (json_object_object_get_ex(v, "version", &x) && json_object_object_get_ex(x, "qemu", &x)) {
		json_object *ma, *mi, *mc;

		if (json_object_object_get_ex(x, "major", &ma) &&
		    json_object_object_get_ex(x, "minor", &mi) &&
		    json_object_object_get_ex(x, "micro", &mc))
			q->version = json_object_get_int(ma) * 10000 + json_object_get_int(mi) * 100 +
				     json_object_get_int(mc);
	}
	add_cmd(q, "qmp_capabilities", NULL, on_caps, NULL, true);
	queue_out(q, q->cmds->line);
	free(q->cmds->line);
	q->cmds->line = NULL;
	flush_out(q);
}

static void reply(struct pvt_qmp *q, json_object *msg)
{
	json_object *idv, *ret = NULL, *err = NULL;
	struct cmd **pp, *c;
	uint64_t id;
	bool has_ret = json_object_object_get_ex(msg, "return", &ret);
	bool has_err = json_object_object_get_ex(msg, "error", &err);
	const char *js = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN);

	if (!json_object_object_get_ex(msg, "id", &idv) || !json_object_is_type(idv, json_type_int)) {
		qmp_fail(q, "reply without our id: %.200s", js);
		return;
	}
	id = json_object_get_uint64(idv);
	for (pp = &q->cmds; *pp && (*pp)->id != id; pp = &(*pp)->next)
		;
	if (!*pp || (*pp)->line) {
		qmp_fail(q, "reply to no pending command (id %llu): %.200s",
			 (unsigned long long)id, js);
		return;
	}
	c = *pp;
	*pp = c->next;
	if (has_err) {
		json_object *cls = NULL, *desc = NULL;
		char *m;

		json_object_object_get_ex(err, "class", &cls);
		json_object_object_get_ex(err, "desc", &desc);
		m = pvt_xasprintf("%s: %s: %s", c->name, cls ? json_object_get_string(cls) : "Error",
				  desc ? json_object_get_string(desc) : "(no description)");
		if (c->fn)
			c->fn(q, NULL, m, cls ? json_object_get_string(cls) : "GenericError",
			      c->userdata);
		free(m);
	} else if (has_ret) {
		if (c->fn)
			c->fn(q, ret, NULL, NULL, c->userdata);
	} else {
		char *m = pvt_xasprintf("%s: malformed reply (neither return nor error): %.200s",
					c->name, js);

		cmd_free(c);
		qmp_fail(q, "%s", m);
		free(m);
		return;
	}
	cmd_free(c);
}

static void dispatch(struct pvt_qmp *q, json_object *msg)
{
	json_object *ev, *data = NULL;

	if (!json_object_is_type(msg, json_type_object)) {
		qmp_fail(q, "malformed message (not a JSON object): %.200s",
			 json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN));
		return;
	}
	if (!q->greeted) {
		greeting(q, msg);
		return;
	}
	if (json_object_object_get_ex(msg, "event", &ev)) {
		json_object_object_get_ex(msg, "data", &data);
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

int pvt_qmp_open_fd(sd_event *ev, int fd, const char *name, uint64_t timeout_usec,
		    const struct pvt_qmp_ops *ops, void *userdata, struct pvt_qmp **out,
		    struct pvt_err *e)
{
	struct pvt_qmp *q = pvt_xcalloc(1, sizeof(*q));
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	int r;

	q->ref = 1;
	q->fd = fd;
	q->name = pvt_xstrdup(name);
	q->ev = sd_event_ref(ev);
	q->timeout = timeout_usec;
	q->ops = *ops;
	q->userdata = userdata;
	q->tok = json_tokener_new_ex(64);
	json_tokener_set_flags(q->tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == 0)
		q->peer = cr.pid;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	r = sd_event_add_io(ev, &q->io, fd, EPOLLIN | EPOLLRDHUP, on_io, q);
	if (r >= 0)
		r = pvt_timer_add(ev, &q->greet_timer, timeout_usec, on_greet_timeout, q);
	if (r < 0) {
		pvt_fail(e, -r, "QMP %s: cannot watch the socket: %s", name, strerror(-r));
		q->freed = true;
		qmp_unref(q);
		return r;
	}
	*out = q;
	return 0;
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
	qmp_unref(q);
}
