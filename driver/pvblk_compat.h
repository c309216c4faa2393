/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvblk_compat.h - every kernel API difference pvblk meets, in one place.
 *
 * Tested kernels (scripts/kernels.conf): Debian's 6.1, 6.12 (generic, rt,
 * cloud) and sid's newest (7.2 today). Where a stable kernel carries a
 * backport that changes a type (6.12.y has 6.13's struct rq_list), or
 * where the version that changed a callback's type is not certain, the
 * test is on the API itself: a macro it defines or the type of a member
 * (_Generic, typeof) rather than LINUX_VERSION_CODE. A version test is
 * used for a change that no kernel we know backports, or whose backport
 * leaves the old API in place (6.12.y has 6.14's blk_mq_map_hw_queues and
 * WQ_PERCPU beside the old ways), and names the version.
 */
#ifndef PVBLK_COMPAT_H
#define PVBLK_COMPAT_H

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/hdreg.h>
#include <linux/hrtimer.h>
#include <linux/sysfs.h>
#include <linux/version.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 14, 0)
#include <linux/blk-mq-virtio.h>
#endif

/*
 * Freezing a queue: since 6.14 blk_mq_freeze_queue() returns the task's
 * memalloc flags (warn_unused_result) and blk_mq_unfreeze_queue() takes
 * them back. The pair below carries them on every kernel.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
static inline unsigned int pvblk_freeze_queue(struct request_queue *q)
{
	return blk_mq_freeze_queue(q);
}

static inline void pvblk_unfreeze_queue(struct request_queue *q,
					unsigned int memflags)
{
	blk_mq_unfreeze_queue(q, memflags);
}
#else
static inline unsigned int pvblk_freeze_queue(struct request_queue *q)
{
	blk_mq_freeze_queue(q);
	return 0;
}

static inline void pvblk_unfreeze_queue(struct request_queue *q,
					unsigned int memflags)
{
	blk_mq_unfreeze_queue(q);
}
#endif

/* Merging is the default since 6.14, which removed BLK_MQ_F_SHOULD_MERGE. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
#define PVBLK_TAG_SET_FLAGS	0
#else
#define PVBLK_TAG_SET_FLAGS	BLK_MQ_F_SHOULD_MERGE
#endif

/*
 * Interrupt-driven queues follow the vectors' affinity: through
 * <linux/blk-mq-virtio.h> until 6.14 removed it for the generic
 * blk_mq_map_hw_queues(). 6.12.y has both (a backport), so the version
 * picks rightly there too. (sparse 0.6.4, bookworm's, has no
 * __has_include to test the header itself.)
 */
static inline void pvblk_map_irq_queues(struct blk_mq_queue_map *map,
					struct virtio_device *vdev)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 14, 0)
	blk_mq_virtio_map_queues(map, vdev, 0);
#else
	blk_mq_map_hw_queues(map, &vdev->dev, 0);
#endif
}

/*
 * How many queues to use at most: one per possible CPU. Since 6.17 the
 * block layer says it (blk_mq_num_possible_queues(), which virtio_blk
 * uses), so pvblk follows whatever it comes to count; in 7.2 that is
 * still the possible CPUs (the isolcpus=io_queue part of that work is not
 * in: 7.2 says "isolcpus: Skipped unknown flag io_queue").
 */
static inline unsigned int pvblk_num_possible_queues(unsigned int max)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 17, 0)
	return blk_mq_num_possible_queues(max);
#else
	return min_t(unsigned int, max, nr_cpu_ids);
#endif
}

/* blk_rq_map_sg() lost its queue argument in 6.15. */
static inline int pvblk_rq_map_sg(struct request *req,
				  struct scatterlist *sgl)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
	return blk_rq_map_sg(req, sgl);
#else
	return blk_rq_map_sg(req->q, req, sgl);
#endif
}

/* blk_rq_map_kern() lost its queue argument in 6.16. */
static inline int pvblk_rq_map_kern(struct request *req, void *buf,
				    unsigned int len, gfp_t gfp)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
	return blk_rq_map_kern(req, buf, len, gfp);
#else
	return blk_rq_map_kern(req->q, req, buf, len, gfp);
#endif
}

/*
 * ->getgeo() takes the struct gendisk since 6.18 (a struct block_device
 * before). pvblk writes it for the gendisk; PVBLK_DEFINE_GETGEO(fn) adds
 * the block_device form and PVBLK_GETGEO(fn) picks the one this kernel's
 * struct block_device_operations declares.
 */
