/* SPDX-License-Identifier: GPL-2.0-only */
/* udev.h: the block-device monitor (udev.c), started and stopped by main.c. */
#ifndef PVT_DAEMON_UDEV_H
#define PVT_DAEMON_UDEV_H

#include "manager.h"

int daemon_udev_start(struct manager *m, struct pvt_err *e);
void daemon_udev_stop(struct manager *m);

#endif
