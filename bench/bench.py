#!/usr/bin/python3
"""make bench: pvblk.ko against the kernel's virtio_blk, side by side in one
guest boot, alternating runs (A B A B ...), and BENCHMARKS.md from the numbers.

One boot per (kernel, backend). Each boot has a pair of identical disks per
queue count: the first of a pair stays on pvblk, the second is moved to
virtio_blk (pv_move). The guest runs a plan the host wrote (one step per
run); around each run it takes a handshake with the host so that the host
can cut QEMU's trace log (virtio_queue_notify, one line per guest kick), and
it snapshots /proc/stat, /proc/interrupts, the disk's block-layer stat and
pvblk's own counters.

Settings come from the environment (bench/run.sh turns its options into
these); see bench/run.sh --help.
"""

import datetime
import glob
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "harness"))
sys.path.insert(0, os.path.join(TOP, "tests", "guest"))
from vm import VM, read_kernels  # noqa: E402
from pvdisk import disk  # noqa: E402
import mdsection  # noqa: E402  (bench/, the script's own directory)
import virtq  # noqa: E402
from qtrace import TraceCounter  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "pvcount"))
import pvcount  # noqa: E402  (bench/pvcount/pvcount.py)

USER_HZ = os.sysconf("SC_CLK_TCK")

# ---------------------------------------------------------------- workloads
#
# name -> (title, unit, fio arguments). unit "iops" or "MB/s".
FIO_WORKLOADS = {
    "rr4k-qd1": ("4k randread, qd 1", "iops",
                 "--rw=randread --bs=4k --iodepth=1"),
    "rr4k-qd32-b1": ("4k randread, qd 32, batch 1", "iops",
                     "--rw=randread --bs=4k --iodepth=32 --iodepth_batch_submit=1 "
                     "--iodepth_batch_complete_min=1"),
    "rr4k-qd32-b16": ("4k randread, qd 32, batch 16", "iops",
                      "--rw=randread --bs=4k --iodepth=32 --iodepth_batch_submit=16 "
                      "--iodepth_batch_complete_min=16"),
    "rw4k-qd32": ("4k randwrite, qd 32", "iops",
                  "--rw=randwrite --bs=4k --iodepth=32"),
    "sr256k-qd8": ("256k seq read, qd 8", "MB/s",
                   "--rw=read --bs=256k --iodepth=8"),
}
DB_WORKLOADS = {
    "db-fill": ("db_bench fillrandom", "ops/s"),
    "db-read": ("db_bench readrandom", "ops/s"),
}
ALL_WORKLOADS = list(FIO_WORKLOADS) + list(DB_WORKLOADS)

# Ablation: pvblk with one optimisation off at a time (and all off), on the
# qd32 / batch 16 workload, against pvblk's defaults and virtio_blk.
ABLATION_WL = "rr4k-qd32-b16"
ABLATION = [
    ("default", {}),
    ("poll_max_usecs=0", {"poll_max_usecs": 0}),
    ("irq_moderation=0", {"irq_moderation": 0}),
    ("batch_kicks=0", {"batch_kicks": 0}),
    ("all three off", {"poll_max_usecs": 0, "irq_moderation": 0, "batch_kicks": 0}),
]

BACKENDS = {
    "null": "null-co (read-zeroes=on), QEMU's built-in virtio-blk-pci",
    "tmpfs": "raw file on tmpfs (/dev/shm), QEMU's built-in virtio-blk-pci",
    "vhost": "vhost-user-blk-pci, qemu-storage-daemon exporting a raw file on tmpfs",
}

DRIVERS = ("pvblk", "virtio_blk")


def env(name, default):
    v = os.environ.get(name)
    return default if v is None or v == "" else v


def env_flag(name, default):
    """A yes/no setting: off for 0, no or false, on for anything else."""
    return env(name, default) not in ("0", "no", "false")


def csv(s):
    return [x for x in re.split(r"[,\s]+", s) if x]


class Config:
    def __init__(self):
        self.quick = env_flag("BENCH_QUICK", "0")
        q = self.quick
        kl = [k for k, role, _ in read_kernels() if role == "full"]
        kl.sort(key=lambda k: [int(x) if x.isdigit() else x for x in re.split(r"[.+-]", k)])
        ks = env("BENCH_KERNELS", "newest")
        if ks == "newest":
            self.kernels = kl[-1:]
        elif ks == "all":
            self.kernels = kl
        else:
            self.kernels = []
            for want in csv(ks):
                m = [k for k in kl if k.startswith(want)]
                if not m:
                    sys.exit("bench: no test kernel matches %r (have: %s)" % (want, " ".join(kl)))
                self.kernels.append(m[0])
        self.backends = csv(env("BENCH_BACKENDS", "null" if q else "null,tmpfs,vhost"))
        for b in self.backends:
            if b not in BACKENDS:
                sys.exit("bench: unknown backend %r (have: %s)" % (b, ", ".join(BACKENDS)))
        self.queues = [int(x) for x in csv(env("BENCH_QUEUES", "1" if q else "1,2"))]
        self.workloads = csv(env("BENCH_WORKLOADS",
                                 "rr4k-qd1,rr4k-qd32-b1,rr4k-qd32-b16" if q else ",".join(ALL_WORKLOADS)))
        if self.workloads == ["none"]:     # only the ablation / scheduler rows
            self.workloads = []
        for w in self.workloads:
            if w not in ALL_WORKLOADS:
                sys.exit("bench: unknown workload %r (have: %s)" % (w, ", ".join(ALL_WORKLOADS)))
        self.pairs = int(env("BENCH_PAIRS", "3" if q else "4"))
        self.db_pairs = int(env("BENCH_DB_PAIRS", "3"))
        self.runtime = int(env("BENCH_RUNTIME", "3"))
        self.ramp = int(env("BENCH_RAMP", "0"))
        # ablation, on the backends of BENCH_ABLATION_BACKENDS: "on" = every
        # queue count; "1q" = 1 queue; "off"
        self.ablation = env("BENCH_ABLATION", "1q" if q else "on")
        self.ablation_wls = csv(env("BENCH_ABLATION_WLS", ABLATION_WL))
        # backends the ablation runs on (null-co: no host-side I/O cost)
        self.ablation_backends = csv(env("BENCH_ABLATION_BACKENDS", "null"))
        for b in self.ablation_backends:
            if b not in BACKENDS:
                sys.exit("bench: unknown ablation backend %r" % b)
        for w in self.ablation_wls:
            if w not in FIO_WORKLOADS:
                sys.exit("bench: unknown ablation workload %r" % w)
        # extra row: qd32/batch 16 with an I/O scheduler on both disks
        self.sched_row = env("BENCH_SCHED_ROW", "" if q else "mq-deadline")
        self.sched = env("BENCH_SCHED", "none")
        # Guest instructions (bench/pvcount): count them in every run
        # (BENCH_ICOUNT=0: no plugin); BENCH_ICOUNT_CAL requests in the
        # calibration runs that measure a window's fixed cost, per disk and
        # workload (0: none, per-request counts are then window / requests).
        self.icount = env_flag("BENCH_ICOUNT", "1")
        self.icount_cal = int(env("BENCH_ICOUNT_CAL", "64"))
        # Fixed request counts (the reference method of issue 12): for each
        # workload of BENCH_COST_WLS, on null-co at the first queue count,
        # rounds of runs of N1 and N2 requests (BENCH_COST_IOS) on both
        # drivers; cost = (count at N2 - count at N1) / (N2 - N1).
        self.cost_wls = csv(env("BENCH_COST_WLS", ""))
        for w in self.cost_wls:
            if w not in FIO_WORKLOADS:
                sys.exit("bench: unknown cost workload %r" % w)
        self.cost_ios = [int(x) for x in csv(env("BENCH_COST_IOS", "10000,70000"))]
        if self.cost_wls and (len(self.cost_ios) != 2 or not 0 < self.cost_ios[0] < self.cost_ios[1]):
            sys.exit("bench: BENCH_COST_IOS must be N1,N2 with 0 < N1 < N2")
        if self.cost_wls and not self.icount:
            sys.exit("bench: BENCH_COST_WLS needs BENCH_ICOUNT=1")
        # abba: rounds alternate which driver goes first (pvblk, virtio_blk;
        # then virtio_blk, pvblk; ...); ab: pvblk first in every round
        self.order = env("BENCH_ORDER", "abba")
        if self.order not in ("abba", "ab"):
            sys.exit("bench: BENCH_ORDER must be abba or ab, not %r" % self.order)
        # The two disks of a pair sit on PCI slots 0x10+2i and 0x11+2i
        # (and, with vhost, are exported in that order by one
        # qemu-storage-daemon), and the slot can matter as much as the
        # driver (a 0.91 row that was 1.02 with the disks swapped). split
        # (the default): two boots per backend, pvblk on the even slot for
        # the first half of the rounds and on the odd one for the rest, so
        # every ratio pools both; 0: the even slot only; 1: the odd only.
        sw = env("BENCH_SWAP", "split").lower()
        if sw == "split":
            self.swap_mode = "split"
        elif sw in ("0", "no", "off", "false"):
            self.swap_mode = "even"
        elif sw in ("1", "yes", "on", "true"):
            self.swap_mode = "odd"
        else:
            sys.exit("bench: BENCH_SWAP must be split, 0 or 1, not %r" % sw)
        self.pin = env("BENCH_PIN", "irq")          # irq | none
        self.trace = env("BENCH_TRACE", "1") != "0"
        self.stall_secs = int(env("BENCH_STALL_SECS", "60"))
        self.cpus = int(env("BENCH_CPUS", "2"))
        # multi: QEMU 7.2's single-threaded TCG emits no host barrier for the
        # guest's (tcg_gen_mb() elides it without CF_PARALLEL; fixed in QEMU
        # 8.1), so the guest and QEMU's I/O thread can each miss the other's
        # virtqueue index update and a completion interrupt is lost.
        # Managed queue interrupts (both drivers') avoid vCPU 0 where their
        # mask allows: a 1-queue disk's interrupt lands on vCPU 1 for either
        # driver, so neither gets the vCPU that also does the housekeeping.
        self.append = env("BENCH_APPEND", "isolcpus=managed_irq,0" if self.cpus > 1 else "")
        self.tcg = env("BENCH_TCG", "multi")
        if self.tcg not in ("multi", "single"):
            sys.exit("bench: BENCH_TCG must be multi or single, not %r" % self.tcg)
        self.mem = env("BENCH_MEM", "1G")
        self.cpu_model = env("BENCH_CPU_MODEL", "max")     # QEMU -cpu
        self.disk_mb = int(env("BENCH_DISK_MB", "512"))
        self.db_num = int(env("BENCH_DB_NUM", "10000"))
        self.db_reads = int(env("BENCH_DB_READS", "2000"))
        self.out = env("BENCH_OUT", os.path.join(TOP, "BENCHMARKS.md"))
        self.command = env("BENCH_COMMAND", "bench/bench.py")
        self.run_id = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        self.work = os.path.join(TOP, "build", "bench", self.run_id)
        self.shm = "/dev/shm/pvbench.%d" % os.getpid()

    def describe(self):
        return {k: v for k, v in vars(self).items()}


# ---------------------------------------------------------------- guest side

# The guest: setup (drivers, disk names, calibration, warm-up), then every
# group of the plan in order. A group is one script: one fio invocation that
# runs several jobs one after the other (stonewall), or one db_bench run, or
# mkfs. Each measured run calls hook.sh before and after its I/O (fio's
# exec_prerun/exec_postrun), which sets the tunables, takes the handshake with
# the host and snapshots the counters, so that a window holds the I/O only.

