# shellcheck shell=bash
# Helpers shared by scripts/deps.sh, scripts/kernels.sh and
# scripts/sid-root.sh (sourced, from the top of the tree).

# kconf_entries: the lines of scripts/kernels.conf as "META SUITE ROLE".
kconf_entries() {
	sed -e 's/#.*//' scripts/kernels.conf | awk 'NF == 3 { print $1, $2, $3 }'
}

# resolve_kver META [APT-CACHE OPTIONS...] -> the kernel version the
# metapackage depends on (linux-image-<kver>), or nothing.
resolve_kver() {
	local meta=$1
	shift
	{ apt-cache "$@" depends "$meta" 2>/dev/null || true; } |
		awk '/Depends: linux-image-[0-9]/ { sub("linux-image-", "", $2); print $2; exit }'
}

# normalize_tree DIR KVER: give an extracted kernel the layout the harness
# reads (boot/vmlinuz-KVER, boot/config-KVER, lib/modules/KVER), whichever
# way the packages lay it out. Bookworm's packages ship /boot and
# /lib/modules; sid's (merged /usr, split linux-binary / linux-modules /
# linux-base) ship everything under usr/lib/modules/KVER/.
normalize_tree() {
	local dir=$1 kver=$2 m
	if [ ! -e "$dir/lib" ] && [ -d "$dir/usr/lib" ]; then
		ln -s usr/lib "$dir/lib"
	fi
	m=$dir/lib/modules/$kver
	mkdir -p "$dir/boot"
	if [ ! -e "$dir/boot/vmlinuz-$kver" ] && [ -e "$m/vmlinuz" ]; then
		ln -s "../lib/modules/$kver/vmlinuz" "$dir/boot/vmlinuz-$kver"
	fi
	if [ ! -e "$dir/boot/config-$kver" ] && [ -e "$m/config" ]; then
		ln -s "../lib/modules/$kver/config" "$dir/boot/config-$kver"
	fi
}
