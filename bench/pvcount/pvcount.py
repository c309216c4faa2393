"""Host side of the pvcount plugin (bench/pvcount/pvcount.c): build it, the
QEMU arguments that load it, and its snapshots read back.

    import pvcount
    pvcount.build(top)                               # make -C bench/pvcount
    vm.extra += pvcount.qemu_args(top, out, ranges)
    ... guest: pvcount-ranges.sh pvblk=KO virtio_blk > ranges
    ...        pvcount-mark 1; <work>; pvcount-mark 2
    snaps = pvcount.parse(open(out).read())
    d = pvcount.delta(snaps["1"], snaps["2"])        # all vCPUs summed
    d["kernel"], d["user"], d["pvblk"], d["kernel_other"]
    d["atomics_kernel"], d["atomics_user"], d["atomics_pvblk"]  # of which atomic
    d["vcpu"][1]["user"]                             # one vCPU
"""

import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = ("user", "kernel", "kernel_other")
# Counts that do not depend on the named ranges.
WHOLE = ("user", "kernel", "atomics_user", "atomics_kernel")


def outdir(top):
    return os.path.join(top, "build", "pvcount")


def plugin(top):
    return os.path.join(outdir(top), "pvcount.so")


def mark(top):
    """The guest helper (the guest sees the host's root, so the same path)."""
    return os.path.join(outdir(top), "pvcount-mark")


def ranges_script(top):
    return os.path.join(top, "bench", "pvcount", "pvcount-ranges.sh")


def build(top):
    """make the plugin and the helper (quick when they are up to date);
    raises CalledProcessError with make's output on failure."""
    subprocess.run(["make", "-s", "-C", os.path.join(top, "bench", "pvcount"),
                    "O=" + outdir(top)], check=True, stdout=subprocess.PIPE,
                   stderr=subprocess.STDOUT, text=True)
    return plugin(top)


def qemu_args(top, out, ranges=None):
    arg = "%s,out=%s" % (plugin(top), out)
    if ranges:
        arg += ",ranges=%s" % ranges
    return ["-plugin", arg]


def parse(text):
    """Snapshots by tag (the last one of a tag wins), each
    {"seq": N, "vcpu": {V: {"user": U, "kernel": K, "kernel_other": O,
    NAME: C, ..., "atomics_user": AU, "atomics_kernel": AK, "atomics_NAME":
    AC, ...}}, "ranges": the ranges in effect, "by": the vCPU that ran
    the marker (None at exit)}; also "ranges": the last
    "range" lines, "ignored": the plugin's complaints about the ranges file."""
    snaps = {}
    ranges = ()
    ignored = []
    pending_ranges = None
    for line in text.splitlines():
        f = line.split()
        if not f:
            continue
        if f[0] == "range" and len(f) == 4:
            if pending_ranges is None:
                pending_ranges = []
            pending_ranges.append((f[1], int(f[2], 16), int(f[3], 16)))
        elif f[0] == "snap":
            if pending_ranges is not None:
                ranges = tuple(pending_ranges)
                pending_ranges = None
            kv = dict(x.split("=", 1) for x in f[1:] if "=" in x)
            tag, seq, v = kv.pop("tag"), int(kv.pop("seq")), int(kv.pop("vcpu"))
            by = kv.pop("by", None)
            s = snaps.get(tag)
            if s is None or s["seq"] != seq:
                s = snaps[tag] = {"seq": seq, "vcpu": {}, "ranges": ranges, "by": None}
            if by:
                s["by"] = v
            s["vcpu"][v] = {k: int(x) for k, x in kv.items()}
        elif line.startswith("# pvcount:"):
            ignored.append(line)
    return {"snaps": snaps, "ranges": ranges, "ignored": ignored}


def delta(a, b):
    """Counts from snapshot A to snapshot B: summed over vCPUs, and per vCPU
    under "vcpu". The plugin attributes all past kernel instructions to the
    ranges it knows at a snapshot, so the split by range (and kernel_other)
    is only a difference when A and B had the same ranges: otherwise only
    user and kernel and their atomics are given (and "ranges_changed" is
    set)."""
    same = a.get("ranges") == b.get("ranges")
    out = {"vcpu": {}, "ranges_changed": not same}
    names = set()
    for s in (a, b):
        for c in s["vcpu"].values():
            names.update(c)
    if not same:
        names = set(WHOLE)
    for v in b["vcpu"]:
        ca, cb = a["vcpu"].get(v, {}), b["vcpu"][v]
        d = {k: cb.get(k, 0) - ca.get(k, 0) for k in names}
        out["vcpu"][v] = d
        for k, x in d.items():
            out[k] = out.get(k, 0) + x
    for k in names:
        out.setdefault(k, 0)
    return out
