# SPDX-License-Identifier: GPL-2.0
#
# hmmp: top-level build. 'make' builds hmmp.ko for every installed Debian
# kernel line (build/<kver>/kmod/hmmp.ko) and hmmpd/hmmpctl (build/bin/).
# Targets that need packages install them first through scripts/deps.

SHELL := /bin/bash
TOP := $(abspath .)
BUILD := $(TOP)/build
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
export HMMP_CACHE ?= $(HOME)/.cache/hmmp
# The version, from its one place. HMMP_VERSION=... on make deb's command
# line builds packages of another version (the copy's header is rewritten).
HMMP_VERSION ?= $(shell sed -n 's/^.define HMMP_VERSION "\(.*\)"$$/\1/p' $(TOP)/include/hmmp_version.h)
DEB_DIR ?= $(BUILD)/deb

# Kernel lines: all installed ones, or the one tree KDIR names. By default
# KDIR is the running kernel's build tree when it has one, else the newest
# installed distribution headers.
ifeq ($(origin KDIR),undefined)
KVERS ?= $(shell scripts/kernels 2>/dev/null)
RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
KDIR := $(if $(wildcard $(RUNNING_KDIR)/Makefile),$(RUNNING_KDIR),/usr/src/linux-headers-$(lastword $(KVERS)))
else
KVERS := $(notdir $(abspath $(KDIR)))
endif
kdir_of = $(if $(filter $(1),$(notdir $(abspath $(KDIR)))),$(KDIR),/usr/src/linux-headers-$(1))

PKGS := libnl-3.0 libnl-genl-3.0 libnl-route-3.0 libosip2 libsystemd libcrypto inih zlib
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Wshadow -Wformat=2 -D_GNU_SOURCE \
	  -I$(TOP)/include -I$(TOP)/userspace/lib $(PKG_CFLAGS)
# Every object writes its header dependencies beside it (build/obj/**.d):
# a changed header rebuilds exactly what includes it.
DEPFLAGS = -MMD -MP
LDLIBS += $(PKG_LIBS)

