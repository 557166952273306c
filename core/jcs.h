/* jcs.h -- RFC 8785 JSON Canonicalization Scheme.
 *
 * Object members sorted by their UTF-16 code units, no whitespace, strings with
 * the minimal JSON escapes, numbers in ECMAScript Number.prototype.toString form. */
#ifndef WA_JCS_H
#define WA_JCS_H
#include <stddef.h>
#include <jansson.h>
#include "core/buf.h"

#define JCS_NUM_MAX 32

/* jcsNumber: ECMAScript shortest round-trip form of d into out (NUL-terminated).
 * Returns the length, or -1 for NaN / infinity (not representable in JSON). */
int jcsNumber(double d, char out[JCS_NUM_MAX]);

/* jcsAppend: append the canonical form of v to out. 0 / -1 (+ err). */
int jcsAppend(const json_t *v, buf *out, char *err);

/* jcsDump: canonical form as a new NUL-terminated string (caller frees);
 * *len receives its length when len is non-NULL. NULL on error. */
char *jcsDump(const json_t *v, size_t *len, char *err);

#endif
