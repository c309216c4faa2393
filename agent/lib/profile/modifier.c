/* SPDX-License-Identifier: GPL-2.0-only */
/* modifier.c: tuned's ">" and "<" value modifiers. */
#include <ctype.h>

#include "profile/modifier.h"

const char *pvt_modifier_split(const char *value, enum pvt_op *op)
{
	*op = PVT_OP_SET;
	if (value[0] == '>' || value[0] == '<') {
		*op = (enum pvt_op)value[0];
		value++;
		while (isspace((unsigned char)*value))
			value++;
	}
	return value;
}

bool pvt_modifier_wants_write(enum pvt_op op, int64_t want, int64_t current)
{
	switch (op) {
	case PVT_OP_GT:
		return want > current;
	case PVT_OP_LT:
		return want < current;
	default:
		return want != current;
	}
}

bool pvt_modifier_satisfied(enum pvt_op op, int64_t want, int64_t current)
{
	switch (op) {
	case PVT_OP_GT:
		return current >= want;
	case PVT_OP_LT:
		return current <= want;
	default:
		return current == want;
	}
}
