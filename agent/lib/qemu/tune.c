/* qemu_tune.c: apply, verify and restore a [qemu] section on one VM (qemu_tune.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cpulist.h"
#include "qemu/tune.h"
#include "util/util.h"

struct job {
	struct pvt_qmp *q;
	char *root, *vm, *save_path;
	enum pvt_qemu_mode mode;
	struct pvt_qemu_cfg cfg;
	struct pvt_qemu_saved *saved;
	pvt_qemu_done_fn done;
	void *userdata;
	struct pvt_report rep;
	size_t bad;
	int pending;
	int stage;
	json_object *iothreads, *cpus, *block, *objects, *nodes;
	bool fallback;		/* iothreads found without query-iothreads */
	char *block_err;	/* why query-block (and the fallback) gave nothing */
};

struct x2req {
	struct job *j;
	char *what;
};

static void stage_next(struct job *j);

static void add(struct job *j, const char *key, const char *expected, const char *actual,
		enum pvt_status st, const char *note)
{
	pvt_report_add(&j->rep, "qemu", j->vm, key, NULL, expected, actual, st, note);
	if (st == PVT_ST_FAILED || st == PVT_ST_MISMATCH)
		j->bad++;
}

static void finish_one(struct job *j)
{
	if (--j->pending == 0)
		stage_next(j);
}

/* ---- affinity ---- */

static char *get_affinity(pid_t tid)
{
	cpu_set_t set;
	struct pvt_cpuset cs = {0};

	if (sched_getaffinity(tid, sizeof(set), &set) < 0)
		return NULL;
	for (int i = 0; i < CPU_SETSIZE && i < PVT_MAX_CPUS; i++)
		cs.cpu[i] = CPU_ISSET(i, &set);
	return pvt_cpulist_format(&cs);
}

static int set_affinity(pid_t tid, const char *list)
{
	struct pvt_cpuset cs;
	cpu_set_t set;

	if (pvt_cpulist_parse(list, &cs, NULL) < 0)
		return -EINVAL;
	CPU_ZERO(&set);
	for (int i = 0; i < CPU_SETSIZE && i < PVT_MAX_CPUS; i++)
		if (cs.cpu[i])
			CPU_SET(i, &set);
	return sched_setaffinity(tid, sizeof(set), &set) < 0 ? -errno : 0;
}

/* A thread of this VM's process (not a recycled TID of another). */
static bool own_thread(pid_t pid, pid_t tid)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/%d/task/%d", (int)pid, (int)tid);
	return pid <= 0 || access(p, F_OK) == 0;
}

static void remember_aff(struct job *j, pid_t tid, const char *what, const char *cur)
{
	struct pvt_qemu_saved *s = j->saved;

	for (size_t i = 0; i < s->naff; i++)
		if (s->aff[i].tid == tid)
			return;
	s->aff = pvt_xrealloc(s->aff, (s->naff + 1) * sizeof(*s->aff));
	s->aff[s->naff++] = (struct pvt_qemu_aff){ tid, pvt_xstrdup(what), pvt_xstrdup(cur) };
}

static void pin(struct job *j, pid_t tid, const char *what, const char *want)
{
	char *cur = get_affinity(tid);
	char *key = pvt_xasprintf("%s affinity", what);
	char *note = NULL;
	struct pvt_err e;
	int r;

	if (!cur) {
		note = pvt_xasprintf("thread %d: %s", (int)tid, strerror(errno));
		add(j, key, want, NULL, PVT_ST_FAILED, note);
	} else if (j->mode == PVT_QEMU_VERIFY) {
		add(j, key, want, cur, pvt_cpulist_equal(cur, want) ? PVT_ST_OK : PVT_ST_MISMATCH, NULL);
	} else if (pvt_cpulist_equal(cur, want)) {
		add(j, key, want, cur, PVT_ST_OK, NULL);
	} else {
		remember_aff(j, tid, what, cur);
		if (pvt_qemu_saved_persist(j->root, j->save_path, j->saved, &e) < 0) {
			add(j, key, want, cur, PVT_ST_FAILED, e.msg);
		} else if ((r = set_affinity(tid, want)) < 0) {
			note = pvt_xasprintf("sched_setaffinity(%d): %s", (int)tid, strerror(-r));
			add(j, key, want, cur, PVT_ST_FAILED, note);
		} else {
			add(j, key, want, cur, PVT_ST_CHANGED, NULL);
		}
	}
	free(note);
	free(cur);
	free(key);
}

/* ---- CPUs for iothread_cpus=auto ---- */

