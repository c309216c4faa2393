"""Faults through pvblk, in one guest boot: host I/O errors (blkdebug with
rerror/werror=report) reach the guest as EIO with no hang, and the device
works again afterwards; a hot unplug while fio runs ends fio with errors,
no hang and no oops, the module still unloads, and a hot plug afterwards
works; a full ring stops and restarts the hardware queue with no request
lost; lost interrupts (debugfs fault injection) are recovered by the
timeout handler, with and without completion polling, and nothing is lost
under a verifying writer. (The harness fails the run on any oops, BUG, WARNING or lockdep
splat in dmesg.)"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pvdisk import disk, make_image, prelude  # noqa: E402

BLKDEBUG = """
[inject-error]
event = "read_aio"
errno = "5"
sector = "2048"
once = "on"

[inject-error]
event = "write_aio"
errno = "5"
sector = "4096"
once = "on"
"""

GUEST = r"""
pv_load_pvblk
E=$(pv_disk_of_slot 0x10); H=$(pv_disk_of_slot 0x11)
pv_wait_path /dev/$E; pv_wait_path /dev/$H

### host I/O errors reach the guest as EIO, then the device works again
rd() { timeout 60 dd if=/dev/$E of=/dev/null bs=512 skip=$1 count=1 iflag=direct 2>&1; }
wr() { timeout 60 dd if=/dev/zero of=/dev/$E bs=512 seek=$1 count=1 oflag=direct 2>&1; }
out=$(rd 2048) && { echo "read of the failing sector succeeded"; exit 1; }
echo "$out" | grep -q 'Input/output error'
out=$(wr 4096) && { echo "write of the failing sector succeeded"; exit 1; }
echo "$out" | grep -q 'Input/output error'
rd 2048 >/dev/null
wr 4096 >/dev/null
fio --name=after-errors --filename=/dev/$E --ioengine=libaio --direct=1 \
    --rw=randwrite --bs=4k --iodepth=16 --size=16m --verify=crc32c \
    --verify_fatal=1 --output=/pvtest/fio-after-errors.txt

### hot unplug while fio runs
fio --name=unplug --filename=/dev/$H --ioengine=libaio --direct=1 --rw=randrw \
    --bs=4k --iodepth=32 --time_based --runtime=60 --output=/pvtest/fio-unplug.txt &
FIO=$!
# Unplug only once fio has requests on the disk (fio can take seconds to
# start on a loaded machine).
i=0
until [ "$(pv_stat_sum $H requests)" -ge 64 ]; do
	i=$((i + 1)); [ $i -lt 1200 ] || { echo "fio did no I/O in 120 s"; exit 1; }
	sleep 0.1
done
pv_signal fio-running
pv_wait_gone /sys/block/$H 60
# fio must end, with errors, well before its 60 s runtime.
i=0
while kill -0 $FIO 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 300 ] || { echo "fio hangs after unplug"; exit 1; }
	sleep 0.1
done
if wait $FIO; then echo "fio reported success on an unplugged disk"; exit 1; fi
rmmod pvblk
pv_load_pvblk
pv_signal reloaded

### hot plug afterwards
pv_wait added 60
pv_wait_slot 0x11 60
H2=$(pv_disk_of_slot 0x11)
pv_wait_path /dev/$H2
test "$(pv_driver_of_slot 0x11)" = pvblk
fio --name=replug --filename=/dev/$H2 --ioengine=libaio --direct=1 \
    --rw=randwrite --bs=4k --iodepth=16 --size=16m --verify=crc32c \
    --verify_fatal=1 --output=/pvtest/fio-replug.txt

### a full ring stops the hardware queue and completions restart it:
### more tags than a 16-entry ring without indirect descriptors can hold
rmmod pvblk
pv_load_pvblk queue_depth=64
R=$(pv_disk_of_slot 0x12); pv_wait_path /dev/$R
test "$(cat /sys/block/$R/queue/nr_requests)" -ge 32
echo none > /sys/block/$R/queue/scheduler
fio --name=ringfull --filename=/dev/$R --ioengine=libaio --direct=1 \
    --rw=randwrite --bsrange=4k-32k --iodepth=64 --numjobs=2 --offset_increment=16m \
    --size=16m --verify=crc32c --verify_fatal=1 --output=/pvtest/fio-ringfull.txt
