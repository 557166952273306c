#!/usr/bin/env bash
# pipeline_pkcs11.sh -- `anchord run` with every key in a PKCS#11 token (docs/hsm.md): real
# redis-server, anvil, the file store and a throw-away SoftHSM2 token (tests/svc/softhsm.sh).
# The publisher, witness and relayer keys imported into the token anchor and publish batches
# that verify (test-tool check, didlog, didwebvh-ts) exactly as with the key files; one PIN
# from the environment logs in once for the three; the registry mac survives runs; a token
# that goes away mid-batch fails the batch without dead-lettering anything; and
# `anchord rotate-publisher` moves every DID from a key file to a key born in the token.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
source "$WA_ROOT/tests/svc/softhsm.sh"
FS=$T_TMP/fs
pipe_env "file://$FS" || pipe_env_failed
hsm_need "$T_TMP/hsm"
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
A=$T_TMP/publisher.key W=$T_TMP/witness.key R=$T_TMP/relayer.key
"$WA_ROOT/$BIN/didlog" keygen --out "$W" >/dev/null
hsm_import_ed "$A" publisher && hsm_import_ed "$W" witness && hsm_import_k1 "$R" relayer
t_eq "setup: three keys imported" "$?" 0
# The subjects' side (test-tool: genesis logs, events) holds the key files, like a publisher's
# onboarding tool; anchord sees only the token.
FILES() { WA_PUBLISHER_KEY_FILE=$A WA_WITNESS_KEY_FILE=$W WA_RELAYER_KEY_FILE=$R "$@"; }
PT() { FILES "$TT" "$@"; }
SCID() { PT did "$1" | cut -d: -f3; }
DIR() { echo "$FS/.well-known/did/$(SCID "$1")"; }
status() { RCLI HGET "wa:{s0}:events:$(SCID "$1"):$2" status; }
count() { "$AD" batch-count 2>/dev/null; }
ukeys() { jq -rs '[.[] | .parameters.updateKeys // empty] | last | join(",")' "$(DIR "$1")/did.jsonl"; }
signer() { sed -n "${2}p" "$(DIR "$1")/did.jsonl" | jq -r '.proof[0].verificationMethod | split("#")[1]'; }
verify_all() {   # NAME N [rotated]: every log valid (test-tool check, didlog verify) and resolved by didwebvh-ts
    PT check >"$T_TMP/check.out" 2>"$T_TMP/check.err"
    local rc=$? ok=0 d
    if [ -n "${3:-}" ]; then   # rotate-publisher's entry repeats its DID's last event (main's rule, not the keys'): only that
        t_eq "$1: every file valid but rotation entries' repeated events" \
            "$(grep -v 'is in two entries$' "$T_TMP/check.err" | wc -l) $(grep -c 'staging=0 failures=' "$T_TMP/check.out")" "0 1"
    else t_eq "$1: every file valid" "$rc $(grep -c 'staging=0 failures=0' "$T_TMP/check.out")" "0 1"; fi
    for d in "$FS"/.well-known/did/*/; do
        "$WA_ROOT/$BIN/didlog" verify "$d/did.jsonl" --witness "$d/did-witness.json" >/dev/null 2>&1 && ok=$((ok + 1))
    done
    t_eq "$1: didlog verify with witness proofs: $2 logs" "$ok" "$2"
    node "$WA_ROOT/tests/node/webvh-dirs.mjs" "$FS/.well-known/did" >"$T_TMP/ts.out" 2>&1
    t_eq "$1: didwebvh-ts resolves all $2 logs to their head" "$(tail -1 "$T_TMP/ts.out")" "$2 $2"
}
AMK=$(jq -r .publicKeyMultibase "$A") WMK=$(jq -r .publicKeyMultibase "$W")
ADDR=$(FILES "$AD" address)

scenario fault all-keys-in-token "publisher, witness and relayer keys named by pkcs11: URIs (no pin-source), one WA_PKCS11_PIN; 20 genesis logs then 40 events" \
    "two batches anchored and published, signed in the token: every log verifies like the file keys' would; the registry mac made in the token lets the second batch replay the 20 logs"
export WA_PUBLISHER_KEY_FILE=$(hsm_uri publisher nopin) WA_WITNESS_KEY_FILE=$(hsm_uri witness nopin) \
       WA_RELAYER_KEY_FILE=$(hsm_uri relayer nopin) WA_PKCS11_PIN=$HSM_USER_PIN
t_eq "anchord address: the token's relayer is the file's" "$("$AD" address)" "$ADDR"
PT enqueue-dids 0 20 >/dev/null
pipe_run
t_eq "genesis batch: exit 0, one transaction" "$RUN_RC $(count)" "0 1"
t_eq "20 logs published" "$(find "$FS/.well-known/did" -name did.jsonl | wc -l)" 20
TX=$(jq -r '.anchors[0].txHash' "$(DIR 3)/witness.json")
t_eq "the anchor transaction was sent by the relayer (signed in the token)" \
    "$("$NODE_BIN/cast" tx "$TX" from --rpc-url "$RPC_URL" 2>/dev/null | tr A-F a-f)" "$(tr A-F a-f <<<"$ADDR")"
t_eq "did-witness.json proof by the token's witness key" \
    "$(jq -r '.[0].proof[0].verificationMethod' "$(DIR 3)/did-witness.json")" "did:key:$WMK#$WMK"
PT events 0 20 40 ev >"$T_TMP/ev.jsonl"
t_expect_rc "anchord submit with the token's public keys, no PIN anywhere: exit 0" 0 env -u WA_PKCS11_PIN "$AD" submit "$T_TMP/ev.jsonl"
pipe_run
t_eq "event batch: exit 0, a second transaction" "$RUN_RC $(count)" "0 2"
t_eq "40 events anchored" "$(for n in $(seq 0 19); do status "$n" "ev-$n-$n"; status "$n" "ev-$n-$((n + 20))"; done | sort | uniq -c | awk '{print $2, $1}')" "anchored 40"
t_eq "entry 2 of DID 5 signed by the publisher key (in the token)" "$(signer 5 2)" "$AMK"
t_check "registry mac from the token's signature: the 20 logs replayed, none re-verified" \
    grep -q '"msg":"batch built".*"tampered":0,"replayed":20' "$RUN_LOG"
verify_all "token keys" 20

scenario fault token-lost-mid-batch "the token's files vanish while anchord run waits for events (keys already open); 10 events arrive" \
    "the batch fails (exit 1) before anything is signed or sent: no dead letter, no transaction, the events stay queued; with the token back the next run anchors them"
N0=$(count)
PT events 0 10 10 lost >"$T_TMP/lost.jsonl"
WA_BATCH_MAX_WAIT=20s "$AD" run 2>"$T_TMP/lost.log" >/dev/null &
RUNPID=$!
for i in $(seq 1 100); do grep -q '"msg":"anchord run"' "$T_TMP/lost.log" && break; sleep 0.1; done
t_check "the run is up with its keys open" grep -q '"msg":"anchord run"' "$T_TMP/lost.log"
mv "$HSM_DIR/tokens" "$HSM_DIR/tokens.away" && mkdir "$HSM_DIR/tokens"
FILES "$AD" submit "$T_TMP/lost.jsonl" >/dev/null
wait $RUNPID; RC=$?
t_eq "token lost: run exit 1 (batch failed, resumable)" "$RC" 1
t_check "token lost: the error names WA_PUBLISHER_KEY_FILE" grep -q '"msg":"batch failed.*WA_PUBLISHER_KEY_FILE' "$T_TMP/lost.log"
t_eq "token lost: no dead letter, no transaction" "$(RCLI XLEN 'wa:{s0}:dead') $(count)" "0 $N0"
t_eq "token lost: events still queued" "$(status 0 lost-0-0) $(status 9 lost-9-9)" "queued queued"
rm -rf "$HSM_DIR/tokens" && mv "$HSM_DIR/tokens.away" "$HSM_DIR/tokens"
pipe_run
# the failed batch is resumed first; events that came after its claim make a second one
N=$(count)
t_eq "token back: exit 0, the failed batch anchored (and the rest)" "$RUN_RC $([ "$N" -gt "$N0" ] && [ "$N" -le $((N0 + 2)) ] && echo ok)" "0 ok"
t_check "token back: the failed batch was resumed" grep -q '"msg":"resuming batch"' "$RUN_LOG"
t_eq "token back: the 10 events anchored" "$(for n in $(seq 0 9); do status "$n" "lost-$n-$n"; done | sort -u)" anchored

scenario fault rotate-file-to-token "DIDs under the file key A; B generated in the token (anchord token-keygen); WA_PUBLISHER_KEY_FILE=B's URI, WA_PREVIOUS_PUBLISHER_KEY_FILE=A's file; anchord rotate-publisher" \
    "rotate-publisher needs no PIN; every DID's updateKeys move to B in entries signed by A; later entries are signed in the token by B; all verify"
unset WA_PKCS11_PIN
BMK=$("$AD" token-keygen ed25519 "$(hsm_uri born-publisher)" | jq -r .publicKeyMultibase)
t_eq "B born in the token, non-exportable" "$("$TT" p11 open ed25519 "$(hsm_uri born-publisher)" | cut -d' ' -f2)" non-exportable
export WA_PUBLISHER_KEY_FILE=$(hsm_uri born-publisher nopin) WA_PREVIOUS_PUBLISHER_KEY_FILE=$A
OUT=$("$AD" rotate-publisher 2>"$T_TMP/rot.err"); RC=$?
t_eq "rotate-publisher with no PIN at all: exit 0, 20 queued ($OUT)" "$RC $(jq -c '[.dids, .queued]' <<<"$OUT" 2>/dev/null)" "0 [20,20]"
export WA_PUBLISHER_KEY_FILE=$(hsm_uri born-publisher) WA_WITNESS_KEY_FILE=$(hsm_uri witness) WA_RELAYER_KEY_FILE=$(hsm_uri relayer)
N1=$(count)
pipe_run
t_eq "rotation batch: exit 0, one transaction" "$RUN_RC $(count)" "0 $((N1 + 1))"
t_eq "every DID now under B alone" "$(for n in $(seq 0 19); do ukeys "$n"; done | sort -u)" "$BMK"
LAST=$(wc -l <"$(DIR 7)/did.jsonl")
t_eq "DID 7's rotation entry is signed by A (the file key)" "$(signer 7 "$LAST")" "$AMK"
unset WA_PREVIOUS_PUBLISHER_KEY_FILE
PT events 0 20 20 after >"$T_TMP/after.jsonl"
FILES "$AD" submit "$T_TMP/after.jsonl" >/dev/null
pipe_run
t_eq "after: exit 0, 20 events anchored" "$RUN_RC $(for n in $(seq 0 19); do status "$n" "after-$n-$n"; done | sort -u)" "0 anchored"
t_eq "after: DID 7's new entry is signed by B (in the token)" "$(signer 7 $((LAST + 1)))" "$BMK"
verify_all "rotated to a token key" 20 rotated
t_done
