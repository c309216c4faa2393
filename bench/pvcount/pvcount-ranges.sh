#!/bin/bash
# pvcount-ranges.sh MODULE[=FILE.ko] ... > RANGES
#
# Runs in the guest: prints the text ranges of loaded modules in the format
# the pvcount plugin reads ("NAME START END", hex, END exclusive), one line
# per executable section. Each section's address is the kernel's
# (/sys/module/MODULE/sections/NAME, root only), its size comes from the
# module's ELF file: FILE.ko, or `modinfo -n MODULE` (xz and zstd modules are
# decompressed into a temporary file). Init sections are left out: the kernel
# frees them after loading. A module that is not loaded, or a section the
# kernel does not list, is an error.
set -euo pipefail

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for arg in "$@"; do
	mod=${arg%%=*}
	ko=${arg#*=}
	[ "$ko" != "$arg" ] || ko=$(modinfo -n "$mod")
	secs=/sys/module/$mod/sections
	if [ ! -d "$secs" ]; then
		echo "pvcount-ranges: module $mod is not loaded (no $secs)" >&2
		exit 1
	fi
	case $ko in
	*.xz) xz -dc "$ko" > "$tmp/$mod.ko"; ko=$tmp/$mod.ko ;;
	*.zst) zstd -qdc "$ko" > "$tmp/$mod.ko"; ko=$tmp/$mod.ko ;;
	esac
	n=0
	# readelf -SW: "[Nr] Name Type Address Off Size ES Flg Lk Inf Al"
	while read -r name size; do
		case $name in .init*) continue ;; esac
		if [ ! -r "$secs/$name" ]; then
			echo "pvcount-ranges: $mod: no $secs/$name" >&2
			exit 1
		fi
		read -r addr < "$secs/$name"
		if [ $((addr)) -eq 0 ]; then
			echo "pvcount-ranges: $mod: $secs/$name reads 0 (not root, or kptr_restrict)" >&2
			exit 1
		fi
		printf '%s %x %x\n' "$mod" $((addr)) $((addr + 16#$size))
		n=$((n + 1))
	done < <(readelf -SW "$ko" | sed -n 's/^ *\[ *[0-9]*\] //p' |
		 awk 'NF == 10 && $7 ~ /X/ && $7 ~ /A/ && $5 !~ /^0+$/ { print $1, $5 }')
	if [ $n = 0 ]; then
		echo "pvcount-ranges: $mod: no executable section in $ko" >&2
		exit 1
	fi
done
