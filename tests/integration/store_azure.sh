#!/usr/bin/env bash
# store_azure.sh -- the object-store suite against Azure Blob Storage as Azurite emulates
# it (npm azurite 3.35.0 on 127.0.0.1, tests/svc/azurite.sh): the conformance suite and the
# 16-writer races that the file store and radosgw pass (tests/integration/store.sh), the
# three credential forms (connection string, account + key, SAS), connection reuse,
# headers and CORS (GET and preflight) as an anonymous browser sees them, no metadata on
# blobs, an operator's CORS rules kept (a narrower one refused), `seed
# seed-storage --store azblob://` (create-only, the page too), missing keys and
# containers, bad credentials (a specific error at open or probe), secrets kept out of
# traces and errors, conditions stripped by a proxy (the probe refuses), and lost or
# ambiguous answers to conditional Put Blob (test-tool faultproxy).
# WA_SKIP_AZURITE=1 skips it; an Azurite that cannot start is a SKIP line with the reason.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/azurite.sh"

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
# t_grep NAME REGEX FILE: passes when FILE has a line matching REGEX (a code, not prose).
t_grep() { grep -qE "$2" "$3" && t_ok "$1" || t_fail "$1" "$(head -c 300 "$3")"; }

[ -n "${WA_SKIP_AZURITE:-}" ] && t_skip_rest azurite "WA_SKIP_AZURITE is set"
trap 'az_stop "$T_TMP/az"; t_cleanup' EXIT
az_start "$T_TMP/az" 2>"$T_TMP/az.err" || t_skip_rest azurite "Azurite did not start: $(tail -3 "$T_TMP/az.err" | tr '\n' ' ')"
t_ok "Azurite starts (port $AZ_PORT)"
t_check "private container created" az_container "$T_TMP/az" wabkt
t_check "public-read container created" az_container "$T_TMP/az" wapub blob
U=azblob://$AZ_ACCOUNT/wabkt/pfx
CS=$AZURE_STORAGE_CONNECTION_STRING

# ---------------------------------------------------------------- conformance
run_suite azblob "$TT" store -u "$U" suite
run_suite azblob-race "$TT" store -u "$U" race 16 8
t_eq "probe cleaned up (nothing left under _wa/)" "$("$TT" store -u "$U" ls _wa/ 2>&1)" ""
WA_STORE_TRACE=1 "$TT" store -u "$U" probe >/dev/null 2>"$T_TMP/probe.trace"
t_grep "internal objects: the probe writes under <prefix>/_wa/probe/" '^az PUT [^ ]*/wabkt/pfx/_wa/probe/[0-9a-f]+ -> 201' "$T_TMP/probe.trace"

# CLI exit codes as for the other stores.
echo '{"a":1}' >"$T_TMP/o.json"
t_expect_rc "cli: get missing -> 3" 3 "$TT" store -u "$U" get cli/none.json
t_expect_rc "cli: put-if-absent" 0 "$TT" store -u "$U" put cli/o.json "$T_TMP/o.json" --if-absent
etag=$(cat "$T_TMP/last.out")
t_expect_rc "cli: put-if-absent again -> 4" 4 "$TT" store -u "$U" put cli/o.json "$T_TMP/o.json" --if-absent
t_expect_rc "cli: put-if-match stale -> 4" 4 "$TT" store -u "$U" put cli/o.json "$T_TMP/o.json" --if-match 0x8D0000000000000
t_expect_rc "cli: put-if-match current" 0 "$TT" store -u "$U" put cli/o.json "$T_TMP/o.json" --if-match "$etag"
t_expect_rc "cli: ls" 0 "$TT" store -u "$U" ls cli/
t_eq "cli: ls lists the key and its size" "$(cat "$T_TMP/last.out")" "$(printf '8\tcli/o.json')"
t_expect_rc "cli: rm" 0 "$TT" store -u "$U" rm cli/o.json
t_expect_rc "cli: get after rm -> 3" 3 "$TT" store -u "$U" get cli/o.json
t_expect_rc "no prefix: probe at the container root" 0 "$TT" store -u "azblob://$AZ_ACCOUNT/wabkt" probe

