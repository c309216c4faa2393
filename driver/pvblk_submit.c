// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblk_submit.c - request setup and the three submission paths.
 *
 * The rule of this file: a kick is prepared under the queue lock
 * (virtqueue_kick_prepare() publishes the avail index and decides from
 * EVENT_IDX / NO_NOTIFY whether the device wants a notification) and the
 * notification itself, a VM exit, is sent after the lock is dropped.
 * ->queue_rq() kicks only at the end of a batch (bd->last), ->commit_rqs()
 * closes a batch blk-mq cut short, ->queue_rqs() sends one kick per queue
 * for a whole plug list.
 */
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>

#include "pvblk.h"
#include "pvblk_compat.h"

static int pvblk_setup_ranges(struct request *req, bool unmap)
{
	struct virtio_blk_discard_write_zeroes *range;
	unsigned short segments = blk_rq_nr_discard_segments(req);
	unsigned short n = 0;
	u32 flags = unmap ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0;
	struct bio *bio;

	range = kmalloc_array(segments, sizeof(*range), GFP_ATOMIC);
	if (!range)
		return -ENOMEM;

	/*
	 * A single-range device gets the request as one range even when
	 * blk-mq merged several bios into it; otherwise one range per bio.
	 */
	if (queue_max_discard_segments(req->q) == 1) {
		range[0].flags = cpu_to_le32(flags);
		range[0].num_sectors = cpu_to_le32(blk_rq_sectors(req));
		range[0].sector = cpu_to_le64(blk_rq_pos(req));
		n = 1;
	} else {
		__rq_for_each_bio(bio, req) {
			range[n].flags = cpu_to_le32(flags);
			range[n].num_sectors =
				cpu_to_le32(bio->bi_iter.bi_size >> SECTOR_SHIFT);
			range[n].sector = cpu_to_le64(bio->bi_iter.bi_sector);
			n++;
		}
	}
	WARN_ON_ONCE(n != segments);

	req->special_vec.bv_page = virt_to_page(range);
	req->special_vec.bv_offset = offset_in_page(range);
	req->special_vec.bv_len = sizeof(*range) * segments;
	req->rq_flags |= RQF_SPECIAL_PAYLOAD;
	return 0;
}

static blk_status_t pvblk_setup_cmd(struct virtio_device *vdev,
				    struct request *req,
				    struct pvblk_req *vbr)
{
	u64 sector = 0;
	u32 type;
	int err = 0;

	switch (req_op(req)) {
	case REQ_OP_READ:
		type = VIRTIO_BLK_T_IN;
		sector = blk_rq_pos(req);
		break;
	case REQ_OP_WRITE:
		type = VIRTIO_BLK_T_OUT;
		sector = blk_rq_pos(req);
		break;
	case REQ_OP_FLUSH:
		type = VIRTIO_BLK_T_FLUSH;
		break;
	case REQ_OP_DISCARD:
		type = VIRTIO_BLK_T_DISCARD;
		err = pvblk_setup_ranges(req, false);
		break;
	case REQ_OP_WRITE_ZEROES:
		type = VIRTIO_BLK_T_WRITE_ZEROES;
		err = pvblk_setup_ranges(req, !(req->cmd_flags & REQ_NOUNMAP));
		break;
	case REQ_OP_SECURE_ERASE:
		type = VIRTIO_BLK_T_SECURE_ERASE;
		err = pvblk_setup_ranges(req, false);
		break;
	case REQ_OP_DRV_IN:
		type = VIRTIO_BLK_T_GET_ID;
		break;
	default:
		WARN_ON_ONCE(1);
		return BLK_STS_IOERR;
	}
	if (err)
		return BLK_STS_RESOURCE;

	vbr->out_hdr.type = cpu_to_virtio32(vdev, type);
	vbr->out_hdr.sector = cpu_to_virtio64(vdev, sector);
	vbr->out_hdr.ioprio = cpu_to_virtio32(vdev, req_get_ioprio(req));
	vbr->status = VIRTIO_BLK_S_IOERR;
	vbr->returned = false;
	return BLK_STS_OK;
}

static int pvblk_map_data(struct request *req, struct pvblk_req *vbr)
{
	int nents;

	if (!blk_rq_nr_phys_segments(req))
		return 0;

	vbr->sg_table.sgl = vbr->sg;
	if (sg_alloc_table_chained(&vbr->sg_table,
				   blk_rq_nr_phys_segments(req),
				   vbr->sg_table.sgl, PVBLK_INLINE_SG_CNT))
		return -ENOMEM;

	nents = pvblk_rq_map_sg(req, vbr->sg_table.sgl);
	vbr->sg_table.nents = nents;
	return nents;
}