typedef int (*pvblk_getgeo_disk_t)(struct gendisk *, struct hd_geometry *);

#define PVBLK_DEFINE_GETGEO(fn)						\
static int __maybe_unused fn##_bdev(struct block_device *bdev,		\
				    struct hd_geometry *geo)		\
{									\
	return fn(bdev->bd_disk, geo);					\
}

#define PVBLK_GETGEO(fn)						\
	_Generic(((const struct block_device_operations *)NULL)->getgeo, \
		 pvblk_getgeo_disk_t : (fn), default : fn##_bdev)

/*
 * blk_mq_ops->init_request: its NUMA node argument is an unsigned int on
 * 6.1 and 6.12 and an int on 7.2 (the version between that changed it is
 * not pinned down here, hence the test on the member's type).
 * PVBLK_DEFINE_INIT_REQUEST(fn) wraps fn(set, rq) in both forms and
 * PVBLK_INIT_REQUEST(fn) picks the one this kernel's struct blk_mq_ops
 * declares.
 */
typedef int (*pvblk_init_request_int_t)(struct blk_mq_tag_set *,
					struct request *, unsigned int, int);

#define PVBLK_DEFINE_INIT_REQUEST(fn)					\
static int __maybe_unused fn##_uint(struct blk_mq_tag_set *set,	\
				    struct request *rq,			\
				    unsigned int hctx_idx,		\
				    unsigned int numa_node)		\
{									\
	return fn(set, rq);						\
}									\
static int __maybe_unused fn##_int(struct blk_mq_tag_set *set,		\
				   struct request *rq,			\
				   unsigned int hctx_idx, int numa_node) \
{									\
	return fn(set, rq);						\
}

#define PVBLK_INIT_REQUEST(fn)						\
	_Generic(((const struct blk_mq_ops *)NULL)->init_request,	\
		 pvblk_init_request_int_t : fn##_int, default : fn##_uint)

/*
 * Binary sysfs attributes: the 6.13-6.17 constification made the read
 * callback take a const struct bin_attribute, and attribute groups list
 * const pointers. PVBLK_BIN_ATTR_RO(name) defines bin_attr_<name> around
 * name_read(file, kobj, buf, off, count) with the callback form this
 * kernel's struct bin_attribute declares; PVBLK_BIN_ATTR_PTR is the type
 * of an entry of attribute_group.bin_attrs.
 */
typedef ssize_t (*pvblk_bin_read_const_t)(struct file *, struct kobject *,
					  const struct bin_attribute *,
					  char *, loff_t, size_t);

#define PVBLK_BIN_ATTR_RO(_name)					\
static ssize_t __maybe_unused						\
_name##_read_const(struct file *file, struct kobject *kobj,		\
		   const struct bin_attribute *attr, char *buf,		\
		   loff_t off, size_t count)				\
{									\
	return _name##_read(file, kobj, buf, off, count);		\
}									\
static ssize_t __maybe_unused						\
_name##_read_mutable(struct file *file, struct kobject *kobj,		\
		     struct bin_attribute *attr, char *buf,		\
		     loff_t off, size_t count)				\
{									\
	return _name##_read(file, kobj, buf, off, count);		\
}									\
static struct bin_attribute bin_attr_##_name = {			\
	.attr = { .name = __stringify(_name), .mode = 0444 },		\
	.read = _Generic(((const struct bin_attribute *)NULL)->read,	\
		pvblk_bin_read_const_t : _name##_read_const, default : _name##_read_mutable), \
}

#define PVBLK_BIN_ATTR_PTR \
	typeof(*((struct attribute_group *)NULL)->bin_attrs)

/*
 * Device reset (PCI function level reset, AER recovery): since 6.14 a
 * virtio driver can quiesce before and recover after through
 * ->reset_prepare() / ->reset_done(); without them the virtio core resets
 * the device under the driver. PVBLK_RESET_OPS(prepare, done) goes in the
 * struct virtio_driver initializer.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
#define PVBLK_RESET_OPS(prepare, done)					\
	.reset_prepare = (prepare),					\
	.reset_done = (done),
#else
#define PVBLK_RESET_OPS(prepare, done)
#endif

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
	unsigned int memflags;
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
	memflags = pvblk_freeze_queue(q);
	err = queue_limits_commit_update(q, &lim);
	pvblk_unfreeze_queue(q, memflags);
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
