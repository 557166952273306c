#!/usr/bin/env bash
# pkcs11.sh -- signing keys in a PKCS#11 token (docs/hsm.md), against a throw-away SoftHSM2
# token (tests/svc/softhsm.sh) through p11-kit: a key file and the same key imported into the
# token give the same Ed25519 signature (RFC 8032 is deterministic) and Ethereum signatures
# that recover to the same address, always low-s (EIP-2), checked by foundry's cast; a key
# generated in the token is non-exportable and signs; the public key is read without the PIN;
# a missing token, a wrong PIN, a key of the wrong type and a missing key each stop start-up
# with the setting named (codes from test-tool p11: 10 + P11_E*, anchord: exit 3); PINs never come
# from a setting or the config file.
source "$(dirname "$0")/../lib.sh"
source "$WA_ROOT/tests/svc/softhsm.sh"
AD=$WA_ROOT/$BIN/anchord
CAST=$NODE_BIN/cast
hsm_need "$T_TMP/hsm"
unset WA_CONFIG WA_PUBLISHER_KEY WA_WITNESS_KEY WA_RELAYER_KEY WA_PREVIOUS_PUBLISHER_KEY WA_PKCS11_PIN \
      WA_PUBLISHER_KEY_FILE WA_WITNESS_KEY_FILE WA_RELAYER_KEY_FILE WA_PREVIOUS_PUBLISHER_KEY_FILE

# The same keys as files and in the token.
PUBF=$T_TMP/publisher.key RELF=$T_TMP/relayer.key
"$WA_ROOT/$BIN/didlog" keygen --out "$PUBF" >/dev/null
(umask 077; printf '%s\n' 0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d >"$RELF")   # anvil's 2nd dev key
hsm_import_ed "$PUBF" publisher && hsm_import_k1 "$RELF" relayer
t_eq "setup: both keys imported" "$?" 0
PUB=$(hsm_uri publisher) REL=$(hsm_uri relayer)
HALF_N=7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0   # secp256k1 n/2

scenario fault ed25519-same-signature "the publisher key as a 0600 file and the same key imported into SoftHSM2 sign the same messages" \
    "identical public key and identical Ed25519 signatures (RFC 8032 is deterministic); libsodium verifies the token's"
