#!/usr/bin/env bash
# resolver.sh -- `didverify serve`, the DID resolver endpoint (docs/resolver.md), on a real
# server on 127.0.0.1 over what `anchord run` publishes (file store, real redis-server and
# anvil, served by test-tool httpstatic; --test-origin points every https origin at it):
# every status and content type of GET /1.0/identifiers/{did}, version queries, DID URL
# dereferencing, the anchoring verdict of every version (ANCHORED with batch/block/tx,
# INVALID, STALE), a Universal Resolver-style request; the rules for untrusted sources
# (a redirect, an IP literal, a single-label host, an oversized log, a slow server,
# through test-tool faultproxy) and the ttl cache.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
DV=$WA_ROOT/$BIN/didverify
DL=$WA_ROOT/$BIN/didlog
FS=$T_TMP/fs
pipe_env "file://$FS" || pipe_env_failed
SCID() { "$TT" did "$1" | cut -d: -f3; }
DIRP=$FS/.well-known/did

t_check "register 7 DIDs" "$TT" enqueue-dids 0 7
pipe_run; t_eq "genesis batch" "$RUN_RC" 0
cp -r "$FS/.well-known/did/$(SCID 6)" "$T_TMP/old6"      # DID 6 as of the genesis batch
"$TT" events 0 7 14 ev >"$T_TMP/events.jsonl"
t_expect_rc "submit 14 events" 0 "$AD" submit "$T_TMP/events.jsonl"
pipe_run; t_eq "event batch" "$RUN_RC" 0
unset WA_RPC_URLS
t_expect_rc "anchors export" 0 "$DV" anchors export --rpc "$RPC_URL" --contract "$WA_CONTRACT" --out "$T_TMP/anchors.json"

# DIDs made with didlog (not anchored): one with ttl 2, one deactivated.
cd "$T_TMP" || exit 1
"$DL" keygen --out k.json >/dev/null
TDID=$("$DL" create --domain example.com --path t --path '{SCID}' --update-key k.json --ttl 2 --out ttl.jsonl)
TS=$(echo "$TDID" | cut -d: -f3); mkdir -p "$FS/t/$TS"; cp ttl.jsonl "$FS/t/$TS/did.jsonl"
XDID=$("$DL" create --domain example.com --path t --path '{SCID}' --update-key k.json --time 2024-01-01T00:00:00Z --out x.jsonl)
"$DL" deactivate x.jsonl --key k.json --time 2024-01-02T00:00:00Z >/dev/null
XS=$(echo "$XDID" | cut -d: -f3); mkdir -p "$FS/t/$XS"; cp x.jsonl "$FS/t/$XS/did.jsonl"
FDID=$("$DL" create --domain example.com --path t --path '{SCID}' --update-key k.json --time 2024-03-01T00:00:00Z --out f.jsonl)
"$DL" update f.jsonl --key k.json --time 2024-03-02T00:00:00Z --add-service '{"id":"#files","type":"relativeRef","serviceEndpoint":"https://127.0.0.1:1/"}' >/dev/null
FS2=$(echo "$FDID" | cut -d: -f3); mkdir -p "$FS/t/$FS2"; cp f.jsonl "$FS/t/$FS2/did.jsonl"
cd "$WA_ROOT" || exit 1

HP=$(freeport); t_bg "$TT" httpstatic "$FS" "$HP"; wait_port "$HP" 10
RP=$(freeport)
t_bg "$DV" serve --listen "127.0.0.1:$RP" --anchors "$T_TMP/anchors.json" --test-origin "http://127.0.0.1:$HP" 2>"$T_TMP/serve.log"
SERVE_PID=$!
wait_port "$RP" 10 || { t_fail "didverify serve starts" "$(cat "$T_TMP/serve.log")"; t_done; exit 1; }
R=http://127.0.0.1:$RP/1.0/identifiers

# get [curl args] URL: body in $T_TMP/body, status in ST, content type in CT, X-Cache in XC,
# Cache-Control in CC.
get() {
    curl -s -o "$T_TMP/body" -D "$T_TMP/hdr" "$@"
    ST=$(head -1 "$T_TMP/hdr" | cut -d' ' -f2)
    CT=$(grep -i '^content-type:' "$T_TMP/hdr" | cut -d' ' -f2- | tr -d '\r')
    XC=$(grep -i '^x-cache:' "$T_TMP/hdr" | cut -d' ' -f2- | tr -d '\r')
    CC=$(grep -i '^cache-control:' "$T_TMP/hdr" | cut -d' ' -f2- | tr -d '\r')
}
J() { jq -r "$1" "$T_TMP/body"; }
if command -v node >/dev/null; then
    t_check "docs/openapi.yaml (with the resolver endpoint) is a valid OpenAPI 3.1 document" node "$WA_ROOT/tests/node/api-validate.mjs" spec "$WA_ROOT/docs"
