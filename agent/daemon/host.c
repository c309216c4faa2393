/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * host.c: pvtuned's host mode. QMP sockets matching the configured
 * globs (default /run/pvtune/qmp/ *.sock) are found at start and watched
 * with inotify on their directories; each VM is connected as its socket
 * appears and the active profile's [qemu] section applied. A VM that exits
 * is forgotten; one that restarts (a new socket) is tuned again. Profile
 * switches restore the originals first, `off` restores them, and Verify
 * checks every connected VM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <libgen.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host.h"
#include "log.h"
#include "ops/ops.h"
#include "qemu/tune.h"
#include "units/check.h"
#include "util/timer.h"
#include "util/util.h"

#define RETRY_USEC (200 * 1000)
#define RETRIES 25		/* a socket bound but not yet listening: 5 s */

enum { WANT_NONE, WANT_APPLY, WANT_RESTORE_APPLY, WANT_RESTORE };

struct vm {
	struct vm *next;
	struct manager *d;
	char *sock;		/* real path */
	char *name;		/* socket basename without .sock */
	char *save_path;	/* logical: /run/pvtune/qemu/NAME.json */
	struct pvt_qmp *q;
	struct pvt_qemu_saved saved;
	sd_event_source *retry;
	int tries;
	bool busy;
	int want;
	bool verify;			/* a Verify asked */
	struct manager_wait *waiter;	/* a caller waiting for this VM */
};

struct host_watch {
	char *dir;		/* real directory */
	char *pattern;		/* basename glob */
	int wd;
};

struct host {
	struct vm *vms;
	struct host_watch *w;
	size_t nw;
	int ifd;
	sd_event_source *isrc;
	bool exiting;		/* restoring before pvtuned exits */
	sd_event_source *exit_timer;
};

static bool vm_connect(struct vm *v);
static int request(struct manager *d, enum manager_vm_op op, struct manager_wait *w);
static void vm_kick(struct vm *v);

/* The VM has nothing more to do: a call waiting for it gets its items. */
static void vm_settled(struct vm *v)
{
	struct manager_wait *w = v->waiter;

	if (!w || v->busy)
		return;
	v->waiter = NULL;
	manager_wait_release(w);
}
static void exit_if_idle(struct manager *d);

static struct host *H(struct manager *d)
{
	return d->host;
}

static void vm_free(struct vm *v)
{
	pvt_qmp_free(v->q);
	sd_event_source_disable_unref(v->retry);
	pvt_qemu_saved_free(&v->saved);
	free(v->sock);
	free(v->name);
	free(v->save_path);
	free(v);
}

