/*
 * qemu_args.h: what a [qemu] section recommends for starting a VM: a QEMU
 * command-line fragment (`pvtune-adm qemu-args`) and its libvirt domain XML
 * equivalent (`pvtune-adm libvirt-xml`).
 */
#ifndef PVT_QEMU_ARGS_H
#define PVT_QEMU_ARGS_H

#include "qemu_cfg.h"

/* QEMU_VERSION as major*10000+minor*100 (0: unknown, assume the oldest). */
char *pvt_qemu_args(const char *profile, const struct pvt_qemu_cfg *c, int qemu_version,
		    const char *online_cpus);
char *pvt_libvirt_xml(const char *profile, const struct pvt_qemu_cfg *c,
		      const char *online_cpus);
/* The iothread CPUs to recommend: the list, or for auto online minus vcpu_cpus. */
char *pvt_qemu_io_cpus(const struct pvt_qemu_cfg *c, const char *online_cpus);
/* `qemu-system-x86_64 --version` of this host, or 0. */
int pvt_qemu_local_version(void);

#endif
