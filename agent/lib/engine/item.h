/* SPDX-License-Identifier: GPL-2.0-only */
/* item.h: one plan item against its node: read, compare, report (the engine's own). */
#ifndef PVT_ENGINE_ITEM_H
#define PVT_ENGINE_ITEM_H

#include <stdbool.h>

#include "engine/engine.h"

/* What reading and writing one node gave, before it is reported. */
struct pvt_outcome {
	enum pvt_status st;
	char *actual;		/* the value read before writing; NULL if unreadable */
	char *note;		/* error message */
	int err;		/* the write's -errno */
};

void pvt_outcome_free(struct pvt_outcome *o);
/* Does @cur already satisfy the item? Sets *kept for a modifier that says "no". */
bool pvt_item_satisfied(const struct pvt_item *it, const char *cur, bool *kept);
/* Add the item's result to @rep (expected: its value with its modifier). */
void pvt_item_report(struct pvt_report *rep, const struct pvt_item *it, const char *actual,
		     enum pvt_status st, const char *note);
/* Run a check-only item and report it; returns its status. */
enum pvt_status pvt_item_check(const struct pvt_ctx *ctx, const struct pvt_item *it,
			       struct pvt_report *rep);

#endif
