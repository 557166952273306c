#!/usr/bin/env bash
# redteam_http.sh -- adversarial suite against `anchord serve` at the HTTP and input layer
# (issue 14 "Store, HTTP and input defects"): a real redis-server and the server on a
# loopback port; requests are curl or raw bytes over bash's /dev/tcp. Each scenario
# states the ATTACK and what is EXPECTED (tests/lib.sh `scenario`); every refusal is a
# specific status and error name, and changes nothing (the stream lengths and Redis keys
# are compared, docs/api.md "Every error answer ... changes no state").
source "$(dirname "$0")/../lib.sh"
svc_need redis
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
HTTP_PORT=$(freeport)
URL=http://127.0.0.1:$HTTP_PORT
"$WA_ROOT/$BIN/didlog" keygen --out "$T_TMP/pub.key" >/dev/null
unset WA_CONFIG
export WA_REDIS_URL=redis://127.0.0.1:$REDIS_PORT WA_LISTEN=127.0.0.1:$HTTP_PORT WA_RATE_LIMIT=0 \
    WA_HTTP_TIMEOUT=5s WA_PUBLISHER_KEY_FILE=$T_TMP/pub.key WA_DOMAIN=localhost%3A8080
"$WA_ROOT/$BIN/anchord" serve >"$T_TMP/serve.log" 2>&1 &
T_PIDS+=($!)
wait_port "$HTTP_PORT" 10 || { t_fail serve "did not listen: $(cat "$T_TMP/serve.log")"; t_done; exit 1; }
"$TT" register 1 || t_fail setup "register identity 1"
read -r SCID DID _ _ < <("$TT" ident 1)
SIGN() { "$TT" sign "$@"; }

# post BODY [PATH] [CTYPE] -> CODE, RESP
post() {
    printf '%s' "$1" >"$T_TMP/body"
    CODE=$(curl -s -o "$T_TMP/resp" -w '%{http_code}' -H "Content-Type: ${3:-application/json}" \
        --data-binary "@$T_TMP/body" "$URL${2:-/events}")
    RESP=$(cat "$T_TMP/resp")
}
state() {   # everything a refusal must leave alone
    echo "events=$(RCLI XLEN 'wa:{s0}:events') dids=$(RCLI XLEN 'wa:{s0}:dids')"
    RCLI --scan --pattern '*' | sort | sha256sum | cut -c1-16
}
mark() { state >"$T_TMP/state.before"; }
unchanged() {   # NAME: the state is what it was at the last mark
    state >"$T_TMP/state.after"
    if cmp -s "$T_TMP/state.before" "$T_TMP/state.after"; then t_ok "$1: nothing changed"
    else t_fail "$1: nothing changed" "$(diff "$T_TMP/state.before" "$T_TMP/state.after" | tr '\n' ' ')"; fi
}
# refused NAME CODE ERROR [DETAIL-REGEX]: the answer is CODE {"error":ERROR,...} and
# the state is unchanged since the last mark.
refused() {
    if [ "$CODE" = "$2" ] && grep -q "\"error\":\"$3\"" <<<"$RESP" && grep -qE "${4:-.}" <<<"$RESP"; then t_ok "$1: $2 $3"
    else t_fail "$1" "got $CODE $RESP, want $2 $3 ~ ${4:-}"; fi
    unchanged "$1"
}

scenario attack utf8-detail-cut "unauthenticated bodies whose error detail quotes a multi-byte UTF-8 string cut by a length bound (an unknown key of 'a' + 40 x 'é', keys and values of 2-, 3- and 4-byte characters after 0..3 ASCII bytes, in the event, its proof, did, type, verificationMethod and a genesis log)" \
    "never 500: each is refused with its 4xx reason and a JSON body that is valid UTF-8; nothing queued"
