"""Device features through pvblk, in one guest boot: multi-queue (a
4-queue device in a 2-vCPU guest and a 1-queue device, every queue used),
poll queues, split and packed rings with and without EVENT_IDX and
INDIRECT_DESC (not offered, or turned down by indirect_desc=0), discard
and write zeroes reaching the host image, a flush reaching the host,
serial, geometry, cache_type, read-only, a 4096-byte logical block device
with topology, and a block_resize seen while I/O runs.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pvdisk import blockstats, disk, make_image, prelude  # noqa: E402

MiB = 1 << 20

GUEST = r"""
pv_load_pvblk
for s in 10 11 12 13 14 15 16 17 18; do pv_wait_path /dev/$(pv_disk_of_slot 0x$s); done
MQ=$(pv_disk_of_slot 0x10); SQ=$(pv_disk_of_slot 0x11); FT=$(pv_disk_of_slot 0x12)
RO=$(pv_disk_of_slot 0x13); BIG=$(pv_disk_of_slot 0x14); RS=$(pv_disk_of_slot 0x15)
PK=$(pv_disk_of_slot 0x16); NOEV=$(pv_disk_of_slot 0x17); PKNOEV=$(pv_disk_of_slot 0x18)

### multi-queue: 4 device queues, 2 vCPUs -> 2 queues, both used
cat /sys/block/$MQ/pvblk/features
grep -q '^queues=2 ' /sys/block/$MQ/pvblk/features
test "$(wc -l < /sys/block/$MQ/pvblk/stats)" -eq 2
fio --name=mq --filename=/dev/$MQ --ioengine=libaio --direct=1 --rw=randread \
    --bs=4k --iodepth=8 --numjobs=2 --cpus_allowed=0,1 --cpus_allowed_policy=split \
    --size=64m --io_size=8m --output=/pvtest/fio-mq.txt
cat /sys/block/$MQ/pvblk/stats
awk '{ split($2, a, "="); if (a[2] == 0) { print "unused queue: " $0; bad = 1 } } END { exit bad }' \
    /sys/block/$MQ/pvblk/stats
test "$(wc -l < /sys/block/$SQ/pvblk/stats)" -eq 1
grep -q '^queues=1 ' /sys/block/$SQ/pvblk/features
fio --name=sq --filename=/dev/$SQ --ioengine=libaio --direct=1 --rw=randread \
    --bs=4k --iodepth=8 --numjobs=2 --size=64m --io_size=4m --output=/pvtest/fio-sq.txt
test "$(pv_stat_sum $SQ requests)" -ge 2048

### rings: packed / split, with and without EVENT_IDX and INDIRECT_DESC
grep -q 'packed=1 event_idx=1 indirect=1' /sys/block/$PK/pvblk/features
grep -q 'packed=0 event_idx=0 indirect=0' /sys/block/$NOEV/pvblk/features
grep -q 'packed=1 event_idx=0 indirect=0' /sys/block/$PKNOEV/pvblk/features
grep -q 'packed=0 event_idx=1 indirect=1' /sys/block/$FT/pvblk/features
for d in $PK $NOEV $PKNOEV; do
	fio --name=ring-$d --filename=/dev/$d --ioengine=libaio --direct=1 \
	    --rw=randwrite --bsrange=512-128k --iodepth=32 --size=16m \
	    --verify=crc32c --verify_fatal=1 --output=/pvtest/fio-ring-$d.txt
	test "$(pv_stat_sum $d requests)" -eq "$(pv_stat_sum $d completions)"
done
# Without indirect descriptors a request must fit the ring (queue-size 64).
test "$(cat /sys/block/$NOEV/queue/max_segments)" -le 62

### serial, geometry, write cache
test "$(cat /sys/block/$FT/serial)" = PVFEATSERIAL12
test "$(cat /sys/block/$MQ/serial)" = PVMQ
python3 - /dev/$FT <<'PY'
import fcntl, struct, sys
buf = fcntl.ioctl(open(sys.argv[1], "rb"), 0x0301, bytes(16))  # HDIO_GETGEO
heads, sectors, cyls = struct.unpack("BBH", buf[:4])
print("geometry", heads, sectors, cyls)
assert (heads, sectors, cyls) == (16, 63, 520), (heads, sectors, cyls)
PY
test "$(cat /sys/block/$FT/cache_type)" = "write back"
test "$(cat /sys/block/$FT/queue/write_cache)" = "write back"
echo "write through" > /sys/block/$FT/cache_type
test "$(cat /sys/block/$FT/cache_type)" = "write through"
test "$(cat /sys/block/$FT/queue/write_cache)" = "write through"
echo "write back" > /sys/block/$FT/cache_type
test "$(cat /sys/block/$FT/queue/write_cache)" = "write back"
pv_expect_fail sh -c "echo bogus > /sys/block/$FT/cache_type"

