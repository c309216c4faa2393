"""QEMU guest driver for the pvblk guest tests (Python 3 standard library).

A VM boots one of the test kernels (build/kernels/KVER) with the busybox
initramfs built by mkinitramfs.sh; the guest's root is this machine's root
over 9p with a tmpfs overlay, and the per-run directory
build/test-runs/KVER/NAME/ is shared writable as /pvtest.  The guest runs
`script` with bash, then powers off.  See README.md in this directory.

    from vm import VM
    with VM(kver="6.1.0-56-amd64", name="demo", script="uname -r") as vm:
        vm.wait_file("started")
        print(vm.qmp("query-status"))
        res = vm.wait()          # raises GuestError unless the run passed
"""

import lzma
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import zlib

from qmp import QMP, QMPError  # noqa: F401  (QMPError: vm.QMPError for the tests)
import virtq

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

DEFAULT_TIMEOUT = 300

# Measured on this machine (TCG): "-cpu max" boots both kernels as fast as
# qemu64; "pc" (i440fx) boots as fast as q35 and has ACPI hot-plug on its root
# bus, so device_add/device_del of a virtio-blk-pci work without root ports.
DEFAULT_MACHINE = "pc"
DEFAULT_CPU = "max"
DEFAULT_TCG_THREAD = "single"
MODES = ("busybox", "systemd", "initramfs", "image")
# What an initramfs-mode guest prints back on its console (no shared /pvtest).
CONSOLE_FILES = ("started", "script.log", "script-rc", "dmesg", "dmesg-check", "rc")


class GuestError(AssertionError):
    """The guest run failed (script rc, dmesg check, crash, timeout)."""

    def __init__(self, msg, result=None):
        super().__init__(msg)
        self.result = result


