// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblk_main.c - module, probe, device configuration, remove, freeze and
 * restore, capacity changes.
 */
#include <linux/hdreg.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string_helpers.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

#include "pvblk.h"
#include "pvblk_compat.h"

/* The ring can describe at most this many data segments per request. */
#define PVBLK_MAX_SG_ELEMS	(32768 - 2)

static unsigned int num_request_queues;
module_param(num_request_queues, uint, 0644);
MODULE_PARM_DESC(num_request_queues,
		 "Maximum number of request queues per device (0: one per CPU, up to the device's num_queues)");

static unsigned int poll_queues;
module_param(poll_queues, uint, 0644);
MODULE_PARM_DESC(poll_queues,
		 "Number of queues used for polled I/O (io_uring IOPOLL), read at probe");

static unsigned int queue_depth;
module_param(queue_depth, uint, 0444);
MODULE_PARM_DESC(queue_depth, "Tag set queue depth (0: from the ring size)");

static bool indirect_desc = true;
module_param(indirect_desc, bool, 0444);
MODULE_PARM_DESC(indirect_desc,
		 "Use indirect descriptors when the device offers them, read at probe (0: descriptors in the ring, no table allocated per request, half the queue depth)");

static int pvblk_major;
static DEFINE_IDA(pvblk_index_ida);
static struct workqueue_struct *pvblk_wq;

/* pvda ... pvdz, pvdaa ... */
static int pvblk_format_name(char *buf, size_t buflen, int index)
{
	char rev[DISK_NAME_LEN];
	size_t n = 0, prefix = strlen("pvd");

	do {
		if (n >= sizeof(rev))
			return -EINVAL;
		rev[n++] = 'a' + index % 26;
		index = index / 26 - 1;
	} while (index >= 0);

	if (prefix + n + 1 > buflen)
		return -EINVAL;
	memcpy(buf, "pvd", prefix);
	while (n)
		buf[prefix++] = rev[--n];
	buf[prefix] = '\0';
	return 0;
}

static int pvblk_init_vqs(struct pvblk_dev *pv)
{
	struct virtio_device *vdev = pv->vdev;
	struct irq_affinity desc = { 0, };
	vq_callback_t **callbacks;
	const char **names;
	struct virtqueue **vqs;
	unsigned int num_vqs, num_poll, i;
	u16 num_queues = 1;
	int err;

	err = virtio_cread_feature(vdev, VIRTIO_BLK_F_MQ,
				   struct virtio_blk_config, num_queues,
				   &num_queues);
	if (err)
		num_queues = 1;
	if (!num_queues) {
		dev_err(&vdev->dev, "MQ advertised but num_queues is 0\n");
		return -EINVAL;
	}

	num_vqs = pvblk_num_possible_queues(min_not_zero(num_request_queues,
							 num_queues));
	num_poll = min_t(unsigned int, poll_queues, num_vqs - 1);

	/* On restore the queues (and their counters) already exist. */
	if (pv->vqs && pv->num_vqs != num_vqs) {
		dev_err(&vdev->dev, "queue count changed across restore\n");
		return -EINVAL;
	}

	pv->io_queues[HCTX_TYPE_DEFAULT] = num_vqs - num_poll;
	pv->io_queues[HCTX_TYPE_READ] = 0;
	pv->io_queues[HCTX_TYPE_POLL] = num_poll;

	callbacks = kcalloc(num_vqs, sizeof(*callbacks), GFP_KERNEL);
	names = kcalloc(num_vqs, sizeof(*names), GFP_KERNEL);
	vqs = kcalloc(num_vqs, sizeof(*vqs), GFP_KERNEL);
	if (!pv->vqs)
		pv->vqs = kcalloc(num_vqs, sizeof(*pv->vqs), GFP_KERNEL);
	if (!callbacks || !names || !vqs || !pv->vqs) {
		err = -ENOMEM;
		goto out;
	}

	for (i = 0; i < num_vqs; i++) {
		struct pvblk_vq *pvq = &pv->vqs[i];
		bool poll = i >= num_vqs - num_poll;

		callbacks[i] = poll ? NULL : pvblk_vq_done;
		snprintf(pvq->name, sizeof(pvq->name),
			 poll ? "req_poll.%u" : "req.%u", i);
		names[i] = pvq->name;
	}

	err = pvblk_find_vqs(vdev, num_vqs, vqs, callbacks, names, &desc);
	if (err)
		goto out;

	for (i = 0; i < num_vqs; i++) {
		spin_lock_init(&pv->vqs[i].lock);
		spin_lock_init(&pv->vqs[i].notify_lock);
		pv->vqs[i].pending = 0;
		pv->vqs[i].inflight = 0;
		pv->vqs[i].vq = vqs[i];
	}
	pv->num_vqs = num_vqs;
	pv->notify_serialized = pvblk_notify_needs_order(vdev);
	pvblk_polling_init(pv);
out:
	kfree(vqs);
	kfree(names);
	kfree(callbacks);
	if (err && !pv->num_vqs) {
		kfree(pv->vqs);
		pv->vqs = NULL;
	}
	return err;
}

