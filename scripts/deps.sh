#!/usr/bin/env bash
# make deps: install every Debian package that the build, the tests, the
# benchmarks and the demo need. Idempotent: packages already installed are
# skipped, so a second run only costs a few dpkg-query calls.
#
# The test kernels are resolved from Debian's metapackages each run (their
# versions move); their headers are installed here, their images are
# downloaded into the cache by scripts/kernels.sh.
set -euo pipefail

PKGS=(
	build-essential bc kmod cpio xz-utils zstd pkg-config
	python3 busybox-static qemu-system-x86 qemu-utils e2fsprogs fio
	sparse dkms linux-source-6.1 rocksdb-tools
	libudev-dev libsystemd-dev libiniparser-dev libjson-c-dev libcmocka-dev
	udev systemd dbus
	libvirt-clients	# virt-xml-validate and libvirt's schemas: the libvirt-xml test
	clang libclang-rt-14-dev llvm-14	# the agent's libFuzzer harnesses (ASan, UBSan; llvm-symbolizer)
)

# Metapackages naming the test kernels (see DESIGN.md).
KERNEL_METAS=(linux-image-amd64 linux-image-6.12-amd64)

export DEBIAN_FRONTEND=noninteractive
updated=0

apt_update() {
	if [ "$updated" = 0 ]; then
		echo "deps: apt-get update"
		apt-get update -q >/dev/null
		updated=1
	fi
}

# resolve_kver META -> prints the kernel version the metapackage depends on
resolve_kver() {
	apt-cache depends "$1" 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { sub("linux-image-", "", $2); print $2; exit }'
}

kvers=()
for meta in "${KERNEL_METAS[@]}"; do
	kver=$(resolve_kver "$meta")
	if [ -z "$kver" ]; then
		apt_update
		kver=$(resolve_kver "$meta")
	fi
	if [ -z "$kver" ]; then
		echo "deps: cannot resolve $meta to a kernel version (apt-cache depends $meta)" >&2
		exit 1
	fi
	kvers+=("$kver")
	PKGS+=("linux-headers-$kver")
done

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ "${#missing[@]}" -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	apt_update
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

mkdir -p build
printf '%s\n' "${kvers[@]}" > build/kernels.list
echo "deps: ok (kernels: ${kvers[*]})"
