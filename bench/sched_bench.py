#!/usr/bin/python3
"""bench/sched_bench.py (make bench-sched): the guest I/O scheduler where one
can matter, a throttled backend. mq-deadline against none, on pvblk and on
virtio_blk, in one guest boot.

Each disk is a raw file on the host's tmpfs behind a QEMU throttle group
(`-object throttle-group,x-iops-total=N`, a `throttle` filter node): the
device serves N requests per second, like a shared or rate-limited cloud
volume, so requests queue. Each run is one fio invocation of two jobs at
once on the same disk:

  writer  a buffered random write flood (psync, 4k writes into the page
          cache; the kernel's writeback sends them to the disk as 4k
          requests, more than the throttle lets through, so they queue)
  reader  4k random O_DIRECT reads at queue depth 1 (psync), in another
          region of the disk

reported: the reader's total latency p50 / p99 / p99.9 and reads per second,
and the writes the disk completed (MB/s and requests per second, from the
disk's /sys/block/DISK/stat over the run; the writer's own fio figure is
page-cache speed). Before each run the page cache is written back and
dropped, and the scheduler of the run set. Order: rounds of the four
(driver, scheduler) runs, reversed every other round (A B C D D C B A …);
ratios are mq-deadline / none per round of one driver, median and range.

Settings (environment): SCHEDBENCH_IOPS (500), SCHEDBENCH_ROUNDS (4),
SCHEDBENCH_RUNTIME (10 s, plus SCHEDBENCH_RAMP 2 s), SCHEDBENCH_DISK_MB
(1024), SCHEDBENCH_WRITE_MB (128: the writer's region), SCHEDBENCH_KERNEL (newest test kernel), SCHEDBENCH_CPUS (2),
SCHEDBENCH_OUT (BENCHMARKS.md, section "sched"). Raw data:
build/bench/sched-RUN/results.json; SCHEDBENCH_REPORT=that file writes the
section again without running anything.
"""

import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "tests", "harness"))
sys.path.insert(0, os.path.join(TOP, "tests", "guest"))
sys.path.insert(0, HERE)
from vm import VM  # noqa: E402
import mdsection  # noqa: E402

SECTION = "sched"
TOOL = "bench/sched_bench.py"
SCHEDS = ("none", "mq-deadline")
DRIVERS = ("pvblk", "virtio_blk")
PV, VB = 0x10, 0x11


def env(name, default):
    v = os.environ.get(name)
    return default if v is None or v == "" else v


def kernels():
    """The test kernels of role full: build/kernels.list has a version per
    line, optionally followed by its role (full when absent) and suite."""
    kl = []
    for line in open(os.path.join(TOP, "build", "kernels.list")).read().splitlines():
        f = line.split("#", 1)[0].split()
        if f and (len(f) < 2 or f[1] == "full"):
            kl.append(f[0])
    kl.sort(key=lambda k: [int(x) if x.isdigit() else x for x in re.split(r"[.+-]", k)])
    return kl


class Cfg:
    def __init__(self):
        self.iops = int(env("SCHEDBENCH_IOPS", "500"))
        self.rounds = int(env("SCHEDBENCH_ROUNDS", "4"))
        self.runtime = int(env("SCHEDBENCH_RUNTIME", "10"))
        self.ramp = int(env("SCHEDBENCH_RAMP", "2"))
        self.disk_mb = int(env("SCHEDBENCH_DISK_MB", "1024"))
        # the writer's region: what it can dirty, and so what the close of
        # the disk writes back after each run (at the throttle's rate)
        self.write_mb = int(env("SCHEDBENCH_WRITE_MB", "128"))
        self.cpus = int(env("SCHEDBENCH_CPUS", "2"))
        want = env("SCHEDBENCH_KERNEL", "")
        kl = kernels()
        m = [k for k in kl if k.startswith(want)] if want else kl[-1:]
        if not m:
            sys.exit("sched_bench: no test kernel matches %r (have: %s)" % (want, " ".join(kl)))
        self.kver = m[-1]
        self.out = env("SCHEDBENCH_OUT", os.path.join(TOP, "BENCHMARKS.md"))
        self.run_id = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        self.work = os.path.join(TOP, "build", "bench", "sched-" + self.run_id)
        self.shm = "/dev/shm/pvsched.%d" % os.getpid()


