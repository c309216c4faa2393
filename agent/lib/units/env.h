/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * env.h: a profile against the machine it is applied on: [qemu] is a KVM
 * host's (pvtuned's host mode applies it to the VMs), [pvblk] and [cpu] a
 * guest's. What does not fit is said, as an item of the plan.
 */
#ifndef PVT_UNITS_ENV_H
#define PVT_UNITS_ENV_H

#include "profile/profile.h"
#include "units/unit.h"

/* Add a warning item for each enabled section that does not fit this machine. */
void pvt_plan_env_notes(const struct pvt_ctx *ctx, const struct pvt_profile *p,
			struct pvt_plan *plan);
/*
 * Does the section's tuned condition hold here (uname_regex=, cpuinfo_regex=)?
 * If not, *@failed is the option that did not match and *@why (the caller
 * frees it) says so.
 */
bool pvt_section_condition(const struct pvt_ctx *ctx, const struct pvt_section *s,
			   const struct pvt_option **failed, char **why);

#endif
