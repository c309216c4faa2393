/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * qemu.h: the [qemu] section of a profile, parsed: what host mode applies
 * to each VM over QMP (iothread and vCPU placement, polling) and what it
 * verifies (cache=none, the aio mode, x2APIC on the vCPUs).
 */
#ifndef PVT_QEMU_CFG_H
#define PVT_QEMU_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include "profile/profile.h"
#include "util/cpulist.h"

enum pvt_level { PVT_LVL_IGNORE, PVT_LVL_PREFER, PVT_LVL_REQUIRE };

struct pvt_qemu_cfg {
	bool io_set, io_auto;		/* iothread_cpus= given; "auto" */
	struct pvt_cpuset io_cpus;
	bool vcpu_set;			/* vcpu_cpus= given */
	struct pvt_cpuset vcpu_cpus;
	int64_t poll_max_ns, poll_grow, poll_shrink;	/* -1: leave alone */
	enum pvt_level cache;		/* cache=none check */
	enum pvt_level x2apic;		/* x2apic on every vCPU */
	char aio[16];			/* wanted aio mode ("native", "io_uring"), "" = any */
	enum pvt_level aio_level;
	bool live_cache_none;		/* reopen drives with cache.direct=on */
	int iothreads_per_disk;		/* qemu-args / libvirt-xml: iothreads to recommend */
};

/* Defaults: nothing applied, nothing checked. */
void pvt_qemu_cfg_init(struct pvt_qemu_cfg *c);
/* Parse a checked [qemu] section (NULL: defaults). */
int pvt_qemu_cfg_parse(const struct pvt_section *s, struct pvt_qemu_cfg *c, struct pvt_err *e);
/* True if the section asks for anything at all. */
bool pvt_qemu_cfg_any(const struct pvt_qemu_cfg *c);

#endif