static void read_set(const char *root, const char *path, struct pvt_cpuset *cs)
{
	char *s = NULL;

	if (pvt_read_file(root, path, &s, NULL) < 0 || pvt_cpulist_parse(s, cs, NULL) < 0)
		memset(cs, 0, sizeof(*cs));
	free(s);
}

/*
 * Host CPUs that run no vCPU of this VM, in the vCPUs' NUMA node(s). The
 * vCPUs' CPUs are vcpu_cpus= when given, else their current affinities. If
 * that leaves nothing (unpinned vCPUs), the last online CPU, with a warning.
 */
static char *auto_io_cpus(struct job *j, const struct pvt_cpuset *vcpus, char **note)
{
	struct pvt_cpuset online, nodes = {0}, out = {0};
	struct pvt_strv names = {0};
	bool any_node = false;

	read_set(j->root, "/sys/devices/system/cpu/online", &online);
	pvt_list_dir(j->root, "/sys/devices/system/node", &names, NULL);
	for (size_t i = 0; i < names.n; i++) {
		struct pvt_cpuset n;
		char *p;
		bool hit = false;

		if (strncmp(names.v[i], "node", 4) != 0)
			continue;
		p = pvt_xasprintf("/sys/devices/system/node/%s/cpulist", names.v[i]);
		read_set(j->root, p, &n);
		free(p);
		for (int c = 0; c < PVT_MAX_CPUS; c++)
			hit |= n.cpu[c] && vcpus->cpu[c];
		if (hit) {
			any_node = true;
			for (int c = 0; c < PVT_MAX_CPUS; c++)
				nodes.cpu[c] |= n.cpu[c];
		}
	}
	pvt_strv_free(&names);
	for (int c = 0; c < PVT_MAX_CPUS; c++)
		out.cpu[c] = online.cpu[c] && !vcpus->cpu[c] && (!any_node || nodes.cpu[c]);
	if (pvt_cpuset_count(&out) == 0) {
		int last = -1;

		for (int c = 0; c < PVT_MAX_CPUS; c++)
			if (online.cpu[c])
				last = c;
		if (last < 0)
			last = 0;
		out.cpu[last] = true;
		*note = pvt_xasprintf("every CPU may run a vCPU; iothreads on CPU %d (set vcpu_cpus to keep them apart)", last);
	}
	return pvt_cpulist_format(&out);
}

/* ---- polling ---- */

static void on_qom_set(struct pvt_qmp *q, json_object *ret, const char *err, const char *cls,
		       void *ud)
{
	struct x2req *r = ud;

	(void)q, (void)ret, (void)cls;
	if (err) {
		/* turn the CHANGED item added optimistically into a failure */
		for (size_t i = r->j->rep.n; i-- > 0;) {
			struct pvt_result *x = &r->j->rep.r[i];

			if (x->key && strcmp(x->key, r->what) == 0) {
				x->st = PVT_ST_FAILED;
				free(x->note);
				x->note = pvt_xstrdup(err);
				r->j->bad++;
				break;
			}
		}
	}
	finish_one(r->j);
	free(r->what);
	free(r);
}

static void qom_set(struct job *j, const char *id, const char *prop, int64_t v, const char *key)
{
	json_object *a = json_object_new_object();
	struct x2req *r = pvt_xcalloc(1, sizeof(*r));
	char *path = pvt_xasprintf("/objects/%s", id);

	json_object_object_add(a, "path", json_object_new_string(path));
	json_object_object_add(a, "property", json_object_new_string(prop));
	json_object_object_add(a, "value", json_object_new_int64(v));
	free(path);
	r->j = j;
	r->what = pvt_xstrdup(key);
	j->pending++;
	if (pvt_qmp_command(j->q, "qom-set", a, on_qom_set, r) < 0) {
		j->pending--;
		free(r->what);
		free(r);
	}
}

static int64_t get_i64(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : -1;
}

