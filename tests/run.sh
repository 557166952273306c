#!/usr/bin/env bash
# run.sh -- runs every unit test binary and every integration script, sums the
# "# passed N failed M [skipped K]" lines they print and ends with
# "N passed, N failed, N skipped"; each skip is listed with its reason (a skip is
# never a pass; WA_TEST_NO_SKIP=1, set by .ci/run, turns every skip into a failure).
# A test that crashes or prints no summary counts as one failure.
# Usage: tests/run.sh [FILTER]      every suite whose name contains FILTER (all without one)
#        tests/run.sh --only NAME   exactly one suite (`make test T=NAME`): NAME is its name with
#                                   or without the folder (pipeline, integration/pipeline,
#                                   test_store, unit/test_store); exit 2 when no suite has it
# BUILD, BIN name the build to test.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}; BIN=${BIN:-bin}; export BUILD BIN
only=
if [ "${1:-}" = --only ]; then
    [ -n "${2:-}" ] || { echo "usage: tests/run.sh --only NAME" >&2; exit 2; }
    only=$2; filter=
else filter=${1:-}; fi
# selected NAME: this suite is to run (--only: NAME is it, with or without its folder).
selected() {
    if [ -n "$only" ]; then [ "$1" = "$only" ] || [ "${1#*/}" = "$only" ]; return; fi
    [ -z "$filter" ] || [[ "$1" == *"$filter"* ]]
}
pass=0; fail=0; skip=0; ran=0; failed=(); skips=()
logdir=$BUILD/test-logs; mkdir -p "$logdir"

run_one() {   # name, command...
    local name=$1; shift
    ran=$((ran + 1))
    local log=$logdir/$(echo "$name" | tr '/' '_').log
    local t0=$SECONDS
    "$@" >"$log" 2>&1
    local rc=$?
    local line p f k
    line=$(grep -E '^# passed [0-9]+ failed [0-9]+( skipped [0-9]+)?$' "$log" | tail -1)
    if [ -n "$line" ]; then
        p=$(echo "$line" | awk '{print $3}'); f=$(echo "$line" | awk '{print $5}'); k=$(echo "$line" | awk '{print $7 + 0}')
    else p=0; f=0; k=0; fi
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + k))
    local s
    while IFS= read -r s; do skips+=("$name: ${s#SKIP }"); done < <(grep -E '^SKIP ' "$log")
    if [ "$f" -ne 0 ]; then
        failed+=("$name")
        printf 'FAIL  %-40s %4d passed %3d failed (%ds, rc=%d)\n' "$name" "$p" "$f" $((SECONDS - t0)) $rc
        grep -E '^(FAIL|not ok|ERROR)|runtime error|AddressSanitizer|LeakSanitizer' "$log" | head -20 | sed 's/^/      /'
    elif [ "$k" -ne 0 ]; then
        printf 'SKIP  %-40s %4d passed %3d skipped (%ds)\n' "$name" "$p" "$k" $((SECONDS - t0))
        grep -E '^SKIP ' "$log" | head -5 | sed 's/^/      /'
    else
        printf 'ok    %-40s %4d passed (%ds)\n' "$name" "$p" $((SECONDS - t0))
    fi
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    n=unit/$(basename "$t")
    selected "$n" || continue
    run_one "$n" "$t"
done
for s in tests/integration/*.sh; do
    [ -f "$s" ] || continue
    n=integration/$(basename "$s" .sh)
    selected "$n" || continue
    run_one "$n" bash "$s"
done

if [ -n "$only" ] && [ "$ran" -eq 0 ]; then
    echo "tests/run.sh: no suite is named $only (tests/unit/test_*.c, tests/integration/*.sh)" >&2; exit 2
fi
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]} (logs in $logdir)"
for s in "${skips[@]}"; do echo "SKIP $s"; done
echo "$pass passed, $fail failed, $skip skipped"
if [ "$skip" -gt 0 ] && [ -n "${WA_TEST_NO_SKIP:-}" ] && [ "$WA_TEST_NO_SKIP" != 0 ]; then
    echo "WA_TEST_NO_SKIP=1: $skip skipped checks fail the run"; exit 1
fi
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
