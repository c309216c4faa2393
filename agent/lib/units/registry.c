/* SPDX-License-Identifier: GPL-2.0-only */
/* registry.c: the units, found by section name. */
#include <string.h>

#include "units/registry.h"

static const struct pvt_unit *const units[] = {
	&pvt_unit_disk, &pvt_unit_pvblk, &pvt_unit_irq,
	&pvt_unit_sysctl, &pvt_unit_vm, &pvt_unit_cpu, &pvt_unit_qemu,
};

const struct pvt_unit *pvt_unit_find(const char *section)
{
	size_t len = strcspn(section, ".");

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i]->name) == len && strncmp(units[i]->name, section, len) == 0)
			return units[i];
	return NULL;
}

const struct pvt_unit *pvt_section_unit(const struct pvt_section *s)
{
	const char *type = pvt_section_get(s, "type");

	if (type)
		return strchr(type, '.') ? NULL : pvt_unit_find(type);
	return pvt_unit_find(s->name);
}

const char *pvt_unit_names(void)
{
	return "disk pvblk irq sysctl vm cpu qemu";
}