# ---------------------------------------------------------------- credential forms
SAS=$(node "$WA_ROOT/tests/node/azblob.mjs" sas racwdl)
SASR=$(node "$WA_ROOT/tests/node/azblob.mjs" sas rl)
keyenv=(env -u AZURE_STORAGE_CONNECTION_STRING AZURE_STORAGE_ACCOUNT="$AZ_ACCOUNT" AZURE_STORAGE_KEY="$AZ_KEY"
        AZURE_STORAGE_SERVICE_ENDPOINT="$AZ_BLOB_ENDPOINT")
sasenv=(env -u AZURE_STORAGE_CONNECTION_STRING AZURE_STORAGE_SAS_TOKEN="?$SAS" AZURE_STORAGE_SERVICE_ENDPOINT="$AZ_BLOB_ENDPOINT")
t_expect_rc "account + key from AZURE_STORAGE_ACCOUNT/KEY: probe" 0 "${keyenv[@]}" "$TT" store -u "$U" probe
t_grep "account + key: Shared Key used" 'Shared Key\): conditional writes honoured' "$T_TMP/last.out"
t_expect_rc "SAS from AZURE_STORAGE_SAS_TOKEN: probe" 0 "${sasenv[@]}" "$TT" store -u "$U" probe
t_grep "SAS: used" 'SAS\): conditional writes honoured' "$T_TMP/last.out"
run_suite azblob-sas "${sasenv[@]}" "$TT" store -u "azblob://$AZ_ACCOUNT/wabkt/sas" suite
t_expect_rc "SAS in the connection string: probe" 0 \
    env AZURE_STORAGE_CONNECTION_STRING="BlobEndpoint=$AZ_BLOB_ENDPOINT;SharedAccessSignature=$SAS" "$TT" store -u "$U" probe
t_expect_rc "key written by one form, read by another" 0 "${sasenv[@]}" "$TT" store -u "$U" put forms/x.json "$T_TMP/o.json"
t_expect_rc "... read with the account key" 0 "${keyenv[@]}" "$TT" store -u "$U" get forms/x.json
t_eq "... same bytes" "$(cat "$T_TMP/last.out")" "$(cat "$T_TMP/o.json")"

# Connection reuse: 300 puts, 4 in flight, then sequential gets: at most 4 connections.
WA_STORE_TRACE=1 WA_STORE_PARALLEL=4 "$TT" store -u "$U" bulk 300 100 reuse >/dev/null 2>"$T_TMP/trace"
t_eq "bulk: 300 Put Blob traced" "$(grep -c '^az PUT .* -> 201' "$T_TMP/trace")" 300
t_eq "bulk: 300 Put Blob over 4 kept-alive connections" "$(grep -c 'new connections 1)' "$T_TMP/trace")" 4

# ---------------------------------------------------------------- headers, CORS, reading
P=azblob://$AZ_ACCOUNT/wapub
PUB=$AZ_BLOB_ENDPOINT/wapub
"$TT" store -u "$P" put d/did.jsonl "$T_TMP/o.json" >/dev/null
"$TT" store -u "$P" put batches/7.json "$T_TMP/o.json" >/dev/null
echo '<!doctype html>' >"$T_TMP/i.html"; "$TT" store -u "$P" put index.html "$T_TMP/i.html" >/dev/null
hdr() { curl -s -D - -o /dev/null "$@" | tr -d '\r'; }
h=$(hdr "$PUB/d/did.jsonl")
grep -qi '^content-type: text/jsonl$' <<<"$h" && grep -qi '^cache-control: no-cache$' <<<"$h" \
    && t_ok "did.jsonl (anonymous GET): text/jsonl, no-cache" || t_fail "did.jsonl headers" "$h"
h=$(hdr "$PUB/batches/7.json")
grep -qi '^content-type: application/json$' <<<"$h" && grep -qi '^cache-control: public, max-age=31536000, immutable$' <<<"$h" \
    && t_ok "batches/*.json: application/json, immutable" || t_fail "batch headers" "$h"
