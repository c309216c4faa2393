/* SPDX-License-Identifier: GPL-2.0-only */
/* job.c: a host-mode job's report and pending answers (see job.h). */
#include <stdlib.h>
#include <string.h>

#include "qemu/tune/job.h"
#include "util/util.h"

void job_add(struct job *j, const char *key, const char *expected, const char *actual,
	     enum pvt_status st, const char *note)
{
	pvt_report_add(&j->rep, "qemu", j->vm, key, NULL, expected, actual, st, note);
	if (st == PVT_ST_FAILED || st == PVT_ST_MISMATCH)
		j->bad++;
}

void job_finish_one(struct job *j)
{
	if (--j->pending == 0)
		j->next(j);
}

static void on_reply(struct pvt_qmp *q, json_object *ret, const char *err, const char *cls,
		     void *ud)
{
	struct job_req *r = ud;
	struct job *j = r->j;

	struct pvt_err e;
	char *why = NULL;

	if (ret && r->want && pvt_json_check(ret, r->want, "return", &e) < 0) {
		pvt_qmp_protocol_error(q, "%s: %s", r->cmd, e.msg);
		why = pvt_xasprintf("QMP %s: protocol error: %s: %s", pvt_qmp_name(q), r->cmd, e.msg);
		ret = NULL;
		err = why;
		cls = "ProtocolError";
	}
	r->fn(r, ret, err, cls);
	free(why);
	free(r->cmd);
	free(r->what);
	free(r);
	job_finish_one(j);
}

int job_command(struct job *j, const char *cmd, json_object *args,
		const struct pvt_json_type *want, const char *what, job_reply_fn fn, void *arg)
{
	struct job_req *r = pvt_xcalloc(1, sizeof(*r));
	int ret;

	*r = (struct job_req){ .j = j, .cmd = pvt_xstrdup(cmd), .what = pvt_xstrdup(what),
			       .arg = arg, .want = want, .fn = fn };
	j->pending++;
	ret = pvt_qmp_command(j->q, cmd, args, on_reply, r);
	if (ret < 0) {
		j->pending--;
		free(r->cmd);
		free(r->what);
		free(r);
	}
	return ret;
}

void job_item_reply(struct job_req *r, json_object *ret, const char *err, const char *cls)
{
	(void)ret, (void)cls;
	if (!err)
		return;
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

json_object *job_qom_args(const char *path, const char *prop)
{
	json_object *a = json_object_new_object();

	json_object_object_add(a, "path", json_object_new_string(path));
	json_object_object_add(a, "property", json_object_new_string(prop));
	return a;
}

bool job_peer_thread(struct job *j, pid_t tid, const char *what)
{
	char *note;

	if (pvt_qmp_peer_thread(j->q, tid))
		return true;
	note = pvt_xasprintf("QMP %s: protocol error: thread-id %d of %s is not a thread of the QMP peer (pid %d)",
			     pvt_qmp_name(j->q), (int)tid, what, (int)pvt_qmp_peer_pid(j->q));
	job_add(j, what, NULL, NULL, PVT_ST_FAILED, note);
	pvt_qmp_protocol_error(j->q, "thread-id %d of %s is not a thread of the QMP peer (pid %d)",
			       (int)tid, what, (int)pvt_qmp_peer_pid(j->q));
	free(note);
	return false;
}
