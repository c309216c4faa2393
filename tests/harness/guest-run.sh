#!/bin/sh
# guest-run.sh busybox|systemd -- runs inside the test guest (POSIX sh).
#
# busybox: started by the initramfs /init as PID 1 after switch_root; mounts
#          the API file systems first.
# systemd: started by pvtest.service; mounts nothing, waits until the boot
#          is finished (systemctl is-system-running --wait). In image mode
#          (pvtest.image=1: a Debian image booted from its own disk, started
#          by pvtest-image.service, see mkimage.sh) it ends with a clean
#          `systemctl poweroff` instead of a forced one.
#
# Runs /pvtest/script with bash under a timeout, output to /pvtest/script.log
# and to the console; then saves dmesg, checks it for kernel splats, writes
# the result to /pvtest/rc and powers the guest off.
#
# Files in /pvtest (the per-test host directory):
#   in : script, dmesg-ignore (optional, grep -E patterns, one a line)
#   out: started (uptime when the script started), script.log, script-rc,
#        dmesg, dmesg-check (offending lines; empty when clean), rc (0 = pass),
#        systemd only: system-state, failed-units, journal;
#        when the script timed out, or the host asked (hang-req): hang-guest
#        (the disks with requests in flight) and hang-state (blk-mq debugfs,
#        the kernel stacks of tasks in D state), then hang; the host's hang
#        watcher adds QEMU's view of the virtqueues into hang-summary
mode=${1:-busybox}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
P=/pvtest
con=/dev/console

say() { echo "pvtest: [$(cut -d" " -f1 /proc/uptime)] $*" > $con; }

