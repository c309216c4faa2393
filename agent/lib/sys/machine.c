/* SPDX-License-Identifier: GPL-2.0-only */
/* machine.c: a KVM guest or host (see machine.h). */
#include "sys/cpuinfo.h"
#include "sys/machine.h"
#include "util/util.h"

bool pvt_machine_guest(const struct pvt_ctx *ctx)
{
	return pvt_cpuinfo_flag(ctx, "hypervisor");
}

bool pvt_machine_host(const struct pvt_ctx *ctx)
{
	return pvt_exists(ctx->root, "/dev/kvm");
}
