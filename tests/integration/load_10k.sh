#!/usr/bin/env bash
# load_10k.sh -- the 10,000-event load test (tests/load/load.sh) in the default suite
# (~50 s here); 2,000 under `make asan` (memory errors, not volume); `make load` runs
# 100,000 (docs/load.md).
LOAD_EVENTS=$([ -n "${WA_ASAN:-}" ] && echo 2000 || echo 10000) exec bash "$(dirname "$0")/../load/load.sh"
