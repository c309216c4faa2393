/* SPDX-License-Identifier: GPL-2.0-only */
/* env.c: a profile against the machine (see env.h). */
#define _GNU_SOURCE
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "sys/machine.h"
#include "sys/uname.h"
#include "units/env.h"
#include "units/registry.h"
#include "util/util.h"

static bool enabled(const struct pvt_section *s)
{
	const char *en = pvt_section_get(s, "enabled");

	return !en || (strcmp(en, "0") && strcmp(en, "false") && strcmp(en, "False"));
}

static void note(struct pvt_plan *plan, const struct pvt_section *s, const char *text)
{
	struct pvt_item it = { .unit = s->name, .key = "section", .value = "", .warn = true };

	it.origin = pvt_xasprintf("%s:%d", s->file, s->line);
	it.info = (char *)text;
	pvt_plan_add(plan, &it);
	free(it.origin);
}

void pvt_plan_env_notes(const struct pvt_ctx *ctx, const struct pvt_profile *p,
			struct pvt_plan *plan)
{
	bool guest = pvt_machine_guest(ctx), host = pvt_machine_host(ctx);

	for (size_t i = 0; i < p->nsec; i++) {
		const struct pvt_section *s = &p->sec[i];
		const struct pvt_unit *u = pvt_section_unit(s);

		if (!u || !enabled(s))
			continue;
		if (u == &pvt_unit_qemu && guest && !host)
			note(plan, s, "this machine is a KVM guest (hypervisor flag in /proc/cpuinfo, no /dev/kvm): [qemu] tunes VMs on their KVM host, with pvtuned's host mode there; nothing of it applies here");
		else if (u == &pvt_unit_qemu && !ctx->host_mode)
			note(plan, s, "[qemu] is applied to running VMs by pvtuned's host mode (qmp_sockets in pvtuned.conf), not here: nothing of it was applied");
		else if ((u == &pvt_unit_pvblk || u == &pvt_unit_cpu) && !guest)
			note(plan, s, "this machine is not a KVM guest (no hypervisor flag in /proc/cpuinfo): this section is for guests");
	}
}

static bool match(const char *regex, const char *text)
{
	regex_t re;
	bool hit;

	if (regcomp(&re, regex, REG_EXTENDED | REG_NOSUB | REG_NEWLINE))
		return false;	/* refused when the profile loads */
	hit = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return hit;
}

bool pvt_section_condition(const struct pvt_ctx *ctx, const struct pvt_section *s,
			   const struct pvt_option **failed, char **why)
{
	const struct pvt_option *un = pvt_section_option(s, "uname_regex");
	const struct pvt_option *ci = pvt_section_option(s, "cpuinfo_regex");
	char *text;
	bool ok = true;

	*failed = NULL;
	*why = NULL;
	if (un) {
		text = pvt_uname_string(ctx);
		ok = match(un->value, text);
		if (!ok) {
			*failed = un;
			*why = pvt_xasprintf("skipped: uname_regex=%s does not match '%s'",
					     un->value, text);
		}
		free(text);
	}
	if (ok && ci) {
		text = NULL;
		if (pvt_read_file(ctx->root, "/proc/cpuinfo", &text, NULL) < 0)
			text = pvt_xstrdup("");
		ok = match(ci->value, text);
		if (!ok) {
			*failed = ci;
			*why = pvt_xasprintf("skipped: cpuinfo_regex=%s matches nothing in /proc/cpuinfo",
					     ci->value);
		}
		free(text);
	}
	return ok;
}
