#!/usr/bin/env bash
# redteam_budget.sh -- issue 14, "one producer must never stop the others" and "private
# objects in the public namespace", against `anchord run` on the file store (real
# redis-server and anvil; tests/svc/pipeline_env.sh). The attacks: one DID flooding its
# log through ingest and straight through the queue, an event above the per-event limit,
# a log over the read limit planted in the store (the 72.7 MB did.jsonl that stopped a
# whole shard), a damaged registry record, poisoned objects found when a crashed batch is
# resumed, and the keys the worker leaves in the store. Expected (DESIGN.md §4 invariant
# 6, §8): every DID's three files stay within WA_DID_BUDGET; ingest refuses what the
# budget cannot hold (413 budget_exceeded) and changes nothing; the worker dead-letters or
# defers the poisoned DID's events with the reason while every other DID of the batch is
# anchored and verifies; no later run fails; internal objects live under _wa/.
# tests/integration/redteam_budget_s3.sh runs the poisoned-DID attacks on S3.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
FS=$T_TMP/fs
pipe_env "file://$FS" || pipe_env_failed
BUDGET=262144
export WA_DID_BUDGET=$BUDGET WA_LEASE_TTL_MS=1000
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
DID() { "$TT" did "$1"; }
SCID() { DID "$1" | cut -d: -f3; }
DIR() { echo "$FS/.well-known/did/$(SCID "$1")"; }
status() { RCLI HGET "wa:{s0}:events:$(SCID "$1"):$2" "${3:-status}"; }
bytes() { cat "$(DIR "$1")"/{did.jsonl,witness.json,did-witness.json,did.json} | wc -c; }   # the four files of WA_DID_BUDGET
dv() {   # N: didverify the DID folder of subject N against the chain
    local d; d=$(DIR "$1")
    "$WA_ROOT/$BIN/didverify" --log "$d/did.jsonl" --witness "$d/witness.json" --did-witness "$d/did-witness.json" \
        --rpc "$RPC_URL" --contract "$WA_CONTRACT" --chain-id 31337
}
BLOB=$(head -c 12000 /dev/zero | tr '\0' x)
big() { "$TT" sign "$1" "$2" data="{\"blob\":\"$BLOB\"}"; }   # one event of ~12.4 KB
# one EVENTS...: queue one ordinary event per "N:ID" through ingest
one() { local a; for a in "$@"; do "$TT" sign "${a%%:*}" "${a#*:}"; done >"$T_TMP/one.jsonl"; "$AD" submit "$T_TMP/one.jsonl" >/dev/null; }
# anchored_ok NAME N ID: the event is anchored and DID N's files verify
anchored_ok() {
    t_eq "$1: DID $2's event anchored" "$(status "$2" "$3")" anchored
    t_expect_rc "$1: didverify DID $2 ANCHORED" 0 dv "$2"
}

"$TT" enqueue-dids 0 12 >/dev/null || t_fail setup register
pipe_run; t_eq "setup: 12 DIDs published" "$RUN_RC" 0

scenario attack did-budget-flood "with DID 1's key, 40 events of 12.4 KB each (500 KB) submitted through ingest; WA_DID_BUDGET=256 KiB" \
    "202 while the budget holds them, then 413 budget_exceeded with nothing queued; the run anchors every accepted event and the other DIDs' in one batch; DID 1's three files stay within 256 KiB and verify"
for i in $(seq 1 40); do big 1 flood-$i; done >"$T_TMP/flood.jsonl"
L0=$(RCLI XLEN 'wa:{s0}:events')
"$AD" submit "$T_TMP/flood.jsonl" >"$T_TMP/flood.out" 2>"$T_TMP/flood.err"
Q=$(grep -c '"status":"queued"' "$T_TMP/flood.out"); R=$(grep -c '"code":413,"error":"budget_exceeded"' "$T_TMP/flood.out")
echo "# flood: $Q queued, $R refused"
t_check "did-budget-flood: some accepted ($Q)" test "$Q" -ge 3
t_check "did-budget-flood: at least 10 refused 413 budget_exceeded ($R)" test "$R" -ge 10
t_eq "did-budget-flood: every event accepted or refused for the budget" "$((Q + R))" 40
t_eq "did-budget-flood: only the accepted ones queued" "$(RCLI XLEN 'wa:{s0}:events')" $((L0 + Q))
REG1="wa:{s0}:did:$(SCID 1)"
sum=0; for i in $(seq 1 40); do r=$(status 1 flood-$i reserved); sum=$((sum + ${r:-0})); done
t_eq "did-budget-flood: the DID's pending bytes are the sum its queued events reserved (refusals reserve nothing)" \
    "$(RCLI HGET "$REG1" pending)" "$sum"
