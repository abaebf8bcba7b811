# latch -- GNU Makefile. `make` builds build/latch; `make check` runs every
# test; `make asan` runs them again under ASan+UBSan; `make demo` shows latch
# at work; `make bench` compares start-up with bubblewrap and firejail, and
# measures the egress proxy; `make agents` installs the agent CLIs the
# integration tests run (make check does it too, when their test is selected);
# `make fuzz` runs the libFuzzer targets in fuzz/ for a bounded time.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/latch
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
INCLUDEDIR ?= $(PREFIX)/include
LIBDIR ?= $(PREFIX)/lib
DESTDIR ?=
VERSION := 0.1.0

CC ?= cc
BUILD ?= build
OPT ?= -O2
PKGS := libseccomp jansson nettle

WARN := -Wall -Wextra -Werror -Wshadow -Wswitch-enum -Wmissing-prototypes \
	-Wformat=2 -Wno-format-nonliteral -Wno-format-truncation -Wstrict-prototypes -Wvla
CFLAGS ?= $(OPT) -g
ALL_CFLAGS := $(CFLAGS) -std=gnu17 $(WARN) -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
	-D_GNU_SOURCE -DLATCH_VERSION='"$(VERSION)"' -Isrc -Iinclude -I$(BUILD)/gen \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# latch itself is linked static-pie: no dynamic loader at start-up (the
# largest single cost of a short run on these machines), ASLR kept. The
# sanitizer build links dynamically, as ASan requires.
LINK ?= -static-pie
# libseccomp, jansson and nettle are linked statically (Debian's -dev
# packages ship the archives): fewer objects for the dynamic loader at every
# start.
# libresolv: the proxy asks DNS itself (res_nquery), with no nsswitch module.
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lresolv
ALL_LDLIBS := $(LDLIBS) -Wl,-Bstatic $(PKG_LIBS) -Wl,-Bdynamic
# A -Bdynamic after the libraries would undo -static-pie for libc.
ifeq ($(LINK),)
LATCH_LDLIBS := $(ALL_LDLIBS)
else
LATCH_LDLIBS := $(LDLIBS) $(PKG_LIBS)
endif