static void pvblk_update_capacity(struct pvblk_dev *pv, bool resize)
{
	struct virtio_device *vdev = pv->vdev;
	u64 capacity;
	char cap_str_2[10], cap_str_10[10];

	virtio_cread(vdev, struct virtio_blk_config, capacity, &capacity);

	string_get_size(capacity, SECTOR_SIZE, STRING_UNITS_2,
			cap_str_2, sizeof(cap_str_2));
	string_get_size(capacity, SECTOR_SIZE, STRING_UNITS_10,
			cap_str_10, sizeof(cap_str_10));
	dev_notice(&vdev->dev, "[%s] %s%llu 512-byte sectors (%s/%s)\n",
		   pv->disk->disk_name, resize ? "new size: " : "",
		   capacity, cap_str_10, cap_str_2);

	if (resize)
		set_capacity_and_notify(pv->disk, capacity);
	else
		set_capacity(pv->disk, capacity);
}

static void pvblk_config_work(struct work_struct *work)
{
	struct pvblk_dev *pv = container_of(work, struct pvblk_dev,
					    config_work);

	pvblk_update_capacity(pv, true);
}

static void pvblk_config_changed(struct virtio_device *vdev)
{
	struct pvblk_dev *pv = vdev->priv;

	queue_work(pvblk_wq, &pv->config_work);
}

static int pvblk_getgeo(struct gendisk *disk, struct hd_geometry *geo)
{
	struct pvblk_dev *pv = disk->private_data;
	int ret = 0;

	mutex_lock(&pv->vdev_mutex);
	if (!pv->vdev) {
		ret = -ENXIO;
	} else if (virtio_has_feature(pv->vdev, VIRTIO_BLK_F_GEOMETRY)) {
		virtio_cread(pv->vdev, struct virtio_blk_config,
			     geometry.cylinders, &geo->cylinders);
		virtio_cread(pv->vdev, struct virtio_blk_config,
			     geometry.heads, &geo->heads);
		virtio_cread(pv->vdev, struct virtio_blk_config,
			     geometry.sectors, &geo->sectors);
	} else {
		/* Some standard values, as other virtual disks report. */
		geo->heads = 1 << 6;
		geo->sectors = 1 << 5;
		geo->cylinders = get_capacity(disk) >> 11;
	}
	mutex_unlock(&pv->vdev_mutex);
	return ret;
}
PVBLK_DEFINE_GETGEO(pvblk_getgeo);

/* The last reference to the disk is gone: nothing can reach @pv now. */
static void pvblk_free_disk(struct gendisk *disk)
{
	struct pvblk_dev *pv = disk->private_data;

	ida_free(&pvblk_index_ida, pv->index);
	mutex_destroy(&pv->vdev_mutex);
	kfree(pv->vqs);
	kfree(pv);
}

static const struct block_device_operations pvblk_fops = {
	.owner		= THIS_MODULE,
	.getgeo		= PVBLK_GETGEO(pvblk_getgeo),
	.free_disk	= pvblk_free_disk,
};