static void poll_one(struct job *j, json_object *it)
{
	static const char *const props[] = { "poll-max-ns", "poll-grow", "poll-shrink" };
	const int64_t want[] = { j->cfg.poll_max_ns, j->cfg.poll_grow, j->cfg.poll_shrink };
	json_object *idv;
	const char *id;
	bool saved = false;

	if (!json_object_object_get_ex(it, "id", &idv))
		return;
	id = json_object_get_string(idv);
	for (int k = 0; k < 3; k++) {
		int64_t cur = get_i64(it, props[k]);
		char *key, *ws, *cs;

		if (want[k] < 0)
			continue;
		key = pvt_xasprintf("iothread %s %s", id, props[k]);
		ws = pvt_xasprintf("%" PRId64, want[k]);
		cs = pvt_xasprintf("%" PRId64, cur);
		if (cur == want[k]) {
			add(j, key, ws, cs, PVT_ST_OK, NULL);
		} else if (j->mode == PVT_QEMU_VERIFY) {
			add(j, key, ws, cs, PVT_ST_MISMATCH, NULL);
		} else {
			struct pvt_qemu_saved *s = j->saved;
			struct pvt_err e;

			for (size_t i = 0; i < s->npoll && !saved; i++)
				saved = strcmp(s->poll[i].id, id) == 0;
			if (!saved) {
				s->poll = pvt_xrealloc(s->poll, (s->npoll + 1) * sizeof(*s->poll));
				s->poll[s->npoll++] = (struct pvt_qemu_poll){ pvt_xstrdup(id),
					get_i64(it, "poll-max-ns"), get_i64(it, "poll-grow"),
					get_i64(it, "poll-shrink") };
				saved = true;
				if (pvt_qemu_saved_persist(j->root, j->save_path, s, &e) < 0) {
					add(j, key, ws, cs, PVT_ST_FAILED, e.msg);
					goto next;
				}
			}
			add(j, key, ws, cs, PVT_ST_CHANGED, NULL);
			qom_set(j, id, props[k], want[k], key);
		}
next:
		free(key);
		free(ws);
		free(cs);
	}
}

/* ---- checks: cache, aio, x2apic ---- */