static void vm_remove(struct vm *v, bool forget_saved)
{
	struct vm **pp;

	for (pp = &H(v->d)->vms; *pp && *pp != v; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = v->next;
	if (v->waiter) {
		pvt_report_add(&v->waiter->rep, "qemu", v->name, "qmp", NULL, NULL, NULL, PVT_ST_NA,
			       "VM replaced or forgotten meanwhile");
		v->busy = false;
		vm_settled(v);
	}
	if (forget_saved) {
		char *p = pvt_rooted(v->d->ctx.root, v->save_path);

		unlink(p);
		free(p);
	}
	vm_free(v);
}

static int active_cfg(struct manager *d, struct pvt_qemu_cfg *cfg, char **name)
{
	struct pvt_profile p;
	struct pvt_err e;
	int r;

	*name = pvt_active_get(&d->ctx);
	pvt_qemu_cfg_init(cfg);
	if (!*name)
		return 0;
	r = pvt_profile_load(&d->ctx, *name, &p, &e);
	if (r < 0) {
		pvt_log(LOG_ERR, "host mode: profile %s: %s", *name, e.msg);
		return r;
	}
	r = pvt_qemu_cfg_parse(pvt_profile_section(&p, "qemu"), cfg, &e);
	if (r < 0)
		pvt_log(LOG_ERR, "host mode: profile %s: %s", *name, e.msg);
	pvt_profile_free(&p);
	return r;
}

static void on_done(void *userdata, const struct pvt_report *rep, size_t bad, int mode)
{
	struct vm *v = userdata;
	const char *what = mode == PVT_QEMU_APPLY ? "applied" :
			   mode == PVT_QEMU_VERIFY ? "verified" : "restored";
	char *tag = pvt_xasprintf("vm %s", v->name);

	daemon_log_report(tag, rep);
	pvt_log(bad ? LOG_WARNING : LOG_INFO, "vm %s: %s (%zu items, %zu failed or mismatching)",
		v->name, what, rep->n, bad);
	free(tag);
	if (v->waiter) {
		struct manager_wait *w = v->waiter;

		pvt_report_append(&w->rep, rep);
		/* Profile and Verify fail on what does not hold (a required check too); Off on failures */
		w->bad += mode == PVT_QEMU_RESTORE ? pvt_report_count(rep, PVT_ST_FAILED) : bad;
	}
	v->busy = false;
	if (pvt_qmp_closed(v->q))
		return;		/* on_state removes the VM */
	vm_kick(v);
	vm_settled(v);
	exit_if_idle(v->d);
}

static void done_apply(void *u, const struct pvt_report *r, size_t b) { on_done(u, r, b, PVT_QEMU_APPLY); }
static void done_verify(void *u, const struct pvt_report *r, size_t b) { on_done(u, r, b, PVT_QEMU_VERIFY); }
static void done_restore(void *u, const struct pvt_report *r, size_t b) { on_done(u, r, b, PVT_QEMU_RESTORE); }

/* Start the next wanted job, if idle and connected. */
static void vm_kick(struct vm *v)
{
	struct pvt_qemu_cfg cfg;
	char *name = NULL;

	if (v->busy || !v->q || !pvt_qmp_ready(v->q))
		return;
	if (v->verify) {
		v->verify = false;
		if (active_cfg(v->d, &cfg, &name) < 0)
			pvt_qemu_cfg_init(&cfg);
		v->busy = true;
		pvt_qemu_run(v->q, v->d->ctx.root, v->name, PVT_QEMU_VERIFY, &cfg, &v->saved,
			     v->save_path, done_verify, v);
	} else if (v->want == WANT_RESTORE || v->want == WANT_RESTORE_APPLY) {
		v->want = v->want == WANT_RESTORE ? WANT_NONE : WANT_APPLY;
		if (!v->saved.naff && !v->saved.npoll) {
			vm_kick(v);
			return;
		}
		pvt_qemu_cfg_init(&cfg);
		v->busy = true;
		pvt_qemu_run(v->q, v->d->ctx.root, v->name, PVT_QEMU_RESTORE, &cfg, &v->saved,
			     v->save_path, done_restore, v);
	} else if (v->want == WANT_APPLY) {
		v->want = WANT_NONE;
		if (active_cfg(v->d, &cfg, &name) < 0 || !pvt_qemu_cfg_any(&cfg)) {
			if (!name)
				pvt_log(LOG_INFO, "vm %s: no active profile", v->name);
			free(name);
			return;
		}
		pvt_log(LOG_INFO, "vm %s: applying [qemu] of %s (pid %d)", v->name, name,
			(int)pvt_qmp_peer_pid(v->q));
		v->busy = true;
		pvt_qemu_run(v->q, v->d->ctx.root, v->name, PVT_QEMU_APPLY, &cfg, &v->saved,
			     v->save_path, done_apply, v);
	}
	free(name);
}

static void on_state(struct pvt_qmp *q, const char *why, void *userdata)
{
	struct vm *v = userdata;

	(void)q;
	if (!why) {
		pvt_log(LOG_INFO, "vm %s: QMP connected (pid %d, QEMU %d)", v->name,
			(int)pvt_qmp_peer_pid(v->q), pvt_qmp_version(v->q));
		vm_kick(v);
		return;
	}
	pvt_log(LOG_NOTICE, "vm %s: %s; forgetting it until its socket reappears", v->name, why);
	if (v->waiter) {
		pvt_report_add(&v->waiter->rep, "qemu", v->name, "qmp", NULL, NULL, NULL,
			       PVT_ST_FAILED, why);
		v->waiter->bad++;
		v->busy = false;
		vm_settled(v);
	}
	/*
	 * A running job has already finished: the client answers every pending
	 * command with the error before telling us. The process is gone (or its
	 * QMP is): its threads' originals mean nothing any more.
	 */
	{
		struct manager *d = v->d;

		vm_remove(v, true);
		exit_if_idle(d);
	}
}

static void on_event(struct pvt_qmp *q, const char *ev, json_object *data, void *userdata)
{
	struct vm *v = userdata;

	(void)q, (void)data;
	pvt_log(LOG_DEBUG, "vm %s: event %s", v->name, ev);
}

static const struct pvt_qmp_ops ops = { .state = on_state, .event = on_event };

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct vm *v = userdata;

	(void)s, (void)usec;
	v->retry = sd_event_source_disable_unref(v->retry);
	(void)vm_connect(v);	/* may remove it */
	return 0;
}

