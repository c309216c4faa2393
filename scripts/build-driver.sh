#!/usr/bin/env bash
# Build driver/ for one kernel into build/driver/<kver>/ with W=1 and
# sparse (C=1). Any compiler or sparse warning fails the build: the log is
# kept in build/driver/<kver>/build.log.
set -euo pipefail
cd "$(dirname "$0")/.."
kver=$1
kdir=/lib/modules/$kver/build
out=build/driver/$kver
if [ ! -d "$kdir" ]; then
	echo "build-driver: no headers for $kver at $kdir (run make deps)" >&2
	exit 1
fi
mkdir -p "$out"
# Kbuild builds in the source directory: give each kernel its own copy.
cp driver/*.c driver/*.h driver/Kbuild "$out/"
sed "s/#MODULE_VERSION#/$(scripts/version.sh)/" driver/dkms.conf > "$out/dkms.conf"
log=$out/build.log
if ! make -C "$kdir" M="$PWD/$out" W=1 C=1 modules >"$log" 2>&1; then
	cat "$log" >&2
	echo "build-driver: $kver: build failed" >&2
	exit 1
fi
if grep -E 'warning:|error:' "$log" >&2; then
	echo "build-driver: $kver: warnings (W=1 / sparse), see $log" >&2
	exit 1
fi
echo "build-driver: $kver: ok, no warnings under W=1 and sparse"
