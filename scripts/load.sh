#!/usr/bin/env bash
# load.sh -- `make load`: the 100,000-event load test (tests/load/load.sh; LOAD_EVENTS,
# LOAD_DIDS, LOAD_CONNS, LOAD_BATCH override), figures to $BUILD/load-figures.txt for
# docs/load.md.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD BIN=${BIN:-bin} LOAD_EVENTS=${LOAD_EVENTS:-100000} LOAD_FIGURES=$BUILD/load-figures.txt
bash tests/load/load.sh