/* Read the device's configuration into queue limits. */
static int pvblk_read_limits(struct pvblk_dev *pv, struct queue_limits *lim)
{
	struct virtio_device *vdev = pv->vdev;
	u32 v, blk_size, sg_elems, max_size;
	u8 physical_block_exp, alignment_offset;
	u16 min_io_size;
	u32 opt_io_size;
	int err;

	pvblk_limits_init(lim);

	/* We need at least one segment, whatever the device says. */
	err = virtio_cread_feature(vdev, VIRTIO_BLK_F_SEG_MAX,
				   struct virtio_blk_config, seg_max, &sg_elems);
	if (err || !sg_elems)
		sg_elems = 1;
	sg_elems = min_t(u32, sg_elems, PVBLK_MAX_SG_ELEMS);
	/* Without indirect descriptors a request must fit the ring itself. */
	if (!virtio_has_feature(vdev, VIRTIO_RING_F_INDIRECT_DESC))
		sg_elems = min_t(u32, sg_elems,
				 virtqueue_get_vring_size(pv->vqs[0].vq) - 2);
	lim->max_segments = sg_elems;

	max_size = min_t(size_t, virtio_max_dma_size(vdev), U32_MAX);
	err = virtio_cread_feature(vdev, VIRTIO_BLK_F_SIZE_MAX,
				   struct virtio_blk_config, size_max, &v);
	if (!err && v)
		max_size = min(max_size, v);
	lim->max_segment_size = max_size;

	err = virtio_cread_feature(vdev, VIRTIO_BLK_F_BLK_SIZE,
				   struct virtio_blk_config, blk_size,
				   &blk_size);
	if (!err) {
		err = blk_validate_block_size(blk_size);
		if (err) {
			dev_err(&vdev->dev, "invalid block size: 0x%x\n",
				blk_size);
			return err;
		}
	} else {
		blk_size = SECTOR_SIZE;
	}
	lim->logical_block_size = blk_size;
	lim->physical_block_size = blk_size;

	err = virtio_cread_feature(vdev, VIRTIO_BLK_F_TOPOLOGY,
				   struct virtio_blk_config,
				   physical_block_exp, &physical_block_exp);
	if (!err && physical_block_exp)
		lim->physical_block_size = blk_size * (1 << physical_block_exp);

	err = virtio_cread_feature(vdev, VIRTIO_BLK_F_TOPOLOGY,
				   struct virtio_blk_config,
				   alignment_offset, &alignment_offset);
	if (!err && alignment_offset)
		lim->alignment_offset = blk_size * alignment_offset;

	err = virtio_cread_feature(vdev, VIRTIO_BLK_F_TOPOLOGY,
				   struct virtio_blk_config, min_io_size,
				   &min_io_size);
	if (!err && min_io_size)
		lim->io_min = blk_size * min_io_size;

	err = virtio_cread_feature(vdev, VIRTIO_BLK_F_TOPOLOGY,
				   struct virtio_blk_config, opt_io_size,
				   &opt_io_size);
	if (!err && opt_io_size)
		lim->io_opt = blk_size * opt_io_size;

	if (virtio_has_feature(vdev, VIRTIO_BLK_F_DISCARD)) {
		virtio_cread(vdev, struct virtio_blk_config,
			     max_discard_sectors, &v);
		lim->max_hw_discard_sectors = v ? v : UINT_MAX;

		virtio_cread(vdev, struct virtio_blk_config,
			     max_discard_seg, &v);
		lim->max_discard_segments =
			min_not_zero(v, PVBLK_MAX_DISCARD_SEGS);

		virtio_cread(vdev, struct virtio_blk_config,
			     discard_sector_alignment, &v);
		lim->discard_granularity = v ? v << SECTOR_SHIFT : blk_size;
	}

	if (virtio_has_feature(vdev, VIRTIO_BLK_F_WRITE_ZEROES)) {
		virtio_cread(vdev, struct virtio_blk_config,
			     max_write_zeroes_sectors, &v);
		lim->max_write_zeroes_sectors = v ? v : UINT_MAX;
	}

	/*
	 * Secure erase shares the discard segment and granularity limits
	 * in the block layer: take the stricter of the two.
	 */
	if (virtio_has_feature(vdev, VIRTIO_BLK_F_SECURE_ERASE)) {
		virtio_cread(vdev, struct virtio_blk_config,
			     max_secure_erase_sectors, &v);
		lim->max_secure_erase_sectors = v ? v : UINT_MAX;

		virtio_cread(vdev, struct virtio_blk_config,
			     max_secure_erase_seg, &v);
		v = min_not_zero(v, PVBLK_MAX_DISCARD_SEGS);
		lim->max_discard_segments =
			min_not_zero(lim->max_discard_segments, v);

		virtio_cread(vdev, struct virtio_blk_config,
			     secure_erase_sector_alignment, &v);
		v = v ? v << SECTOR_SHIFT : blk_size;
		lim->discard_granularity =
			min_not_zero(lim->discard_granularity, v);
	}
	return 0;
}

