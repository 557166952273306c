/* err.c -- error message helper. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "core/err.h"
#include "core/json.h"

char *errUtf8Fix(char *s) {
    size_t n = strlen(s), o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int k = (unsigned char)s[i] < 0x80 ? 1 : jsonUtf8Next((const unsigned char *)s + i, n - i, &cp);
        if (!k) { i++; continue; }   /* drop the stray byte */
        memmove(s + o, s + i, (size_t)k);
        o += (size_t)k;
        i += (size_t)k;
    }
    s[o] = 0;
    return s;
}

int errSet(char *err, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, ERR_MAX, fmt, ap);
        va_end(ap);
        errUtf8Fix(err);
    }
    return -1;
}
