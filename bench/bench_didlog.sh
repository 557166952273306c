#!/usr/bin/env bash
# bench_didlog.sh -- verify 3,000 did:webvh logs of 5 entries (made by the didlog
# library) with didlog (2 threads), with didwebvh-ts 2.8.0 resolveDIDFromLog
# (node, same files), and the Ed25519 bound: libsodium verifications/s on 2
# threads / 1 signature per entry (the logs have no witnesses). Targets:
# >= 4x didwebvh-ts, >= 70 % of the bound.
set -eu
cd "$(dirname "$0")/.."
B=${BUILD:-build}/bench/bench_didlog
N=${BENCH_LOGS:-3000}
T=$(mktemp -d "${TMPDIR:-/tmp}/wa-bench.XXXXXX"); trap 'rm -rf "$T"' EXIT
$B gen "$T" "$N"
$B verify "$T" 2 >/dev/null                     # warm the page cache and the CPU
read -r logs entries secs < <($B verify "$T" 2)
ours=$(awk -v e="$entries" -v s="$secs" 'BEGIN{printf "%.0f", e/s}')
read -r tslogs tssecs < <(node tests/node/webvh-oracle.mjs bench "$T")
ts=$(awk -v l="$tslogs" -v s="$tssecs" 'BEGIN{printf "%.0f", l*5/s}')
ed=$($B ed25519 2 2)
bound=$ed   # 1 Ed25519 signature per entry
printf '%-44s %10s entries/s  (%d logs, %d entries in %.3f s)\n' "didlog verify (2 threads)" "$ours" "$logs" "$entries" "$secs"
printf '%-44s %10s entries/s  (%d logs in %.3f s)\n' "didwebvh-ts 2.8.0 resolveDIDFromLog (node)" "$ts" "$tslogs" "$tssecs"
printf '%-44s %10s entries/s  (%s Ed25519 verifies/s on 2 threads / 1 sig per entry)\n' "Ed25519 bound (libsodium)" "$bound" "$ed"
awk -v o="$ours" -v t="$ts" -v b="$bound" 'BEGIN{
  printf "ratio didlog / didwebvh-ts   %6.1fx   (target >= 4x)   %s\n", o/t, (o/t>=4?"ok":"BELOW TARGET");
  printf "ratio didlog / Ed25519 bound %6.1f%%   (target >= 70%%)  %s\n", 100*o/b, (o/b>=0.7?"ok":"BELOW TARGET") }'
