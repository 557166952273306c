#!/usr/bin/env bash
# fault_rpc.sh -- issue 9's RPC faults and malicious RPC answers: `anchord run` talks to
# anvil through test-tool faultproxy, which delays, fails (5xx, dropped connections,
# timeouts, JSON-RPC errors, "nonce too low", "replacement underpriced") or rewrites
# answers (wrong chain id, fake receipts, a wrong batchId); and a chain reorganisation
# (anvil evm_snapshot/evm_revert) while the worker waits for its confirmations. After every
# fault: no event lost, none twice, every published file valid, one anchor per batch, and
# every root published is the one the final chain holds under its batchId.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/pipeline_env.sh"
FS=$T_TMP/fs
pipe_env "file://$FS" || pipe_env_failed
source "$WA_ROOT/tests/svc/fault_env.sh"
CAST=$NODE_BIN/cast
RELAYER=$(WA_RPC_URLS=$RPC_URL "$AD" address 2>/dev/null)
nonce() { "$CAST" nonce --rpc-url "$RPC_URL" "$RELAYER"; }
fault_proxy "$ANVIL_PORT"
export WA_RPC_URLS=http://127.0.0.1:$PP WA_METRICS_TEXTFILE=$T_TMP/metrics.prom WA_TX_BUMP_SECONDS=2

"$TT" enqueue-dids 0 20 >/dev/null && pipe_run
t_eq "setup: 20 DIDs published through the proxy" "$RUN_RC $(count)" "0 1"

scenario fault rpc-slow "every RPC answer delayed by 300 ms" "the batch completes, one anchor"
rules 'delay 300'; mark slow; events slow
pipe_run
t_eq "slow RPC: exit 0" "$RUN_RC" 0
t_check "slow RPC: the delay was applied" test "$(since slow | grep -c -- '-> delay')" -gt 5
invariants slow 1

scenario fault rpc-5xx-and-drops "RPC requests answered 503, 502, 500 or a closed connection (the 2nd, 4th, 6th; then 20 % at random, seeded)" \
    "retried with fail-over back-off; the batch completes, one anchor, errors counted in rpc_errors_total"
rules 'nth=2 status 503' 'nth=4 status 502' 'nth=6 drop' 'frac=0.2 status 500'; mark flaky; events flaky
WA_RPC_ATTEMPTS=8 pipe_run
t_eq "flaky RPC: exit 0" "$RUN_RC" 0
t_check "flaky RPC: 5xx were injected" test "$(since flaky | grep -c -- '-> status')" -gt 0
t_check "flaky RPC: connections were dropped" test "$(since flaky | grep -c -- '-> drop')" -gt 0
t_check "flaky RPC: counted as rpc_errors_total{kind=http}" grep -q 'rpc_errors_total{kind="http"} [1-9]' "$T_TMP/metrics.prom"
invariants flaky 1

scenario fault rpc-timeout "the receipt request hangs (no answer) twice" \
    "WA_RPC_TIMEOUT_MS expires, the request is retried; the batch completes, one anchor"
rules 'rpc=eth_getTransactionReceipt times=2 hang'; mark hang; events hang
WA_RPC_TIMEOUT_MS=700 WA_RPC_ATTEMPTS=4 pipe_run
t_eq "hanging RPC: exit 0" "$RUN_RC" 0
t_eq "hanging RPC: two requests hung" "$(since hang | grep -c -- '-> hang')" 2
invariants hang 1

scenario fault rpc-node-error "eth_getTransactionReceipt answered with a JSON-RPC error (-32603) while following the tx" \
    "clean failure (exit 1, journal 'submitted'); the next run follows the journaled tx: one anchor"
rules 'rpc=eth_getTransactionReceipt from=1 rpcerror -32603 internal error: database is locked'; mark nerr; events nerr
pipe_run
t_eq "node error: exit 1" "$RUN_RC" 1
t_check "node error: the message is the node's" grep -q 'database is locked' "$RUN_LOG"
rules; pipe_run
t_eq "node error: the next run exit 0" "$RUN_RC" 0
t_check "node error: it followed the journaled transaction" grep -q 'following the journaled transaction' "$RUN_LOG"
invariants nerr 1

scenario fault nonce-too-low-landed "eth_sendRawTransaction reaches the node but the answer is 'nonce too low'" \
    "the worker follows its own tx hash and finds it mined: no second transaction, one anchor"
rules 'rpc=eth_sendRawTransaction nth=1 fwd rpcerror -32000 nonce too low'; mark ntl; events ntl
pipe_run
t_eq "nonce too low (landed): exit 0" "$RUN_RC" 0
t_eq "nonce too low (landed): injected once, one send" "$(since ntl | grep -c 'rpc=eth_sendRawTransaction')" 1
invariants ntl 1

