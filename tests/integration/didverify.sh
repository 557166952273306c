#!/usr/bin/env bash
# didverify.sh -- didverify on real published output: histories built by
# test-tool fixture (did:webvh logs with embedded signed events and a
# KeyRotation, RFC 6962 batches anchored on a real anvil by anchord's client),
# checked offline (anchors file exported from the chain) and online (--rpc), over
# HTTP from test-tool httpstatic (--base-url), and a tamper suite: every change
# is INVALID with its own reason, untouched histories stay ANCHORED.
source "$(dirname "$0")/../lib.sh"
DV=$BIN/didverify
AD=$BIN/anchord
CAST=$NODE_BIN/cast
K0=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80   # anvil's public dev key
unset WA_RPC_URLS WA_CONTRACT LANG LC_ALL LC_CTYPE
CHECK=$(printf '\xe2\x9c\x85')   # U+2705 in UTF-8 (not the $-quoted \\u escape: that depends on this shell's locale)

svc_need anvil
printf '%s\n' "$K0" >"$T_TMP/relayer.key"; chmod 600 "$T_TMP/relayer.key"
export WA_RPC_URLS=$RPC_URL WA_CHAIN_ID=31337 WA_RELAYER_KEY_FILE=$T_TMP/relayer.key WA_POLL_MS=50
C=$($AD deploy 2>/dev/null); C2=$($AD deploy 2>/dev/null)
[ -n "$C" ] && [ -n "$C2" ] && t_ok "two registries deployed" || { t_fail "deploy"; t_done; exit 1; }
PUB=$T_TMP/pub
WA_CONTRACT=$C "$TT" fixture build "$PUB" 6 4 && t_ok "fixture: 6 DIDs x 4 entries in 4 batches on anvil" || { t_fail "fixture"; t_done; exit 1; }
unset WA_RPC_URLS
mapfile -t DIDS <"$PUB/dids.txt"
scid() { echo "$1" | cut -d: -f3; }
dir() { echo "$PUB/.well-known/did/$(scid "${DIDS[$1]}")"; }

# The same roots on a second registry (the "right root on the wrong contract").
for b in 0 1 2 3; do WA_RPC_URLS=$RPC_URL WA_CONTRACT=$C2 $AD anchor-root "0x$(jq -r .root "$PUB/batches/$b.json")" >/dev/null 2>&1; done

# anchors export from the Anchored logs.
t_expect_rc "anchors export" 0 $DV anchors export --rpc "$RPC_URL" --contract "$C" --out "$T_TMP/anchors.json"
t_eq "anchors file holds 4 batches" "$(jq '.anchors | length' "$T_TMP/anchors.json")" 4
t_eq "anchors file root of batch 2 = cast roots(2)" "0x$(jq -r '.anchors[2].root' "$T_TMP/anchors.json")" \
    "$($CAST call --rpc-url "$RPC_URL" "$C" 'roots(uint256)(bytes32)' 2)"
t_eq "anchors file tx of batch 0 = manifest's" "$(jq -r '.anchors[0].txHash' "$T_TMP/anchors.json")" "$(jq -r .txHash "$PUB/batches/0.json")"
t_expect_rc "anchors export from block 3" 0 $DV anchors export --rpc "$RPC_URL" --contract "$C" --from-block 3 --out "$T_TMP/a3.json"
ANCH=$T_TMP/anchors.json

# off: verify history DIR (files did.jsonl witness.json did-witness.json) offline; extra args follow.
off() { local d=$1; shift; $DV --log "$d/did.jsonl" --witness "$d/witness.json" --did-witness "$d/did-witness.json" "$@"; }

