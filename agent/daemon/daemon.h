/* daemon.h: pvtuned's context, the only mutable state of the daemon. */
#ifndef PVT_DAEMON_H
#define PVT_DAEMON_H

#include <libudev.h>
#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "util/ctx.h"
#include "engine/report.h"
#include "engine/store.h"

#define PVT_DAEMON_CONF PVT_CONF_DIR "/pvtuned.conf"
#define PVT_PID_FILE PVT_STATE_DIR "/pvtuned.pid"
#define PVT_DEFAULT_QMP_SOCKETS PVT_STATE_DIR "/qmp/*.sock"

struct daemon_config {
	bool rollback_on_exit;		/* rollback=auto (default) | not_on_exit */
	int udev_buffer_size;		/* bytes */
	char *default_profile;		/* applied when none is active; NULL: none */
	char *qmp_sockets;		/* host mode: blank-separated globs; "": off */
	int qmp_timeout_ms;		/* QMP greeting and each command */
	unsigned writers;		/* threads writing block devices' nodes */
};

struct host;

struct daemon {
	struct pvt_ctx ctx;
	struct pvt_store store;
	struct daemon_config cfg;
	sd_event *event;
	sd_bus *bus;
	struct udev *udev;
	struct udev_monitor *mon;
	sd_event_source *mon_src;
	struct host *host;		/* host mode (daemon_host.c), or NULL */
};

/* Read @path (under the root); a missing file gives the defaults. */
int daemon_config_load(const struct pvt_ctx *ctx, const char *path, struct daemon_config *cfg,
		       struct pvt_err *e);
void daemon_config_free(struct daemon_config *cfg);

int daemon_bus_start(struct daemon *d, struct pvt_err *e);
void daemon_bus_emit_changed(struct daemon *d, const char *name, bool ok, const char *msg);
int daemon_udev_start(struct daemon *d, struct pvt_err *e);
void daemon_udev_stop(struct daemon *d);

/* Host mode: QMP sockets found and watched, each VM tuned (daemon_host.c). */
int daemon_host_start(struct daemon *d, struct pvt_err *e);
/* Restore each VM's originals, then apply the now active profile's [qemu]. */
void daemon_host_profile_changed(struct daemon *d);
/*
 * The same for D-Bus calls: Profile (restore, then apply), Off (restore),
 * Verify. The reply to @m waits until every connected VM is done and lists
 * @guest's items (@guest_r its result: 0, 1, or -1) then the VMs'. Return 1
 * when the reply is left to host mode, 0 when no VM is known (the caller
 * replies).
 */
int daemon_host_profile(struct daemon *d, sd_bus_message *m, int guest_r,
			const struct pvt_report *guest);
int daemon_host_off(struct daemon *d, sd_bus_message *m, int guest_r,
		    const struct pvt_report *guest);
int daemon_host_verify(struct daemon *d, sd_bus_message *m, int guest_r,
		       const struct pvt_report *guest);
/*
 * On SIGTERM with rollback: restore every VM's originals, then exit the loop
 * (at most 5 s). Returns 1 if that started, 0 if there is nothing to restore.
 */
int daemon_host_begin_exit(struct daemon *d);
/* Forget the VMs (their saved originals stay on disk) and stop watching. */
void daemon_host_stop(struct daemon *d);
/* Reply to a Profile/Off/Verify call with a report (daemon_bus.c). */
int daemon_bus_reply_report(sd_bus_message *m, int r, const struct pvt_report *rep,
			    const char *msg);

/*
 * The rollback store, re-read from /run/pvtune/saved.json before each
 * operation: the file is always current (it is written before every change),
 * and `pvtune-adm --no-daemon` may have changed it meanwhile.
 */
struct pvt_store *daemon_store(struct daemon *d);

/* Log every item of @rep that is not plain "ok" (daemon side). */
void daemon_log_report(const char *what, const struct pvt_report *rep);

#endif
