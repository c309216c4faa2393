#!/usr/bin/env bash
# Build driver/ for one kernel into build/driver/<kver>/ with W=1 and
# sparse (C=1). Any compiler or sparse warning fails the build: the log is
# kept in build/driver/<kver>/build.log.
#
# Kernels whose headers are installed on this machine build here; sid's
# kernel builds inside the sid build root (build/sid/root, made by
# scripts/sid-root.sh), entered with unshare --mount so that /proc and /dev
# (objtool reads /proc) are mounted only for the build and nothing stays
# mounted afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
kver=$1
out=build/driver/$kver
root=build/sid/root
sparse=sparse
if [ -d "/lib/modules/$kver/build/" ]; then
	where=host
elif [ -f "$root/usr/src/linux-headers-$kver/Makefile" ]; then
	where=sid
	[ -x "$root/usr/bin/sparse" ] || sparse=
else
	echo "build-driver: no headers for $kver, neither at /lib/modules/$kver/build" \
		"(make deps) nor in the sid build root $root (make kernels)" >&2
	exit 1
fi
mkdir -p "$out"
# Kbuild builds in the source directory: give each kernel its own copy.
rm -f "$out"/*.c "$out"/*.h
cp driver/*.c driver/*.h driver/Kbuild "$out/"
sed "s/#MODULE_VERSION#/$(scripts/version.sh)/" driver/dkms.conf > "$out/dkms.conf"
log=$out/build.log
kflags=(W=1 ${sparse:+C=1} modules)
if [ $where = host ]; then
	make -C "/lib/modules/$kver/build" M="$PWD/$out" "${kflags[@]}" > "$log" 2>&1
else
	# The module's directory is bind-mounted into the root at /pvblk.
	mkdir -p "$root/pvblk"
	unshare --mount --propagation private -- sh -euc '
		root=$1 src=$2 kver=$3
		shift 3
		mount -t proc proc "$root/proc"
		mount --bind /dev "$root/dev"
		mount --bind "$src" "$root/pvblk"
		exec chroot "$root" env -i PATH=/usr/bin:/bin HOME=/ LANG=C.UTF-8 \
			make -C "/usr/src/linux-headers-$kver" M=/pvblk "$@"
	' sh "$root" "$PWD/$out" "$kver" "${kflags[@]}" > "$log" 2>&1
fi || {
	cat "$log" >&2
	echo "build-driver: $kver: build failed ($where)" >&2
	exit 1
}
if [ -n "$sparse" ] && grep -E 'C=1 specified, but' "$log" >&2; then
	echo "build-driver: $kver: sparse did not run, see $log" >&2
	exit 1
fi
if grep -E 'warning:|error:' "$log" >&2; then
	echo "build-driver: $kver: warnings (W=1${sparse:+ / sparse}), see $log" >&2
	exit 1
fi
note=
[ $where = host ] || note=" (in the sid build root)"
echo "build-driver: $kver: ok, no warnings under W=1${sparse:+ and sparse}$note"
