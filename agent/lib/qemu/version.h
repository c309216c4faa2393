/* SPDX-License-Identifier: GPL-2.0-only */
/* version.h: versions as major*10000+minor*100+micro, parsed or asked of the local commands. */
#ifndef PVT_QEMU_VERSION_H
#define PVT_QEMU_VERSION_H

/* `qemu-system-x86_64 --version` of this host, or 0. */
int pvt_qemu_local_version(void);
/* The first "MAJOR.MINOR[.MICRO]" in S as major*10000+minor*100+micro, or 0. */
int pvt_version_parse(const char *s);
/* `virsh --version`, else `libvirtd --version`, or 0; *source names the command. */
int pvt_libvirt_local_version(const char **source);

#endif
