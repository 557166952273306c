/* test_jcs.c -- RFC 8785 canonicalization against the published vectors
 * (cyberphone/json-canonicalization testdata: input/ -> output/, outhex/, and
 * the first 100,000 lines of the es6 number file) and RFC 8785's own examples. */
#include <dirent.h>
#include <math.h>
#include "tests/unit/t.h"
#include "core/err.h"
#include "core/jcs.h"
#include "core/json.h"

/* canon: parse s and return its JCS form (NULL + err on failure). */
static char *canon(const char *s, size_t n, size_t *len, char *err) {
    json_t *v = jsonParse(s, n, 0, 0, err);
    if (!v) return NULL;
    char *out = jcsDump(v, len, err);
    json_decref(v);
    return out;
}

/* hexBytesEqual: does the whitespace-separated hex dump h spell out the n bytes p? */
static int hexBytesEqual(const char *h, const char *p, size_t n) {
    size_t i = 0;
    unsigned x;
    int used;
    while (sscanf(h, " %2x%n", &x, &used) == 1) {
        if (i >= n || (unsigned char)p[i] != x) return 0;
        i++;
        h += used;
    }
    return i == n;
}

/* RFC 8785 section 3.2.2 / 3.2.3 and appendix: every input/X.json must give
 * output/X.json byte for byte (the files have no trailing newline), which
 * must also match outhex/X.txt; canonical output is a fixed point. */
static void testVectorFiles(void) {
    DIR *d = opendir(T_VECDIR "/jcs/input");
    T_CHECK(d != NULL, "cannot open %s/jcs/input", T_VECDIR);
    if (!d) return;
    int files = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t nl = strlen(e->d_name);
        if (nl < 6 || strcmp(e->d_name + nl - 5, ".json")) continue;
        char pin[512], pout[512], phex[512];
        snprintf(pin, sizeof pin, "%s/jcs/input/%s", T_VECDIR, e->d_name);
        snprintf(pout, sizeof pout, "%s/jcs/output/%s", T_VECDIR, e->d_name);
        snprintf(phex, sizeof phex, "%s/jcs/outhex/%.*s.txt", T_VECDIR, (int)(nl - 5), e->d_name);
        size_t ni = 0, no = 0, nc = 0, nc2 = 0;
        char *in = t_slurp(pin, &ni), *want = t_slurp(pout, &no), *hex = t_slurp(phex, NULL);
        char err[ERR_MAX] = "";
        char *got = in ? canon(in, ni, &nc, err) : NULL;
        T_CHECK(in && want && hex, "%s: missing vector file", e->d_name);
        T_CHECK(got != NULL, "%s: %s", e->d_name, err);
        T_CHECK(got && want && nc == no && !memcmp(got, want, no),
                "%s:\n got  %s\n want %s", e->d_name, got ? got : "(null)", want ? want : "(null)");
        T_CHECK(want && hex && hexBytesEqual(hex, want, no), "%s: outhex disagrees", e->d_name);
        char *again = got ? canon(got, nc, &nc2, err) : NULL;
        T_CHECK(again && nc2 == nc && !memcmp(again, got, nc), "%s: not a fixed point", e->d_name);
        free(in); free(want); free(hex); free(got); free(again);
        files++;
    }
    closedir(d);
    T_CHECK(files == 6, "expected the 6 jcs vector files, found %d", files);
}

/* W3C vc-di-eddsa eddsa-jcs-2022 test vectors: the document and the proof
 * configuration canonicalize to the published JCS text (no newline). */
