#!/usr/bin/python3
"""Guest test runner: runs tests/guest/test_*.py functions test_*(ctx) on
each test kernel (build/kernels.list) in QEMU.  See tests/harness/README.md.

    tests/run.py                       # everything, every kernel
    tests/run.py --kernel 6.1.0-56-amd64 -k harness
    tests/run.py --list
"""

import argparse
import importlib.util
import json
import os
import select
import shutil
import signal
import sys
import tempfile
import time
import traceback
import xml.sax.saxutils as sx

TESTS = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(TESTS, "harness"))
sys.path.insert(0, os.path.join(TESTS, "guest"))

import pvtest  # noqa: E402
import vm as vmmod  # noqa: E402
import virtq  # noqa: E402

DEFAULT_TEST_TIMEOUT = 900
SCRIPT_TAIL = 60
CONSOLE_TAIL = 25


class TestTimeout(Exception):
    pass


def discover(guest_dir):
    tests = []
    for fn in sorted(os.listdir(guest_dir)):
        if not (fn.startswith("test_") and fn.endswith(".py")):
            continue
        modname = fn[:-3]
        spec = importlib.util.spec_from_file_location(modname, os.path.join(guest_dir, fn))
        mod = importlib.util.module_from_spec(spec)
        sys.modules[modname] = mod
        spec.loader.exec_module(mod)
        for attr, obj in vars(mod).items():
            if attr.startswith("test_") and callable(obj) and getattr(obj, "__module__", None) == modname:
                tests.append(("%s.%s" % (modname, attr), mod, obj))
    return tests


def read_kernels(build):
    """{kver: role} of build/kernels.list, in its order."""
    return {k: role for k, role, _suite in vmmod.read_kernels(build)}


def failure_location(tb, test_file):
    """file:line: source of the deepest frame in the test file."""
    frames = traceback.extract_tb(tb)
    mine = [f for f in frames if os.path.abspath(f.filename) == os.path.abspath(test_file)]
    f = (mine or frames)[-1] if frames else None
    if not f:
        return ""
    return "%s:%s: %s" % (os.path.relpath(f.filename, TOP), f.lineno, (f.line or "").strip())


def tail(text, n):
    lines = (text or "").rstrip("\n").splitlines()
    return lines[-n:]


def setting(func, mod, name, types, default):
    """A test's setting: the function's attribute, else a module-level
    variable of that name (ignoring the imported decorators)."""
    for obj in (func, mod):
        v = getattr(obj, name, None)
        if isinstance(v, types):
            return v
    return default


def run_one(full, mod, func, kver, args):
    name = full
    ctx = pvtest.Ctx(kver, name, mode=setting(func, mod, "mode", str, "busybox"),
                     top=TOP, build=args.build)
    limit = setting(func, mod, "timeout", (int, float), DEFAULT_TEST_TIMEOUT)

    def on_alarm(signum, frame):
        raise TestTimeout("test exceeded its %ss limit" % limit)

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(limit))
    t0 = time.time()
    err = None
    try:
        func(ctx)
    except KeyboardInterrupt:
        ctx.cleanup()
        raise
    except BaseException as e:  # noqa: B902 -- any exception fails the test
        err = (e, sys.exc_info()[2])
        if isinstance(e, TestTimeout):
            # what the guests were stuck on, before cleanup kills them
            signal.alarm(0)
            for v in ctx.vms:
                try:
                    v.hang_report(wait=5)
                except Exception:
                    pass
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        ctx.cleanup()
    secs = time.time() - t0
    return ctx, err, secs


# The short form of a failure (run.py --digest, printed at the end of make
# check): its reason and where, and the last DIGEST_LINES of each log.
DIGEST_LINES = 8
DIGEST_WIDTH = 200


