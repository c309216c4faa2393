#!/usr/bin/env bash
# bench/run.sh -- pvblk.ko against virtio_blk, side by side in one guest boot;
# writes BENCHMARKS.md. `make bench` runs it with no options (the full matrix).
#
#   bench/run.sh              full matrix, newest test kernel (~40 min here)
#   bench/run.sh --quick      null-co, 1 queue, qd1 / qd32 batch 1 / batch 16,
#                             3 pairs of 3 s runs, ablation (~5 min)
#   bench/run.sh --kernels all          both test kernels (twice the time)
#
# Every option is also an environment variable (the option wins):
#   --quick            BENCH_QUICK=1
#   --kernels K,..     BENCH_KERNELS    newest (default) | all | version prefixes
#   --backends B,..    BENCH_BACKENDS   null,tmpfs,vhost
#   --queues N,..      BENCH_QUEUES     1,2
#   --workloads W,..   BENCH_WORKLOADS  rr4k-qd1,rr4k-qd32-b1,rr4k-qd32-b16,
#                                       rw4k-qd32,sr256k-qd8,db-fill,db-read
#                                       (none: only the ablation and scheduler rows)
#   --pairs N          BENCH_PAIRS      A/B pairs per fio row (4; quick 3)
#                      BENCH_DB_PAIRS   A/B pairs per db_bench row (3)
#   --runtime S        BENCH_RUNTIME    seconds per fio run (3), plus
#                      BENCH_RAMP       fio ramp seconds (0)
#   --ablation M       BENCH_ABLATION   on (every queue count) | 1q | off
#                      BENCH_ABLATION_WLS  workloads of the ablation (rr4k-qd32-b16)
#                      BENCH_ABLATION_BACKENDS  backends of the ablation (null)
#   --sched-row S      BENCH_SCHED_ROW  extra qd32/batch 16 row with scheduler S
#                                       on both disks (mq-deadline; "" = none)
#   --out FILE         BENCH_OUT        report (BENCHMARKS.md)
# Guest instructions (bench/pvcount, bench/README.md): BENCH_ICOUNT (1: load
# the counting plugin, columns "instructions per request"; 0: off),
# BENCH_ICOUNT_CAL (64: requests of the calibration runs whose counts are
# taken off each run's; 0: none), BENCH_COST_WLS (workloads measured by the
# two-count method on null-co at the first queue count: runs of exactly N1
# and N2 requests, BENCH_COST_IOS=10000,70000), BENCH_ORDER (abba: the first
# driver of a round alternates; ab: pvblk first every round), BENCH_SWAP
# (split, the default: two boots per backend, pvblk on the even PCI slot of
# each pair for the first half of the rounds and on the odd one for the rest,
# so that every ratio pools both slots and the throughput table shows each
# slot's ratio, the control for an effect of the slot rather than the
# driver; 0: pvblk on the even slot only; 1: on the odd slot only).
# Also: BENCH_SCHED (scheduler of every run, none), BENCH_PIN (irq: with one
# queue, pin the workload to the vCPU of the queue's interrupt; none),
# BENCH_TCG (multi: one host thread per vCPU; single loses virtqueue
# notifications in QEMU 7.2, see README "Lost interrupts"), BENCH_APPEND
# (guest kernel parameters; isolcpus=managed_irq,0 puts a 1-queue disk's
# interrupt on vCPU 1 for both drivers),
# BENCH_TRACE (1: count kicks with QEMU's trace), BENCH_CPUS (2),
# BENCH_CPU_MODEL (QEMU -cpu, max), BENCH_MEM
# (1G), BENCH_DISK_MB (512), BENCH_DB_NUM (10000 keys), BENCH_DB_READS (2000).
# BENCH_STALL_SECS (60): a run whose I/O has not ended this long after its
# runtime is a stall: the QEMU and guest views of the disk go to
# build/bench/<run-id>/stall-*.txt and the benchmark stops with an error.
# BENCH_REPORT=build/bench/<run-id>/results.json writes the report again from
# that run's raw data, without running anything.
#
# bench/stall_repro.py reproduces the pvblk stall the benchmark found (fio in a
# loop on a 2-queue null-co disk) and collects both sides' view when it hits.
#
# Needs `make deps kernels driver` and rocksdb-tools (db_bench). Raw data and
# per-run files go to build/bench/<run-id>/ and build/test-runs/<kver>/pvbench-*.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

cmd="bench/run.sh${*:+ $*}"
while [ $# -gt 0 ]; do
	case "$1" in
	-h|--help) usage; exit 0 ;;
	--quick) export BENCH_QUICK=1 ;;
	--full) export BENCH_QUICK=0 ;;
	--kernels) export BENCH_KERNELS=$2; shift ;;
	--backends) export BENCH_BACKENDS=$2; shift ;;
	--queues) export BENCH_QUEUES=$2; shift ;;
	--workloads) export BENCH_WORKLOADS=$2; shift ;;
	--pairs) export BENCH_PAIRS=$2; shift ;;
	--runtime) export BENCH_RUNTIME=$2; shift ;;
	--ablation) export BENCH_ABLATION=$2; shift ;;
	--sched-row) export BENCH_SCHED_ROW=$2; shift ;;
	--out) export BENCH_OUT=$2; shift ;;
	*) echo "bench/run.sh: unknown option $1 (--help)" >&2; exit 2 ;;
	esac
	shift
done
export BENCH_COMMAND=$cmd

missing=()
for p in qemu-system-x86_64 /usr/bin/qemu-storage-daemon fio db_bench mkfs.ext4 python3; do
	command -v "$p" > /dev/null || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "bench: missing ${missing[*]} (make deps; db_bench is in rocksdb-tools," \
	     "qemu-storage-daemon in qemu-system-common)" >&2
	exit 1
fi
[ -s build/kernels.list ] || { echo "bench: no build/kernels.list: make deps kernels driver" >&2; exit 1; }

exec python3 bench/bench.py
