/* rng.h -- deterministic randomness for generated data: every key and value from --seed.
 *
 * Secrets (Ed25519 seeds) come from SHA-256 over a domain-separated label, so a
 * key depends only on (seed, kind, number) and never on generation order or
 * thread scheduling. Content (serials, sizes, times) comes from a small
 * splitmix64 stream seeded the same way, one stream per item. */
#ifndef WA_SEED_RNG_H
#define WA_SEED_RNG_H
#include <stdint.h>

typedef struct rng {
    uint64_t s;
} rng;

/* rngKeySeed: the 32-byte Ed25519 seed of item n of kind under seed
 * (SHA-256("witness-anchor/seed/v1/key" 0 seed 0 kind 0 n)). The caller wipes it. */
void rngKeySeed(uint64_t seed, const char *kind, uint64_t n, uint8_t out[32]);

/* rngInit: a content stream for (seed, label, n), independent of every other label/n. */
void rngInit(rng *r, uint64_t seed, const char *label, uint64_t n);

/* rngNext: the next 64 random bits (splitmix64). */
uint64_t rngNext(rng *r);

/* rngRange: uniform integer in [lo, hi] (hi >= lo). */
long long rngRange(rng *r, long long lo, long long hi);

/* rngReal: uniform value in [lo, hi) rounded to `decimals` places (0..6). */
double rngReal(rng *r, double lo, double hi, int decimals);

/* rngPick: one of n strings. */
const char *rngPick(rng *r, const char *const *v, int n);

#endif
