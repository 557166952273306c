#!/usr/bin/env bash
# redteam_trust.sh -- the verifier's trust model (DESIGN.md §9, invariant 7; docs/didverify.md
# "Trust model") against an insider holding the publisher (update), witness and relayer keys:
# test-tool insider writes entries the worker never would straight into the file store and
# anchors them on the real registry like any batch (real redis-server and anvil, file store;
# tests/svc/pipeline_env.sh). A history didverify calls ANCHORED must say only what the subject
# signed: each scenario states the ATTACK and what is EXPECTED (tests/lib.sh `scenario`).
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
FS=$T_TMP/fs
pipe_env "file://$FS" || pipe_env_failed
DV=$WA_ROOT/$BIN/didverify
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
DID() { "$TT" did "$1"; }
SCID() { DID "$1" | cut -d: -f3; }
DIR() { echo "$FS/.well-known/did/$(SCID "$1")"; }
sign() { "$TT" sign "$@"; }
mkOf() { "$TT" genesis "$1" | jq -r '.state.verificationMethod[0].publicKeyMultibase'; }   # subject N's key
head_state() { tail -1 "$(DIR "$1")/did.jsonl" | jq -c .state; }
nver() { wc -l <"$(DIR "$1")/did.jsonl" | tr -d ' '; }
dv() {   # N [extra args]: didverify the DID folder of subject N against the chain
    local d; d=$(DIR "$1"); shift
    "$DV" --log "$d/did.jsonl" --witness "$d/witness.json" --did-witness "$d/did-witness.json" \
        --rpc "$RPC_URL" --contract "$WA_CONTRACT" --chain-id 31337 "$@"
}
# dv_expect NAME N RC REGEX...: didverify of subject N exits RC and its output matches every REGEX
dv_expect() {
    local name=$1 n=$2 want=$3; shift 3
    dv "$n" >"$T_TMP/dv.out" 2>&1; local rc=$? bad=
    for re in "$@"; do grep -qE "$re" "$T_TMP/dv.out" || bad="$bad [$re]"; done
    [ "$rc" = "$want" ] && [ -z "$bad" ] && t_ok "$name" ||
        t_fail "$name" "exit $rc (want $want), missing$bad: $(grep -vE '^(ANCHORED|did:)' "$T_TMP/dv.out" | head -4)"
}
ATK=1001; ATK_MK=$(mkOf $ATK)   # the attacker's own key (a subject number no one registered)

# ---- setup: 10 DIDs, each with a genesis and one event entry, anchored in 2 batches ----
"$TT" enqueue-dids 0 10 >/dev/null || t_fail setup register
pipe_run; [ "$RUN_RC" = 0 ] || t_fail setup "genesis run: $(tail -3 "$RUN_LOG")"
"$TT" events 0 10 10 v >"$T_TMP/v.jsonl"
"$AD" submit "$T_TMP/v.jsonl" >/dev/null || t_fail setup submit
pipe_run; [ "$RUN_RC" = 0 ] || t_fail setup "event run: $(tail -3 "$RUN_LOG")"
t_expect_rc "setup: the worker's histories are ANCHORED" 0 dv 0

scenario attack silent-key-swap "with the publisher and relayer keys: version 3 carries a genuine subject-signed event but replaces the assertion key by the attacker's (no KeyRotation); version 4 a Recalled event signed by that key; both anchored and witnessed" \
    "didverify INVALID (exit 1): version 3 changes the assertion keys without a KeyRotation; version 4 follows the invalid version 3"
jq -c --argjson ev "$(sign 0 swap-1)" --arg mk "$ATK_MK" '.event = $ev | .verificationMethod[0].publicKeyMultibase = $mk' \
    <<<"$(head_state 0)" >"$T_TMP/a1.json"
jq -c --argjson ev "$(sign 0 recall-1 type=Recalled key=$ATK 'data={"reason":"forged"}')" '.event = $ev' "$T_TMP/a1.json" >"$T_TMP/a2.json"
"$TT" insider append "$(SCID 0)" "$T_TMP/a1.json" >/dev/null && "$TT" insider append "$(SCID 0)" "$T_TMP/a2.json" >/dev/null &&
    "$TT" insider anchor "$(SCID 0)" >/dev/null || t_fail "silent-key-swap: insider"
