/* SPDX-License-Identifier: GPL-2.0-only */
/* pin.c: pinning VM threads: affinities read, saved, set and restored. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qemu/tune/pin.h"
#include "util/cpulist.h"
#include "util/util.h"

char *tune_get_affinity(pid_t tid)
{
	cpu_set_t set;
	struct pvt_cpuset cs = {0};

	if (sched_getaffinity(tid, sizeof(set), &set) < 0)
		return NULL;
	for (int i = 0; i < CPU_SETSIZE && i < PVT_MAX_CPUS; i++)
		cs.cpu[i] = CPU_ISSET(i, &set);
	return pvt_cpulist_format(&cs);
}

int tune_set_affinity(pid_t tid, const char *list)
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

static void remember_aff(struct job *j, pid_t tid, const char *what, const char *cur)
{
	struct pvt_qemu_saved *s = j->saved;

	for (size_t i = 0; i < s->naff; i++)
		if (s->aff[i].tid == tid)
			return;
	s->aff = pvt_xrealloc(s->aff, (s->naff + 1) * sizeof(*s->aff));
	s->aff[s->naff++] = (struct pvt_qemu_aff){ tid, pvt_xstrdup(what), pvt_xstrdup(cur) };
}

void tune_pin(struct job *j, pid_t tid, const char *what, const char *want)
{
	char *cur = tune_get_affinity(tid);
	char *key = pvt_xasprintf("%s affinity", what);
	char *note = NULL;
	struct pvt_err e;
	int r;

	if (!pvt_qmp_peer_thread(j->q, tid)) {
		/* checked before the job changed anything: it has gone since */
		note = pvt_xasprintf("thread %d is no longer a thread of the QMP peer", (int)tid);
		job_add(j, key, want, NULL, PVT_ST_FAILED, note);
	} else if (!cur) {
		note = pvt_xasprintf("thread %d: %s", (int)tid, strerror(errno));
		job_add(j, key, want, NULL, PVT_ST_FAILED, note);
	} else if (j->mode == PVT_QEMU_VERIFY) {
		job_add(j, key, want, cur, pvt_cpulist_equal(cur, want) ? PVT_ST_OK : PVT_ST_MISMATCH, NULL);
	} else if (pvt_cpulist_equal(cur, want)) {
		job_add(j, key, want, cur, PVT_ST_OK, NULL);
	} else {
		remember_aff(j, tid, what, cur);
		if (pvt_qemu_saved_persist(j->root, j->save_path, j->saved, &e) < 0) {
			job_add(j, key, want, cur, PVT_ST_FAILED, e.msg);
		} else if ((r = tune_set_affinity(tid, want)) < 0) {
			note = pvt_xasprintf("sched_setaffinity(%d): %s", (int)tid, strerror(-r));
			job_add(j, key, want, cur, PVT_ST_FAILED, note);
		} else {
			job_add(j, key, want, cur, PVT_ST_CHANGED, NULL);
		}
	}
	free(note);
	free(cur);
	free(key);
}
