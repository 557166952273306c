#!/usr/bin/env bash
# pipeline_crash.sh -- DESIGN.md §4 under failure: `anchord run` is SIGKILLed at every
# state transition of the batch journal (WA_CRASH_AT=STATE and before:STATE) and run
# again; after each, no event is lost, no entry is published twice, every file is valid
# and each batch has exactly one anchor on chain. Then: Redis killed mid-batch, the RPC
# down, SIGTERM mid-batch, a foreign writer changing a did.jsonl between anchoring and
# publishing (leaves "unused", events re-queued). Real redis-server, anvil, file store.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
FS=$T_TMP/fs
pipe_env "file://$FS" || pipe_env_failed
export WA_LEASE_TTL_MS=1000    # a killed worker's lease expires quickly (the next run waits it out)
RCLI() { redis-cli -p "$REDIS_PORT" "$@"; }
count() { "$AD" batch-count 2>/dev/null; }
anchored() {   # anchored FILE: how many events of the JSONL file have status anchored
    jq -r '.did + " " + .id' "$1" | sed 's/^did:webvh:\([^:]*\):[^ ]* \(.*\)/HGET wa:{s0}:events:\1:\2 status/' |
        RCLI | grep -c '^anchored$'
}
check() {   # check NAME: the whole store is valid, nothing staged is left
    "$TT" check >"$T_TMP/check.out" 2>"$T_TMP/check.err"
    local rc=$?
    if [ $rc -eq 0 ] && grep -q "staging=0 failures=0" "$T_TMP/check.out"; then t_ok "$1: every file valid"
    else t_fail "$1: every file valid" "$(head -c 400 "$T_TMP/check.err") $(tail -1 "$T_TMP/check.out")"; fi
}

"$TT" enqueue-dids 0 20 >/dev/null && pipe_run
t_eq "setup: 20 DIDs published" "$RUN_RC $(count)" "0 1"

n=0
for at in before:claimed claimed before:built built before:staged staged before:submitted submitted \
          before:confirmed confirmed before:published published before:acked acked; do
    n=$((n + 1))
    "$TT" events 0 20 30 c$n >"$T_TMP/c$n.jsonl"
    "$AD" submit "$T_TMP/c$n.jsonl" >/dev/null 2>&1
    N0=$(count)
    WA_CRASH_AT=$at pipe_run
    t_eq "crash at $at: killed" "$RUN_RC" 137
    sleep 1.1     # the dead worker's lease expires; unjournaled entries become reclaimable (WA_RECLAIM_IDLE)
    pipe_run
    t_eq "crash at $at: next run exit 0" "$RUN_RC" 0
    pipe_run
    t_eq "crash at $at: a third run has nothing to do" "$RUN_RC $(grep -c 'batch done' "$RUN_LOG")" "0 0"
    t_eq "crash at $at: all 30 events anchored" "$(anchored "$T_TMP/c$n.jsonl")" 30
    t_eq "crash at $at: exactly one anchor" "$(count)" $((N0 + 1))
    check "crash at $at"
done
t_check "every root is roots(batchId) on chain" pipe_chain_roots "$T_TMP/check.out"
t_eq "no open batches left" "$(RCLI ZCARD 'wa:{s0}:batches')" 0

# Redis killed mid-batch (while waiting for the 2nd confirmation), restarted from its AOF.
"$TT" events 0 20 30 rk >"$T_TMP/rk.jsonl"; "$AD" submit "$T_TMP/rk.jsonl" >/dev/null 2>&1
N0=$(count)
WA_CONFIRMATIONS=2 "$AD" run 2>"$T_TMP/rk.log" & P=$!
for _ in $(seq 100); do grep -q '"transaction journaled"' "$T_TMP/rk.log" && break; sleep 0.1; done
kill -9 "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null
"$NODE_BIN/cast" rpc --rpc-url "$RPC_URL" evm_mine >/dev/null
wait $P; R=$?
t_eq "Redis killed mid-batch: clean failure (exit 1)" "$R" 1
t_check "Redis killed: the error names Redis" grep -q "redis: " "$T_TMP/rk.log"
sleep 1.1
redis_restart
pipe_run
t_eq "Redis back: the next run finishes the batch" "$RUN_RC" 0
t_check "Redis back: it resumed the journaled transaction" grep -q "following the journaled transaction" "$RUN_LOG"
t_eq "Redis killed: all events anchored" "$(anchored "$T_TMP/rk.jsonl")" 30
t_eq "Redis killed: exactly one anchor" "$(count)" $((N0 + 1))
check "Redis killed"