mark
K=$(printf 'é%.0s' $(seq 40))
post "{\"a$K\":1}"; refused "utf8-detail-cut: key a+40xé" 422 invalid 'unexpected field'
n500=0; nbad=0; total=0
for ch in é € 😀; do
    for pre in '' a ab abc; do
        S="$pre$(printf "$ch%.0s" $(seq 120))"
        for body in "{\"$S\":1}" \
                    "$(SIGN 1 u8-1 | jq -c --arg s "$S" '.proof[$s]=1')" \
                    "$(SIGN 1 u8-1 | jq -c --arg s "$S" '.did=("did:webvh:'"$SCID"':"+$s)')" \
                    "$(SIGN 1 u8-1 | jq -c --arg s "$S" '.type=$s')" \
                    "$(SIGN 1 u8-1 | jq -c --arg s "$S" '.proof.verificationMethod=("'"$DID"'#"+$s)')" \
                    "$(SIGN 1 u8-1 "did=$DID:$S")"; do
            post "$body"; total=$((total + 1))
            [ "$CODE" = 500 ] && n500=$((n500 + 1))
            { [ "${CODE:0:1}" = 4 ] && jq -e .error <<<"$RESP" >/dev/null 2>&1; } || nbad=$((nbad + 1))
        done
        post "{\"versionId\":\"1-$S\",\"versionTime\":\"x\",\"parameters\":{},\"state\":{\"id\":\"did:webvh:$S\"},\"proof\":[]}" /dids application/jsonl
        total=$((total + 1)); [ "$CODE" = 500 ] && n500=$((n500 + 1))
        { [ "${CODE:0:1}" = 4 ] && jq -e .error <<<"$RESP" >/dev/null 2>&1; } || nbad=$((nbad + 1))
    done
done
t_eq "utf8-detail-cut: no 500 in $total bodies" "$n500" 0
t_eq "utf8-detail-cut: every answer a 4xx with a JSON error (jq parses it: valid UTF-8)" "$nbad" 0
unchanged "utf8-detail-cut: all"

# raw BYTES [SECS]: send BYTES (printf %b escapes) on one connection and read until the
# server closes it, at most SECS (3); RAW is the answer (CRs removed), RAW_CLOSED 1 when
# the server closed the connection itself.
raw() {
    exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT"
    (trap '' PIPE; printf '%b' "$1" >&3) 2>/dev/null   # the server may close before it read everything
    timeout "${2:-3}" cat <&3 >"$T_TMP/raw.out"; local rc=$?
    exec 3<&-
    RAW_CLOSED=0; [ "$rc" = 0 ] && RAW_CLOSED=1
    RAW=$(tr -d '\r' <"$T_TMP/raw.out")
}
# one400 NAME: exactly one answer came back, 400 {"error":"malformed"} with Connection:
# close, the server closed the connection, and nothing changed (RFC 9112 §6.3, §11.2).
one400() {
    t_eq "$1: exactly one answer" "$(grep -oE 'HTTP/1\.[01] [0-9]{3} ' <<<"$RAW" | wc -l)" 1
    if grep -q '^HTTP/1\.[01] 400 ' <<<"$RAW" && grep -q '"error":"malformed"' <<<"$RAW"; then t_ok "$1: 400 malformed"
    else t_fail "$1: 400 malformed" "$(head -c 300 <<<"$RAW" | tr '\n' ' ')"; fi
    t_check "$1: Connection: close" grep -qi '^Connection: close' "$T_TMP/raw.out"
    t_eq "$1: the server closed the connection" "$RAW_CLOSED" 1
    unchanged "$1"
}
export LC_ALL=C   # ${#VAR} counts bytes
# smug ID: a second, validly signed POST /events of event ID, hidden behind the first
# request; SMUGLEN its bytes.
smug() {
    local ev; ev=$(SIGN 1 "$1")
    SMUG="POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${#ev}\r\n\r\n$ev"
    SMUGLEN=$(printf '%b' "$SMUG" | wc -c)
}
HEAD="POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"