/* Everything that can be done before the queue lock is taken. */
static blk_status_t pvblk_prep_rq(struct pvblk_dev *pv, struct request *req)
{
	struct pvblk_req *vbr = blk_mq_rq_to_pdu(req);
	blk_status_t status;
	int nents;

	status = pvblk_setup_cmd(pv->vdev, req, vbr);
	if (unlikely(status))
		return status;

	nents = pvblk_map_data(req, vbr);
	if (unlikely(nents < 0)) {
		pvblk_cleanup_cmd(req);
		return BLK_STS_RESOURCE;
	}

	blk_mq_start_request(req);
	return BLK_STS_OK;
}

/* Called with pvq->lock held. */
static __always_inline int pvblk_add_req(struct pvblk_vq *pvq,
					 struct pvblk_req *vbr)
{
	struct scatterlist *sgs[3];
	unsigned int num_out = 0, num_in = 0;
	struct request *req = blk_mq_rq_from_pdu(vbr);
	int err;

	sgs[num_out++] = &vbr->hdr_sg;

	if (vbr->sg_table.nents && blk_rq_nr_phys_segments(req)) {
		if (rq_data_dir(req) == WRITE)
			sgs[num_out++] = vbr->sg_table.sgl;
		else
			sgs[num_out + num_in++] = vbr->sg_table.sgl;
	}

	sgs[num_out + num_in++] = &vbr->status_sg;

	err = virtqueue_add_sgs(pvq->vq, sgs, num_out, num_in, vbr,
				GFP_ATOMIC);
	if (likely(!err)) {
		pvblk_stat_add(pvq, requests, 1);
		pvq->pending++;
		pvq->inflight++;
	}
	return err;
}

/*
 * Close a submission batch (when @close is set): decide, under pvq->lock,
 * whether the device wants a notification. Returns true when the caller
 * must notify; pvblk_unlock_notify() then drops the lock and notifies.
 */
static __always_inline bool pvblk_end_batch(struct pvblk_vq *pvq, bool close)
{
	unsigned int pending = pvq->pending;
	bool kick;

	if (!close || !pending)
		return false;
	pvq->pending = 0;
	pvblk_stat_add(pvq, batches, 1);
	pvblk_stat_add(pvq, batch_hist[pvblk_hist_bucket(pending)], 1);
	if (pending > pvq->stats.batch_max)
		WRITE_ONCE(pvq->stats.batch_max, pending);

	kick = virtqueue_kick_prepare(pvq->vq);
	if (kick) {
		struct pvblk_dev *pv = pvq->vq->vdev->priv;

		pvblk_stat_add(pvq, kicks, 1);
		/* Fault injection (debugfs lose_kicks): the device misses it. */
		if (unlikely(pvblk_fault_hit(&pv->lose_kicks)))
			kick = false;
	} else {
		pvblk_stat_add(pvq, kicks_suppressed, 1);
	}
	return kick;
}

/*
 * Drop pvq->lock (taken with spin_lock_irqsave(), @flags) and send the
 * notification pvblk_end_batch() asked for, if any: the VM exit happens
 * without the queue lock.
 *
 * When notifications carry data (VIRTIO_F_NOTIFICATION_DATA) they must
 * reach the device in the order their kicks were prepared: the notify lock
 * is taken before pvq->lock is dropped and released after the notification.
 * Interrupts stay off from pvq->lock until the notify lock is released, so
 * the notify lock is never held with interrupts on: a submission from an
 * interrupt or softirq on this CPU cannot spin on it against the holder it
 * interrupted.
 */
static __always_inline void pvblk_unlock_notify(struct pvblk_dev *pv,
						struct pvblk_vq *pvq,
						bool kick, unsigned long flags)
	__releases(&pvq->lock)
{
	if (kick && READ_ONCE(pv->notify_serialized)) {
		spin_lock(&pvq->notify_lock);
		spin_unlock(&pvq->lock);
		virtqueue_notify(pvq->vq);
		spin_unlock_irqrestore(&pvq->notify_lock, flags);
		return;
	}
	spin_unlock_irqrestore(&pvq->lock, flags);
	if (kick)
		virtqueue_notify(pvq->vq);
}

