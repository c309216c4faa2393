/* SPDX-License-Identifier: GPL-2.0-only */
/* irqs.h: interrupts from /proc/interrupts with their action names. */
#ifndef PVT_IRQS_H
#define PVT_IRQS_H

#include <stddef.h>

#include "util/ctx.h"

struct pvt_irq {
	int irq;
	struct pvt_strv actions;	/* e.g. "virtio0-req.0" */
};

struct pvt_irqs {
	struct pvt_irq *v;
	size_t n;
};

/*
 * Numbered interrupts of /proc/interrupts. Action names come from
 * /sys/kernel/irq/N/actions when present, else from the line's last field.
 */
int pvt_irqs_read(const struct pvt_ctx *ctx, struct pvt_irqs *out, struct pvt_err *e);
void pvt_irqs_free(struct pvt_irqs *irqs);
/* Queue number of an action name: its trailing digits, or -1. */
int pvt_irq_queue_index(const char *action);

#endif