static void testEddsaVectors(void) {
    static const char *pairs[][2] = {
        {"unsigned.json", "canonDocJCS.txt"},
        {"proofConfigJCS.json", "proofCanonJCS.txt"},
    };
    for (size_t i = 0; i < 2; i++) {
        char pin[256], pout[256], err[ERR_MAX] = "";
        snprintf(pin, sizeof pin, "%s/eddsa-jcs-2022/%s", T_VECDIR, pairs[i][0]);
        snprintf(pout, sizeof pout, "%s/eddsa-jcs-2022/%s", T_VECDIR, pairs[i][1]);
        size_t ni = 0, no = 0, nc = 0;
        char *in = t_slurp(pin, &ni), *want = t_slurp(pout, &no);
        char *got = in ? canon(in, ni, &nc, err) : NULL;
        T_CHECK(got && want && nc == no && !memcmp(got, want, no), "%s: got %s (%s)",
                pairs[i][0], got ? got : "(null)", err);
        free(in); free(want); free(got);
    }
}

/* RFC 8785 section 3.2.2.3 (ECMA-262 Number::toString): all 100,000 lines
 * "<IEEE-754 bits in hex>,<expected>" of es6-numbers-100k.txt. */
static void testNumberFile(void) {
    FILE *f = fopen(T_VECDIR "/jcs/es6-numbers-100k.txt", "r");
    T_CHECK(f != NULL, "cannot open es6-numbers-100k.txt");
    if (!f) return;
    char line[128], got[JCS_NUM_MAX];
    long lines = 0, bad = 0;
    while (fgets(line, sizeof line, f)) {
        char *comma = strchr(line, ',');
        if (!comma) continue;
        *comma = 0;
        char *want = comma + 1;
        want[strcspn(want, "\r\n")] = 0;
        uint64_t bits = strtoull(line, NULL, 16);
        double dv;
        memcpy(&dv, &bits, sizeof dv);
        int n = jcsNumber(dv, got);
        if (n < 0 || (size_t)n != strlen(got) || strcmp(got, want)) {
            if (++bad <= 10) fprintf(stderr, "FAIL number %s: got %s want %s\n", line, n < 0 ? "error" : got, want);
        }
        lines++;
    }
    fclose(f);
    T_CHECK(lines == 100000, "read %ld number lines, want 100000", lines);
    T_CHECK(bad == 0, "%ld of %ld numbers differ from ECMAScript", bad, lines);
}

/* numIs: jcsNumber of the double with these bits gives want. */
static void numIs(uint64_t bits, const char *want) {
    double dv;
    memcpy(&dv, &bits, sizeof dv);
    char got[JCS_NUM_MAX];
    int n = jcsNumber(dv, got);
    T_CHECK(n >= 0 && !strcmp(got, want), "%016llx: got %s want %s", (unsigned long long)bits,
            n < 0 ? "error" : got, want);
}

