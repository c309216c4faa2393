"""What newer kernels' virtio_blk does, pvblk does on the same kernel, in
one boot (q35, the disk behind a PCIe root port, 2 vCPUs, 4 device
queues):

- device reset: since 6.14 a virtio driver can quiesce before and recover
  after a PCI function level reset (reset_prepare / reset_done); the disk's
  data reads back after `echo 1 > /sys/bus/pci/devices/<dev>/reset`
  through virtio_blk, then through pvblk, and a write after it reaches the
  image. Kernels without the callbacks (virtio_device_reset_prepare not in
  kallsyms) skip this part: there an FLR leaves both drivers with a dead
  device.
- queue count: pvblk makes as many request queues as virtio_blk (since
  6.17 both ask blk_mq_num_possible_queues()), here one per vCPU.
"""

import hashlib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pvdisk import make_image, md5_file  # noqa: E402
from pvtest import timeout  # noqa: E402

GUEST = r"""
has() { grep -qw "$1" /proc/kallsyms; }
has virtio_device_reset_prepare && echo "feature reset"

modprobe virtio_blk
pv_wait_path() { i=0; while [ ! -e "$1" ]; do i=$((i + 1)); [ $i -lt 300 ] || return 1; sleep 0.1; done; }
pv_wait_path /sys/block/vda
V=$(basename "$(readlink -f /sys/block/vda/device)")
P=$(dirname "$(readlink -f /sys/block/vda/device)")
echo "virtio_blk queues $(ls /sys/block/vda/mq | wc -l)"
echo "virtio_blk md5 $(md5sum < /dev/vda | cut -d' ' -f1)"

flr() {	# flr DISK DRIVER: reset the function, read the whole disk back
	echo 1 > $P/reset
	echo "$2 after-reset md5 $(timeout 120 md5sum < /dev/$1 | cut -d' ' -f1)"
}
if has virtio_device_reset_prepare; then
	flr vda virtio_blk
fi

echo $V > /sys/bus/virtio/drivers/virtio_blk/unbind
insmod %(ko)s
pv_wait_path /sys/block/pvda
echo "pvblk queues $(ls /sys/block/pvda/mq | wc -l)"
cat /sys/block/pvda/pvblk/features
echo "pvblk md5 $(md5sum < /dev/pvda | cut -d' ' -f1)"
if has virtio_device_reset_prepare; then
	flr pvda pvblk
	dd if=/dev/urandom of=/tmp/w bs=64k count=1 2>/dev/null
	dd if=/tmp/w of=/dev/pvda bs=64k seek=8 oflag=direct conv=fsync 2>/dev/null
	echo "pvblk wrote $(md5sum < /tmp/w | cut -d' ' -f1)"
fi
cat /sys/block/pvda/pvblk/stats
"""


def field(log, key):
    m = re.findall(r"^%s (\S+)$" % re.escape(key), log, re.M)
    return m[-1] if m else None


@timeout(420)
def test_reset(ctx):
    vm = ctx.vm(timeout=360, machine="q35")
    img = make_image(vm.path("disk.img"), 16, pattern=True)
    md5 = md5_file(img)
    vm.extra += [
        "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x5",
        "-blockdev", "driver=file,filename=%s,node-name=f0" % img,
        "-blockdev", "driver=raw,file=f0,node-name=d0",
        "-device", "virtio-blk-pci,drive=d0,id=d0-dev,bus=rp0,num-queues=4",
    ]
    vm.script = GUEST % {"ko": ctx.module_path("pvblk")}
    with vm:
        res = vm.wait()
    log = res.script_log
    features = set(re.findall(r"^feature (\S+)$", log, re.M))
    print("    virtio reset callbacks: %s" % ("yes" if "reset" in features else "no"))

    vq, pq = field(log, "virtio_blk queues"), field(log, "pvblk queues")
    assert vq == "2" and pq == vq, "queues: virtio_blk %s, pvblk %s (2 vCPUs)" % (vq, pq)
    assert field(log, "virtio_blk md5") == md5 and field(log, "pvblk md5") == md5

    if "reset" in features:
        assert field(log, "virtio_blk after-reset md5") == md5, "virtio_blk lost the disk in a reset"
        assert field(log, "pvblk after-reset md5") == md5, "pvblk lost the disk in a reset"
        wrote = field(log, "pvblk wrote")
        with open(img, "rb") as f:
            f.seek(8 * 65536)
            assert hashlib.md5(f.read(65536)).hexdigest() == wrote, \
                "a write after the reset did not reach the image"
        assert "restored with" in res.dmesg, "pvblk's reset_done did not run"
    else:
        print("    no virtio reset callbacks in this kernel: reset not tested")