def extract_vmlinux(vmlinuz, out):
    """Decompress the ELF vmlinux out of a bzImage into OUT (atomically).
    QEMU boots an ELF vmlinux through its PVH entry point, which skips the
    in-guest decompression: about 3 s under TCG for Debian's xz-compressed
    6.1 kernel, 0.5 s for the zstd 6.12 one.  Returns False if not found."""
    with open(vmlinuz, "rb") as f:
        data = f.read()
    for magic, kind in ((b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"),
                        (b"\x1f\x8b\x08", "gzip")):
        off = data.find(magic)
        while off >= 0:
            elf = None
            try:
                if kind == "xz":
                    elf = lzma.LZMADecompressor().decompress(data[off:])
                elif kind == "gzip":
                    elf = zlib.decompressobj(31).decompress(data[off:])
                else:
                    elf = subprocess.run(["zstd", "-qdc"], input=data[off:],
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
            except (lzma.LZMAError, zlib.error, OSError):
                elf = None
            if elf and elf[:4] == b"\x7fELF":
                tmp = "%s.tmp.%d" % (out, os.getpid())
                with open(tmp, "wb") as f:
                    f.write(elf)
                os.replace(tmp, out)
                return True
            off = data.find(magic, off + 1)
    return False


def prepare(kver, build=None):
    """Build what booting KVER needs (initramfs, PVH vmlinux) if out of date.
    Returns the kernel image to boot."""
    build = build or os.path.join(TOP, "build")
    subprocess.run([os.path.join(HERE, "mkinitramfs.sh"), kver], check=True)
    vmlinuz = os.path.join(build, "kernels", kver, "boot", "vmlinuz-" + kver)
    vmlinux = os.path.join(build, "initramfs", kver + ".vmlinux")
    try:
        if os.path.getmtime(vmlinux) >= os.path.getmtime(vmlinuz):
            return vmlinux
    except OSError:
        pass
    if extract_vmlinux(vmlinuz, vmlinux):
        return vmlinux
    return vmlinuz


def read_kernels(build=None):
    """The test kernels, [(kver, role, suite)], from build/kernels.list
    (written by `make kernels` from scripts/kernels.conf); [] if absent. A
    line with the version alone (older lists) has role full."""
    build = build or os.path.join(TOP, "build")
    out = []
    for line in (_read(os.path.join(build, "kernels.list"), "") or "").splitlines():
        f = line.split("#", 1)[0].split()
        if f:
            out.append((f[0], f[1] if len(f) > 1 else "full", f[2] if len(f) > 2 else ""))
    return out


def _read(path, default=None):
    try:
        with open(path, "r", errors="replace") as f:
            return f.read()
    except OSError:
        return default


def dmesg_patterns():
    pats = []
    for line in (_read(os.path.join(HERE, "dmesg-patterns"), "") or "").splitlines():
        if line and not line.startswith("#"):
            pats.append(line)
    return pats


def _first_splat(text, ignore=()):
    if not text:
        return None
    pat = re.compile("|".join(dmesg_patterns()))
    ign = [re.compile(p) for p in ignore]
    for line in text.splitlines():
        if pat.search(line) and not any(i.search(line) for i in ign):
            return line.strip()
    return None


class Result:
    """Outcome of one guest run.

    rc: final rc written by the guest (None if it never got there);
    script_rc: the script's own exit status; ok: passed; reason: why not;
    timed_out: the host killed QEMU at the timeout; console, script_log,
    dmesg, dmesg_check: texts ('' when absent); run_dir: where all files are;
    elapsed: wall seconds from QEMU start to exit; boot_secs: guest uptime
    when the script started (None if it never did).
    """

    def __init__(self, vm, timed_out, qemu_status):
        d = vm.run_dir
        self.run_dir = d
        self.name = vm.name
        self.kver = vm.kver
        self.mode = vm.mode
        self.timed_out = timed_out
        self.qemu_status = qemu_status
        self.elapsed = (vm._end or time.time()) - (vm._start or time.time())
        self.console = _read(os.path.join(d, "console"), "")
        self.script_log = _read(os.path.join(d, "script.log"), "")
        self.dmesg = _read(os.path.join(d, "dmesg"), "")
        self.dmesg_check = _read(os.path.join(d, "dmesg-check"), "")
        self.qemu_log = _read(os.path.join(d, "qemu.log"), "")

        def num(name, conv=int):
            v = _read(os.path.join(d, name))
            try:
                return conv(v.strip()) if v is not None else None
            except ValueError:
                return None

        self.rc = num("rc")
        self.script_rc = num("script-rc")
        self.boot_secs = num("started", float)
        self.reason = self._reason(vm)
        self.ok = self.reason is None

    def _reason(self, vm):
        if self.timed_out:
            return "timeout: guest did not finish within %.0fs, QEMU killed" % self.elapsed
        if self.rc is None:
            splat = _first_splat(self.console, vm.dmesg_ignore)
            if splat:
                return "guest crashed before writing its result: %s" % splat
            if vm._killed:
                return "QEMU killed before the guest finished (vm.kill(), test ended or overran)"
            if self.qemu_status not in (0, None):
                tail = " | ".join(self.qemu_log.strip().splitlines()[-3:])
                return "QEMU exited with status %s: %s" % (self.qemu_status, tail)
            return "guest exited without writing /pvtest/rc (see console)"
        why = []
        if self.script_rc in (124, 137):
            why.append("script timed out in the guest (rc %s)" % self.script_rc)
        elif self.script_rc:
            why.append("script failed with rc %s" % self.script_rc)
        if self.dmesg_check.strip():
            first = self.dmesg_check.strip().splitlines()[0]
            why.append("dmesg check: %s" % first)
        if self.rc and not why:
            why.append("guest rc %s" % self.rc)
        return "; ".join(why) or None

    def file(self, relpath, default=None):
        """Text of a file the guest left in /pvtest (None if absent)."""
        return _read(os.path.join(self.run_dir, relpath), default)

    def check(self):
        if not self.ok:
            raise GuestError("guest run failed (%s mode): %s" % (self.mode, self.reason), self)
        return self

    def __repr__(self):
        return "<Result %s %s ok=%s rc=%s reason=%r>" % (self.name, self.kver, self.ok, self.rc, self.reason)


class VM:
    """One QEMU guest.  Options (keywords):

    kver      test kernel version (build/kernels/KVER must exist)
    mode      'busybox' (script runs as PID 1 after the 9p/overlay root is
              mounted), 'systemd' (full systemd, udevd, journald, D-Bus;
              the script runs from pvtest.service once boot is finished) or
              'initramfs' (no host root, no 9p, for kernels without 9p: the
              script runs with busybox sh in the initramfs, with `files`;
              its results come back through the console)
    files     initramfs mode: {name: host path} put in the guest's /pvtest
    cpus, mem vCPUs (2) and memory ('1G')
    extra     list of extra QEMU arguments (-blockdev, -device, -object, ...)
    script    bash text run in the guest, with `set -euo pipefail` (strict)
              and `set -x` (xtrace) prepended, and tests/harness/guest-lib.sh
              sourced (pv_signal NAME, pv_wait NAME [TIMEOUT])
    timeout   seconds from QEMU's start until the host kills it (boot
              included); the guest gives the script what is left minus 15 s
    name      run directory name: build/test-runs/KVER/NAME/ (wiped when the
              VM object is created, so files can be put there before start())
    dmesg_ignore  regexps; dmesg lines matching one do not fail the run
    machine, cpu, append  override -machine, -cpu, add kernel parameters
    pvh       boot the decompressed vmlinux through PVH (faster); False boots
              the bzImage as it is
    image     mode 'image' only: an image.Boot (tests/harness/image.py): the
              root disk (a qcow2 overlay of the Debian image), the kernel and
              initramfs to boot and the root= to give; the guest runs
              systemd from that disk, not the host's root over 9p
    """

    def __init__(self, kver, mode="busybox", cpus=2, mem="1G", extra=None, script="",
                 timeout=DEFAULT_TIMEOUT, name="vm", top=TOP, dmesg_ignore=(),
                 machine=DEFAULT_MACHINE, cpu=DEFAULT_CPU, append="", strict=True,
                 xtrace=True, build=None, pvh=True, tcg_thread=DEFAULT_TCG_THREAD, files=None,
                 image=None):
        if mode not in MODES:
            raise ValueError("mode must be one of %s, not %r" % (", ".join(MODES), mode))
        if files and mode != "initramfs":
            raise ValueError("files= is for initramfs mode (the other modes share /pvtest)")
        if (mode == "image") != (image is not None):
            raise ValueError("image= goes with mode='image' (and only with it)")
        self.image = image
        self.kver = kver
        self.mode = mode
        self.cpus = cpus
        self.mem = mem
        self.extra = list(extra or [])
        self.script = script
        self.timeout = timeout
        self.name = name
        self.top = os.path.abspath(top)
        self.build = build or os.path.join(self.top, "build")
        self.dmesg_ignore = list(dmesg_ignore)
        self.machine = machine
        self.cpu = cpu
        self.append = append
        self.strict = strict
        self.xtrace = xtrace
        self.kdir = os.path.join(self.build, "kernels", kver)
        self.kernel = os.path.join(self.kdir, "boot", "vmlinuz-" + kver)
        if image is not None:
            self.kernel = image.kernel
        self.pvh = pvh
        self.tcg_thread = tcg_thread
        self.files = dict(files or {})
        self.run_dir = os.path.join(self.build, "test-runs", kver, name)
        self.proc = None
        self.result = None
        self._qmp_tmpdir = None
        self._start = None
        self._end = None
        self._timed_out = False
        self._killed = False
        if not os.path.isfile(self.kernel):
            raise FileNotFoundError("%s missing: run scripts/deps.sh && scripts/kernels.sh" % self.kernel)
        if os.path.isdir(self.run_dir):
            shutil.rmtree(self.run_dir)
        os.makedirs(self.run_dir)
        # The QMP socket path must fit in sun_path (108 bytes).
        # A second monitor is the hang watcher's (see _watch_hang).
        sockdir = self.run_dir
        if len(os.path.join(sockdir, "qmp-diag.sock")) > 100:
            self._qmp_tmpdir = tempfile.mkdtemp(prefix="pvqmp.")
            sockdir = self._qmp_tmpdir
        self.qmp_path = os.path.join(sockdir, "qmp.sock")
        self.qmp_diag_path = os.path.join(sockdir, "qmp-diag.sock")
        self._qmp = QMP(self.qmp_path, self.running)
        self._hang_lock = threading.Lock()

    # ---------------------------------------------------------------- paths
    @property
    def initrd(self):
        if self.mode == "initramfs":
            return self.path("initrd.img")
        if self.image is not None:
            return self.image.initrd
        return os.path.join(self.build, "initramfs", self.kver + ".cpio.gz")

    def path(self, relpath):
        """Host path of RELPATH in the run directory (/pvtest in the guest)."""
        return os.path.join(self.run_dir, relpath)

    # ---------------------------------------------------------------- start
    def cmdline(self):
        if self.image is not None:
            # the image's own init system; pvtest-image.service (mkimage.sh)
            # mounts the shares and runs guest-run.sh
            head = ["root=" + self.image.root, "ro", "pvtest.image=1"]
        else:
            head = ["pvtest.mode=" + self.mode, "pvtest.kdir=" + self.kdir]
        params = head + [
            "console=ttyS0", "panic=-1",
            "pvtest.top=" + self.top, "pvtest.timeout=%d" % int(self.timeout),
            # Boot speed under TCG: no speculation mitigations to patch in,
            # no timer check, no i8042 probing, ratelimit-free console.
            "mitigations=off", "no_timer_check", "i8042.noaux", "i8042.nokbd",
            "tsc=reliable", "printk.devkmsg=on",
            # A busy host can starve a TCG vCPU for seconds: keep the soft
            # lockup detector (a "BUG:") but at 60 s rather than 20 s.
            "watchdog_thresh=30",
        ]
        if self.mode in ("systemd", "image"):
            params += ["systemd.show_status=1", "systemd.unit=multi-user.target"]
        if self.append:
            params.append(self.append)
        return " ".join(p for p in params if p)

    def qemu_argv(self):
        argv = [
            "qemu-system-x86_64", "-name", "pvtest-%s" % self.name,
            "-accel", "tcg" if self.tcg_thread == "multi" else "tcg,thread=" + self.tcg_thread,
            "-machine", self.machine, "-cpu", self.cpu,
            "-smp", str(self.cpus), "-m", str(self.mem),
            "-nodefaults", "-nographic", "-no-reboot", "-no-user-config",
            "-kernel", self.kernel, "-initrd", self.initrd, "-append", self.cmdline(),
            "-chardev", "file,id=con,path=%s" % self.path("console"),
            "-serial", "chardev:con",
            "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
            "-qmp", "unix:%s,server=on,wait=off" % self.qmp_diag_path,
        ]
        if self.image is not None:
            argv += self.image.qemu_args() + [
                "-virtfs", "local,path=%s,mount_tag=pvtop,readonly=on,security_model=none,multidevs=remap"
                % self.top]
        elif self.mode != "initramfs":
            argv += ["-virtfs", "local,path=/,mount_tag=pvroot,readonly=on,security_model=none,multidevs=remap"]
        if self.mode != "initramfs":
            argv += ["-virtfs", "local,path=%s,mount_tag=pvtest,security_model=none" % self.run_dir]
        return argv + [str(a) for a in self.extra]

    def _write_script(self):
        head = ["#!/bin/bash"]
        if self.mode == "initramfs":
            # busybox sh, and no shared /pvtest for guest-lib.sh's signals.
            head = ["#!/bin/sh"]
            if self.strict:
                head.append("set -eu -o pipefail")
        elif self.strict:
            head.append("set -euo pipefail")
        if self.mode != "initramfs":
            head.append(". %s/tests/harness/guest-lib.sh" % self.top)
        if self.xtrace:
            head.append("set -x")
        with open(self.path("script"), "w") as f:
            f.write("\n".join(head) + "\n" + self.script + "\n")
        if self.dmesg_ignore:
            with open(self.path("dmesg-ignore"), "w") as f:
                f.write("\n".join(self.dmesg_ignore) + "\n")

    def start(self):
        if self.proc:
            return self
        if self.image is not None:
            # the image's bzImage, decompressed for PVH like the test kernels
            vmlinux = self.path("vmlinux")
            if self.pvh and extract_vmlinux(self.image.kernel, vmlinux):
                self.kernel = vmlinux
        else:
            boot = prepare(self.kver, self.build)
            if self.pvh:
                self.kernel = boot
        self._write_script()
        if self.mode == "initramfs":
            self._make_initrd()
        argv = self.qemu_argv()
        with open(self.path("qemu.cmd"), "w") as f:
            f.write(" ".join(_shquote(a) for a in argv) + "\n")
        log = open(self.path("qemu.log"), "wb")
        self._start = time.time()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        # Connect QMP at once so that no event is missed (QMP only sends
        # events to connected clients).
        try:
            self._qmp.connect()
        except QMPError:
            pass
        if self.mode != "initramfs":
            threading.Thread(target=self._watch_hang, name="pvtest-hang-%s" % self.name,
                             daemon=True).start()
        return self

    def _watch_hang(self):
        """When the guest's script times out (or the host asked, see
        hang_report), guest-run.sh writes its part of a hang report,
        hang-guest, and creates /pvtest/hang; this adds QEMU's view of every
        virtio-blk virtqueue, read through the second monitor so that it
        never shares a socket with a test, and writes hang-summary."""
        proc = self.proc
        while proc.poll() is None:
            if os.path.exists(self.path("hang")):
                self._write_hang_summary(proc)
                return
            time.sleep(0.5)

    def _write_hang_summary(self, proc):
        with self._hang_lock:
            if os.path.exists(self.path("hang-summary")):
                return
            guest = _read(self.path("hang-guest"))
            if guest is None:
                guest = "guest: no answer to the host's request for its part (paused, or stuck)\n"
            conn = QMP(self.qmp_diag_path, lambda: proc.poll() is None)
            try:
                lines = virtq.virtio_blk_state(conn.command)
            except Exception as e:     # QEMU gone, or a QMP error: say so
                lines = ["qemu: no virtqueue state (%s: %s)" % (type(e).__name__, e)]
            finally:
                conn.close()
            tmp = self.path("hang-summary.tmp")
            with open(tmp, "w") as f:
                f.write(guest + "".join(line + "\n" for line in lines))
            os.rename(tmp, self.path("hang-summary"))

    def hang_report(self, wait=10):
        """A wait for the guest timed out while it still runs: ask it for
        its part of a hang report (hang-req; guest-run.sh watches for it)
        and write hang-summary with QEMU's part, as when a script times out.
        Returns the summary's text ('' if QEMU is gone)."""
        if not self.running() or self.mode == "initramfs":
            return ""
        try:
            if self.qmp("query-status", timeout=5)["status"] != "running":
                wait = 0            # a paused guest cannot answer
        except QMPError:
            pass
        self.signal("hang-req")
        deadline = time.time() + wait
        while not os.path.exists(self.path("hang-summary")) and time.time() < deadline and self.running():
            time.sleep(0.2)
        if self.running():
            self._write_hang_summary(self.proc)
        return _read(self.path("hang-summary"), "")

    # ---------------------------------------------------------------- state
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def _deadline(self, timeout):
        if timeout is not None:
            return time.time() + timeout
        return self._start + self.timeout

    def signal(self, name):
        """Create /pvtest/NAME for a guest waiting with pv_wait NAME."""
        with open(self.path(name), "a"):
            pass

    def wait_file(self, relpath, timeout=None):
        """Wait until the guest creates RELPATH in /pvtest; returns its host
        path.  Raises GuestError if QEMU exits first or on timeout (default:
        what is left of the VM's timeout)."""
        deadline = self._deadline(timeout)
        p = self.path(relpath)
        while True:
            if os.path.exists(p):
                return p
            if not self.running():
                raise GuestError("%s: guest ended before creating /pvtest/%s (%s)"
                                 % (self.name, relpath, self.wait(check=False).reason), self.result)
            if time.time() >= deadline:
                self.hang_report()
                raise GuestError("%s: /pvtest/%s did not appear in time" % (self.name, relpath))
            time.sleep(0.1)

    def wait(self, timeout=None, check=True):
        """Wait until the guest powers off (killing it at the deadline:
        `timeout` seconds from now, or the VM's timeout from its start).
        Returns a Result; raises GuestError if check and the run failed."""
        if self.result is None:
            if self.proc is None:
                raise RuntimeError("VM %s not started" % self.name)
            deadline = self._deadline(timeout)
            status = None
            try:
                status = self.proc.wait(timeout=max(0.0, deadline - time.time()))
            except subprocess.TimeoutExpired:
                self._timed_out = True
                self.hang_report(wait=5)
                self.kill()
                status = self.proc.returncode
            self._end = time.time()
            self._qmp_close()
            if self.mode == "initramfs":
                self._files_from_console()
            self.result = Result(self, self._timed_out, status)
        if check:
            self.result.check()
        return self.result

    # ------------------------------------------------------ initramfs mode
    def _make_initrd(self):
        """initrd.img in the run directory: the kernel's initramfs, then a
        second archive with /pvtest (script, dmesg patterns, the test's
        files). The kernel unpacks concatenated archives in order."""
        stage = self.path("initramfs-pvtest")
        shutil.rmtree(stage, ignore_errors=True)
        os.makedirs(os.path.join(stage, "pvtest"))
        copies = {"script": self.path("script"),
                  "dmesg-patterns": os.path.join(HERE, "dmesg-patterns")}
        if self.dmesg_ignore:
            copies["dmesg-ignore"] = self.path("dmesg-ignore")
        for name, src in list(self.files.items()):
            if "/" in name or name in copies or name in CONSOLE_FILES:
                raise ValueError("files: bad or reserved name %r" % name)
            copies[name] = src
        for name, src in copies.items():
            shutil.copy(src, os.path.join(stage, "pvtest", name))
        names = subprocess.run(["find", ".", "-mindepth", "1"], cwd=stage, check=True,
                               stdout=subprocess.PIPE).stdout
        cpio = subprocess.run(["cpio", "-o", "-H", "newc", "-R", "0:0", "--quiet"], cwd=stage,
                              input=b"\n".join(sorted(names.split())) + b"\n",
                              stdout=subprocess.PIPE, check=True).stdout
        shutil.rmtree(stage)
        with open(self.initrd, "wb") as out:
            with open(os.path.join(self.build, "initramfs", self.kver + ".cpio.gz"), "rb") as base:
                shutil.copyfileobj(base, out)
            # An uncompressed archive must start 4-byte aligned; the
            # kernel skips the zeros in between.
            out.write(b"\0" * (-out.tell() % 512))
            out.write(cpio)

    def _files_from_console(self):
        """Initramfs mode: the guest printed its result files on the
        console between pvtest-file-begin/end NAME lines; write them into
        the run directory, where Result reads them."""
        text = (_read(self.path("console"), "") or "").replace("\r", "")
        for m in re.finditer(r"^pvtest-file-begin (\S+)\n(.*?)^pvtest-file-end \1$",
                             text, re.S | re.M):
            if m.group(1) in CONSOLE_FILES:
                with open(self.path(m.group(1)), "w") as f:
                    f.write(m.group(2))

    def kill(self):
        """Stop QEMU now (SIGTERM, then SIGKILL).  Idempotent."""
        self._qmp_close()
        if self.proc and self.proc.poll() is None:
            self._killed = True
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        if self._end is None and self._start is not None:
            self._end = time.time()
        if self._qmp_tmpdir:
            shutil.rmtree(self._qmp_tmpdir, ignore_errors=True)
            self._qmp_tmpdir = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.kill()
        return False

    def __del__(self):
        try:
            self.kill()
        except Exception:
            pass

    # ---------------------------------------------------------------- QMP
    def _qmp_close(self):
        self._qmp.close()

    def qmp(self, execute, arguments=None, timeout=60, **kw):
        """Run a QMP command and return its "return" value; raises QMPError.
        Arguments as keywords, or a dict for names with dashes:
        vm.qmp("device_del", id="d1"); vm.qmp("blockdev-add", {"node-name": ...})."""
        return self._qmp.command(execute, arguments, timeout, **kw)

    def events(self, name=None):
        """QMP events received so far (all, or those named NAME)."""
        self._qmp.drain()
        return [e for e in self._qmp.events if name is None or e["event"] == name]

    def wait_event(self, name, timeout=30, match=None):
        """Wait for a QMP event NAME (optionally whose "data" contains the
        items of dict MATCH) that was not returned by a previous wait_event;
        returns it or raises QMPError."""
        self._qmp.connect()
        deadline = time.time() + timeout
        seen = getattr(self, "_consumed", set())
        self._consumed = seen
        while True:
            for i, e in enumerate(self._qmp.events):
                if i in seen or e["event"] != name:
                    continue
                data = e.get("data", {})
                if match and any(data.get(k) != v for k, v in match.items()):
                    continue
                seen.add(i)
                return e
            try:
                r = self._qmp.recv(deadline)
            except QMPError:
                raise QMPError("QMP: event %s not seen within %ss" % (name, timeout))
            if "event" in r:
                self._qmp.events.append(r)


def _shquote(s):
    if re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", s):
        return s
    return "'" + s.replace("'", "'\\''") + "'"
