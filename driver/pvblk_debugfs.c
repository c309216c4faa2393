// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblk_debugfs.c - fault injection, so that the tests can show how the
 * driver recovers from faults a healthy host does not produce.
 *
 *   /sys/kernel/debug/pvblk/<disk>/lose_irqs
 *	Write N: the next N virtqueue interrupts of the disk are ignored, as
 *	if they had been lost on the way. Reads the number still to lose.
 *	The timeout handler (pvblk_complete.c) is what recovers the queue.
 *   /sys/kernel/debug/pvblk/<disk>/lose_kicks
 *	Write N: the next N notifications of the device are not sent (and
 *	counted as sent), as if the device had missed them. The timeout
 *	handler notifies it again for a request it still holds.
 *   /sys/kernel/debug/pvblk/<disk>/fail_status
 *	Write N: the next N requests retired end with VIRTIO_BLK_S_IOERR,
 *	whatever the device said. Reads the number still to fail.
 *   /sys/kernel/debug/pvblk/<disk>/slow_full
 *	Write N: the next N submissions a full ring refuses wait 20 ms
 *	(busy, interrupts on) before returning to blk-mq, as on a vCPU the
 *	host does not run: the completions that make room, and restart the
 *	stopped queue, come while blk-mq still holds the refused request.
 *   /sys/kernel/debug/pvblk/<disk>/break
 *	Write 1: mark the device broken (virtio_break_device()), as a
 *	surprise removal does; it cannot be undone. Reads 1 once broken.
 *   /sys/kernel/debug/pvblk/<disk>/drop_wce_writes
 *	1: writes of cache_type never reach the device, as if it refused
 *	them.
 *   /sys/kernel/debug/pvblk/<disk>/notify_serialized
 *	1: notifications go out under the notify lock, as with
 *	VIRTIO_F_NOTIFICATION_DATA (which QEMU 7.2 does not offer).
 *   /sys/kernel/debug/pvblk/fail_probe
 *	Write N: the next N probes fail after the disk was added (and its
 *	partitions scanned), through probe's error path.
 *
 * Debugfs is not an ABI: this is for tests and for the curious.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/virtio.h>

#include "pvblk.h"

static struct dentry *pvblk_debugfs_root;

/*
 * The fault counters (lose_irqs, lose_kicks, fail_status, slow_full,
 * fail_probe): the file's data is the atomic_t itself. Write N: the next N
 * events fail; read: how many are still to fail.
 */
static int pvblk_count_get(void *data, u64 *val)
{
	atomic_t *count = data;

	*val = atomic_read(count);
	return 0;
}

static int pvblk_count_set(void *data, u64 val)
{
	atomic_t *count = data;

	if (val > INT_MAX)
		return -ERANGE;
	atomic_set(count, val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(pvblk_count_fops, pvblk_count_get, pvblk_count_set,
			 "%llu\n");

static int break_get(void *data, u64 *val)
{
	struct pvblk_dev *pv = data;

	mutex_lock(&pv->vdev_mutex);
	*val = pv->vdev && virtqueue_is_broken(pv->vqs[0].vq);
	mutex_unlock(&pv->vdev_mutex);
	return 0;
}

static int break_set(void *data, u64 val)
{
	struct pvblk_dev *pv = data;

	if (val != 1)
		return -EINVAL;
	mutex_lock(&pv->vdev_mutex);
	if (pv->vdev) {
		dev_warn(&pv->vdev->dev, "[%s] broken through debugfs\n",
			 pv->disk->disk_name);
		virtio_break_device(pv->vdev);
	}
	mutex_unlock(&pv->vdev_mutex);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(pvblk_break_fops, break_get, break_set, "%llu\n");

atomic_t pvblk_fail_probe = ATOMIC_INIT(0);

void pvblk_debugfs_init(void)
{
	pvblk_debugfs_root = debugfs_create_dir(PVBLK_NAME, NULL);
	debugfs_create_file_unsafe("fail_probe", 0600, pvblk_debugfs_root,
				   &pvblk_fail_probe, &pvblk_count_fops);
}

void pvblk_debugfs_exit(void)
{
	debugfs_remove_recursive(pvblk_debugfs_root);
}

/* After the disk has its name; failures only cost the fault injection. */
void pvblk_debugfs_add(struct pvblk_dev *pv)
{
	pv->debugfs = debugfs_create_dir(pv->disk->disk_name,
					 pvblk_debugfs_root);
	debugfs_create_file_unsafe("lose_irqs", 0600, pv->debugfs,
				   &pv->lose_irqs, &pvblk_count_fops);
	debugfs_create_file_unsafe("lose_kicks", 0600, pv->debugfs,
				   &pv->lose_kicks, &pvblk_count_fops);
	debugfs_create_file_unsafe("fail_status", 0600, pv->debugfs,
				   &pv->fail_status, &pvblk_count_fops);
	debugfs_create_file_unsafe("slow_full", 0600, pv->debugfs,
				   &pv->slow_full, &pvblk_count_fops);
	debugfs_create_file_unsafe("break", 0600, pv->debugfs, pv,
				   &pvblk_break_fops);
	debugfs_create_bool("drop_wce_writes", 0600, pv->debugfs,
			    &pv->drop_wce_writes);
	debugfs_create_bool("notify_serialized", 0600, pv->debugfs,
			    &pv->notify_serialized);
}

void pvblk_debugfs_remove(struct pvblk_dev *pv)
{
	debugfs_remove_recursive(pv->debugfs);
	pv->debugfs = NULL;
}
