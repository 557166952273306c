#!/usr/bin/env bash
# azurite.sh -- a throw-away Azurite (the Azure Storage emulator, npm azurite 3.35.0, blob
# service only) on 127.0.0.1 for tests, the bench and the demo.
#
# Started through tests/node/azurite-blob.cjs, which runs Azurite's extent garbage collector
# once a week instead of every 10 minutes (its sweep blocks the server for minutes once
# thousands of blobs were overwritten; see that file and docs/azure.md).
# In-memory persistence (nothing on disk but its log under DIR; the access log of every
# request only with AZ_ACCESS_LOG=1: it costs Azurite time), telemetry off,
# strict mode (no --loose: unknown headers and parameters are refused, as Azure does), the
# API version check on (the store pins an x-ms-version Azurite 3.35.0 knows). The account is
# Azurite's well-known development account devstoreaccount1 (public key: worthless anywhere
# else), path-style: http://127.0.0.1:PORT/devstoreaccount1/CONTAINER/BLOB.
#
#   tests/svc/azurite.sh start DIR   start; prints shell assignments to eval:
#                                    AZURE_STORAGE_CONNECTION_STRING AZ_ACCOUNT AZ_KEY
#                                    AZ_BLOB_ENDPOINT AZ_PORT AZ_DIR
#   tests/svc/azurite.sh stop DIR    stop the Azurite started under DIR (by PID)
#   tests/svc/azurite.sh container DIR NAME [blob|container]
#                                    create a container (public read access "blob" lets
#                                    anyone GET its blobs: didverify --base-url, browsers)
#
# Sourced it defines az_start DIR / az_stop DIR / az_container DIR NAME [ACCESS], which
# export the same variables into the caller. Exit codes: 0 ok, 1 Azurite did not start
# (its log is printed to stderr; e.g. npm azurite missing: run scripts/deps.sh), 2 usage.
# Start to answering takes about 1-2 s.

AZ_ACCOUNT=devstoreaccount1
AZ_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
_az_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
_az_node=$_az_here/../node

_az_port() {
    local fp=$_az_here/../../${BUILD:-build}/helper/test-tool
    if [ -x "$fp" ]; then "$fp" freeport; return; fi
    python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# _az_env DIR: export the variables for the Azurite under DIR (port from DIR/port).
_az_env() {
    local port
    port=$(cat "$1/port" 2>/dev/null) || return 1
    export AZ_ACCOUNT AZ_KEY AZ_PORT=$port AZ_DIR=$1 AZ_BLOB_ENDPOINT=http://127.0.0.1:$port/$AZ_ACCOUNT
    export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=$AZ_ACCOUNT;AccountKey=$AZ_KEY;BlobEndpoint=$AZ_BLOB_ENDPOINT;"
}

# az_start DIR: start Azurite's blob service under DIR and export the variables.
az_start() {
    local D=$1 port i
    [ -f "$_az_node/node_modules/azurite/dist/src/blob/main.js" ] ||
        { echo "azurite.sh: npm azurite missing in tests/node (scripts/deps.sh)" >&2; return 1; }
    mkdir -p "$D" || return 1
    D=$(cd "$D" && pwd)
    port=$(_az_port)
    local quiet=--silent
    [ -n "${AZ_ACCESS_LOG:-}" ] && quiet=
    (cd "$D" && exec node "$_az_node/azurite-blob.cjs" --blobHost 127.0.0.1 --blobPort "$port" --inMemoryPersistence \
        --disableTelemetry $quiet >"$D/azurite.log" 2>&1) &
    echo $! >"$D/azurite.pid"
    echo "$port" >"$D/port"
    for ((i = 0; i < 300; i++)); do
        # any HTTP answer (an anonymous request gets 4xx) means it serves
        curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/$AZ_ACCOUNT?comp=list" 2>/dev/null | grep -q '^[234]' && break
        kill -0 "$(cat "$D/azurite.pid")" 2>/dev/null || break
        sleep 0.1
    done
    if ! curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; then
        echo "azurite.sh: Azurite did not answer on 127.0.0.1:$port" >&2
        tail -20 "$D/azurite.log" >&2
        az_stop "$D"
        return 1
    fi
    _az_env "$D"
}

# az_container DIR NAME [ACCESS]: create container NAME (signed with the account key).
az_container() {
    (_az_env "$1" && node "$_az_node/azblob.mjs" container "$2" ${3:+"$3"})
}

# az_stop DIR: stop the Azurite started under DIR, by PID.
az_stop() {
    local D=$1 p
    [ -f "$D/azurite.pid" ] || return 0
    p=$(cat "$D/azurite.pid")
    kill "$p" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
    rm -f "$D/azurite.pid"
    return 0
}

if [ "${BASH_SOURCE[0]}" == "$0" ]; then
    case "${1:-} ${2:-}" in
    start\ ?*) az_start "$2" >/dev/null || exit 1
               for v in AZURE_STORAGE_CONNECTION_STRING AZ_ACCOUNT AZ_KEY AZ_BLOB_ENDPOINT AZ_PORT AZ_DIR; do
                   printf '%s=%q\n' "$v" "${!v}"
               done ;;
    stop\ ?*)  az_stop "$2" ;;
    container\ ?*) [ -n "${3:-}" ] || { echo "usage: $0 container DIR NAME [blob|container]" >&2; exit 2; }
               az_container "$2" "$3" "${4:-}" ;;
    *) echo "usage: $0 start DIR | stop DIR | container DIR NAME [blob|container]" >&2; exit 2 ;;
    esac
fi
