#!/usr/bin/env bash
# store.sh -- the object-store suite (test-tool store suite/race) against the local-directory
# store AND a real S3 server (Ceph radosgw on 127.0.0.1): round trips, each conditional op,
# 16 concurrent CAS writer processes, 16 MiB objects, headers, CORS, virtual-host style,
# wrong keys / unknown bucket / server down, and a server that ignores conditions
# (test-tool faultproxy with strip rules) -> the probe refuses. Set WA_SKIP_RGW=1 to run the file part only.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/radosgw.sh"
U=file://$T_TMP/fs

# run_suite NAME CMD...: turn the tool's ok/FAIL lines into results of this script.
run_suite() {
    local name=$1 line; shift
    "$@" >"$T_TMP/suite.out" 2>"$T_TMP/suite.err"
    grep -q '^ok \|^FAIL ' "$T_TMP/suite.out" || t_fail "$name" "no results: $(head -c 300 "$T_TMP/suite.err")"
    while IFS= read -r line; do
        case $line in
        ok\ *) t_ok "$name: ${line#ok }" ;;
        FAIL\ *) t_fail "$name: ${line#FAIL }" "$(head -c 300 "$T_TMP/suite.err")" ;;
        esac
    done <"$T_TMP/suite.out"
}

run_suite file "$TT" store -u "$U" suite
run_suite file-race "$TT" store -u "$U" race 16 10

# The directory holds exactly the objects, no temp files or locks left behind.
t_eq "no temp files left" "$(find "$T_TMP/fs" -name '*.tmp.*' | wc -l)" 0
t_eq "probe cleaned up" "$(find "$T_TMP/fs/_wa/probe" -type f 2>/dev/null | wc -l)" 0

# CLI exit codes (documented in test-tool store --help).
echo '{"a":1}' >"$T_TMP/o.json"
t_expect_rc "cli: --help" 0 "$TT" store --help
t_expect_rc "cli: usage error" 2 "$TT" store -u "$U" frobnicate
t_expect_rc "cli: bad URL" 1 "$TT" store -u "ftp://x" probe
t_expect_rc "cli: get missing -> 3" 3 "$TT" store -u "$U" get cli/none.json
t_expect_rc "cli: put-if-absent" 0 "$TT" store -u "$U" put cli/o.json "$T_TMP/o.json" --if-absent
etag=$(cat "$T_TMP/last.out")
t_eq "cli: ETag is the content SHA-256" "$etag" "$(sha256sum "$T_TMP/o.json" | cut -d' ' -f1)"
t_expect_rc "cli: put-if-absent again -> 4" 4 "$TT" store -u "$U" put cli/o.json "$T_TMP/o.json" --if-absent
t_expect_rc "cli: put-if-match stale -> 4" 4 "$TT" store -u "$U" put cli/o.json "$T_TMP/o.json" --if-match 00
t_expect_rc "cli: put-if-match current" 0 "$TT" store -u "$U" put cli/o.json "$T_TMP/o.json" --if-match "$etag"
t_expect_rc "cli: ls" 0 "$TT" store -u "$U" ls cli/
t_eq "cli: ls lists the key" "$(cut -f2 "$T_TMP/last.out")" "cli/o.json"
t_expect_rc "cli: rm" 0 "$TT" store -u "$U" rm cli/o.json
t_expect_rc "cli: get after rm -> 3" 3 "$TT" store -u "$U" get cli/o.json

# The store's settings go through anchord's validated table (issue 13): no silent fallback.
t_expect_rc "WA_STORE_RETRIES=50: test-tool store refuses" 1 env WA_STORE_RETRIES=50 "$TT" store -u "$U" probe
grep -q 'WA_STORE_RETRIES' "$T_TMP/last.err" && t_ok "WA_STORE_RETRIES=50: named" || t_fail "WA_STORE_RETRIES named" "$(cat "$T_TMP/last.err")"
t_expect_rc "WA_STORE_TRACE=yes: test-tool store refuses" 1 env WA_STORE_TRACE=yes "$TT" store -u "$U" probe
t_expect_rc "WA_STORE_RETRIES=abc: anchord config refuses (exit 3)" 3 env WA_STORE_RETRIES=abc "$BIN/anchord" config
t_expect_rc "WA_STORE_TRACE=1 WA_STORE_RETRIES=0: accepted" 0 env WA_STORE_TRACE=1 WA_STORE_RETRIES=0 "$BIN/anchord" config
grep -q '^WA_STORE_RETRIES=0$' "$T_TMP/last.out" && grep -q '^WA_STORE_TRACE=1$' "$T_TMP/last.out" \
    && t_ok "anchord config shows WA_STORE_RETRIES and WA_STORE_TRACE" || t_fail "config shows the store settings" "$(grep STORE "$T_TMP/last.out")"

