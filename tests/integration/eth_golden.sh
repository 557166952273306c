#!/usr/bin/env bash
# eth_golden.sh -- the C Ethereum primitives against foundry's `cast` (an independent
# implementation), computed at test time: Keccak-256 (incl. the 135/136/137-byte rate
# boundary and 300 bytes), EIP-55 addresses, `cast wallet sign --no-hash` signatures,
# `cast mktx` raw EIP-1559 transactions, `cast compute-address`, strict RLP decoding.
source "$(dirname "$0")/../lib.sh"
CAST=$NODE_BIN/cast
# anvil's well-known development keys (public test keys; never used on a real chain).
K0=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
K1=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d

pattern() {   # pattern N SEED: N deterministic bytes as hex
    local i out=""
    for ((i = 0; i < $1; i++)); do out+=$(printf '%02x' $(((i * 31 + $2) & 255))); done
    echo "$out"
}

# Keccak-256.
for n in 0 1 32 135 136 137 271 272 300; do
    h=$(pattern "$n" 7)
    t_eq "keccak ${n} bytes = cast keccak" "$("$TT" eth keccak "0x$h")" "$($CAST keccak "0x$h")"
done
r=$(head -c 1000 /dev/urandom | od -An -tx1 | tr -d ' \n')
t_eq "keccak 1000 random bytes = cast keccak" "$("$TT" eth keccak "0x$r")" "$($CAST keccak "0x$r")"
t_eq "keccak event signature" "$("$TT" eth keccak 0x$(printf 'Anchored(uint256,bytes32,uint256)' | od -An -tx1 | tr -d ' \n'))" \
     "$($CAST keccak 'Anchored(uint256,bytes32,uint256)')"

# Addresses and signatures.
for k in $K0 $K1; do
    t_eq "address of key ${k:0:8}" "$(WA_RELAYER_KEY=$k "$TT" eth address)" "$($CAST wallet address --private-key "$k")"
    for seed in 1 2 3; do
        h=$($CAST keccak "0x$(pattern 40 "$seed")")
        t_eq "sign-hash ${k:0:8}/$seed = cast wallet sign --no-hash" \
             "$(WA_RELAYER_KEY=$k "$TT" eth sign-hash "$h")" "$($CAST wallet sign --no-hash --private-key "$k" "$h")"
    done
done
# Key from a 0600 file; a 0644 file is refused.
printf '%s\n' "$K1" >"$T_TMP/key"; chmod 600 "$T_TMP/key"
t_eq "key from 0600 file" "$(WA_RELAYER_KEY_FILE=$T_TMP/key "$TT" eth address)" "$($CAST wallet address --private-key "$K1")"
chmod 644 "$T_TMP/key"
t_expect_rc "0644 key file refused" 1 env WA_RELAYER_KEY_FILE="$T_TMP/key" "$TT" eth address
grep -q "$K1" "$T_TMP/last.err" "$T_TMP/last.out" && t_fail "key not echoed in errors" "key leaked" || t_ok "key not echoed in errors"

# Raw EIP-1559 transactions: cast mktx with every field given (offline).
TO=0x5FbDB2315678afecb367f032d93F642f64180aa3
ANCHOR_DATA=0xeecdf927$(pattern 32 9)
INIT=$(jq -r .bytecode contracts/WitnessAnchorRegistry.json)
mk() {   # name key chain nonce prio maxfee gas to value data
    local name=$1 k=$2 chain=$3 nonce=$4 prio=$5 max=$6 gas=$7 to=$8 value=$9 data=${10} want got
    if [ "$to" = create ]; then
        want=$($CAST mktx --private-key "$k" --chain "$chain" --nonce "$nonce" --priority-gas-price "$prio" \
               --gas-price "$max" --gas-limit "$gas" --value "$value" --create "$data")
    else
        want=$($CAST mktx --private-key "$k" --chain "$chain" --nonce "$nonce" --priority-gas-price "$prio" \
               --gas-price "$max" --gas-limit "$gas" --value "$value" "$to" "$data")
    fi
    got=$(WA_RELAYER_KEY=$k "$TT" eth mktx "$chain" "$nonce" "$prio" "$max" "$gas" "$to" "$value" "$data")
    t_eq "mktx $name = cast mktx" "$got" "$want"
    # Our decoder reads cast's transaction back and recovers the signer.
    t_eq "decode-tx $name: sender" "$("$TT" eth decode-tx "$want" | sed -n 's/^from //p')" "$($CAST wallet address --private-key "$k")"
    t_eq "decode-tx $name: nonce" "$("$TT" eth decode-tx "$want" | sed -n 's/^nonce //p')" "$nonce"
}
mk "anchor call" $K0 31337 7 1000000000 3000000000 90000 $TO 0 "$ANCHOR_DATA"
mk "nonce 0, sepolia" $K1 11155111 0 1500000000 60000000000 120000 $TO 0 "$ANCHOR_DATA"
mk "value, big fees" $K0 1 4294967296 2000000000000 18000000000000000000 30000000 $TO 123456789 0x
mk "deploy (long data)" $K0 31337 0 1 2000000001 600000 create 0 "$INIT"
mk "one small byte" $K1 5 127 0 1 21000 $TO 0 0x7f

for n in 0 1 255 256 65535 4294967296; do
    a=$($CAST wallet address --private-key $K0)
    t_eq "create-address nonce $n" "$("$TT" eth create-address "$a" $n)" "$($CAST compute-address --nonce $n "$a" | awk '{print $3}')"
done

# Strict RLP: cast's encodings are accepted, non-canonical ones rejected.
t_check "rlp: cast to-rlp output accepted" "$TT" eth rlp-check "$($CAST to-rlp '["0x01","0x",["0x0203","0x'"$(pattern 60 1)"'"]]')"
t_expect_rc "rlp: 0x8100 (byte < 0x80 as string) rejected" 1 "$TT" eth rlp-check 0x8100
t_expect_rc "rlp: long form for short string rejected" 1 "$TT" eth rlp-check 0xb80161
t_expect_rc "rlp: truncated rejected" 1 "$TT" eth rlp-check 0x83abcd
t_expect_rc "rlp: trailing bytes rejected" 1 "$TT" eth rlp-check 0x0102
t_done
