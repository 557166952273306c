/* edkey.h -- Ed25519 key pairs (libsodium): from a seed, fresh, or a private multikey. */
#ifndef WA_EDKEY_H
#define WA_EDKEY_H
#include <stdint.h>
#include "core/buf.h"

/* sk is libsodium's 64-byte form (seed || pk); wipe with edKeyWipe. */
typedef struct edKey {
    uint8_t pk[32];
    uint8_t sk[64];
} edKey;

/* edKeyFromSeed: the key pair of a 32-byte seed (RFC 8032 private key). 0 / -1. */
int edKeyFromSeed(const uint8_t seed[32], edKey *k);

/* edKeyGenerate: a fresh key pair from the OS CSPRNG. 0 / -1. */
int edKeyGenerate(edKey *k);

/* edKeyFromMultikey: the key pair of a private multikey 'z' + b58(0x80 0x26 || seed). */
int edKeyFromMultikey(const char *privMk, edKey *k, char *err);

/* edKeyToMultikey: append the private multikey of k to out (caller bufWipe's it). */
int edKeyToMultikey(const edKey *k, buf *out);

/* edKeyWipe: zero both halves. */
void edKeyWipe(edKey *k);

#endif
