/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvblk: a paravirtual block driver for virtio-blk devices.
 *
 * Shared definitions. The driver is split by concern:
 *   pvblk_main.c     probe, device configuration, remove, freeze/restore
 *   pvblk_submit.c   request setup and the three submission paths
 *   pvblk_complete.c interrupt and poll-queue completion
 *   pvblk_sysfs.c    serial, cache_type, per-queue stats and tunables
 *   pvblk_debugfs.c  fault injection for the tests
 *   pvblk_compat.h   every kernel-version difference
 */
#ifndef PVBLK_H
#define PVBLK_H

#include <linux/blk-mq.h>
#include <linux/hrtimer.h>
#include <linux/irq_poll.h>
#include <linux/log2.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/virtio.h>
#include <linux/virtio_blk.h>
#include <linux/workqueue.h>

#define PVBLK_NAME		"pvblk"
#define PVBLK_PART_BITS		4
#define PVBLK_INLINE_SG_CNT	2
/* Discard, write zeroes and secure erase take at most this many ranges. */
#define PVBLK_MAX_DISCARD_SEGS	256
#define PVBLK_VQ_NAME_LEN	16
/* Batch-size histogram buckets: 1, 2-3, 4-7, 8-15, 16-31, 32+. */
#define PVBLK_HIST_BUCKETS	6
/* Completion polling: the window starts here and doubles up to the max. */
#define PVBLK_POLL_START_NS	4000
/* Defaults of the tunables and the limit on poll_max_usecs. */
#define PVBLK_POLL_MAX_USECS_DEFAULT	50
#define PVBLK_POLL_MAX_USECS_LIMIT	1000
/* A polling window closes after this many passes in a row found nothing. */
#define PVBLK_POLL_EMPTY_PASSES	2
/*
 * irq_moderation only defers interrupts with this many requests out, while
 * completions keep coming (an interrupt within irq_moderation_usecs of the
 * one before, whose pass retired at least PVBLK_MODERATE_FOUND), and for at
 * most irq_moderation_usecs (default and limit below).
 */
#define PVBLK_MODERATE_MIN	4
#define PVBLK_MODERATE_FOUND	2
#define PVBLK_MODERATE_USECS_DEFAULT	50
#define PVBLK_MODERATE_USECS_LIMIT	1000
/*
 * Deferral-length histogram buckets, log2 of microseconds: 0-1, 2-3, 4-7,
 * ..., 16384-32767, and 32768 (32.8 ms) or more.
 */
#define PVBLK_MOD_HIST_BUCKETS	16
/* irq_poll weight: completions one poll pass may report. */
#define PVBLK_IOPOLL_WEIGHT	64
/* Fault injection (debugfs slow_full): how long a refused submission waits. */
#define PVBLK_SLOW_FULL_MS	20

/*
 * Per-virtqueue counters. Every counter is written with the queue lock
 * held and read locklessly by sysfs, hence the WRITE_ONCE/READ_ONCE pair in
 * pvblk_stat_add() and pvblk_sysfs.c.
 */
struct pvblk_vq_stats {
	u64 requests;		/* requests added to the ring */
	u64 kicks;		/* notifications sent to the device */
	u64 kicks_suppressed;	/* batch ends the device asked us not to kick */
	u64 irqs;		/* virtqueue callbacks (interrupts) */
	u64 irqs_empty;		/* callbacks that found no completion */
	u64 completions;	/* requests retired, however found */
	u64 polled;		/* completions found by polling */
	u64 ring_full;		/* submissions refused by a full ring */
	u64 batches;		/* kicks or suppressed kicks: submission batches */
	u64 batch_max;		/* largest number of requests in one batch */
	u64 batch_hist[PVBLK_HIST_BUCKETS];
	u64 cbatches;		/* interrupt or poll passes that retired some */
	u64 cbatch_max;		/* most requests retired by one pass */
	u64 cbatch_hist[PVBLK_HIST_BUCKETS];
	u64 poll_windows;	/* times completion polling started */
	u64 poll_empty;		/* polling passes that found nothing */
	u64 poll_reopened;	/* windows reopened with no interrupt:
				 * completions slipped in as the poller
				 * re-armed the interrupt
				 */
	u64 moderated;		/* interrupts re-armed with a deferred threshold */
	u64 moderation_expired;	/* deferrals the time bound ended, retiring
				 * completions they held back
				 */
	u64 moderation_hist[PVBLK_MOD_HIST_BUCKETS];	/* deferral lengths */
	u64 timeouts;		/* blk-mq timeouts of this queue's requests */
	u64 timeout_reaped;	/* completions no interrupt reported, found
				 * by the timeout handler (lost interrupts)
				 */
	u64 timeout_kicks;	/* notifications the timeout handler sent
				 * again for a request the device still
				 * held (a lost notification)
				 */
	u64 failed_broken;	/* requests failed because the device broke */
};

struct pvblk_vq {
	struct virtqueue *vq;
	spinlock_t lock;
	/*
	 * Serialises notifications when VIRTIO_F_NOTIFICATION_DATA is
	 * negotiated: taken under @lock and released after the notify, so
	 * notifies leave in the order their kicks were prepared while @lock
	 * itself is never held across the VM exit. Interrupts stay off while
	 * it is held (pvblk_unlock_notify()).
	 */
	spinlock_t notify_lock;
	unsigned int pending;	/* requests added since the last batch end */
	unsigned int inflight;	/* requests in the ring, not yet retired */

	/* Adaptive completion polling (pvblk_complete.c), under @lock. */
	struct irq_poll iop;
	u64 poll_ns;		/* current polling window */
	u64 last_found_ns;	/* polling: when completions last turned up */
	u64 armed_ns;		/* interrupts: when they were last re-armed */
	unsigned int empty_passes;	/* polling passes in a row that found nothing */

