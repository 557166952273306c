#!/usr/bin/env bash
# run.sh -- `make bench`: runs every bench/bench_*.sh in turn; each prints its
# figures next to the reference its issue names, measured in the same run.
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build} BIN=${BIN:-bin}
rc=0
for b in bench/bench_*.sh; do
    [ -f "$b" ] || continue
    [ -n "${1:-}" ] && [[ "$b" != *"$1"* ]] && continue
    echo "== $(basename "$b" .sh)"
    bash "$b" || rc=1
done
exit $rc
