"""Image mode of the guest harness: a debootstrapped Debian 12 guest booted
from its own virtio disk (tests/harness/README.md, "Image mode").

    import image
    img = image.get(ctx.build)              # builds once (mkimage.sh), then cached
    disk = img.overlay(vm.path("root.qcow2"))   # the test's own copy-on-write disk
    boot = img.first_boot(disk)             # the image's kernel and initramfs
    vm = ctx.vm(mode="image", image=boot)
    ...
    nxt = image.next_boot(vm, disk, root="/dev/disk/by-id/virtio-pvroot")
                                            # what the guest chose with pv_next_boot

The root disk is a virtio-blk-pci device in slot 0x5 with serial
ROOT_SERIAL, so the guest sees /dev/disk/by-id/virtio-pvroot.
"""

import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT_SERIAL = "pvroot"
ROOT_SLOT = 0x5


class Image:
    """A built image directory (build/image/<key>/)."""

    def __init__(self, path):
        self.path = path
        self.info = {}
        with open(os.path.join(path, "info")) as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                self.info[k] = v
        self.kver = self.info["KVER"]
        self.kver_next = self.info["KVER_NEXT"]
        self.uuid = self.info["UUID"]
        self.root_img = os.path.join(path, "root.img")
        self.repo = os.path.join(path, "repo")

    def overlay(self, path):
        """A qcow2 overlay at PATH over the read-only base image."""
        if os.path.exists(path):
            os.unlink(path)
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw",
                        "-b", self.root_img, path], check=True)
        return path

    def first_boot(self, disk, root=None):
        """The image's own kernel and initramfs, root=UUID= by default."""
        return Boot(disk, os.path.join(self.path, "vmlinuz-" + self.kver),
                    os.path.join(self.path, "initrd.img-" + self.kver),
                    root or "UUID=" + self.uuid, self.kver)


class Boot:
    """One boot of an image: root disk, kernel, initramfs, root=."""

    def __init__(self, disk, kernel, initrd, root, kver):
        self.disk = disk
        self.kernel = kernel
        self.initrd = initrd
        self.root = root
        self.kver = kver

    def qemu_args(self):
        return ["-blockdev", "driver=file,filename=%s,node-name=root-file" % self.disk,
                # the guest's flushes stop at QEMU (the file is written when
                # QEMU exits): fsync on a shared host costs seconds each
                "-blockdev", "driver=qcow2,file=root-file,node-name=root,cache.no-flush=on",
                "-device", "virtio-blk-pci,drive=root,id=root-dev,serial=%s,addr=0x%x"
                % (ROOT_SERIAL, ROOT_SLOT)]


def get(build):
    """Build the image if needed (tests/harness/mkimage.sh) and return it."""
    top = os.path.dirname(os.path.dirname(HERE))
    env = dict(os.environ)
    r = subprocess.run([os.path.join(HERE, "mkimage.sh")], stdout=subprocess.PIPE,
                       stderr=None, cwd=top, env=env, check=True)
    path = r.stdout.decode().strip().splitlines()[-1]
    return Image(path)


def next_boot(vm, disk, root):
    """The kernel and initramfs the guest of VM left in /pvtest/boot/ with
    pv_next_boot (copies of its /boot files), for the next VM."""
    d = vm.path("boot")
    with open(os.path.join(d, "kver")) as f:
        kver = f.read().strip()
    return Boot(disk, os.path.join(d, "vmlinuz"), os.path.join(d, "initrd.img"), root, kver)
