/* SPDX-License-Identifier: GPL-2.0-only */
/* qsd.h: qemu-storage-daemon 7.2, which has no query-iothreads. */
#ifndef PVT_QEMU_TUNE_QSD_H
#define PVT_QEMU_TUNE_QSD_H

#include "qemu/tune/job.h"

/* The iothreads from qom-list /objects, their threads found by state. */
void tune_qsd_fallback(struct job *j);

#endif
