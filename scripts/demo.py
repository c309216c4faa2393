#!/usr/bin/python3
"""make demo: the whole system in one guest, in a few minutes.

1. build what the demo needs (one bookworm kernel, fetched with
   scripts/kernels.sh --one, its pvblk.ko, the agent, the pvcount plugin),
   only what is missing or older than its sources;
2. boot one systemd guest (QEMU TCG, 2 vCPUs) with two identical null-co
   disks on one iothread: one on pvblk, one on virtio_blk;
3. the drivers side by side, fio 4k random reads at queue depth 32 in
   batches of 16 and of 1: kicks (QEMU's trace), interrupts (the guest's
   /proc/interrupts) and guest kernel instructions (bench/pvcount) per
   request, and IOPS (which move with the machine's load); pvblk's own
   batch_hist shows the batches are what the workload says;
4. the agent in the guest: pvtuned as a systemd service (installed before
   step 3 measures, started after), pvtune-adm list, profile pvblk-guest,
   verify, off; DEMO_MODE=busybox boots busybox init and uses
   pvtune-adm --no-daemon instead;
5. the host: pvtune-adm qemu-args pvblk-host, and pvtuned's host mode
   pinning this VM's iothread and setting its polling, read back over QMP
   and /proc, then off and read back again.

Every step says what it does as it runs; the figures are all measured in
the run. Exits non-zero when a step fails (make check runs it).
DEMO_STAMPS=1 prefixes the guest's lines with the time since the start. DEMO_KVER=<version> boots another
kernel that `make kernels` fetched; DEMO_ROUNDS (2), DEMO_REQS_B16 (20000),
DEMO_REQS_B1 (8000) size the driver part. DEMO_STALL_SECS (150): how long a
run may stay open before the demo takes it for a stall.
"""

