#!/usr/bin/env bash
# load.sh -- `make load`: the 100,000-event load test (tests/load/load.sh; LOAD_EVENTS,
# LOAD_DIDS, LOAD_CONNS, LOAD_BATCH override), figures to $BUILD/load-figures.txt for
# docs/load.md. DEMO_REDIS=cluster (or LOAD_REDIS=cluster), as for `make demo`: on a Redis
# Cluster of 3 masters with 1 replica each, LOAD_SHARDS (default 8) stream shards.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD BIN=${BIN:-bin} LOAD_EVENTS=${LOAD_EVENTS:-100000} LOAD_FIGURES=$BUILD/load-figures.txt \
    LOAD_REDIS=${LOAD_REDIS:-${DEMO_REDIS:-single}}
bash tests/load/load.sh
