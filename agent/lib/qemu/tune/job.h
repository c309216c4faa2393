/* SPDX-License-Identifier: GPL-2.0-only */
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
#include "util/json.h"

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

struct job_req;
/* A command's reply: @ret (borrowed) or @err, with QMP's class @cls (NULL if local). */
typedef void (*job_reply_fn)(struct job_req *r, json_object *ret, const char *err,
			     const char *cls);

/* A QMP command of the job, handed to its reply function. */
struct job_req {
	struct job *j;
	char *cmd;
	char *what;		/* the item's key, or the command */
	void *arg;		/* the command's own: where the reply goes */
	const struct pvt_json_type *want;	/* the reply's shape, or NULL: not used */
	job_reply_fn fn;
};

/* Add an item (unit "qemu", device the VM) to the job's report. */
void job_add(struct job *j, const char *key, const char *expected, const char *actual,
	     enum pvt_status st, const char *note);
/* One answer the stage waited for has come. */
void job_finish_one(struct job *j);
/*
 * Send @cmd (@args taken) for the job: the stage waits for its reply, which
 * @fn gets. A reply not of the shape @want (NULL: the reply is not used) is a
 * protocol error: the connection is closed, and @fn gets the reason as an
 * error of class "ProtocolError". Returns 0, or -errno if it was not sent
 * (@fn is then never called).
 */
int job_command(struct job *j, const char *cmd, json_object *args,
		const struct pvt_json_type *want, const char *what, job_reply_fn fn, void *arg);
/*
 * The thread @tid (from the peer's reply, for @what) is a thread of the peer
 * process; else a protocol error (the connection closes; the item fails).
 */
bool job_peer_thread(struct job *j, pid_t tid, const char *what);
/* The reply function of a command whose error fails the item @what names. */
void job_item_reply(struct job_req *r, json_object *ret, const char *err, const char *cls);
/* qom-get or qom-set arguments: object @path (e.g. "/objects/io0"), property @prop. */
json_object *job_qom_args(const char *path, const char *prop);

#endif
