/* SPDX-License-Identifier: GPL-2.0-only */
/* config.h: pvtuned's configuration, /etc/pvtune/pvtuned.conf. */
#ifndef PVT_DAEMON_CONFIG_H
#define PVT_DAEMON_CONFIG_H

#include <stdbool.h>

#include "util/ctx.h"

#define PVT_DAEMON_CONF PVT_CONF_DIR "/pvtuned.conf"
#define PVT_DEFAULT_QMP_SOCKETS PVT_STATE_DIR "/qmp/*.sock"

struct daemon_config {
	bool rollback_on_exit;		/* rollback=auto (default) | not_on_exit */
	int udev_buffer_size;		/* bytes */
	char *default_profile;		/* applied when none is active; NULL: none */
	char *qmp_sockets;		/* host mode: blank-separated globs; "": off */
	char *qmp_users;		/* users besides root whose QMP sockets are tuned */
	int qmp_timeout_ms;		/* QMP greeting and each command */
	unsigned writers;		/* threads writing block devices' nodes */
};

/*
 * Read @path (resolved under the root); a missing file gives the defaults
 * if @optional, else it is an error naming the file.
 */
int daemon_config_load(const struct pvt_ctx *ctx, const char *path, bool optional,
		       struct daemon_config *cfg, struct pvt_err *e);
void daemon_config_free(struct daemon_config *cfg);

#endif
