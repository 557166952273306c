/* fuzz_s3xml.c -- libFuzzer target: the S3 XML the store reads (anchord/store/s3xml.h):
 * error codes (s3xmlTag), ListObjectsV2 pages (s3xmlListPage, s3xmlUnescape) and bucket
 * CORS answers (s3xmlCorsOpen). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "anchord/store/s3xml.h"

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
    char code[64], token[2048];
    s3xmlTag(s, "Code", code, sizeof code);
    s3xmlTag(s, "Code", code, 1);
    size_t n = 0;
    s3xmlListPage(s, size ? data[0] % 8 : 0, sink, &n, token, sizeof token);
    s3xmlListPage(s, 0, sink, &n, token, 4);
    n += (size_t)s3xmlCorsOpen(s);
    s3xmlUnescape(s);
    free(s);
    return 0;
}