# RPC down: the batch is staged, the node unreachable -> exit 4 (unavailable, README "Exit
# codes"); then it completes.
"$TT" events 0 20 30 rpc >"$T_TMP/rpc.jsonl"; "$AD" submit "$T_TMP/rpc.jsonl" >/dev/null 2>&1
N0=$(count)
WA_CRASH_AT=staged pipe_run; sleep 1.1
WA_RPC_URLS=http://127.0.0.1:$(freeport) pipe_run
t_eq "RPC down: clean failure (exit 4, unavailable)" "$RUN_RC" 4
t_check "RPC down: says so" grep -q "RPC\|rpc\|reach" "$RUN_LOG"
pipe_run
t_eq "RPC back: the next run finishes" "$RUN_RC" 0
t_eq "RPC down: all anchored, one anchor" "$(anchored "$T_TMP/rpc.jsonl") $(count)" "30 $((N0 + 1))"

# SIGTERM mid-batch: the current step finishes, the journal is consistent, exit 1; resumed.
"$TT" events 0 20 30 term >"$T_TMP/term.jsonl"; "$AD" submit "$T_TMP/term.jsonl" >/dev/null 2>&1
N0=$(count)
WA_CONFIRMATIONS=2 "$AD" run 2>"$T_TMP/term.log" & P=$!
for _ in $(seq 100); do grep -q '"transaction journaled"' "$T_TMP/term.log" && break; sleep 0.1; done
kill -TERM $P
"$NODE_BIN/cast" rpc --rpc-url "$RPC_URL" evm_mine >/dev/null
wait $P; R=$?
t_eq "SIGTERM mid-batch: exit 1 after the step" "$R" 1
t_check "SIGTERM: stopped at confirmed" grep -q "stopped by signal at state confirmed" "$T_TMP/term.log"
pipe_run
t_eq "SIGTERM: the next run finishes" "$RUN_RC $(anchored "$T_TMP/term.jsonl") $(count)" "0 30 $((N0 + 1))"
check "SIGTERM"

# A foreign writer changes DID 4's did.jsonl after the anchor, before publishing: its
# entries are not published (manifest "unused"), its events are re-queued; the next run
# refuses to build on the changed log (store tampered) and the other DIDs are fine.
S4=$("$TT" did 4 | cut -d: -f3)
"$TT" events 0 20 40 fw >"$T_TMP/fw.jsonl"; "$AD" submit "$T_TMP/fw.jsonl" >/dev/null 2>&1
WA_CRASH_AT=confirmed pipe_run; sleep 1.1
echo >>"$FS/.well-known/did/$S4/did.jsonl"
pipe_run
t_eq "foreign writer: batch completes" "$RUN_RC" 0
t_check "foreign writer: logged" grep -q "changed by another writer" "$RUN_LOG"
B=$(jq -r '.batchId' <(grep '"batch published"' "$RUN_LOG"))
t_eq "foreign writer: manifest marks its 2 leaves unused" "$(jq '[.leaves[] | select(.status == "unused")] | length' "$FS/batches/$B.json")" 2
t_eq "foreign writer: other events anchored" "$(anchored "$T_TMP/fw.jsonl")" 38
# the same run goes on to a new batch with the re-queued events, and refuses the changed log
t_check "foreign writer: its events were re-queued" grep -q '"msg":"rejected".*"id":"fw-4-4"' "$RUN_LOG"
t_eq "re-queued events refused on the changed log" "$(RCLI HGET "wa:{s0}:events:$S4:fw-4-4" reason | cut -c1-15)" "store tampered:"
t_eq "queue drained" "$(RCLI XLEN 'wa:{s0}:events')" 0
t_done
