"""virtq.py: a virtqueue's indices as the guest's memory holds them, read
over QMP while the guest is stalled (bench.py's stall report, stall_repro.py).
"""


def ring_words(vm, st):
    """(name, value) of avail.idx, used_event, used.idx and avail_event, for
    @st, one queue's x-query-virtio-queue-status, read from guest memory."""
    num = st["vring-num"]
    out = []
    for what, addr in (("avail.idx", st["vring-avail"] + 2),
                       ("used_event", st["vring-avail"] + 4 + 2 * num),
                       ("used.idx", st["vring-used"] + 2),
                       ("avail_event", st["vring-used"] + 4 + 8 * num)):
        txt = vm.qmp("human-monitor-command", **{"command-line": "xp /1hx %d" % addr})
        out.append((what, int(txt.split()[-1], 16)))
    return out