fi
# VR NAME: the last answer is a valid resolveDid response of its status and Content-Type in
# docs/openapi.yaml (swagger-parser + ajv, tests/node/api-validate.mjs).
VR() {
    if ! command -v node >/dev/null; then t_skip "$1" "node is not installed"; return; fi
    t_check "$1 (openapi.yaml)" node "$WA_ROOT/tests/node/api-validate.mjs" response "$WA_ROOT/docs" resolveDid "$ST" "$CT" "$T_TMP/body"
}

D0=$("$TT" did 0); D1=$("$TT" did 1)
get "$R/$D0"
t_eq "resolve: 200" "$ST" 200
t_eq "resolve: Content-Type application/did-resolution" "$CT" "application/did-resolution"
t_eq "resolve: the document is the DID's" "$(J .didDocument.id)" "$D0"
t_eq "resolve: the latest version (3)" "$(J .didDocumentMetadata.versionNumber)" 3
t_eq "resolve: created/updated/versionId/deactivated in the metadata" \
    "$(J '[.didDocumentMetadata | has("created","updated","versionId","deactivated")] | all')" true
t_eq "resolve: anchoring verdict ANCHORED" "$(J .didDocumentMetadata.anchoring.verdict)" ANCHORED
t_eq "resolve: every version anchored with batch, block, tx" \
    "$(J '[.didDocumentMetadata.anchoring.versions[] | select(.status=="anchored" and (.batchId|type)=="number" and (.blockNumber|type)=="number" and (.txHash|test("^0x[0-9a-f]{64}$")))] | length')" 3
t_eq "resolve: implicit #files service" "$(J '[.didDocument.service[].id] | any(endswith("#files"))')" true
VR "resolve 200"
if command -v node >/dev/null; then
    jq -c 'del(.didDocumentMetadata.anchoring.verdict)' "$T_TMP/body" >"$T_TMP/bad.json"
    t_expect_rc "the validator refuses a result whose anchoring lacks its verdict" 1 \
        node "$WA_ROOT/tests/node/api-validate.mjs" response "$WA_ROOT/docs" resolveDid 200 application/did-resolution "$T_TMP/bad.json"
