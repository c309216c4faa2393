"""Drop-in parity: for the same device model, a disk on pvblk shows the same
block-layer attributes as on virtio_blk (DESIGN.md's drop-in rule), on every
test kernel.

One boot per kernel, pairs of identical disks (same QEMU device options, same
image size): pvblk takes every disk, then one disk of each pair moves to
virtio_blk. The guest dumps, for each disk, every file under
/sys/block/<disk>/queue/ (recursively: iosched/, independent_access_ranges/
where the kernel has them) and every regular file in /sys/block/<disk>/
itself: its mode, and its value byte for byte (a trailing newline counts),
or how reading it failed ("<errno N>"), or
"<write-only>" for a file without read permission (not read: sysfs refuses,
and a write-only attribute such as a trigger must not be poked). The host
compares the dumps of each pair: the same files, modes and values, except
for the attributes in EXEMPT, each with the reason it may differ. Anything
else that differs is a bug (README: "Drop-in parity").

After the comparison the dump of the virtio_blk disk is also checked against
what virtio_blk is known to show, so that an exemption cannot hide a change
of the reference itself: rotational 1 (6.11+ need BLK_FEAT_ROTATIONAL for
that, which is what pvblk missed) and a wbt_lat_usec of a rotational disk
(75000), not an SSD's (2000).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pvdisk import disk, make_image, prelude  # noqa: E402

# Attributes that may differ between the two drivers, and why. Keys are
# paths relative to /sys/block/<disk>/; "value": both show the file, its
# value may differ; "presence": it may exist for one driver only, and where
# both show it the value must still be the same. Keep README's list
# ("Drop-in parity") in step.
EXEMPT = {
    "dev": ("value", "major:minor: each driver registers its own block major"),
    "uevent": ("value", "names the disk (DEVNAME=pvdX / vdX) and its major and minor"),
    "diskseq": ("value", "a global sequence number, new for every disk the kernel adds"),
    "stat": ("value", "I/O counters: the moves and the dumps themselves do I/O"),
    "inflight": ("value", "requests in flight at the moment of reading"),
    "queue/io_timeout": ("presence",
                         "pvblk has a ->timeout handler (lost interrupts, broken "
                         "device), virtio_blk has none; since 6.x the block layer "
                         "shows io_timeout only for drivers with one"),
}

# Directories of the disk that are walked (relative to /sys/block/<disk>/),
# and which of them recursively.
DUMP = r'''
import os, stat, sys
root = "/sys/block/" + sys.argv[1]
out = []
def one(rel):
    p = os.path.join(root, rel)
    st = os.lstat(p)
    mode = stat.S_IMODE(st.st_mode)
    if not mode & 0o444:
        val = "<write-only>"
    else:
        try:
            with open(p, "rb") as f:
                val = f.read().decode("utf-8", "replace").replace("\n", "\\n")
        except OSError as e:
            val = "<errno %d>" % e.errno
    out.append("%s\t%o\t%s" % (rel, mode, val))
for name in sorted(os.listdir(root)):
    if stat.S_ISREG(os.lstat(os.path.join(root, name)).st_mode):
        one(name)
for dirpath, dirs, files in os.walk(os.path.join(root, "queue")):
    dirs.sort()
    for name in sorted(files):
        one(os.path.relpath(os.path.join(dirpath, name), root))
print("\n".join(out))
'''

GUEST = r"""
pv_load_pvblk
pv_load_virtio_blk
for s in 0x10 0x11 0x12 0x13; do pv_wait_slot $s 60; done
# pvblk was loaded first and took every disk: move the second of each pair
for s in 0x11 0x13; do
	if [ "$(pv_driver_of_slot $s)" != virtio_blk ]; then pv_move $s virtio_blk >/dev/null; fi
done
for s in 0x10 0x12; do
	if [ "$(pv_driver_of_slot $s)" != pvblk ]; then pv_move $s pvblk >/dev/null; fi
