#!/usr/bin/env bash
# didverify_pipeline.sh -- didverify on what `anchord run` really publishes (file store,
# real redis-server and anvil): 20 DIDs, two event batches with a KeyRotation; every
# history ANCHORED offline (anchors export) and online (--rpc) and over HTTP; the
# batch manifests rebuild to the chain's roots; tampering with the published files
# is INVALID with its reason; an event signed by the rotated-out key that is
# slipped into the queue never reaches a log (the worker refuses it), so the
# history stays ANCHORED. The fine-grained tamper suite is didverify.sh.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
DV=$WA_ROOT/$BIN/didverify
FS=$T_TMP/fs
pipe_env "file://$FS" || pipe_env_failed
SCID() { "$TT" did "$1" | cut -d: -f3; }

t_check "register 20 DIDs" "$TT" enqueue-dids 0 20
pipe_run; t_eq "genesis batch" "$RUN_RC" 0
"$TT" events 0 20 40 ev >"$T_TMP/events.jsonl"
t_expect_rc "submit 40 events" 0 "$AD" submit "$T_TMP/events.jsonl"
pipe_run; t_eq "event batch" "$RUN_RC" 0
NEWMK=$("$TT" genesis 1001 | jq -r '.state.verificationMethod[0].publicKeyMultibase')
"$TT" sign 1 rot-1 type=KeyRotation "data={\"publicKeyMultibase\":\"$NEWMK\"}" >"$T_TMP/rot.jsonl"
"$TT" sign 2 more-2 >>"$T_TMP/rot.jsonl"
t_expect_rc "submit a KeyRotation" 0 "$AD" submit "$T_TMP/rot.jsonl"
"$TT" rawadd 1 "$("$TT" sign 1 old-key)" >/dev/null     # the rotated-out key, straight into the queue
pipe_run; t_eq "rotation batch" "$RUN_RC" 0

unset WA_RPC_URLS
t_expect_rc "anchors export" 0 "$DV" anchors export --rpc "$RPC_URL" --contract "$WA_CONTRACT" --out "$T_TMP/anchors.json"
t_eq "3 batches exported" "$(jq '.anchors | length' "$T_TMP/anchors.json")" 3
off() { local d=$FS/.well-known/did/$1; shift; "$DV" --log "$d/did.jsonl" --witness "$d/witness.json" --did-witness "$d/did-witness.json" "$@"; }
bad=0
for n in $(seq 0 19); do off "$(SCID "$n")" --anchors "$T_TMP/anchors.json" >"$T_TMP/o" 2>&1 || { bad=1; head -5 "$T_TMP/o"; }; done
[ $bad = 0 ] && t_ok "all 20 pipeline histories ANCHORED offline" || t_fail "pipeline histories offline"
t_expect_rc "DID 1 (rotated) online" 0 off "$(SCID 1)" --rpc "$RPC_URL" --contract "$WA_CONTRACT" --chain-id 31337
grep -q '"type":"KeyRotation"' "$FS/.well-known/did/$(SCID 1)/did.jsonl" && t_ok "DID 1's log holds the KeyRotation" || t_fail "rotation in log"
grep -q '"id":"old-key"' "$FS/.well-known/did/$(SCID 1)/did.jsonl" && t_fail "old-key event reached the log" || t_ok "the rotated-out key's event never reached the log"
HP=$(freeport); t_bg "$TT" httpstatic "$FS" "$HP"; wait_port "$HP" 10
t_expect_rc "DID 2 over HTTP (--base-url)" 0 "$DV" "$("$TT" did 2)" --base-url "http://127.0.0.1:$HP" --anchors "$T_TMP/anchors.json"
for b in 0 1 2; do
    t_expect_rc "batch $b rebuilds to the chain's root" 0 "$DV" batch "$b" --base-url "http://127.0.0.1:$HP" --rpc "$RPC_URL" --contract "$WA_CONTRACT"
done

# Tampering with published files.
cp -r "$FS/.well-known/did/$(SCID 3)" "$T_TMP/t1"
sed -i '2s/"ev-/"EV-/' "$T_TMP/t1/did.jsonl"
t_expect_rc "changed byte in an entry" 1 "$DV" --log "$T_TMP/t1/did.jsonl" --witness "$T_TMP/t1/witness.json" --did-witness "$T_TMP/t1/did-witness.json" --anchors "$T_TMP/anchors.json"
grep -q "^INVALID  2-.*entryHash does not match" "$T_TMP/last.out" && t_ok "reason: entryHash" || t_fail "reason" "$(cat "$T_TMP/last.out")"
cp -r "$FS/.well-known/did/$(SCID 4)" "$T_TMP/t2"
jq -c '.anchors[0].batchId = 1' "$T_TMP/t2/witness.json" >"$T_TMP/t2/w" && mv "$T_TMP/t2/w" "$T_TMP/t2/witness.json"
t_expect_rc "changed batchId" 1 "$DV" --log "$T_TMP/t2/did.jsonl" --witness "$T_TMP/t2/witness.json" --did-witness "$T_TMP/t2/did-witness.json" --rpc "$RPC_URL" --contract "$WA_CONTRACT"
grep -q "^INVALID  1-.*differs from the on-chain root .* of batch 1" "$T_TMP/last.out" && t_ok "reason: on-chain root" || t_fail "reason" "$(cat "$T_TMP/last.out")"
cp -r "$FS/.well-known/did/$(SCID 5)" "$T_TMP/t3"
head -n 1 "$T_TMP/t3/did.jsonl" >"$T_TMP/t3/x" && mv "$T_TMP/t3/x" "$T_TMP/t3/did.jsonl"
t_expect_rc "truncated log, proofs kept: STALE (exit 9)" 9 "$DV" --log "$T_TMP/t3/did.jsonl" --witness "$T_TMP/t3/witness.json" --did-witness "$T_TMP/t3/did-witness.json" --anchors "$T_TMP/anchors.json"
grep -q "^stale: witness.json anchors version 2-.*but the served did.jsonl stops at version 1" "$T_TMP/last.out" && t_ok "reason: stale" || t_fail "reason" "$(cat "$T_TMP/last.out")"
t_done
