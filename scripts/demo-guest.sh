# demo-guest.sh: the guest's side of `make demo` (scripts/demo.py runs it in
# a systemd guest, with PVBLK_KO, TOP, MARK, REQS_B16, REQS_B1, ROUNDS and CAL
# set before it). Lines that start with "demo| " are shown by the host as
# they come; everything else stays in the run's script.log. Any failing
# command fails the demo (the harness runs this with set -euo pipefail).
# The host cuts QEMU's trace log at each handshake (hs), so the kicks of a
# run are the notifications between its two handshakes.

say() { echo "demo| $*"; }

# show CMD...: the command and its output, indented; fails if CMD fails
show() {
	local rc=0 out
	say "  \$ $*"
	out=$("$@" 2>&1) || rc=$?
	printf '%s\n' "$out" | sed 's/^/demo|     /'
	if [ $rc != 0 ]; then
		say "  ($1 exited with $rc)"
		return $rc
	fi
}

hs() {	# hs NAME: the host counts kicks up to here, then lets us go on
	pv_signal "m-$1"
	pv_wait "k-$1" 120
	rm -f "/pvtest/m-$1"
}

. "$TOP/tests/guest/pvblk-lib.sh"
mkdir -p /pvtest/r

# --- the disks: slot 0x10 on pvblk, slot 0x11 on virtio_blk (udev loaded
# virtio_blk at boot for both)
say "loading pvblk.ko; slot 0x10 moves to pvblk, slot 0x11 stays on virtio_blk"
pv_load_virtio_blk
pv_load_pvblk
PV=$(pv_move 0x10 pvblk)
if [ "$(pv_driver_of_slot 0x11)" = virtio_blk ]; then
	VD=$(pv_disk_of_slot 0x11)
else
	VD=$(pv_move 0x11 virtio_blk)
fi
pv_wait_path "/dev/$VD"
if [ "$PVTEST_MODE" = systemd ]; then
	# Installed now, started in the agent part: the install's udev trigger
	# and settle overlap the end of the boot's, before anything is measured.
	say "installing pvtuned, pvtune-adm, the unit, the D-Bus policy and the profiles from agent/ (not started yet)"
	"$TOP/agent/tools/install-in-guest.sh" "$TOP" > /pvtest/install.log 2>&1
	udevadm settle -t 30
fi
declare -A VIO CPU
VIO[$PV]=$(pv_virtio_of_slot 0x10)
VIO[$VD]=$(pv_virtio_of_slot 0x11)
for d in $PV $VD; do
	irq=$(awk -v p="${VIO[$d]}-req" 'index($NF, p) == 1 { sub(":", "", $1); print $1; exit }' /proc/interrupts)
	CPU[$d]=$(cut -d, -f1 "/proc/irq/$irq/effective_affinity_list")
done
DEFSCHED=$(sed 's/.*\[\(.*\)\].*/\1/' "/sys/block/$PV/queue/scheduler")
echo "$PV ${VIO[$PV]} ${CPU[$PV]} $VD ${VIO[$VD]} ${CPU[$VD]} $DEFSCHED" > /pvtest/disks
say "pvblk: /dev/$PV (${VIO[$PV]}), virtio_blk: /dev/$VD (${VIO[$VD]}); both 1 queue, interrupt on vCPU ${CPU[$PV]}/${CPU[$VD]}"

# --- part 1: the drivers side by side
for d in $PV $VD; do echo none > "/sys/block/$d/queue/scheduler"; done
bash "$TOP/bench/pvcount/pvcount-ranges.sh" --spin "pvblk=$PVBLK_KO" virtio_blk > /pvtest/pvcount-ranges
# which trace vdev is which disk: 256 reads at queue depth 1 in a window of its own
for d in $PV $VD; do
	hs "map-$d-a"
	dd if="/dev/$d" of=/dev/null bs=4k count=256 iflag=direct status=none
	hs "map-$d-b"
done

# Each workload is one fio invocation whose jobs (the runs) go one after the
# other (stonewall): one fio start-up per workload, not per run (fio starts
# slowly under TCG). Each job's exec_prerun/exec_postrun is the hook below:
# "pre" snapshots the disk's counters, takes the handshake with the host
# (which cuts the trace there) and, last, marks the start of pvcount's window;
# "post" marks its end first, then snapshots and takes the handshake again.
declare -p VIO > /tmp/demo-env.sh
echo "MARK=$MARK" >> /tmp/demo-env.sh
cat > /tmp/demo-hook.sh <<'HOOK'
#!/bin/bash
# demo-hook.sh pre|post ID DISK TAG WORKLOAD
set -eu
. /tmp/demo-env.sh
phase=$1 id=$2 d=$3 tag=$4 wl=$5
snap() {	# its queue interrupts, block-layer stat, pvblk counters
	awk -v p="${VIO[$d]}-req" 'index($NF, p) == 1 { s = 0; for (i = 2; i < NF; i++) if ($i ~ /^[0-9]+$/) s += $i; print "@irq", $NF, s }' /proc/interrupts
	echo "@stat $(cat "/sys/block/$d/stat")"
	if [ -e "/sys/block/$d/pvblk/stats" ]; then
		sed 's/^/@pv /' "/sys/block/$d/pvblk/stats"
	fi
}
hs() {	# the host counts the kicks up to here, then lets us go on
	local i=0
	: > "/pvtest/m-$1"
	while [ ! -e "/pvtest/k-$1" ]; do
		i=$((i + 1))
		if [ $i -gt 6000 ]; then echo "demo-hook: no answer from the host to $1" >&2; exit 1; fi
		sleep 0.02
	done
	rm -f "/pvtest/m-$1"
}
case $phase in
pre)
	snap > "/pvtest/r/$id.pre"
	hs "$id-a"
	exec "$MARK" "$tag"
	;;