HOOK = r"""#!/bin/bash
# hook.sh pre|post RUN SLOT [KNOBS [SCHED [drop]]]
# The snapshots use shell builtins only (no fork): the counting window is
# from the "pre" snapshot to the "post" one, and should hold little but I/O.
# The instruction-counting window (pvcount-mark: tags 2n and 2n+1 of run rNNN
# = n) is inside that one: the last thing "pre" does, the first of "post".
phase=$1 id=$2 slot=$3 knobs=${4:--} sched=${5:--} drop=${6:-}
. /tmp/bench-env.sh
d=${DISK[$slot]}
tag=$((2 * 10#${id#r}))

snap() {	# snap FILE
	local up stat ctxt irq blk pv=()
	read -r up < /proc/uptime
	mapfile -t stat < /proc/stat
	for ctxt in "${stat[@]}"; do [ "${ctxt%%%% *}" = ctxt ] && break; done
	mapfile -t irq < /proc/interrupts
	read -r blk < "/sys/block/$d/stat"
	[ -e "/sys/block/$d/pvblk/stats" ] && mapfile -t pv < "/sys/block/$d/pvblk/stats"
	printf '%%s\n' "@time $up" "@stat" "${stat[0]}" "$ctxt" "@irq" "${irq[@]}" "@blk" "$blk" > "$1"
	[ ${#pv[@]} -gt 0 ] && printf '%%s\n' "@pv" "${pv[@]}" >> "$1"
	return 0
}

mark() {	# the host cuts the trace log, then lets us go on
	local i=0
	: > "/pvtest/m-$1"
	while [ ! -e "/pvtest/k-$1" ]; do
		i=$((i + 1))
		if [ $i -gt 10000 ]; then echo "hook: no answer from the host to $1" >&2; exit 1; fi
		sleep 0.02
	done
	rm -f "/pvtest/m-$1"
}

set -eu
case $phase in
pre)
	if [ -d "/sys/block/$d/pvblk" ]; then
		for k in poll_max_usecs irq_moderation batch_kicks; do
			echo "${PVDEF[$d.$k]}" > "/sys/block/$d/pvblk/$k"
		done
		if [ "$knobs" != - ]; then
			for kv in ${knobs//,/ }; do
				echo "${kv#*=}" > "/sys/block/$d/pvblk/${kv%%%%=*}"
			done
		fi
	fi
	[ "$sched" = - ] || echo "$sched" > "/sys/block/$d/queue/scheduler"
	if [ "$drop" = drop ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi
	mark "$id-a"
	snap "/tmp/r/$id.pre"
	[ -z "$PVMARK" ] || exec $PVMARK $tag
	;;
post)
	[ -z "$PVMARK" ] || $PVMARK $((tag + 1))
	snap "/tmp/r/$id.post"
	mark "$id-b"
	[ "$sched" = - ] || echo "$SCHED" > "/sys/block/$d/queue/scheduler"
	;;
esac
"""

GUEST = r"""
export PVBLK_KO=%(ko)s
. %(top)s/tests/guest/pvblk-lib.sh
SCHED=%(sched)s
PINMODE=%(pin)s
mkdir -p /tmp/r /pvtest/r /tmp/plan /tmp/fio
declare -A DISK PVDEF

pv_load_pvblk
pv_load_virtio_blk
for slot in %(pv_slots)s; do
	d=$(pv_disk_of_slot $slot); pv_wait_path /dev/$d
	DISK[$slot]=$d
done
for slot in %(vd_slots)s; do
	DISK[$slot]=$(pv_move $slot virtio_blk)
done

# irqs of a virtio device's virtqueues
vq_irqs() {
	awk -v p="$1-req" 'index($NF, p) == 1 { sub(":", "", $1); print $1 }' /proc/interrupts
}

echo "slot disk virtio driver queues irq_cpus" > /pvtest/setup
: > /tmp/subst.sed
for slot in %(pv_slots)s %(vd_slots)s; do
	d=${DISK[$slot]}; v=$(pv_virtio_of_slot $slot)
	echo $SCHED > /sys/block/$d/queue/scheduler
	cpus=""
	for i in $(vq_irqs $v); do
		cpus="$cpus${cpus:+,}$(cat /proc/irq/$i/effective_affinity_list)"
	done
	nq=$(ls -d /sys/block/$d/mq/* | wc -l)
	# With one queue, the workload runs on the vCPU that takes the queue's
	# interrupt, so that both drivers get the same placement.
	pin="" pincmd=""
	if [ "$PINMODE" = irq ] && [ "$nq" = 1 ]; then
		pin="cpus_allowed=${cpus%%%%,*}"; pincmd="taskset -c ${cpus%%%%,*}"
	fi
	echo "s|@DEV_$slot@|/dev/$d|g; s|@PIN_$slot@|$pin|g; s|@PINCMD_$slot@|$pincmd|g; s|@MNT_$slot@|/mnt/b$slot|g" >> /tmp/subst.sed
	if [ -d /sys/block/$d/pvblk ]; then
		for k in poll_max_usecs irq_moderation batch_kicks; do
			PVDEF[$d.$k]=$(cat /sys/block/$d/pvblk/$k)
		done
		cat /sys/block/$d/pvblk/features > /pvtest/features-$slot
		for k in poll_max_usecs irq_moderation batch_kicks; do echo "$k ${PVDEF[$d.$k]}"; done > /pvtest/pv-defaults
	fi
	drv=$(basename "$(readlink /sys/bus/virtio/devices/$v/driver)")
	echo "$slot $d $v $drv $nq $cpus" >> /pvtest/setup
	for f in scheduler nr_requests max_sectors_kb max_segments rq_affinity nomerges; do
		echo "$slot $f $(cat /sys/block/$d/queue/$f)"
	done >> /pvtest/queue-settings
done
PVMARK=%(pvmark)s
if [ -n "$PVMARK" ]; then
	# the module text ranges the pvcount plugin attributes kernel instructions to
	bash %(top)s/bench/pvcount/pvcount-ranges.sh --spin pvblk=$PVBLK_KO virtio_blk > /pvtest/pvcount-ranges
fi
cp /pvtest/hook.sh /tmp/hook.sh
{ declare -p DISK PVDEF; echo "SCHED=$SCHED"; echo "PVMARK=$PVMARK"; } > /tmp/bench-env.sh
for f in /pvtest/plan/*; do sed -f /tmp/subst.sed "$f" > /tmp/plan/${f##*/}; done
{ uname -a; nproc; cat /proc/cmdline; grep -m1 'model name' /proc/cpuinfo; } > /pvtest/guest-info

# Warm-up: one short run per disk, not measured.
warm=""
for slot in %(pv_slots)s %(vd_slots)s; do
	warm="$warm --name=warm$slot --filename=/dev/${DISK[$slot]}"
done
fio --ioengine=io_uring --direct=1 --rw=randread --bs=4k --iodepth=8 --time_based \
    --runtime=1 --stonewall $warm > /dev/null

# Which trace vdev is which disk: %(cal)d direct 4k reads at queue depth 1.
for slot in %(pv_slots)s %(vd_slots)s; do
	pv_signal m-cal-$slot-a; pv_wait k-cal-$slot-a 300; rm -f /pvtest/m-cal-$slot-a
	dd if=/dev/${DISK[$slot]} of=/dev/null bs=4k count=%(cal)d iflag=direct status=none
	pv_signal m-cal-$slot-b; pv_wait k-cal-$slot-b 300; rm -f /pvtest/m-cal-$slot-b
done
echo "setup done"

# Stall watcher: when the host sees a run make no progress, it asks for the
# guest's view of the disk (the workload itself is stuck in the foreground).
(
	set +e
	rm -f /tmp/watch.fifo; mkfifo /tmp/watch.fifo
	while ! read -r -t 5 _ <> /tmp/watch.fifo; do
		for f in /pvtest/stall-req-*; do
			[ -e "$f" ] || continue
			slot=${f##*-}
			{ pv_stall_diag ${DISK[$slot]}; sleep 5; pv_stall_diag ${DISK[$slot]}; } > /pvtest/stall-diag 2>&1
			echo w > /proc/sysrq-trigger 2>/dev/null || true
			rm -f "$f"; : > /pvtest/stall-done
		done
	done
) > /dev/null 2>&1 &
WATCH=$!
trap 'kill $WATCH 2> /dev/null' EXIT

cd /tmp/fio
for g in $(cat /tmp/plan/groups); do
	rc=0
	bash /tmp/plan/$g.sh < /dev/null > /tmp/r/$g.log 2>&1 || rc=$?
	cp /tmp/r/* /pvtest/r/ && rm -f /tmp/r/*
	pv_signal done-$g
	if [ $rc != 0 ]; then
		echo "group $g failed with rc $rc:"; tail -n 30 /pvtest/r/$g.log
		exit 1
	fi
done
for m in /mnt/b*; do
	if mountpoint -q $m; then umount $m; fi
done
for slot in %(pv_slots)s; do
	cat /sys/block/${DISK[$slot]}/pvblk/stats > /pvtest/final-stats-$slot
done
echo "all groups done"
"""


def fio_global(cfg):
    return ("[global]\nioengine=io_uring\ndirect=1\ntime_based=1\nruntime=%d\nramp_time=%d\n"
            "lat_percentiles=1\nstonewall=1\n" % (cfg.runtime, cfg.ramp))


def fio_job(cfg, rid, slot, wl, knobs="-", sched="-", ios=None):
    """One fio job: time_based (the [global] section's), or with IOS a fixed
    number of requests."""
    args = FIO_WORKLOADS[wl][2].replace("--", "").split()
    if ios:     # runtime: no cut at the [global] section's time
        args += ["time_based=0", "runtime=36000", "number_ios=%d" % ios]
    return ("\n[%s]\nfilename=@DEV_0x%x@\n@PIN_0x%x@\n%s\n"
            "exec_prerun=bash /tmp/hook.sh pre %s 0x%x %s %s\n"
            "exec_postrun=bash /tmp/hook.sh post %s 0x%x %s %s\n"
            % (rid, slot, slot, "\n".join(args), rid, slot, knobs, sched, rid, slot, knobs, sched))


def fio_shown(cfg):
    """The fio command line equivalent to one job, for BENCHMARKS.md."""
    return ("fio --name=RUN --filename=/dev/DISK --ioengine=io_uring --direct=1 --lat_percentiles=1 "
            "WORKLOAD --time_based --runtime=%d%s" % (cfg.runtime, " --ramp_time=%d" % cfg.ramp if cfg.ramp else ""))


DB_COMMON = ("--compression_type=none --key_size=16 --value_size=400 --threads=1 "
             "--histogram=1 --use_direct_io_for_flush_and_compaction=true "
             "--use_direct_reads=true --cache_size=1048576 --write_buffer_size=1048576 "
             "--target_file_size_base=2097152 --max_bytes_for_level_base=8388608 "
             "--seed=1")


def db_args(cfg, wl, mnt="MNT"):
    if wl == "db-fill":
        return "--benchmarks=fillrandom --db=%s/db --num=%d %s" % (mnt, cfg.db_num, DB_COMMON)
    return ("--benchmarks=readrandom --use_existing_db=1 --db=%s/db --num=%d --reads=%d %s"
            % (mnt, cfg.db_num, cfg.db_reads, DB_COMMON))


def db_script(cfg, rid, slot, wl):
    mnt = "@MNT_0x%x@" % slot
    pre = "rm -rf %s/db\n" % mnt if wl == "db-fill" else ""
    return ("%sbash /tmp/hook.sh pre %s 0x%x - - drop\n"
            "@PINCMD_0x%x@ db_bench %s > /tmp/r/%s.out 2>&1\n"
            "bash /tmp/hook.sh post %s 0x%x\n"
            % (pre, rid, slot, slot, db_args(cfg, wl, mnt), rid, rid, slot))


MKFS = ("mkfs.ext4 -q -F -E nodiscard,lazy_itable_init=0,lazy_journal_init=0 @DEV_0x%(s)x@\n"
        "mkdir -p @MNT_0x%(s)x@\nmount -o noatime @DEV_0x%(s)x@ @MNT_0x%(s)x@\n")