t_check "did-budget-flood: published + reserved within the budget" test $(( $(RCLI HGET "$REG1" size) + sum )) -le $BUDGET
one 4:fl-4 5:fl-5
pipe_run
t_eq "did-budget-flood: run exit 0" "$RUN_RC" 0
t_check "did-budget-flood: DID 1's files within the budget ($(bytes 1) bytes)" test "$(bytes 1)" -le $BUDGET
n=0; for i in $(seq 1 40); do [ "$(status 1 flood-$i)" = anchored ] && n=$((n + 1)); done
t_eq "did-budget-flood: every accepted event anchored" "$n" "$Q"
t_expect_rc "did-budget-flood: didverify DID 1 ANCHORED" 0 dv 1
t_eq "did-budget-flood: published, nothing reserved any more; the registry's size is the files' bytes" \
    "$(RCLI HGET "$REG1" pending) $(RCLI HGET "$REG1" size)" "0 $(bytes 1)"
anchored_ok did-budget-flood 4 fl-4
t_eq "did-budget-flood: DID 5 anchored in the same batch" "$(status 5 fl-5)" anchored

scenario attack did-budget-queue-bypass "40 events of 12.4 KB for DID 6 XADDed straight into the stream (no ingest, no reservation), with an ordinary event of DID 0" \
    "the worker builds DID 6's versions while the budget holds, dead-letters the rest 'budget_exceeded: ...'; DID 6's files stay within 256 KiB and verify; DID 0 anchored"
for i in $(seq 1 40); do "$TT" rawadd 6 "$(big 6 raw-$i)" >/dev/null; done
one 0:rw-0
pipe_run
t_eq "did-budget-queue-bypass: run exit 0" "$RUN_RC" 0
t_check "did-budget-queue-bypass: DID 6's files within the budget ($(bytes 6) bytes)" test "$(bytes 6)" -le $BUDGET
# (anchored = in DID 6's published log: entries added past ingest have no status hash, and
# the worker writes an anchored status only where one exists -- docs/operations.md "Redis memory")
a=0; d=0; bad=0
jq -r '.state.event.id // empty' "$(DIR 6)/did.jsonl" | sort -u >"$T_TMP/ids6"
for i in $(seq 1 40); do
    if grep -qx "raw-$i" "$T_TMP/ids6"; then a=$((a + 1))
    elif [ "$(status 6 raw-$i)" = rejected ]; then
        d=$((d + 1)); [[ "$(status 6 raw-$i reason)" =~ ^budget_exceeded ]] || bad=$((bad + 1))
    fi
done
echo "# bypass: $a anchored, $d dead-lettered"
t_eq "did-budget-queue-bypass: every event anchored or dead-lettered" "$((a + d))" 40
t_check "did-budget-queue-bypass: at least 10 dead-lettered ($d)" test "$d" -ge 10
t_eq "did-budget-queue-bypass: every dead letter says budget_exceeded" "$bad" 0
t_expect_rc "did-budget-queue-bypass: didverify DID 6 ANCHORED" 0 dv 6
anchored_ok did-budget-queue-bypass 0 rw-0

scenario attack event-over-size-limit "an event whose canonical form is 20 KB (under WA_MAX_BODY, above the 16 KiB WA_MAX_EVENT) submitted" \
    "413 too_large naming WA_MAX_EVENT; nothing queued"
"$TT" sign 2 huge-1 data="{\"blob\":\"$(head -c 20000 /dev/zero | tr '\0' y)\"}" >"$T_TMP/huge.jsonl"
L0=$(RCLI XLEN 'wa:{s0}:events')
"$AD" submit "$T_TMP/huge.jsonl" >"$T_TMP/huge.out" 2>"$T_TMP/huge.err"
t_check "event-over-size-limit: 413 too_large" grep -q '"code":413,"error":"too_large".*WA_MAX_EVENT' "$T_TMP/huge.out"
t_eq "event-over-size-limit: nothing queued" "$(RCLI XLEN 'wa:{s0}:events')" "$L0"

