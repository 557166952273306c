#!/usr/bin/env bash
# anchord_dids.sh -- genesis logs into the queue: POST /dids (curl) and `anchord submit --dids`
# with the rules of anchord/ingest/genesis.h, against a real redis-server. The logs are made
# by `didlog create` (our did:webvh v1.0 writer, interop-tested with didwebvh-ts in didlog.sh).
source "$(dirname "$0")/../lib.sh"
AD=$WA_ROOT/$BIN/anchord
DL=$WA_ROOT/$BIN/didlog
svc_need redis
HTTP_PORT=$(freeport)
export WA_REDIS_URL=redis://127.0.0.1:$REDIS_PORT WA_LISTEN=127.0.0.1:$HTTP_PORT WA_DOMAIN=dpp.example.com
unset WA_PUBLISHER_KEY WA_WITNESS_KEY WA_WITNESS_KEY_FILE WA_CONFIG
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
URL=http://127.0.0.1:$HTTP_PORT
K=$T_TMP/keys; mkdir -p "$K"
for k in pub other wit; do "$DL" keygen --out "$K/$k.key" >/dev/null; done
export WA_PUBLISHER_KEY_FILE=$K/pub.key

n=0
# gen OUT [didlog create args...]: a genesis log at the hosting path <prefix>/<scid>
# (WA_PREFIX .well-known/did), e.g. witnessed by the publisher key.
gen() {
    local out=$T_TMP/$1; shift
    n=$((n + 1))
    "$DL" create --time "2025-01-01T00:00:$(printf %02d $n)Z" --out "$out" "$@" \
        --path .well-known --path did --path '{SCID}' >/dev/null || t_fail "didlog create $*"
}
gen good.jsonl --domain dpp.example.com --update-key "$K/pub.key" --witness "$K/pub.key"

t_expect_rc "serve without a publisher key refuses to start (exit 3)" 3 env WA_PUBLISHER_KEY_FILE= "$AD" serve
t_check "and names the setting" grep -q "WA_PUBLISHER_KEY_FILE" "$T_TMP/last.err"
chmod 644 "$K/other.key"
t_expect_rc "serve with a 0644 key file refuses to start (exit 3)" 3 env WA_PUBLISHER_KEY_FILE="$K/other.key" "$AD" serve
t_check "and says 0600" grep -q "0600" "$T_TMP/last.err"
chmod 600 "$K/other.key"

"$AD" serve >"$T_TMP/serve.log" 2>&1 &
T_PIDS+=($!)
wait_port "$HTTP_PORT" 10 || { t_fail serve "did not listen: $(cat "$T_TMP/serve.log")"; t_done; exit 1; }
t_check "no shape-only warning (the verifier is wired)" bash -c "! grep -q 'shape of genesis logs only' '$T_TMP/serve.log'"

post() {   # FILE -> CODE, RESP
    CODE=$(curl -s -o "$T_TMP/resp" -w '%{http_code}' -H "Content-Type: application/jsonl" --data-binary @"$T_TMP/$1" "$URL/dids")
    RESP=$(cat "$T_TMP/resp")
}
expect() {   # NAME CODE ERROR [DETAIL-REGEX]
    if [ "$CODE" = "$2" ] && { [ -z "${3:-}" ] || grep -q "\"error\":\"$3\"" <<<"$RESP"; } &&
       { [ -z "${4:-}" ] || grep -qE "$4" <<<"$RESP"; }; then t_ok "$1"
    else t_fail "$1" "got $CODE $RESP, want $2 ${3:-} ${4:-}"; fi
}
dids() { RCLI XLEN 'wa:{s0}:dids'; }

SCID=$(head -1 "$T_TMP/good.jsonl" | sed 's/.*"scid":"\([^"]*\)".*/\1/')
post good.jsonl; expect "valid genesis: 202" 202
t_eq "202 names the SCID" "$RESP" "{\"scid\":\"$SCID\",\"status\":\"queued\"}"
t_eq "queued on the dids stream" "$(dids)" 1
post good.jsonl; expect "same genesis again: 409" 409 replay

# every rule, each refusal changes nothing
"$DL" update "$T_TMP/good.jsonl" --key "$K/pub.key" --time 2025-02-01T00:00:00Z --add-service \
    '{"id":"#s","type":"X","serviceEndpoint":"https://x.example"}' --out "$T_TMP/two.jsonl" >/dev/null 2>&1 ||
    { cp "$T_TMP/good.jsonl" "$T_TMP/two.jsonl"; "$DL" update "$T_TMP/two.jsonl" --key "$K/pub.key" \
      --time 2025-02-01T00:00:00Z --ttl 60 >/dev/null; }
post two.jsonl; expect "two entries: 422" 422 invalid "exactly one entry"
gen nowit.jsonl --domain dpp.example.com --update-key "$K/pub.key"
post nowit.jsonl; expect "no witness: 422" 422 invalid "witness"
gen otherwit.jsonl --domain dpp.example.com --update-key "$K/pub.key" --witness "$K/other.key"
post otherwit.jsonl; expect "another witness: 422" 422 invalid "witness"
gen two-wit.jsonl --domain dpp.example.com --update-key "$K/pub.key" --witness "$K/pub.key" --witness "$K/other.key" --threshold 1
post two-wit.jsonl; expect "a second witness who could witness alone: 422" 422 invalid "witness"
gen thr2.jsonl --domain dpp.example.com --update-key "$K/pub.key" --witness "$K/pub.key" --witness "$K/other.key" --threshold 2
post thr2.jsonl; expect "threshold 2: 422" 422 invalid "threshold"
gen notours.jsonl --domain dpp.example.com --update-key "$K/other.key" --witness "$K/pub.key"
post notours.jsonl; expect "updateKeys without the publisher key: 401" 401 bad_signature "updateKeys"
gen domain.jsonl --domain elsewhere.example.com --update-key "$K/pub.key" --witness "$K/pub.key"
post domain.jsonl; expect "another domain: 422" 422 invalid "WA_DOMAIN"
n=$((n + 1))
"$DL" create --time "2025-01-01T00:00:$(printf %02d $n)Z" --out "$T_TMP/nopath.jsonl" --domain dpp.example.com \
    --update-key "$K/pub.key" --witness "$K/pub.key" >/dev/null