def proc_cpu(pid):
    """utime + stime of a process, all its threads (also exited ones), in
    clock ticks."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            f = f.read().rsplit(")", 1)[1].split()
        return int(f[11]) + int(f[12])
    except (OSError, IndexError, ValueError):
        return 0


# ---------------------------------------------------------------- parsing

def parse_snap(text):
    sec = None
    out = {"irq": {}, "pv": [], "time": None}
    for line in text.splitlines():
        if line.startswith("@time"):
            out["time"] = float(line.split()[1])
            continue
        if line.startswith("@"):
            sec = line[1:].strip()
            continue
        if sec == "stat" and line.startswith("cpu "):
            v = [int(x) for x in line.split()[1:]]
            out["cpu_total"] = sum(v[:8])
            out["cpu_idle"] = v[3] + v[4]
        elif sec == "stat" and line.startswith("ctxt "):
            out["ctxt"] = int(line.split()[1])
        elif sec == "irq":
            f = line.split()
            if not f or not f[0].endswith(":"):
                continue
            n = [int(x) for x in f[1:] if x.isdigit()]
            out["irq"][f[-1]] = n
        elif sec == "blk":
            v = [int(x) for x in line.split()]
            # reads, writes, discards, flushes completed
            out["reqs"] = v[0] + v[4] + (v[11] if len(v) > 11 else 0) + (v[15] if len(v) > 15 else 0)
        elif sec == "pv":
            q = {}
            for kv in line.split():
                k, _, val = kv.partition("=")
                if "," in val:
                    q[k] = [int(x) for x in val.split(",")]
                else:
                    try:
                        q[k] = int(val)
                    except ValueError:
                        q[k] = val
            out["pv"].append(q)
    return out


def pv_delta(pre, post):
    """Sum over queues of pvblk counter deltas (maxima: max of post)."""
    tot = {}
    for a, b in zip(pre, post):
        for k, v in b.items():
            if k == "queue":
                continue
            if isinstance(v, list):
                old = a.get(k, [0] * len(v))
                cur = tot.get(k, [0] * len(v))
                tot[k] = [c + x - y for c, x, y in zip(cur, v, old)]
            elif k.endswith("_max") or k == "poll_ns":
                tot[k] = max(tot.get(k, 0), v)
            elif isinstance(v, int):
                tot[k] = tot.get(k, 0) + v - a.get(k, 0)
    return tot


def parse_fio_job(job, wl):
    d = job["write"] if "write" in FIO_WORKLOADS[wl][2] else job["read"]
    # Total latency (submission to completion): under TCG a request is often
    # complete before the submitting io_uring_enter() returns, so clat alone
    # (measured from that return) misses most of it.
    lat = d.get("lat_ns", {}).get("percentile") or d["clat_ns"].get("percentile", {})
    clat = d["clat_ns"].get("percentile", {})
    unit = FIO_WORKLOADS[wl][1]
    return {
        "perf": d["iops"] if unit == "iops" else d["bw_bytes"] / 1e6,
        "iops": d["iops"],
        "p50": lat.get("50.000000", 0) / 1000.0,
        "p99": lat.get("99.000000", 0) / 1000.0,
        "clat_p50": clat.get("50.000000", 0) / 1000.0,
        "clat_p99": clat.get("99.000000", 0) / 1000.0,
        "lat_mean": d["lat_ns"]["mean"] / 1000.0,
        "ios": d["total_ios"],
        "fio_cpu": job["usr_cpu"] + job["sys_cpu"],
    }


def parse_db(text):
    m = re.search(r"^(fillrandom|readrandom)\s*:\s*([\d.]+) micros/op (\d+) ops/sec", text, re.M)
    p = re.search(r"Percentiles: P50: ([\d.]+) P75: [\d.]+ P99: ([\d.]+)", text)
    if not m:
        raise ValueError("no db_bench result line in output")
    return {
        "perf": float(m.group(3)),
        "p50": float(p.group(1)) if p else 0.0,
        "p99": float(p.group(2)) if p else 0.0,
        "ios": None,
    }


# ---------------------------------------------------------------- instructions

def driver_module(r):
    return "pvblk" if r["driver"] == "pvblk" else "virtio_blk"


def icount_per_request(results):
    """Per-request guest instructions of each run (all vCPUs): kernel
    (m["kins_req"]), of which in lock and timer spin-waits (m["spin_req"],
    see bench/pvcount/pvcount-ranges.sh --spin) and in the run's driver
    module (m["mod_req"]); kernel without the spin-waits (m["work_req"]);
    user (m["uins_req"]); the kernel's atomic instructions (m["atom_req"]:
    LOCK-prefixed and XCHG to memory, host atomics under multi-threaded TCG,
    whose cost the instruction count does not weigh). With calibration runs of the same disk, workload and
    scheduler (table "cal", a few requests in the same window), their
    counts are taken off first, so the fixed cost of a window (the hook's
    processes, fio's job start and end) cancels: (count - count_cal) /
    (requests - requests_cal). Without, count / requests (m["ins_cal"]
    False)."""
    cals = {}
    for r in results:
        if r["table"] == "cal" and "ins" in r.get("m", {}):
            cals.setdefault((r["kver"], r["backend"], r["slot"], r["driver"], r["wl"], r["sched"]),
                            []).append(r["m"])
    for r in results:
        m = r.get("m", {})
        if "ins" not in m or not m.get("reqs"):
            continue
        mod = driver_module(r)
        c = cals.get((r["kver"], r["backend"], r["slot"], r["driver"], r["wl"], r["sched"]))
        if r["table"] != "cal" and c:
            k0 = statistics.mean(x["ins"]["kernel"] for x in c)
            u0 = statistics.mean(x["ins"]["user"] for x in c)
            m0 = statistics.mean(x["ins"].get(mod, 0) for x in c)
            s0 = statistics.mean(x["ins"].get("spin", 0) for x in c)
            a0 = statistics.mean(x["ins"].get("atomics_kernel", 0) for x in c)
            r0 = statistics.mean(x["reqs"] for x in c)
            m["ins_cal"] = {"kernel": k0, "user": u0, "module": m0, "spin": s0, "reqs": r0, "n": len(c)}
        else:
            k0 = u0 = m0 = s0 = a0 = r0 = 0
            m["ins_cal"] = False
        n = m["reqs"] - r0
        if n <= 0:
            continue
        m["kins_req"] = (m["ins"]["kernel"] - k0) / n
        m["uins_req"] = (m["ins"]["user"] - u0) / n
        m["mod_req"] = (m["ins"].get(mod, 0) - m0) / n
        m["spin_req"] = (m["ins"].get("spin", 0) - s0) / n
        m["work_req"] = m["kins_req"] - m["spin_req"]
        if "atomics_kernel" in m["ins"]:
            m["atom_req"] = (m["ins"]["atomics_kernel"] - a0) / n
        m["kins_req_raw"] = m["ins"]["kernel"] / m["reqs"]


# ---------------------------------------------------------------- one boot

def boot_plans(cfg):
    """The boots of one backend: [(swap, fio rounds, db_bench rounds)]. With
    BENCH_SWAP=split, two: pvblk on the even slot for the first half of the
    rounds (the larger half when odd), on the odd slot for the rest; round
    numbers run on across the two, so that each round is one pair."""
    def halves(n):
        k = (n + 1) // 2
        return range(0, k), range(k, n)
    if cfg.swap_mode != "split":
        return [(cfg.swap_mode == "odd", range(cfg.pairs), range(cfg.db_pairs))]
    (f0, f1), (d0, d1) = halves(cfg.pairs), halves(cfg.db_pairs)
    return [p for p in ((False, f0, d0), (True, f1, d1)) if len(p[1]) or len(p[2])]


class Boot:
    """One guest: one backend, a pvblk/virtio_blk disk pair per queue count;
    pvblk on the even PCI slot of each pair, or on the odd one with SWAP;
    the fio rounds ROUNDS and db_bench rounds DB_ROUNDS of the plan."""

    CAL_READS = 512

    def __init__(self, cfg, kver, backend, ko, swap=False, rounds=None, db_rounds=None):
        self.cfg = cfg
        self.kver = kver
        self.backend = backend
        self.ko = ko
        self.swap = swap
        self.rounds = range(cfg.pairs) if rounds is None else rounds
        self.db_rounds = range(cfg.db_pairs) if db_rounds is None else db_rounds
        tag = "-swap" if swap else ""
        self.name = "pvbench-%s%s" % (backend, tag)
        self.shm = os.path.join(cfg.shm, "%s-%s%s" % (kver, backend, tag))
        self.pairs = []          # (q, pv_slot, vd_slot)
        for i, q in enumerate(cfg.queues):
            pv, vd = 0x10 + 2 * i, 0x11 + 2 * i
            if swap:
                pv, vd = vd, pv
            self.pairs.append((q, pv, vd))
        self.groups = []         # {"id", "kind": fio|db|mkfs, "runs": [run]}
        self.qsd = None
        self.marks = {}
        self.host_cpu = {}       # mark -> (CPU ticks of QEMU + qsd, wall time)
        self.results = []
        self.vdev = {}

    def slots(self):
        return [s for _, pv, vd in self.pairs for s in (pv, vd)]

    # --- plan
    def plan(self):
        cfg = self.cfg
        fio_wls = [w for w in cfg.workloads if w in FIO_WORKLOADS]
        db_wls = [w for w in cfg.workloads if w in DB_WORKLOADS] if self.backend != "null" else []
        n = [0]

        def run(q, slot, drv, wl, sched="-", knobs="-", variant=None, rnd=0, table="main", ios=None):
            n[0] += 1
            return {"id": "r%03d" % n[0], "q": q, "slot": slot, "swap": self.swap, "driver": drv, "wl": wl,
                    "sched": sched, "knobs": knobs, "variant": variant, "round": rnd, "table": table,
                    "ios": ios}

        def cal(q, wl, sched="-", slots=None):
            """Calibration runs (BENCH_ICOUNT_CAL requests, table "cal") of
            WL on each disk of the pair (or SLOTS)."""
            if not cfg.icount or not cfg.icount_cal:
                return []
            return [run(q, slot, drv, wl, sched=sched, table="cal", ios=cfg.icount_cal,
                        variant="cal-%s" % sched)
                    for slot, drv in (slots or ((pv, "pvblk"), (vd, "virtio_blk")))]

        def group(kind, runs, text=None):
            if kind == "fio" and all(r["table"] == "cal" for r in runs):
                return      # no rounds of this boot: no calibration either
            self.groups.append({"id": "g%03d" % (len(self.groups) + 1), "kind": kind,
                                "runs": runs, "text": text})

        def ab(r, pv, vd):
            """The pair's order in round R: ABBA unless BENCH_ORDER=ab."""
            pair = ((pv, "pvblk"), (vd, "virtio_blk"))
            return pair[::-1] if cfg.order == "abba" and r % 2 else pair

        for q, pv, vd in self.pairs:
            for wl in fio_wls:
                # calibration runs first and last: the window's fixed cost
                group("fio", cal(q, wl) + [run(q, slot, drv, wl, rnd=r) for r in self.rounds
                                           for slot, drv in ab(r, pv, vd)] + cal(q, wl))
            if self.backend == "null" and cfg.sched_row and q == cfg.queues[0]:
                s = cfg.sched_row
                group("fio", cal(q, ABLATION_WL, s) +
                      [run(q, slot, drv, ABLATION_WL, sched=s, rnd=r, table="sched")
                       for r in self.rounds for slot, drv in ab(r, pv, vd)] +
                      cal(q, ABLATION_WL, s))
            if self.backend == "null" and cfg.cost_wls and q == cfg.queues[0]:
                for wl in cfg.cost_wls:
                    runs = []
                    for r in self.rounds:
                        for ios in cfg.cost_ios:
                            runs += [run(q, slot, drv, wl, rnd=r, table="cost", ios=ios, variant=str(ios))
                                     for slot, drv in ab(r, pv, vd)]
                    group("fio", runs)
            if self.backend in cfg.ablation_backends and (cfg.ablation == "on" or
                                                         (cfg.ablation == "1q" and q == 1)):
                for awl in cfg.ablation_wls:
                    runs = cal(q, awl)
                    for r in self.rounds:
                        runs.append(run(q, vd, "virtio_blk", awl, rnd=r, variant="virtio_blk",
                                        table="ablation"))
                        for vname, knobs in ABLATION:
                            ks = ",".join("%s=%s" % kv for kv in knobs.items()) or "-"
                            runs.append(run(q, pv, "pvblk", awl, knobs=ks, rnd=r, variant=vname,
                                            table="ablation"))
                    group("fio", runs + cal(q, awl))
        if db_wls:
            group("mkfs", [], "".join(MKFS % {"s": slot} for slot in self.slots()))
            for q, pv, vd in self.pairs:
                for r in self.db_rounds:
                    for slot, drv in ((pv, "pvblk"), (vd, "virtio_blk")):
                        for wl in db_wls:
                            group("db", [run(q, slot, drv, wl, rnd=r)])

    def write_plan(self, vm):
        os.makedirs(vm.path("plan"))
        with open(vm.path("hook.sh"), "w") as f:
            f.write(HOOK % {})
        with open(vm.path("plan/groups"), "w") as f:
            f.write("\n".join(g["id"] for g in self.groups) + "\n")
        for g in self.groups:
            if g["kind"] == "fio":
                with open(vm.path("plan/%s.fio" % g["id"]), "w") as f:
                    f.write(fio_global(self.cfg))
                    for r in g["runs"]:
                        f.write(fio_job(self.cfg, r["id"], r["slot"], r["wl"], r["knobs"], r["sched"],
                                        r.get("ios")))
                text = ("fio --output-format=json --output=/tmp/r/%s.json /tmp/plan/%s.fio\n"
                        % (g["id"], g["id"]))
            elif g["kind"] == "db":
                r = g["runs"][0]
                text = db_script(self.cfg, r["id"], r["slot"], r["wl"])
            else:
                text = g["text"]
            with open(vm.path("plan/%s.sh" % g["id"]), "w") as f:
                f.write(text)

    def estimate_secs(self):
        t = 90
        for g in self.groups:
            if g["kind"] == "mkfs":
                t += 30
            elif g["kind"] == "fio":
                t += 3 + sum((r["ios"] / 10000.0 if r.get("ios") else self.cfg.runtime + self.cfg.ramp) + 1.5
                             for r in g["runs"])
            else:
                t += 20
        return int(t)

    # --- host side
    def images(self):
        os.makedirs(self.shm, exist_ok=True)
        paths = {}
        chunk = hashlib.sha256(b"pvbench").digest() * (1 << 15)   # 1 MiB
        for slot in self.slots():
            p = os.path.join(self.shm, "disk-%x.img" % slot)
            # Non-zero, identical contents on every disk: reads of real data.
            with open(p, "wb") as f:
                for _ in range(self.cfg.disk_mb):
                    f.write(chunk)
            paths[slot] = p
        return paths

    def qemu_args(self):
        cfg = self.cfg
        args = []
        os.makedirs(self.shm, exist_ok=True)
        if self.backend == "vhost":
            args += ["-object", "memory-backend-memfd,id=mem,size=%s,share=on" % cfg.mem,
                     "-machine", "memory-backend=mem"]
        imgs = self.images() if self.backend in ("tmpfs", "vhost") else {}
        qsd = ["/usr/bin/qemu-storage-daemon"]
        for q, pv, vd in self.pairs:
            for slot in sorted((pv, vd)):
                node = "b%x" % slot
                if self.backend == "null":
                    args += disk(node, slot, null_size_mb=1024, dev={"num-queues": q})
                elif self.backend == "tmpfs":
                    args += disk(node, slot, image=imgs[slot], dev={"num-queues": q})
                else:
                    sock = os.path.join(self.shm, "%s.sock" % node)
                    qsd += ["--blockdev", "driver=file,node-name=%s-file,filename=%s" % (node, imgs[slot]),
                            "--blockdev", "driver=raw,node-name=%s,file=%s-file" % (node, node),
                            "--export", "type=vhost-user-blk,id=%s-exp,node-name=%s,addr.type=unix,"
                            "addr.path=%s,writable=on,num-queues=%d" % (node, node, sock, q)]
                    args += ["-chardev", "socket,id=%s-chr,path=%s" % (node, sock),
                             "-device", "vhost-user-blk-pci,chardev=%s-chr,id=%s-dev,addr=0x%x,num-queues=%d"
                             % (node, node, slot, q)]
        if self.backend == "vhost":
            self.qsd_argv = qsd
        self.trace_path = None
        if cfg.trace:
            ev = os.path.join(self.shm, "trace-events")
            with open(ev, "w") as f:
                f.write("virtio_queue_notify\n")
            self.trace_path = os.path.join(self.shm, "trace.log")
            if os.path.exists(self.trace_path):
                os.unlink(self.trace_path)
            args += ["-trace", "events=%s,file=%s" % (ev, self.trace_path)]
        return args

    def start_qsd(self):
        logname = os.path.join(self.cfg.work, "%s-%s-qsd.log" % (self.kver, self.backend))
        with open(logname, "wb") as log:
            self.qsd = subprocess.Popen(self.qsd_argv, stdin=subprocess.DEVNULL, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        socks = [a.split("addr.path=")[1].split(",")[0] for a in self.qsd_argv if "addr.path=" in a]
        deadline = time.time() + 30
        while not all(os.path.exists(s) for s in socks):
            if self.qsd.poll() is not None or time.time() > deadline:
                raise RuntimeError("qemu-storage-daemon did not come up (see %s)" % logname)
            time.sleep(0.1)

    def stop_qsd(self):
        if self.qsd and self.qsd.poll() is None:
            os.killpg(self.qsd.pid, signal.SIGTERM)
            try:
                self.qsd.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.qsd.pid, signal.SIGKILL)
                self.qsd.wait()

    def run(self):
        cfg = self.cfg
        self.plan()
        extra = self.qemu_args()
        timeout = int(self.estimate_secs() * 3) + 300
        vm = VM(kver=self.kver, name=self.name, cpus=cfg.cpus, mem=cfg.mem, timeout=timeout,
                xtrace=False, tcg_thread=cfg.tcg, append=cfg.append,
                cpu=getattr(cfg, "cpu_model", "max"))
        vm.extra += extra
        self.icount_out = None
        if cfg.icount:
            pvcount.build(TOP)
            self.icount_out = vm.path("pvcount.out")
            vm.extra += pvcount.qemu_args(TOP, self.icount_out, vm.path("pvcount-ranges"))
        self.vm = vm
        self.write_plan(vm)
        pv_slots = " ".join("0x%x" % pv for _, pv, _ in self.pairs)
        vd_slots = " ".join("0x%x" % vd for _, _, vd in self.pairs)
        vm.script = GUEST % {"ko": self.ko, "top": TOP, "sched": cfg.sched, "pin": cfg.pin,
                             "pv_slots": pv_slots, "vd_slots": vd_slots, "cal": self.CAL_READS,
                             "pvmark": pvcount.mark(TOP) if cfg.icount else ""}
        if self.backend == "vhost":
            self.start_qsd()
            self.qsd_cmd = " ".join(shlex.quote(a) for a in self.qsd_argv)
        tc = TraceCounter(self.trace_path) if self.trace_path else None
        nruns = sum(len(g["runs"]) for g in self.groups)
        print("bench: %s, backend %s: %d runs, about %d min" %
              (self.kver, self.backend, nruns, self.estimate_secs() // 60 + 1), flush=True)
        t0 = time.time()
        self.ndone = 0
        by_id = {g["id"]: g for g in self.groups}
        seen_done = set()
        try:
            vm.start()
            self.qemu_cmd = open(vm.path("qemu.cmd")).read().strip()
            while True:
                alive = vm.running()
                for f in sorted(os.listdir(vm.run_dir)):
                    if f.startswith("m-") and f[2:] not in self.marks:
                        name = f[2:]
                        self.on_mark(vm, name)
                        self.marks[name] = tc.update() if tc else {}
                        self.host_cpu[name] = (proc_cpu(vm.proc.pid) +
                                               (proc_cpu(self.qsd.pid) if self.qsd else 0), time.time())
                        vm.signal("k-" + name)
                        if name.startswith("cal-") and len(self.marks) == 2 * len(self.slots()):
                            self.vdev_of_slot()
                    elif f.startswith("done-") and f not in seen_done:
                        seen_done.add(f)
                        self.collect(by_id[f[5:]], t0, nruns)
                if not alive:
                    break
                self.check_stall(vm)
                time.sleep(0.03)
            res = vm.wait(check=False)
        finally:
            vm.kill()
            self.stop_qsd()
            if tc:
                tc.close()
        if not res.ok:
            tail = "\n".join(res.console.splitlines()[-40:])
            raise RuntimeError("guest run failed: %s\n--- console tail ---\n%s\n--- run dir: %s"
                               % (res.reason, tail, res.run_dir))
        self.guest_info = {
            "uname": (res.file("guest-info") or "").splitlines(),
            "features": {k: (res.file("features-%s" % k) or "").strip()
                         for k in [("0x%x" % pv) for _, pv, _ in self.pairs]},
            "pv_defaults": ", ".join((res.file("pv-defaults") or "").strip().splitlines()),
            "queue_settings": res.file("queue-settings"),
            "setup": res.file("setup"),
            "final_stats": {("0x%x" % pv): res.file("final-stats-0x%x" % pv) for _, pv, _ in self.pairs},
        }
        for g in self.groups:
            for r in g["runs"]:
                if "m" not in r:
                    raise RuntimeError("run %s (group %s) has no result: %s" % (r["id"], g["id"], r.get("err")))
        if cfg.icount:
            self.guest_info["pvcount_ranges"] = [list(x) for x in self.icount_ranges]
            icount_per_request(self.results)
        return self.results

    def on_mark(self, vm, name):
        """Called as the guest reaches handshake NAME ("rNNN-a" before a run's
        I/O, "rNNN-b" after it), before the counters are taken and the guest
        is let go on: a subclass (bench/host_bench.py) changes host settings
        for the run here."""

    def check_stall(self, vm):
        """A run whose I/O has not ended long after its runtime: the driver
        (or the device) lost requests. Collect both sides' view and stop."""
        open_runs = [n[:-2] for n in self.marks if n.endswith("-a") and not n.startswith("cal-")
                     and n[:-2] + "-b" not in self.marks]
        if not open_runs:
            return
        rid = open_runs[-1]
        run = next((r for g in self.groups for r in g["runs"] if r["id"] == rid), None)
        if run is None:
            return
        grace = self.cfg.stall_secs
        limit = (self.cfg.runtime + self.cfg.ramp + grace) if run["wl"] in FIO_WORKLOADS else 900 + grace
        if run.get("ios"):
            limit = run["ios"] / 1000.0 + grace
        started = self.host_cpu[rid + "-a"][1]
        if time.time() - started < limit:
            return
        out = ["run %s: %s, %d queue(s), %s, %s%s: no end of I/O %d s after it started" % (
            rid, self.backend, run["q"], wl_title(run["wl"]), run["driver"],
            " (%s)" % run["variant"] if run["variant"] else "", time.time() - started), ""]
        path = "/machine/peripheral/b%x-dev/virtio-backend" % run["slot"]
        out.append("--- QEMU's view of the device's virtqueues (%s)" % path)
        for q in range(run["q"]):
            try:
                out.append(virtq.queue_state(vm.qmp, path, q))
            except Exception as e:
                out.append("queue %d: %s" % (q, e))
        vm.signal("stall-req-0x%x" % run["slot"])
        deadline = time.time() + 60
        while time.time() < deadline and not os.path.exists(vm.path("stall-done")) and vm.running():
            time.sleep(0.5)
        out += ["", "--- the guest's view (twice, 5 s apart)", (open(vm.path("stall-diag")).read()
                if os.path.exists(vm.path("stall-diag")) else "(no answer from the guest)")]
        time.sleep(2)
        report = os.path.join(self.cfg.work, "stall-%s-%s-%s.txt" % (self.kver, self.backend, rid))
        with open(report, "w") as f:
            f.write("\n".join(out) + "\n")
        vm.kill()
        raise RuntimeError("%s stalled: %s\n%s\nfull diagnostics: %s (guest console: %s)"
                           % (run["driver"], out[0], "\n".join(out[3:3 + run["q"]]), report,
                              vm.path("console")))

    def vdev_of_slot(self):
        """Map each disk's slot to its trace vdev from the calibration reads:
        the vdev with at least 3/4 of the reads as kicks in the disk's own
        window and none in the other disks' windows (the 9p devices kick in
        every window)."""
        win = {}
        for slot in self.slots():
            a = self.marks.get("cal-0x%x-a" % slot)
            b = self.marks.get("cal-0x%x-b" % slot)
            if a is None or b is None:
                return
            win[slot] = {k: v - a.get(k, 0) for k, v in b.items() if v - a.get(k, 0) > 0}
        for slot, d in win.items():
            cands = [k for k, v in d.items() if v >= self.CAL_READS * 3 // 4
                     and all(k not in win[o] for o in win if o != slot)]
            if len(cands) == 1:
                self.vdev[slot] = cands[0]

    def vio_of(self, slot):
        if not hasattr(self, "_vio"):
            self._vio = {}
            for line in open(self.vm.path("setup")).read().splitlines()[1:]:
                f = line.split()
                self._vio[int(f[0], 16)] = f[2]
        return self._vio[slot]

    def collect(self, g, t0, nruns):
        d = os.path.join(self.vm.run_dir, "r")
        fio = None
        snaps = None
        if self.icount_out:
            p = pvcount.parse(open(self.icount_out).read())
            snaps = p["snaps"]
            self.icount_ranges = p["ranges"]
        if g["kind"] == "fio":
            try:
                txt = open(os.path.join(d, g["id"] + ".json")).read()
                fio = {j["jobname"]: j for j in json.loads(txt[txt.index("{"):])["jobs"]}
            except (OSError, ValueError) as e:
                for r in g["runs"]:
                    r["err"] = "no fio output: %s" % e
                return
        for r in g["runs"]:
            try:
                pre = parse_snap(open(os.path.join(d, r["id"] + ".pre")).read())
                post = parse_snap(open(os.path.join(d, r["id"] + ".post")).read())
                if fio is not None:
                    m = parse_fio_job(fio[r["id"]], r["wl"])
                else:
                    m = parse_db(open(os.path.join(d, r["id"] + ".out")).read())
                self.counters(r, m, pre, post)
                if snaps is not None:
                    self.icounts(r, m, snaps)
                r["m"] = m
                res = dict(r)
                res["backend"] = self.backend
                res["kver"] = self.kver
                self.results.append(res)
            except Exception as e:     # reported at the end of the boot
                r["err"] = "%s: %s" % (type(e).__name__, e)
            self.ndone += 1
            self.progress(r, nruns, t0)

    def counters(self, r, m, pre, post):
        reqs = post["reqs"] - pre["reqs"]
        m["reqs"] = reqs
        m["secs"] = post["time"] - pre["time"]
        busy = (post["cpu_total"] - post["cpu_idle"]) - (pre["cpu_total"] - pre["cpu_idle"])
        m["cpu_us_req"] = busy * 1e6 / USER_HZ / reqs if reqs else None
        m["cpu_util"] = busy / USER_HZ / m["secs"] if m["secs"] else None
        if "ctxt" in pre and "ctxt" in post and reqs:
            m["ctxt_req"] = (post["ctxt"] - pre["ctxt"]) / reqs
        vio = self.vio_of(r["slot"])
        irqs = 0
        for name, cnt in post["irq"].items():
            if name.startswith(vio + "-req"):
                irqs += sum(cnt) - sum(pre["irq"].get(name, [0] * len(cnt)))
        m["irqs"] = irqs
        m["irq_req"] = irqs / reqs if reqs else None
        vdev = self.vdev.get(r["slot"])
        a, b = self.marks.get(r["id"] + "-a"), self.marks.get(r["id"] + "-b")
        if vdev and a is not None and b is not None:
            m["kicks"] = b.get(vdev, 0) - a.get(vdev, 0)
            m["kick_req"] = m["kicks"] / reqs if reqs else None
        else:
            m["kicks"] = m["kick_req"] = None
        if pre["pv"]:
            m["pv"] = pv_delta(pre["pv"], post["pv"])
        ha, hb = self.host_cpu.get(r["id"] + "-a"), self.host_cpu.get(r["id"] + "-b")
        if ha and hb:
            ticks = hb[0] - ha[0]
            m["host_cpu_us_req"] = ticks * 1e6 / USER_HZ / reqs if reqs else None
            m["host_cpu_util"] = ticks / USER_HZ / (hb[1] - ha[1])

    def icounts(self, r, m, snaps):
        """The run's guest instructions (all vCPUs) from its two pvcount
        snapshots: m["ins"] = {user, kernel, kernel_other, pvblk, virtio_blk}."""
        n = int(r["id"][1:])
        a, b = snaps.get(str(2 * n)), snaps.get(str(2 * n + 1))
        if a is None or b is None:
            raise RuntimeError("no pvcount snapshots %d/%d for run %s" % (2 * n, 2 * n + 1, r["id"]))
        d = pvcount.delta(a, b)
        if d["ranges_changed"]:
            raise RuntimeError("pvcount ranges changed during run %s" % r["id"])
        m["ins"] = {k: v for k, v in d.items() if k not in ("vcpu", "ranges_changed")}
        m["ins_vcpu"] = {str(v): c for v, c in d["vcpu"].items()}

    def progress(self, r, nruns, t0):
        m = r.get("m")
        tag = "%s q%d %-14s %-10s %s" % (self.backend, r["q"], r["wl"], r["driver"],
                                         r["variant"] or (r["sched"] if r["sched"] != "-" else ""))
        el = time.time() - t0
        if not m:
            print("  [%d/%d %4.0fs] %s: %s" % (self.ndone, nruns, el, tag, r.get("err", "?")), flush=True)
            return
        unit = (FIO_WORKLOADS.get(r["wl"]) or DB_WORKLOADS[r["wl"]])[1]
        kr = "%.3f" % m["kick_req"] if m.get("kick_req") is not None else "n/a"
        ins = ""
        if m.get("ins") and m.get("reqs"):
            ins = " kins/req %.0f (%s %.0f)" % (m["ins"]["kernel"] / m["reqs"], driver_module(r),
                                                m["ins"].get(driver_module(r), 0) / m["reqs"])
        print("  [%d/%d %4.0fs] %s: %.0f %s p50 %.0fus p99 %.0fus kicks/req %s irq/req %.3f "
              "cpu %.1fus/req host %.1fus/req (%.2f cores)%s"
              % (self.ndone, nruns, el, tag, m["perf"], unit, m["p50"], m["p99"], kr,
                 m["irq_req"] or 0, m["cpu_us_req"] or 0, m.get("host_cpu_us_req") or 0,
                 m.get("host_cpu_util") or 0, ins), flush=True)


# ---------------------------------------------------------------- report

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def summarize(results, table, key_fn):
    """Group results of TABLE by key_fn; for each group, per-driver medians
    of every metric and the pvblk/virtio_blk ratio of per-pair ratios."""
    groups = {}
    for r in results:
        if r["table"] != table or "m" not in r:
            continue
        groups.setdefault(key_fn(r), []).append(r)
    out = {}
    for key, rs in groups.items():
        by = {}
        for r in rs:
            by.setdefault(r.get("variant") or r["driver"], {})[r["round"]] = r["m"]
        out[key] = by
    return out


def metric_med(runs, name):
    return med([m.get(name) for m in runs.values()])


def pv_metric(runs, fn):
    vals = []
    for m in runs.values():
        pv = m.get("pv")
        if pv:
            try:
                vals.append(fn(pv))
            except ZeroDivisionError:
                pass
    return med(vals)


def pair_ratio(a, b, name):
    """Median over rounds of a[r][name] / b[r][name], plus min and max."""
    rs = []
    for r in a:
        if r in b and a[r].get(name) and b[r].get(name):
            rs.append(a[r][name] / b[r][name])
    if not rs:
        return None, None, None
    return statistics.median(rs), min(rs), max(rs)


def f_num(x, unit=None):
    if x is None:
        return "n/a"
    if unit == "MB/s":
        return "%.0f" % x
    if x >= 100:
        return "%.0f" % x
    if x >= 10:
        return "%.1f" % x
    return "%.2f" % x


def f_ratio(t):
    med_ = t[0]
    if med_ is None:
        return "n/a"
    r = round(med_, 2)
    return "**%.2f**" % r if (r < 0.95 or r >= 1.2) else "%.2f" % r


def f_range(t):
    med_, lo, hi = t
    if med_ is None:
        return ""
    return "%.2f–%.2f" % (lo, hi)


def f_range3(t):
    med_, lo, hi = t
    if med_ is None:
        return ""
    return "%.3f–%.3f" % (lo, hi)


def f_per(x):
    return "n/a" if x is None else "%.3f" % x


def f_atom(x):
    return "n/a" if x is None else "%.1f" % x


def f_pct(x):
    return "n/a" if x is None else ("%.1f" % x if x >= 0.1 or x == 0 else "%.2f" % x)


WL_ORDER = {w: i for i, w in enumerate(ALL_WORKLOADS)}
BK_ORDER = {b: i for i, b in enumerate(BACKENDS)}


def wl_title(wl):
    return (FIO_WORKLOADS.get(wl) or DB_WORKLOADS[wl])[0]


def wl_unit(wl):
    return (FIO_WORKLOADS.get(wl) or DB_WORKLOADS[wl])[1]


def own(pv_runs, num, den, scale=1.0):
    return pv_metric(pv_runs, lambda p: scale * p[num] / p[den])


def slot_cells(by_slot, k):
    """The throughput table's last two cells: row K's ratio (and range) over
    the rounds with pvblk on the even slot, then over those on the odd one."""
    cells = ""
    for sw in (False, True):
        runs = by_slot[sw].get(k, {})
        t = pair_ratio(runs.get("pvblk", {}), runs.get("virtio_blk", {}), "perf")
        cells += " %s (%s) |" % (f_ratio(t), f_range(t)) if t[0] is not None else " n/a |"
    return cells


def main_tables(results, kver):
    rs = [r for r in results if r["kver"] == kver]
    S = summarize(rs, "main", lambda r: (r["backend"], r["q"], r["wl"]))
    keys = sorted(S, key=lambda k: (BK_ORDER[k[0]], k[1], WL_ORDER[k[2]]))
    # With the rounds split between the slots (BENCH_SWAP=split): each
    # slot's ratio as well, the check for an effect of the slot.
    mains = [r for r in rs if r["table"] == "main"]
    split = len({bool(r.get("swap")) for r in mains}) == 2
    by_slot = {sw: summarize([r for r in mains if bool(r.get("swap")) == sw], "main",
                             lambda r: (r["backend"], r["q"], r["wl"])) for sw in (False, True)} \
        if split else {}
    perf = ["| backend | queues | workload | unit | pvblk | virtio_blk | ratio | ratio range "
            "| p50 µs pv | p50 µs vb | p50 ratio | p99 µs pv | p99 µs vb | p99 ratio |"
            + (" ratio, pvblk on even slot | on odd slot |" if split else ""),
            "|---|---|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"
            + ("---|---|" if split else "")]
    cost = ["| backend | queues | workload | kicks/req pv | kicks/req vb | irqs/req pv | irqs/req vb "
            "| guest CPU µs/req pv | vb | ratio | host CPU µs/req pv | vb | ratio | ratio range |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    owns = ["| backend | queues | workload | kicks/req | same as trace | irqs/req | empty irqs % "
            "| polled % | poll windows/irq | moderated/irq | req/batch | req/pass |",
            "|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for k in keys:
        by = S[k]
        pv, vb = by.get("pvblk", {}), by.get("virtio_blk", {})
        unit = wl_unit(k[2])
        head = "| %s | %d | %s |" % (k[0], k[1], wl_title(k[2]))
        perf.append(head + " %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            unit, f_num(metric_med(pv, "perf"), unit), f_num(metric_med(vb, "perf"), unit),
            f_ratio(pair_ratio(pv, vb, "perf")), f_range(pair_ratio(pv, vb, "perf")),
            f_num(metric_med(pv, "p50")), f_num(metric_med(vb, "p50")), f_ratio(pair_ratio(pv, vb, "p50")),
            f_num(metric_med(pv, "p99")), f_num(metric_med(vb, "p99")), f_ratio(pair_ratio(pv, vb, "p99")))
            + (slot_cells(by_slot, k) if split else ""))
        cost.append(head + " %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            f_per(metric_med(pv, "kick_req")), f_per(metric_med(vb, "kick_req")),
            f_per(metric_med(pv, "irq_req")), f_per(metric_med(vb, "irq_req")),
            f_num(metric_med(pv, "cpu_us_req")), f_num(metric_med(vb, "cpu_us_req")),
            f_ratio(pair_ratio(pv, vb, "cpu_us_req")),
            f_num(metric_med(pv, "host_cpu_us_req")), f_num(metric_med(vb, "host_cpu_us_req")),
            f_ratio(pair_ratio(pv, vb, "host_cpu_us_req")), f_range(pair_ratio(pv, vb, "host_cpu_us_req"))))
        same = [m["kicks"] == m["pv"]["kicks"] for m in pv.values()
                if m.get("kicks") is not None and m.get("pv")]
        owns.append(head + " %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            f_per(own(pv, "kicks", "requests")),
            ("yes, %d of %d runs" % (sum(same), len(same)) if all(same) else
             "**no**, %d of %d runs" % (sum(same), len(same))) if same else "n/a",
            f_per(own(pv, "irqs", "requests")),
            f_pct(pv_metric(pv, lambda p: 100.0 * p["irqs_empty"] / p["irqs"] if p["irqs"] else 0.0)),
            f_pct(own(pv, "polled", "completions", 100.0)),
            f_num(pv_metric(pv, lambda p: p["poll_windows"] / p["irqs"] if p["irqs"] else 0.0)),
            f_num(pv_metric(pv, lambda p: p["moderated"] / p["irqs"] if p["irqs"] else 0.0)),
            f_num(own(pv, "requests", "batches")), f_num(own(pv, "completions", "cbatches"))))
    return perf, cost, owns, S


def f_ins(x):
    return "n/a" if x is None else "{:,.0f}".format(x)


def icount_table(results, kver):
    """Guest instructions per request, pvblk against virtio_blk, for every
    row of the main table."""
    rs = [r for r in results if r["kver"] == kver]
    S = summarize(rs, "main", lambda r: (r["backend"], r["q"], r["wl"]))
    lines = ["| backend | queues | workload | kernel pv | kernel vb | ratio | ratio range "
             "| spin-wait pv | spin-wait vb | kernel excl. spin ratio | ratio range "
             "| driver module pv | driver module vb | module ratio | user pv | user vb "
             "| context switches/req pv | vb | kernel atomics pv | vb | atomics ratio |",
             "|---|---|---|---:|---:|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:"
             "|---:|---:|---:|"]
    n = 0
    for k in sorted(S, key=lambda k: (BK_ORDER[k[0]], k[1], WL_ORDER[k[2]])):
        pv, vb = S[k].get("pvblk", {}), S[k].get("virtio_blk", {})
        if metric_med(pv, "kins_req") is None:
            continue
        n += 1
        lines.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s "
                     "| %s | %s | %s | %s | %s |" % (
            k[0], k[1], wl_title(k[2]),
            f_ins(metric_med(pv, "kins_req")), f_ins(metric_med(vb, "kins_req")),
            f_iratio(pair_ratio(pv, vb, "kins_req")), f_range3(pair_ratio(pv, vb, "kins_req")),
            f_ins(metric_med(pv, "spin_req")), f_ins(metric_med(vb, "spin_req")),
            f_iratio(pair_ratio(pv, vb, "work_req")), f_range3(pair_ratio(pv, vb, "work_req")),
            f_ins(metric_med(pv, "mod_req")), f_ins(metric_med(vb, "mod_req")),
            f_iratio(pair_ratio(pv, vb, "mod_req")),
            f_ins(metric_med(pv, "uins_req")), f_ins(metric_med(vb, "uins_req")),
            f_per(metric_med(pv, "ctxt_req")), f_per(metric_med(vb, "ctxt_req")),
            f_atom(metric_med(pv, "atom_req")), f_atom(metric_med(vb, "atom_req")),
            f_iratio(pair_ratio(pv, vb, "atom_req"))))
    return lines if n else []