# ---------------------------------------------------------------- S3 (radosgw)
[ -n "${WA_SKIP_RGW:-}" ] && t_skip_rest radosgw "WA_SKIP_RGW is set"
trap 'rgw_stop "$T_TMP/rgw"; t_cleanup' EXIT
rgw_start "$T_TMP/rgw" 2>"$T_TMP/rgw.err" || t_skip_rest radosgw "radosgw did not start: $(tail -3 "$T_TMP/rgw.err")"
t_ok "radosgw starts (port $RGW_PORT)"
t_check "bucket created" rgw_bucket "$T_TMP/rgw" wabkt
t_check "public-write bucket created" rgw_bucket "$T_TMP/rgw" wapub public-read-write

run_suite s3 "$TT" store -u s3://wabkt/pfx suite
run_suite s3-race "$TT" store -u s3://wabkt/pfx race 16 8

# Connection reuse: 300 puts, 4 in flight, then sequential gets: at most 4 connections.
WA_STORE_TRACE=1 WA_STORE_PARALLEL=4 "$TT" store -u s3://wabkt/pfx bulk 300 100 reuse >/dev/null 2>"$T_TMP/trace"
"$TT" store -u s3://wabkt/pfx ls reuse/ >/dev/null
t_eq "bulk: 300 PUTs traced" "$(grep -c '^s3 PUT .* -> 200' "$T_TMP/trace")" 300
t_eq "bulk: 300 PUTs over 4 kept-alive connections" "$(grep -c 'new connections 1)' "$T_TMP/trace")" 4

# Virtual-host style: bucket in the host name (radosgw "rgw dns name = localhost";
# libcurl resolves *.localhost to loopback itself).
t_expect_rc "virtual-host style: probe" 0 env AWS_ENDPOINT_URL="http://localhost:$RGW_PORT" \
    AWS_S3_ADDRESSING_STYLE=virtual "$TT" store -u s3://wabkt/vh probe
grep -q 'virtual-host-style' "$T_TMP/last.out" && t_ok "virtual-host style: used" || t_fail "virtual-host style: used" "$(cat "$T_TMP/last.out")"
t_expect_rc "virtual-host style: put" 0 env AWS_ENDPOINT_URL="http://localhost:$RGW_PORT" \
    AWS_S3_ADDRESSING_STYLE=virtual "$TT" store -u s3://wabkt/vh put a/did.jsonl "$T_TMP/o.json"
t_expect_rc "virtual-host object seen path-style" 0 "$TT" store -u s3://wabkt/vh get a/did.jsonl
t_eq "virtual-host round trip" "$(cat "$T_TMP/last.out")" "$(cat "$T_TMP/o.json")"

# Headers by object name (DESIGN.md §3), read back with curl's own SigV4.
sig=(--aws-sigv4 "aws:amz:$AWS_REGION:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
     -H "x-amz-content-sha256: $(printf '' | sha256sum | cut -d' ' -f1)")
"$TT" store -u s3://wabkt/pfx put d/did.jsonl "$T_TMP/o.json" >/dev/null
"$TT" store -u s3://wabkt/pfx put batches/7.json "$T_TMP/o.json" >/dev/null
h=$(curl -sI "${sig[@]}" "$AWS_ENDPOINT_URL/wabkt/pfx/d/did.jsonl" | tr -d '\r')
grep -qi '^content-type: text/jsonl$' <<<"$h" && grep -qi '^cache-control: no-cache$' <<<"$h" \
    && t_ok "did.jsonl: text/jsonl, no-cache" || t_fail "did.jsonl headers" "$h"
