"""pvblk's run-time tunables take effect as the stats show, bad values are
refused, and data stays intact under every combination of them, also when
they change while I/O runs."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pvdisk import disk, make_image, prelude  # noqa: E402

GUEST = r"""
pv_load_pvblk
N=$(pv_disk_of_slot 0x10); D=$(pv_disk_of_slot 0x11)
pv_wait_path /dev/$N; pv_wait_path /dev/$D
T=/sys/block/$N/pvblk
echo none > /sys/block/$N/queue/scheduler

# defaults
test "$(cat $T/batch_kicks)" = 1
test "$(cat $T/irq_moderation)" = 1
test "$(cat $T/poll_max_usecs)" = 50
test "$(cat $T/irq_moderation_usecs)" = 50

# bad values are refused and change nothing
pv_expect_fail sh -c "echo abc > $T/poll_max_usecs"
pv_expect_fail sh -c "echo 20000 > $T/poll_max_usecs"
# the window's upper bound is 1 ms: a softirq must not poll for longer
pv_expect_fail sh -c "echo 1001 > $T/poll_max_usecs"
echo 1000 > $T/poll_max_usecs
echo 50 > $T/poll_max_usecs
pv_expect_fail sh -c "echo -1 > $T/poll_max_usecs"
pv_expect_fail sh -c "echo 2 > $T/irq_moderation"
pv_expect_fail sh -c "echo maybe > $T/batch_kicks"
pv_expect_fail sh -c "echo 0 > $T/irq_moderation_usecs"
pv_expect_fail sh -c "echo 1001 > $T/irq_moderation_usecs"
test "$(cat $T/irq_moderation_usecs)" = 50
test "$(cat $T/poll_max_usecs)" = 50

load() {	# load NAME: batched 4k random reads at queue depth 32
	fio --name=$1 --filename=/dev/$N --ioengine=io_uring --direct=1 \
	    --rw=randread --bs=4k --iodepth=32 --iodepth_batch_submit=16 \
	    --iodepth_batch_complete_min=8 --size=256m --io_size=12m \
	    --output=/pvtest/fio-$1.txt
}
snap() { for k in requests kicks kicks_suppressed batches polled poll_windows poll_empty moderated irqs; do echo "$k=$(pv_stat_sum $N $k)"; done > /tmp/$1; }
delta() { echo $(( $(grep "^$2=" /tmp/$3 | cut -d= -f2) - $(grep "^$2=" /tmp/$1 | cut -d= -f2) )); }

### poll_max_usecs=0: nothing is found by polling, no polling window opens
echo 0 > $T/poll_max_usecs
snap a; load nopoll; snap b
test "$(delta a polled b)" -eq 0
test "$(delta a poll_windows b)" -eq 0
test "$(delta a requests b)" -ge 3072

### poll_max_usecs>0: interrupts hand over to the poller while requests
### are out and interrupts follow re-arming closely (the window opens) ...
### (a wide window and one-at-a-time submission: interrupts come often)
echo 1000 > $T/poll_max_usecs
snap a
fio --name=poll --filename=/dev/$N --ioengine=io_uring --direct=1 \
    --rw=randread --bs=4k --iodepth=32 --iodepth_batch_submit=1 \
    --iodepth_batch_complete_min=1 --size=256m --io_size=12m \
    --output=/pvtest/fio-poll.txt
snap b
echo "poll_max_usecs=1000, qd 32: irqs=$(delta a irqs b) poll_windows=$(delta a poll_windows b) polled=$(delta a polled b)" | tee -a /pvtest/summary
test "$(delta a poll_windows b)" -gt 0
test "$(delta a poll_windows b)" -le "$(delta a irqs b)"
### ... and polling does not spin: a window closes after two passes in a
### row found nothing, however wide it is. Before, the poller claimed its
### whole budget on empty passes and irq_poll kept re-raising the softirq
### until the window ran out. Sparse completions (qd 4, 200 us each) keep
### the window wide and mostly empty: that took tens of empty passes per
### window, now it takes at most two.
test "$(delta a poll_empty b)" -le $((2 * $(delta a poll_windows b)))
snap a
fio --name=poll4 --filename=/dev/$N --ioengine=io_uring --direct=1 \
    --rw=randread --bs=4k --iodepth=4 --iodepth_batch_submit=1 \
    --iodepth_batch_complete_min=1 --size=256m --io_size=4m \
    --output=/pvtest/fio-poll4.txt
