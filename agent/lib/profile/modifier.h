/* SPDX-License-Identifier: GPL-2.0-only */
/* modifier.h: tuned's ">" and "<" value modifiers. */
#ifndef PVT_MODIFIER_H
#define PVT_MODIFIER_H

#include <stdbool.h>
#include <stdint.h>

enum pvt_op {
	PVT_OP_SET = '=',	/* plain value */
	PVT_OP_GT = '>',	/* only if larger than the current value */
	PVT_OP_LT = '<',	/* only if smaller than the current value */
};

/* Split a leading modifier off @value; returns the value without it. */
const char *pvt_modifier_split(const char *value, enum pvt_op *op);
/*
 * Would applying @want with @op change @current? For PVT_OP_GT: only when
 * want > current; PVT_OP_LT: only when want < current.
 */
bool pvt_modifier_wants_write(enum pvt_op op, int64_t want, int64_t current);
/* Does @current satisfy @want under @op (verify)? GT: current >= want. */
bool pvt_modifier_satisfied(enum pvt_op op, int64_t want, int64_t current);

#endif
