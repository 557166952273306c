/* ethkey_p11.c -- the relayer key in a PKCS#11 token: CKM_ECDSA (r, s) turned into an
 * Ethereum recoverable signature (low s, recovery id found by recovery). */
#include <string.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include "core/err.h"
#include "core/keccak.h"
#include "anchord/chain/ethkey.h"
#include "anchord/keys/pkcs11.h"

#define SIGN_TRIES 3   /* a fresh signature when neither recovery id fits (a token bug; never seen) */

int ethKeyTokenOpen(ethKey *k, const char *uri, int *code, char *err) {
    int ignored;
    uint8_t pub[P11_PUB_MAX], h[32];
    memset(k, 0, sizeof *k);
    if (!(k->tok = p11KeyOpen(uri, P11_SECP256K1, 1, "WA_RELAYER_KEY_FILE", code ? code : &ignored, err))) return -1;
    p11KeyPub(k->tok, pub);          /* 0x04 || X || Y */
    keccak256(pub + 1, 64, h);
    memcpy(k->addr, h + 12, ETH_ADDR_LEN);
    return 0;
}

/* lowS: the token's r || s as a compact signature with s <= n/2 (EIP-2: the
 * high-s twin is not a valid transaction signature). 0 / -1 (r or s out of range). */
static int lowS(const uint8_t rs[P11_SIG_LEN], uint8_t out[64]) {
    secp256k1_ecdsa_signature s;
    if (!secp256k1_ecdsa_signature_parse_compact(secp256k1_context_static, &s, rs)) return -1;
    secp256k1_ecdsa_signature_normalize(secp256k1_context_static, &s, &s);
    secp256k1_ecdsa_signature_serialize_compact(secp256k1_context_static, out, &s);
    return 0;
}

int ethKeyTokenSign(const ethKey *k, const uint8_t hash[32], uint8_t sig[ETH_SIG_LEN], char *err) {
    uint8_t rs[P11_SIG_LEN], a[ETH_ADDR_LEN];
    for (int t = 0; t < SIGN_TRIES; t++) {
        if (p11KeySign(k->tok, hash, 32, rs, err) < 0) return -1;
        if (lowS(rs, sig) < 0) return errSet(err, "WA_RELAYER_KEY_FILE: the token's ECDSA signature is out of range");
        for (int v = 0; v < 2; v++) {   /* y parity: what an EIP-1559 transaction carries */
            sig[64] = (uint8_t)v;
            if (ethRecoverAddr(hash, sig, a, NULL) == 0 && !memcmp(a, k->addr, ETH_ADDR_LEN)) return 0;
        }
    }
    return errSet(err, "WA_RELAYER_KEY_FILE: no recovery id makes the token's signature recover to the relayer address");
}
