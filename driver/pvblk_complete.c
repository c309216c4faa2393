// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblk_complete.c - retiring requests: the virtqueue interrupt, adaptive
 * completion polling, blk-mq's ->complete() and the poll-queue ->poll().
 *
 * Completion is NAPI-style. An interrupt disables the queue's callbacks and
 * retires what is done; then, unless poll_max_usecs is 0, an irq_poll
 * handler (softirq) keeps polling the used ring while completions keep
 * coming, and re-arms the interrupt only when a polling window passes with
 * nothing found. The window adapts the way QEMU's AioContext polling does:
 * it grows (doubling from 4 us, up to poll_max_usecs) when polling finds
 * completions or when an interrupt follows soon after re-arming, and it
 * halves when a window runs out empty.
 *
 * With irq_moderation on, a re-armed interrupt is deferred until 3/4 of the
 * requests in flight are done (virtqueue_enable_cb_delayed()) whenever
 * enough are out for that to save interrupts.
 */
#include <linux/ktime.h>

#include "pvblk.h"
#include "pvblk_compat.h"

static blk_status_t pvblk_result(u8 status)
{
	switch (status) {
	case VIRTIO_BLK_S_OK:
		return BLK_STS_OK;
	case VIRTIO_BLK_S_UNSUPP:
		return BLK_STS_NOTSUPP;
	case VIRTIO_BLK_S_IOERR:
	default:
		return BLK_STS_IOERR;
	}
}

/* blk-mq ->complete(): runs on the submitting CPU (or wherever rq_affinity
 * sends it), outside any pvblk lock.
 */
void pvblk_request_done(struct request *req)
{
	struct pvblk_req *vbr = blk_mq_rq_to_pdu(req);

	pvblk_unmap_data(req, vbr);
	pvblk_cleanup_cmd(req);
	blk_mq_end_request(req, pvblk_result(vbr->status));
}

static void pvblk_count_retired(struct pvblk_vq *pvq, unsigned int n,
				bool polled)
{
	pvq->inflight -= n;
	pvblk_stat_add(pvq, completions, n);
	if (polled)
		pvblk_stat_add(pvq, polled, n);
	pvblk_stat_add(pvq, cbatches, 1);
	pvblk_stat_add(pvq, cbatch_hist[pvblk_hist_bucket(n)], 1);
	if (n > pvq->stats.cbatch_max)
		WRITE_ONCE(pvq->stats.cbatch_max, n);
}

/*
 * Pull every finished request off the used ring. Called with pvq->lock
 * held; each request goes to blk-mq exactly once, because a buffer is
 * returned by virtqueue_get_buf() only once.
 */
static unsigned int pvblk_reap(struct pvblk_vq *pvq, bool polled)
{
	struct pvblk_req *vbr;
	unsigned int found = 0;
	unsigned int len;

	while ((vbr = virtqueue_get_buf(pvq->vq, &len)) != NULL) {
		struct request *req = blk_mq_rq_from_pdu(vbr);

		if (likely(!blk_should_fake_timeout(req->q)))
			blk_mq_complete_request(req);
		found++;
	}
	if (found)
		pvblk_count_retired(pvq, found, polled);
	return found;
}

/* Re-arm the interrupt; false when completions are already waiting. */
static bool pvblk_arm_irq(struct pvblk_dev *pv, struct pvblk_vq *pvq)
{
	if (READ_ONCE(pv->irq_moderation) &&
	    pvq->inflight >= PVBLK_MODERATE_MIN) {
		pvblk_stat_add(pvq, moderated, 1);
		return virtqueue_enable_cb_delayed(pvq->vq);
	}
	return virtqueue_enable_cb(pvq->vq);
}

static void pvblk_window_grow(struct pvblk_vq *pvq, u64 max_ns)
{
	pvq->poll_ns = pvq->poll_ns ? pvq->poll_ns * 2 : PVBLK_POLL_START_NS;
	if (pvq->poll_ns > max_ns)
		pvq->poll_ns = max_ns;
}

static void pvblk_window_shrink(struct pvblk_vq *pvq)
{
	pvq->poll_ns /= 2;
	if (pvq->poll_ns < PVBLK_POLL_START_NS)
		pvq->poll_ns = 0;
}

static u64 pvblk_poll_max_ns(struct pvblk_dev *pv)
{
	return (u64)READ_ONCE(pv->poll_max_usecs) * NSEC_PER_USEC;
}

/* Restart hardware queues a full ring stopped: there is room again. */
static void pvblk_room_again(struct pvblk_dev *pv, unsigned int found)
{
	if (found)
		blk_mq_start_stopped_hw_queues(pv->disk->queue, true);
}

