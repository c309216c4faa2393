/* SPDX-License-Identifier: GPL-2.0-only */
/* args.c: recommended QEMU arguments and libvirt XML from a [qemu] section. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu/args.h"
#include "util/util.h"

struct buf {
	char *s;
	size_t n;
};

static void bprintf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *t;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&t, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	b->s = pvt_xrealloc(b->s, b->n + (size_t)n + 1);
	memcpy(b->s + b->n, t, (size_t)n + 1);
	b->n += (size_t)n;
	free(t);
}

char *pvt_qemu_io_cpus(const struct pvt_qemu_cfg *c, const char *online_cpus)
{
	struct pvt_cpuset on, out = {0};

	if (!c->io_set)
		return NULL;
	if (!c->io_auto)
		return pvt_cpulist_format(&c->io_cpus);
	if (!online_cpus || pvt_cpulist_parse(online_cpus, &on, NULL) < 0 || !c->vcpu_set)
		return NULL;
	for (int i = 0; i < PVT_MAX_CPUS; i++)
		out.cpu[i] = on.cpu[i] && !c->vcpu_cpus.cpu[i];
	return pvt_cpuset_count(&out) ? pvt_cpulist_format(&out) : NULL;
}

/* The aio mode to recommend: the first alternative, native by default. */
static void aio_mode(const struct pvt_qemu_cfg *c, char out[16])
{
	snprintf(out, 16, "%s", c->aio[0] ? c->aio : "native");
	out[strcspn(out, "|")] = 0;
}

static void poll_opts(struct buf *b, const struct pvt_qemu_cfg *c, const char *sep,
		      const char *fmt_max, const char *fmt_grow, const char *fmt_shrink)
{
	(void)sep;
	if (c->poll_max_ns >= 0)
		bprintf(b, fmt_max, (long long)c->poll_max_ns);
	if (c->poll_grow >= 0)
		bprintf(b, fmt_grow, (long long)c->poll_grow);
	if (c->poll_shrink >= 0)
		bprintf(b, fmt_shrink, (long long)c->poll_shrink);
}

char *pvt_qemu_args(const char *profile, const struct pvt_qemu_cfg *c, int ver,
		    const char *online_cpus)
{
	struct buf b = {0};
	char aio[16];
	char *io = pvt_qemu_io_cpus(c, online_cpus);
	int n = c->iothreads_per_disk;
	bool mapping = ver >= 90000;

	aio_mode(c, aio);
	bprintf(&b, "# %s: QEMU arguments for one virtio-blk disk (repeat with new ids per disk)\n", profile);
	if (!mapping && n > 1)
		bprintf(&b, "# QEMU %d.%d has no iothread-vq-mapping (9.0): one iothread for the disk\n",
			ver / 10000, ver / 100 % 100);
	if (!mapping)
		n = 1;
	for (int i = 0; i < n; i++) {
		bprintf(&b, "-object iothread,id=io%d", i);
		poll_opts(&b, c, ",", ",poll-max-ns=%lld", ",poll-grow=%lld", ",poll-shrink=%lld");
		bprintf(&b, "\n");
	}
	bprintf(&b, "-blockdev driver=file,node-name=file0,filename=DISK.img,cache.direct=on,aio=%s\n", aio);
	bprintf(&b, "-blockdev driver=raw,node-name=disk0,file=file0,cache.direct=on\n");
	if (mapping && n > 1) {
		bprintf(&b, "-device '{\"driver\":\"virtio-blk-pci\",\"drive\":\"disk0\",\"num-queues\":%d,\"iothread-vq-mapping\":[", n);
		for (int i = 0; i < n; i++)
			bprintf(&b, "%s{\"iothread\":\"io%d\"}", i ? "," : "", i);
		bprintf(&b, "]}'\n");
	} else {
		bprintf(&b, "-device virtio-blk-pci,drive=disk0,iothread=io0\n");
	}
	bprintf(&b, "-cpu host,+x2apic\n");
	bprintf(&b, "-qmp unix:/run/pvtune/qmp/VM.sock,server=on,wait=off\n");
	bprintf(&b, "# cache=none is cache.direct=on with no-flush off; -drive equivalent:\n"
		    "#   -drive if=none,id=disk0,file=DISK.img,format=raw,cache=none,aio=%s\n", aio);
	if (c->vcpu_set || io) {
		char *v = c->vcpu_set ? pvt_cpulist_format(&c->vcpu_cpus) : NULL;

		bprintf(&b, "# pvtuned pins at run time (the QMP socket above):%s%s%s%s\n",
			v ? " vCPUs on " : "", v ? v : "", io ? ", iothreads on " : "", io ? io : "");
		free(v);
	} else if (c->io_auto) {
		bprintf(&b, "# pvtuned pins the iothreads at run time to CPUs that run no vCPU\n");
	}
	free(io);
	return b.s;
}

/* libvirt versions (major*10000+minor*100+micro) where the XML grew what we print. */
#define LV_POLL		90400	/* <iothread><poll max grow shrink/>: libvirt 9.4.0 */
#define LV_DISK_IOTHREADS 100000	/* <driver queues><iothreads>: libvirt 10.0.0, QEMU 9.0 */

static bool any_poll(const struct pvt_qemu_cfg *c)
{
	return c->poll_max_ns >= 0 || c->poll_grow >= 0 || c->poll_shrink >= 0;
}

