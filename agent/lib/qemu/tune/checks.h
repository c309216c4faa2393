/* SPDX-License-Identifier: GPL-2.0-only */
/* checks.h: what host mode verifies on a VM. */
#ifndef PVT_QEMU_TUNE_CHECKS_H
#define PVT_QEMU_TUNE_CHECKS_H

#include "qemu/tune/job.h"

/* cache=none on every drive with a medium (live_cache_none: reopen them). */
void tune_check_cache(struct job *j);
/* The aio= modes on the process's command line (QEMU reports none over QMP). */
void tune_check_aio(struct job *j);
/* x2APIC on the vCPU @cpu (a query-cpus-fast entry), number @idx. */
void tune_check_x2apic(struct job *j, json_object *cpu, int idx);

#endif
