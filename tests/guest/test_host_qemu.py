"""pvtuned host mode against real QEMU processes started here (TCG, nothing
booted: -S), on a private D-Bus bus, with --root in a temporary tree:

- pinning of iothreads and vCPUs read back from /proc/PID/task/TID/status
  (Cpus_allowed_list), poll-max-ns/grow/shrink read back with query-iothreads
  on a second QMP monitor the daemon does not know about;
- verify fails on a cache=writeback drive and passes on cache=none;
- QEMU killed mid-conversation: the daemon keeps running, and the VM
  restarted on the same socket is tuned again;
- a fake QMP server sending malformed and truncated replies: a clear error
  in the log, the daemon keeps running;
- qemu-storage-daemon serving vhost-user-blk has its iothread pinned;
- `off` restores the original affinities and polling parameters.

These tests need no guest kernel; they run once (with the first kernel).
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pvtest import kernels, timeout  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AGENT = os.path.join(TOP, "agent")
QEMU = "qemu-system-x86_64"
QSD = "qemu-storage-daemon"

PROFILE = """[main]
summary=host test
[qemu]
iothread_cpus=%(io)s
vcpu_cpus=0
poll_max_ns=12345
poll_grow=3
poll_shrink=4
cache=require
x2apic=prefer
"""

BUS_CONF = os.path.join(TOP, "tests", "unit", "daemon", "private-bus.conf.in")


def assert_holds(rc, out):
    """pvtune-adm's exit code agrees with its items: 1 (mismatch) exactly
    when a required one does not hold (the only kind here: cache=require on
    a drive with host caching), nothing failed."""
    assert "FAILED" not in out, out
    assert rc == (1 if "MISMATCH" in out else 0), (rc, out)


def wait_for(cond, secs=20, what="condition"):
    end = time.time() + secs
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


class Qmp:
    """A minimal synchronous QMP client for the test's own monitor."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        wait_for(lambda: os.path.exists(path), what=path)
        for _ in range(50):
            try:
                self.s.connect(path)
                break
            except OSError:
                time.sleep(0.1)
        self.f = self.s.makefile("r")
        json.loads(self.f.readline())
        self.cmd("qmp_capabilities")

    def cmd(self, name, **args):
        self.s.sendall((json.dumps({"execute": name, "arguments": args}) + "\n").encode())
        while True:
            m = json.loads(self.f.readline())
            if "return" in m:
                return m["return"]
            if "error" in m:
                raise RuntimeError(m["error"])

    def close(self):
        self.s.close()


