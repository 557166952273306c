/* json.c -- bounded, strict JSON parsing on jansson (I-JSON, RFC 7493). */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "core/hex.h"
#include "core/json.h"

/* jsonUtf8Next: strict UTF-8 decoder (RFC 3629 table 3-7 of Unicode). */
int jsonUtf8Next(const unsigned char *s, size_t n, uint32_t *cp) {
    unsigned char c = s[0];
    if (c < 0x80) { *cp = c; return 1; }
    int len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; min = 0x10000; }
    else return 0;                       /* continuation byte, C0/C1, F5..FF */
    if (n < (size_t)len) return 0;
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

/* hex4: the 4 hex digits at s as a number, or -1. */
static long hex4(const unsigned char *s) {
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hexDigit(s[i]);
        if (d < 0) return -1;
        v = v << 4 | d;
    }
    return v;
}

/* scanEscapeU: check the \uXXXX escape at s[*i] (a backslash); advance *i past
 * it (and its low surrogate). Malformed hex is left for jansson to report. */
static int scanEscapeU(const unsigned char *s, size_t len, size_t *i, char *err) {
    size_t at = *i;
    long v = at + 6 <= len ? hex4(s + at + 2) : -1;
    if (v < 0) { *i += 2; return 0; }
    if (v == 0) return errSet(err, "JSON: \\u0000 is not allowed in strings (offset %zu)", at);
    if (v >= 0xDC00 && v <= 0xDFFF)
        return errSet(err, "JSON: lone surrogate \\u%04lX at offset %zu", v, at);
    if (v >= 0xD800 && v <= 0xDBFF) {
        long lo = (at + 12 <= len && s[at + 6] == '\\' && s[at + 7] == 'u') ? hex4(s + at + 8) : -1;
        if (lo < 0xDC00 || lo > 0xDFFF)
            return errSet(err, "JSON: lone surrogate \\u%04lX at offset %zu", v, at);
        *i += 12;
        return 0;
    }
    *i += 6;
    return 0;
}

/* jsonScan: one pass over the raw bytes before jansson sees them: NUL bytes,
 * invalid UTF-8 anywhere, \u0000 and lone surrogate escapes, and nesting depth
 * (counted outside strings), so that deep input never reaches the recursive
 * parser. Syntax is jansson's job. */
static int jsonScan(const unsigned char *s, size_t len, int maxDepth, char *err) {
    int depth = 0, inStr = 0;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c == 0) return errSet(err, "JSON: NUL byte at offset %zu", i);
        if (c >= 0x80) {
            uint32_t cp;
            int n = jsonUtf8Next(s + i, len - i, &cp);
            if (!n) return errSet(err, "JSON: invalid UTF-8 at offset %zu", i);
            i += (size_t)n;
            continue;
        }
        if (inStr) {
            if (c == '"') inStr = 0;
            else if (c == '\\' && i + 1 < len) {
                if (s[i + 1] == 'u') {
                    if (scanEscapeU(s, len, &i, err) < 0) return -1;
                    continue;
                }
                /* skip an ASCII escaped char (it may be '"'); anything else is
                 * looked at by the next turn and rejected later by jansson */
                i += (s[i + 1] && s[i + 1] < 0x80) ? 2 : 1;
                continue;
            }
        } else if (c == '"') {
            inStr = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > maxDepth)
                return errSet(err, "JSON: nesting deeper than %d levels at offset %zu", maxDepth, i);
        } else if (c == ']' || c == '}') {
            depth--;
        }
        i++;
    }
    return 0;
}

/* loadError: jansson's error as one specific message that never quotes the input:
 * the document may be a stored object that is not what it should be (a private file
 * a link pointed at, someone else's bytes), and messages end up in rejection reasons
 * anyone can read (GET /events/{scid}/{id}). jansson appends "near '<token>'" and
 * quotes some escapes; only its wording before any quote is kept, with the position. */
