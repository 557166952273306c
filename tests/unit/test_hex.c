/* test_hex.c -- core/hex: RFC 4648 §10's base16 vectors (lower case), strict decoding,
 * and the Ethereum "0x" form (hexEncode0x / hexDup0x) the JSON-RPC and ABI code write. */
#include <stdint.h>
#include "core/hex.h"
#include "tests/unit/t.h"

static void testEncode(void) {
    /* RFC 4648 §10: BASE16("foobar") = "666F6F626172" (here in lower case) */
    static const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *want[] = {"", "66", "666f", "666f6f", "666f6f62", "666f6f6261", "666f6f626172"};
    for (size_t i = 0; i < 7; i++) {
        char out[16], out0x[18];
        hexEncode((const uint8_t *)in[i], strlen(in[i]), out);
        T_CHECK(!strcmp(out, want[i]), "hexEncode(\"%s\") = %s", in[i], out);
        hexEncode0x((const uint8_t *)in[i], strlen(in[i]), out0x);
        T_CHECK(!strncmp(out0x, "0x", 2) && !strcmp(out0x + 2, want[i]), "hexEncode0x(\"%s\") = %s", in[i], out0x);
        char *d = hexDup0x((const uint8_t *)in[i], strlen(in[i]));
        T_CHECK(d && !strcmp(d, out0x), "hexDup0x(\"%s\") = %s", in[i], d ? d : "NULL");
        free(d);
    }
    uint8_t all[256];
    for (int i = 0; i < 256; i++) all[i] = (uint8_t)i;
    char *d = hexDup0x(all, sizeof all);
    uint8_t back[256];
    T_CHECK(d && strlen(d) == 514 && hexDecode(d, back, sizeof back) == 0 && !memcmp(all, back, sizeof all),
            "every byte round-trips through hexDup0x / hexDecode");
    T_CHECK(d && !strncmp(d, "0x000102", 8) && !strcmp(d + 508, "fdfeff"), "byte order and case");
    free(d);
}

static void testDecode(void) {
    uint8_t b[3];
    T_CHECK(hexDecode("0xABcdef", b, 3) == 0 && b[0] == 0xab && b[2] == 0xef, "0x prefix, mixed case");
    T_CHECK(hexDecode("abcd", b, 3) < 0, "short");
    T_CHECK(hexDecode("abcdef00", b, 3) < 0, "long");
    T_CHECK(hexDecode("abcdeg", b, 3) < 0, "non-hex");
    T_CHECK(hexDigit('0') == 0 && hexDigit('9') == 9 && hexDigit('a') == 10 && hexDigit('F') == 15 &&
                hexDigit('g') == -1 && hexDigit('x') == -1 && hexDigit(0) == -1 && hexDigit('/') == -1,
            "hexDigit: digits, both cases, and -1 for anything else");
    size_t n = 9;
    uint8_t *p = hexDecodeAny("0a0b", &n);
    T_CHECK(p && n == 2 && p[1] == 0x0b, "hexDecodeAny");
    free(p);
    T_CHECK(hexDecodeAny("abc", &n) == NULL, "hexDecodeAny odd length");
}

int main(void) {
    testEncode();
    testDecode();
    return T_DONE();
}
