"""Tests of the guest-test harness itself (tests/harness).

On every kernel of role full: busybox basics and systemd mode (they boot
the kernel's own module set and userland). On the first full kernel only
(first_full_kernel): the mechanics that do not depend on the kernel, i.e.
dmesg check + in-guest timeout, kernel crash, hung guest killed by the
host, the hang report of a script that timed out on stuck I/O, initramfs
mode's results (initramfs mode itself boots on every kernel in
test_driver_boot).
"""

import importlib.util
import os
import re
import shutil
import sys
import time
import types

from pvtest import first_full_kernel, kernels, mode, timeout
from vm import GuestError, QMPError
import virtq

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pvdisk import disk, prelude  # noqa: E402

NULL_DISK = [
    "-blockdev", "driver=null-co,node-name=null0,size=67108864,read-zeroes=on",
    "-device", "virtio-blk-pci,drive=null0,id=vd0,serial=PVNULL0",
]


@timeout(240)
def test_busybox(ctx):
    """Boot, uname, virtio_blk on a null-co disk, /pvtest both ways, QMP."""
    script = """
uname -r > /pvtest/uname
modprobe virtio_blk
ls /sys/block > /pvtest/blocks
cat /sys/block/vda/size > /pvtest/vda-size
lsmod > /pvtest/lsmod
echo hello-from-guest > /pvtest/hello
pv_signal ready
pv_wait go 60
cat /pvtest/go-data
"""
    with ctx.vm(script=script, extra=NULL_DISK, timeout=180) as vm:
        vm.wait_file("ready")
        st = vm.qmp("query-status")
        assert st["status"] == "running" and st["running"], st
        try:
            vm.qmp("no-such-command")
            raise AssertionError("QMP error not raised")
        except QMPError as e:
            assert "no-such-command" in str(e), e
        blocks = vm.qmp("query-block")
        assert any(b.get("qdev", "").endswith("vd0") or b.get("device") == "vd0"
                   or "vd0" in b.get("qdev", "") for b in blocks), blocks
        with open(vm.path("go-data"), "w") as f:
            f.write("host-says-go\n")
        vm.signal("go")
        res = vm.wait()
    print("    boot %.1fs (guest uptime at script start), run %.1fs" % (res.boot_secs, res.elapsed))
    assert res.file("uname").strip() == ctx.kver, res.file("uname")
    assert "vda" in res.file("blocks").split(), res.file("blocks")
    assert int(res.file("vda-size")) == 64 * 1024 * 1024 // 512
    assert "virtio_blk" in res.file("lsmod")
    assert res.file("hello") == "hello-from-guest\n"
    assert "host-says-go" in res.script_log
    assert res.rc == 0 and res.dmesg and not res.dmesg_check.strip()
    assert "Linux version " + ctx.kver in res.dmesg


@kernels(first_full_kernel)
@timeout(180)
def test_dmesg_check_and_guest_timeout(ctx):
    """A WARNING in dmesg fails the run (unless ignored), and a script that
    outlives its time is stopped by the guest-side timeout."""
    script = """
echo "WARNING: CPU: 0 PID: 1 at pvtest-injected-warning" > /dev/kmsg
echo "BUG: pvtest-ignored-bug" > /dev/kmsg
pv_signal injected
sleep 600
"""
    # The guest gives the script what is left of 90 s after booting, less
    # 25 s: enough for the in-guest timeout and its hang report to finish
    # first on a loaded host.
    with ctx.vm(script=script, timeout=90, dmesg_ignore=["pvtest-ignored"]) as vm:
        res = vm.wait(check=False)
    print("    reason: %s" % res.reason)
    # no disk here: the hang report says so, and QEMU has no virtio-blk
    hang = res.file("hang-summary", "")
    print("    hang-summary: %r" % hang)
    assert "guest: no disk had a request in flight" in hang, hang
    assert "qemu: no virtio-blk device" in hang, hang
    assert not res.ok and not res.timed_out, res
    assert res.script_rc in (124, 137), res.script_rc
    assert "timed out in the guest" in res.reason, res.reason
    assert "pvtest-injected-warning" in res.dmesg_check, res.dmesg_check
    assert "pvtest-ignored-bug" not in res.dmesg_check, res.dmesg_check
    assert "dmesg check" in res.reason, res.reason
    try:
        res.check()
        raise AssertionError("Result.check() passed a failed run")
    except GuestError:
        pass
    # A clean dmesg with a splat only in ignored lines passes: covered by
    # test_busybox (rc 0, empty dmesg-check).


