/* fuzz_azrest.c -- libFuzzer target: what the Azure store parses from outside
 * (anchord/store/azrest.h): List Blobs pages (azListPage), connection strings (azConnParse),
 * account keys (azKeyDecode), azblob:// URLs (azUrlSplit), the query canonicalization
 * of Shared Key (azCanonResource: markers come from the server) and the blob service's
 * CORS rules (azCorsRules). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "anchord/store/azrest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sink(void *ctx, const char *key, long long sz) {
    size_t *n = ctx;
    *n += strlen(key) + (sz & 1);
    return *n > 1000000;   /* let the stop path run too */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    char marker[4096], err[ERR_MAX];
    size_t n = 0;
    azListPage(s, size ? data[0] % 8 : 0, sink, &n, marker, sizeof marker);
    azListPage(s, 0, sink, &n, marker, 4);
    azConn c;
    if (azConnParse(s, &c, err) == 0) azConnFree(&c);
    unsigned char *k = NULL;
    size_t kl;
    if (azKeyDecode(s, "fuzz", &k, &kl, err) == 0) { sodium_memzero(k, kl); free(k); }
    char *a = NULL, *ct = NULL, *p = NULL;
    if (azUrlSplit(s, &a, &ct, &p, err) == 0) { free(a); free(ct); free(p); }
    buf out = BUF_INIT;
    azCanonResource(&out, "acct", "/c", s, err);
    bufFree(&out);
    int open;
    n += (size_t)azCorsRules(s, &open) + (size_t)open;
    free(s);
    return 0;
}
