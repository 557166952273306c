#!/usr/bin/env bash
# eth_anvil.sh -- anchord's Ethereum client against real anvil nodes on 127.0.0.1:
# deploy, anchor, eth_call views, the receipt's Anchored log, confirmations with
# --block-time, a stuck transaction replaced with bumped fees, reverts reported,
# RPC down / fail-over, wrong chain id refused before signing, and the same key in
# two processes (nonce conflicts recovered).
source "$(dirname "$0")/../lib.sh"
CAST=$NODE_BIN/cast
AD=$BIN/anchord
# anvil's well-known development keys (public; never used on a real chain).
K0=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
K1=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
A0=$($CAST wallet address --private-key $K0)
A1=$($CAST wallet address --private-key $K1)
root() { printf '0x%064x\n' "$1"; }
jf() { jq -r ".$1" "$2"; }   # jf FIELD FILE

svc_need anvil
RPC=$RPC_URL
svc_anvil --block-time 1 || t_skip_rest "anvil --block-time" "$SVC_WHY"
RPC_SLOW=$RPC_URL
printf '%s\n' "$K0" >"$T_TMP/relayer.key"; chmod 600 "$T_TMP/relayer.key"
export WA_RPC_URLS=$RPC WA_CHAIN_ID=31337 WA_RELAYER_KEY_FILE=$T_TMP/relayer.key WA_POLL_MS=100 WA_RPC_BACKOFF_MS=100
unset WA_RELAYER_KEY WA_CONTRACT WA_CONFIRMATIONS WA_GAS_LIMIT

# --help documents every variable and exit code.
t_expect_rc "anchord --help" 0 $AD --help
for v in WA_RPC_URLS WA_CHAIN_ID WA_CONTRACT WA_RELAYER_KEY_FILE WA_RELAYER_KEY WA_CONFIRMATIONS WA_TX_BUMP_SECONDS WA_MAX_FEE_GWEI; do
    grep -q "$v" "$T_TMP/last.out" && t_ok "--help documents $v" || t_fail "--help documents $v"
done
t_expect_rc "unknown command is a usage error" 2 $AD frobnicate

# Deploy: the address is keccak(rlp(sender, nonce 0)) and has code.
t_expect_rc "deploy" 0 $AD deploy
C=$(cat "$T_TMP/last.out")
t_eq "deploy prints the CREATE address" "$C" "$($CAST compute-address --nonce 0 "$A0" | awk '{print $3}')"
[ "$($CAST code --rpc-url $RPC "$C")" != 0x ] && t_ok "contract has code" || t_fail "contract has code"
export WA_CONTRACT=$C

# Anchor: batchId from the receipt, checked against the chain with cast.
t_expect_rc "anchor-root 1" 0 $AD anchor-root "$(root 0xa1)"
cp "$T_TMP/last.out" "$T_TMP/a1.json"
t_eq "first batchId is 0" "$(jf batchId "$T_TMP/a1.json")" 0
t_eq "cast: roots(0)" "$($CAST call --rpc-url $RPC "$C" 'roots(uint256)(bytes32)' 0)" "$(root 0xa1)"
t_eq "cast: timestamps(0) = reported timestamp" "$($CAST call --rpc-url $RPC "$C" 'timestamps(uint256)(uint256)' 0 | awk '{print $1}')" "$(jf timestamp "$T_TMP/a1.json")"
TX1=$(jf txHash "$T_TMP/a1.json")
$CAST receipt --rpc-url $RPC --json "$TX1" >"$T_TMP/r1.json"
t_eq "cast: receipt status 1" "$(jq -r .status "$T_TMP/r1.json")" 0x1
t_eq "cast: Anchored topic0" "$(jq -r '.logs[0].topics[0]' "$T_TMP/r1.json")" "$($CAST keccak 'Anchored(uint256,bytes32,uint256)')"
t_eq "cast: block number" "$(printf '%d' "$(jq -r .blockNumber "$T_TMP/r1.json")")" "$(jf blockNumber "$T_TMP/a1.json")"
GAS1=$(printf '%d' "$(jq -r .gasUsed "$T_TMP/r1.json")")
[ "$GAS1" -gt 50000 ] && [ "$GAS1" -lt 120000 ] && t_ok "first anchor uses ~90k gas ($GAS1)" || t_fail "first anchor gas" "$GAS1"
t_expect_rc "anchor-root 2" 0 $AD anchor-root "$(root 0xa2)"
t_eq "second batchId is 1" "$(jf batchId "$T_TMP/last.out")" 1
t_expect_rc "roots 1" 0 $AD roots 1
t_eq "anchord roots 1" "$(cat "$T_TMP/last.out")" "$(root 0xa2)"
t_expect_rc "verify-root 1 (match) exits 0" 0 $AD verify-root 1 "$(root 0xa2)"
t_expect_rc "verify-root 1 (other root) exits 1" 1 $AD verify-root 1 "$(root 0xa1)"
t_expect_rc "verify-root of a missing batch with zero root exits 1" 1 $AD verify-root 9 "$(root 0)"
t_expect_rc "batch-count" 0 $AD batch-count
t_eq "batch-count is 2" "$(cat "$T_TMP/last.out")" 2
t_expect_rc "zero root refused" 1 $AD anchor-root "$(root 0)"
t_expect_rc "malformed root is a usage error" 2 $AD anchor-root 0x1234

