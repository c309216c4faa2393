# pvblk-lib.sh -- guest-side helpers for the driver tests (sourced by the
# scripts that tests/guest/test_driver_*.py run in the guest) and for the
# benchmarks' guest scripts (bench/).
# PVBLK_KO is set by the host to the pvblk.ko built for the booted kernel.

# pv_load_pvblk [PARAMS...]: load our module (idempotent).
pv_load_pvblk() {
	[ -d /sys/module/pvblk ] || insmod "$PVBLK_KO" "$@"
}

pv_load_virtio_blk() {
	[ -d /sys/module/virtio_blk ] || modprobe virtio_blk
}

# pv_wait_path PATH [TIMEOUT]: wait for a file or device node to appear.
pv_wait_path() {
	local p=$1 tmo=${2:-30} i=0
	while [ ! -e "$p" ]; do
		i=$((i + 1))
		if [ $i -gt $((tmo * 10)) ]; then
			echo "pv_wait_path: $p did not appear within ${tmo}s" >&2
			return 1
		fi
		sleep 0.1
	done
}

# pv_wait_gone PATH [TIMEOUT]
pv_wait_gone() {
	local p=$1 tmo=${2:-30} i=0
	while [ -e "$p" ]; do
		i=$((i + 1))
		if [ $i -gt $((tmo * 10)) ]; then
			echo "pv_wait_gone: $p still there after ${tmo}s" >&2
			return 1
		fi
		sleep 0.1
	done
}

# pv_virtio_of_slot SLOT: the virtio device (virtioN) behind PCI slot SLOT
# (hex, as given to -device ...,addr=SLOT).
pv_virtio_of_slot() {
	local d
	d=$(printf '/sys/bus/pci/devices/0000:00:%02x.0' "$((16#${1#0x}))")
	basename "$(ls -d "$d"/virtio* | head -n1)"
}

# pv_wait_slot SLOT [TIMEOUT]: wait until a (hot-plugged) device in SLOT
# has its virtio device bound to a driver.
pv_wait_slot() {
	local d tmo=${2:-30} i=0
	d=$(printf '/sys/bus/pci/devices/0000:00:%02x.0' "$((16#${1#0x}))")
	until ls -d "$d"/virtio*/driver >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt $((tmo * 10)) ]; then
			echo "pv_wait_slot: no bound virtio device in $d after ${tmo}s" >&2
			return 1
		fi
		sleep 0.1
	done
}

# pv_disk_of_slot SLOT: the block device name (pvda, vda, ...) of a slot.
pv_disk_of_slot() {
	local v
	v=$(pv_virtio_of_slot "$1")
	ls "/sys/bus/virtio/devices/$v/block" 2>/dev/null | head -n1
}

# pv_driver_of_slot SLOT: the driver bound to the slot's virtio device.
pv_driver_of_slot() {
	local v
	v=$(pv_virtio_of_slot "$1")
	basename "$(readlink "/sys/bus/virtio/devices/$v/driver")"
}

# pv_move SLOT DRIVER: unbind the slot's virtio device from its driver and
# bind it to DRIVER (pvblk or virtio_blk); prints the new disk name.
pv_move() {
	local slot=$1 drv=$2 v cur
	v=$(pv_virtio_of_slot "$slot")
	if [ -e "/sys/bus/virtio/devices/$v/driver" ]; then
		cur=$(basename "$(readlink "/sys/bus/virtio/devices/$v/driver")")
		echo "$v" > "/sys/bus/virtio/drivers/$cur/unbind"
	fi
	echo "$v" > "/sys/bus/virtio/drivers/$drv/bind"
	pv_wait_path "/sys/bus/virtio/devices/$v/block" 30
	local disk
	disk=$(ls "/sys/bus/virtio/devices/$v/block" | head -n1)
	pv_wait_path "/dev/$disk" 30
	echo "$disk"
}

# pv_stat_sum DISK KEY: KEY summed over the queues of DISK's pvblk/stats.
pv_stat_sum() {
	awk -v k="$2" '{ for (i = 1; i <= NF; i++) { split($i, a, "="); if (a[1] == k) s += a[2] } } END { print s + 0 }' \
		"/sys/block/$1/pvblk/stats"
}

# pv_check_stats_format DISK: every line starts with queue=N and has the
# keys DESIGN.md promises.
pv_check_stats_format() {
	local f=/sys/block/$1/pvblk/stats key n=0
	while read -r line; do
		case "$line" in
		"queue=$n "*) ;;
		*) echo "stats line $n does not start with queue=$n: $line" >&2; return 1 ;;
		esac
		for key in requests kicks irqs completions polled kicks_suppressed; do
			case " $line " in
			*" $key="[0-9]*) ;;
			*) echo "stats line $n lacks $key=: $line" >&2; return 1 ;;
			esac
		done
		n=$((n + 1))
	done < "$f"
	[ "$n" -gt 0 ] || { echo "empty $f" >&2; return 1; }
}

# pv_expect_fail CMD...: run CMD, succeed only if it fails.
pv_expect_fail() {
	if "$@"; then
		echo "expected failure, but succeeded: $*" >&2
		return 1
	fi
	return 0
}

# pv_stall_diag DISK [TITLE]: the guest's view of a disk whose I/O stopped
# making progress (bench/bench.py's stall watcher, bench/stall_repro.py):
# pvblk's stats and tunables, in-flight counts, interrupts, softirqs,
# blk-mq's debugfs and the workload's kernel stacks.
pv_stall_diag() {
	local d=$1 f p
	echo "=== ${2:+$2: }$d, uptime $(cat /proc/uptime)"
	if [ -d /sys/block/$d/pvblk ]; then
		echo "--- pvblk stats"; cat /sys/block/$d/pvblk/stats
		for f in poll_max_usecs irq_moderation batch_kicks; do echo "$f=$(cat /sys/block/$d/pvblk/$f)"; done
	fi
	echo "--- inflight, stat"; cat /sys/block/$d/inflight /sys/block/$d/stat
	echo "--- interrupts"; grep -E 'CPU|virtio' /proc/interrupts
	echo "--- softirqs"; grep -E 'CPU|IRQ_POLL|BLOCK' /proc/softirqs
	echo "--- blk-mq debugfs"
	for f in /sys/kernel/debug/block/$d/state /sys/kernel/debug/block/$d/hctx*/state \
	         /sys/kernel/debug/block/$d/hctx*/busy /sys/kernel/debug/block/$d/hctx*/dispatch \
	         /sys/kernel/debug/block/$d/hctx*/tags; do
		[ -r "$f" ] && { echo "# $f"; cat "$f"; }
	done
	echo "--- workload stacks"
	for p in $(pgrep -x fio; pgrep -x db_bench); do echo "# $p $(cat /proc/$p/comm)"; cat /proc/$p/stack; done
	return 0
}