grep -qi '^etag: "0x' <<<"$h" && t_ok "ETag served to readers" || t_fail "ETag header" "$h"
h=$(hdr "$PUB/index.html")
grep -qi '^content-type: text/html; charset=utf-8$' <<<"$h" && t_ok "index.html: text/html" || t_fail "html headers" "$h"
t_eq "anonymous GET of the public container returns the bytes" "$(curl -s "$PUB/d/did.jsonl")" "$(cat "$T_TMP/o.json")"
code=$(curl -s -o /dev/null -w '%{http_code}' "$AZ_BLOB_ENDPOINT/wabkt/pfx/forms/x.json")
[[ $code == 40[34] ]] && t_ok "the private container refuses anonymous reads ($code)" || t_fail "private container anonymous read" "HTTP $code"

h=$(hdr -H "Origin: https://verifier.example" "$PUB/d/did.jsonl")
grep -qi '^access-control-allow-origin' <<<"$h" && t_fail "no CORS before the rule is set" "$h" || t_ok "no CORS before the rule is set"
t_expect_rc "cors: account rule set" 0 "$TT" store -u "$P" cors
for o in https://verifier.example http://localhost:8080; do
    h=$(hdr -H "Origin: $o" "$PUB/d/did.jsonl")
    grep -qiE "^access-control-allow-origin: (\*|$o)\$" <<<"$h" && grep -qi '^access-control-expose-headers: etag' <<<"$h" \
        && t_ok "cors GET: $o may read, ETag exposed" || t_fail "cors GET header for $o" "$h"
    h=$(hdr -X OPTIONS -H "Origin: $o" -H 'Access-Control-Request-Method: GET' "$PUB/d/did.jsonl")
    grep -q '^HTTP/1.1 200' <<<"$h" && grep -qiE "^access-control-allow-origin: (\*|$o)\$" <<<"$h" &&
        grep -qi '^access-control-allow-methods: .*GET' <<<"$h" \
        && t_ok "cors preflight: $o may GET" || t_fail "cors preflight for $o" "$h"
done
h=$(hdr -X OPTIONS -H "Origin: https://verifier.example" -H 'Access-Control-Request-Method: PUT' "$PUB/d/did.jsonl")
grep -q '^HTTP/1.1 403' <<<"$h" && t_ok "cors preflight: PUT is not allowed" || t_fail "cors preflight PUT" "$h"

# seed seed-storage: create-only bulk upload of genesis logs and the page into Azure.
"$BIN/didlog" keygen --out "$T_TMP/pub.key" >/dev/null
"$BIN/seed" generate-identities --count-per-kind 4 --domain dpp.example.com --publisher-key "$T_TMP/pub.key" \
    --out "$T_TMP/ids" >/dev/null 2>&1
t_expect_rc "seed-storage --store azblob:// --page" 0 "$BIN/seed" seed-storage --identities "$T_TMP/ids" \
    --store "azblob://$AZ_ACCOUNT/wapub/seed" --page seed/www/index.html --quiet
t_grep "seed-storage: 12 uploaded" 'store azblob://.*: 12 uploaded, 0 already present, 0 failed' "$T_TMP/last.out"
t_eq "seed-storage: 12 logs and the page in the container" \
    "$("$TT" store -u "azblob://$AZ_ACCOUNT/wapub/seed" ls | grep -c '/did.jsonl$') $("$TT" store -u "azblob://$AZ_ACCOUNT/wapub/seed" ls | cut -f2 | grep -c '^index.html$')" "12 1"
t_expect_rc "seed-storage again" 0 "$BIN/seed" seed-storage --identities "$T_TMP/ids" --store "azblob://$AZ_ACCOUNT/wapub/seed" --quiet
t_grep "seed-storage again: logs kept (create-only)" ': 0 uploaded, 12 already present, 0 failed' "$T_TMP/last.out"
k=$(cd "$T_TMP/ids/public" && find . -name did.jsonl | head -1 | sed 's|^\./||')
t_eq "a genesis log served anonymously, byte for byte" "$(curl -s "$PUB/seed/$k" | sha256sum)" "$(sha256sum <"$T_TMP/ids/public/$k")"

