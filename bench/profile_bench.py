#!/usr/bin/python3
"""make bench-profiles: the measurements behind the guest profiles'
values (tuned-profiles/pvblk-guest*), section "profiles" of BENCHMARKS.md.

One guest boot (multi-threaded TCG, 2 vCPUs). For each knob the guest
profiles set, the candidate values run alternately (A B [C] A B [C] ...,
PB_PAIRS rounds) on the workload the knob is for, each run a short fio job;
the table shows medians and ranges, and the median of the per-round ratios to
the first value (the kernel's or pvblk's default).

Disks (num-queues 1, so one interrupt and one vCPU that takes it):
  0x10 pvblk       null-co 1 GiB (data does not matter)
  0x11 virtio_blk  null-co 1 GiB (the stock driver, for the block-layer knobs)
  0x12 pvblk       raw file on /dev/shm, 512 MiB of random data (buffered reads)

Around each run's I/O (fio exec_prerun/exec_postrun) the guest snapshots
/proc/stat, /proc/interrupts and the disk's stat, for CPU and interrupts
per request.

Environment: PB_PAIRS (rounds, 4), PB_RUNTIME (s per run, 3), PB_KVER
(prefix; newest test kernel), PB_ONLY (comma list of experiments),
PB_OUT (BENCHMARKS.md), PB_REPORT=results.json (render again, no run),
PB_COMMAND (the command shown). Raw data: build/bench/profiles-<run>/.
"""

import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "harness"))
sys.path.insert(0, os.path.join(TOP, "tests", "guest"))
sys.path.insert(0, os.path.join(TOP, "bench"))
from vm import VM, read_kernels  # noqa: E402
from pvdisk import disk  # noqa: E402
import mdsection  # noqa: E402

SECTION = "profiles"
# The scheduler every run starts from (the experiments on the scheduler and
# nr_requests-dl set their own): the kernel's choice for multi-queue disks,
# which these guests' disks are (QEMU gives virtio-blk one queue per vCPU).
BASE_SCHED = "none"
TOOL = "bench/profile_bench.py"
KEEP = "<!-- choices: written by hand from the tables above; kept by profile_bench.py -->"

PV, VB, PVF = 0x10, 0x11, 0x12
DISK_NAMES = {PV: "pvblk null-co", VB: "virtio_blk null-co", PVF: "pvblk file"}

DIO = "--ioengine=io_uring --direct=1"
WORKLOADS = {
    # name: (title, fio args, metrics)
    "rr-qd32": ("4k randread qd 32", DIO + " --rw=randread --bs=4k --iodepth=32",
                ["iops", "p50", "p99", "cpu", "irq"]),
    "mixed": ("4k randrw 70/30 qd 32 (read latency)",
              DIO + " --rw=randrw --rwmixread=70 --bs=4k --iodepth=32",
              ["iops", "rp50", "rp99", "wp99"]),
    "rr-qd256": ("4k randread qd 256, batch 16",
                 DIO + " --rw=randread --bs=4k --iodepth=256 --iodepth_batch_submit=16 "
                 "--iodepth_batch_complete_min=16", ["iops", "p50", "p99", "cpu"]),
    "seq-buf": ("buffered seq read 64k (psync), 512 MiB from cold cache",
                "--ioengine=psync --direct=0 --rw=read --bs=64k --size=100%",
                ["mbps", "reqs", "cpumb"]),
    "rr-qd1": ("4k randread qd 1", DIO + " --rw=randread --bs=4k --iodepth=1",
               ["iops", "p50", "p99", "cpu", "irq"]),
    "rr-qd32-b1": ("4k randread qd 32, batch 1",
                   DIO + " --rw=randread --bs=4k --iodepth=32 --iodepth_batch_submit=1 "
                   "--iodepth_batch_complete_min=1", ["iops", "p50", "p99", "cpu", "irq"]),
}

