/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * run.c: one job on one VM: query it (iothreads, vCPUs, objects, drives),
 * then apply or verify the [qemu] section (tune) or restore the originals,
 * then report through the job's done callback.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "qemu/tune/checks.h"
#include "qemu/tune/numa.h"
#include "qemu/tune/pin.h"
#include "qemu/tune/poll.h"
#include "qemu/tune/qsd.h"
#include "util/json.h"
#include "util/util.h"

static void stage_next(struct job *j);

/* The replies' shapes (QEMU's QAPI schema, the members used here). */
#define TID_RANGE .min = 1, .max = INT32_MAX
#define NONNEG .min = 0, .max = INT64_MAX
static const struct pvt_json_member iothread_m[] = {
	{ "id", true, { .type = json_type_string } },
	{ "thread-id", true, { .type = json_type_int, TID_RANGE } },
	{ "poll-max-ns", false, { .type = json_type_int, NONNEG } },
	{ "poll-grow", false, { .type = json_type_int, NONNEG } },
	{ "poll-shrink", false, { .type = json_type_int, NONNEG } },
	{ .name = NULL },
};
static const struct pvt_json_type iothread_t = { .type = json_type_object, .members = iothread_m };
static const struct pvt_json_type iothreads_t = { .type = json_type_array, .items = &iothread_t };

static const struct pvt_json_member cpu_m[] = {
	{ "cpu-index", true, { .type = json_type_int, .min = 0, .max = INT32_MAX } },
	{ "thread-id", true, { .type = json_type_int, TID_RANGE } },
	{ "qom-path", false, { .type = json_type_string } },
	{ .name = NULL },
};
static const struct pvt_json_type cpu_t = { .type = json_type_object, .members = cpu_m };
static const struct pvt_json_type cpus_t = { .type = json_type_array, .items = &cpu_t };

static const struct pvt_json_member prop_m[] = {
	{ "name", true, { .type = json_type_string } },
	{ "type", true, { .type = json_type_string } },
	{ .name = NULL },
};
static const struct pvt_json_type prop_t = { .type = json_type_object, .members = prop_m };
static const struct pvt_json_type props_t = { .type = json_type_array, .items = &prop_t };

static const struct pvt_json_member cache_m[] = {
	{ "writeback", true, { .type = json_type_boolean } },
	{ "direct", true, { .type = json_type_boolean } },
	{ "no-flush", true, { .type = json_type_boolean } },
	{ .name = NULL },
};
/* a BlockDeviceInfo: query-block's "inserted", and each named block node */
static const struct pvt_json_member node_m[] = {
	{ "node-name", false, { .type = json_type_string } },
	{ "drv", false, { .type = json_type_string } },
	{ "file", false, { .type = json_type_string } },
	{ "cache", false, { .type = json_type_object, .members = cache_m } },
	{ .name = NULL },
};
static const struct pvt_json_type node_t = { .type = json_type_object, .members = node_m };
static const struct pvt_json_type nodes_t = { .type = json_type_array, .items = &node_t };
static const struct pvt_json_member block_m[] = {
	{ "device", true, { .type = json_type_string } },
	{ "qdev", false, { .type = json_type_string } },
	{ "inserted", false, { .type = json_type_object, .members = node_m } },
	{ .name = NULL },
};
static const struct pvt_json_type blockdev_t = { .type = json_type_object, .members = block_m };
static const struct pvt_json_type block_t = { .type = json_type_array, .items = &blockdev_t };

static void restore(struct job *j)
{
	struct pvt_qemu_saved *s = j->saved;

	for (size_t i = 0; i < s->naff; i++) {
		struct pvt_qemu_aff *a = &s->aff[i];
		char *key = pvt_xasprintf("%s affinity", a->what), *note = NULL;
		int r;

		if (!pvt_qmp_peer_thread(j->q, a->tid)) {
			job_add(j, key, a->cpus, NULL, PVT_ST_NA, "thread gone");
		} else if ((r = tune_set_affinity(a->tid, a->cpus)) < 0) {
			note = pvt_xasprintf("sched_setaffinity(%d): %s", (int)a->tid, strerror(-r));
			job_add(j, key, a->cpus, NULL, PVT_ST_FAILED, note);
		} else {
			job_add(j, key, a->cpus, NULL, PVT_ST_RESTORED, NULL);
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
			job_add(j, key, vs, NULL, PVT_ST_RESTORED, NULL);
			tune_qom_set(j, p->id, props[k], v[k], key);
			free(key);
			free(vs);
		}
	}
}

/* Every thread the peer named is its own: else nothing is touched. */
static bool own_threads(struct job *j)
{
	json_object *lists[] = { j->cpus, j->iothreads };
	const char *kinds[] = { "vcpu", "iothread" };

	for (int l = 0; l < 2; l++)
		for (size_t i = 0; lists[l] && i < json_object_array_length(lists[l]); i++) {
			json_object *x = json_object_array_get_idx(lists[l], i);
			const char *id = pvt_json_string(x, "id");
			char *what;
			bool ok;

			if (!json_object_object_get_ex(x, "thread-id", NULL))
				continue;	/* qemu-storage-daemon's, not found by state */
			what = id ? pvt_xasprintf("%s %s", kinds[l], id)
				  : pvt_xasprintf("%s %lld", kinds[l], (long long)pvt_json_i64(x, "cpu-index", -1));
			ok = job_peer_thread(j, (pid_t)pvt_json_i64(x, "thread-id", -1), what);
			free(what);
			if (!ok)
				return false;
		}
	return true;
}

