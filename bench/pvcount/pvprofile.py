#!/usr/bin/python3
"""pvprofile.py PROFILE KALLSYMS TAG1 TAG2 [--minus TAG3 TAG4] [--top N] [--per N] [--vcpu V] [--atomics]

The guest kernel's instructions between two pvcount snapshots, by function:
PROFILE is the plugin's profile=FILE, KALLSYMS a copy of the guest's
/proc/kallsyms taken as root in the same boot (module addresses move between
boots). A block counts under the text symbol at or below its start address.
--per N divides by N (e.g. the requests of the window), --vcpu V keeps one
vCPU's instructions, --minus TAG3 TAG4 takes off the window TAG3..TAG4 (the
two-count method: a run of N2 requests minus one of N1, --per N2-N1),
--atomics counts the atomic instructions (LOCK-prefixed, XCHG to memory)
instead of all.
"""

import argparse
import bisect
import sys


def read_profiles(path, want, atomics=False):
    """{tag: {addr: [count per vCPU]}} for the tags in WANT (last of each);
    blocks that start at the same address (translated again with another
    length) are summed. With ATOMICS, the count of atomic instructions: a
    block's instructions times its share "a=A/N"."""
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
                share = [x for x in p[1:] if x.startswith("a=")]
                c = [int(x) for x in p[1:] if not x.startswith("a=")]
                if atomics:
                    an, n = map(int, share[0][2:].split("/")) if share else (0, 1)
                    c = [x // n * an for x in c]
                old = cur.get(int(p[0], 16))
                cur[int(p[0], 16)] = [x + y for x, y in zip(old, c)] if old else c
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
    ap.add_argument("--atomics", action="store_true")
    a = ap.parse_args()
    tags = [a.tag1, a.tag2] + (a.minus or [])
    prof = read_profiles(a.profile, set(tags), a.atomics)
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
    what = "atomics" if a.atomics else "instructions"
    print("%14s %6s  %s" % (what if a.per == 1 else "per %g" % a.per, "%", "function"))
    for name, n in sorted(by.items(), key=lambda kv: -kv[1])[:a.top]:
        print("%14.1f %5.1f%%  %s" % (n / a.per, 100.0 * n / total if total else 0, name))
    print("%14.1f %5.1f%%  (all kernel)" % (total / a.per, 100.0))


if __name__ == "__main__":
    main()
