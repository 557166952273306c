/* jcs.c -- RFC 8785 JSON Canonicalization Scheme on jansson values. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "core/jcs.h"
#include "core/json.h"

/* Values built in code (not parsed) have no depth limit and may even be
 * cyclic; this bounds the recursion. */
#define JCS_MAX_DEPTH 512

/* ---- numbers: ECMAScript Number::toString (RFC 8785 section 3.2.2.3) ---- */

/* A decimal candidate s * 10^e10 for a positive double. */
typedef struct { uint64_t s; int e10; } dec;

/* roundTrips: does s * 10^e10 read back (correctly rounded, glibc strtod) as d? */
static int roundTrips(dec c, double d) {
    char b[48];
    snprintf(b, sizeof b, "%llue%d", (unsigned long long)c.s, c.e10);
    return strtod(b, NULL) == d;
}

/* tryDigits: is there a p-digit decimal that reads back as d (> 0)? If so put
 * the one ES wants into *out: the nearest (glibc's %e is exact and rounds
 * half to even). At a power of two the interval of reals that round to d is
 * asymmetric (the gap below is half the gap above), so when the nearest
 * p-digit decimal lies below d and outside it, the next one above may still
 * be inside (the reverse cannot happen: the upper side is the wide one). */
static int tryDigits(double d, int p, int pow2, dec *out) {
    char b[48];
    snprintf(b, sizeof b, "%.*e", p - 1, d);        /* d.ddde[+-]x */
    dec c = {0, 0};
    const char *q = b;
    for (; *q && *q != 'e'; q++)          /* skip the radix char, whatever the locale */
        if (*q >= '0' && *q <= '9') c.s = c.s * 10 + (uint64_t)(*q - '0');
    c.e10 = atoi(q + 1) - (p - 1);
    if (roundTrips(c, d)) { *out = c; return 1; }
    if (!pow2) return 0;
    dec up = {c.s + 1, c.e10};           /* 99..9 + 1 is still a p-digit decimal */
    if (!roundTrips(up, d)) return 0;
    *out = up;
    return 1;
}

/* shortest: the shortest round-trip decimal of d > 0, finite. At most one
 * 15-digit decimal reads back as a given normal double (DBL_DIG: their
 * spacing is wider than a double's rounding interval), so if 15 digits
 * round-trip, that decimal with its trailing zeros dropped is the shortest;
 * else 16, else 17 (17 always suffices). Most data (typed decimals) need one
 * probe. Subnormals have fewer bits, so there: whether some p-digit decimal
 * reads back is monotonic in p (a p-digit decimal is also a (p+1)-digit one),
 * binary search 1..17. */
static dec shortest(double d) {
    int e2;
    int pow2 = frexp(d, &e2) == 0.5;
    dec c, best;
    if (d >= DBL_MIN) {
        if (tryDigits(d, 15, pow2, &c) || tryDigits(d, 16, pow2, &c)) return c;
        tryDigits(d, 17, 0, &c);
        return c;
    }
    int lo = 1, hi = 17;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (tryDigits(d, mid, 0, &c)) { hi = mid; best = c; }
        else lo = mid + 1;
    }
    if (lo == 17) tryDigits(d, 17, 0, &best);
    return best;
}

/* put: append n bytes to o (no bounds: callers stay within JCS_NUM_MAX). */
static char *put(char *o, const char *s, size_t n) {
    memcpy(o, s, n);
    return o + n;
}

