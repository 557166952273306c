/* ethkey.c -- relayer key handling on libsecp256k1 (constant-time signing). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include "anchord/config/config.h"
#include "anchord/chain/ethkey.h"
#include "anchord/keys/pkcs11.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/hex.h"
#include "core/keccak.h"
#include "core/io/file.h"
#include "core/io/secret.h"

#define KEY_FILE_MAX 256

/* pubToAddr: address = last 20 bytes of Keccak-256 of the 64-byte X||Y. */
static void pubToAddr(const secp256k1_pubkey *pub, uint8_t addr[ETH_ADDR_LEN]) {
    uint8_t ser[65], h[32];
    size_t n = sizeof ser;
    secp256k1_ec_pubkey_serialize(secp256k1_context_static, ser, &n, pub, SECP256K1_EC_UNCOMPRESSED);
    keccak256(ser + 1, 64, h);
    memcpy(addr, h + 12, ETH_ADDR_LEN);
}

int ethKeyFromBytes(ethKey *k, const uint8_t sk[32], char *err) {
    uint8_t seed[32];
    secp256k1_pubkey pub;
    memset(k, 0, sizeof *k);
    if (sodium_init() < 0) return errSet(err, "libsodium: cannot initialise");
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (!ctx) return errSet(err, "relayer key: out of memory");
    randombytes_buf(seed, sizeof seed);   /* blinding against side channels */
    int ok = secp256k1_context_randomize(ctx, seed);
    sodium_memzero(seed, sizeof seed);
    if (!ok || !secp256k1_ec_seckey_verify(ctx, sk) || !secp256k1_ec_pubkey_create(ctx, &pub, sk)) {
        secp256k1_context_destroy(ctx);
        return errSet(err, "relayer key: not a valid secp256k1 secret key");
    }
    memcpy(k->sk, sk, 32);
    k->ctx = (struct secp256k1_context_struct *)ctx;
    pubToAddr(&pub, k->addr);
    return 0;
}

void ethKeyWipe(ethKey *k) {
    p11KeyClose(k->tok);
    k->tok = NULL;
    sodium_memzero(k->sk, sizeof k->sk);
    if (k->ctx) secp256k1_context_destroy((secp256k1_context *)k->ctx);
    k->ctx = NULL;
}

/* parseSecret: trim surrounding whitespace, then exactly 32 bytes of hex. */
static int parseSecret(char *s, size_t n, uint8_t sk[32], const char *src, char *err) {
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = 0;
    while (*s && isspace((unsigned char)*s)) s++;
    if (hexDecode(s, sk, 32) < 0)
        return errSet(err, "relayer key from %s: want 64 hex characters (optional 0x)", src);
    return 0;
}

int ethKeyLoad(ethKey *k, const char *path, char *err) {
    uint8_t sk[32];
    buf b = BUF_INIT;
    memset(k, 0, sizeof *k);
    if (sodium_init() < 0) return errSet(err, "libsodium: cannot initialise");
    if (p11IsUri(path)) {
        const char *v = getenv("WA_RELAYER_KEY");
        if (v && *v) return errSet(err, "both WA_RELAYER_KEY and WA_RELAYER_KEY_FILE are set; use one");
        return ethKeyTokenOpen(k, path, NULL, err);
    }
    int rc = secretRead("WA_RELAYER_KEY", path, &b, err);
    if (rc == 0) errSet(err, "no relayer key: set WA_RELAYER_KEY_FILE (a 0600 file) or WA_RELAYER_KEY");
    if (rc > 0) rc = parseSecret((char *)b.p, b.len, sk, path && *path ? "WA_RELAYER_KEY_FILE" : "WA_RELAYER_KEY", err);
    bufWipe(&b);
    if (rc == 0) rc = ethKeyFromBytes(k, sk, err);
    sodium_memzero(sk, sizeof sk);
    return rc < 0 ? -1 : 0;
}

int ethSignHash(const ethKey *k, const uint8_t hash[32], uint8_t sig[ETH_SIG_LEN], char *err) {
    secp256k1_ecdsa_recoverable_signature rs;
    int recid;
    if (k->tok) return ethKeyTokenSign(k, hash, sig, err);
    if (!k->ctx) return errSet(err, "sign: no key loaded");
    if (!secp256k1_ecdsa_sign_recoverable((secp256k1_context *)k->ctx, &rs, hash, k->sk, NULL, NULL))
        return errSet(err, "sign: libsecp256k1 refused to sign");
    secp256k1_ecdsa_recoverable_signature_serialize_compact(secp256k1_context_static, sig, &recid, &rs);
    sig[64] = (uint8_t)recid;
    /* Check our own work: a signature that does not recover to us is never sent. */
    uint8_t a[ETH_ADDR_LEN];
    if (ethRecoverAddr(hash, sig, a, err) < 0 || memcmp(a, k->addr, ETH_ADDR_LEN))
        return errSet(err, "sign: signature does not recover to the relayer address");
    return 0;
}

int ethRecoverAddr(const uint8_t hash[32], const uint8_t sig[ETH_SIG_LEN], uint8_t addr[ETH_ADDR_LEN], char *err) {
    secp256k1_ecdsa_recoverable_signature rs;
    secp256k1_pubkey pub;
    if (sig[64] > 3 ||
        !secp256k1_ecdsa_recoverable_signature_parse_compact(secp256k1_context_static, &rs, sig, sig[64]) ||
        !secp256k1_ecdsa_recover(secp256k1_context_static, &pub, &rs, hash))
        return errSet(err, "recover: invalid signature");
    pubToAddr(&pub, addr);
    return 0;
}