static unsigned int pvblk_queue_depth(struct pvblk_dev *pv)
{
	unsigned int depth = queue_depth;

	if (!depth) {
		depth = pv->vqs[0].vq->num_free;
		/* Without indirect descriptors a request takes >= 2 slots. */
		if (!virtio_has_feature(pv->vdev, VIRTIO_RING_F_INDIRECT_DESC))
			depth /= 2;
	}
	return max(1u, min_t(unsigned int, depth, BLK_MQ_MAX_DEPTH));
}

/*
 * Before the features are final. With indirect_desc=0 the ring's indirect
 * descriptors are turned down: the virtio core then puts every request's
 * descriptors in the ring itself rather than in a table it allocates and
 * frees per request.
 */
static int pvblk_validate(struct virtio_device *vdev)
{
	if (!indirect_desc)
		__virtio_clear_bit(vdev, VIRTIO_RING_F_INDIRECT_DESC);
	return 0;
}

static int pvblk_probe(struct virtio_device *vdev)
{
	struct queue_limits lim;
	struct pvblk_dev *pv;
	struct gendisk *disk;
	int index, err;

	if (!vdev->config->get) {
		dev_err(&vdev->dev, "config access disabled\n");
		return -EINVAL;
	}

	index = ida_alloc_range(&pvblk_index_ida, 0,
				((1 << MINORBITS) >> PVBLK_PART_BITS) - 1,
				GFP_KERNEL);
	if (index < 0)
		return index;

	pv = kzalloc(sizeof(*pv), GFP_KERNEL);
	if (!pv) {
		err = -ENOMEM;
		goto out_free_index;
	}
	mutex_init(&pv->vdev_mutex);
	INIT_WORK(&pv->config_work, pvblk_config_work);
	pv->vdev = vdev;
	pv->index = index;
	pv->batch_kicks = true;
	pv->irq_moderation = true;
	pv->irq_moderation_usecs = PVBLK_MODERATE_USECS_DEFAULT;
	pv->poll_max_usecs = PVBLK_POLL_MAX_USECS_DEFAULT;
	vdev->priv = pv;

	err = pvblk_init_vqs(pv);
	if (err)
		goto out_free_pv;

	pv->tag_set.ops = &pvblk_mq_ops;
	pv->tag_set.nr_hw_queues = pv->num_vqs;
	pv->tag_set.queue_depth = pvblk_queue_depth(pv);
	pv->tag_set.numa_node = NUMA_NO_NODE;
	pv->tag_set.flags = PVBLK_TAG_SET_FLAGS;
	pv->tag_set.cmd_size = sizeof(struct pvblk_req) +
		sizeof(struct scatterlist) * PVBLK_INLINE_SG_CNT;
	pv->tag_set.driver_data = pv;
	pv->tag_set.nr_maps = pv->io_queues[HCTX_TYPE_POLL] ? 3 : 1;

	err = blk_mq_alloc_tag_set(&pv->tag_set);
	if (err)
		goto out_free_vqs;

	err = pvblk_read_limits(pv, &lim);
	if (err)
		goto out_free_tags;

	disk = pvblk_alloc_disk(&pv->tag_set, &lim,
				pvblk_write_cache(vdev), pv);
	if (IS_ERR(disk)) {
		err = PTR_ERR(disk);
		goto out_free_tags;
	}
	pv->disk = disk;

	err = pvblk_format_name(disk->disk_name, DISK_NAME_LEN, index);
	if (err)
		goto out_cleanup_disk;
	disk->major = pvblk_major;
	disk->first_minor = index << PVBLK_PART_BITS;
	disk->minors = 1 << PVBLK_PART_BITS;
	disk->private_data = pv;
	disk->fops = &pvblk_fops;

	if (virtio_has_feature(vdev, VIRTIO_BLK_F_RO))
		set_disk_ro(disk, 1);

	pvblk_update_capacity(pv, false);
	virtio_device_ready(vdev);

	err = device_add_disk(&vdev->dev, disk, pvblk_attr_groups);
	if (err)
		goto out_reset;
	/* Fault injection (debugfs fail_probe): fail after the scan's I/O. */
	if (pvblk_fault_hit(&pvblk_fail_probe)) {
		err = -EIO;
		goto out_del_disk;
	}
	pvblk_debugfs_add(pv);
	return 0;

out_del_disk:
	/*
	 * The disk was added: take it down as pvblk_remove() does. Its last
	 * reference may belong to an opener (udev, a partition scan), and
	 * ->free_disk() frees @pv and the index then, not us.
	 */
	del_gendisk(disk);
	virtio_reset_device(vdev);
	pvblk_polling_stop(pv);
	blk_mq_free_tag_set(&pv->tag_set);
	mutex_lock(&pv->vdev_mutex);
	pv->vdev = NULL;
	vdev->config->del_vqs(vdev);
	mutex_unlock(&pv->vdev_mutex);
	put_disk(disk);
	return err;

out_reset:
	/*
	 * The device was live: I/O (the partition scan) may have opened a
	 * polling window or armed the moderation timer. Stop the device,
	 * then both, before anything they touch is freed.
	 */
	virtio_reset_device(vdev);
	pvblk_polling_stop(pv);
out_cleanup_disk:
	/* ->free_disk() only runs for disks that were added: we free @pv. */
	put_disk(disk);
out_free_tags:
	blk_mq_free_tag_set(&pv->tag_set);
out_free_vqs:
	vdev->config->del_vqs(vdev);
	kfree(pv->vqs);
out_free_pv:
	mutex_destroy(&pv->vdev_mutex);
	kfree(pv);
out_free_index:
	ida_free(&pvblk_index_ida, index);
	return err;
}

