#!/usr/bin/env bash
# redteam_store.sh -- adversarial suite against `anchord run` (real redis-server, anvil,
# file store; tests/svc/pipeline_env.sh): objects in the bucket tampered between runs,
# forged and reordered witness files, an edited batch manifest, and a poisoned queue
# (entries XADDed straight into Redis, bypassing ingest). Each scenario states the
# ATTACK and what is EXPECTED (tests/lib.sh `scenario`). Expected throughout
# (docs/pipeline.md "what the worker refuses to build on", DESIGN.md §4): the next run
# notices, dead-letters the DID's events with "store tampered: <rule>", never
# overwrites the objects (bytes compared), keeps anchoring every other DID in the same
# transaction, sends no transaction when nothing is valid; `didverify` reports INVALID.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
FS=$T_TMP/fs
pipe_env "file://$FS" || pipe_env_failed
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
DID() { "$TT" did "$1"; }
SCID() { DID "$1" | cut -d: -f3; }
DIR() { echo "$FS/.well-known/did/$(SCID "$1")"; }
count() { "$AD" batch-count 2>/dev/null; }
status() { RCLI HGET "wa:{s0}:events:$(SCID "$1"):$2" "${3:-status}"; }
dv() {   # N [extra args]: didverify the DID folder of subject N against the chain
    local d; d=$(DIR "$1"); shift
    "$WA_ROOT/$BIN/didverify" --log "$d/did.jsonl" --witness "$d/witness.json" --did-witness "$d/did-witness.json" \
        --rpc "$RPC_URL" --contract "$WA_CONTRACT" --chain-id 31337 "$@"
}

# ---- setup: 14 DIDs, each with a genesis and one event entry, anchored in 2 batches ----
"$TT" enqueue-dids 0 14 >/dev/null || t_fail setup register
pipe_run; [ "$RUN_RC" = 0 ] || t_fail setup "genesis run: $(tail -3 "$RUN_LOG")"
"$TT" events 0 14 14 v >"$T_TMP/v.jsonl"
"$AD" submit "$T_TMP/v.jsonl" >/dev/null || t_fail setup submit
pipe_run; [ "$RUN_RC" = 0 ] || t_fail setup "event run: $(tail -3 "$RUN_LOG")"
t_check "setup: every file valid before the attacks" "$TT" check
t_expect_rc "setup: didverify of an untouched DID is ANCHORED (exit 0)" 0 dv 0

# ---- the attacks on the bucket ----
jqi() { local f=$1; shift; jq -c "$@" "$f" >"$f.new" && mv "$f.new" "$f"; }   # edit a JSON file in place
sed -i 's/"site":"Berlin"/"site":"Paris"/' "$(DIR 1)/did.jsonl"
head -1 "$(DIR 2)/did.jsonl" >"$T_TMP/t" && cat "$T_TMP/t" >"$(DIR 2)/did.jsonl"
tail -1 "$(DIR 3)/did.jsonl" | jq -c '.versionId="3-QmForgedForgedForgedForgedForgedForgedForged1" | .state.event.data.site="Forged"' >>"$(DIR 3)/did.jsonl"
# a self-consistent anchor that is not on chain: a one-leaf tree whose root is the leaf hash
jqi "$(DIR 4)/witness.json" '.anchors[1] |= (.leafIndex=0 | .treeSize=1 | .proof=[] | .root=.leafHash | .batchId=4242)'
jqi "$(DIR 5)/witness.json" '.anchors[0].txHash="0x" + ("ab" * 32)'
jqi "$(DIR 6)/did-witness.json" '.[-1].proof[0].proofValue |= (.[0:5] + (if .[5:6]=="A" then "B" else "A" end) + .[6:])'
jqi "$(DIR 7)/witness.json" '.anchors |= reverse'
jqi "$(DIR 8)/did-witness.json" 'reverse'
rm "$(DIR 9)/did.jsonl"
cp "$(DIR 0)/witness.json" "$(DIR 10)/witness.json"
jqi "$(DIR 12)/did-witness.json" '.[:-1]'
# the bucket AND the registry: a forged entry appended, and the registry's head and
# did.jsonl digest rewritten to match it (what replaying a log on matching digests
# would trust: the record's mac, keyed by the publisher key, is what stops it)
tail -1 "$(DIR 13)/did.jsonl" | jq -c '.versionId="3-QmForgedForgedForgedForgedForgedForgedForged1" | .state.event.data.site="Forged"' >>"$(DIR 13)/did.jsonl"
RCLI HSET "wa:{s0}:did:$(SCID 13)" versionId 3-QmForgedForgedForgedForgedForgedForgedForged1 \
    logSha "$(sha256sum "$(DIR 13)/did.jsonl" | cut -d' ' -f1)" >/dev/null
