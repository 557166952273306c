/* test_json.c -- jsonParse limits and rejections (I-JSON, RFC 7493 / RFC 8259). */
#include <math.h>
#include "tests/unit/t.h"
#include "core/err.h"
#include "core/json.h"

/* rejects: parsing the n bytes at s with the limits must fail with a message
 * containing want. */
static void rejects(const char *s, size_t n, size_t maxSize, int maxDepth, const char *want) {
    char err[ERR_MAX] = "";
    json_t *v = jsonParse(s, n, maxSize, maxDepth, err);
    T_CHECK(v == NULL, "accepted %.*s", (int)n, s);
    T_CHECK(strstr(err, want) != NULL, "input %.*s: error '%s', want '%s'", (int)n, s, err, want);
    json_decref(v);
}
#define REJECT(lit, want) rejects(lit, sizeof(lit) - 1, 0, 0, want)

/* accepts: parse with default limits; returns the value (caller decrefs). */
static json_t *accepts(const char *s, size_t n) {
    char err[ERR_MAX] = "";
    json_t *v = jsonParse(s, n, 0, 0, err);
    T_CHECK(v != NULL, "rejected %.*s: %s", (int)n, s, err);
    return v;
}
#define ACCEPT(lit) accepts(lit, sizeof(lit) - 1)

/* nest: n '[' then n ']' in a new string. */
static char *nest(size_t n) {
    char *s = malloc(2 * n + 1);
    memset(s, '[', n);
    memset(s + n, ']', n);
    s[2 * n] = 0;
    return s;
}

static void testLimits(void) {
    rejects("[1,2,3,4,5]", 11, 10, 0, "document of 11 bytes exceeds the limit of 10");
    json_decref(accepts("[1,2,3,4,5]", 11));
    char err[ERR_MAX];
    json_t *v = jsonParse("[1,2,3,4,5]", 11, 11, 0, err);    /* exactly at the limit */
    T_CHECK(v != NULL, "11 bytes with limit 11: %s", err);
    json_decref(v);

    char *s = nest(JSON_MAX_DEPTH_DEFAULT);
    json_decref(accepts(s, strlen(s)));
    free(s);
    s = nest(JSON_MAX_DEPTH_DEFAULT + 1);
    rejects(s, strlen(s), 0, 0, "nesting deeper than 64 levels at offset 64");
    free(s);
    /* far deeper than jansson's own recursion limit: stopped by the pre-scan */
    s = nest(200000);
    rejects(s, strlen(s), 1u << 20, 0, "nesting deeper than 64 levels");
    free(s);
    rejects("[{\"a\":[1]}]", 11, 0, 2, "nesting deeper than 2 levels at offset 6");
    v = jsonParse("[{\"a\":1}]", 9, 0, 2, err);
    T_CHECK(v != NULL, "depth 2 with limit 2: %s", err);
    json_decref(v);
    /* brackets inside strings (also after an escaped quote) do not count */
    v = jsonParse("[\"[[[{{\\\"[[[\"]", 14, 0, 1, err);
    T_CHECK(v != NULL, "brackets in strings counted: %s", err);
    json_decref(v);
    rejects(NULL, 0, 0, 0, "no input");
}

