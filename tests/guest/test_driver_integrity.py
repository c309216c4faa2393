"""Data integrity through pvblk: fio verify over block sizes, queue depths
and jobs; ext4 made, loaded and fsck-clean; the same image read through
pvblk, through virtio_blk and on the host is bit-identical; a disk moved
between the drivers keeps its data; module unload rules."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pvdisk import disk, make_image, md5_file, prelude  # noqa: E402

FIO_VERIFY = r"""
[global]
ioengine=libaio
direct=1
filename=/dev/${DISK}
verify=crc32c
verify_fatal=1
do_verify=1
randrepeat=0

[rand-512-qd1]
rw=randwrite
bs=512
iodepth=1
offset=0
size=1m

[rand-4k-qd32]
stonewall
rw=randwrite
bs=4k
iodepth=32
offset=4m
size=8m

[seq-64k-qd8]
stonewall
rw=write
bs=64k
iodepth=8
offset=16m
size=8m

[seq-1m-qd128]
stonewall
rw=write
bs=1m
iodepth=128
offset=24m
size=16m

[rand-mixed-qd16-4jobs]
stonewall
rw=randwrite
bsrange=512-256k
bs_unaligned=0
iodepth=16
numjobs=4
offset=40m
offset_increment=4m
size=4m

[randrw-4k-qd64-2jobs]
stonewall
rw=randrw
bs=4k
iodepth=64
numjobs=2
offset=56m
offset_increment=4m
size=4m
"""


def test_integrity(ctx):
    """fio verify, ext4 + fsck, bit-identical reads, moves and unload."""
    vm = ctx.vm(timeout=900)
    img_a = make_image(vm.path("a.img"), 64, pattern=True)
    make_image(vm.path("b.img"), 128)
    vm.extra += disk("da", 0x10, image=img_a, dev={"serial": "PVINTA"})
    vm.extra += disk("db", 0x11, image=vm.path("b.img"), dev={"serial": "PVINTB"})
    vm.script = prelude(ctx) + r"""
pv_load_pvblk
A=$(pv_disk_of_slot 0x10); B=$(pv_disk_of_slot 0x11)
test "$(pv_driver_of_slot 0x10)" = pvblk
case "$A$B" in pvd?pvd?) ;; *) echo "unexpected names $A $B"; exit 1 ;; esac
pv_wait_path /dev/$A; pv_wait_path /dev/$B
pv_check_stats_format $A
cat /sys/block/$A/pvblk/features

# The untouched pattern, read through pvblk.
md5sum < /dev/$A | cut -d' ' -f1 > /pvtest/md5-pattern-pvblk

# fio verify: 512 B to 1 MiB, queue depth 1 to 128, several jobs.
DISK=$A fio --output=/pvtest/fio-verify.txt - <<'JOB'
""" + FIO_VERIFY + r"""
JOB
grep -q 'err= 0' /pvtest/fio-verify.txt
! grep -E 'err= *[1-9]' /pvtest/fio-verify.txt
test "$(pv_stat_sum $A requests)" -gt 0
test "$(pv_stat_sum $A requests)" -eq "$(pv_stat_sum $A completions)"

# ext4: make, load, fsck-clean, reload and compare.
mkfs.ext4 -q -F /dev/$B
mkdir -p /mnt/b
mount /dev/$B /mnt/b
cp -a /usr/include/linux /mnt/b/linux-headers
dd if=/dev/urandom of=/mnt/b/big bs=1M count=24 status=none
(cd /mnt/b && find . -type f -print0 | sort -z | xargs -0 md5sum) > /tmp/before
sync
# Unload must be refused while a pvblk file system is mounted.
pv_expect_fail rmmod pvblk
umount /mnt/b
e2fsck -fn /dev/$B
mount /dev/$B /mnt/b
(cd /mnt/b && find . -type f -print0 | sort -z | xargs -0 md5sum) > /tmp/after
cmp /tmp/before /tmp/after
umount /mnt/b

# The same image through pvblk, then virtio_blk, then pvblk again.
md5sum < /dev/$A | cut -d' ' -f1 > /pvtest/md5-pvblk
pv_load_virtio_blk
V=$(pv_move 0x10 virtio_blk)
case "$V" in vd?) ;; *) echo "virtio_blk gave $V"; exit 1 ;; esac
test "$(pv_driver_of_slot 0x10)" = virtio_blk
md5sum < /dev/$V | cut -d' ' -f1 > /pvtest/md5-virtio_blk
A2=$(pv_move 0x10 pvblk)
test "$(pv_driver_of_slot 0x10)" = pvblk
md5sum < /dev/$A2 | cut -d' ' -f1 > /pvtest/md5-pvblk-again
cmp /pvtest/md5-pvblk /pvtest/md5-virtio_blk
cmp /pvtest/md5-pvblk /pvtest/md5-pvblk-again

# Unload with disks present (none open), reload, then with no disks.
rmmod pvblk
test ! -e /sys/block/$A2
pv_load_pvblk
pv_wait_path /sys/bus/virtio/devices/$(pv_virtio_of_slot 0x10)/block
for d in /sys/bus/virtio/drivers/pvblk/virtio*; do
	echo "$(basename "$d")" > /sys/bus/virtio/drivers/pvblk/unbind
done
! ls /sys/block | grep '^pvd' > /dev/null
rmmod pvblk
test ! -d /sys/module/pvblk
"""
    pattern_md5 = md5_file(img_a)
    vm.start()
    vm.wait()
    assert vm.result.file("md5-pattern-pvblk", "").strip() == pattern_md5, \
        "the image read through pvblk differs from the host's file"
    want = md5_file(img_a)
    got = {k: vm.result.file(k, "").strip()
           for k in ("md5-pvblk", "md5-virtio_blk", "md5-pvblk-again")}
    for k, v in got.items():
        assert v == want, "%s: guest read %s, host image is %s" % (k, v, want)
