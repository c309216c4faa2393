"""virtq.py: QEMU's view of a guest's virtio-blk virtqueues, read over QMP
while the guest is stalled: the device's counters (x-query-virtio-queue-
status) and a split ring's indices as the guest's memory holds them.

Used by the harness's hang watcher (vm.py, when a guest's script times
out), make demo's stall watchdog and the benchmarks' stall reports
(bench/bench.py, bench/stall_repro.py).  QMP is passed as a callable
qmp(execute, **arguments), e.g. VM.qmp.
"""

import re

# The marks of a queue whose state shows a lost notification (lost()):
# QEMU's interrupt to the driver, or the driver's kick to QEMU.
LOST_IRQ = "[lost interrupt]"
LOST_KICK = "[lost kick]"


def ring_words(qmp, st):
    """(name, value) of avail.idx, used_event, used.idx and avail_event, for
    @st, one split queue's x-query-virtio-queue-status, read from guest
    memory."""
    num = st["vring-num"]
    out = []
    for what, addr in (("avail.idx", st["vring-avail"] + 2),
                       ("used_event", st["vring-avail"] + 4 + 2 * num),
                       ("used.idx", st["vring-used"] + 2),
                       ("avail_event", st["vring-used"] + 4 + 8 * num)):
        txt = qmp("human-monitor-command", **{"command-line": "xp /1hx %d" % addr})
        out.append((what, int(txt.split()[-1], 16)))
    return out


def verdict(st, words):
    """What one queue's state says, in words: requests QEMU has not taken,
    requests it holds, or completions it returned past the driver's
    used_event (the driver took no interrupt for them, or has them off)."""
    w = dict(words)
    waiting = (w["avail.idx"] - st["last-avail-idx"]) & 0xffff
    said = []
    if waiting:
        said.append("%d posted that QEMU has not taken (avail_event %d)" % (waiting, w["avail_event"]))
    if st["inuse"]:
        said.append("QEMU holds %d" % st["inuse"])
    if said:
        return "; ".join(said)
    behind = (w["used.idx"] - w["used_event"]) & 0xffff
    if behind:
        return ("QEMU returned all it took; used.idx %d is %d past used_event %d: completions "
                "the driver took no interrupt for, or has interrupts off"
                % (w["used.idx"], behind, w["used_event"]))
    return "idle: QEMU returned all it took, the driver has seen it all"


def lost(st, words):
    """LOST_IRQ, LOST_KICK or None: what a stalled split queue with
    EVENT_IDX shows was lost. LOST_IRQ: QEMU has taken every request posted
    and returned each one (the used ring in guest memory agrees), yet the
    used ring is past the driver's used_event: completions whose interrupt
    the driver never took, while QEMU believes it sent it or was not asked
    to (a driver polling with interrupts off looks the same, but not for
    minutes). LOST_KICK: the driver posted requests QEMU has not taken,
    QEMU holds none, and its avail_event asks to be told at exactly where
    it stopped: the driver's notification never reached it (or was never
    sent: a stale read of avail_event)."""
    w = dict(words)
    last = st["last-avail-idx"] & 0xffff
    if w["avail.idx"] == last and st["inuse"] == 0:
        if w["used.idx"] == st["used-idx"] & 0xffff and w["used.idx"] != w["used_event"]:
            return LOST_IRQ
    elif st["inuse"] == 0 and w["avail_event"] == last:
        return LOST_KICK
    return None


def queue_state(qmp, path, queue):
    """One line on queue QUEUE of the virtio device at QOM PATH, ending in
    lost()'s mark when its state shows a lost interrupt or kick."""
    st = qmp("x-query-virtio-queue-status", path=path, queue=queue)
    line = ("queue %d: last_avail_idx %d, used_idx %d, inuse %d, signalled_used %d"
            % (queue, st["last-avail-idx"], st["used-idx"], st["inuse"], st["signalled-used"]))
    if not st.get("vring-desc"):
        # a queue the driver did not set up (fewer vCPUs than queues):
        # its ring words would be read at guest address 0
        return line + "; not set up by the driver (ring address 0)"
    try:
        words = ring_words(qmp, st)
    except (KeyError, ValueError, IndexError) as e:
        return line + "; ring not readable (%s)" % e
    what = lost(st, words)
    return (line + "; guest memory: " + ", ".join("%s %d" % kv for kv in words)
            + " -> " + verdict(st, words) + (" " + what if what else ""))


def virtio_blk_state(qmp):
    """Lines on every virtio-blk device's virtqueues: "qemu: DEVICE (pci
    00:SS.F) queue N: ..." (each device by its QOM path and its address on
    the root bus, as the guest's lines of a hang report name their disks)."""
    out = []
    for dev in qmp("x-query-virtio"):
        if dev.get("name") != "virtio-blk":
            continue
        path = dev["path"]
        try:
            devfn = qmp("qom-get", path=path.rsplit("/", 1)[0], property="addr")
            where = "%s (pci 00:%02x.%x)" % (path, devfn >> 3, devfn & 7)
        except Exception:           # not a PCI device, or no address: the path alone
            where = path
        status = qmp("x-query-virtio-status", path=path)
        if "VIRTIO_F_RING_PACKED" in str(status.get("guest-features", "")):
            out.append("qemu: %s: packed ring (its indices are not read here)" % where)
            continue
        for q in range(status.get("num-vqs", 1)):
            out.append("qemu: %s %s" % (where, queue_state(qmp, path, q)))
    return out or ["qemu: no virtio-blk device"]


def lost_virtio_blk(summary):
    """From a hang-summary (tests/harness/guest-run.sh and the lines above):
    for each virtqueue QEMU shows a lost interrupt or kick on, whose PCI
    function is a disk the guest had requests in flight on through
    virtio_blk, (disk, mark, line): "/dev/vdb", LOST_IRQ or LOST_KICK, and
    the queue's line from "queue N:" on. Such a loss is QEMU 7.2's
    (README, "Lost interrupts"), and virtio_blk has no timeout handler to
    get past it, so the request waits for ever: the run stopped because of
    QEMU, not because of the code under test."""
    vblk = {}
    for m in re.finditer(r"^guest: (\S+) \(virtio_blk, pci 0000:00:([0-9a-f]{2}\.[0-7])\): in flight",
                         summary, re.M):
        vblk[m.group(2)] = m.group(1)
    marks = "|".join(re.escape(x) for x in (LOST_IRQ, LOST_KICK))
    out = []
    for m in re.finditer(r"^qemu: \S+ \(pci 00:([0-9a-f]{2}\.[0-7])\) (queue .*(%s))$" % marks,
                         summary, re.M):
        if m.group(1) in vblk:
            out.append(("/dev/" + vblk[m.group(1)], m.group(3), m.group(2)))
    return out
