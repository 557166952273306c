/* keccak.c -- Keccak-256 as Ethereum uses it: nettle's Keccak-f[1600] plus a sponge. */
#include <string.h>
#include <nettle/sha3.h>
#include "core/keccak.h"

#define KECCAK256_RATE 136   /* 1600 - 2*256 bits capacity = 1088 bits */

/* absorbBlock: XOR one full rate-sized block into the state (lanes are
 * little-endian 64-bit words, as in nettle), then permute. */
static void absorbBlock(struct sha3_state *st, const uint8_t *p) {
    for (size_t i = 0; i < KECCAK256_RATE / 8; i++) {
        uint64_t w = 0;
        for (int b = 7; b >= 0; b--) w = (w << 8) | p[8 * i + (size_t)b];
        st->a[i] ^= w;
    }
    nettle_sha3_permute(st);
}

/* keccak256: original Keccak padding (0x01 ... 0x80, pad10*1), not FIPS 202's
 * 0x06, which is why nettle's sha3_256 cannot be used directly. */
void keccak256(const void *data, size_t n, uint8_t out[KECCAK256_LEN]) {
    struct sha3_state st;
    uint8_t last[KECCAK256_RATE];
    const uint8_t *p = data;

    memset(&st, 0, sizeof st);
    for (; n >= KECCAK256_RATE; n -= KECCAK256_RATE, p += KECCAK256_RATE) absorbBlock(&st, p);
    memset(last, 0, sizeof last);
    if (n) memcpy(last, p, n);
    last[n] ^= 0x01;
    last[KECCAK256_RATE - 1] ^= 0x80;
    absorbBlock(&st, last);
    for (size_t i = 0; i < KECCAK256_LEN; i++) out[i] = (uint8_t)(st.a[i / 8] >> (8 * (i % 8)));
}
