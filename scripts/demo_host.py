"""make demo, part 3: pvtuned's host mode on the demo's own VM.

pvtuned and pvtune-adm from agent/ run here, on a private D-Bus bus (the
tests' policy file), with --root in a temporary tree that holds the shipped
profiles and a pvtuned.conf naming the QMP socket directory; the demo VM is
started with a second QMP socket in that directory, so pvtuned finds it as
it would find any VM on a host. What pvtuned sets is read back over the
harness's own QMP socket (query-iothreads) and from /proc (the iothread's
Cpus_allowed_list), not from pvtuned.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AGENT = os.path.join(TOP, "agent")
BUS_CONF = os.path.join(TOP, "tests", "unit", "daemon", "private-bus.conf.in")
QMP_DIR = "/run/pvtune/qmp"          # under the root
CONF = """[daemon]
# the demo VM's second QMP socket is here (under --root)
qmp_sockets = %s/*.sock
qmp_timeout_ms = 10000
""" % QMP_DIR


def wait_for(cond, secs, what):
    end = time.time() + secs
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    raise RuntimeError("timed out after %d s waiting for %s" % (secs, what))


class HostAgent:
    """pvtuned in host mode on a private bus, with its own --root."""

    def __init__(self, name):
        self.name = name
        self.d = tempfile.mkdtemp(prefix="pvdemo.", dir="/tmp")
        self.root = os.path.join(self.d, "r")
        os.makedirs(self.root + QMP_DIR)
        os.makedirs(os.path.join(self.root, "etc/pvtune"))
        os.makedirs(os.path.join(self.root, "sys/devices/system/cpu"))
        shutil.copy("/sys/devices/system/cpu/online",
                    os.path.join(self.root, "sys/devices/system/cpu/online"))
        shutil.copytree(os.path.join(TOP, "tuned-profiles"),
                        os.path.join(self.root, "usr/lib/pvtune/profiles"))
        with open(os.path.join(self.root, "etc/pvtune/pvtuned.conf"), "w") as f:
            f.write(CONF)
        self.sock = self.root + QMP_DIR + "/%s.sock" % name
        self.log = os.path.join(self.d, "pvtuned.log")
        self.env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS="unix:path=%s/bus" % self.d)
        self.env.pop("PVTUNE_ROOT", None)
        self.procs = []
        self.daemon = None

    def qemu_args(self):
        """The VM's second QMP monitor, where pvtuned looks for VMs."""
        return ["-qmp", "unix:%s,server=on,wait=off" % self.sock]

    def _spawn(self, argv, **kw):
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, **kw)
        self.procs.append(p)
        return p

    def start(self):
        with open(BUS_CONF) as f:
            conf = f.read().replace("@DIR@", self.d).replace("@TOP@", TOP)
        with open(os.path.join(self.d, "bus.conf"), "w") as f:
            f.write(conf)
        with open(os.path.join(self.d, "dbus.log"), "a") as log:
            self._spawn(["dbus-daemon", "--config-file=" + os.path.join(self.d, "bus.conf"),
                         "--nofork", "--nopidfile"], stdout=log, stderr=log)
        wait_for(lambda: os.path.exists(os.path.join(self.d, "bus")), 20, "the private D-Bus bus")
        logf = open(self.log, "a")
        self.daemon = self._spawn([os.path.join(AGENT, "pvtuned"), "--root", self.root, "--no-udev"],
                                  stdout=logf, stderr=logf, env=self.env)
        logf.close()
        wait_for(lambda: self.daemon.poll() is not None or self.adm("active")[0] == 0, 30,
                 "pvtuned on the bus")
        if self.daemon.poll() is not None:
            raise RuntimeError("pvtuned exited (%s):\n%s" % (self.daemon.returncode, self.logtext()))
        wait_for(lambda: "vm %s: QMP connected" % self.name in self.logtext(), 30,
                 "pvtuned to connect to the VM's QMP socket (log: %s)" % self.log)

    def adm(self, *args, root=False):
        argv = [os.path.join(AGENT, "pvtune-adm")] + (["--root", self.root] if root else []) + list(args)
        r = subprocess.run(argv, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=120)
        return r.returncode, r.stdout

    def logtext(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.daemon and self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGTERM)
            try:
                self.daemon.wait(15)
            except subprocess.TimeoutExpired:
                pass
        for p in reversed(self.procs):
            if p.poll() is None:
                p.kill()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                pass
        shutil.rmtree(self.d, ignore_errors=True)


def iothreads(vm):
    """{id: (thread id, Cpus_allowed_list, poll-max-ns, poll-grow, poll-shrink)}
    of the VM's iothreads: QMP query-iothreads, and the thread's
    /proc/QEMU/task/TID/status."""
    out = {}
    for t in vm.qmp("query-iothreads"):
        tid = t["thread-id"]
        with open("/proc/%d/task/%d/status" % (vm.proc.pid, tid)) as f:
            cpus = re.search(r"Cpus_allowed_list:\s*(\S+)", f.read()).group(1)
        out[t["id"]] = (tid, cpus, t["poll-max-ns"], t["poll-grow"], t["poll-shrink"])
    return out


def describe(state):
    return "; ".join("iothread %s (thread %d): CPUs %s, poll-max-ns %d, poll-grow %d, poll-shrink %d"
                     % ((i,) + v) for i, v in sorted(state.items()))