def report_failure(ctx, err, mod, out, short):
    """Append the failure's report to OUT, and its short form to SHORT."""
    def both(line):
        out.append(line)
        short.append(line[:DIGEST_WIDTH])

    e, tb = err
    msg = str(e).strip()
    kind = type(e).__name__
    loc = failure_location(tb, mod.__file__)
    both("    reason: %s%s" % (kind, (": " + msg) if msg else ""))
    if loc:
        both("    at %s" % loc)
    if not isinstance(e, (AssertionError, vmmod.QMPError, TestTimeout)):
        for line in traceback.format_exception(type(e), e, tb)[-6:]:
            for l in line.rstrip().splitlines():
                out.append("    | " + l)
    vms = [v for v in ctx.vms if v.proc is not None]
    if vms:
        v = vms[-1]
        # A guest that failed without check=True may not have been waited.
        if v.result is None:
            try:
                v.wait(timeout=0, check=False)
            except Exception:
                pass
        if v.result is not None and not v.result.ok and not isinstance(e, vmmod.GuestError):
            both("    guest: %s" % v.result.reason)
        # A guest that stalled (its script or a wait of the test timed
        # out) left what was in flight and QEMU's view of the virtqueues
        # (tests/harness/guest-run.sh hang_guest, vm.py's hang watcher).
        try:
            with open(v.path("hang-summary"), errors="replace") as f:
                hang = f.read().splitlines()
        except OSError:
            hang = []
        if hang:
            both("    --- the guest stalled: %s's hang report (hang-summary; more in hang-state) ---" % v.name)
            for line in hang:
                both("    " + line)
        # The script's log is on the shared directory and complete; the
        # console loses what the guest's UART had not sent at power-off.
        # Show the script's end, then the console's (kernel messages).
        for fname, n in (("script.log", SCRIPT_TAIL), ("console", CONSOLE_TAIL)):
            try:
                with open(v.path(fname), errors="replace") as f:
                    lines = tail(f.read(), n)
            except OSError:
                lines = []
            if lines:
                out.append("    --- last %d lines of %s of %s ---" % (len(lines), fname, v.name))
                out.extend("    " + l for l in lines)
                out.append("    ---")
                last = lines[-DIGEST_LINES:]
                short.append("    --- last %d lines of %s of %s ---" % (len(last), fname, v.name))
                short.extend(("    " + l)[:DIGEST_WIDTH] for l in last)
        for other in vms[:-1]:
            out.append("    other VM of this test: %s" % os.path.relpath(other.run_dir, TOP))
        both("    logs: %s/ (console, script.log, dmesg, qemu.cmd, qemu.log)"
             % os.path.relpath(v.run_dir, TOP))
    else:
        out.append("    (no VM was started)")


# Failures of the emulator, before any test code ran in the guest: the test
# is run once more and the retry is reported. Seen here: the kernel finds
# the initramfs "malformed" while the archive on disk is intact and boots
# every other guest (guest memory garbled under TCG while it unpacks); and,
# once in a benchmark boot of 7.2 under multi-threaded TCG, "Oops: int3" at
# 1.5 s in __sort_r (kfunc_init), then in sched_clock_tick: an int3 that
# text_poke() had put in, seen by the other vCPU (TCG's cross-modifying
# code), before any module was loaded. Counted only on the console
# before guest-run.sh starts the test's script (SCRIPT_START), so no fault
# of the code under test is retried.
BOOT_FAULTS = ("Initramfs unpacking failed", "Oops: int3")
SCRIPT_START = "running /pvtest/script"


def boot_fault(ctx):
    """The boot fault a VM of CTX hit, or None."""
    for v in ctx.vms:
        try:
            with open(v.path("console"), errors="replace") as f:
                console = f.read().split(SCRIPT_START, 1)[0]
        except OSError:
            continue
        for fault in BOOT_FAULTS:
            if fault in console:
                return "%s (%s)" % (fault, os.path.relpath(v.path("console"), TOP))
    return None


def lost_virtio_blk_notification(ctx):
    """A stall of CTX's guests that QEMU caused: a hang report (hang-summary,
    written when a wait or the script timed out) showing a virtio_blk disk
    with requests in flight whose virtqueue shows a lost interrupt or kick
    (tests/harness/virtq.py lost_virtio_blk). QEMU 7.2's single-threaded
    TCG elides the guest's memory barriers (README, "Lost interrupts"), and
    virtio_blk, unlike pvblk, has no timeout handler to get past such a
    loss: the test is run once more. The description, or None."""
    for v in ctx.vms:
        try:
            with open(v.path("hang-summary"), errors="replace") as f:
                lost = virtq.lost_virtio_blk(f.read())
        except OSError:
            continue
        if lost:
            disk, _, line = lost[0]
            return "%s (virtio_blk) %s (%s)" % (disk, line, os.path.relpath(v.path("hang-summary"), TOP))
    return None


def keep_run_dirs(ctx, suffix, text):
    """Move CTX's run directories aside (DIR + SUFFIX) before a retry
    reuses their names; TEXT with the paths changed to match."""
    for v in ctx.vms:
        keep = v.run_dir
        if os.path.isdir(keep):
            shutil.rmtree(keep + suffix, ignore_errors=True)
            os.rename(keep, keep + suffix)
            text = text.replace(os.path.relpath(keep, TOP) + "/", os.path.relpath(keep, TOP) + suffix + "/")
    return text