# name: (title, disks, knob, values, workloads, placement)
# placement: irq = fio on the vCPU that takes the disk's interrupt;
# other = fio on the other vCPU (completions then come from a different CPU).
EXPERIMENTS = [
    ("elevator", "I/O scheduler", [PV, VB], "queue/scheduler", ["none", "mq-deadline"],
     ["rr-qd32", "mixed"], "irq"),
    ("nr_requests", "nr_requests (scheduler none)", [PV], "queue/nr_requests",
     ["256", "64"], ["rr-qd256"], "irq"),
    ("nr_requests-dl", "nr_requests (scheduler mq-deadline)", [PV], "queue/nr_requests",
     ["256", "64"], ["rr-qd256"], "irq"),
    ("read_ahead_kb", "read_ahead_kb", [PVF], "queue/read_ahead_kb", ["128", "1024", "4096"],
     ["seq-buf"], "irq"),
    ("rq_affinity", "rq_affinity (fio on the other vCPU than the interrupt)", [PV, VB],
     "queue/rq_affinity", ["1", "2"], ["rr-qd1", "rr-qd32"], "other"),
    ("poll_max_usecs", "pvblk poll_max_usecs", [PV], "pvblk/poll_max_usecs", ["0", "50", "200"],
     ["rr-qd1", "rr-qd32-b1"], "irq"),
    ("irq_moderation", "pvblk irq_moderation", [PV], "pvblk/irq_moderation", ["0", "1"],
     ["rr-qd32-b1", "rr-qd32"], "irq"),
]
# knobs written before the experiment's own (the scheduler first: switching
# it resets nr_requests)
EXTRA_KNOBS = {"nr_requests-dl": [("queue/scheduler", "mq-deadline")]}

METRICS = {
    # key: (column title, higher is better, format)
    "iops": ("IOPS", True, "%.0f"),
    "mbps": ("MB/s", True, "%.0f"),
    "p50": ("p50 µs", False, "%.0f"),
    "p99": ("p99 µs", False, "%.0f"),
    "rp50": ("read p50 µs", False, "%.0f"),
    "rp99": ("read p99 µs", False, "%.0f"),
    "wp99": ("write p99 µs", False, "%.0f"),
    "cpu": ("CPU µs/req", False, "%.1f"),
    "cpumb": ("CPU µs/MB", False, "%.0f"),
    "irq": ("irqs/req", False, "%.3f"),
    "reqs": ("requests", None, "%.0f"),
}