def f_iratio(t):
    """An instruction-count ratio: 3 decimals (counts repeat to ~1 %), bold
    above 1.00 (pvblk costs more) or at most 0.90."""
    med_ = t[0]
    if med_ is None:
        return "n/a"
    r = round(med_, 3)
    return "**%.3f**" % r if (r > 1.0 or r <= 0.9) else "%.3f" % r


def cost_table(results, kver):
    """The reference method (BENCH_COST_WLS): per round and driver,
    (count at N2 - count at N1) / (requests at N2 - requests at N1)."""
    rs = [r for r in results if r["kver"] == kver and r["table"] == "cost" and "ins" in r.get("m", {})]
    if not rs:
        return []
    by = {}
    for r in rs:
        by.setdefault((r["backend"], r["q"], r["wl"]), {}).setdefault(r["driver"], {}) \
            .setdefault(r["round"], {})[r["ios"]] = r["m"]
    lines = ["| backend | queues | workload | driver | kernel/req | range | kernel excl. spin/req "
             "| driver module/req | spin-wait/req | user/req | kernel ratio | range | excl. spin ratio "
             "| range | module ratio | window method at N2 | context switches/req at N2 |",
             "|---|---|---|---|---:|---|---:|---:|---:|---:|---:|---|---:|---|---:|---:|---:|"]
    for key in sorted(by, key=lambda k: (BK_ORDER[k[0]], k[1], WL_ORDER[k[2]])):
        per = {}
        for drv, rounds in by[key].items():
            mod = "pvblk" if drv == "pvblk" else "virtio_blk"
            out = {}
            for rnd, runs in rounds.items():
                if len(runs) != 2:
                    continue
                (n1, a), (n2, b) = sorted(runs.items())
                dr = b["reqs"] - a["reqs"]
                if dr <= 0:
                    continue
                d = {k: (b["ins"].get(k, 0) - a["ins"].get(k, 0)) / dr
                     for k in ("kernel", "user", "spin", mod)}
                out[rnd] = {"kins_req": d["kernel"], "mod_req": d[mod], "spin_req": d["spin"],
                            "work_req": d["kernel"] - d["spin"], "uins_req": d["user"],
                            "win_req": b["ins"]["kernel"] / b["reqs"], "ctxt_req": b.get("ctxt_req")}
            per[drv] = out
        pv, vb = per.get("pvblk", {}), per.get("virtio_blk", {})
        for drv in DRIVERS:
            runs = per.get(drv, {})
            if not runs:
                continue
            ispv = drv == "pvblk"
            lines.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                key[0], key[1], wl_title(key[2]), drv,
                f_ins(metric_med(runs, "kins_req")), f_irange(runs, "kins_req"),
                f_ins(metric_med(runs, "work_req")), f_ins(metric_med(runs, "mod_req")),
                f_ins(metric_med(runs, "spin_req")), f_ins(metric_med(runs, "uins_req")),
                f_iratio(pair_ratio(pv, vb, "kins_req")) if ispv else "",
                f_range3(pair_ratio(pv, vb, "kins_req")) if ispv else "",
                f_iratio(pair_ratio(pv, vb, "work_req")) if ispv else "",
                f_range3(pair_ratio(pv, vb, "work_req")) if ispv else "",
                f_iratio(pair_ratio(pv, vb, "mod_req")) if ispv else "",
                f_ins(metric_med(runs, "win_req")), f_per(metric_med(runs, "ctxt_req"))))
    return lines


