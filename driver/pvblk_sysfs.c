// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblk_sysfs.c - attributes of a pvblk disk.
 *
 *   /sys/block/<disk>/serial        the device's GET_ID string
 *   /sys/block/<disk>/cache_type    "write back" / "write through"
 *   /sys/block/<disk>/pvblk/stats   one line per virtqueue, key=value
 *   /sys/block/<disk>/pvblk/features  negotiated ring features
 *   /sys/block/<disk>/pvblk/<tunable> one value per file, writable live
 */
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "pvblk.h"
#include "pvblk_compat.h"

static struct pvblk_dev *dev_to_pvblk(struct device *dev)
{
	return dev_to_disk(dev)->private_data;
}

/*
 * GET_ID. The result is the device's status byte, not blk_execute_rq()'s:
 * kernels that end passthrough requests in completion batches (6.14+, and
 * 6.12.y since its backport) end an erroring one with BLK_STS_OK, and
 * the driver keeps the real status.
 */
int pvblk_get_id(struct gendisk *disk, char *id_str)
{
	struct request_queue *q = disk->queue;
	struct pvblk_req *vbr;
	struct request *req;
	int err;

	req = blk_mq_alloc_request(q, REQ_OP_DRV_IN, 0);
	if (IS_ERR(req))
		return PTR_ERR(req);
	vbr = blk_mq_rq_to_pdu(req);

	err = pvblk_rq_map_kern(req, id_str, VIRTIO_BLK_ID_BYTES, GFP_KERNEL);
	if (err)
		goto out;

	err = blk_status_to_errno(blk_execute_rq(req, false));
	if (!err)
		err = blk_status_to_errno(pvblk_result(vbr->status));
out:
	blk_mq_free_request(req);
	return err;
}

static ssize_t serial_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct gendisk *disk = dev_to_disk(dev);
	char *id;
	ssize_t ret;
	int err;

	/* The buffer is handed to the device: take one we know is DMA-able. */
	id = kzalloc(VIRTIO_BLK_ID_BYTES + 1, GFP_KERNEL);
	if (!id)
		return -ENOMEM;

	/*
	 * As virtio_blk shows it: the string without a newline (udev reads
	 * it into ID_SERIAL), nothing when GET_ID failed with an I/O error,
	 * and any other error as it is.
	 */
	err = pvblk_get_id(disk, id);
	if (!err)
		ret = sysfs_emit(buf, "%s", id);
	else if (err == -EIO)
		ret = 0;
	else
		ret = err;
	kfree(id);
	return ret;
}
static DEVICE_ATTR_RO(serial);

static const char *const pvblk_cache_types[] = {
	"write through", "write back"
};

bool pvblk_write_cache(struct virtio_device *vdev)
{
	u8 wce;

	if (virtio_has_feature(vdev, VIRTIO_BLK_F_CONFIG_WCE)) {
		virtio_cread(vdev, struct virtio_blk_config, wce, &wce);
		return wce;
	}
	return virtio_has_feature(vdev, VIRTIO_BLK_F_FLUSH);
}

static ssize_t cache_type_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct pvblk_dev *pv = dev_to_pvblk(dev);
	ssize_t ret = -ENODEV;

	mutex_lock(&pv->vdev_mutex);
	if (pv->vdev)
		ret = sysfs_emit(buf, "%s\n",
				 pvblk_cache_types[pvblk_write_cache(pv->vdev)]);
	mutex_unlock(&pv->vdev_mutex);
	return ret;
}

static ssize_t cache_type_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	struct pvblk_dev *pv = dev_to_pvblk(dev);
	int i, err;
	bool wc;

	i = sysfs_match_string(pvblk_cache_types, buf);
	if (i < 0)
		return i;

	mutex_lock(&pv->vdev_mutex);
	if (!pv->vdev) {
		mutex_unlock(&pv->vdev_mutex);
		return -ENODEV;
	}
	if (!READ_ONCE(pv->drop_wce_writes))
		virtio_cwrite8(pv->vdev, offsetof(struct virtio_blk_config, wce),
			       i);
	/*
	 * Apply what the device now says, not what was asked: a device that
	 * kept its write-back cache still needs the flushes.
	 */
	wc = pvblk_write_cache(pv->vdev);
	mutex_unlock(&pv->vdev_mutex);

	if (wc != i)
		dev_warn(dev, "device kept its cache %s\n",
			 pvblk_cache_types[wc]);
	err = pvblk_set_write_cache(pv->disk->queue, wc);
	return err ? err : count;
}
static DEVICE_ATTR_RW(cache_type);

