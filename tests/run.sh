#!/usr/bin/env bash
# run.sh -- runs every unit test binary and every integration script, sums the
# "# passed N failed M" lines they print and ends with "N passed, N failed".
# A test that crashes or prints no summary counts as one failure.
# Usage: tests/run.sh [filter]   (BUILD, BIN name the build to test)
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}; BIN=${BIN:-bin}; export BUILD BIN
filter=${1:-}
pass=0; fail=0; failed=()
logdir=$BUILD/test-logs; mkdir -p "$logdir"

run_one() {   # name, command...
    local name=$1; shift
    local log=$logdir/$(echo "$name" | tr '/' '_').log
    local t0=$SECONDS
    "$@" >"$log" 2>&1
    local rc=$?
    local line p f
    line=$(grep -E '^# passed [0-9]+ failed [0-9]+$' "$log" | tail -1)
    if [ -n "$line" ]; then
        p=$(echo "$line" | awk '{print $3}'); f=$(echo "$line" | awk '{print $5}')
    else p=0; f=0; fi
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    pass=$((pass + p)); fail=$((fail + f))
    if [ "$f" -ne 0 ]; then
        failed+=("$name")
        printf 'FAIL  %-40s %4d passed %3d failed (%ds, rc=%d)\n' "$name" "$p" "$f" $((SECONDS - t0)) $rc
        grep -E '^(FAIL|not ok|ERROR)|runtime error|AddressSanitizer|LeakSanitizer' "$log" | head -20 | sed 's/^/      /'
    else
        printf 'ok    %-40s %4d passed (%ds)\n' "$name" "$p" $((SECONDS - t0))
    fi
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    n=unit/$(basename "$t")
    [ -n "$filter" ] && [[ "$n" != *"$filter"* ]] && continue
    run_one "$n" "$t"
done
for s in tests/integration/*.sh; do
    [ -f "$s" ] || continue
    n=integration/$(basename "$s" .sh)
    [ -n "$filter" ] && [[ "$n" != *"$filter"* ]] && continue
    run_one "$n" bash "$s"
done

[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]} (logs in $logdir)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