scenario attack private-objects-file "the keys in the file store after a run killed right after the anchor (its staging bundle of not-yet-published log lines still there), and after the run that finishes the batch" \
    "only the public layout (<prefix>/<scid>/did.jsonl|witness.json|did-witness.json|did.json, batches/<n>.json) and internal objects under _wa/ (the staging bundle at _wa/staging/<id>.json, gone once the batch is done)"
one 0:po-0 4:po-4
WA_CRASH_AT=confirmed pipe_run
t_eq "private-objects-file: killed after confirmed" "$RUN_RC" 137
keys() { (cd "$FS" && find . -type f | sed 's|^\./||' | sort); }
public='^(\.well-known/did/Qm[^/]+/(did\.jsonl|witness\.json|did-witness\.json|did\.json)|batches/[0-9]+\.json|_wa/.+)$'
keys >"$T_TMP/keys.crash"
t_eq "private-objects-file: no key outside the public layout and _wa/" "$(grep -cvE "$public" "$T_TMP/keys.crash")" 0
t_check "private-objects-file: the staging bundle under _wa/staging/" grep -qE '^_wa/staging/[^/]+\.json$' "$T_TMP/keys.crash"
sleep 1.1
pipe_run
t_eq "private-objects-file: the next run finishes the batch" "$RUN_RC $(status 0 po-0)" "0 anchored"
keys >"$T_TMP/keys.done"
t_eq "private-objects-file: afterwards no key outside the public layout, none under _wa/" \
    "$(grep -cvE "$public" "$T_TMP/keys.done") $(grep -c '^_wa/' "$T_TMP/keys.done")" "0 0"

scenario fault staging-old-key-resume "a batch journaled by an older version, killed after the anchor: its journal names the staging bundle at the old key staging/<id>.json" \
    "the next run reads the bundle at the key its journal names, publishes the batch (didverify ANCHORED) and deletes that bundle"
one 4:ok-4 5:ok-5
WA_CRASH_AT=confirmed pipe_run
t_eq "staging-old-key-resume: killed after confirmed" "$RUN_RC" 137
ID=$(RCLI ZRANGE 'wa:{s0}:batches' 0 0)
mkdir -p "$FS/staging" && mv "$FS/_wa/staging/$ID.json" "$FS/staging/$ID.json"
RCLI HSET "wa:{s0}:batch:$ID" stagingKey "staging/$ID.json" >/dev/null
sleep 1.1
pipe_run
t_eq "staging-old-key-resume: the next run exit 0" "$RUN_RC" 0
anchored_ok staging-old-key-resume 4 ok-4
t_eq "staging-old-key-resume: DID 5 anchored" "$(status 5 ok-5)" anchored
t_check "staging-old-key-resume: the old bundle deleted" test ! -e "$FS/staging/$ID.json"

scenario attack oversized-log-blocks-shard "DID 3's did.jsonl grown to 65 MiB in the store (over the 64 MiB read limit: a log published before budgets, or planted), events of DIDs 3, 4 and 5 queued" \
    "the run exits 0, anchors DIDs 4 and 5 (didverify ANCHORED), dead-letters DID 3's event 'budget_exceeded: ...'; the next runs exit 0 and anchor new events"
one 3:ov-3 4:ov-4 5:ov-5
truncate -s 65M "$(DIR 3)/did.jsonl"
pipe_run
t_eq "oversized-log-blocks-shard: run exit 0" "$RUN_RC" 0
anchored_ok oversized-log-blocks-shard 4 ov-4
t_eq "oversized-log-blocks-shard: DID 5 anchored" "$(status 5 ov-5)" anchored
t_eq "oversized-log-blocks-shard: DID 3's event rejected" "$(status 3 ov-3)" rejected
[[ "$(status 3 ov-3 reason)" =~ ^budget_exceeded ]] && t_ok "oversized-log-blocks-shard: reason $(status 3 ov-3 reason)" ||
    t_fail "oversized-log-blocks-shard: reason" "[$(status 3 ov-3 reason)]"
