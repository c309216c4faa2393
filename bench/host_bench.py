#!/usr/bin/python3
"""bench/host_bench.py (make bench-host): the host side of a guest's disk I/O.
QEMU's defaults (disks in the main loop, which does not poll) against an
iothread per disk tuned by pvtuned's host mode (the pvblk-host profile:
iothreads pinned apart from the vCPUs, adaptive polling over QMP), and a
poll_max_ns sweep to choose the profile's value; a pvblk disk and a
virtio_blk disk in every boot, alternating, as bench/bench.py does (its code
is reused: the guest plan, the handshakes, QEMU's virtio_queue_notify trace
for kicks, the guest's and the host's counters).

Boots, alternating, HOSTBENCH_BOOTS (1) of each kind:
  mainloop   no iothread: QEMU's defaults
  iothread   an iothread per disk (as `pvtune-adm qemu-args pvblk-host`
             prints, poll parameters left at QEMU's defaults on the command
             line); pvtuned (a private D-Bus bus, --root in /tmp, watching
             the VM's second QMP socket) switches profiles at each run's
             handshake, before the run's counters are taken:
               iothread      `pvtune-adm off`: QEMU's defaults for an iothread
               pvblk-host    tuned-profiles/pvblk-host as it is
               pin+poll=N    pvblk-host with vcpu_cpus=VCPUS and poll_max_ns=N,
                             for N in HOSTBENCH_POLLS
Each profile switch is read back (query-iothreads, /proc/PID/task/TID/status)
into the raw data.

Settings (environment): HOSTBENCH_BOOTS (1), HOSTBENCH_POLLS
(0,8192,32768,65536,131072), HOSTBENCH_VCPUS (0: host CPUs of the vCPUs
for the pin+poll rows), HOSTBENCH_OUT (BENCHMARKS.md, section "host");
and bench.py's: BENCH_CPUS (1 here), BENCH_WORKLOADS
(rr4k-qd1,rr4k-qd32-b16), BENCH_PAIRS (4), BENCH_RUNTIME (3), BENCH_KERNELS,
BENCH_TCG (multi). Backend: null-co only (the device emulation and its
notifications, not a host disk). Raw data: build/bench/host-RUN/results.json.
HOSTBENCH_REPORT=build/bench/host-RUN/results.json writes the section again.
"""

import datetime
import json
import os
import re
import shutil
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench as B  # noqa: E402  (also puts tests/harness and tests/guest on sys.path)
import mdsection  # noqa: E402
from test_host_qemu import Env  # noqa: E402  (pvtuned on a private bus, --root)

TOP = B.TOP
PROFILE_SRC = os.path.join(TOP, "tuned-profiles", "pvblk-host", "tuned.conf")


def env(name, default):
    return B.env(name, default)


def profile_value(key):
    m = re.search(r"^%s\s*=\s*(\S+)" % key, open(PROFILE_SRC).read(), re.M)
    return m.group(1) if m else None


def task_ticks(pid):
    """{tid: utime+stime} of every thread of PID."""
    out = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for t in tids:
        try:
            with open("/proc/%d/task/%s/stat" % (pid, t)) as f:
                s = f.read().rsplit(")", 1)[1].split()
            out[int(t)] = int(s[11]) + int(s[12])
        except (OSError, IndexError, ValueError):
            pass
    return out


def cpus_allowed(pid, tid):
    try:
        with open("/proc/%d/task/%d/status" % (pid, tid)) as f:
            return re.search(r"Cpus_allowed_list:\s*(\S+)", f.read()).group(1)
    except (OSError, AttributeError):
        return None


