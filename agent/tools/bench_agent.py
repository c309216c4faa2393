#!/usr/bin/python3
"""bench_agent.py: pvtuned against tuned (Debian's 2.20) in one systemd guest
boot: time to apply an equivalent profile to 16 disks (8 virtio-blk, 8
pvblk), hotplug-to-tuned latency, start-up time (service start until the
profile is on every disk) and RSS.

    agent/tools/bench_agent.py [--kernel KVER] [--no-tuned] [--json FILE]

tuned is not installed on the host: its .debs (and the dependencies the host
lacks) are fetched once with `apt-get install --download-only` into
build/cache/tuned-debs and installed inside the guest only (the guest's root
is a tmpfs overlay). Prints a Markdown table; numbers are from a TCG guest,
so the ratios are what count.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "harness"))
sys.path.insert(0, os.path.join(TOP, "tests", "guest"))

import vm as vmmod  # noqa: E402
from pvdisk import disk  # noqa: E402

DISK_SLOTS = list(range(0x10, 0x20))     # 16 disks: first 8 virtio-blk, last 8 pvblk
HP_SLOTS = {"pvtuned": [0x0d, 0x0e, 0x0f], "tuned": [0x0a, 0x0b, 0x0c]}
RUNS = 5

PVTUNE_PROFILE = """[main]
summary=bench: pvblk-guest plus visible changes
include=pvblk-guest
[disk]
readahead=1024
nr_requests=32
[pvblk]
batch_kicks=0
"""

# The same settings for tuned: [disk] for what its disk plugin knows,
# [sysfs] for the rest (tuned has no nr_requests/rq_affinity/pvblk keys).
TUNED_PROFILE = """[main]
summary=bench: equivalent of pvtune's pvbench
[disk]
devices=vd*,pvd*
elevator=mq-deadline
readahead=1024
[sysfs]
/sys/block/vd*/queue/nr_requests=32
/sys/block/pvd*/queue/nr_requests=32
/sys/block/vd*/queue/rq_affinity=1
/sys/block/pvd*/queue/rq_affinity=1
/sys/block/vd*/queue/add_random=0
/sys/block/pvd*/queue/add_random=0
/sys/block/pvd*/pvblk/batch_kicks=0
[sysctl]
vm.dirty_ratio=30
vm.dirty_background_ratio=10
vm.swappiness=30
"""

GUEST = r"""
export PVBLK_KO=%(ko)s
. $PVTEST_TOP/tests/guest/pvblk-lib.sh
pv_load_virtio_blk
pv_load_pvblk
for s in %(slots)s; do pv_wait_path /dev/$(pv_disk_of_slot $s) 60; done
for s in %(pv_slots)s; do pv_move $s pvblk > /dev/null; done
DISKS=$(for s in %(slots)s; do pv_disk_of_slot $s; done)
echo "disks $(echo $DISKS)" > /pvtest/results
udevadm settle -t 60
$PVTEST_TOP/agent/tools/install-in-guest.sh $PVTEST_TOP
mkdir -p /etc/pvtune/profiles/pvbench
cp /pvtest/pvbench.conf /etc/pvtune/profiles/pvbench/tuned.conf

now() { date +%%s%%N; }
res() { echo "$*" >> /pvtest/results; }
# all_tuned: every bench disk has the bench's read-ahead
# (bash builtins only: no fork per disk, so polling costs little)
all_tuned() {
	local d v
	for d in $DISKS; do
		read -r v < /sys/block/$d/queue/read_ahead_kb
		[ "$v" = 1024 ] || return 1
	done
}
wait_tuned() {
	local i
	for i in $(seq 6000); do all_tuned && return 0; sleep 0.01; done
	echo "disks not tuned in time" >&2
	return 1
}
rss() { # NAME PID
	res "$1.rss_kb $(awk '/^VmRSS/ { print $2 }' /proc/$2/status)"
	res "$1.hwm_kb $(awk '/^VmHWM/ { print $2 }' /proc/$2/status)"
}
# hotplug NAME SLOT: the host adds a disk at SLOT; time from its block
# device appearing to its read-ahead being the profile's
hotplug() {
	rm -f /run/poller-ready
	python3 - $2 $1 >> /pvtest/results <<'PY' &
import glob, sys, time
slot = int(sys.argv[1], 16)
open("/run/poller-ready", "w").close()
pat = "/sys/bus/pci/devices/0000:00:%%02x.0/virtio*/block/*" %% slot
end = time.monotonic() + 120
while not glob.glob(pat):
    if time.monotonic() > end:
        sys.exit("no disk at slot %%x" %% slot)
    time.sleep(0.001)
t0 = time.monotonic()
ra = glob.glob(pat)[0] + "/queue/read_ahead_kb"
while True:
    try:
        if open(ra).read().strip() == "1024":
            break
    except OSError:
        pass
    if time.monotonic() > end:
        sys.exit("disk at slot %%x not tuned" %% slot)
    time.sleep(0.001)
print("%%s.hotplug_ms %%.1f" %% (sys.argv[2], (time.monotonic() - t0) * 1000))
PY
	local poller=$!
	pv_wait_path /run/poller-ready 120
	pv_signal hp-$1-$2
	wait $poller
}

