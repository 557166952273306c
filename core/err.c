/* err.c -- error message helper. */
#include <stdarg.h>
#include <stdio.h>
#include "core/err.h"

int errSet(char *err, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, ERR_MAX, fmt, ap);
        va_end(ap);
    }
    return -1;
}