h=$(curl -sI "${sig[@]}" "$AWS_ENDPOINT_URL/wabkt/pfx/batches/7.json" | tr -d '\r')
grep -qi '^content-type: application/json$' <<<"$h" && grep -qi '^cache-control: public, max-age=31536000, immutable$' <<<"$h" \
    && t_ok "batches/*.json: application/json, immutable" || t_fail "batch headers" "$h"
t_expect_rc "cors: bucket rule set" 0 "$TT" store -u s3://wabkt/pfx cors
# AWS answers "*" for a wildcard rule; radosgw echoes the request's Origin. Both let any
# origin read; check two unrelated origins.
for o in https://verifier.example http://localhost:8080; do
    h=$(curl -s -D - -o /dev/null "${sig[@]}" -H "Origin: $o" "$AWS_ENDPOINT_URL/wabkt/pfx/d/did.jsonl" | tr -d '\r')
    grep -qiE "^access-control-allow-origin: (\*|$o)\$" <<<"$h" && grep -qi '^access-control-expose-headers: etag' <<<"$h" \
        && t_ok "cors: $o may read, ETag exposed" || t_fail "cors header for $o" "$h"
done

# Specific errors.
t_expect_rc "wrong secret -> error" 1 env AWS_SECRET_ACCESS_KEY=wrong "$TT" store -u s3://wabkt probe
grep -q 'SignatureDoesNotMatch.*AWS_SECRET_ACCESS_KEY' "$T_TMP/last.err" && t_ok "wrong secret: SignatureDoesNotMatch" || t_fail "wrong secret message" "$(cat "$T_TMP/last.err")"
t_expect_rc "unknown key id -> error" 1 env AWS_ACCESS_KEY_ID=NOSUCHKEY "$TT" store -u s3://wabkt probe
grep -q 'InvalidAccessKeyId.*AWS_ACCESS_KEY_ID' "$T_TMP/last.err" && t_ok "unknown key id: InvalidAccessKeyId" || t_fail "unknown key message" "$(cat "$T_TMP/last.err")"
t_expect_rc "unknown bucket -> error" 1 "$TT" store -u s3://nosuchbucket probe
grep -q 'NoSuchBucket' "$T_TMP/last.err" && t_ok "unknown bucket: NoSuchBucket" || t_fail "unknown bucket message" "$(cat "$T_TMP/last.err")"
t_expect_rc "get from unknown bucket is an error, not 'not found'" 1 "$TT" store -u s3://nosuchbucket get x.json
t_expect_rc "no credentials -> error" 1 env -u AWS_ACCESS_KEY_ID "$TT" store -u s3://wabkt probe
grep -q 'AWS_ACCESS_KEY_ID' "$T_TMP/last.err" && t_ok "no credentials: says which" || t_fail "no credentials message" "$(cat "$T_TMP/last.err")"
down=$(freeport)
t0=$SECONDS
t_expect_rc "server down -> error" 1 env AWS_ENDPOINT_URL="http://127.0.0.1:$down" WA_STORE_RETRIES=2 "$TT" store -u s3://wabkt probe
grep -q 'cannot reach.*3 attempts' "$T_TMP/last.err" && t_ok "server down: cannot reach, after retries" || t_fail "server down message" "$(cat "$T_TMP/last.err")"
[ $((SECONDS - t0)) -lt 10 ] && t_ok "server down: fails fast" || t_fail "server down: fails fast" "$((SECONDS - t0)) s"

# A server that ignores If-Match / If-None-Match: the probe refuses to start.
pp=$(freeport)
printf '%s\n' 'strip if-match' 'strip if-none-match' 'strip authorization' >"$T_TMP/strip.rules"
t_bg "$TT" faultproxy "$pp" "$RGW_PORT" "$T_TMP/strip.rules" 2>/dev/null
wait_port "$pp" 5
t_expect_rc "conditions stripped -> probe refuses" 1 env AWS_ENDPOINT_URL="http://127.0.0.1:$pp" "$TT" store -u s3://wapub probe
grep -q 'ignores If-None-Match' "$T_TMP/last.err" && t_ok "probe names the ignored condition" || t_fail "probe message" "$(cat "$T_TMP/last.err")"
t_expect_rc "same bucket direct -> probe passes" 0 "$TT" store -u s3://wapub probe
t_done
