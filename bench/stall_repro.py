#!/usr/bin/python3
"""Reproduce the pvblk stall that make bench hit (null-co, 2 queues, fio 4k
randread qd 32 batch 1, io_uring, unpinned): fio in a loop of short runs on
one disk; when a run does not end, collect the guest's view (pvblk stats,
blk-mq debugfs, interrupts, softirqs, fio's stack) twice, 10 s apart, and
QEMU's (virtqueue state, ring indices in guest memory), then stop.

    bench/stall_repro.py                       # pvblk defaults, 60 runs
    N=100 TUNE="poll_max_usecs=0" bench/stall_repro.py
    DRIVER=virtio_blk bench/stall_repro.py     # the control
    KVER=6.1 QUEUES=1 BS_BATCH=16 bench/stall_repro.py

Environment: N (runs, 60), TUNE (pvblk tunables k=v,k=v), DRIVER (pvblk |
virtio_blk), KVER (prefix; newest test kernel), QUEUES (2), BATCH (fio
iodepth_batch_submit, 1), RUNTIME (3 s), TCG (single | multi: QEMU's
TCG threading; single is where the stall was found), IOTHREAD (1: the disk
on an iothread with poll-max-ns=0, as make demo has it). Output: the guest run directory
build/test-runs/<kver>/pvbench-stall<TAG>/ (diag1, diag2, fio-stacks,
qemu-state, console); exit status 1 if it stalled.
"""
import json
import os
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "harness"))
sys.path.insert(0, os.path.join(TOP, "tests", "guest"))
from vm import VM, read_kernels  # noqa: E402
from pvdisk import disk  # noqa: E402
import virtq  # noqa: E402  (tests/harness/)

GUEST = r"""
export PVBLK_KO=%(ko)s
. %(top)s/tests/guest/pvblk-lib.sh
if [ "%(driver)s" = virtio_blk ]; then pv_load_virtio_blk; sleep 1; else pv_load_pvblk; fi
D=$(pv_disk_of_slot 0x10); pv_wait_path /dev/$D
echo none > /sys/block/$D/queue/scheduler
if [ -d /sys/block/$D/pvblk ]; then
	for kv in %(tune)s; do echo "${kv#*=}" > /sys/block/$D/pvblk/${kv%%%%=*}; done
fi
i=0
while [ $i -lt %(n)d ]; do
	i=$((i + 1))
	fio --name=r$i --filename=/dev/$D --ioengine=io_uring --direct=1 --rw=randread --bs=4k \
	    --iodepth=32 --iodepth_batch_submit=%(batch)d --iodepth_batch_complete_min=%(batch)d \
	    --time_based --runtime=%(runtime)d --output=/tmp/fio.out &
	pid=$!
	t=0
	while kill -0 $pid 2> /dev/null && [ $t -lt 300 ]; do sleep 0.1; t=$((t + 1)); done
	if kill -0 $pid 2> /dev/null; then
		echo "run $i: fio still running 30 s after its start: stalled"
		pv_stall_diag $D "stall, first look" > /pvtest/diag1
		sleep 10
		pv_stall_diag $D "stall, 10 s later" > /pvtest/diag2
		for p in $(pgrep fio); do echo "# fio $p"; cat /proc/$p/stack; done > /pvtest/fio-stacks 2>&1
		pv_signal stalled
		pv_wait host-done 300
		kill -9 $pid || true
		exit 0
	fi
	wait $pid
	grep -o 'IOPS=[^,]*' /tmp/fio.out | head -n1 | sed "s/^/run $i: /"
done
pv_stall_diag $D "no stall in %(n)d runs" > /pvtest/diag-final
echo "no stall in %(n)d runs"
"""


def main():
    kvers = [k for k, role, _ in read_kernels() if role == "full"]
    want = os.environ.get("KVER")
    kver = [k for k in kvers if k.startswith(want)][0] if want else kvers[-1]
    ko = os.environ.get("PVBLK_KO", os.path.join(TOP, "build", "driver", kver, "pvblk.ko"))
    n = int(os.environ.get("N", "60"))
    queues = int(os.environ.get("QUEUES", "2"))
    runtime = int(os.environ.get("RUNTIME", "3"))
    vm = VM(kver=kver, name="pvbench-stall" + os.environ.get("TAG", ""), cpus=2,
            timeout=n * (runtime + 10) + 600, xtrace=False,
            tcg_thread=os.environ.get("TCG", "single"))
    dev = {"num-queues": queues}
    if os.environ.get("IOTHREAD") == "1":
        vm.extra += ["-object", "iothread,id=io0,poll-max-ns=0"]
        dev["iothread"] = "io0"
    vm.extra += disk("pv", 0x10, null_size_mb=1024, dev=dev)
    vm.script = GUEST % {"ko": ko, "top": TOP, "n": n, "runtime": runtime,
                         "batch": int(os.environ.get("BATCH", "1")),
                         "tune": os.environ.get("TUNE", "").replace(",", " "),
                         "driver": os.environ.get("DRIVER", "pvblk")}
    print("stall_repro: %s, TCG %s, %d runs of %d s, %d queue(s), %s %s; log: %s"
          % (kver, vm.tcg_thread, n, runtime, queues, os.environ.get("DRIVER", "pvblk"),
             os.environ.get("TUNE", "defaults"), vm.path("script.log")), flush=True)
    stalled = False
    with vm:
        while vm.running():
            if os.path.exists(vm.path("stalled")):
                stalled = True
                out = []
                path = "/machine/peripheral/pv-dev/virtio-backend"
                for q in range(queues):
                    st = vm.qmp("x-query-virtio-queue-status", path=path, queue=q)
                    out.append("queue %d: %s" % (q, json.dumps(st)))
                    for what, value in virtq.ring_words(vm.qmp, st):
                        out.append("  %s %d" % (what, value))
                with open(vm.path("qemu-state"), "w") as f:
                    f.write("\n".join(out) + "\n")
                vm.signal("host-done")
                break
            time.sleep(0.2)
        res = vm.wait(check=False)
    print(res.script_log.strip().splitlines()[-1] if res.script_log.strip() else res.reason)
    if stalled:
        print("stalled: see %s (diag1, diag2, fio-stacks, qemu-state)" % res.run_dir)
        print(open(vm.path("qemu-state")).read())
    return 1 if stalled else 0


if __name__ == "__main__":
    sys.exit(main())
