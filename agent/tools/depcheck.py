#!/usr/bin/env python3
"""depcheck.py: the agent's dependency rule, checked on the code as built.

    agent/tools/depcheck.py [--root AGENT_DIR] [--build BUILD_DIR] [--graph]

A module is a .c file with the .h of the same name (lib/units/check.c and
lib/units/check.h), or a header alone. Module A uses module B when

  - a file of A includes a header of B (#include "..." resolved like the
    compiler: the including file's folder, then lib/), or
  - A's object file calls a function or reads an object that B's object
    file defines (nm: A's undefined symbols against B's defined ones).

A call through a function pointer (a unit's plan, the manager's vms hook)
is no edge: that is how a lower layer calls back into a higher one.

The rule, each a check:
  1. no circle between modules (A uses B uses ... uses A);
  2. no circle between folders (lib/util, lib/units, lib/qemu/tune, daemon,
     adm, ...): the folders are layers;
  3. lib/ uses neither daemon/ nor adm/, and daemon/ and adm/ do not use
     each other;
  4. daemon/bus, daemon/udev and daemon/host use no other daemon module
     than daemon/manager, daemon/log and daemon/polkit (a helper that
     asks polkit; it uses no daemon module but daemon/log);
  5. adm/local, adm/bus and adm/output use no other adm module than
     adm/adm (the back-end interface).

--graph prints every folder's uses, lowest layer first. Ends with
"RESULT: N passed, M failed"; exit status 1 on any failure.
"""
import argparse
import os
import re
import subprocess
import sys
from collections import defaultdict

TOP_DIRS = ("lib", "daemon", "adm")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
FRONT_ENDS = {
    "daemon": ({"daemon/bus", "daemon/udev", "daemon/host"}, {"daemon/manager", "daemon/log", "daemon/polkit"}),
    "adm": ({"adm/local", "adm/bus", "adm/output"}, {"adm/adm"}),
}


def sources(root):
    out = []
    for top in TOP_DIRS:
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in files:
                if f.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(d, f), root))
    return sorted(out)


def module(path):
    return os.path.splitext(path)[0]


def folder(mod):
    return os.path.dirname(mod)


def include_edges(root, files):
    """(A, B, why) for every #include of a header of this tree."""
    edges = []
    known = set(files)
    for f in files:
        with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        for m in INCLUDE.finditer(text):
            name = m.group(1)
            for cand in (os.path.normpath(os.path.join(os.path.dirname(f), name)),
                         os.path.normpath(os.path.join("lib", name))):
                if cand in known:
                    if module(cand) != module(f):
                        edges.append((module(f), module(cand), "%s includes %s" % (f, cand)))
                    break
    return edges


def nm(objs, *flags):
    """{object: [(symbol, type)]} from one nm over all @objs."""
    out = defaultdict(list)
    if not objs:
        return out
    res = subprocess.run(["nm", "-A", "--format=posix"] + list(flags) + objs,
                         capture_output=True, text=True, check=True)
    for line in res.stdout.splitlines():
        # "OBJ: SYMBOL TYPE [VALUE SIZE]" (-A prefixes each line with its file)
        obj, _, rest = line.partition(": ")
        f = rest.split()
        if len(f) >= 2:
            out[obj].append((f[0], f[1]))
    return out


def call_edges(root, build, files):
    """(A, B, why) for every symbol A's object uses and B's defines."""
    objs, missing = {}, []
    for f in files:
        if f.endswith(".c"):
            obj = os.path.join(build, module(f) + ".o")
            if os.path.exists(obj):
                objs[obj] = module(f)
            else:
                missing.append(obj)
    defined, used = {}, defaultdict(set)
    for obj, syms in nm(list(objs), "--defined-only", "-g").items():
        for name, kind in syms:
            if kind not in ("U", "w", "v"):
                defined[name] = objs[obj]
    for obj, syms in nm(list(objs), "-u").items():
        for name, _ in syms:
            used[objs[obj]].add(name)
    edges = []
    for a, names in used.items():
        by = defaultdict(list)
        for n in names:
            b = defined.get(n)
            if b and b != a:
                by[b].append(n)
        for b, ns in by.items():
            edges.append((a, b, "%s.o uses %s" % (a, ", ".join(sorted(ns)))))
    return edges, missing


