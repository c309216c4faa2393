/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pool.h: the engine's writer threads.
 *
 * Concurrent writes. Some block-layer writes wait rather than work: a new
 * scheduler or nr_requests freezes and quiesces the queue, which waits for
 * it to drain and for RCU grace periods. One device after the other, 16
 * disks wait 32 times in a row; from one thread per device the waits
 * overlap. Items are grouped by the block device whose /sys/block/DEV/ node
 * they write; a group runs in plan order on one thread (the scheduler
 * before nr_requests), groups run concurrently on up to ctx->writers
 * threads, the rest (sysctls, IRQs) on the caller's thread meanwhile. The
 * workers only read and write nodes; results are reported, and the store
 * changed, afterwards on the caller's thread, in plan order.
 */
#ifndef PVT_ENGINE_POOL_H
#define PVT_ENGINE_POOL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/ctx.h"

struct pvt_pool {
	size_t ngroups;
	size_t *start;		/* group g is idx[start[g]] .. idx[start[g + 1] - 1] */
	size_t *idx;
	void (*fn)(void *arg, size_t i);	/* runs entry i (any thread) */
	void *arg;
	atomic_size_t next;
};

/* Is @path a node of block device @device ("/sys/block/DEVICE/...")? */
bool pvt_block_node(const char *path, const char *device);
/*
 * Group the @n entries by key(i) (NULL: not grouped, the caller runs it).
 * Returns the ungrouped indexes in order in *@rest (count in *@nrest).
 */
void pvt_pool_group(struct pvt_pool *p, size_t n, const char *(*key)(void *arg, size_t i),
		    size_t **rest, size_t *nrest);
/*
 * Run every group on the pool, and the ungrouped entries @rest on this
 * thread meanwhile; returns when all are done. If no thread can be
 * started, this thread does the groups too.
 */
void pvt_pool_run(const struct pvt_ctx *ctx, struct pvt_pool *p, const size_t *rest,
		  size_t nrest);
void pvt_pool_free(struct pvt_pool *p);

#endif