def plan(cfg):
    seq = [(d, s) for d in DRIVERS for s in SCHEDS]
    runs = []
    for r in range(cfg.rounds):
        for d, s in (seq if r % 2 == 0 else seq[::-1]):
            runs.append({"id": "r%03d" % (len(runs) + 1), "round": r, "driver": d, "sched": s,
                         "slot": PV if d == "pvblk" else VB})
    return runs


FIO = """[global]
filename=@DEV@
time_based=1
runtime=%(runtime)d
ramp_time=%(ramp)d
ioengine=psync
lat_percentiles=1
percentile_list=50:90:99:99.9

[writer]
rw=randwrite
bs=4k
direct=0
offset=%(woff)dm
size=%(wsize)dm

[reader]
rw=randread
bs=4k
direct=1
iodepth=1
offset=0
size=%(rsize)dm
"""

GUEST = r"""
export PVBLK_KO=%(ko)s
. %(top)s/tests/guest/pvblk-lib.sh
pv_load_pvblk
pv_load_virtio_blk
declare -A DISK
DISK[0x%(pv)x]=$(pv_disk_of_slot 0x%(pv)x); pv_wait_path /dev/${DISK[0x%(pv)x]}
DISK[0x%(vb)x]=$(pv_move 0x%(vb)x virtio_blk)
for s in 0x%(pv)x 0x%(vb)x; do
	d=${DISK[$s]}
	for f in scheduler nr_requests rotational wbt_lat_usec max_sectors_kb max_hw_sectors_kb; do
		echo "$s $d $f $(cat /sys/block/$d/queue/$f 2>/dev/null || echo -)"
	done
done > /pvtest/queue-settings
{ uname -r; nproc; cat /proc/cmdline; cat /proc/sys/vm/dirty_ratio /proc/sys/vm/dirty_background_ratio; } > /pvtest/guest-info
mkdir -p /pvtest/r /tmp/r
mkfifo /tmp/inflight.fifo
# Warm-up: a short run on each disk, not measured.
for s in 0x%(pv)x 0x%(vb)x; do
	fio --name=warm --filename=/dev/${DISK[$s]} --rw=randread --bs=4k --direct=1 --ioengine=psync \
	    --time_based --runtime=1 > /dev/null
done
flushed() {	# wait until the page cache has no dirty or writeback pages left
	local i=0
	sync
	while awk '/^(Dirty|Writeback):/ { s += $2 } END { exit !(s > 1024) }' /proc/meminfo; do
		i=$((i + 1)); [ $i -lt 600 ] || { echo "writeback does not end" >&2; return 1; }
		sleep 0.5
	done
	echo 3 > /proc/sys/vm/drop_caches
}
while read -r id slot sched; do
	d=${DISK[$slot]}
	echo "$sched" > /sys/block/$d/queue/scheduler
	flushed
	cat /sys/block/$d/queue/scheduler /sys/block/$d/queue/nr_requests > /tmp/r/$id.queue
	read -r up0 _ < /proc/uptime; cat /sys/block/$d/stat > /tmp/r/$id.stat0
	sed "s|@DEV@|/dev/$d|" /pvtest/job.fio > /tmp/job.fio
	# every 0.25 s: uptime, requests in flight in the driver (reads, writes),
	# the disk's stat (builtins only)
	( while ! read -r -t 0.25 _ <> /tmp/inflight.fifo; do
		read -r t _ < /proc/uptime; read -r i < /sys/block/$d/inflight; read -r st < /sys/block/$d/stat
		echo "$t $i $st"
	done ) > /tmp/r/$id.samples &
	sampler=$!
	fio --output-format=json --output=/tmp/r/$id.json /tmp/job.fio
	kill $sampler; wait $sampler 2> /dev/null || true
	read -r up1 _ < /proc/uptime; cat /sys/block/$d/stat > /tmp/r/$id.stat1
	echo "$up0 $up1" > /tmp/r/$id.time
	cp /tmp/r/$id.* /pvtest/r/
	echo "run $id $d $sched done"
done < /pvtest/plan
flushed
"""