def f_irange(runs, name):
    xs = [m[name] for m in runs.values() if m.get(name) is not None]
    return "{:,.0f}–{:,.0f}".format(min(xs), max(xs)) if xs else ""


def ablation_table(results, kver, table="ablation"):
    rs = [r for r in results if r["kver"] == kver]
    S = summarize(rs, table, lambda r: (r["backend"], r["q"], r["wl"]))
    lines = []
    for (bk, q, wl) in sorted(S, key=lambda k: (BK_ORDER[k[0]], k[1], WL_ORDER[k[2]])):
        by = S[(bk, q, wl)]
        base, vb = by.get("default", {}), by.get("virtio_blk", {})
        lines.append("")
        lines.append("%s, %d queue%s, %s:" % (bk, q, "s" if q > 1 else "", FIO_WORKLOADS[wl][0]))
        lines.append("")
        lines.append("| pvblk setting | %s | vs pvblk default | vs virtio_blk | p50 µs | p99 µs "
                     "| kicks/req | irqs/req | guest CPU µs/req | host CPU µs/req | host CPU vs default "
                     "| polled % | req/batch | req/pass | kernel instr/req | of which spin-wait "
                     "| excl. spin vs default | excl. spin vs virtio_blk | driver module instr/req |")
        lines[-1] = lines[-1].replace("%s", "MB/s" if FIO_WORKLOADS[wl][1] == "MB/s" else "IOPS", 1)
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:"
                     "|---:|---:|---:|---:|---:|")
        for vname in ["virtio_blk"] + [v for v, _ in ABLATION]:
            runs = by.get(vname)
            if not runs:
                continue
            ispv = vname != "virtio_blk"
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s "
                         "| %s | %s | %s | %s | %s |" % (
                vname if ispv else "*virtio_blk*",
                f_num(metric_med(runs, "perf")),
                f_ratio(pair_ratio(runs, base, "perf")) if ispv else "",
                f_ratio(pair_ratio(runs, vb, "perf")) if ispv else "",
                f_num(metric_med(runs, "p50")), f_num(metric_med(runs, "p99")),
                f_per(metric_med(runs, "kick_req")), f_per(metric_med(runs, "irq_req")),
                f_num(metric_med(runs, "cpu_us_req")), f_num(metric_med(runs, "host_cpu_us_req")),
                f_ratio(pair_ratio(runs, base, "host_cpu_us_req")),
                f_pct(own(runs, "polled", "completions", 100.0)) if ispv else "",
                f_num(own(runs, "requests", "batches")) if ispv else "",
                f_num(own(runs, "completions", "cbatches")) if ispv else "",
                f_ins(metric_med(runs, "kins_req")), f_ins(metric_med(runs, "spin_req")),
                f_iratio(pair_ratio(runs, base, "work_req")) if ispv else "",
                f_iratio(pair_ratio(runs, vb, "work_req")) if ispv else "",
                f_ins(metric_med(runs, "mod_req"))))
    return lines