MAN=$FS/batches/1.json
jqi "$MAN" '.leaves[0].leafHash = ("00" * 32)'
for n in 0 1 2 3 4 5 6 7 8 9 10 11 12 13; do
    (cd "$(DIR $n)" && sha256sum * 2>/dev/null) >"$T_TMP/sum.$n"
done
sha256sum "$MAN" >"$T_TMP/sum.man"

# ---- the poisoned queue (straight into Redis: the worker must never trust it) ----
XADD() { RCLI XADD "wa:{s0}:$1" '*' "${@:2}" >/dev/null; }
ev() { "$TT" sign "$@"; }
S11=$(SCID 11); D11=$(DID 11)
XADD events scid "$S11" id bad-sig did "$D11" body "$(ev 11 bad-sig tamper=1)"
XADD events scid "$(SCID 50)" id unreg did "$(DID 50)" body "$(ev 50 unreg)"
XADD events scid "$S11" id mix-1 did "$D11" body "$(ev 0 mix-1)"
XADD events scid "$S11" id notjson did "$D11" body 'not json {'
XADD events scid "$S11" id nobody did "$D11"
XADD events scid '../../../../etc' id trav did "$D11" body "$(ev 11 trav)"
XADD events scid "$S11" id "$(jq -r .id <<<"$(sed -n 12p "$T_TMP/v.jsonl")")" did "$D11" body "$(sed -n 12p "$T_TMP/v.jsonl")"
head -c 100000 /dev/zero | tr '\0' ' ' >"$T_TMP/pad"
XADD events scid "$S11" id big did "$D11" body "$(ev 11 big | sed "s/\"step\":\"made\"/\"step\":\"$(tr ' ' x <"$T_TMP/pad")\"/")"
G70=$("$TT" genesis 70 updater=71)
XADD dids scid "$(jq -r .parameters.scid <<<"$G70")" id genesis did "$(jq -r .state.id <<<"$G70")" body "$G70"
G0=$("$TT" genesis 0)
XADD dids scid "$(SCID 0)" id genesis did "$(DID 0)" body "$G0"
# and, through ingest, one ordinary event for every DID (tampered or not)
for n in 0 1 2 3 4 5 6 7 8 9 10 11 12 13; do ev $n after-$n; done >"$T_TMP/after.jsonl"
"$AD" submit "$T_TMP/after.jsonl" >/dev/null || t_fail setup "submit after"
C0=$(count)
pipe_run
t_eq "the attacked run still finishes (exit 0)" "$RUN_RC" 0
t_eq "one transaction for the valid events" "$(count)" $((C0 + 1))
DEAD=$T_TMP/dead.txt; RCLI XRANGE 'wa:{s0}:dead' - + >"$DEAD"

# tampered NAME N REASON-REGEX [DIDVERIFY-REGEX [DIDVERIFY-EXIT]]: DID N's event is rejected
# with the reason, its objects are byte for byte what the attacker left, didverify says
# INVALID (exit 1; or the exit given, e.g. 4 STALE).
tampered() {
    local name=$1 n=$2 why=$3 dvwhy=${4:-} dvrc=${5:-1}
    local r; r=$(status "$n" "after-$n" reason)
    [[ "$(status "$n" "after-$n")" == rejected && "$r" =~ ^store\ tampered:\ $why ]] && t_ok "$name: event rejected: $r" ||
        t_fail "$name: event rejected" "status $(status "$n" "after-$n") reason [$r], want ~ store tampered: $why"
    t_eq "$name: objects not overwritten" "$(cd "$(DIR "$n")" && sha256sum * 2>/dev/null)" "$(cat "$T_TMP/sum.$n")"
    grep -q "\"level\":\"error\",\"msg\":\"store tampered.*$(SCID "$n")" "$RUN_LOG" && t_ok "$name: logged as an error" ||
        t_fail "$name: logged as an error"
    if [ -n "$dvwhy" ]; then
        dv "$n" >"$T_TMP/dv.out" 2>&1; local rc=$?
        [ "$rc" = "$dvrc" ] && grep -qE "$dvwhy" "$T_TMP/dv.out" && t_ok "$name: didverify exit $dvrc" ||
            t_fail "$name: didverify exit $dvrc" "exit $rc: $(grep -E 'INVALID|stale|summary|error' "$T_TMP/dv.out" | head -3)"
    fi
}

scenario attack log-byte-edit "one byte of an anchored entry of did.jsonl edited in the bucket (Berlin -> Paris)" \
    "run: rejected 'store tampered: did.jsonl does not verify', not overwritten; didverify INVALID"
tampered log-byte-edit 1 'did.jsonl does not verify' 'INVALID'

