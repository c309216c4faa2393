/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * x2apic.h: does this guest run its local APIC in x2APIC mode?
 *
 * The check, in order:
 *  1. /proc/cpuinfo lists the "x2apic" flag. Without it the CPU (or the
 *     hypervisor's CPU model) offers no x2APIC, or the kernel cleared the flag
 *     (nox2apic). -> disabled.
 *  2. /proc/cmdline has no "nox2apic". -> else disabled.
 *  3. The kernel log (/dev/kmsg) is searched for the lines the kernel prints
 *     when it picks its APIC mode: "x2apic enabled", "Switched APIC routing
 *     to ... x2apic", "x2apic: enabled by BIOS" are positive;
 *     "Switched APIC routing to ... flat/physical flat", "x2apic disabled",
 *     "IRQ remapping doesn't support X2APIC mode" are negative. The last
 *     such line wins.
 *  4. If the log holds neither (it has wrapped), the flag alone decides and the
 *     evidence says so. The kernel keeps the flag in the intact case, so
 *     this only errs when x2APIC was dropped late and the log has wrapped.
 */
#ifndef PVT_X2APIC_H
#define PVT_X2APIC_H

#include <stdbool.h>

#include "util/ctx.h"

/* True if x2APIC mode is on; *evidence (caller frees) says why. */
bool pvt_x2apic_enabled(const struct pvt_ctx *ctx, char **evidence);

#endif