# ---------------------------------------------------------------- errors
t_expect_rc "missing key -> not found (3)" 3 "$TT" store -u "$U" get no/such.json
t_expect_rc "missing container: probe fails" 1 "$TT" store -u "azblob://$AZ_ACCOUNT/nosuchcont" probe
t_grep "missing container: ContainerNotFound" '404 ContainerNotFound' "$T_TMP/last.err"
t_expect_rc "get from a missing container is an error, not 'not found'" 1 "$TT" store -u "azblob://$AZ_ACCOUNT/nosuchcont" get x.json
t_expect_rc "delete in a missing container is an error" 1 "$TT" store -u "azblob://$AZ_ACCOUNT/nosuchcont" rm x.json
t_expect_rc "bad URL: container name" 1 "$TT" store -u "azblob://$AZ_ACCOUNT/No_Such" probe
t_grep "bad URL: says what a container name is" 'container name must be' "$T_TMP/last.err"
t_expect_rc "bad URL: no container" 1 "$TT" store -u "azblob://$AZ_ACCOUNT" probe

WRONG=$(head -c 64 /dev/urandom | base64 -w0)
t_expect_rc "wrong account key -> probe fails" 1 \
    env AZURE_STORAGE_CONNECTION_STRING="AccountName=$AZ_ACCOUNT;AccountKey=$WRONG;BlobEndpoint=$AZ_BLOB_ENDPOINT" "$TT" store -u "$U" probe
t_grep "wrong key: 403, names the setting" 'HTTP 403 (AuthenticationFailed|AuthorizationFailure).*from AZURE_STORAGE_CONNECTION_STRING' "$T_TMP/last.err"
t_expect_rc "wrong AZURE_STORAGE_KEY -> probe fails" 1 \
    env -u AZURE_STORAGE_CONNECTION_STRING AZURE_STORAGE_KEY="$WRONG" AZURE_STORAGE_SERVICE_ENDPOINT="$AZ_BLOB_ENDPOINT" "$TT" store -u "$U" probe
t_grep "wrong AZURE_STORAGE_KEY: names it" 'HTTP 403 .*from AZURE_STORAGE_KEY' "$T_TMP/last.err"
t_expect_rc "key not base64 -> open fails" 1 env -u AZURE_STORAGE_CONNECTION_STRING AZURE_STORAGE_KEY='not*base64' "$TT" store -u "$U" probe
t_grep "key not base64: names the setting" 'AZURE_STORAGE_KEY: the account key is not base64' "$T_TMP/last.err"
t_expect_rc "forged SAS signature -> probe fails" 1 \
    env -u AZURE_STORAGE_CONNECTION_STRING AZURE_STORAGE_SAS_TOKEN="${SAS/sig=/sig=AAAA}" AZURE_STORAGE_SERVICE_ENDPOINT="$AZ_BLOB_ENDPOINT" "$TT" store -u "$U" probe
t_grep "forged SAS: 403 from AZURE_STORAGE_SAS_TOKEN" 'HTTP 403 .*from AZURE_STORAGE_SAS_TOKEN' "$T_TMP/last.err"
t_expect_rc "read-only SAS -> probe refuses (cannot write)" 1 \
    env -u AZURE_STORAGE_CONNECTION_STRING AZURE_STORAGE_SAS_TOKEN="$SASR" AZURE_STORAGE_SERVICE_ENDPOINT="$AZ_BLOB_ENDPOINT" "$TT" store -u "$U" probe
t_grep "read-only SAS: permission named" 'HTTP 403 AuthorizationPermissionMismatch' "$T_TMP/last.err"
t_expect_rc "SAS without a signature -> open fails" 1 \
    env -u AZURE_STORAGE_CONNECTION_STRING AZURE_STORAGE_SAS_TOKEN="sv=2024-11-04&sp=r" "$TT" store -u "$U" probe
t_grep "SAS without a signature: says so" 'AZURE_STORAGE_SAS_TOKEN: not a SAS token' "$T_TMP/last.err"
t_expect_rc "no credentials -> open fails" 1 env -u AZURE_STORAGE_CONNECTION_STRING "$TT" store -u "$U" probe
t_grep "no credentials: says which settings" 'AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_KEY' "$T_TMP/last.err"
t_expect_rc "connection string for another account -> open fails" 1 "$TT" store -u azblob://otheraccount/wabkt probe
t_grep "other account: names both" 'names account devstoreaccount1, the store URL otheraccount' "$T_TMP/last.err"
t_expect_rc "unknown account on the server -> probe fails" 1 env -u AZURE_STORAGE_CONNECTION_STRING \
    AZURE_STORAGE_KEY="$AZ_KEY" AZURE_STORAGE_SERVICE_ENDPOINT="http://127.0.0.1:$AZ_PORT/otheraccount" "$TT" store -u azblob://otheraccount/wabkt probe