static bool get_bool(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

static const char *cache_name(bool wb, bool direct, bool noflush)
{
	if (noflush)
		return "unsafe";
	if (direct)
		return wb ? "none" : "directsync";
	return wb ? "writeback" : "writethrough";
}

static const char *str(json_object *o, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : NULL;
}

/*
 * live_cache_none: blockdev-reopen the drive's format node and its protocol
 * child with cache.direct on. Only nodes named by the user (-blockdev) can be
 * reopened; -drive's automatic names ("#block123") are refused by QEMU.
 * Returns NULL when the reopen was sent, else why not.
 */
static char *reopen_direct(struct job *j, json_object *ins, const char *key)
{
	const char *nn = str(ins, "node-name"), *drv = str(ins, "drv"), *file = str(ins, "file");
	json_object *opts, *cache, *a, *fmt;
	const char *child = NULL, *child_drv = NULL;
	struct x2req *r;
	size_t n = j->nodes ? json_object_array_length(j->nodes) : 0;

	if (!nn || !drv || !file)
		return pvt_xstrdup("cannot reopen live: node unknown");
	if (nn[0] == '#')
		return pvt_xstrdup("cannot reopen live: defined with -drive (automatic node names); use -blockdev, or restart with cache=none");
	for (size_t i = 0; i < n && strcmp(drv, "file") && strcmp(drv, "host_device"); i++) {
		json_object *x = json_object_array_get_idx(j->nodes, i);
		const char *xd = str(x, "drv"), *xn = str(x, "node-name"), *xf = str(x, "file");

		if (xd && xn && xf && strcmp(xn, nn) && strcmp(xf, file) == 0 &&
		    (!strcmp(xd, "file") || !strcmp(xd, "host_device"))) {
			child = xn;
			child_drv = xd;
		}
	}
	if (strcmp(drv, "file") && strcmp(drv, "host_device") && !child)
		return pvt_xstrdup("cannot reopen live: no file node found under the drive");
	opts = json_object_new_array();
	cache = json_tokener_parse("{\"direct\":true,\"no-flush\":false}");
	fmt = json_object_new_object();
	json_object_object_add(fmt, "driver", json_object_new_string(drv));
	json_object_object_add(fmt, "node-name", json_object_new_string(nn));
	if (child)
		json_object_object_add(fmt, "file", json_object_new_string(child));
	else
		json_object_object_add(fmt, "filename", json_object_new_string(file));
	json_object_object_add(fmt, "cache", json_object_get(cache));
	json_object_array_add(opts, fmt);
	if (child) {
		json_object *c = json_object_new_object();

		json_object_object_add(c, "driver", json_object_new_string(child_drv));
		json_object_object_add(c, "node-name", json_object_new_string(child));
		json_object_object_add(c, "filename", json_object_new_string(file));
		json_object_object_add(c, "cache", json_object_get(cache));
		json_object_array_add(opts, c);
	}
	json_object_put(cache);
	a = json_object_new_object();
	json_object_object_add(a, "options", opts);
	r = pvt_xcalloc(1, sizeof(*r));
	r->j = j;
	r->what = pvt_xstrdup(key);
	j->pending++;
	if (pvt_qmp_command(j->q, "blockdev-reopen", a, on_qom_set, r) < 0) {
		j->pending--;
		free(r->what);
		free(r);
		return pvt_xstrdup("QMP connection closed");
	}
	return NULL;
}

static void check_cache(struct job *j)
{
	enum pvt_status bad = j->cfg.cache == PVT_LVL_REQUIRE ? PVT_ST_MISMATCH : PVT_ST_WARN;
	size_t n = j->block ? json_object_array_length(j->block) : 0;
	bool any = false;

	if (!j->cfg.cache)
		return;
	if (!j->block) {
		add(j, "cache", "none", NULL, PVT_ST_NA, j->block_err ? j->block_err : "no block information");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *d = json_object_array_get_idx(j->block, i), *ins, *c, *name;
		bool direct, noflush;
		char *key, *note = NULL;
		const char *nm;

		if (!json_object_object_get_ex(d, "inserted", &ins)) {
			if (json_object_object_get_ex(d, "device", NULL))
				continue;	/* query-block: an empty drive */
			ins = d;		/* query-named-block-nodes */
		}
		if (!json_object_object_get_ex(ins, "cache", &c))
			continue;
		name = NULL;
		if (json_object_object_get_ex(d, "device", &name) && !*json_object_get_string(name))
			name = NULL;
		if (!name && !json_object_object_get_ex(d, "qdev", &name))
			json_object_object_get_ex(ins, "node-name", &name);
		nm = name ? json_object_get_string(name) : "?";
		any = true;
		direct = get_bool(c, "direct");
		noflush = get_bool(c, "no-flush");
		key = pvt_xasprintf("drive %s cache", nm);
		if ((!direct || noflush) && j->mode == PVT_QEMU_APPLY && j->cfg.live_cache_none) {
			char *why = reopen_direct(j, ins, key);

			if (!why) {
				add(j, key, "none", cache_name(get_bool(c, "writeback"), direct, noflush),
				    PVT_ST_CHANGED, "blockdev-reopen with cache.direct=on (not restored by off)");
				free(key);
				continue;
			}
			note = pvt_xasprintf("cache.direct=%s no-flush=%s: %s", direct ? "on" : "off",
					     noflush ? "on" : "off", why);
			free(why);
		} else if (!direct || noflush)
			note = pvt_xasprintf("cache.direct=%s no-flush=%s: start the drive with cache=none (cache.direct=on)%s",
					     direct ? "on" : "off", noflush ? "on" : "off",
					     j->cfg.live_cache_none ? "" : ", or set live_cache_none=1");
		add(j, key, "none", cache_name(get_bool(c, "writeback"), direct, noflush),
		    direct && !noflush ? PVT_ST_OK : bad, note);
		free(key);
		free(note);
	}
	if (!any)
		add(j, "cache", "none", NULL, PVT_ST_NA, "no drive with a medium");
}

/* The aio= modes on the process's command line (QEMU reports none over QMP). */
static void check_aio(struct job *j)
{
	enum pvt_status bad = j->cfg.aio_level == PVT_LVL_REQUIRE ? PVT_ST_MISMATCH : PVT_ST_WARN;
	pid_t pid = pvt_qmp_peer_pid(j->q);
	struct pvt_strv want = {0}, seen = {0};
	char path[64], buf[65536];
	FILE *f;
	size_t n;
	bool ok = true, drives = false;
	char *actual = NULL;

	if (!j->cfg.aio_level)
		return;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	f = pid > 0 ? fopen(path, "r") : NULL;
	if (!f) {
		add(j, "aio", j->cfg.aio, NULL, PVT_ST_NA, "cannot read the QEMU command line");
		return;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	pvt_strv_split(&want, j->cfg.aio, "|");
	for (size_t off = 0; off < n; off += strlen(buf + off) + 1) {
		const char *a = buf + off, *p;

		if (strstr(a, "file=") || strstr(a, "filename") || strstr(a, "driver=file") ||
		    strstr(a, "\"driver\":\"file\"") || strstr(a, "host_device"))
			drives = true;
		for (p = a; (p = strstr(p, "aio")); p += 3) {
			char v[16] = "";

			if (sscanf(p, "aio=%15[a-z_]", v) != 1 &&
			    sscanf(p, "aio\":\"%15[a-z_]", v) != 1 &&
			    sscanf(p, "aio\": \"%15[a-z_]", v) != 1)
				continue;
			if (!pvt_strv_contains(&seen, v))
				pvt_strv_push(&seen, v);
		}
	}
	if (!seen.n && drives)
		pvt_strv_push(&seen, "threads");	/* QEMU's default */
	for (size_t i = 0; i < seen.n; i++) {
		ok &= pvt_strv_contains(&want, seen.v[i]);
		char *t = pvt_xasprintf("%s%s%s", actual ? actual : "", actual ? "," : "", seen.v[i]);

		free(actual);
		actual = t;
	}
	if (!seen.n)
		add(j, "aio", j->cfg.aio, NULL, PVT_ST_NA, "no file-backed drive on the command line");
	else
		add(j, "aio", j->cfg.aio, actual, ok ? PVT_ST_OK : bad,
		    ok ? NULL : "set aio=native (with cache=none) or aio=io_uring on the drive");
	free(actual);
	pvt_strv_free(&want);
	pvt_strv_free(&seen);
}

static void on_x2apic(struct pvt_qmp *q, json_object *ret, const char *err, const char *cls,
		      void *ud)
{
	struct x2req *r = ud;
	struct job *j = r->j;
	enum pvt_status bad = j->cfg.x2apic == PVT_LVL_REQUIRE ? PVT_ST_MISMATCH : PVT_ST_WARN;

	(void)q, (void)cls;
	if (err)
		add(j, r->what, "on", NULL, PVT_ST_NA, err);
	else if (json_object_get_boolean(ret))
		add(j, r->what, "on", "on", PVT_ST_OK, NULL);
	else
		add(j, r->what, "on", "off", bad,
		    "start QEMU with -cpu ...,+x2apic (KVM; TCG offers no x2APIC)");
	finish_one(j);
	free(r->what);
	free(r);
}

static void check_x2apic(struct job *j, json_object *cpu, int idx)
{
	json_object *path, *a;
	struct x2req *r;

	if (!j->cfg.x2apic || !json_object_object_get_ex(cpu, "qom-path", &path))
		return;
	a = json_object_new_object();
	json_object_object_add(a, "path", json_object_get(path));
	json_object_object_add(a, "property", json_object_new_string("x2apic"));
	r = pvt_xcalloc(1, sizeof(*r));
	r->j = j;
	r->what = pvt_xasprintf("vcpu %d x2apic", idx);
	j->pending++;
	if (pvt_qmp_command(j->q, "qom-get", a, on_x2apic, r) < 0) {
		j->pending--;
		free(r->what);
		free(r);
	}
}

/* ---- stages ---- */

static void restore(struct job *j)
{
	struct pvt_qemu_saved *s = j->saved;
	pid_t pid = pvt_qmp_peer_pid(j->q);

	for (size_t i = 0; i < s->naff; i++) {
		struct pvt_qemu_aff *a = &s->aff[i];
		char *key = pvt_xasprintf("%s affinity", a->what), *note = NULL;
		int r;

		if (!own_thread(pid, a->tid)) {
			add(j, key, a->cpus, NULL, PVT_ST_NA, "thread gone");
		} else if ((r = set_affinity(a->tid, a->cpus)) < 0) {
			note = pvt_xasprintf("sched_setaffinity(%d): %s", (int)a->tid, strerror(-r));
			add(j, key, a->cpus, NULL, PVT_ST_FAILED, note);
		} else {
			add(j, key, a->cpus, NULL, PVT_ST_RESTORED, NULL);
		}
		free(note);
		free(key);
	}
	for (size_t i = 0; i < s->npoll; i++) {
		struct pvt_qemu_poll *p = &s->poll[i];
		static const char *const props[] = { "poll-max-ns", "poll-grow", "poll-shrink" };
		const int64_t v[] = { p->max_ns, p->grow, p->shrink };

		for (int k = 0; k < 3; k++) {
			char *key, *vs;

			if (v[k] < 0)
				continue;
			key = pvt_xasprintf("iothread %s %s", p->id, props[k]);
			vs = pvt_xasprintf("%" PRId64, v[k]);
			add(j, key, vs, NULL, PVT_ST_RESTORED, NULL);
			qom_set(j, p->id, props[k], v[k], key);
			free(key);
			free(vs);
		}
	}
}

static void tune(struct job *j)
{
	struct pvt_cpuset vset = {0};
	size_t ncpu = j->cpus ? json_object_array_length(j->cpus) : 0;
	size_t nio = j->iothreads ? json_object_array_length(j->iothreads) : 0;
	char *vlist = j->cfg.vcpu_set ? pvt_cpulist_format(&j->cfg.vcpu_cpus) : NULL;
	char *iolist = NULL, *note = NULL;

	if (j->bad) {
		free(vlist);
		return;	/* a query failed (reported): change nothing */
	}
	/* vCPUs first: iothread_cpus=auto depends on where they run */
	for (size_t i = 0; i < ncpu; i++) {
		json_object *c = json_object_array_get_idx(j->cpus, i);
		pid_t tid = (pid_t)get_i64(c, "thread-id");
		int idx = (int)get_i64(c, "cpu-index");
		char *what = pvt_xasprintf("vcpu %d", idx);

		if (vlist) {
			pin(j, tid, what, vlist);
		} else {
			char *cur = get_affinity(tid);
			struct pvt_cpuset cs;

			if (cur && pvt_cpulist_parse(cur, &cs, NULL) == 0)
				for (int k = 0; k < PVT_MAX_CPUS; k++)
					vset.cpu[k] |= cs.cpu[k];
			free(cur);
		}
		check_x2apic(j, c, idx);
		free(what);
	}
	if (vlist)
		vset = j->cfg.vcpu_cpus;
	if (j->cfg.io_set && nio) {
		iolist = j->cfg.io_auto ? auto_io_cpus(j, &vset, &note) : pvt_cpulist_format(&j->cfg.io_cpus);
		if (note)
			add(j, "iothread_cpus auto", iolist, NULL, PVT_ST_WARN, note);
	} else if (j->cfg.io_set) {
		add(j, "iothreads", "at least one", "0", j->mode == PVT_QEMU_VERIFY ? PVT_ST_MISMATCH : PVT_ST_WARN,
		    "no iothread: disks run in QEMU's main loop (see pvtune-adm qemu-args)");
	}
	for (size_t i = 0; i < nio; i++) {
		json_object *it = json_object_array_get_idx(j->iothreads, i), *idv;
		char *what;

		if (!json_object_object_get_ex(it, "id", &idv))
			continue;
		what = pvt_xasprintf("iothread %s", json_object_get_string(idv));
		if (iolist)
			pin(j, (pid_t)get_i64(it, "thread-id"), what, iolist);
		poll_one(j, it);
		free(what);
	}
	check_cache(j);
	check_aio(j);
	free(vlist);
	free(iolist);
	free(note);
}

static void job_free(struct job *j)
{
	json_object_put(j->iothreads);
	json_object_put(j->cpus);
	json_object_put(j->block);
	json_object_put(j->objects);
	json_object_put(j->nodes);
	pvt_report_free(&j->rep);
	free(j->block_err);
	free(j->root);
	free(j->vm);
	free(j->save_path);
	free(j);
}

/* ---- qemu-storage-daemon (7.2): no query-iothreads ---- */

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/*
 * The process's iothreads, oldest first: every thread but the main one that
 * is not asleep in futex() (the RCU thread and idle thread-pool workers are;
 * an iothread waits in ppoll/epoll or runs, polling).
 */
static size_t guess_iothreads(pid_t pid, int *out, size_t max)
{
	struct pvt_strv names = {0};
	char *dir = pvt_xasprintf("/proc/%d/task", (int)pid);
	int *tids;
	size_t n = 0, k = 0;

	pvt_list_dir("/", dir, &names, NULL);
	tids = pvt_xcalloc(names.n + 1, sizeof(*tids));
	for (size_t i = 0; i < names.n; i++)
		tids[n++] = atoi(names.v[i]);
	qsort(tids, n, sizeof(*tids), cmp_int);
	for (size_t i = 0; i < n && k < max; i++) {
		char *p, *sc = NULL;

		if (tids[i] == pid)
			continue;
		p = pvt_xasprintf("/proc/%d/task/%d/syscall", (int)pid, tids[i]);
		if (pvt_read_file("/", p, &sc, NULL) == 0 && strncmp(sc, "202 ", 4) != 0)
			out[k++] = tids[i];
		free(sc);
		free(p);
	}
	free(tids);
	free(dir);
	pvt_strv_free(&names);
	return k;
}

struct propreq {
	struct job *j;
	json_object *obj;
	const char *prop;
};

static void on_prop(struct pvt_qmp *q, json_object *ret, const char *err, const char *cls,
		    void *ud)
{
	struct propreq *r = ud;

	(void)q, (void)err, (void)cls;
	if (ret)
		json_object_object_add(r->obj, r->prop, json_object_get(ret));
	finish_one(r->j);
	free(r);
}

static void fallback(struct job *j)
{
	static const char *const props[] = { "poll-max-ns", "poll-grow", "poll-shrink" };
	size_t n = json_object_array_length(j->objects), nio = 0, found;
	int tids[64];
	char *list = NULL;

	j->fallback = true;
	j->iothreads = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(j->objects, i), *t, *nm;

		if (json_object_object_get_ex(c, "type", &t) &&
		    strcmp(json_object_get_string(t), "child<iothread>") == 0 &&
		    json_object_object_get_ex(c, "name", &nm) && nio < 64) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "id", json_object_get(nm));
			json_object_array_add(j->iothreads, o);
			nio++;
		}
	}
	found = guess_iothreads(pvt_qmp_peer_pid(j->q), tids, nio);
	for (size_t i = 0; i < nio; i++) {
		json_object *o = json_object_array_get_idx(j->iothreads, i);
		char *t;

		if (i < found) {
			json_object_object_add(o, "thread-id", json_object_new_int(tids[i]));
			t = pvt_xasprintf("%s%s%d", list ? list : "", list ? "," : "", tids[i]);
			free(list);
			list = t;
		}
		for (int k = 0; k < 3; k++) {
			json_object *a = json_object_new_object();
			struct propreq *r = pvt_xcalloc(1, sizeof(*r));
			char *path = pvt_xasprintf("/objects/%s", json_object_get_string(
				json_object_object_get(o, "id")));

			json_object_object_add(a, "path", json_object_new_string(path));
			json_object_object_add(a, "property", json_object_new_string(props[k]));
			free(path);
			*r = (struct propreq){ j, o, props[k] };
			j->pending++;
			if (pvt_qmp_command(j->q, "qom-get", a, on_prop, r) < 0) {
				j->pending--;
				free(r);
			}
		}
	}
	if (nio)
		add(j, "iothread threads", NULL, list ? list : "none", found == nio ? PVT_ST_OK : PVT_ST_WARN,
		    "no query-iothreads (qemu-storage-daemon): threads found by state, not asleep in futex");
	free(list);
}

