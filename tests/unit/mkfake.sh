#!/usr/bin/env bash
# mkfake.sh DIR: a fake system tree for pvtune-adm --root DIR.
# Disks: vda (virtio-blk), pvda and pvdb (pvblk), loop0 (no device link).
# Profiles: the shipped ones from tuned-profiles/ under /usr/lib/pvtune/profiles.
set -euo pipefail
R=$1
top=$(cd "$(dirname "$0")/../.." && pwd)

w() { mkdir -p "$(dirname "$R$1")"; printf '%s\n' "$2" >"$R$1"; }

disk() { # name scheduler-line
	local q=/sys/block/$1/queue
	mkdir -p "$R/sys/block/$1/device"
	w /sys/block/$1/removable 0
	w $q/scheduler "$2"
	w $q/read_ahead_kb 128
	w $q/nr_requests 256
	w $q/rq_affinity 1
	w $q/nomerges 0
	w $q/add_random 1
	w $q/iostats 1
	w $q/max_sectors_kb 1280
	w $q/max_hw_sectors_kb 2147483647
}

pvblk() {
	w /sys/block/$1/pvblk/batch_kicks 0
	w /sys/block/$1/pvblk/irq_moderation 0
	w /sys/block/$1/pvblk/poll_max_usecs 0
}

disk vda "[mq-deadline] kyber bfq none"
disk pvda "[none] mq-deadline"
disk pvdb "[none] mq-deadline"
pvblk pvda
pvblk pvdb
mkdir -p "$R/sys/block/loop0/queue"
w /sys/block/loop0/queue/scheduler "[none]"

w /sys/devices/system/cpu/online 0-1
w /proc/cpuinfo "processor	: 0
flags		: fpu vme de pse tsc msr pae mce cx8 apic x2apic hypervisor lahf_lm"
w /proc/cmdline "root=/dev/vda1 console=ttyS0"
w /dev/kmsg "6,1,100,-;x2apic enabled
6,2,101,-;Switched APIC routing to physical x2apic."
w /proc/interrupts "           CPU0       CPU1
  0:         40          0   IO-APIC   2-edge      timer
 24:          0          0   PCI-MSI 65536-edge      virtio0-config
 25:        100          0   PCI-MSI 65537-edge      virtio0-req.0
 26:          0        100   PCI-MSI 65538-edge      virtio0-req.1
 27:          5          0   PCI-MSI 98304-edge      pvblk0-req.0
NMI:          0          0   Non-maskable interrupts"
for i in 0 24 25 26 27; do w /proc/irq/$i/smp_affinity_list 0-1; done
for k in dirty_ratio:20 dirty_background_ratio:10 swappiness:60; do
	w /proc/sys/vm/${k%%:*} ${k#*:}
done
w /proc/sys/kernel/sched_autogroup_enabled 1
mkdir -p "$R/usr/lib/pvtune/profiles" "$R/etc/pvtune" "$R/run"
cp -r "$top"/tuned-profiles/* "$R/usr/lib/pvtune/profiles/"