dv_expect "silent-key-swap: INVALID, version 3 named" 0 1 "^INVALID +3-.*changes the assertion keys without a KeyRotation" \
    "^INVALID +4-.*follows the invalid version 3" "^summary: INVALID"

scenario attack rotation-extra-key "a genuine KeyRotation of the subject (to its new key) whose entry also lists the attacker's key as a second assertion method; then an event signed by the attacker's key" \
    "didverify INVALID (exit 1): the assertion keys of version 3 are not exactly the KeyRotation's key"
NEWMK=$(mkOf 1002); V=$(( $(nver 1) + 1 ))
jq -c --argjson ev "$(sign 1 rot-1 type=KeyRotation "data={\"publicKeyMultibase\":\"$NEWMK\"}")" --arg mk "$NEWMK" \
    --arg amk "$ATK_MK" --arg v "$V" \
    '.event = $ev | .verificationMethod = [{id: (.id + "#key-" + $v), type: "Multikey", controller: .id, publicKeyMultibase: $mk},
      {id: (.id + "#x"), type: "Multikey", controller: .id, publicKeyMultibase: $amk}] | .assertionMethod = [(.id + "#key-" + $v), (.id + "#x")]' \
    <<<"$(head_state 1)" >"$T_TMP/b1.json"
jq -c --argjson ev "$(sign 1 recall-1 type=Recalled key=$ATK vm=x)" '.event = $ev' "$T_TMP/b1.json" >"$T_TMP/b2.json"
"$TT" insider append "$(SCID 1)" "$T_TMP/b1.json" >/dev/null && "$TT" insider append "$(SCID 1)" "$T_TMP/b2.json" >/dev/null &&
    "$TT" insider anchor "$(SCID 1)" >/dev/null || t_fail "rotation-extra-key: insider"
dv_expect "rotation-extra-key: INVALID, version 3 named" 1 1 "^INVALID +3-.*not exactly the KeyRotation's key" \
    "^INVALID +4-.*follows the invalid version 3"

scenario attack event-entry-edits-document "a genuine subject-signed event whose entry also changes the DID document (a service added pointing at the attacker's site)" \
    "didverify INVALID (exit 1): version 3 changes \"service\" of the DID document"
jq -c --argjson ev "$(sign 2 ev-2)" '.event = $ev | .service = [{id: (.id + "#recall"), type: "LinkedDomains", serviceEndpoint: "https://attacker.example"}]' \
    <<<"$(head_state 2)" >"$T_TMP/c1.json"
"$TT" insider append "$(SCID 2)" "$T_TMP/c1.json" >/dev/null && "$TT" insider anchor "$(SCID 2)" >/dev/null || t_fail "event-entry-edits-document: insider"
dv_expect "event-entry-edits-document: INVALID, version 3 named" 2 1 "^INVALID +3-.*changes \"service\" of the DID document"

scenario attack worker-extends-forged-log "DID 0's forged log (silent-key-swap) with the registry's head and the three digests rewritten to match it (Redis written too, the record's mac not: the worker re-checks the log); then an event signed by the attacker's key straight into the queue" \
    "the worker refuses to build on it (dead letter 'store tampered: did.jsonl: entry 3 ... changes the assertion keys'), nothing published"
d0=$(DIR 0); sha() { sha256sum "$1" | cut -d' ' -f1; }
RCLI HSET "wa:{s0}:did:$(SCID 0)" versionId "$(tail -1 "$d0/did.jsonl" | jq -r .versionId)" logSha "$(sha "$d0/did.jsonl")" \
    wjSha "$(sha "$d0/witness.json")" dwSha "$(sha "$d0/did-witness.json")" >/dev/null
S0=$(sha256sum "$d0/did.jsonl")
"$TT" rawadd 0 "$(sign 0 forged-2 key=$ATK)" >/dev/null
pipe_run
r=$(RCLI HGET "wa:{s0}:events:$(SCID 0):forged-2" reason)
[[ "$r" =~ ^store\ tampered:\ did.jsonl:\ entry\ 3.*changes\ the\ assertion\ keys ]] && t_ok "worker-extends-forged-log: refused: $r" ||
    t_fail "worker-extends-forged-log: refused" "status $(RCLI HGET "wa:{s0}:events:$(SCID 0):forged-2" status) reason [$r]"