static void stage_next(struct job *j)
{
	struct pvt_err e;

	j->stage++;
	j->pending = 1;		/* held while the stage issues commands */
	if (j->stage == 2 && j->mode != PVT_QEMU_RESTORE && !j->iothreads && j->objects &&
	    !j->fallback && !j->bad) {
		fallback(j);
		j->stage = 1;	/* then stage 2 again, with j->iothreads */
	} else if (j->stage == 2) {
		if (j->mode == PVT_QEMU_RESTORE)
			restore(j);
		else
			tune(j);
	}
	if (j->stage >= 3) {
		if (j->mode == PVT_QEMU_RESTORE && j->bad == 0) {
			pvt_qemu_saved_free(j->saved);
			j->saved->pid = pvt_qmp_peer_pid(j->q);
			pvt_qemu_saved_persist(j->root, j->save_path, j->saved, &e);
		}
		j->done(j->userdata, &j->rep, j->bad);
		job_free(j);
		return;
	}
	finish_one(j);
}

static void on_query(struct pvt_qmp *q, json_object *ret, const char *err, const char *cls,
		     void *ud, json_object **slot, const char *what)
{
	struct x2req *r = ud;
	struct job *j = r->j;

	(void)q;
	if (ret) {
		*slot = json_object_get(ret);
	} else if (cls && strcmp(cls, "CommandNotFound") == 0) {
		/* qemu-storage-daemon has no vCPUs and no query-block */
		if (slot == &j->block && !j->block_err)
			j->block_err = pvt_xstrdup(err);
	} else {
		add(j, what, NULL, NULL, PVT_ST_FAILED, err);
	}
	finish_one(j);
	free(r->what);
	free(r);
}

