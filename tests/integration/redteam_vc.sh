#!/usr/bin/env bash
# redteam_vc.sh -- events in the credential form (docs/formats.md "Events as Verifiable
# Credentials"): a W3C VCDM 2.0 credential, eddsa-jcs-2022, whose credentialSubject is an
# EPCIS 2.0 event about the issuer's DID. Through the real path: `anchord serve` (POST
# /events) and `anchord submit` in front of redis-server, `anchord run` on anvil and the file
# store (tests/svc/pipeline_env.sh), then didverify on the published log. Each attack
# scenario states the ATTACK and what is EXPECTED (tests/lib.sh `scenario`); a refusal
# changes no state (the stream lengths, the Redis keys, the store's bytes).
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
FS=$T_TMP/fs
pipe_env "file://$FS" || pipe_env_failed
export WA_DOMAIN=dpp.example.com   # a fully qualified host, as didlog create requires
DV=$WA_ROOT/$BIN/didverify
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
DID() { "$TT" did "$1"; }
SCID() { DID "$1" | cut -d: -f3; }
DIR() { echo "$FS/.well-known/did/$(SCID "$1")"; }
VC() { "$TT" sign-vc "$@"; }
U() { printf '%08x-0000-4000-8000-%012x' "$1" "$2"; }   # U N K: a UUID for subject N's K-th credential

"$TT" enqueue-dids 0 6 >/dev/null || t_fail setup "register"
pipe_run; [ "$RUN_RC" = 0 ] || t_fail setup "genesis run: $(tail -3 "$RUN_LOG")"

HTTP_PORT=$(freeport)
URL=http://127.0.0.1:$HTTP_PORT
WA_LISTEN=127.0.0.1:$HTTP_PORT WA_REGISTRY_CACHE=0 WA_RATE_LIMIT=10 "$AD" serve >"$T_TMP/serve.log" 2>&1 &
T_PIDS+=($!)
wait_port "$HTTP_PORT" 10 || { t_fail serve "did not listen: $(cat "$T_TMP/serve.log")"; t_done; exit 1; }

post() {
    printf '%s' "$1" >"$T_TMP/body"
    CODE=$(curl -s -o "$T_TMP/resp" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "@$T_TMP/body" "$URL/events")
    RESP=$(cat "$T_TMP/resp")
}
state() {
    echo "events=$(RCLI XLEN 'wa:{s0}:events') dead=$(RCLI XLEN 'wa:{s0}:dead')"
    RCLI --scan --pattern '*' | grep -v ':rate:' | sort | sha256sum | cut -c1-16
    find "$FS" -type f | sort | xargs sha256sum | sha256sum | cut -c1-16
}
mark() { state >"$T_TMP/state.before"; }
refused() {   # NAME CODE ERROR DETAIL-REGEX
    if [ "$CODE" = "$2" ] && grep -q "\"error\":\"$3\"" <<<"$RESP" && grep -qE "$4" <<<"$RESP"; then t_ok "$1: $2 $3"
    else t_fail "$1" "got $CODE $RESP, want $2 $3 ~ $4"; fi
    state >"$T_TMP/state.after"
    if cmp -s "$T_TMP/state.before" "$T_TMP/state.after"; then t_ok "$1: nothing changed"
    else t_fail "$1: nothing changed" "$(diff "$T_TMP/state.before" "$T_TMP/state.after" | tr '\n' ' ')"; fi
}
accepted() {   # NAME UUID
    if [ "$CODE" = 202 ] && [ "$RESP" = "{\"id\":\"$2\",\"status\":\"queued\"}" ]; then t_ok "$1: 202"
    else t_fail "$1" "got $CODE $RESP, want 202 for $2"; fi
}
D1=$(DID 1); D2=$(DID 2)

scenario behaviour vc-accepted "a credential-form event of DID 1 (ObjectEvent, commissioning) and one of DID 2 (AssociationEvent, assembling) by POST /events, one of DID 3 (TransformationEvent) by anchord submit" \
    "202 queued with the credential's UUID as event id; anchored by the worker; the log embeds the credential byte for byte; didverify ANCHORED"