fi
V1=$(J '.didDocumentMetadata.anchoring.versions[0].versionId')
get "$R/$D0?versionNumber=1"
t_eq "?versionNumber=1: version 1" "$ST $(J .didDocumentMetadata.versionId)" "200 $V1"
get "$R/$D0?versionId=$V1"
t_eq "?versionId: that version" "$ST $(J .didDocumentMetadata.versionNumber)" "200 1"
get "$R/$D0?versionTime=2999-01-01T00:00:00Z"
t_eq "?versionTime in the future: the latest" "$ST $(J .didDocumentMetadata.versionNumber)" "200 3"
get "$R/$D0?versionNumber=9"
t_eq "?versionNumber=9: 404 notFound" "$ST $(J .didResolutionMetadata.error)" "404 notFound"
t_eq "an error is not to be cached: no-store" "$CC" "no-store"
VR "404"
ENC=$(jq -rn --arg d "$D0" '$d|@uri')
get "$R/$ENC?versionNumber=1"
t_eq "URL-encoded DID + resolution option as HTTP query" "$ST $(J .didDocumentMetadata.versionNumber)" "200 1"
get -H 'Accept: application/did+ld+json' "$R/$D0"
t_eq "Accept application/did+ld+json: the document alone" "$ST|$CT|$(J .id)" "200|application/did+ld+json|$D0"
VR "did+ld+json 200"
get -H 'Accept: application/did+json' "$R/$D0"
t_eq "Accept application/did+json" "$ST|$CT" "200|application/did+json"
get -H 'Accept: text/html' "$R/$D0"
t_eq "Accept text/html: 406 representationNotSupported" "$ST $(J .didResolutionMetadata.error)" "406 representationNotSupported"
VR "406"
get -H 'Accept: application/ld+json;profile="https://w3id.org/did-resolution"' "$R/$D0"
t_eq "Universal Resolver Accept: the result, its content type" "$ST|$CT|$(J .didDocument.id)" "200|application/ld+json;profile=\"https://w3id.org/did-resolution\"|$D0"
VR "UR 200"
get -H 'Accept: */*' "$R/$D0"
t_eq "Accept */*: the result" "$ST|$CT" "200|application/did-resolution"
get "$R/$D0%23$(J '.didDocument.verificationMethod[0].id' | sed 's/.*#//')"
t_eq "#fragment (as %23): the node" "$ST $(J .dereferencingMetadata.contentType)" "200 application/did+ld+json"
get -H 'Accept: application/did+ld+json' "$R/$D0%23nothere"
t_eq "#fragment missing: 404" "$ST" 404
get -H 'Accept: application/did-resolution;q=0, application/did+ld+json;q=0.5' "$R/$D0"
t_eq "Accept with q=0 on the result: the document" "$ST|$CT" "200|application/did+ld+json"
get "$R/$(jq -rn --arg d "$D0#$(jq -r '.verificationMethod[0].id' "$T_TMP/body" | sed 's/.*#//')" '$d|@uri')"
t_eq "URL-encoded DID URL with a fragment: the node" "$ST $(J '.contentStream.type')" "200 Multikey"
get -H 'Accept: text/uri-list' "$R/$D0?service=files&relativeRef=/did.jsonl"
t_eq "?service=files&relativeRef: the URL, text/uri-list" "$ST|$CT" "200|text/uri-list"
grep -q "^https://.*/did.jsonl$" "$T_TMP/body" && t_ok "service URL body" || t_fail "service URL body" "$(cat "$T_TMP/body")"
get "$R/$D0/witness.json"
t_eq "DID URL path: the file through #files" "$ST $(J .dereferencingMetadata.contentType) $(J '.contentStream.anchors|type')" "200 application/json array"
VR "dereferencing 200"
get "$R/$D0/nothing.json"
t_eq "DID URL path to a missing file: 404" "$ST" 404
get "$R/$D0/whois"
t_eq "/whois with no whois.vp published: 404 notFound" "$ST $(J .dereferencingMetadata.error)" "404 notFound"
echo '{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiablePresentation"]}' >"$DIRP/$(SCID 0)/whois.vp"
get "$R/$D0/whois"
t_eq "/whois: whois.vp through the #whois service" "$ST $(J '.contentStream.type[0]')" "200 VerifiablePresentation"
get -H 'Accept: application/json' "$R/$D0/whois"
t_eq "/whois, Accept application/json: the presentation alone" "$ST|$CT|$(J '.type[0]')" "200|application/json|VerifiablePresentation"
st=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -I "$R/$D0")
t_eq "HEAD: 200, no body" "$st" "200 0"
seq 1 24 | xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' "$R/$D0?versionNumber=1" >"$T_TMP/par"
t_eq "24 requests, 8 at a time: all 200" "$(sort -u "$T_TMP/par" | tr '\n' ' ')" "200 "
get "$R/did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
t_eq "did:key: 501 methodNotSupported" "$ST $(J .didResolutionMetadata.error)" "501 methodNotSupported"
VR "501"
get "$R/did:webvh:notascid:example.com"
t_eq "bad SCID: 400 invalidDid" "$ST $(J .didResolutionMetadata.error)" "400 invalidDid"
VR "400"
get "$R/did:webvh:QmZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ:example.com:nobody"
t_eq "unpublished DID: 404 notFound" "$ST $(J .didResolutionMetadata.error)" "404 notFound"
get "$R/$XDID"
t_eq "deactivated DID: 410, deactivated in the metadata" "$ST $(J .didDocumentMetadata.deactivated)" "410 true"
VR "410"
get "$R/$XDID?versionNumber=1"
t_eq "deactivated DID, version 1: 200" "$ST" 200
get -X POST "$R/$D0"
t_eq "POST: 405" "$ST" 405
get "http://127.0.0.1:$RP/1.0/other"
t_eq "other path: 404" "$ST" 404

