/* pin.h: pinning VM threads (sched_setaffinity), originals saved first. */
#ifndef PVT_QEMU_TUNE_PIN_H
#define PVT_QEMU_TUNE_PIN_H

#include <sys/types.h>

#include "qemu/tune/job.h"

/* The thread's affinity as a cpulist, or NULL (errno set). */
char *tune_get_affinity(pid_t tid);
/* Set the thread's affinity to cpulist @list; 0 or -errno. */
int tune_set_affinity(pid_t tid, const char *list);
/* A thread of process @pid (not a recycled TID of another); any thread if @pid <= 0. */
bool tune_own_thread(pid_t pid, pid_t tid);
/* Verify, or apply (original saved and persisted first), @what's affinity @want. */
void tune_pin(struct job *j, pid_t tid, const char *what, const char *want);

#endif
