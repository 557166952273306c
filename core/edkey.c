/* edkey.c -- Ed25519 key pairs on libsodium; every seed copy is wiped. */
#include <sodium.h>
#include "core/err.h"
#include "core/multiformat.h"
#include "core/edkey.h"

/* edKeyFromSeed: RFC 8032 key pair of seed (libsodium's seed keypair). */
int edKeyFromSeed(const uint8_t seed[32], edKey *k) {
    if (sodium_init() < 0) return -1;
    return crypto_sign_seed_keypair(k->pk, k->sk, seed) == 0 ? 0 : -1;
}

/* edKeyGenerate: fresh pair from libsodium's CSPRNG. */
int edKeyGenerate(edKey *k) {
    if (sodium_init() < 0) return -1;
    return crypto_sign_keypair(k->pk, k->sk) == 0 ? 0 : -1;
}

/* edKeyFromMultikey: decode the private multikey, derive, wipe the seed. */
int edKeyFromMultikey(const char *privMk, edKey *k, char *err) {
    uint8_t seed[32];
    if (mkDecodeEd25519Priv(privMk, seed, err) < 0) return -1;
    int rc = edKeyFromSeed(seed, k);
    sodium_memzero(seed, sizeof seed);
    return rc < 0 ? errSet(err, "ed25519: cannot derive the key pair (libsodium init failed)") : 0;
}

/* edKeyToMultikey: libsodium's sk starts with the seed, which is what the
 * multikey holds. */
int edKeyToMultikey(const edKey *k, buf *out) {
    uint8_t seed[32];
    crypto_sign_ed25519_sk_to_seed(seed, k->sk);
    int rc = mkEncodeEd25519Priv(seed, out);
    sodium_memzero(seed, sizeof seed);
    return rc;
}

/* edKeyWipe: zero the whole struct (both halves). */
void edKeyWipe(edKey *k) {
    sodium_memzero(k, sizeof *k);
}