GUEST = r"""
export PVBLK_KO=%(ko)s
. %(top)s/tests/guest/pvblk-lib.sh
set -eu
mkdir -p /tmp/r /pvtest/r /tmp/fio
declare -A DISK VIRTIO IRQCPU OTHERCPU DEF

pv_load_pvblk
pv_load_virtio_blk
for slot in %(pv_slots)s; do
	d=$(pv_disk_of_slot $slot); pv_wait_path /dev/$d; DISK[$slot]=$d
done
DISK[%(vb_slot)s]=$(pv_move %(vb_slot)s virtio_blk)

: > /pvtest/setup
: > /pvtest/defaults
for slot in "${!DISK[@]}"; do
	d=${DISK[$slot]}; v=$(pv_virtio_of_slot $slot)
	VIRTIO[$slot]=$v
	irq=$(awk -v p="$v-req" 'index($NF, p) == 1 { sub(":", "", $1); print $1; exit }' /proc/interrupts)
	IRQCPU[$slot]=$(cat /proc/irq/$irq/effective_affinity_list | cut -d, -f1 | cut -d- -f1)
	OTHERCPU[$slot]=0
	[ "${IRQCPU[$slot]}" = 0 ] && OTHERCPU[$slot]=1
	drv=$(basename "$(readlink /sys/bus/virtio/devices/$v/driver)")
	nq=$(ls -d /sys/block/$d/mq/* | wc -l)
	echo "$slot $d $v $drv queues=$nq irq=$irq irq_cpu=${IRQCPU[$slot]} schedulers=$(tr ' ' , < /sys/block/$d/queue/scheduler) nr_requests=$(cat /sys/block/$d/queue/nr_requests) max_sectors_kb=$(cat /sys/block/$d/queue/max_sectors_kb)" >> /pvtest/setup
	# every run starts from scheduler %(base_sched)s and the values the
	# kernel and the driver give under it
	echo %(base_sched)s > /sys/block/$d/queue/scheduler
	{
		echo "$slot queue/scheduler %(base_sched)s"
		for f in nr_requests read_ahead_kb rq_affinity nomerges; do
			echo "$slot queue/$f $(cat /sys/block/$d/queue/$f)"
		done
		if [ -d /sys/block/$d/pvblk ]; then
			for f in poll_max_usecs irq_moderation batch_kicks; do
				echo "$slot pvblk/$f $(cat /sys/block/$d/pvblk/$f)"
			done
		fi
	} >> /pvtest/defaults
done
while read -r slot k v; do DEF[$slot.$k]=$v; done < /pvtest/defaults
declare -p DISK DEF > /tmp/env.sh
{ uname -r; nproc; grep -m1 'model name' /proc/cpuinfo; fio --version; } > /pvtest/guest-info

# hook.sh pre|post ID SLOT [KNOBS [drop]]: fio's exec_prerun / exec_postrun.
# pre: every knob of the disk back to its default, then the run's values
# (the scheduler first: switching it resets nr_requests), read back; then a
# snapshot with builtins only, so that the window holds little but the I/O.
cat > /tmp/hook.sh << 'EOF'
set -u
. /tmp/env.sh
phase=$1 id=$2 slot=$3 knobs=${4:--} drop=${5:-}
d=${DISK[$slot]}
snap() {
	local up stat irq blk
	read -r up < /proc/uptime
	read -r stat < /proc/stat
	mapfile -t irq < /proc/interrupts
	read -r blk < "/sys/block/$d/stat"
	printf '%%s\n' "@time $up" "@stat" "$stat" "@irq" "${irq[@]}" "@blk" "$blk" > "$1"
}
if [ "$phase" = post ]; then snap /tmp/r/$id.post; exit 0; fi
echo "${DEF[$slot.queue/scheduler]}" > /sys/block/$d/queue/scheduler || exit 1
for k in queue/nr_requests queue/read_ahead_kb queue/rq_affinity queue/nomerges \
         pvblk/poll_max_usecs pvblk/irq_moderation pvblk/batch_kicks; do
	if [ -n "${DEF[$slot.$k]:-}" ]; then echo "${DEF[$slot.$k]}" > /sys/block/$d/$k || exit 1; fi
done
if [ "$knobs" != - ]; then
	for kv in ${knobs//,/ }; do
		echo "${kv#*=}" > /sys/block/$d/${kv%%%%=*} || { echo "$id: cannot write $kv" >> /tmp/r/errors; exit 1; }
	done
fi
{
	echo "queue/scheduler $(sed 's/.*\[\(.*\)\].*/\1/' /sys/block/$d/queue/scheduler)"
	for f in nr_requests read_ahead_kb rq_affinity; do echo "queue/$f $(cat /sys/block/$d/queue/$f)"; done
	if [ -d /sys/block/$d/pvblk ]; then
		for f in poll_max_usecs irq_moderation batch_kicks; do echo "pvblk/$f $(cat /sys/block/$d/pvblk/$f)"; done
	fi
} > /tmp/r/$id.knobs
if [ "$drop" = drop ]; then sync; echo 3 > /proc/sys/vm/drop_caches; fi
snap /tmp/r/$id.pre
EOF

# Warm-up: a short run per disk, not measured.
for slot in "${!DISK[@]}"; do
	fio --name=warm --filename=/dev/${DISK[$slot]} --ioengine=io_uring --direct=1 --rw=randread \
	    --bs=4k --iodepth=8 --time_based --runtime=1 > /dev/null
done
echo "setup done"

# One fio invocation per group: its jobs, one after the other (stonewall),
# are the group's runs in plan order.
cd /tmp/fio
n=0
total=$(wc -l < /pvtest/groups)
while read -r g slot pin; do
	n=$((n + 1))
	cpu=${IRQCPU[$slot]}
	[ "$pin" = other ] && cpu=${OTHERCPU[$slot]}
	sed "s|@DEV@|/dev/${DISK[$slot]}|; s|@CPU@|$cpu|" /pvtest/g/$g.fio > /tmp/fio/$g.fio
	if ! fio --output-format=json --output=/tmp/r/$g.json /tmp/fio/$g.fio < /dev/null; then
		echo "group $g: fio failed"; cat /tmp/r/errors 2> /dev/null || true
		tail -n 20 /tmp/r/$g.json; exit 1
	fi
	echo "cpu $cpu" > /tmp/r/$g.cpu
	cp /tmp/r/* /pvtest/r/ && rm -f /tmp/r/*
	echo "group $n/$total $g done ($(cut -d' ' -f1 /proc/uptime) s)"
done < /pvtest/groups
echo "all groups done"
"""


def env(name, default):
    v = os.environ.get(name)
    return default if v is None or v == "" else v