def throttled_disk(cfg, slot, image, group):
    node = "d%x" % slot
    return ["-object", "throttle-group,id=%s,x-iops-total=%d" % (group, cfg.iops),
            "-blockdev", "driver=file,node-name=%s-file,filename=%s" % (node, image),
            "-blockdev", "driver=raw,node-name=%s-raw,file=%s-file" % (node, node),
            "-blockdev", "driver=throttle,node-name=%s,throttle-group=%s,file=%s-raw" % (node, group, node),
            "-device", "virtio-blk-pci,drive=%s,id=%s-dev,addr=0x%x" % (node, node, slot)]


def parse_run(d, r, ramp, runtime):  # noqa: ARG001 (runtime: fio's own)
    txt = open(os.path.join(d, r["id"] + ".json")).read()
    j = json.loads(txt[txt.index("{"):])      # fio may print notes before the JSON
    jobs = {x["jobname"]: x for x in j["jobs"]}
    rd = jobs["reader"]["read"]
    pct = rd["lat_ns"].get("percentile") or rd["clat_ns"]["percentile"]
    s0 = [int(x) for x in open(os.path.join(d, r["id"] + ".stat0")).read().split()]
    s1 = [int(x) for x in open(os.path.join(d, r["id"] + ".stat1")).read().split()]
    t0, t1 = (float(x) for x in open(os.path.join(d, r["id"] + ".time")).read().split())
    secs = t1 - t0
    q = open(os.path.join(d, r["id"] + ".queue")).read().split("\n")
    # samples: uptime, in flight (reads, writes), then the disk's stat fields
    # (reads completed at [3], writes at [7], sectors written at [9]). Rates
    # over the time the reader ran, after the ramp: from its first completed
    # read + ramp to its last (fio may take seconds to start on a loaded
    # machine; after the reader ends, fio's close of the disk writes back
    # the rest alone).
    smp = [[float(x) for x in l.split()] for l in open(os.path.join(d, r["id"] + ".samples"))
           if len(l.split()) >= 13]
    moving = [i for i in range(1, len(smp)) if smp[i][3] > smp[i - 1][3]]
    win = []
    if moving:
        a, b = smp[moving[0]][0] + ramp, smp[moving[-1]][0]
        win = [x for x in smp if a <= x[0] <= b]
    return {
        "read_iops": rd["iops"],
        "p50": pct.get("50.000000", 0) / 1000.0,
        "p90": pct.get("90.000000", 0) / 1000.0,
        "p99": pct.get("99.000000", 0) / 1000.0,
        "p999": pct.get("99.900000", 0) / 1000.0,
        "writer_fio_mbs": jobs["writer"]["write"]["bw_bytes"] / 1e6,
        "dev_write_mbs": ((win[-1][9] - win[0][9]) * 512 / (win[-1][0] - win[0][0]) / 1e6
                          if len(win) > 1 else None),
        "dev_write_iops": ((win[-1][7] - win[0][7]) / (win[-1][0] - win[0][0]) if len(win) > 1 else None),
        "dev_read_iops": ((win[-1][3] - win[0][3]) / (win[-1][0] - win[0][0]) if len(win) > 1 else None),
        "run_write_iops": (s1[4] - s0[4]) / secs,
        "secs": secs,
        "queue": q[0].strip(),
        "nr_requests": q[1].strip() if len(q) > 1 else "",
        "inflight_w": statistics.mean(x[2] for x in win) if win else None,
        "inflight_r": statistics.mean(x[1] for x in win) if win else None,
    }