same=0
for m in 00 68656c6c6f $(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n') $(head -c 700 /dev/urandom | od -An -tx1 | tr -d ' \n'); do
    a=$(WA_PUBLISHER_KEY_FILE=$PUBF "$TT" p11 sign-ed PUBLISHER "$m") b=$(WA_PUBLISHER_KEY_FILE=$PUB "$TT" p11 sign-ed PUBLISHER "$m")
    [ -n "$a" ] && [ "$a" == "$b" ] && same=$((same + 1))
done
t_eq "4 messages: file and token signatures identical" "$same" 4
t_eq "the token's public key is the key file's" "$(WA_PUBLISHER_KEY_FILE=$PUB "$TT" p11 public PUBLISHER | cut -c1-64)" \
    "$(WA_PUBLISHER_KEY_FILE=$PUBF "$TT" p11 public PUBLISHER)"
t_eq "12 threads x 25 signatures at once through the session pool: all 300 verify" "$("$TT" p11 threads "$PUB" 12 25)" 300
t_eq "the imported key cannot leave the token (CKA_SENSITIVE, not CKA_EXTRACTABLE)" "$("$TT" p11 open ed25519 "$PUB" | cut -d' ' -f2)" non-exportable

scenario fault eth-token-signature "the relayer key as a file and imported into SoftHSM2 sign 20 Keccak digests" \
    "the same address; every token signature recovers to it (cast wallet verify), has s <= n/2 and a 0/1 recovery id"
ADDR=$(WA_RELAYER_KEY_FILE=$RELF "$TT" eth address)
t_eq "address from the token = address from the file = cast's" "$(WA_RELAYER_KEY_FILE=$REL "$TT" eth address) $ADDR" \
    "$ADDR $("$CAST" wallet address --private-key "$(cat "$RELF")")"
t_eq "anchord address reads the token" "$(WA_RELAYER_KEY_FILE=$REL "$AD" address)" "$ADDR"
ok=0 low=0 distinct=()
for i in $(seq 1 20); do
    h=$("$CAST" keccak "0x$(printf '%040x' "$i")")
    sig=$(WA_RELAYER_KEY_FILE=$REL "$TT" eth sign-hash "$h")
    "$CAST" wallet verify --no-hash --address "$ADDR" "$h" "$sig" >/dev/null 2>&1 && ok=$((ok + 1))
    s=${sig:66:64} v=${sig:130:2}
    { [[ "$s" < "$HALF_N" ]] || [ "$s" == "$HALF_N" ]; } && { [ "$v" == 1b ] || [ "$v" == 1c ]; } && low=$((low + 1))
    distinct+=("$sig")
done
t_eq "20 token signatures verify for the relayer address (cast)" "$ok" 20
t_eq "20 token signatures: low s, v 27/28 (a token's raw ECDSA has high s half the time)" "$low" 20
RAW=$(WA_RELAYER_KEY_FILE=$REL "$TT" eth mktx 31337 3 1000000000 3000000000 90000 0x5FbDB2315678afecb367f032d93F642f64180aa3 0 0xeecdf927)
t_eq "an EIP-1559 transaction signed in the token: cast recovers the relayer" \
    "$("$CAST" decode-transaction "$RAW" 2>/dev/null | jq -r 'if type == "string" then fromjson else . end | .signer')" "$(tr A-F a-f <<<"$ADDR")"

scenario fault token-keygen "anchord token-keygen ed25519 / secp256k1 in the token; again with the same label" \
    "keys born in the token, non-exportable, usable as signers; the second call refused (exit 3), nothing replaced"
OUT=$("$AD" token-keygen ed25519 "$(hsm_uri born-ed)"); RC=$?
MK=$(jq -r .publicKeyMultibase <<<"$OUT" 2>/dev/null)
t_eq "ed25519: exit 0, a z6Mk multikey, its did:key" "$RC ${MK:0:4} $(jq -r .did <<<"$OUT" 2>/dev/null)" "0 z6Mk did:key:$MK"
t_eq "ed25519: non-exportable" "$("$TT" p11 open ed25519 "$(hsm_uri born-ed)" | cut -d' ' -f2)" non-exportable
SIG=$(WA_PUBLISHER_KEY_FILE=$(hsm_uri born-ed) "$TT" p11 sign-ed PUBLISHER 6869)
t_eq "ed25519: it signs (public key = the printed multikey)" "$(WA_PUBLISHER_KEY_FILE=$(hsm_uri born-ed) "$TT" p11 public PUBLISHER)" "${SIG%% *}"
OUT=$("$AD" token-keygen secp256k1 "$(hsm_uri born-k1)")
A2=$(jq -r .address <<<"$OUT" 2>/dev/null)
t_eq "secp256k1: its address is what anchord address reads" "$(WA_RELAYER_KEY_FILE=$(hsm_uri born-k1) "$AD" address)" "$A2"
h=$("$CAST" keccak 0x01)
t_check "secp256k1: it signs for that address (cast)" "$CAST" wallet verify --no-hash --address "$A2" "$h" \
    "$(WA_RELAYER_KEY_FILE=$(hsm_uri born-k1) "$TT" eth sign-hash "$h")"
t_expect_rc "same label again: exit 3" 3 "$AD" token-keygen ed25519 "$(hsm_uri born-ed)"
t_eq "same label again: the key is still the first one" "$(WA_PUBLISHER_KEY_FILE=$(hsm_uri born-ed) "$TT" p11 public PUBLISHER)" "${SIG%% *}"

scenario fault token-public-no-pin "the public key read with no PIN anywhere (what anchord serve and rotate-publisher need)" \
    "the public key object is read without logging in"
t_eq "public key without a PIN" "$(WA_PUBLISHER_KEY_FILE=$(hsm_uri publisher nopin) "$TT" p11 public PUBLISHER)" \
    "$(WA_PUBLISHER_KEY_FILE=$PUBF "$TT" p11 public PUBLISHER)"
t_expect_rc "signing without a PIN: P11_EPIN" 14 env WA_PUBLISHER_KEY_FILE="$(hsm_uri publisher nopin)" "$TT" p11 sign-ed PUBLISHER 00

# bad: NAME CODE URI KIND -- test-tool p11 open gives code, anchord run exit 3 naming the setting.
bad() {
    local name=$1 code=$2 uri=$3 kind=$4
    t_expect_rc "$name: test-tool p11 code $code" "$code" "$TT" p11 open "$kind" "$uri"
    if [ "$kind" == ed25519 ]; then
        t_expect_rc "$name: anchord run exit 3" 3 env WA_PUBLISHER_KEY_FILE="$uri" "$AD" run
        t_check "$name: the message names WA_PUBLISHER_KEY_FILE" grep -q '^anchord run: WA_PUBLISHER_KEY_FILE: ' "$T_TMP/last.err"
    else
        t_expect_rc "$name: anchord address exit 3" 3 env WA_RELAYER_KEY_FILE="$uri" "$AD" address
        t_check "$name: the message names WA_RELAYER_KEY_FILE" grep -q '^anchord: WA_RELAYER_KEY_FILE: ' "$T_TMP/last.err"
    fi
}
M=$HSM_MODULE P="pin-source=file:$HSM_PIN_FILE"
printf 'wrong-pin\n' >"$T_TMP/bad.pin"; chmod 600 "$T_TMP/bad.pin"

scenario fault token-missing "WA_PUBLISHER_KEY_FILE names a token that is not there" "start-up stops: P11_ETOKEN, exit 3, the setting and the tokens present named"
bad "missing token" 13 "pkcs11:token=nowhere;object=publisher?module-path=$M&$P" ed25519
t_check "missing token: the tokens present are listed" grep -q 'tokens present: "wa"' "$T_TMP/last.err"
bad "missing token (relayer)" 13 "pkcs11:token=nowhere;object=relayer?module-path=$M&$P" secp256k1

scenario fault token-wrong-pin "a PIN file with the wrong PIN" "start-up stops: P11_EPIN, exit 3, the setting named, the PIN never printed"
bad "wrong PIN" 14 "pkcs11:token=wa;object=publisher?module-path=$M&pin-source=file:$T_TMP/bad.pin" ed25519
t_check "wrong PIN: not echoed" bash -c "! grep -q wrong-pin '$T_TMP/last.err'"
export WA_PKCS11_PIN=wrong-pin
bad "wrong PIN (relayer, WA_PKCS11_PIN)" 14 "pkcs11:token=wa;object=relayer?module-path=$M" secp256k1
unset WA_PKCS11_PIN

scenario fault token-wrong-type "WA_PUBLISHER_KEY_FILE names the secp256k1 key; WA_RELAYER_KEY_FILE the Ed25519 one" \
    "start-up stops: P11_ETYPE, exit 3, the message says what the key is and what was wanted"
bad "Ed25519 setting, secp256k1 key" 16 "pkcs11:token=wa;object=relayer?module-path=$M&$P" ed25519
t_check "wrong type: says what it is" grep -q 'the key is a secp256k1 key, want an Ed25519 key' "$T_TMP/last.err"
bad "relayer setting, Ed25519 key" 16 "pkcs11:token=wa;object=publisher?module-path=$M&$P" secp256k1

scenario fault token-missing-key "the URI names no key on the token (object=nothing)" "start-up stops: P11_EKEY, exit 3, the setting named"
bad "missing key" 15 "pkcs11:token=wa;object=nothing?module-path=$M&$P" ed25519
bad "missing key (relayer)" 15 "pkcs11:token=wa;id=%ff%ff?module-path=$M&$P" secp256k1

scenario attack pin-in-setting "a PIN put where settings live: pin-value= in the URI, WA_PKCS11_PIN in the config file, a 0644 PIN file" \
    "each refused before any login, naming the way to do it; the PIN never echoed"
bad "pin-value in the URI" 11 "pkcs11:token=wa;object=publisher?module-path=$M&pin-value=$HSM_USER_PIN" ed25519
t_check "pin-value: not echoed" bash -c "! grep -q -- '$HSM_USER_PIN' '$T_TMP/last.err'"
printf 'WA_PKCS11_PIN=%s\n' "$HSM_USER_PIN" >"$T_TMP/wa.conf"
t_expect_rc "WA_PKCS11_PIN in the config file: anchord config exit 3" 3 "$AD" --config "$T_TMP/wa.conf" config
t_check "config file: refused as a secret, not echoed" bash -c "grep -q 'secrets are not accepted in a config file' '$T_TMP/last.err' && ! grep -q -- '$HSM_USER_PIN' '$T_TMP/last.err'"
cp "$HSM_PIN_FILE" "$T_TMP/open.pin"; chmod 644 "$T_TMP/open.pin"
bad "0644 PIN file" 14 "pkcs11:token=wa;object=publisher?module-path=$M&pin-source=file:$T_TMP/open.pin" ed25519

scenario fault token-env-pin "WA_PKCS11_PIN in the environment, URIs without pin-source, module found through p11-kit's registry" \
    "it logs in; anchord config shows it only as set"
t_eq "env PIN, registered module: signs as the file" \
    "$(WA_PKCS11_PIN=$HSM_USER_PIN WA_PUBLISHER_KEY_FILE="pkcs11:token=wa;object=publisher" "$TT" p11 sign-ed PUBLISHER 6869)" \
    "$(WA_PUBLISHER_KEY_FILE=$PUBF "$TT" p11 sign-ed PUBLISHER 6869)"
t_check "anchord config: WA_PKCS11_PIN only as set" bash -c \
    "WA_PKCS11_PIN=$HSM_USER_PIN '$AD' config | grep -qx '# WA_PKCS11_PIN: set in the environment (not shown)'"
t_done
