/* sha256.c -- bench: core/sha256 (nettle) against OpenSSL EVP on the Merkle
 * node shape (0x01 || L || R, 65 bytes) a 2 KiB leaf (a typical log entry) and 1 MiB. Prints ns per hash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/evp.h>
#include "core/sha256.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint8_t sink;

/* run: time `iters` hashes of n bytes with method m; ns per hash. */
static double run(int m, const uint8_t *p, size_t n, long iters, EVP_MD *md, EVP_MD_CTX *cx) {
    uint8_t out[32];
    static const uint8_t one = 1;
    double t = now();
    for (long i = 0; i < iters; i++) {
        switch (m) {
        case 0: sha256Two(&one, 1, p, n - 1, out); break;
        case 1: EVP_Digest(p, n, out, NULL, EVP_sha256(), NULL); break;
        case 2: EVP_Digest(p, n, out, NULL, md, NULL); break;
        default:
            EVP_DigestInit_ex2(cx, md, NULL);
            EVP_DigestUpdate(cx, &one, 1);
            EVP_DigestUpdate(cx, p, n - 1);
            EVP_DigestFinal_ex(cx, out, NULL);
        }
        sink ^= out[0];
    }
    return (now() - t) / (double)iters * 1e9;
}

int main(void) {
    static const char *names[] = {"core sha256Two (nettle)", "OpenSSL EVP_Digest(EVP_sha256())",
                                  "OpenSSL EVP_Digest(fetched MD)", "OpenSSL reused EVP_MD_CTX"};
    size_t sizes[] = {65, 2048, 1 << 20};
    uint8_t *p = calloc(1, 1 << 20);
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_MD_CTX *cx = EVP_MD_CTX_new();
    if (!p || !md || !cx) return 1;
    for (size_t s = 0; s < 3; s++) {
        long iters = sizes[s] < 1000 ? 2000000 : sizes[s] < 100000 ? 200000 : 300;
        double base = run(0, p, sizes[s], iters, md, cx);
        printf("%7zu bytes  %-34s %10.0f ns/hash\n", sizes[s], names[0], base);
        for (int m = 1; m < 4; m++) {
            double t = run(m, p, sizes[s], iters, md, cx);
            printf("%7zu bytes  %-34s %10.0f ns/hash  other/core %.2f\n", sizes[s], names[m], t, t / base);
        }
    }
    EVP_MD_CTX_free(cx);
    EVP_MD_free(md);
    free(p);
    return sink == 0xff ? 0 : 0;
}
