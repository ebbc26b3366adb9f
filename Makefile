# fluxc: one non-recursive Makefile. Each directory contributes a module.mk
# that appends its sources, libraries, binaries and unit tests to the lists
# below; the generic rules here compile them.
#
#   make            build bin/{source,kustomize,helm,notification}-controller
#   make deps       install Debian packages and Go-built test tools (idempotent)
#   make test       unit, offline and e2e tests; ends with "N passed, N failed"
#   make test-asan  the same suite built with AddressSanitizer + UBSan
#   make bench      benchmarks side by side with the reference tools
#   make demo       local cluster + every controller + kubectl get of their objects
#   make fuzz       build the libFuzzer targets (clang)
#   make cluster-up / cluster-down

VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
CC      ?= gcc
SAN     ?=
PKGS    := libgit2 yaml-0.1 libcurl openssl libuv json-c zlib libarchive libmicrohttpd gpgme

ifeq ($(SAN),1)
O       := build/asan
BIN     := build/asan/bin
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT     := -O1
else
O       := build/release
BIN     := bin
SANFLAGS :=
OPT     := -O2
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wno-missing-field-initializers \
           -Wformat=2 -Werror=implicit-function-declaration -g $(OPT) $(SANFLAGS) \
           -DFC_VERSION='"$(VERSION)"' -Ilibcommon/include $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS := -Wl,--as-needed $(SANFLAGS) $(EXTRA_LDFLAGS)
LDLIBS  := $(PKG_LIBS) -lpthread -lm

# Filled in by the module.mk files.
LIBS     :=
BINARIES :=
TESTS    :=
FUZZERS  :=

objs = $(patsubst %.c,$(O)/%.o,$(1))

.PHONY: all
all: binaries

include libcommon/module.mk
include $(sort $(wildcard *-controller/module.mk))
include $(sort $(wildcard tests/unit/*/module.mk))
-include tests/e2e/module.mk
-include tests/tools/module.mk
-include tests/fuzz/module.mk

.PHONY: binaries tests
binaries: $(BINARIES)
tests: $(TESTS)

Q := $(if $(V),,@)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC $<")
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(O) -name '*.d' 2>/dev/null)

# ---- commands a developer or CI runs -------------------------------------
.PHONY: deps test test-unit test-asan bench demo fuzz cluster-up cluster-down clean

deps:
	@tests/env/deps.sh

test: deps
	@tests/run.sh all

test-unit:
	@tests/run.sh unit

test-asan: deps
	@SAN=1 tests/run.sh all

bench: deps
	@tests/bench/run.sh

demo: deps
	@tests/env/demo.sh

fuzz:
	@$(MAKE) -f tests/fuzz/Makefile

cluster-up: deps binaries
	@tests/env/cluster-up.sh

cluster-down:
	@tests/env/cluster-down.sh

clean:
	rm -rf build bin
