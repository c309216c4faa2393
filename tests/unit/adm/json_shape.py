#!/usr/bin/env python3
"""json_shape.py CMD RC < JSON: the answer of `pvtune-adm --json CMD` has
exactly the keys pvtune-adm(8), JSON OUTPUT, gives that command, each of its
type, and its "status" and "ok" agree with the exit code RC. Prints what is
wrong and exits 1, or exits 0.

json_shape.py --batch LIST: the same for each line "FILE CMD RC NAME" of LIST
(FILE holds the JSON; FILE.expr, if there, a Python expression on it, d, that
must be true), printing "ok NAME" or "FAIL NAME: why" for each: one Python
start for a whole test script (each costs up to seconds on a loaded machine)."""
import json
import os
import sys

S, N, B, I = str, type(None), bool, int
COMMON = {"ok": (B,), "status": (S,), "message": (S, N)}
ITEM = {k: (S, N) for k in ("unit", "device", "key", "path", "expected", "actual", "note")}
ITEM["status"] = (S,)
STATUSES = ("ok", "changed", "kept", "restored", "MISMATCH", "n/a", "warning", "FAILED")
REPORT = {"profile": (S, N), "items": ([ITEM],), "counts": ({s: (I,) for s in STATUSES},)}
LIST = {"profiles": ([{"name": (S,), "summary": (S, N), "error": (S, N)}],),
        "active": (S, N), "mode": (S, N)}
SHAPES = {
    "list": LIST,
    "profile-list": LIST,
    "active": {"active": (S, N), "mode": (S, N)},
    "profile_mode": {"mode": (S, N)},
    "recommend": {"recommended": (S, N)},
    "profile": REPORT, "auto_profile": REPORT, "off": REPORT, "verify": REPORT,
    "profile_info": {"name": (S, N), "summary": (S, N), "description": (S, N),
                     "chain": ([S],), "files": ([S],),
                     "options": ([{"section": (S,), "key": (S,), "value": (S,)}],)},
    "check": {"profile": (S, N), "errors": ([S],), "notes": ([S],)},
    "qemu-args": {"profile": (S, N), "qemu-args": (S, N)},
    "libvirt-xml": {"profile": (S, N), "libvirt-xml": (S, N)},
    "version": {"version": (S, N)},
    "usage": {},
}
EXIT = ["ok", "mismatch", "usage", "not-found", "not-running", "denied", "invalid", "failed"]


def check(v, spec, where):
    """spec: a tuple of allowed types, a [elem] list, or a {key: spec} dict."""
    if isinstance(spec, tuple):
        for t in spec:
            if isinstance(t, list):
                if isinstance(v, list):
                    for i, x in enumerate(v):
                        check(x, (t[0],) if not isinstance(t[0], (dict, tuple)) else t[0], "%s[%d]" % (where, i))
                    return
            elif isinstance(t, dict):
                if isinstance(v, dict):
                    check(v, t, where)
                    return
            elif t is I:
                if isinstance(v, int) and not isinstance(v, bool):
                    return
            elif isinstance(v, t):
                return
        raise AssertionError("%s: %r is not %s" % (where, v, spec))
    if isinstance(spec, dict):
        if not isinstance(v, dict):
            raise AssertionError("%s: not an object: %r" % (where, v))
        if set(v) != set(spec):
            raise AssertionError("%s: keys %s, want %s" % (where, sorted(v), sorted(spec)))
        for k, s in spec.items():
            check(v[k], s, "%s.%s" % (where, k))
        return
    check(v, (spec,), where)


def verify(cmd, rc, text, expr=None):
    """None if @text is @cmd's answer for exit @rc (and @expr holds), else why not."""
    try:
        d = json.loads(text)
        shape = dict(COMMON, **SHAPES[cmd])
        check(d, shape, cmd)
        assert d["status"] == EXIT[rc], "status %r for exit %d" % (d["status"], rc)
        assert d["ok"] == (rc == 0), "ok %r for exit %d" % (d["ok"], rc)
        assert (d["message"] is None) == (rc == 0) or rc == 1, "message %r for exit %d" % (d["message"], rc)
        if expr:
            assert eval(expr, {"d": d}), expr
    except (AssertionError, ValueError, KeyError, IndexError, TypeError) as e:
        return "%s: %s\n%s" % (cmd, e, text)
    return None


def main():
    if sys.argv[1] == "--batch":
        for line in open(sys.argv[2]):
            f, cmd, rc, name = line.rstrip("\n").split(" ", 3)
            expr = open(f + ".expr").read() if os.path.exists(f + ".expr") else None
            why = verify(cmd, int(rc), open(f).read(), expr)
            # one line each: the JSON's own lines joined
            print("ok %s" % name if why is None else "FAIL %s: %s" % (name, " ".join(why.split())))
        return
    why = verify(sys.argv[1], int(sys.argv[2]), sys.stdin.read())
    if why:
        print("json_shape " + why)
        sys.exit(1)


main()