@kernels(first_full_kernel)
@timeout(120)
def test_kernel_crash_fails(ctx):
    """A guest kernel crash ends the VM at once and is reported."""
    with ctx.vm(script="pv_signal crashing\necho c > /proc/sysrq-trigger\nsleep 60", timeout=90) as vm:
        res = vm.wait(check=False)
    print("    reason: %s" % res.reason)
    assert not res.ok and not res.timed_out and res.rc is None, res
    assert "crashed" in res.reason, res.reason
    assert "sysrq" in res.console.lower() and "Kernel panic" in res.console
    assert os.path.exists(os.path.join(res.run_dir, "crashing"))


# A read that never ends: pvblk drops its notification (debugfs lose_kicks)
# and its timeout, which would notify the device again, is put off past the
# script's end. The hang report must name the disk and its one read, and
# QEMU's side must show the request posted and never taken. A second disk,
# throttled by the host to 1 request a second, under 16 reads at once: its
# 16-entry ring without indirect descriptors fills, the rest wait in blk-mq
# with the queue stopped, and the report must say so (CI once stalled with
# nothing in flight and every request held in blk-mq, and the report then
# said only "no disk had a request in flight").
STUCK_GUEST = r"""
pv_load_pvblk
D=$(pv_disk_of_slot 0x10); F=$(pv_disk_of_slot 0x11)
pv_wait_path /dev/$D; pv_wait_path /dev/$F
echo 600000 > /sys/block/$D/queue/io_timeout
echo 1 > /sys/kernel/debug/pvblk/$D/lose_kicks
dd if=/dev/$D of=/dev/null bs=4k count=1 iflag=direct &
echo none > /sys/block/$F/queue/scheduler
pv_signal throttle
pv_wait throttled 60
fio --name=held --filename=/dev/$F --ioengine=libaio --direct=1 --rw=randread \
    --bs=32k --iodepth=16 --size=1m --cpus_allowed=0 --output=/dev/null &
sleep 3
echo $D > /pvtest/stuck-disk
echo $F > /pvtest/full-disk
sleep 600
"""


@kernels(first_full_kernel)
@timeout(180)
def test_hang_report(ctx):
    """A wait for the guest that times out while its I/O never ends leaves
    hang-summary: the guest's disks with requests in flight (driver, pvblk
    counters), written by the guest when the host asks, and QEMU's view of
    every virtio-blk virtqueue, read through the second QMP monitor. (A
    script that times out in the guest starts the same report itself:
    test_dmesg_check_and_guest_timeout.)"""
    vm = ctx.vm(timeout=170)
    vm.extra += disk("pv", 0x10, null_size_mb=64)
    vm.extra += disk("full", 0x11, null_size_mb=64,
                     dev={"queue-size": 16, "indirect_desc": "off"})
    vm.script = prelude(ctx) + STUCK_GUEST
    with vm:
        vm.wait_file("throttle", 120)
        vm.qmp("block_set_io_throttle", id="/machine/peripheral/full-dev/virtio-backend", iops=1, iops_rd=0, iops_wr=0,
               bps=0, bps_rd=0, bps_wr=0)
        vm.signal("throttled")
        vm.wait_file("stuck-disk", 120)
        try:
            vm.wait_file("never-written", timeout=3)
            raise AssertionError("wait_file did not time out")
        except GuestError as e:
            assert "did not appear in time" in str(e), e
        with open(vm.path("hang-summary")) as f:
            hang = f.read()
        with open(vm.path("hang-state")) as f:
            state = f.read()
        with open(vm.path("stuck-disk")) as f:
            d = f.read().strip()
        with open(vm.path("full-disk")) as f:
            full = f.read().strip()
    print("    " + hang.replace("\n", "\n    "))
    assert "guest: %s (pvblk, pci 0000:00:10.0): in flight 1 reads, 0 writes" % d in hang, hang
    held = 0
    for line in hang.splitlines():
        if line.startswith("guest: %s pvblk: queue=" % d):
            kv = dict(f.split("=", 1) for f in line.split(": ", 1)[1].split() if "=" in f)
            held += int(kv["requests"]) - int(kv["completions"])
    assert held == 1, "pvblk's counters in the report do not show the one read held:\n" + hang
    q = [line for line in hang.splitlines()
         if line.startswith("qemu: /machine/peripheral/pv-dev/virtio-backend (pci 00:10.0) queue ")]
    stuck = [line for line in q if "-> 1 posted that QEMU has not taken" in line and "inuse 0" in line]
    assert len(q) >= 1 and len(stuck) == 1, hang
    assert all("-> idle" in line for line in q if line not in stuck), hang
    assert "=== %s (pvblk): in flight 1 0" % d in state, state[:2000]
    # the full ring: some in flight, the rest held in blk-mq, queue stopped
    m = re.search(r"^guest: %s \(pvblk, pci 0000:00:11\.0\): in flight (\d+) reads, 0 writes\n"
                  r"guest: %s: (\d+) more held in blk-mq, not sent to the driver "
                  r"\(hardware queue state:.* hctx0 ([A-Z_|]+)( .*)?\)$" % (full, full), hang, re.M)
    assert m and int(m.group(1)) >= 1 and int(m.group(2)) >= 1, hang
    assert "STOPPED" in m.group(3).split("|"), hang
    assert re.search(r"=== task \d+ dd, state D", state), state[-2000:]