done
udevadm settle 2>/dev/null || true
sleep 1
for s in 0x10 0x11 0x12 0x13; do
	d=$(pv_disk_of_slot $s)
	pv_wait_path /dev/$d
	echo "$s $(pv_driver_of_slot $s) $d" >> /pvtest/disks
	python3 /pvtest/dump.py $d > /pvtest/dump-$s
done
cat /pvtest/disks
"""


def parse(text):
    rows = {}
    for line in text.splitlines():
        rel, mode, val = line.split("\t", 2)
        rows[rel] = (mode, val)
    return rows


def compare(pv, vb):
    """Differences between two dumps, exemptions left out."""
    diffs = []
    for rel in sorted(set(pv) | set(vb)):
        what = EXEMPT.get(rel, (None,))[0]
        if what == "value":
            continue
        a, b = pv.get(rel), vb.get(rel)
        if (a is None or b is None) and what == "presence":
            continue
        if a is None or b is None:
            diffs.append("%s: only on %s" % (rel, "pvblk" if b is None else "virtio_blk"))
        elif a[0] != b[0]:
            diffs.append("%s: mode %s on pvblk, %s on virtio_blk" % (rel, a[0], b[0]))
        elif a[1] != b[1]:
            diffs.append("%s: %r on pvblk, %r on virtio_blk" % (rel, a[1], b[1]))
    return diffs


def test_queue_parity(ctx):
    vm = ctx.vm(timeout=400)
    with open(vm.path("dump.py"), "w") as f:
        f.write(DUMP)
    # Pair 1: QEMU's defaults. Pair 2: 4 KiB blocks with topology, one
    # queue, a small ring without indirect descriptors, discard and write
    # zeroes limits of its own.
    for slot in (0x10, 0x11):
        vm.extra += disk("d%x" % slot, slot,
                         image=make_image(vm.path("d%x.img" % slot), 64),
                         dev={"serial": "PVPARITY1"})
    for slot in (0x12, 0x13):
        vm.extra += disk("d%x" % slot, slot,
                         image=make_image(vm.path("d%x.img" % slot), 64),
                         dev={"logical_block_size": 4096, "physical_block_size": 4096,
                              "min_io_size": 8192, "opt_io_size": 65536,
                              "num-queues": 1, "queue-size": 64,
                              "indirect_desc": "off", "max-discard-sectors": 8192,
                              "max-write-zeroes-sectors": 16384})
    vm.script = prelude(ctx) + GUEST
    vm.start()
    res = vm.wait()
    drivers = {}
    for line in res.file("disks").splitlines():
        slot, drv, name = line.split()
        drivers[slot] = (drv, name)
    assert [drivers[s][0] for s in ("0x10", "0x11", "0x12", "0x13")] == \
        ["pvblk", "virtio_blk", "pvblk", "virtio_blk"], drivers
    problems = []
    for a, b in (("0x10", "0x11"), ("0x12", "0x13")):
        pv, vb = parse(res.file("dump-" + a)), parse(res.file("dump-" + b))
        assert len(pv) > 20 and any(r.startswith("queue/") for r in pv), \
            "dump of %s looks empty" % a
        print("    %s: %d attributes compared (%s / %s)"
              % (a + "/" + b, len(set(pv) | set(vb)), drivers[a][1], drivers[b][1]))
        problems += ["%s (%s vs %s): %s" % (a, drivers[a][1], drivers[b][1], d)
                     for d in compare(pv, vb)]
        # The reference itself: virtio_blk's disk is rotational.
        assert vb["queue/rotational"][1] == "1\\n", vb["queue/rotational"]
        if "queue/wbt_lat_usec" in vb:
            assert vb["queue/wbt_lat_usec"][1] == "75000\\n", vb["queue/wbt_lat_usec"]
    assert not problems, "pvblk differs from virtio_blk:\n  " + "\n  ".join(problems)
