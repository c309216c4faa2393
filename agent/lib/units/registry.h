/* SPDX-License-Identifier: GPL-2.0-only */
/* registry.h: the units, found by section name. */
#ifndef PVT_UNITS_REGISTRY_H
#define PVT_UNITS_REGISTRY_H

#include "units/unit.h"

/* The unit for a section name ("irq.virtio" -> irq), or NULL. */
const struct pvt_unit *pvt_unit_find(const char *section);
/* The unit of a section: its type= (tuned's), else its name up to the first '.'; NULL: none. */
const struct pvt_unit *pvt_section_unit(const struct pvt_section *s);
/* Blank-separated names of all units, for messages. */
const char *pvt_unit_names(void);

#endif