@kernels(first_full_kernel)
@timeout(30)
def test_virtq_verdicts(ctx):
    """virtq.py's reading of a stalled queue (no guest: QEMU's counters and
    the ring words as a stalled run left them). The lost-interrupt state is
    the one bench/host_bench.py met with virtio_blk (used_idx 39862,
    used_event 39832, inuse 0), the lost kick test_hang_report's."""
    def st(last_avail, used, inuse):
        return {"last-avail-idx": last_avail, "used-idx": used, "inuse": inuse}

    def words(avail, used_event, used, avail_event):
        return [("avail.idx", avail), ("used_event", used_event), ("used.idx", used),
                ("avail_event", avail_event)]
    irq, kick = virtq.LOST_IRQ, virtq.LOST_KICK
    cases = [
        # (QEMU's counters, ring words, what was lost, verdict starts with)
        (st(39862, 39862, 0), words(39862, 39832, 39862, 39862), irq,
         "QEMU returned all it took; used.idx 39862 is 30 past used_event 39832"),
        # test_hang_report's dropped notification
        (st(0, 0, 0), words(1, 0, 0, 0), kick, "1 posted that QEMU has not taken (avail_event 0)"),
        (st(100, 90, 10), words(100, 90, 90, 100), None, "QEMU holds 10"),
        (st(7, 7, 0), words(7, 7, 7, 7), None, "idle"),
        # posted, but QEMU did not ask to be told at 10: no proof of a loss
        (st(10, 10, 0), words(12, 10, 10, 8), None, "2 posted that QEMU has not taken (avail_event 8)"),
        # the indices wrap at 2^16
        (st(3, 3, 0), words(3, 65533, 3, 3), irq, "QEMU returned all it took; used.idx 3 is 6 past"),
        (st(65535, 65535, 0), words(2, 65535, 65535, 65535), kick, "3 posted that QEMU has not taken"),
    ]
    for s_, w, what, start in cases:
        v = virtq.verdict(s_, w)
        assert v.startswith(start), (s_, w, v)
        assert virtq.lost(s_, w) == what, (s_, w, what, virtq.lost(s_, w))
    # queue_state() over QMP (a stand-in): a queue the driver never set up
    # (CI met a 4-queue device whose driver used 2) is said to be so, its
    # ring not read at address 0; a set-up one is read from guest memory
    asked = []

    def qmp(execute, **args):
        asked.append(execute)
        if execute == "x-query-virtio-queue-status":
            base = 0x10000 if args["queue"] == 0 else 0
            return {"last-avail-idx": 0, "used-idx": 0, "inuse": 0, "signalled-used": 0,
                    "vring-num": 256, "vring-desc": base, "vring-avail": base and base + 0x1000,
                    "vring-used": base and base + 0x2000}
        assert execute == "human-monitor-command", execute
        addr = int(args["command-line"].split()[-1])
        return "%016x: 0x%04x\n" % (addr, 1 if addr == 0x11002 else 0)   # avail.idx 1
    unset = virtq.queue_state(qmp, "/machine/peripheral/mq-dev/virtio-backend", 2)
    assert unset.endswith("; not set up by the driver (ring address 0)"), unset
    assert asked == ["x-query-virtio-queue-status"], asked
    posted = virtq.queue_state(qmp, "/machine/peripheral/mq-dev/virtio-backend", 0)
    assert "guest memory: avail.idx 1, used_event 0, used.idx 0, avail_event 0" in posted, posted
    assert posted.endswith("-> 1 posted that QEMU has not taken (avail_event 0) " + kick), posted
    assert asked.count("human-monitor-command") == 4, asked

    # lost_virtio_blk: only a lost interrupt or kick on the PCI function of
    # a disk virtio_blk had requests in flight on (run.py and make demo
    # start again on that, and only on that)
    q = "/machine/peripheral/%s/virtio-backend (pci 00:%s) queue 0: last_avail_idx 5, ... -> %s"
    lost = "QEMU returned all it took; used.idx 5 is 2 past used_event 3: ... " + irq
    summary = "\n".join([
        "guest: vdb (virtio_blk, pci 0000:00:11.0): in flight 2 reads, 0 writes",
        "guest: pvda (pvblk, pci 0000:00:10.0): in flight 1 reads, 0 writes",
        "guest: vdc (virtio_blk, pci 0000:00:15.0): in flight 1 reads, 0 writes",
        "qemu: " + q % ("pv-dev", "10.0", lost),
        "qemu: " + q % ("vd-dev", "11.0", lost),
        "qemu: " + q % ("other", "12.0", lost),
        "qemu: " + q % ("idle", "13.0", "idle: QEMU returned all it took, the driver has seen it all"),
    ]) + "\n"
    found = virtq.lost_virtio_blk(summary)
    assert len(found) == 1 and found[0][:2] == ("/dev/vdb", irq), found
    assert found[0][2].startswith("queue 0: last_avail_idx 5,") and found[0][2].endswith(irq), found
    assert virtq.lost_virtio_blk(summary.replace("11.0) queue", "14.0) queue")) == []
    assert virtq.lost_virtio_blk(summary.replace(" " + irq, "")) == []
    kicked = summary + "qemu: " + q % ("vd2", "15.0", "1 posted that QEMU has not taken (avail_event 5) " + kick)
    assert [f[:2] for f in virtq.lost_virtio_blk(kicked)] == [("/dev/vdb", irq), ("/dev/vdc", kick)], kicked