def sched_table(results, kver, sched):
    rs = [r for r in results if r["kver"] == kver]
    S = summarize(rs, "sched", lambda r: (r["backend"], r["q"]))
    lines = []
    for (bk, q) in sorted(S):
        pv, vb = S[(bk, q)].get("pvblk", {}), S[(bk, q)].get("virtio_blk", {})
        lines += ["", "%s, %d queue%s, %s, scheduler %s on both disks:" % (
            bk, q, "s" if q > 1 else "", FIO_WORKLOADS[ABLATION_WL][0], sched), "",
            "| driver | IOPS | ratio | ratio range | p50 µs | p99 µs | kicks/req | irqs/req | guest CPU µs/req "
            "| host CPU µs/req | host CPU ratio | req/batch (pvblk's) | kernel instr/req | of which spin-wait "
            "| excl. spin ratio | ratio range | driver module instr/req |",
            "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
        for name, runs in (("pvblk", pv), ("virtio_blk", vb)):
            ispv = name == "pvblk"
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                name, f_num(metric_med(runs, "perf")),
                f_ratio(pair_ratio(pv, vb, "perf")) if ispv else "",
                f_range(pair_ratio(pv, vb, "perf")) if ispv else "",
                f_num(metric_med(runs, "p50")), f_num(metric_med(runs, "p99")),
                f_per(metric_med(runs, "kick_req")), f_per(metric_med(runs, "irq_req")),
                f_num(metric_med(runs, "cpu_us_req")), f_num(metric_med(runs, "host_cpu_us_req")),
                f_ratio(pair_ratio(pv, vb, "host_cpu_us_req")) if ispv else "",
                f_num(own(runs, "requests", "batches")) if ispv else "",
                f_ins(metric_med(runs, "kins_req")), f_ins(metric_med(runs, "spin_req")),
                f_iratio(pair_ratio(pv, vb, "work_req")) if ispv else "",
                f_range3(pair_ratio(pv, vb, "work_req")) if ispv else "",
                f_ins(metric_med(runs, "mod_req"))))
    return lines