/* root, or a user named in qmp_users (a name or a uid) */
static bool uid_allowed(struct manager *d, uid_t uid)
{
	struct pvt_strv users = {0};
	bool ok = uid == 0;

	pvt_strv_split(&users, d->cfg.qmp_users, " \t,");
	for (size_t i = 0; i < users.n && !ok; i++) {
		struct passwd *pw = getpwnam(users.v[i]);
		int64_t n;

		ok = pw ? pw->pw_uid == uid : pvt_parse_i64(users.v[i], &n) && n == (int64_t)uid;
	}
	pvt_strv_free(&users);
	return ok;
}

/* The socket file, then its listener, must be root's or a qmp_users user's. */
static bool vm_allowed(struct vm *v, const struct pvt_qmp *q)
{
	struct stat st;

	if (!q) {
		if (lstat(v->sock, &st) < 0)
			return true;	/* connect says why */
		if (!S_ISSOCK(st.st_mode)) {
			pvt_log(LOG_WARNING, "vm %s: %s is not a socket: skipped", v->name, v->sock);
			return false;
		}
		if (!uid_allowed(v->d, st.st_uid)) {
			pvt_log(LOG_WARNING, "vm %s: socket %s is owned by uid %u, neither root nor in qmp_users: skipped",
				v->name, v->sock, (unsigned)st.st_uid);
			return false;
		}
		return true;
	}
	if (!uid_allowed(v->d, pvt_qmp_peer_uid(q))) {
		pvt_log(LOG_WARNING, "vm %s: the process on %s (pid %d) runs as uid %u, neither root nor in qmp_users: skipped",
			v->name, v->sock, (int)pvt_qmp_peer_pid(q), (unsigned)pvt_qmp_peer_uid(q));
		return false;
	}
	return true;
}

/* Connect, or retry later; false if the VM was removed (not allowed, or given up). */
static bool vm_connect(struct vm *v)
{
	struct pvt_err e;
	int r;

	if (!vm_allowed(v, NULL)) {
		vm_remove(v, false);
		return false;
	}
	if (pvt_qmp_connect(v->d->event, v->sock, v->d->cfg.qmp_timeout_ms * 1000ULL, &ops, v,
			    &v->q, &e) == 0) {
		if (vm_allowed(v, v->q))
			return true;
		vm_remove(v, false);
		return false;
	}
	v->q = NULL;
	if (++v->tries >= RETRIES) {
		pvt_log(LOG_WARNING, "vm %s: %s; giving up until the socket changes", v->name, e.msg);
		vm_remove(v, false);
		return false;
	}
	if (v->tries == 1)
		pvt_log(LOG_DEBUG, "vm %s: %s; retrying", v->name, e.msg);
	r = pvt_timer_add(v->d->event, &v->retry, RETRY_USEC, on_retry, v);
	if (r < 0)	/* kept unconnected: a change of its socket adds it again */
		pvt_log(LOG_WARNING, "vm %s: %s; cannot retry: %s", v->name, e.msg, strerror(-r));
	return true;
}

static struct vm *vm_find(struct manager *d, const char *sock)
{
	for (struct vm *v = H(d)->vms; v; v = v->next)
		if (strcmp(v->sock, sock) == 0)
			return v;
	return NULL;
}