FAKE_HANG = """guest: vdb (%s, pci 0000:00:11.0): in flight 2 reads, 0 writes
qemu: /machine/peripheral/vd-dev/virtio-backend (pci 00:11.0) queue 0: last_avail_idx 9, used_idx 9, \
inuse 0, signalled_used 9; guest memory: avail.idx 9, used_event 7, used.idx 9, avail_event 9 -> QEMU \
returned all it took; used.idx 9 is 2 past used_event 7: completions the driver took no interrupt \
for, or has interrupts off [lost interrupt]
"""


@kernels(first_full_kernel)
@timeout(60)
def test_runner_retries(ctx):
    """tests/run.py runs a failed test once more only when the emulator, not
    the code under test, stopped it: a hang report showing a lost interrupt
    (or kick) on a disk virtio_blk (no timeout handler) had requests on, or
    a boot fault on the console before the test's script started. The same
    report on a pvblk disk (pvblk recovers such a loss itself), or the same
    oops once the script runs, fails at once. A stand-in test writes the
    files; no guest is booted."""
    spec = importlib.util.spec_from_file_location("pvrunner", os.path.join(ctx.top, "tests", "run.py"))
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    args = types.SimpleNamespace(build=ctx.build)
    name = "test_harness.runner-retry-stand-in"
    boot = "[    1.5] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n"
    start = "pvtest: [9.1] running /pvtest/script (busybox mode, uptime 9s, timeout 60s)\n"
    cases = [
        # (file written by the first run, its text, retried as, why)
        ("hang-summary", FAKE_HANG % "virtio_blk", ".lost-notification",
         "QEMU lost a notification of virtio_blk's, which has no timeout handler: /dev/vdb (virtio_blk) queue 0:"),
        ("hang-summary", FAKE_HANG % "pvblk", None, None),
        ("console", boot + start, ".boot-fault",
         "the first boot failed before the test ran: Oops: int3 (build/test-runs/"),
        ("console", start + boot, None, None),
    ]
    for fname, text, suffix, why in cases:
        calls = []

        def stand_in(c):
            v = c.vm(name=name)
            calls.append(v.run_dir)
            if len(calls) == 1:
                with open(v.path(fname), "w") as f:
                    f.write(text)
                raise AssertionError("stalled (stand-in)")
        for sfx in (".lost-notification", ".boot-fault"):
            shutil.rmtree(os.path.join(ctx.build, "test-runs", ctx.kver, name + sfx), ignore_errors=True)
        r = runner.run_and_report(name, sys.modules[__name__], stand_in, ctx.kver, args)
        print("    %s %r: ok %s, runs %d, %s" % (fname, text[:40], r["ok"], len(calls), r["details"][:1]))
        if suffix:
            keep = os.path.join(ctx.build, "test-runs", ctx.kver, name + suffix)
            assert r["ok"] and len(calls) == 2, r
            assert r["details"][0].startswith("    retried once: " + why), r
            assert os.path.exists(os.path.join(keep, fname)), keep
            assert r["short"] and r["short"][0] == r["details"][0][:runner.DIGEST_WIDTH], r
        else:
            assert not r["ok"] and len(calls) == 1, r
            assert not any("retried" in line for line in r["details"]), r
            assert not any(os.path.exists(os.path.join(ctx.build, "test-runs", ctx.kver, name + sfx))
                           for sfx in (".lost-notification", ".boot-fault")), r