static void tune(struct job *j)
{
	struct pvt_cpuset vset = {0};
	size_t ncpu = j->cpus ? json_object_array_length(j->cpus) : 0;
	size_t nio = j->iothreads ? json_object_array_length(j->iothreads) : 0;
	char *vlist = j->cfg.vcpu_set ? pvt_cpulist_format(&j->cfg.vcpu_cpus) : NULL;
	char *iolist = NULL, *note = NULL;

	if (j->bad || !own_threads(j)) {
		free(vlist);
		return;	/* a query failed, or the peer lied (reported): change nothing */
	}
	/* vCPUs first: iothread_cpus=auto depends on where they run */
	for (size_t i = 0; i < ncpu; i++) {
		json_object *c = json_object_array_get_idx(j->cpus, i);
		pid_t tid = (pid_t)pvt_json_i64(c, "thread-id", -1);
		int idx = (int)pvt_json_i64(c, "cpu-index", -1);
		char *what = pvt_xasprintf("vcpu %d", idx);

		if (vlist) {
			tune_pin(j, tid, what, vlist);
		} else {
			char *cur = tune_get_affinity(tid);
			struct pvt_cpuset cs;

			if (cur && pvt_cpulist_parse(cur, &cs, NULL) == 0)
				for (int k = 0; k < PVT_MAX_CPUS; k++)
					vset.cpu[k] |= cs.cpu[k];
			free(cur);
		}
		tune_check_x2apic(j, c, idx);
		free(what);
	}
	if (vlist)
		vset = j->cfg.vcpu_cpus;
	if (j->cfg.io_set && nio) {
		iolist = j->cfg.io_auto ? tune_auto_io_cpus(j, &vset, &note) : pvt_cpulist_format(&j->cfg.io_cpus);
		if (note)
			job_add(j, "iothread_cpus auto", iolist, NULL, PVT_ST_WARN, note);
	} else if (j->cfg.io_set) {
		job_add(j, "iothreads", "at least one", "0", j->mode == PVT_QEMU_VERIFY ? PVT_ST_MISMATCH : PVT_ST_WARN,
		    "no iothread: disks run in QEMU's main loop (see pvtune-adm qemu-args)");
	}
	for (size_t i = 0; i < nio; i++) {
		json_object *it = json_object_array_get_idx(j->iothreads, i), *idv;
		char *what;

		if (!json_object_object_get_ex(it, "id", &idv))
			continue;
		what = pvt_xasprintf("iothread %s", json_object_get_string(idv));
		if (iolist)
			tune_pin(j, (pid_t)pvt_json_i64(it, "thread-id", -1), what, iolist);
		tune_poll(j, it);
		free(what);
	}
	tune_check_cache(j);
	tune_check_aio(j);
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

static void stage_next(struct job *j)
{
	struct pvt_err e;

	j->stage++;
	j->pending = 1;		/* held while the stage issues commands */
	if (j->stage == 2 && j->mode != PVT_QEMU_RESTORE && !j->iothreads && j->objects &&
	    !j->fallback && !j->bad) {
		tune_qsd_fallback(j);
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
			/* else a later pvtuned would restore them once more */
			if (pvt_qemu_saved_persist(j->root, j->save_path, j->saved, &e) < 0)
				job_add(j, "saved originals", NULL, NULL, PVT_ST_FAILED, e.msg);
		}
		j->done(j->userdata, &j->rep, j->bad);
		job_free(j);
		return;
	}
	job_finish_one(j);
}

/* A query's reply into its slot (@r->arg) of the job. */
static void on_query(struct job_req *r, json_object *ret, const char *err, const char *cls)
{
	struct job *j = r->j;
	json_object **slot = r->arg;

	if (ret) {
		/* query-block's drives replace the nodes' stand-in, whichever came first */
		json_object_put(*slot);
		*slot = json_object_get(ret);
	} else if (cls && strcmp(cls, "CommandNotFound") == 0) {
		/* qemu-storage-daemon has no vCPUs and no query-block */
		if (slot == &j->block && !j->block_err)
			j->block_err = pvt_xstrdup(err);
	} else {
		job_add(j, r->what, NULL, NULL, PVT_ST_FAILED, err);
	}
}

/* Every node (for reopen); also the drives of qemu-storage-daemon (no query-block). */
static void on_nodes(struct job_req *r, json_object *ret, const char *err, const char *cls)
{
	if (ret && !r->j->block)
		r->j->block = json_object_get(ret);
	on_query(r, ret, err, cls);
}

static void query(struct job *j, const char *cmd, json_object *args,
		  const struct pvt_json_type *want, json_object **slot, job_reply_fn fn)
{
	if (job_command(j, cmd, args, want, cmd, fn, slot) < 0)
		job_add(j, cmd, NULL, NULL, PVT_ST_FAILED, "QMP connection closed");
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
	j->next = stage_next;
	j->pending = 1;
	saved->pid = pvt_qmp_peer_pid(q);
	if (mode != PVT_QEMU_RESTORE) {
		query(j, "query-iothreads", NULL, &iothreads_t, &j->iothreads, on_query);
		query(j, "query-cpus-fast", NULL, &cpus_t, &j->cpus, on_query);
		query(j, "qom-list", json_tokener_parse("{\"path\":\"/objects\"}"), &props_t,
		      &j->objects, on_query);
		if (cfg->cache) {
			json_object *a = json_object_new_object();

			query(j, "query-block", NULL, &block_t, &j->block, on_query);
			json_object_object_add(a, "flat", json_object_new_boolean(true));
			query(j, "query-named-block-nodes", a, &nodes_t, &j->nodes, on_nodes);
		}
	}
	job_finish_one(j);
}