t_eq "oversized-log-blocks-shard: the dead letter released its reservation" "$(RCLI HGET "wa:{s0}:did:$(SCID 3)" pending)" 0
one 4:ov2-4
pipe_run
t_eq "oversized-log-blocks-shard: the next run exit 0" "$RUN_RC" 0
t_eq "oversized-log-blocks-shard: and anchors" "$(status 4 ov2-4)" anchored

scenario attack damaged-registry-record "DID 2's registry record in Redis damaged (its keys field not JSON) while events of DIDs 2, 4 and 5 are queued" \
    "the run exits 0 and anchors DIDs 4 and 5; DID 2's event is deferred (still queued, an error names the record); repaired, the next run anchors it"
one 2:dr-2 4:dr-4 5:dr-5
RK="wa:{s0}:did:$(SCID 2)"; KEEP=$(RCLI HGET "$RK" keys)
RCLI HSET "$RK" keys 'not json' >/dev/null
pipe_run
t_eq "damaged-registry-record: run exit 0" "$RUN_RC" 0
anchored_ok damaged-registry-record 4 dr-4
t_eq "damaged-registry-record: DID 5 anchored" "$(status 5 dr-5)" anchored
t_eq "damaged-registry-record: DID 2's event deferred (queued)" "$(status 2 dr-2)" queued
t_check "damaged-registry-record: an error names the DID" grep -q "\"level\":\"error\".*$(SCID 2)" "$RUN_LOG"
RCLI HSET "$RK" keys "$KEEP" >/dev/null
pipe_run
t_eq "damaged-registry-record: repaired, the next run exit 0" "$RUN_RC" 0
anchored_ok damaged-registry-record 2 dr-2
t_eq "damaged-registry-record: its reservation kept while deferred, released once published" \
    "$(RCLI HGET "$RK" pending) $(status 2 dr-2 reserved)" "0 "

scenario attack poison-on-resume "the worker killed right after the anchor is confirmed (WA_CRASH_AT=confirmed); before the next run DID 7's witness.json is replaced by junk and DID 8's did-witness.json grown to 65 MiB" \
    "the resumed run publishes DIDs 9 and 10 of the batch (didverify ANCHORED) and exits 0; DID 8's event is dead-lettered 'budget_exceeded', DID 7's goes back to the queue and the next batch dead-letters it 'store tampered'; later runs exit 0"
one 7:pr-7 8:pr-8 9:pr-9 10:pr-10
WA_CRASH_AT=confirmed pipe_run
t_eq "poison-on-resume: killed after confirmed" "$RUN_RC" 137
echo junk >"$(DIR 7)/witness.json"
truncate -s 65M "$(DIR 8)/did-witness.json"
sleep 1.1
pipe_run
t_eq "poison-on-resume: resumed run exit 0" "$RUN_RC" 0
anchored_ok poison-on-resume 9 pr-9
anchored_ok poison-on-resume 10 pr-10
t_check "poison-on-resume: DID 7's event re-queued (an error says why)" grep -q '"level":"error","msg":"publishing this DID failed.*witness.json' "$RUN_LOG"
pipe_run
t_eq "poison-on-resume: the next run exit 0" "$RUN_RC" 0
[[ "$(status 7 pr-7)" == rejected && "$(status 7 pr-7 reason)" =~ ^store\ tampered ]] &&
    t_ok "poison-on-resume: DID 7 dead-lettered: $(status 7 pr-7 reason)" || t_fail "poison-on-resume: DID 7" "$(status 7 pr-7) [$(status 7 pr-7 reason)]"
[[ "$(status 8 pr-8)" == rejected && "$(status 8 pr-8 reason)" =~ ^budget_exceeded ]] &&
    t_ok "poison-on-resume: DID 8 dead-lettered: $(status 8 pr-8 reason)" || t_fail "poison-on-resume: DID 8" "$(status 8 pr-8) [$(status 8 pr-8 reason)]"
one 9:pr2-9
pipe_run
t_eq "poison-on-resume: a later run exit 0 and anchors" "$RUN_RC $(status 9 pr2-9)" "0 anchored"
t_done