# The kernel's own cost: the same writes from bash builtins, no agent.
FLOOR_VALUES="queue/scheduler=mq-deadline queue/read_ahead_kb=1024 queue/nr_requests=32 queue/rq_affinity=1 queue/add_random=0"
floor() {
	local d kv orig=/run/floor-orig
	: > $orig
	for d in $DISKS; do
		for kv in $FLOOR_VALUES; do
			read -r v < /sys/block/$d/${kv%%=*}
			case $v in *"["*) v=${v#*[}; v=${v%%]*} ;; esac
			echo "/sys/block/$d/${kv%%=*} $v" >> $orig
		done
	done
	t0=$(now)
	for d in $DISKS; do
		for kv in $FLOOR_VALUES; do
			echo ${kv#*=} > /sys/block/$d/${kv%%=*}
		done
		[ -e /sys/block/$d/pvblk/batch_kicks ] && echo 0 > /sys/block/$d/pvblk/batch_kicks
	done
	echo 30 > /proc/sys/vm/dirty_ratio
	echo 10 > /proc/sys/vm/dirty_background_ratio
	echo 30 > /proc/sys/vm/swappiness
	t1=$(now)
	res "floor.apply_ms $(( (t1 - t0) / 1000000 ))"
	while read -r f v; do echo $v > $f; done < $orig
	for d in $DISKS; do
		[ -e /sys/block/$d/pvblk/batch_kicks ] && echo 1 > /sys/block/$d/pvblk/batch_kicks
	done
	return 0
}
for i in $(seq %(runs)d); do floor; done

### pvtuned
t0=$(now); systemctl start pvtuned; t1=$(now)
res "pvtuned.start_empty_ms $(( (t1 - t0) / 1000000 ))"
for i in $(seq %(runs)d); do
	t0=$(now); pvtune-adm profile pvbench > /dev/null; wait_tuned; t1=$(now)
	res "pvtuned.apply_ms $(( (t1 - t0) / 1000000 ))"
	pvtune-adm off > /dev/null
done
for i in $(seq %(runs)d); do
	t0=$(now); pvtune-adm --no-daemon profile pvbench > /dev/null; wait_tuned; t1=$(now)
	res "pvtune-adm-no-daemon.apply_ms $(( (t1 - t0) / 1000000 ))"
	pvtune-adm --no-daemon off > /dev/null
done
pvtune-adm profile pvbench > /dev/null
rss pvtuned $(systemctl show -p MainPID --value pvtuned)
for s in %(pvtuned_hp)s; do hotplug pvtuned $s; done
systemctl stop pvtuned
t0=$(now); systemctl start pvtuned; wait_tuned; t1=$(now)
res "pvtuned.start_ms $(( (t1 - t0) / 1000000 ))"
rss pvtuned-after-start $(systemctl show -p MainPID --value pvtuned)
pvtune-adm off > /dev/null
systemctl stop pvtuned

### tuned
if [ -d "%(debs)s" ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	# twice: the first pass may refuse a package whose pre-dependency
	# it has not unpacked yet (gawk needs libsigsegv2)
	dpkg -i %(debs)s/*.deb > /pvtest/dpkg.log 2>&1 || true
	dpkg -i %(debs)s/*.deb >> /pvtest/dpkg.log 2>&1
	rm -f /usr/sbin/policy-rc.d
	res "tuned.version $(dpkg-query -W -f '${Version}' tuned)"
	mkdir -p /etc/tuned/pvbench
	cp /pvtest/tuned-pvbench.conf /etc/tuned/pvbench/tuned.conf
	echo pvbench > /etc/tuned/active_profile
	echo manual > /etc/tuned/profile_mode
	systemctl daemon-reload
	t0=$(now); systemctl start tuned; wait_tuned; t1=$(now)
	res "tuned.start_ms $(( (t1 - t0) / 1000000 ))"
	rss tuned-after-start $(systemctl show -p MainPID --value tuned)
	for i in $(seq %(runs)d); do
		tuned-adm off
		t0=$(now); tuned-adm profile pvbench; wait_tuned; t1=$(now)
		res "tuned.apply_ms $(( (t1 - t0) / 1000000 ))"
	done
	rss tuned $(systemctl show -p MainPID --value tuned)
	for s in %(tuned_hp)s; do hotplug tuned $s; done
	systemctl stop tuned
fi
"""


def tuned_debs(build):
    d = os.path.join(build, "cache", "tuned-debs")
    os.makedirs(os.path.join(d, "partial"), exist_ok=True)
    subprocess.run(["apt-get", "install", "--download-only", "-y", "-q",
                    "-o", "Dir::Cache::archives=" + d, "tuned"],
                   check=True, stdout=subprocess.DEVNULL)
    debs = [f for f in os.listdir(d) if f.endswith(".deb")]
    if not any(f.startswith("tuned_") for f in debs):
        raise SystemExit("no tuned .deb in %s" % d)
    return d


def run(kver, with_tuned):
    build = os.path.join(TOP, "build")
    debs = tuned_debs(build) if with_tuned else "/nonexistent"
    ko = os.path.join(build, "driver", kver, "pvblk.ko")
    extra = []
    for s in DISK_SLOTS:
        extra += disk("b%02x" % s, s, null_size_mb=64)
    hex_ = lambda slots: " ".join("0x%02x" % s for s in slots)  # noqa: E731
    script = GUEST % {
        "ko": ko, "slots": hex_(DISK_SLOTS), "pv_slots": hex_(DISK_SLOTS[8:]),
        "runs": RUNS, "debs": debs, "pvtuned_hp": hex_(HP_SLOTS["pvtuned"]),
        "tuned_hp": hex_(HP_SLOTS["tuned"]),
    }
    vm = vmmod.VM(kver, mode="systemd", extra=extra, script=script, timeout=1500,
                  name="bench-agent", xtrace=False)
    with open(vm.path("pvbench.conf"), "w") as f:
        f.write(PVTUNE_PROFILE)
    with open(vm.path("tuned-pvbench.conf"), "w") as f:
        f.write(TUNED_PROFILE)
    with vm:
        for who in ("pvtuned", "tuned") if with_tuned else ("pvtuned",):
            for s in HP_SLOTS[who]:
                vm.wait_file("hp-%s-0x%02x" % (who, s), 1200)
                node = "hp%02x" % s
                vm.qmp("blockdev-add", {"driver": "null-co", "node-name": node,
                                        "size": 64 << 20, "read-zeroes": True})
                vm.qmp("device_add", driver="virtio-blk-pci", drive=node, id=node + "-dev",
                       addr="0x%02x" % s)
        res = vm.wait(check=False)
    if not res.ok:
        print(res.script_log[-4000:])
        res.check()
    vals = {}
    for line in res.file("results").splitlines():
        k, _, v = line.partition(" ")
        vals.setdefault(k, []).append(v)
    return vals


def med(vals, key):
    v = vals.get(key)
    if not v:
        return None
    return statistics.median(float(x) for x in v)


def table(vals, kver):
    rows = [
        ("apply a profile to 16 disks (ms, median of %d)" % RUNS, "apply_ms"),
        ("hotplug: disk registered to tuned (ms, median of 3)", "hotplug_ms"),
        ("start-up until the profile is on 16 disks (ms)", "start_ms"),
        ("RSS after start-up (KiB)", None),
        ("RSS after %d switches and 3 hotplugs (KiB)" % RUNS, "rss_kb"),
    ]
    out = ["| %s, TCG guest, kernel %s | pvtuned | tuned %s | tuned / pvtuned |"
           % ("measure", kver, (vals.get("tuned.version") or ["(not run)"])[0]),
           "|---|---|---|---|"]
    for label, key in rows:
        if key is None:
            p, t = med(vals, "pvtuned-after-start.rss_kb"), med(vals, "tuned-after-start.rss_kb")
        else:
            p, t = med(vals, "pvtuned." + key), med(vals, "tuned." + key)
        ratio = "%.1f" % (t / p) if p and t else "-"
        out.append("| %s | %s | %s | %s |" % (label, "-" if p is None else "%g" % p,
                                              "-" if t is None else "%g" % t, ratio))
    fl = med(vals, "floor.apply_ms")
    if fl is not None:
        out.append("| the same writes from bash, no agent (ms, median): the kernel's share | %g | | |" % fl)
    nd = med(vals, "pvtune-adm-no-daemon.apply_ms")
    if nd is not None:
        out.append("| apply with `pvtune-adm --no-daemon` (ms, median) | %g | | |" % nd)
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", help="test kernel (default: the first of build/kernels.list)")
    ap.add_argument("--no-tuned", action="store_true", help="measure pvtuned only")
    ap.add_argument("--json", help="write the raw numbers here")
    a = ap.parse_args()
    kver = a.kernel
    if not kver:
        with open(os.path.join(TOP, "build", "kernels.list")) as f:
            kver = f.readline().strip()
    vals = run(kver, not a.no_tuned)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"kernel": kver, "results": vals}, f, indent=2)
    print(table(vals, kver))


if __name__ == "__main__":
    main()
