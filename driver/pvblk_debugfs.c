// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvblk_debugfs.c - fault injection, so that the tests can show how the
 * driver recovers from faults a healthy host does not produce.
 *
 *   /sys/kernel/debug/pvblk/<disk>/lose_irqs
 *	Write N: the next N virtqueue interrupts of the disk are ignored, as
 *	if they had been lost on the way. Reads the number still to lose.
 *	The timeout handler (pvblk_complete.c) is what recovers the queue.
 *
 * Debugfs is not an ABI: this is for tests and for the curious.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fs.h>

#include "pvblk.h"

static struct dentry *pvblk_debugfs_root;

static int lose_irqs_get(void *data, u64 *val)
{
	struct pvblk_dev *pv = data;

	*val = atomic_read(&pv->lose_irqs);
	return 0;
}

static int lose_irqs_set(void *data, u64 val)
{
	struct pvblk_dev *pv = data;

	if (val > INT_MAX)
		return -ERANGE;
	atomic_set(&pv->lose_irqs, val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(pvblk_lose_irqs_fops, lose_irqs_get, lose_irqs_set,
			 "%llu\n");

void pvblk_debugfs_init(void)
{
	pvblk_debugfs_root = debugfs_create_dir(PVBLK_NAME, NULL);
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
	debugfs_create_file_unsafe("lose_irqs", 0600, pv->debugfs, pv,
				   &pvblk_lose_irqs_fops);
}

void pvblk_debugfs_remove(struct pvblk_dev *pv)
{
	debugfs_remove_recursive(pv->debugfs);
	pv->debugfs = NULL;
}