# Untouched histories: offline, online, over HTTP, JSON.
ok_all=1
for i in "${!DIDS[@]}"; do off "$(dir "$i")" --anchors "$ANCH" >"$T_TMP/o" 2>&1 || { ok_all=0; cat "$T_TMP/o"; }; done
[ $ok_all = 1 ] && t_ok "all 6 histories ANCHORED offline (exit 0)" || t_fail "untouched histories"
t_expect_rc "online: --rpc --contract" 0 off "$(dir 0)" --rpc "$RPC_URL" --contract "$C" --chain-id 31337
t_eq "4 versions ANCHORED" "$(grep -c '^ANCHORED' "$T_TMP/last.out")" 4
grep -q "^summary: ANCHORED: 4 anchored, 0 pending, 0 invalid of 4 versions" "$T_TMP/last.out" && t_ok "summary line" || t_fail "summary" "$(cat "$T_TMP/last.out")"
TX1=$(jq -r .txHash "$PUB/batches/1.json")
grep -q "batch 1, block $(jq -r .blockNumber "$PUB/batches/1.json"), tx $TX1" "$T_TMP/last.out" && t_ok "ANCHORED line names batch, block, tx" || t_fail "anchored line" "$(cat "$T_TMP/last.out")"
t_expect_rc "online via WA_RPC_URLS" 0 env WA_RPC_URLS="$RPC_URL" $DV --log "$(dir 1)/did.jsonl" --witness "$(dir 1)/witness.json" --did-witness "$(dir 1)/did-witness.json" --contract "$C"
t_expect_rc "--json" 0 off "$(dir 0)" --anchors "$ANCH" --json
t_eq "--json verdict" "$(jq -r .verdict "$T_TMP/last.out")" ANCHORED
t_eq "--json versions[2]" "$(jq -r '.versions[2].status + " " + (.versions[2].batchId|tostring)' "$T_TMP/last.out")" "anchored 2"
grep -q "$CHECK" "$T_TMP/last.out" && t_fail "no symbols when not a terminal" || t_ok "no symbols when not a terminal"
if command -v script >/dev/null; then
    LANG=C.UTF-8 script -qec "$DV --log $(dir 0)/did.jsonl --witness $(dir 0)/witness.json --did-witness $(dir 0)/did-witness.json --anchors $ANCH" /dev/null >"$T_TMP/tty.out" 2>&1
    grep -q "$CHECK" "$T_TMP/tty.out" && t_ok "UTF-8 terminal: symbols" || t_fail "tty symbols" "$(head -3 "$T_TMP/tty.out")"
    LANG=C script -qec "$DV --log $(dir 0)/did.jsonl --witness $(dir 0)/witness.json --did-witness $(dir 0)/did-witness.json --anchors $ANCH" /dev/null >"$T_TMP/tty.out" 2>&1
    grep -q "$CHECK" "$T_TMP/tty.out" && t_fail "non-UTF-8 terminal: words only" || t_ok "non-UTF-8 terminal: words only"
else
    t_skip "terminal symbols" "script(1) (util-linux) is not installed"
fi

# Over HTTP: didverify DID --base-url against a real server on 127.0.0.1.
HP=$(freeport); t_bg "$TT" httpstatic "$PUB" "$HP"; wait_port "$HP" 10
t_expect_rc "DID --base-url (HTTP, anchors file)" 0 $DV "${DIDS[2]}" --base-url "http://127.0.0.1:$HP" --anchors "$ANCH"
t_expect_rc "DID --base-url (HTTP, --rpc)" 0 $DV "${DIDS[3]}" --base-url "http://127.0.0.1:$HP" --rpc "$RPC_URL" --contract "$C"
t_expect_rc "unknown DID over HTTP: not published, exit 1" 1 $DV "did:webvh:QmZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ:dpp.example.com:.well-known:did:QmZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ" --base-url "http://127.0.0.1:$HP" --anchors "$ANCH"
t_expect_rc "server down: unavailable, exit 4" 4 $DV "${DIDS[2]}" --base-url "http://127.0.0.1:$(freeport)" --anchors "$ANCH"
t_expect_rc "an IP-literal DID without --base-url is refused (usage, exit 2)" 2 $DV "did:webvh:QmZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ:127.0.0.1%3A$HP" --anchors "$ANCH"

# batch: rebuild each root from its manifest.
t_expect_rc "batch 1 --base-url --rpc" 0 $DV batch 1 --base-url "http://127.0.0.1:$HP" --rpc "$RPC_URL" --contract "$C"
t_expect_rc "batch 3 --manifest --anchors" 0 $DV batch 3 --manifest "$PUB/batches/3.json" --anchors "$ANCH"
jq -c '.leaves[0].leafHash = "'"$(printf '%064d' 0)"'"' "$PUB/batches/1.json" >"$T_TMP/m1.json"
t_expect_rc "batch with an edited leaf hash" 1 $DV batch 1 --manifest "$T_TMP/m1.json" --anchors "$ANCH"
grep -q "the leaves give root" "$T_TMP/last.out" && t_ok "reason: the leaves give another root" || t_fail "batch reason" "$(cat "$T_TMP/last.out")"
t_expect_rc "batch 2 with manifest 1" 1 $DV batch 2 --manifest "$PUB/batches/1.json" --anchors "$ANCH"
t_expect_rc "batch 1 on the other registry (its root is there too, from another tx)" 1 $DV batch 1 --manifest "$PUB/batches/1.json" --rpc "$RPC_URL" --contract "$C2"