# Reverts reported: a key that is not a relayer.
t_expect_rc "non-relayer: estimate reverts (exit 6)" 6 env WA_RELAYER_KEY_FILE= WA_RELAYER_KEY=$K1 $AD anchor-root "$(root 0xb1)"
grep -q "NotRelayer($A1)" "$T_TMP/last.err" && t_ok "revert reason decoded: NotRelayer($A1)" || t_fail "revert reason" "$(cat "$T_TMP/last.err")"
t_expect_rc "non-relayer with fixed gas: mined revert (exit 6)" 6 env WA_RELAYER_KEY_FILE= WA_RELAYER_KEY=$K1 WA_GAS_LIMIT=100000 $AD anchor-root "$(root 0xb1)"
grep -q "reverted in block .*NotRelayer" "$T_TMP/last.err" && t_ok "mined revert reported with reason" || t_fail "mined revert" "$(cat "$T_TMP/last.err")"
t_eq "cast: the stranger's transaction is mined with status 0" "$($CAST nonce --rpc-url $RPC "$A1")" 1

# Wrong chain id: refused before signing (no nonce consumed).
N0=$($CAST nonce --rpc-url $RPC "$A0")
t_expect_rc "wrong chain id refused (exit 5)" 5 env WA_CHAIN_ID=11155111 $AD anchor-root "$(root 0xc1)"
grep -q "refusing to sign" "$T_TMP/last.err" && t_ok "chain id message" || t_fail "chain id message" "$(cat "$T_TMP/last.err")"
t_eq "nothing sent on the wrong chain id" "$($CAST nonce --rpc-url $RPC "$A0")" "$N0"

# RPC down: a clear error; fail-over to the next URL.
DEAD=$(freeport)
t_expect_rc "RPC down (exit 4)" 4 env WA_RPC_URLS=http://127.0.0.1:$DEAD/v3/SECRETTOKEN $AD anchor-root "$(root 0xc2)"
grep -q "unreachable.*127.0.0.1:$DEAD" "$T_TMP/last.err" && t_ok "RPC down message names the node" || t_fail "RPC down message" "$(cat "$T_TMP/last.err")"
grep -q SECRETTOKEN "$T_TMP/last.err" && t_fail "URL path (API key) not shown" || t_ok "URL path (API key) not shown"
t_expect_rc "fail-over to the second URL" 0 env WA_RPC_URLS="http://127.0.0.1:$DEAD,$RPC" $AD anchor-root "$(root 0xc3)"