snap b
echo "poll_max_usecs=1000, qd 4: irqs=$(delta a irqs b) poll_windows=$(delta a poll_windows b) poll_empty=$(delta a poll_empty b) polled=$(delta a polled b)" | tee -a /pvtest/summary
test "$(delta a poll_windows b)" -gt 0
test "$(delta a poll_empty b)" -le $((2 * $(delta a poll_windows b)))
### ... but never with nothing in flight: one request at a time never polls
snap a
dd if=/dev/$N of=/dev/null bs=4k count=2000 iflag=direct 2>/dev/null
snap b
echo "poll_max_usecs=1000, qd 1: irqs=$(delta a irqs b) poll_windows=$(delta a poll_windows b)" | tee -a /pvtest/summary
test "$(delta a requests b)" -ge 2000
test "$(delta a poll_windows b)" -eq 0
test "$(delta a polled b)" -eq 0

### irq_moderation: deferred re-arming only when on (polling off, so
### every interrupt re-arms at once). Under TCG completions come further
### apart than the default 50 us bound: a 1 ms bound lets them count as
### "coming closely" here.
echo 1000 > $T/irq_moderation_usecs
echo 0 > $T/poll_max_usecs
echo 0 > $T/irq_moderation
snap a; load nomod; snap b
test "$(delta a moderated b)" -eq 0
echo 1 > $T/irq_moderation
snap a; load mod; snap b
test "$(delta a moderated b)" -gt 0
echo 50 > $T/irq_moderation_usecs

### batch_kicks: one kick per batch when on, one per request when off
echo 1 > $T/batch_kicks
snap a; load batch; snap b
r=$(delta a requests b); k=$(delta a kicks b); s=$(delta a kicks_suppressed b); bt=$(delta a batches b)
echo "batch_kicks=1: requests=$r batches=$bt kicks=$k suppressed=$s" | tee -a /pvtest/summary
test "$k" -lt "$r"
test "$bt" -lt "$r"
test $((k + s)) -eq "$bt"
echo 0 > $T/batch_kicks
snap a; load nobatch; snap b
r=$(delta a requests b); k=$(delta a kicks b); s=$(delta a kicks_suppressed b); bt=$(delta a batches b)
echo "batch_kicks=0: requests=$r batches=$bt kicks=$k suppressed=$s" | tee -a /pvtest/summary
test "$bt" -eq "$r"
test $((k + s)) -eq "$r"
echo 1 > $T/batch_kicks
cat $T/../pvblk/stats

### integrity under every combination of the tunables
TD=/sys/block/$D/pvblk
off=0
for bk in 0 1; do for im in 0 1; do for pm in 0 50; do
	echo $bk > $TD/batch_kicks; echo $im > $TD/irq_moderation; echo $pm > $TD/poll_max_usecs
	fio --name=combo-$bk$im$pm --filename=/dev/$D --ioengine=io_uring --direct=1 \
	    --rw=randwrite --bsrange=4k-64k --iodepth=32 --iodepth_batch_submit=8 \
	    --offset=${off}m --size=6m --verify=crc32c --verify_fatal=1 \
	    --output=/pvtest/fio-combo-$bk$im$pm.txt
	off=$((off + 6))
done; done; done

### and while they change under running I/O
fio --name=flip --filename=/dev/$D --ioengine=libaio --direct=1 --rw=randwrite \
    --bsrange=512-128k --iodepth=64 --numjobs=2 --offset=0 --offset_increment=24m \
    --size=24m --verify=crc32c --verify_fatal=1 --output=/pvtest/fio-flip.txt &
FIO=$!
i=0
while kill -0 $FIO 2>/dev/null; do
	echo $((i % 2)) > $TD/batch_kicks
	echo $(((i / 2) % 2)) > $TD/irq_moderation
	echo $(((i / 4) % 2 * 30)) > $TD/poll_max_usecs
	i=$((i + 1))
	sleep 0.05
