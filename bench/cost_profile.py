#!/usr/bin/python3
"""bench/cost_profile.py: where a request's guest instructions go, pvblk
against virtio_blk, by the two-count method, with a per-function profile.

One boot, 1 vCPU by default, two null-co disks (one bound to pvblk, one to
virtio_blk). Each round runs, on each disk (virtio_blk and every pvblk
variant, the order reversed every other round), fio with exactly N1 and
then N2 requests between pvcount markers; cost per request =
(count at N2 - count at N1) / (requests at N2 - requests at N1). Prints per
variant the kernel and module instructions per request (median and range
over rounds), interrupts per request (/proc/interrupts), pvblk's kicks
per request (its stats), the kernel's atomic instructions per request
(LOCK-prefixed and XCHG to memory: host atomics under multi-threaded TCG,
a cost the instruction count does not weigh) and the IOPS of the N2 runs (fio's, timed: noisy
on a shared machine; the ratio is per round), then, with --profile, the
kernel's instructions (with --atomics: atomic instructions) per request
by function for virtio_blk and each pvblk variant.

    flock -x /tmp/pvblk-measure.lock bench/cost_profile.py --wl rr4k-qd32-b1 \\
        --variant default --variant poll_max_usecs=0 --profile

A variant is `default` or comma-separated pvblk settings, each a sysfs
tunable (`poll_max_usecs=0`) or a debugfs switch (`debugfs:NAME=V`, under
/sys/kernel/debug/pvblk/DISK/). --modparam sets a pvblk module parameter
for the whole boot (probe-time settings such as indirect_desc=0), --dev a
virtio-blk-pci property of both disks (indirect_desc=off). Raw data in
build/test-runs/KVER/NAME/.
"""

import argparse
import bisect
import os
import statistics
import sys

TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "harness"))
sys.path.insert(0, os.path.join(TOP, "tests", "guest"))
sys.path.insert(0, os.path.join(TOP, "bench", "pvcount"))
sys.path.insert(0, os.path.join(TOP, "bench"))
from vm import VM, read_kernels  # noqa: E402
from pvdisk import disk  # noqa: E402
import pvcount  # noqa: E402
import pvprofile  # noqa: E402
from bench import FIO_WORKLOADS  # noqa: E402

