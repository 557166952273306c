#!/usr/bin/env bash
# cdn.sh -- the read path behind a CDN (docs/cdn.md): radosgw with the documented bucket
# policy (cron/s3-bucket-policy.json), `anchord run` publishing to it, and Debian's nginx
# running cron/nginx-cdn.conf in front (tests/svc/cdnproxy.sh). Checks: anchord sets the
# bucket CORS rule at start-up (and refuses a rule that would block readers, unless
# WA_STORE_CORS=off); through the proxy, every object type's Content-Type, Cache-Control,
# CORS on GET (a cached batch included) and on preflight, ETag/304 as documented (logs and
# proofs revalidated at the origin, batches from the cache); internal and missing keys 403;
# a new version is served at once; didverify over the proxy trusts only the chain.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
source "$WA_ROOT/tests/svc/cdnproxy.sh"
[ -n "${WA_SKIP_RGW:-}" ] && t_skip_rest radosgw "WA_SKIP_RGW is set"
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || t_skip_rest nginx "nginx is not installed (Debian nginx; scripts/deps.sh)"
B=wacdn
pipe_env_s3 $B
trap 'cdn_stop "$T_TMP/cdn"; rgw_stop "$RGW"; t_cleanup' EXIT
DV=$WA_ROOT/$BIN/didverify
count() { "$AD" batch-count 2>/dev/null; }
# s3api METHOD PATH?QUERY [FILE]: a signed request to radosgw; prints the status, body in $T_TMP/s3api.out
s3api() {
    local data=() sha; sha=$(sha256sum "${3:-/dev/null}" | cut -d' ' -f1)
    [ -n "${3:-}" ] && data=(--data-binary "@$3")
    curl -s -o "$T_TMP/s3api.out" -w '%{http_code}' -X "$1" --aws-sigv4 "aws:amz:$AWS_REGION:s3" \
        --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-content-sha256: $sha" "${data[@]}" "$AWS_ENDPOINT_URL/$2"
}
corsOpen() { s3api GET "$B?cors=" >/dev/null; grep -q '<AllowedOrigin>\*</AllowedOrigin>' "$T_TMP/s3api.out" && grep -qi '<ExposeHeader>etag</ExposeHeader>' "$T_TMP/s3api.out"; }
# hdr URL [curl args]: response headers, lower-case names, no CR
hdr() { local u=$1; shift; curl -s -o /dev/null -D - "$@" "$u" | tr -d '\r' | sed 's/^\([^:]*\):/\L\1:/'; }
has() { grep -qix "$2" <<<"$1"; }

