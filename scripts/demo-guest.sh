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
[ "$PVTEST_MODE" != systemd ] || udevadm settle -t 30
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

snap() {	# snap DISK: its queue interrupts, block-layer stat, pvblk counters
	awk -v p="${VIO[$1]}-req" 'index($NF, p) == 1 { s = 0; for (i = 2; i < NF; i++) if ($i ~ /^[0-9]+$/) s += $i; print "@irq", $NF, s }' /proc/interrupts
	echo "@stat $(cat "/sys/block/$1/stat")"
	if [ -e "/sys/block/$1/pvblk/stats" ]; then
		sed 's/^/@pv /' "/sys/block/$1/pvblk/stats"
	fi
}

N=0
run() {	# run ID DISK WORKLOAD REQUESTS
	local id=$1 d=$2 wl=$3 n=$4 batch
	case $wl in
	b16) batch=16 ;;
	b1) batch=1 ;;
	esac
	N=$((N + 1))
	snap "$d" > "/pvtest/r/$id.pre"
	hs "$id-a"
	fio --name="$id" --filename="/dev/$d" --ioengine=io_uring --direct=1 --rw=randread --bs=4k \
	    --iodepth=32 --iodepth_batch_submit=$batch --iodepth_batch_complete_min=$batch \
	    --number_ios="$n" --cpus_allowed="${CPU[$d]}" \
	    --exec_prerun="$MARK $((2 * N))" --exec_postrun="$MARK $((2 * N + 1))" \
	    --output-format=json --output="/pvtest/r/$id.json" > /dev/null
	hs "$id-b"
	snap "$d" > "/pvtest/r/$id.post"
	echo "$id $((2 * N)) $d $wl" >> /pvtest/r/runs
}

drv() { [ "$1" = "$PV" ] && echo pvblk || echo virtio_blk; }
for wl in b16 b1; do
	n=$REQS_B16
	[ $wl = b1 ] && n=$REQS_B1
	say "fio 4k random reads, queue depth 32, batches of ${wl#b}: a $CAL-request run per driver (the fixed cost), then $ROUNDS rounds of $n requests"
	for d in $PV $VD; do
		run "cal-$wl-$(drv "$d")" "$d" $wl "$CAL"
	done
	for r in $(seq "$ROUNDS"); do
		order="$PV $VD"
		[ $((r % 2)) = 0 ] && order="$VD $PV"
		for d in $order; do
			run "$wl-$r-$(drv "$d")" "$d" $wl "$n"
		done
	done
done
pv_signal part1
pv_wait part1-shown 120

# --- part 2: the agent, as a systemd service
say "putting both disks' scheduler back to the kernel's choice ($DEFSCHED), which part 1 had set to none"
for d in $PV $VD; do echo "$DEFSCHED" > "/sys/block/$d/queue/scheduler"; done
if [ "$PVTEST_MODE" = systemd ]; then
	say "installing pvtuned, pvtune-adm, the unit, the D-Bus policy and the profiles from agent/ into the guest"
	"$TOP/agent/tools/install-in-guest.sh" "$TOP" > /pvtest/install.log 2>&1
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
