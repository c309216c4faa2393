#!/usr/bin/env bash
# sid-root.sh [META]: Debian sid's newest kernel for the test matrix, and a
# sid build root to build the module for it, cached under build/sid/.
#
# Sid's kernel needs sid's compiler (CONFIG_CC_VERSION_TEXT), and its
# headers' modpost and objtool need sid's glibc, so the module is built in
# a minimal sid system (debootstrap --variant=minbase with make, gcc, sparse
# and the kernel's headers), entered with unshare --mount and chroot by
# scripts/build-driver.sh.
#
#   build/sid/apt/         private apt state: sources.list, lists, cache.
#                          Given to apt through -o Dir::...: the system's
#                          sources are never touched.
#   build/sid/root/        the build root (about 560 MB)
#   build/sid/root.stamp   kver= version= meta= built= of the build root
#   build/sid/debootstrap.log
#   build/kernels/<kver>/  the kernel and its modules for the guests
#
# META (default linux-image-amd64) is resolved in sid's index each run; the
# build root and kernel are rebuilt when it names another kernel.  When sid
# cannot be reached, or is mid-transition (the kernel's headers, image or
# modules missing or uninstallable), the last good build root and kernel
# are kept and a message says so.  Every network step has a timeout.
#
# Prints the kernel version to use on stdout (messages on stderr); exits 1
# when there is no sid kernel at all (no earlier build root to fall back on).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
. scripts/kernel-lib.sh

meta=${1:-linux-image-amd64}
mirror=${PVBLK_SID_MIRROR:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
# Seconds: the index (about 11 MB), debootstrap (about 150 MB of packages),
# the kernel packages (about 125 MB).
t_index=${PVBLK_SID_INDEX_TIMEOUT:-180}
t_root=${PVBLK_SID_ROOT_TIMEOUT:-1200}
t_fetch=${PVBLK_SID_FETCH_TIMEOUT:-900}

sid=$top/build/sid
apt_dir=$sid/apt
root=$sid/root
stamp=$sid/root.stamp
debs=$top/build/cache/debs

say() { echo "sid: $*" >&2; }

mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$debs"
exec 9>"$sid/lock"
flock 9

echo "deb [signed-by=$keyring] $mirror sid main" > "$apt_dir/sources.list"
APT=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
	-o Acquire::Languages=none -o Acquire::http::Timeout=30
	-o Acquire::Retries=2 -o APT::Sandbox::User=root)

stamp_get() { # stamp_get KEY -> the last good build root's value
	sed -n "s/^$1=//p" "$stamp" 2>/dev/null || true
}

good_kver=$(stamp_get kver)
have_good() {
	[ -n "$good_kver" ] &&
		[ -f "$root/usr/src/linux-headers-$good_kver/Makefile" ] &&
		[ -f "$top/build/kernels/$good_kver/.done" ]
}

# fall_back REASON: keep the last good build root, or give up.
fall_back() {
	say "$1"
	if have_good; then
		say "keeping the last good build root: kernel $good_kver" \
			"(sid $(stamp_get version), built $(stamp_get built))"
		echo "$good_kver"
		exit 0
	fi
	say "no earlier sid build root to fall back on: the sid kernel is" \
		"left out; run 'make kernels' again when sid is reachable"
	exit 1
}

# 1. Sid's package index, and the kernel its metapackage names today.
# --error-on=any: a source that cannot be fetched is an error, not a warning.
if ! out=$(timeout "$t_index" apt-get "${APT[@]}" -q --error-on=any update 2>&1); then
	fall_back "cannot fetch sid's package index from $mirror (time limit ${t_index}s): $(echo "$out" | grep -E '^(E|W|Err):' | head -n 3 | tr '\n' ' ')"
fi
kver=$(resolve_kver "$meta" "${APT[@]}")
[ -n "$kver" ] || fall_back "sid's $meta names no linux-image-<version> (mid-transition?)"
pkgver() { { apt-cache "${APT[@]}" show "$1" 2>/dev/null || true; } | sed -n 's/^Version: //p' | head -n1; }
version=$(pkgver "linux-image-$kver")
[ -n "$version" ] || fall_back "sid's $meta names linux-image-$kver, which sid does not have (mid-transition?)"

kdir=$top/build/kernels/$kver
new=$sid/root.new

# checker_fixup ROOT KVER: Debian's headers package lacks the kernel's
# scripts/checker-valid.sh, which the Makefile runs for C=1 to see whether
# sparse can parse the headers; without it C=1 is dropped with a warning.
# Ours answers the same question: 1 when the checker reports no error on
# the construct the kernel's headers need (__typeof_unqual__).
checker_fixup() {
	local mk f
	# The flavour's headers point at the common ones (the source link).
	mk=$1/usr/src/$(basename "$(readlink "$1/usr/lib/modules/$2/source")")
	f=$mk/scripts/checker-valid.sh
	grep -qs checker-valid.sh "$mk/Makefile" || return 0
	[ ! -e "$f" ] || return 0
	cat > "$f" <<-'EOF'
	#!/bin/sh
	# Written by pvblk's scripts/sid-root.sh (Debian's headers lack it):
	# prints 1 when the checker "$@" parses __typeof_unqual__ without error.
	t=$(mktemp --suffix=.c) || exit 1
	trap 'rm -f "$t"' EXIT
	printf 'static int u(const int *q) { __typeof_unqual__(*q) v = *q; return v; }\n' > "$t"
	if "$@" "$t" 2>&1 | grep -q error; then echo 0; else echo 1; fi
	EOF
	chmod 755 "$f"
}

