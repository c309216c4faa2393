/*
 * daemon_udev.c: the block-device monitor. A disk that is added (or changed)
 * gets the active profile at once, as soon as udev has initialised it; a
 * removed disk's saved originals are forgotten.
 */
#include <errno.h>
#include <string.h>

#include "daemon.h"
#include "engine/engine.h"
#include "log.h"
#include "ops/ops.h"

static void on_device(struct daemon *d, struct udev_device *dev)
{
	const char *action = udev_device_get_action(dev);
	const char *name = udev_device_get_sysname(dev);
	struct pvt_report rep = {0};
	struct pvt_err e;
	int r;

	if (!action || !name)
		return;
	if (strcmp(action, "remove") == 0) {
		pvt_log(LOG_INFO, "%s removed: forgetting its saved originals", name);
		pvt_engine_forget_device(&d->ctx, daemon_store(d), name);
		return;
	}
	if (strcmp(action, "add") != 0 && strcmp(action, "change") != 0)
		return;
	if (!udev_device_get_is_initialized(dev)) {
		pvt_log(LOG_DEBUG, "%s %s: not initialised by udev yet, waiting", name, action);
		return;
	}
	r = pvt_op_disk_added(&d->ctx, daemon_store(d), name, &rep, &e);
	if (r < 0)
		pvt_log(LOG_ERR, "%s %s: profile not applied: %s", name, action, e.msg);
	else if (rep.n)
		daemon_log_report(name, &rep);
	if (r >= 0 && (pvt_report_count(&rep, PVT_ST_CHANGED) || r > 0))
		pvt_log(LOG_INFO, "%s %s: tuned (%zu changed, %zu failed)", name, action,
			pvt_report_count(&rep, PVT_ST_CHANGED), pvt_report_count(&rep, PVT_ST_FAILED));
	pvt_report_free(&rep);
}

static int on_monitor(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct daemon *d = userdata;
	struct udev_device *dev;

	(void)s, (void)fd, (void)revents;
	while ((dev = udev_monitor_receive_device(d->mon))) {
		on_device(d, dev);
		udev_device_unref(dev);
	}
	return 0;
}

int daemon_udev_start(struct daemon *d, struct pvt_err *e)
{
	int r;

	d->udev = udev_new();
	if (!d->udev)
		return pvt_errf(e, "udev_new failed: %s", strerror(errno));
	d->mon = udev_monitor_new_from_netlink(d->udev, "udev");
	if (!d->mon)
		return pvt_errf(e, "cannot open the udev monitor: %s", strerror(errno));
	r = udev_monitor_filter_add_match_subsystem_devtype(d->mon, "block", "disk");
	if (r >= 0 && udev_monitor_set_receive_buffer_size(d->mon, d->cfg.udev_buffer_size) < 0)
		pvt_log(LOG_WARNING, "cannot set the udev receive buffer to %d bytes",
			d->cfg.udev_buffer_size);
	if (r >= 0)
		r = udev_monitor_enable_receiving(d->mon);
	if (r < 0)
		return pvt_errf(e, "cannot start the udev monitor: %s", strerror(-r));
	r = sd_event_add_io(d->event, &d->mon_src, udev_monitor_get_fd(d->mon), EPOLLIN,
			    on_monitor, d);
	if (r < 0)
		return pvt_errf(e, "cannot watch the udev monitor: %s", strerror(-r));
	return 0;
}

void daemon_udev_stop(struct daemon *d)
{
	d->mon_src = sd_event_source_unref(d->mon_src);
	if (d->mon)
		d->mon = udev_monitor_unref(d->mon);
	if (d->udev)
		d->udev = udev_unref(d->udev);
}