#define QUERY_CB(name, field)                                                              \
	static void name(struct pvt_qmp *q, json_object *ret, const char *err,              \
			 const char *cls, void *ud)                                         \
	{                                                                                   \
		on_query(q, ret, err, cls, ud, &((struct x2req *)ud)->j->field, ((struct x2req *)ud)->what); \
	}
QUERY_CB(on_iothreads, iothreads)
QUERY_CB(on_cpus, cpus)
QUERY_CB(on_block, block)
QUERY_CB(on_objects, objects)

static void on_nodes(struct pvt_qmp *q, json_object *ret, const char *err, const char *cls,
		     void *ud)
{
	struct job *j = ((struct x2req *)ud)->j;

	/* every node (for reopen); the drives of qemu-storage-daemon (no query-block) */
	if (ret && !j->block)
		j->block = json_object_get(ret);
	on_query(q, ret, err, cls, ud, &j->nodes, ((struct x2req *)ud)->what);
}

static void query(struct job *j, const char *cmd, json_object *args, pvt_qmp_reply_fn fn)
{
	struct x2req *r = pvt_xcalloc(1, sizeof(*r));

	r->j = j;
	r->what = pvt_xstrdup(cmd);
	j->pending++;
	if (pvt_qmp_command(j->q, cmd, args, fn, r) < 0) {
		j->pending--;
		add(j, cmd, NULL, NULL, PVT_ST_FAILED, "QMP connection closed");
		free(r->what);
		free(r);
	}
}

