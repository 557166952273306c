#!/usr/bin/env bash
# redteam_ingest.sh -- adversarial suite against the real ingest path: `anchord serve`
# (HTTP on loopback) in front of redis-server, with DIDs anchored by `anchord run` on
# anvil and the file store (tests/svc/pipeline_env.sh). Each scenario states the ATTACK
# and what is EXPECTED (tests/lib.sh `scenario`), asserts the HTTP status, the error
# name and the specific detail, and that nothing changed: the stream lengths, the Redis
# keys (status records, replay markers, registry), and the store's bytes
# (docs/api.md: "Every error answer ... changes no state"; DESIGN.md §4.5).
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
FS=$T_TMP/fs
pipe_env "file://$FS" || pipe_env_failed
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
DID() { "$TT" did "$1"; }
SCID() { DID "$1" | cut -d: -f3; }
SIGN() { "$TT" sign "$@"; }

# Subjects 0..7 registered and anchored by a real run; subject 3 then rotates its key.
"$TT" enqueue-dids 0 8 >/dev/null || t_fail setup "register"
pipe_run; [ "$RUN_RC" = 0 ] || t_fail setup "genesis run: $(tail -3 "$RUN_LOG")"

HTTP_PORT=$(freeport)
URL=http://127.0.0.1:$HTTP_PORT
WA_LISTEN=127.0.0.1:$HTTP_PORT WA_REGISTRY_CACHE=0 WA_RATE_LIMIT=10 WA_HTTP_TIMEOUT=2s WA_HTTP_MAX_CONNS=256 \
    "$AD" serve >"$T_TMP/serve.log" 2>&1 &
T_PIDS+=($!)
wait_port "$HTTP_PORT" 10 || { t_fail serve "did not listen: $(cat "$T_TMP/serve.log")"; t_done; exit 1; }

# postf FILE [CTYPE] [PATH] -> CODE, RESP (the file's bytes exactly, NULs included)
postf() {
    CODE=$(curl -s -o "$T_TMP/resp" -w '%{http_code}' -H "Content-Type: ${2:-application/json}" \
        --data-binary "@$1" "$URL${3:-/events}")
    RESP=$(tr -d '\0' <"$T_TMP/resp")
}
post() { printf '%s' "$1" >"$T_TMP/body"; postf "$T_TMP/body" "${2:-application/json}" "${3:-/events}"; }
# state: everything a refusal must leave alone (rate-limit counters aside: they count
# accepted events only and expire; a refusal must not create one either).
state() {
    echo "events=$(RCLI XLEN 'wa:{s0}:events') dids=$(RCLI XLEN 'wa:{s0}:dids') dead=$(RCLI XLEN 'wa:{s0}:dead')"
    RCLI --scan --pattern '*' | sort | sha256sum | cut -c1-16
    RCLI --scan --pattern 'wa:{s0}:rate:*' | wc -l
    find "$FS" -type f | sort | xargs sha256sum | sha256sum | cut -c1-16
}
# refused NAME CODE ERROR DETAIL-REGEX: the answer is CODE {"error":ERROR,"detail":~REGEX}
# and the state is what it was at the last `mark`.
mark() { state >"$T_TMP/state.before"; }
refused() {
    if [ "$CODE" = "$2" ] && grep -q "\"error\":\"$3\"" <<<"$RESP" && grep -qE "$4" <<<"$RESP"; then t_ok "$1: $2 $3"
    else t_fail "$1" "got $CODE $RESP, want $2 $3 ~ $4"; fi
    state >"$T_TMP/state.after"
    if cmp -s "$T_TMP/state.before" "$T_TMP/state.after"; then t_ok "$1: nothing changed"
    else t_fail "$1: nothing changed" "$(diff "$T_TMP/state.before" "$T_TMP/state.after" | tr '\n' ' ')"; fi
}
accepted() {   # NAME ID
    if [ "$CODE" = 202 ] && [ "$RESP" = "{\"id\":\"$2\",\"status\":\"queued\"}" ]; then t_ok "$1: 202"
    else t_fail "$1" "got $CODE $RESP, want 202 for $2"; fi
}

D1=$(DID 1); D2=$(DID 2)