# Anchoring verdicts of tampered copies (each DID resolved for the first time here).
D2=$("$TT" did 2); D3=$("$TT" did 3)
jq -c '.anchors[0].batchId = 1' "$DIRP/$(SCID 2)/witness.json" >"$T_TMP/w" && mv "$T_TMP/w" "$DIRP/$(SCID 2)/witness.json"
get "$R/$D2"
t_eq "witness.json batch changed: verdict INVALID with the reason" "$(J .didDocumentMetadata.anchoring.verdict) $(J '.didDocumentMetadata.anchoring.versions[0].status')" "INVALID invalid"
head -n 1 "$DIRP/$(SCID 3)/did.jsonl" >"$T_TMP/l" && mv "$T_TMP/l" "$DIRP/$(SCID 3)/did.jsonl"
get "$R/$D3"
t_eq "truncated log with later proofs: verdict STALE, version 1 resolved" "$(J .didDocumentMetadata.anchoring.verdict) $(J .didDocumentMetadata.versionNumber)" "STALE 1"

scenario attack resolver-rollback "DID 6's whole folder (did.jsonl, witness.json, did-witness.json) served as of the genesis batch, after a later batch anchored 2 more versions" \
    "without the scan: ANCHORED version 1 (what the folder shows); with --stale-batches: STALE, from the later batch's manifest"
rm -rf "${DIRP:?}/$(SCID 6)"; cp -r "$T_TMP/old6" "$DIRP/$(SCID 6)"
get "$R/$("$TT" did 6)"
t_eq "rolled back, no scan: ANCHORED, version 1" "$ST $(J .didDocumentMetadata.anchoring.verdict) $(J .didDocumentMetadata.versionNumber)" "200 ANCHORED 1"
RP4=$(freeport)
t_bg "$DV" serve --listen "127.0.0.1:$RP4" --anchors "$T_TMP/anchors.json" --test-origin "http://127.0.0.1:$HP" --stale-batches all 2>"$T_TMP/serve4.log"
wait_port "$RP4" 10
get "http://127.0.0.1:$RP4/1.0/identifiers/$("$TT" did 6)"
t_eq "rolled back, --stale-batches all: STALE" "$ST $(J .didDocumentMetadata.anchoring.verdict)" "200 STALE"
J .didDocumentMetadata.anchoring.stale | grep -q "batch 1" && t_ok "STALE: names the later batch" || t_fail "stale reason" "$(J .didDocumentMetadata.anchoring)"
get "http://127.0.0.1:$RP4/1.0/identifiers/$D0"
t_eq "with the scan, an up-to-date DID: ANCHORED" "$ST $(J .didDocumentMetadata.anchoring.verdict) $(J .didDocumentMetadata.anchoring.freshness.complete)" "200 ANCHORED true"

scenario attack resolver-path-traversal "DID URL paths that climb out of the DID's folder: /../../etc/passwd sent as is, /%2E%2E/x, /a/%2E/b, an encoded slash /a%2Fb" \
    "400 invalidDidUrl; nothing is fetched"
st=$(curl -s --path-as-is -o "$T_TMP/body" -w '%{http_code}' "$R/$D0/../../etc/passwd")
t_eq "/../../etc/passwd (as is): 400 invalidDidUrl" "$st $(J .dereferencingMetadata.error)" "400 invalidDidUrl"
for p in /%2E%2E/x /a/%2E/b /a%2Fb; do
    get "$R/$D0$p"
    t_eq "path $p: 400 invalidDidUrl" "$ST $(J .dereferencingMetadata.error)" "400 invalidDidUrl"
done

scenario attack resolver-ip-literal "GET /1.0/identifiers/ a did:webvh whose host is an IP literal (127.0.0.1%3APORT, 2130706433, 0x7f.1, [::1])" \
    "400 invalidDid; nothing is fetched"
for h in "127.0.0.1%3A$HP" 2130706433 0x7f.1 "%5B::1%5D"; do
    get "$R/did:webvh:$(SCID 0):$h:.well-known:did:$(SCID 0)"
    t_eq "IP literal host $h: 400 invalidDid" "$ST $(J .didResolutionMetadata.error)" "400 invalidDid"
done
scenario attack resolver-files-ip-literal "a DID document whose #files service points at https://127.0.0.1:1/, dereferenced through a DID URL path" \
    "502 with the rule's reason; nothing is fetched"
get "$R/$FDID/secret.json"
t_eq "#files at an IP literal: 502" "$ST" 502
J .dereferencingMetadata.problemDetails.detail | grep -q "IP literal" && t_ok "#files at an IP literal: reason" || t_fail "#files reason" "$(cat "$T_TMP/body")"
scenario attack resolver-single-label "a did:webvh whose host is the single label localhost, on a resolver without --test-origin" "400 invalidDid"
RP2=$(freeport)
t_bg "$DV" serve --listen "127.0.0.1:$RP2" --anchors "$T_TMP/anchors.json" 2>"$T_TMP/serve2.log"
wait_port "$RP2" 10
get "http://127.0.0.1:$RP2/1.0/identifiers/did:webvh:$(SCID 0):localhost%3A$HP:.well-known:did:$(SCID 0)"
t_eq "single-label host without --test-origin: 400 invalidDid" "$ST $(J .didResolutionMetadata.error)" "400 invalidDid"
t_expect_rc "--test-origin must be loopback http" 2 "$DV" serve --anchors "$T_TMP/anchors.json" --test-origin http://example.com:80

