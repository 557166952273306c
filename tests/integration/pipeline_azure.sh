#!/usr/bin/env bash
# pipeline_azure.sh -- `anchord run` publishing to Azure Blob Storage (Azurite on 127.0.0.1,
# a public-read container): 200 DIDs and 600 events anchored and published with conditional
# Put Blob, every file valid, roots on chain, the files served to anonymous readers with
# their headers, and every history ANCHORED by didverify --base-url reading Azurite itself;
# an operator's narrow CORS rule refused at start-up unless WA_STORE_CORS=off.
# Then Azure faults through test-tool faultproxy (answers lost after the write, 409s,
# 503s): no event lost, none twice, one anchor per batch. WA_SKIP_AZURITE=1 skips it.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
[ -n "${WA_SKIP_AZURITE:-}" ] && { echo "SKIP pipeline_azure: WA_SKIP_AZURITE is set"; t_done; exit; }
pipe_env_azure wapipe
DV=$WA_ROOT/$BIN/didverify
count() { WA_RPC_URLS=$RPC_URL "$AD" batch-count 2>/dev/null; }

t_check "register 200 DIDs" "$TT" enqueue-dids 0 200
pipe_run
t_eq "genesis batch on Azure" "$RUN_RC $(count)" "0 1"
"$TT" events 0 200 600 az >"$T_TMP/events.jsonl"
t_expect_rc "submit 600" 0 "$AD" submit "$T_TMP/events.jsonl"
pipe_run
t_eq "event batch on Azure" "$RUN_RC $(count)" "0 2"
"$TT" check >"$T_TMP/check.out" 2>"$T_TMP/check.err"
t_eq "Azure: every file valid" "$?" 0
t_check "Azure: summary" grep -q "summary dids=200 entries=800 batches=2 staging=0 failures=0" "$T_TMP/check.out"
t_eq "Azure: 600 events published once each" "$(grep -c '^event .* az-' "$T_TMP/check.out")" 600
t_check "Azure: roots on chain" pipe_chain_roots "$T_TMP/check.out"
BASE=$AZ_BLOB_ENDPOINT/wapipe
SCID0=$("$TT" did 0 | cut -d: -f3)
H=$(curl -s -D - -o /dev/null "$BASE/.well-known/did/$SCID0/did.jsonl" | tr -d '\r')
grep -qi '^content-type: text/jsonl' <<<"$H" && grep -qi '^cache-control: no-cache' <<<"$H" &&
    t_ok "did.jsonl served anonymously as text/jsonl, no-cache" || t_fail "headers" "$H"

# didverify reads Azurite directly (public-read container) and trusts only the chain.
t_expect_rc "anchors export" 0 env -u WA_RPC_URLS "$DV" anchors export --rpc "$RPC_URL" --contract "$WA_CONTRACT" --out "$T_TMP/anchors.json"
for n in $(seq 0 199); do "$TT" did "$n"; done >"$T_TMP/dids"
xargs -P 2 -I{} sh -c '"$0" "{}" --base-url "$1" --anchors "$2" >/dev/null 2>&1; echo "$?"' \
    "$DV" "$BASE" "$T_TMP/anchors.json" <"$T_TMP/dids" | sort | uniq -c | awk '{print $2 ":" $1}' | tr '\n' ' ' >"$T_TMP/dv"
t_eq "didverify --base-url Azurite: all 200 ANCHORED (exit 0)" "$(cat "$T_TMP/dv")" "0:200 "
t_expect_rc "didverify: a batch manifest from Azurite rebuilds to the chain's root" 0 \
    env -u WA_RPC_URLS "$DV" batch 1 --base-url "$BASE" --anchors "$T_TMP/anchors.json"

scenario attack azure-pipeline-cors-narrow \
    "the account's blob service has only an operator's CORS rule for one origin (Azure CORS is account-wide) when anchord run starts" \
    "anchord run refuses (exit 3, no anchor) and leaves the rule as it was; WA_STORE_CORS=off (a CDN adds CORS) runs the batch"