static void testRejections(void) {
    /* I-JSON 2.3: duplicate names */
    REJECT("{\"a\":1,\"b\":{\"x\":1,\"x\":2}}", "duplicate object key at line 1 column 21");
    /* messages never quote the input (issue 14: a stored object's bytes ended up in a
     * rejection reason, "near 'hunter'"): the kind of error and its position only */
    REJECT("hunter2 is the password", "syntax error at line 1 column 6: invalid token");
    REJECT("{\"hunter2\":1,\"hunter2\":2}", "duplicate object key at line 1 column");
    REJECT("[\"\\uZZZZhunter\"]", "syntax error at line 1 column");
    {
        static const char *const leaky[] = {"hunter2", "{\"a\":hunter}", "[1,2,hunter]", "{\"hunter\":1,\"hunter\":1}",
                                           "[\"\\uZZZZhunter\"]", "{hunter:1}", "[\"a\" hunter]", "\"\\qhunter\""};
        for (size_t i = 0; i < sizeof leaky / sizeof *leaky; i++) {
            char err[ERR_MAX] = "";
            json_t *v = jsonParse(leaky[i], strlen(leaky[i]), 0, 0, err);
            T_CHECK(!v && err[0] && !strstr(err, "hunter"), "%s: error '%s' does not quote the input", leaky[i], err);
            json_decref(v);
        }
    }
    /* RFC 8259 8.1 / I-JSON 2.1: UTF-8 only, strictly */
    REJECT("\"\xff\"", "invalid UTF-8 at offset 1");
    REJECT("[\"ok\"]\x80", "invalid UTF-8 at offset 6");
    REJECT("\"\xc0\x80\"", "invalid UTF-8 at offset 1");            /* overlong NUL */
    REJECT("\"\xe0\x80\xaf\"", "invalid UTF-8 at offset 1");        /* overlong '/' */
    REJECT("\"\xed\xa0\x80\"", "invalid UTF-8 at offset 1");        /* raw surrogate D800 */
    REJECT("\"\xed\xbf\xbf\"", "invalid UTF-8 at offset 1");        /* raw surrogate DFFF */
    REJECT("\"\xf4\x90\x80\x80\"", "invalid UTF-8 at offset 1");    /* U+110000 */
    REJECT("\"\xe2\x82\"", "invalid UTF-8 at offset 1");            /* truncated */
    REJECT("\"\xe2\x82", "invalid UTF-8 at offset 1");              /* truncated at end */
    REJECT("{\"k\xfe\":1}", "invalid UTF-8 at offset 3");
    /* I-JSON 2.1: no lone surrogates, escaped */
    REJECT("\"\\ud800\"", "lone surrogate \\uD800 at offset 1");
    REJECT("\"\\uDBFF\"", "lone surrogate \\uDBFF at offset 1");
    REJECT("\"\\udc00\"", "lone surrogate \\uDC00 at offset 1");
    REJECT("\"ab\\ude02\\ud83d\"", "lone surrogate \\uDE02 at offset 3");
    REJECT("\"\\ud83d\\u0041\"", "lone surrogate \\uD83D at offset 1");
    REJECT("\"\\ud83d\\ud83d\"", "lone surrogate \\uD83D at offset 1");
    REJECT("\"\\ud83dx\"", "lone surrogate \\uD83D at offset 1");
    REJECT("\"\\ud83d", "lone surrogate \\uD83D at offset 1");
    REJECT("{\"\\udfff\":1}", "lone surrogate \\uDFFF at offset 2");
    /* \u0000 and raw NUL bytes */
    REJECT("\"a\\u0000\"", "\\u0000 is not allowed in strings (offset 2)");
    REJECT("{\"\\u0000\":1}", "\\u0000 is not allowed in strings (offset 2)");
    REJECT("[1]\0", "NUL byte at offset 3");
    REJECT("\"a\0b\"", "NUL byte at offset 2");
    REJECT("\"\\\0\"", "NUL byte at offset 2");
    REJECT("\0", "NUL byte at offset 0");
    /* I-JSON 2.2: numbers must fit an IEEE-754 double */
    REJECT("1e400", "number out of the range of a double");
    REJECT("[-1.5e309]", "number out of the range of a double");
    char big[402] = "1";
    memset(big + 1, '0', 400);
    big[401] = 0;
    rejects(big, 401, 0, 0, "number out of the range of a double");
    /* exactly one value */
    REJECT("[1] x", "trailing data after the value at offset");
    REJECT("{} {}", "trailing data after the value at offset");
    REJECT("1 2", "trailing data after the value at offset");
    REJECT("", "unexpected end of input");
    REJECT("   ", "unexpected end of input");
    REJECT("[1,", "unexpected end of input");
    REJECT("\"abc", "unexpected end of input");
    /* plain syntax errors */
    REJECT("[1,]", "syntax error at line 1");
    REJECT("{'a':1}", "syntax error at line 1");
    REJECT("NaN", "syntax error");
    REJECT("Infinity", "syntax error");
    REJECT("01", "syntax error");
    REJECT("1.", "syntax error");
    REJECT("\"\\x\"", "syntax error");
    REJECT("\"tab\there\"", "syntax error");          /* raw control char in string */
    REJECT("\xef\xbb\xbf[1]", "syntax error");         /* BOM (RFC 8259 8.1: MUST NOT) */
}