def make_plan(pairs, runtime, only):
    """[(id, exp, slot, value, workload, pin, drop, knobs, fio args)] in run
    order: per experiment, disk and workload, PAIRS rounds of every value."""
    plan = []
    for name, _, slots, knob, values, wls, pin in EXPERIMENTS:
        if only and name not in only:
            continue
        for slot in slots:
            for wl in wls:
                args = WORKLOADS[wl][1]
                timed = "--size=" not in args
                if timed:
                    args += " --time_based --runtime=%d" % runtime
                for rnd in range(pairs):
                    for v in values:
                        rid = "%s-%x-%s-%s-r%d" % (name, slot, wl, v, rnd)
                        knobs = ["%s=%s" % kv for kv in EXTRA_KNOBS.get(name, [])]
                        knobs.append("%s=%s" % (knob, v))
                        plan.append({"id": rid, "exp": name, "slot": slot, "value": v, "wl": wl,
                                     "round": rnd, "pin": pin, "drop": 0 if timed else 1,
                                     "knobs": knobs, "args": args})
    return plan


def make_groups(plan):
    """One fio invocation per experiment, disk and workload (its runs are
    stonewalled jobs, the knobs set by each job's exec_prerun), except
    buffered reads: one invocation each, so that the file is opened after
    read_ahead_kb is set (a file's read-ahead window is sized at open).
    Returns [(group id, slot, pin, job file text)]."""
    groups = []
    for r in plan:
        key = r["id"] if r["drop"] else "%s-%x-%s" % (r["exp"], r["slot"], r["wl"])
        if not groups or groups[-1][0] != key:
            head = ["[global]", "filename=@DEV@", "cpus_allowed=@CPU@", "lat_percentiles=1",
                    "stonewall=1"]
            head += [a[2:] for a in r["args"].split()]
            groups.append((key, r["slot"], r["pin"], head))
        r["group"] = key
        groups[-1][3].extend([
            "", "[%s]" % r["id"],
            "exec_prerun=bash /tmp/hook.sh pre %s 0x%x %s%s"
            % (r["id"], r["slot"], ",".join(r["knobs"]) or "-", " drop" if r["drop"] else ""),
            "exec_postrun=bash /tmp/hook.sh post %s 0x%x" % (r["id"], r["slot"])])
    return [(g, slot, pin, "\n".join(text) + "\n") for g, slot, pin, text in groups]


# ---------------------------------------------------------------- parsing

def parse_snap(text):
    sec, out = None, {"irq": {}}
    for line in text.splitlines():
        if line.startswith("@time"):
            out["time"] = float(line.split()[1])
        elif line.startswith("@"):
            sec = line[1:].strip()
        elif sec == "stat" and line.startswith("cpu "):
            v = [int(x) for x in line.split()[1:]]
            out["busy"] = sum(v[:8]) - v[3] - v[4]
        elif sec == "irq":
            f = line.split()
            if f and f[0].endswith(":"):
                out["irq"][f[-1]] = sum(int(x) for x in f[1:] if x.isdigit())
        elif sec == "blk":
            v = [int(x) for x in line.split()]
            out["reqs"] = v[0] + v[4]
    return out


def parse_run(rdir, run, virtio, user_hz, fio_jobs):
    rid = run["id"]
    job = fio_jobs[rid]
    pre = parse_snap(open(os.path.join(rdir, rid + ".pre")).read())
    post = parse_snap(open(os.path.join(rdir, rid + ".post")).read())
    reqs = post["reqs"] - pre["reqs"]
    irqs = sum(n - pre["irq"].get(k, 0) for k, n in post["irq"].items()
               if k.startswith(virtio + "-req"))
    busy = (post["busy"] - pre["busy"]) / user_hz

    def pct(d, p):
        lat = d.get("lat_ns", {}).get("percentile") or d["clat_ns"].get("percentile", {})
        return lat.get(p, 0) / 1000.0

    r, w = job["read"], job["write"]
    m = {"iops": r["iops"] + w["iops"], "mbps": r["bw_bytes"] / 1e6,
         "p50": pct(r, "50.000000"), "p99": pct(r, "99.000000"),
         "rp50": pct(r, "50.000000"), "rp99": pct(r, "99.000000"),
         "wp99": pct(w, "99.000000") if w["total_ios"] else 0,
         "reqs": reqs, "irq": irqs / reqs if reqs else 0,
         "cpu": busy * 1e6 / reqs if reqs else 0,
         "cpumb": busy * 1e6 / (r["io_bytes"] / 1e6) if r["io_bytes"] else 0,
         "secs": post["time"] - pre["time"], "error": job.get("error", 0)}
    knobs = dict(line.split(" ", 1) for line in
                 open(os.path.join(rdir, rid + ".knobs")).read().strip().splitlines())
    for kv in run["knobs"]:
        k, v = kv.split("=", 1)
        if knobs.get(k) != v:
            sys.exit("profile_bench: %s: %s read back as %r, not %r" % (rid, k, knobs.get(k), v))
    return m, knobs


