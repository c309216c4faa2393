/*
 * job.h: one job of host mode on one VM (a pvt_qemu_run() call), shared by
 * the files of this folder. A job issues QMP commands in stages; @pending
 * counts the answers a stage still waits for, and when the last comes the
 * job goes on with @next (run.c's stage machine). Each concern (pin.c,
 * numa.c, poll.c, checks.c, qsd.c) adds its items to the job's report.
 */
#ifndef PVT_QEMU_TUNE_JOB_H
#define PVT_QEMU_TUNE_JOB_H

#include <json-c/json.h>
#include <stdbool.h>

#include "qemu/tune.h"

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
	void (*next)(struct job *j);	/* the next stage, when nothing is pending */
	json_object *iothreads, *cpus, *block, *objects, *nodes;
	bool fallback;		/* iothreads found without query-iothreads */
	char *block_err;	/* why query-block (and the fallback) gave nothing */
};

/* A QMP command of the job: its reply names the job and the item or command. */
struct job_req {
	struct job *j;
	char *what;
};

/* Add an item (unit "qemu", device the VM) to the job's report. */
void job_add(struct job *j, const char *key, const char *expected, const char *actual,
	     enum pvt_status st, const char *note);
/* One answer the stage waited for has come. */
void job_finish_one(struct job *j);
/* The reply to a command (a struct job_req) whose error fails the item it names. */
void job_item_reply(struct pvt_qmp *q, json_object *ret, const char *err, const char *cls,
		    void *ud);

#endif
