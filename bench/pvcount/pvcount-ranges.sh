#!/bin/bash
# pvcount-ranges.sh [--spin] MODULE[=FILE.ko] ... > RANGES
#
# Runs in the guest: prints the text ranges of loaded modules in the format
# the pvcount plugin reads ("NAME START END", hex, END exclusive), one line
# per executable section. Each section's address is the kernel's
# (/sys/module/MODULE/sections/NAME, root only), its size comes from the
# module's ELF file: FILE.ko, or `modinfo -n MODULE` (xz and zstd modules are
# decompressed into a temporary file). Init sections are left out: the kernel
# frees them after loading. A module that is not loaded, or a section the
# kernel does not list, is an error.
#
# --spin adds ranges named "spin": the kernel's lock slow paths and the
# loops that wait for a timer callback running on another CPU (the
# functions in SPIN below, from /proc/kallsyms, each up to the next text
# symbol). Under multi-threaded TCG a vCPU spins there for as long as the
# host has descheduled the vCPU thread that holds the lock, so their count
# follows the host's load, not the guest's work (with 2 vCPUs, the RCU grace
# period kthread's timer wait was 5-30 M instructions per 3 s fio run).
set -euo pipefail

SPIN="native_queued_spin_lock_slowpath __pv_queued_spin_lock_slowpath
queued_read_lock_slowpath queued_write_lock_slowpath lock_timer_base
__timer_delete_sync hrtimer_cancel hrtimer_try_to_cancel hrtimer_active
hrtimer_cancel_wait_running"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "${1:-}" = --spin ]; then
	shift
	# kallsyms lists the kernel's own symbols sorted by address, then modules'
	n=$(awk -v want="$SPIN" '
		BEGIN { split(want, w); for (i in w) W[w[i]] = 1 }
		$2 ~ /^[tT]$/ && NF == 3 {
			a = $1
			if (p != "" && a != pa) { print "spin", pa, a; n++; p = "" }
			if ($3 in W) { p = $3; pa = a }
		}
		END { if (n == 0) exit 1 }' /proc/kallsyms | tee "$tmp/spin" | wc -l) || {
		echo "pvcount-ranges: none of the spin functions in /proc/kallsyms (root?)" >&2
		exit 1
	}
	if grep -q "^spin 0* " "$tmp/spin"; then
		echo "pvcount-ranges: /proc/kallsyms reads 0 addresses (not root, or kptr_restrict)" >&2
		exit 1
	fi
	cat "$tmp/spin"
fi

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