### flush reaches the host
dd if=/dev/urandom of=/dev/$FT bs=1M count=16 oflag=direct status=none
pv_signal pre-flush; pv_wait flush-measured
dd if=/dev/urandom of=/dev/$FT bs=4k count=1 oflag=direct conv=fsync status=none
pv_signal post-flush

### discard and write zeroes reach the host image
test "$(cat /sys/block/$FT/queue/discard_max_bytes)" -gt 0
test "$(cat /sys/block/$FT/queue/write_zeroes_max_bytes)" -gt 0
pv_wait host-sampled
blkdiscard -o 0 -l 8M /dev/$FT
# zero out without unmap (BLKZEROOUT sets REQ_NOUNMAP) and with (punch hole)
blkdiscard -z -o 8M -l 4M /dev/$FT
fallocate -p -o $((12 << 20)) -l $((4 << 20)) /dev/$FT
sync
cmp -n $((8 << 20)) -i $((8 << 20)) /dev/$FT /dev/zero
pv_signal discarded

### read-only device: writes fail with an error, no hang
test "$(cat /sys/block/$RO/ro)" = 1
pv_expect_fail timeout 30 dd if=/dev/zero of=/dev/$RO bs=4k count=1 oflag=direct status=none
timeout 30 dd if=/dev/$RO of=/dev/null bs=1M count=4 iflag=direct status=none

### 4096-byte logical blocks and topology
test "$(cat /sys/block/$BIG/queue/logical_block_size)" = 4096
test "$(cat /sys/block/$BIG/queue/physical_block_size)" = 4096
test "$(cat /sys/block/$BIG/queue/minimum_io_size)" = 32768
test "$(cat /sys/block/$BIG/queue/optimal_io_size)" = 65536
pv_expect_fail dd if=/dev/zero of=/dev/$BIG bs=512 count=1 oflag=direct status=none
fio --name=big --filename=/dev/$BIG --ioengine=libaio --direct=1 --rw=randwrite \
    --bsrange=4k-256k --iodepth=16 --size=16m --verify=crc32c --verify_fatal=1 \
    --output=/pvtest/fio-4k.txt
mkfs.ext4 -q -F /dev/$BIG && e2fsck -fn /dev/$BIG

### block_resize while I/O runs
test "$(cat /sys/block/$RS/size)" = $((64 << 11))
fio --name=rs --filename=/dev/$RS --ioengine=libaio --direct=1 --rw=randrw \
    --bs=4k --iodepth=16 --time_based --runtime=12 --size=64m \
    --output=/pvtest/fio-resize.txt &
FIO=$!
sleep 2
pv_signal resize-now
pv_wait resized
i=0
while [ "$(cat /sys/block/$RS/size)" != $((96 << 11)) ]; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "size not updated"; exit 1; }
	sleep 0.1
done
wait $FIO
dd if=/dev/$RS of=/dev/null bs=1M skip=90 count=6 iflag=direct status=none
dmesg | grep "new size: 196608 512-byte sectors" > /dev/null

### poll queues: io_uring polled I/O is completed by polling
rmmod pvblk
pv_load_pvblk poll_queues=1
pv_wait_path /dev/$(pv_disk_of_slot 0x10)
MQ=$(pv_disk_of_slot 0x10)
grep -q 'queues=2 poll_queues=1' /sys/block/$MQ/pvblk/features
fio --name=hipri --filename=/dev/$MQ --ioengine=io_uring --hipri --direct=1 \
    --rw=randread --bs=4k --iodepth=8 --size=64m --io_size=4m \
    --output=/pvtest/fio-hipri.txt
cat /sys/block/$MQ/pvblk/stats
test "$(awk '$1 == "queue=1" { split($8, a, "="); print a[2] }' /sys/block/$MQ/pvblk/stats)" -gt 0
grep -q 'queue=1 .* polled=[1-9]' /sys/block/$MQ/pvblk/stats