scenario fault nonce-too-low-lost "eth_sendRawTransaction answered 'nonce too low' without reaching the node" \
    "the worker follows its hash, sees the nonce still free, re-sends (fee bump) after WA_TX_BUMP_SECONDS: one anchor"
rules 'rpc=eth_sendRawTransaction nth=1 rpcerror -32000 nonce too low'; mark ntl2; events ntl2
pipe_run
t_eq "nonce too low (lost): exit 0" "$RUN_RC" 0
t_check "nonce too low (lost): re-sent as a replacement" grep -q 'replaced with' "$RUN_LOG"
invariants ntl2 1

scenario fault replacement-underpriced "the first eth_sendRawTransaction is answered 'replacement transaction underpriced' (not sent)" \
    "the worker re-reads the pending nonce and sends again without leaving a nonce gap: one anchor, promptly"
rules 'rpc=eth_sendRawTransaction nth=1 rpcerror -32000 replacement transaction underpriced'; mark rup; events rup
N_BEFORE=$(nonce); t0=$SECONDS
WA_TX_TIMEOUT_SECONDS=20 pipe_run
t_eq "underpriced: exit 0" "$RUN_RC" 0
t_check "underpriced: done within 10 s (no stuck nonce gap)" test $((SECONDS - t0)) -lt 10
t_eq "underpriced: the relayer used exactly one nonce" "$(nonce)" $((N_BEFORE + 1))
invariants rup 1

# A reorganisation: the anchor is mined, then (while the worker waits for 3 confirmations)
# the chain reverts to before it, another transaction of the same key takes the nonce and
# batch id, and new blocks are mined. The worker must see its receipt vanish and anchor
# again; the batchId it publishes is the one the final chain holds for its root.
scenario fault chain-reorg "anvil evm_revert drops the block with the anchor tx while the worker waits for 3 confirmations; another tx takes its nonce and batchId" \
    "the worker notices the tx vanished, re-sends, and publishes only the batchId of the final chain (never the reverted one)"
rules; events reorg
SNAP=$("$CAST" rpc --rpc-url "$RPC_URL" evm_snapshot | tr -d '"')
WA_CONFIRMATIONS=3 "$AD" run 2>"$T_TMP/reorg.log" & P=$!
for _ in $(seq 200); do grep -q '"msg":"eth: sent\|sent 0x' "$T_TMP/reorg.log" && break; sleep 0.05; done
sleep 0.3
t_eq "reorg: the anchor was mined before the revert" "$(count)" $((N0 + 1))
"$CAST" rpc --rpc-url "$RPC_URL" evm_revert "$SNAP" >/dev/null
OTHER=0x$(printf 'other-root' | sha256sum | cut -c1-64)
WA_RPC_URLS=$RPC_URL "$AD" anchor-root "$OTHER" >/dev/null 2>"$T_TMP/other.log"
for _ in $(seq 100); do
    kill -0 $P 2>/dev/null || break
    "$CAST" rpc --rpc-url "$RPC_URL" evm_mine >/dev/null; sleep 0.2
done
wait $P; R=$?
t_eq "reorg: exit 0" "$R" 0
t_check "reorg: the worker saw the block reorganised away" grep -q 'reorganised away' "$T_TMP/reorg.log"
t_eq "reorg: roots($N0) is now the other transaction's root" "$(WA_RPC_URLS=$RPC_URL "$AD" roots "$N0" 2>/dev/null)" "$OTHER"
B=$(jq -r 'select(.msg == "batch published") | .batchId' "$T_TMP/reorg.log" 2>/dev/null | tail -1)
[ -z "$B" ] && B=$(grep -o '"batchId":[0-9]*' "$T_TMP/reorg.log" | tail -1 | cut -d: -f2)
t_eq "reorg: the published batchId is the new one" "$B" $((N0 + 1))
N0=$((N0 + 1)); invariants reorg 1

# ---- malicious RPC: answers rewritten by the proxy ----

scenario attack rpc-wrong-chain-id "the RPC answers eth_chainId 0x1 (mainnet) instead of 31337" \
    "anchord refuses before loading the key or signing (exit 5, 'chain id mismatch'); no transaction; the honest run completes"
rules 'rpc=eth_chainId rewrite result "0x1"'; mark cid; events cid
NB=$(nonce)
pipe_run
t_eq "wrong chain id: refused (exit 5)" "$RUN_RC" 5
t_check "wrong chain id: says so" grep -q 'chain id mismatch: the RPC node is on chain 1' "$RUN_LOG"
t_eq "wrong chain id: nothing signed or sent" "$(since cid | grep -c 'eth_sendRawTransaction') $(nonce)" "0 $NB"
rules; pipe_run
t_eq "wrong chain id: the honest run completes" "$RUN_RC" 0
invariants cid 1