static struct attribute *pvblk_disk_attrs[] = {
	&dev_attr_serial.attr,
	&dev_attr_cache_type.attr,
	NULL,
};

static umode_t pvblk_disk_attrs_visible(struct kobject *kobj,
					struct attribute *a, int n)
{
	struct device *dev = kobj_to_dev(kobj);
	struct pvblk_dev *pv = dev_to_pvblk(dev);

	if (a == &dev_attr_cache_type.attr &&
	    !virtio_has_feature(pv->vdev, VIRTIO_BLK_F_CONFIG_WCE))
		return 0444;
	return a->mode;
}

static const struct attribute_group pvblk_disk_group = {
	.attrs = pvblk_disk_attrs,
	.is_visible = pvblk_disk_attrs_visible,
};

/*
 * /sys/block/<disk>/pvblk/stats: one line per queue. A binary attribute,
 * so that a device with many queues is not cut at a page.
 */
#define PVBLK_STATS_LINE_MAX	2048

static size_t pvblk_emit_hist(char *buf, size_t size, const char *key,
			      const u64 *hist, unsigned int buckets)
{
	size_t len = scnprintf(buf, size, " %s=", key);
	unsigned int b;

	for (b = 0; b < buckets; b++)
		len += scnprintf(buf + len, size - len, "%s%llu", b ? "," : "",
				 READ_ONCE(hist[b]));
	return len;
}

static size_t pvblk_format_queue(const struct pvblk_vq *pvq, unsigned int i,
				 char *buf, size_t size)
{
	const struct pvblk_vq_stats *s = &pvq->stats;
	size_t len;

	len = scnprintf(buf, size,
			"queue=%u requests=%llu kicks=%llu kicks_suppressed=%llu irqs=%llu irqs_empty=%llu completions=%llu polled=%llu ring_full=%llu",
			i, READ_ONCE(s->requests), READ_ONCE(s->kicks),
			READ_ONCE(s->kicks_suppressed), READ_ONCE(s->irqs),
			READ_ONCE(s->irqs_empty), READ_ONCE(s->completions),
			READ_ONCE(s->polled), READ_ONCE(s->ring_full));
	len += scnprintf(buf + len, size - len,
			 " batches=%llu batch_max=%llu cbatches=%llu cbatch_max=%llu poll_windows=%llu poll_empty=%llu moderated=%llu poll_ns=%llu",
			 READ_ONCE(s->batches), READ_ONCE(s->batch_max),
			 READ_ONCE(s->cbatches), READ_ONCE(s->cbatch_max),
			 READ_ONCE(s->poll_windows), READ_ONCE(s->poll_empty),
			 READ_ONCE(s->moderated),
			 READ_ONCE(pvq->poll_ns));
	len += scnprintf(buf + len, size - len,
			 " timeouts=%llu timeout_reaped=%llu moderation_expired=%llu failed_broken=%llu poll_reopened=%llu timeout_kicks=%llu",
			 READ_ONCE(s->timeouts), READ_ONCE(s->timeout_reaped),
			 READ_ONCE(s->moderation_expired),
			 READ_ONCE(s->failed_broken),
			 READ_ONCE(s->poll_reopened),
			 READ_ONCE(s->timeout_kicks));
	len += pvblk_emit_hist(buf + len, size - len, "batch_hist",
			       s->batch_hist, PVBLK_HIST_BUCKETS);
	len += pvblk_emit_hist(buf + len, size - len, "cbatch_hist",
			       s->cbatch_hist, PVBLK_HIST_BUCKETS);
	len += pvblk_emit_hist(buf + len, size - len, "moderation_hist",
			       s->moderation_hist, PVBLK_MOD_HIST_BUCKETS);
	len += scnprintf(buf + len, size - len, "\n");
	return len;
}

