#!/usr/bin/env python3
"""A fake QEMU's QMP socket for the guest agent test: pvtuned's host mode
run by systemd in its sandbox. fakeqmp.py SOCKET OUT [--lie PID]

Serves one QMP connection at a time on SOCKET; its "vCPU" and "iothread" are
threads of this process (their thread ids go to OUT, one "what tid" a line)
and it answers query-iothreads, query-cpus-fast, qom-list, qom-set. With
--lie PID it names PID (another user's process) as both threads instead, as
a hostile peer would: pvtuned must refuse to pin it.
"""
import json
import os
import socket
import sys
import threading
import time

sock_path, out = sys.argv[1], sys.argv[2]
lie = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--lie" else None
tids = {}
ready = threading.Barrier(3)


def idle(name):
    tids[name] = threading.get_native_id()
    ready.wait()
    while True:
        time.sleep(1)


for n in ("vcpu", "iothread"):
    threading.Thread(target=idle, args=(n,), daemon=True).start()
ready.wait()
with open(out, "w") as f:
    for n, t in tids.items():
        f.write("%s %d\n" % (n, t))
    f.write("pid %d\n" % os.getpid())

vcpu = lie or tids["vcpu"]
io = lie or tids["iothread"]
poll = {"poll-max-ns": 32768, "poll-grow": 0, "poll-shrink": 0}
replies = {
    "qmp_capabilities": {},
    "query-iothreads": [dict(id="io0", **{"thread-id": io}, **poll)],
    "query-cpus-fast": [{"cpu-index": 0, "thread-id": vcpu}],
    "qom-list": [],
}

try:
    os.unlink(sock_path)
except FileNotFoundError:
    pass
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock_path + ".tmp")
srv.listen(4)
os.rename(sock_path + ".tmp", sock_path)   # appears listening
def serve(conn):
    f = conn.makefile("rwb", buffering=0)
    f.write(b'{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}}, "capabilities": []}}\n')
    for line in f:
        cmd = json.loads(line)
        name = cmd.get("execute")
        if name == "qom-set":
            a = cmd["arguments"]
            poll[a["property"]] = a["value"]
            r = {"return": {}}
        elif name in replies:
            r = {"return": replies[name]}
        else:
            r = {"error": {"class": "CommandNotFound", "desc": "no " + name}}
        r["id"] = cmd["id"]
        f.write(json.dumps(r).encode() + b"\n")


while True:
    conn, _ = srv.accept()
    try:
        serve(conn)
    except (BrokenPipeError, ConnectionResetError):
        pass    # a client that hung up (pvtuned refusing us): the next one
    conn.close()
