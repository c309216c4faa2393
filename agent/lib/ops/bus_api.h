/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bus_api.h: pvtuned's D-Bus interface, the contract between the daemon
 * (daemon/bus.c serves it) and pvtune-adm (adm/bus.c calls it). Profile,
 * AutoProfile, Off and Verify answer "bsa(ssssssss)": ok, a message, and
 * the report's items (unit, device, key, path, expected, actual, status,
 * note). An error is one of the names below, by what it means (ops.h):
 * the caller's exit code follows from it.
 */
#ifndef PVT_OPS_BUS_API_H
#define PVT_OPS_BUS_API_H

#define PVT_BUS_NAME "org.pvblk.pvtune1"
#define PVT_BUS_PATH "/org/pvblk/pvtune1"
#define PVT_BUS_IFACE "org.pvblk.pvtune1"
/* polkit's actions (org.pvblk.pvtune1.policy) for non-root callers */
#define PVT_POLKIT_PROFILE "org.pvblk.pvtune1.profile"
#define PVT_POLKIT_AUTO_PROFILE "org.pvblk.pvtune1.auto-profile"
#define PVT_POLKIT_OFF "org.pvblk.pvtune1.off"

/* no such profile, no active profile, none recommended (-ENOENT) */
#define PVT_BUS_ERROR_NOT_FOUND PVT_BUS_IFACE ".Error.NotFound"
/* a profile that does not load or fit the devices: nothing changed (-EINVAL) */
#define PVT_BUS_ERROR_INVALID PVT_BUS_IFACE ".Error.Invalid"
/* anything else (and org.freedesktop.DBus.Error.AccessDenied: not allowed) */
#define PVT_BUS_ERROR_FAILED PVT_BUS_IFACE ".Error.Failed"

#endif
