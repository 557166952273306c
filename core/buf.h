/* buf.h -- growable byte buffer, always NUL-terminated for convenience. */
#ifndef WA_BUF_H
#define WA_BUF_H
#include <stddef.h>

typedef struct buf {
    unsigned char *p;   /* data, NUL-terminated when non-NULL */
    size_t len;         /* bytes used (excluding the NUL) */
    size_t cap;         /* bytes allocated */
} buf;

#define BUF_INIT {NULL, 0, 0}

int bufReserve(buf *b, size_t extra);                 /* room for extra more bytes */
int bufAppend(buf *b, const void *p, size_t n);
int bufPuts(buf *b, const char *s);
int bufPutc(buf *b, int c);
int bufPrintf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bufReset(buf *b);                                /* len = 0, keeps memory */
void bufFree(buf *b);                                 /* frees; buffer is BUF_INIT again */
void bufWipe(buf *b);                                 /* zeroes the bytes (secrets), then frees */
char *bufDetach(buf *b);                              /* caller owns the string; b is reset */

#endif