# ---------------------------------------------------------------- report

def med_range(xs, fmt):
    return fmt % statistics.median(xs), "%s–%s" % (fmt % min(xs), fmt % max(xs))


def tables(results):
    """Markdown tables, one per experiment."""
    out = []
    plan = results["plan"]
    for name, title, slots, knob, values, wls, pin in EXPERIMENTS:
        runs = [r for r in plan if r["exp"] == name and "m" in r]
        if not runs:
            continue
        out.append("### %s\n" % title)
        out.append("Values of `%s` alternating in %d rounds; fio pinned to the vCPU %s. "
                   "Each cell: median (range) of the runs; *ratio*: median of the per-round "
                   "ratios to `%s` (range).\n"
                   % (knob, results["pairs"],
                      "that takes the disk's interrupt" if pin == "irq" else
                      "that does not take the disk's interrupt", values[0]))
        for slot in slots:
            for wl in wls:
                rs = [r for r in runs if r["slot"] == slot and r["wl"] == wl]
                if not rs:
                    continue
                mets = WORKLOADS[wl][2]
                out.append("**%s, %s**\n" % (DISK_NAMES[slot], WORKLOADS[wl][0]))
                hdr = ["value"]
                for k in mets:
                    hdr.append(METRICS[k][0])
                    if METRICS[k][1] is not None:
                        hdr.append("ratio")
                out.append("| " + " | ".join(hdr) + " |")
                out.append("|" + "|".join(["---"] + ["---:"] * (len(hdr) - 1)) + "|")
                base = {r["round"]: r["m"] for r in rs if r["value"] == values[0]}
                for v in values:
                    vr = [r for r in rs if r["value"] == v]
                    row = ["`%s`" % v]
                    for k in mets:
                        fmt = METRICS[k][2]
                        med, rng = med_range([r["m"][k] for r in vr], fmt)
                        row.append("%s (%s)" % (med, rng))
                        if METRICS[k][1] is None:
                            continue
                        ratios = [r["m"][k] / base[r["round"]][k] for r in vr
                                  if r["round"] in base and base[r["round"]][k]]
                        if v == values[0] or not ratios:
                            row.append("1")
                        else:
                            med, rng = med_range(ratios, "%.2f")
                            row.append("%s (%s)" % (med, rng))
                    out.append("| " + " | ".join(row) + " |")
                out.append("")
    return "\n".join(out)