static ssize_t stats_read(struct file *file, struct kobject *kobj,
			  char *buf, loff_t off, size_t count)
{
	/* A named group is a directory of the device's own kobject. */
	struct pvblk_dev *pv = dev_to_pvblk(kobj_to_dev(kobj));
	size_t size = (size_t)pv->num_vqs * PVBLK_STATS_LINE_MAX;
	size_t len = 0;
	unsigned int i;
	ssize_t ret;
	char *text;

	text = kvmalloc(size, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	for (i = 0; i < pv->num_vqs; i++)
		len += pvblk_format_queue(&pv->vqs[i], i, text + len,
					  size - len);
	ret = memory_read_from_buffer(buf, count, &off, text, len);
	kvfree(text);
	return ret;
}
PVBLK_BIN_ATTR_RO(stats);

/* /sys/block/<disk>/pvblk/features: what the ring negotiated. */
static ssize_t features_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	struct pvblk_dev *pv = dev_to_pvblk(dev);
	struct virtio_device *vdev;
	ssize_t ret = -ENODEV;

	mutex_lock(&pv->vdev_mutex);
	vdev = pv->vdev;
	if (vdev)
		ret = sysfs_emit(buf,
				 "queues=%u poll_queues=%u packed=%d event_idx=%d indirect=%d mq=%d notification_data=%d\n",
				 pv->num_vqs, pv->io_queues[HCTX_TYPE_POLL],
				 virtio_has_feature(vdev, VIRTIO_F_RING_PACKED),
				 virtio_has_feature(vdev,
						    VIRTIO_RING_F_EVENT_IDX),
				 virtio_has_feature(vdev,
						    VIRTIO_RING_F_INDIRECT_DESC),
				 virtio_has_feature(vdev, VIRTIO_BLK_F_MQ),
				 pv->notify_serialized);
	mutex_unlock(&pv->vdev_mutex);
	return ret;
}
static DEVICE_ATTR_RO(features);

/*
 * Boolean tunables. Each optimisation can be switched off on its own so
 * that its effect can be measured; the hot paths read them with READ_ONCE.
 */
#define PVBLK_BOOL_TUNABLE(name)					\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%d\n",					\
			  READ_ONCE(dev_to_pvblk(dev)->name));		\
}									\
static ssize_t name##_store(struct device *dev,				\
			    struct device_attribute *attr,		\
			    const char *buf, size_t count)		\
{									\
	bool val;							\
	int err = kstrtobool(buf, &val);				\
									\
	if (err)							\
		return err;						\
	WRITE_ONCE(dev_to_pvblk(dev)->name, val);			\
	return count;							\
}									\
static DEVICE_ATTR_RW(name)

PVBLK_BOOL_TUNABLE(batch_kicks);
PVBLK_BOOL_TUNABLE(irq_moderation);

/* Unsigned tunables in [min, max]. */
#define PVBLK_UINT_TUNABLE(name, min, max)				\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%u\n",					\
			  READ_ONCE(dev_to_pvblk(dev)->name));		\
}									\
static ssize_t name##_store(struct device *dev,				\
			    struct device_attribute *attr,		\
			    const char *buf, size_t count)		\
{									\
	unsigned int val;						\
	int err = kstrtouint(buf, 10, &val);				\
									\
	if (err)							\
		return err;						\
	if (val < (min) || val > (max))					\
		return -ERANGE;						\
	WRITE_ONCE(dev_to_pvblk(dev)->name, val);			\
	return count;							\
}									\
static DEVICE_ATTR_RW(name)

PVBLK_UINT_TUNABLE(poll_max_usecs, 0, PVBLK_POLL_MAX_USECS_LIMIT);
PVBLK_UINT_TUNABLE(irq_moderation_usecs, 1, PVBLK_MODERATE_USECS_LIMIT);

static PVBLK_BIN_ATTR_PTR pvblk_tune_bin_attrs[] = {
	&bin_attr_stats,
	NULL,
};

static struct attribute *pvblk_tune_attrs[] = {
	&dev_attr_features.attr,
	&dev_attr_batch_kicks.attr,
	&dev_attr_irq_moderation.attr,
	&dev_attr_irq_moderation_usecs.attr,
	&dev_attr_poll_max_usecs.attr,
	NULL,
};

static const struct attribute_group pvblk_tune_group = {
	.name = "pvblk",
	.attrs = pvblk_tune_attrs,
	.bin_attrs = pvblk_tune_bin_attrs,
};

const struct attribute_group *pvblk_attr_groups[] = {
	&pvblk_disk_group,
	&pvblk_tune_group,
	NULL,
};