post nopath.jsonl; expect "not at the hosting path <prefix>/<scid>: 422" 422 invalid "where this service publishes it"
"$DL" create --time "2025-01-01T00:01:00Z" --out "$T_TMP/portable.jsonl" --domain dpp.example.com --update-key "$K/pub.key" \
    --witness "$K/pub.key" --path .well-known --path did --path '{SCID}' --portable >/dev/null
post portable.jsonl; expect "portable: 422" 422 invalid "portable"
gen tamper.jsonl --domain dpp.example.com --update-key "$K/pub.key" --witness "$K/pub.key"
sed -i 's/"proofValue":"z\(.\)/"proofValue":"z\1\1/' "$T_TMP/tamper.jsonl"
post tamper.jsonl; expect "tampered proof: 401" 401 bad_signature
printf 'not json\n' >"$T_TMP/garbage.jsonl"
post garbage.jsonl; expect "not JSON: 400" 400 malformed
t_eq "no refusal queued anything" "$(dids)" 1

# a DID already in the registry (anchored earlier) cannot be registered again
gen reg.jsonl --domain dpp.example.com --update-key "$K/pub.key" --witness "$K/pub.key"
RS=$(head -1 "$T_TMP/reg.jsonl" | sed 's/.*"scid":"\([^"]*\)".*/\1/')
RCLI HSET "wa:{s0}:did:$RS" did "did:webvh:$RS:dpp.example.com" versionId 1-x etag e keys '[]' >/dev/null
post reg.jsonl; expect "registered DID: 409" 409 replay "already registered"
t_check "metrics count registrations" bash -c "curl -s '$URL/metrics' | grep -q '^dids_registered_total 1$'"

# anchord submit --dids: the same rules without HTTP; one JSON result per file
gen s1.jsonl --domain dpp.example.com --update-key "$K/pub.key" --witness "$K/pub.key"
t_expect_rc "submit --dids good: exit 0" 0 "$AD" submit --dids "$T_TMP/s1.jsonl"
t_check "result line queued" grep -q '"status":"queued"' "$T_TMP/last.out"
t_eq "submitted genesis queued" "$(dids)" 2
t_expect_rc "submit --dids mixed: exit 1" 1 "$AD" submit --dids "$T_TMP/s1.jsonl" "$T_TMP/nowit.jsonl"
t_eq "one result per file" "$(wc -l <"$T_TMP/last.out")" 2
t_check "replay reported" grep -q '"code":409' "$T_TMP/last.out"
t_expect_rc "submit --dids missing file: exit 3" 3 "$AD" submit --dids "$T_TMP/none.jsonl"
t_expect_rc "submit --dids without publisher key: exit 3" 3 env WA_PUBLISHER_KEY_FILE= "$AD" submit --dids "$T_TMP/s1.jsonl"
gen s2.jsonl --domain dpp.example.com --update-key "$K/pub.key" --witness "$K/pub.key"
t_expect_rc "submit --dids Redis down: exit 4" 4 env WA_REDIS_URL=redis://127.0.0.1:1 "$AD" submit --dids "$T_TMP/s2.jsonl"
t_expect_rc "publisher key from the environment (key file JSON)" 0 \
    env WA_PUBLISHER_KEY_FILE= WA_PUBLISHER_KEY="$(cat "$K/pub.key")" "$AD" submit --dids "$T_TMP/s2.jsonl"
t_expect_rc "key file and env both set: exit 3" 3 env WA_PUBLISHER_KEY="$(cat "$K/pub.key")" "$AD" submit --dids "$T_TMP/s2.jsonl"
t_check "says use one" grep -q "use one" "$T_TMP/last.err"
t_check "secret never printed" bash -c "! grep -q secretKeyMultibase '$T_TMP/last.err' '$T_TMP/last.out'"

# a separate witness key (WA_WITNESS_KEY_FILE): genesis logs must name it instead
gen w1.jsonl --domain dpp.example.com --update-key "$K/pub.key" --witness "$K/wit.key"
gen w2.jsonl --domain dpp.example.com --update-key "$K/pub.key" --witness "$K/pub.key"
t_expect_rc "WA_WITNESS_KEY_FILE: its did:key accepted" 0 env WA_WITNESS_KEY_FILE="$K/wit.key" "$AD" submit --dids "$T_TMP/w1.jsonl"
t_expect_rc "WA_WITNESS_KEY_FILE: the publisher's refused" 1 env WA_WITNESS_KEY_FILE="$K/wit.key" "$AD" submit --dids "$T_TMP/w2.jsonl"
t_check "names the witness expected" grep -q "$(sed 's/.*"publicKeyMultibase":"\([^"]*\)".*/\1/' "$K/wit.key")" "$T_TMP/last.out"
t_done
