// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblk_complete.c - retiring requests: the virtqueue interrupt, adaptive
 * completion polling, blk-mq's ->complete() and the poll-queue ->poll().
 *
 * Completion is NAPI-style. An interrupt disables the queue's callbacks and
 * retires what is done. Then, unless poll_max_usecs is 0, the polling window
 * is closed or nothing is left in flight, an irq_poll handler (softirq)
 * keeps polling the used ring while completions keep coming and requests
 * are out, and re-arms the interrupt when a window passes with nothing
 * found or two passes in a row find nothing; in those other cases the
 * interrupt handler re-arms at once, with no softirq. The window adapts the
 * way QEMU's AioContext polling does: it grows (doubling from 4 us, up to
 * poll_max_usecs) when polling finds completions or when an interrupt
 * follows soon after re-arming with requests out, and it halves (to closed,
 * below 4 us) when a window runs out empty.
 *
 * With irq_moderation on, a re-armed interrupt is deferred until 3/4 of the
 * requests in flight are done (virtqueue_enable_cb_delayed()) while
 * completions keep coming and enough are out for that to save interrupts,
 * and a timer bounds the deferral to irq_moderation_usecs. Each deferral's
 * length, from arming to the handler that retires what it held back, is
 * counted in the moderation_hist statistic. (Upstream virtio_blk does not
 * moderate: it re-arms with virtqueue_enable_cb() after every pass.)
 */
#include <linux/bitops.h>
#include <linux/device.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>

#include "pvblk.h"
#include "pvblk_compat.h"

blk_status_t pvblk_result(u8 status)
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