/* @fresh: a new socket file (a new or restarted QEMU), replacing any old one. */
static void vm_add(struct manager *d, const char *sock, bool fresh)
{
	struct vm *v = vm_find(d, sock);
	char *base, *dot;
	struct pvt_err e;

	if (v) {
		if (!fresh && v->q && !pvt_qmp_closed(v->q))
			return;	/* already connected or connecting */
		vm_remove(v, fresh);
	}
	v = pvt_xcalloc(1, sizeof(*v));
	v->d = d;
	v->sock = pvt_xstrdup(sock);
	base = strrchr(sock, '/');
	v->name = pvt_xstrdup(base ? base + 1 : sock);
	if ((dot = strrchr(v->name, '.')) && strcmp(dot, ".sock") == 0)
		*dot = 0;
	v->save_path = pvt_xasprintf(PVT_STATE_DIR "/qemu/%s.json", v->name);
	v->want = WANT_APPLY;
	/* originals from an earlier pvtuned, if the same process still runs */
	if (pvt_qemu_saved_load(d->ctx.root, v->save_path, &v->saved, &e) < 0)
		pvt_log(LOG_WARNING, "vm %s: %s", v->name, e.msg);
	v->next = H(d)->vms;
	H(d)->vms = v;
	pvt_log(LOG_INFO, "vm %s: QMP socket %s", v->name, sock);
	if (!vm_connect(v))
		return;
	/* a different process than the one the originals were saved from */
	if (v->q && v->saved.pid && v->saved.pid != pvt_qmp_peer_pid(v->q))
		pvt_qemu_saved_free(&v->saved);
	else if (v->saved.naff || v->saved.npoll)
		pvt_log(LOG_NOTICE, "vm %s: originals saved by an earlier run kept", v->name);
}

static void scan(struct manager *d)
{
	struct host *h = H(d);

	for (size_t i = 0; i < h->nw; i++) {
		struct pvt_strv names = {0};

		if (pvt_list_dir("/", h->w[i].dir, &names, NULL) < 0)
			continue;
		for (size_t k = 0; k < names.n; k++)
			if (fnmatch(h->w[i].pattern, names.v[k], 0) == 0) {
				char *p = pvt_xasprintf("%s/%s", h->w[i].dir, names.v[k]);

				vm_add(d, p, false);
				free(p);
			}
		pvt_strv_free(&names);
	}
}

static int on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct manager *d = userdata;
	struct host *h = H(d);
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	(void)s, (void)revents;
	n = read(fd, buf, sizeof(buf));
	for (char *p = buf; n > 0 && p < buf + n;) {
		struct inotify_event *ev = (struct inotify_event *)p;

		p += sizeof(*ev) + ev->len;
		if (!ev->len)
			continue;
		for (size_t i = 0; i < h->nw; i++) {
			char *path;
			struct vm *v;

			if (h->w[i].wd != ev->wd || fnmatch(h->w[i].pattern, ev->name, 0) != 0)
				continue;
			path = pvt_xasprintf("%s/%s", h->w[i].dir, ev->name);
			if (ev->mask & (IN_CREATE | IN_MOVED_TO | IN_ATTRIB)) {
				vm_add(d, path, ev->mask & (IN_CREATE | IN_MOVED_TO));
			} else if ((ev->mask & (IN_DELETE | IN_MOVED_FROM)) && (v = vm_find(d, path)) &&
				   (!v->q || pvt_qmp_closed(v->q))) {
				vm_remove(v, false);
			}
			free(path);
		}
	}
	return 0;
}

int daemon_host_start(struct manager *d, struct pvt_err *e)
{
	struct host *h = pvt_xcalloc(1, sizeof(*h));
	struct pvt_strv globs = {0};
	int r;

	d->host = h;
	d->vms = request;
	h->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (h->ifd < 0)
		return pvt_fail(e, errno, "inotify: %s", strerror(errno));
	pvt_strv_split(&globs, d->cfg.qmp_sockets, " \t,");
	for (size_t i = 0; i < globs.n; i++) {
		char *real = pvt_rooted(d->ctx.root, globs.v[i]);
		char *slash = strrchr(real, '/');
		struct host_watch w;

		if (!slash || slash == real || strpbrk(real, "*?[") < slash) {
			pvt_log(LOG_WARNING, "qmp_sockets: '%s': only the file name may have wildcards", globs.v[i]);
			free(real);
			continue;
		}
		*slash = 0;
		w.dir = pvt_xstrdup(real);
		w.pattern = pvt_xstrdup(slash + 1);
		free(real);
		/* the default directory is ours to create; others must exist */
		if (strcmp(globs.v[i], PVT_DEFAULT_QMP_SOCKETS) == 0)
			pvt_mkdir_p("/", w.dir, NULL);
		w.wd = inotify_add_watch(h->ifd, w.dir, IN_CREATE | IN_MOVED_TO | IN_ATTRIB |
					 IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR);
		if (w.wd < 0) {
			pvt_log(LOG_WARNING, "host mode: cannot watch %s: %s", w.dir, strerror(errno));
			free(w.dir);
			free(w.pattern);
			continue;
		}
		h->w = pvt_xrealloc(h->w, (h->nw + 1) * sizeof(*h->w));
		h->w[h->nw++] = w;
		pvt_log(LOG_INFO, "host mode: watching %s/%s", w.dir, w.pattern);
	}
	pvt_strv_free(&globs);
	r = sd_event_add_io(d->event, &h->isrc, h->ifd, EPOLLIN, on_inotify, d);
	if (r < 0)
		return pvt_fail(e, -r, "cannot watch inotify");
	scan(d);
	return 0;
}

