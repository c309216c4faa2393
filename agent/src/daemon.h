/* daemon.h: pvtuned's context, the only mutable state of the daemon. */
#ifndef PVT_DAEMON_H
#define PVT_DAEMON_H

#include <libudev.h>
#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "ctx.h"
#include "report.h"
#include "store.h"

#define PVT_DAEMON_CONF PVT_CONF_DIR "/pvtuned.conf"
#define PVT_PID_FILE PVT_STATE_DIR "/pvtuned.pid"

struct daemon_config {
	bool rollback_on_exit;		/* rollback=auto (default) | not_on_exit */
	int udev_buffer_size;		/* bytes */
	char *default_profile;		/* applied when none is active; NULL: none */
};

struct daemon {
	struct pvt_ctx ctx;
	struct pvt_store store;
	struct daemon_config cfg;
	sd_event *event;
	sd_bus *bus;
	struct udev *udev;
	struct udev_monitor *mon;
	sd_event_source *mon_src;
};

/* Read @path (under the root); a missing file gives the defaults. */
int daemon_config_load(const struct pvt_ctx *ctx, const char *path, struct daemon_config *cfg,
		       struct pvt_err *e);
void daemon_config_free(struct daemon_config *cfg);

int daemon_bus_start(struct daemon *d, struct pvt_err *e);
void daemon_bus_emit_changed(struct daemon *d, const char *name, bool ok, const char *msg);
int daemon_udev_start(struct daemon *d, struct pvt_err *e);
void daemon_udev_stop(struct daemon *d);

/*
 * The rollback store, re-read from /run/pvtune/saved.json before each
 * operation: the file is always current (it is written before every change),
 * and `pvtune-adm --no-daemon` may have changed it meanwhile.
 */
struct pvt_store *daemon_store(struct daemon *d);

/* Log every item of @rep that is not plain "ok" (daemon side). */
void daemon_log_report(const char *what, const struct pvt_report *rep);

#endif