# ---- setup: a KeyRotation of subject 3, anchored ----
NEWMK=$("$TT" genesis 1003 | jq -r '.state.verificationMethod[0].publicKeyMultibase')
post "$(SIGN 3 rot-1 type=KeyRotation "data={\"publicKeyMultibase\":\"$NEWMK\"}")"; accepted "setup: rotation queued" rot-1
pipe_run; [ "$RUN_RC" = 0 ] || t_fail setup "rotation run: $(tail -3 "$RUN_LOG")"
t_eq "setup: rotation anchored" "$(RCLI HGET "wa:{s0}:events:$(SCID 3):rot-1" status)" anchored
NEWFRAG=$(RCLI HGET "wa:{s0}:did:$(SCID 3)" keys | jq -r '.[0].id' | sed 's/.*#//')
COUNT0=$("$AD" batch-count 2>/dev/null)

scenario attack forged-signature "an event whose proofValue is a well-formed signature of other bytes (lifted from another event)" \
    "401 bad_signature naming the signature; nothing queued"
mark
OTHER=$(SIGN 1 other-1 | jq -r .proof.proofValue)
post "$(SIGN 1 forged-1 | jq -c --arg pv "$OTHER" '.proof.proofValue=$pv')"
refused forged-signature 401 bad_signature 'signature'

scenario attack random-signature "proofValue replaced by 64 random bytes in base58btc" "401 bad_signature; nothing queued"
mark
post "$(SIGN 1 forged-2 | jq -c '.proof.proofValue="z5hcNX4bK4BcQ6yMdtB2vjnqLpP1YMNEmJ9Z1b1R8kRhcM7ESLTsoWdVSq7eKzn3ReZ6J4aFUT8ecSkiyVg2Fns2F"')"
refused random-signature 401 bad_signature 'signature'

scenario attack wrong-key "an event of DID 1 naming DID 1's key-1 but signed with another Ed25519 key" \
    "401 bad_signature (signature does not verify); nothing queued"
mark
post "$(SIGN 1 wrongkey-1 key=2)"
refused wrong-key 401 bad_signature 'signature'

scenario attack other-did-key "an event of DID 1 signed by DID 2's key and naming DID 2's verification method" \
    "401 bad_signature: the method is not an assertionMethod of DID 1"
mark
post "$(SIGN 1 otherdid-1 key=2 "vm=$D2#key-1")"
refused other-did-key 401 bad_signature "verificationMethod did:webvh:$(SCID 2)[^ ]*#key-1 is not an assertionMethod of the event's DID"

scenario attack vm-points-to-other-did "DID 1's own key signs, but proof.verificationMethod names a method of DID 2" \
    "401 bad_signature (only DID 1's assertion methods count)"
mark
post "$(SIGN 1 vmother-1 "vm=$D2#key-1")"
refused vm-points-to-other-did 401 bad_signature 'is not an assertionMethod of'

scenario attack rotated-out-key "after an anchored KeyRotation of DID 3, an event signed by its old key-1" \
    "401 bad_signature: key-1 is no longer an assertionMethod; the new key is accepted"
mark
post "$(SIGN 3 old-1)"
refused rotated-out-key 401 bad_signature "verificationMethod did:webvh:$(SCID 3)[^ ]*#key-1 is not an assertionMethod"
post "$(SIGN 3 new-1 key=1003 vm="$NEWFRAG")"; accepted "rotated-out-key: the new key works" new-1

scenario attack replayed-event-id "the same accepted event sent again, then a fresh event re-using its id" \
    "409 replay both times ('already accepted'); one stream entry"
post "$(SIGN 1 rep-1)"; accepted "replayed-event-id: first" rep-1
mark
post "$(SIGN 1 rep-1)"
refused "replayed-event-id: same bytes" 409 replay "event rep-1 of $(SCID 1) was already accepted"
post "$(SIGN 1 rep-1 'data={"other":true}')"
refused "replayed-event-id: new content, same id" 409 replay "already accepted"

scenario attack replay-to-other-did "DID 1's accepted event re-addressed to DID 2 (did and verificationMethod rewritten)" \
    "401 bad_signature: did is covered by the signature"
mark
post "$(SIGN 1 rep-1 | jq -c --arg d "$D2" '.did=$d | .proof.verificationMethod=($d+"#key-1")')"
refused replay-to-other-did 401 bad_signature 'signature'

