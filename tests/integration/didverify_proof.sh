#!/usr/bin/env bash
# didverify_proof.sh -- `didverify proof` against published data and an independent tool:
# every transparency-dev/merkle inclusion vector (valid -> 0, tampered -> 1, malformed
# hashes -> 2), the RFC 6962 reference audit paths, proofs made by npm merkletreejs
# configured as RFC 6962, and usage errors (-> 2).
source "$(dirname "$0")/../lib.sh"
DV=$BIN/didverify

# b64hex B64: the bytes as lowercase hex ("" stays "").
b64hex() { printf '%s' "$1" | base64 -d 2>/dev/null | od -An -v -tx1 | tr -d ' \n'; }
# num FILE KEY: the integer as written (jq 1.6 would round 2^64-1 to a double).
num() { grep -o "\"$2\": *-\?[0-9]*" "$1" | grep -o -- '-\?[0-9]*$'; }

# --- 1. the vectors: each must behave as its wantErr says.
n=0
while IFS= read -r f; do
    # one jq per file: wantErr, leafHash, root, proof length, proof items
    mapfile -t J < <(jq -r '.wantErr, .leafHash, .root, (.proof // [] | length), (.proof // [])[]' "$f")
    leaf=$(b64hex "${J[1]}"); root=$(b64hex "${J[2]}")
    proof=$(for p in "${J[@]:4}"; do b64hex "$p"; echo; done | paste -sd, -)
    # A list of one empty item ([""], the size-1 garbage vectors) joins to "", which
    # the CLI reads as the empty proof; pass "," (two empty items) to keep it malformed.
    [ -z "$proof" ] && [ "${J[3]}" -gt 0 ] && proof=,
    well=1   # every hash 32 bytes? otherwise the CLI must call it a usage error (exit 2)
    for h in "$leaf" "$root"; do [ ${#h} -eq 64 ] || well=0; done
    for h in $(echo "$proof" | tr ',' ' '); do [ ${#h} -eq 64 ] || well=0; done
    case "$proof" in ,*|*,|*,,*) well=0;; esac
    if [ "${J[0]}" = false ]; then want=0; elif [ $well = 1 ]; then want=1; else want=2; fi
    t_expect_rc "vector ${f#"$VEC/"} -> $want" $want "$DV" proof --leaf-hash "$leaf" \
        --index "$(num "$f" leafIdx)" --size "$(num "$f" treeSize)" --root "$root" --proof "$proof"
    n=$((n + 1))
done < <(find "$VEC/merkle/inclusion" -name '*.json' | sort)
t_eq "all 98 inclusion vectors seen" "$n" 98

# --- 2. RFC 6962 reference tree (8 standard leaves), audit paths of leaves 0 and 5.
R8=5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328
L0=$(printf '\x00' | openssl dgst -sha256 -r | cut -c1-64)
L5=$(printf '\x00\x40\x41\x42\x43' | openssl dgst -sha256 -r | cut -c1-64)
P0=96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7,5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4
P5=bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b,ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0,d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7
t_expect_rc "rfc6962 leaf 0 of 8" 0 "$DV" proof --leaf-hash "$L0" --index 0 --size 8 --root "$R8" --proof "$P0"
grep -q '^valid: leaf 0 of 8' "$T_TMP/last.out" && t_ok "valid line printed" || t_fail "valid line printed" "$(cat "$T_TMP/last.out")"
t_expect_rc "rfc6962 leaf 5 of 8 (0x hashes)" 0 "$DV" proof --leaf-hash "0x$L5" --index 5 --size 8 --root "0x$R8" --proof "$P5"
t_expect_rc "tampered proof -> 1" 1 "$DV" proof --leaf-hash "$L5" --index 5 --size 8 --root "$R8" --proof "${P5/bc1a/bc1b}"
grep -q 'invalid: computed root does not match' "$T_TMP/last.err" && t_ok "reason printed" || t_fail "reason printed" "$(cat "$T_TMP/last.err")"
t_expect_rc "wrong index -> 1" 1 "$DV" proof --leaf-hash "$L5" --index 4 --size 8 --root "$R8" --proof "$P5"
t_expect_rc "index >= size -> 1" 1 "$DV" proof --leaf-hash "$L5" --index 8 --size 8 --root "$R8" --proof "$P5"
t_expect_rc "short proof -> 1" 1 "$DV" proof --leaf-hash "$L5" --index 5 --size 8 --root "$R8" --proof "${P5%,*}"
t_expect_rc "long proof -> 1" 1 "$DV" proof --leaf-hash "$L5" --index 5 --size 8 --root "$R8" --proof "$P5,$R8"
t_expect_rc "wrong leaf -> 1" 1 "$DV" proof --leaf-hash "$L0" --index 5 --size 8 --root "$R8" --proof "$P5"

# --- 3. proofs from an independent implementation: merkletreejs with RFC 6962
# prefixes (leaves pre-hashed with 0x00, 0x01 prepended by its concatenator; its
# default promotes an odd last node, the RFC 6962 shape).
cat >"$T_TMP/mt.js" <<'EOF'
const { MerkleTree } = require(process.argv[2] + '/merkletreejs');
const crypto = require('crypto');
const sha = (b) => crypto.createHash('sha256').update(b).digest();
for (let n = 1; n <= 23; n++) {
  const leaves = [...Array(n).keys()].map((i) => sha(Buffer.from([0, i, 7, i * 3 & 255])));
  const t = new MerkleTree(leaves, sha, { concatenator: (bs) => Buffer.concat([Buffer.from([1]), ...bs]) });
  for (let i = 0; i < n; i++)
    console.log(i, n, leaves[i].toString('hex'), t.getRoot().toString('hex'),
                t.getProof(leaves[i], i).map((p) => p.data.toString('hex')).join(','));
}
EOF
if node "$T_TMP/mt.js" "$WA_ROOT/tests/node/node_modules" >"$T_TMP/mt.txt" 2>"$T_TMP/mt.err"; then
    bad=0; cnt=0
    while read -r i n leaf root proof; do
        "$DV" proof --leaf-hash "$leaf" --index "$i" --size "$n" --root "$root" --proof "${proof:-}" >/dev/null 2>&1 || bad=$((bad + 1))
        cnt=$((cnt + 1))
    done <"$T_TMP/mt.txt"
    t_eq "merkletreejs proofs, sizes 1..23 ($cnt), all valid" "$bad/$cnt" "0/276"
else
    t_fail "merkletreejs" "$(head -c 300 "$T_TMP/mt.err")"
fi

# --- 4. usage errors -> 2 (the one exit-code table, README), help -> 0.
t_expect_rc "no command" 2 "$DV"
t_expect_rc "unknown command" 2 "$DV" frobnicate
t_expect_rc "top-level --help" 0 "$DV" --help
grep -q '^  proof ' "$T_TMP/last.out" && t_ok "help lists proof" || t_fail "help lists proof" "$(cat "$T_TMP/last.out")"
t_expect_rc "proof --help" 0 "$DV" proof --help
t_expect_rc "missing --root" 2 "$DV" proof --leaf-hash "$L0" --index 0 --size 1
t_expect_rc "short leaf hex" 2 "$DV" proof --leaf-hash abcd --index 0 --size 1 --root "$L0"
t_expect_rc "non-hex root" 2 "$DV" proof --leaf-hash "$L0" --index 0 --size 1 --root "${L0/6/g}"
t_expect_rc "negative index" 2 "$DV" proof --leaf-hash "$L0" --index -1 --size 1 --root "$L0"
t_expect_rc "index overflows 64 bits" 2 "$DV" proof --leaf-hash "$L0" --index 18446744073709551616 --size 1 --root "$L0"
t_expect_rc "size not a number" 2 "$DV" proof --leaf-hash "$L0" --index 0 --size 1x --root "$L0"
t_expect_rc "proof with empty item" 2 "$DV" proof --leaf-hash "$L0" --index 0 --size 2 --root "$L0" --proof "$L0,"
t_expect_rc "unknown option" 2 "$DV" proof --leaf "$L0"
t_expect_rc "stray argument" 2 "$DV" proof --leaf-hash "$L0" --index 0 --size 1 --root "$L0" extra
t_expect_rc "one-leaf tree, no --proof" 0 "$DV" proof --leaf-hash "$L0" --index 0 --size 1 --root "$L0"

t_done
