/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * udev.c: the block-device monitors. A disk that is added gets the active
 * profile at once, from the kernel's uevent (its sysfs nodes are there when
 * the kernel announces it; udev's processing of the event, its rules and
 * blkid, takes longer than the tuning itself); then again from udev's event,
 * once udev has run its rules (what a rule changed meanwhile is set again;
 * what is already as wanted is only read), as for a disk that changed. A
 * removed disk's saved originals are forgotten.
 */
#include <errno.h>
#include <libudev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "udev.h"
#include "util/util.h"

enum { KERNEL, UDEV };

struct udev_watch {
	struct udev *udev;
	struct udev_monitor *mon[2];	/* the kernel's uevents, udev's */
	sd_event_source *src[2];
};

static void on_device(struct manager *m, struct udev_device *dev, int from)
{
	const char *action = udev_device_get_action(dev);
	const char *name = udev_device_get_sysname(dev);
	struct pvt_report rep = {0};
	struct pvt_op_times t;
	uint64_t in_udev, t0, t1;
	struct pvt_err e;
	int r;

	if (!action || !name)
		return;
	if (from == KERNEL && strcmp(action, "add") != 0)
		return;		/* udev's events cover the rest */
	if (strcmp(action, "remove") == 0) {
		pvt_log(LOG_INFO, "%s removed: forgetting its saved originals", name);
		if (manager_disk_removed(m, name, &e) < 0)
			pvt_log(LOG_WARNING, "%s removed: its originals stay saved: %s", name, e.msg);
		return;
	}
	if (strcmp(action, "add") != 0 && strcmp(action, "change") != 0)
		return;
	if (from == UDEV && !udev_device_get_is_initialized(dev)) {
		pvt_log(LOG_DEBUG, "%s %s: not initialised by udev yet, waiting", name, action);
		return;
	}
	/* udev's: how long ago udev began with the device (its rules, the way here) */
	in_udev = from == UDEV ? udev_device_get_usec_since_initialized(dev) : 0;
	t0 = pvt_mono_usec();
	r = manager_disk_added(m, name, &rep, &t, &e);
	t1 = pvt_mono_usec();
	if (r < 0 && from == KERNEL)	/* udev's event tries again, and says why */
		pvt_log(LOG_DEBUG, "%s %s (kernel): profile not applied yet: %s", name, action, e.msg);
	else if (r < 0)
		pvt_log(LOG_ERR, "%s %s: profile not applied: %s", name, action, e.msg);
	else if (rep.n)
		daemon_log_report(name, &rep);
	if (r >= 0 && (pvt_report_count(&rep, PVT_ST_CHANGED) || r > 0)) {
		char since[64] = "";

		if (from == UDEV)
			snprintf(since, sizeof(since), ", %.1f ms after udev began with it",
				 (double)(in_udev + (t1 - t0)) / 1000.0);
		pvt_log(LOG_INFO, "%s %s (%s): tuned (%zu changed, %zu failed) in %.1f ms%s (plan %.1f, lock and store %.1f, apply %.1f: originals %.1f, writes %.1f; then %.1f ms of log)",
			name, action, from == KERNEL ? "kernel" : "udev",
			pvt_report_count(&rep, PVT_ST_CHANGED),
			pvt_report_count(&rep, PVT_ST_FAILED), (double)(t1 - t0) / 1000.0, since,
			(double)t.plan / 1000.0, (double)t.lock / 1000.0, (double)t.apply / 1000.0,
			(double)t.originals / 1000.0, (double)(t.apply - t.originals) / 1000.0,
			(double)(pvt_mono_usec() - t1) / 1000.0);
	}
	pvt_report_free(&rep);
}

static void receive(struct manager *m, int from)
{
	struct udev_device *dev;

	while ((dev = udev_monitor_receive_device(m->udev->mon[from]))) {
		on_device(m, dev, from);
		udev_device_unref(dev);
	}
}

static int on_kernel(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	(void)s, (void)fd, (void)revents;
	receive(userdata, KERNEL);
	return 0;
}

static int on_udev(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	(void)s, (void)fd, (void)revents;
	receive(userdata, UDEV);
	return 0;
}

static int monitor(struct manager *m, int from, struct pvt_err *e)
{
	static const char *const names[] = { "kernel", "udev" };
	struct udev_watch *w = m->udev;
	struct udev_monitor *mon = udev_monitor_new_from_netlink(w->udev, names[from]);
	int r;

	if (!mon)
		return pvt_fail(e, errno, "cannot open the %s monitor: %s", names[from],
				strerror(errno));
	w->mon[from] = mon;
	r = udev_monitor_filter_add_match_subsystem_devtype(mon, "block", "disk");
	/*
	 * SO_RCVBUFFORCE needs CAP_NET_ADMIN, which the sandboxed unit does not
	 * give: then SO_RCVBUF, up to net.core.rmem_max
	 */
	if (r >= 0 && udev_monitor_set_receive_buffer_size(mon, m->cfg.udev_buffer_size) < 0 &&
	    setsockopt(udev_monitor_get_fd(mon), SOL_SOCKET, SO_RCVBUF, &m->cfg.udev_buffer_size,
		       sizeof(m->cfg.udev_buffer_size)) < 0)
		pvt_log(LOG_WARNING, "cannot set the %s monitor's receive buffer to %d bytes",
			names[from], m->cfg.udev_buffer_size);
	if (r >= 0)
		r = udev_monitor_enable_receiving(mon);
	if (r < 0)
		return pvt_fail(e, -r, "cannot start the %s monitor: %s", names[from], strerror(-r));
	r = sd_event_add_io(m->event, &w->src[from], udev_monitor_get_fd(mon), EPOLLIN,
			    from == KERNEL ? on_kernel : on_udev, m);
	if (r < 0)
		return pvt_fail(e, -r, "cannot watch the %s monitor: %s", names[from], strerror(-r));
	return 0;
}

int daemon_udev_start(struct manager *m, struct pvt_err *e)
{
	struct udev_watch *w = pvt_xcalloc(1, sizeof(*w));
	int r;

	m->udev = w;
	w->udev = udev_new();
	if (!w->udev)
		return pvt_fail(e, errno, "udev_new failed: %s", strerror(errno));
	r = monitor(m, UDEV, e);
	if (r >= 0)
		r = monitor(m, KERNEL, e);
	return r;
}

void daemon_udev_stop(struct manager *m)
{
	struct udev_watch *w = m->udev;

	if (!w)
		return;
	for (int i = 0; i < 2; i++) {
		sd_event_source_disable_unref(w->src[i]);
		if (w->mon[i])
			udev_monitor_unref(w->mon[i]);
	}
	if (w->udev)
		udev_unref(w->udev);
	free(w);
	m->udev = NULL;
}
