/* keccak.h -- Ethereum's Keccak-256 (original padding 0x01, not SHA3-256's 0x06),
 * built on nettle's exported Keccak-f[1600] permutation. */
#ifndef WA_KECCAK_H
#define WA_KECCAK_H
#include <stddef.h>
#include <stdint.h>

#define KECCAK256_LEN 32

/* keccak256: out = Keccak-256(data). */
void keccak256(const void *data, size_t n, uint8_t out[KECCAK256_LEN]);

#endif