t_grep "unknown account: ResourceNotFound" 'HTTP 404 ResourceNotFound' "$T_TMP/last.err"
t_expect_rc "UseDevelopmentStorage -> open fails" 1 env AZURE_STORAGE_CONNECTION_STRING="UseDevelopmentStorage=true" "$TT" store -u "$U" probe
down=$(freeport)
t0=$SECONDS
t_expect_rc "server down -> error" 1 env WA_STORE_RETRIES=2 \
    AZURE_STORAGE_CONNECTION_STRING="AccountName=$AZ_ACCOUNT;AccountKey=$AZ_KEY;BlobEndpoint=http://127.0.0.1:$down/$AZ_ACCOUNT" "$TT" store -u "$U" probe
t_grep "server down: cannot reach, after retries" 'cannot reach .*\(3 attempts\)' "$T_TMP/last.err"
[ $((SECONDS - t0)) -lt 10 ] && t_ok "server down: fails fast" || t_fail "server down: fails fast" "$((SECONDS - t0)) s"

# ---------------------------------------------------------------- attacks and faults
scenario attack azure-write-id-metadata \
    "an anonymous reader HEADs blobs written with If-None-Match: * and If-Match in a public container, looking for what the writer attached" \
    "no x-ms-meta-* header: nothing but the bytes, Content-Type and Cache-Control is attached (as on S3, docs/store.md)"
etag=$("$TT" store -u "$P" put meta/a.json "$T_TMP/o.json" --if-absent)
"$TT" store -u "$P" put meta/a.json "$T_TMP/i.html" --if-match "$etag" >/dev/null
"$TT" store -u "$P" put meta/b.json "$T_TMP/o.json" >/dev/null
for k in meta/a.json meta/b.json; do
    h=$(hdr "$PUB/$k")
    grep -q '^HTTP/1.1 200' <<<"$h" && ! grep -qi '^x-ms-meta-' <<<"$h" \
        && t_ok "azure-write-id-metadata: $k has no x-ms-meta-*" || t_fail "azure-write-id-metadata: $k" "$(grep -i 'HTTP/\|x-ms-meta' <<<"$h")"
done

# props METHOD [FILE]: Get/Set Blob Service Properties (signed by tests/node/azblob.mjs, not
# by the store); the answer in $T_TMP/props.out.
props() {
    node "$WA_ROOT/tests/node/azblob.mjs" req "$1" "/?restype=service&comp=properties" \
        ${2:+Content-Type:application/xml --body "$2"} >"$T_TMP/props.out" 2>&1
}
# corsXml RULE...: a StorageServiceProperties body holding only <Cors> with these rules
# (each "ORIGINS|METHODS|EXPOSED"); other properties are left as they are by the server.
corsXml() {
    local r o m x
    printf '<?xml version="1.0" encoding="utf-8"?><StorageServiceProperties><Cors>'
    for r in "$@"; do
        IFS='|' read -r o m x <<<"$r"
        printf '<CorsRule><AllowedOrigins>%s</AllowedOrigins><AllowedMethods>%s</AllowedMethods>' "$o" "$m"
        printf '<MaxAgeInSeconds>60</MaxAgeInSeconds><ExposedHeaders>%s</ExposedHeaders><AllowedHeaders>*</AllowedHeaders></CorsRule>' "$x"
    done
    printf '</Cors></StorageServiceProperties>'
}
scenario attack azure-cors-operator-rules \
    "the account's blob service already has CORS rules of its operator: only one that lets https://only.example read, or an open rule beside another (Azure CORS is account-wide: other containers' readers depend on them)" \
    "storeSetCors as on S3: only narrower rules -> refused (exit 1), the rules left as they were; an open rule present -> OK, nothing rewritten; no rule -> ours is set"