static void testNumbers(void) {
    /* RFC 8785 appendix B */
    numIs(0x0000000000000000ULL, "0");
    numIs(0x8000000000000000ULL, "0");
    numIs(0x0000000000000001ULL, "5e-324");
    numIs(0x8000000000000001ULL, "-5e-324");
    numIs(0x7fefffffffffffffULL, "1.7976931348623157e+308");
    numIs(0xffefffffffffffffULL, "-1.7976931348623157e+308");
    numIs(0x4340000000000000ULL, "9007199254740992");
    numIs(0xc340000000000000ULL, "-9007199254740992");
    numIs(0x4430000000000000ULL, "295147905179352830000");
    numIs(0x44b52d02c7e14af5ULL, "9.999999999999997e+22");
    numIs(0x44b52d02c7e14af6ULL, "1e+23");
    numIs(0x44b52d02c7e14af7ULL, "1.0000000000000001e+23");
    numIs(0x444b1ae4d6e2ef4eULL, "999999999999999700000");
    numIs(0x444b1ae4d6e2ef4fULL, "999999999999999900000");
    numIs(0x444b1ae4d6e2ef50ULL, "1e+21");
    numIs(0x3eb0c6f7a0b5ed8cULL, "9.999999999999997e-7");
    numIs(0x3eb0c6f7a0b5ed8dULL, "0.000001");
    numIs(0x41b3de4355555553ULL, "333333333.3333332");
    numIs(0x41b3de4355555554ULL, "333333333.33333325");
    numIs(0x41b3de4355555555ULL, "333333333.3333333");
    numIs(0x41b3de4355555556ULL, "333333333.3333334");
    numIs(0x41b3de4355555557ULL, "333333333.33333343");
    numIs(0xbecbf647612f3696ULL, "-0.0000033333333333333333");
    numIs(0x43143ff3c1cb0959ULL, "1424953923781206.2");
    char got[JCS_NUM_MAX];
    T_CHECK(jcsNumber(NAN, got) == -1, "NaN must be refused (RFC 8785 3.2.2.3)");
    T_CHECK(jcsNumber(INFINITY, got) == -1 && jcsNumber(-INFINITY, got) == -1, "infinity refused");
    /* Powers of two, where the shortest digits need not be the nearest ones
     * (expected values from node v20 Number.prototype.toString). */
    numIs(0x0010000000000000ULL, "2.2250738585072014e-308");  /* 2^-1022 */
    numIs(0x7fe0000000000000ULL, "8.98846567431158e+307");    /* 2^1023 */
    numIs(0x3ff0000000000000ULL, "1");
    numIs(0x3fe0000000000000ULL, "0.5");
    numIs(0x4c20000000000000ULL, "5.021681388309345e+58");    /* 2^193 */
    numIs(0x4480000000000000ULL, "9.44473296573929e+21");     /* 2^73 */
    /* here the nearest 16-digit decimal lies below d, outside the narrow lower
     * half of the interval; the next one up is the ES answer */
    numIs(0x0f50000000000000ULL, "6.290184345309701e-235");   /* 2^-778 */
    numIs(0x93e0000000000000ULL, "-5.940911144672375e-213");
    numIs(0x1480000000000000ULL, "6.083493012144512e-210");
    /* format boundaries: 1e21 and 1e-7 switch to exponent form */
    T_CHECK(jcsNumber(1e21, got) > 0 && !strcmp(got, "1e+21"), "1e21 -> %s", got);
    T_CHECK(jcsNumber(1e20, got) > 0 && !strcmp(got, "100000000000000000000"), "1e20 -> %s", got);
    T_CHECK(jcsNumber(1e-7, got) > 0 && !strcmp(got, "1e-7"), "1e-7 -> %s", got);
    T_CHECK(jcsNumber(1.5e-7, got) > 0 && !strcmp(got, "1.5e-7"), "1.5e-7 -> %s", got);
    T_CHECK(jcsNumber(-0.0000015, got) > 0 && !strcmp(got, "-0.0000015"), "-1.5e-6 -> %s", got);
    T_CHECK(jcsNumber(123.456, got) > 0 && !strcmp(got, "123.456"), "123.456 -> %s", got);
    T_CHECK(jcsNumber(-42, got) == 3 && !strcmp(got, "-42"), "-42 -> %s", got);
}

/* dump: JCS form of v (consumed) compared with want. */
static void dumpIs(json_t *v, const char *want, size_t wantLen) {
    char err[ERR_MAX] = "";
    size_t n = 0;
    char *got = jcsDump(v, &n, err);
    T_CHECK(got && n == wantLen && !memcmp(got, want, wantLen), "got '%s' (%s), want '%s'",
            got ? got : "(null)", err, want);
    free(got);
    json_decref(v);
}

/* dumpFails: jcsDump of v (consumed) must fail with a message containing want. */
static void dumpFails(json_t *v, const char *want) {
    char err[ERR_MAX] = "";
    char *got = jcsDump(v, NULL, err);
    T_CHECK(got == NULL && strstr(err, want), "got '%s' err '%s', want error '%s'",
            got ? got : "(null)", err, want);
    free(got);
    json_decref(v);
}