root_ok() { [ "$(stamp_get kver)" = "$kver" ] && [ -f "$root/usr/src/linux-headers-$kver/Makefile" ]; }
if root_ok && [ -f "$kdir/.done" ]; then
	checker_fixup "$root" "$kver"
	say "build root and kernel up to date ($kver, sid $version)"
	echo "$kver"
	exit 0
fi
cleanup() { rm -rf "$new" "$kdir.new"; }
trap cleanup EXIT

# 2. Every package we need must be in sid at the image's version: during a
# transition the metapackage can name a kernel whose headers or modules
# are not built yet.
if [ -n "$(pkgver "linux-binary-$kver")" ]; then
	kpkgs=("linux-binary-$kver" "linux-modules-$kver" "linux-base-$kver")
else
	kpkgs=("linux-image-$kver")	# one package before sid's split
fi
for p in "linux-headers-$kver" "${kpkgs[@]}"; do
	v=$(pkgver "$p")
	if [ "$v" != "$version" ]; then
		fall_back "sid is mid-transition: $meta names linux-image-$kver $version, but $p is ${v:+at $v}${v:-missing}"
	fi
done

# 3. The kernel and its modules for the guests (first: it is the cheaper
# download, and fails faster).
if [ ! -f "$kdir/.done" ]; then
	say "fetching kernel $kver (sid $version)"
	files=()
	for p in "${kpkgs[@]}"; do
		f=$(ls "$debs/${p}_${version}_"*.deb 2>/dev/null | head -n1 || true)
		if [ -z "$f" ]; then
			if ! out=$(cd "$debs" && timeout "$t_fetch" apt-get "${APT[@]}" -q download "$p" 2>&1); then
				fall_back "cannot download $p from sid within ${t_fetch}s: $(echo "$out" | grep -E '^(E|Err):' | head -n 2 | tr '\n' ' ')"
			fi
			f=$(ls "$debs/${p}_${version}_"*.deb | head -n1)
		fi
		files+=("$f")
	done
	rm -rf "$kdir.new"
	mkdir -p "$kdir.new"
	for f in "${files[@]}"; do
		dpkg -x "$f" "$kdir.new"
	done
	normalize_tree "$kdir.new" "$kver"
	[ -e "$kdir.new/boot/vmlinuz-$kver" ] ||
		fall_back "sid's kernel packages of $kver hold no vmlinuz"
	depmod -b "$kdir.new" "$kver"
	touch "$kdir.new/.done"
fi

# 4. The build root, made aside and swapped in when complete. debootstrap
# runs in its own mount namespace: whatever it mounts in the target goes
# away with it, even when the timeout kills it.
if ! root_ok; then
	say "making the sid build root for $kver (was: ${good_kver:-none}); about a minute"
	rm -rf "$new"
	include=make,gcc,linux-headers-$kver
	if [ -n "$(pkgver sparse)" ]; then
		include=$include,sparse
	fi
	t0=$(date +%s)
	if ! timeout "$t_root" unshare --mount --propagation private \
		debootstrap --variant=minbase --keyring="$keyring" --include="$include" \
		sid "$new" "$mirror" > "$sid/debootstrap.log" 2>&1; then
		msg=$(grep -E '^(E|W):' "$sid/debootstrap.log" | tail -n 3 | tr '\n' ' ')
		fall_back "debootstrap of sid failed or took more than ${t_root}s (mid-transition or unreachable?): ${msg:-see build/sid/debootstrap.log}"
	fi
	chroot "$new" apt-get clean
	rm -rf "$new"/var/lib/apt/lists/*
	checker_fixup "$new" "$kver"
	if [ ! -f "$new/usr/src/linux-headers-$kver/Makefile" ] ||
		! chroot "$new" gcc --version > /dev/null; then
		fall_back "the new build root has no usable gcc or headers for $kver (build/sid/debootstrap.log)"
	fi
	say "build root made in $(($(date +%s) - t0))s ($(du -sh "$new" | cut -f1))"
fi

# 5. Swap in the new kernel and build root; drop the old ones.
if [ -d "$kdir.new" ]; then
	rm -rf "$kdir"
	mv "$kdir.new" "$kdir"
fi
if [ -d "$new" ]; then
	rm -rf "$sid/root.old"
	if [ -d "$root" ]; then
		mv "$root" "$sid/root.old"
	fi
	mv "$new" "$root"
	rm -rf "$sid/root.old"
	{
		echo "kver=$kver"
		echo "version=$version"
		echo "meta=$meta"
		echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	} > "$stamp.new"
	mv "$stamp.new" "$stamp"
fi
if [ -n "$good_kver" ] && [ "$good_kver" != "$kver" ]; then
	rm -rf "$top/build/kernels/$good_kver" "$top/build/driver/$good_kver" \
		"$top/build/initramfs/$good_kver".*
	rm -f "$debs"/*-"$good_kver"_*.deb
fi
say "ready: kernel $kver, build root build/sid/root"
echo "$kver"