t_eq "worker-extends-forged-log: did.jsonl untouched" "$(sha256sum "$d0/did.jsonl")" "$S0"

echo '{"ttl":60}' >"$T_TMP/ttl.json"
scenario attack maintenance-entry-accepted "publisher maintenance: an entry that re-embeds the document unchanged (same event) and only changes a parameter (ttl), anchored" \
    "didverify ANCHORED (exit 0), the entry's kind is maintenance (not a replayed event)"
"$TT" insider append "$(SCID 5)" <(head_state 5) "$T_TMP/ttl.json" >/dev/null && "$TT" insider anchor "$(SCID 5)" >/dev/null ||
    t_fail "maintenance-entry-accepted: insider"
dv_expect "maintenance-entry-accepted: ANCHORED" 5 0 "^summary: ANCHORED: 3 anchored" "^ANCHORED +3-.*publisher maintenance"

scenario attack maintenance-changes-service "an entry without a new event (the previous one re-embedded, a parameter changed) that adds a service to the DID document" \
    "didverify INVALID (exit 1): version 3 changes \"service\" in an entry without a new event"
jq -c '.service = [{id: (.id + "#shop"), type: "LinkedDomains", serviceEndpoint: "https://attacker.example"}]' <<<"$(head_state 3)" >"$T_TMP/m1.json"
"$TT" insider append "$(SCID 3)" "$T_TMP/m1.json" "$T_TMP/ttl.json" >/dev/null && "$TT" insider anchor "$(SCID 3)" >/dev/null ||
    t_fail "maintenance-changes-service: insider"
dv_expect "maintenance-changes-service: INVALID, version 3 named" 3 1 "^INVALID +3-.*changes \"service\" of the DID document in an entry without a new event"

scenario attack maintenance-swaps-key "an entry without a new event that swaps the assertion key for the attacker's; then an event signed by that key" \
    "didverify INVALID (exit 1): version 3 changes the assertion keys in an entry without a new event; version 4 follows it"
jq -c --arg mk "$ATK_MK" '.verificationMethod[0].publicKeyMultibase = $mk' <<<"$(head_state 4)" >"$T_TMP/k1.json"
jq -c --argjson ev "$(sign 4 recall-4 type=Recalled key=$ATK)" '.event = $ev' "$T_TMP/k1.json" >"$T_TMP/k2.json"
"$TT" insider append "$(SCID 4)" "$T_TMP/k1.json" "$T_TMP/ttl.json" >/dev/null && "$TT" insider append "$(SCID 4)" "$T_TMP/k2.json" >/dev/null &&
    "$TT" insider anchor "$(SCID 4)" >/dev/null || t_fail "maintenance-swaps-key: insider"
dv_expect "maintenance-swaps-key: INVALID, version 3 named" 4 1 "^INVALID +3-.*changes the assertion keys in an entry without a new event" \
    "^INVALID +4-.*follows the invalid version 3"

# mkgen N OUT: subject N's genesis log whose document embeds an event with an all-zero
# proofValue (the entry itself properly signed by the publisher key).
mkgen() {
    local g sc; g=$("$TT" genesis "$1"); sc=$(jq -r .parameters.scid <<<"$g")
    jq -c .state <<<"$g" | sed "s/$sc/{SCID}/g" | jq -c --arg t "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '.event = {id: "g-1", did: .id,
        type: "Manufactured", time: $t, data: {step: "made"}, proof: {type: "DataIntegrityProof", cryptosuite: "eddsa-jcs-2022",
        verificationMethod: (.id + "#key-1"), proofPurpose: "assertionMethod", proofValue: ("z" + ("1" * 64))}}' >"$T_TMP/gs.$1.json"
    jq -c '.parameters | del(.method, .scid)' <<<"$g" >"$T_TMP/gp.$1.json"
    "$TT" insider create "$T_TMP/gs.$1.json" "$T_TMP/gp.$1.json" >"$2"
}
gscid() { head -1 "$1" | jq -r .parameters.scid; }

