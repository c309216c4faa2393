/* SPDX-License-Identifier: GPL-2.0-only */
/* numa.h: the host CPUs for iothread_cpus=auto. */
#ifndef PVT_QEMU_TUNE_NUMA_H
#define PVT_QEMU_TUNE_NUMA_H

#include "qemu/tune/job.h"

/*
 * Host CPUs that run no vCPU of this VM, in the vCPUs' NUMA node(s). The
 * vCPUs' CPUs are vcpu_cpus= when given, else their current affinities. If
 * that leaves nothing (unpinned vCPUs), the last online CPU, with *@note.
 */
char *tune_auto_io_cpus(struct job *j, const struct pvt_cpuset *vcpus, char **note);

#endif