# fake receipts: each is refused (exit 1, nothing published), the next honest run completes
# from the journal with the transaction that really was mined (one anchor in total).
fake() {   # fake NAME RULE EXPECTED-MESSAGE
    rules "rpc=eth_getTransactionReceipt $2"; mark "$1"; events "$1"
    local m0; m0=$(ls "$FS/batches" | wc -l)
    pipe_run
    t_eq "$1: refused (exit 1)" "$RUN_RC" 1
    t_check "$1: clear error" grep -q "$3" "$RUN_LOG"
    t_eq "$1: nothing published, events still queued" "$(ls "$FS/batches" | wc -l) $(anchored "$T_TMP/$1.jsonl")" "$m0 0"
    t_eq "$1: the batch stays in the journal" "$(RCLI ZCARD 'wa:{s0}:batches')" 1
    rules; pipe_run
    t_eq "$1: the next honest run completes" "$RUN_RC" 0
    invariants "$1" 1
}
scenario attack rpc-fake-receipt-no-log "a receipt with status 1 but no logs" \
    "not published: 'receipt: 0 Anchored events'; the next honest run publishes the real anchor"
fake fakenolog 'rewrite result.logs []' 'receipt: 0 Anchored events'

scenario attack rpc-fake-receipt-wrong-contract "the Anchored log comes from another contract address" \
    "not published (no Anchored event of WA_CONTRACT); the next honest run completes"
fake fakeaddr 'rewrite result.logs[0].address "0x000000000000000000000000000000000000dead"' 'receipt: 0 Anchored events'

scenario attack rpc-fake-receipt-other-root "the Anchored log carries another root" \
    "not published: 'Anchored root differs'; the next honest run completes"
fake fakeroot "rewrite result.logs[0].data \"0x$(printf '%064d%064d' 7 1)\"" 'Anchored root differs'

scenario attack rpc-wrong-batchid "the Anchored log names batchId 999 (does not exist)" \
    "not published: the root on chain under that batchId is not ours; the next honest run completes"
fake fakebid "rewrite result.logs[0].topics[1] \"0x$(printf '%064x' 999)\"" 'is not our root'

scenario attack rpc-wrong-batchid-existing "the Anchored log names batchId 1, an earlier batch with another root" \
    "not published (roots(1) differs); the next honest run completes"
fake fakebid1 "rewrite result.logs[0].topics[1] \"0x$(printf '%064x' 1)\"" 'is not our root'
scenario attack rpc-errors-counted-once "eth_getTransactionReceipt answered with a JSON-RPC error while the worker follows its transaction (the run fails)" \
    "rpc_errors_total is counted by the RPC client alone, once per failure, with the kinds of docs/operations.md: {kind=\"node\"} equals the error answers the proxy gave, and no second series (down, timeout, revert, other) from the run's own count"
rules 'rpc=eth_getTransactionReceipt from=1 rpcerror -32603 internal error: database is locked'; mark once; events once
WA_METRICS_TEXTFILE=$T_TMP/once.prom pipe_run
t_eq "rpc-errors-counted-once: the run failed (exit 1)" "$RUN_RC" 1
n=$(since once | grep -c -- '-> rpcerror')
t_check "rpc-errors-counted-once: the proxy answered with errors" test "$n" -gt 0
t_eq "rpc-errors-counted-once: {kind=\"node\"} = $n error answers" \
    "$(sed -n 's/^rpc_errors_total{kind="node"} //p' "$T_TMP/once.prom")" "$n"
t_eq "rpc-errors-counted-once: only the client's kinds" \
    "$(grep '^rpc_errors_total{' "$T_TMP/once.prom" | grep -vcE 'kind="(transport|http|malformed|node|unreachable)"')" 0
rules; t0=$(date +%s); pipe_run; t1=$(date +%s)
t_eq "rpc-errors-counted-once: the next run completes" "$RUN_RC" 0
invariants once 1

scenario fault run-failure-metrics "runs fail (the receipt answered with JSON-RPC errors), then one succeeds: what WitnessAnchorRunFailing (docs/alerts.yml) and a staleness alert read" \
    "the failed run's textfile says batches_failed_total 1; the good run's says batches_failed_total 0 and batch_last_success_timestamp_seconds = when it ended (both were registered but never set: a failing worker was invisible)"
t_eq "run-failure-metrics: the failed run's textfile: batches_failed_total 1" \
    "$(sed -n 's/^batches_failed_total //p' "$T_TMP/once.prom")" 1
t_eq "run-failure-metrics: the good run's textfile: batches_failed_total 0" \
    "$(sed -n 's/^batches_failed_total //p' "$T_TMP/metrics.prom")" 0
ts=$(sed -n 's/^batch_last_success_timestamp_seconds //p' "$T_TMP/metrics.prom"); ts=${ts%%.*}
t_check "run-failure-metrics: batch_last_success_timestamp_seconds ($ts) within the good run [$t0, $t1]" \
    test "${ts:-0}" -ge "$t0" -a "${ts:-0}" -le "$t1"
t_done
