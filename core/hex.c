/* hex.c -- lowercase hex encoding and strict decoding. */
#include <stdlib.h>
#include <string.h>
#include "core/hex.h"

void hexEncode(const uint8_t *in, size_t n, char *out) {
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * n] = 0;
}

int hexDigit(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static const char *skip0x(const char *s) {
    return (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? s + 2 : s;
}

static int decodeInto(const char *s, size_t slen, uint8_t *out) {
    for (size_t i = 0; i < slen / 2; i++) {
        int hi = hexDigit((unsigned char)s[2 * i]), lo = hexDigit((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0) return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

int hexDecode(const char *s, uint8_t *out, size_t outlen) {
    s = skip0x(s);
    if (strlen(s) != 2 * outlen) return -1;
    return decodeInto(s, 2 * outlen, out);
}

uint8_t *hexDecodeAny(const char *s, size_t *n) {
    s = skip0x(s);
    size_t l = strlen(s);
    if (l % 2) return NULL;
    uint8_t *out = malloc(l / 2 + 1);
    if (!out) return NULL;
    if (decodeInto(s, l, out) < 0) { free(out); return NULL; }
    *n = l / 2;
    return out;
}

void hexEncode0x(const uint8_t *in, size_t n, char *out) {
    out[0] = '0';
    out[1] = 'x';
    hexEncode(in, n, out + 2);
}

char *hexDup0x(const uint8_t *in, size_t n) {
    if (n > (SIZE_MAX - 3) / 2) return NULL;
    char *s = malloc(2 * n + 3);
    if (s) hexEncode0x(in, n, s);
    return s;
}
