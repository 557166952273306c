/* buf.c -- growable byte buffer. All functions return 0 / -1 (out of memory). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "core/buf.h"

/* bufReserve: ensure room for extra bytes plus the terminating NUL. */
int bufReserve(buf *b, size_t extra) {
    if (extra > ((size_t)-1) / 2 - b->len) return -1;
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap *= 2;
    unsigned char *p = realloc(b->p, cap);
    if (!p) return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

int bufAppend(buf *b, const void *p, size_t n) {
    if (bufReserve(b, n) < 0) return -1;
    if (n) memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = 0;
    return 0;
}

int bufPuts(buf *b, const char *s) { return bufAppend(b, s, strlen(s)); }

int bufPutc(buf *b, int c) {
    unsigned char ch = (unsigned char)c;
    return bufAppend(b, &ch, 1);
}

int bufPrintf(buf *b, const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || bufReserve(b, (size_t)n) < 0) { va_end(ap2); return -1; }
    vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
    return 0;
}

void bufReset(buf *b) {
    b->len = 0;
    if (b->p) b->p[0] = 0;
}

void bufFree(buf *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void bufWipe(buf *b) {
    if (b->p) sodium_memzero(b->p, b->cap);
    bufFree(b);
}

char *bufDetach(buf *b) {
    if (!b->p && bufReserve(b, 0) < 0) return NULL;
    char *s = (char *)b->p;
    b->p = NULL;
    b->len = b->cap = 0;
    return s;
}