def targets(S):
    """Targets of issue 3 against the medians (reported, not asserted)."""
    rows = []

    def verdict(ok):
        return "met" if ok else "**missed**"
    for (bk, q, wl), by in sorted(S.items(), key=lambda kv: (BK_ORDER[kv[0][0]], kv[0][1], WL_ORDER[kv[0][2]])):
        pv, vb = by.get("pvblk", {}), by.get("virtio_blk", {})
        if bk == "null" and wl == "rr4k-qd32-b16":
            k = metric_med(pv, "kick_req")
            i = metric_med(pv, "irq_req")
            r = pair_ratio(pv, vb, "perf")[0]
            tag = "null-co, %dq, qd32 batch 16" % q
            if k is not None:
                rows.append("| %s | kicks/request ≤ 0.10 | %.3f | %s |" % (tag, k, verdict(k <= 0.1)))
            if i is not None:
                rows.append("| %s | interrupts/request ≤ 0.25 | %.3f | %s |" % (tag, i, verdict(i <= 0.25)))
            if r is not None:
                rows.append("| %s | IOPS ≥ 1.20 × virtio_blk | %.2f × | %s |" % (tag, r, verdict(r >= 1.2)))
        if wl == "rr4k-qd1":
            r = pair_ratio(pv, vb, "p50")[0]
            if r is not None:
                rows.append("| %s, %dq, qd1 | p50 latency ≤ 1.05 × virtio_blk | %.2f × | %s |"
                            % (bk, q, r, verdict(r <= 1.05)))
    below = []
    for (bk, q, wl), by in S.items():
        r = pair_ratio(by.get("pvblk", {}), by.get("virtio_blk", {}), "perf")[0]
        if r is not None and r < 0.95:
            below.append("%s %dq %s (%.2f)" % (bk, q, (FIO_WORKLOADS.get(wl) or DB_WORKLOADS[wl])[0], r))
    rows.append("| every row | throughput ≥ 0.95 × virtio_blk | %d of %d rows below%s | %s |" % (
        len(below), len(S), (": " + "; ".join(sorted(below))) if below else "", verdict(not below)))
    return ["| where | target | measured (median) | |", "|---|---|---|---|"] + rows


ANALYSIS_BEGIN = "<!-- analysis: written by hand from the numbers above; kept by bench.py -->"
ANALYSIS_END = "<!-- end of analysis -->"


def placement(boots):
    """' Interrupt vCPUs: ...' from the guests' setup tables."""
    seen = {}
    for b in boots:
        for line in (b["guest"].get("setup") or "").splitlines()[1:]:
            f = line.split()
            if len(f) >= 6:
                seen.setdefault((f[3], int(f[4])), set()).add(f[5])
    if not seen:
        return ""
    return " Queue interrupts were on vCPU(s): " + "; ".join(
        "%s %dq: %s" % (drv, q, " / ".join(sorted(c))) for (drv, q), c in sorted(seen.items())) + \
        " (per boot, queue order)."


def slot_text(cfg):
    """Which PCI slot of each pair pvblk had (runs before BENCH_SWAP=split
    have a boolean "swap" in their config)."""
    mode = getattr(cfg, "swap_mode", None) or ("odd" if getattr(cfg, "swap", False) else "even")
    if mode == "split":
        fb, sb = boot_plans(cfg)[0][1], boot_plans(cfg)[1][1]
        def rounds(rs):
            return "round %d" % (rs[0] + 1) if len(rs) == 1 else "rounds %d-%d" % (rs[0] + 1, rs[-1] + 1)
        return ("even slot in a first boot per backend (%s) and the odd one in a second "
                "(%s; `BENCH_SWAP=split`, the default): every ratio pools both slots, "
                "and the throughput table gives each slot's ratio too, as a check for an effect of "
                "the slot rather than the driver" % (rounds(fb), rounds(sb))
                if len(fb) and len(sb) else "even slot (one round: `BENCH_SWAP=split` needs two)")
    return ("odd slot (`BENCH_SWAP=1`, the control for a slot effect)" if mode == "odd"
            else "even slot (`BENCH_SWAP=0`)")


def plots_section(run_id):
    """The PNGs bench/plots.py draws from this report's first kernel's
    tables (`make plots`; `make bench` runs it after bench/run.sh)."""
    return ["### Plots",
            "",
            "Drawn by `bench/plots.py` (`make plots`, which `make bench` runs after writing this report) from "
            "the two tables below of run `%s`: the first, each row's pvblk/virtio_blk throughput ratio (median of "
            "the per-round ratios, and their range); the second, guest kernel instructions per request of each "
            "driver and their ratio with its range. Throughput moves with the shared host's load; the "
            "instruction counts hardly do, so they rank the drivers." % run_id,
            "",
            "![pvblk/virtio_blk throughput ratio per row, with its range](BENCHMARKS-ratio.png)",
            "",
            "![guest kernel instructions per request per row, and the pvblk/virtio_blk ratio with its range]"
            "(BENCHMARKS-instructions.png)",
            ""]


