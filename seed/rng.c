/* rng.c -- deterministic key seeds and content streams for the seed tool. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include "core/sha256.h"
#include "seed/rng.h"

/* label: "witness-anchor/seed/v1/<what>" NUL seed NUL name NUL n, hashed. Fixed-width
 * decimal fields keep different (seed, name, n) triples from ever sharing a label. */
static void labelHash(const char *what, uint64_t seed, const char *name, uint64_t n, uint8_t out[32]) {
    char label[256];
    int len = snprintf(label, sizeof label, "witness-anchor/seed/v1/%s%c%020llu%c%s%c%020llu", what, 0,
                       (unsigned long long)seed, 0, name, 0, (unsigned long long)n);
    if (len < 0 || (size_t)len >= sizeof label) len = (int)sizeof label - 1;
    sha256(label, (size_t)len, out);
    sodium_memzero(label, sizeof label);
}

void rngKeySeed(uint64_t seed, const char *kind, uint64_t n, uint8_t out[32]) {
    labelHash("key", seed, kind, n, out);
}

void rngInit(rng *r, uint64_t seed, const char *label, uint64_t n) {
    uint8_t h[32];
    labelHash("content", seed, label, n, h);
    memcpy(&r->s, h, 8);
}

uint64_t rngNext(rng *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

long long rngRange(rng *r, long long lo, long long hi) {
    uint64_t span = (uint64_t)(hi - lo) + 1;
    return lo + (long long)(span ? rngNext(r) % span : rngNext(r));
}

double rngReal(rng *r, double lo, double hi, int decimals) {
    double u = (double)(rngNext(r) >> 11) / 9007199254740992.0;   /* [0, 1) */
    double p = pow(10, decimals);
    return round((lo + u * (hi - lo)) * p) / p;
}

const char *rngPick(rng *r, const char *const *v, int n) {
    return v[rngNext(r) % (uint64_t)n];
}