# hang_guest: the guest's part of a hang report, when the script timed out
# or when the host asks (hang-req: a wait of the test timed out). Which
# disks still had requests in flight (their driver, pvblk's counters), or
# held in blk-mq, never sent to the driver (on a hardware queue's dispatch
# list or a CPU's software queue; an I/O scheduler's are not counted), into
# hang-guest; blk-mq's debugfs and the stacks of tasks in D state into
# hang-state. Then it creates hang: the host (tests/harness/vm.py's hang
# watcher) adds QEMU's view of the virtqueues and writes hang-summary, which
# the test runner's failure report shows.
hang_guest() {
	n=0
	for b in /sys/block/*; do
		d=${b##*/}
		read -r r w < "$b/inflight" 2>/dev/null || continue
		q=/sys/kernel/debug/block/$d
		held=$(cat "$q"/hctx*/dispatch "$q"/hctx*/cpu*/*rq_list 2>/dev/null | wc -l)
		[ $((r + w + held)) -gt 0 ] || continue
		n=$((n + 1))
		drv=$(readlink -f "$b/device/driver" 2>/dev/null)
		pci=$(readlink -f "$b/device" 2>/dev/null)
		pci=${pci%/*}
		echo "guest: $d (${drv##*/}, pci ${pci##*/}): in flight $r reads, $w writes"
		if [ "$held" -gt 0 ]; then
			st=
			for f in "$q"/hctx*/state; do
				h=${f%/state}
				v=$(cat "$f" 2>/dev/null)
				[ -z "$v" ] || st="$st ${h##*/} $v"
			done
			echo "guest: $d: $held more held in blk-mq, not sent to the driver" \
			     "(hardware queue state:${st:- none set})"
		fi
		if [ -r "$b/pvblk/stats" ]; then
			sed "s/^/guest: $d pvblk: /" "$b/pvblk/stats"
		fi
		{
			echo "=== $d (${drv##*/}): in flight $r $w"
			for f in "$q"/hctx*/busy "$q"/hctx*/dispatch "$q"/hctx*/state \
			         "$q"/hctx*/cpu*/*rq_list; do
				[ -r "$f" ] && { echo "# $f"; cat "$f"; }
			done
		} >> $P/hang-state 2>&1
	done > $P/hang-guest.tmp
	[ $n -gt 0 ] || echo "guest: no disk had a request in flight or held in blk-mq" >> $P/hang-guest.tmp
	for s in /proc/[0-9]*/stat; do
		b=${s%/stat}
		[ "$(cut -d' ' -f3 "$s" 2>/dev/null)" = D ] || continue
		echo "=== task ${b#/proc/} $(cat "$b/comm" 2>/dev/null), state D"
		cat "$b/stack" 2>/dev/null
	done >> $P/hang-state
	mv $P/hang-guest.tmp $P/hang-guest
	: > $P/hang
}

# the host's request (at most one), watched for while the script runs
hang_watch() {
	while [ ! -e $P/hang-req ]; do
		sleep 0.5
	done
	hang_guest
}

if [ "$mode" = busybox ]; then
	mount -t proc -o nosuid,nodev,noexec proc /proc
	mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
	mount -t devtmpfs -o nosuid devtmpfs /dev 2>/dev/null
	mkdir -p /dev/pts /dev/shm
	mount -t devpts -o nosuid,noexec,gid=5,mode=620,ptmxmode=666 devpts /dev/pts
	mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /dev/shm
	mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run
	mkdir -p /run/lock
	mount -t debugfs -o nosuid,nodev,noexec debugfs /sys/kernel/debug 2>/dev/null
	mount -t tracefs -o nosuid,nodev,noexec tracefs /sys/kernel/tracing 2>/dev/null
	mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 /sys/fs/cgroup 2>/dev/null
	ln -sfn /proc/self/fd /dev/fd
	ln -sfn /proc/self/fd/0 /dev/stdin
	ln -sfn /proc/self/fd/1 /dev/stdout
	ln -sfn /proc/self/fd/2 /dev/stderr
	hostname pvtest
fi

top= timeout=300 image=0
for w in $(cat /proc/cmdline); do
	case $w in
	pvtest.top=*) top=${w#*=} ;;
	pvtest.timeout=*) timeout=${w#*=} ;;
	pvtest.image=*) image=${w#*=} ;;
	esac
done
export PVTEST_TOP="$top" PVTEST_KVER="$(uname -r)" PVTEST_MODE="$mode" PVTEST_DIR=$P
export PVTEST_IMAGE=$image

if [ "$mode" = systemd ]; then
	state=$(timeout 120 systemctl is-system-running --wait 2>&1)
	{
		echo "$state"
		systemctl --failed --no-legend --plain 2>&1
	} > $P/system-state
	say "system is $state"
fi

# Time left for the script: the host kills QEMU at pvtest.timeout seconds
# (counted from QEMU's start), keep a margin for the epilogue (a hang
# report takes up to 10 s of it).
up=$(cut -d. -f1 /proc/uptime)
left=$((timeout - up - 25))
[ $left -ge 5 ] || left=5

cut -d' ' -f1 /proc/uptime > $P/started
say "running /pvtest/script ($mode mode, uptime ${up}s, timeout ${left}s)"
: > $P/script.log
# The script's output goes to the log file (not a pipe: daemons it starts
# may keep their stdout open); tail copies it to the console, and does a
# last read when the script has exited (--pid), so nothing is lost.
(cd $P && exec timeout -k 5 $left bash $P/script) < /dev/null >> $P/script.log 2>&1 &
spid=$!
tail -n +1 -s 0.2 -f --pid=$spid $P/script.log > $con 2>/dev/null &
tailpid=$!
hang_watch < /dev/null > /dev/null 2>&1 &
watchpid=$!
wait $spid
rc=$?
wait $tailpid
kill $watchpid 2>/dev/null
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo "pvtest: script timed out after ${left}s (rc $rc)" >> $P/script.log
	if [ ! -e $P/hang ]; then
		hang_guest
		n=0
		while [ ! -e $P/hang-summary ] && [ $n -lt 50 ]; do
			sleep 0.2
			n=$((n + 1))
		done
	fi
fi
echo $rc > $P/script-rc
say "script exited with rc $rc"

if [ "$mode" = systemd ]; then
	systemctl --failed --no-legend --plain > $P/failed-units 2>&1
	journalctl -b --no-pager -o short-monotonic > $P/journal 2>&1
fi

dmesg > $P/dmesg 2>&1
pat=/run/pvtest-dmesg-patterns
grep -v -e '^#' -e '^$' "$top/tests/harness/dmesg-patterns" > $pat
if [ -s $P/dmesg-ignore ]; then
	grep -E -f $pat $P/dmesg | grep -v -E -f $P/dmesg-ignore > $P/dmesg-check
else
	grep -E -f $pat $P/dmesg > $P/dmesg-check
fi
if [ -s $P/dmesg-check ]; then
	say "dmesg check FAILED:"
	head -n 20 $P/dmesg-check > $con
	[ $rc -ne 0 ] || rc=100
fi

echo $rc > $P/rc
sync
say "done, rc $rc, powering off"
if [ "$image" = 1 ]; then
	# image mode: the root is a real disk; shut down as an admin would
	# (services stopped, file systems unmounted). The host kills QEMU if
	# this hangs (the VM's timeout).
	systemctl --no-block poweroff
	exit 0
fi
/bin/busybox poweroff -f
echo o > /proc/sysrq-trigger
sleep 10
