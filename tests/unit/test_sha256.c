/* test_sha256.c -- SHA-256 against the FIPS 180-2 / NIST CAVS examples and
 * against OpenSSL's independent implementation; sha256Two at every split; sha256Hex. */
#include <stdint.h>
#include <openssl/evp.h>
#include "core/hex.h"
#include "core/sha256.h"
#include "tests/unit/t.h"

static void checkHex(const void *msg, size_t n, const char *want, const char *name) {
    uint8_t d[SHA256_LEN];
    char hx[2 * SHA256_LEN + 1];
    sha256(msg, n, d);
    hexEncode(d, sizeof d, hx);
    T_CHECK(strcmp(hx, want) == 0, "%s: got %s want %s", name, hx, want);
}

/* FIPS 180-2 Appendix B.1-B.3, the empty string, and the 896-bit message of
 * the NIST "SHA examples" document. */
static void testVectors(void) {
    checkHex("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "abc");
    checkHex("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "empty");
    checkHex(NULL, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "NULL,0");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    checkHex(m448, strlen(m448), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "448-bit");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    checkHex(m896, strlen(m896), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1", "896-bit");
    char *mil = malloc(1000000);
    memset(mil, 'a', 1000000);
    checkHex(mil, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "million a");
    free(mil);
}

/* sha256Two(a, b) == SHA-256(a || b) for every split of a 200-byte message,
 * checked against OpenSSL's EVP (an independent implementation). */
static void testTwoSplits(void) {
    uint8_t msg[200], ref[SHA256_LEN], got[SHA256_LEN];
    for (size_t i = 0; i < sizeof msg; i++) msg[i] = (uint8_t)(i * 31 + 7);
    int bad = 0;
    for (size_t n = 0; n <= sizeof msg; n += 13) {
        unsigned rl = 0;
        EVP_Digest(msg, n, ref, &rl, EVP_sha256(), NULL);
        sha256(msg, n, got);
        if (memcmp(ref, got, 32) != 0) bad++;
        for (size_t k = 0; k <= n; k++) {
            sha256Two(msg, k, msg + k, n - k, got);
            if (memcmp(ref, got, 32) != 0) bad++;
        }
    }
    T_CHECK(bad == 0, "sha256/sha256Two disagree with OpenSSL EVP %d times", bad);
    /* the RFC 6962 node shape: 0x01 || L || R */
    uint8_t one = 1, lr[64], node[65];
    memset(lr, 0xab, sizeof lr);
    node[0] = 1;
    memcpy(node + 1, lr, 64);
    sha256(node, sizeof node, ref);
    sha256Two(&one, 1, lr, 64, got);
    T_CHECK(memcmp(ref, got, 32) == 0, "sha256Two node shape");
    sha256("abc", 3, ref);
    sha256Two(NULL, 0, "abc", 3, got);
    T_CHECK(memcmp(ref, got, 32) == 0, "sha256Two with an empty NULL first part");
    sha256Two("abc", 3, NULL, 0, got);
    T_CHECK(memcmp(ref, got, 32) == 0, "sha256Two with an empty NULL second part");
}

/* sha256Hex: the FIPS 180-2 "abc" and empty-string digests as lowercase hex. */
static void testHex(void) {
    char hx[2 * SHA256_LEN + 1];
    memset(hx, 'X', sizeof hx);
    sha256Hex("abc", 3, hx);
    T_CHECK(!strcmp(hx, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), "sha256Hex abc: %s", hx);
    sha256Hex(NULL, 0, hx);
    T_CHECK(!strcmp(hx, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), "sha256Hex empty: %s", hx);
}

int main(void) {
    testVectors();
    testTwoSplits();
    testHex();
    return T_DONE();
}
