#!/usr/bin/env bash
# bench_sha256.sh -- SHA-256 on the Merkle hot path: core/sha256 (nettle)
# side by side with OpenSSL EVP (the reference the Foundation issue named).
set -eu
"${BUILD:-build}/bench/sha256"