/* The batch's statistics; each request was counted as it was retired. */
static __always_inline void pvblk_count_batch(struct pvblk_vq *pvq,
					      unsigned int n)
{
	pvq->inflight -= n;
	pvblk_stat_add(pvq, cbatches, 1);
	pvblk_stat_add(pvq, cbatch_hist[pvblk_hist_bucket(n)], 1);
	if (n > pvq->stats.cbatch_max)
		WRITE_ONCE(pvq->stats.cbatch_max, n);
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

/*
 * Run the completions pvblk_reap() gathered, outside the queue lock. The
 * batch's ->complete is pvblk_complete_batch() whenever it is set (the only
 * one pvblk_reap() passes): a direct call, no retpoline per interrupt.
 */
static void pvblk_finish_batch(struct io_comp_batch *iob)
{
	if (iob->complete)
		pvblk_complete_batch(iob);
}

/*
 * Pull every finished request off the used ring. Called with pvq->lock
 * held; each request goes to blk-mq exactly once, because a buffer is
 * returned by virtqueue_get_buf() only once. Requests that can end on this
 * CPU are gathered in @iob, when there is one, and end together (one tag
 * release, one queue reference drop) once the caller has dropped the lock;
 * the rest go to their submitting CPU or end here, one by one.
 */
static __always_inline unsigned int pvblk_reap(struct pvblk_vq *pvq,
					       bool polled,
					       struct io_comp_batch *iob)
{
	struct pvblk_dev *pv = pvq->vq->vdev->priv;
	struct pvblk_req *vbr;
	unsigned int found = 0;
	unsigned int len;

	while ((vbr = virtqueue_get_buf(pvq->vq, &len)) != NULL) {
		struct request *req = blk_mq_rq_from_pdu(vbr);

		/*
		 * Count before the request ends: its submitter may read the
		 * statistics as soon as it has its completion.
		 */
		found++;
		pvblk_stat_add(pvq, completions, 1);
		if (polled)
			pvblk_stat_add(pvq, polled, 1);
		/* Fault injection (debugfs fail_status): fail it. */
		if (unlikely(pvblk_fault_hit(&pv->fail_status)))
			vbr->status = VIRTIO_BLK_S_IOERR;
		if (unlikely(blk_should_fake_timeout(req->q))) {
			/* Left for ->timeout, which ends it (as null_blk). */
			vbr->returned = true;
			continue;
		}
		if (!blk_mq_complete_request_remote(req) &&
		    !blk_mq_add_to_batch(req, iob,
					 vbr->status != VIRTIO_BLK_S_OK,
					 pvblk_complete_batch))
			pvblk_request_done(req);
	}
	if (found)
		pvblk_count_batch(pvq, found);
	return found;
}

static u64 pvblk_mod_max_ns(struct pvblk_dev *pv)
{
	return (u64)READ_ONCE(pv->irq_moderation_usecs) * NSEC_PER_USEC;
}

/* Start the moderation timer for the deferral armed at @armed_ns. */
static void pvblk_mod_timer_start(struct pvblk_dev *pv, struct pvblk_vq *pvq,
				  u64 armed_ns)
{
	/*
	 * Every caller holds pvq->lock, and so does the timer function when
	 * it decides: a timer already queued fires early at worst and is
	 * then started again for the newer deadline.
	 */
	if (!hrtimer_is_queued(&pvq->mod_timer))
		hrtimer_start(&pvq->mod_timer,
			      ns_to_ktime(armed_ns + pvblk_mod_max_ns(pv)),
			      HRTIMER_MODE_ABS);
}

/*
 * The deferral armed at pvq->mod_armed_ns ends at @now: the deferred
 * interrupt came, or the moderation timer or the timeout handler found it
 * still armed, and the caller now retires what it held back. Its length is
 * the longest that any completion it held waited for an interrupt because
 * of it; it goes into moderation_hist, log2 of microseconds. Only a
 * deferral is ever measured: the clock is read for none of this with
 * moderation off or not engaged.
 */
static void pvblk_mod_end(struct pvblk_vq *pvq, u64 now)
{
	u64 us = div_u64(now - pvq->mod_armed_ns, NSEC_PER_USEC);
	unsigned int b = 0;

	if (us)
		b = min_t(unsigned int, ilog2(us), PVBLK_MOD_HIST_BUCKETS - 1);
	pvq->mod_armed_ns = 0;
	pvblk_stat_add(pvq, moderation_hist[b], 1);
}

/*
 * Re-arm the interrupt; false when completions are already waiting. @found
 * is how many requests the pass that leads here retired.
 *
 * With irq_moderation on, while completions keep coming (interrupts within
 * irq_moderation_usecs of each other, the last pass retired at least
 * PVBLK_MODERATE_FOUND) and enough requests are out, the interrupt is
 * deferred until 3/4 of them are done (virtqueue_enable_cb_delayed()).
 * That alone holds a finished request back for as long as the device takes
 * to finish the others, which on a slow or throttled backend is
 * milliseconds: the moderation timer bounds the deferral to
 * irq_moderation_usecs, as a NIC's coalescing timer does.
 */
static bool pvblk_arm_irq(struct pvblk_dev *pv, struct pvblk_vq *pvq,
			  unsigned int found)
{
	if (READ_ONCE(pv->irq_moderation) && found >= PVBLK_MODERATE_FOUND &&
	    pvq->inflight >= PVBLK_MODERATE_MIN) {
		pvblk_stat_add(pvq, moderated, 1);
		if (!virtqueue_enable_cb_delayed(pvq->vq))
			return false;
		pvq->mod_armed_ns = ktime_get_ns();
		pvblk_mod_timer_start(pv, pvq, pvq->mod_armed_ns);
		return true;
	}
	pvq->mod_armed_ns = 0;
	return virtqueue_enable_cb(pvq->vq);
}

/*
 * Re-arm the interrupt, retiring what slipped in meanwhile; returns how many
 * requests that retired. @found: what the caller's pass retired, 0 where
 * the interrupt must not be deferred (completions are not coming closely).
 */
static __always_inline unsigned int pvblk_rearm(struct pvblk_dev *pv,
						struct pvblk_vq *pvq,
						struct io_comp_batch *iob,
						unsigned int found)
{
	unsigned int more = 0, n;

	while (!pvblk_arm_irq(pv, pvq, found)) {
		n = pvblk_reap(pvq, false, iob);
		more += n;
		if (found)
			found += n;
	}
	return more;
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

/*
 * After re-arming: remember when, if requests were out. An interrupt soon
 * after that is a completion a longer polling window would have caught; with
 * nothing in flight there was nothing polling could have found.
 */
static void pvblk_note_armed(struct pvblk_vq *pvq, u64 now)
{
	pvq->armed_ns = pvq->inflight ? now : 0;
}

/* The virtqueue callback: the device raised an interrupt for this queue. */
void pvblk_vq_done(struct virtqueue *vq)
{
	struct pvblk_dev *pv = vq->vdev->priv;
	struct pvblk_vq *pvq = &pv->vqs[vq->index];
	u64 max_ns = pvblk_poll_max_ns(pv);
	DEFINE_IO_COMP_BATCH(iob);
	unsigned int found;
	unsigned long flags;
	bool poll = false, dense = false;
	u64 now = 0;

	/* Fault injection (debugfs lose_irqs): drop it on the floor. */
	if (unlikely(pvblk_fault_hit(&pv->lose_irqs)))
		return;

	spin_lock_irqsave(&pvq->lock, flags);
	pvblk_stat_add(pvq, irqs, 1);
	virtqueue_disable_cb(vq);
	/* The deferred interrupt came: its deferral ends with this pass. */
	if (unlikely(pvq->mod_armed_ns))
		pvblk_mod_end(pvq, ktime_get_ns());

	found = pvblk_reap(pvq, false, &iob);

	/*
	 * The clock is read only where it is used: the moderation's test for
	 * interrupts close together and the polling window both concern
	 * requests still out. With none out (qd 1) and no re-arm time to
	 * check, this interrupt ends a run of completions: the next one is
	 * not counted as close to it, and there is nothing to poll for.
	 */
	if ((max_ns || READ_ONCE(pv->irq_moderation)) &&
	    (pvq->inflight || pvq->armed_ns)) {
		now = ktime_get_ns();
		/* Completions keep coming: interrupts close together. */
		dense = now - pvq->last_irq_ns <= pvblk_mod_max_ns(pv);
		pvq->last_irq_ns = now;
	} else {
		pvq->last_irq_ns = 0;
	}
	if (max_ns) {
		/* A short wait after re-arming: a longer window catches it. */
		if (pvq->armed_ns && now - pvq->armed_ns <= max_ns)
			pvblk_window_grow(pvq, max_ns);
		pvq->armed_ns = 0;
	}

	if (likely(!virtqueue_is_broken(vq))) {
		/*
		 * Hand the queue to the poller only while the window is open
		 * and requests are still out: a closed window means polling
		 * has not been finding anything, and nothing can complete on
		 * an empty queue. Otherwise re-arm here, with no softirq.
		 */
		poll = max_ns && pvq->poll_ns && pvq->inflight;
		if (poll) {
			/* Leave callbacks off: the poller takes over. */
			pvq->last_found_ns = now;
			pvq->empty_passes = 0;
			pvblk_stat_add(pvq, poll_windows, 1);
		} else {
			found += pvblk_rearm(pv, pvq, &iob, dense ? found : 0);
			if (max_ns)
				pvblk_note_armed(pvq, now);
		}
	}

	if (!found)
		pvblk_stat_add(pvq, irqs_empty, 1);
	spin_unlock_irqrestore(&pvq->lock, flags);

	pvblk_finish_batch(&iob);
	if (poll)
		irq_poll_sched(&pvq->iop);
	pvblk_room_again(pv, found);
}

/*
 * irq_poll handler (softirq): poll the used ring while the window lasts,
 * requests are out and passes keep finding completions. It returns only the
 * work it did (at most @budget): irq_poll calls a handler that stays
 * scheduled with less than its weight done again at once, within its own
 * softirq budget and time limit, so every pass here is a real look at the
 * ring and none is counted as work it was not. Two empty passes in a row
 * close the window: the interrupt is armed again, and the softirq ends
 * rather than spinning (irq_poll would otherwise re-raise itself for up to
 * 2 ms, then hand over to ksoftirqd, starving the submitter on this vCPU).
 */
static int pvblk_iopoll(struct irq_poll *iop, int budget)
{
	struct pvblk_vq *pvq = container_of(iop, struct pvblk_vq, iop);
	struct pvblk_dev *pv = pvq->vq->vdev->priv;
	u64 max_ns = pvblk_poll_max_ns(pv);
	DEFINE_IO_COMP_BATCH(iob);
	unsigned int found;
	unsigned long flags;
	u64 now;

	spin_lock_irqsave(&pvq->lock, flags);
	found = pvblk_reap(pvq, true, &iob);
	now = ktime_get_ns();
	if (found) {
		pvq->last_found_ns = now;
		pvq->empty_passes = 0;
		pvblk_window_grow(pvq, max_ns);
	} else {
		pvblk_stat_add(pvq, poll_empty, 1);
		pvq->empty_passes++;
	}

	if (likely(!virtqueue_is_broken(pvq->vq)) && pvq->inflight &&
	    pvq->empty_passes < PVBLK_POLL_EMPTY_PASSES &&
	    now - pvq->last_found_ns < min(pvq->poll_ns, max_ns)) {
		spin_unlock_irqrestore(&pvq->lock, flags);
		pvblk_finish_batch(&iob);
		pvblk_room_again(pv, found);
		return min_t(unsigned int, found, budget);
	}

	/*
	 * Back to interrupts. With requests still out the window ran out
	 * empty (or polling was turned off): shrink it. With none out there
	 * was nothing left to find, which says nothing about the window.
	 */
	if (pvq->inflight)
		pvblk_window_shrink(pvq);
	irq_poll_complete(iop);
	if (pvblk_arm_irq(pv, pvq, found)) {
		pvblk_note_armed(pvq, now);
	} else {
		/* Completions slipped in before the interrupt was armed. */
		virtqueue_disable_cb(pvq->vq);
		pvq->last_found_ns = now;
		pvq->empty_passes = 0;
		pvblk_stat_add(pvq, poll_windows, 1);
		pvblk_stat_add(pvq, poll_reopened, 1);
		irq_poll_sched(iop);
	}
	spin_unlock_irqrestore(&pvq->lock, flags);
	pvblk_finish_batch(&iob);
	pvblk_room_again(pv, found);
	/* Completed: irq_poll must not requeue us, so less than @budget. */
	return min_t(unsigned int, found, budget - 1);
}

/*
 * End a request the device will never return: its virtqueue is broken
 * (surprise removal, a device error, or debugfs' break). Called with
 * pvq->lock held; false if the request was no longer in flight. A broken
 * virtqueue returns no more buffers (virtqueue_get_buf() gives NULL), so
 * the request cannot also be ended by pvblk_reap().
 */
static bool pvblk_fail_locked(struct pvblk_vq *pvq, struct request *req)
{
	struct pvblk_req *vbr = blk_mq_rq_to_pdu(req);

	if (blk_mq_rq_state(req) != MQ_RQ_IN_FLIGHT)
		return false;
	vbr->status = VIRTIO_BLK_S_IOERR;
	pvq->inflight--;
	pvblk_stat_add(pvq, failed_broken, 1);
	blk_mq_complete_request(req);
	return true;
}

/*
 * blk-mq ->timeout(). virtio cannot abort a request, so one the device still
 * holds just gets more time. One the device has finished while no interrupt
 * came would wait for ever, though: with EVENT_IDX the device notifies only
 * when it passes used_event, so a single lost notification stops the queue.
 * (QEMU 7.2's single-threaded TCG loses them: it drops the guest's memory
 * barriers, so the guest and QEMU's I/O thread can both miss the other's
 * index update.) So retire what the used ring holds, point used_event at
 * the present again, and say so. The same race loses notifications to the
 * device, and later kicks do not repeat one (with EVENT_IDX the device
 * asked to be told when the ring passes a point it has passed already):
 * for a request still held, notify the device again, and restart a queue
 * a full ring stopped (timeout_kicks).
 *
 * Two requests are ended here: one whose virtqueue is broken fails with
 * an I/O error (the device will never return it, and re-arming the timer
 * for ever would also keep del_gendisk() waiting for ever), and one the
 * device returned while blk-mq faked a timeout (CONFIG_FAIL_IO_TIMEOUT)
 * ends with the device's status, as null_blk does.
 */
enum blk_eh_timer_return pvblk_timeout(struct request *req)
{
	struct pvblk_vq *pvq = pvblk_hctx_vq(req->mq_hctx);
	struct pvblk_dev *pv = req->q->queuedata;
	struct pvblk_req *vbr = blk_mq_rq_to_pdu(req);
	unsigned int found;
	unsigned long flags;
	bool failed, held;

	if (unlikely(READ_ONCE(vbr->returned))) {
		blk_mq_complete_request(req);
		return BLK_EH_DONE;
	}

	spin_lock_irqsave(&pvq->lock, flags);
	pvblk_stat_add(pvq, timeouts, 1);
	if (unlikely(virtqueue_is_broken(pvq->vq))) {
		failed = pvblk_fail_locked(pvq, req);
		spin_unlock_irqrestore(&pvq->lock, flags);
		if (failed)
			dev_warn_ratelimited(disk_to_dev(pv->disk),
					     "%s: device is broken: request failed on timeout\n",
					     pvq->name);
		return BLK_EH_DONE;
	}
	/* A deferral still armed ends here: this pass retires what it held. */
	if (pvq->mod_armed_ns)
		pvblk_mod_end(pvq, ktime_get_ns());
	found = pvblk_reap(pvq, false, NULL);
	/*
	 * A queue with an interrupt whose poller is not running has
	 * callbacks on: re-arm them so the device notifies again. (Poll
	 * queues have no callback; a running poller re-arms when it stops.)
	 */
	if (pvq->vq->callback && !test_bit(IRQ_POLL_F_SCHED, &pvq->iop.state))
		found += pvblk_rearm(pv, pvq, NULL, 0);
	if (found)
		pvblk_stat_add(pvq, timeout_reaped, found);
	/*
	 * Found above: blk-mq completes it, the timer has nothing to do.
	 * Still out: the device holds it, slow or having missed the
	 * notification (the same TCG race in the other direction), which no
	 * later kick would repeat. Notify it again: a spurious notification
	 * costs the device one look at the ring.
	 */
	held = blk_mq_rq_state(req) == MQ_RQ_IN_FLIGHT;
	if (held)
		pvblk_unlock_renotify(pv, pvq, flags);
	else
		spin_unlock_irqrestore(&pvq->lock, flags);

	if (found)
		dev_warn_ratelimited(disk_to_dev(pv->disk),
				     "%s: %u completions had no interrupt; retired on timeout\n",
				     pvq->name, found);
	if (held)
		dev_warn_ratelimited(disk_to_dev(pv->disk),
				     "%s: a request timed out; notified the device again\n",
				     pvq->name);
	/*
	 * Room in the ring again, or a hardware queue stopped by a full ring
	 * while the completions that would restart it were the lost ones.
	 */
	pvblk_room_again(pv, found + held);
	return held ? BLK_EH_RESET_TIMER : BLK_EH_DONE;
}

static bool pvblk_fail_one(struct request *req, void *data)
{
	struct pvblk_vq *pvq = pvblk_hctx_vq(req->mq_hctx);
	unsigned int *n = data;
	unsigned long flags;

	spin_lock_irqsave(&pvq->lock, flags);
	if (virtqueue_is_broken(pvq->vq) && pvblk_fail_locked(pvq, req))
		(*n)++;
	spin_unlock_irqrestore(&pvq->lock, flags);
	return true;
}

/*
 * Before a broken device is removed: fail every request it holds, at once
 * rather than one timeout after another, so that del_gendisk(), which
 * waits for them, returns. New requests fail on submission already (a
 * broken virtqueue refuses buffers).
 */
void pvblk_fail_broken(struct pvblk_dev *pv)
{
	struct request_queue *q = pv->disk->queue;
	unsigned int n = 0;

	blk_mq_quiesce_queue(q);
	blk_mq_tagset_busy_iter(&pv->tag_set, pvblk_fail_one, &n);
	blk_mq_tagset_wait_completed_request(&pv->tag_set);
	blk_mq_unquiesce_queue(q);
	if (n)
		dev_warn(disk_to_dev(pv->disk),
			 "device is broken: %u requests failed on removal\n", n);
}

/*
 * The moderation timer (hard interrupt context): a deferred interrupt has
 * not come within irq_moderation_usecs of being armed. Retire what the
 * used ring holds and re-arm for the next completion: completions have
 * not been coming closely, so the next interrupt is not deferred.
 */
static enum hrtimer_restart pvblk_mod_timer_fn(struct hrtimer *timer)
{
	struct pvblk_vq *pvq = container_of(timer, struct pvblk_vq, mod_timer);
	struct pvblk_dev *pv = pvq->vq->vdev->priv;
	DEFINE_IO_COMP_BATCH(iob);
	unsigned int found = 0;
	unsigned long flags;
	u64 armed, now;

	spin_lock_irqsave(&pvq->lock, flags);
	armed = pvq->mod_armed_ns;
	now = armed ? ktime_get_ns() : 0;
	if (!armed || virtqueue_is_broken(pvq->vq)) {
		/* The interrupt came, or the interrupt was armed plainly. */
	} else if (now < armed + pvblk_mod_max_ns(pv)) {
		/* Deferred again since this timer was started. */
		pvblk_mod_timer_start(pv, pvq, armed);
	} else {
		pvblk_mod_end(pvq, now);
		virtqueue_disable_cb(pvq->vq);
		found = pvblk_reap(pvq, false, &iob);
		if (found)
			pvblk_stat_add(pvq, moderation_expired, 1);
		/* No interrupt for a while: completions stopped coming. */
		found += pvblk_rearm(pv, pvq, &iob, 0);
	}
	spin_unlock_irqrestore(&pvq->lock, flags);

	pvblk_finish_batch(&iob);
	pvblk_room_again(pv, found);
	return HRTIMER_NORESTART;
}

void pvblk_polling_init(struct pvblk_dev *pv)
{
	unsigned int i;

	for (i = 0; i < pv->num_vqs; i++) {
		irq_poll_init(&pv->vqs[i].iop, PVBLK_IOPOLL_WEIGHT,
			      pvblk_iopoll);
		pvblk_hrtimer_setup(&pv->vqs[i].mod_timer, pvblk_mod_timer_fn);
		pv->vqs[i].mod_armed_ns = 0;
	}
}

/*
 * Wait for running pollers and moderation timers and keep them from being
 * scheduled again (the device raises no more interrupts by now).
 */
void pvblk_polling_stop(struct pvblk_dev *pv)
{
	unsigned int i;

	for (i = 0; i < pv->num_vqs; i++) {
		irq_poll_disable(&pv->vqs[i].iop);
		hrtimer_cancel(&pv->vqs[i].mod_timer);
	}
}

/* blk-mq ->poll() for the poll queues (no interrupt; io_uring IOPOLL). */
int pvblk_poll(struct blk_mq_hw_ctx *hctx, struct io_comp_batch *iob)
{
	struct pvblk_vq *pvq = pvblk_hctx_vq(hctx);
	unsigned long flags;
	unsigned int found;

	spin_lock_irqsave(&pvq->lock, flags);
	found = pvblk_reap(pvq, true, iob);
	spin_unlock_irqrestore(&pvq->lock, flags);

	/* blk-mq ends the requests in @iob after we return. */
	pvblk_room_again(pvq->vq->vdev->priv, found);
	return found;
}
