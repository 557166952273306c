/* json.c -- bounded, strict JSON parsing on jansson (I-JSON, RFC 7493). */
#include <math.h>
#include <string.h>
#include "core/err.h"
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
        int c = s[i], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return -1;
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

/* loadError: jansson's error as one specific message. */
static void loadError(const json_error_t *e, char *err) {
    switch (json_error_code(e)) {
    case json_error_duplicate_key: {
        const char *near = strstr(e->text, "near ");   /* jansson names the key */
        errSet(err, "JSON: duplicate object key %s", near ? near : "");
        break;
    }
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
        errSet(err, "JSON: syntax error at line %d column %d: %s", e->line, e->column, e->text);
    }
}

json_t *jsonParse(const char *s, size_t len, size_t maxSize, int maxDepth, char *err) {
    if (!maxSize) maxSize = JSON_MAX_SIZE_DEFAULT;
    if (maxDepth <= 0) maxDepth = JSON_MAX_DEPTH_DEFAULT;
    if (!s) { errSet(err, "JSON: no input"); return NULL; }
    if (len > maxSize) {
        errSet(err, "JSON: document of %zu bytes exceeds the limit of %zu", len, maxSize);
        return NULL;
    }
    if (jsonScan((const unsigned char *)s, len, maxDepth, err) < 0) return NULL;
    json_error_t e;
    json_t *v = json_loadb(s, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL |
                           JSON_DECODE_ANY, &e);
    if (!v) loadError(&e, err);
    return v;
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
