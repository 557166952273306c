/* rlp.c -- RLP encoder and a strict, bounded decoder. */
#include <string.h>
#include "anchord/chain/rlp.h"
#include "core/err.h"

/* beBytes: v big-endian without leading zeros into out[8]; returns the length. */
static size_t beBytes(uint64_t v, uint8_t out[8]) {
    size_t n = 0;
    for (int i = 7; i >= 0; i--) {
        uint8_t b = (uint8_t)(v >> (8 * i));
        if (n || b) out[n++] = b;
    }
    return n;
}

/* putHeader: short form (base + len) below 56 bytes, else long form
 * (base + 55 + length of the length, then the length). */
static int putHeader(buf *out, uint8_t base, size_t len) {
    if (len < 56) return bufPutc(out, base + (uint8_t)len);
    uint8_t l[8];
    size_t ll = beBytes((uint64_t)len, l);
    if (bufPutc(out, base + 55 + (uint8_t)ll) < 0) return -1;
    return bufAppend(out, l, ll);
}

int rlpPutBytes(buf *out, const uint8_t *p, size_t n) {
    if (n == 1 && p[0] < 0x80) return bufPutc(out, p[0]);
    if (putHeader(out, 0x80, n) < 0) return -1;
    return bufAppend(out, p, n);
}

int rlpPutUint(buf *out, uint64_t v) {
    uint8_t b[8];
    return rlpPutBytes(out, b, beBytes(v, b));
}

int rlpPutList(buf *out, const uint8_t *payload, size_t n) {
    if (putHeader(out, 0xc0, n) < 0) return -1;
    return bufAppend(out, payload, n);
}

/* longLen: read a big-endian length of ll bytes (minimal: no leading zero, >= 56). */
static int longLen(const uint8_t *p, size_t n, size_t ll, size_t *len, char *err) {
    if (ll > sizeof(size_t) || ll > 8) return errSet(err, "rlp: length of length %zu too large", ll);
    if (n < 1 + ll) return errSet(err, "rlp: truncated length");
    if (p[1] == 0) return errSet(err, "rlp: length has a leading zero");
    size_t v = 0;
    for (size_t i = 0; i < ll; i++) v = (v << 8) | p[1 + i];
    if (v < 56) return errSet(err, "rlp: long form used for a length below 56");
    *len = v;
    return 0;
}

int rlpNext(const uint8_t *p, size_t n, rlpItem *it, char *err) {
    if (n == 0) return errSet(err, "rlp: empty input");
    uint8_t h = p[0];
    size_t hl = 1, len = 0;
    if (h < 0x80) {
        it->isList = 0; it->payload = p; it->len = 1; it->size = 1;
        return 0;
    }
    it->isList = h >= 0xc0;
    uint8_t base = it->isList ? 0xc0 : 0x80;
    if (h - base < 56) {
        len = (size_t)(h - base);
    } else {
        size_t ll = (size_t)(h - base - 55);
        if (longLen(p, n, ll, &len, err) < 0) return -1;
        hl += ll;
    }
    if (len > n - hl) return errSet(err, "rlp: item of %zu bytes exceeds the %zu available", len, n - hl);
    if (!it->isList && len == 1 && p[hl] < 0x80)
        return errSet(err, "rlp: single byte below 0x80 must be encoded as itself");
    it->payload = p + hl;
    it->len = len;
    it->size = hl + len;
    return 0;
}

int rlpUint(const rlpItem *it, uint64_t *v, char *err) {
    if (it->isList) return errSet(err, "rlp: expected an integer, got a list");
    if (it->len > 8) return errSet(err, "rlp: integer wider than 64 bits");
    if (it->len && it->payload[0] == 0) return errSet(err, "rlp: integer has a leading zero");
    *v = 0;
    for (size_t i = 0; i < it->len; i++) *v = (*v << 8) | it->payload[i];
    return 0;
}

/* walk: validate every item of a list payload, recursing into lists. */
static int walk(const uint8_t *p, size_t n, int depth, char *err) {
    if (depth > RLP_MAX_DEPTH) return errSet(err, "rlp: lists nested deeper than %d", RLP_MAX_DEPTH);
    while (n) {
        rlpItem it;
        if (rlpNext(p, n, &it, err) < 0) return -1;
        if (it.isList && walk(it.payload, it.len, depth + 1, err) < 0) return -1;
        p += it.size;
        n -= it.size;
    }
    return 0;
}

int rlpValidate(const uint8_t *p, size_t n, char *err) {
    rlpItem it;
    if (rlpNext(p, n, &it, err) < 0) return -1;
    if (it.size != n) return errSet(err, "rlp: %zu trailing bytes after the item", n - it.size);
    return it.isList ? walk(it.payload, it.len, 1, err) : 0;
}
