"""Guest-test context and decorators, used by tests/run.py and the tests.

A guest test is a function test_NAME(ctx) in tests/guest/test_*.py; it fails
by raising (AssertionError or anything else) and passes otherwise.

    from pvtest import kernels, mode, timeout

    @kernels("6.1")              # only kernels 6.1.* (default: all)
    @mode("systemd")            # default mode of ctx.vm() (default busybox)
    @timeout(600)               # whole-test limit in seconds (default 900)
    def test_something(ctx):
        res = ctx.run("modprobe virtio_blk; ls /sys/block")
        assert "vda" in res.script_log
"""

import lzma
import os
import shutil
import subprocess

import vm as vmmod

TOP = vmmod.TOP


# Which guest tests run on a kernel of each role (the second column of
# build/kernels.list, from scripts/kernels.conf): prefixes of
# "module.test_name", or None for every test. tests/harness/README.md says
# why each role runs what it runs.
ROLE_TESTS = {
    "full": None,
    "rt": ("test_driver_integrity.", "test_driver_faults.", "test_driver_tunables.",
           "test_driver_boot."),
    "boot": ("test_driver_boot.",),
}


def role_runs(role, name):
    """Whether test NAME ("module.test") runs on a kernel of ROLE."""
    if role not in ROLE_TESTS:
        raise ValueError("unknown kernel role %r (pvtest.ROLE_TESTS)" % (role,))
    prefixes = ROLE_TESTS[role]
    return prefixes is None or name.startswith(prefixes)


def has_host_headers(kver):
    """The kernel's headers are installed on this machine (so a guest, which
    runs this machine's userland, can build modules for it: not sid's
    kernel, whose headers need sid's compiler). For @kernels(...)."""
    return os.path.isdir("/usr/src/linux-headers-" + kver)


def first_full_kernel(kver):
    """KVER is the first kernel of role full in build/kernels.list: for
    tests of the harness's own mechanics, which do not depend on the kernel
    (tests/harness/README.md, "Kernels and roles"). For @kernels(...)."""
    full = [k for k, role, _suite in vmmod.read_kernels() if role == "full"]
    return bool(full) and kver == full[0]


def kernels(*names):
    """Run the test only on these kernels: exact versions or prefixes
    ("6.1" matches 6.1.0-56-amd64 but not 6.12.x), or functions of the
    kernel version returning true (e.g. has_host_headers)."""
    def deco(f):
        f.kernels = list(names)
        return f
    return deco


def mode(m):
    def deco(f):
        f.mode = m
        return f
    return deco


def timeout(secs):
    def deco(f):
        f.timeout = secs
        return f
    return deco


def kernel_matches(kver, names):
    if not names:
        return True
    if callable(names):
        return bool(names(kver))
    if isinstance(names, str):
        names = [names]
    for n in names:
        if callable(n):
            if n(kver):
                return True
            continue
        if kver == n or kver.startswith(n + ".") or kver.startswith(n + "-") or kver.startswith(n + "+"):
            return True
    return False


class Ctx:
    """What a test gets.  ctx.kver, ctx.top, ctx.build, ctx.name (test name),
    ctx.mode; ctx.vm(**opts) makes a VM (not started; `with` starts it and
    always kills it); ctx.run(script, **opts) boots, runs, waits and checks;
    ctx.module_path("pvblk") is our built module for this kernel;
    ctx.kmod_path("virtio_blk") an upstream module of this kernel, usable
    with insmod."""

    def __init__(self, kver, name, mode="busybox", top=TOP, build=None):
        self.kver = kver
        self.name = name
        self.mode = mode
        self.top = top
        self.build = build or os.path.join(top, "build")
        self.vms = []

    def vm(self, **opts):
        opts.setdefault("kver", self.kver)
        opts.setdefault("mode", self.mode)
        opts.setdefault("top", self.top)
        opts.setdefault("build", self.build)
        if "name" not in opts:
            n = len(self.vms) + 1
            opts["name"] = self.name if n == 1 else "%s-%d" % (self.name, n)
        v = vmmod.VM(**opts)
        self.vms.append(v)
        return v

    def run(self, script="", check=True, **opts):
        """Boot a VM running SCRIPT, wait for it, return its Result (raises
        GuestError when the run failed and check is true)."""
        with self.vm(script=script, **opts) as v:
            return v.wait(check=check)

    @property
    def run_dir(self):
        return os.path.join(self.build, "test-runs", self.kver, self.name)

    def module_path(self, name="pvblk"):
        p = os.path.join(self.build, "driver", self.kver, name + ".ko")
        if not os.path.isfile(p):
            raise FileNotFoundError("%s not built (make driver)" % p)
        return p

    def kmod_path(self, name):
        """Path of upstream module NAME (file name or module name, '-' and
        '_' alike) of this kernel; .ko.xz/.zst are decompressed into
        build/kmods/KVER/ once."""
        mdir = os.path.join(self.build, "kernels", self.kver, "lib", "modules", self.kver)
        want = name.replace("-", "_")
        rel = None
        with open(os.path.join(mdir, "modules.dep")) as f:
            for line in f:
                path = line.split(":", 1)[0]
                base = os.path.basename(path)
                for ext in (".ko.xz", ".ko.zst", ".ko.gz", ".ko"):
                    if base.endswith(ext):
                        base = base[: -len(ext)]
                        break
                if base.replace("-", "_") == want:
                    rel = path
                    break
        if rel is None:
            raise FileNotFoundError("module %s not in %s/modules.dep (built in?)" % (name, mdir))
        src = os.path.join(mdir, rel)
        if rel.endswith(".ko"):
            return src
        outdir = os.path.join(self.build, "kmods", self.kver)
        os.makedirs(outdir, exist_ok=True)
        out = os.path.join(outdir, os.path.basename(rel).rsplit(".", 1)[0])
        if os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(src):
            return out
        tmp = "%s.tmp.%d" % (out, os.getpid())
        if rel.endswith(".xz"):
            with lzma.open(src) as fi, open(tmp, "wb") as fo:
                shutil.copyfileobj(fi, fo)
        elif rel.endswith(".gz"):
            import gzip
            with gzip.open(src) as fi, open(tmp, "wb") as fo:
                shutil.copyfileobj(fi, fo)
        else:
            with open(tmp, "wb") as fo:
                subprocess.run(["zstd", "-qdc", src], stdout=fo, check=True)
        os.replace(tmp, out)
        return out

    def cleanup(self):
        for v in self.vms:
            try:
                v.kill()
            except Exception:
                pass