static void pvblk_remove(struct virtio_device *vdev)
{
	struct pvblk_dev *pv = vdev->priv;

	/* The core stopped config interrupts before calling us. */
	flush_work(&pv->config_work);

	pvblk_debugfs_remove(pv);
	/*
	 * A broken device (surprise removal, debugfs break) returns nothing
	 * it holds: fail those requests, or del_gendisk() waits for ever.
	 */
	if (virtqueue_is_broken(pv->vqs[0].vq))
		pvblk_fail_broken(pv);
	del_gendisk(pv->disk);
	/* Nothing is in flight now; no poller may touch the queue again. */
	pvblk_polling_stop(pv);
	blk_mq_free_tag_set(&pv->tag_set);

	mutex_lock(&pv->vdev_mutex);
	/* Stop all the virtqueues, then let go of the device. */
	virtio_reset_device(vdev);
	pv->vdev = NULL;
	vdev->config->del_vqs(vdev);
	mutex_unlock(&pv->vdev_mutex);

	/* pvblk_free_disk() frees @pv once the last opener is gone. */
	put_disk(pv->disk);
}

/* Suspend (freeze/restore), and a device reset (reset_prepare/done). */
static int __maybe_unused pvblk_freeze(struct virtio_device *vdev)
{
	struct pvblk_dev *pv = vdev->priv;
	struct request_queue *q = pv->disk->queue;
	unsigned int memflags;

	/* Drain what is in flight, then keep new requests out. */
	memflags = pvblk_freeze_queue(q);
	blk_mq_quiesce_queue_nowait(q);
	pvblk_unfreeze_queue(q, memflags);

	/* No more interrupts, polling or config changes from here on. */
	virtio_reset_device(vdev);
	pvblk_polling_stop(pv);
	flush_work(&pv->config_work);
	vdev->config->del_vqs(vdev);
	return 0;
}