scenario attack genesis-event-unsigned-ingest "POST /dids and anchord submit --dids: a genesis whose document embeds an event with an all-zero proofValue" \
    "401 bad_signature (submit: exit 1, bad_signature), the event named; nothing queued"
mkgen 20 "$T_TMP/g20.jsonl"
HP=$(freeport)
WA_LISTEN=127.0.0.1:$HP t_bg "$AD" serve 2>"$T_TMP/serve.log"
wait_port "$HP" 10 || t_fail "genesis-event-unsigned-ingest: serve" "$(tail -3 "$T_TMP/serve.log")"
Q0=$(RCLI XLEN 'wa:{s0}:dids')
CODE=$(curl -s -o "$T_TMP/resp" -w '%{http_code}' -H 'Content-Type: application/jsonl' --data-binary @"$T_TMP/g20.jsonl" \
    "http://127.0.0.1:$HP/dids")
grep -q '"error":"bad_signature"' "$T_TMP/resp" && grep -q 'event' "$T_TMP/resp" && [ "$CODE" = 401 ] &&
    t_ok "genesis-event-unsigned-ingest: POST /dids 401 bad_signature" || t_fail "genesis-event-unsigned-ingest: POST /dids" "$CODE $(cat "$T_TMP/resp")"
"$AD" submit --dids "$T_TMP/g20.jsonl" >"$T_TMP/sub.out" 2>&1; rc=$?
[ "$rc" = 1 ] && grep -q '"error":"bad_signature"' "$T_TMP/sub.out" && t_ok "genesis-event-unsigned-ingest: submit --dids refused" ||
    t_fail "genesis-event-unsigned-ingest: submit --dids" "exit $rc: $(cat "$T_TMP/sub.out")"
t_eq "genesis-event-unsigned-ingest: nothing queued" "$(RCLI XLEN 'wa:{s0}:dids')" "$Q0"

scenario attack genesis-event-unsigned-worker "the same kind of genesis XADDed straight into the dids stream (bypassing ingest)" \
    "the worker dead-letters it ('genesis log: event: signature ...'); not published"
mkgen 21 "$T_TMP/g21.jsonl"; S21=$(gscid "$T_TMP/g21.jsonl")
RCLI XADD 'wa:{s0}:dids' '*' scid "$S21" id genesis did "$(head -1 "$T_TMP/g21.jsonl" | jq -r .state.id)" \
    body "$(cat "$T_TMP/g21.jsonl")" >/dev/null
pipe_run
r=$(RCLI HGET "wa:{s0}:dids:$S21:genesis" reason)
[[ "$r" =~ ^genesis\ log:\ event:\ signature ]] && t_ok "genesis-event-unsigned-worker: dead letter: $r" ||
    t_fail "genesis-event-unsigned-worker: dead letter" "status $(RCLI HGET "wa:{s0}:dids:$S21:genesis" status) reason [$r]"
t_check "genesis-event-unsigned-worker: not published" test ! -e "$FS/.well-known/did/$S21"

scenario attack genesis-event-unsigned-verify "the insider publishes such a genesis itself, anchored and witnessed" \
    "didverify INVALID (exit 1): version 1's event signature does not verify"
mkgen 22 "$T_TMP/g22.jsonl"; S22=$(gscid "$T_TMP/g22.jsonl")
mkdir -p "$FS/.well-known/did/$S22" && cp "$T_TMP/g22.jsonl" "$FS/.well-known/did/$S22/did.jsonl"
"$TT" insider anchor "$S22" >/dev/null || t_fail "genesis-event-unsigned-verify: insider"
"$DV" --log "$FS/.well-known/did/$S22/did.jsonl" --witness "$FS/.well-known/did/$S22/witness.json" \
    --did-witness "$FS/.well-known/did/$S22/did-witness.json" --rpc "$RPC_URL" --contract "$WA_CONTRACT" >"$T_TMP/dv.out" 2>&1; rc=$?
[ "$rc" = 1 ] && grep -qE "^INVALID +1-.*event: signature" "$T_TMP/dv.out" && t_ok "genesis-event-unsigned-verify: INVALID" ||
    t_fail "genesis-event-unsigned-verify: INVALID" "exit $rc: $(cat "$T_TMP/dv.out")"