post)
	"$MARK" $((tag + 1))
	snap > "/pvtest/r/$id.post"
	echo "$id $tag $d $wl" >> /pvtest/r/runs
	hs "$id-b"
	;;
esac
HOOK

N=0
job() {	# job ID DISK WORKLOAD REQUESTS: one run, a job of the workload's fio file
	local id=$1 d=$2 wl=$3 n=$4 tag
	N=$((N + 1))
	tag=$((2 * N))
	printf '[%s]\nfilename=/dev/%s\nnumber_ios=%d\ncpus_allowed=%s\n' "$id" "$d" "$n" "${CPU[$d]}"
	printf 'exec_prerun=bash /tmp/demo-hook.sh pre %s %s %d %s\n' "$id" "$d" $tag "$wl"
	printf 'exec_postrun=bash /tmp/demo-hook.sh post %s %s %d %s\n\n' "$id" "$d" $tag "$wl"
}

drv() { [ "$1" = "$PV" ] && echo pvblk || echo virtio_blk; }
for wl in b16 b1; do
	n=$REQS_B16
	[ $wl = b1 ] && n=$REQS_B1
	say "fio 4k random reads, queue depth 32, batches of ${wl#b}: a $CAL-request run per driver (the fixed cost), then $ROUNDS rounds of $n requests"
	{
		printf '[global]\nioengine=io_uring\ndirect=1\nrw=randread\nbs=4k\niodepth=32\n'
		printf 'iodepth_batch_submit=%d\niodepth_batch_complete_min=%d\nstonewall=1\n\n' "${wl#b}" "${wl#b}"
		for d in $PV $VD; do
			job "cal-$wl-$(drv "$d")" "$d" $wl "$CAL"
		done
		for r in $(seq "$ROUNDS"); do
			order="$PV $VD"
			[ $((r % 2)) = 0 ] && order="$VD $PV"
			for d in $order; do
				job "$wl-$r-$(drv "$d")" "$d" $wl "$n"
			done
		done
	} > "/pvtest/r/$wl.fio"
	fio --output-format=json --output="/pvtest/r/$wl.json" "/pvtest/r/$wl.fio" > /dev/null
done
pv_signal part1
pv_wait part1-shown 120

# --- part 2: the agent, as a systemd service
say "putting both disks' scheduler back to the kernel's choice ($DEFSCHED), which part 1 had set to none"
for d in $PV $VD; do echo "$DEFSCHED" > "/sys/block/$d/queue/scheduler"; done
if [ "$PVTEST_MODE" = systemd ]; then
	say "systemctl start pvtuned"
	systemctl start pvtuned
	say "  pvtuned is $(systemctl is-active pvtuned) (systemd service, Type=$(systemctl show -p Type --value pvtuned), pid $(systemctl show -p MainPID --value pvtuned))"
	ADM=(pvtune-adm)
else
	say "installing pvtune-adm and the profiles from agent/ into the guest"
	install -m 0755 "$TOP/agent/pvtune-adm" /usr/sbin/
	mkdir -p /usr/lib/pvtune/profiles
	cp -r "$TOP"/tuned-profiles/* /usr/lib/pvtune/profiles/
	say "no systemd in this guest (busybox init), so no pvtuned service: pvtune-adm --no-daemon"
	say "does pvtuned's work itself, with the same code (agent/lib/ops)"
	ADM=(pvtune-adm --no-daemon)
fi

values() {	# what pvblk-guest sets, as the kernel shows it now
	local d f
	for d in $PV $VD; do
		for f in queue/scheduler queue/rq_affinity queue/add_random; do
			echo "$d/$f $(cat "/sys/block/$d/$f")"
		done
	done
	for f in batch_kicks poll_max_usecs irq_moderation; do
		echo "$PV/pvblk/$f $(cat "/sys/block/$PV/pvblk/$f")"
	done
	for f in dirty_ratio dirty_background_ratio swappiness; do
		echo "vm.$f $(cat "/proc/sys/vm/$f")"
	done
}
values > /pvtest/values-before
show "${ADM[@]}" list
show "${ADM[@]}" profile pvblk-guest
values > /pvtest/values-profile
show "${ADM[@]}" verify
show "${ADM[@]}" off
values > /pvtest/values-off
if cmp -s /pvtest/values-before /pvtest/values-off; then
	say "  after off, all $(wc -l < /pvtest/values-off) values pvblk-guest sets read as before the profile (sysfs, /proc/sys)"
else
	say "  after off, values differ from before the profile:"
	diff /pvtest/values-before /pvtest/values-off | sed 's/^/demo|     /'
	exit 1
fi
[ "$PVTEST_MODE" != systemd ] || systemctl stop pvtuned

# --- part 3: the host side, done by the host while the guest waits
pv_signal host-part
pv_wait host-done 300
say "guest done"