static int __maybe_unused pvblk_restore(struct virtio_device *vdev)
{
	struct pvblk_dev *pv = vdev->priv;
	int err;

	/* The queue array, and with it the counters, survives a freeze. */
	err = pvblk_init_vqs(pv);
	if (err)
		return err;

	virtio_device_ready(vdev);
	blk_mq_unquiesce_queue(pv->disk->queue);
	dev_info(&vdev->dev, "[%s] restored with %u queues\n",
		 pv->disk->disk_name, pv->num_vqs);
	return 0;
}

static const struct virtio_device_id pvblk_id_table[] = {
	{ VIRTIO_ID_BLOCK, VIRTIO_DEV_ANY_ID },
	{ 0 },
};
MODULE_DEVICE_TABLE(virtio, pvblk_id_table);

static const unsigned int pvblk_features[] = {
	VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_F_SIZE_MAX, VIRTIO_BLK_F_GEOMETRY,
	VIRTIO_BLK_F_RO, VIRTIO_BLK_F_BLK_SIZE, VIRTIO_BLK_F_FLUSH,
	VIRTIO_BLK_F_TOPOLOGY, VIRTIO_BLK_F_CONFIG_WCE, VIRTIO_BLK_F_MQ,
	VIRTIO_BLK_F_DISCARD, VIRTIO_BLK_F_WRITE_ZEROES,
	VIRTIO_BLK_F_SECURE_ERASE,
};

static struct virtio_driver pvblk_driver = {
	.feature_table			= pvblk_features,
	.feature_table_size		= ARRAY_SIZE(pvblk_features),
	.feature_table_legacy		= pvblk_features,
	.feature_table_size_legacy	= ARRAY_SIZE(pvblk_features),
	.driver.name			= KBUILD_MODNAME,
	.id_table			= pvblk_id_table,
	.validate			= pvblk_validate,
	.probe				= pvblk_probe,
	.remove				= pvblk_remove,
	.config_changed			= pvblk_config_changed,
#ifdef CONFIG_PM_SLEEP
	.freeze				= pvblk_freeze,
	.restore			= pvblk_restore,
#endif
	PVBLK_RESET_OPS(pvblk_freeze, pvblk_restore)
};

static int __init pvblk_init(void)
{
	int err;

	/* Capacity changes need no particular CPU. */
	pvblk_wq = alloc_workqueue(PVBLK_NAME, WQ_UNBOUND, 0);
	if (!pvblk_wq)
		return -ENOMEM;

	pvblk_major = register_blkdev(0, PVBLK_NAME);
	if (pvblk_major < 0) {
		err = pvblk_major;
		goto out_destroy_wq;
	}

	pvblk_debugfs_init();
	err = register_virtio_driver(&pvblk_driver);
	if (err)
		goto out_debugfs;
	return 0;

out_debugfs:
	pvblk_debugfs_exit();
	unregister_blkdev(pvblk_major, PVBLK_NAME);
out_destroy_wq:
	destroy_workqueue(pvblk_wq);
	return err;
}

static void __exit pvblk_exit(void)
{
	unregister_virtio_driver(&pvblk_driver);
	pvblk_debugfs_exit();
	unregister_blkdev(pvblk_major, PVBLK_NAME);
	destroy_workqueue(pvblk_wq);
}

module_init(pvblk_init);
module_exit(pvblk_exit);

MODULE_DESCRIPTION("pvblk: paravirtual block driver for virtio-blk devices");
MODULE_LICENSE("GPL");
MODULE_VERSION(PVBLK_VERSION);
