/* SPDX-License-Identifier: GPL-2.0-only */
/* irqs.c: interrupts from /proc/interrupts with their action names. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/irqs.h"

static void actions_of(const struct pvt_ctx *ctx, int irq, const char *rest,
		       struct pvt_strv *out)
{
	char *path = pvt_xasprintf("/sys/kernel/irq/%d/actions", irq);
	char *s = NULL;

	if (pvt_read_file(ctx->root, path, &s, NULL) == 0 && *s) {
		pvt_strv_split(out, s, ",\n");
	} else {
		/* the last blank-separated field of the line */
		const char *end = rest + strlen(rest), *b = end;

		while (b > rest && !isspace((unsigned char)b[-1]))
			b--;
		if (b < end)
			pvt_strv_push(out, b);
	}
	for (size_t i = 0; i < out->n; i++) {
		char *t = pvt_strip(out->v[i]);

		memmove(out->v[i], t, strlen(t) + 1);
	}
	free(s);
	free(path);
}

int pvt_irqs_read(const struct pvt_ctx *ctx, struct pvt_irqs *out, struct pvt_err *e)
{
	char *text = NULL, *save = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	r = pvt_read_file(ctx->root, "/proc/interrupts", &text, e);
	if (r < 0)
		return r;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line, *end;
		long irq;

		while (isspace((unsigned char)*p))
			p++;
		irq = strtol(p, &end, 10);
		if (end == p || *end != ':')
			continue;	/* header, NMI, LOC, ... */
		out->v = pvt_xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n] = (struct pvt_irq){ .irq = (int)irq };
		actions_of(ctx, (int)irq, pvt_strip(end + 1), &out->v[out->n].actions);
		out->n++;
	}
	free(text);
	return 0;
}

void pvt_irqs_free(struct pvt_irqs *irqs)
{
	for (size_t i = 0; i < irqs->n; i++)
		pvt_strv_free(&irqs->v[i].actions);
	free(irqs->v);
	memset(irqs, 0, sizeof(*irqs));
}

int pvt_irq_queue_index(const char *action)
{
	size_t n = strlen(action), b = n;

	while (b > 0 && isdigit((unsigned char)action[b - 1]))
		b--;
	if (b == n || n - b > 6)
		return -1;
	return atoi(action + b);
}