void pvt_qemu_run(struct pvt_qmp *q, const char *root, const char *vm, enum pvt_qemu_mode mode,
		  const struct pvt_qemu_cfg *cfg, struct pvt_qemu_saved *saved,
		  const char *save_path, pvt_qemu_done_fn done, void *userdata)
{
	struct job *j = pvt_xcalloc(1, sizeof(*j));

	j->q = q;
	j->root = pvt_xstrdup(root);
	j->vm = pvt_xstrdup(vm);
	j->save_path = pvt_xstrdup(save_path);
	j->mode = mode;
	j->cfg = *cfg;
	j->saved = saved;
	j->done = done;
	j->userdata = userdata;
	j->stage = 1;
	j->pending = 1;
	saved->pid = pvt_qmp_peer_pid(q);
	if (mode != PVT_QEMU_RESTORE) {
		query(j, "query-iothreads", NULL, on_iothreads);
		query(j, "query-cpus-fast", NULL, on_cpus);
		query(j, "qom-list", json_tokener_parse("{\"path\":\"/objects\"}"), on_objects);
		if (cfg->cache) {
			json_object *a = json_object_new_object();

			query(j, "query-block", NULL, on_block);
			json_object_object_add(a, "flat", json_object_new_boolean(true));
			query(j, "query-named-block-nodes", a, on_nodes);
		}
	}
	finish_one(j);
}