scenario attack data-changed-after-signing "data gets an extra member after the proof was made" "401 bad_signature"
mark
post "$(SIGN 1 tamp-1 tamper=1)"
refused data-changed-after-signing 401 bad_signature 'signature'

scenario attack proof-created-added "proof.created added after signing (proof options are signed too)" "401 bad_signature"
mark
post "$(SIGN 1 created-1 created-after=1)"
refused proof-created-added 401 bad_signature 'signature'

scenario attack proof-extra-fields "the proof carries extra members (@context, challenge, nonce)" "422 invalid naming the field"
mark
for f in '@context' challenge nonce; do
    post "$(SIGN 1 extra-1 | jq -c --arg f "$f" '.proof[$f]="x"')"
    refused "proof-extra-fields: $f" 422 invalid "proof: unexpected field \\\\\"$f\\\\\""
done

scenario attack cryptosuite-swap "the proof names another cryptosuite / type / purpose (eddsa-rdfc-2022, ecdsa-jcs-2019, Ed25519Signature2020, authentication)" \
    "422 invalid naming the allowed value"
mark
post "$(SIGN 1 cs-1 | jq -c '.proof.cryptosuite="eddsa-rdfc-2022"')"; refused "cryptosuite-swap: rdfc" 422 invalid 'cryptosuite must be eddsa-jcs-2022'
post "$(SIGN 1 cs-1 | jq -c '.proof.cryptosuite="ecdsa-jcs-2019"')"; refused "cryptosuite-swap: ecdsa" 422 invalid 'cryptosuite must be eddsa-jcs-2022'
post "$(SIGN 1 cs-1 | jq -c '.proof.type="Ed25519Signature2020"')"; refused "cryptosuite-swap: type" 422 invalid 'type must be DataIntegrityProof'
post "$(SIGN 1 cs-1 | jq -c '.proof.proofPurpose="authentication"')"; refused "cryptosuite-swap: purpose" 422 invalid 'proofPurpose must be assertionMethod'
post "$(SIGN 1 cs-1 | jq -c '.proof=[.proof]')"; refused "cryptosuite-swap: proof set" 422 invalid 'must be an object .one DataIntegrityProof.'

scenario attack duplicate-keys "the same member twice (\"id\" twice, \"did\" twice, inside data) so that two parsers could disagree" \
    "400 malformed: duplicate object key"
mark
EV=$(SIGN 1 dup-1)
post "${EV/\{/\{\"id\":\"dup-other\",}"; refused "duplicate-keys: id" 400 malformed 'duplicate object key'
post "${EV/\{/\{\"did\":\"$D2\",}"; refused "duplicate-keys: did" 400 malformed 'duplicate object key'
post "$(sed 's/"data":{/"data":{"step":"x",/' <<<"$EV")"; refused "duplicate-keys: in data" 400 malformed 'duplicate object key'

scenario attack escaped-unicode-id "the accepted id u-1 sent again spelled \"u\\u002d1\" (escaped), and a look-alike with U+2010 HYPHEN" \
    "the escaped spelling is the same id: 409 replay; the look-alike is not an allowed id: 422"
post "$(SIGN 1 u-1)"; accepted "escaped-unicode-id: first" u-1
mark
post "$(SIGN 1 u-1 | sed 's/"id":"u-1"/"id":"u\\u002d1"/')"
refused "escaped-unicode-id: escaped" 409 replay 'already accepted'
post "$(SIGN 1 u-1 | sed 's/"id":"u-1"/"id":"u\xe2\x80\x901"/')"
refused "escaped-unicode-id: look-alike" 422 invalid 'id: 1..128 characters'

scenario attack number-forms "data {\"n\":1} signed, sent as 1.0 and 1e0 (same number, other bytes)" \
    "one event: the first spelling is accepted and queued in JCS form (\"n\":1), the others are replays (409)"
EV=$(SIGN 1 num-1 'data={"n":1}')
post "${EV/\"n\":1/\"n\":1.0}"; accepted "number-forms: 1.0 verifies (JCS)" num-1
t_eq "number-forms: queued in JCS form" "$(RCLI XREVRANGE 'wa:{s0}:events' + - COUNT 1 | grep -c '"data":{"n":1}')" 1
mark
post "${EV/\"n\":1/\"n\":1e0}"; refused "number-forms: 1e0" 409 replay 'already accepted'
post "$EV"; refused "number-forms: 1" 409 replay 'already accepted'