static void lv_header(struct buf *b, const char *profile, const struct pvt_libvirt_ver *lv)
{
	int v = lv->version ? lv->version : PVT_LIBVIRT_OLDEST;

	bprintf(b, "<!-- %s: libvirt domain XML for one virtio-blk disk (iothreads, iothreadids, "
		    "cputune, cpu: under <domain>; disk: under <devices>) -->\n", profile);
	if (lv->version)
		bprintf(b, "<!-- for libvirt %d.%d.%d (%s) -->\n", v / 10000, v / 100 % 100, v % 100,
			lv->source ? lv->source : "given");
	else
		bprintf(b, "<!-- libvirt version unknown (no PVTUNE_LIBVIRT_VERSION, virsh or libvirtd): "
			    "assuming %d.%d.%d, the oldest supported -->\n", v / 10000, v / 100 % 100, v % 100);
}

static void lv_iothreads(struct buf *b, const struct pvt_qemu_cfg *c, int n, bool poll)
{
	bprintf(b, "<iothreads>%d</iothreads>\n<iothreadids>\n", n);
	for (int i = 1; i <= n; i++) {
		bprintf(b, "  <iothread id=\"%d\"", i);
		if (poll) {
			bprintf(b, ">\n    <poll");
			poll_opts(b, c, " ", " max=\"%lld\"", " grow=\"%lld\"", " shrink=\"%lld\"");
			bprintf(b, "/>\n  </iothread>\n");
		} else {
			bprintf(b, "/>\n");
		}
	}
	bprintf(b, "</iothreadids>\n");
}

/*
 * Polling without <poll>: the live equivalent, virsh iothreadset (libvirt
 * 4.10). Its options start with "--", which an XML comment may not hold, so
 * the command is the text of an element in <metadata>.
 */
static void lv_live_poll(struct buf *b, const struct pvt_qemu_cfg *c, int n, int ver)
{
	bprintf(b, "<!-- libvirt %d.%d has no <poll> in <iothread> (libvirt 9.4.0): pvtuned's host mode "
		    "sets polling over QMP, or run the command below on the running domain -->\n<metadata>\n",
		ver / 10000, ver / 100 % 100);
	for (int i = 1; i <= n; i++) {
		bprintf(b, "  <pvtune:iothreadset xmlns:pvtune=\"%s\">virsh iothreadset DOMAIN %d", PVT_LIBVIRT_NS, i);
		poll_opts(b, c, " ", " --poll-max-ns %lld", " --poll-grow %lld", " --poll-shrink %lld");
		bprintf(b, "</pvtune:iothreadset>\n");
	}
	bprintf(b, "</metadata>\n");
}

static void lv_cputune(struct buf *b, const struct pvt_qemu_cfg *c, int n, const char *io)
{
	bprintf(b, "<cputune>\n");
	if (c->vcpu_set) {
		char *v = pvt_cpulist_format(&c->vcpu_cpus);

		bprintf(b, "  <vcpupin vcpu=\"0\" cpuset=\"%s\"/>  <!-- one per vCPU -->\n", v);
		free(v);
	}
	for (int i = 1; i <= n; i++) {
		if (io)
			bprintf(b, "  <iothreadpin iothread=\"%d\" cpuset=\"%s\"/>\n", i, io);
		else if (c->io_auto)
			bprintf(b, "  <!-- iothreadpin iothread=\"%d\": host CPUs that run no vCPU (set vcpu_cpus to compute them) -->\n", i);
	}
	bprintf(b, "</cputune>\n");
}

static void lv_disk(struct buf *b, const char *aio, int n)
{
	bprintf(b, "<disk type=\"file\" device=\"disk\">\n");
	if (n > 1) {
		bprintf(b, "  <driver name=\"qemu\" type=\"raw\" cache=\"none\" io=\"%s\" queues=\"%d\">\n"
			   "    <iothreads>", aio, n);
		for (int i = 1; i <= n; i++)
			bprintf(b, "<iothread id=\"%d\"/>", i);
		bprintf(b, "</iothreads>\n  </driver>\n");
	} else {
		bprintf(b, "  <driver name=\"qemu\" type=\"raw\" cache=\"none\" io=\"%s\" iothread=\"1\"/>\n", aio);
	}
	bprintf(b, "  <source file=\"/var/lib/libvirt/images/DISK.img\"/>\n  <target dev=\"vda\" bus=\"virtio\"/>\n</disk>\n");
}

char *pvt_libvirt_xml(const char *profile, const struct pvt_qemu_cfg *c,
		      const struct pvt_libvirt_ver *lv, const char *online_cpus)
{
	struct buf b = {0};
	char aio[16];
	char *io = pvt_qemu_io_cpus(c, online_cpus);
	int ver = lv->version ? lv->version : PVT_LIBVIRT_OLDEST;
	int n = c->iothreads_per_disk;
	bool poll = any_poll(c) && ver >= LV_POLL;

	aio_mode(c, aio);
	lv_header(&b, profile, lv);
	if (n > 1 && ver < LV_DISK_IOTHREADS) {
		bprintf(&b, "<!-- libvirt %d.%d has no <iothreads> in a disk's <driver> (libvirt 10.0.0, QEMU 9.0): "
			    "one iothread for the disk -->\n", ver / 10000, ver / 100 % 100);
		n = 1;
	}
	lv_iothreads(&b, c, n, poll);
	if (any_poll(c) && !poll)
		lv_live_poll(&b, c, n, ver);
	lv_cputune(&b, c, n, io);
	bprintf(&b, "<cpu mode=\"host-passthrough\">\n  <feature policy=\"require\" name=\"x2apic\"/>\n</cpu>\n");
	lv_disk(&b, aio, n);
	bprintf(&b, "<!-- pvtuned host mode: a QMP socket under /run/pvtune/qmp/ (qemu:commandline) -->\n");
	free(io);
	return b.s;
}
