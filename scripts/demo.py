#!/usr/bin/python3
"""make demo: one guest, two identical disks, one on pvblk and one on
virtio_blk; a short fio run on each (alternating), IOPS side by side, and
pvblk's own counters. Runs on the newest test kernel (or DEMO_KVER)."""

import json
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "harness"))
sys.path.insert(0, os.path.join(TOP, "tests", "guest"))
from vm import VM, read_kernels  # noqa: E402
from pvdisk import disk  # noqa: E402

ROUNDS = 2
SECS = 5

GUEST = r"""
export PVBLK_KO=%(ko)s
. %(top)s/tests/guest/pvblk-lib.sh
pv_load_pvblk
pv_load_virtio_blk
PV=$(pv_disk_of_slot 0x10)
VD=$(pv_move 0x11 virtio_blk)
pv_wait_path /dev/$PV
echo "$PV $VD" > /pvtest/disks
irqs() { awk -v v="$(pv_virtio_of_slot $1)-req" '$NF ~ v { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i } END { print s + 0 }' /proc/interrupts; }
for r in $(seq %(rounds)d); do
	for d in $PV $VD; do
		slot=0x10; [ $d = $VD ] && slot=0x11
		before=$(irqs $slot)
		fio --name=demo --filename=/dev/$d --ioengine=io_uring --direct=1 \
		    --rw=randread --bs=4k --iodepth=32 --iodepth_batch_submit=16 \
		    --time_based --runtime=%(secs)d --output-format=json \
		    --output=/pvtest/fio-$d-$r.json
		echo $(( $(irqs $slot) - before )) > /pvtest/irqs-$d-$r
	done
done
cat /sys/block/$PV/pvblk/stats > /pvtest/stats
"""


def main():
    kvers = [k for k, role, _ in read_kernels() if role == "full"]
    kver = os.environ.get("DEMO_KVER", kvers[-1])
    ko = os.path.join(TOP, "build", "driver", kver, "pvblk.ko")
    vm = VM(kver=kver, name="demo", cpus=2, timeout=600)
    vm.extra += disk("pv", 0x10, null_size_mb=1024)
    vm.extra += disk("vd", 0x11, null_size_mb=1024)
    vm.script = GUEST % {"ko": ko, "top": TOP, "rounds": ROUNDS, "secs": SECS}
    print("demo: booting %s with two null-co disks (2 vCPUs, TCG) ..." % kver, flush=True)
    vm.start()
    res = vm.wait()
    pv, vd = res.file("disks").split()
    rows = []
    for r in range(1, ROUNDS + 1):
        row = [r]
        for d in (pv, vd):
            job = json.loads(res.file("fio-%s-%d.json" % (d, r)))["jobs"][0]["read"]
            ios = job["total_ios"]
            irqs = int(res.file("irqs-%s-%d" % (d, r)))
            row += [job["iops"], irqs / ios if ios else 0.0]
        rows.append(row)
    print()
    print("fio 4k randread, io_uring, iodepth 32, submit batches of 16, %d s per run" % SECS)
    print("%-6s %14s %12s %14s %12s %8s" % ("round", "pvblk IOPS", "irq/req", "virtio_blk", "irq/req", "ratio"))
    for r, pi, pq, vi, vq in rows:
        print("%-6d %14.0f %12.3f %14.0f %12.3f %8.2f" % (r, pi, pq, vi, vq, pi / vi if vi else 0))
    print()
    print("pvblk counters (/sys/block/%s/pvblk/stats):" % pv)
    print(res.file("stats").rstrip())
    print()
    print("Absolute figures under TCG mean little; `make bench` measures properly.")


if __name__ == "__main__":
    main()
