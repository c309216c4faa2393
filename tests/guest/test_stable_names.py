"""Stable names in a systemd guest: a disk keeps its /dev/disk links and
udev properties when it moves between virtio_blk and pvblk.

The disk has a serial, a GPT with one named partition holding a labelled
ext4. On virtio_blk, systemd's rules give it by-id, by-path, by-uuid,
by-label, by-partuuid, by-partlabel links and ID_* properties. On pvblk
without udev/60-persistent-storage-pvblk.rules it gets none of them (the
first check: the rule is what makes the difference); with the rule, the
disk and its partition get the same link names and the same properties as
on virtio_blk (less the names below, which differ by nature), and `mount
/dev/disk/by-id/virtio-<serial>-part1` works on both drivers.
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pvdisk import disk, prelude  # noqa: E402
from pvtest import mode, timeout  # noqa: E402

SERIAL = "PVSTABLE-1"
SLOT = 0x10

# Properties that name the kernel device or count events: they differ
# between any two bindings of one device, whatever the driver.
EXEMPT = ("DEVNAME", "DEVPATH", "MAJOR", "MINOR", "DISKSEQ", "USEC_INITIALIZED",
          "DEVLINKS", "SEQNUM", "ACTION", "ID_PART_ENTRY_DISK")


def make_disk(path):
    """64 MiB image: GPT, partition 1 'pvdata' from 1 MiB, ext4 'pvlabel'."""
    with open(path, "wb") as f:
        f.truncate(64 << 20)
    subprocess.run(["sfdisk", "-q", path], input=b"label: gpt\nstart=2048, name=pvdata\n",
                   check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "pvlabel", "-E", "offset=%d" % (1 << 20),
                    path, "%dk" % (62 << 10)], check=True)
    return path


GUEST = r"""
set -e
udevadm settle -t 60
pv_wait_path /sys/bus/virtio/devices/$(pv_virtio_of_slot %(slot)s)/block 60
test "$(pv_driver_of_slot %(slot)s)" = virtio_blk

# links DIR DEV: the /dev/disk links that point to DEV (one name a line)
links() {
	local l
	{ set +x; } 2>/dev/null
	for l in /dev/disk/*/* ; do
		if [ "$(readlink -f "$l")" = "/dev/$2" ]; then echo "$l"; fi
	done | sort > "/pvtest/$1"
	set -x
}
props() {	# props OUT DEV: udev properties less the exempt ones
	udevadm info --query=property --name="/dev/$2" | grep -v -E '^(%(exempt)s)=' | sort > "/pvtest/$1"
}
snap() {	# snap TAG DISK: links and properties of the disk and its partition 1
	local p=${2}1
	udevadm settle -t 30
	pv_wait_path /dev/$p 30
	links links-$1-disk $2
	links links-$1-part $p
	props props-$1-disk $2
	props props-$1-part $p
}
mount_check() {	# mount_check TAG: mount by-id, read and write a file, umount
	mount /dev/disk/by-id/virtio-%(serial)s-part1 /mnt
	findmnt -n -o SOURCE /mnt | tee /pvtest/mounted-$1
	if [ -e /mnt/stamp ]; then cat /mnt/stamp > /pvtest/stamp-read-$1; fi
	echo "written on $1" > /mnt/stamp
	umount /mnt
}

VD=$(pv_disk_of_slot %(slot)s)
snap virtio_blk $VD
mount_check virtio_blk

# pvblk without the rule: none of systemd's links or ID_SERIAL/ID_PATH
pv_load_pvblk
PV=$(pv_move %(slot)s pvblk)
case $PV in pvd?) ;; *) echo "pvblk gave $PV"; exit 1 ;; esac
snap norule $PV

# the rule, as pvblk-dkms installs it
cp %(top)s/udev/60-persistent-storage-pvblk.rules /etc/udev/rules.d/
udevadm control --reload
udevadm trigger --action=add --settle /sys/block/$PV /sys/block/$PV/${PV}1
snap pvblk $PV
mount_check pvblk

# back to virtio_blk: the file written through pvblk is there
VD2=$(pv_move %(slot)s virtio_blk)
snap virtio_blk2 $VD2
mount_check virtio_blk2
echo "$VD $PV $VD2" > /pvtest/names
"""


def _lines(res, name):
    text = res.file(name)
    assert text is not None, "guest left no %s" % name
    return [l for l in text.splitlines() if l.strip()]


@mode("systemd")
@timeout(600)
def test_by_id_by_path(ctx):
    vm = ctx.vm(timeout=540)
    vm.extra += disk("st", SLOT, image=make_disk(vm.path("st.img")), dev={"serial": SERIAL})
    vm.script = prelude(ctx) + GUEST % {"slot": "0x%x" % SLOT, "serial": SERIAL,
                                        "exempt": "|".join(EXEMPT), "top": ctx.top}
    with vm:
        res = vm.wait()
    vd, pv, vd2 = res.file("names").split()
    assert pv.startswith("pvd") and vd.startswith("vd"), (vd, pv)

    for part in ("disk", "part"):
        want = _lines(res, "links-virtio_blk-%s" % part)
        # systemd's links for a partitioned virtio disk with a serial
        kinds = {l.split("/")[3] for l in want}
        need = {"by-id", "by-path"} | ({"by-uuid", "by-label", "by-partuuid", "by-partlabel"}
                                        if part == "part" else set())
        assert need <= kinds, "virtio_blk %s lacks links %s: %s" % (part, need - kinds, want)
        # without the rule pvblk gets none of them (by-diskseq aside: the
        # rule copies that one too, systemd's does not for pvd*)
        norule = _lines(res, "links-norule-%s" % part)
        assert not [l for l in norule if "/by-id/" in l or "/by-path/" in l], \
            "pvblk had by-id/by-path links without the rule: %s" % norule
        for tag in ("pvblk", "virtio_blk2"):
            got = _lines(res, "links-%s-%s" % (tag, part))
            # by-diskseq names a binding, not the device: compare the kinds
            strip = [l for l in got if "/by-diskseq/" not in l]
            assert strip == [l for l in want if "/by-diskseq/" not in l], \
                "%s %s links differ from virtio_blk's:\n  %s\n  %s" % (tag, part, got, want)
            assert any("/by-diskseq/" in l for l in got) == any("/by-diskseq/" in l for l in want), \
                "%s %s: by-diskseq link present on one driver only" % (tag, part)
            assert _lines(res, "props-%s-%s" % (tag, part)) == _lines(res, "props-virtio_blk-%s" % part), \
                "%s %s udev properties differ from virtio_blk's (less %s):\n%s\n---\n%s" % (
                    tag, part, ",".join(EXEMPT), res.file("props-%s-%s" % (tag, part)),
                    res.file("props-virtio_blk-%s" % part))
        props = dict(l.split("=", 1) for l in _lines(res, "props-pvblk-disk"))
        assert props.get("ID_SERIAL") == SERIAL, props
        assert props.get("ID_PATH", "").startswith("pci-"), props
        assert "ID_SERIAL" not in dict(l.split("=", 1) for l in _lines(res, "props-norule-disk"))

    # mount by-id worked on each driver, and the data went across
    assert res.file("mounted-virtio_blk").strip() == "/dev/" + vd + "1"
    assert res.file("mounted-pvblk").strip() == "/dev/" + pv + "1"
    assert res.file("mounted-virtio_blk2").strip() == "/dev/" + vd2 + "1"
    assert res.file("stamp-read-pvblk").strip() == "written on virtio_blk"
    assert res.file("stamp-read-virtio_blk2").strip() == "written on pvblk"
