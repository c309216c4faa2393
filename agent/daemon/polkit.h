/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * polkit.h: may the caller of a D-Bus method do what it asks? Root may;
 * anyone else only if polkit's authority says so for the method's action
 * (org.pvblk.pvtune1.policy: org.pvblk.pvtune1.profile, .off), asked over
 * D-Bus (CheckAuthorization), without blocking the event loop. The caller's
 * uid is the bus's (its credentials, as the bus daemon saw them at connect),
 * never read from /proc: there is no fallback that a process exiting and
 * its pid being reused could fool. No polkit on the bus: non-root is denied.
 */
#ifndef PVT_DAEMON_POLKIT_H
#define PVT_DAEMON_POLKIT_H

#include <stdbool.h>
#include <systemd/sd-bus.h>

/* @ok: allowed; else @why says why not (valid during the call). */
typedef void (*polkit_done_fn)(sd_bus_message *m, bool ok, const char *why, void *ud);

/*
 * Check the caller of @m for @action. Root: @done is called at once.
 * Otherwise polkit is asked and @done is called from the event loop with
 * its answer (interactive authentication if the caller allowed it). Returns
 * 0, or -errno (the bus gave no effective uid, or polkit could not be
 * asked): @done is then not called.
 */
int polkit_check(sd_bus_message *m, const char *action, polkit_done_fn done, void *ud);

#endif