int jcsNumber(double d, char out[JCS_NUM_MAX]) {
    if (!isfinite(d)) return -1;
    if (d == 0) { strcpy(out, "0"); return 1; }              /* also -0 */
    char *o = out;
    if (d < 0) { *o++ = '-'; d = -d; }
    if (d < 9007199254740992.0 && d == trunc(d)) {           /* exact integer: its digits */
        int n = snprintf(o, JCS_NUM_MAX - 1, "%llu", (unsigned long long)d);
        return (int)(o - out) + n;
    }
    dec c = shortest(d);
    while (c.s % 10 == 0) { c.s /= 10; c.e10++; }
    char dig[24];
    int k = snprintf(dig, sizeof dig, "%llu", (unsigned long long)c.s);
    int n = c.e10 + k;                 /* d = 0.dig * 10^n, ECMA-262 Number::toString */
    if (k <= n && n <= 21) {                                  /* 123000 */
        o = put(o, dig, (size_t)k);
        memset(o, '0', (size_t)(n - k));
        o += n - k;
    } else if (0 < n && n <= 21) {                            /* 12.3 */
        o = put(o, dig, (size_t)n);
        *o++ = '.';
        o = put(o, dig + n, (size_t)(k - n));
    } else if (-6 < n && n <= 0) {                            /* 0.000123 */
        o = put(o, "0.", 2);
        memset(o, '0', (size_t)-n);
        o += -n;
        o = put(o, dig, (size_t)k);
    } else {                                                  /* 1.23e+21, 1e-7 */
        *o++ = dig[0];
        if (k > 1) { *o++ = '.'; o = put(o, dig + 1, (size_t)(k - 1)); }
        o += snprintf(o, 8, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
    }
    *o = 0;
    return (int)(o - out);
}

/* ---- strings (RFC 8785 section 3.2.2.2) ---- */

/* appendString: s as a JSON string with only the escapes JCS allows; the
 * bytes must be valid UTF-8 (values built with the _nocheck calls may not be). */
static int appendString(buf *out, const char *str, size_t len, char *err) {
    const unsigned char *s = (const unsigned char *)str;
    if (bufPutc(out, '"') < 0) return errSet(err, "JCS: out of memory");
    size_t run = 0;                         /* start of bytes copied unchanged */
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        if (c >= 0x80) {
            uint32_t cp;
            int n = jsonUtf8Next(s + i, len - i, &cp);
            if (!n) return errSet(err, "JCS: string or key is not valid UTF-8 (byte %zu)", i);
            i += (size_t)n;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') { i++; continue; }
        if (bufAppend(out, s + run, i - run) < 0) return errSet(err, "JCS: out of memory");
        const char *e = NULL;
        switch (c) {
        case '"': e = "\\\""; break;
        case '\\': e = "\\\\"; break;
        case '\b': e = "\\b"; break;
        case '\t': e = "\\t"; break;
        case '\n': e = "\\n"; break;
        case '\f': e = "\\f"; break;
        case '\r': e = "\\r"; break;
        }
        int rc = e ? bufPuts(out, e) : bufPrintf(out, "\\u%04x", c);
        if (rc < 0) return errSet(err, "JCS: out of memory");
        run = ++i;
    }
    if (bufAppend(out, s + run, len - run) < 0 || bufPutc(out, '"') < 0)
        return errSet(err, "JCS: out of memory");
    return 0;
}

/* ---- object member order (RFC 8785 section 3.2.3) ---- */

/* A UTF-8 string read as UTF-16 code units. */
typedef struct { const unsigned char *s; size_t n, i; uint32_t low; } u16it;

/* u16Next: the next UTF-16 code unit, or -1 at the end. A byte that is not
 * valid UTF-8 counts as one unit of its value (such a key fails when written). */
static long u16Next(u16it *it) {
    if (it->low) { long u = it->low; it->low = 0; return u; }
    if (it->i >= it->n) return -1;
    uint32_t cp;
    int len = jsonUtf8Next(it->s + it->i, it->n - it->i, &cp);
    if (!len) { len = 1; cp = it->s[it->i]; }
    it->i += (size_t)len;
    if (cp < 0x10000) return cp;
    cp -= 0x10000;
    it->low = 0xDC00 + (cp & 0x3FF);
    return 0xD800 + (cp >> 10);
}

typedef struct { const char *k; size_t klen; json_t *v; } member;

/* memberCmp: compare keys as arrays of UTF-16 code units. UTF-8 byte order is
 * code point order, which differs from UTF-16 order for U+E000..U+FFFF versus
 * supplementary characters (surrogates D800..DFFF sort before E000). */
static int memberCmp(const void *pa, const void *pb) {
    const member *a = pa, *b = pb;
    size_t n = a->klen < b->klen ? a->klen : b->klen, i = 0;
    while (i < n && a->k[i] == b->k[i]) i++;      /* common prefix: same units */
    while (i > 0 && ((unsigned char)a->k[i] & 0xC0) == 0x80) i--;   /* back to a char start */
    u16it x = {(const unsigned char *)a->k, a->klen, i, 0};
    u16it y = {(const unsigned char *)b->k, b->klen, i, 0};
    for (;;) {
        long ux = u16Next(&x), uy = u16Next(&y);
        if (ux != uy) return ux < uy ? -1 : 1;
        if (ux < 0) return 0;
    }
}

static int appendValue(const json_t *v, buf *out, int depth, char *err);

/* appendObject: members sorted by key, "k":v joined with commas. */
static int appendObject(const json_t *v, buf *out, int depth, char *err) {
    size_t n = json_object_size(v), i = 0;
    member *m = n ? malloc(n * sizeof *m) : NULL;
    if (n && !m) return errSet(err, "JCS: out of memory");
    for (void *it = json_object_iter((json_t *)v); it && i < n;
         it = json_object_iter_next((json_t *)v, it), i++) {
        m[i].k = json_object_iter_key(it);
        m[i].klen = json_object_iter_key_len(it);
        m[i].v = json_object_iter_value(it);
    }
    n = i;
    if (n > 1) qsort(m, n, sizeof *m, memberCmp);   /* keys are checked as written */
    int rc = bufPutc(out, '{') < 0 ? errSet(err, "JCS: out of memory") : 0;
    for (i = 0; i < n && !rc; i++) {
        if (i && bufPutc(out, ',') < 0) rc = errSet(err, "JCS: out of memory");
        if (!rc) rc = appendString(out, m[i].k, m[i].klen, err);
        if (!rc && bufPutc(out, ':') < 0) rc = errSet(err, "JCS: out of memory");
        if (!rc) rc = appendValue(m[i].v, out, depth + 1, err);
    }
    free(m);
    if (!rc && bufPutc(out, '}') < 0) rc = errSet(err, "JCS: out of memory");
    return rc;
}

static int appendArray(const json_t *v, buf *out, int depth, char *err) {
    if (bufPutc(out, '[') < 0) return errSet(err, "JCS: out of memory");
    for (size_t i = 0; i < json_array_size(v); i++) {
        if (i && bufPutc(out, ',') < 0) return errSet(err, "JCS: out of memory");
        if (appendValue(json_array_get(v, i), out, depth + 1, err) < 0) return -1;
    }
    if (bufPutc(out, ']') < 0) return errSet(err, "JCS: out of memory");
    return 0;
}

/* appendNumber: reals as ES numbers; jansson integers only where a double
 * holds them exactly (beyond 2^53 the canonical form would change the value). */
static int appendNumber(const json_t *v, buf *out, char *err) {
    double d;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < -JSON_INT_MAX || i > JSON_INT_MAX)
            return errSet(err, "JCS: integer %lld is not exact as an IEEE-754 double", (long long)i);
        d = (double)i;
    } else {
        d = json_real_value(v);
    }
    char num[JCS_NUM_MAX];
    int n = jcsNumber(d, num);
    if (n < 0) return errSet(err, "JCS: NaN and infinity have no JSON form");
    if (bufAppend(out, num, (size_t)n) < 0) return errSet(err, "JCS: out of memory");
    return 0;
}

