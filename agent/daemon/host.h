/* SPDX-License-Identifier: GPL-2.0-only */
/* host.h: host mode, VMs tuned over QMP (host.c), started and stopped by main.c. */
#ifndef PVT_DAEMON_HOST_H
#define PVT_DAEMON_HOST_H

#include "manager.h"

/* QMP sockets found and watched, each VM tuned; sets the manager's vms hook. */
int daemon_host_start(struct manager *m, struct pvt_err *e);
/*
 * On SIGTERM with rollback: restore every VM's originals, then exit the loop
 * (at most 5 s). Returns 1 if that started, 0 if there is nothing to restore.
 */
int daemon_host_begin_exit(struct manager *m);
/* Forget the VMs (their saved originals stay on disk) and stop watching. */
void daemon_host_stop(struct manager *m);

#endif
