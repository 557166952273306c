/* sha256.c -- TEMPORARY stand-in (OpenSSL EVP) until h/crypto lands; deleted before merging it. */
#include <openssl/evp.h>
#include "core/sha256.h"

void sha256(const void *data, size_t n, uint8_t out[SHA256_LEN]) {
    EVP_Digest(data, n, out, NULL, EVP_sha256(), NULL);
}

void sha256Two(const void *a, size_t an, const void *b, size_t bn, uint8_t out[SHA256_LEN]) {
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    EVP_DigestUpdate(c, a, an);
    EVP_DigestUpdate(c, b, bn);
    EVP_DigestFinal_ex(c, out, NULL);
    EVP_MD_CTX_free(c);
}
