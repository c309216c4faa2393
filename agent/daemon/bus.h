/* SPDX-License-Identifier: GPL-2.0-only */
/* bus.h: pvtuned's D-Bus interface (bus.c), started and stopped by main.c. */
#ifndef PVT_DAEMON_BUS_H
#define PVT_DAEMON_BUS_H

#include "manager.h"

/* Connect to the system bus, serve the interface, own the name. */
int daemon_bus_start(struct manager *m, struct pvt_err *e);
void daemon_bus_stop(struct manager *m);

#endif