import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "harness"))
sys.path.insert(0, os.path.join(TOP, "tests", "guest"))
sys.path.insert(0, os.path.join(TOP, "bench"))
sys.path.insert(0, os.path.join(TOP, "bench", "pvcount"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vm import VM  # noqa: E402
from pvdisk import disk  # noqa: E402
import pvcount  # noqa: E402
from qtrace import TraceCounter  # noqa: E402
import virtq  # noqa: E402
import demo_host  # noqa: E402

KERNEL_META = "linux-image-6.12-amd64"      # bookworm: headers from make deps, no sid root
ROUNDS = int(os.environ.get("DEMO_ROUNDS", "2"))
REQS = {"b16": int(os.environ.get("DEMO_REQS_B16", "20000")),
        "b1": int(os.environ.get("DEMO_REQS_B1", "8000"))}
CAL = 64
MODE = os.environ.get("DEMO_MODE", "systemd")     # systemd | busybox
WL_TITLE = {"b16": "batches of 16: fio submits 16 requests at once and reaps 16 at once",
            "b1": "batches of 1: fio submits and reaps one request at a time"}
HIST = ("1", "2-3", "4-7", "8-15", "16-31", "32+")
NSTEPS = 5
# A run (between its two handshakes) takes seconds; pvblk's timeout handler
# recovers a lost interrupt or notification after io_timeout (30 s). A run
# still open after this long has stalled for good.
STALL_SECS = float(os.environ.get("DEMO_STALL_SECS", "150"))


class Failed(Exception):
    pass


class QemuLostNotification(Failed):
    """virtio_blk's queue stalled because QEMU lost its interrupt or its
    kick (shown by QEMU's own counters and the ring in guest memory).
    virtio_blk has no timeout handler, so that boot cannot go on; the demo
    starts again once."""


def say(msg=""):
    print(msg, flush=True)


T0 = time.time()


def step(n, msg):
    el = time.time() - T0
    say()
    say("== %d/%d [%d:%02d] %s" % (n, NSTEPS, el // 60, el % 60, msg))


def load():
    return open("/proc/loadavg").read().split()[0]


def sh(argv, what):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode:
        raise Failed("%s failed (exit %d):\n%s" % (what, r.returncode, r.stdout[-3000:]))
    return r.stdout


# ---------------------------------------------------------------- 1: build

def build():
    """The demo kernel, pvblk.ko for it, the agent and the pvcount plugin:
    the agent and the plugin build while the kernel is fetched and the
    driver built (2 CPUs)."""
    bg = {}
    for what, argv in (("pvtuned and pvtune-adm (make -C agent)", ["make", "-s", "-C", os.path.join(TOP, "agent")]),
                       ("the pvcount plugin (make pvcount)",
                        ["make", "-s", "-C", os.path.join(TOP, "bench", "pvcount"), "O=" + pvcount.outdir(TOP)])):
        say("   building %s, in the background ..." % what)
        bg[what] = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        kver = os.environ.get("DEMO_KVER")
        if kver:
            if not os.path.isdir(os.path.join(TOP, "build", "kernels", kver)):
                raise Failed("DEMO_KVER=%s: not in build/kernels (make kernels)" % kver)
            say("   kernel %s (DEMO_KVER)" % kver)
        else:
            say("   kernel: %s from this machine's apt sources, into build/kernels/ ..." % KERNEL_META)
            kver = sh([os.path.join(TOP, "scripts", "kernels.sh"), "--one", KERNEL_META],
                      "scripts/kernels.sh --one").strip().splitlines()[-1]
            say("   kernel %s ready" % kver)
        ko = os.path.join(TOP, "build", "driver", kver, "pvblk.ko")
        srcs = [os.path.join(TOP, "driver", f) for f in os.listdir(os.path.join(TOP, "driver"))
                if f.endswith((".c", ".h")) or f == "Kbuild"]
        if os.path.exists(ko) and all(os.path.getmtime(s) <= os.path.getmtime(ko) for s in srcs):
            say("   pvblk.ko up to date (build/driver/%s/)" % kver)
        else:
            say("   building pvblk.ko for %s (W=1, sparse) ..." % kver)
            out = sh([os.path.join(TOP, "scripts", "build-driver.sh"), kver], "the driver build").strip()
            say("   pvblk.ko built" + (": " + out if out else ""))
        for what, p in bg.items():
            out = p.communicate()[0]
            if p.returncode:
                raise Failed("building %s failed (exit %d):\n%s" % (what, p.returncode, out[-3000:]))
            say("   %s built" % what.split(" (")[0])
    finally:
        for p in bg.values():
            if p.poll() is None:
                p.kill()
                p.wait()
    return kver, ko


# ---------------------------------------------------------------- part 1 numbers

def parse_snap(text):
    out = {"irqs": 0, "reqs": None, "hist": None, "batches": 0, "pvkicks": 0, "pvreqs": 0}
    for line in text.splitlines():
        f = line.split()
        if not f:
            continue
        if f[0] == "@irq":
            out["irqs"] += int(f[2])
        elif f[0] == "@stat":
            out["reqs"] = int(f[1]) + int(f[5])      # reads + writes completed
        elif f[0] == "@pv":
            kv = dict(x.split("=", 1) for x in f[1:] if "=" in x)
            h = [int(x) for x in kv.get("batch_hist", "").split(",") if x]
            out["hist"] = [a + b for a, b in zip(out["hist"] or [0] * len(h), h)]
            out["batches"] += int(kv.get("batches", 0))
            out["pvkicks"] += int(kv.get("kicks", 0))
            out["pvreqs"] += int(kv.get("requests", 0))
    return out


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


class Part1:
    def __init__(self, demo):
        self.d = demo

    def collect(self):
        d = self.d
        r_dir = d.vm.path("r")
        snaps = pvcount.parse(open(d.icount_out).read())["snaps"]
        runs = {}
        jobs = {}
        for wl in WL_TITLE:
            try:
                jobs[wl] = {j["jobname"]: j["read"] for j in
                            json.load(open(os.path.join(r_dir, wl + ".json")))["jobs"]}
            except (OSError, ValueError, KeyError) as e:
                raise Failed("no fio result r/%s.json (%s)" % (wl, e))
        for line in open(os.path.join(r_dir, "runs")).read().splitlines():
            rid, tag, disk_, wl = line.split()
            pre = parse_snap(open(os.path.join(r_dir, rid + ".pre")).read())
            post = parse_snap(open(os.path.join(r_dir, rid + ".post")).read())
            job = jobs[wl].get(rid)
            if job is None:
                raise Failed("run %s: not in fio's output r/%s.json" % (rid, wl))
            a, b = snaps.get(tag), snaps.get(str(int(tag) + 1))
            if a is None or b is None:
                raise Failed("run %s: no pvcount snapshots %s/%d" % (rid, tag, int(tag) + 1))
            ins = pvcount.delta(a, b)
            if ins["ranges_changed"]:
                raise Failed("run %s: pvcount's ranges changed during the run" % rid)
            vdev = d.vdev[disk_]
            m = {"reqs": post["reqs"] - pre["reqs"], "irqs": post["irqs"] - pre["irqs"],
                 "kicks": d.marks[rid + "-b"].get(vdev, 0) - d.marks[rid + "-a"].get(vdev, 0),
                 "iops": job["iops"], "kernel": ins["kernel"], "spin": ins.get("spin", 0),
                 "wl": wl, "driver": "pvblk" if disk_ == d.pv else "virtio_blk"}
            if pre["hist"] is not None:
                m["hist"] = [y - x for x, y in zip(pre["hist"], post["hist"])]
                m["pvkicks"] = post["pvkicks"] - pre["pvkicks"]
                m["pvreqs"] = post["pvreqs"] - pre["pvreqs"]
                m["batches"] = post["batches"] - pre["batches"]
            runs[rid] = m
        self.runs = runs

    def per_request(self, wl, drv):
        """{round: metrics} for the runs of WL on DRV, instructions with the
        calibration run's counts taken off."""
        cal = self.runs["cal-%s-%s" % (wl, drv)]
        out = {}
        for r in range(1, ROUNDS + 1):
            m = dict(self.runs["%s-%d-%s" % (wl, r, drv)])
            n = m["reqs"]
            if not n:
                raise Failed("%s round %d %s: no requests completed" % (wl, r, drv))
            m["kick_req"] = m["kicks"] / n
            m["irq_req"] = m["irqs"] / n
            m["ins_req"] = ((m["kernel"] - cal["kernel"]) - (m["spin"] - cal["spin"])) / (n - cal["reqs"])
            m["spin_req"] = (m["spin"] - cal["spin"]) / (n - cal["reqs"])
            out[r] = m
        return out

    def show(self):
        self.collect()
        lines = []
        checks = []
        for wl in ("b16", "b1"):
            pv, vb = self.per_request(wl, "pvblk"), self.per_request(wl, "virtio_blk")
            lines += ["", "   fio 4k random reads, queue depth 32, %s" % WL_TITLE[wl],
                      "   %-26s %9s %11s   %s" % ("", "pvblk", "virtio_blk", "pvblk/virtio_blk")]
            for key, label, fmt, rfmt in (
                    ("kick_req", "kicks per request", "%.3f", "%.2f"),
                    ("irq_req", "interrupts per request", "%.3f", "%.2f"),
                    ("ins_req", "kernel instr. per request", "{:,.0f}", "%.3f"),
                    ("iops", "IOPS (load-dependent)", "{:,.0f}", "%.2f")):
                a, b = med(m[key] for m in pv.values()), med(m[key] for m in vb.values())
                ratios = [pv[r][key] / vb[r][key] for r in pv if vb[r][key]]

                def f(x):
                    return (fmt % x) if "%" in fmt else fmt.format(x)
                rt = ""
                if ratios:
                    rt = rfmt % statistics.median(ratios)
                    if len(ratios) > 1:
                        rt += "  (%s to %s)" % (rfmt % min(ratios), rfmt % max(ratios))
                lines.append("   %-26s %9s %11s   %s" % (label, f(a), f(b), rt))
            hist = [sum(x) for x in zip(*(m["hist"] for m in pv.values()))]
            total = sum(hist)
            want = 4 if wl == "b16" else 0          # bucket 16-31, or 1
            share = hist[want] / total if total else 0
            lines.append("   pvblk's batch_hist: %s of %s submission batches held %s request%s"
                         % ("{:,}".format(hist[want]), "{:,}".format(total), HIST[want],
                            "s" if want else ""))
            pvk = sum(m["pvkicks"] for m in pv.values())
            pvr = sum(m["pvreqs"] for m in pv.values())
            pvb = sum(m["batches"] for m in pv.values())
            trk = sum(m["kicks"] for m in pv.values())
            trr = sum(m["reqs"] for m in pv.values())
            lines.append("   pvblk's own counters: %.3f kicks per request (the trace: %.3f), %.1f requests"
                         " per submission batch" % (pvk / pvr if pvr else 0, trk / trr if trr else 0,
                                                    pvr / pvb if pvb else 0))
            checks.append((share >= 0.9, "%s: only %d of %d pvblk submission batches held %s requests"
                           " (batch_hist %s)" % (WL_TITLE[wl], hist[want], total, HIST[want], hist)))
            spin = med(m["spin_req"] for m in list(pv.values()) + list(vb.values()))
            self.spin = max(getattr(self, "spin", 0), spin or 0)
        lines += [
            "",
            "   kicks:        guest-to-host notifications per request (QEMU's virtio_queue_notify trace of the disk)",
            "   interrupts:   the disk's queue interrupts per request (the guest's /proc/interrupts)",
            "   kernel instr: guest kernel instructions per request, all vCPUs (bench/pvcount), less a %d-request"
            % CAL,
            "                 run's count (a run's fixed cost) and lock spin-waits (they follow the host's load;",
            "                 at most %.0f per request here): counts that the host's load barely moves" % self.spin,
            "   IOPS:         requests per second; they move with this shared host's load (now %s)" % load(),
            "   ratio:        median of %d rounds' pvblk/virtio_blk (range); the first driver alternates"
            % ROUNDS,
        ]
        for line in lines:
            say(line)
        for ok, why in checks:
            if not ok:
                raise Failed("the workload did not batch as it says: " + why)


# ---------------------------------------------------------------- the demo

class Demo:
    def __init__(self, kver, ko, name="demo"):
        self.kver = kver
        self.ko = ko
        self.shm = "/dev/shm/pvdemo.%d" % os.getpid()
        os.makedirs(self.shm, exist_ok=True)
        self.host = demo_host.HostAgent("demo")
        if MODE not in ("systemd", "busybox"):
            raise Failed("DEMO_MODE must be systemd or busybox, not %r" % MODE)
        vm = VM(kver=kver, name=name, mode=MODE, cpus=2, mem="1G", timeout=900,
                tcg_thread="multi", append="isolcpus=managed_irq,0")
        vm.extra += ["-object", "iothread,id=io0,poll-max-ns=0"]
        for node, slot in (("pv", 0x10), ("vd", 0x11)):
            vm.extra += disk(node, slot, null_size_mb=1024, blockdev={"cache.direct": "on"},
                             dev={"num-queues": 1, "iothread": "io0"})
        ev = os.path.join(self.shm, "trace-events")
        with open(ev, "w") as f:
            f.write("virtio_queue_notify\n")
        self.trace = TraceCounter(os.path.join(self.shm, "trace.log"))
        vm.extra += ["-trace", "events=%s,file=%s" % (ev, self.trace.path)]
        self.icount_out = vm.path("pvcount.out")
        vm.extra += pvcount.qemu_args(TOP, self.icount_out, vm.path("pvcount-ranges"))
        vm.extra += self.host.qemu_args()
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo-guest.sh")) as f:
            guest = f.read()
        vm.script = "\n".join([
            "PVBLK_KO=%s TOP=%s MARK=%s" % (ko, TOP, pvcount.mark(TOP)),
            "REQS_B16=%d REQS_B1=%d ROUNDS=%d CAL=%d" % (REQS["b16"], REQS["b1"], ROUNDS, CAL),
            "export PVBLK_KO", guest])
        self.vm = vm
        self.marks = {}
        self.opened = {}            # handshake "-a" not yet followed by "-b": its time
        self.vdev = {}
        self.log_off = 0
        self.log_rest = ""
        self.pv = self.vd = None
        self.part1 = Part1(self)

    def stamp(self):
        el = time.time() - T0
        return "[%d:%02d]" % (el // 60, el % 60)

    def echo_guest(self):
        """Show the guest's "demo| " lines written since the last call."""
        try:
            with open(self.vm.path("script.log"), errors="replace") as f:
                f.seek(self.log_off)
                data = f.read()
                self.log_off = f.tell()
        except OSError:
            return
        data = self.log_rest + data
        lines = data.split("\n")
        self.log_rest = lines.pop()
        for line in lines:
            if line.startswith("demo| "):
                say("   %s %s" % (self.stamp(), line[6:]) if os.environ.get("DEMO_STAMPS") else "   " + line[6:])

    def on_mark(self, name):
        self.marks[name] = self.trace.update()
        if name.endswith("-a"):
            self.opened[name[:-2]] = time.time()
        elif name.endswith("-b"):
            self.opened.pop(name[:-2], None)
        if name.startswith("map-") and name.endswith("-b"):
            disk_ = name[4:-2]
            a, b = self.marks["map-%s-a" % disk_], self.marks[name]
            self.vdev[disk_] = {k: v - a.get(k, 0) for k, v in b.items() if v > a.get(k, 0)}
            if len(self.vdev) == 2:
                # the disk's vdev: at least 3/4 of its reads as kicks in its
                # own window, none in the other disk's (9p kicks in both)
                win = dict(self.vdev)
                for dk, w in win.items():
                    other = [o for o in win if o != dk][0]
                    own = [k for k, v in w.items() if v >= 192 and k not in win[other]]
                    if len(own) != 1:
                        raise Failed("cannot tell which trace vdev is /dev/%s (kicks in its window: %s; "
                                     "in the other's: %s)" % (dk, w, win[other]))
                    self.vdev[dk] = own[0]
        elif name.endswith("-b") and not name.startswith("cal-"):
            rid = name[:-2]
            wl, rnd, drv = rid.split("-")
            disk_ = self.pv if drv == "pvblk" else self.vd
            kicks = self.marks[name].get(self.vdev[disk_], 0) - self.marks[rid + "-a"].get(self.vdev[disk_], 0)
            try:
                pre = parse_snap(open(self.vm.path("r/%s.pre" % rid)).read())
                post = parse_snap(open(self.vm.path("r/%s.post" % rid)).read())
                n = post["reqs"] - pre["reqs"]
            except (OSError, ValueError, TypeError, IndexError) as e:
                raise Failed("run %s: no counter snapshots (%s)" % (rid, e))
            say("     %sround %s %-10s %s requests, %.3f kicks and %.3f interrupts per request"
                % (self.stamp() + " " if os.environ.get("DEMO_STAMPS") else "", rnd, drv,
                   "{:,}".format(n), kicks / n if n else 0, (post["irqs"] - pre["irqs"]) / n if n else 0))
        self.vm.signal("k-" + name)

    def check_stall(self):
        """A run open for STALL_SECS has stalled: take a hang report (the
        guest's disks with requests in flight, QEMU's view of each
        virtqueue: VM.hang_report) and stop the demo. If it shows QEMU lost
        an interrupt or a kick of virtio_blk's (virtq.lost_virtio_blk, the
        rule tests/run.py retries on), QemuLostNotification: README, "Lost
        interrupts"."""
        now = time.time()
        late = sorted((t, rid) for rid, t in self.opened.items() if now - t > STALL_SECS)
        if not late:
            return
        t, rid = late[0]
        hang = self.vm.hang_report() or "(none: QEMU is gone)\n"
        msg = ("run %s has not ended %.0f s after it started; the hang report (hang-summary):\n%s"
               % (rid, now - t, "".join("  " + x + "\n" for x in hang.splitlines())))
        lost = virtq.lost_virtio_blk(hang)
        if lost:
            disk, mark, _ = lost[0]
            raise QemuLostNotification(
                msg + "  %s (virtio_blk) stalled on a lost %s: QEMU 7.2 under TCG lost it (README,"
                " \"Lost interrupts\"). virtio_blk has no timeout handler, so this boot cannot go on."
                % (disk, "kick" if mark == virtq.LOST_KICK else "interrupt"))
        raise Failed(msg)

    def host_part(self):
        step(5, "host: pvtuned's host mode on this very VM, over QMP")
        h = self.host
        say("   pvtuned and pvtune-adm from agent/ on this host, on a private D-Bus bus, --root %s" % h.root)
        say("   (the shipped profiles; pvtuned.conf: qmp_sockets = %s/*.sock, where this VM has a"
            % demo_host.QMP_DIR)
        say("   second QMP socket). Read back independently: QMP query-iothreads, /proc/%d/task/TID/status."
            % self.vm.proc.pid)
        say("   $ pvtune-adm qemu-args pvblk-host")
        rc, out = h.adm("qemu-args", "pvblk-host", root=True)
        for line in out.rstrip().splitlines():
            say("       " + line)
        if rc:
            raise Failed("pvtune-adm qemu-args pvblk-host exited with %d" % rc)
        before = demo_host.iothreads(self.vm)
        say("   this VM now:    " + demo_host.describe(before))
        say("   starting pvtuned (host mode) ...")
        h.start()
        say("   pvtuned found the VM: %s" % [line for line in h.logtext().splitlines()
                                              if "QMP connected" in line][-1].split(": ", 1)[-1])
        say("   $ pvtune-adm profile pvblk-host")
        rc, out = h.adm("profile", "pvblk-host")
        for line in out.rstrip().splitlines():
            say("       " + line)
        if rc:
            raise Failed("pvtune-adm profile pvblk-host exited with %d:\n%s" % (rc, h.logtext()[-2000:]))
        if re.search(r"\baio\b.*warning", out):
            say("   (the aio warning is this demo's disks: null-co with QEMU's default aio, threads; aio is")
            say("   chosen when QEMU starts, as pvtune-adm qemu-args shows, not at run time)")
        m = re.search(r"iothread io0 affinity\s+expected (\S+)", out)
        p = re.search(r"iothread io0 poll-max-ns\s+expected (\d+)", out)
        if not m or not p:
            raise Failed("pvtune-adm profile pvblk-host: no item for iothread io0's affinity and poll-max-ns")
        want_cpus, want_poll = m.group(1), int(p.group(1))
        after = demo_host.wait_for(
            lambda: (lambda s: s if s["io0"][1] == want_cpus and s["io0"][2] == want_poll else None)(
                demo_host.iothreads(self.vm)), 20, "the iothread pinned to %s with poll-max-ns %d"
            % (want_cpus, want_poll))
        say("   read back:      " + demo_host.describe(after))
        say("   $ pvtune-adm off")
        rc, out = h.adm("off")
        for line in out.rstrip().splitlines():
            say("       " + line)
        if rc:
            raise Failed("pvtune-adm off exited with %d" % rc)
        back = demo_host.wait_for(
            lambda: (lambda s: s if s == before else None)(demo_host.iothreads(self.vm)), 20,
            "the iothread's original affinity and polling (now: %s)" % demo_host.describe(
                demo_host.iothreads(self.vm)))
        say("   read back:      " + demo_host.describe(back))
        say("   as before the profile: affinity and polling restored")
        h.stop()

    def cleanup(self):
        """Stop the guest and the host agent, remove the temporary folders
        (idempotent)."""
        self.vm.kill()
        self.trace.close()
        self.host.stop()
        shutil.rmtree(self.shm, ignore_errors=True)

    def run(self):
        vm = self.vm
        step(2, "boot: one guest, %s, %s, 2 vCPUs (QEMU TCG); two identical 1 GiB null-co disks"
             % (self.kver, "systemd" if MODE == "systemd" else "busybox init"))
        say("   (1 queue each, both on one iothread io0); QEMU's trace counts the kicks, and the pvcount")
        say("   plugin counts the guest's instructions ...")
        t_boot = time.time()
        vm.start()
        started = False
        deadline = time.time() + vm.timeout
        try:
            while True:
                alive = vm.running()
                if not started and os.path.exists(vm.path("started")):
                    started = True
                    state = ""
                    if os.path.exists(vm.path("system-state")):
                        state = open(vm.path("system-state")).read().split("\n")[0]
                    say("   guest up after %.0f s%s" % (time.time() - t_boot,
                                                     " (systemd: %s)" % state if state else ""))
                    step(3, "driver: pvblk and virtio_blk side by side in this guest")
                self.echo_guest()
                if self.pv is None and os.path.exists(vm.path("disks")):
                    f = open(vm.path("disks")).read().split()
                    if len(f) == 7:
                        self.pv, self.vd = f[0], f[3]
                for f in sorted(os.listdir(vm.run_dir)):
                    if f.startswith("m-") and f[2:] not in self.marks:
                        self.on_mark(f[2:])
                self.check_stall()
                if os.path.exists(vm.path("part1")) and not os.path.exists(vm.path("part1-shown")):
                    self.echo_guest()
                    self.part1.show()
                    vm.signal("part1-shown")
                    step(4, "agent: pvtuned in the guest as a systemd service, and pvtune-adm" if MODE == "systemd"
                         else "agent: pvtune-adm --no-daemon in the guest (no systemd: busybox init)")
                if os.path.exists(vm.path("host-part")) and not os.path.exists(vm.path("host-done")):
                    self.echo_guest()
                    self.host_part()
                    vm.signal("host-done")
                if not alive:
                    break
                if time.time() > deadline:
                    raise Failed("the guest did not finish within %d s" % vm.timeout)
                time.sleep(0.03)
            self.echo_guest()
            res = vm.wait(check=False)
        finally:
            self.cleanup()
        if not res.ok:
            hang = res.file("hang-summary")
            raise Failed("the guest run failed: %s\n--- end of its script log:\n%s\n%s--- run dir: %s"
                         % (res.reason, "\n".join(res.script_log.splitlines()[-25:]),
                            "--- the hang report (hang-summary):\n" + hang if hang else "",
                            res.run_dir))


def main():
    # SIGTERM (a killed make check) unwinds like an error: the guest, the host
    # agent and the temporary folders go in the finally blocks
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t0 = time.time()
    load0 = load()
    say("make demo: pvblk and pvtuned in one guest (QEMU TCG; no KVM here); load average %s" % load0)
    try:
        step(1, "build: the demo kernel, pvblk.ko for it, pvtuned and pvtune-adm, the pvcount plugin")
        kver, ko = build()
        retried = None
        for name in ("demo", "demo-again"):
            demo = Demo(kver, ko, name)
            try:
                demo.run()
                break
            except QemuLostNotification as e:
                if retried:
                    raise
                retried = str(e).split("\n", 1)[0]
                say()
                say("demo: QEMU lost a notification of virtio_blk's; starting again, once:")
                for line in str(e).splitlines():
                    say("   " + line)
            finally:
                demo.cleanup()
    except Failed as e:
        say()
        say("demo: FAILED: %s" % e)
        sys.exit(1)
    except Exception as e:          # a harness or host-agent error: still a failed step
        import traceback
        traceback.print_exc()
        say()
        say("demo: FAILED: %s: %s" % (type(e).__name__, e))
        sys.exit(1)
    el = time.time() - t0
    say()
    say("   What QEMU 7.2 TCG on this machine cannot show: x2APIC (TCG offers none, so the profiles'")
    say("   x2apic items stay warnings), vCPUs kept off the iothread's CPU (2 host CPUs: every CPU may")
    say("   run a vCPU), and what the settings do to speed: IOPS follow the shared host's load, so the")
    say("   counts above carry the comparison (make bench and make bench-host measure the rest).")
    say()
    say("== done in %d min %02d s; load average %s at the start, %s at the end (2 CPUs, shared)%s"
        % (el // 60, el % 60, load0, load(),
           "; second boot: QEMU lost a notification of virtio_blk's in the first" if retried else ""))
    if retried:
        say("   first boot: %s" % retried)
    say("   logs: %s" % os.path.relpath(os.path.join(TOP, "build", "test-runs", kver, demo.vm.name), TOP))


if __name__ == "__main__":
    main()
