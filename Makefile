# Witness Anchor — build, test, bench, demo, install, image.
#
# Sources are discovered by folder: every .c below core/ didlog/ verifier/ anchord/
# seed/ is library code except the *_main.c files, which are the programs.
# Dependencies point one way -- programs -> anchord subsystems -> domain libraries
# (didlog, verifier) -> shared process I/O (core/io) -> core -- and `make check-layers`
# (part of `make`) fails on an include that points the wrong way (scripts/layers.txt).
#
# `make` only compiles (no network). The targets that run something (test, asan, demo,
# bench, scenarios, load, fuzz) first install what is missing (scripts/deps.sh: Debian
# packages as root or with sudo, npm test tooling), then compile in a second make: this
# Makefile reads pkg-config when it is parsed, which must happen after the install.

CC      ?= cc
STD     := -std=c17 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter -Wvla -Wformat=2
OPT     ?= -O2 -g
PKGS    := libsodium libsecp256k1 jansson libcurl hiredis libmicrohttpd nettle openssl libidn2 p11-kit-1
PKGCF   := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKGLIB  := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lsodium -lsecp256k1 -ljansson -lcurl -lhiredis -lmicrohttpd -lnettle -lssl -lcrypto -lidn2 -lp11-kit)
CFLAGS  += $(STD) $(WARN) $(OPT) -I. $(PKGCF) -fstack-protector-strong -D_FORTIFY_SOURCE=2
LDLIBS  += $(PKGLIB) -lm -lpthread
BUILD   ?= build
BIN     ?= bin
# What --version prints: `git describe` in a git checkout, else the .version file that
# `git archive` fills in (export-subst), else "unknown".
VERSION ?= $(shell { [ -e .git ] && git describe --tags --always --dirty 2>/dev/null; } || \
             grep -v '^\$$Format' .version 2>/dev/null || echo unknown)
# make install: PREFIX and DESTDIR as usual; the units and crontab name $(BINDIR)/anchord
# and $(CONFDIR)/anchord.env.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/witness-anchor
UNITDIR ?= $(PREFIX)/lib/systemd/system
CONFDIR ?= /etc/witness-anchor
# make image: the OCI archive cron/k8s.yaml runs (scripts/image.sh).
IMAGE   ?= witness-anchor