done
wait $FIO
echo "flipped $i times" >> /pvtest/summary
test "$i" -gt 4
test "$(pv_stat_sum $D requests)" -eq "$(pv_stat_sum $D completions)"
"""


def test_tunables(ctx):
    vm = ctx.vm(timeout=900)
    # Each request completes on its own timer (200 us), so completions
    # spread out and requests are still in flight when an interrupt is
    # re-armed: the case irq_moderation is for.
    vm.extra += disk("nl", 0x10, null_size_mb=256, dev={"num-queues": 1},
                     blockdev={"latency-ns": 200000})
    vm.extra += disk("tv", 0x11, image=make_image(vm.path("tv.img"), 64))
    vm.script = prelude(ctx) + GUEST
    vm.start()
    vm.wait()
    print("    " + vm.result.file("summary", "").strip().replace("\n", "\n    "))


# Interrupt moderation's time bound. A throttled backend (QEMU's throttle
# filter: writes at 1000 IOPS, reads unthrottled) finishes one write per
# millisecond. A qd 32 writer keeps the queue full beside a qd 1 sync
# reader, on one virtqueue. Without a bound, an interrupt deferred until 3/4
# of the ~33 requests out are done holds the reader's finished read back
# until ~24 throttled writes are done: measured, its p50 went from 0.10 to
# 6 ms and its p99 from 5 to 61 ms (12x). With the bound a deferral lasts
# 50 us at most, and is not tried while completions come far apart, so the
# reader should see what it sees with moderation off.
#
# What is asserted, and why not "p99 within 10%". The host is shared: other
# guests take the cores, and the reader's p99 is set by how long this
# guest's vCPU thread waits for one. Runs of on and off (ABBA, medians of
# p99s) gave 0.8x to 1.4x for one build. Interleaving finely (below) is
# better but not enough: with moderation never engaging at all (the
# driver's counters said so: the same code ran for both settings), the p99
# ratio still ranged 0.79x to 2.05x over four runs at a load average of 7.
# So a 10% bound on p99 would fail at random. The p50 is robust (within
# 0.9-1.1x in every run) and the bug moves it 60x; the p99 gets a loose
# bound (3x) that the bug (12x) still breaks. Both ratios are printed.
#
# The comparison: one 24 s reader run while irq_moderation flips every
# 250 ms, each read (fio's per-I/O log, Unix-epoch timestamps) counted for
# the setting in force for the whole of it (reads that overlap a flip are
# dropped), so both settings sample the same moments of host load.
MOD_GUEST = r"""
pv_load_pvblk
N=$(pv_disk_of_slot 0x10); pv_wait_path /dev/$N
T=/sys/block/$N/pvblk
echo none > /sys/block/$N/queue/scheduler
fio --name=bg --filename=/dev/$N --ioengine=libaio --direct=1 --rw=randwrite \
    --bs=4k --iodepth=32 --size=256m --time_based --runtime=600 \
    --output=/pvtest/fio-bg.txt &
BG=$!
sleep 3
cd /tmp
fio --name=rd --filename=/dev/$N --ioengine=psync --direct=1 \
    --rw=randread --bs=4k --size=256m --time_based --runtime=24 \
    --write_lat_log=rd --log_unix_epoch=1 --output=/pvtest/fio-rd.txt &
RD=$!
m=1
: > flips
while kill -0 $RD 2>/dev/null; do
	t0=$(date +%s%3N)
	echo $m > $T/irq_moderation
	echo "$t0 $(date +%s%3N) $m" >> flips
	m=$((1 - m))
	sleep 0.25
done
wait $RD
kill $BG; wait $BG || true
cp flips rd_clat.1.log /pvtest/
cat $T/stats
"""


def _split_reads(flips_text, lat_text):
    """Clat (ms) of each read that lies wholly inside one setting's span."""
    spans = []		# (start, end, setting): start after a flip's end
    flips = [line.split() for line in flips_text.splitlines() if line.strip()]
    for (a0, a1, m), (b0, _, _) in zip(flips, flips[1:]):
        spans.append((int(a1), int(b0), m))
    lat = {"1": [], "0": []}
    i = 0
    for line in lat_text.splitlines():
        f = [x.strip() for x in line.split(",")]
        if len(f) < 2:
            continue
        done, ns = int(f[0]), int(f[1])
        start = done - ns / 1e6
        while i < len(spans) and spans[i][1] < done:
            i += 1
        if i < len(spans) and spans[i][0] <= start and done <= spans[i][1]:
            lat[spans[i][2]].append(ns / 1e6)
    return lat


def _pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def test_moderation_bound(ctx):
    vm = ctx.vm(timeout=600)
    vm.extra += [
        "-object", "throttle-group,id=tg0,x-iops-write=1000",
        "-blockdev", "driver=null-co,node-name=nl0,read-zeroes=on,size=%d" % (256 << 20),
        "-blockdev", "driver=throttle,node-name=th0,throttle-group=tg0,file=nl0",
        "-device", "virtio-blk-pci,drive=th0,id=th0-dev,addr=0x10,num-queues=1",
    ]
    vm.script = prelude(ctx) + MOD_GUEST
    vm.start()
    res = vm.wait()
    lat = _split_reads(res.file("flips"), res.file("rd_clat.1.log"))
    for m in "10":
        assert len(lat[m]) >= 500, "only %d reads with irq_moderation=%s" % (len(lat[m]), m)
    on50, off50 = _pct(lat["1"], 50), _pct(lat["0"], 50)
    on99, off99 = _pct(lat["1"], 99), _pct(lat["0"], 99)
    print("    reader, interleaved: moderation on %d reads p50 %.3f p99 %.2f ms; "
          "off %d reads p50 %.3f p99 %.2f ms; p50 %.2fx, p99 %.2fx"
          % (len(lat["1"]), on50, on99, len(lat["0"]), off50, off99,
             on50 / off50, on99 / off99))
    assert on50 <= 1.25 * off50, \
        "moderation on: reader p50 %.3f ms, over 1.25x off (%.3f ms)" % (on50, off50)
    assert on99 <= 3 * off99, \
        "moderation on: reader p99 %.2f ms, over 3x off (%.2f ms)" % (on99, off99)
