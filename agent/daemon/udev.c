/*
 * udev.c: the block-device monitor. A disk that is added (or changed)
 * gets the active profile at once, as soon as udev has initialised it; a
 * removed disk's saved originals are forgotten.
 */
#include <errno.h>
#include <libudev.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "udev.h"
#include "util/util.h"

struct udev_watch {
	struct udev *udev;
	struct udev_monitor *mon;
	sd_event_source *src;
};

static uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void on_device(struct manager *m, struct udev_device *dev)
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
	if (strcmp(action, "remove") == 0) {
		pvt_log(LOG_INFO, "%s removed: forgetting its saved originals", name);
		if (manager_disk_removed(m, name, &e) < 0)
			pvt_log(LOG_WARNING, "%s removed: its originals stay saved: %s", name, e.msg);
		return;
	}
	if (strcmp(action, "add") != 0 && strcmp(action, "change") != 0)
		return;
	if (!udev_device_get_is_initialized(dev)) {
		pvt_log(LOG_DEBUG, "%s %s: not initialised by udev yet, waiting", name, action);
		return;
	}
	/* how long ago udev began with the device: its own processing, and the way here */
	in_udev = udev_device_get_usec_since_initialized(dev);
	t0 = mono_usec();
	r = manager_disk_added(m, name, &rep, &t, &e);
	t1 = mono_usec();
	if (r < 0)
		pvt_log(LOG_ERR, "%s %s: profile not applied: %s", name, action, e.msg);
	else if (rep.n)
		daemon_log_report(name, &rep);
	if (r >= 0 && (pvt_report_count(&rep, PVT_ST_CHANGED) || r > 0))
		pvt_log(LOG_INFO, "%s %s: tuned (%zu changed, %zu failed) in %.1f ms, %.1f ms after udev began with it (plan %.1f, lock and store %.1f, apply %.1f; then %.1f ms of log)",
			name, action, pvt_report_count(&rep, PVT_ST_CHANGED),
			pvt_report_count(&rep, PVT_ST_FAILED), (double)(t1 - t0) / 1000.0,
			(double)(in_udev + (t1 - t0)) / 1000.0, (double)t.plan / 1000.0,
			(double)t.lock / 1000.0, (double)t.apply / 1000.0,
			(double)(mono_usec() - t1) / 1000.0);
	pvt_report_free(&rep);
}

static int on_monitor(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct manager *m = userdata;
	struct udev_device *dev;

	(void)s, (void)fd, (void)revents;
	while ((dev = udev_monitor_receive_device(m->udev->mon))) {
		on_device(m, dev);
		udev_device_unref(dev);
	}
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
	w->mon = udev_monitor_new_from_netlink(w->udev, "udev");
	if (!w->mon)
		return pvt_fail(e, errno, "cannot open the udev monitor: %s", strerror(errno));
	r = udev_monitor_filter_add_match_subsystem_devtype(w->mon, "block", "disk");
	/*
	 * SO_RCVBUFFORCE needs CAP_NET_ADMIN, which the sandboxed unit does not
	 * give: then SO_RCVBUF, up to net.core.rmem_max
	 */
	if (r >= 0 && udev_monitor_set_receive_buffer_size(w->mon, m->cfg.udev_buffer_size) < 0 &&
	    setsockopt(udev_monitor_get_fd(w->mon), SOL_SOCKET, SO_RCVBUF, &m->cfg.udev_buffer_size,
		       sizeof(m->cfg.udev_buffer_size)) < 0)
		pvt_log(LOG_WARNING, "cannot set the udev receive buffer to %d bytes",
			m->cfg.udev_buffer_size);
	if (r >= 0)
		r = udev_monitor_enable_receiving(w->mon);
	if (r < 0)
		return pvt_fail(e, -r, "cannot start the udev monitor: %s", strerror(-r));
	r = sd_event_add_io(m->event, &w->src, udev_monitor_get_fd(w->mon), EPOLLIN,
			    on_monitor, m);
	if (r < 0)
		return pvt_fail(e, -r, "cannot watch the udev monitor: %s", strerror(-r));
	return 0;
}

void daemon_udev_stop(struct manager *m)
{
	struct udev_watch *w = m->udev;

	if (!w)
		return;
	sd_event_source_unref(w->src);
	if (w->mon)
		udev_monitor_unref(w->mon);
	if (w->udev)
		udev_unref(w->udev);
	free(w);
	m->udev = NULL;
}
