#!/usr/bin/env bash
# demo.sh -- `make demo`: Witness Anchor end to end on one machine, on embedded defaults.
#
# Starts Redis and anvil (a local chain) on 127.0.0.1, deploys the registry contract, generates
# the rollout plan's 3,000 product passports (1,000 windows, panes, frames), registers their
# genesis logs through `anchord serve`, anchors them with `anchord run`, posts ~12,000 signed
# lifecycle events, anchors those, exports the chain's anchors, verifies every DID with
# didverify over HTTP, prints a summary and leaves everything in demo-out/:
#   demo-out/public/         the published tree (the bucket): did.jsonl, witness.json,
#                            did-witness.json per DID, batches/, index.html (the page)
#   demo-out/anchors.json    the chain's roots (didverify anchors export)
#   demo-out/summary.json    counts, batches, transactions, verification results, timings
#   demo-out/work/           identities (keys 0600), events, service logs
# The tree is served on 127.0.0.1 while the demo runs (the page: /index.html?did=…); everything
# started is stopped on exit, Ctrl-C or failure.
#
# Environment: DEMO_STORE=s3 (Ceph radosgw via tests/svc/radosgw.sh instead of the local
# directory, with the bucket policy of cron/s3-bucket-policy.json; readers and didverify then
# go through Debian's nginx as the caching CDN, cron/nginx-cdn.conf via tests/svc/cdnproxy.sh,
# to the bucket itself -- the read path of docs/cdn.md), DEMO_STORE=azure (Azurite via
# tests/svc/azurite.sh, a public-read container that didverify reads directly; docs/azure.md),
# DEMO_KEYS=pkcs11 (anchord's keys in a SoftHSM2 token, docs/hsm.md), DEMO_REDIS=cluster (a
# Redis Cluster of 3 masters with 1 replica each on 127.0.0.1, tests/svc/rcluster.sh, instead of
# one redis-server: WA_REDIS_URL names the masters as seeds and WA_STREAM_SHARDS=DEMO_SHARDS,
# default 8, spreads the DIDs over all three; docs/redis-cluster.md),
# DEMO_COUNT (windows, default 1000), DEMO_SEED (default 1), DEMO_PORT (page
# server port, default a free one), DEMO_WAIT=1 (keep serving until Ctrl-C; default when
# stdin is a terminal), DEMO_SKIP_DEPS=1 (do not run scripts/deps.sh), DEMO_OUT (default demo-out),
# DEMO_EVENTS=plain|vc (the lifecycle events as plain events, the default, or as W3C Verifiable
# Credentials with EPCIS 2.0 subjects -- docs/formats.md "Events as Verifiable Credentials";
# vc also has Digital Bazaar's vc stack verify every credential the published logs embed).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD BIN=${BIN:-bin} BUILD=${BUILD:-build}
OUT=${DEMO_OUT:-demo-out} COUNT=${DEMO_COUNT:-1000} SEEDN=${DEMO_SEED:-1} STOREKIND=${DEMO_STORE:-file}
REDISKIND=${DEMO_REDIS:-single}
EVFORM=${DEMO_EVENTS:-plain}
case $EVFORM in plain|vc) ;; *) echo "demo: DEMO_EVENTS must be plain or vc" >&2; exit 2 ;; esac
case $OUT in /*) ;; *) OUT=$ROOT/$OUT ;; esac
W=$OUT/work
AD=$ROOT/$BIN/anchord SEED=$ROOT/$BIN/seed DV=$ROOT/$BIN/didverify DIDLOG=$ROOT/$BIN/didlog
TT=$ROOT/$BUILD/helper/test-tool   # the test helper: freeport, httpstatic, store
ANVIL=$ROOT/tests/node/node_modules/.bin/anvil
# anvil's first well-known development account (public knowledge; worthless on a real chain)
DEV_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
DOMAIN=dpp.example.com
PIDS=() PHASES=() RGW= CDN= AZD= RCL= VERIFY_URL=

say() { printf '\033[1m== %s\033[0m\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

cleanup() {
    local rc=$? p
    trap - EXIT INT TERM
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
    [ -n "$CDN" ] && tests/svc/cdnproxy.sh stop "$CDN" >/dev/null 2>&1 || true
    [ -n "$RGW" ] && tests/svc/radosgw.sh stop "$RGW" >/dev/null 2>&1 || true
    [ -n "$AZD" ] && tests/svc/azurite.sh stop "$AZD" >/dev/null 2>&1 || true
    [ -n "$RCL" ] && bash tests/svc/rcluster.sh stop "$RCL" >/dev/null 2>&1 || true
    if [ $rc -eq 130 ]; then echo "demo: stopped; everything it started is stopped ($OUT kept)" >&2
    elif [ $rc -ne 0 ]; then echo "demo: failed (exit $rc); logs in $W/" >&2; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# phase NAME CMD...: run a step and record its seconds for the summary.
phase() {
    local name=$1 t0; shift
    t0=$(date +%s.%N)
    "$@"
    PHASES+=("$name $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')")
}

wait_port() {
    local i
    for ((i = 0; i < ${2:-30} * 10; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# DEMO_KEYS=pkcs11: the publisher key (also the witness key) and the relayer key imported
# into a throw-away SoftHSM2 token (tests/svc/softhsm.sh); anchord signs there through
# pkcs11: URIs. The seed tool keeps the publisher key file: it writes the genesis logs.
pkcs11Keys() {
    source tests/svc/softhsm.sh
    hsm_init "$W/hsm" demo || die "cannot set up the SoftHSM2 token"
    { hsm_import_ed "$W/keys/publisher.key" publisher && hsm_import_k1 "$W/keys/relayer.key" relayer; } ||
        die "cannot import the keys into SoftHSM2"
    rm -f "$W/keys/relayer.key"
    WA_PUBLISHER_KEY_FILE=$(hsm_uri publisher) WA_RELAYER_KEY_FILE=$(hsm_uri relayer)
    echo "keys: in SoftHSM2 token \"demo\" ($W/hsm): $WA_PUBLISHER_KEY_FILE, $WA_RELAYER_KEY_FILE"
}

deps() {
    [ -n "${DEMO_SKIP_DEPS:-}" ] || scripts/deps.sh
    for p in anchord seed didverify didlog; do [ -x "$BIN/$p" ] || die "$BIN/$p is missing: run make"; done
    for t in "$TT" "$ANVIL"; do [ -x "$t" ] || die "$t is missing: run make (and scripts/deps.sh)"; done
    for c in redis-server redis-cli jq curl; do command -v $c >/dev/null || die "$c is missing (scripts/deps.sh)"; done
    case $REDISKIND in single|cluster) ;; *) die "DEMO_REDIS must be single or cluster" ;; esac
    [ "$STOREKIND" != s3 ] || command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || die "nginx is missing (scripts/deps.sh)"
}

# s3put QUERY FILE: a signed PUT of FILE to the demo bucket's sub-resource (?policy=).
s3put() {
    curl -sf -o /dev/null -X PUT --aws-sigv4 "aws:amz:$AWS_REGION:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
        -H "x-amz-content-sha256: $(sha256sum <"$2" | cut -d' ' -f1)" --data-binary "@$2" "$AWS_ENDPOINT_URL/demo?$1"
}

services() {
    rm -rf "$OUT"
    mkdir -p "$W/redis" "$W/keys" "$OUT/public"
    chmod 700 "$W/keys"
    if [ "$REDISKIND" = cluster ]; then   # 3 masters + 3 replicas, stopped by PID on exit
        RCL=$W/rcluster
        eval "$(bash tests/svc/rcluster.sh start "$RCL" 2>"$W/rcluster.err")" || die "the Redis Cluster did not start ($W/rcluster.err)"
        REDIS_URL=$RCL_URL REDIS_DESC="Redis Cluster (3 masters + 3 replicas, seeds ${RCL_URL#redis://})"
        export WA_STREAM_SHARDS=${DEMO_SHARDS:-8}
    else
        REDIS_PORT=$("$TT" freeport)
        redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$W/redis" --save '' --appendonly yes \
            --daemonize no --loglevel warning >"$W/redis.log" 2>&1 &
        PIDS+=($!)
        REDIS_URL=redis://127.0.0.1:$REDIS_PORT REDIS_DESC="redis 127.0.0.1:$REDIS_PORT"
    fi
    ANVIL_PORT=$("$TT" freeport)
    "$ANVIL" --host 127.0.0.1 --port "$ANVIL_PORT" >"$W/anvil.log" 2>&1 &
    PIDS+=($!)
    [ "$REDISKIND" = cluster ] || wait_port "$REDIS_PORT" 10 || die "redis-server did not start ($W/redis.log)"
    wait_port "$ANVIL_PORT" 30 || die "anvil did not start ($W/anvil.log)"
    # keys: the relayer pays for anchor(); the publisher signs log entries and witness proofs
    (umask 077; printf '%s\n' "$DEV_KEY" >"$W/keys/relayer.key")
    "$DIDLOG" keygen --out "$W/keys/publisher.key" >/dev/null
    if [ "$STOREKIND" = s3 ]; then
        RGW=$W/rgw
        eval "$(tests/svc/radosgw.sh start "$RGW")" || die "radosgw did not start"
        tests/svc/radosgw.sh bucket "$RGW" demo >/dev/null || die "cannot create the bucket"
        export AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION
        # anonymous reads of the public names only (docs/cdn.md); anchord run sets the CORS rule
        sed 's/BUCKET/demo/g' cron/s3-bucket-policy.json >"$W/bucket-policy.json"
        s3put policy= "$W/bucket-policy.json" || die "cannot set the bucket policy"
        STORE_URL=s3://demo
    elif [ "$STOREKIND" = azure ]; then
        AZD=$W/azurite
        eval "$(tests/svc/azurite.sh start "$AZD")" || die "Azurite did not start"
        tests/svc/azurite.sh container "$AZD" demo blob || die "cannot create the container"
        export AZURE_STORAGE_CONNECTION_STRING
        STORE_URL=azblob://$AZ_ACCOUNT/demo VERIFY_URL=$AZ_BLOB_ENDPOINT/demo
    else
        STORE_URL=file://$OUT/public
    fi
    unset WA_CONFIG WA_RELAYER_KEY WA_PUBLISHER_KEY WA_WITNESS_KEY WA_WITNESS_KEY_FILE
    export WA_REDIS_URL=$REDIS_URL WA_RPC_URLS=http://127.0.0.1:$ANVIL_PORT WA_CHAIN_ID=31337 \
        WA_RELAYER_KEY_FILE=$W/keys/relayer.key WA_PUBLISHER_KEY_FILE=$W/keys/publisher.key \
        WA_STORE=$STORE_URL WA_DOMAIN=$DOMAIN WA_PREFIX=.well-known/did WA_BATCH_MAX_WAIT=0 WA_POLL_MS=100 \
        WA_CONFIRMATIONS=1 WA_LOG_LEVEL=info
    [ "${DEMO_KEYS:-file}" = pkcs11 ] && pkcs11Keys
    WA_CONTRACT=$("$AD" deploy 2>"$W/deploy.log") || die "anchord deploy failed ($W/deploy.log)"
    export WA_CONTRACT
    SERVE_PORT=$("$TT" freeport)
    WA_LISTEN=127.0.0.1:$SERVE_PORT "$AD" serve >"$W/serve.log" 2>&1 &
    PIDS+=($!)
    wait_port "$SERVE_PORT" 10 || die "anchord serve did not start ($W/serve.log)"
    INGEST=http://127.0.0.1:$SERVE_PORT
    echo "$REDIS_DESC, anvil 127.0.0.1:$ANVIL_PORT (contract $WA_CONTRACT), store $STORE_URL, ingest $INGEST"
}

identities() {
    # a recent genesis time: anchord serve refuses events older than WA_MAX_AGE (30 days)
    "$SEED" generate-identities --seed "$SEEDN" --count-per-kind "$COUNT" --domain "$DOMAIN" \
        --publisher-key "$W/keys/publisher.key" --time "$(date -u -d '-12 days' +%Y-%m-%dT%H:00:00Z)" --out "$W/ids"
}

register() { "$SEED" seed-storage --identities "$W/ids" --register "$INGEST" | tee "$W/register.out"; }

# drain: `anchord run` until a run finds the queue empty (each run is one batch).
RUNS=0
drain() {
    local i log
    for ((i = 0; i < 50; i++)); do
        RUNS=$((RUNS + 1)); log=$W/run.$RUNS.log
        "$AD" run >"$log.out" 2>"$log" || die "anchord run failed ($log)"
        grep -o '"msg":"batch done".*' "$log" | jq -rR 'capture("\"batchId\":(?<b>[0-9]+),\"published\":(?<p>[0-9]+)") | "  batch \(.b): \(.p) entries published"' 2>/dev/null || true
        grep -q "queue empty" "$log" && return 0
    done
    die "the queue did not drain after 50 runs"
}

events() {
    "$SEED" simulate-lifecycle --identities "$W/ids" --out "$W/events.jsonl" --post "$INGEST" --concurrency 32 \
        --format "$EVFORM" | tee "$W/events.out"
    grep -q " 0 rejected" "$W/events.out" || die "anchord serve rejected some events ($W/events.out)"
}

page() {   # the page at the bucket root (logs already there are kept: create-only)
    "$SEED" seed-storage --identities "$W/ids" --store "$STORE_URL" --page seed/www/index.html --quiet >/dev/null
    if [ "$STOREKIND" != file ]; then   # mirror the bucket into demo-out/public for the summary and the server
        local k
        "$TT" store -u "$STORE_URL" ls | cut -f2 | grep -vE '^(\.wa-probe|_wa)/' | while read -r k; do
            mkdir -p "$OUT/public/$(dirname "$k")"
            "$TT" store -u "$STORE_URL" get "$k" >"$OUT/public/$k" 2>/dev/null
        done
    fi
}

# anchors: the chain's roots, beside the page (it compares each root with them)
anchors() {
    "$DV" anchors export --contract "$WA_CONTRACT" --chain-id 31337 --out "$OUT/anchors.json"
    cp "$OUT/anchors.json" "$OUT/public/anchors.json"
    [ "$STOREKIND" != s3 ] || "$TT" store -u "$STORE_URL" put anchors.json "$OUT/anchors.json" >/dev/null
}

# serve: the file store's directory (httpstatic), or the bucket itself through the nginx CDN.
serve() {
    HTTP_PORT=${DEMO_PORT:-$("$TT" freeport)}
    if [ "$STOREKIND" = s3 ]; then
        CDN=$W/cdn
        tests/svc/cdnproxy.sh start "$CDN" "$RGW_PORT" /demo "$HTTP_PORT" >/dev/null 2>"$W/cdn.err" ||
            die "nginx did not start ($W/cdn.err)"
        SERVED="the bucket through nginx (cron/nginx-cdn.conf; access log $CDN/access.log)"
    else
        "$TT" httpstatic "$OUT/public" "$HTTP_PORT" >"$W/http.log" 2>&1 &
        PIDS+=($!)
        wait_port "$HTTP_PORT" 10 || die "cannot serve $OUT/public on 127.0.0.1:$HTTP_PORT"
        SERVED=$OUT/public
    fi
}

# verify: every DID with didverify over HTTP (the served tree, or Azurite's public container)
# against the anchors snapshot.
verify() {
    VERIFY_URL=${VERIFY_URL:-http://127.0.0.1:$HTTP_PORT}
    jq -r .did "$W/ids/index.jsonl" |
        xargs -P "$(nproc)" -I{} sh -c '"$0" "{}" --base-url "$1" --anchors "$2" --json >/dev/null 2>&1; echo "$?"' \
            "$DV" "$VERIFY_URL" "$OUT/anchors.json" | sort | uniq -c >"$W/verify.counts"
    V_OK=$(awk '$2 == 0 {print $1}' "$W/verify.counts"); V_BAD=$(awk '$2 == 1 {print $1}' "$W/verify.counts")
    V_PEND=$(awk '$2 == 8 {print $1}' "$W/verify.counts")   # exit codes: README "Exit codes"
    V_ERR=$(awk '$2 != 0 && $2 != 1 && $2 != 8 {s += $1} END {print s + 0}' "$W/verify.counts")
    V_OK=${V_OK:-0} V_BAD=${V_BAD:-0} V_PEND=${V_PEND:-0}
    echo "didverify: $V_OK anchored, $V_PEND pending, $V_BAD invalid, $V_ERR errors"
    # one DID in full, as a user would run it
    "$DV" "$(jq -rn 'first(inputs | .did)' "$W/ids/index.jsonl")" --base-url "$VERIFY_URL" --anchors "$OUT/anchors.json" | tail -3
}

# vcverify (DEMO_EVENTS=vc): Digital Bazaar's @digitalbazaar/vc + eddsa-jcs-2022 verify every
# credential the published logs embed (tests/node/vc-verify.mjs, test tooling, no network).
VC_OK=null
vcverify() {
    node tests/node/vc-verify.mjs "$OUT/public" logs | tee "$W/vcverify.out" || die "a credential did not verify ($W/vcverify.out)"
    VC_OK=$(grep -o 'verified [0-9]*' "$W/vcverify.out" | cut -d' ' -f2)
}

summary() {
    local dids events accepted batches phases
    dids=$(wc -l <"$W/ids/index.jsonl")
    events=$(wc -l <"$W/events.jsonl")
    accepted=$(grep -o '[0-9]* accepted' "$W/events.out" | cut -d' ' -f1)
    batches=$(jq '.anchors | length' "$OUT/anchors.json")
    phases=$(printf '%s\n' "${PHASES[@]}" | jq -R 'split(" ") | {(.[0]): (.[1] | tonumber * 100 | round / 100)}' | jq -s add)
    jq -n --argjson dids "$dids" --argjson events "$events" --argjson accepted "${accepted:-0}" \
        --slurpfile anchors "$OUT/anchors.json" --argjson ok "$V_OK" --argjson pend "$V_PEND" --argjson bad "$V_BAD" \
        --argjson err "$V_ERR" --argjson phases "$phases" --arg form "$EVFORM" --argjson vcok "$VC_OK" --arg store "$STORE_URL" --arg redis "$REDISKIND" --arg contract "$WA_CONTRACT" \
        '{dids: $dids, events: $events, eventForm: $form, credentialsVerifiedIndependently: $vcok, eventsAccepted: $accepted, store: $store, redis: $redis, chainId: 31337, contract: $contract,
          batches: ($anchors[0].anchors | length), transactions: [$anchors[0].anchors[] | {batchId, txHash, blockNumber, root}],
          verification: {anchored: $ok, pending: $pend, invalid: $bad, errors: $err}, seconds: $phases}' >"$OUT/summary.json"
    say "Summary"
    echo "DIDs:        $dids ($(jq -r .kind "$W/ids/index.jsonl" | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep=", "}'))"
    echo "events:      $events signed ($EVFORM form), ${accepted:-0} accepted by anchord serve"
    [ "$EVFORM" != vc ] || echo "credentials: $VC_OK verified by Digital Bazaar's vc stack (tests/node/vc-verify.mjs)"
    echo "batches:     $batches on chain 31337, contract $WA_CONTRACT"
    jq -r '.anchors[] | "  batch \(.batchId)  block \(.blockNumber)  tx \(.txHash)"' "$OUT/anchors.json"
    echo "didverify:   $V_OK anchored, $V_PEND pending, $V_BAD invalid, $V_ERR errors (of $dids)"
    echo "seconds:     $(printf '%s\n' "${PHASES[@]}" | awk '{printf "%s%s %.1f", sep, $1, $2; sep=", "}')"
    echo "output:      $OUT/public (published tree), $OUT/anchors.json, $OUT/summary.json"
}

say "Dependencies";              phase deps deps
say "Redis${DEMO_REDIS:+ ($REDISKIND)}, anvil, contract, anchord serve"; phase services services
say "3,000 identities";          phase identities identities
say "Register the genesis logs (POST /dids)"; phase register register
say "Anchor the genesis logs (anchord run)"; phase anchorGenesis drain
say "Lifecycle events (POST /events)"; phase events events
say "Anchor the events (anchord run)"; phase anchorEvents drain
say "Page, anchors export";      phase page page; phase anchors anchors
serve
say "Verify every DID (didverify over ${VERIFY_URL:-http://127.0.0.1:$HTTP_PORT})"; phase verify verify
[ "$EVFORM" != vc ] || { say "Verify every credential (Digital Bazaar's vc stack)"; phase vcverify vcverify; }
summary
W1=$(jq -rn 'first(inputs | select(.kind == "window") | .did)' "$W/ids/index.jsonl")
echo
echo "Browse a window passport: http://127.0.0.1:$HTTP_PORT/index.html?did=$(jq -rn --arg v "$W1" '$v|@uri')&rpc=$(jq -rn --arg v "http://127.0.0.1:$ANVIL_PORT" '$v|@uri')&contract=$WA_CONTRACT&chain=31337"
echo "                          (roots by eth_call to the demo's anvil; or &anchors=anchors.json, the snapshot)"
echo "Verify it yourself:       $BIN/didverify $W1 --base-url http://127.0.0.1:$HTTP_PORT --anchors $OUT/anchors.json"
[ "$V_BAD" -eq 0 ] && [ "$V_ERR" -eq 0 ] && [ "$V_PEND" -eq 0 ] || die "not every DID verified as anchored"
if [ "${DEMO_WAIT:-$([ -t 0 ] && echo 1 || echo 0)}" = 1 ]; then
    echo "Serving $SERVED on 127.0.0.1:$HTTP_PORT -- Ctrl-C to stop everything."
    while :; do sleep 3600 & PIDS+=($!); wait $! || true; done   # wait: a trapped Ctrl-C interrupts it
fi
