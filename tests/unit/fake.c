/* SPDX-License-Identifier: GPL-2.0-only */
/* fake.c: a fake system tree in a temporary directory. */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake.h"
#include "util/util.h"

char *fake_new(void)
{
	char tmpl[] = "/tmp/pvtune-test.XXXXXX";

	if (!mkdtemp(tmpl))
		abort();
	return pvt_xstrdup(tmpl);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	chmod(p, 0700);
	return remove(p);
}

void fake_rmtree(const char *root)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void fake_free(char *root)
{
	fake_rmtree(root);
	free(root);
}

void fake_mkdir(const char *root, const char *path)
{
	if (pvt_mkdir_p(root, path, NULL) < 0)
		abort();
}

void fake_write(const char *root, const char *path, const char *content)
{
	char *dir = pvt_xstrdup(path), *full = pvt_rooted(root, path);
	FILE *f;

	*strrchr(dir, '/') = '\0';
	if (*dir)
		fake_mkdir(root, dir);
	f = fopen(full, "w");
	if (!f)
		abort();
	fprintf(f, "%s\n", content);
	fclose(f);
	free(dir);
	free(full);
}

char *fake_read(const char *root, const char *path)
{
	char *out = NULL;

	if (pvt_read_file(root, path, &out, NULL) < 0)
		return NULL;
	return out;
}

void fake_remove(const char *root, const char *path)
{
	char *full = pvt_rooted(root, path);

	nftw(full, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(full);
}

void fake_disk(const char *root, const char *name, const char *sched)
{
	static const char *const files[][2] = {
		{ "read_ahead_kb", "128" }, { "nr_requests", "256" }, { "rq_affinity", "1" },
		{ "nomerges", "0" }, { "add_random", "1" }, { "iostats", "1" },
		{ "max_sectors_kb", "1280" }, { "max_hw_sectors_kb", "4096" },
	};
	char *p;

	p = pvt_xasprintf("/sys/block/%s/device", name);
	fake_mkdir(root, p);
	free(p);
	p = pvt_xasprintf("/sys/block/%s/removable", name);
	fake_write(root, p, "0");
	free(p);
	p = pvt_xasprintf("/sys/block/%s/queue/scheduler", name);
	fake_write(root, p, sched);
	free(p);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		p = pvt_xasprintf("/sys/block/%s/queue/%s", name, files[i][0]);
		fake_write(root, p, files[i][1]);
		free(p);
	}
}

void fake_pvblk(const char *root, const char *name)
{
	static const char *const t[] = { "poll_max_usecs", "irq_moderation", "batch_kicks" };

	for (size_t i = 0; i < 3; i++) {
		char *p = pvt_xasprintf("/sys/block/%s/pvblk/%s", name, t[i]);

		fake_write(root, p, "0");
		free(p);
	}
}

void fake_profile(const char *root, const char *name, const char *text)
{
	char *p = pvt_xasprintf("/usr/lib/pvtune/profiles/%s/tuned.conf", name);

	fake_write(root, p, text);
	free(p);
}

void fake_system(const char *root)
{
	fake_write(root, "/proc/cpuinfo",
		   "processor\t: 0\nflags\t\t: fpu apic x2apic hypervisor\n\n"
		   "processor\t: 1\nflags\t\t: fpu apic x2apic hypervisor");
	fake_write(root, "/proc/cmdline", "root=/dev/vda1");
	fake_write(root, "/sys/devices/system/cpu/online", "0-1");
	fake_write(root, "/proc/sys/vm/dirty_ratio", "20");
	fake_write(root, "/proc/sys/vm/dirty_background_ratio", "10");
	fake_write(root, "/proc/sys/vm/swappiness", "60");
	fake_write(root, "/proc/sys/net/core/somaxconn", "4096");
	fake_write(root, "/proc/sys/net/ipv4/tcp_rmem", "4096\t131072\t6291456");
	fake_write(root, "/sys/kernel/mm/transparent_hugepage/enabled",
		   "always [madvise] never");
	fake_write(root, "/proc/interrupts",
		   "           CPU0       CPU1\n"
		   "  0:         40          0   IO-APIC   2-edge      timer\n"
		   " 24:          0          0   PCI-MSI 65536-edge      virtio0-config\n"
		   " 25:        100          0   PCI-MSI 65537-edge      virtio0-req.0\n"
		   " 26:          0        100   PCI-MSI 65538-edge      virtio0-req.1\n"
		   " 27:          0        100   PCI-MSI 65539-edge      virtio0-req.2\n"
		   "NMI:          0          0   Non-maskable interrupts");
	for (int i = 24; i <= 27; i++) {
		char *p = pvt_xasprintf("/proc/irq/%d/smp_affinity_list", i);

		fake_write(root, p, "0-1");
		free(p);
	}
	fake_mkdir(root, "/etc/pvtune");
	fake_mkdir(root, "/run");
}

void fake_ctx(struct pvt_ctx *ctx, const char *root)
{
	pvt_ctx_init(ctx, root);
}

struct fake_env *fake_env_new(void)
{
	struct fake_env *t = pvt_xcalloc(1, sizeof(*t));

	t->root = fake_new();
	fake_system(t->root);
	fake_ctx(&t->ctx, t->root);
	return t;
}

void fake_env_free(struct fake_env *t)
{
	pvt_plan_free(&t->plan);
	pvt_report_free(&t->rep);
	pvt_store_free(&t->store);
	pvt_ctx_free(&t->ctx);
	fake_free(t->root);
	free(t);
}