# Stuck transaction: mining paused, replaced with >= 12.5 % higher fees, then mined.
$CAST rpc --rpc-url $RPC evm_setAutomine false >/dev/null
: >"$T_TMP/stuck.err"
WA_TX_BUMP_SECONDS=1 $AD anchor-root "$(root 0xd1)" >"$T_TMP/stuck.out" 2>"$T_TMP/stuck.err" &
SP=$!
for i in $(seq 50); do [ "$(grep -c 'replaced with' "$T_TMP/stuck.err")" -ge 2 ] && break; sleep 0.1; done
$CAST rpc --rpc-url $RPC txpool_content >"$T_TMP/pool.json"
t_eq "one pending transaction of ours in the pool" "$(jq ".pending[\"$(echo "$A0" | tr A-F a-f)\"] | length" "$T_TMP/pool.json")" 1
$CAST rpc --rpc-url $RPC evm_mine >/dev/null
$CAST rpc --rpc-url $RPC evm_setAutomine true >/dev/null
wait $SP; t_eq "stuck anchor completes" "$?" 0
R=$(jf replacements "$T_TMP/stuck.out")
[ "${R:-0}" -ge 2 ] && t_ok "replaced $R times" || t_fail "replaced" "$(cat "$T_TMP/stuck.err")"
first=$(grep -m1 '^anchord: eth: sent' "$T_TMP/stuck.err" | sed 's/.*max fee \([0-9.]*\) gwei/\1/')
TXS=$(jf txHash "$T_TMP/stuck.out")
$CAST tx --rpc-url $RPC --json "$TXS" >"$T_TMP/stx.json"
mined=$(printf '%d' "$(jq -r .maxFeePerGas "$T_TMP/stx.json")")
tipm=$(printf '%d' "$(jq -r .maxPriorityFeePerGas "$T_TMP/stx.json")")
tip1=$(grep -m1 '^anchord: eth: sent' "$T_TMP/stuck.err" | sed 's/.*tip \([0-9.]*\) gwei.*/\1/')
awk -v m="$mined" -v f="$first" 'BEGIN{exit !(m >= f * 1e9 * 1.125)}' && t_ok "mined max fee >= 1.125 x first ($mined vs ${first} gwei)" || t_fail "fee bump" "$mined vs $first"
awk -v m="$tipm" -v f="$tip1" 'BEGIN{exit !(m >= f * 1e9 * 1.125)}' && t_ok "mined tip >= 1.125 x first" || t_fail "tip bump" "$tipm vs $tip1"
t_eq "stuck root is on chain" "$($CAST call --rpc-url $RPC "$C" 'roots(uint256)(bytes32)' "$(jf batchId "$T_TMP/stuck.out")")" "$(root 0xd1)"

# Same key, second sender: (a) our pending nonce taken by another transaction.
$CAST rpc --rpc-url $RPC evm_setAutomine false >/dev/null
N=$($CAST nonce --rpc-url $RPC "$A0")
: >"$T_TMP/nc.err"
WA_TX_BUMP_SECONDS=60 $AD anchor-root "$(root 0xe1)" >"$T_TMP/nc.out" 2>"$T_TMP/nc.err" &
SP=$!
for i in $(seq 50); do grep -q 'sent' "$T_TMP/nc.err" && break; sleep 0.1; done
$CAST send --async --rpc-url $RPC --private-key $K0 --nonce "$N" --priority-gas-price 5gwei --gas-price 50gwei \
    "$C" 'anchor(bytes32)' "$(root 0xe2)" >/dev/null