def run_and_report(full, mod, func, kver, args, output=""):
    ctx, err, secs = run_one(full, mod, func, kver, args)
    details, short = [], []
    fault = boot_fault(ctx) if err is not None else None
    lost = lost_virtio_blk_notification(ctx) if err is not None and not fault else None
    if fault or lost:
        if fault:
            why = "the first boot failed before the test ran: " + keep_run_dirs(ctx, ".boot-fault", fault)
        else:
            why = ("QEMU lost a notification of virtio_blk's, which has no timeout handler: "
                   + keep_run_dirs(ctx, ".lost-notification", lost))
        ctx, err, more = run_one(full, mod, func, kver, args)
        secs += more
        details.append("    retried once: " + why)
        short.append(("    retried once: " + why)[:DIGEST_WIDTH])
    if err is not None:
        report_failure(ctx, err, mod, details, short)
    return {"test": full, "kver": kver, "secs": secs, "ok": err is None,
            "reason": (str(err[0]) or type(err[0]).__name__) if err else "",
            "details": details, "short": short, "output": output}


def _child(full, mod, func, kver, args, wfd):
    """Forked worker: run one test with its output captured, send the
    result as JSON through WFD."""
    cap = tempfile.TemporaryFile()
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(cap.fileno(), 1)
    os.dup2(cap.fileno(), 2)

    def on_term(signum, frame):
        raise TestTimeout("killed by the runner (test overran its limit)")

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent sends SIGTERM
    try:
        r = run_and_report(full, mod, func, kver, args)
    except BaseException as e:  # noqa: B902
        r = {"test": full, "kver": kver, "secs": 0.0, "ok": False, "reason": str(e),
             "details": ["    reason: runner error: %r" % (e,)], "output": ""}
    sys.stdout.flush()
    sys.stderr.flush()
    cap.seek(0)
    r["output"] = cap.read().decode(errors="replace")
    data = json.dumps(r).encode()
    while data:
        n = os.write(wfd, data)
        data = data[n:]
    os._exit(0)


def run_parallel(plan, args, record):
    """Run up to args.jobs tests at once, each in a forked process (QEMU
    with single-threaded TCG keeps one host core busy per guest)."""
    pending = list(plan)
    running = {}  # read fd -> [pid, buffer, entry, started, limit]
    stop = False
    try:
        while pending or running:
            while pending and not stop and len(running) < args.jobs:
                entry = pending.pop(0)
                full, mod, func, kver = entry
                rfd, wfd = os.pipe()
                pid = os.fork()
                if pid == 0:
                    os.close(rfd)
                    _child(full, mod, func, kver, args, wfd)
                os.close(wfd)
                limit = setting(func, mod, "timeout", (int, float), DEFAULT_TEST_TIMEOUT)
                running[rfd] = [pid, b"", entry, time.time(), limit]
            if not running:
                break
            ready, _, _ = select.select(list(running), [], [], 1.0)
            for fd in ready:
                chunk = os.read(fd, 65536)
                if chunk:
                    running[fd][1] += chunk
                    continue
                pid, buf, entry, started, limit = running.pop(fd)
                os.close(fd)
                os.waitpid(pid, 0)
                try:
                    r = json.loads(buf.decode())
                except ValueError:
                    r = {"test": entry[0], "kver": entry[3], "secs": time.time() - started,
                         "ok": False, "reason": "worker died",
                         "details": ["    reason: test worker died without a result"], "output": ""}
                if not record(r) and args.exitfirst:
                    stop = True
            for fd, (pid, buf, entry, started, limit) in running.items():
                over = time.time() - started - limit
                if over > 30:
                    os.kill(pid, signal.SIGTERM)
                if over > 60:
                    os.kill(pid, signal.SIGKILL)
    except KeyboardInterrupt:
        for fd, (pid, *_rest) in running.items():
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for fd, (pid, *_rest) in running.items():
            os.waitpid(pid, 0)
        raise