scenario attack log-truncated "did.jsonl cut back to its genesis line (an anchored version removed)" \
    "run: 'store tampered: did.jsonl ends at 1-... but the registry's head is 2-...'; didverify STALE (exit 9: witness.json still anchors version 2 on chain)"
tampered log-truncated 2 'did.jsonl ends at 1-' '^stale: witness.json anchors version 2-' 9

scenario attack log-extended-forged "a forged entry appended to did.jsonl (copy of the head with a new versionId and data)" \
    "run: 'store tampered: did.jsonl does not verify'; didverify INVALID for the forged version"
tampered log-extended-forged 3 'did.jsonl does not verify' 'INVALID'

scenario attack witness-fake-anchor "witness.json: version 2's anchor replaced by a self-consistent one-leaf proof (root = leaf hash, batch 4242) that is on no chain" \
    "run: 'store tampered: witness.json ...' (the anchor is not the one published); didverify INVALID"
tampered witness-fake-anchor 4 'witness.json' 'INVALID'

scenario attack witness-txhash-edit "witness.json: version 1's txHash replaced" \
    "run: 'store tampered: witness.json ...'; didverify INVALID (receipt/transaction mismatch)"
tampered witness-txhash-edit 5 'witness.json' 'INVALID'

scenario attack did-witness-forged "did-witness.json: one character of the newest witness proof changed" \
    "run: 'store tampered: did.jsonl does not verify' (witness proof); didverify INVALID"
tampered did-witness-forged 6 '(did.jsonl does not verify|did-witness.json)' 'INVALID'

scenario attack witness-reordered "witness.json: anchors in reverse order" \
    "run: 'store tampered: witness.json: ... order'; didverify INVALID (unreadable witness file)"
tampered witness-reordered 7 'witness.json' ''
dv 7 >"$T_TMP/dv.out" 2>&1; rc=$?
[ "$rc" = 1 ] || [ "$rc" = 3 ] && t_ok "witness-reordered: didverify refuses (exit $rc)" || t_fail "witness-reordered: didverify" "exit $rc"

scenario attack did-witness-reordered "did-witness.json: its items in reverse order (same proofs, other bytes)" \
    "run: 'store tampered' (only anchord writes the bucket: any change of a published object is tampering)"
tampered did-witness-reordered 8 '' ''

scenario attack log-deleted "did.jsonl of an anchored DID deleted from the bucket" \
    "run: 'store tampered: did.jsonl is missing'; nothing is re-created from scratch"
tampered log-deleted 9 'did.jsonl is missing' ''
t_check "log-deleted: no did.jsonl re-created" test ! -e "$(DIR 9)/did.jsonl"

scenario attack witness-moved "witness.json of DID 0 copied over DID 10's (proofs moved to another DID)" \
    "run: 'store tampered: witness.json ...'; didverify INVALID"
tampered witness-moved 10 'witness.json' 'INVALID'

scenario attack did-witness-dropped "did-witness.json: the newest witness proof removed (version 2 no longer witnessed)" \
    "run: 'store tampered: did.jsonl does not verify' (witness threshold); didverify INVALID"
tampered did-witness-dropped 12 '(did.jsonl does not verify|did-witness.json)' 'INVALID'

scenario attack log-and-registry-forged "a forged entry appended to did.jsonl AND the registry's versionId and logSha rewritten to match it (bucket and Redis both written)" \
    "the record's mac (keyed by the publisher key) does not cover the new digest: the log is verified in full -> 'store tampered: did.jsonl does not verify'; didverify INVALID"
tampered log-and-registry-forged 13 'did.jsonl does not verify' 'INVALID'

scenario attack manifest-edited "batches/1.json: a leaf hash overwritten" \
    "never overwritten by later runs; didverify batch 1 says it does not rebuild the root (exit 1)"
t_eq "manifest-edited: bytes unchanged after the run" "$(sha256sum "$MAN")" "$(cat "$T_TMP/sum.man")"
"$WA_ROOT/$BIN/didverify" batch 1 --manifest "$MAN" --rpc "$RPC_URL" --contract "$WA_CONTRACT" >"$T_TMP/dvb.out" 2>&1
t_eq "manifest-edited: didverify batch exit 1" "$?" 1
t_check "manifest-edited: says the root does not match" grep -qiE 'root' "$T_TMP/dvb.out"

scenario attack untouched-dids-unaffected "the attacks above, in the same batch as ordinary events of DIDs 0 and 11" \
    "their events are anchored in the one transaction; their files verify (didverify exit 0)"
