/* SPDX-License-Identifier: GPL-2.0-only */
/* poll.c: iothread polling (poll-max-ns, poll-grow, poll-shrink) with qom-set. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "qemu/tune/poll.h"
#include "util/json.h"
#include "util/util.h"

void tune_qom_set(struct job *j, const char *id, const char *prop, int64_t v, const char *key)
{
	char *path = pvt_xasprintf("/objects/%s", id);
	json_object *a = job_qom_args(path, prop);

	free(path);
	json_object_object_add(a, "value", json_object_new_int64(v));
	/* if it cannot be sent, the connection has closed: the job reports that */
	job_command(j, "qom-set", a, NULL, key, job_item_reply, NULL);
}

void tune_poll(struct job *j, json_object *it)
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
		int64_t cur = pvt_json_i64(it, props[k], -1);
		char *key, *ws, *cs;

		if (want[k] < 0)
			continue;
		key = pvt_xasprintf("iothread %s %s", id, props[k]);
		ws = pvt_xasprintf("%" PRId64, want[k]);
		cs = pvt_xasprintf("%" PRId64, cur);
		if (cur == want[k]) {
			job_add(j, key, ws, cs, PVT_ST_OK, NULL);
		} else if (j->mode == PVT_QEMU_VERIFY) {
			job_add(j, key, ws, cs, PVT_ST_MISMATCH, NULL);
		} else {
			struct pvt_qemu_saved *s = j->saved;
			struct pvt_err e;

			for (size_t i = 0; i < s->npoll && !saved; i++)
				saved = strcmp(s->poll[i].id, id) == 0;
			if (!saved) {
				s->poll = pvt_xrealloc(s->poll, (s->npoll + 1) * sizeof(*s->poll));
				s->poll[s->npoll++] = (struct pvt_qemu_poll){ pvt_xstrdup(id),
					pvt_json_i64(it, "poll-max-ns", -1), pvt_json_i64(it, "poll-grow", -1),
					pvt_json_i64(it, "poll-shrink", -1) };
				saved = true;
				if (pvt_qemu_saved_persist(j->root, j->save_path, s, &e) < 0) {
					job_add(j, key, ws, cs, PVT_ST_FAILED, e.msg);
					goto next;
				}
			}
			job_add(j, key, ws, cs, PVT_ST_CHANGED, NULL);
			tune_qom_set(j, id, props[k], want[k], key);
		}
next:
		free(key);
		free(ws);
		free(cs);
	}
}