# ---- rollback and the read path: DIDs 6 and 7 get a third version in a later batch ----
"$TT" events 6 8 2 w >"$T_TMP/w.jsonl" && "$AD" submit "$T_TMP/w.jsonl" >/dev/null && pipe_run
"$TT" events 8 9 1 x >"$T_TMP/x.jsonl" && "$AD" submit "$T_TMP/x.jsonl" >/dev/null && pipe_run   # a later batch without them
t_eq "setup: DIDs 6 and 7 have 3 versions, a batch after theirs" "$(nver 6) $(nver 7) $RUN_RC" "3 3 0"
MIR=$T_TMP/mirror; cp -r "$FS" "$MIR"
MD6=$MIR/.well-known/did/$(SCID 6)
cut2() {   # DIR: the three files cut back to the first two versions, consistently
    head -n 2 "$1/did.jsonl" >"$1/x" && mv "$1/x" "$1/did.jsonl"
    jq -c '.anchors |= .[:2]' "$1/witness.json" >"$1/x" && mv "$1/x" "$1/witness.json"
    jq -c --argjson keep "$(head -n 2 "$1/did.jsonl" | jq -s '[.[].versionId]')" '[.[] | select(.versionId as $v | $keep | index($v))]' \
        "$1/did-witness.json" >"$1/x" && mv "$1/x" "$1/did-witness.json"
}
cut2 "$MD6"
MHP=$(freeport); t_bg "$TT" httpstatic "$MIR" "$MHP"; wait_port "$MHP" 10
"$DV" anchors export --rpc "$RPC_URL" --contract "$WA_CONTRACT" --out "$T_TMP/anchors.json" >/dev/null 2>&1

scenario attack rollback-served-prefix "a server serves DID 6's history cut back consistently to version 2 (did.jsonl, witness.json and did-witness.json); version 3 is anchored in a later batch" \
    "didverify STALE (exit 9) naming the batch and the version: online (batchCount, then the manifests from the base URL) and offline (--anchors with --manifests DIR)"
"$DV" "$(DID 6)" --base-url "http://127.0.0.1:$MHP" --rpc "$RPC_URL" --contract "$WA_CONTRACT" >"$T_TMP/st.out" 2>&1; rc=$?
[ "$rc" = 9 ] && grep -qE "^stale: batch [0-9]+ anchors version 3-.* of this DID, but the served did.jsonl stops at version 2" "$T_TMP/st.out" &&
    grep -qE "^summary: STALE: 2 anchored" "$T_TMP/st.out" && t_ok "rollback-served-prefix: online STALE" ||
    t_fail "rollback-served-prefix: online STALE" "exit $rc: $(grep -vE '^(ANCHORED|did:)' "$T_TMP/st.out" | head -3)"
"$DV" --log "$MD6/did.jsonl" --witness "$MD6/witness.json" --did-witness "$MD6/did-witness.json" --anchors "$T_TMP/anchors.json" \
    --manifests "$FS/batches" >"$T_TMP/st.out" 2>&1; rc=$?
[ "$rc" = 9 ] && grep -qE "^stale: batch [0-9]+ anchors version 3-" "$T_TMP/st.out" && t_ok "rollback-served-prefix: offline STALE" ||
    t_fail "rollback-served-prefix: offline STALE" "exit $rc: $(grep -vE '^(ANCHORED|did:)' "$T_TMP/st.out" | head -3)"
"$DV" "$(DID 6)" --base-url "http://127.0.0.1:$MHP" --rpc "$RPC_URL" --contract "$WA_CONTRACT" --json >"$T_TMP/st.json" 2>&1
t_eq "rollback-served-prefix: --json verdict STALE with its reason" "$(jq -r '.verdict + " " + (.stale | test("anchors version 3-") | tostring)' "$T_TMP/st.json")" "STALE true"
"$DV" "$(DID 8)" --base-url "http://127.0.0.1:$MHP" --rpc "$RPC_URL" --contract "$WA_CONTRACT" >"$T_TMP/st.out" 2>&1; rc=$?
[ "$rc" = 0 ] && grep -qE "^later batches: none" "$T_TMP/st.out" && t_ok "rollback-served-prefix: a current DID in the newest batch: ANCHORED, one eth_call" ||
    t_fail "rollback-served-prefix: current DID" "exit $rc: $(grep -vE '^(ANCHORED|did:)' "$T_TMP/st.out" | head -3)"