static void loadError(const json_error_t *e, char *err) {
    char what[JSON_ERROR_TEXT_LENGTH];
    size_t n = strcspn(e->text, "'");
    const char *near = strstr(e->text, " near ");
    if (near && (size_t)(near - e->text) < n) n = (size_t)(near - e->text);
    while (n && e->text[n - 1] == ' ') n--;
    snprintf(what, sizeof what, "%.*s", (int)n, e->text);
    switch (json_error_code(e)) {
    case json_error_duplicate_key:
        errSet(err, "JSON: duplicate object key at line %d column %d", e->line, e->column);
        break;
    case json_error_end_of_input_expected:
        errSet(err, "JSON: trailing data after the value at offset %d", e->position);
        break;
    case json_error_numeric_overflow:
        errSet(err, "JSON: number out of the range of a double before offset %d", e->position);
        break;
    case json_error_premature_end_of_input:
        errSet(err, "JSON: unexpected end of input");
        break;
    case json_error_stack_overflow:
        errSet(err, "JSON: nesting too deep");
        break;
    case json_error_out_of_memory:
        errSet(err, "JSON: out of memory");
        break;
    default:
        errSet(err, "JSON: syntax error at line %d column %d%s%s", e->line, e->column, n ? ": " : "", what);
    }
}

/* ---------- fast loader ----------
 * jansson tokenises one byte at a time through a stream abstraction (~100
 * instructions a byte); profiles of didverify and the ingest server put most
 * of the parse there. This loader builds the same jansson values in one
 * pass over the bytes jsonScan has already checked (valid UTF-8, no NUL, no
 * \u0000 or lone surrogates, depth bounded). It is deliberately partial: on
 * anything it does not handle or that is wrong (syntax, duplicates, overflow,
 * keys with escapes) it gives up and jansson's loader decides, with its
 * message. So it never accepts what jansson refuses, and for what it accepts
 * it builds what jansson builds: same constructors, same insertion order, the
 * same strtod (tests/fuzz/fuzz_jsonfast.c compares the two). */

typedef struct fastp { const unsigned char *p, *end; char *tmp; size_t tmpCap; } fastp;

enum { FAST_PLAIN = 0, FAST_STOP = 1 };
static unsigned char fastStr[256];   /* FAST_STOP: '"', '\\', control characters */

static void fastInit(void) {
    for (int c = 0; c < 0x20; c++) fastStr[c] = FAST_STOP;
    fastStr['"'] = fastStr['\\'] = FAST_STOP;
}

static json_t *fastValue(fastp *f, int depth);

static void fastWs(fastp *f) {
    while (f->p < f->end && (*f->p == ' ' || *f->p == '\n' || *f->p == '\r' || *f->p == '\t')) f->p++;
}

/* fastTmp: room for n bytes in the scratch buffer, or NULL. */
static char *fastTmp(fastp *f, size_t n) {
    if (n <= f->tmpCap) return f->tmp;
    char *t = realloc(f->tmp, n);
    if (!t) return NULL;
    f->tmpCap = n;
    return f->tmp = t;
}

/* fastEscaped: decode the string body from f->p (just after the opening quote)
 * into the scratch buffer; *s, *n point at the result. -1 gives up. */
static int fastEscaped(fastp *f, const char **s, size_t *n) {
    const unsigned char *p = f->p;
    char *o = fastTmp(f, (size_t)(f->end - p));   /* decoding never grows a string */
    if (!o) return -1;
    size_t k = 0;
    while (p < f->end) {
        unsigned char c = *p;
        if (c == '"') { f->p = p + 1; *s = f->tmp; *n = k; return 0; }
        if (c < 0x20) return -1;
        if (c != '\\') { o[k++] = (char)c; p++; continue; }
        if (p + 1 >= f->end) return -1;
        switch (p[1]) {
        case '"': case '\\': case '/': o[k++] = (char)p[1]; p += 2; continue;
        case 'b': o[k++] = '\b'; p += 2; continue;
        case 'f': o[k++] = '\f'; p += 2; continue;
        case 'n': o[k++] = '\n'; p += 2; continue;
        case 'r': o[k++] = '\r'; p += 2; continue;
        case 't': o[k++] = '\t'; p += 2; continue;
        case 'u': break;
        default: return -1;
        }
        long v = p + 6 <= f->end ? hex4(p + 2) : -1;
        if (v <= 0 || (v >= 0xDC00 && v <= 0xDFFF)) return -1;
        p += 6;
        if (v >= 0xD800 && v <= 0xDBFF) {
            long lo = p + 6 <= f->end && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2) : -1;
            if (lo < 0xDC00 || lo > 0xDFFF) return -1;
            v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
        }
        /* 6 or 12 escape bytes become at most 4 UTF-8 bytes */
        if (v < 0x80) o[k++] = (char)v;
        else if (v < 0x800) o[k++] = (char)(0xC0 | v >> 6), o[k++] = (char)(0x80 | (v & 0x3F));
        else if (v < 0x10000)
            o[k++] = (char)(0xE0 | v >> 12), o[k++] = (char)(0x80 | (v >> 6 & 0x3F)), o[k++] = (char)(0x80 | (v & 0x3F));
        else
            o[k++] = (char)(0xF0 | v >> 18), o[k++] = (char)(0x80 | (v >> 12 & 0x3F)),
            o[k++] = (char)(0x80 | (v >> 6 & 0x3F)), o[k++] = (char)(0x80 | (v & 0x3F));
    }
    return -1;
}