/* The virtqueue callback: the device raised an interrupt for this queue. */
void pvblk_vq_done(struct virtqueue *vq)
{
	struct pvblk_dev *pv = vq->vdev->priv;
	struct pvblk_vq *pvq = &pv->vqs[vq->index];
	u64 max_ns = pvblk_poll_max_ns(pv);
	unsigned int found = 0;
	unsigned long flags;
	bool poll = false;

	spin_lock_irqsave(&pvq->lock, flags);
	pvblk_stat_add(pvq, irqs, 1);
	virtqueue_disable_cb(vq);

	if (max_ns) {
		u64 now = ktime_get_ns();

		/* A short wait after re-arming: a longer window catches it. */
		if (pvq->armed_ns && now - pvq->armed_ns <= max_ns)
			pvblk_window_grow(pvq, max_ns);
		pvq->armed_ns = 0;
		pvq->last_found_ns = now;
	}

	do {
		found += pvblk_reap(pvq, false);
		if (unlikely(virtqueue_is_broken(vq)))
			break;
		if (max_ns) {
			/* Leave callbacks off: the poller takes over. */
			poll = true;
			break;
		}
	} while (!pvblk_arm_irq(pv, pvq));

	if (!found)
		pvblk_stat_add(pvq, irqs_empty, 1);
	if (poll)
		pvblk_stat_add(pvq, poll_windows, 1);
	spin_unlock_irqrestore(&pvq->lock, flags);

	if (poll)
		irq_poll_sched(&pvq->iop);
	pvblk_room_again(pv, found);
}

/*
 * irq_poll handler (softirq): poll the used ring while the window lasts.
 * Returning @budget keeps the poller scheduled; returning less means it
 * completed and the interrupt is armed again.
 */
static int pvblk_iopoll(struct irq_poll *iop, int budget)
{
	struct pvblk_vq *pvq = container_of(iop, struct pvblk_vq, iop);
	struct pvblk_dev *pv = pvq->vq->vdev->priv;
	u64 max_ns = pvblk_poll_max_ns(pv);
	unsigned int found;
	unsigned long flags;
	u64 now;

	spin_lock_irqsave(&pvq->lock, flags);
	found = pvblk_reap(pvq, true);
	now = ktime_get_ns();
	if (found) {
		pvq->last_found_ns = now;
		pvblk_window_grow(pvq, max_ns);
	}

	if (likely(!virtqueue_is_broken(pvq->vq)) &&
	    (found || now - pvq->last_found_ns < min(pvq->poll_ns, max_ns))) {
		spin_unlock_irqrestore(&pvq->lock, flags);
		pvblk_room_again(pv, found);
		return budget;
	}

	/* The window ran out empty: back to interrupts. */
	pvblk_window_shrink(pvq);
	irq_poll_complete(iop);
	if (pvblk_arm_irq(pv, pvq)) {
		pvq->armed_ns = now;
	} else {
		/* Completions slipped in before the interrupt was armed. */
		virtqueue_disable_cb(pvq->vq);
		pvq->last_found_ns = now;
		irq_poll_sched(iop);
	}
	spin_unlock_irqrestore(&pvq->lock, flags);
	pvblk_room_again(pv, found);
	return 0;
}

void pvblk_polling_init(struct pvblk_dev *pv)
{
	unsigned int i;

	for (i = 0; i < pv->num_vqs; i++)
		irq_poll_init(&pv->vqs[i].iop, PVBLK_IOPOLL_WEIGHT,
			      pvblk_iopoll);
}

/* Wait for running pollers and keep them from being scheduled again. */
void pvblk_polling_stop(struct pvblk_dev *pv)
{
	unsigned int i;

	for (i = 0; i < pv->num_vqs; i++)
		irq_poll_disable(&pv->vqs[i].iop);
}

static void pvblk_complete_batch(struct io_comp_batch *iob)
{
	struct request *req;

	rq_list_for_each(&iob->req_list, req) {
		pvblk_unmap_data(req, blk_mq_rq_to_pdu(req));
		pvblk_cleanup_cmd(req);
	}
	blk_mq_end_request_batch(iob);
}

/* blk-mq ->poll() for the poll queues (no interrupt; io_uring IOPOLL). */
int pvblk_poll(struct blk_mq_hw_ctx *hctx, struct io_comp_batch *iob)
{
	struct pvblk_vq *pvq = pvblk_hctx_vq(hctx);
	struct pvblk_req *vbr;
	unsigned long flags;
	unsigned int len;
	int found = 0;

	spin_lock_irqsave(&pvq->lock, flags);
	while ((vbr = virtqueue_get_buf(pvq->vq, &len)) != NULL) {
		struct request *req = blk_mq_rq_from_pdu(vbr);

		found++;
		if (!blk_mq_complete_request_remote(req) &&
		    !blk_mq_add_to_batch(req, iob,
					 vbr->status != VIRTIO_BLK_S_OK,
					 pvblk_complete_batch))
			pvblk_request_done(req);
	}
	if (found)
		pvblk_count_retired(pvq, found, true);
	spin_unlock_irqrestore(&pvq->lock, flags);

	pvblk_room_again(pvq->vq->vdev->priv, found);
	return found;
}
