"""Freeze and restore: a system sleep cycle with pm_test=devices, so the
devices' freeze and restore callbacks run without needing a wake-up
source, while writers keep pvblk busy; afterwards the data reads back
intact, the counters survived and new I/O completes.

The 9p transport under the guest's root has no freeze/restore support, so
the part that runs across the sleep cycle uses only a static busybox copied
to tmpfs and reports on the serial console; the host reads the verdict
there and powers the guest off through sysrq."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pvdisk import disk, make_image, prelude  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "harness"))
from vm import _first_splat  # noqa: E402

PM_SCRIPT = r"""
# Runs from tmpfs with busybox only; reports through the kernel log, which
# reaches the serial console whatever state the tty is in.
D=$1
say() { echo "$*" > /dev/kmsg; echo "$*"; }
fail() { say "PVBLK-PM-FAIL: $*"; echo o > /proc/sysrq-trigger; sleep 30; exit 1; }
trap 'fail "pm script ended early"' EXIT
sum() { awk -v k="$1" '{ for (i = 1; i <= NF; i++) { split($i, a, "="); if (a[1] == k) s += a[2] } } END { print s + 0 }' /sys/block/$D/pvblk/stats; }
# four writers, 16 MiB each, busy across the sleep cycle
for i in 0 1 2 3; do
	(dd if=/tmp/pat of=/dev/$D bs=4k seek=$((i * 4096)) oflag=direct conv=notrunc 2>/tmp/dd$i.err || echo fail > /tmp/dd$i.fail) &
done
sleep 1
before=$(sum requests)
say "pvblk-pm: $before requests before the sleep cycle"
echo devices > /sys/power/pm_test || fail "pm_test"
echo freeze > /sys/power/state || fail "freeze cycle failed"
echo none > /sys/power/pm_test
say "pvblk-pm: resumed, waiting for the writers"
wait
for i in 0 1 2 3; do [ ! -e /tmp/dd$i.fail ] || fail "writer $i: $(cat /tmp/dd$i.err)"; done
for i in 0 1 2 3; do
	got=$(dd if=/dev/$D bs=4k skip=$((i * 4096)) count=4096 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
	[ "$got" = "$(cat /tmp/pat.md5)" ] || fail "region $i reads back $got"
done
after=$(sum requests)
[ "$after" -gt "$before" ] || fail "requests went from $before to $after"
[ "$(sum requests)" -eq "$(sum completions)" ] || fail "requests != completions"
trap - EXIT
say "PVBLK-PM-OK before=$before after=$after"
echo o > /proc/sysrq-trigger
sleep 30
"""

GUEST = r"""
pv_load_pvblk
D=$(pv_disk_of_slot 0x10); pv_wait_path /dev/$D
cp /bin/busybox /tmp/busybox
mkdir -p /tmp/bin && /tmp/busybox --install -s /tmp/bin
dd if=/dev/urandom of=/tmp/pat bs=1M count=16 status=none
md5sum < /tmp/pat | cut -d' ' -f1 > /tmp/pat.md5
cp /pvtest/pm.sh /tmp/pm.sh
exec >/dev/ttyS0 2>&1 </dev/null
PATH=/tmp/bin exec /tmp/busybox sh /tmp/pm.sh $D
"""


def test_freeze_restore(ctx):
    vm = ctx.vm(timeout=300)
    vm.extra += disk("pm", 0x10, image=make_image(vm.path("pm.img"), 80))
    with open(vm.path("pm.sh"), "w") as f:
        f.write(PM_SCRIPT)
    vm.script = prelude(ctx) + GUEST
    vm.start()
    res = vm.wait(check=False)
    console = res.console
    assert "PM: suspend debug" in console, "the sleep cycle did not run"
    fails = [ln for ln in console.splitlines() if "PVBLK-PM-FAIL" in ln]
    assert not fails, fails[0]
    assert "restored with" in console, "pvblk's restore callback did not run"
    assert "PVBLK-PM-OK" in console, "no verdict on the console (reason: %s)" % res.reason
    splat = _first_splat(console)
    assert splat is None, "kernel splat: %s" % splat
