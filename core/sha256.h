/* sha256.h -- SHA-256 (nettle: SHA-NI when the CPU has it, no allocation). */
#ifndef WA_SHA256_H
#define WA_SHA256_H
#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

/* sha256: out = SHA-256(data). */
void sha256(const void *data, size_t n, uint8_t out[SHA256_LEN]);

/* sha256Two: out = SHA-256(a || b) without copying (used by Merkle nodes too). */
void sha256Two(const void *a, size_t an, const void *b, size_t bn, uint8_t out[SHA256_LEN]);

/* sha256Hex: the lowercase hex SHA-256 of data (data may be NULL when n is 0) into
 * out: 64 hex chars + NUL. */
void sha256Hex(const void *data, size_t n, char out[2 * SHA256_LEN + 1]);

#endif
