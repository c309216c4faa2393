/*
 * bus_api.h: pvtuned's D-Bus interface, the contract between the daemon
 * (daemon/bus.c serves it) and pvtune-adm (adm/bus.c calls it). Profile,
 * Off and Verify answer "bsa(ssssssss)": ok, a message, and the report's
 * items (unit, device, key, path, expected, actual, status, note).
 */
#ifndef PVT_OPS_BUS_API_H
#define PVT_OPS_BUS_API_H

#define PVT_BUS_NAME "org.pvblk.pvtune1"
#define PVT_BUS_PATH "/org/pvblk/pvtune1"
#define PVT_BUS_IFACE "org.pvblk.pvtune1"
/* polkit's actions (org.pvblk.pvtune1.policy) for non-root callers */
#define PVT_POLKIT_PROFILE "org.pvblk.pvtune1.profile"
#define PVT_POLKIT_OFF "org.pvblk.pvtune1.off"

#endif
