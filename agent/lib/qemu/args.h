/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * args.h: what a [qemu] section recommends for starting a VM: a QEMU
 * command-line fragment (`pvtune-adm qemu-args`) and its libvirt domain XML
 * equivalent (`pvtune-adm libvirt-xml`).
 */
#ifndef PVT_QEMU_ARGS_H
#define PVT_QEMU_ARGS_H

#include "units/qemu.h"

/* QEMU_VERSION as major*10000+minor*100 (0: unknown, assume the oldest). */
char *pvt_qemu_args(const char *profile, const struct pvt_qemu_cfg *c, int qemu_version,
		    const char *online_cpus);

/* libvirt's version as major*10000+minor*100+micro, and where it came from. */
struct pvt_libvirt_ver {
	int version;		/* 0: unknown, assume PVT_LIBVIRT_OLDEST */
	const char *source;	/* "PVTUNE_LIBVIRT_VERSION", "virsh --version", ... */
};
#define PVT_LIBVIRT_OLDEST 90000	/* Debian 12's libvirt 9.0.0 */
#define PVT_LIBVIRT_NS "urn:pvtune:libvirt-xml:1"	/* our <metadata> elements */

/* The XML for the libvirt version: <poll> from 9.4.0, else its live equivalent. */
char *pvt_libvirt_xml(const char *profile, const struct pvt_qemu_cfg *c,
		      const struct pvt_libvirt_ver *lv, const char *online_cpus);
/* The iothread CPUs to recommend: the list, or for auto online minus vcpu_cpus. */
char *pvt_qemu_io_cpus(const struct pvt_qemu_cfg *c, const char *online_cpus);
#endif