/*
 * The timeout handler's notification, for a request the device still
 * holds: with EVENT_IDX (or the ring's NO_NOTIFY flag) a notification the
 * device missed is not sent again by later submissions that find it "not
 * wanted", so the request would wait for ever. A spurious notification
 * only makes the device look at the ring. Called with pvq->lock held
 * (spin_lock_irqsave(), @flags); drops it, and notifies as a kick does.
 */
void pvblk_unlock_renotify(struct pvblk_dev *pv, struct pvblk_vq *pvq,
			   unsigned long flags)
	__releases(&pvq->lock)
{
	pvblk_stat_add(pvq, timeout_kicks, 1);
	pvblk_unlock_notify(pv, pvq, true, flags);
}

/*
 * A full ring (-ENOSPC) is BLK_STS_RESOURCE, not the DEV_RESOURCE of
 * upstream virtio_blk: DEV_RESOURCE promises that the driver reruns the
 * queue, and pvblk's restart (blk_mq_start_stopped_hw_queues() after the
 * completions that made room) can come while blk-mq still holds the
 * refused requests, before it puts them back on the dispatch list: the
 * run finds nothing to do. blk-mq covers that window with the
 * SCHED_RESTART rerun of a freed request, but requests ended in a batch
 * (blk_mq_end_request_batch(), the local completions of a multi-queue
 * disk) do not give it, and with nothing left in flight the requests wait
 * for ever. For RESOURCE blk-mq reruns a queue it finds not stopped 3 ms
 * later; a queue still stopped is left to the restart, as before.
 */
static blk_status_t pvblk_add_failed(int err)
{
	switch (err) {
	case -ENOSPC:
	case -ENOMEM:
		return BLK_STS_RESOURCE;
	default:
		return BLK_STS_IOERR;
	}
}

static blk_status_t pvblk_queue_rq(struct blk_mq_hw_ctx *hctx,
				   const struct blk_mq_queue_data *bd)
{
	struct pvblk_dev *pv = hctx->queue->queuedata;
	struct pvblk_vq *pvq = pvblk_hctx_vq(hctx);
	struct request *req = bd->rq;
	struct pvblk_req *vbr = blk_mq_rq_to_pdu(req);
	bool last = bd->last || !READ_ONCE(pv->batch_kicks);
	blk_status_t status;
	unsigned long flags;
	bool kick;
	int err;

	status = pvblk_prep_rq(pv, req);
	if (unlikely(status))
		return status;

	spin_lock_irqsave(&pvq->lock, flags);
	err = pvblk_add_req(pvq, vbr);
	if (unlikely(err)) {
		/*
		 * A full ring: stop the hardware queue (under the lock, so a
		 * completion cannot restart it first) and make sure the
		 * device sees what is already queued; completions restart
		 * the queue (and pvblk_add_failed() says why blk-mq is asked
		 * for a rerun as well).
		 */
		if (err == -ENOSPC) {
			pvblk_stat_add(pvq, ring_full, 1);
			blk_mq_stop_hw_queue(hctx);
		}
		kick = pvblk_end_batch(pvq, true);
		pvblk_unlock_notify(pv, pvq, kick, flags);
		pvblk_unmap_data(req, vbr);
		pvblk_cleanup_cmd(req);
		/* Fault injection (debugfs slow_full): a slow vCPU, here. */
		if (unlikely(err == -ENOSPC && pvblk_fault_hit(&pv->slow_full)))
			mdelay(PVBLK_SLOW_FULL_MS);
		return pvblk_add_failed(err);
	}

	kick = pvblk_end_batch(pvq, last);
	pvblk_unlock_notify(pv, pvq, kick, flags);
	return BLK_STS_OK;
}

static void pvblk_commit_rqs(struct blk_mq_hw_ctx *hctx)
{
	struct pvblk_dev *pv = hctx->queue->queuedata;
	struct pvblk_vq *pvq = pvblk_hctx_vq(hctx);
	unsigned long flags;
	bool kick;

	spin_lock_irqsave(&pvq->lock, flags);
	kick = pvblk_end_batch(pvq, true);
	pvblk_unlock_notify(pv, pvq, kick, flags);
}

/* Add a run of prepared requests for one queue: one lock, one kick. */
static __always_inline void pvblk_add_batch(struct pvblk_dev *pv,
					    struct pvblk_vq *pvq,
					    struct request *head)
{
	struct request *req, *next;
	unsigned long flags;
	bool kick;
	bool each = !READ_ONCE(pv->batch_kicks);