/* fastString: the string at f->p (a quote); *s, *n into the input when it has
 * no escapes (*esc = 0), else into the scratch buffer (*esc = 1). -1 gives up. */
static int fastString(fastp *f, const char **s, size_t *n, int *esc) {
    const unsigned char *p = ++f->p;
    while (p < f->end && !fastStr[*p]) p++;
    if (p >= f->end) return -1;
    if (*p == '"') {
        *s = (const char *)f->p, *n = (size_t)(p - f->p), *esc = 0;
        f->p = p + 1;
        return 0;
    }
    *esc = 1;
    return fastEscaped(f, s, n);
}

/* fastNumber: RFC 8259 number grammar, then strtod as jansson does (every
 * number a real: JSON_DECODE_INT_AS_REAL); overflow gives up (jansson names it). */
static json_t *fastNumber(fastp *f) {
    const unsigned char *a = f->p, *p = a, *e = f->end;
    if (p < e && *p == '-') p++;
    if (p >= e) return NULL;
    if (*p == '0') p++;
    else if (*p >= '1' && *p <= '9') while (p < e && *p >= '0' && *p <= '9') p++;
    else return NULL;
    if (p < e && *p == '.') {
        if (++p >= e || *p < '0' || *p > '9') return NULL;
        while (p < e && *p >= '0' && *p <= '9') p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        if (++p < e && (*p == '+' || *p == '-')) p++;
        if (p >= e || *p < '0' || *p > '9') return NULL;
        while (p < e && *p >= '0' && *p <= '9') p++;
    }
    size_t n = (size_t)(p - a);
    char *t = fastTmp(f, n + 1), *end;
    if (!t) return NULL;
    memcpy(t, a, n);
    t[n] = 0;
    double d = strtod(t, &end);
    if (end != t + n || isinf(d)) return NULL;   /* another locale's decimal point; overflow */
    f->p = p;
    return json_real(d);
}

static json_t *fastObject(fastp *f, int depth) {
    json_t *o = json_object();
    if (!o) return NULL;
    f->p++;
    fastWs(f);
    if (f->p < f->end && *f->p == '}') { f->p++; return o; }
    for (;;) {
        const char *k;
        size_t kl;
        int esc;
        /* a key with escapes sits in the scratch buffer the value may reuse: rare, left to jansson */
        if (f->p >= f->end || *f->p != '"' || fastString(f, &k, &kl, &esc) < 0 || esc) break;
        fastWs(f);
        if (f->p >= f->end || *f->p != ':') break;
        f->p++;
        fastWs(f);
        json_t *v = fastValue(f, depth);
        if (!v) break;
        if (json_object_getn(o, k, kl) || json_object_setn_new_nocheck(o, k, kl, v) < 0) {   /* duplicate */
            json_decref(v);
            break;
        }
        fastWs(f);
        if (f->p >= f->end) break;
        if (*f->p == '}') { f->p++; return o; }
        if (*f->p != ',') break;
        f->p++;
        fastWs(f);
    }
    json_decref(o);
    return NULL;
}