def render(results, old_body):
    info = results["info"]
    when = results["run_id"]
    lines = ["## Profiles: the guest knobs, value against value",
             "",
             "Written by `%s` (`make bench-profiles`), run `%s`. Do not edit the tables by "
             "hand: rerun. The values of tuned-profiles/pvblk-guest* cite this section."
             % (TOOL, when),
             "",
             "- Command: `%s`" % results["command"],
             "- Host: %s, %d CPUs, no KVM: QEMU TCG multi-threaded (`-accel tcg`); %s; "
             "load average %s at the start, %s at the end (the machine is shared; "
             "measurements serialized with `flock /tmp/pvblk-measure.lock`)."
             % (info["host_cpu"], info["host_ncpu"], info["qemu"], info["load_start"],
                info["load_end"]),
             "- Guest: kernel %s, 2 vCPUs, 1G RAM, `-machine pc -cpu max`, busybox init; %s."
             % (results["kver"], info["fio"]),
             "- pvblk.ko: %s" % info["ko"],
             "- Disks, each with one queue (`num-queues=1`: one interrupt, taken by one vCPU): "
             "pvblk on null-co (1 GiB, read-zeroes); virtio_blk on null-co, the same device "
             "moved to the stock driver (`pv_move`); pvblk on a raw file on /dev/shm (512 MiB "
             "of random data, so buffered reads move real pages). Where each disk's "
             "interrupt went: %s." % info["irq_cpus"],
             "- Runs: one fio invocation per experiment, disk and workload, whose jobs are "
             "the runs in order, one after the other (`stonewall`), each equivalent to `fio "
             "--name=RUN --filename=/dev/DISK WORKLOAD --cpus_allowed=CPU --lat_percentiles=1 "
             "--time_based --runtime=%d`; the buffered read is one invocation per run (a "
             "file's read-ahead window is sized when it is opened) reading the whole disk "
             "once, page cache dropped before. Each job's `exec_prerun` puts every knob of "
             "the disk back to its default (scheduler `%s`, the kernel's choice for the "
             "multi-queue disks the profiles are for: with one queue it would pick "
             "mq-deadline; then nr_requests, read_ahead_kb, rq_affinity and pvblk's "
             "tunables as the kernel and the driver set them: %s), writes the run's values, "
             "reads them back (a mismatch stops the benchmark) and snapshots the counters; "
             "`exec_postrun` snapshots them again."
             % (results["runtime"], info["def_sched"], info["defaults_txt"]),
             "- Workloads: " + "; ".join("*%s* `%s`" % (WORKLOADS[w][0], WORKLOADS[w][1])
                                         for w in WORKLOADS) + ".",
             "- Latency: fio's total latency (`lat`, submission to completion) percentiles. "
             "*CPU µs/req*: non-idle time of both vCPUs (/proc/stat) per block request, "
             "between fio's exec_prerun and exec_postrun (the I/O only). *irqs/req*: the "
             "disk's `virtioN-req.*` lines of /proc/interrupts per request. Requests: the "
             "disk's `stat` (reads + writes completed).",
             "- Raw data: `build/bench/profiles-%s/` (not committed)." % when,
             ""]
    body = "\n".join(lines) + "\n" + tables(results)
    keep = ""
    if old_body and KEEP in old_body:
        keep = old_body.split(KEEP, 1)[1].split(mdsection._end(SECTION))[0].strip("\n")
    body += "\n" + KEEP + "\n" + (keep or "### Which value each profile takes\n\n(to be written from the tables)") + "\n"
    return body


def old_section(path):
    if not os.path.exists(path):
        return ""
    for name, text in mdsection.sections(open(path).read()):
        if name == SECTION:
            return text
    return ""


# ---------------------------------------------------------------- run

def loadavg():
    return open("/proc/loadavg").read().split()[0]