	spin_lock_irqsave(&pvq->lock, flags);
	for (req = head; req; req = next) {
		struct pvblk_req *vbr = blk_mq_rq_to_pdu(req);

		next = req->rq_next;
		if (pvblk_add_req(pvq, vbr)) {
			if (pvq->vq->num_free == 0)
				pvblk_stat_add(pvq, ring_full, 1);
			pvblk_unmap_data(req, vbr);
			pvblk_cleanup_cmd(req);
			blk_mq_requeue_request(req, true);
			continue;
		}
		if (each && next) {
			/* batch_kicks=0: the control, one kick per request */
			kick = pvblk_end_batch(pvq, true);
			pvblk_unlock_notify(pv, pvq, kick, flags);
			spin_lock_irqsave(&pvq->lock, flags);
		}
	}
	kick = pvblk_end_batch(pvq, true);
	pvblk_unlock_notify(pv, pvq, kick, flags);
}

/*
 * Submit a plug list. Runs of consecutive requests for the same hardware
 * queue are added under one lock and cost one kick. Requests that fail
 * preparation are handed back to blk-mq, which issues them one by one
 * through ->queue_rq() (and so fails or retries them properly).
 *
 * A run is added where it ends (the next request is for another queue, or
 * there is none), from this one place, so that pvblk_add_batch() is inlined
 * here: with batches of one request a plug list is one request, and the
 * call's frame was a fifth of the submission's cost in this module.
 */
static void pvblk_queue_rqs(PVBLK_RQ_LIST *rqlist)
{
	struct request *req, *next;
	struct request *run = NULL, *run_tail = NULL;
	struct request *back = NULL, *back_tail = NULL;
	struct blk_mq_hw_ctx *run_hctx = NULL;

	for (req = pvblk_rq_list_take(rqlist); req; req = next) {
		next = req->rq_next;
		req->rq_next = NULL;

		if (likely(!pvblk_prep_rq(req->q->queuedata, req))) {
			if (run_tail)
				run_tail->rq_next = req;
			else
				run = req;
			run_tail = req;
			run_hctx = req->mq_hctx;
		} else {
			if (back_tail)
				back_tail->rq_next = req;
			else
				back = req;
			back_tail = req;
		}

		if (run && (!next || next->mq_hctx != run_hctx)) {
			pvblk_add_batch(run_hctx->queue->queuedata,
					pvblk_hctx_vq(run_hctx), run);
			run = NULL;
			run_tail = NULL;
		}
	}

	pvblk_rq_list_give(rqlist, back, back_tail);
}

/*
 * blk-mq ->init_request(), once per request slot (tags, scheduler tags,
 * the flush request): the header and status scatterlists, which
 * virtqueue_add_sgs() only reads.
 */
static int pvblk_init_request(struct blk_mq_tag_set *set, struct request *req)
{
	struct pvblk_req *vbr = blk_mq_rq_to_pdu(req);

	sg_init_one(&vbr->hdr_sg, &vbr->out_hdr, sizeof(vbr->out_hdr));
	sg_init_one(&vbr->status_sg, &vbr->status, sizeof(vbr->status));
	return 0;
}
PVBLK_DEFINE_INIT_REQUEST(pvblk_init_request)

static void pvblk_map_queues(struct blk_mq_tag_set *set)
{
	struct pvblk_dev *pv = set->driver_data;
	unsigned int i, qoff;

	for (i = 0, qoff = 0; i < set->nr_maps; i++) {
		struct blk_mq_queue_map *map = &set->map[i];

		map->nr_queues = pv->io_queues[i];
		map->queue_offset = qoff;
		qoff += map->nr_queues;

		if (map->nr_queues == 0)
			continue;

		/*
		 * Interrupt-driven queues follow the vectors' affinity;
		 * poll queues have no interrupt and are spread evenly.
		 */
		if (i == HCTX_TYPE_POLL)
			blk_mq_map_queues(map);
		else
			pvblk_map_irq_queues(map, pv->vdev);
	}
}

const struct blk_mq_ops pvblk_mq_ops = {
	.queue_rq	= pvblk_queue_rq,
	.queue_rqs	= pvblk_queue_rqs,
	.commit_rqs	= pvblk_commit_rqs,
	.init_request	= PVBLK_INIT_REQUEST(pvblk_init_request),
	.complete	= pvblk_request_done,
	.map_queues	= pvblk_map_queues,
	.poll		= pvblk_poll,
	.timeout	= pvblk_timeout,
};