def write_report(cfg, results, boots, meta):
    old = ""
    if os.path.exists(cfg.out):
        old = open(cfg.out).read()
    analysis = None
    if ANALYSIS_BEGIN in old and ANALYSIS_END in old:
        analysis = old[old.index(ANALYSIS_BEGIN):old.index(ANALYSIS_END) + len(ANALYSIS_END)]
        if "(No analysis written yet" in analysis:
            analysis = None
    L = []
    L.append("# pvblk benchmarks: pvblk.ko against virtio_blk")
    L.append("")
    L.append("Written by `bench/run.sh` (`make bench`), run `%s`, %s. Do not edit the tables by hand: "
             "rerun. Method: DESIGN.md, \"Measuring\"." % (cfg.run_id, meta["date"]))
    L.append("")
    L.append("## Setup")
    L.append("")
    L.append("- Command: `%s`%s" % (meta.get("command", cfg.command), (" with " + ", ".join("`%s=%s`" % tuple(kv) for kv in meta["env"]))
                                    if meta["env"] else ""))
    L.append("- Host: %s, %d CPUs, Linux %s; no KVM: QEMU TCG (`-accel tcg,thread=%s`%s); "
             "load average %s at the start, %s at the end (the machine is shared)."
             % (meta["host_cpu"], os.cpu_count(), meta["host_kernel"], meta.get("tcg", "single"),
                ", a vCPU thread each: QEMU 7.2's single-threaded TCG does not order the guest's memory "
                "accesses against QEMU's I/O thread and loses virtqueue notifications"
                if meta.get("tcg") == "multi" else "", meta["load0"], meta["load1"]))
    L.append("- %s; %s." % (meta["qemu"], meta["qsd"]))
    L.append("- Guest: kernel%s %s, %d vCPUs, %s RAM, `-machine pc -cpu max`, busybox init "
             "(tests/harness/vm.py); its root is the host's, over 9p, so fio and db_bench are the host's." % (
                 "s" if len(cfg.kernels) > 1 else "", ", ".join(cfg.kernels), cfg.cpus, cfg.mem))
    L.append("- pvblk.ko: %s" % meta["driver"])
    L.append("- Disks: one pvblk/virtio_blk pair per queue count in each boot, identical "
             "devices (`num-queues` 1 or 2, queue-size QEMU's default) on PCI slots 0x10+2i and 0x11+2i "
             "(one qemu-storage-daemon exports both, in that order, for vhost); pvblk has the %s, "
             "and the other disk is moved to virtio_blk with `pv_move`. Scheduler `%s` on both; pvblk's "
             "tunables at their defaults (%s) unless a table says otherwise."
             % (slot_text(cfg), cfg.sched, meta["pv_defaults"]))
    L.append("- Backends: " + "; ".join("**%s**: %s" % (b, BACKENDS[b]) for b in cfg.backends) + ". "
             "File-backed disks are %d MiB, filled with non-zero data; null-co disks 1 GiB." % cfg.disk_mb)
    L.append("- fio %s (io_uring, O_DIRECT, whole disk), each run equivalent to `%s` where WORKLOAD is, "
             "by row: %s. The runs of a row are the jobs of one fio invocation, one after the other "
             "(`stonewall`), whose `exec_prerun`/`exec_postrun` hooks set pvblk's tunables, take the "
             "handshake with the host and snapshot the counters: a counting window holds one job's I/O "
             "and nothing else."
             % (meta["fio_version"], fio_shown(cfg),
                "; ".join("%s `%s`" % (FIO_WORKLOADS[w][0], FIO_WORKLOADS[w][2])
                          for w in cfg.workloads if w in FIO_WORKLOADS)))
    if any(w in DB_WORKLOADS for w in cfg.workloads) and any(b != "null" for b in cfg.backends):
        L.append("- RocksDB %s on ext4 (`mkfs.ext4 -E nodiscard,lazy_itable_init=0,lazy_journal_init=0`, "
                 "mounted noatime) made on each disk; tmpfs and vhost backends only (null-co keeps no data): "
                 "`db_bench %s`, then `db_bench %s`. A fresh database each round; page cache dropped "
                 "before each step; the counting window is the db_bench process."
                 % (meta["db_bench"], db_args(cfg, "db-fill"), db_args(cfg, "db-read")))
    order = getattr(cfg, "order", "ab")
    L.append("- Order: for each workload, %d rounds (db_bench: %d) of %s; "
             "every number is the median of a row's runs, every ratio the median of the per-round "
             "pvblk/virtio_blk ratios (so it need not equal the ratio of the two medians), with their "
             "range. Ratios ≥ 1.20 or < 0.95 are in bold; instruction ratios > 1.000 or ≤ 0.900." % (
                 cfg.pairs, getattr(cfg, "db_pairs", cfg.pairs),
                 "pvblk and virtio_blk, the first of a round alternating (A B B A A B …)" if order == "abba"
                 else "pvblk then virtio_blk (A B A B …)"))
    L.append("- Placement: %s%s" % ("with one queue, the workload runs pinned (fio `cpus_allowed`, "
                                     "`taskset` for db_bench) to the vCPU that takes the queue's interrupt, "
                                     "the same rule for both drivers; with two queues it is not pinned "
                                     "(each vCPU has its own queue and interrupt)."
                                     if cfg.pin == "irq" else "the workload is not pinned.",
                                     placement(boots)))
    if meta.get("append"):
        L.append("- Guest kernel parameters added: `%s`%s" % (
            meta["append"], " (managed queue interrupts keep off vCPU 0 where their mask allows: a "
            "1-queue disk's interrupt is on vCPU 1 whichever driver has it)"
            if "managed_irq" in meta["append"] else ""))
    L.append("- Counting, independent of the driver under test: **kicks** are QEMU's "
             "`virtio_queue_notify` trace events of the disk's vdev (`-trace events=FILE,file=LOG`, the "
             "log on tmpfs; the host cuts it at the handshakes before and after each run, the disk idle "
             "meanwhile; %d queue-depth-1 reads per disk at boot map each vdev to its disk: the vdev that "
             "kicks in that disk's window and in no other disk's). With vhost-user-blk the guest's kicks "
             "go to qemu-storage-daemon through an ioeventfd that QEMU's virtio code never sees (checked: "
             "no trace line for those disks), and qemu-storage-daemon has no trace event for them (its "
             "`-T help` lists none for vhost-user or virtqueues): kicks are n/a there and pvblk's own count "
             "is in the cross-check columns. **Interrupts**: the guest's /proc/interrupts lines "
             "`virtioN-req.*` of the disk, all vCPUs. **Requests**: the disk's /sys/block/DISK/stat "
             "(reads + writes + discards + flushes completed). **CPU**: non-idle time of all vCPUs from "
             "/proc/stat over the run, per request (for db_bench, per block request of the run, so it "
             "mostly shows how few requests RocksDB sends). **Latency**: fio's total latency (`lat`, "
             "submission to completion) percentiles: under TCG with null-co a request is often complete "
             "before the submitting `io_uring_enter()` returns, so `clat` (measured from that return; kept "
             "in the raw data) misses most of it; for db_bench, its per-operation P50/P99."
             % Boot.CAL_READS)
    if getattr(cfg, "icount", False):
        L.append("- **Guest instructions** (bench/pvcount): QEMU loads a TCG plugin that "
                 "counts the instructions every vCPU executes (bench/README.md), user and kernel mode, and kernel ones by "
                 "where the code lies: pvblk's text, virtio_blk's text (the guest writes the module "
                 "sections' addresses, sizes from the .ko), the kernel's lock slow paths and timer-cancel "
                 "waits (*spin-wait*: how long a vCPU spun on a lock held by a vCPU thread the host had "
                 "descheduled, which follows the machine's load), and the rest. The guest marks the "
                 "counting window in each run's hooks (the last thing `exec_prerun` does, the first of "
                 "`exec_postrun`). *Per request* = (count of the run - count of a calibration run) / "
                 "(requests of the run - requests of the calibration run), the calibration runs being the "
                 "same workload on the same disk with %d requests (`number_ios`), run before and after the "
                 "row's rounds (their mean): the window's fixed cost (the hooks' processes, fio's job "
                 "start and end) cancels. All vCPUs' instructions count. Instruction counts depend little "
                 "on the machine's load (the spin-waits and polling aside), so rank the drivers by them; "
                 "IOPS move with the load. The plugin slows the emulation, so IOPS are lower than "
                 "without it (`BENCH_ICOUNT=0`), for both drivers alike." % cfg.icount_cal)
    L.append("- pvblk's own counters (`/sys/block/DISK/pvblk/stats`, summed over queues) are a cross-check "
             "only: *polled %* = completions found by polling, *req/batch* = requests per kick or suppressed "
             "kick, *req/irq-or-poll pass* = completions per pass that retired some.")
    L.append("- Raw data of this run: `build/bench/%s/results.json` (not committed)." % cfg.run_id)
    L.append("")
    for kver in cfg.kernels:
        perf, cost, owns, S = main_tables(results, kver)
        L.append("## Results, %s" % kver)
        L.append("")
        if kver == cfg.kernels[0]:
            L += plots_section(cfg.run_id)
        L.append("### Throughput and latency")
        L.append("")
        L += perf
        L.append("")
        L.append("### Cost per request: notifications and CPU")
        L.append("")
        L.append("Kicks from QEMU's trace, interrupts from the guest's /proc/interrupts, guest CPU from the "
                 "guest's /proc/stat, host CPU from the host's /proc/PID/stat of QEMU (and "
                 "qemu-storage-daemon): all of the emulation, so the cost of a request to the machine, "
                 "which the load of other guests on the machine changes much less than IOPS.")
        L.append("")
        L += cost
        L.append("")
        ic = icount_table(results, kver)
        if ic:
            L.append("### Guest instructions per request (pvcount)")
            L.append("")
            L.append("Medians over the rounds, all vCPUs: *kernel* = kernel-mode instructions per request, "
                     "*spin-wait* the part of them spent spinning on locks and timer-cancel waits, *driver "
                     "module* the part in the driver's own text (pvblk.ko or virtio_blk.ko), *user* "
                     "user-mode instructions (fio). Ratios are pvblk/virtio_blk per round, median and range; "
                     "*excl. spin* ranks the drivers' work without the spin-waits. *Context switches* (the "
                     "guest's /proc/stat `ctxt`, per request) show how often the submitter slept: each sleep "
                     "and wake-up costs instructions, and a slower host (more load) makes the guest wait more "
                     "often, so counts rise a few % on a loaded machine, for both drivers. *Kernel atomics*: "
                     "the atomic read-modify-write instructions among the kernel's (LOCK-prefixed, and XCHG "
                     "to memory), per request; under multi-threaded TCG each is a host atomic on memory the "
                     "other vCPU's thread may share, dearer than the instruction count weighs it.")
            L.append("")
            L += ic
            L.append("")
        L.append("### pvblk's own counters (cross-check)")
        L.append("")
        L.append("From /sys/block/DISK/pvblk/stats, summed over the queues, medians of the pvblk runs of the "
                 "row. *same as trace*: pvblk's kick count equals QEMU's exactly. *req/pass*: completions per "
                 "interrupt or poll pass that retired some.")
        L.append("")
        L += owns
        L.append("")
        ab = ablation_table(results, kver)
        if ab:
            L.append("### Ablation: each optimisation off on its own")
            L.append("")
            L.append("pvblk with one tunable changed (the others at their defaults), against pvblk's "
                     "defaults and virtio_blk, each round running virtio_blk then each pvblk setting.")
            L += ab
            L.append("")
        ct = cost_table(results, kver)
        if ct:
            L.append("### Instructions per request by the two-count method")
            L.append("")
            L.append("Runs of a fixed number of requests (fio `number_ios`) N1 = %d and N2 = %d, on both "
                     "drivers in each round (ABBA); per round and driver, (count at N2 - count at N1) / "
                     "(requests at N2 - requests at N1), so the fixed cost of a run cancels; medians and "
                     "ranges over %d rounds. *Window method at N2*: the N2 run's kernel count / its "
                     "requests, with nothing taken off." % (cfg.cost_ios[0], cfg.cost_ios[1], cfg.pairs))
            L.append("")
            L += ct
            L.append("")
        sc = sched_table(results, kver, cfg.sched_row)
        if sc:
            L.append("### With an I/O scheduler")
            L += sc
            L.append("")
        L.append("### Targets (issue 3; reported, not asserted)")
        L.append("")
        L += targets(S)
        L.append("")
    L.append("## Analysis")
    L.append("")
    if analysis:
        m = re.search(r"run `([0-9-]+)`", analysis)
        if m and m.group(1) != cfg.run_id:
            L.append("> **Stale**: the analysis below was written from run `%s`; the tables above are "
                     "from run `%s`. Check it against the numbers." % (m.group(1), cfg.run_id))
            L.append("")
        L.append(analysis)
    else:
        L.append(ANALYSIS_BEGIN)
        L.append("(No analysis written yet for run `%s`.)" % cfg.run_id)
        L.append(ANALYSIS_END)
    L.append("")
    # The sections other tools own (guest agent, host profile) follow, as they were.
    for _, body in mdsection.sections(old):
        L.append(body)
        L.append("")
    with open(cfg.out + ".tmp", "w") as f:
        f.write("\n".join(L))
    os.replace(cfg.out + ".tmp", cfg.out)


# ---------------------------------------------------------------- main

def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True).stdout.strip()
    except OSError:
        return ""


def driver_desc(kvers, work):
    parts = []
    rev = sh("git -C %s log -1 --format='%%h %%cs' -- driver" % shlex.quote(TOP))
    dirty = sh("git -C %s status --porcelain -- driver" % shlex.quote(TOP))
    kos = {}
    for k in kvers:
        src = os.path.join(TOP, "build", "driver", k, "pvblk.ko")
        if not os.path.exists(src):
            sys.exit("bench: %s missing: run `make driver`" % src)
        dst = os.path.join(work, k, "pvblk.ko")
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)      # a rebuild during the run cannot change it
        kos[k] = dst
        newer = [f for f in glob.glob(os.path.join(TOP, "driver", "*.[ch]"))
                 if os.path.getmtime(f) > os.path.getmtime(src)]
        srcv = sh("modinfo -F srcversion %s" % shlex.quote(dst))
        parts.append("%s: srcversion %s%s" % (k, srcv, ", **older than driver/ sources**" if newer else ""))
    desc = "built from driver/ at %s%s; %s" % (
        rev, " plus uncommitted changes" if dirty else "", "; ".join(parts))
    return desc, kos


def rerender(path):
    """BENCH_REPORT=build/bench/RUN/results.json: write the report again
    from a run's raw data (after a change to the report's format)."""
    d = json.load(open(path))
    cfg = Config()
    for k, v in d["config"].items():
        if k not in ("out", "command"):
            setattr(cfg, k, v)
    write_report(cfg, d["results"], d["boots"], d["meta"])
    print("bench: wrote %s from %s" % (cfg.out, path))


def main():
    if os.environ.get("BENCH_REPORT"):
        return rerender(os.environ["BENCH_REPORT"])
    cfg = Config()
    os.makedirs(cfg.work, exist_ok=True)
    os.makedirs(cfg.shm, exist_ok=True)
    meta = {
        "command": cfg.command,
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "env": sorted((k, v) for k, v in os.environ.items()
                      if k.startswith("BENCH_") and k not in ("BENCH_COMMAND", "BENCH_OUT")),
        "qemu": sh("qemu-system-x86_64 --version | head -n1"),
        "qsd": sh("/usr/bin/qemu-storage-daemon --version | head -n1").replace("qemu-storage-daemon version",
                                                                              "qemu-storage-daemon"),
        "host_cpu": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip(),
        "host_kernel": os.uname().release,
        "load0": open("/proc/loadavg").read().split()[0],
        "fio_version": sh("fio --version"),
        "db_bench": sh("db_bench --version 2>&1 | head -n1"),
    }
    meta["driver"], kos = driver_desc(cfg.kernels, cfg.work)
    meta["tcg"] = cfg.tcg
    meta["append"] = cfg.append
    print("bench: run %s, kernels %s, backends %s, queues %s, %d pairs, %ds runs; raw data in %s"
          % (cfg.run_id, " ".join(cfg.kernels), ",".join(cfg.backends), ",".join(map(str, cfg.queues)),
             cfg.pairs, cfg.runtime, cfg.work), flush=True)
    results = []
    boots = []
    t0 = time.time()
    try:
        for kver in cfg.kernels:
            for backend in cfg.backends:
                for swap, rounds, db_rounds in boot_plans(cfg):
                    b = Boot(cfg, kver, backend, kos[kver], swap, rounds, db_rounds)
                    b.plan()
                    if not any(g["runs"] for g in b.groups):
                        continue
                    b.groups = []
                    results += b.run()
                    boots.append({"kver": kver, "backend": backend, "swap": swap, "qemu": b.qemu_cmd,
                                  "qsd": getattr(b, "qsd_cmd", None), "guest": b.guest_info,
                                  "vdev": {"0x%x" % k: v for k, v in b.vdev.items()},
                                  "marks": b.marks})
                    shutil.rmtree(b.shm, ignore_errors=True)
                    with open(os.path.join(cfg.work, "results.json"), "w") as f:
                        json.dump({"config": cfg.describe(), "meta": meta, "boots": boots,
                                   "results": results}, f, indent=1, default=str)
    finally:
        shutil.rmtree(cfg.shm, ignore_errors=True)
    meta["load1"] = open("/proc/loadavg").read().split()[0]
    if boots:
        meta["features"] = boots[0]["guest"].get("features")
    meta["pv_defaults"] = boots[0]["guest"]["pv_defaults"] if boots else "?"
    write_report(cfg, results, boots, meta)
    with open(os.path.join(cfg.work, "results.json"), "w") as f:
        json.dump({"config": cfg.describe(), "meta": meta, "boots": boots, "results": results},
                  f, indent=1, default=str)
    print("bench: done in %.0f min; wrote %s" % ((time.time() - t0) / 60, cfg.out), flush=True)


if __name__ == "__main__":
    main()
