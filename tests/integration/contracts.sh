#!/usr/bin/env bash
# contracts.sh -- forge tests of WitnessAnchorRegistry (offline, solcjs wrapper) and
# the committed ABI/bytecode freshness check (contracts/build.sh --check).
source "$(dirname "$0")/../lib.sh"
FORGE=$NODE_BIN/forge

# forge resolves foundry.toml's `solc = "tools/solc"` against the working directory.
out=$(cd contracts && "$FORGE" test --out "$T_TMP/out" --cache-path "$T_TMP/cache" 2>&1)
rc=$?
echo "$out" | tail -20
t_eq "forge test exits 0" "$rc" 0
passed=$(echo "$out" | sed -n 's/.*: \([0-9]*\) tests passed, \([0-9]*\) failed.*/\1 \2/p' | tail -1)
t_eq "forge: 11 tests passed, 0 failed" "$passed" "11 0"
echo "$out" | grep -q 'testFuzz_anchorAnyNonZeroRoot(bytes32,uint32) (runs: 256' &&
    t_ok "fuzzed roots ran 256 runs" || t_fail "fuzzed roots ran 256 runs" "fuzz line missing"

t_check "committed ABI and bytecode are current" contracts/build.sh --check

# A mutated contract must make the forge suite fail (the tests can fail).
mkdir -p "$T_TMP/mut/test" "$T_TMP/mut/tools"
sed 's/batchId < batchCount \&\& //' contracts/WitnessAnchorRegistry.sol >"$T_TMP/mut/WitnessAnchorRegistry.sol"
cp contracts/test/*.sol "$T_TMP/mut/test/"
sed "s#tools/solc#$WA_ROOT/contracts/tools/solc#" contracts/foundry.toml >"$T_TMP/mut/foundry.toml"
if (cd "$T_TMP/mut" && "$FORGE" test) >"$T_TMP/mut.log" 2>&1; then
    t_fail "mutant (verify without existence check) is caught" "forge passed"
else
    grep -q 'FAIL.*test_verify()' "$T_TMP/mut.log" && t_ok "mutant (verify without existence check) is caught" ||
        t_fail "mutant caught by test_verify" "$(tail -5 "$T_TMP/mut.log")"
fi
t_done
