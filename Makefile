# Witness Anchor — build, test, bench, demo.
#
# Sources are discovered by folder: every .c in core/ didlog/ verifier/ anchord/
# seed/ is library code except the *_main.c files, which are the programs.
# Dependencies point one way: programs -> anchord -> verifier -> didlog -> core.

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

MODS    := core didlog verifier anchord seed
LIBSRC  := $(filter-out %_main.c,$(foreach m,$(MODS),$(wildcard $(m)/*.c)))
LIBOBJ  := $(LIBSRC:%.c=$(BUILD)/%.o)
LIB     := $(BUILD)/libwa.a
PROGS   := $(BIN)/anchord $(BIN)/didlog $(BIN)/didverify $(BIN)/seed
UNITSRC := $(wildcard tests/unit/test_*.c)
UNITS   := $(UNITSRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOLSRC := $(wildcard tests/tools/*.c)
TOOLS   := $(TOOLSRC:tests/tools/%.c=$(BUILD)/tools/%)
BENCHSRC:= $(wildcard bench/*.c)
BENCHES := $(BENCHSRC:bench/%.c=$(BUILD)/bench/%)

.SECONDARY:
.PHONY: all test asan fuzz bench deps demo clean scenarios check-contracts contracts load
all: $(PROGS) $(UNITS) $(TOOLS) $(BENCHES)

$(BUILD)/%.o: %.c $(wildcard */*.h) Makefile
	@mkdir -p $(dir $@)
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

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(BUILD)/tools/%: $(BUILD)/tests/tools/%.o $(LIB)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

# The whole suite; ends with "N passed, N failed"; non-zero on any failure.
test: all
	@BUILD=$(BUILD) BIN=$(BIN) tests/run.sh

# The same suite built and run under AddressSanitizer + UndefinedBehaviorSanitizer.
asan:
	@$(MAKE) --no-print-directory BUILD=build-asan BIN=build-asan/bin \
	  OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" all
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  BUILD=build-asan BIN=build-asan/bin WA_ASAN=1 tests/run.sh

# Every libFuzzer target in tests/fuzz for FUZZ_SECONDS each (clang from Debian).
FUZZ_SECONDS ?= 30
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

# Figures, side by side with the reference each issue names.
bench: all
	@BUILD=$(BUILD) BIN=$(BIN) bench/run.sh

# The red-team, fault and load scenarios, and their table in docs/scenarios.md.
scenarios: all
	@BUILD=$(BUILD) BIN=$(BIN) scripts/scenarios.sh

# The 100,000-event load test (ingest + batches; figures in docs/load.md).
load: all
	@BUILD=$(BUILD) BIN=$(BIN) scripts/load.sh

# Debian + npm packages the build, tests, bench and demo need (root or sudo).
deps:
	@scripts/deps.sh

demo: all
	@BIN=$(BIN) scripts/demo.sh

clean:
	rm -rf build build-asan build-fuzz bin

# Rebuild the committed ABI/bytecode (forge + npm solc, offline); check-contracts
# fails when the committed files are stale.
contracts:
	@contracts/build.sh
check-contracts:
	@contracts/build.sh --check
