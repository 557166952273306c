#!/usr/bin/env bash
# demo.sh -- `make demo`: the main job end to end on embedded defaults.
# (Filled in by the seed/demo issue; for now it checks the build.)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
for p in anchord didlog didverify seed; do "$BIN/$p" --help >/dev/null; done
echo "demo: programs built; the end-to-end demo arrives with the seed/demo work"
