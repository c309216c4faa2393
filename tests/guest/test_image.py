"""Image mode: the packages in a real Debian 12 guest, booted from its own
virtio disk (tests/harness/mkimage.sh), as a user of a cloud VM would use
them. One test, four boots of one disk:

1. 6.1, virtio_blk (root=UUID=): the original tuning values; `apt install
   ./pvblk-dkms_*.deb ./pvtune_*.deb` from a local repository (the guest has
   no network): dkms builds pvblk, the initramfs gets it, pvtuned runs.
2. 6.1 again, root=UUID=: / is on a pvd disk, every virtio disk is pvd,
   pvtuned is active with the recommended profile and `pvtune-adm verify`
   passes; fio writes and verifies the data disk; pvtuned stopped, a
   hot-plugged disk still gets the default profile's scheduler from the udev
   rule alone; then the 6.12 kernel and headers are installed: dkms builds
   for 6.12 before its initramfs is made (the initramfs has pvblk).
3. 6.12, root=/dev/disk/by-id/virtio-pvroot: root on pvblk, pvtuned
   verified, the data checked; `apt remove` (pvtuned stopped: every value
   it changed is back to its original), then `apt purge`: no file of the
   packages left, no pvblk in any initramfs.
4. 6.1, root=UUID=: root on vda again, every disk on virtio_blk, the data
   checked, the tuning values those of boot 1.
"""

import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import image  # noqa: E402
from pvdisk import disk, make_image  # noqa: E402
from pvtest import kernels, mode, timeout  # noqa: E402

DATA_SLOT, HOT_SLOT = 0x10, 0x11
BYID_ROOT = "/dev/disk/by-id/virtio-%s" % image.ROOT_SERIAL

COMMON = r"""
set -e
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
. $PVTEST_TOP/tests/guest/pvblk-lib.sh
udevadm settle -t 60
uname -r > /pvtest/uname
readlink -f "$(findmnt -n -o SOURCE /)" | tee /pvtest/root-source
# snap: tuning values of every virtio disk, by serial (names change)
snap() {
	local d s f
	for d in /sys/block/vd* /sys/block/pvd*; do
		[ -e "$d" ] || continue
		s=$(cat $d/serial)
		for f in scheduler read_ahead_kb nr_requests rq_affinity add_random; do
			echo "$s $f $(sed 's/.*\[\(.*\)\].*/\1/' $d/queue/$f)"
		done
	done | sort
}
# drivers: "serial driver disk" of every virtio-blk device
drivers() {
	local v
	for v in /sys/bus/virtio/devices/*; do
		[ "$(cat $v/device)" = 0x0002 ] || continue
		echo "$(cat $v/block/*/serial) $(basename $(readlink $v/driver)) $(ls $v/block)"
	done | sort
}
drivers | tee /pvtest/drivers
FIO="fio --name=data --filename=/dev/disk/by-id/virtio-pvdata --ioengine=libaio --direct=1 --rw=write --bs=64k --iodepth=8 --size=48M --verify=crc32c --verify_state_save=0"
REPO="deb [trusted=yes] file:%(repo)s ./"
apt_local() {	# apt-get from the local repository only
	echo "$REPO" > /etc/apt/sources.list.d/pvtest.list
	apt-get update -q
}
initrd_has_pvblk() {	# initrd_has_pvblk KVER: pvblk.ko or its udev rule inside
	lsinitramfs /boot/initrd.img-$1 | grep -E '/pvblk\.ko|60-persistent-storage-pvblk\.rules' || true
}
"""

BOOT1 = r"""
test "$(cat /pvtest/root-source)" = /dev/vda
! grep -q pvblk /pvtest/drivers
snap > /pvtest/orig
apt_local
apt-get install -y %(debs)s 2>&1 | tee /pvtest/install.log
dkms status pvblk | tee /pvtest/dkms-status
grep -q "pvblk/.*, $(uname -r), x86_64: installed" /pvtest/dkms-status
initrd_has_pvblk $(uname -r) | tee /pvtest/initrd-pvblk
grep -q 'pvblk\.ko' /pvtest/initrd-pvblk
grep -q 60-persistent-storage-pvblk.rules /pvtest/initrd-pvblk
systemctl is-active pvtuned
cat /etc/pvtune/active_profile | tee /pvtest/active-profile
dpkg -L pvblk-dkms pvtune > /pvtest/files
pv_next_boot
"""