	/* Interrupt moderation's time bound (pvblk_complete.c), under @lock. */
	struct hrtimer mod_timer;
	u64 mod_armed_ns;	/* when a deferred interrupt was armed; 0: none */
	u64 last_irq_ns;	/* when the last interrupt came */

	struct pvblk_vq_stats stats;
	char name[PVBLK_VQ_NAME_LEN];
} ____cacheline_aligned_in_smp;

struct pvblk_dev {
	/* NULL once the device is gone; protected by @vdev_mutex. */
	struct virtio_device *vdev;
	struct mutex vdev_mutex;

	struct gendisk *disk;
	struct blk_mq_tag_set tag_set;
	struct work_struct config_work;
	int index;

	unsigned int num_vqs;
	unsigned int io_queues[HCTX_MAX_TYPES];
	struct pvblk_vq *vqs;
	bool notify_serialized;

	/* Run-time tunables (sysfs), read locklessly on the hot paths. */
	bool batch_kicks;
	bool irq_moderation;
	unsigned int irq_moderation_usecs;
	unsigned int poll_max_usecs;

	/*
	 * Fault injection (debugfs, pvblk_debugfs.c): the next @lose_irqs
	 * virtqueue interrupts are ignored, as if they never came; the next
	 * @lose_kicks notifications are not sent, as if the device missed
	 * them; the next @fail_status requests retired end with
	 * VIRTIO_BLK_S_IOERR whatever the device said; the next @slow_full
	 * submissions a full ring refuses wait PVBLK_SLOW_FULL_MS before they
	 * return to blk-mq (a slow vCPU); with @drop_wce_writes
	 * set, writes of the cache mode never reach the device, as if it
	 * refused them.
	 */
	atomic_t lose_irqs;
	atomic_t lose_kicks;
	atomic_t fail_status;
	atomic_t slow_full;
	bool drop_wce_writes;
	struct dentry *debugfs;
};

/* The per-request driver data that blk-mq allocates behind each request. */
struct pvblk_req {
	struct virtio_blk_outhdr out_hdr;
	u8 status;
	/*
	 * The device returned the request, but blk-mq faked a timeout
	 * (CONFIG_FAIL_IO_TIMEOUT) so it was not completed: ->timeout ends it.
	 */
	bool returned;
	/*
	 * One-entry scatterlists of @out_hdr and @status, built once by
	 * ->init_request(): they never move, so no request rebuilds them.
	 */
	struct scatterlist hdr_sg;
	struct scatterlist status_sg;
	struct sg_table sg_table;
	struct scatterlist sg[];
};

/*
 * Fault injection (the debugfs counters, pvblk_debugfs.c): true, one fewer
 * to go, while @count is positive. The plain read first keeps the hot paths
 * free of a locked instruction while no fault is set.
 */
static __always_inline bool pvblk_fault_hit(atomic_t *count)
{
	return IS_ENABLED(CONFIG_DEBUG_FS) && atomic_read(count) > 0 &&
	       atomic_dec_if_positive(count) >= 0;
}

#define pvblk_stat_add(pvq, field, n) \
	WRITE_ONCE((pvq)->stats.field, (pvq)->stats.field + (n))

static inline unsigned int pvblk_hist_bucket(unsigned int n)
{
	unsigned int b = n ? ilog2(n) : 0;

	return min_t(unsigned int, b, PVBLK_HIST_BUCKETS - 1);
}

static inline struct pvblk_vq *pvblk_hctx_vq(struct blk_mq_hw_ctx *hctx)
{
	struct pvblk_dev *pv = hctx->queue->queuedata;

	return &pv->vqs[hctx->queue_num];
}

/*
 * Undo pvblk_map_data() and pvblk_setup_cmd()'s range table. Inline: every
 * completion runs both, in a loop over the requests it retires.
 */
static inline void pvblk_unmap_data(struct request *req, struct pvblk_req *vbr)
{
	if (blk_rq_nr_phys_segments(req))
		sg_free_table_chained(&vbr->sg_table, PVBLK_INLINE_SG_CNT);
}

static inline void pvblk_cleanup_cmd(struct request *req)
{
	if (unlikely(req->rq_flags & RQF_SPECIAL_PAYLOAD)) {
		kfree(bvec_virt(&req->special_vec));
		req->rq_flags &= ~RQF_SPECIAL_PAYLOAD;
	}
}

/* pvblk_submit.c */
extern const struct blk_mq_ops pvblk_mq_ops;
void pvblk_unlock_renotify(struct pvblk_dev *pv, struct pvblk_vq *pvq,
			   unsigned long flags) __releases(&pvq->lock);

/* pvblk_complete.c */
blk_status_t pvblk_result(u8 status);
void pvblk_vq_done(struct virtqueue *vq);
void pvblk_polling_init(struct pvblk_dev *pv);
void pvblk_polling_stop(struct pvblk_dev *pv);
void pvblk_request_done(struct request *req);
int pvblk_poll(struct blk_mq_hw_ctx *hctx, struct io_comp_batch *iob);
enum blk_eh_timer_return pvblk_timeout(struct request *req);

void pvblk_fail_broken(struct pvblk_dev *pv);

/* pvblk_debugfs.c */
extern atomic_t pvblk_fail_probe;
void pvblk_debugfs_init(void);
void pvblk_debugfs_exit(void);
void pvblk_debugfs_add(struct pvblk_dev *pv);
void pvblk_debugfs_remove(struct pvblk_dev *pv);

/* pvblk_sysfs.c */
extern const struct attribute_group *pvblk_attr_groups[];
int pvblk_get_id(struct gendisk *disk, char *id_str);
bool pvblk_write_cache(struct virtio_device *vdev);

#endif /* PVBLK_H */