LIB_SRC := $(wildcard userspace/lib/*.c)
CTL_SRC := $(wildcard userspace/hmmpctl/*.c)
# hmmpd's layers are folders (docs/architecture.md); its files include
# one another as "layer/file.h" from userspace/hmmpd.
D_SRC := $(shell find userspace/hmmpd -name '*.c' | LC_ALL=C sort)
obj = $(patsubst userspace/%.c,$(BUILD)/obj/%.o,$(1))
LIB_OBJ := $(call obj,$(LIB_SRC))
CTL_OBJ := $(call obj,$(CTL_SRC))
D_OBJ := $(call obj,$(D_SRC))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all deps kmod userspace unit-tests test test-unit test-kunit test-vm \
	lint demo bench install clean deb fuzz fuzz-build test-fuzz test-pkg
.DEFAULT_GOAL := all

all: kmod userspace

deps:
	@scripts/deps

kmod: deps
	@set -e; for v in $(KVERS); do \
		d=$(BUILD)/$$v; mkdir -p $$d/kmod; \
		ln -sfn $(TOP)/include $$d/include; \
		for f in $(TOP)/kmod/*.[ch] $(TOP)/kmod/Kbuild; do ln -sf $$f $$d/kmod/; done; \
		find -L $$d/kmod -maxdepth 1 -type l -exec rm -f {} +; \
		echo "  KMOD    $$v"; \
		$(MAKE) -s -C $(call kdir_of,$$v) M=$$d/kmod modules; \
	done

userspace: deps
	@$(MAKE) -s $(BUILD)/bin/hmmpctl $(BUILD)/bin/hmmpd $(BUILD)/bin/hmmp-sctp-peer \
		$(BUILD)/bin/hmmp-tunsock $(BUILD)/lib/libhmmp-sctp.a

# The client library applications link to register SCTP sockets with
# hmmpd (userspace/lib/hmmp_sctp.h, docs/msctp.md).
$(BUILD)/lib/libhmmp-sctp.a: $(BUILD)/obj/lib/hmmp_sctp.o
	@mkdir -p $(dir $@)
	@echo "  AR      $@"
	@rm -f $@ && $(AR) rcs $@ $^

D_CFLAGS = -I$(TOP)/userspace/hmmpd

$(BUILD)/obj/%.o: userspace/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) $(if $(filter userspace/hmmpd/%,$<),$(D_CFLAGS)) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/bin/hmmpctl: $(CTL_OBJ) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/hmmpd: $(D_OBJ) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The two ends of the mSCTP VM scenarios (tests/vm/sctp-peer.c).
$(BUILD)/bin/hmmp-sctp-peer: tests/vm/sctp-peer.c $(BUILD)/obj/lib/hmmp_sctp.o userspace/lib/hmmp_sctp.h
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $< $(BUILD)/obj/lib/hmmp_sctp.o

# The UDP tunnel socket's owner in the VM (tests/vm/tunsock.c).
$(BUILD)/bin/hmmp-tunsock: tests/vm/tunsock.c $(BUILD)/obj/lib/nl.o userspace/lib/nl.h \
		include/uapi/linux/hmmp.h
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $< $(BUILD)/obj/lib/nl.o $(LDLIBS)

# Unit tests link the library and every hmmpctl and hmmpd object but their
# main(). They may include the helpers in tests/unit/*.h (not linked).
$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB_OBJ) $(filter-out %/main.o,$(CTL_OBJ)) \
		$(filter-out %/main.o,$(D_OBJ))
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -I$(TOP)/userspace/hmmpctl $(D_CFLAGS) -MMD -MP -MF $@.d -MT $@ \
		-o $@ $(filter-out %.h,$^) $(LDLIBS) -lcmocka

unit-tests: deps
	@$(MAKE) -s $(UNIT_BIN)

# Fuzzing (tests/fuzz/README.md): one libFuzzer harness per parser,
# tests/fuzz/<name>.c, its corpus in tests/fuzz/corpus/<name>/. Built with
# clang, ASan and UBSan (every UBSan report aborts) into build/fuzz/: the
# library, hmmpctl and hmmpd objects again (not their main()), with
# coverage. `make fuzz [FUZZ_TIME=60] [FUZZ=name...]` mutates, one harness
# after the other; `make test-fuzz` (a tier of `make test`) runs every
# corpus file once.
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
# clang, unlike gcc, counts the vsnprintf of a printf-like wrapper under
# -Wformat=2 (-Wformat-nonliteral): daemon.c has one.
FUZZ_CFLAGS = $(CFLAGS) -Wno-format-nonliteral -O1 -fno-omit-frame-pointer $(FUZZ_SAN)
FUZZ_SRC := $(wildcard tests/fuzz/*.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
fuzz_obj = $(patsubst userspace/%.c,$(BUILD)/fuzz/obj/%.o,$(1))
FUZZ_OBJ := $(call fuzz_obj,$(LIB_SRC) $(filter-out %/main.c,$(CTL_SRC) $(D_SRC)))

# Static pattern rules: the objects are targets of their own, not
# intermediate files make would skip or delete.
$(FUZZ_OBJ): $(BUILD)/fuzz/obj/%.o: userspace/%.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -I$(TOP)/userspace/hmmpctl $(D_CFLAGS) \
		$(DEPFLAGS) -c -o $@ $<

$(FUZZ_BIN): $(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -I$(TOP)/userspace/hmmpctl $(D_CFLAGS) \
		-I$(TOP)/tests/unit -MMD -MP -MF $@.d -MT $@ -o $@ $< $(FUZZ_OBJ) $(LDLIBS)

fuzz-build: deps
	@$(MAKE) -s $(FUZZ_BIN)

fuzz: fuzz-build
	@FUZZ_TIME=$(FUZZ_TIME) tests/fuzz/fuzz $(FUZZ)

test-fuzz: fuzz-build
	@tests/fuzz/run

# make test: the five tiers, then one summary line. Its pkg tier is
# tests/pkg/run's smoke (make deb, lintian, the packages' contents); the
# whole package test, in a scratch root, is make test-pkg.
test: deps all unit-tests fuzz-build
	@tests/run-all

test-unit: deps unit-tests
	@tests/unit/run

test-kunit: deps
	@tests/kunit/run $(SUITE)

# The packages installed, upgraded, removed and purged in a scratch Debian
# root (tests/pkg/run --full, docs/install.md); needs root.
test-pkg: deps
	@tests/pkg/run --full

test-vm: deps all
	@tests/vm/run $(if $(KVER),-k $(KVER)) $(SCENARIO)

demo: deps all
	@tests/vm/run -k $(lastword $(KVERS)) --demo

# Throughput through hmmp's tunnels beside plain routing and Linux's ipip
# device, in the VM; figures only, not a test.
bench: deps all
	@tests/vm/bench/run $(if $(KVER),-k $(KVER))

lint: deps
	@scripts/lint $(lastword $(KVERS))

# make install [DESTDIR=...] [PREFIX=/usr/local]: binaries, man pages (their
# .TH line carrying HMMP_VERSION), the systemd unit (ExecStart pointing at
# SBINDIR), the configuration example in /etc/hmmp (mode 0700: the secrets
# file lives there too) and hmmp.ko for every built kernel line; depmod
# when installing into the running system.
install: all
	install -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/bin/hmmpd $(BUILD)/bin/hmmpctl $(DESTDIR)$(SBINDIR)/
	@set -e; for m in docs/hmmpd.8 docs/hmmpctl.8 docs/hmmpd.conf.5; do \
		d=$(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; \
		echo "install -m 0644 $$m $$d (hmmp $(HMMP_VERSION))"; \
		sed '1,3s/^\(\.TH .*\) "hmmp [^"]*"/\1 "hmmp $(HMMP_VERSION)"/' $$m >$$d; \
		chmod 0644 $$d; \
	done
	sed 's|^ExecStart=/usr/sbin/hmmpd|ExecStart=$(SBINDIR)/hmmpd|' userspace/hmmpd/hmmpd.service \
		>$(DESTDIR)$(UNITDIR)/hmmpd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/hmmpd.service
	install -d -m 0755 $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/hmmp
	install -m 0644 $(BUILD)/lib/libhmmp-sctp.a $(DESTDIR)$(LIBDIR)/
	install -m 0644 userspace/lib/hmmp_sctp.h $(DESTDIR)$(INCLUDEDIR)/hmmp/
	install -d -m 0700 $(DESTDIR)$(SYSCONFDIR)/hmmp
	install -m 0644 userspace/hmmpd/hmmpd.conf.example $(DESTDIR)$(SYSCONFDIR)/hmmp/hmmpd.conf.example
	@set -e; for v in $(KVERS); do \
		echo "install -D -m 0644 $(BUILD)/$$v/kmod/hmmp.ko $(DESTDIR)/lib/modules/$$v/updates/hmmp.ko"; \
		install -D -m 0644 $(BUILD)/$$v/kmod/hmmp.ko $(DESTDIR)/lib/modules/$$v/updates/hmmp.ko; \
		if [ -z "$(DESTDIR)" ]; then depmod -a $$v; fi; \
	done

# make deb [HMMP_VERSION=...] [DEB_DIR=...] [LINTIAN=no]: the Debian
# packages hmmp-dkms, hmmpd, hmmp-tools and libhmmp-sctp-dev
# (docs/install.md), unsigned, then lintian over them (warnings fail).
# dpkg-buildpackage runs in an exported copy of the tree's files,
# DEB_DIR/hmmp-VERSION, whose debian/changelog is written here from the
# version, so that what it writes to the parent directory stays in DEB_DIR.
deb: deps
	@set -e; v='$(HMMP_VERSION)'; d='$(DEB_DIR)'/hmmp-$$v; \
	case $$v in [0-9]*) ;; *) echo "deb: bad version '$$v'" >&2; exit 1;; esac; \
	rm -rf "$$d" '$(DEB_DIR)'/*_"$$v"[_.]*; mkdir -p "$$d"; \
	echo "  EXPORT  $$d"; \
	git -C $(TOP) ls-files -z --cached --others --exclude-standard | \
		tar -C $(TOP) --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$$d" -xf -; \
	sed -i "s/^#define HMMP_VERSION .*/#define HMMP_VERSION \"$$v\"/" "$$d/include/hmmp_version.h"; \
	when=$$(git -C $(TOP) log -1 --format=%ct); \
	{ echo "hmmp ($$v) unstable; urgency=medium"; echo; \
	  echo "  * Built by make deb from $$(git -C $(TOP) describe --always --dirty)."; echo; \
	  echo " -- $$(sed -n 's/^Maintainer: //p' "$$d/debian/control")  $$(date -R -u -d @$$when)"; \
	} >"$$d/debian/changelog"; \
	echo "  DEB     hmmp $$v (log: $(DEB_DIR)/hmmp_$$v.build.log)"; \
	(cd "$$d" && SOURCE_DATE_EPOCH=$$when dpkg-buildpackage -us -uc \
		-j$$(nproc)) >'$(DEB_DIR)'/hmmp_$$v.build.log 2>&1 || \
		{ tail -n 30 '$(DEB_DIR)'/hmmp_$$v.build.log >&2; exit 1; }; \
	ls -l '$(DEB_DIR)'/*_"$$v"_*.deb | awk '{print "  " $$5 "\t" $$NF}'; \
	if [ "$(LINTIAN)" != no ]; then \
		echo "  LINTIAN $(DEB_DIR)/hmmp_$${v}_$$(dpkg --print-architecture).changes"; \
		lintian --fail-on error,warning --display-info \
			'$(DEB_DIR)'/hmmp_$${v}_$$(dpkg --print-architecture).changes; \
	fi

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(BUILD)/tests $(BUILD)/fuzz -name '*.d' 2>/dev/null)