static void for_each(struct manager *d, int want)
{
	if (!d->host)
		return;
	for (struct vm *v = H(d)->vms; v; v = v->next) {
		v->want = want;
		vm_kick(v);
	}
}

/*
 * The manager's vms hook: run @op on every VM. With @w, the caller waits
 * until every connected VM has settled, with their items after the guest's;
 * returns 0 when no VM is known (nothing waits), else 1.
 */
static int request(struct manager *d, enum manager_vm_op op, struct manager_wait *w)
{
	int want = op == MANAGER_VM_APPLY ? WANT_RESTORE_APPLY :
		   op == MANAGER_VM_RESTORE ? WANT_RESTORE : WANT_NONE;
	bool verify = op == MANAGER_VM_VERIFY;

	if (!d->host || !H(d)->vms)
		return 0;
	for (struct vm *v = H(d)->vms; v; v = v->next) {
		if (want != WANT_NONE)
			v->want = want;
		if (!v->q || !pvt_qmp_ready(v->q)) {
			if (w)
				pvt_report_add(&w->rep, "qemu", v->name, "qmp", NULL, NULL, NULL,
					       PVT_ST_NA, "not connected yet (tuned when it connects)");
			continue;
		}
		v->verify |= verify;
		if (w && !v->waiter) {
			v->waiter = w;
			manager_wait_hold(w);
		} else if (w) {
			pvt_report_add(&w->rep, "qemu", v->name, "qmp", NULL, NULL, NULL, PVT_ST_NA,
				       "busy with another request");
		}
	}
	for (struct vm *v = H(d)->vms; v; v = v->next) {
		vm_kick(v);
		if (w && v->waiter == w)
			vm_settled(v);	/* nothing to do for it */
	}
	return 1;
}

static void exit_if_idle(struct manager *d)
{
	if (!H(d)->exiting)
		return;
	for (struct vm *v = H(d)->vms; v; v = v->next)
		if (v->busy || (v->want != WANT_NONE && v->q && pvt_qmp_ready(v->q)))
			return;
	pvt_log(LOG_INFO, "host mode: VM originals restored");
	H(d)->exiting = false;
	sd_event_exit(d->event, 0);
}

static int on_exit_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s, (void)usec;
	pvt_log(LOG_WARNING, "host mode: VMs not restored within 5 s; exiting anyway");
	return sd_event_exit(((struct manager *)userdata)->event, 0);
}

int daemon_host_begin_exit(struct manager *d)
{
	struct host *h = H(d);
	bool any = false;
	int r;

	if (!h || h->exiting)
		return 0;
	for (struct vm *v = h->vms; v; v = v->next)
		any |= v->saved.naff || v->saved.npoll;
	if (!any)
		return 0;
	h->exiting = true;
	r = pvt_timer_add(d->event, &h->exit_timer, 5 * 1000 * 1000, on_exit_timeout, d);
	if (r < 0)	/* each QMP command still has its timeout */
		pvt_log(LOG_WARNING, "host mode: no 5 s limit on restoring the VMs: %s",
			strerror(-r));
	for_each(d, WANT_RESTORE);
	exit_if_idle(d);
	return 1;
}

void daemon_host_stop(struct manager *d)
{
	struct host *h = H(d);

	if (!h)
		return;
	sd_event_source_disable_unref(h->exit_timer);
	while (h->vms)
		vm_remove(h->vms, false);
	sd_event_source_disable_unref(h->isrc);
	if (h->ifd >= 0)
		close(h->ifd);
	for (size_t i = 0; i < h->nw; i++) {
		free(h->w[i].dir);
		free(h->w[i].pattern);
	}
	free(h->w);
	free(h);
	d->host = NULL;
	d->vms = NULL;
}