corsXml 'https://only.example|GET|etag' >"$T_TMP/cors-narrow.xml"
t_check "operator's narrow rule set" props PUT "$T_TMP/cors-narrow.xml"
t_expect_rc "only a narrower rule: cors refuses" 1 "$TT" store -u "$P" cors
t_grep "narrower rule: the refusal names the CORS rule" 'CORS' "$T_TMP/last.err"
props GET
t_eq "narrower rule: left as it was (one rule, only.example)" \
    "$(grep -o '<CorsRule>' "$T_TMP/props.out" | wc -l) $(grep -c 'only.example' "$T_TMP/props.out")" "1 1"
corsXml 'https://only.example|GET|x-ms-meta-*' 'https://a.example,*|HEAD,GET|x-ms-meta-*,ETag' >"$T_TMP/cors-two.xml"
t_check "operator's two rules set (the second open)" props PUT "$T_TMP/cors-two.xml"
t_expect_rc "an open rule beside another: cors OK" 0 "$TT" store -u "$P" cors
props GET
t_eq "open rule present: both rules kept as they were" \
    "$(grep -o '<CorsRule>' "$T_TMP/props.out" | wc -l) $(grep -c 'only.example' "$T_TMP/props.out") $(grep -c 'a.example' "$T_TMP/props.out")" "2 1 1"
corsXml 'https://a.example,*|GET|*' >"$T_TMP/cors-star.xml"
t_check "operator's open rule exposing every header (*)" props PUT "$T_TMP/cors-star.xml"
t_expect_rc "ExposedHeaders * covers the ETag: cors OK" 0 "$TT" store -u "$P" cors
props GET
t_check "... the rule untouched" grep -q '<ExposedHeaders>\*</ExposedHeaders>' "$T_TMP/props.out"
corsXml 'https://a.example,*|PUT|ETag' >"$T_TMP/cors-noget.xml"
t_check "operator's rule for any origin but PUT only" props PUT "$T_TMP/cors-noget.xml"
t_expect_rc "any origin but no GET: cors refuses" 1 "$TT" store -u "$P" cors
corsXml >"$T_TMP/cors-none.xml"
t_check "operator's rules removed" props PUT "$T_TMP/cors-none.xml"
t_expect_rc "no rule: cors sets ours" 0 "$TT" store -u "$P" cors
props GET
t_check "... one rule: any origin, GET, ETag exposed" grep -qE \
    '<Cors><CorsRule><AllowedOrigins>\*</AllowedOrigins><AllowedMethods>GET,HEAD</AllowedMethods>.*<ExposedHeaders>ETag</ExposedHeaders>.*</CorsRule></Cors>' "$T_TMP/props.out"

pp=$(freeport)
printf '%s\n' 'strip if-match' 'strip if-none-match' >"$T_TMP/rules"
t_bg "$TT" faultproxy "$pp" "$AZ_PORT" "$T_TMP/rules" 2>>"$T_TMP/proxy.log"
wait_port "$pp" 5
rules() { printf '%s\n' "$@" >"$T_TMP/rules.new"; mv "$T_TMP/rules.new" "$T_TMP/rules"; sleep 0.2; }
viaProxyKey=(env AZURE_STORAGE_CONNECTION_STRING="AccountName=$AZ_ACCOUNT;AccountKey=$AZ_KEY;BlobEndpoint=http://127.0.0.1:$pp/$AZ_ACCOUNT")
viaProxySas=(env -u AZURE_STORAGE_CONNECTION_STRING AZURE_STORAGE_SAS_TOKEN="$SAS" AZURE_STORAGE_SERVICE_ENDPOINT="http://127.0.0.1:$pp/$AZ_ACCOUNT")

scenario attack azure-conditions-stripped-sas \
    "a proxy on the path drops If-Match / If-None-Match from SAS-authorized requests (a SAS signs the URL, not the headers)" \
    "storeProbe refuses to run: ignores If-None-Match: *"
t_expect_rc "SAS, conditions stripped: probe refuses" 1 "${viaProxySas[@]}" "$TT" store -u "$U" probe
t_grep "SAS, conditions stripped: names the ignored condition" 'ignores If-None-Match: \*' "$T_TMP/last.err"
t_expect_rc "SAS, same container direct: probe passes" 0 "${sasenv[@]}" "$TT" store -u "$U" probe

scenario attack azure-conditions-stripped-key \
    "the same proxy on Shared Key requests (If-Match / If-None-Match are part of the string to sign)" \
    "the server refuses the altered request (403); nothing is written unconditionally"
