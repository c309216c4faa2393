/* SPDX-License-Identifier: GPL-2.0-only */
/* pool.c: the engine's writer threads (see pool.h). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "engine/pool.h"
#include "util/util.h"

/* a worker reads and writes small files: its stack and TLS fit easily */
#define PVT_WRITER_STACK (128 * 1024)

bool pvt_block_node(const char *path, const char *device)
{
	static const char pfx[] = "/sys/block/";
	size_t n;

	if (!path || !device || strncmp(path, pfx, sizeof(pfx) - 1) != 0)
		return false;
	n = strlen(device);
	return strncmp(path + sizeof(pfx) - 1, device, n) == 0 && path[sizeof(pfx) - 1 + n] == '/';
}

void pvt_pool_group(struct pvt_pool *p, size_t n, const char *(*key)(void *arg, size_t i),
		       size_t **rest, size_t *nrest)
{
	const char **keys = pvt_xcalloc(n ? n : 1, sizeof(*keys));
	size_t *grp = pvt_xcalloc(n ? n : 1, sizeof(*grp)), *fill;

	p->ngroups = 0;
	*rest = pvt_xcalloc(n ? n : 1, sizeof(**rest));
	*nrest = 0;
	for (size_t i = 0; i < n; i++) {
		const char *k = key(p->arg, i);
		size_t g;

		if (!k) {
			(*rest)[(*nrest)++] = i;
			grp[i] = SIZE_MAX;
			continue;
		}
		for (g = 0; g < p->ngroups && strcmp(keys[g], k) != 0; g++)
			;
		if (g == p->ngroups)
			keys[p->ngroups++] = k;
		grp[i] = g;
	}
	p->start = pvt_xcalloc(p->ngroups + 1, sizeof(*p->start));
	p->idx = pvt_xcalloc(n ? n : 1, sizeof(*p->idx));
	for (size_t i = 0; i < n; i++)
		if (grp[i] != SIZE_MAX)
			p->start[grp[i] + 1]++;
	for (size_t g = 0; g < p->ngroups; g++)
		p->start[g + 1] += p->start[g];
	fill = pvt_xcalloc(p->ngroups ? p->ngroups : 1, sizeof(*fill));
	for (size_t i = 0; i < n; i++)
		if (grp[i] != SIZE_MAX)
			p->idx[p->start[grp[i]] + fill[grp[i]]++] = i;
	free(fill);
	free(grp);
	free(keys);
}

static void pool_work(struct pvt_pool *p)
{
	size_t g;

	while ((g = atomic_fetch_add(&p->next, 1)) < p->ngroups)
		for (size_t j = p->start[g]; j < p->start[g + 1]; j++)
			p->fn(p->arg, p->idx[j]);
}

static void *pool_thread(void *v)
{
	pool_work(v);
	return NULL;
}

void pvt_pool_run(const struct pvt_ctx *ctx, struct pvt_pool *p, const size_t *rest,
		     size_t nrest)
{
	size_t want = ctx->writers ? ctx->writers : PVT_WRITERS_DEFAULT;
	pthread_t *th;
	void *stacks;
	size_t started = 0;

	atomic_init(&p->next, 0);
	if (want > p->ngroups)
		want = p->ngroups;
	/* one group, or one writer: no thread to start */
	if (want <= 1) {
		for (size_t i = 0; i < nrest; i++)
			p->fn(p->arg, rest[i]);
		pool_work(p);
		return;
	}
	th = pvt_xcalloc(want, sizeof(*th));
	/*
	 * Our own stacks, unmapped after the join: glibc would keep its cached
	 * thread stacks (and their touched pages) mapped for the daemon's life.
	 */
	stacks = mmap(NULL, want * PVT_WRITER_STACK, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	for (size_t t = 0; t < want && stacks != MAP_FAILED; t++) {
		pthread_attr_t attr;

		if (pthread_attr_init(&attr) != 0)
			break;
		if (pthread_attr_setstack(&attr, (char *)stacks + t * PVT_WRITER_STACK,
					  PVT_WRITER_STACK) == 0 &&
		    pthread_create(&th[started], &attr, pool_thread, p) == 0)
			started++;
		pthread_attr_destroy(&attr);
	}
	for (size_t i = 0; i < nrest; i++)
		p->fn(p->arg, rest[i]);
	pool_work(p);		/* help, or do it all if no thread started */
	for (size_t t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	if (stacks != MAP_FAILED)
		munmap(stacks, want * PVT_WRITER_STACK);
	free(th);
}

void pvt_pool_free(struct pvt_pool *p)
{
	free(p->start);
	free(p->idx);
}