@kernels(first_full_kernel)
@timeout(120)
def test_hung_guest_killed(ctx):
    """A guest that stops making progress is killed by the host at the
    deadline, recorded as a timeout, and its console kept."""
    with ctx.vm(script="pv_signal sleeping\nsleep 600", timeout=90) as vm:
        vm.wait_file("sleeping")
        vm.qmp("stop")                      # freeze the guest: a hang
        assert vm.qmp("query-status")["status"] == "paused"
        assert vm.events("STOP"), vm.events()
        t = time.time()
        res = vm.wait(timeout=3, check=False)
        assert time.time() - t < 15
        assert not vm.running()
    print("    reason: %s" % res.reason)
    assert res.timed_out and not res.ok and "timeout" in res.reason, res
    assert "running /pvtest/script" in res.console, res.console[-2000:]


@kernels(first_full_kernel)
@timeout(120)
def test_initramfs_mode(ctx):
    """Initramfs mode (no host root, no 9p): the test's files reach the
    guest, and its results come back through the console: the script's
    output, its exit status, and a dmesg splat that fails the run."""
    script = """
cat /pvtest/input
echo "WARNING: CPU: 0 PID: 1 at pvtest-injected-warning" > /dev/kmsg
echo "BUG: pvtest-ignored-bug" > /dev/kmsg
exit 3
"""
    vm = ctx.vm(mode="initramfs", script=script, timeout=90, dmesg_ignore=["pvtest-ignored"])
    with open(vm.path("input"), "w") as f:
        f.write("input-from-host\n")
    vm.files["input"] = vm.path("input")
    assert not any("pvroot" in a for a in vm.qemu_argv()), "initramfs mode shares no root"
    with vm:
        res = vm.wait(check=False)
    print("    reason: %s" % res.reason)
    assert not res.ok and not res.timed_out, res
    assert res.script_rc == 3 and res.rc == 3, (res.script_rc, res.rc)
    assert "input-from-host" in res.script_log, res.script_log
    assert "pvtest-injected-warning" in res.dmesg_check, res.dmesg_check
    assert "pvtest-ignored-bug" not in res.dmesg_check, res.dmesg_check
    assert "Linux version " + ctx.kver in res.dmesg
    assert res.boot_secs is not None


@mode("systemd")
@timeout(300)
def test_systemd(ctx):
    """systemd boots to pvtest.service; D-Bus, udevd and journald work."""
    script = """
systemctl is-system-running > /pvtest/state || true
systemctl --failed --no-legend --plain > /pvtest/failed || true
systemctl is-active systemd-udevd systemd-journald dbus > /pvtest/active
busctl --system --no-pager list > /pvtest/busctl
busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId > /pvtest/busid
modprobe virtio_blk
udevadm settle -t 30
ls -l /dev/disk/by-id/ > /pvtest/by-id
udevadm info --query=property /dev/vda > /pvtest/udev-vda
logger -t pvtest journald-works
journalctl --sync
journalctl -b -t pvtest --no-pager > /pvtest/journal-pvtest
systemd-analyze > /pvtest/analyze || true
"""
    with ctx.vm(script=script, extra=NULL_DISK, timeout=240) as vm:
        res = vm.wait()
    state = res.file("state").strip()
    failed = res.file("failed", "").strip()
    print("    boot %.1fs (guest uptime at script start), state %s%s"
          % (res.boot_secs, state, ("; failed units: " + failed.replace("\n", ", ")) if failed else ""))
    analyze = (res.file("analyze") or "").strip().splitlines()
    if analyze:
        print("    " + analyze[0])
    assert state in ("running", "degraded"), (state, failed)
    assert res.file("active").split() == ["active", "active", "active"], res.file("active")
    assert "org.freedesktop.systemd1" in res.file("busctl")
    assert res.file("busid").startswith("s ")
    assert "virtio-PVNULL0" in res.file("by-id"), res.file("by-id")
    assert "ID_SERIAL=PVNULL0" in res.file("udev-vda")
    assert "journald-works" in res.file("journal-pvtest")
