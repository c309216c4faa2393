"""One QMP connection to a QEMU (Python 3 standard library).

A VM (vm.py) holds two: its main monitor, which tests use (vm.qmp(),
vm.wait_event()), and a second one that only the hang watcher opens, from
its own thread, when a guest's script times out (virtq.py reads the
virtqueues through it), so that it never shares a socket with a test.
"""

import json
import socket
import time


class QMPError(Exception):
    """A QMP command returned an error (or QMP itself failed)."""

    def __init__(self, desc, cls=None, command=None):
        super().__init__(desc)
        self.desc = desc
        self.cls = cls
        self.command = command


class QMP:
    """A client of the QMP socket at PATH; ALIVE() says whether QEMU still
    runs (connecting gives up when it does not).  Events that arrive are kept
    in .events in their order."""

    def __init__(self, path, alive):
        self.path = path
        self.alive = alive
        self.events = []
        self._sock = None
        self._buf = b""
        self._id = 0

    def connected(self):
        return self._sock is not None

    def connect(self, timeout=10):
        if self._sock:
            return
        if not self.alive():
            raise QMPError("QMP: QEMU is not running")
        deadline = time.time() + timeout
        while True:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(self.path)
                break
            except OSError:
                s.close()
                if time.time() > deadline or not self.alive():
                    raise QMPError("QMP: cannot connect to %s" % self.path)
                time.sleep(0.05)
        self._sock = s
        self._buf = b""
        greeting = self.recv(deadline)
        if "QMP" not in greeting:
            raise QMPError("QMP: unexpected greeting %r" % greeting)
        self._command("qmp_capabilities", {}, timeout)

    def close(self):
        if self._sock:
            try:
                self.drain()
            except Exception:
                pass
            self._sock.close()
            self._sock = None

    def recv(self, deadline):
        """One JSON message from QMP."""
        while b"\n" not in self._buf:
            left = deadline - time.time()
            if left <= 0:
                raise QMPError("QMP: no reply in time")
            self._sock.settimeout(left)
            try:
                chunk = self._sock.recv(65536)
            except socket.timeout:
                raise QMPError("QMP: no reply in time")
            if not chunk:
                raise QMPError("QMP: connection closed (QEMU exited?)")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        line = line.strip()
        if not line:
            return self.recv(deadline)
        return json.loads(line)

    def _command(self, execute, arguments, timeout):
        self._id += 1
        cid = "pv%d" % self._id
        msg = {"execute": execute, "id": cid}
        if arguments:
            msg["arguments"] = arguments
        self._sock.sendall(json.dumps(msg).encode() + b"\n")
        deadline = time.time() + timeout
        while True:
            r = self.recv(deadline)
            if "event" in r:
                self.events.append(r)
                continue
            if r.get("id") != cid:
                continue
            if "error" in r:
                e = r["error"]
                raise QMPError("%s: %s" % (execute, e.get("desc", e)), e.get("class"), execute)
            return r.get("return")

    def command(self, execute, arguments=None, timeout=60, **kw):
        """Run a QMP command (connecting first if need be) and return its
        "return" value; raises QMPError.  Arguments as keywords, or a dict
        for names with dashes."""
        args = dict(arguments or {})
        args.update(kw)
        self.connect()
        return self._command(execute, args, timeout)

    def drain(self):
        """Read what has arrived without waiting; keep its events."""
        if not self._sock:
            return
        self._sock.setblocking(False)
        try:
            while True:
                try:
                    chunk = self._sock.recv(65536)
                except (BlockingIOError, InterruptedError):
                    break
                if not chunk:
                    break
                self._buf += chunk
        finally:
            self._sock.setblocking(True)
        while b"\n" in self._buf:
            line, self._buf = self._buf.split(b"\n", 1)
            if line.strip():
                r = json.loads(line)
                if "event" in r:
                    self.events.append(r)
