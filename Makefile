# pvblk: one entry point.
#
#   make demo     the whole system in one guest in about 3 minutes: pvblk
#                 and virtio_blk side by side, pvtuned in the guest and on
#                 the host (scripts/demo.py)
#   make check    every test (driver builds, checkpatch, agent, guests, the
#                 demo as a smoke test)
#
# Both run `make deps` first, which installs what they need with apt-get.
SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
# The test kernels: first column of build/kernels.list ("KVER ROLE SUITE",
# written by `make kernels` from scripts/kernels.conf).
KVERS = $(shell awk '{ print $$1 }' $(BUILD)/kernels.list 2>/dev/null)
# The version of both packages and of the dkms module: debian/changelog's
# (scripts/version.sh). KVER defaults to the running kernel.
VERSION := $(shell scripts/version.sh)
KVER ?= $(shell uname -r)
DKMS_SRC := /usr/src/pvblk-$(VERSION)

.PHONY: all deps kernels driver agent pvcount check demo bench plots bench-host clean \
	dkms-add dkms-build dkms-install dkms-remove deb

all: driver agent pvcount

deps:
	@scripts/deps.sh

kernels: deps
	@scripts/kernels.sh

# The module for every test kernel, into build/driver/<kver>/pvblk.ko
# (sid's inside its build root).
driver: deps kernels
	@for k in $(KVERS); do scripts/build-driver.sh $$k || exit 1; done

agent: deps
	@$(MAKE) -s -C agent

# build/deb/pvblk-dkms_<version>_all.deb and pvtune_<version>_<arch>.deb
# (debian/, dpkg-buildpackage), checked with lintian.
deb: deps
	@scripts/make-deb.sh

# The instruction-counting QEMU plugin and its guest helper (bench/pvcount/),
# into build/pvcount/.
pvcount:
	@$(MAKE) -s -C bench/pvcount O=$(BUILD)/pvcount

check: deps kernels
	@tests/check.sh

# The demo fetches and builds only what it needs (one kernel, its pvblk.ko,
# the agent, the pvcount plugin), so it needs no `make kernels driver`.
demo: deps
	@scripts/demo.py

bench: deps kernels driver pvcount
	@flock -x /tmp/pvblk-measure.lock bench/run.sh
	@$(MAKE) -s plots

# BENCHMARKS.md's driver tables drawn as PNGs beside it (bench/plots.py,
# matplotlib): per row the pvblk/virtio_blk IOPS ratio with its range, and
# guest kernel instructions per request. From BENCHMARKS.md itself, so they
# show its run; `make bench` calls it after writing the report.
plots: deps
	@bench/plots.py

# Host side: QEMU's defaults against the pvblk-host profile applied by
# pvtuned, and a poll_max_ns sweep (bench/host_bench.py; section "host" of
# BENCHMARKS.md), under the lock that keeps measurements from overlapping.
bench-host: deps kernels driver agent
	@flock -x /tmp/pvblk-measure.lock env HOSTBENCH_COMMAND="make bench-host" bench/host_bench.py

# The guest agent: pvtuned against Debian's tuned applying an equivalent
# profile to 16 disks in one guest (agent/tools/bench_agent.py; section
# "agent" of BENCHMARKS.md). BENCH_AGENT_ARGS: e.g. --runs 7. The lock keeps
# measurements on a shared machine from overlapping (it may wait).
.PHONY: bench-agent
bench-agent: deps kernels driver agent
	@flock -x /tmp/pvblk-measure.lock python3 agent/tools/bench_agent.py $(BENCH_AGENT_ARGS)

# The guest profiles' values (tuned-profiles/pvblk-guest*): each knob they
# set, value against value, in one guest (bench/profile_bench.py; section
# "profiles" of BENCHMARKS.md). BENCH_PROFILES_ENV: e.g. PB_PAIRS=5. The lock
# keeps measurements on a shared machine from overlapping (it may wait).
.PHONY: bench-profiles
bench-profiles: deps kernels driver
	@flock -x /tmp/pvblk-measure.lock env $(BENCH_PROFILES_ENV) bench/profile_bench.py

# The guest I/O scheduler on a throttled backend: mq-deadline against none
# beside a buffered write flood, pvblk and virtio_blk (bench/sched_bench.py;
# section "sched" of BENCHMARKS.md). BENCH_SCHED_ENV: e.g. SCHEDBENCH_ROUNDS=6.
.PHONY: bench-sched
bench-sched: deps kernels driver
	@flock -x /tmp/pvblk-measure.lock env $(BENCH_SCHED_ENV) bench/sched_bench.py

# dkms: install the driver from this tree for the running kernel, or for
# KVER=<version>. `make dkms-install` adds and builds as needed.
dkms-add:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp driver/*.c driver/*.h driver/Kbuild driver/Makefile $(DKMS_SRC)/
	sed 's/#MODULE_VERSION#/$(VERSION)/' driver/dkms.conf > $(DKMS_SRC)/dkms.conf
	dkms add -m pvblk -v $(VERSION)

dkms-build:
	@dkms status -m pvblk -v $(VERSION) | grep -q . || $(MAKE) dkms-add
	dkms build -m pvblk -v $(VERSION) -k $(KVER)

dkms-install: dkms-build
	dkms install -m pvblk -v $(VERSION) -k $(KVER)

dkms-remove:
	-dkms remove -m pvblk -v $(VERSION) --all
	rm -rf $(DKMS_SRC)

clean:
	rm -rf build
	$(MAKE) -C agent clean