# ---- CORS at start-up (DESIGN §3: Access-Control-Allow-Origin: *), as the conditional-write probe
t_eq "a new bucket has no CORS rule" "$(s3api GET "$B?cors=")" 404
t_check "register 12 DIDs" "$TT" enqueue-dids 0 12
pipe_run
t_eq "anchord run: genesis batch" "$RUN_RC $(count)" "0 1"
t_check "anchord run set the CORS rule (any origin may GET, ETag exposed)" corsOpen
SCID=$("$TT" did 0 | cut -d: -f3); LOG=.well-known/did/$SCID/did.jsonl
h=$(hdr "$AWS_ENDPOINT_URL/$B/$LOG" -H 'Origin: https://reader.example' --aws-sigv4 "aws:amz:$AWS_REGION:s3" \
    --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-content-sha256: $(sha256sum </dev/null | cut -d' ' -f1)")
t_check "origin, signed GET with an Origin: radosgw echoes the Origin (docs/store.md)" has "$h" 'access-control-allow-origin: https://reader.example'

printf '%s' '<CORSConfiguration><CORSRule><AllowedOrigin>https://only.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>' >"$T_TMP/cors-narrow.xml"
md5=$(openssl dgst -md5 -binary "$T_TMP/cors-narrow.xml" | base64)
curl -s -o /dev/null -X PUT --aws-sigv4 "aws:amz:$AWS_REGION:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H "x-amz-content-sha256: $(sha256sum <"$T_TMP/cors-narrow.xml" | cut -d' ' -f1)" -H "Content-MD5: $md5" \
    --data-binary "@$T_TMP/cors-narrow.xml" "$AWS_ENDPOINT_URL/$B?cors="
"$TT" events 0 12 24 narrow >"$T_TMP/narrow.jsonl"; "$AD" submit "$T_TMP/narrow.jsonl" >/dev/null 2>&1
pipe_run
t_eq "a CORS rule that blocks other origins: anchord refuses to run (exit 3), no anchor" "$RUN_RC $(count)" "3 1"
t_check "the refusal names the CORS rule and the way out" grep -q 'CORS.*WA_STORE_CORS' "$RUN_LOG"
t_check "the operator's rule is left as it was" grep -q 'only.example' <(s3api GET "$B?cors=" >/dev/null; cat "$T_TMP/s3api.out")
WA_STORE_CORS=off pipe_run
t_eq "WA_STORE_CORS=off (the CDN adds CORS): the batch runs" "$RUN_RC $(count)" "0 2"
s3api DELETE "$B?cors=" >/dev/null
pipe_run
t_eq "rule deleted: the next run (nothing queued) exits 0" "$RUN_RC" 0
t_check "... and sets the rule again" corsOpen

# ---- the documented bucket policy: anonymous reads of the public names only
sed "s/BUCKET/$B/g" cron/s3-bucket-policy.json >"$T_TMP/policy.json"
t_eq "bucket policy accepted" "$(s3api PUT "$B?policy=" "$T_TMP/policy.json")" 204
printf '{"internal":true}' >"$T_TMP/int.json"
"$TT" store -u "s3://$B" put _wa/staging/1.json "$T_TMP/int.json" >/dev/null
t_expect_rc "the page at the bucket root" 0 "$TT" store -u "s3://$B" put index.html seed/www/index.html
t_expect_rc "an anchors snapshot beside it" 0 "$DV" anchors export --rpc "$RPC_URL" --contract "$WA_CONTRACT" --out "$T_TMP/anchors.json"
"$TT" store -u "s3://$B" put anchors.json "$T_TMP/anchors.json" >/dev/null
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
t_eq "origin, anonymous: a DID log is public" "$(code "$AWS_ENDPOINT_URL/$B/$LOG")" 200
h=$(hdr "$AWS_ENDPOINT_URL/$B/$LOG" -H 'Origin: https://reader.example')
t_check "origin, anonymous GET with an Origin: Access-Control-Allow-Origin *" has "$h" 'access-control-allow-origin: \*'
t_check "origin, anonymous GET without an Origin: no CORS header (why the proxy adds it)" bash -c "! grep -qi '^access-control-allow-origin' <<<'$(hdr "$AWS_ENDPOINT_URL/$B/$LOG")'"
t_eq "origin, anonymous: internal objects are not" "$(code "$AWS_ENDPOINT_URL/$B/_wa/staging/1.json")" 403
t_eq "origin, anonymous: no listing" "$(code "$AWS_ENDPOINT_URL/$B/?list-type=2")" 403
t_eq "origin, anonymous: a missing key is 403 (no list permission), not 404" "$(code "$AWS_ENDPOINT_URL/$B/.well-known/did/QmNope/did.jsonl")" 403

# ---- nginx in front (cron/nginx-cdn.conf)
cdn_start "$T_TMP/cdn" "$RGW_PORT" "/$B" 2>"$T_TMP/cdn.err" || t_skip_rest nginx "nginx did not start: $(tail -3 "$T_TMP/cdn.err")"
t_ok "nginx proxy up on $CDN_URL"
D=.well-known/did/$SCID
for o in "$D/did.jsonl|text/jsonl" "$D/witness.json|application/json" "$D/did-witness.json|application/json" \
         "batches/1.json|application/json" "index.html|text/html; charset=utf-8" "anchors.json|application/json"; do
    k=${o%%|*} ct=${o#*|}
    cc="no-cache"; [ "${k%%/*}" = batches ] && cc="public, max-age=31536000, immutable"
    h=$(hdr "$CDN_URL/$k" -H 'Origin: https://reader.example')
    t_check "$k: 200" has "$h" 'HTTP/1.1 200 OK'
    t_check "$k: Content-Type $ct" has "$h" "content-type: $ct"
    t_check "$k: Cache-Control $cc" has "$h" "cache-control: $cc"
    t_check "$k: Access-Control-Allow-Origin * (once)" test "$(grep -ci '^access-control-allow-origin: \*$' <<<"$h")/$(grep -ci '^access-control-allow-origin:' <<<"$h")" = 1/1
    t_check "$k: ETag exposed to scripts" has "$h" 'access-control-expose-headers: etag'
    t_check "$k: has an ETag" grep -qi '^etag: ' <<<"$h"
done
# batches: cached; a browser's request after a plain one still gets CORS
t_check "batches/0.json: first GET (no Origin) is a MISS" has "$(hdr "$CDN_URL/batches/0.json")" 'x-cache-status: MISS'
h=$(hdr "$CDN_URL/batches/0.json" -H 'Origin: https://reader.example')
t_check "batches/0.json: then a HIT" has "$h" 'x-cache-status: HIT'
t_check "batches/0.json: the cached copy still says Access-Control-Allow-Origin *" has "$h" 'access-control-allow-origin: \*'
et=$(grep -i '^etag:' <<<"$h" | cut -d' ' -f2-)
h=$(hdr "$CDN_URL/batches/0.json" -H "If-None-Match: $et")
t_check "batches/0.json: If-None-Match -> 304 from the cache" bash -c "grep -qx 'HTTP/1.1 304 Not Modified' <<<'$h' && grep -qix 'x-cache-status: HIT' <<<'$h'"
# logs and proofs: never stored; revalidated at the origin
h=$(hdr "$CDN_URL/$D/did.jsonl"); et=$(grep -i '^etag:' <<<"$h" | cut -d' ' -f2-)
t_check "did.jsonl: not cached by the proxy" bash -c "! grep -qi '^x-cache-status:' <<<'$h'"
t_check "did.jsonl: If-None-Match (current) -> 304" has "$(hdr "$CDN_URL/$D/did.jsonl" -H "If-None-Match: $et")" 'HTTP/1.1 304 Not Modified'
t_check "did.jsonl: If-None-Match (stale) -> 200" has "$(hdr "$CDN_URL/$D/did.jsonl" -H 'If-None-Match: "0000"')" 'HTTP/1.1 200 OK'
t_check "witness.json: If-None-Match (current) -> 304" has "$(hdr "$CDN_URL/$D/witness.json" \
    -H "If-None-Match: $(hdr "$CDN_URL/$D/witness.json" | grep -i '^etag:' | cut -d' ' -f2-)")" 'HTTP/1.1 304 Not Modified'
# preflight (a page sending If-None-Match from another origin)
h=$(hdr "$CDN_URL/$D/did.jsonl" -X OPTIONS -H 'Origin: https://reader.example' -H 'Access-Control-Request-Method: GET' \
    -H 'Access-Control-Request-Headers: if-none-match')
t_check "preflight: 200" has "$h" 'HTTP/1.1 200 OK'
t_check "preflight: Access-Control-Allow-Origin *" has "$h" 'access-control-allow-origin: \*'
t_check "preflight: GET allowed" grep -qiE '^access-control-allow-methods: .*GET' <<<"$h"
t_check "preflight: If-None-Match allowed" grep -qiE '^access-control-allow-headers: .*if-none-match' <<<"$h"
# what is not public
t_eq "proxy: internal objects 403" "$(code "$CDN_URL/_wa/staging/1.json")" 403
t_eq "proxy: a missing DID log 403 (S3 without list permission)" "$(code "$CDN_URL/.well-known/did/QmNope/did.jsonl")" 403
t_eq "proxy: no listing" "$(code "$CDN_URL/?list-type=2")" 302
t_eq "proxy: / goes to the page" "$(curl -s -o /dev/null -w '%{redirect_url}' "$CDN_URL/?did=x")" "$CDN_URL/index.html?did=x"
t_eq "proxy: no writes" "$(code -X PUT --data-binary x "$CDN_URL/$D/did.jsonl")" 403

# a new version is served at once (nothing stale in between)
old=$(curl -s "$CDN_URL/$D/did.jsonl" | wc -l)
"$TT" events 0 1 1 fresh >"$T_TMP/fresh.jsonl"; "$AD" submit "$T_TMP/fresh.jsonl" >/dev/null 2>&1
pipe_run
t_eq "new version anchored" "$RUN_RC" 0
t_eq "proxy serves the new version at once" "$(curl -s "$CDN_URL/$D/did.jsonl" | wc -l)" $((old + 1))
t_check "old ETag -> 200 with the new bytes" has "$(hdr "$CDN_URL/$D/did.jsonl" -H "If-None-Match: $et")" 'HTTP/1.1 200 OK'
# the real read path: didverify over the proxy, against the chain
t_expect_rc "didverify DID --base-url (the proxy) --rpc: anchored" 0 "$DV" "$("$TT" did 0)" --base-url "$CDN_URL" --rpc "$RPC_URL" --contract "$WA_CONTRACT"
t_check "proxy log: logs never served from the cache" bash -c "! grep -E ' (HIT|STALE|UPDATING) GET /\\.well-known/' '$T_TMP/cdn/access.log'"
t_done
