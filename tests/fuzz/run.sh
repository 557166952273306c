#!/usr/bin/env bash
# run.sh -- build every tests/fuzz/fuzz_*.c as a libFuzzer target (clang,
# ASan+UBSan) and run each for FUZZ_SECONDS with a corpus seeded from
# tests/fuzz/corpus/<name>/ and tests/vectors (the <name>.seeds globs).
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${FUZZ_SECONDS:-30}
OUT=build-fuzz
mkdir -p "$OUT"
CF="-std=c17 -D_GNU_SOURCE -g -O1 -I. $(pkg-config --cflags libsodium libsecp256k1 jansson libcurl hiredis libmicrohttpd nettle openssl libidn2 p11-kit-1) -fsanitize=fuzzer-no-link,address,undefined"
LIBS="$(pkg-config --libs libsodium libsecp256k1 jansson libcurl hiredis libmicrohttpd nettle openssl libidn2 p11-kit-1) -lm -lpthread"
SRC=$(find core didlog verifier anchord seed -name "*.c" | grep -v "_main\.c$")
objs=()
for s in $SRC; do
    o=$OUT/obj/${s%.c}.o; mkdir -p "$(dirname "$o")"
    if [ ! -f "$o" ] || [ "$s" -nt "$o" ] || [ -n "$(find core didlog verifier anchord -name '*.h' -newer "$o" 2>/dev/null | head -1)" ]; then
        clang $CF -c -o "$o" "$s"
    fi
    objs+=("$o")
done
rc=0
for f in tests/fuzz/fuzz_*.c; do
    [ -n "${FUZZ_ONLY:-}" ] && [[ "$f" != *"$FUZZ_ONLY"* ]] && continue
    n=$(basename "$f" .c)
    clang $CF -fsanitize=fuzzer -o "$OUT/$n" "$f" "${objs[@]}" $LIBS
    corpus=$OUT/corpus/$n; mkdir -p "$corpus"
    [ -d "tests/fuzz/corpus/$n" ] && cp -n tests/fuzz/corpus/$n/* "$corpus/" 2>/dev/null || true
    # Seed from the vectors (tests/vectors) named in tests/fuzz/<name>.seeds (globs, one per line).
    if [ -f "tests/fuzz/$n.seeds" ]; then
        while read -r g; do [ -n "$g" ] && for x in $g; do [ -f "$x" ] && cp "$x" "$corpus/$(echo "$x" | md5sum | cut -c1-16)"; done; done < "tests/fuzz/$n.seeds"
    fi
    echo "fuzz: $n for ${SECS}s"
    if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$OUT/$n" -max_total_time="$SECS" -max_len=65536 -rss_limit_mb=2048 \
            -print_final_stats=0 "$corpus" >"$OUT/$n.log" 2>&1; then
        echo "fuzz: $n FAILED (see $OUT/$n.log)"; tail -30 "$OUT/$n.log"; rc=1
    else
        echo "fuzz: $n ok ($(grep -c . "$OUT/$n.log" >/dev/null; ls "$corpus" | wc -l) corpus files)"
    fi
done
exit $rc
