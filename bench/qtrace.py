"""bench/qtrace.py: kicks from QEMU's trace log (make bench, make demo).

QEMU started with `-trace virtio_queue_notify,file=PATH` writes one line per
guest notification; TraceCounter follows that file as it grows and counts
the lines per virtio device (the `vdev` pointer QEMU prints).
"""

import os
import re

NOTIFY_RE = re.compile(rb"virtio_queue_notify vdev (0x[0-9a-f]+) n (\d+)")


class TraceCounter:
    """Follows QEMU's trace log and counts virtio_queue_notify per vdev."""

    def __init__(self, path):
        self.path = path
        self.f = None
        self.rest = b""
        self.counts = {}

    def update(self):
        """Reads what was added since the last call; the counts so far."""
        if self.f is None:
            if not os.path.exists(self.path):
                return dict(self.counts)
            self.f = open(self.path, "rb")
        data = self.f.read()
        if data:
            data = self.rest + data
            cut = data.rfind(b"\n") + 1
            self.rest = data[cut:]
            for m in NOTIFY_RE.finditer(data, 0, cut):
                k = m.group(1).decode()
                self.counts[k] = self.counts.get(k, 0) + 1
        return dict(self.counts)

    def close(self):
        if self.f:
            self.f.close()