static void testStructure(void) {
    char err[ERR_MAX];
    /* 3.2.3: sort by UTF-16 code units: U+1F600 (D83D DE00) sorts before U+E000
     * although its UTF-8 bytes (F0..) sort after EE 80 80 */
    const char in[] = "{\"\xee\x80\x80\":1,\"\xf0\x9f\x98\x80\":2,\"a\":3,\"\xc3\xb6\":4,\"\":5,\"ab\":6,"
                      "\"\xef\xbf\xbf\":7,\"\xf0\x9f\x98\x81\":8}";
    const char want[] = "{\"\":5,\"a\":3,\"ab\":6,\"\xc3\xb6\":4,\"\xf0\x9f\x98\x80\":2,"
                        "\"\xf0\x9f\x98\x81\":8,\"\xee\x80\x80\":1,\"\xef\xbf\xbf\":7}";
    dumpIs(jsonParse(in, sizeof in - 1, 0, 0, err), want, sizeof want - 1);
    /* 3.2.2.2: the seven short escapes, \u00xx lowercase for other controls,
     * DEL, '/', U+2028 and non-ASCII raw */
    char ctl[40];
    for (int i = 0; i < 32; i++) ctl[i] = (char)i;
    memcpy(ctl + 32, "\"\\/\x7f\xe2\x80\xa8", 7);
    const char wantStr[] = "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b"
                           "\\f\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
                           "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\\\"\\\\/\x7f\xe2\x80\xa8\"";
    dumpIs(json_stringn(ctl, 39), wantStr, sizeof wantStr - 1);
    /* whitespace removed, nested arrays keep order, literals */
    const char in2[] = " [ {\"b\" : [3, 2, 1], \"a\" : {\"z\":null,\"y\":false}} , true , -0.0, 1E2 ] ";
    const char want2[] = "[{\"a\":{\"y\":false,\"z\":null},\"b\":[3,2,1]},true,0,100]";
    dumpIs(jsonParse(in2, sizeof in2 - 1, 0, 0, err), want2, sizeof want2 - 1);
    /* jansson integers built in code: exact ones only */
    dumpIs(json_pack("[I,I,i]", (json_int_t)JSON_INT_MAX, (json_int_t)-JSON_INT_MAX, 0),
           "[9007199254740991,-9007199254740991,0]", 38);
    dumpFails(json_pack("{s:I}", "n", (json_int_t)JSON_INT_MAX + 2), "is not exact as an IEEE-754 double");
    /* bytes that are not UTF-8 (possible with the _nocheck constructors) */
    dumpFails(json_string_nocheck("a\xff"), "string or key is not valid UTF-8 (byte 1)");
    json_t *o = json_object();
    json_object_set_new_nocheck(o, "k\xc0\x80", json_true());
    dumpFails(o, "string or key is not valid UTF-8 (byte 1)");
    /* built nesting (or a cycle) is bounded */
    json_t *deep = json_array();
    for (int i = 0; i < 600; i++) {
        json_t *up = json_array();
        json_array_append_new(up, deep);
        deep = up;
    }
    dumpFails(deep, "nesting deeper than");
    /* jcsAppend appends, and leaves the buffer as it was on error */
    buf b = BUF_INIT;
    bufPuts(&b, "x=");
    json_t *ok = json_pack("{s:s}", "k", "v"), *bad = json_string_nocheck("\xff");
    T_CHECK(jcsAppend(ok, &b, err) == 0 && !strcmp((char *)b.p, "x={\"k\":\"v\"}"), "append: %s", (char *)b.p);
    T_CHECK(jcsAppend(bad, &b, err) == -1 && !strcmp((char *)b.p, "x={\"k\":\"v\"}"), "partial output left");
    json_decref(ok);
    json_decref(bad);
    bufFree(&b);
}

int main(void) {
    testVectorFiles();
    testEddsaVectors();
    testNumberFile();
    testNumbers();
    testStructure();
    return T_DONE();
}