SRC := $(sort $(wildcard src/base/*.c src/policy/*.c src/sandbox/*.c src/supervise/*.c src/net/*.c src/session/*.c src/probe/*.c src/lab/*.c src/cli/*.c))
LIB_SRC := $(filter-out src/cli/main.c,$(SRC))
OBJ := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRC)) $(BUILD)/obj/gen/builtins.o $(BUILD)/obj/gen/sfilter-bpf.o
# What the seccomp generator needs: the tables, and the base it uses.
SFILTER_GEN_OBJ := $(BUILD)/obj/sandbox/seccomp.o $(BUILD)/obj/base/error.o $(BUILD)/obj/base/json-util.o \
	$(BUILD)/obj/base/path-util.o $(BUILD)/obj/supervise/filter.o $(BUILD)/obj/supervise/decode.o \
	$(BUILD)/obj/base/fd-pass.o
PROFILES := $(sort $(wildcard profiles/*.json)) $(sort $(wildcard profiles/groups/*.json))
UNIT_SRC := $(sort $(wildcard tests/unit/test-*.c))
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
HELPERS := $(BUILD)/tests/try-op $(BUILD)/tests/sup-harness
# The escape corpus (tests/escapes/): one program per attack class, and the
# shared esc.c. Built without sanitizers even under `make asan`: they make
# raw system calls (int 0x80, io_uring rings) and run inside sandboxes.
ESC_SRC := $(sort $(wildcard tests/escapes/esc-*.c))
ESC_BIN := $(patsubst tests/escapes/%.c,$(BUILD)/tests/escapes/%,$(ESC_SRC))
ESC_CFLAGS := $(filter-out -fsanitize% -fno-sanitize%,$(ALL_CFLAGS))
HELPERS += $(ESC_BIN)

# liblatch (include/latch.h): the session layer and what it stands on,
# compiled position-independent with every symbol hidden but the latch_*
# API (src/lib/liblatch.map), as a shared and a static library. Built
# without sanitizers even under `make asan`: programs that link it are not
# sanitized.
LIBLATCH_SRC := $(sort $(wildcard src/base/*.c src/policy/*.c src/sandbox/*.c src/supervise/*.c src/net/*.c src/session/*.c src/lib/*.c))
LIBLATCH_OBJ := $(patsubst src/%.c,$(BUILD)/pic/%.o,$(LIBLATCH_SRC)) $(BUILD)/pic/gen/builtins.o $(BUILD)/pic/gen/sfilter-bpf.o
LIB_CFLAGS := $(filter-out -fsanitize% -fno-sanitize%,$(ALL_CFLAGS)) -fPIC -fvisibility=hidden
LIBLATCH_SO := $(BUILD)/lib/liblatch.so.$(VERSION)
LIBLATCH_A := $(BUILD)/lib/liblatch.a
# latch.pc names where it is installed; the test's copy names itself
# relative to where it lies (${pcfiledir}), so that it can be moved.
PC_PREFIX ?= $(PREFIX)
PC_INCLUDEDIR ?= $(INCLUDEDIR)
PC_LIBDIR ?= $(LIBDIR)

# Fuzzing (fuzz/, README "Fuzzing"). Each fuzz/fuzz-NAME.c is a target.
# `make check` replays the seed corpora and the regression cases through
# replay drivers built like everything else; `make fuzz` builds the
# targets with clang and libFuzzer (ASan + UBSan) in FUZZ_DIR and runs
# each for FUZZ_SECONDS (or FUZZ_RUNS executions); T=NAME picks targets.
FUZZ_TARGETS := $(patsubst fuzz/fuzz-%.c,%,$(sort $(wildcard fuzz/fuzz-*.c)))
FUZZ_REPLAY := $(patsubst %,$(BUILD)/tests/fuzz-%,$(FUZZ_TARGETS))
FUZZ_CC ?= clang
FUZZ_DIR ?= build/fuzz
FUZZ_SECONDS ?= 20
FUZZ_RUNS ?=
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
# Warnings, not errors: clang warns where gcc does not (inside system
# macros too), and the gcc build is the one that refuses them.
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer -std=gnu17 $(filter-out -Werror -Wno-format-truncation,$(WARN)) \
	-D_GNU_SOURCE -DLATCH_VERSION='"$(VERSION)"' -I. -Isrc -Iinclude -I$(BUILD)/gen \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(FUZZ_SAN)
FUZZ_OBJ := $(patsubst src/%.c,$(FUZZ_DIR)/obj/%.o,$(LIB_SRC)) $(FUZZ_DIR)/obj/gen/builtins.o \
	$(FUZZ_DIR)/obj/gen/sfilter-bpf.o
FUZZ_BIN := $(patsubst %,$(FUZZ_DIR)/fuzz-%,$(FUZZ_TARGETS))


.PHONY: all deps check unit integration asan demo bench install install-lib clean lib agents sbpl-golden fuzz
# PKG_LIBS is read when the Makefile is: after deps has installed the
# packages, make is asked again, so that it finds them.
all: deps
	@$(MAKE) --no-print-directory $(BUILD)/latch

# Missing Debian packages are installed (as root) or named (otherwise).
deps:
	@scripts/deps.sh build

$(BUILD)/gen/builtins.c: $(PROFILES) scripts/embed-profiles.sh
	@mkdir -p $(@D)
	scripts/embed-profiles.sh $@ $(PROFILES)

$(BUILD)/obj/gen/builtins.o: $(BUILD)/gen/builtins.c src/policy/policy.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -c -o $@ $<

# The seccomp filters, compiled by libseccomp at build time (seccomp.h).
$(BUILD)/sfilter-gen: scripts/sfilter-gen.c $(SFILTER_GEN_OBJ)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

$(BUILD)/gen/sfilter-bpf.c: $(BUILD)/sfilter-gen
	@mkdir -p $(@D)
	$(BUILD)/sfilter-gen > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/sfilter-bpf.o: $(BUILD)/gen/sfilter-bpf.c src/sandbox/seccomp.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# The plans in plans/ are embedded with .incbin, which -MMD does not see.
$(BUILD)/obj/lab/builtin-plans.o: $(sort $(wildcard plans/*.json))

$(BUILD)/liblatch.a: $(OBJ)
	$(AR) rcs $@ $^

$(BUILD)/latch: $(BUILD)/obj/cli/main.o $(BUILD)/liblatch.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(LINK) -o $@ $^ $(LATCH_LDLIBS)

# Every unit test program carries the function filter (`make check TF=NAME`).
$(BUILD)/tests/cmocka-filter.o: tests/unit/cmocka-filter.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/test-%: tests/unit/test-%.c $(BUILD)/tests/cmocka-filter.o $(BUILD)/liblatch.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS) -lcmocka

$(BUILD)/tests/try-op: tests/integration/try-op.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $<

# The supervisor's test launcher (and its race, flood and bench programs).
$(BUILD)/tests/sup-harness: tests/integration/sup-harness.c $(BUILD)/liblatch.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS) -lpthread

# esc.c reads with base/fs-util.c, as built for liblatch (no sanitizers).
$(BUILD)/tests/escapes/esc-%: tests/escapes/esc-%.c tests/escapes/esc.c tests/escapes/esc.h src/base/macro.h \
		$(BUILD)/pic/base/fs-util.o
	@mkdir -p $(@D)
	$(CC) $(ESC_CFLAGS) -o $@ $< $(if $(filter outside,$*),,tests/escapes/esc.c $(BUILD)/pic/base/fs-util.o) -lpthread

# A fuzz target as a replay driver (fuzz/replay.c), for `make check`.
$(BUILD)/tests/fuzz-%: fuzz/fuzz-%.c fuzz/replay.c fuzz/fuzz.h $(BUILD)/liblatch.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -I. $(LDFLAGS) -o $@ fuzz/fuzz-$*.c fuzz/replay.c $(BUILD)/liblatch.a $(ALL_LDLIBS)

# The same targets with libFuzzer: every object instrumented for coverage
# and sanitized; libseccomp, jansson and nettle as they are.
$(FUZZ_DIR)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wno-missing-prototypes -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/liblatch.a: $(FUZZ_OBJ)
	$(AR) rcs $@ $^

$(FUZZ_DIR)/fuzz-%: fuzz/fuzz-%.c fuzz/fuzz.h $(FUZZ_DIR)/liblatch.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_DIR)/liblatch.a $(ALL_LDLIBS)

$(BUILD)/pic/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/pic/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -Wno-missing-prototypes -c -o $@ $<

$(LIBLATCH_SO): $(LIBLATCH_OBJ) src/lib/liblatch.map
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,liblatch.so.0 -Wl,--version-script=src/lib/liblatch.map -Wl,-z,defs \
		-o $@ $(LIBLATCH_OBJ) $(PKG_LIBS) -lpthread

# One relocatable object with only the API left global, then an archive.
$(LIBLATCH_A): $(LIBLATCH_OBJ)
	@mkdir -p $(@D)
	$(LD) -r -o $(BUILD)/lib/latch-all.o $(LIBLATCH_OBJ)
	objcopy --localize-hidden $(BUILD)/lib/latch-all.o
	rm -f $@ && ar rcs $@ $(BUILD)/lib/latch-all.o

$(BUILD)/lib/latch.pc: Makefile
	@mkdir -p $(@D)
	printf '%s\n' 'prefix=$(PC_PREFIX)' 'includedir=$(PC_INCLUDEDIR)' 'libdir=$(PC_LIBDIR)' '' \
		'Name: latch' 'Description: run programs in a latch sandbox (Landlock, seccomp, a supervisor)' \
		'Version: $(VERSION)' 'Cflags: -I$${includedir}' 'Libs: -L$${libdir} -llatch' \
		'Libs.private: -lpthread -lresolv' 'Requires.private: $(PKGS)' > $@

lib: $(LIBLATCH_SO) $(LIBLATCH_A)

# The library as `make install` lays it out, under BUILD/prefix, for the
# test that builds a program against it with pkg-config.
$(BUILD)/prefix/.installed: $(LIBLATCH_SO) $(LIBLATCH_A) include/latch.h Makefile
	rm -rf $(BUILD)/prefix
	@$(MAKE) --no-print-directory install-lib PREFIX=$(abspath $(BUILD)/prefix) DESTDIR= \
		PC_PREFIX='$$$${pcfiledir}/../..' PC_INCLUDEDIR='$$$${prefix}/include' PC_LIBDIR='$$$${prefix}/lib'
	touch $@

# Claude Code and Codex from the npm registry, pinned, into a cache that
# `make asan` shares and `make clean` removes (tests/integration/test-agent-cli.sh).
AGENTS ?= build/agents
agents:
	@scripts/agents.sh $(AGENTS)

unit: $(UNIT_BIN)
	@scripts/run-unit.sh $(UNIT_BIN)

# tests/sbpl/NAME.sb: the built-in profiles rendered to Seatbelt with fixed
# variables, which test-sbpl compares. Rewrite them after a change that is
# meant, and review the diff.
sbpl-golden: $(BUILD)/tests/test-sbpl
	@mkdir -p tests/sbpl
	@LATCH_SBPL_GOLDEN=write LATCH_TEST_FUNC=test_golden $(BUILD)/tests/test-sbpl

integration: $(BUILD)/latch $(HELPERS)
	@LATCH_AGENTS_DIR='$(abspath $(AGENTS))' tests/integration/run.sh $(BUILD)

# The layer rule comes first: it is instant, and holds whatever T and TF say.
check:
	@scripts/check-layers.sh src
	@scripts/deps.sh check
	@$(MAKE) --no-print-directory $(BUILD)/latch $(UNIT_BIN) $(HELPERS) $(FUZZ_REPLAY) $(BUILD)/prefix/.installed
	@LATCH_TEST='$(T)' LATCH_TEST_FUNC='$(TF)' LATCH_AGENTS_DIR='$(abspath $(AGENTS))' scripts/check.sh $(BUILD) $(UNIT_BIN)

asan:
	@$(MAKE) --no-print-directory check BUILD=build-asan OPT=-O1 LINK= \
		CFLAGS='-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all' \
		LDFLAGS='-fsanitize=address,undefined'

demo:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory $(BUILD)/latch
	@scripts/demo.sh $(BUILD)/latch

# The kernel's own floors, for the benchmarks to compare with (bench/floor.c).
$(BUILD)/bench/floor: bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -std=gnu17 -Wall -Wextra -Werror -D_GNU_SOURCE -o $@ $<

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory $(BUILD)/latch $(BUILD)/tests/sup-harness $(BUILD)/bench/floor
	@bench/run.sh $(BUILD)/latch
	@bench/supervise.sh $(BUILD)
	@bench/workloads.sh $(BUILD)/latch
	@bench/proxy.sh $(BUILD)/latch

fuzz:
	@scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	@LATCH_TEST='$(T)' scripts/fuzz.sh $(FUZZ_DIR) '$(FUZZ_SECONDS)' '$(FUZZ_RUNS)' $(FUZZ_TARGETS)

# The man page names the README where this install puts it (it is written
# for the default prefix).
install: $(BUILD)/latch install-lib
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 0755 $(BUILD)/latch $(DESTDIR)$(BINDIR)/latch
	sed 's|/usr/local/share/doc/latch|$(DOCDIR)|g' man/latch.1 >$(DESTDIR)$(MANDIR)/man1/latch.1
	chmod 0644 $(DESTDIR)$(MANDIR)/man1/latch.1
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -m 0644 completions/latch.bash $(DESTDIR)$(BASHCOMPDIR)/latch
	install -m 0644 completions/_latch $(DESTDIR)$(ZSHCOMPDIR)/_latch
	install -m 0644 completions/latch.fish $(DESTDIR)$(FISHCOMPDIR)/latch.fish

install-lib: $(LIBLATCH_SO) $(LIBLATCH_A)
	@rm -f $(BUILD)/lib/latch.pc
	@$(MAKE) --no-print-directory $(BUILD)/lib/latch.pc
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 0644 include/latch.h $(DESTDIR)$(INCLUDEDIR)/latch.h
	install -m 0755 $(LIBLATCH_SO) $(DESTDIR)$(LIBDIR)/liblatch.so.$(VERSION)
	ln -sf liblatch.so.$(VERSION) $(DESTDIR)$(LIBDIR)/liblatch.so.0
	ln -sf liblatch.so.0 $(DESTDIR)$(LIBDIR)/liblatch.so
	install -m 0644 $(LIBLATCH_A) $(DESTDIR)$(LIBDIR)/liblatch.a
	install -m 0644 $(BUILD)/lib/latch.pc $(DESTDIR)$(LIBDIR)/pkgconfig/latch.pc

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD)/obj $(BUILD)/pic $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)