def circles(nodes, edges):
    """Strongly connected components of more than one node (Tarjan)."""
    adj = defaultdict(set)
    for a, b in edges:
        adj[a].add(b)
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        work = [(v, iter(sorted(adj[v])))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        while work:
            node, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(adj[w]))))
                    break
                if w in on:
                    low[node] = min(low[node], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == node:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def layers(nodes, edges):
    """Each node's floor: 1 + the highest floor it uses (no circles assumed)."""
    adj = defaultdict(set)
    for a, b in edges:
        adj[a].add(b)
    floor = {}

    def f(v, seen=()):
        if v in floor:
            return floor[v]
        if v in seen:
            return 0
        floor[v] = 1 + max([f(w, seen + (v,)) for w in adj[v]] or [0])
        return floor[v]

    for v in nodes:
        f(v)
    return floor


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.dirname(here), help="the agent folder")
    ap.add_argument("--build", help="where the objects are (default ROOT/build)")
    ap.add_argument("--graph", action="store_true", help="print the folders' uses")
    args = ap.parse_args()
    root = args.root
    build = args.build or os.path.join(root, "build")

    files = sources(root)
    inc = include_edges(root, files)
    calls, missing = call_edges(root, build, files)
    passed = failed = 0

    def check(ok, name, details=()):
        nonlocal passed, failed
        if ok:
            passed += 1
            print("ok   - " + name)
        else:
            failed += 1
            print("FAIL - " + name)
            for d in details:
                print("       " + d)

    check(not missing, "every source has its object (build first: make -C agent)", missing)
    edges = inc + calls
    mods = {module(f) for f in files}
    why = defaultdict(list)
    for a, b, w in edges:
        why[(a, b)].append(w)

    # 1. modules
    details = []
    for comp in circles(mods, [(a, b) for a, b, _ in edges]):
        details.append("circle: " + " <-> ".join(comp))
        for (a, b), ws in sorted(why.items()):
            if a in comp and b in comp:
                details += ["  " + w for w in ws]
    check(not details, "no include or call circle between modules", details)

    # 2. folders
    fedges = defaultdict(list)
    for a, b, w in edges:
        if folder(a) != folder(b):
            fedges[(folder(a), folder(b))].append(w)
    details = []
    for comp in circles({folder(m) for m in mods}, list(fedges)):
        details.append("circle: " + " <-> ".join(comp))
        for (a, b), ws in sorted(fedges.items()):
            if a in comp and b in comp:
                details += ["  %s -> %s: %s" % (a, b, w) for w in ws[:3]]
    check(not details, "no circle between folders (they are layers)", details)

    # 3. the library and the two programs
    details = []
    for (a, b), ws in sorted(why.items()):
        ta, tb = a.split("/")[0], b.split("/")[0]
        if ta != tb and (ta == "lib" or tb != "lib"):
            details += ["%s -> %s: %s" % (a, b, w) for w in ws]
    check(not details, "lib/ uses neither daemon/ nor adm/, and they do not use each other",
          details)

    # 4, 5. front ends use their program's hub only
    for top, (fronts, allowed) in sorted(FRONT_ENDS.items()):
        details = []
        for (a, b), ws in sorted(why.items()):
            if a in fronts and b.startswith(top + "/") and b not in allowed:
                details += ["%s -> %s: %s" % (a, b, w) for w in ws]
        check(not details, "%s use no %s/ module but %s" % (
            ", ".join(sorted(fronts)), top, " and ".join(sorted(allowed))), details)

    if args.graph:
        fl = layers({folder(m) for m in mods}, list(fedges))
        print("folders, lowest layer first (each uses only folders listed before it):")
        uses = defaultdict(set)
        for a, b in fedges:
            uses[a].add(b)
        for f in sorted(fl, key=lambda x: (fl[x], x)):
            print("  %d %-16s uses %s" % (fl[f], f, " ".join(sorted(uses[f])) or "-"))
    print("depcheck: %d files, %d modules, %d include and %d call edges"
          % (len(files), len(mods), len(inc), len(calls)))
    print("RESULT: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