$CAST rpc --rpc-url $RPC evm_mine >/dev/null
$CAST rpc --rpc-url $RPC evm_setAutomine true >/dev/null
for i in $(seq 30); do grep -q 'resending as nonce' "$T_TMP/nc.err" && break; sleep 0.1; done
$CAST rpc --rpc-url $RPC evm_mine >/dev/null
wait $SP; t_eq "nonce taken by another sender: recovered" "$?" 0
grep -q "nonce $N was used by another transaction" "$T_TMP/nc.err" && t_ok "conflict logged" || t_fail "conflict logged" "$(cat "$T_TMP/nc.err")"
t_eq "recovered with nonce N+1" "$(jf nonce "$T_TMP/nc.out")" "$((N + 1))"
t_eq "its root is on chain" "$($CAST call --rpc-url $RPC "$C" 'roots(uint256)(bytes32)' "$(jf batchId "$T_TMP/nc.out")")" "$(root 0xe1)"
# (b) two anchord processes with the same key at once.
for round in 1 2; do
    $AD anchor-root "$(root 0xf${round}1)" >"$T_TMP/p1.out" 2>"$T_TMP/p1.err" & P1=$!
    $AD anchor-root "$(root 0xf${round}2)" >"$T_TMP/p2.out" 2>"$T_TMP/p2.err" & P2=$!
    wait $P1; r1=$?; wait $P2; r2=$?
    t_eq "concurrent round $round: both succeed" "$r1 $r2" "0 0"
    b1=$(jf batchId "$T_TMP/p1.out"); b2=$(jf batchId "$T_TMP/p2.out")
    [ -n "$b1" ] && [ "$b1" != "$b2" ] && t_ok "concurrent round $round: distinct batchIds ($b1, $b2)" || t_fail "distinct batchIds" "$b1 $b2"
    t_eq "concurrent round $round: both roots on chain" \
        "$($CAST call --rpc-url $RPC "$C" 'roots(uint256)(bytes32)' "$b1") $($CAST call --rpc-url $RPC "$C" 'roots(uint256)(bytes32)' "$b2")" \
        "$(root 0xf${round}1) $(root 0xf${round}2)"
done

# Resume: a transaction signed earlier (as a journal would hold it) is followed to the end.
N=$($CAST nonce --rpc-url $RPC "$A0")
WA_RELAYER_KEY=$K0 "$TT" eth mktx 31337 "$N" 1000000000 100000000000 120000 "$C" 0 \
    "0xeecdf927$(root 0x7e | cut -c3-)" >"$T_TMP/raw.hex"
t_expect_rc "resume-tx of a pre-signed anchor" 0 $AD resume-tx "$T_TMP/raw.hex"
t_eq "resume-tx: the transaction's hash" "$(jf txHash "$T_TMP/last.out")" "$($CAST keccak "$(cat "$T_TMP/raw.hex")")"
t_eq "resume-tx: root on chain" "$($CAST call --rpc-url $RPC "$C" 'roots(uint256)(bytes32)' "$(($($AD batch-count) - 1))")" "$(root 0x7e)"
t_expect_rc "resume-tx again (already mined) still reports it" 0 $AD resume-tx "$T_TMP/raw.hex"
t_expect_rc "resume-tx of another key's transaction refused" 1 env WA_RELAYER_KEY_FILE= WA_RELAYER_KEY=$K1 $AD resume-tx "$T_TMP/raw.hex"

# Confirmations on a chain with 1 s blocks.
export WA_RPC_URLS=$RPC_SLOW
t_expect_rc "deploy on the --block-time chain" 0 $AD deploy
export WA_CONTRACT=$(cat "$T_TMP/last.out")
t0=$SECONDS
t_expect_rc "anchor with WA_CONFIRMATIONS=3" 0 env WA_CONFIRMATIONS=3 $AD anchor-root "$(root 0x3c)"
bn=$(jf blockNumber "$T_TMP/last.out")
head=$($CAST block-number --rpc-url $RPC_SLOW)
[ "$head" -ge $((bn + 2)) ] && t_ok "returned after 3 confirmations (block $bn, head $head)" || t_fail "confirmations" "block $bn head $head"
[ $((SECONDS - t0)) -ge 2 ] && t_ok "waited for blocks" || t_fail "waited for blocks" "$((SECONDS - t0)) s"

# The key never appears in any output.
if grep -rqi "${K0#0x}" "$T_TMP"/*.out "$T_TMP"/*.err "$T_TMP"/last.* 2>/dev/null; then t_fail "relayer key never printed"; else t_ok "relayer key never printed"; fi
t_done