/* ---- the persisted originals ---- */

void pvt_qemu_saved_free(struct pvt_qemu_saved *s)
{
	for (size_t i = 0; i < s->naff; i++) {
		free(s->aff[i].what);
		free(s->aff[i].cpus);
	}
	for (size_t i = 0; i < s->npoll; i++)
		free(s->poll[i].id);
	free(s->aff);
	free(s->poll);
	memset(s, 0, sizeof(*s));
}

int pvt_qemu_saved_persist(const char *root, const char *path, const struct pvt_qemu_saved *s,
			   struct pvt_err *e)
{
	json_object *o = json_object_new_object(), *aff = json_object_new_array(),
		    *poll = json_object_new_array();
	int r;

	json_object_object_add(o, "pid", json_object_new_int(s->pid));
	for (size_t i = 0; i < s->naff; i++) {
		json_object *a = json_object_new_object();

		json_object_object_add(a, "tid", json_object_new_int(s->aff[i].tid));
		json_object_object_add(a, "what", json_object_new_string(s->aff[i].what));
		json_object_object_add(a, "cpus", json_object_new_string(s->aff[i].cpus));
		json_object_array_add(aff, a);
	}
	for (size_t i = 0; i < s->npoll; i++) {
		json_object *a = json_object_new_object();

		json_object_object_add(a, "id", json_object_new_string(s->poll[i].id));
		json_object_object_add(a, "poll-max-ns", json_object_new_int64(s->poll[i].max_ns));
		json_object_object_add(a, "poll-grow", json_object_new_int64(s->poll[i].grow));
		json_object_object_add(a, "poll-shrink", json_object_new_int64(s->poll[i].shrink));
		json_object_array_add(poll, a);
	}
	json_object_object_add(o, "affinity", aff);
	json_object_object_add(o, "poll", poll);
	r = pvt_write_atomic(root, path, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY), e);
	json_object_put(o);
	return r;
}

int pvt_qemu_saved_load(const char *root, const char *path, struct pvt_qemu_saved *s,
			struct pvt_err *e)
{
	char *text = NULL;
	json_object *o, *a;

	memset(s, 0, sizeof(*s));
	if (!pvt_exists(root, path))
		return 0;
	if (pvt_read_file(root, path, &text, e) < 0)
		return -1;
	o = json_tokener_parse(text);
	free(text);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return pvt_errf(e, "%s: not a JSON object", path);
	}
	s->pid = (pid_t)get_i64(o, "pid");
	if (json_object_object_get_ex(o, "affinity", &a))
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			json_object *x = json_object_array_get_idx(a, i), *w, *c;

			if (!json_object_object_get_ex(x, "what", &w) ||
			    !json_object_object_get_ex(x, "cpus", &c))
				continue;
			s->aff = pvt_xrealloc(s->aff, (s->naff + 1) * sizeof(*s->aff));
			s->aff[s->naff++] = (struct pvt_qemu_aff){ (pid_t)get_i64(x, "tid"),
				pvt_xstrdup(json_object_get_string(w)),
				pvt_xstrdup(json_object_get_string(c)) };
		}
	if (json_object_object_get_ex(o, "poll", &a))
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			json_object *x = json_object_array_get_idx(a, i), *id;

			if (!json_object_object_get_ex(x, "id", &id))
				continue;
			s->poll = pvt_xrealloc(s->poll, (s->npoll + 1) * sizeof(*s->poll));
			s->poll[s->npoll++] = (struct pvt_qemu_poll){
				pvt_xstrdup(json_object_get_string(id)), get_i64(x, "poll-max-ns"),
				get_i64(x, "poll-grow"), get_i64(x, "poll-shrink") };
		}
	json_object_put(o);
	return 0;
}