### indirect_desc=0: devices offering INDIRECT_DESC are driven without it
rmmod pvblk
pv_load_pvblk indirect_desc=0
for s in 12 16; do pv_wait_path /dev/$(pv_disk_of_slot 0x$s); done
FT=$(pv_disk_of_slot 0x12); PK=$(pv_disk_of_slot 0x16)
grep -q 'packed=0 event_idx=1 indirect=0' /sys/block/$FT/pvblk/features
grep -q 'packed=1 event_idx=1 indirect=0' /sys/block/$PK/pvblk/features
# a request takes at least 2 ring slots: half the ring's 256 as tags
test "$(cat /sys/block/$FT/queue/nr_requests)" -le 128
for d in $FT $PK; do
	fio --name=noind-$d --filename=/dev/$d --ioengine=libaio --direct=1 \
	    --rw=randwrite --bsrange=512-256k --iodepth=32 --size=16m \
	    --verify=crc32c --verify_fatal=1 --output=/pvtest/fio-noind-$d.txt
	test "$(pv_stat_sum $d requests)" -eq "$(pv_stat_sum $d completions)"
done
"""


def test_features(ctx):
    vm = ctx.vm(timeout=900)
    ft = make_image(vm.path("ft.img"), 64)
    make_image(vm.path("ro.img"), 16, pattern=True)
    make_image(vm.path("big.img"), 64)
    make_image(vm.path("rs.img"), 64)
    for n in ("pk", "noev", "pknoev"):
        make_image(vm.path(n + ".img"), 16)
    vm.extra += disk("mq", 0x10, null_size_mb=64, dev={"num-queues": 4, "serial": "PVMQ"})
    vm.extra += disk("sq", 0x11, null_size_mb=64, dev={"num-queues": 1})
    vm.extra += disk("ft", 0x12, image=ft,
                     dev={"serial": "PVFEATSERIAL12", "cyls": 520, "heads": 16, "secs": 63})
    vm.extra += disk("ro", 0x13, image=vm.path("ro.img"), blockdev={"read-only": "on"},
                     fileopts={"read-only": "on"})
    vm.extra += disk("big", 0x14, image=vm.path("big.img"),
                     dev={"logical_block_size": 4096, "physical_block_size": 4096,
                          "min_io_size": 32768, "opt_io_size": 65536})
    vm.extra += disk("rs", 0x15, image=vm.path("rs.img"))
    vm.extra += disk("pk", 0x16, image=vm.path("pk.img"), dev={"packed": "on"})
    vm.extra += disk("noev", 0x17, image=vm.path("noev.img"),
                     dev={"event_idx": "off", "indirect_desc": "off", "queue-size": 64})
    vm.extra += disk("pknoev", 0x18, image=vm.path("pknoev.img"),
                     dev={"packed": "on", "event_idx": "off", "indirect_desc": "off"})
    vm.script = prelude(ctx) + GUEST
    vm.start()

    vm.wait_file("pre-flush", 300)
    flushes = blockstats(vm, "ft")["flush_operations"]
    vm.signal("flush-measured")
    vm.wait_file("post-flush", 120)
    after = blockstats(vm, "ft")["flush_operations"]
    assert after > flushes, "no flush reached the host (%d -> %d)" % (flushes, after)

    blocks_before = os.stat(ft).st_blocks
    assert blocks_before >= (16 * MiB) // 512, "image not allocated: %d" % blocks_before
    vm.signal("host-sampled")
    vm.wait_file("discarded", 120)
    # QEMU 7.2's virtio-blk does not account discards in query-blockstats:
    # the image's allocation is the evidence.
    blocks_after = os.stat(ft).st_blocks
    assert blocks_after <= blocks_before - (8 * MiB) // 512, \
        "discard freed nothing in the image: %d -> %d blocks" % (blocks_before, blocks_after)
    with open(ft, "rb") as f:
        f.seek(8 * MiB)
        assert f.read(8 * MiB) == bytes(8 * MiB), "write zeroes did not zero the host image"

    vm.wait_file("resize-now", 300)
    vm.qmp("block_resize", **{"node-name": "rs", "size": 96 * MiB})
    vm.signal("resized")
    vm.wait()