BOOT2 = r"""
case $(cat /pvtest/root-source) in /dev/pvd?) ;; *) echo "root not on pvblk"; exit 1 ;; esac
test "$(readlink -f %(byid)s)" = "$(cat /pvtest/root-source)"
! grep -q virtio_blk /pvtest/drivers
systemctl is-active pvtuned
pvtune-adm active | tee /pvtest/active
pvtune-adm verify > /pvtest/verify 2>&1 || { cat /pvtest/verify; exit 1; }
$FIO --do_verify=1 | tail -n 5
# without pvtuned: the udev rule alone gives a new disk the scheduler
systemctl stop pvtuned
pv_signal plug
pv_wait plugged 120
pv_wait_path /dev/disk/by-id/virtio-pvhot 60
udevadm settle -t 30
HOT=$(basename $(readlink -f /dev/disk/by-id/virtio-pvhot))
echo "$HOT $(cat /sys/block/$HOT/queue/scheduler)" | tee /pvtest/hot
systemctl start pvtuned
# a second kernel, packages installed: dkms builds before the initramfs
apt_local
apt-get install -y linux-image-%(next)s linux-headers-%(next)s 2>&1 | tee /pvtest/kernel.log
dkms status pvblk | tee /pvtest/dkms-status
grep -q "pvblk/.*, %(next)s, x86_64: installed" /pvtest/dkms-status
initrd_has_pvblk %(next)s | tee /pvtest/initrd-pvblk
grep -q 'pvblk\.ko' /pvtest/initrd-pvblk
pv_next_boot
"""

BOOT3 = r"""
case $(cat /pvtest/root-source) in /dev/pvd?) ;; *) echo "root not on pvblk"; exit 1 ;; esac
test "$(readlink -f %(byid)s)" = "$(cat /pvtest/root-source)"
! grep -q virtio_blk /pvtest/drivers
systemctl is-active pvtuned
pvtune-adm verify > /pvtest/verify 2>&1 || { cat /pvtest/verify; exit 1; }
$FIO --verify_only | tail -n 5
cp /run/pvtune/saved.json /pvtest/saved.json
apt-get remove -y pvblk-dkms pvtune 2>&1 | tee /pvtest/remove.log
# pvtuned stopped: what it changed is back to the originals it saved
python3 - <<'EOF' > /pvtest/after-remove
import json, re
for e in json.load(open("/pvtest/saved.json"))["saved"]:
    try:
        v = open(e["path"]).read().strip()
    except OSError as x:
        v = "<%%s>" %% x.strerror
    m = re.search(r"\[(.*)\]", v)
    print(json.dumps([e["path"], e["value"], m.group(1) if m else v]))
EOF
apt-get purge -y pvblk-dkms pvtune 2>&1 | tee /pvtest/purge.log
dpkg -l pvblk-dkms pvtune 2>&1 | tee /pvtest/dpkg-l || true
for f in $(cat /pvtest/files); do
	if [ -e "$f" ] && [ ! -d "$f" ]; then echo "$f"; fi
done > /pvtest/left-files
for f in $(cat /pvtest/files); do
	[ -d "$f" ] || dpkg -S "$f" 2>/dev/null || true
done > /pvtest/left-owned
# (the source tree's mount point and its parents are the harness's: a
# checkout named pvblk-something is not a leftover)
find / -xdev \( -name 'pvblk*' -o -name 'pvtune*' -o -name '60-persistent-storage-pvblk*' \) \
	-not -path '/pvtest/*' 2>/dev/null | while read -r p; do
	case "$PVTEST_TOP/" in "$p"/*) ;; *) echo "$p" ;; esac
done | tee /pvtest/left-find
for i in /boot/initrd.img-*; do
	echo "$i: $(initrd_has_pvblk ${i#/boot/initrd.img-} | wc -l)"
done | tee /pvtest/initrds
pv_next_boot %(first)s
"""

BOOT4 = r"""
test "$(cat /pvtest/root-source)" = /dev/vda
! grep -q pvblk /pvtest/drivers
test ! -e /sys/module/pvblk
$FIO --verify_only | tail -n 5
snap > /pvtest/final
"""