class HostBoot(B.Boot):
    """One boot of bench.py's Boot with host-side variants."""

    def __init__(self, cfg, kver, ko, kind, index, henv, variants):
        super().__init__(cfg, kver, "null", ko)
        self.kind = kind                  # mainloop | iothread
        self.index = index
        self.henv = henv
        self.variants = variants          # [(name, pvtune-adm args)]
        self.name = "pvhost-%s%d" % (kind, index)
        self.shm = os.path.join(cfg.shm, self.name)
        self.applied = None
        self.readback = {}                # variant -> what was read back after applying it
        self.adm_out = {}                 # variant -> pvtune-adm output
        self.thr = {}                     # mark -> {class: ticks}
        self.tids = None
        self.qmp_sock = None

    def plan(self):
        cfg = self.cfg
        n = [0]
        (q, pv, vd), = self.pairs
        for wl in cfg.workloads:
            runs = []
            for r in range(cfg.pairs):
                for vname, _ in self.variants:
                    for slot, drv in ((pv, "pvblk"), (vd, "virtio_blk")):
                        n[0] += 1
                        runs.append({"id": "r%03d" % n[0], "q": q, "slot": slot, "driver": drv,
                                     "wl": wl, "sched": "-", "knobs": "-", "variant": vname,
                                     "round": self.index * cfg.pairs + r, "table": "host",
                                     "kind": self.kind})
            self.groups.append({"id": "g%03d" % (len(self.groups) + 1), "kind": "fio",
                                "runs": runs, "text": None})

    def qemu_args(self):
        args = super().qemu_args()
        if self.kind != "iothread":
            return args
        out = []
        for a in args:
            if a.startswith("virtio-blk-pci,"):
                slot = re.search(r"addr=0x([0-9a-f]+)", a).group(1)
                out[-1:-1] = ["-object", "iothread,id=io%s" % slot]
                a += ",iothread=io%s" % slot
            out.append(a)
        self.qmp_sock = os.path.join(self.henv.qmpdir, "%s.sock" % self.name)
        out += ["-qmp", "unix:%s,server=on,wait=off" % self.qmp_sock]
        return out

    # --- at each handshake
    def find_tids(self, vm):
        vc = {c["thread-id"] for c in vm.qmp("query-cpus-fast")}
        io = {t["thread-id"] for t in vm.qmp("query-iothreads")} if self.kind == "iothread" else set()
        self.tids = {"vcpu": vc, "io": io}

    def apply(self, vm, vname):
        args = dict(self.variants)[vname]
        rc, out = self.henv.adm(*args)
        # 1: applied, but a required check does not hold (cache=none on the
        # null-co drives, which these numbers do not depend on)
        if rc not in (0, 1) or "FAILED" in out:
            raise RuntimeError("pvtune-adm %s: rc %d\n%s" % (" ".join(args), rc, out))
        if self.qmp_sock and not re.search(r"^qemu +%s " % re.escape(self.name), out, re.M) \
                and args[0] == "profile":
            raise RuntimeError("pvtune-adm %s did not tune %s:\n%s" % (" ".join(args), self.name, out))
        self.applied = vname
        pid = vm.proc.pid
        rb = {"iothreads": {}, "vcpus": {}}
        for t in vm.qmp("query-iothreads"):
            rb["iothreads"][t["id"]] = {"poll-max-ns": t["poll-max-ns"], "poll-grow": t["poll-grow"],
                                        "poll-shrink": t["poll-shrink"],
                                        "cpus": cpus_allowed(pid, t["thread-id"])}
        for c in vm.qmp("query-cpus-fast"):
            rb["vcpus"][c["cpu-index"]] = cpus_allowed(pid, c["thread-id"])
        self.readback.setdefault(vname, rb)
        self.adm_out.setdefault(vname, out)

    def on_mark(self, vm, name):
        if name.startswith("cal-"):
            return
        if self.tids is None:
            self.find_tids(vm)
        rid, phase = name[:-2], name[-1]
        if phase == "a" and self.kind == "iothread":
            run = next(r for g in self.groups for r in g["runs"] if r["id"] == rid)
            if run["variant"] != self.applied:
                self.apply(vm, run["variant"])
            run["readback"] = self.readback[run["variant"]]
        tt = task_ticks(vm.proc.pid)
        c = {"vcpu": 0, "io": 0, "other": 0}
        for tid, ticks in tt.items():
            k = "vcpu" if tid in self.tids["vcpu"] else "io" if tid in self.tids["io"] else "other"
            c[k] += ticks
        self.thr[name] = c

    def counters(self, r, m, pre, post):
        super().counters(r, m, pre, post)
        a, b = self.thr.get(r["id"] + "-a"), self.thr.get(r["id"] + "-b")
        if a and b and m.get("reqs"):
            for k in a:
                m["host_%s_us_req" % k] = (b[k] - a[k]) * 1e6 / B.USER_HZ / m["reqs"]


# ---------------------------------------------------------------- report

WLS = B.FIO_WORKLOADS


def variant_order(results):
    seen = []
    for r in results:
        if r["variant"] not in seen:
            seen.append(r["variant"])
    return seen


def by_variant(results):
    """{(variant, wl): {driver: {round: m}}}"""
    out = {}
    for r in results:
        if "m" in r:
            out.setdefault((r["variant"], r["wl"]), {}).setdefault(r["driver"], {})[r["round"]] = r["m"]
    return out