MODS    := core didlog verifier anchord seed
LIBSRC  := $(filter-out %_main.c,$(shell find $(MODS) -name "*.c"))
# The API description anchord serve answers with, compiled in (scripts/embed.sh).
APIDOCS := docs/openapi.yaml $(sort $(wildcard docs/schemas/*.json))
LIBOBJ  := $(LIBSRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/apidocs_data.o
LIB     := $(BUILD)/libwa.a
PROGS   := $(BIN)/anchord $(BIN)/didlog $(BIN)/didverify $(BIN)/seed
UNITSRC := $(wildcard tests/unit/test_*.c)
UNITS   := $(UNITSRC:tests/unit/%.c=$(BUILD)/tests/%)
# The one test helper binary (git's t/helper model): test-tool SUBCOMMAND, one
# tests/helper/test-*.c per group; outside $(BUILD)/tests, which run.sh runs as unit tests.
HELPSRC := $(wildcard tests/helper/test-*.c)
HELPER  := $(BUILD)/helper/test-tool
# In-process seams of the unit tests (tests/unit/fake_*.c: queue, store, ...), linked
# with every unit test, never with the product.
FAKESRC := $(wildcard tests/unit/fake_*.c)
FAKE    := $(BUILD)/tests/libfake.a
BENCHSRC:= $(wildcard bench/*.c)
BENCHES := $(BENCHSRC:bench/%.c=$(BUILD)/bench/%)

.SECONDARY:
.PHONY: all test asan fuzz bench deps demo clean scenarios check-contracts contracts load \
        install uninstall man image check-layers check-rules FORCE
all: check-layers $(PROGS) $(UNITS) $(HELPER) $(BENCHES)

# Includes point down the layers of scripts/layers.txt (README "Layout"); then the call
# and size rules of issue 13 (check-rules): a violation fails the build.
check-layers:
	@scripts/check-layers.sh >/dev/null || scripts/check-layers.sh
	@WA_RULES_STRICT=1 scripts/check-rules.sh -q

# One HTTP client, at most two clock readers, no test on an error message's text, no folder
# above 30 % of the product lines: the figures and every violation (scripts/check-rules.sh).
check-rules:
	@scripts/check-rules.sh

# The version is compiled into core/version.o only; the stamp changes (and that object
# is rebuilt) only when the version does.
$(BUILD)/version.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' >$@
$(BUILD)/core/version.o: $(BUILD)/version.stamp
$(BUILD)/core/version.o: CFLAGS += -DWA_VERSION='"$(VERSION)"'

$(BUILD)/%.o: %.c $(shell find $(MODS) tests -name "*.h") Makefile
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/gen/apidocs_data.c: scripts/embed.sh $(APIDOCS)
	@mkdir -p $(dir $@)
	@scripts/embed.sh $(APIDOCS) >$@.tmp && mv $@.tmp $@

$(BUILD)/gen/apidocs_data.o: $(BUILD)/gen/apidocs_data.c anchord/ingest/apidocs.h
	@echo "CC $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIBOBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN)/anchord:   $(BUILD)/anchord/anchord_main.o $(LIB)
$(BIN)/didlog:    $(BUILD)/didlog/didlog_main.o $(LIB)
$(BIN)/didverify: $(BUILD)/verifier/didverify_main.o $(LIB)
$(BIN)/seed:      $(BUILD)/seed/seed_main.o $(LIB)
$(PROGS):
	@mkdir -p $(BIN)
	@echo "LD $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(FAKE): $(FAKESRC:%.c=$(BUILD)/%.o)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(FAKE) $(LIB)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(HELPER): $(HELPSRC:%.c=$(BUILD)/%.o) $(LIB)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

# The whole suite; ends with "N passed, N failed, N skipped"; non-zero on any failure.
# `make test T=NAME` runs the one suite NAME (pipeline, test_store; tests/run.sh --only).
test: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) BIN=$(BIN) tests/run.sh $(if $(T),--only $(T))

# The same suite built and run under AddressSanitizer + UndefinedBehaviorSanitizer.
asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan BIN=build-asan/bin \
	  OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  BUILD=build-asan BIN=build-asan/bin WA_ASAN=1 tests/run.sh $(if $(T),--only $(T))

# Every libFuzzer target in tests/fuzz for FUZZ_SECONDS each (clang from Debian).
FUZZ_SECONDS ?= 30
fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

# Figures, side by side with the reference each issue names.
bench: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) BIN=$(BIN) bench/run.sh

# The red-team, fault and load scenarios, and their table in docs/scenarios.md.
scenarios: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) BIN=$(BIN) scripts/scenarios.sh

# The 100,000-event load test (ingest + batches; figures in docs/load.md).
load: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) BIN=$(BIN) scripts/load.sh

# Debian + npm packages the build, tests, bench and demo need (root or sudo).
deps:
	@scripts/deps.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@BIN=$(BIN) scripts/demo.sh

# Man pages from each program's --help and --version (help2man, when installed).
MANS := $(PROGS:$(BIN)/%=$(BUILD)/man/%.1)
man: $(MANS)
$(BUILD)/man/%.1: $(BIN)/%
	@mkdir -p $(dir $@)
	@echo "MAN $@"
	@help2man --no-info --no-discard-stderr --name="$(or $(MANNAME_$*),$*)" --output=$@ $(abspath $<)
MANNAME_anchord   := Witness Anchor worker, ingest API and chain tools
MANNAME_didlog    := manage did:webvh v1.0 DID logs
MANNAME_didverify := verify a did:webvh history against the anchors on chain
MANNAME_seed      := Witness Anchor demo and test data

# Binaries, man pages, systemd units, crontab, k8s manifest and the sample config, each
# where the units and the crontab line expect them. An existing $(CONFDIR)/anchord.env is
# kept (the sample is always in $(DATADIR)). Units and crontab get $(BINDIR) written in.
install: $(PROGS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(CONFDIR)
	install -m 755 $(PROGS) $(DESTDIR)$(BINDIR)/
	for f in anchord-run.service anchord-run.timer anchord-ingest.service; do \
	    sed -e 's#/usr/local/bin/#$(BINDIR)/#g' -e 's#/etc/witness-anchor/#$(CONFDIR)/#g' cron/$$f >$(DESTDIR)$(UNITDIR)/$$f && \
	    chmod 644 $(DESTDIR)$(UNITDIR)/$$f || exit 1; done
	sed -e 's#/usr/local/bin/#$(BINDIR)/#g' -e 's#/etc/witness-anchor/#$(CONFDIR)/#g' cron/crontab >$(DESTDIR)$(DATADIR)/crontab
	install -m 644 cron/k8s.yaml cron/anchord.env cron/nginx-cdn.conf cron/s3-bucket-policy.json $(DESTDIR)$(DATADIR)/
	chmod 644 $(DESTDIR)$(DATADIR)/crontab
	[ -e $(DESTDIR)$(CONFDIR)/anchord.env ] || install -m 644 cron/anchord.env $(DESTDIR)$(CONFDIR)/anchord.env
	@if command -v help2man >/dev/null; then \
	    $(MAKE) --no-print-directory man && install -d $(DESTDIR)$(MANDIR)/man1 && \
	    install -m 644 $(MANS) $(DESTDIR)$(MANDIR)/man1/; \
	else echo "install: no man pages (help2man is not installed; make deps installs it)"; fi

# Removes what install put there, except $(CONFDIR)/anchord.env (it may hold your settings).
uninstall:
	rm -f $(PROGS:$(BIN)/%=$(DESTDIR)$(BINDIR)/%) $(PROGS:$(BIN)/%=$(DESTDIR)$(MANDIR)/man1/%.1)
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,anchord-run.service anchord-run.timer anchord-ingest.service)
	rm -rf $(DESTDIR)$(DATADIR)

# The OCI image archive $(BUILD)/image/$(IMAGE).oci.tar (docker load / podman load / skopeo
# copy): Debian bookworm runtime libraries (mmdebstrap) + the four programs, as root.
image: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) BIN=$(BIN) IMAGE=$(IMAGE) VERSION=$(VERSION) scripts/image.sh

clean:
	rm -rf build build-asan build-fuzz bin

# Rebuild the committed ABI/bytecode (forge + npm solc, offline); check-contracts
# fails when the committed files are stale.
contracts:
	@contracts/build.sh
check-contracts:
	@contracts/build.sh --check
