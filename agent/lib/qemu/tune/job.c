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

	(void)q;
	r->fn(r, ret, err, cls);
	free(r->what);
	free(r);
	job_finish_one(j);
}

int job_command(struct job *j, const char *cmd, json_object *args, const char *what,
		job_reply_fn fn, void *arg)
{
	struct job_req *r = pvt_xcalloc(1, sizeof(*r));
	int ret;

	*r = (struct job_req){ .j = j, .what = pvt_xstrdup(what), .arg = arg, .fn = fn };
	j->pending++;
	ret = pvt_qmp_command(j->q, cmd, args, on_reply, r);
	if (ret < 0) {
		j->pending--;
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
