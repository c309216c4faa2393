/* SPDX-License-Identifier: GPL-2.0-only */
/* test_args.c: `pvtune-adm qemu-args` and `libvirt-xml` text, by QEMU and libvirt version. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "qemu/args.h"
#include "qemu/version.h"

static void test_args(void **state)
{
	struct pvt_qemu_cfg c;
	char *s;

	(void)state;
	pvt_qemu_cfg_init(&c);
	c.io_set = c.io_auto = true;
	c.vcpu_set = true;
	pvt_cpulist_parse("0-3", &c.vcpu_cpus, NULL);
	c.poll_max_ns = 65536;
	c.iothreads_per_disk = 2;
	s = pvt_qemu_args("p", &c, 70200, "0-7");
	assert_non_null(strstr(s, "-object iothread,id=io0,poll-max-ns=65536\n"));
	assert_null(strstr(s, "io1"));		/* 7.2: no iothread-vq-mapping */
	assert_non_null(strstr(s, "cache.direct=on,aio=native"));
	assert_non_null(strstr(s, "-device virtio-blk-pci,drive=disk0,iothread=io0\n"));
	assert_non_null(strstr(s, "-cpu host,+x2apic"));
	assert_non_null(strstr(s, "vCPUs on 0-3, iothreads on 4-7"));
	free(s);
	s = pvt_qemu_args("p", &c, 90000, "0-7");
	assert_non_null(strstr(s, "\"iothread-vq-mapping\":[{\"iothread\":\"io0\"},{\"iothread\":\"io1\"}]"));
	free(s);
	s = pvt_libvirt_xml("p", &c, &(struct pvt_libvirt_ver){ 100000, "test" }, "0-7");
	assert_non_null(strstr(s, "<!-- for libvirt 10.0.0 (test) -->"));
	assert_non_null(strstr(s, "<iothreads>2</iothreads>"));
	assert_non_null(strstr(s, "<poll max=\"65536\"/>"));
	assert_non_null(strstr(s, "<iothreadpin iothread=\"2\" cpuset=\"4-7\"/>"));
	assert_non_null(strstr(s, "<vcpupin vcpu=\"0\" cpuset=\"0-3\"/>"));
	assert_non_null(strstr(s, "cache=\"none\" io=\"native\" queues=\"2\""));
	assert_non_null(strstr(s, "name=\"x2apic\""));
	free(s);
}

static void test_version_parse(void **state)
{
	(void)state;
	assert_int_equal(pvt_version_parse("9.0.0\n"), 90000);
	assert_int_equal(pvt_version_parse("9.4"), 90400);
	assert_int_equal(pvt_version_parse("libvirtd (libvirt) 10.10.1"), 101001);
	assert_int_equal(pvt_version_parse("QEMU emulator version 7.2.19 (Debian)"), 70219);
	assert_int_equal(pvt_version_parse("9"), 0);
	assert_int_equal(pvt_version_parse("nine"), 0);
	assert_int_equal(pvt_version_parse("9.x"), 0);
	assert_int_equal(pvt_version_parse(""), 0);
	assert_int_equal(pvt_version_parse(NULL), 0);
}

/* One iothread with polling, as pvblk-host; the element switches at 9.4.0. */
static char *lv_xml(struct pvt_qemu_cfg *c, int version)
{
	pvt_qemu_cfg_init(c);
	c->poll_max_ns = 32768;
	c->poll_grow = 0;
	c->poll_shrink = 0;
	return pvt_libvirt_xml("p", c, &(struct pvt_libvirt_ver){ version, "test" }, "0-3");
}

static void test_libvirt_versions(void **state)
{
	struct pvt_qemu_cfg c;
	char *s;

	(void)state;
	s = lv_xml(&c, 90400);
	assert_non_null(strstr(s, "<iothread id=\"1\">\n    <poll max=\"32768\" grow=\"0\" shrink=\"0\"/>\n  </iothread>\n"));
	assert_null(strstr(s, "iothreadset"));
	assert_null(strstr(s, "<metadata>"));
	free(s);
	s = lv_xml(&c, 90300);
	assert_null(strstr(s, "<poll "));
	assert_non_null(strstr(s, "  <iothread id=\"1\"/>\n"));
	assert_non_null(strstr(s, "libvirt 9.3 has no <poll> in <iothread> (libvirt 9.4.0)"));
	assert_non_null(strstr(s, ">virsh iothreadset DOMAIN 1 --poll-max-ns 32768 --poll-grow 0 --poll-shrink 0</pvtune:iothreadset>"));
	free(s);
	s = lv_xml(&c, 0);	/* unknown: the oldest, 9.0.0 */
	assert_non_null(strstr(s, "libvirt version unknown"));
	assert_non_null(strstr(s, "assuming 9.0.0, the oldest supported"));
	assert_null(strstr(s, "<poll "));
	assert_non_null(strstr(s, "virsh iothreadset DOMAIN 1 --poll-max-ns 32768"));
	free(s);
	pvt_qemu_cfg_init(&c);	/* no polling asked: neither <poll> nor iothreadset */
	s = pvt_libvirt_xml("p", &c, &(struct pvt_libvirt_ver){ 90000, "test" }, "0-3");
	assert_null(strstr(s, "iothreadset"));
	assert_null(strstr(s, "<poll "));
	free(s);
	c.iothreads_per_disk = 2;	/* several iothreads per disk need 10.0.0 */
	s = pvt_libvirt_xml("p", &c, &(struct pvt_libvirt_ver){ 90400, "test" }, "0-3");
	assert_non_null(strstr(s, "no <iothreads> in a disk's <driver> (libvirt 10.0.0, QEMU 9.0)"));
	assert_non_null(strstr(s, "<iothreads>1</iothreads>"));
	assert_non_null(strstr(s, "iothread=\"1\"/>"));
	assert_null(strstr(s, "queues="));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_version_parse),
		cmocka_unit_test(test_libvirt_versions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
