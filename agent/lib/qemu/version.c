/* SPDX-License-Identifier: GPL-2.0-only */
/* version.c: QEMU's and libvirt's versions, parsed or asked of the local commands. */
#include <stdio.h>
#include <string.h>

#include "qemu/version.h"

int pvt_version_parse(const char *s)
{
	int ma, mi, mu = 0, n = 0;

	if (!s)
		return 0;
	s += strcspn(s, "0123456789");
	if (sscanf(s, "%d.%d%n", &ma, &mi, &n) != 2 || ma < 0 || mi < 0 || mi > 99 || ma > 999)
		return 0;
	if (s[n] == '.' && (sscanf(s + n, ".%d", &mu) != 1 || mu < 0 || mu > 99))
		return 0;
	return ma * 10000 + mi * 100 + mu;
}

/* The version in the first line that CMD prints, or 0. */
static int probe_version(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char line[256];
	int v = 0;

	if (!p)
		return 0;
	if (fgets(line, sizeof(line), p))
		v = pvt_version_parse(line);
	pclose(p);
	return v;
}

int pvt_libvirt_local_version(const char **source)
{
	static const char *const cmds[][2] = {
		{ "virsh --version 2>/dev/null", "virsh --version" },
		{ "libvirtd --version 2>/dev/null", "libvirtd --version" },
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		int v = probe_version(cmds[i][0]);

		if (v) {
			*source = cmds[i][1];
			return v;
		}
	}
	*source = NULL;
	return 0;
}

int pvt_qemu_local_version(void)
{
	FILE *p = popen("qemu-system-x86_64 --version 2>/dev/null", "r");
	int ma = 0, mi = 0, v = 0;
	char line[256];

	if (!p)
		return 0;
	if (fgets(line, sizeof(line), p) && sscanf(line, "QEMU emulator version %d.%d", &ma, &mi) == 2)
		v = ma * 10000 + mi * 100;
	pclose(p);
	return v;
}
