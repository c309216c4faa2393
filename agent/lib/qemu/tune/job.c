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

void job_item_reply(struct pvt_qmp *q, json_object *ret, const char *err, const char *cls,
		    void *ud)
{
	struct job_req *r = ud;

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
	job_finish_one(r->j);
	free(r->what);
	free(r);
}