"$DV" "$(DID 9)" --base-url "http://127.0.0.1:$MHP" --rpc "$RPC_URL" --contract "$WA_CONTRACT" >"$T_TMP/st.out" 2>&1; rc=$?
[ "$rc" = 0 ] && grep -qE "^later batches [0-9]+\.\.[0-9]+: [0-9]+ manifests checked, 0 not published, 0 not the chain's; no later version" "$T_TMP/st.out" &&
    t_ok "rollback-served-prefix: a current DID with later batches: ANCHORED, every later manifest checked" ||
    t_fail "rollback-served-prefix: DID 9" "exit $rc: $(grep -vE '^(ANCHORED|did:)' "$T_TMP/st.out" | head -3)"
"$DV" "$(DID 9)" --base-url "http://127.0.0.1:$MHP" --rpc "$RPC_URL" --contract "$WA_CONTRACT" --stale-batches 1 >"$T_TMP/st.out" 2>&1; rc=$?
[ "$rc" = 0 ] && grep -q "stopped early (--stale-batches): freshness not known" "$T_TMP/st.out" && t_ok "rollback-served-prefix: --stale-batches 1 says the scan stopped early" ||
    t_fail "rollback-served-prefix: --stale-batches 1" "exit $rc: $(grep -vE '^(ANCHORED|did:)' "$T_TMP/st.out" | head -3)"

scenario attack log-older-than-proofs "DID 7 served as a reader sees it while a batch publishes (the worker writes witness.json and did-witness.json before did.jsonl): the new proofs with the previous did.jsonl" \
    "no INVALID: the proof of version 3 is not a fault of the log; it leads to a root on chain, so the history is STALE (exit 9), every version present ANCHORED"
MD7=$MIR/.well-known/did/$(SCID 7)
head -n 2 "$MD7/did.jsonl" >"$MD7/x" && mv "$MD7/x" "$MD7/did.jsonl"
"$DV" "$(DID 7)" --base-url "http://127.0.0.1:$MHP" --rpc "$RPC_URL" --contract "$WA_CONTRACT" >"$T_TMP/st.out" 2>&1; rc=$?
[ "$rc" = 9 ] && ! grep -q '^INVALID' "$T_TMP/st.out" && grep -qE "^stale: witness.json anchors version 3-.* in batch [0-9]+ \(its root is on chain\)" "$T_TMP/st.out" &&
    grep -qE "^summary: STALE: 2 anchored, 0 pending, 0 invalid" "$T_TMP/st.out" && t_ok "log-older-than-proofs: STALE, nothing INVALID" ||
    t_fail "log-older-than-proofs: STALE" "exit $rc: $(grep -vE '^(ANCHORED|did:)' "$T_TMP/st.out" | head -3)"
jq -c '.anchors[2].root = ("00" * 32)' "$MD7/witness.json" >"$MD7/x" && mv "$MD7/x" "$MD7/witness.json"
"$DV" "$(DID 7)" --base-url "http://127.0.0.1:$MHP" --rpc "$RPC_URL" --contract "$WA_CONTRACT" >"$T_TMP/st.out" 2>&1; rc=$?
[ "$rc" = 9 ] && grep -q "^note: witness.json anchors 1 version(s) did.jsonl does not have" "$T_TMP/st.out" &&
    grep -qE "^stale: batch [0-9]+ anchors version 3-" "$T_TMP/st.out" &&
    t_ok "log-older-than-proofs: a made-up proof beyond the log proves nothing (ignored); the manifests still show version 3" ||
    t_fail "log-older-than-proofs: made-up proof" "exit $rc: $(grep -vE '^(ANCHORED|did:)' "$T_TMP/st.out" | head -3)"

scenario attack untouched-history-anchored "the attacks above, on other DIDs of the same batches" \
    "an untouched DID's history stays ANCHORED (exit 0)"
dv_expect "untouched DID 9: ANCHORED" 9 0 "^summary: ANCHORED: 2 anchored"
t_done