scenario attack huge-numbers "numbers beyond a double (1e400, -1e400) and a 400-digit integer" "400 malformed: out of the range of a double"
mark
EV=$(SIGN 1 big-1 'data={"n":1}')
post "${EV/\"n\":1/\"n\":1e400}"; refused "huge-numbers: 1e400" 400 malformed 'out of the range of a double'
post "${EV/\"n\":1/\"n\":-1e400}"; refused "huge-numbers: -1e400" 400 malformed 'out of the range of a double'
post "${EV/\"n\":1/\"n\":$(printf '9%.0s' $(seq 400))}"; refused "huge-numbers: 400 digits" 400 malformed 'out of the range of a double'

scenario attack deep-nesting "data nested 40 levels, and 60,000 '[' in one body" "400 malformed: nesting deeper than 32; the server keeps serving"
mark
EV=$(SIGN 1 deep-1)
post "${EV/\"data\":\{/\"data\":\{\"x\":$(printf '[%.0s' $(seq 40))$(printf ']%.0s' $(seq 40)),}"
refused "deep-nesting: 40 levels" 400 malformed 'nesting deeper than 32'
head -c 60000 /dev/zero | tr '\0' '[' >"$T_TMP/deep"; postf "$T_TMP/deep"
refused "deep-nesting: 60,000 brackets" 400 malformed 'nesting deeper than 32'

scenario attack invalid-utf8 "bytes that are not UTF-8 inside a string: a lone 0xC3, an overlong '/' (C0 AF), a UTF-8-encoded surrogate (ED A0 80), 0xFF" \
    "400 malformed: invalid UTF-8 at the offset"
mark
for bad in '\xc3(' '\xc0\xaf' '\xed\xa0\x80' '\xff'; do
    SIGN 1 utf-1 | sed "s/\"step\":\"made\"/\"step\":\"m$bad\"/" >"$T_TMP/utf"
    postf "$T_TMP/utf"; refused "invalid-utf8: $bad" 400 malformed 'invalid UTF-8 at offset'
done

scenario attack nul-bytes "a raw NUL byte inside the id, and the escape \\u0000 in data" "400 malformed naming the NUL"
mark
SIGN 1 nul-1 | sed 's/"id":"nul-1"/"id":"nul-1\x00x"/' >"$T_TMP/nul"
postf "$T_TMP/nul"; refused "nul-bytes: raw" 400 malformed 'NUL byte at offset'
post "$(SIGN 1 nul-2 | sed 's/"step":"made"/"step":"made\\u0000"/')"; refused "nul-bytes: escaped" 400 malformed 'u0000 is not allowed'

scenario attack bom "a UTF-8 byte-order mark before the JSON" "400 malformed (not one strict JSON value)"
mark
{ printf '\xef\xbb\xbf'; SIGN 1 bom-1; } >"$T_TMP/bom"
postf "$T_TMP/bom"; refused bom 400 malformed 'JSON'

scenario attack trailing-data "a valid event followed by a second JSON value (two events in one body)" "400 malformed: trailing data"
mark
post "$(SIGN 1 tr-1)$(SIGN 1 tr-2)"; refused trailing-data 400 malformed 'trailing data'

scenario attack oversized-body "bodies above WA_MAX_BODY (64 KiB): 100 KB with Content-Length, 1 MB chunked" \
    "413 too_large, answered before the body is kept; nothing queued"
mark
head -c 100000 /dev/zero | tr '\0' ' ' >"$T_TMP/big"; postf "$T_TMP/big"
refused "oversized-body: Content-Length" 413 too_large 'above the limit of 65536'
head -c 1000000 /dev/zero | tr '\0' ' ' >"$T_TMP/big"
CODE=$(curl -s -o "$T_TMP/resp" -w '%{http_code}' -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
    --data-binary "@$T_TMP/big" "$URL/events"); RESP=$(cat "$T_TMP/resp")
refused "oversized-body: chunked" 413 too_large 'above the limit of 65536'
CODE=$(curl -s -o "$T_TMP/resp" -w '%{http_code}' -H 'Content-Type: application/json' -H 'Content-Length: 99999999999999999999999' \
    --data-binary 'x' "$URL/events" 2>/dev/null); RESP=$(cat "$T_TMP/resp")
t_check "oversized-body: absurd Content-Length is not a 2xx" test "${CODE:0:1}" != 2