post "$(VC 1 "$(U 1 1)" time=now-60)"; accepted "vc ObjectEvent" "$(U 1 1)"; cp "$T_TMP/body" "$T_TMP/first.json"
post "$(VC 2 "$(U 2 1)" kind=AssociationEvent step=assembling time=now-60 until=now+86400)"; accepted "vc AssociationEvent" "$(U 2 1)"
VC 3 "$(U 3 1)" kind=TransformationEvent time=now-60 >"$T_TMP/sub.jsonl"
t_check "vc by anchord submit" "$AD" submit "$T_TMP/sub.jsonl"
pipe_run; [ "$RUN_RC" = 0 ] || t_fail "vc run" "$(tail -3 "$RUN_LOG")"
for n in 1 2 3; do
    t_eq "vc $n anchored" "$(RCLI HGET "wa:{s0}:events:$(SCID $n):$(U $n 1)" status)" anchored
    t_eq "vc $n embedded" "$(tail -1 "$(DIR $n)/did.jsonl" | jq -r '.state.event.id')" "urn:uuid:$(U $n 1)"
    d=$(DIR $n)
    t_check "vc $n: didverify ANCHORED" "$DV" --log "$d/did.jsonl" --witness "$d/witness.json" --did-witness "$d/did-witness.json" \
        --rpc "$RPC_URL" --contract "$WA_CONTRACT" --chain-id 31337
done
t_eq "vc 1: the log embeds the credential as posted" "$(tail -1 "$(DIR 1)/did.jsonl" | jq -cS .state.event)" "$(jq -cS . "$T_TMP/first.json")"

scenario behaviour vc-issued-by-digital-bazaar "a credential issued by Digital Bazaar's vc.issue (tests/node/vc-issue.mjs) with DID 2's key, posted" \
    "202 queued; anchored by the next run like our own credentials"
node "$WA_ROOT/tests/node/vc-issue.mjs" wa-test-subject-2 "$D2" "$(U 2 2)" >"$T_TMP/db.json" || t_fail "vc-issue.mjs" "$(cat "$T_TMP/db.json")"
post "$(cat "$T_TMP/db.json")"; accepted "Digital Bazaar's credential" "$(U 2 2)"

scenario behaviour vc-didlog-sign-event "a producer's own DID (didlog create, POST /dids) and a credential from the shell: didlog sign-event --format vc --type Installed" \
    "an ObjectEvent installing about the DID, 202 queued under its UUID, anchored by the next run"
DL=$WA_ROOT/$BIN/didlog
"$DL" keygen --out "$T_TMP/producer.key" >/dev/null
PDID=$("$DL" create --domain "$WA_DOMAIN" --path .well-known --path did --path '{SCID}' \
      --update-key "$T_TMP/publisher.key" --witness "$T_TMP/publisher.key" --key "$T_TMP/producer.key" \
      --out "$T_TMP/pgen.jsonl") || t_fail "didlog create" "$PDID"
CODE=$(curl -s -o "$T_TMP/resp" -w '%{http_code}' -H 'Content-Type: application/jsonl' --data-binary "@$T_TMP/pgen.jsonl" "$URL/dids")
t_eq "producer DID registered: 202" "$CODE" 202
pipe_run; [ "$RUN_RC" = 0 ] || t_fail "producer genesis run" "$(tail -3 "$RUN_LOG")"
"$DL" sign-event --key "$T_TMP/producer.key" --did "$PDID" --type Installed --data '{"site":"Berlin"}' --format vc >"$T_TMP/sh.json"
t_eq "sign-event --format vc: an ObjectEvent installing about the DID" \
    "$(jq -r '[.type[1], .issuer == $d, .credentialSubject.type, .credentialSubject.bizStep, .credentialSubject.epcList[0] == $d, .credentialSubject.details.site] | join(" ")' --arg d "$PDID" "$T_TMP/sh.json")" \
    "DigitalTraceabilityEvent true ObjectEvent installing true Berlin"
PUUID=$(jq -r '.id | ltrimstr("urn:uuid:")' "$T_TMP/sh.json")
post "$(cat "$T_TMP/sh.json")"; accepted "shell credential" "$PUUID"

scenario attack vc-issuer-not-did "a credential about DID 1 (epcList) issued as DID 2 and signed with DID 2's key; one issued as DID 2 signed with DID 1's key (naming DID 2's or DID 1's method)" \
    "422 invalid: the event is not about the issuer; 401 bad_signature for a key of another DID; nothing queued"
mark
post "$(VC 2 "$(U 2 9)" subject="$D1")"
refused vc-issuer-not-did 422 invalid 'not about the issuer'
post "$(VC 1 "$(U 1 10)" issuer="$D2" subject="$D2")"
refused "vc-issuer-not-did: DID 1's key signs as issuer DID 2" 401 bad_signature 'signature|assertionMethod'
post "$(VC 1 "$(U 1 10)" issuer="$D2" subject="$D2" vm="$D1#key-1")"
refused "vc-issuer-not-did: issuer DID 2, DID 1's method" 401 bad_signature 'not an assertionMethod'

