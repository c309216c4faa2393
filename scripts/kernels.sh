#!/usr/bin/env bash
# make kernels: fetch every kernel of scripts/kernels.conf into
# build/kernels/<kver>/ (without touching /boot) and write
# build/kernels.list, one "KVER ROLE SUITE" line per kernel.
#
# Bookworm kernels come from this machine's apt sources (the .debs are kept
# in build/cache/debs); sid's kernel and its build root come from
# scripts/sid-root.sh. A kernel that cannot be had (sid unreachable with no
# earlier build root) is left out of the list, named in
# build/kernels.missing (make check counts it as a failure), and said here.
# Idempotent: a second run only checks sid's index.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
. scripts/kernel-lib.sh
mkdir -p build/cache/debs build/kernels

# fetch_bookworm KVER: the image package, extracted.
fetch_bookworm() {
	local kver=$1 dest=build/kernels/$1 deb
	if [ -f "$dest/.done" ]; then
		return 0
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
	normalize_tree "$dest" "$kver"
	# The headers package ships /lib/modules/<kver>/build on the real root;
	# the extracted tree needs the same link for dkms inside a guest.
	ln -sfn "/usr/src/linux-headers-$kver" "$dest/lib/modules/$kver/build"
	depmod -b "$top/$dest" "$kver"
	touch "$dest/.done"
}

list=()
missing=()
while read -r meta suite role; do
	case $suite in
	bookworm)
		kver=$(resolve_kver "$meta")
		if [ -z "$kver" ]; then
			echo "kernels: cannot resolve $meta (run make deps)" >&2
			exit 1
		fi
		fetch_bookworm "$kver"
		;;
	sid)
		if ! kver=$(scripts/sid-root.sh "$meta"); then
			missing+=("$meta $suite $role")
			continue
		fi
		;;
	*)
		echo "kernels: scripts/kernels.conf: unknown suite $suite" >&2
		exit 1
		;;
	esac
	list+=("$kver $role $suite")
done < <(kconf_entries)

printf '%s\n' "${list[@]}" > build/kernels.list.new
mv build/kernels.list.new build/kernels.list
if [ "${#missing[@]}" -gt 0 ]; then
	printf '%s\n' "${missing[@]}" > build/kernels.missing
	for m in "${missing[@]}"; do
		echo "kernels: MISSING from the matrix: $m (see the messages above)" >&2
	done
else
	rm -f build/kernels.missing
fi
echo "kernels: $(awk '{ printf "%s%s (%s)", sep, $1, $2; sep = ", " }' build/kernels.list)"
