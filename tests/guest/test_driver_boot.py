"""A boot with a pvblk disk and nothing else: busybox in the initramfs, no
host root, no 9p (VM mode "initramfs"). It is the guest test of kernels
built without 9p (Debian's cloud flavour, role "boot" in
scripts/kernels.conf) and runs on every kernel of the matrix.

The host fills the start of a disk image with random data; the guest loads
pvblk.ko, reads that data through /dev/pvda, writes other data further on
with O_DIRECT and a flush, reads it back past the page cache, shows the
queue counters and unloads the driver. The host then checks each digest
against its own data and finds the written data in the image."""

import hashlib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pvdisk import disk  # noqa: E402
from pvtest import timeout  # noqa: E402

MIB = 1 << 20
WRITE_AT_MIB = 32

SCRIPT = r"""
insmod /pvtest/pvblk.ko
i=0
while [ ! -b /dev/pvda ]; do
	i=$((i + 1))
	[ $i -lt 300 ] || { echo "no /dev/pvda 30 s after insmod"; exit 1; }
	sleep 0.1
done
echo "size $(cat /sys/block/pvda/size)"
echo "read $(dd if=/dev/pvda bs=1M count=1 2>/dev/null | sha256sum | cut -d' ' -f1)"
dd if=/pvtest/wdata of=/dev/pvda bs=1M seek=%(at)d oflag=direct conv=fsync 2>/dev/null
blockdev --flushbufs /dev/pvda
echo 3 > /proc/sys/vm/drop_caches
echo "reread $(dd if=/dev/pvda bs=1M skip=%(at)d count=1 2>/dev/null | sha256sum | cut -d' ' -f1)"
cat /sys/block/pvda/pvblk/stats
rmmod pvblk
[ ! -e /sys/block/pvda ] || { echo "pvda still there after rmmod"; exit 1; }
echo unloaded
"""


def counters(text, key):
    return [int(v) for v in re.findall(r"\b%s=(\d+)" % key, text)]


@timeout(300)
def test_boot_pvblk_disk(ctx):
    head = os.urandom(MIB)
    wdata = os.urandom(MIB)
    vm = ctx.vm(mode="initramfs", timeout=240,
                files={"pvblk.ko": ctx.module_path("pvblk")})
    img = vm.path("disk.img")
    with open(img, "wb") as f:
        f.write(head)
        f.truncate(64 * MIB)
    with open(vm.path("wdata"), "wb") as f:
        f.write(wdata)
    vm.files["wdata"] = vm.path("wdata")
    vm.extra += disk("d0", 0x5, image=img, dev={"serial": "BOOT0"})
    vm.script = SCRIPT % {"at": WRITE_AT_MIB}
    with vm:
        res = vm.wait()
    log = res.script_log
    sha = lambda b: hashlib.sha256(b).hexdigest()  # noqa: E731
    assert "size %d" % (64 * MIB // 512) in log, log
    assert "read " + sha(head) in log, "the guest read other data than the image's"
    assert "reread " + sha(wdata) in log, "the written data did not read back"
    with open(img, "rb") as f:
        f.seek(WRITE_AT_MIB * MIB)
        assert f.read(MIB) == wdata, "the guest's write did not reach the image"
    reqs, done = counters(log, "requests"), counters(log, "completions")
    assert reqs and sum(reqs) > 0, "no stats line with requests: %s" % log
    assert sum(done) == sum(reqs), "requests %s, completions %s" % (reqs, done)
    assert "unloaded" in log
