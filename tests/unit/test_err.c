/* test_err.c -- core/err: messages stay valid UTF-8 when a bound cuts a character
 * (issue 14, scenario utf8-detail-cut: a 500 for a key of 'a' + 40 x 'é'). */
#include <string.h>
#include "t.h"
#include "core/err.h"

int main(void) {
    char e[ERR_MAX], s[64];
    /* "%.4s" of "aé€" cuts € (E2 82 AC) after its first byte: the partial byte goes */
    errSet(e, "[%.4s]", "a\xc3\xa9\xe2\x82\xac");
    T_CHECK(!strcmp(e, "[a\xc3\xa9]"), "cut 3-byte character dropped: %s", e);
    /* ERR_MAX cuts a 2-byte character: "xx" + 126 x "é" fill 254 bytes, the 127th
     * "é" would straddle the bound; the message ends before it */
    char big[400] = "x";
    for (int i = 0; i < 150; i++) strcat(big, "\xc3\xa9");
    errSet(e, "x%s", big);
    T_CHECK(strlen(e) == 254 && (unsigned char)e[253] == 0xa9, "cut at the character boundary: %zu", strlen(e));
    /* stray and invalid bytes anywhere are dropped; valid 4-byte characters stay */
    strcpy(s, "a\xff" "b\xc0\xaf" "c\xed\xa0\x80" "d\xf0\x9f\x98\x80");
    T_CHECK(!strcmp(errUtf8Fix(s), "abcd\xf0\x9f\x98\x80"), "invalid bytes dropped: %s", s);
    strcpy(s, "plain ascii");
    T_CHECK(!strcmp(errUtf8Fix(s), "plain ascii"), "ASCII untouched");
    T_CHECK(errSet(NULL, "x") == -1, "NULL err is fine and returns -1");
    return T_DONE();
}