t_eq "untouched-dids-unaffected: DID 0 anchored" "$(status 0 after-0)" anchored
t_eq "untouched-dids-unaffected: DID 11 anchored" "$(status 11 after-11)" anchored
t_expect_rc "untouched-dids-unaffected: didverify DID 0" 0 dv 0
t_expect_rc "untouched-dids-unaffected: didverify DID 11" 0 dv 11

# dead NAME ID REGEX: the queue entry with this id is a dead letter with the reason
dead() {
    local r; r=$(RCLI XRANGE 'wa:{s0}:dead' - + | awk -v id="$2" 'prev=="id"{cur=$0} prev=="reason"{reason[cur]=$0} {prev=$0} END{print reason[id]}')
    [[ "$r" =~ $3 ]] && t_ok "$1: dead letter: $r" || t_fail "$1: dead letter" "reason [$r] want ~ $3"
}

scenario attack queue-bad-signature "an event with data changed after signing XADDed straight into the stream" \
    "the worker re-verifies: dead letter 'bad_signature', status rejected"
dead queue-bad-signature bad-sig '^bad_signature: .*signature'
t_eq "queue-bad-signature: status rejected" "$(status 11 bad-sig)" rejected

scenario attack queue-unregistered-did "a validly signed event of an unregistered DID XADDed" "dead letter 'unknown_did'"
dead queue-unregistered-did unreg '^unknown_did'

scenario attack queue-entry-mismatch "queue fields say DID 11, the body is DID 0's validly signed event" \
    "dead letter 'does not match its queue entry'; nothing appended to either DID"
dead queue-entry-mismatch mix-1 'does not match its queue entry'
t_check "queue-entry-mismatch: not in DID 0's log" bash -c "! grep -q '\"id\":\"mix-1\"' '$(DIR 0)/did.jsonl'"

scenario attack queue-not-json "a body that is not JSON" "dead letter 'malformed'"
dead queue-not-json notjson '^malformed'

scenario attack queue-missing-body "an entry without a body field (scid, id, did only)" \
    "dead-lettered (or dropped) as malformed; it must not stop the batch"
dead queue-missing-body nobody 'malformed|lacks'

scenario attack queue-scid-traversal "an entry whose scid field is ../../../../etc (store keys are built from it)" \
    "dead letter; no object read or written outside the DID folders; the batch goes on"
dead queue-scid-traversal trav '.'
t_eq "queue-scid-traversal: nothing written outside the store's DID folders" \
    "$(find "$FS" -type f | grep -vE "^$FS/(\.well-known/did/Qm[^/]+/(did\.jsonl|witness\.json|did-witness\.json|did\.json)|batches/[0-9]+\.json)$" | wc -l)" 0

scenario attack queue-replay-anchored "an already anchored event of DID 11 XADDed again" "dead letter 'replay: ... already in the log'"
dead queue-replay-anchored "$(jq -r .id <<<"$(sed -n 12p "$T_TMP/v.jsonl")")" '^replay: .*already in the log'

scenario attack queue-oversized "a 100 KB event XADDed (above WA_MAX_BODY)" "dead letter 'too_large'"
dead queue-oversized big '^too_large'

scenario attack queue-genesis-foreign-key "a genesis log whose only update key is the attacker's, XADDed to the dids stream" \
    "rejected: 'genesis log: ... updateKeys'; no DID published"
r=$(RCLI HGET "wa:{s0}:dids:$(jq -r .parameters.scid <<<"$G70"):genesis" reason)
[[ "$r" =~ updateKeys ]] && t_ok "queue-genesis-foreign-key: rejected: $r" || t_fail "queue-genesis-foreign-key" "reason [$r]"
t_check "queue-genesis-foreign-key: not published" test ! -e "$FS/.well-known/did/$(jq -r .parameters.scid <<<"$G70")"

scenario attack queue-genesis-again "DID 0's genesis XADDed again (re-registration of a published DID)" \
    "rejected: 'already registered'; DID 0's log untouched apart from its own new event"
r=$(RCLI XRANGE 'wa:{s0}:dead' - + | grep -c 'this DID is already registered')
t_eq "queue-genesis-again: dead letter" "$r" 1
t_eq "queue-genesis-again: DID 0 has 3 entries" "$(wc -l <"$(DIR 0)/did.jsonl")" 3

scenario attack only-tampered-work "a batch that holds only events of tampered DIDs" \
    "dead-lettered, and no transaction is sent (batchCount unchanged)"
for n in 1 4 5; do ev $n only-$n; done >"$T_TMP/only.jsonl"
"$AD" submit "$T_TMP/only.jsonl" >/dev/null
C1=$(count)
pipe_run
t_eq "only-tampered-work: exit 0" "$RUN_RC" 0
t_eq "only-tampered-work: no transaction" "$(count)" "$C1"
t_eq "only-tampered-work: rejected" "$(status 4 only-4)" rejected
t_done