# Faults between the resolver and the host: test-tool faultproxy in front of httpstatic.
PP=$(freeport)
printf 'path=%s/did.jsonl status 301\npath=%s/did.jsonl delay 4000\n' "$(SCID 4)" "$(SCID 5)" >"$T_TMP/rules"
t_bg "$TT" faultproxy "$PP" "$HP" "$T_TMP/rules" 2>"$T_TMP/proxy.log"; wait_port "$PP" 10
RP3=$(freeport)
t_bg "$DV" serve --listen "127.0.0.1:$RP3" --anchors "$T_TMP/anchors.json" --test-origin "http://127.0.0.1:$PP" \
    --fetch-timeout 1000 --max-bytes 3000 2>"$T_TMP/serve3.log"
wait_port "$RP3" 10
R3=http://127.0.0.1:$RP3/1.0/identifiers
scenario attack resolver-redirect "the DID's host answers did.jsonl with 301 (a redirect to wherever)" "502, the redirect is not followed"
get "$R3/$("$TT" did 4)"
t_eq "redirect: 502 internalError" "$ST $(J .didResolutionMetadata.error)" "502 internalError"
VR "502"
J .didResolutionMetadata.problemDetails.detail | grep -q "redirects are not followed" && t_ok "redirect: reason" || t_fail "redirect reason" "$(cat "$T_TMP/body")"
scenario attack resolver-slow-host "the DID's host holds did.jsonl for 4 s (resolver --fetch-timeout 1000)" "502 within the time limit"
t0=$(date +%s%N); get "$R3/$("$TT" did 5)"; ms=$(( ($(date +%s%N) - t0) / 1000000 ))
t_eq "slow host: 502" "$ST" 502
[ "$ms" -lt 3500 ] && t_ok "slow host: answered in ${ms} ms" || t_fail "slow host: time" "${ms} ms"
scenario attack resolver-oversized-log "a did.jsonl larger than --max-bytes (3000)" "502, the transfer stopped at the limit"
get "$R3/$D1"
t_eq "oversized log: 502" "$ST" 502
J .didResolutionMetadata.problemDetails.detail | grep -q "larger than 3000 bytes" && t_ok "oversized: reason" || t_fail "oversized reason" "$(cat "$T_TMP/body")"

scenario_close
# The ttl cache: the log says ttl 2.
get "$R/$TDID"
t_eq "ttl log: first resolve is a miss" "$ST $XC $(J .didDocumentMetadata.ttl)" "200 miss 2"
t_eq "Cache-Control of a fetched answer: the log's ttl" "$CC" "max-age=2"
cd "$T_TMP" && "$DL" update ttl.jsonl --key k.json --add-service '{"id":"#x","type":"X","serviceEndpoint":"https://example.com/x"}' >/dev/null && cd "$WA_ROOT"
cp "$T_TMP/ttl.jsonl" "$FS/t/$TS/did.jsonl"
get "$R/$TDID"
t_eq "within ttl: a hit, the cached version 1" "$XC $(J .didDocumentMetadata.versionNumber)" "hit 1"
sleep 2.2
get "$R/$TDID"
t_eq "after ttl: a miss, version 2" "$XC $(J .didDocumentMetadata.versionNumber)" "miss 2"
get "$R/$D0"
t_eq "default ttl (3600): still a hit" "$XC" hit
case "$CC" in max-age=*) [ "${CC#max-age=}" -le 3600 ] && [ "${CC#max-age=}" -gt 3000 ] && t_ok "a hit's Cache-Control: what is left of the ttl ($CC)" || t_fail "hit max-age" "$CC" ;; *) t_fail "hit max-age" "$CC" ;; esac
kill -TERM "$SERVE_PID"; wait "$SERVE_PID"; rc=$?
t_eq "SIGTERM: serve stops cleanly, exit 0 (under ASan: no leak)" "$rc" 0
[ "$rc" = 0 ] || tail -20 "$T_TMP/serve.log"
t_done
