"""dkms in a systemd guest: `make dkms-install` adds, builds and installs
driver/ for the running kernel; `modprobe pvblk` then binds a disk that
udev had given to virtio_blk at boot; with the README's softdep a
hot-plugged disk goes to pvblk; `make dkms-remove` takes it away."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pvdisk import disk, make_image  # noqa: E402
from pvtest import has_host_headers, kernels, mode, timeout  # noqa: E402

GUEST = r"""
set -e
. %(top)s/tests/guest/pvblk-lib.sh
KVER=$(uname -r)
udevadm settle -t 60
# udev autoloaded virtio_blk for the disk at boot
pv_wait_path /sys/bus/virtio/devices/$(pv_virtio_of_slot 0x10)/driver 60
test "$(pv_driver_of_slot 0x10)" = virtio_blk
md5sum < /dev/$(pv_disk_of_slot 0x10) | cut -d' ' -f1 > /pvtest/md5-virtio_blk

# the guest's root is a tmpfs overlay: a private copy of the tree to build in
mkdir -p /tmp/src
cp -a %(top)s/driver %(top)s/Makefile %(top)s/scripts %(top)s/debian /tmp/src/
make -C /tmp/src dkms-install KVER=$KVER 2>&1 | tail -n 20
dkms status -m pvblk | tee /pvtest/dkms-status
grep -q "installed" /pvtest/dkms-status
modinfo -F filename pvblk | tee /pvtest/modinfo
grep -q "/updates/dkms/pvblk.ko" /pvtest/modinfo
test "$(modinfo -F version pvblk)" = "$(%(top)s/scripts/version.sh)"
# A kernel older than the oldest supported (dkms.conf's
# BUILD_EXCLUSIVE_KERNEL) is refused before any build, with status 77.
rc=0
dkms build -m pvblk -v "$(modinfo -F version pvblk)" -k 5.10.0-30-amd64 > /pvtest/dkms-old 2>&1 || rc=$?
cat /pvtest/dkms-old
test $rc = 77
grep -q "BUILD_EXCLUSIVE directive which does not match this kernel" /pvtest/dkms-old

modprobe -r virtio_blk
modprobe pvblk
pv_wait_path /sys/bus/virtio/devices/$(pv_virtio_of_slot 0x10)/block 30
test "$(pv_driver_of_slot 0x10)" = pvblk
D=$(pv_disk_of_slot 0x10)
case "$D" in pvd?) ;; *) echo "pvblk gave $D"; exit 1 ;; esac
udevadm settle -t 30
md5sum < /dev/$D | cut -d' ' -f1 > /pvtest/md5-pvblk
cmp /pvtest/md5-virtio_blk /pvtest/md5-pvblk
cat /sys/block/$D/pvblk/stats

# The README's way to give new virtio disks to pvblk: a softdep. With
# neither driver loaded, a hot-plugged disk makes udev load both; pvblk
# must come first and take it.
modprobe -r pvblk
echo "softdep virtio_blk pre: pvblk" > /etc/modprobe.d/pvblk.conf
udevadm control --reload	# udevd reads modprobe.d when it starts
pv_signal plug
pv_wait plugged 120
pv_wait_slot 0x11 60
test "$(pv_driver_of_slot 0x11)" = pvblk
udevadm settle -t 30
test -d /sys/module/virtio_blk
rm /etc/modprobe.d/pvblk.conf

modprobe -r pvblk
modprobe -r virtio_blk
make -C /tmp/src dkms-remove KVER=$KVER 2>&1 | tail -n 5
! modinfo pvblk 2>/dev/null
"""


# The guest runs this machine's userland: it can build for a kernel whose
# headers are installed here (bookworm's), not for sid's (sid's compiler).
@kernels(has_host_headers)
@mode("systemd")
@timeout(900)
def test_dkms(ctx):
    vm = ctx.vm(timeout=840)
    vm.extra += disk("dk", 0x10, image=make_image(vm.path("dk.img"), 32, pattern=True))
    vm.script = GUEST % {"top": ctx.top}
    vm.start()
    vm.wait_file("plug", 780)
    vm.qmp("blockdev-add", {"driver": "null-co", "node-name": "hp", "size": 64 << 20,
                            "read-zeroes": True})
    vm.qmp("device_add", driver="virtio-blk-pci", drive="hp", id="hp-dev", addr="0x11")
    vm.signal("plugged")
    vm.wait()