cat /sys/block/$R/pvblk/stats
test "$(pv_stat_sum $R ring_full)" -gt 0
test "$(pv_stat_sum $R requests)" -eq "$(pv_stat_sum $R completions)"

### a lost interrupt: with EVENT_IDX the device will not notify again, so
### only the timeout handler can find the completion; it retires it and
### re-arms the queue (debugfs fault injection drops the interrupt)
LOSE=/sys/kernel/debug/pvblk/$R/lose_irqs
test -w $LOSE
echo 1000 > /sys/block/$R/queue/io_timeout
for pm in 50 0; do
	echo $pm > /sys/block/$R/pvblk/poll_max_usecs
	before=$(pv_stat_sum $R timeout_reaped)
	echo 1 > $LOSE
	t0=$(cut -d. -f1 /proc/uptime)
	timeout 30 dd if=/dev/$R of=/dev/null bs=4k count=1 skip=$((pm + 7)) iflag=direct
	t1=$(cut -d. -f1 /proc/uptime)
	echo "poll_max_usecs=$pm: lost interrupt recovered after $((t1 - t0)) s"
	test "$(cat $LOSE)" -eq 0
	test "$(pv_stat_sum $R timeout_reaped)" -gt "$before"
	# re-armed: the next read needs no timeout
	before=$(pv_stat_sum $R timeouts)
	timeout 30 dd if=/dev/$R of=/dev/null bs=4k count=64 iflag=direct
	test "$(pv_stat_sum $R timeouts)" -eq "$before"
done
dmesg | grep -q "$R: .*completions had no interrupt; retired on timeout"
# many lost interrupts under a verifying writer: nothing lost, nothing wrong
echo 50 > /sys/block/$R/pvblk/poll_max_usecs
echo 8 > $LOSE
fio --name=lost-irqs --filename=/dev/$R --ioengine=libaio --direct=1 \
    --rw=randwrite --bs=4k --iodepth=8 --size=4m --verify=crc32c \
    --verify_fatal=1 --output=/pvtest/fio-lost-irqs.txt
cat /sys/block/$R/pvblk/stats
test "$(cat $LOSE)" -eq 0
test "$(pv_stat_sum $R requests)" -eq "$(pv_stat_sum $R completions)"
"""


def test_faults(ctx):
    vm = ctx.vm(timeout=600)
    img = make_image(vm.path("err.img"), 64)
    with open(vm.path("blkdebug.conf"), "w") as f:
        f.write(BLKDEBUG)
    vm.extra += [
        "-blockdev", "driver=raw,node-name=err,file.driver=blkdebug,"
        "file.config=%s,file.image.driver=file,file.image.filename=%s"
        % (vm.path("blkdebug.conf"), img),
        "-device", "virtio-blk-pci,drive=err,id=err-dev,addr=0x10,"
        "rerror=report,werror=report",
    ]
    vm.extra += disk("hp", 0x11, image=make_image(vm.path("hp.img"), 64))
    vm.extra += disk("rf", 0x12, image=make_image(vm.path("rf.img"), 32),
                     dev={"queue-size": 16, "indirect_desc": "off", "num-queues": 1})
    vm.script = prelude(ctx) + GUEST
    vm.start()

    vm.wait_file("fio-running", 300)
    vm.qmp("device_del", id="hp-dev")
    vm.wait_event("DEVICE_DELETED", timeout=120, match={"device": "hp-dev"})
    vm.wait_file("reloaded", 120)
    vm.qmp("device_add", driver="virtio-blk-pci", drive="hp", id="hp-dev2", addr="0x11")
    vm.signal("added")
    vm.wait()
    assert "err=" in vm.result.file("fio-unplug.txt", ""), "no fio report after unplug"
