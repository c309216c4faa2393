/* SPDX-License-Identifier: GPL-2.0-only */
/* pin.h: pinning VM threads (sched_setaffinity), originals saved first. */
#ifndef PVT_QEMU_TUNE_PIN_H
#define PVT_QEMU_TUNE_PIN_H

#include <sys/types.h>

#include "qemu/tune/job.h"

/* The thread's affinity as a cpulist, or NULL (errno set). */
char *tune_get_affinity(pid_t tid);
/* Set the thread's affinity to cpulist @list; 0 or -errno. */
int tune_set_affinity(pid_t tid, const char *list);
/*
 * Verify, or apply (original saved and persisted first), @what's affinity
 * @want; @tid must still be a thread of the QMP peer (else the item fails).
 */
void tune_pin(struct job *j, pid_t tid, const char *what, const char *want);

#endif