scenario attack smuggle-two-content-lengths "POST /events with 'Content-Length: 0' and then 'Content-Length: N' (N = the bytes that follow: a second, validly signed POST /events)" \
    "400 malformed and the connection closed: exactly one answer, the hidden event is not queued (RFC 9112 §6.3)"
mark; smug smuggled-1
raw "${HEAD}Content-Length: 0\r\nContent-Length: $SMUGLEN\r\n\r\n$SMUG"
one400 smuggle-two-content-lengths

scenario attack smuggle-cl-and-chunked "POST /events with Content-Length: N and Transfer-Encoding: chunked, the chunked body empty and a second POST /events after it" \
    "400 malformed and the connection closed (RFC 9112 §6.3: both framings at once); the hidden event is not queued"
mark; smug smuggled-2
raw "${HEAD}Content-Length: $((SMUGLEN + 5))\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n$SMUG"
one400 smuggle-cl-and-chunked

scenario attack smuggle-te-space-colon "'Transfer-Encoding : chunked' (whitespace before the colon) with Content-Length: 5, an empty chunked body, then a second POST /events" \
    "400 malformed and the connection closed (RFC 9112 §5.1: whitespace between a field name and the colon MUST be rejected); nothing queued"
mark; smug smuggled-3
raw "${HEAD}Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n$SMUG"
one400 smuggle-te-space-colon

scenario attack unknown-transfer-coding "Transfer-Encoding: gzip (and 'gzip, chunked', 'chunked' twice, 'chunked' with HTTP/1.0) on POST /events" \
    "400 malformed at once (not after the idle timeout of 5 s) and the connection closed (RFC 9112 §6.1, §6.3); nothing queued"
mark
raw "${HEAD}Transfer-Encoding: gzip\r\n\r\nabc" 3; one400 "unknown-transfer-coding: gzip"
raw "${HEAD}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" 3; one400 "unknown-transfer-coding: gzip, chunked"
raw "${HEAD}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" 3; one400 "unknown-transfer-coding: twice"
raw "POST /events HTTP/1.0\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" 3
one400 "unknown-transfer-coding: HTTP/1.0"

scenario attack nul-in-path "POST /events%00.json with a validly signed event; GET /events/{scid}/a%00b; a malformed escape (%zz) and an encoded newline (%0A) in the path" \
    "400 malformed (a request target that decodes to a control character cannot be routed safely); the event is not queued"
mark
post "$(SIGN 1 nulpath-1)" '/events%00.json'; refused "nul-in-path: POST /events%00.json" 400 malformed
for p in "/events/$SCID/a%00b" "/events/$SCID/a%zzb" "/events/$SCID/a%0Ab" "/health%00x"; do
    CODE=$(curl -s --path-as-is -o "$T_TMP/resp" -w '%{http_code}' "$URL$p"); RESP=$(cat "$T_TMP/resp")
    refused "nul-in-path: GET $p" 400 malformed
done

# Weak Ed25519 keys as multikeys (tests/unit/test_multiformat.c has the full list and
# its sources): the identity point, a point of order 8, y = p + 3 (a non-canonical
# encoding of a point of large order).
WEAK_IDENTITY=z6MkeXATEjyXENzBXBxgC5EHk2JE5aqd7qMGGtDpLUH1e2Sj
WEAK_ORDER8=z6Mkh59EgPEuBMugWwYWVMbZFQmHm8V1tcgLejJJTx6d8KB2
WEAK_NONCANON=z6Mkvg2JPc7mj3oXZCpWHB9ScRB6BvScZqnrR4Ew9Gjrd75G

scenario attack weak-key-rotation "KeyRotation events of DID 1, validly signed by its key, to the Ed25519 identity point, a point of order 8 and a non-canonical encoding (y = p + 3)" \
    "422 invalid: the new key is refused as small-order or non-canonical; nothing queued (anchored, it would brick the DID for libsodium and let OpenSSL-based verifiers accept R=identity, S=0)"