GUEST = r"""
export PVBLK_KO=%(ko)s
. %(top)s/tests/guest/pvblk-lib.sh
M=%(mark)s
pv_load_pvblk %(modargs)s
pv_load_virtio_blk
P=$(pv_disk_of_slot 0x10); pv_wait_path /dev/$P
V=$(pv_move 0x11 virtio_blk)
for d in $P $V; do
	echo none > /sys/block/$d/queue/scheduler
done
mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
bash %(top)s/bench/pvcount/pvcount-ranges.sh --spin pvblk=$PVBLK_KO virtio_blk > /pvtest/pvcount-ranges
cp /proc/kallsyms /pvtest/kallsyms
declare -A DEF
for f in $(find /sys/block/$P/pvblk/ -maxdepth 1 -type f -perm -200); do
	DEF[${f##*/}]=$(cat $f)
done
declare -p DEF > /pvtest/pv-defaults
irqs() {	# interrupts of a virtio device's request queues, all CPUs
	awk -v p="$1-req" 'index($NF, p) == 1 { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i } END { print s + 0 }' /proc/interrupts
}
reqs() { awk '{ print $1 + $5 + $12 + $15 }' /sys/block/$1/stat; }
kicks() {
	if [ -f /sys/block/$1/pvblk/stats ]; then
		tr ' ' '\n' < /sys/block/$1/pvblk/stats | awk -F= '$1 == "kicks" { s += $2 } END { print s + 0 }'
	else echo 0; fi
}
setknobs() {	# disk, settings (default: only the defaults)
	local d=$1 kv k
	[ -d /sys/block/$d/pvblk ] || return 0
	for k in "${!DEF[@]}"; do echo "${DEF[$k]}" > /sys/block/$d/pvblk/$k; done
	for k in /sys/kernel/debug/pvblk/$d/*; do
		case ${k##*/} in cost_*) echo 0 > $k ;; esac
	done
	[ "$2" = default ] && return 0
	for kv in ${2//,/ }; do
		case $kv in
		debugfs:*) kv=${kv#debugfs:}; echo "${kv#*=}" > /sys/kernel/debug/pvblk/$d/${kv%%=*} ;;
		*) echo "${kv#*=}" > /sys/block/$d/pvblk/${kv%%=*} ;;
		esac
	done
}
extras() {	# tag: context switches, timer interrupts, softirqs by kind (all CPUs)
	{
		printf '%%s ' $1
		awk '$1 == "ctxt" { printf "ctxt=%%s ", $2 }' /proc/stat
		awk '$1 == "LOC:" { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; printf "loc=%%d ", s }' /proc/interrupts
		awk 'NR > 1 { s = 0; for (i = 2; i <= NF; i++) s += $i; sub(":", "", $1); printf "si_%%s=%%d ", tolower($1), s }' /proc/softirqs
		# context switches of kernel threads by kind (ksoftirqd, kworker, rcu, ...)
		cat /proc/[0-9]*/task/[0-9]*/status 2>/dev/null | awk '
			$1 == "Name:" { n = $2; sub(/[\/:].*/, "", n) }
			$1 ~ /ctxt_switches:$/ { s[n] += $2 }
			END { for (n in s) if (n ~ /^(ksoftirqd|kworker|rcu_preempt|rcu_sched|migration|kcompactd|khugepaged|systemd)$/) printf "sw_%%s=%%d ", n, s[n] }'
		echo
	} >> /pvtest/extras
}
run() {	# tag disk n settings
	local t=$1 d=$2 n=$3 v=$4 r0 i0 k0
	setknobs $d $v
	local virt=$(basename $(readlink /sys/block/$d/device))
	r0=$(reqs $d); i0=$(irqs $virt); k0=$(kicks $d)
	extras $t
	fio --name=c --filename=/dev/$d --ioengine=io_uring --direct=1 %(wl)s \
		--number_ios=$n --exec_prerun="$M $t" --exec_postrun="$M $((t + 1))" \
		--output-format=terse --terse-version=3 --output=/pvtest/fio-$t.terse
	extras $((t + 1))
	echo "$t $d $n $v $(( $(reqs $d) - r0 )) $(( $(irqs $virt) - i0 )) $(( $(kicks $d) - k0 ))" \
		"$(awk -F';' 'NR == 1 { printf "%%.0f", $8 + $49 }' /pvtest/fio-$t.terse)" >> /pvtest/runs
}
: > /pvtest/runs
: > /pvtest/extras
# warm-up
fio --name=w --filename=/dev/$P --ioengine=io_uring --direct=1 %(wl)s --number_ios=2000 --output=/dev/null
fio --name=w --filename=/dev/$V --ioengine=io_uring --direct=1 %(wl)s --number_ios=2000 --output=/dev/null
%(plan)s
echo done > /pvtest/finished
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    ap.add_argument("--kernel", help="kernel version (default: newest full kernel in build/kernels.list)")
    ap.add_argument("--wl", default="rr4k-qd32-b1", choices=sorted(FIO_WORKLOADS))
    ap.add_argument("--variant", action="append", help="pvblk settings (default: default)")
    ap.add_argument("--ko", help="pvblk.ko to load (default: build/driver/KVER/pvblk.ko)")
    ap.add_argument("--modparam", action="append", default=[], metavar="NAME=VALUE",
                    help="pvblk module parameter at load (probe-time settings, e.g. indirect_desc=0)")
    ap.add_argument("--name", default="cost-profile", help="run directory under build/test-runs/KVER/")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--ios", default="10000,70000")
    ap.add_argument("--cpus", type=int, default=1)
    ap.add_argument("--queues", type=int, default=1)
    ap.add_argument("--dev", action="append", default=[], metavar="KEY=VALUE",
                    help="virtio-blk-pci property for both disks (e.g. indirect_desc=off)")
    ap.add_argument("--profile", action="store_true", help="per-function profile")
    ap.add_argument("--atomics", action="store_true",
                    help="with --profile, count atomic instructions instead of all")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--groups", action="store_true",
                    help="with --profile, also the profile summed by group (GROUPS)")
    ap.add_argument("--sort", choices=("diff", "abs"), default="diff",
                    help="profile order: |pvblk - virtio_blk| or largest count")
    ap.add_argument("--report", help="only report again from a run directory")
    a = ap.parse_args()
    variants = a.variant or ["default"]
    n1, n2 = (int(x) for x in a.ios.split(","))
    if a.report:
        rd = a.report
    else:
        kver = a.kernel or "6.12.117+deb12-amd64"
        pvcount.build(TOP)
        plan = []
        tag = 100
        for r in range(a.rounds):
            order = [("V", "vb")] + [("P", v) for v in variants]
            if r % 2:
                order.reverse()
            for disk_var, v in order:
                for n in (n1, n2):
                    plan.append("run %d $%s %d %s" % (tag, disk_var, n, v if disk_var == "P" else "-"))
                    tag += 2
        vm = VM(kver=kver, name=a.name, cpus=a.cpus, mem="1G", timeout=7200,
                xtrace=False, tcg_thread="multi")
        rd = vm.run_dir
        arg = "%s,out=%s,ranges=%s" % (pvcount.plugin(TOP), vm.path("pvcount.out"),
                                        vm.path("pvcount-ranges"))
        if a.profile:
            arg += ",profile=" + vm.path("profile")
        vm.extra += ["-plugin", arg]
        dev = {"num-queues": a.queues}
        dev.update(kv.split("=", 1) for kv in a.dev)
        vm.extra += disk("n0", 0x10, null_size_mb=1024, dev=dev)
        vm.extra += disk("n1", 0x11, null_size_mb=1024, dev=dev)
        wl = FIO_WORKLOADS[a.wl][2]
        vm.script = GUEST % {"ko": os.path.abspath(a.ko) if a.ko else
                             os.path.join(TOP, "build", "driver", kver, "pvblk.ko"),
                             "top": TOP, "mark": pvcount.mark(TOP), "wl": wl,
                             "modargs": " ".join(a.modparam), "plan": "\n".join(plan)}
        with open(os.path.join(rd, "args"), "w") as f:
            f.write(" ".join(sys.argv[1:]) + "\n")
        with vm:
            vm.wait()
    report(rd, variants, n1, n2, a)


# --groups: the kernel's functions by what they do for a request; first match
# wins, by module suffix or by name prefix; the rest is "other". memset_orig
# (this CPU model's memset) also serves others (io_uring's request set-up):
# compare its row between runs, not its size.
GROUPS = [
    ("driver module", ("[pvblk]", "[virtio_blk]"), ()),
    ("virtio ring", (), ("virtqueue_", "vring_", "detach_buf_", "virtio_")),
    ("kmalloc/kfree (indirect tables)", (), ("__kmalloc_noprof", "kfree")),
    ("scatterlist init (and its memset)", (), ("sg_init_one", "sg_init_table", "memset_orig")),
    ("request end (blk-mq)", (), ("blk_mq_end_request", "blk_update_request",
                                  "__blk_mq_free_request", "blk_mq_free_request",
                                  "sbitmap_queue_clear", "blk_mq_put_tag",
                                  "blk_mq_finish_request", "blk_mq_complete_request",
                                  "blk_queue_exit", "sbitmap_queue_wake_up",
                                  "blk_mq_start_stopped_hw_queue")),
    ("interrupt entry and exit", (), ("handle_edge_irq", "handle_irq_event",
                                      "__handle_irq_event_percpu", "apic_ack_edge",
                                      "irq_chip_ack_parent", "native_apic_mem_eoi",
                                      "__irq_exit_rcu", "irq_exit_rcu", "irq_enter_rcu",
                                      "irqentry_", "common_interrupt", "asm_common_interrupt",
                                      "__common_interrupt", "handle_softirqs", "irq_entries_start",
                                      "__do_softirq", "raise_softirq", "irq_poll")),
    ("clock reads", (), ("ktime_get", "read_tsc")),
    # Work that follows wall time and sleeps rather than requests: the
    # scheduler (each time fio sleeps and wakes), the idle loop, timer
    # ticks, timekeeping and RCU's grace periods (not rcu_read_lock, which
    # the I/O path calls). Part of what part 2 called "other".
    ("scheduler, idle, ticks, RCU", (), (
        "__schedule", "schedule", "pick_", "__pick_", "enqueue_", "__enqueue_",
        "dequeue_", "__dequeue_", "update_curr", "update_load_avg", "__update_load_avg",
        "update_cfs_group", "update_entity_lag", "update_deadline", "update_rq_clock",
        "update_min_vruntime", "psi_", "record_times", "__switch_to", "switch_mm",
        "finish_task_switch", "try_to_wake_up", "ttwu_", "set_next_entity", "put_prev_",
        "place_entity", "avg_vruntime", "vruntime_eligible", "check_preempt",
        "wakeup_preempt", "sched_", "cpuacct_charge", "reweight_", "rcu_note",
        "rcu_sched_clock", "rcu_core", "rcu_gp", "rcu_do_batch", "rcu_accelerate",
        "rcu_segcblist", "rcu_report", "rcu_pending", "__note_gp_changes", "note_gp",
        "hrtimer_", "__hrtimer", "tick_", "timekeeping_", "update_vsyscall",
        "update_process_times", "__run_timers", "run_timer", "run_posix_cpu_timers",
        "timerqueue_", "timer_", "__mod_timer", "clockevents_", "lapic_next",
        "native_sched_clock", "update_fast_timekeeper", "ktime_get_update_offsets",
        "account_", "task_tick", "irqtime_", "calc_global_load", "do_idle",
        "default_idle", "cpuidle_", "arch_cpu_idle", "pv_native_safe_halt",
        "local_touch_nmi", "nohz_", "idle_cpu", "hrtimer", "__sysvec_apic_timer",
        "sysvec_apic_timer", "asm_sysvec_apic_timer", "update_wall_time",
        "__get_next_timer", "get_next_timer", "cpuacct_", "cgroup_rstat_updated")),
]


def group_of(fn):
    for g, mods, prefixes in GROUPS:
        if any(fn.endswith(m) for m in mods) or \
                any(fn.split(" ")[0].startswith(p) for p in prefixes):
            return g
    return "other"


def report(rd, variants, n1, n2, a):
    snaps = pvcount.parse(open(os.path.join(rd, "pvcount.out")).read())["snaps"]
    runs = {}
    for line in open(os.path.join(rd, "runs")):
        f = line.split()
        t, d, n, v, req, irq, kick = f[:7]
        iops = int(f[7]) if len(f) > 7 else 0
        runs[int(t)] = (d, int(n), v, int(req), int(irq), int(kick), iops)
    extras = {}
    ep = os.path.join(rd, "extras")
    if os.path.exists(ep):
        for line in open(ep):
            f = line.split()
            if f:
                extras[int(f[0])] = {k: int(v) for k, v in (x.split("=", 1) for x in f[1:])}

    def fio_terse(t):  # fio's runtime (ms) and its context switches
        try:
            f = open(os.path.join(rd, "fio-%d.terse" % t)).read().split(";")
            return {"fio_ms": int(f[8]) + int(f[49]), "fio_ctx": int(f[89])}
        except (OSError, IndexError, ValueError):
            return {}

    def counts(t):  # what the run tagged t moved, by name
        c = {k: v - extras[t].get(k, 0) for k, v in extras.get(t + 1, {}).items()} \
            if t in extras else {}
        c.update(fio_terse(t))
        return c
    # pair each N1 run with the N2 run after it
    rows = {}
    pairs = {}
    for t in sorted(runs):
        d, n, v, req, irq, kick, _ = runs[t]
        if n != n1 or t + 2 not in runs:
            continue
        d2, _, _, req2, irq2, kick2, iops2 = runs[t + 2]
        c1, c2 = counts(t), counts(t + 2)
        a1 = pvcount.delta(snaps[str(t)], snaps[str(t + 1)])
        a2 = pvcount.delta(snaps[str(t + 2)], snaps[str(t + 3)])
        dr = req2 - req
        name = "virtio_blk" if v == "-" else v
        mod = "virtio_blk" if v == "-" else "pvblk"
        rows.setdefault(name, []).append({
            "kernel": (a2["kernel"] - a1["kernel"]) / dr,
            "spin": (a2.get("spin", 0) - a1.get("spin", 0)) / dr,
            "atomics": (a2.get("atomics_kernel", 0) - a1.get("atomics_kernel", 0)) / dr,
            "module": (a2[mod] - a1[mod]) / dr,
            "user": (a2["user"] - a1["user"]) / dr,
            "irqs": (irq2 - irq) / dr if irq2 or irq else irq2 / req2,
            "kicks": (kick2 - kick) / dr,
            "irq_n2": irq2 / req2, "kick_n2": kick2 / req2, "iops": iops2,
            "counts": {k: (c2[k] - c1.get(k, 0)) / dr for k in c2}})
        pairs.setdefault(name, []).append((t, dr))

    def med(xs):
        return "%7.0f (%.0f-%.0f)" % (statistics.median(xs), min(xs), max(xs))
    vb = rows.get("virtio_blk")
    nospin = {}
    print("workload %s, %d/%d requests, %s" % (a.wl, n1, n2, rd))
    print("%-40s %22s %7s %22s %8s %8s %9s %8s %11s %16s" % (
        "driver/variant", "kernel instr/req", "ratio", "module instr/req", "irqs/req",
        "kicks/req", "user/req", "IOPS", "IOPS ratio", "kernel atomics/req"))
    for name in ["virtio_blk"] + variants:
        rs = rows.get(name)
        if not rs:
            continue
        ratio = iratio = aratio = ""
        if vb and name != "virtio_blk":
            rr = [x["kernel"] / y["kernel"] for x, y in zip(rs, vb)]
            ratio = "%.3f" % statistics.median(rr)
            rs_ = [(x["kernel"] - x["spin"]) / (y["kernel"] - y["spin"]) for x, y in zip(rs, vb)]
            nospin[name] = "%.3f (%.3f-%.3f)" % (statistics.median(rs_), min(rs_), max(rs_))
            ir = [x["iops"] / y["iops"] for x, y in zip(rs, vb) if x["iops"] and y["iops"]]
            if ir:
                iratio = "%.2f (%.2f-%.2f)" % (statistics.median(ir), min(ir), max(ir))
            ar = [x["atomics"] / y["atomics"] for x, y in zip(rs, vb) if y["atomics"]]
            if ar:
                aratio = " %.3f" % statistics.median(ar)
        print("%-40s %22s %7s %22s %8.3f %8.3f %9.0f %8.0f %11s %10.1f%s" % (
            name, med([x["kernel"] for x in rs]), ratio, med([x["module"] for x in rs]),
            statistics.median(x["irq_n2"] for x in rs), statistics.median(x["kick_n2"] for x in rs),
            statistics.median(x["user"] for x in rs), statistics.median(x["iops"] for x in rs),
            iratio, statistics.median(x["atomics"] for x in rs), aratio))
    keys = sorted({k for rs in rows.values() for x in rs for k in x["counts"]},
                  key=lambda k: (not k.startswith("fio"), k))
    if keys:
        print("\nper 1,000 requests (medians; fio_ms: fio's runtime, fio_ctx: its context "
              "switches, ctxt: the kernel's, loc: timer interrupts, si_*: softirqs)")
        cols_ = [n for n in ["virtio_blk"] + variants if rows.get(n)]
        print("%-14s" % "" + "".join("%12s" % k[:11] for k in keys))
        for name in cols_:
            print("%-14s" % name[:14] + "".join(
                "%12.1f" % (1000 * statistics.median(x["counts"].get(k, 0) for x in rows[name]))
                for k in keys))
    if any(x["spin"] for rs in rows.values() for x in rs):
        print("kernel instructions without the spin-waits (pvcount-ranges.sh --spin), ratio to "
              "virtio_blk per round: " + "; ".join("%s %s" % kv for kv in nospin.items()))
    prof = os.path.join(rd, "profile")
    if not (a.profile and os.path.exists(prof)):
        return
    addrs, names = pvprofile.read_kallsyms(os.path.join(rd, "kallsyms"))
    want = set()
    for ps in pairs.values():
        for t, _ in ps:
            want.update(str(t + i) for i in range(4))
    profs = pvprofile.read_profiles(prof, want, a.atomics)
    if a.atomics:
        print("\nthe profile below counts atomic instructions, not all")
    byfn = {}
    per_round = []  # (name, round, {group: instr/req}, counts of the pair)
    for name, ps in pairs.items():
        acc = {}
        for r, (t, dr) in enumerate(ps):
            one = {}
            for sign, (x, y) in ((-1, (t, t + 1)), (1, (t + 2, t + 3))):
                p1, p2 = profs[str(x)], profs[str(y)]
                for addr, c2 in p2.items():
                    c1 = p1.get(addr, [0] * len(c2))
                    n = sum(c2) - sum(c1)
                    if not n:
                        continue
                    i = bisect.bisect_right(addrs, addr) - 1
                    fn = names[i] if i >= 0 else "?"
                    one[fn] = one.get(fn, 0) + sign * n / dr
            for fn, v in one.items():
                acc[fn] = acc.get(fn, 0) + v / len(ps)
            bygroup = {}
            for fn, v in one.items():
                g = group_of(fn)
                bygroup[g] = bygroup.get(g, 0) + v
            per_round.append((name, r, bygroup, dict(rows[name][r]["counts"],
                                                     irqs=rows[name][r]["irqs"])))
        byfn[name] = acc
    if a.groups and per_round:
        print("\nper round: instructions per request (scheduler group, other, the rest, the "
              "module) and, per 1,000 requests, interrupts, fio's runtime (ms), context "
              "switches, timer interrupts")
        print("%-14s %5s %10s %10s %10s %8s %8s %8s %8s %8s" % (
            "", "round", "scheduler", "other", "driver-dep", "module", "irqs", "fio_ms",
            "ctxt", "loc"))
        sg = GROUPS[-1][0]
        for name, r, bg, c in sorted(per_round, key=lambda x: (x[1], x[0])):
            rest = sum(v for g, v in bg.items() if g not in (sg, "other"))
            print("%-14s %5d %10.1f %10.1f %10.1f %8.1f %8.1f %8.1f %8.1f %8.1f" % (
                name[:14], r, bg.get(sg, 0), bg.get("other", 0), rest,
                bg.get("driver module", 0), 1000 * c["irqs"], 1000 * c.get("fio_ms", 0),
                1000 * c.get("ctxt", 0), 1000 * c.get("loc", 0)))
    cols = [n for n in ["virtio_blk"] + variants if n in byfn]
    if a.groups:
        print("\nper request, by group")
        print("  ".join("%10s" % c[:10] for c in cols) + "  group")
        for g in [g for g, _, _ in GROUPS] + ["other"]:
            print("  ".join("%10.1f" % sum(v for f, v in byfn[c].items() if group_of(f) == g)
                            for c in cols) + "  " + g)
        drv = [g for g, _, _ in GROUPS if not g.startswith("scheduler")]
        print("  ".join("%10.1f" % sum(v for f, v in byfn[c].items() if group_of(f) in drv)
                        for c in cols) + "  driver-dependent (all groups above but the "
              "scheduler's and other)")
    fns = set()
    for c in cols:
        fns.update(byfn[c])
    base = cols[1] if len(cols) > 1 else cols[0]
    key = lambda f: -max(abs(byfn[c].get(f, 0)) for c in cols)  # noqa: E731
    if len(cols) > 1 and a.sort == "diff":
        key = lambda f: -abs(byfn[base].get(f, 0) - byfn["virtio_blk"].get(f, 0))  # noqa: E731
    print("\nper request, by function (sorted by %s)" % (
        "|%s - virtio_blk|" % base if len(cols) > 1 and a.sort == "diff" else "count"))
    print("  ".join("%10s" % c[:10] for c in cols) + "  function")
    for f in sorted(fns, key=key)[:a.top]:
        print("  ".join("%10.1f" % byfn[c].get(f, 0) for c in cols) + "  " + f)
    print("  ".join("%10.1f" % sum(byfn[c].values()) for c in cols) + "  (all kernel)")


if __name__ == "__main__":
    main()
