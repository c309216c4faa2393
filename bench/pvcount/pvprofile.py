#!/usr/bin/python3
"""pvprofile.py PROFILE KALLSYMS TAG1 TAG2 [--minus TAG3 TAG4] [--top N] [--per N] [--vcpu V]

The guest kernel's instructions between two pvcount snapshots, by function:
PROFILE is the plugin's profile=FILE, KALLSYMS a copy of the guest's
/proc/kallsyms taken as root in the same boot (module addresses move between
boots). A block counts under the text symbol at or below its start address.
--per N divides by N (e.g. the requests of the window), --vcpu V keeps one
vCPU's instructions, --minus TAG3 TAG4 takes off the window TAG3..TAG4 (the
two-count method: a run of N2 requests minus one of N1, --per N2-N1).
"""

import argparse
import bisect
import sys


def read_profiles(path, want):
    """{tag: {addr: [count per vCPU]}} for the tags in WANT (last of each)."""
    out = {}
    cur = None
    with open(path) as f:
        for line in f:
            if line.startswith("profile "):
                tag = line.split()[1]
                cur = {} if tag in want else None
                if cur is not None:
                    out[tag] = cur
            elif line.startswith("end"):
                cur = None
            elif cur is not None:
                p = line.split()
                cur[int(p[0], 16)] = [int(x) for x in p[1:]]
    return out


def read_kallsyms(path):
    syms = []
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) < 3 or p[1] not in "tTwW":
                continue
            addr = int(p[0], 16)
            if addr == 0:
                sys.exit("pvprofile: %s has zero addresses (read it as root)" % path)
            name = p[2] + (" " + p[3] if len(p) > 3 else "")
            syms.append((addr, name))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    ap.add_argument("profile")
    ap.add_argument("kallsyms")
    ap.add_argument("tag1")
    ap.add_argument("tag2")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--per", type=float, default=1.0)
    ap.add_argument("--vcpu", type=int)
    ap.add_argument("--minus", nargs=2, metavar=("TAG3", "TAG4"))
    a = ap.parse_args()
    tags = [a.tag1, a.tag2] + (a.minus or [])
    prof = read_profiles(a.profile, set(tags))
    for t in tags:
        if t not in prof:
            sys.exit("pvprofile: no profile tagged %s in %s" % (t, a.profile))
    addrs, names = read_kallsyms(a.kallsyms)
    by = {}
    total = 0
    windows = [(prof[a.tag1], prof[a.tag2], 1)]
    if a.minus:
        windows.append((prof[a.minus[0]], prof[a.minus[1]], -1))
    for p1, p2, sign in windows:
        for addr, c2 in p2.items():
            c1 = p1.get(addr, [0] * len(c2))
            d = [x - y for x, y in zip(c2, c1)]
            n = sign * (d[a.vcpu] if a.vcpu is not None else sum(d))
            if not n:
                continue
            i = bisect.bisect_right(addrs, addr) - 1
            name = names[i] if i >= 0 else "?"
            by[name] = by.get(name, 0) + n
            total += n
    print("%14s %6s  %s" % ("instructions" if a.per == 1 else "per %g" % a.per, "%", "function"))
    for name, n in sorted(by.items(), key=lambda kv: -kv[1])[:a.top]:
        print("%14.1f %5.1f%%  %s" % (n / a.per, 100.0 * n / total if total else 0, name))
    print("%14.1f %5.1f%%  (all kernel)" % (total / a.per, 100.0))


if __name__ == "__main__":
    main()