mark
for mk in $WEAK_IDENTITY $WEAK_ORDER8 $WEAK_NONCANON; do
    post "$(SIGN 1 "rot-$mk" type=KeyRotation "data={\"publicKeyMultibase\":\"$mk\"}")"
    refused "weak-key-rotation: $mk" 422 invalid 'publicKeyMultibase: .*(small-order|non-canonical)'
done

scenario attack weak-key-genesis "POST /dids: a genesis log (ours: our domain, update key and witness) whose assertion key is the Ed25519 identity point" \
    "422 invalid naming the weak key; nothing queued"
mark
"$TT" genesis 5 mk=$WEAK_IDENTITY >"$T_TMP/gweak.jsonl" || t_fail "weak-key-genesis: test-tool genesis"
post "$(cat "$T_TMP/gweak.jsonl")" /dids application/jsonl
refused weak-key-genesis 422 invalid '(small-order|non-canonical)'

scenario attack proof-created-future "events whose signed proof.created is 9999-12-31T23:59:59Z, an hour ahead, and in 1970 (event.time is now)" \
    "422 invalid: proof.created is bounded like event.time (WA_MAX_SKEW ahead, WA_MAX_AGE behind); nothing queued; a proof created now is accepted"
mark
post "$(SIGN 1 pc-1 created=9999-12-31T23:59:59Z)"; refused "proof-created-future: 9999" 422 invalid 'proof: created .* in the future'
post "$(SIGN 1 pc-2 created="$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)")"
refused "proof-created-future: +1h" 422 invalid 'proof: created .* in the future'
post "$(SIGN 1 pc-3 created=1970-01-01T00:00:00Z)"; refused "proof-created-future: 1970" 422 invalid 'proof: created .* older than'
post "$(SIGN 1 pc-4 created="$(date -u +%Y-%m-%dT%H:%M:%SZ)")"
t_eq "proof-created-future: created now is accepted" "$CODE $RESP" '202 {"id":"pc-4","status":"queued"}'

scenario attack costly-numbers "a 56 KB event of DID 1 whose data is 8,000 subnormal numbers (5e-324), with a signature that does not verify; then 1,025 and 1,024 non-integer numbers with a valid one" \
    "422 invalid before any canonicalisation or signature work (at most 1,024 numbers that are not integers: each costs a shortest round-trip conversion, bench/ingest_refusal); 1,024 are accepted; nothing else queued"
mark
nums() { local v=$1 n=$2; printf '{"n":['; for ((i = 1; i < n; i++)); do printf '%s,' "$v"; done; printf '%s]}' "$v"; }
post "$(SIGN 1 costly-1 "data=$(nums 5e-324 8000)" tamper=1)"
refused "costly-numbers: 8,000 subnormals, bad signature" 422 invalid 'more than 1024 numbers that are not integers'
post "$(SIGN 1 costly-2 "data=$(nums 1.5 1025)")"
refused "costly-numbers: 1,025 with a valid signature" 422 invalid 'more than 1024 numbers that are not integers'
post "$(SIGN 1 costly-3 "data=$(nums 1.5 1024)")"
t_eq "costly-numbers: 1,024 are accepted" "$CODE $RESP" '202 {"id":"costly-3","status":"queued"}'

scenario attack costly-subnormals "1,024 subnormal numbers (the most the cap lets through; ~10 us each to canonicalise, 4.9e-324 .. 2.2e-308) with a signature that does not verify, and one subnormal with a valid one" \
    "422 invalid before any canonicalisation: subnormal numbers are refused (no event needs them; they are the costliest to canonicalise: bench/ingest_refusal); nothing queued"
mark
post "$(SIGN 1 sub-1 "data=$(nums 4.9406564584124654e-320 1024)" tamper=1)"
refused "costly-subnormals: 1,024, bad signature" 422 invalid 'subnormal'
post "$(SIGN 1 sub-2 'data={"n":2.2250738585072e-309}')"
refused "costly-subnormals: one, valid signature" 422 invalid 'subnormal'

t_done
