/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tune.h: host mode for one VM (QEMU or qemu-storage-daemon) over its
 * QMP connection: apply a [qemu] section (pin iothread and vCPU threads with
 * sched_setaffinity, set iothread polling with qom-set), verify it (plus
 * cache=none, the aio mode and x2APIC), or restore the originals. Runs
 * asynchronously in the connection's sd-event loop; the originals are saved
 * (and persisted) before the first change.
 *
 * The folder tune/ does it, one concern a file: run.c (the job's stages),
 * pin.c, numa.c (iothread_cpus=auto), poll.c, checks.c (cache, aio,
 * x2APIC), qsd.c (qemu-storage-daemon's iothreads), saved.c (the
 * originals on disk); job.c is what they share.
 */
#ifndef PVT_QEMU_TUNE_H
#define PVT_QEMU_TUNE_H

#include <sys/types.h>

#include "engine/report.h"
#include "qemu/qmp.h"
#include "units/qemu.h"

/* The originals of one VM's threads and iothreads. */
struct pvt_qemu_aff {
	pid_t tid;
	char *what;	/* "iothread io0", "vcpu 0" */
	char *cpus;	/* cpulist */
};
struct pvt_qemu_poll {
	char *id;
	int64_t max_ns, grow, shrink;
};
struct pvt_qemu_saved {
	pid_t pid;
	struct pvt_qemu_aff *aff;
	size_t naff;
	struct pvt_qemu_poll *poll;
	size_t npoll;
};

enum pvt_qemu_mode { PVT_QEMU_APPLY, PVT_QEMU_VERIFY, PVT_QEMU_RESTORE };

/* @rep is the job's (valid during the call); @bad: failures or mismatches. */
typedef void (*pvt_qemu_done_fn)(void *userdata, const struct pvt_report *rep, size_t bad);

/*
 * Start a job on a ready connection. @vm names the VM in reports; @root is
 * the ctx root (sysfs for CPUs and NUMA nodes); @save_path (logical, under
 * @root) persists @saved. @done is always called once, also when the
 * connection dies (its items then fail with the reason).
 */
void pvt_qemu_run(struct pvt_qmp *q, const char *root, const char *vm, enum pvt_qemu_mode mode,
		  const struct pvt_qemu_cfg *cfg, struct pvt_qemu_saved *saved,
		  const char *save_path, pvt_qemu_done_fn done, void *userdata);

int pvt_qemu_saved_load(const char *root, const char *path, struct pvt_qemu_saved *s,
			struct pvt_err *e);
PVT_MUST_CHECK int pvt_qemu_saved_persist(const char *root, const char *path,
					  const struct pvt_qemu_saved *s, struct pvt_err *e);
void pvt_qemu_saved_free(struct pvt_qemu_saved *s);

#endif