scenario attack vc-subject-mismatch "DID 1 issues a credential whose EPCIS event is about DID 2 (epcList, parentID)" \
    "422 invalid naming the subject; nothing queued"
mark
post "$(VC 1 "$(U 1 9)" subject="$D2")"
refused "vc-subject-mismatch: epcList" 422 invalid 'not about the issuer'
post "$(VC 1 "$(U 1 9)" subject="$D2" kind=AssociationEvent step=assembling)"
refused "vc-subject-mismatch: parentID" 422 invalid 'not about the issuer'

scenario attack vc-issuer-other-key "DID 1's credential signed by DID 2's key, naming DID 1's key-1" "401 bad_signature; nothing queued"
mark
post "$(VC 1 "$(U 1 8)" key=2)"
refused vc-issuer-other-key 401 bad_signature 'signature'

scenario attack vc-modified-after-signing "the credentialSubject's bizStep changed after the proof was made; the proof's @context removed; a relative #key-1 (no VC verifier can dereference it)" \
    "401 bad_signature for the change, 422 invalid for the proof without the credential's @context or with a relative method; nothing queued"
mark
post "$(VC 1 "$(U 1 7)" tamper=1)"
refused "vc-modified-after-signing: subject" 401 bad_signature 'signature'
post "$(VC 1 "$(U 1 7)" noproofctx=1)"
refused "vc-modified-after-signing: proof @context" 422 invalid '@context'
post "$(VC 1 "$(U 1 7)" vm=#key-1)"
refused "vc-modified-after-signing: relative verificationMethod" 422 invalid 'must be absolute'

scenario attack vc-replayed-id "the accepted credential sent again; a new credential re-using its id; a plain event whose id is that UUID" \
    "409 replay each time; nothing queued"
mark
post "$(VC 4 "$(U 4 1)")"; accepted "vc-replayed-id: first" "$(U 4 1)"
mark
post "$(cat "$T_TMP/body")"
refused "vc-replayed-id: same credential" 409 replay 'already accepted'
post "$(VC 4 "$(U 4 1)" step=shipping)"
refused "vc-replayed-id: new credential, same id" 409 replay 'already accepted'
post "$("$TT" sign 4 "$(U 4 1)")"
refused "vc-replayed-id: plain event, same id" 409 replay 'already accepted'

scenario attack vc-time-window "validUntil in the past (expired); validFrom an hour ahead; eventTime an hour ahead; validUntil before validFrom" \
    "422 invalid naming the field; nothing queued"
mark
post "$(VC 5 "$(U 5 1)" time=now-7200 until=now-3600)"
refused "vc-time-window: expired" 422 invalid 'validUntil.*expired'
post "$(VC 5 "$(U 5 2)" time=now+3600)"
refused "vc-time-window: validFrom ahead" 422 invalid 'validFrom .* in the future'
post "$(VC 5 "$(U 5 3)" time=now-60 until=now-120)"
refused "vc-time-window: until before from" 422 invalid 'validUntil'

scenario attack vc-unknown-context "a credential with a second @context (signed over), and one whose @context is only another URL" \
    "422 invalid: no other context accepted; nothing queued"
mark
post "$(VC 5 "$(U 5 4)" ctx=https://evil.example/ctx.jsonld)"
refused "vc-unknown-context: second" 422 invalid '@context'
post "$(VC 5 "$(U 5 4)" | jq -c '."@context"=["https://www.w3.org/2018/credentials/v1"]')"
refused "vc-unknown-context: v1" 422 invalid '@context'

scenario attack vc-worker-reverifies "a credential with a forged proof written straight into DID 5's stream (bypassing ingest)" \
    "the worker refuses it (dead letter, bad_signature); nothing published for it"
BEFORE=$(wc -l <"$(DIR 5)/did.jsonl")
"$TT" rawadd 5 "$(VC 5 "$(U 5 5)" tamper=1)" >/dev/null || t_fail "vc-worker-reverifies" rawadd
pipe_run
t_eq "vc-worker-reverifies: nothing appended" "$(wc -l <"$(DIR 5)/did.jsonl")" "$BEFORE"
if RCLI XRANGE 'wa:{s0}:dead' - + | grep -q "$(U 5 5)"; then t_ok "vc-worker-reverifies: dead letter"
else t_fail "vc-worker-reverifies: dead letter" "no dead letter for $(U 5 5)"; fi

