/* rlp.h -- Ethereum's Recursive Length Prefix encoding (Yellow Paper, appendix B). */
#ifndef WA_RLP_H
#define WA_RLP_H
#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"

#define RLP_MAX_DEPTH 16

/* Encoding appends to a buf; 0 / -1 (out of memory). */
int rlpPutBytes(buf *out, const uint8_t *p, size_t n);     /* a byte string */
int rlpPutUint(buf *out, uint64_t v);                      /* big-endian, no leading zeros; 0 is "" */
/* rlpPutList: wrap an already encoded payload (the concatenated items) as a list. */
int rlpPutList(buf *out, const uint8_t *payload, size_t n);

/* One decoded item: a string (payload = its bytes) or a list (payload = its
 * encoded items). `size` is the whole item including its header. */
typedef struct rlpItem {
    int isList;
    const uint8_t *payload;
    size_t len;
    size_t size;
} rlpItem;

/* rlpNext: decode the item at the start of p[0..n). Strict (canonical) RLP:
 * rejects truncation, non-minimal length prefixes, single bytes < 0x80 encoded
 * as strings, and lengths that overflow. 0 / -1 + err. */
int rlpNext(const uint8_t *p, size_t n, rlpItem *it, char *err);

/* rlpUint: the item as an unsigned integer of at most 8 bytes, no leading zero. */
int rlpUint(const rlpItem *it, uint64_t *v, char *err);

/* rlpValidate: p[0..n) is exactly one canonical item whose lists nest at most
 * RLP_MAX_DEPTH deep. 0 / -1 + err. */
int rlpValidate(const uint8_t *p, size_t n, char *err);

#endif