static json_t *fastArray(fastp *f, int depth) {
    json_t *a = json_array();
    if (!a) return NULL;
    f->p++;
    fastWs(f);
    if (f->p < f->end && *f->p == ']') { f->p++; return a; }
    for (;;) {
        json_t *v = fastValue(f, depth);
        if (!v || json_array_append_new(a, v) < 0) break;
        fastWs(f);
        if (f->p >= f->end) break;
        if (*f->p == ']') { f->p++; return a; }
        if (*f->p != ',') break;
        f->p++;
        fastWs(f);
    }
    json_decref(a);
    return NULL;
}

/* fastWord: the literal w at f->p. */
static int fastWord(fastp *f, const char *w, size_t n) {
    if ((size_t)(f->end - f->p) < n || memcmp(f->p, w, n)) return 0;
    f->p += n;
    return 1;
}

/* fastValue: one value at f->p (no leading whitespace); NULL gives up. */
static json_t *fastValue(fastp *f, int depth) {
    if (f->p >= f->end || depth > 2048) return NULL;   /* jansson's own depth limit */
    switch (*f->p) {
    case '{': return fastObject(f, depth + 1);
    case '[': return fastArray(f, depth + 1);
    case '"': {
        const char *s;
        size_t n;
        int esc;
        return fastString(f, &s, &n, &esc) < 0 ? NULL : json_stringn_nocheck(s, n);
    }
    case 't': return fastWord(f, "true", 4) ? json_true() : NULL;
    case 'f': return fastWord(f, "false", 5) ? json_false() : NULL;
    case 'n': return fastWord(f, "null", 4) ? json_null() : NULL;
    default: return fastNumber(f);
    }
}

/* fastLoad: the value of the whole (pre-scanned) input, or NULL: let jansson decide. */
static json_t *fastLoad(const char *s, size_t len) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, fastInit);
    fastp f = {(const unsigned char *)s, (const unsigned char *)s + len, NULL, 0};
    fastWs(&f);
    json_t *v = fastValue(&f, 0);
    fastWs(&f);
    if (v && f.p != f.end) json_decref(v), v = NULL;
    free(f.tmp);
    return v;
}

/* checked: the size and pre-scan checks every loader shares. */
static int checked(const char *s, size_t len, size_t *maxSize, int *maxDepth, char *err) {
    if (!*maxSize) *maxSize = JSON_MAX_SIZE_DEFAULT;
    if (*maxDepth <= 0) *maxDepth = JSON_MAX_DEPTH_DEFAULT;
    if (!s) return errSet(err, "JSON: no input");
    if (len > *maxSize) return errSet(err, "JSON: document of %zu bytes exceeds the limit of %zu", len, *maxSize);
    return jsonScan((const unsigned char *)s, len, *maxDepth, err);
}

json_t *jsonParseJansson(const char *s, size_t len, size_t maxSize, int maxDepth, char *err) {
    if (checked(s, len, &maxSize, &maxDepth, err) < 0) return NULL;
    json_error_t e;
    json_t *v = json_loadb(s, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL |
                           JSON_DECODE_ANY, &e);
    if (!v) loadError(&e, err);
    return v;
}

json_t *jsonParse(const char *s, size_t len, size_t maxSize, int maxDepth, char *err) {
    if (checked(s, len, &maxSize, &maxDepth, err) < 0) return NULL;
    json_t *v = fastLoad(s, len);
    return v ? v : jsonParseJansson(s, len, maxSize, maxDepth, err);
}

const char *jsonGetStr(const json_t *o, const char *key) {
    return json_string_value(json_object_get(o, key));
}

int jsonInt(const json_t *v, int64_t *out) {
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        if (n < -JSON_INT_MAX || n > JSON_INT_MAX) return -1;
        *out = n;
        return 0;
    }
    if (!json_is_real(v)) return -1;
    double d = json_real_value(v);
    if (!(d >= -(double)JSON_INT_MAX && d <= (double)JSON_INT_MAX) || d != trunc(d)) return -1;
    *out = (int64_t)d;
    return 0;
}

int jsonGetInt(const json_t *o, const char *key, int64_t *out) {
    return jsonInt(json_object_get(o, key), out);
}
