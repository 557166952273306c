#!/usr/bin/env bash
# deps.sh -- install what the build, tests, bench, demo, install and image need, when
# missing. Debian packages via apt-get (as root, or with sudo); npm test tooling via
# `npm ci` in tests/node (anvil, forge, cast, solc, didwebvh-ts, merkletreejs, js-yaml, azurite,
# @opentelemetry/otlp-transformer, web-did-resolver).
# Needs nothing but Debian 12 itself (dpkg, apt) and network to its mirror and npm.
# `make test`, `make demo` (and asan, bench, fuzz, image, ...) run it before compiling.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS="build-essential pkg-config clang libclang-rt-14-dev \
 libhiredis-dev libcurl4-openssl-dev libssl-dev libsodium-dev libsecp256k1-dev \
 nettle-dev libjansson-dev libmicrohttpd-dev libidn2-dev libp11-kit-dev softhsm2 \
 redis-server redis-tools radosgw ceph-mon ceph-osd wrk curl jq bc chromium fonts-noto-color-emoji \
 help2man systemd nginx mmdebstrap skopeo podman"
[ -n "${WA_DEPS_EXTRA:-}" ] && PKGS="$PKGS $WA_DEPS_EXTRA"

missing=()
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from elsewhere (e.g. NodeSource, which bundles npm): only
# install Debian's when there is no node/npm at all.
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "deps: missing ${missing[*]}: run as root (or install sudo)" >&2; exit 1; }
        SUDO=sudo
    fi
    echo "deps: installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts redis and nginx as services on install (where systemd runs); the
# project starts its own on free ports and never uses those.
if [ ! -x tests/node/node_modules/.bin/anvil ] || [ tests/node/package-lock.json -nt tests/node/node_modules/.package-lock.json ]; then
    echo "deps: npm ci (tests/node)"
    (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "deps: ok"
