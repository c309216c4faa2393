/* SPDX-License-Identifier: GPL-2.0-only */
/* machine.h: what this machine is to KVM: a guest, a host, both (nested), or neither. */
#ifndef PVT_MACHINE_H
#define PVT_MACHINE_H

#include <stdbool.h>

#include "util/ctx.h"

/* A guest: /proc/cpuinfo has the hypervisor flag. */
bool pvt_machine_guest(const struct pvt_ctx *ctx);
/* A KVM host: /dev/kvm exists. */
bool pvt_machine_host(const struct pvt_ctx *ctx);

#endif
