# pvblk: one entry point. `make demo` and `make check` are the two commands
# a newcomer needs; everything they need is installed by `make deps`.
SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
KVERS = $(shell cat $(BUILD)/kernels.list 2>/dev/null)

.PHONY: all deps kernels driver agent check demo bench clean \
	dkms-add dkms-build dkms-install dkms-remove

all: driver agent

deps:
	@scripts/deps.sh

kernels: deps
	@scripts/kernels.sh

clean:
	rm -rf build
	$(MAKE) -C agent clean