def f(x, fmt="%.0f"):
    return "n/a" if x is None else fmt % x


def ratio_of_meds(a, b):
    return None if a is None or not b else a / b


def tables(results, cfg):
    S = by_variant(results)
    vorder = variant_order(results)
    L = []
    for wl in cfg["workloads"]:
        base = S.get(("main loop", wl), {})
        L += ["", "**%s** (`%s`):" % (WLS[wl][0], WLS[wl][2]), "",
              "| host setting | driver | IOPS | vs main loop | p50 µs | p99 µs | handler runs/req (trace) "
              "| guest kicks/req | irqs/req | host CPU µs/req | vCPU | iothread | main loop + other "
              "| host cores | guest CPU µs/req |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for v in vorder:
            by = S.get((v, wl), {})
            for drv in B.DRIVERS:
                runs = by.get(drv, {})
                if not runs:
                    continue
                med = lambda k: B.metric_med(runs, k)  # noqa: E731
                bm = B.metric_med(base.get(drv, {}), "perf")
                rel = ratio_of_meds(med("perf"), bm) if v != "main loop" else None
                L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    v if drv == "pvblk" else "", drv, f(med("perf")),
                    "" if rel is None else "%.2f" % rel,
                    f(med("p50"), "%.1f"), f(med("p99"), "%.1f"),
                    B.f_per(med("kick_req")),
                    B.f_per(B.own(runs, "kicks", "requests")) if drv == "pvblk" else "–",
                    B.f_per(med("irq_req")),
                    f(med("host_cpu_us_req"), "%.1f"), f(med("host_vcpu_us_req"), "%.1f"),
                    f(med("host_io_us_req"), "%.1f"), f(med("host_other_us_req"), "%.1f"),
                    f(med("host_cpu_util"), "%.2f"), f(med("cpu_us_req"), "%.1f")))
    return L


def ratio_table(results, cfg):
    """pvblk / virtio_blk per setting: medians of per-round ratios (same boot)."""
    S = by_variant(results)
    L = ["| host setting | workload | IOPS pvblk/virtio_blk | range | p50 ratio | p99 ratio "
         "| host CPU/req ratio |", "|---|---|---:|---|---:|---:|---:|"]
    for v in variant_order(results):
        for wl in cfg["workloads"]:
            by = S.get((v, wl), {})
            pv, vb = by.get("pvblk", {}), by.get("virtio_blk", {})
            if not pv or not vb:
                continue
            L.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                v, WLS[wl][0], B.f_ratio(B.pair_ratio(pv, vb, "perf")), B.f_range(B.pair_ratio(pv, vb, "perf")),
                B.f_ratio(B.pair_ratio(pv, vb, "p50")), B.f_ratio(B.pair_ratio(pv, vb, "p99")),
                B.f_ratio(B.pair_ratio(pv, vb, "host_cpu_us_req"))))
    return L


def vs_iothread_table(results, cfg):
    """Each iothread setting against `iothread` (pvtuned off) in the same
    boot and round: medians of per-round ratios, both drivers."""
    S = by_variant(results)
    L = ["| host setting | workload | driver | IOPS vs iothread defaults | p50 ratio | p99 ratio "
         "| host CPU/req ratio | handler runs/req |", "|---|---|---|---:|---:|---:|---:|---:|"]
    for v in variant_order(results):
        if v in ("main loop", "iothread"):
            continue
        for wl in cfg["workloads"]:
            for drv in B.DRIVERS:
                a = S.get((v, wl), {}).get(drv, {})
                b = S.get(("iothread", wl), {}).get(drv, {})
                if not a or not b:
                    continue
                L.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    v, WLS[wl][0], drv, B.f_ratio(B.pair_ratio(a, b, "perf")),
                    B.f_ratio(B.pair_ratio(a, b, "p50")), B.f_ratio(B.pair_ratio(a, b, "p99")),
                    B.f_ratio(B.pair_ratio(a, b, "host_cpu_us_req")), B.f_per(B.metric_med(a, "kick_req"))))
    return L


def boots_text(boots):
    parts = []
    for b in boots:
        t = "%s (%s)" % (b["name"], b["kind"])
        if b.get("error"):
            t += " **stopped after %s runs: %s**" % (b.get("runs_done", "?"), b["error"].splitlines()[0])
        parts.append(t)
    return "; ".join(parts) or "none"


