#!/usr/bin/env bash
# Download and extract the test kernels listed in build/kernels.list (written
# by scripts/deps.sh) into build/kernels/<kver>/, without touching /boot.
# The .debs are kept in build/cache/debs. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
mkdir -p build/cache/debs build/kernels

while read -r kver; do
	[ -n "$kver" ] || continue
	dest=build/kernels/$kver
	if [ -f "$dest/.done" ]; then
		continue
	fi
	deb=$(ls build/cache/debs/linux-image-"${kver}"_*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$deb" ]; then
		echo "kernels: downloading linux-image-$kver"
		(cd build/cache/debs && apt-get download -q "linux-image-$kver" >/dev/null)
		deb=$(ls build/cache/debs/linux-image-"${kver}"_*.deb | head -n1)
	fi
	echo "kernels: extracting $deb"
	rm -rf "$dest"
	mkdir -p "$dest"
	dpkg -x "$deb" "$dest"
	# The headers package ships /lib/modules/<kver>/build on the real root;
	# the extracted tree needs the same link for dkms inside a guest.
	ln -sfn "/usr/src/linux-headers-$kver" "$dest/lib/modules/$kver/build"
	depmod -b "$top/$dest" "$kver"
	touch "$dest/.done"
done < build/kernels.list
