#!/usr/bin/env bash
# make deps: install every Debian package that the build, the tests, the
# benchmarks and the demo need. Idempotent: packages already installed are
# skipped, so a second run only costs a few dpkg-query calls.
#
# The test kernels are scripts/kernels.conf's, resolved from Debian's
# metapackages each run (their versions move). The bookworm kernels'
# headers are installed here; scripts/kernels.sh (make kernels) fetches the
# images, sets up the sid build root and writes build/kernels.list.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/kernel-lib.sh

PKGS=(
	build-essential bc kmod cpio xz-utils zstd pkg-config
	python3 busybox-static qemu-system-x86 qemu-utils e2fsprogs fio
	sparse dkms linux-source-6.1 rocksdb-tools
	libudev-dev libsystemd-dev libiniparser-dev libjson-c-dev libcmocka-dev
	udev systemd dbus
	libvirt-clients	# virt-xml-validate and libvirt's schemas: the libvirt-xml test
	clang libclang-rt-14-dev llvm-14	# the agent's libFuzzer harnesses (ASan, UBSan; llvm-symbolizer)
	fdisk		# sfdisk: partitioned test disks (test_stable_names)
	python3-matplotlib	# make plots: BENCHMARKS.md's PNG plots (bench/plots.py)
	# make deb: the two packages, lintian; debootstrap: the image-mode
	# guest and the sid build root (scripts/sid-root.sh)
	dpkg-dev debhelper dh-dkms lintian debootstrap
)

# The bookworm kernels of the matrix (sid's headers live in its build root).
mapfile -t KERNEL_METAS < <(kconf_entries | awk '$2 == "bookworm" { print $1 }')

export DEBIAN_FRONTEND=noninteractive
updated=0

apt_update() {
	if [ "$updated" = 0 ]; then
		echo "deps: apt-get update"
		apt-get update -q >/dev/null
		updated=1
	fi
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
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep 'install ok installed' > /dev/null; then
		missing+=("$p")
	fi
done

if [ "${#missing[@]}" -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	apt_update
	apt-get install -o DPkg::Lock::Timeout=600 -y -q --no-install-recommends "${missing[@]}"
fi

echo "deps: ok (bookworm kernels' headers: ${kvers[*]})"