def readback_lines(boots):
    L = []
    for b in boots:
        for v, rb in b.get("readback", {}).items():
            io = "; ".join("%s: poll-max-ns %s grow %s shrink %s, CPUs %s" % (
                k, x["poll-max-ns"], x["poll-grow"], x["poll-shrink"], x["cpus"]) for k, x in sorted(rb["iothreads"].items()))
            vc = ", ".join("vCPU %s: CPUs %s" % kv for kv in sorted(rb["vcpus"].items()))
            L.append("| %s | %s | %s | %s |" % (b["name"], v, io, vc))
    if L:
        L = ["| boot | setting | iothreads (query-iothreads, Cpus_allowed_list) | vCPUs |",
             "|---|---|---|---|"] + L
    return L


ANALYSIS_BEGIN = "<!-- host analysis: written by hand from the numbers above; kept by host_bench.py -->"
ANALYSIS_END = "<!-- end of host analysis -->"


def write_section(path, data):
    cfg, meta, boots, results = data["config"], data["meta"], data["boots"], data["results"]
    old = open(path).read() if os.path.exists(path) else ""
    analysis = None
    for name, body in mdsection.sections(old):
        if name == "host" and ANALYSIS_BEGIN in body and ANALYSIS_END in body:
            analysis = body[body.index(ANALYSIS_BEGIN):body.index(ANALYSIS_END) + len(ANALYSIS_END)]
    L = ["## Host side: QEMU's defaults against the pvblk-host profile (pvtuned host mode)", "",
         "Written by `bench/host_bench.py` (`make bench-host`), run `%s`, %s. Do not edit the tables by "
         "hand: rerun (`HOSTBENCH_REPORT=build/bench/host-%s/results.json` re-renders them)."
         % (meta["run_id"], meta["date"], meta["run_id"]), "",
         "### Setup", "",
         "- Command: `%s`%s." % (meta["command"], (" with " + ", ".join("`%s=%s`" % tuple(kv) for kv in meta["env"]))
                                 if meta["env"] else ""),
         "- Host: %s, %d CPUs, Linux %s, no KVM: QEMU TCG, multi-threaded (`-accel tcg`, one thread per vCPU). "
         "Load average %s at the start, %s at the end (shared machine; every run held "
         "`flock /tmp/pvblk-measure.lock`, so other engineers' benchmarks did not overlap, but their "
         "builds and tests may have)." % (meta["host_cpu"], meta["ncpu"], meta["host_kernel"], meta["load0"],
                                          meta.get("load1", "n/a (the run did not end)")),
         "- %s. Guest: kernel %s, **%d vCPU**, %s RAM, `-machine pc -cpu max` (tests/harness/vm.py); "
         "pvblk.ko %s." % (meta["qemu"], ", ".join(cfg["kernels"]), cfg["cpus"], cfg["mem"], meta["driver"]),
         "- Disks: two null-co disks (`read-zeroes=on`, 1 GiB, virtio-blk-pci, 1 queue, QEMU's default queue "
         "size); the first stays on pvblk, the second is moved to virtio_blk. null-co: what is measured is "
         "QEMU's device emulation, its notifications and where it runs, not a host disk, so the profile's "
         "cache=none / aio checks do not enter these numbers.",
         "- Boots, alternating: **main loop** = QEMU's defaults (no iothread; the main loop does not poll; "
         "nothing pinned). **iothread** boots = an iothread per disk (`-object iothread,id=ioN`, "
         "`-device virtio-blk-pci,...,iothread=ioN`, as `pvtune-adm qemu-args pvblk-host` prints, but with "
         "QEMU's default polling on the command line) and a second QMP socket that pvtuned watches "
         "(pvtuned from agent/, on a private D-Bus bus with `--root` in /tmp, as tests/guest/test_host_qemu.py "
         "runs it). At the guest's handshake before each run, before the run's counters are taken, "
         "`pvtune-adm` switches pvtuned to the run's setting: *iothread* = `pvtune-adm off` (QEMU's defaults "
         "for an iothread: adaptive polling, poll-max-ns 32768, grow/shrink 0, nothing pinned); "
         "*pvblk-host* = the profile in tuned-profiles/ as committed at the run (iothread_cpus=auto, "
         "poll_max_ns %s, no vcpu_cpus, so the vCPU is not pinned and `auto` falls back to the last CPU "
         "with a warning); *pin+poll=N* = pvblk-host plus `vcpu_cpus=%s` (a site setting: the vCPU on "
         "CPU %s, so `auto` puts the iothreads on the other CPU) and `poll_max_ns=N`. What pvtuned set is read "
         "back after each switch (table below)." % (meta["profile_poll"], cfg["vcpus"], cfg["vcpus"]),
         "- fio %s, io_uring, O_DIRECT, `--runtime=%d`, pinned to the vCPU; %d rounds per boot, each round "
         "running every setting with pvblk then virtio_blk; boots: %s. Numbers are medians "
         "over the rounds; *vs main loop* is the ratio of medians across boots; the pvblk/virtio_blk and "
         "vs-iothread ratios are medians of per-round ratios within a boot."
         % (meta["fio_version"], cfg["runtime"], cfg["pairs"], boots_text(boots)),
         "- Counting as in bench.py (section Setup above), with one difference in meaning: QEMU 7.2 emits "
         "`virtio_queue_notify` in `virtio_queue_notify_vq()`, each time the virtqueue's handler runs, and "
         "under TCG a guest's notify write to an ioeventfd is turned into the eventfd by the memory core "
         "without a trace event of its own. Without polling each handler run is one guest kick (bench.py's "
         "tables: pvblk's own kick count equals it), but an iothread that polls also runs the handler when "
         "polling finds new requests: the column is **handler runs/req (trace)**, and the guest's kicks are "
         "*guest kicks/req*, pvblk's own count (virtio_blk has none). Interrupts from the guest's "
         "/proc/interrupts, requests from the disk's stat, guest CPU from its /proc/stat; **host CPU** = utime+stime of every QEMU thread (/proc/PID/task/*/stat) over "
         "the run, per request, split into the vCPU thread, the iothreads and the rest (main loop, RCU, "
         "workers); *host cores* = QEMU's host CPU time over wall time.",
         "- Raw data: `build/bench/host-%s/results.json` (not committed)." % meta["run_id"], ""]
    L += ["### Results", ""]
    L += ["Per setting and driver; *vCPU*, *iothread*, *other* split the host CPU µs/req."]
    L += tables(results, cfg)
    L += ["", "### pvblk against virtio_blk under each host setting", ""]
    L += ratio_table(results, cfg)
    L += ["", "### Each iothread setting against the iothread's defaults (same boot)", ""]
    L += vs_iothread_table(results, cfg)
    rb = readback_lines(boots)
    if rb:
        L += ["", "### What pvtuned set (read back after each switch)", ""] + rb
    L += ["", "### Analysis", ""]
    if analysis:
        m = re.search(r"run `([0-9-]+)`", analysis)
        if m and m.group(1) != meta["run_id"]:
            L += ["> **Stale**: the analysis below was written from run `%s`; the tables above are from "
                  "run `%s`." % (m.group(1), meta["run_id"]), ""]
        L.append(analysis)
    else:
        L += [ANALYSIS_BEGIN, "(No analysis written yet for run `%s`.)" % meta["run_id"], ANALYSIS_END]
    mdsection.replace(path, "host", "bench/host_bench.py", "\n".join(L))


