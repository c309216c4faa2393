// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblk_complete.c - retiring requests: the virtqueue interrupt callback,
 * blk-mq's ->complete() and the poll-queue ->poll().
 */
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

/*
 * Pull every finished request off the used ring. Called with pvq->lock
 * held; each request goes to blk-mq exactly once, because a buffer is
 * returned by virtqueue_get_buf() only once.
 */
static unsigned int pvblk_reap(struct pvblk_vq *pvq)
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
	return found;
}

/* The virtqueue callback: the device raised an interrupt for this queue. */
void pvblk_vq_done(struct virtqueue *vq)
{
	struct pvblk_dev *pv = vq->vdev->priv;
	struct pvblk_vq *pvq = &pv->vqs[vq->index];
	unsigned int found = 0;
	unsigned long flags;

	spin_lock_irqsave(&pvq->lock, flags);
	pvblk_stat_add(pvq, irqs, 1);
	do {
		virtqueue_disable_cb(vq);
		found += pvblk_reap(pvq);
		if (unlikely(virtqueue_is_broken(vq)))
			break;
	} while (!virtqueue_enable_cb(vq));

	if (found)
		pvblk_stat_add(pvq, completions, found);
	else
		pvblk_stat_add(pvq, irqs_empty, 1);
	spin_unlock_irqrestore(&pvq->lock, flags);

	/* A full ring stopped a hardware queue: there is room again. */
	if (found)
		blk_mq_start_stopped_hw_queues(pv->disk->queue, true);
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
	if (found) {
		pvblk_stat_add(pvq, completions, found);
		pvblk_stat_add(pvq, polled, found);
	}
	spin_unlock_irqrestore(&pvq->lock, flags);

	if (found)
		blk_mq_start_stopped_hw_queues(hctx->queue, true);
	return found;
}
