#!/usr/bin/env bash
# pipeline_rotate.sh -- rotating the publisher (update) key of every hosted DID
# (docs/operations.md "Key management and rotation"), with real redis-server, anvil and a
# file store: the new key alone cannot extend logs still under the old one (clear dead
# letter); with WA_PREVIOUS_PUBLISHER_KEY the next entry of a DID moves its updateKeys to
# the new key, signed by the old one; `anchord rotate-publisher` does it for every DID;
# every log verifies (didlog, didwebvh-ts) and is anchored; the old key is then no longer
# needed and can no longer register DIDs.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
FS=$T_TMP/fs
pipe_env "file://$FS" || pipe_env_failed
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
A=$T_TMP/publisher.key; B=$T_TMP/new.key
"$WA_ROOT/$BIN/didlog" keygen --out "$B" >/dev/null
AMK=$(jq -r .publicKeyMultibase "$A"); BMK=$(jq -r .publicKeyMultibase "$B")
OLD() { WA_PUBLISHER_KEY_FILE=$A "$TT" "$@"; }   # subjects' DIDs derive from their genesis (key A)
SCID() { OLD did "$1" | cut -d: -f3; }
DIR() { echo "$FS/.well-known/did/$(SCID "$1")"; }
status() { RCLI HGET "wa:{s0}:events:$(SCID "$1"):$2" "${3:-status}"; }
count() { "$AD" batch-count 2>/dev/null; }
ukeys() { jq -rs '[.[] | .parameters.updateKeys // empty] | last | join(",")' "$(DIR "$1")/did.jsonl"; }
verify_all() {   # NAME: every log valid (test-tool check, didlog verify) and resolved by didwebvh-ts
    OLD check >"$T_TMP/check.out" 2>"$T_TMP/check.err"
    t_eq "$1: every file valid" "$? $(grep -c 'staging=0 failures=0' "$T_TMP/check.out")" "0 1"
    local ok=0 d
    for d in "$FS"/.well-known/did/*/; do
        "$WA_ROOT/$BIN/didlog" verify "$d/did.jsonl" --witness "$d/did-witness.json" >/dev/null 2>&1 && ok=$((ok + 1))
    done
    t_eq "$1: didlog verify: 20 logs" "$ok" 20
    node "$WA_ROOT/tests/node/webvh-dirs.mjs" "$FS/.well-known/did" >"$T_TMP/ts.out" 2>&1
    t_eq "$1: didwebvh-ts resolves all 20 logs to their head" "$(tail -1 "$T_TMP/ts.out")" "20 20"
}

OLD enqueue-dids 0 20 >/dev/null && pipe_run
t_eq "setup: 20 DIDs under key A" "$RUN_RC $(ukeys 0) $(ukeys 19)" "0 $AMK $AMK"

scenario fault rotate-without-previous "the publisher key replaced by B while the logs are still under A, WA_PREVIOUS_PUBLISHER_KEY unset" \
    "nothing is built on those DIDs: an error names WA_PREVIOUS_PUBLISHER_KEY, their events go back to the queue (status queued), no transaction, logs untouched"
# The witness key is a separate key (WA_WITNESS_KEY_FILE; it defaulted to the publisher
# key): the logs name A as their witness, so it stays A (witness rotation: docs/operations.md).
export WA_PUBLISHER_KEY_FILE=$B WA_WITNESS_KEY_FILE=$A
OLD events 0 2 2 nb >"$T_TMP/nb.jsonl"; "$AD" submit "$T_TMP/nb.jsonl" >/dev/null
N0=$(count); S0=$(sha256sum "$(DIR 0)/did.jsonl")
pipe_run
t_eq "without previous: run exit 0, no transaction" "$RUN_RC $(count)" "0 $N0"
t_check "without previous: the error names the cause" grep -q '"level":"error","msg":"cannot extend this DID.*WA_PREVIOUS_PUBLISHER_KEY missing' "$RUN_LOG"
t_eq "without previous: events still queued, not dead" "$(status 0 nb-0-0) $(RCLI XLEN 'wa:{s0}:events') $(RCLI XLEN 'wa:{s0}:dead')" "queued 2 0"
t_eq "without previous: log untouched" "$(sha256sum "$(DIR 0)/did.jsonl")" "$S0"
t_expect_rc "rotate-publisher without the previous key: exit 3" 3 "$AD" rotate-publisher

scenario fault witness-key-changed "the witness key replaced (WA_WITNESS_KEY_FILE=B) while the logs name A as their witness" \
    "nothing published that their witness threshold would reject: an error names WA_WITNESS_KEY, events stay queued"
WA_WITNESS_KEY_FILE=$B WA_PREVIOUS_PUBLISHER_KEY_FILE=$A pipe_run
t_eq "witness changed: run exit 0, no transaction" "$RUN_RC $(count)" "0 $N0"
t_check "witness changed: the error names WA_WITNESS_KEY" grep -q '"msg":"cannot extend this DID.*WA_WITNESS_KEY' "$RUN_LOG"
t_eq "witness changed: events still queued" "$(status 0 nb-0-0) $(RCLI XLEN 'wa:{s0}:events')" "queued 2"

scenario fault rotate-on-next-event "WA_PUBLISHER_KEY=B, WA_PREVIOUS_PUBLISHER_KEY=A; events for DIDs 0-4" \
    "each DID's first new entry sets updateKeys [B] and is signed by A; the next ones are signed by B; all verify"
export WA_PREVIOUS_PUBLISHER_KEY_FILE=$A
OLD events 0 5 10 ev >"$T_TMP/ev.jsonl"; "$AD" submit "$T_TMP/ev.jsonl" >/dev/null
pipe_run
t_eq "lazy: run exit 0, one transaction" "$RUN_RC $(count)" "0 $((N0 + 1))"
L=$(DIR 0)/did.jsonl
t_eq "lazy: DID 0's first new entry rotates to B, signed by A" \
    "$(sed -n 2p "$L" | jq -r '(.parameters.updateKeys | join(",")) + " " + (.proof[0].verificationMethod | split("#")[1])')" "$BMK $AMK"
t_eq "lazy: its next entry is signed by B, no parameters" \
    "$(sed -n 3p "$L" | jq -c '[.parameters, (.proof[0].verificationMethod | split("#")[1])]')" "[{},\"$BMK\"]"
t_eq "lazy: DIDs 0-4 under B, 5-19 still under A" "$(ukeys 4) $(ukeys 5)" "$BMK $AMK"
t_eq "lazy: every event anchored, the re-queued ones too" "$(status 0 ev-0-0) $(status 4 ev-4-4) $(status 0 nb-0-0) $(status 1 nb-1-1)" \
    "anchored anchored anchored anchored"
verify_all lazy

scenario fault rotate-publisher "anchord rotate-publisher with B and previous A, after DIDs 0-4 rotated through events" \
    "20 rotation entries queued; 15 DIDs rotate (state unchanged, signed by A), the 5 rotated already are dead-lettered as such; a second call queues none"
OUT=$("$AD" rotate-publisher); RC=$?
ID=$(jq -r .id <<<"$OUT")
t_eq "rotate-publisher: exit 0, 20 queued ($OUT)" "$RC $(jq -c '[.dids, .queued, .already]' <<<"$OUT")" "0 [20,20,0]"
pipe_run
t_eq "rotation batch: exit 0, one transaction" "$RUN_RC $(count)" "0 $((N0 + 2))"
ALL=$(for n in $(seq 0 19); do ukeys "$n"; done | sort -u)
t_eq "every DID now under B alone" "$ALL" "$BMK"
t_eq "rotation of DID 7: anchored, state unchanged" \
    "$(status 7 "$ID") $(tail -2 "$(DIR 7)/did.jsonl" | jq -s -c '.[0].state == .[1].state')" "anchored true"
t_check "already rotated (DID 2): dead-lettered as such" grep -q "already the publisher key" <<<"$(status 2 "$ID" reason)"
OUT=$("$AD" rotate-publisher)
t_eq "rotate-publisher again: nothing new queued" "$(jq -c '[.queued, .already]' <<<"$OUT")" "[0,20]"
verify_all rotated

scenario fault rotate-done "WA_PREVIOUS_PUBLISHER_KEY removed after the rotation; a genesis log under A submitted" \
    "events of every DID anchored with B alone; the genesis under the old key refused (updateKeys must be the publisher key)"
unset WA_PREVIOUS_PUBLISHER_KEY_FILE
OLD events 0 20 20 after >"$T_TMP/after.jsonl"; "$AD" submit "$T_TMP/after.jsonl" >/dev/null
OLD enqueue-dids 20 21 >/dev/null
pipe_run
t_eq "after: run exit 0" "$RUN_RC" 0
t_eq "after: 20 events anchored" "$(for n in $(seq 0 19); do status "$n" "after-$n-$n"; done | sort | uniq -c | awk '{print $2, $1}')" "anchored 20"
t_check "after: genesis under A refused" grep -q "updateKeys must be exactly the publisher's update key $BMK" \
    <<<"$(RCLI HGET "wa:{s0}:dids:$(SCID 20):genesis" reason)"
WA_PREVIOUS_PUBLISHER_KEY_FILE=$B t_expect_rc "previous key = publisher key: run refuses (exit 3)" 3 "$AD" run

scenario attack rotate-publisher-verifies "didverify on every DID after rotate-publisher, the lazy rotations and the events after them" \
    "every history ANCHORED (exit 0): the rotation entries are publisher maintenance (docs/formats.md \"Entry kinds\"), not a replayed event"
ok=0; fails=
for d in "$FS"/.well-known/did/*/; do
    "$WA_ROOT/$BIN/didverify" --log "$d/did.jsonl" --witness "$d/witness.json" --did-witness "$d/did-witness.json" \
        --rpc "$RPC_URL" --contract "$WA_CONTRACT" --chain-id 31337 >"$T_TMP/dv.out" 2>&1 && ok=$((ok + 1)) ||
        fails="$fails $(grep -m1 INVALID "$T_TMP/dv.out")"
done
t_eq "rotate-publisher-verifies: didverify exit 0 on all 20 DIDs${fails:+ (first: ${fails:0:200})}" "$ok" 20
"$WA_ROOT/$BIN/didverify" --log "$(DIR 7)/did.jsonl" --witness "$(DIR 7)/witness.json" --did-witness "$(DIR 7)/did-witness.json" \
    --rpc "$RPC_URL" --contract "$WA_CONTRACT" --json >"$T_TMP/dv7.json" 2>&1
t_eq "rotate-publisher-verifies: DID 7's rotation entry is publisher maintenance" \
    "$(jq -r '[.versions[] | .kind] | join(",")' "$T_TMP/dv7.json")" "genesis,maintenance,event"
t_done