# ---------------------------------------------------------------- main

def config():
    # bench.py's Config, with this benchmark's defaults
    defaults = {"BENCH_CPUS": "1", "BENCH_WORKLOADS": "rr4k-qd1,rr4k-qd32-b16", "BENCH_PAIRS": "4",
                "BENCH_BACKENDS": "null", "BENCH_QUEUES": "1", "BENCH_ABLATION": "off",
                "BENCH_SCHED_ROW": "",
                # no instruction counting: its plugin slows the emulation
                # whose host CPU this benchmark measures
                "BENCH_ICOUNT": "0"}
    for k, v in defaults.items():
        os.environ.setdefault(k, v)
    cfg = B.Config()
    cfg.run_id = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    cfg.work = os.path.join(TOP, "build", "bench", "host-" + cfg.run_id)
    cfg.boots = int(env("HOSTBENCH_BOOTS", "1"))
    cfg.polls = [int(x) for x in B.csv(env("HOSTBENCH_POLLS", "0,8192,32768,65536,131072"))]
    cfg.vcpus = env("HOSTBENCH_VCPUS", "0")
    cfg.out = env("HOSTBENCH_OUT", os.path.join(TOP, "BENCHMARKS.md"))
    for w in cfg.workloads:
        if w not in WLS:
            sys.exit("host_bench: fio workloads only (%s)" % ", ".join(WLS))
    return cfg


