"""Host-side helpers for the driver tests: disk images, QEMU device
arguments, the guest script prelude and QMP block statistics."""

import hashlib
import os


def prelude(ctx):
    """Lines every driver test script starts with."""
    return "\n".join([
        "export PVBLK_KO=%s" % ctx.module_path("pvblk"),
        ". %s/tests/guest/pvblk-lib.sh" % ctx.top,
        "",
    ])


def make_image(path, size_mb, pattern=False):
    """A raw image of SIZE_MB MiB: sparse, or filled with a deterministic
    pseudo-random pattern when PATTERN is set (so reads can be checked)."""
    with open(path, "wb") as f:
        if pattern:
            for _ in range(size_mb):
                f.write(os.urandom(1 << 20))
        else:
            f.truncate(size_mb << 20)
    return path


def md5_file(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def disk(node, slot, image=None, null_size_mb=None, dev=None, blockdev=None,
         fileopts=None, driver="virtio-blk-pci"):
    """QEMU arguments for one virtio-blk disk in PCI slot SLOT (int).

    IMAGE: a raw file; otherwise a null-co device of NULL_SIZE_MB reading
    zeroes. DEV: extra -device properties; BLOCKDEV: extra options of the
    top (format) node; FILEOPTS: extra options of the file node."""
    args = []
    if image:
        fopts = {"driver": "file", "filename": image, "node-name": node + "-file",
                 "discard": "unmap"}
        fopts.update(fileopts or {})
        args += ["-blockdev", ",".join("%s=%s" % kv for kv in fopts.items())]
        top = {"driver": "raw", "file": node + "-file", "node-name": node,
               "discard": "unmap"}
    else:
        top = {"driver": "null-co", "node-name": node, "read-zeroes": "on",
               "size": (null_size_mb or 256) << 20}
    top.update(blockdev or {})
    args += ["-blockdev", ",".join("%s=%s" % kv for kv in top.items())]
    d = {"drive": node, "id": node + "-dev", "addr": "0x%x" % slot}
    d.update(dev or {})
    args += ["-device", driver + "," + ",".join("%s=%s" % kv for kv in d.items())]
    return args


def blockstats(vm, node):
    """QMP query-blockstats entry of the device whose node is NODE."""
    for s in vm.qmp("query-blockstats", **{"query-nodes": False}):
        # qdev is /machine/peripheral/<id>/virtio-backend
        if "/%s-dev/" % node in s.get("qdev", "") + "/":
            return s["stats"]
    raise KeyError("no blockstats for the device of %s" % node)