scenario attack oversized-headers "one 100 KB header line, then 2,000 small headers" \
    "refused by the server (4xx or connection closed, never 2xx); nothing queued; the server keeps serving"
mark
CODE=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -H "X-Big: $(head -c 100000 /dev/zero | tr '\0' a)" \
    --data-binary "$(SIGN 1 hdr-1)" "$URL/events")
[[ "$CODE" == 4* || "$CODE" == 000 ]] && t_ok "oversized-headers: big header refused ($CODE)" || t_fail "oversized-headers: big header" "$CODE"
HDRS=(); for i in $(seq 2000); do HDRS+=(-H "X-H$i: v"); done
CODE=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' "${HDRS[@]}" --data-binary "$(SIGN 1 hdr-2)" "$URL/events")
[[ "$CODE" == 4* || "$CODE" == 000 ]] && t_ok "oversized-headers: many headers refused ($CODE)" || t_fail "oversized-headers: many headers" "$CODE"
state >"$T_TMP/state.after"; cmp -s "$T_TMP/state.before" "$T_TMP/state.after" && t_ok "oversized-headers: nothing changed" || t_fail "oversized-headers: nothing changed"
t_eq "oversized-headers: still serving" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/health")" 200

scenario attack wrong-content-type "text/plain, application/json-patch+json, application/jsonl on /events, none at all" \
    "415 unsupported_media_type before the body is read"
mark
EV=$(SIGN 1 ct-1)
for ct in text/plain application/json-patch+json application/jsonl application/jsonx; do
    post "$EV" "$ct"; refused "wrong-content-type: $ct" 415 unsupported_media_type 'Content-Type must be application/json'
done
CODE=$(curl -s -o "$T_TMP/resp" -w '%{http_code}' -H 'Content-Type:' --data-binary "$EV" "$URL/events"); RESP=$(cat "$T_TMP/resp")
refused "wrong-content-type: none" 415 unsupported_media_type 'Content-Type must be'
post "$EV" 'application/json; charset=utf-8'; accepted "wrong-content-type: parameters are fine" ct-1

scenario attack time-window "event times an hour ahead, in 9999, in 1970, a year ago, a leap second 23:59:60, a local offset" \
    "422 invalid naming the time rule (WA_MAX_SKEW 5m ahead, WA_MAX_AGE 30d behind, RFC 3339 UTC)"
mark
post "$(SIGN 1 t-1 time=now+3600)"; refused "time-window: +1h" 422 invalid 'in the future'
post "$(SIGN 1 t-1 time=9999-12-31T23:59:59Z)"; refused "time-window: 9999" 422 invalid 'in the future'
post "$(SIGN 1 t-1 time=1970-01-01T00:00:00Z)"; refused "time-window: 1970" 422 invalid 'is older than'
post "$(SIGN 1 t-1 time=now-31622400)"; refused "time-window: a year ago" 422 invalid 'is older than'
post "$(SIGN 1 t-1 time=2025-06-30T23:59:60Z)"; refused "time-window: leap second" 422 invalid 'RFC 3339 UTC'
post "$(SIGN 1 t-1 time=2025-06-30T12:00:00+02:00)"; refused "time-window: offset" 422 invalid 'RFC 3339 UTC'
post "$(SIGN 1 t-1 time=now+240)"; accepted "time-window: 4 minutes ahead is within the skew" t-1

scenario attack unknown-did "a correctly signed event for a well-formed did:webvh that is not registered here (subject 50)" \
    "404 unknown_did naming the DID"
mark
post "$(SIGN 50 unk-1)"; refused unknown-did 404 unknown_did "$(SCID 50)[^\"]* is not registered here"

scenario attack did-registry-mismatch "DID 1's SCID with another host, another path, or an extra path segment (signed for that DID string)" \
    "404 unknown_did: the registered DID with this SCID is another string, so its keys cannot be borrowed"
mark
S1=$(SCID 1)
for d in "did:webvh:$S1:evil.example.com" "did:webvh:$S1:localhost%3A8080:.well-known:did:$S1:x" "did:webvh:$S1:localhost%3A8081:.well-known:did:$S1"; do
    post "$(SIGN 1 mm-1 "did=$d")"; refused "did-registry-mismatch: $d" 404 unknown_did "the DID with this SCID is did:webvh:$S1"