static void testAccepted(void) {
    json_t *v = ACCEPT("\"\\ud83d\\ude02\"");            /* a valid pair */
    T_CHECK(v && json_string_length(v) == 4 && !memcmp(json_string_value(v), "\xf0\x9f\x98\x82", 4),
            "surrogate pair not decoded to U+1F602");
    json_decref(v);
    v = ACCEPT("\"\xf0\x9f\x98\x82 \xef\xbf\xbf \xf4\x8f\xbf\xbf\"");   /* raw 4-byte, U+FFFF, U+10FFFF */
    T_CHECK(v && json_is_string(v), "raw UTF-8 edge code points");
    json_decref(v);
    v = ACCEPT("\"\\u0001\\u001f\"");
    T_CHECK(v && json_string_length(v) == 2, "control escapes");
    json_decref(v);
    v = ACCEPT("-0");
    T_CHECK(v && json_is_real(v) && json_real_value(v) == 0 && signbit(json_real_value(v)), "-0");
    json_decref(v);
    v = ACCEPT("1e-400");                                /* underflow is finite: 0 */
    T_CHECK(v && json_is_real(v) && json_real_value(v) == 0, "1e-400 -> 0");
    json_decref(v);
    v = ACCEPT("12345678901234567890");
    T_CHECK(v && json_is_real(v) && json_real_value(v) == 12345678901234567890.0, "big int as real");
    json_decref(v);
    v = ACCEPT(" \t\r\n{\"a\" : [1, 2.5, true, false, null], \"b\":\"\\\"]}\"} \n");
    T_CHECK(v && json_is_object(v) && json_array_size(json_object_get(v, "a")) == 5, "whitespace/object");
    T_CHECK(json_is_real(json_array_get(json_object_get(v, "a"), 0)), "integers decode as reals");
    T_CHECK(v && !strcmp(jsonGetStr(v, "b"), "\"]}"), "jsonGetStr");
    T_CHECK(jsonGetStr(v, "a") == NULL && jsonGetStr(v, "zz") == NULL && jsonGetStr(NULL, "a") == NULL,
            "jsonGetStr on non-strings");
    json_decref(v);
    v = ACCEPT("true");
    T_CHECK(json_is_true(v), "scalar top level");
    json_decref(v);
}

static void testInt(void) {
    json_t *v = ACCEPT("{\"a\":5,\"b\":5.5,\"c\":9007199254740991,\"d\":9007199254740992,"
                       "\"e\":-9007199254740991,\"f\":\"5\",\"g\":-0,\"h\":1e3}");
    int64_t n = 0;
    T_CHECK(jsonGetInt(v, "a", &n) == 0 && n == 5, "int a");
    T_CHECK(jsonGetInt(v, "b", &n) == -1, "5.5 is not an integer");
    T_CHECK(jsonGetInt(v, "c", &n) == 0 && n == JSON_INT_MAX, "2^53-1");
    T_CHECK(jsonGetInt(v, "d", &n) == -1, "2^53 is out of the exact range");
    T_CHECK(jsonGetInt(v, "e", &n) == 0 && n == -JSON_INT_MAX, "-(2^53-1)");
    T_CHECK(jsonGetInt(v, "f", &n) == -1, "string is not an integer");
    T_CHECK(jsonGetInt(v, "g", &n) == 0 && n == 0, "-0 is 0");
    T_CHECK(jsonGetInt(v, "h", &n) == 0 && n == 1000, "1e3");
    T_CHECK(jsonGetInt(v, "missing", &n) == -1, "absent");
    json_decref(v);
    json_t *i = json_integer(7), *big = json_integer(JSON_INT_MAX + 1);
    T_CHECK(jsonInt(i, &n) == 0 && n == 7, "json_integer");
    T_CHECK(jsonInt(big, &n) == -1, "json_integer beyond 2^53-1");
    json_decref(i);
    json_decref(big);
}

static void testUtf8(void) {
    uint32_t cp = 0;
    T_CHECK(jsonUtf8Next((const unsigned char *)"\xc3\xa9", 2, &cp) == 2 && cp == 0xE9, "U+00E9");
    T_CHECK(jsonUtf8Next((const unsigned char *)"\xee\x80\x80", 3, &cp) == 3 && cp == 0xE000, "U+E000");
    T_CHECK(jsonUtf8Next((const unsigned char *)"\xf0\x90\x80\x80", 4, &cp) == 4 && cp == 0x10000, "U+10000");
    T_CHECK(jsonUtf8Next((const unsigned char *)"\xf0\x90\x80\x80", 3, &cp) == 0, "short buffer");
    T_CHECK(jsonUtf8Next((const unsigned char *)"\xf0\x80\x80\x80", 4, &cp) == 0, "overlong 4-byte");
    T_CHECK(jsonUtf8Next((const unsigned char *)"\xbf", 1, &cp) == 0, "lone continuation");
}

int main(void) {
    testLimits();
    testRejections();
    testAccepted();
    testInt();
    testUtf8();
    return T_DONE();
}