def write_junit(path, results):
    fails = sum(1 for r in results if not r["ok"])
    with open(path, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        f.write('<testsuite name="pvblk-guest" tests="%d" failures="%d">\n' % (len(results), fails))
        for r in results:
            f.write('  <testcase classname=%s name=%s time="%.1f">' % (
                sx.quoteattr(r["kver"]), sx.quoteattr(r["test"]), r["secs"]))
            if not r["ok"]:
                f.write('<failure message=%s>%s</failure>' % (
                    sx.quoteattr(r["reason"]), sx.escape("\n".join(r["details"]))))
            f.write("</testcase>\n")
        f.write("</testsuite>\n")


def main():
    ap = argparse.ArgumentParser(description="Run the pvblk guest tests in QEMU.")
    ap.add_argument("--kernel", action="append", metavar="KVER",
                    help="kernel version to test (repeatable; default: build/kernels.list);"
                    " the tests of its role in the list (pvtest.ROLE_TESTS) run on it")
    ap.add_argument("-k", action="append", metavar="SUBSTRING", dest="filters",
                    help="run tests whose name contains SUBSTRING (repeatable, any matches)")
    ap.add_argument("--list", action="store_true", help="list tests and kernels, run nothing")
    ap.add_argument("-x", "--exitfirst", action="store_true", help="stop at the first failure")
    ap.add_argument("--junit", metavar="FILE", help="also write a JUnit XML summary")
    ap.add_argument("--digest", metavar="FILE",
                    help="also write each failure in short (reason, the hang report, the last "
                    "lines of the guest's script.log and console), and why a test that passed "
                    "was run twice, to FILE, for the end of make check")
    ap.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                    help="run N tests at once (each guest keeps one host core busy)")
    ap.add_argument("--build", default=os.path.join(TOP, "build"), help=argparse.SUPPRESS)
    ap.add_argument("--dir", default=os.path.join(TESTS, "guest"), help=argparse.SUPPRESS)
    args = ap.parse_args()

    listed = read_kernels(args.build)
    kvers = args.kernel or list(listed)
    if not kvers:
        print("no kernels: run scripts/deps.sh && scripts/kernels.sh (make kernels)", file=sys.stderr)
        return 2
    for k in kvers:
        if not os.path.isdir(os.path.join(args.build, "kernels", k)):
            print("kernel %s not extracted under build/kernels/ (make kernels)" % k, file=sys.stderr)
            return 2

    tests = discover(args.dir)
    if args.filters:
        tests = [t for t in tests if any(s in t[0] for s in args.filters)]
    plan = []
    for kver in kvers:
        # A kernel's role (scripts/kernels.conf) says which tests run on it;
        # a kernel that is not in the list is tested in full.
        role = listed.get(kver, "full")
        for full, mod, func in tests:
            if not pvtest.role_runs(role, full):
                continue
            if pvtest.kernel_matches(kver, setting(func, mod, "kernels", (str, list, tuple), None)):
                plan.append((full, mod, func, kver))

    # The longest tests first (by their declared limit; stable otherwise):
    # with -j N a long test started last would run alone at the end.
    plan.sort(key=lambda e: -setting(e[2], e[1], "timeout", (int, float), DEFAULT_TEST_TIMEOUT))

    if args.list:
        for full, mod, func, kver in plan:
            print("%s [%s %s]" % (full, kver, listed.get(kver, "full")))
        print("%d tests" % len(plan))
        return 0
    if not plan:
        print("no tests selected", file=sys.stderr)
        print("0 passed, 0 failed")
        return 2

    for kver in kvers:
        vmmod.prepare(kver, args.build)

    results = []
    counts = {"passed": 0, "failed": 0}

    def record(r):
        if r["ok"]:
            counts["passed"] += 1
            print("%sPASS %s [%s] %.1fs" % (r["output"], r["test"], r["kver"], r["secs"]), flush=True)
            if r["details"]:
                print("\n".join(r["details"]), flush=True)
        else:
            counts["failed"] += 1
            print("%sFAIL %s [%s] %.1fs" % (r["output"], r["test"], r["kver"], r["secs"]))
            print("\n".join(r["details"]), flush=True)
        results.append(r)
        return r["ok"]

    if args.jobs <= 1:
        for full, mod, func, kver in plan:
            if not record(run_and_report(full, mod, func, kver, args)) and args.exitfirst:
                break
    else:
        run_parallel(plan, args, record)

    if args.junit:
        write_junit(args.junit, results)
    if args.digest:
        with open(args.digest, "w") as f:
            for r in results:
                if not r["ok"]:
                    f.write("FAIL %s [%s] %.1fs\n" % (r["test"], r["kver"], r["secs"]))
                    # the runner's own failures (no report) give their details
                    f.write("\n".join(r.get("short", r["details"])) + "\n")
                elif r.get("short"):
                    # passed when run again (run_and_report): say why it was
                    f.write("PASS %s [%s] %.1fs, on its second run\n" % (r["test"], r["kver"], r["secs"]))
                    f.write("\n".join(r["short"]) + "\n")
    print("%d passed, %d failed" % (counts["passed"], counts["failed"]), flush=True)
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