done

scenario attack did-traversal "DID strings with path traversal: ':..', ':%2e%2e', ':.', '%2F' inside a segment" \
    "422 invalid: traversal segment or not canonical"
mark
for d in "did:webvh:$S1:localhost%3A8080:..:..:etc" "did:webvh:$S1:localhost%3A8080:%2e%2e:did:$S1" \
         "did:webvh:$S1:localhost%3A8080:.:did" "did:webvh:$S1:localhost%3A8080:.well-known%2F..%2Fx"; do
    post "$(SIGN 1 tv-1 "did=$d")"; refused "did-traversal: $d" 422 invalid "did: .*(traversal|canonical|contains '/')"
done

scenario attack did-ip-host "DIDs whose host is an IP literal: 127.0.0.1, 2130706433, 0x7f000001, [::1], 169.254.169.254" \
    "422 invalid: the domain is an IP address literal (or not a host name)"
mark
for h in 127.0.0.1 2130706433 0x7f000001 '[::1]' 169.254.169.254; do
    post "$(SIGN 1 ip-1 "did=did:webvh:$S1:$h")"; refused "did-ip-host: $h" 422 invalid 'did: '
done

scenario attack rate-limit-bypass "DID 4 sends WA_RATE_LIMIT=10 events, then more with new ids, an upper-case host, a percent-encoded host, a lower-cased SCID" \
    "429 rate_limited with Retry-After for new ids; variants are refused as non-canonical (422) or unknown (404); none is queued"
# The rate limit counts per wall-clock minute, and rl-1 .. rl-17 must fall into one: start
# with at least 30 s of the minute left (they take a few seconds, more under load).
while [ "$(date +%-S)" -gt 30 ]; do sleep 1; done
for i in $(seq 10); do post "$(SIGN 4 rl-$i)"; done; accepted "rate-limit-bypass: 10th accepted" rl-10
mark
post "$(SIGN 4 rl-11)"; refused "rate-limit-bypass: new id" 429 rate_limited 'more than 10 events for this DID in one minute'
post "$(SIGN 4 rl-12)"; refused "rate-limit-bypass: another new id" 429 rate_limited 'retry in [0-9]+s'
D4=$(DID 4); S4=$(SCID 4)
post "$(SIGN 4 rl-13 "did=${D4/localhost/LOCALHOST}")"; refused "rate-limit-bypass: upper-case host" 422 invalid 'canonical'
post "$(SIGN 4 rl-14 "did=${D4/localhost/%6Cocalhost}")"; refused "rate-limit-bypass: %6C" 422 invalid 'did: '
post "$(SIGN 4 rl-15 "did=${D4/\%3A/%3a}")"; refused "rate-limit-bypass: %3a" 422 invalid 'canonical'
post "$(SIGN 4 rl-16 "did=${D4/$S4/${S4,,}}")"; refused "rate-limit-bypass: lower-case SCID" 422 invalid 'did: '
curl -s -D "$T_TMP/hdr" -o /dev/null -H 'Content-Type: application/json' --data-binary "$(SIGN 4 rl-17)" "$URL/events"
t_check "rate-limit-bypass: Retry-After" grep -qi '^Retry-After: [0-9]' "$T_TMP/hdr"
post "$(SIGN 5 rl-other)"; accepted "rate-limit-bypass: other DIDs unaffected" rl-other

scenario attack status-path-traversal "GET /events/{scid}/{id} with ../, %2e%2e, %2F, an over-long SCID" \
    "400 malformed or 404 not_found; no file or other key is read"
for p in "/events/$S1/..%2F..%2Fmetrics" "/events/..%2F..%2Fetc/passwd" "/events/$S1/%2e%2e" "/events/$S1$S1/x" \
         "/events/$S1/a%00b" "/events/$S1/../../health"; do
    CODE=$(curl -s --path-as-is -o "$T_TMP/resp" -w '%{http_code}' "$URL$p"); RESP=$(cat "$T_TMP/resp")
    [[ "$CODE" == 400 || "$CODE" == 404 ]] && grep -qE '"error":"(malformed|not_found)"' <<<"$RESP" &&
        t_ok "status-path-traversal: $p -> $CODE" || t_fail "status-path-traversal: $p" "$CODE $RESP"
done

