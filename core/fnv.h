/* fnv.h -- FNV-1a 32, the project's one non-cryptographic string hash (Fowler, Noll, Vo;
 * http://www.isthe.com/chongo/tech/comp/fnv/, draft-eastlake-fnv).
 *
 * It picks a DID's Redis shard (fnv1a32(scid) % WA_STREAM_SHARDS; tests/svc/fault_env.sh
 * repeats it in bash), so its value is part of the data layout: never change it.
 * Also good for in-memory hash tables (slots, probing). Vectors in tests/unit/test_fnv.c
 * (Noll's: "" 0x811c9dc5, "a" 0xe40c292c, "foobar" 0xbf9cf968). No I/O, thread-safe. */
#ifndef WA_FNV_H
#define WA_FNV_H
#include <stddef.h>
#include <stdint.h>

#define FNV1A32_OFFSET 2166136261u
#define FNV1A32_PRIME  16777619u

/* fnv1a32: FNV-1a 32 of the NUL-terminated s. */
static inline uint32_t fnv1a32(const char *s) {
    uint32_t h = FNV1A32_OFFSET;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * FNV1A32_PRIME;
    return h;
}

/* fnv1a32Buf: FNV-1a 32 of n bytes at p (p may be NULL when n is 0). */
static inline uint32_t fnv1a32Buf(const void *p, size_t n) {
    const uint8_t *b = p;
    uint32_t h = FNV1A32_OFFSET;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * FNV1A32_PRIME;
    return h;
}

#endif