static int appendValue(const json_t *v, buf *out, int depth, char *err) {
    if (!v) return errSet(err, "JCS: missing value");
    if (depth > JCS_MAX_DEPTH) return errSet(err, "JCS: nesting deeper than %d levels (or a cycle)", JCS_MAX_DEPTH);
    const char *lit = NULL;
    switch (json_typeof(v)) {
    case JSON_OBJECT: return appendObject(v, out, depth, err);
    case JSON_ARRAY: return appendArray(v, out, depth, err);
    case JSON_STRING: return appendString(out, json_string_value(v), json_string_length(v), err);
    case JSON_INTEGER:
    case JSON_REAL: return appendNumber(v, out, err);
    case JSON_TRUE: lit = "true"; break;
    case JSON_FALSE: lit = "false"; break;
    case JSON_NULL: lit = "null"; break;
    }
    if (!lit) return errSet(err, "JCS: unknown value type");
    if (bufPuts(out, lit) < 0) return errSet(err, "JCS: out of memory");
    return 0;
}

int jcsAppend(const json_t *v, buf *out, char *err) {
    size_t mark = out->len;
    int rc = appendValue(v, out, 1, err);
    if (rc < 0 && out->p) { out->len = mark; out->p[mark] = 0; }   /* no partial output */
    return rc;
}

char *jcsDump(const json_t *v, size_t *len, char *err) {
    buf b = BUF_INIT;
    if (jcsAppend(v, &b, err) < 0) { bufFree(&b); return NULL; }
    if (len) *len = b.len;
    char *s = bufDetach(&b);
    if (!s) errSet(err, "JCS: out of memory");
    return s;
}
