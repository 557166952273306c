/* jfield.c -- strict typed reads of JSON object members. */
#include <string.h>
#include "core/err.h"
#include "core/hex.h"
#include "core/json.h"
#include "verifier/proof/jfield.h"

int jfOnly(const json_t *o, const char *const *keys, const char *where, char *err) {
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        const char *const *a = keys;
        while (*a && strcmp(*a, k)) a++;
        if (!*a) return errSet(err, "%s has unknown field \"%s\"", where, k);
    }
    return 0;
}

int jfU64(const json_t *o, const char *k, uint64_t *out, const char *where, char *err) {
    int64_t v;
    if (jsonGetInt(o, k, &v) < 0 || v < 0) return errSet(err, "%s.%s must be a non-negative integer", where, k);
    *out = (uint64_t)v;
    return 0;
}

int jfHexValue(const json_t *v, uint8_t *out, size_t len, int prefixed, const char *where, char *err) {
    const char *s = json_string_value(v);
    int has0x = s && s[0] == '0' && s[1] == 'x';
    if (!s || has0x != prefixed || hexDecode(s, out, len) < 0)
        return errSet(err, "%s must be %s%zu hex digits", where, prefixed ? "0x and " : "", 2 * len);
    return 0;
}

int jfHex(const json_t *o, const char *k, uint8_t *out, size_t len, int prefixed, const char *where, char *err) {
    char w[160];
    snprintf(w, sizeof w, "%s.%s", where, k);
    return jfHexValue(json_object_get(o, k), out, len, prefixed, w, err);
}

int jfStr(const json_t *o, const char *k, char *out, size_t max, const char *where, char *err) {
    const char *s = jsonGetStr(o, k);
    if (!s || strlen(s) >= max) return errSet(err, "%s.%s must be a string of under %zu bytes", where, k, max);
    memcpy(out, s, strlen(s) + 1);
    return 0;
}

json_t *jfHexJson(const uint8_t *b, size_t n, int prefixed) {
    char s[2 + 2 * 64 + 1];
    if (n > 64) return NULL;
    hexEncode0x(b, n, s);
    return json_string(prefixed ? s : s + 2);
}