# ---- tamper suite: each on a copy of one history ----
case_dir() { local d; d=$(mktemp -d "$T_TMP/case.XXXXXX"); cp "$(dir "$1")"/* "$d/"; echo "$d"; }
# expect NAME DIR RC REGEX [root args...]: verdict exit code and a reason matching REGEX.
expect() {
    local name=$1 d=$2 rc=$3 re=$4; shift 4
    [ $# -eq 0 ] && set -- --anchors "$ANCH"
    t_expect_rc "$name: exit $rc" "$rc" off "$d" "$@"
    grep -Eq -- "$re" "$T_TMP/last.out" && t_ok "$name: reason /$re/" || t_fail "$name: reason" "$(grep -v ^ANCHORED "$T_TMP/last.out" | head -3)"
}
jqw() { local f=$1; shift; jq -c "$@" "$f" >"$f.new" && mv "$f.new" "$f"; }

d=$(case_dir 0); sed -i '2s/"site":"Berlin"/"site":"Berlim"/' "$d/did.jsonl"
expect "changed byte in an entry" "$d" 1 "^INVALID +2-.*entryHash does not match"
grep -Eq "^INVALID +3-.*follows the invalid version 2" "$T_TMP/last.out" && t_ok "later entries follow the invalid one" || t_fail "cascade"

d=$(case_dir 0); h=$(jq -r '.anchors[1].proof[0]' "$d/witness.json"); x=$( [ "${h:0:1}" = a ] && echo b || echo a)
jqw "$d/witness.json" ".anchors[1].proof[0] = \"$x${h:1}\""
expect "changed byte in a proof hash" "$d" 1 "^INVALID +2-.*inclusion proof \(leaf 0 of 6\): computed root does not match"

d=$(case_dir 1); h=$(jq -r '.anchors[2].root' "$d/witness.json"); x=$( [ "${h:63}" = 0 ] && echo 1 || echo 0)
jqw "$d/witness.json" ".anchors[2].root = \"${h:0:63}$x\""
expect "changed byte in a root" "$d" 1 "^INVALID +3-.*inclusion proof.*computed root does not match"

d=$(case_dir 1); jqw "$d/witness.json" '.anchors[1].batchId = 2'
expect "changed batchId" "$d" 1 "^INVALID +2-.*root [0-9a-f]{16}… differs from the on-chain root [0-9a-f]{16}… of batch 2"
expect "changed batchId (online)" "$d" 1 "^INVALID +2-.*differs from the on-chain root .* of batch 2" --rpc "$RPC_URL" --contract "$C"
d=$(case_dir 1); jqw "$d/witness.json" '.anchors[1].batchId = 9'
expect "batchId not on chain (online)" "$d" 1 "batch 9 is not on chain" --rpc "$RPC_URL" --contract "$C"

d=$(case_dir 2); jqw "$d/witness.json" '.anchors[0].leafIndex = 3'
expect "changed leaf index" "$d" 1 "^INVALID +1-.*inclusion proof \(leaf 3 of 6\)"
d=$(case_dir 2); jqw "$d/witness.json" '.anchors[0].treeSize = 60'
expect "changed tree size" "$d" 1 "^INVALID +1-.*inclusion proof \(leaf 2 of 60\): proof has 3 hashes, fewer than"
d=$(case_dir 2); jqw "$d/witness.json" '.anchors[0].leafHash = "'"$(printf 'ab%062d' 0)"'"'
expect "changed leaf hash" "$d" 1 "^INVALID +1-.*leaf hash ab00000000000000… in witness.json is not SHA-256\(0x00 \|\| entry\)"
d=$(case_dir 2); jqw "$d/witness.json" '.anchors[1].blockNumber += 1'
expect "changed block number" "$d" 1 "^INVALID +2-.*block [0-9]+ is wrong"
expect "changed block number (online)" "$d" 1 "^INVALID +2-.*block [0-9]+ is wrong: transaction 0x.* was mined in block" --rpc "$RPC_URL" --contract "$C"
d=$(case_dir 2); jqw "$d/witness.json" ".anchors[1].txHash = \"$(jq -r .txHash "$PUB/batches/0.json")\""
expect "changed txHash (anchors file)" "$d" 1 "^INVALID +2-.*txHash is wrong: batch 1 was anchored by transaction 0x"
expect "changed txHash (online)" "$d" 1 "^INVALID +2-.*did not anchor batch 1 with this root" --rpc "$RPC_URL" --contract "$C"

d=$(case_dir 3); cp "$(dir 4)/witness.json" "$d/witness.json"
expect "witness.json of another DID" "$d" 1 "witness.json is for did:webvh:$(scid "${DIDS[4]}").*not this DID"
d=$(case_dir 3); jq -c --slurpfile o "$(dir 4)/witness.json" '.anchors[1] = $o[0].anchors[1]' "$d/witness.json" >"$d/w" && mv "$d/w" "$d/witness.json"
expect "one proof moved from another DID" "$d" 1 "^INVALID +2-.*witness.json anchors 2-.* as version 2, but the log's is 2-"

d=$(case_dir 4); head -n 2 "$d/did.jsonl" >"$d/x" && mv "$d/x" "$d/did.jsonl"
expect "truncated log, proofs kept: STALE (a proof beyond the log leads to a root on chain)" "$d" 9 \
    "^stale: witness.json anchors version 3-.* in batch 2 \(its root is on chain\), but the served did.jsonl stops at version 2"
grep -Eq "^ANCHORED +2-" "$T_TMP/last.out" && ! grep -q "^INVALID" "$T_TMP/last.out" && t_ok "truncated log: the versions present stay ANCHORED" || t_fail "truncated"
d=$(case_dir 4); head -n 2 "$d/did.jsonl" >"$d/x" && mv "$d/x" "$d/did.jsonl"
jqw "$d/witness.json" '.anchors |= .[:2]'
expect "consistent rollback, no manifests: ANCHORED (the limit docs/didverify.md states)" "$d" 0 "^summary: ANCHORED: 2 anchored"
expect "consistent rollback, --manifests DIR: STALE" "$d" 9 "^stale: batch 2 anchors version 3-.* stops at version 2" --anchors "$ANCH" --manifests "$PUB/batches"
expect "consistent rollback, --stale-batches 0: no scan" "$d" 0 "^summary: ANCHORED" --anchors "$ANCH" --manifests "$PUB/batches" --stale-batches 0

d=$(case_dir 4); jqw "$d/witness.json" 'del(.anchors[1])'
expect "anchor missing in the middle" "$d" 1 "^INVALID +2-.*no anchor in witness.json, but later version 4-"

d=$(case_dir 5); jqw "$d/did-witness.json" '.[3].proof[0].proofValue |= (.[0:5] + (if .[5:6] == "A" then "B" else "A" end) + .[6:])'
expect "forged did-witness.json proof" "$d" 1 "^INVALID +4-.*did-witness.json: witness: 0 of 1 required witness approvals"
d=$(case_dir 5); rm "$d/did-witness.json"; : >"$T_TMP/none"
t_expect_rc "no did-witness.json: invalid" 1 $DV --log "$d/did.jsonl" --witness "$d/witness.json" --anchors "$ANCH"
grep -q "no did-witness.json" "$T_TMP/last.out" && t_ok "reason: no did-witness.json" || t_fail "no did-witness reason"

d=$(case_dir 0)
expect "right root, wrong contract" "$d" 1 "^INVALID +1-.*anchored at contract 0x[0-9a-fA-F]{40}, but the roots come from contract $C2" --rpc "$RPC_URL" --contract "$C2"
jqw "$d/witness.json" '.anchors[].contract = "'"$(echo "$C2" | tr A-F a-f)"'"'
expect "witness.json rewritten to the other registry" "$d" 1 "^INVALID +1-.*anchored at contract $C2, but the roots come from contract $C" --rpc "$RPC_URL" --contract "$C"
d=$(case_dir 0); jqw "$d/witness.json" '.anchors[].chainId = 1'
expect "right root, wrong chain" "$d" 1 "^INVALID +1-.*anchored on chain 1, but the roots come from chain 31337"
t_expect_rc "--chain-id other than the node's: wrong chain, exit 5" 5 off "$(dir 0)" --rpc "$RPC_URL" --contract "$C" --chain-id 11155111
grep -q "chain id mismatch" "$T_TMP/last.err" && t_ok "reason: chain id mismatch" || t_fail "chain id" "$(cat "$T_TMP/last.err")"
t_expect_rc "anchors file of another contract given --contract: input file, exit 3" 3 off "$(dir 0)" --anchors "$ANCH" --contract "$C2"

jq -c '.anchors[1].root = "'"$(printf '%064d' 7)"'"' "$ANCH" >"$T_TMP/edited.json"
d=$(case_dir 1)
expect "anchors file with an edited root" "$d" 1 "^INVALID +2-.*differs from the on-chain root 0000000000000000… of batch 1" --anchors "$T_TMP/edited.json"
grep -Eq "^ANCHORED +3-" "$T_TMP/last.out" && t_ok "other batches unaffected" || t_fail "edited anchors"
t_expect_rc "batch 1 against the edited anchors file" 1 $DV batch 1 --manifest "$PUB/batches/1.json" --anchors "$T_TMP/edited.json"

# Entries after the last anchor: pending if well signed, else invalid.
cp -r "$PUB" "$T_TMP/pub2"
"$TT" fixture append "$T_TMP/pub2" 0 && t_ok "append a well-signed entry" || t_fail "append"
d=$T_TMP/pub2/.well-known/did/$(scid "${DIDS[0]}")
expect "entry after the last anchor" "$d" 8 "^PENDING +5-.*no anchor in witness.json yet"
grep -q "^summary: PENDING: 4 anchored, 1 pending, 0 invalid of 5 versions" "$T_TMP/last.out" && t_ok "pending summary" || t_fail "pending summary"
HP2=$(freeport); t_bg "$TT" httpstatic "$T_TMP/pub2" "$HP2"; wait_port "$HP2" 10
t_expect_rc "pending over HTTP too" 8 $DV "${DIDS[0]}" --base-url "http://127.0.0.1:$HP2" --anchors "$ANCH"
"$TT" fixture append "$T_TMP/pub2" 0 --signer rotated
expect "event signed by the rotated-out key" "$d" 1 "^INVALID +6-.*event: key #key-1 is not an assertionMethod of the previous version"
"$TT" fixture append "$T_TMP/pub2" 1 --signer forged
expect "event with a forged signature" "$T_TMP/pub2/.well-known/did/$(scid "${DIDS[1]}")" 1 "^INVALID +5-.*event: signature: .*does not verify"
"$TT" fixture append "$T_TMP/pub2" 2 --type KeyRotation --signer rotated
expect "KeyRotation signed by the rotated-out key" "$T_TMP/pub2/.well-known/did/$(scid "${DIDS[2]}")" 1 "^INVALID +5-.*key #key-1 is not an assertionMethod"
d=$(case_dir 3); sed -i '3s/"evt-2"/"evt-1"/' "$d/did.jsonl"
expect "event id replayed (and the entry changed)" "$d" 1 "^INVALID +3-"

# The untouched published histories are still all ANCHORED.
ok_all=1
for i in "${!DIDS[@]}"; do off "$(dir "$i")" --anchors "$ANCH" >/dev/null 2>&1 || ok_all=0; done
[ $ok_all = 1 ] && t_ok "untouched histories stay ANCHORED" || t_fail "untouched histories"

# Usage errors: exit 2; a file that cannot be read: 3; a server that cannot be reached: 4.
t_expect_rc "no arguments" 2 $DV
t_expect_rc "--help" 0 $DV --help
t_expect_rc "verify --help" 0 $DV verify --help
t_expect_rc "batch --help" 0 $DV batch --help
t_expect_rc "anchors --help" 0 $DV anchors --help
t_expect_rc "no root source" 2 off "$(dir 0)"
t_expect_rc "two root sources" 2 off "$(dir 0)" --anchors "$ANCH" --rpc "$RPC_URL" --contract "$C"
t_expect_rc "--rpc without --contract" 2 off "$(dir 0)" --rpc "$RPC_URL"
t_expect_rc "bad --contract" 2 off "$(dir 0)" --rpc "$RPC_URL" --contract 0x1234
t_expect_rc "--log without --witness" 2 $DV --log "$(dir 0)/did.jsonl" --anchors "$ANCH"
t_expect_rc "missing file" 3 $DV --log "$T_TMP/nope" --witness "$(dir 0)/witness.json" --anchors "$ANCH"
t_expect_rc "RPC down" 4 off "$(dir 0)" --rpc "http://127.0.0.1:$(freeport)" --contract "$C"
t_expect_rc "bad option" 2 $DV --frobnicate
t_expect_rc "not a did:webvh DID" 2 $DV did:web:example.com --anchors "$ANCH"
t_expect_rc "anchors export without --out" 2 $DV anchors export --rpc "$RPC_URL" --contract "$C"
t_done
