/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvblk_compat.h - every kernel API difference pvblk meets, in one place.
 *
 * Tested kernels: Debian's 6.1 and 6.12. Where a stable kernel carries a
 * backport (6.12.y has the 6.13 struct rq_list), the test is on the API
 * itself rather than on LINUX_VERSION_CODE.
 */
#ifndef PVBLK_COMPAT_H
#define PVBLK_COMPAT_H

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/hrtimer.h>
#include <linux/version.h>
#include <linux/virtio_config.h>

/*
 * Queue limits. Since 6.9 they are passed to blk_mq_alloc_disk(); since
 * 6.11 the volatile write cache is a feature flag inside them. Older
 * kernels take the same values through the blk_queue_*() setters once the
 * disk exists.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
static inline struct gendisk *
pvblk_alloc_disk(struct blk_mq_tag_set *set, struct queue_limits *lim,
		 bool write_cache, void *data)
{
	if (write_cache)
		lim->features |= BLK_FEAT_WRITE_CACHE;
	return blk_mq_alloc_disk(set, lim, data);
}

/*
 * The limits lock first, then the freeze, as the block layer takes them
 * (the reverse is a lockdep report on 6.13+, where a freeze is a lock to
 * lockdep). queue_limits_commit_update_frozen() does the freezing part on
 * 6.13+ (6.12.y has a backport; the open-coded order is the same).
 */
static inline int pvblk_set_write_cache(struct request_queue *q, bool wc)
{
	struct queue_limits lim;
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
	int err;
#endif

	lim = queue_limits_start_update(q);
	if (wc)
		lim.features |= BLK_FEAT_WRITE_CACHE;
	else
		lim.features &= ~BLK_FEAT_WRITE_CACHE;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	return queue_limits_commit_update_frozen(q, &lim);
#else
	blk_mq_freeze_queue(q);
	err = queue_limits_commit_update(q, &lim);
	blk_mq_unfreeze_queue(q);
	return err;
#endif
}
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
#error "pvblk: kernels 6.9 and 6.10 are not supported (untested API mix)"
#else
static inline struct gendisk *
pvblk_alloc_disk(struct blk_mq_tag_set *set, struct queue_limits *lim,
		 bool write_cache, void *data)
{
	struct gendisk *disk = blk_mq_alloc_disk(set, data);
	struct request_queue *q;

	if (IS_ERR(disk))
		return disk;
	q = disk->queue;
	blk_queue_max_hw_sectors(q, lim->max_hw_sectors);
	blk_queue_max_segments(q, lim->max_segments);
	blk_queue_max_segment_size(q, lim->max_segment_size);
	blk_queue_logical_block_size(q, lim->logical_block_size);
	blk_queue_physical_block_size(q, lim->physical_block_size);
	blk_queue_alignment_offset(q, lim->alignment_offset);
	blk_queue_io_min(q, lim->io_min);
	blk_queue_io_opt(q, lim->io_opt);
	if (lim->max_hw_discard_sectors) {
		blk_queue_max_discard_sectors(q, lim->max_hw_discard_sectors);
		blk_queue_max_discard_segments(q, lim->max_discard_segments);
		q->limits.discard_granularity = lim->discard_granularity;
	}
	if (lim->max_secure_erase_sectors)
		blk_queue_max_secure_erase_sectors(q,
						   lim->max_secure_erase_sectors);
	blk_queue_max_write_zeroes_sectors(q, lim->max_write_zeroes_sectors);
	blk_queue_write_cache(q, write_cache, false);
	return disk;
}

static inline int pvblk_set_write_cache(struct request_queue *q, bool wc)
{
	blk_queue_write_cache(q, wc, false);
	return 0;
}
#endif

/*
 * The limits start from the block layer's defaults on every kernel, plus
 * what virtio_blk sets for every device: a virtio disk is rotational as far
 * as the block layer knows (the host does not say). Before 6.11 that is the
 * default; since 6.11 a driver that does not set BLK_FEAT_ROTATIONAL gets
 * a non-rotational disk, and with it an SSD's writeback throttling target
 * (wbt_lat_usec 2 ms instead of 75 ms).
 */
static inline void pvblk_limits_init(struct queue_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->logical_block_size = SECTOR_SIZE;
	lim->physical_block_size = SECTOR_SIZE;
	lim->max_hw_sectors = UINT_MAX;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	lim->features |= BLK_FEAT_ROTATIONAL;
#endif
}

/* virtio_find_vqs() takes a struct virtqueue_info array since 6.11. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
static inline int pvblk_find_vqs(struct virtio_device *vdev, unsigned int n,
				 struct virtqueue *vqs[],
				 vq_callback_t *callbacks[],
				 const char * const names[],
				 struct irq_affinity *desc)
{
	struct virtqueue_info *info;
	unsigned int i;
	int err;

	info = kcalloc(n, sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		info[i].name = names[i];
		info[i].callback = callbacks[i];
	}
	err = virtio_find_vqs(vdev, n, vqs, info, desc);
	kfree(info);
	return err;
}
#else
static inline int pvblk_find_vqs(struct virtio_device *vdev, unsigned int n,
				 struct virtqueue *vqs[],
				 vq_callback_t *callbacks[],
				 const char * const names[],
				 struct irq_affinity *desc)
{
	return virtio_find_vqs(vdev, n, vqs, callbacks, names, desc);
}
#endif

/*
 * ->queue_rqs() takes a struct request ** list up to 6.12 and a struct
 * rq_list since 6.13 (backported to 6.12.y). rq_list_add() is a macro of
 * the old API only, so its presence tells which one this kernel has.
 * pvblk walks both through request->rq_next with these two helpers.
 */
#ifdef rq_list_add
#define PVBLK_RQ_LIST struct request *
static inline struct request *pvblk_rq_list_take(struct request **list)
{
	struct request *head = *list;

	*list = NULL;
	return head;
}

static inline void pvblk_rq_list_give(struct request **list,
				      struct request *head,
				      struct request *tail)
{
	*list = head;
}
#else
#define PVBLK_RQ_LIST struct rq_list
static inline struct request *pvblk_rq_list_take(struct rq_list *list)
{
	struct request *head = list->head;

	rq_list_init(list);
	return head;
}

static inline void pvblk_rq_list_give(struct rq_list *list,
				      struct request *head,
				      struct request *tail)
{
	list->head = head;
	list->tail = tail;
}
#endif

/*
 * VIRTIO_F_NOTIFICATION_DATA (virtio 1.2): a notification carries the
 * avail index, so notifications must reach the device in order. Kernels
 * that do not know the bit never negotiate it.
 */
static inline bool pvblk_notify_needs_order(struct virtio_device *vdev)
{
#ifdef VIRTIO_F_NOTIFICATION_DATA
	return virtio_has_feature(vdev, VIRTIO_F_NOTIFICATION_DATA);
#else
	return false;
#endif
}

/* hrtimer_setup() replaced hrtimer_init() plus setting ->function in 6.13. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
static inline void pvblk_hrtimer_setup(struct hrtimer *timer,
				       enum hrtimer_restart (*fn)(struct hrtimer *))
{
	hrtimer_setup(timer, fn, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
}
#else
static inline void pvblk_hrtimer_setup(struct hrtimer *timer,
				       enum hrtimer_restart (*fn)(struct hrtimer *))
{
	hrtimer_init(timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	timer->function = fn;
}
#endif

#endif /* PVBLK_COMPAT_H */
