#!/bin/sh
# mkinitramfs.sh KVER -> build/initramfs/KVER.cpio.gz
#
# A tiny initramfs for guest tests: busybox-static, tests/harness/init, and the
# modules (decompressed, in load order) needed to mount the host's root over
# 9p with a tmpfs overlay: the virtio stack where it is not built in, netfs,
# fscache, 9pnet, 9pnet_virtio, 9p, overlay (virtio only for a kernel with no
# 9p, whose guests run from the initramfs).  Modules come from the extracted
# kernel tree build/kernels/KVER (scripts/kernels.sh).  Rebuilt only when an
# input changes (this script, init, busybox, the module files).
set -eu

usage() { echo "usage: $0 KVER" >&2; exit 2; }
[ $# -eq 1 ] || usage
kver=$1

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kdir=$top/build/kernels/$kver
mdir=$kdir/lib/modules/$kver
out=$top/build/initramfs/$kver.cpio.gz
stamp=$top/build/initramfs/$kver.stamp
busybox=${BUSYBOX:-/bin/busybox}

# Wanted modules, in load order; "?" marks one that may be absent (e.g.
# fscache is part of netfs.ko when CONFIG_FSCACHE=y in 6.12). netfs comes
# before 9pnet: 6.12's and sid's 9p need it loaded first.
WANT_VIRTIO="virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci"
WANT_9P="netfs ?fscache 9pnet 9pnet_virtio 9p overlay"
WANT="$WANT_VIRTIO $WANT_9P"
# A kernel built without 9p (Debian's cloud flavour) gets the virtio stack
# only: its guests run their script from the initramfs (VM mode
# "initramfs"), the other modes need the host's root over 9p.
config=$kdir/boot/config-$kver
no9p=0
if [ -f "$config" ] && ! grep -q '^CONFIG_NET_9P=[ym]' "$config"; then
	WANT=$WANT_VIRTIO
	no9p=1
fi

[ -f "$mdir/modules.dep" ] || {
	echo "mkinitramfs: $mdir/modules.dep missing; run scripts/kernels.sh" >&2
	exit 1
}
[ -x "$busybox" ] || { echo "mkinitramfs: $busybox missing (busybox-static)" >&2; exit 1; }

# Resolve WANT into an ordered list of module files (relative to $mdir),
# dependencies first, skipping built-ins.  modules.dep lists the full
# dependency closure of each module, loadable from the last entry backwards.
modlist=$(awk -v want="$WANT" '
	function base(p) { sub(/.*\//, "", p); sub(/\.ko(\.xz|\.zst|\.gz)?$/, "", p); gsub(/-/, "_", p); return p }
	FILENAME ~ /modules\.builtin$/ { builtin[base($1)] = 1; next }
	{
		f = $1; sub(/:$/, "", f); b = base(f)
		path[b] = f; ndeps[b] = NF - 1
		for (i = 2; i <= NF; i++) dep[b, i - 1] = $i
	}
	function emit(p) { if (!(p in seen)) { seen[p] = 1; print p } }
	END {
		n = split(want, w, /[ \n]+/)
		for (k = 1; k <= n; k++) {
			m = w[k]; opt = 0
			if (m == "") continue
			if (substr(m, 1, 1) == "?") { opt = 1; m = substr(m, 2) }
			if (m in builtin) continue
			if (!(m in path)) {
				if (opt) continue
				print "ERROR " m; exit 1
			}
			for (i = ndeps[m]; i >= 1; i--) emit(dep[m, i])
			emit(path[m])
		}
	}' "$mdir/modules.builtin" "$mdir/modules.dep")
case $modlist in
*ERROR*) echo "mkinitramfs: module not found for $kver: $(echo "$modlist" | grep ERROR)" >&2; exit 1 ;;
esac

# Inputs fingerprint: skip the rebuild when nothing changed.
fingerprint=$(
	{
		echo "$kver"
		cat "$0" "$here/init"
		ls -lL --time-style=+%s "$busybox"
		for m in $modlist; do ls -lL --time-style=+%s "$mdir/$m"; done
	} | sha256sum | cut -d' ' -f1
)
if [ -f "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$fingerprint" ]; then
	exit 0
fi

mkdir -p "$top/build/initramfs"
stage=$(mktemp -d "$top/build/initramfs/.stage.$kver.XXXXXX")
trap 'rm -rf "$stage" "$stage.cpio.gz"' EXIT INT TERM

mkdir -p "$stage/bin" "$stage/dev" "$stage/proc" "$stage/sys" "$stage/lower" \
	"$stage/rw" "$stage/newroot" "$stage/modules"
cp "$busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
cp "$here/init" "$stage/init"
chmod 755 "$stage/init"
mknod -m 600 "$stage/dev/console" c 5 1
mknod -m 666 "$stage/dev/null" c 1 3

: > "$stage/modules/order"
for m in $modlist; do
	b=$(basename "$m")
	case $b in
	*.ko.xz) xz -dc "$mdir/$m" > "$stage/modules/${b%.xz}"; b=${b%.xz} ;;
	*.ko.zst) zstd -qdc "$mdir/$m" > "$stage/modules/${b%.zst}"; b=${b%.zst} ;;
	*.ko.gz) gzip -dc "$mdir/$m" > "$stage/modules/${b%.gz}"; b=${b%.gz} ;;
	*) cp "$mdir/$m" "$stage/modules/$b" ;;
	esac
	echo "$b" >> "$stage/modules/order"
done
echo "$kver" > "$stage/kver"
[ $no9p = 0 ] || : > "$stage/no9p"

(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -1 > "$stage.cpio.gz"
mv "$stage.cpio.gz" "$out"
echo "$fingerprint" > "$stamp.$$"
mv "$stamp.$$" "$stamp"
echo "mkinitramfs: $out ($(tr '\n' ' ' < "$stage/modules/order"))"