scenario attack genesis-foreign-domain "POST /dids: a valid genesis log for another domain (victim.example)" \
    "422 invalid naming WA_DOMAIN; nothing queued"
K=$T_TMP/keys; mkdir -p "$K"
"$WA_ROOT/$BIN/didlog" keygen --out "$K/attacker.key" >/dev/null
gen() {   # OUT DOMAIN UPDATE-KEY
    "$WA_ROOT/$BIN/didlog" create --domain "$2" --update-key "$3" --witness "$T_TMP/publisher.key" \
        --path .well-known --path did --path '{SCID}' --out "$T_TMP/$1" >/dev/null
}
gen foreign.jsonl victim.example "$T_TMP/publisher.key"
mark
postf "$T_TMP/foreign.jsonl" application/jsonl /dids; refused genesis-foreign-domain 422 invalid 'WA_DOMAIN'

scenario attack genesis-foreign-update-key "POST /dids: a genesis log at our domain and path, signed by and naming only the attacker's update key" \
    "401 bad_signature: updateKeys must include the publisher key"
"$TT" genesis 60 updater=61 >"$T_TMP/foreignkey.jsonl"
mark
postf "$T_TMP/foreignkey.jsonl" application/jsonl /dids; refused genesis-foreign-update-key 401 bad_signature 'updateKeys'

scenario attack genesis-scid-collision "POST /dids: DID 1's own genesis again; and DID 1's genesis with the state edited but the SCID kept" \
    "409 replay (already registered); 422 invalid (the SCID does not match the entry)"
"$TT" genesis 1 >"$T_TMP/g1.jsonl"
mark
postf "$T_TMP/g1.jsonl" application/jsonl /dids; refused "genesis-scid-collision: same" 409 replay 'already registered'
jq -c '.state.service=[{"id":"#evil","type":"X","serviceEndpoint":"https://evil.example"}]' "$T_TMP/g1.jsonl" >"$T_TMP/g1e.jsonl"
postf "$T_TMP/g1e.jsonl" application/jsonl /dids; refused "genesis-scid-collision: edited" 422 invalid 'SCID|scid|hash'

scenario attack slowloris "200 connections send a request line and then trickle one header line every 500 ms for 6 s, while 100 more open and go silent" \
    "others are still served within 1 s each; silent connections are dropped after WA_HTTP_TIMEOUT (2 s)"
"$TT" slowloris "$HTTP_PORT" 200 6 trickle >"$T_TMP/slow-trickle.out" &
SL1=$!
"$TT" slowloris "$HTTP_PORT" 100 6 idle >"$T_TMP/slow-idle.out" &
SL2=$!
sleep 1.5
ok=0
for i in $(seq 20); do
    c=$(curl -s -m 1 --interface 127.0.0.2 -o /dev/null -w '%{http_code}' "$URL/health"); [ "$c" = 200 ] && ok=$((ok + 1))
done
t_eq "slowloris: 20 of 20 health checks answered within 1 s" "$ok" 20
CODE=$(curl -s -m 2 --interface 127.0.0.2 -o "$T_TMP/resp" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "$(SIGN 6 slow-1)" "$URL/events"); RESP=$(cat "$T_TMP/resp")
accepted "slowloris: an event is accepted meanwhile" slow-1
wait $SL1 $SL2
read -r _ o _ c <"$T_TMP/slow-idle.out"
t_eq "slowloris: every silent connection dropped" "$c" "$o"

scenario attack slowloris-exhaust "one address opens 300 trickling connections, more than WA_HTTP_MAX_CONNS (256), to take every slot" \
    "a client from another address (127.0.0.2) is still served within 1 s (per-address cap WA_HTTP_MAX_CONNS_PER_IP)"
"$TT" slowloris "$HTTP_PORT" 300 5 trickle >"$T_TMP/slow-exhaust.out" &
SL3=$!
sleep 2
ok=0
for i in $(seq 5); do
    c=$(curl -s -m 1 --interface 127.0.0.2 -o /dev/null -w '%{http_code}' "$URL/health"); [ "$c" = 200 ] && ok=$((ok + 1))
done
t_eq "slowloris-exhaust: 5 of 5 health checks from 127.0.0.2 answered" "$ok" 5
wait $SL3

t_eq "no refused event reached the chain" "$("$AD" batch-count 2>/dev/null)" "$COUNT0"
t_done