def run(pairs, runtime, kver, only, work):
    ko = os.path.join(TOP, "build", "driver", kver, "pvblk.ko")
    plan = make_plan(pairs, runtime, only)
    shm = "/dev/shm/pvprofiles.%d" % os.getpid()
    os.makedirs(shm)
    img = os.path.join(shm, "disk.img")
    with open(img, "wb") as f:
        for _ in range(512):
            f.write(os.urandom(1 << 20))
    budget = sum(runtime + 5 if "--size=" not in r["args"] else 40 for r in plan) + 600
    vm = VM(kver=kver, name="pvbench-profiles", cpus=2, mem="1G", timeout=budget,
            xtrace=False, tcg_thread="multi")
    vm.extra += disk("pv", PV, null_size_mb=1024, dev={"num-queues": 1})
    vm.extra += disk("vb", VB, null_size_mb=1024, dev={"num-queues": 1})
    vm.extra += disk("pvf", PVF, image=img, dev={"num-queues": 1})
    vm.script = GUEST % {"ko": ko, "top": TOP, "pv_slots": "0x%x 0x%x 0x%x" % (PV, VB, PVF),
                         "vb_slot": "0x%x" % VB, "base_sched": BASE_SCHED}
    if os.path.isdir(vm.run_dir):
        shutil.rmtree(vm.run_dir)
    os.makedirs(vm.run_dir)
    groups = make_groups(plan)
    os.makedirs(vm.path("g"))
    with open(vm.path("groups"), "w") as f:
        for g, slot, pin, text in groups:
            f.write("%s 0x%x %s\n" % (g, slot, pin))
            with open(vm.path("g/%s.fio" % g), "w") as jf:
                jf.write(text)
    print("profile_bench: %s, %d runs (%d rounds, %d s), budget %d s; log: %s"
          % (kver, len(plan), pairs, runtime, budget, vm.path("script.log")), flush=True)
    load_start = loadavg()
    try:
        with vm:
            res = vm.wait(check=False)
    finally:
        shutil.rmtree(shm, ignore_errors=True)
    load_end = loadavg()
    if not res.ok:
        print(res.script_log[-3000:])
        sys.exit("profile_bench: guest run failed: %s (%s)" % (res.reason, res.run_dir))
    os.makedirs(work, exist_ok=True)
    for f in ("setup", "defaults", "guest-info", "groups", "script.log", "console"):
        if os.path.exists(vm.path(f)):
            shutil.copy(vm.path(f), work)
    shutil.copytree(vm.path("r"), os.path.join(work, "r"), dirs_exist_ok=True)

    setup = {}
    for line in open(vm.path("setup")).read().splitlines():
        f = line.split()
        setup[int(f[0], 16)] = {"disk": f[1], "virtio": f[2], "driver": f[3],
                                "irq_cpu": f[6].split("=")[1]}
    defaults = {}
    for line in open(vm.path("defaults")).read().splitlines():
        slot, k, v = line.split(" ", 2)
        defaults.setdefault(int(slot, 16), {})[k] = v
    ghz = 100  # guest USER_HZ (x86 Linux)
    fio_jobs = {}
    for g, _, _, _ in groups:
        js = json.load(open(os.path.join(work, "r", g + ".json")))
        for job in js["jobs"]:
            fio_jobs[job["jobname"]] = job
    for r in plan:
        r["m"], r["read_back"] = parse_run(os.path.join(work, "r"), r, setup[r["slot"]]["virtio"],
                                           ghz, fio_jobs)
    ginfo = open(vm.path("guest-info")).read().splitlines()
    qemu = subprocess.run(["qemu-system-x86_64", "--version"], stdout=subprocess.PIPE,
                          text=True).stdout.splitlines()[0]
    cpu = "?"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    git = subprocess.run(["git", "-C", TOP, "log", "-1", "--format=%h %cs", "--", "driver"],
                         stdout=subprocess.PIPE, text=True).stdout.strip()
    pvdef = defaults[PV]
    info = {"host_cpu": cpu, "host_ncpu": os.cpu_count(), "qemu": qemu,
            "load_start": load_start, "load_end": load_end, "fio": ginfo[3] if len(ginfo) > 3 else "fio",
            "ko": "built from driver/ at %s" % git,
            "irq_cpus": "; ".join("%s (%s) vCPU %s" % (DISK_NAMES[s], setup[s]["disk"], setup[s]["irq_cpu"])
                                  for s in sorted(setup)),
            "def_sched": re.sub(r".*\[(.*)\].*", r"\1", pvdef["queue/scheduler"]),
            "pv_defaults": ", ".join("%s %s" % (k.split("/")[1], v) for k, v in sorted(pvdef.items())
                                     if k.startswith("pvblk/")),
            "defaults": {"0x%x" % s: d for s, d in defaults.items()},
            "defaults_txt": "; ".join("%s: %s" % (DISK_NAMES[s], ", ".join(
                "%s %s" % (k.split("/")[1], v) for k, v in defaults[s].items()
                if k != "queue/scheduler")) for s in sorted(defaults))}
    return {"run_id": os.path.basename(work).replace("profiles-", ""), "kver": kver,
            "pairs": pairs, "runtime": runtime, "plan": plan, "info": info,
            "command": env("PB_COMMAND", "make bench-profiles")}


def main():
    out = env("PB_OUT", os.path.join(TOP, "BENCHMARKS.md"))
    report = env("PB_REPORT", "")
    if report:
        results = json.load(open(report))
    else:
        kvers = [k for k, role, _ in read_kernels() if role == "full"]
        kvers.sort(key=lambda k: [int(x) if x.isdigit() else x for x in re.split(r"[.+-]", k)])
        want = env("PB_KVER", "")
        kver = [k for k in kvers if k.startswith(want)][0] if want else kvers[-1]
        only = [x for x in env("PB_ONLY", "").split(",") if x]
        run_id = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        work = os.path.join(TOP, "build", "bench", "profiles-" + run_id)
        t0 = time.time()
        results = run(int(env("PB_PAIRS", "4")), int(env("PB_RUNTIME", "3")), kver, only, work)
        results["wall_secs"] = round(time.time() - t0)
        with open(os.path.join(work, "results.json"), "w") as f:
            json.dump(results, f, indent=1)
        print("profile_bench: %d s; raw data %s" % (results["wall_secs"], work))
    body = render(results, old_section(out))
    mdsection.replace(out, SECTION, TOOL, body)
    print(tables(results))
    print("profile_bench: section '%s' of %s written" % (SECTION, out))


if __name__ == "__main__":
    main()