scenario behaviour vc-after-rotation "DID 1 rotates its key with a plain KeyRotation (anchored); then a credential signed by the new key, and one signed by the old key-1" \
    "the history mixes both forms; the new key's credential is anchored; the old key's is 401 bad_signature"
NEWMK=$("$TT" genesis 1001 | jq -r '.state.verificationMethod[0].publicKeyMultibase')
post "$("$TT" sign 1 rot-1 type=KeyRotation "data={\"publicKeyMultibase\":\"$NEWMK\"}")"; accepted "rotation queued" rot-1
pipe_run; [ "$RUN_RC" = 0 ] || t_fail "rotation run" "$(tail -3 "$RUN_LOG")"
NEWFRAG=$(RCLI HGET "wa:{s0}:did:$(SCID 1)" keys | jq -r '.[0].id' | sed 's/.*#//')
mark
post "$(VC 1 "$(U 1 20)" key=1)"
refused "vc-after-rotation: old key" 401 bad_signature 'not an assertionMethod'
post "$(VC 1 "$(U 1 21)" key=1001 vm="$NEWFRAG")"; accepted "vc-after-rotation: new key" "$(U 1 21)"
pipe_run; [ "$RUN_RC" = 0 ] || t_fail "vc-after-rotation run" "$(tail -3 "$RUN_LOG")"
t_eq "vc-after-rotation: anchored" "$(RCLI HGET "wa:{s0}:events:$(SCID 1):$(U 1 21)" status)" anchored
d=$(DIR 1)
t_check "vc-after-rotation: didverify ANCHORED" "$DV" --log "$d/did.jsonl" --witness "$d/witness.json" --did-witness "$d/did-witness.json" \
    --rpc "$RPC_URL" --contract "$WA_CONTRACT" --chain-id 31337

scenario behaviour vc-interop "every published log, credentials embedded, read by implementations nobody here wrote" \
    "Digital Bazaar's @digitalbazaar/vc + eddsa-jcs-2022 verify every embedded credential (tests/node/vc-verify.mjs); didwebvh-ts resolves every log"
t_expect_rc "Digital Bazaar verifies every credential the logs embed" 0 node "$WA_ROOT/tests/node/vc-verify.mjs" "$FS" logs
t_check "vc-interop: 7 credentials" grep -q "verified 7 of 7 credentials (1 plain events skipped)" "$T_TMP/last.out"
t_eq "vc-interop: the shell's credential anchored" "$(RCLI HGET "wa:{s0}:events:$(cut -d: -f3 <<<"$PDID"):$PUUID" status)" anchored
t_eq "vc-interop: Digital Bazaar's credential anchored" "$(RCLI HGET "wa:{s0}:events:$(SCID 2):$(U 2 2)" status)" anchored
t_expect_rc "didwebvh-ts resolves every published log" 0 node "$WA_ROOT/tests/node/webvh-dirs.mjs" "$FS/.well-known/did"
V() { node "$WA_ROOT/tests/node/api-validate.mjs" schema "$WA_ROOT/docs" "$@"; }   # ajv 2020-12, docs/schemas
t_check "the posted credential matches docs/schemas/event.json" V event "$T_TMP/first.json"
t_check "the logs embedding credentials match did-log-entry.json" V did-log-entry "$(DIR 1)/did.jsonl" "$(DIR 2)/did.jsonl" "$(DIR 3)/did.jsonl"
VC 1 "$(U 1 30)" subject="$D2" | jq -c 'del(.credentialSubject.bizStep)' >"$T_TMP/nostep.json"
t_expect_rc "event.json refuses a credential without bizStep" 1 V event "$T_TMP/nostep.json"

scenario attack vc-rate-limit "DID 0 sends WA_RATE_LIMIT=10 credentials in a minute, then an 11th, then a plain event" \
    "the 11th and the plain event are 429 rate_limited: both forms share the DID's one limit"
for k in $(seq 1 10); do post "$(VC 0 "$(U 0 $k)")"; [ "$CODE" = 202 ] || t_fail "vc-rate-limit: credential $k" "got $CODE $RESP"; done
t_ok "vc-rate-limit: 10 credentials accepted"
mark
post "$(VC 0 "$(U 0 11)")"
refused "vc-rate-limit: 11th credential" 429 rate_limited 'more than 10 events'
post "$("$TT" sign 0 plain-after-vc)"
refused "vc-rate-limit: plain event" 429 rate_limited 'more than 10 events'

t_done