def run(cfg):
    os.makedirs(cfg.work, exist_ok=True)
    os.makedirs(cfg.shm, exist_ok=True)
    ko = os.path.join(TOP, "build", "driver", cfg.kver, "pvblk.ko")
    if not os.path.exists(ko):
        sys.exit("sched_bench: %s missing: make driver" % ko)
    ko_copy = os.path.join(cfg.work, "pvblk.ko")
    shutil.copy2(ko, ko_copy)
    runs = plan(cfg)
    extra = []
    for slot in (PV, VB):
        img = os.path.join(cfg.shm, "disk-%x.img" % slot)
        with open(img, "wb") as f:
            f.truncate(cfg.disk_mb << 20)
        extra += throttled_disk(cfg, slot, img, "tg%x" % slot)
    per_run = cfg.runtime + cfg.ramp + 15
    vm = VM(kver=cfg.kver, name="pvsched", cpus=cfg.cpus, timeout=300 + 3 * per_run * len(runs),
            xtrace=False, tcg_thread="multi")
    vm.extra += extra
    with open(vm.path("plan"), "w") as f:
        for r in runs:
            f.write("%s 0x%x %s\n" % (r["id"], r["slot"], r["sched"]))
    rsize = min(256, cfg.disk_mb // 4)
    with open(vm.path("job.fio"), "w") as f:
        f.write(FIO % {"runtime": cfg.runtime, "ramp": cfg.ramp, "rsize": rsize, "woff": rsize,
                       "wsize": min(cfg.write_mb, cfg.disk_mb - rsize)})
    vm.script = GUEST % {"ko": ko_copy, "top": TOP, "pv": PV, "vb": VB}
    print("sched_bench: run %s, %s, %d runs of %d s, throttle %d IOPS; raw data in %s"
          % (cfg.run_id, cfg.kver, len(runs), cfg.runtime, cfg.iops, cfg.work), flush=True)
    try:
        with vm:
            res = vm.wait(timeout=300 + 3 * per_run * len(runs))
    finally:
        shutil.rmtree(cfg.shm, ignore_errors=True)
    d = vm.path("r")
    for r in runs:
        r["m"] = parse_run(d, r, cfg.ramp, cfg.runtime)
        m = r["m"]
        print("  %s %-10s %-11s reader p50 %.0f p99 %.0f p99.9 %.0f us, %.0f reads/s; disk writes %s MB/s "
              "(%s/s); in flight: %s writes, %s reads"
              % (r["id"], r["driver"], r["sched"], m["p50"], m["p99"], m["p999"], m["read_iops"],
                 fmt(m["dev_write_mbs"], 1), fmt(m["dev_write_iops"]), fmt(m["inflight_w"], 1),
                 fmt(m["inflight_r"], 2)), flush=True)
    meta = {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "qemu": subprocess.run("qemu-system-x86_64 --version | head -n1", shell=True, text=True,
                               stdout=subprocess.PIPE).stdout.strip(),
        "fio": subprocess.run(["fio", "--version"], text=True, stdout=subprocess.PIPE).stdout.strip(),
        "driver": subprocess.run(["git", "-C", TOP, "log", "-1", "--format=%h %cs", "--", "driver"],
                                 text=True, stdout=subprocess.PIPE).stdout.strip(),
        "dirty": bool(subprocess.run(["git", "-C", TOP, "status", "--porcelain", "--", "driver"],
                                     text=True, stdout=subprocess.PIPE).stdout.strip()),
        "queue_settings": res.file("queue-settings"),
        "guest": res.file("guest-info"),
        "load": open("/proc/loadavg").read().split()[0],
    }
    data = {"config": {k: v for k, v in vars(cfg).items()}, "meta": meta, "runs": runs}
    path = os.path.join(cfg.work, "results.json")
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
    return data


def fmt(x, digits=0):
    return "n/a" if x is None else "%.*f" % (digits, x)


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def report(data, out):
    cfg, meta, runs = data["config"], data["meta"], data["runs"]
    by = {}
    for r in runs:
        by.setdefault((r["driver"], r["sched"]), {})[r["round"]] = r["m"]
    L = ["## Guest I/O scheduler on a throttled backend: mq-deadline against none", "",
         "Written by `bench/sched_bench.py` (`make bench-sched`), run `%s`, %s. Do not edit the tables "
         "by hand: rerun (`SCHEDBENCH_REPORT=build/bench/sched-%s/results.json` re-renders them)."
         % (cfg["run_id"], meta["date"], cfg["run_id"]), "",
         "- Guest: kernel %s, %d vCPUs, 1G RAM, multi-threaded TCG; %s; pvblk.ko built from driver/ at %s%s."
         % (cfg["kver"], cfg["cpus"], meta["qemu"], meta["driver"],
            " plus uncommitted changes" if meta["dirty"] else ""),
         "- Disks: one pvblk and one virtio_blk disk in the same boot, each a %d MiB raw file on the host's "
         "tmpfs behind its own QEMU throttle group, `x-iops-total=%d` (reads and writes together, "
         "whatever their size)." % (cfg["disk_mb"], cfg["iops"]),
         "- Each run (fio %s, %d s plus %d s ramp, both jobs at once on one disk): *writer* a buffered "
         "random write flood (`rw=randwrite bs=4k direct=0 ioengine=psync`: the page cache takes them "
         "faster than the disk, writeback sends 4k requests, they queue) over %d MiB after the reader's "
         "region; *reader* 4k random `O_DIRECT` reads at queue depth 1 (`psync`) in its "
         "first %d MiB. Before each run the page cache is written back and dropped and the run's scheduler "
         "set (each scheduler's defaults otherwise)." % (meta["fio"], cfg["runtime"], cfg["ramp"],
                                                         cfg.get("write_mb", 0),
                                                         min(256, cfg["disk_mb"] // 4)),
         "- Reader: fio's total latency percentiles and reads per second. Writes: what the disk "
         "completed while both jobs ran (its /sys/block/DISK/stat, sampled every 0.25 s, from the "
         "reader's first read plus the ramp to its last; fio's close of the disk then writes back the "
         "rest alone), MB/s "
         "and requests/s; *in flight*: the disk's mean writes in flight over the same samples (the "
         "backend is the bottleneck when they pile up). The writer's fio figure measures the page "
         "cache.",
         "- %d rounds of the four runs, the order reversed every other round; numbers are medians over "
         "the rounds, *ratio* the median of per-round mq-deadline/none ratios of one driver, with their "
         "range. Load average at the end: %s." % (cfg["rounds"], meta["load"]),
         "- Queue settings at boot (slot, disk, attribute, value): %s." % "; ".join(
             " ".join(l.split()[1:]) for l in (meta["queue_settings"] or "").splitlines()),
         "",
         "| driver | scheduler | reader p50 µs | p99 µs | p99.9 µs | reads/s | disk writes MB/s | writes/s "
         "| writes in flight | p99 ratio | range | p50 ratio | writes MB/s ratio | range |",
         "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|"]

    def ratio(drv, key):
        a, b = by.get((drv, "mq-deadline"), {}), by.get((drv, "none"), {})
        rs = [a[r][key] / b[r][key] for r in a if r in b and b[r][key] and a[r][key] is not None]
        if not rs:
            return "n/a", ""
        return "%.2f" % statistics.median(rs), "%.2f–%.2f" % (min(rs), max(rs))

    for drv in DRIVERS:
        for s in SCHEDS:
            rs = by.get((drv, s), {})
            vals = [med([m[k] for m in rs.values()]) for k in
                    ("p50", "p99", "p999", "read_iops", "dev_write_mbs", "dev_write_iops", "inflight_w")]
            extra = ["", "", "", "", ""]
            if s == "mq-deadline":
                p99, p99r = ratio(drv, "p99")
                p50, _ = ratio(drv, "p50")
                w, wr = ratio(drv, "dev_write_mbs")
                extra = [p99, p99r, p50, w, wr]
            L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                tuple([drv, s] + [fmt(v, k) for v, k in zip(vals, (0, 0, 0, 0, 1, 0, 0))]) +
                (" | ".join(extra),)))
    L.append("")
    L.append("Per run (round, driver, scheduler: reader p50/p99 µs, disk writes MB/s): " + "; ".join(
        "%d %s %s: %.0f/%.0f, %s" % (r["round"], r["driver"], r["sched"], r["m"]["p50"], r["m"]["p99"],
                                     fmt(r["m"]["dev_write_mbs"], 1)) for r in runs) + ".")
    L.append("")
    keep = ""
    if os.path.exists(out):
        for name, text in mdsection.sections(open(out).read()):
            if name == SECTION and KEEP in text:
                keep = text.split(KEEP, 1)[1].split("<!-- end of section")[0].strip("\n")
    L.append(KEEP)
    L.append(keep or "### Analysis\n\n(Not written yet for run `%s`.)" % cfg["run_id"])
    mdsection.replace(out, SECTION, TOOL, "\n".join(L))


KEEP = "<!-- analysis of the sched section: written by hand, kept by sched_bench.py -->"


def main():
    if os.environ.get("SCHEDBENCH_REPORT"):
        data = json.load(open(os.environ["SCHEDBENCH_REPORT"]))
        out = env("SCHEDBENCH_OUT", os.path.join(TOP, "BENCHMARKS.md"))
        report(data, out)
        print("sched_bench: wrote %s" % out)
        return
    cfg = Cfg()
    data = run(cfg)
    report(data, cfg.out)
    print("sched_bench: wrote %s" % cfg.out)


if __name__ == "__main__":
    main()
