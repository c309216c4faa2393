/* SPDX-License-Identifier: GPL-2.0-only */
/* item.c: one plan item against its node: read, compare, report. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "engine/item.h"
#include "util/cpulist.h"
#include "util/util.h"

static char *bracketed(const char *s)
{
	const char *a = strchr(s, '['), *b = a ? strchr(a, ']') : NULL;

	if (a && b)
		return pvt_xasprintf("%.*s", (int)(b - a - 1), a + 1);
	return pvt_words_normalize(s);
}

int pvt_read_current(const struct pvt_ctx *ctx, const char *path, enum pvt_cmp cmp,
		     char **out, struct pvt_err *e)
{
	char *raw;

	int r = pvt_read_file(ctx->root, path, &raw, e);

	if (r < 0)
		return r;
	*out = cmp == PVT_CMP_BRACKET ? bracketed(raw) : pvt_words_normalize(raw);
	free(raw);
	return 0;
}

static bool equal(enum pvt_cmp cmp, const char *a, const char *b)
{
	int64_t x, y;

	switch (cmp) {
	case PVT_CMP_INT:
		if (pvt_parse_i64(a, &x) && pvt_parse_i64(b, &y))
			return x == y;
		break;
	case PVT_CMP_CPULIST:
		return pvt_cpulist_equal(a, b);
	default:
		break;
	}
	return strcmp(a, b) == 0;
}

static char *expected_text(const struct pvt_item *it)
{
	if (it->op == PVT_OP_SET)
		return pvt_xstrdup(it->value);
	return pvt_xasprintf("%c%s", (char)it->op, it->value);
}

void pvt_item_report(struct pvt_report *rep, const struct pvt_item *it, const char *actual,
		       enum pvt_status st, const char *note)
{
	char *exp = expected_text(it);

	pvt_report_add(rep, it->unit, it->device, it->key, it->path, exp, actual, st, note);
	free(exp);
}

enum pvt_status pvt_item_check(const struct pvt_ctx *ctx, const struct pvt_item *it,
			       struct pvt_report *rep)
{
	char *actual = NULL;
	bool ok = it->check(ctx, it, &actual);
	enum pvt_status st = ok ? PVT_ST_OK : it->soft ? PVT_ST_WARN : PVT_ST_MISMATCH;

	pvt_item_report(rep, it, actual, st, NULL);
	free(actual);
	return st;
}

void pvt_outcome_free(struct pvt_outcome *o)
{
	free(o->actual);
	free(o->note);
}

bool pvt_item_satisfied(const struct pvt_item *it, const char *cur, bool *kept)
{
	int64_t want, have;

	*kept = false;
	if (it->op != PVT_OP_SET && pvt_parse_i64(it->value, &want) &&
	    pvt_parse_i64(cur, &have)) {
		*kept = !pvt_modifier_wants_write(it->op, want, have) && want != have;
		return !pvt_modifier_wants_write(it->op, want, have);
	}
	return equal(it->cmp, it->value, cur);
}