def profiles(henv, cfg):
    text = open(PROFILE_SRC).read()
    henv.profile("pvblk-host", text)
    for n in cfg.polls:
        henv.profile("hb-poll%d" % n, "[main]\nsummary=host_bench: pvblk-host, vCPUs on %s, poll_max_ns=%d\n"
                     "include=pvblk-host\n[qemu]\nvcpu_cpus=%s\npoll_max_ns=%d\n" % (cfg.vcpus, n, cfg.vcpus, n))
    v = [("iothread", ("off",)), ("pvblk-host", ("profile", "pvblk-host"))]
    v += [("pin+poll=%d" % n, ("profile", "hb-poll%d" % n)) for n in cfg.polls]
    return v


def main():
    if os.environ.get("HOSTBENCH_REPORT"):
        data = json.load(open(os.environ["HOSTBENCH_REPORT"]))
        out = env("HOSTBENCH_OUT", os.path.join(TOP, "BENCHMARKS.md"))
        write_section(out, data)
        print("host_bench: wrote section host of %s from %s" % (out, os.environ["HOSTBENCH_REPORT"]))
        return
    cfg = config()
    os.makedirs(cfg.work, exist_ok=True)
    os.makedirs(cfg.shm, exist_ok=True)
    meta = {
        "run_id": cfg.run_id,
        "command": env("HOSTBENCH_COMMAND", "bench/host_bench.py"),
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "env": sorted((k, v) for k, v in os.environ.items()
                      if (k.startswith("BENCH_") or k.startswith("HOSTBENCH_"))
                      and k not in ("HOSTBENCH_COMMAND", "HOSTBENCH_OUT")),
        "qemu": B.sh("qemu-system-x86_64 --version | head -n1"),
        "host_cpu": B.sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip(),
        "ncpu": os.cpu_count(),
        "host_kernel": os.uname().release,
        "load0": open("/proc/loadavg").read().split()[0],
        "fio_version": B.sh("fio --version"),
        "profile_poll": profile_value("poll_max_ns"),
    }
    meta["driver"], kos = B.driver_desc(cfg.kernels, cfg.work)
    kver = cfg.kernels[0]
    henv = Env()
    results, boots = [], []
    t0 = time.time()
    try:
        henv.start_daemon()
        rc, out = henv.adm("off")
        if rc != 0:
            raise RuntimeError("pvtune-adm off: %s" % out)
        variants = profiles(henv, cfg)
        print("host_bench: run %s, kernel %s, %d vCPU, %d boot(s) of each kind, settings: main loop, %s; "
              "raw data in %s" % (cfg.run_id, kver, cfg.cpus, cfg.boots, ", ".join(v for v, _ in variants),
                                  cfg.work), flush=True)
        for i in range(cfg.boots):
            for kind in ("mainloop", "iothread"):
                b = HostBoot(cfg, kver, kos[kver], kind, i, henv,
                             variants if kind == "iothread" else [("main loop", None)])
                if kind == "iothread":
                    henv.adm("off")
                err = None
                try:
                    results += b.run()
                except RuntimeError as e:
                    # a stall (bench.py's check_stall) or a failed boot: keep
                    # what the boot measured, say so in the report, go on
                    err = str(e)
                    results += b.results
                    print("host_bench: %s: %s" % (b.name, err), flush=True)
                if b.qmp_sock and os.path.exists(b.qmp_sock):
                    os.unlink(b.qmp_sock)
                boots.append({"name": b.name, "kind": kind, "qemu": b.qemu_cmd, "readback": b.readback,
                              "adm": b.adm_out, "vdev": {"0x%x" % k: v for k, v in b.vdev.items()},
                              "load": open("/proc/loadavg").read().split()[0], "error": err,
                              "runs_done": len(b.results)})
                shutil.rmtree(b.shm, ignore_errors=True)
                with open(os.path.join(cfg.work, "results.json"), "w") as fo:
                    json.dump({"config": cfg.describe(), "meta": meta, "boots": boots, "results": results},
                              fo, indent=1, default=str)
    finally:
        try:
            henv.adm("off")
        except Exception:
            pass
        henv.cleanup()
        shutil.rmtree(cfg.shm, ignore_errors=True)
    meta["load1"] = open("/proc/loadavg").read().split()[0]
    data = {"config": cfg.describe(), "meta": meta, "boots": boots, "results": results}
    with open(os.path.join(cfg.work, "results.json"), "w") as fo:
        json.dump(data, fo, indent=1, default=str)
    write_section(cfg.out, json.loads(json.dumps(data, default=str)))
    print("host_bench: done in %.0f min; wrote section host of %s" % ((time.time() - t0) / 60, cfg.out),
          flush=True)


if __name__ == "__main__":
    main()
