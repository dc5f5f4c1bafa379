# SPDX-License-Identifier: GPL-2.0
#
# tdxgmem top-level Makefile.
#
#   make                    build tdxgmem.ko for KDIR (default: running kernel)
#                           and tools/tdxgmemctl
#   make KVER=6.12|7.3      build for a cached Debian reference kernel
#   make KVER=7.3-debug     build for the debug kernel (scripts/debug-kernel)
#   make tools              tools/tdxgmemctl only (libnl-3, libnl-genl-3)
#   make install-tools      install tdxgmemctl and its man page (PREFIX=/usr/local,
#                           DESTDIR=)
#   make demo               boot a reference kernel, load the module, use it
#   make check              every default test suite; last line "N passed, N failed"
#   make check-host         the suites that need no VM, on the running kernel
#                           (a TDX host's CI; as root; scripts/host-check)
#   make deb                Debian packages tdxgmem-dkms, tdxgmem-tools (build/deb/)
#   make rpm                RPM packages: source and noarch dkms (build/rpm/)
#   make dkms-src DEST=DIR  the DKMS source tree (what /usr/src/tdxgmem-<version> holds)
#   make lint               checkpatch --strict, sparse, W=1 on both kernels
#   make unit               userspace unit tests under ASan/UBSan
#   make bench              benchmarks (not tests)
#   make kvm [KVER=7.3]     KVM modules with patches/kvm/ applied, and the
#                           stock peer (build/kvm/<release>/{patched,stock})
#   make check-debug        the debug kernel's suites (opt-in, not in make check)
#   make soak [MINUTES=60]  stress + random tests, fresh seeds, on the debug kernel
#   make clean
#
# Modules for each kernel are built in build/<kernel release>/, so builds for
# several kernels coexist.

TOP := $(CURDIR)
KVER ?=

ifneq ($(KVER),)
KDIR := $(shell $(TOP)/scripts/kernels path $(KVER) kdir)
KREL := $(shell $(TOP)/scripts/kernels path $(KVER) release)
KRUN := $(TOP)/scripts/kernels run $(KVER)
FETCH := $(TOP)/scripts/kernels fetch $(KVER)
else
KDIR ?= /lib/modules/$(shell uname -r)/build
KREL := $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
KRUN :=
FETCH := true
endif

B ?= $(TOP)/build/$(KREL)
SRCS := Kbuild dkms.conf module include uapi
# Test modules, built with TESTS=1 (make check does).
TEST_SRCS := tests/runner tests/kvmsim tests/dmprobe

.PHONY: all module modules tools install-tools clean demo check lint unit bench kvmsim kvm \
	soak check-debug check-host deb rpm dkms-src

all: tools module

tools:
	$(MAKE) -C tools/tdxgmemctl

install-tools:
	$(MAKE) -C tools/tdxgmemctl install

module modules:
	@$(FETCH)
	@test -n "$(KREL)" || { echo "tdxgmem: $(if $(KVER),unknown KVER=$(KVER) (6.12, 7.3 or 7.3-debug),no kernel build tree at $(KDIR) (set KDIR= or KVER=))" >&2; exit 1; }
	@mkdir -p $(B)
	@# One build per kernel at a time: concurrent builds would share $(B).
	flock $(B).lock sh -c '\
		cp -a -u $(SRCS) $(B)/ && \
		$(if $(TESTS),cp -a -u --parents $(TEST_SRCS) $(B)/ &&) \
		$(KRUN) $(TOP)/scripts/conftest/run $(KDIR) $(B) && \
		$(KRUN) $(MAKE) -C $(KDIR) M=$(B) TDXGMEM_B=$(B) $(if $(TESTS),TDXGMEM_TESTS=m) \
			$(if $(W),W=$(W)) $(if $(C),C=$(C)) modules'


# What a DKMS source tree holds, for scripts/dkms-test and the packages:
# the module and its build, no tests (the packages carry the licence
# where their format wants it).
DKMS_SRCS := Makefile Kbuild dkms.conf module include uapi scripts/conftest

dkms-src:
	@test -n "$(DEST)" || { echo "make dkms-src DEST=DIR" >&2; exit 1; }
	mkdir -p $(DEST)
	cp -a --parents $(DKMS_SRCS) $(DEST)/

deb:
	scripts/deb

rpm:
	scripts/rpm

demo:
	scripts/demo

check:
	scripts/check

check-host:
	scripts/check host

# Not part of check: a cold build of the debug kernel alone takes 30-67 min
# on a 2-core host (README "Tests").
check-debug:
	scripts/check vm-7.3-debug modload-7.3-debug runner-7.3-debug kvm-7.3-debug

lint:
	scripts/lint

unit:
	$(MAKE) -C tests/unit run

bench:
	scripts/bench-run

kvm:
	scripts/kvm-build --kernel $(or $(KVER),7.3)
	scripts/kvm-build --kernel $(or $(KVER),7.3) --stock

MINUTES ?= 60
soak:
	scripts/soak $(MINUTES)

clean:
	rm -rf build
	-$(MAKE) -C tests/unit clean
	-$(MAKE) -C tests/selftests clean
	-$(MAKE) -C tools/tdxgmemctl clean