def _boot(ctx, boot, script, subst):
    # One vCPU: single-threaded TCG runs the vCPUs one after the other, so
    # a second one buys nothing and costs cross-CPU TLB flushes. No ERMS:
    # TCG runs `rep stosb` a byte at a time, and with ERMS the guest kernel
    # clears every page that way (fork/exec-heavy update-initramfs; an exec
    # loop here took 17.5 s instead of 37.6 s, on a loaded machine).
    vm = ctx.vm(mode="image", image=boot, timeout=2700, mem="1G", cpus=1, cpu="max,-erms")
    vm.extra += disk("data", DATA_SLOT, image=subst["data"], dev={"serial": "pvdata"})
    vm.script = (COMMON + script) % subst
    return vm


def _lines(res, name):
    return [l for l in (res.file(name) or "").splitlines() if l.strip()]


@kernels("6.1")
@mode("image")
@timeout(7200)
def test_packages(ctx):
    debdir = os.path.join(ctx.build, "deb")
    version = open(os.path.join(ctx.top, "debian", "changelog")).readline().split("(")[1].split(")")[0]
    debs = [os.path.join(debdir, "pvblk-dkms_%s_all.deb" % version),
            os.path.join(debdir, "pvtune_%s_amd64.deb" % version)]
    for d in debs:
        assert os.path.isfile(d), "%s missing: run make deb" % d
    img = image.get(ctx.build)
    # the disks of all four boots (each boot has its own run directory)
    disks = ctx.run_dir + ".disks"
    shutil.rmtree(disks, ignore_errors=True)
    os.makedirs(disks)
    root = img.overlay(os.path.join(disks, "root.qcow2"))
    subst = {"repo": img.repo, "debs": " ".join(debs), "next": img.kver_next,
             "first": img.kver, "byid": BYID_ROOT,
             "data": make_image(os.path.join(disks, "data.img"), 64)}

    # 1: install on virtio_blk
    vm = _boot(ctx, img.first_boot(root), BOOT1, subst)
    with vm:
        res = vm.wait()
    assert res.file("active-profile").strip() == "pvblk-guest"
    orig = _lines(res, "orig")
    assert orig, "no tuning values recorded"

    # 2: root on pvblk; data; no pvtuned; second kernel
    vm = _boot(ctx, image.next_boot(vm, root, "UUID=" + img.uuid), BOOT2, subst)
    with vm:
        vm.wait_file("plug", 900)
        vm.qmp("blockdev-add", {"driver": "null-co", "node-name": "hot", "size": 64 << 20,
                                "read-zeroes": True})
        vm.qmp("device_add", driver="virtio-blk-pci", drive="hot", id="hot-dev",
               addr="0x%x" % HOT_SLOT, serial="pvhot", **{"num-queues": 1})
        vm.signal("plugged")
        res = vm.wait()
    assert "pvblk-guest" in res.file("active")
    hot, sched = res.file("hot").split(" ", 1)
    assert hot.startswith("pvd") and "[none]" in sched, res.file("hot")
    klog = res.file("kernel.log")
    dk = klog.find("dkms: running auto installation service for kernel %s" % img.kver_next)
    ir = klog.find("update-initramfs: Generating /boot/initrd.img-%s" % img.kver_next)
    assert 0 <= dk < ir, "dkms did not build for the new kernel before its initramfs"

    # 3: 6.12 from by-id; remove, purge
    vm = _boot(ctx, image.next_boot(vm, root, BYID_ROOT), BOOT3, subst)
    with vm:
        res = vm.wait()
    assert res.file("uname").strip() == img.kver_next
    restored = [json.loads(l) for l in _lines(res, "after-remove")]
    assert restored, "pvtuned had saved no original value"
    bad = [r for r in restored if r[1] != r[2]]
    assert not bad, "not restored on remove (path, original, now): %s" % bad
    assert not _lines(res, "left-files"), "files left after purge: %s" % res.file("left-files")
    assert not _lines(res, "left-owned"), "dpkg -S still finds: %s" % res.file("left-owned")
    assert not _lines(res, "left-find"), "found after purge: %s" % res.file("left-find")
    for line in _lines(res, "initrds"):
        assert line.endswith(": 0"), "initramfs still has pvblk after purge: %s" % line
    assert len(_lines(res, "initrds")) == 2, res.file("initrds")

    # 4: back on virtio_blk, the original values
    vm = _boot(ctx, image.next_boot(vm, root, "UUID=" + img.uuid), BOOT4, subst)
    with vm:
        res = vm.wait()
    assert res.file("uname").strip() == img.kver
    assert _lines(res, "final") == orig, "tuning values after purge differ:\n%s\n---\n%s" % (
        res.file("final"), "\n".join(orig))
