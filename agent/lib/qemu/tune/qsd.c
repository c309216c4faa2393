/* SPDX-License-Identifier: GPL-2.0-only */
/* qsd.c: qemu-storage-daemon 7.2, which has no query-iothreads: its iothreads found by thread state. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "qemu/tune/qsd.h"
#include "util/json.h"
#include "util/util.h"

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

/* A property of an iothread (@r->arg), its name @r->what, into that iothread's entry. */
static void on_prop(struct job_req *r, json_object *ret, const char *err, const char *cls)
{
	(void)err, (void)cls;
	if (ret)
		json_object_object_add(r->arg, r->what, json_object_get(ret));
}

static const struct pvt_json_type poll_t = { .type = json_type_int, .min = 0, .max = INT64_MAX };

void tune_qsd_fallback(struct job *j)
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
			char *path = pvt_xasprintf("/objects/%s", pvt_json_text(o, "id"));

			/* if it cannot be sent, the connection has closed: the job reports that */
			job_command(j, "qom-get", job_qom_args(path, props[k]), &poll_t, props[k], on_prop, o);
			free(path);
		}
	}
	if (nio)
		job_add(j, "iothread threads", NULL, list ? list : "none", found == nio ? PVT_ST_OK : PVT_ST_WARN,
		    "no query-iothreads (qemu-storage-daemon): threads found by state, not asleep in futex");
	free(list);
}