svcProps() { node "$WA_ROOT/tests/node/azblob.mjs" req "$@" >"$T_TMP/props.out" 2>&1; }
printf '%s' '<?xml version="1.0" encoding="utf-8"?><StorageServiceProperties><Cors><CorsRule><AllowedOrigins>https://only.example</AllowedOrigins><AllowedMethods>GET</AllowedMethods><MaxAgeInSeconds>60</MaxAgeInSeconds><ExposedHeaders>ETag</ExposedHeaders><AllowedHeaders>*</AllowedHeaders></CorsRule></Cors></StorageServiceProperties>' >"$T_TMP/cors-narrow.xml"
t_check "operator's narrow CORS rule set" svcProps PUT "/?restype=service&comp=properties" Content-Type:application/xml --body "$T_TMP/cors-narrow.xml"
"$TT" events 0 12 24 narrow >"$T_TMP/narrow.jsonl"; "$AD" submit "$T_TMP/narrow.jsonl" >/dev/null 2>&1
pipe_run
t_eq "narrow CORS rule: anchord run refuses (exit 3), no anchor" "$RUN_RC $(count)" "3 2"
t_check "the refusal names the CORS rule and the way out" grep -q 'CORS.*WA_STORE_CORS' "$RUN_LOG"
svcProps GET "/?restype=service&comp=properties"
t_check "the operator's rule is left as it was" grep -q 'only.example' "$T_TMP/props.out"
WA_STORE_CORS=off pipe_run
t_eq "WA_STORE_CORS=off: the batch runs" "$RUN_RC $(count)" "0 3"
printf '%s' '<?xml version="1.0" encoding="utf-8"?><StorageServiceProperties><Cors></Cors></StorageServiceProperties>' >"$T_TMP/cors-none.xml"
svcProps PUT "/?restype=service&comp=properties" Content-Type:application/xml --body "$T_TMP/cors-none.xml"
"$TT" events 0 12 24 corsback >"$T_TMP/corsback.jsonl"; "$AD" submit "$T_TMP/corsback.jsonl" >/dev/null 2>&1
pipe_run
svcProps GET "/?restype=service&comp=properties"
t_eq "rules removed: the next run sets ours again and anchors" "$RUN_RC $(count) $(grep -c '<AllowedOrigins>\*</AllowedOrigins>' "$T_TMP/props.out")" "0 4 1"

# Faults between the worker and Azure.
source "$WA_ROOT/tests/svc/fault_env.sh"
fault_proxy "$AZ_PORT"
export AZURE_STORAGE_CONNECTION_STRING="AccountName=$AZ_ACCOUNT;AccountKey=$AZ_KEY;BlobEndpoint=http://127.0.0.1:$PP/$AZ_ACCOUNT" WA_STORE_RETRIES=4

scenario fault azure-pipeline-answer-lost "did.jsonl Put Blobs applied by Azure but answered 500, and one answered 409 without an error code" \
    "ambiguous: the store reads the blob's Content-MD5 back, finds its own bytes: done; one anchor, no duplicate line"
rules 'method=PUT path=did.jsonl nth=2 fwd status 500' 'method=PUT path=did.jsonl nth=5 fwd status 409'
mark lost; events lost
pipe_run
t_eq "answer lost: exit 0" "$RUN_RC" 0
t_eq "answer lost: injected twice" "$(since lost | grep -c -- '-> fwd status')" 2
invariants lost 1

scenario fault azure-pipeline-5xx "Azure answers 503 to a quarter of the Put Blobs (seeded) and 500 to a did.jsonl GET (not applied)" \
    "the store retries with back-off; the batch completes, one anchor"
rules 'method=PUT path=/.well-known/did/ frac=0.25 status 503' 'method=GET path=did.jsonl nth=2 status 500'
mark s5xx; events s5xx
pipe_run
t_eq "5xx: exit 0" "$RUN_RC" 0
t_check "5xx: injected" test "$(since s5xx | grep -c -- '-> status')" -gt 2
invariants s5xx 1
t_done