class Env:
    def __init__(self):
        self.d = tempfile.mkdtemp(prefix="pvh.", dir="/tmp")
        self.root = os.path.join(self.d, "r")
        self.qmpdir = os.path.join(self.root, "run/pvtune/qmp")
        os.makedirs(self.qmpdir)
        os.makedirs(os.path.join(self.root, "etc/pvtune"))
        os.makedirs(os.path.join(self.root, "sys/devices/system/cpu"))
        shutil.copy("/sys/devices/system/cpu/online",
                    os.path.join(self.root, "sys/devices/system/cpu/online"))
        with open(os.path.join(self.root, "etc/pvtune/pvtuned.conf"), "w") as f:
            f.write("[daemon]\nqmp_timeout_ms = 2000\n")
        self.procs = []
        self.img = os.path.join(self.d, "disk.img")
        with open(self.img, "wb") as f:
            f.truncate(1 << 20)
        with open(BUS_CONF) as f:
            conf = f.read().replace("@DIR@", self.d).replace("@TOP@", TOP)
        with open(os.path.join(self.d, "bus.conf"), "w") as f:
            f.write(conf)
        self.spawn(["dbus-daemon", "--config-file=" + os.path.join(self.d, "bus.conf"),
                    "--nofork", "--nopidfile"])
        wait_for(lambda: os.path.exists(os.path.join(self.d, "bus")), what="bus")
        self.env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS="unix:path=%s/bus" % self.d,
                        )
        self.env.pop("PVTUNE_ROOT", None)
        self.daemon = None
        self.log = os.path.join(self.d, "pvtuned.log")

    def spawn(self, argv, **kw):
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, **kw)
        self.procs.append(p)
        return p

    def profile(self, name, text):
        p = os.path.join(self.root, "usr/lib/pvtune/profiles", name)
        os.makedirs(p, exist_ok=True)
        with open(os.path.join(p, "tuned.conf"), "w") as f:
            f.write(text)

    def start_daemon(self):
        logf = open(self.log, "a")
        # PVTUNE_TEST_VALGRIND=1: run pvtuned under valgrind (memory errors fail it)
        pre = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
               "--errors-for-leak-kinds=definite"] if os.environ.get("PVTUNE_TEST_VALGRIND") else []
        self.daemon = self.spawn(pre + [os.path.join(AGENT, "pvtuned"), "--root", self.root, "--no-udev"],
                                 stdout=logf, stderr=logf, env=self.env)
        wait_for(lambda: self.adm("active")[0] == 0, what="pvtuned on the bus")

    def adm(self, *args):
        r = subprocess.run([os.path.join(AGENT, "pvtune-adm")] + list(args), env=self.env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
        return r.returncode, r.stdout

    def logtext(self):
        with open(self.log) as f:
            return f.read()

    def qemu(self, name, cache="writeback", iothreads=("io0", "io1")):
        """A QEMU (not booted) with a QMP socket for pvtuned and one for the test."""
        sock = os.path.join(self.qmpdir, name + ".sock")
        mon = os.path.join(self.d, name + ".mon")
        argv = [QEMU, "-accel", "tcg", "-nodefaults", "-display", "none", "-S", "-smp", "2",
                "-cpu", "max", "-qmp", "unix:%s,server=on,wait=off" % sock,
                "-qmp", "unix:%s,server=on,wait=off" % mon,
                "-drive", "if=none,id=d0,format=raw,file=%s,cache=%s" % (self.img, cache)]
        for i in iothreads:
            argv += ["-object", "iothread,id=" + i]
        argv += ["-device", "virtio-blk-pci,drive=d0,iothread=%s" % iothreads[0]]
        p = self.spawn(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return p, Qmp(mon)

    def finish(self, tail):
        """Stop pvtuned, show the last @tail characters of its log, clean up."""
        if self.daemon and self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGTERM)
            try:
                self.daemon.wait(10)
            except subprocess.TimeoutExpired:
                pass
        try:
            sys.stdout.write(self.logtext()[-tail:])
        except OSError:
            pass
        self.cleanup()

    def cleanup(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.kill()
            try:
                p.wait(5)
            except Exception:
                pass
        shutil.rmtree(self.d, ignore_errors=True)


def affinity(pid, tid):
    """Cpus_allowed_list of thread @tid of process @pid."""
    with open("/proc/%d/task/%d/status" % (pid, tid)) as f:
        return re.search(r"Cpus_allowed_list:\s*(\S+)", f.read()).group(1)


def all_tasks(pid):
    """{tid: Cpus_allowed_list} of every thread of @pid."""
    out = {}
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            out[int(t)] = affinity(pid, int(t))
        except OSError:
            pass
    return out


def threads(p, mon):
    """{"IO <id>" | "CPU <n>": Cpus_allowed_list}, TIDs from the test's monitor."""
    out = {}
    for t in mon.cmd("query-iothreads"):
        out["IO " + t["id"]] = affinity(p.pid, t["thread-id"])
    try:
        cpus = mon.cmd("query-cpus-fast")
    except RuntimeError:
        cpus = []	# qemu-storage-daemon
    for c in cpus:
        out["CPU %d" % c["cpu-index"]] = affinity(p.pid, c["thread-id"])
    return out


def ncpus():
    with open("/sys/devices/system/cpu/online") as f:
        return f.read().strip()


def polls(mon):
    return {t["id"]: (t["poll-max-ns"], t["poll-grow"], t["poll-shrink"])
            for t in mon.cmd("query-iothreads")}


def tuned(p, mon, io="1"):
    t = threads(p, mon)
    return t.get("IO io0") == io and t.get("IO io1") == io and t.get("CPU 0") == "0" \
        and t.get("CPU 1") == "0"


def check_tuned(env, p, mon, what):
    wait_for(lambda: tuned(p, mon), what=what + ": iothreads on CPU 1, vCPUs on CPU 0 (log: %s)" % env.log)
    wait_for(lambda: polls(mon) == {"io0": (12345, 3, 4), "io1": (12345, 3, 4)},
             what=what + ": polling parameters")


def fake_qmp(path, replies, done):
    """A fake QMP server: greeting, then @replies (bytes) to the first command."""
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(4)

    def run():
        for r in replies:
            c, _ = srv.accept()
            c.sendall(b'{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}}, "capabilities": []}}\r\n')
            f = c.makefile("rb")
            line = json.loads(f.readline())
            c.sendall(b'{"return": {}, "id": %d}\r\n' % line["id"])
            f.readline()
            c.sendall(r)
            # half-close, then drain what pvtuned still sends until it hangs
            # up: closing with unread data would reset the connection and
            # lose the reply
            c.shutdown(socket.SHUT_WR)
            c.settimeout(10)
            try:
                while c.recv(4096):
                    pass
            except OSError:
                pass
            c.close()
        srv.close()
        done.set()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


@kernels("6.1")
@timeout(300)
def test_host_qemu(ctx):
    if ncpus() in ("0",):
        raise AssertionError("needs 2 host CPUs")
    env = Env()
    try:
        env.profile("hosttest", PROFILE % {"io": "1"})
        env.profile("hostauto", PROFILE % {"io": "auto"})
        a, mon_a = env.qemu("vm1", cache="writeback")
        orig = threads(a, mon_a)
        orig_poll = polls(mon_a)
        env.start_daemon()
        # (a VM still connecting is n/a in the reply, and tuned when it connects)
        wait_for(lambda: "vm vm1: QMP connected" in env.logtext(), what="vm1 connected")
        rc, out = env.adm("profile", "hosttest")
        # cache=require on a cache=writeback drive: applied, but it does not
        # hold, so profile says so (exit 1, mismatch), as verify does
        assert rc == 1 and re.search(r"drive d0 cache.*MISMATCH", out), out
        assert "FAILED" not in out, out
        # the reply waits for the VMs: their items are in it, the pinning done
        assert re.search(r"vm1 +iothread io0 affinity", out), out
        assert tuned(a, mon_a), threads(a, mon_a)
        check_tuned(env, a, mon_a, "vm1 after pvtune-adm profile")

        # verify: cache=writeback is a mismatch, named with what to change
        rc, out = env.adm("verify")
        assert rc != 0, out
        assert re.search(r"drive d0 cache.*writeback", out), out
        assert "cache=none" in out, out

        # QEMU killed while pvtuned talks to it (a verify in flight), then restarted
        rc_box = {}
        t = threading.Thread(target=lambda: rc_box.update(r=env.adm("verify")))
        t.start()
        time.sleep(0.05)
        a.kill()
        a.wait()
        t.join(60)
        assert "r" in rc_box, "verify hung after QEMU died"
        assert env.daemon.poll() is None, "pvtuned died with QEMU:\n" + env.logtext()
        a, mon_a = env.qemu("vm1", cache="none")
        check_tuned(env, a, mon_a, "restarted vm1")
        # and on cache=none, verify passes (x2apic only warns: TCG has none)
        rc, out = env.adm("verify")
        assert rc == 0, out
        assert re.search(r"vcpu 0 x2apic", out), out

        # a fake QMP server with malformed, then truncated replies
        done = threading.Event()
        fake_qmp(os.path.join(env.qmpdir, "fake.sock"),
                 [b"this is not json\r\n", b'{"return": [{"id": "io0", "thr'], done)
        wait_for(lambda: re.search(r"vm fake: QMP \S+fake.sock: malformed reply \(.*\) near 'this is not json'",
                                   env.logtext()),
                 what="the malformed-reply error in the log")
        os.unlink(os.path.join(env.qmpdir, "fake.sock"))
        done2 = threading.Event()
        fake_qmp(os.path.join(env.qmpdir, "fake.sock"), [b'{"return": [{"id": "io0", "thr'], done2)
        wait_for(lambda: "closed in the middle of a message" in env.logtext(),
                 what="the truncated-reply error in the log")
        assert env.daemon.poll() is None, "pvtuned died on garbage:\n" + env.logtext()
        assert env.adm("active")[0] == 0

        # qemu-storage-daemon exporting vhost-user-blk from an iothread
        qsock = os.path.join(env.qmpdir, "qsd.sock")
        qmon = os.path.join(env.d, "qsd.mon")
        qimg = os.path.join(env.d, "qsd.img")	# vm1 holds the write lock of disk.img
        with open(qimg, "wb") as f:
            f.truncate(1 << 20)
        qsd = env.spawn([QSD, "--object", "iothread,id=qio0",
                         "--blockdev", "file,node-name=f0,filename=%s" % qimg,
                         "--export", "vhost-user-blk,id=e0,node-name=f0,writable=on,iothread=qio0,"
                         "addr.type=unix,addr.path=%s/vhost.sock" % env.d,
                         "--chardev", "socket,id=m0,path=%s,server=on,wait=off" % qsock,
                         "--monitor", "chardev=m0",
                         "--chardev", "socket,id=m1,path=%s,server=on,wait=off" % qmon,
                         "--monitor", "chardev=m1"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        mon_q = Qmp(qmon)
        # QEMU 7.2's qemu-storage-daemon has no query-iothreads: pvtuned finds
        # the iothread by its state; here: exactly one thread, not the main one,
        # is on CPU 1, and the iothread's polling (qom-get) is the profile's
        qorig = all_tasks(qsd.pid)
        wait_for(lambda: [t for t, c in all_tasks(qsd.pid).items() if c == "1"] not in ([], [qsd.pid]),
                 what="qemu-storage-daemon's iothread pinned (log: %s)" % env.log)
        pinned = [t for t, c in all_tasks(qsd.pid).items() if c == "1"]
        assert len(pinned) == 1 and pinned[0] != qsd.pid, all_tasks(qsd.pid)
        wait_for(lambda: mon_q.cmd("qom-get", path="/objects/qio0", property="poll-max-ns") == 12345,
                 what="qsd iothread polling")

        # pvtuned killed -9 and restarted: the originals saved in
        # /run/pvtune/qemu/VM.json are kept (same QEMU process), so off still
        # restores the affinities from before the first change
        saved = os.path.join(env.root, "run/pvtune/qemu/vm1.json")
        assert os.path.exists(saved)
        env.daemon.kill()
        env.daemon.wait()
        env.start_daemon()
        wait_for(lambda: "vm vm1: applied" in env.logtext().split("ready (root")[-1],
                 what="vm1 re-applied after the restart")
        assert "originals saved by an earlier run kept" in env.logtext()

        # off: every original back
        rc, out = env.adm("off")
        assert rc == 0, out
        assert re.search(r"vm1 +iothread io0 affinity.*restored", out), out
        assert threads(a, mon_a) == orig, threads(a, mon_a)
        wait_for(lambda: threads(a, mon_a) == orig,
                 what="original affinity after off")
        wait_for(lambda: polls(mon_a) == orig_poll, what="original polling after off")
        wait_for(lambda: all_tasks(qsd.pid)[pinned[0]] == qorig[qsd.pid],
                 what="qsd original affinity")
        assert mon_q.cmd("qom-get", path="/objects/qio0", property="poll-max-ns") == 32768

        # auto: CPUs that run no vCPU (vcpu_cpus=0 -> iothreads on the rest)
        rc, out = env.adm("profile", "hostauto")
        assert_holds(rc, out)
        check_tuned(env, a, mon_a, "vm1 with iothread_cpus=auto")
        assert env.daemon.poll() is None

        # SIGTERM (rollback=auto): the VMs are restored before pvtuned exits
        env.daemon.send_signal(signal.SIGTERM)
        assert env.daemon.wait(15) == 0, env.logtext()
        assert threads(a, mon_a) == orig, threads(a, mon_a)
        assert polls(mon_a) == orig_poll
    finally:
        env.finish(4000)


LIVE = """[main]
summary=live cache=none
[qemu]
iothread_cpus=1
cache=require
live_cache_none=1
aio=native|io_uring
"""


@kernels("6.1")
@timeout(120)
def test_host_live_cache_and_args(ctx):
    """live_cache_none reopens a -blockdev drive with cache.direct=on and says
    why a -drive cannot be; `pvtune-adm qemu-args pvblk-host` starts this
    QEMU and passes verify (cache, aio)."""
    env = Env()
    try:
        env.profile("live", LIVE)
        shutil.copytree(os.path.join(TOP, "tuned-profiles/pvblk-host"),
                        os.path.join(env.root, "usr/lib/pvtune/profiles/pvblk-host"))
        img2 = os.path.join(env.d, "b.img")
        with open(img2, "wb") as f:
            f.truncate(1 << 20)
        sock = os.path.join(env.qmpdir, "bd.sock")
        mon = os.path.join(env.d, "bd.mon")
        bd = env.spawn([QEMU, "-accel", "tcg", "-nodefaults", "-display", "none", "-S",
                        "-object", "iothread,id=io0",
                        "-blockdev", "driver=file,node-name=f0,filename=" + img2,
                        "-blockdev", "driver=raw,node-name=d0,file=f0",
                        "-device", "virtio-blk-pci,drive=d0,iothread=io0",
                        "-qmp", "unix:%s,server=on,wait=off" % sock,
                        "-qmp", "unix:%s,server=on,wait=off" % mon],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        mon_bd = Qmp(mon)
        assert mon_bd.cmd("query-block")[0]["inserted"]["cache"]["direct"] is False
        dr, mon_dr = env.qemu("dr", cache="writeback")
        env.start_daemon()
        rc, out = env.adm("profile", "live")
        assert rc == 1 and "FAILED" not in out, out	# the -drive VM stays writeback
        wait_for(lambda: mon_bd.cmd("query-block")[0]["inserted"]["cache"]["direct"] is True,
                 what="cache.direct on after blockdev-reopen (log: %s)" % env.log)
        wait_for(lambda: "cannot reopen live: defined with -drive" in env.logtext(),
                 what="the -drive refusal in the log")
        rc, out = env.adm("verify")
        assert rc != 0, out		# the -drive VM is still writeback
        assert re.search(r"drive d0 cache.*writeback", out), out
        # aio: threads (QEMU's default) where native|io_uring is wanted
        assert re.search(r"aio .*threads", out), out
        dr.kill()
        dr.wait()

        # qemu-args: the recommended command line starts here and passes verify
        r = subprocess.run([os.path.join(AGENT, "pvtune-adm"), "--root", env.root, "qemu-args",
                            "pvblk-host"], stdout=subprocess.PIPE, text=True, check=True)
        argv = [QEMU, "-accel", "tcg", "-nodefaults", "-display", "none", "-S"]
        for line in r.stdout.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            opt, val = line.split(" ", 1)
            val = val.strip("'").replace("DISK.img", img2 + ".2").replace(
                "/run/pvtune/qmp/VM.sock", os.path.join(env.qmpdir, "args.sock"))
            if opt == "-cpu":
                val = val.replace("host", "max")	# TCG
            argv += [opt, val]
        with open(img2 + ".2", "wb") as f:
            f.truncate(1 << 20)
        bd.kill()
        bd.wait()
        q = env.spawn(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for(lambda: "vm args: applied" in env.logtext() or q.poll() is not None,
                 what="the qemu-args VM tuned (log: %s)" % env.log)
        assert q.poll() is None, "qemu-args output does not start QEMU: %s %s" % (
            argv, q.stderr.read())
        rc, out = env.adm("verify")
        assert rc == 0, out
        assert re.search(r"aio .*native", out), out
        assert env.daemon.poll() is None
    finally:
        env.finish(3000)