t_expect_rc "Shared Key, conditions stripped: refused" 1 "${viaProxyKey[@]}" "$TT" store -u "$U" put strip/x.json "$T_TMP/o.json" --if-absent
t_grep "Shared Key, conditions stripped: 403" 'HTTP 403' "$T_TMP/last.err"
t_expect_rc "... and nothing was written" 3 "$TT" store -u "$U" get strip/x.json

scenario attack azure-secrets-in-output \
    "a SAS token or account key printed by WA_STORE_TRACE=1 lines or error messages (logs are shipped elsewhere)" \
    "no trace or error line holds the SAS signature or the key"
sig=${SAS##*sig=}
rules pass
"${viaProxySas[@]}" WA_STORE_TRACE=1 "$TT" store -u "$U" put sec/x.json "$T_TMP/o.json" >"$T_TMP/sec.out" 2>&1
env -u AZURE_STORAGE_CONNECTION_STRING AZURE_STORAGE_SAS_TOKEN="${SAS/sig=/sig=AAAA}" AZURE_STORAGE_SERVICE_ENDPOINT="$AZ_BLOB_ENDPOINT" \
    WA_STORE_TRACE=1 "$TT" store -u "$U" probe >>"$T_TMP/sec.out" 2>&1
env AZURE_STORAGE_CONNECTION_STRING="AccountName=$AZ_ACCOUNT;AccountKey=$WRONG;BlobEndpoint=$AZ_BLOB_ENDPOINT" \
    WA_STORE_TRACE=1 "$TT" store -u "$U" probe >>"$T_TMP/sec.out" 2>&1
t_check "trace lines were written" grep -q '^az PUT ' "$T_TMP/sec.out"
sigp=${sig%%%*}   # the signature up to its first %-escape, when long enough to mean anything
[ ${#sigp} -ge 12 ] || sigp=$sig
grep -qF -e "$sig" -e "$sigp" -e "$WRONG" -e "$AZ_KEY" "$T_TMP/sec.out" && t_fail "no secret in trace or errors" "$(head -c 300 "$T_TMP/sec.out")" \
    || t_ok "no secret in trace or errors"

scenario fault azure-put-answer-lost \
    "a conditional Put Blob is applied, but the answer is replaced by 500 (once by 409 with no error code)" \
    "ambiguous: the store reads the blob's Content-MD5 back, finds its own bytes: OK, one write"
rules 'method=PUT path=/lost/a nth=1 fwd status 500' 'method=PUT path=/lost/b nth=1 fwd status 409'
t_expect_rc "500 after the write: put-if-absent is OK" 0 "${viaProxyKey[@]}" "$TT" store -u "$U" put lost/a.json "$T_TMP/o.json" --if-absent
t_expect_rc "409 after the write: put-if-absent is OK" 0 "${viaProxyKey[@]}" "$TT" store -u "$U" put lost/b.json "$T_TMP/o.json" --if-absent
t_eq "the answer was replaced twice, each settled by one HEAD" \
    "$(grep -c -- '/lost/.* -> fwd status' "$T_TMP/proxy.log") $(grep -c 'HEAD .*/lost/' "$T_TMP/proxy.log")" "2 2"

scenario fault azure-put-not-applied \
    "conditional Put Blob answered 503 twice without reaching the server, and a lost race answered 412" \
    "503: read back (unchanged), PUT again: OK; 412: CONFLICT (exit 4), nothing written"
rules 'method=PUT path=/busy/ times=2 status 503'
t_expect_rc "503 twice: put-if-absent ends OK" 0 "${viaProxyKey[@]}" "$TT" store -u "$U" put busy/a.json "$T_TMP/o.json" --if-absent
t_eq "503 twice: 3 PUTs sent" "$(grep -c 'PUT .*/busy/' "$T_TMP/proxy.log")" 3
rules 'method=PUT path=/race/ status 412'
t_expect_rc "412: CONFLICT" 4 "${viaProxyKey[@]}" "$TT" store -u "$U" put race/a.json "$T_TMP/o.json" --if-absent
t_expect_rc "412: nothing written" 3 "$TT" store -u "$U" get race/a.json
t_done
