/* s3.c -- the S3 backend's pure decisions: outcomes by status and code, hints, URLs. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/io/http.h"
#include "anchord/store/s3.h"

s3ErrCode s3ErrOf(const char *code) {
    if (!code || !*code) return S3E_NONE;
    if (!strcmp(code, "NoSuchKey")) return S3E_NO_SUCH_KEY;
    if (!strcmp(code, "NoSuchBucket")) return S3E_NO_SUCH_BUCKET;
    if (!strcmp(code, "NoSuchCORSConfiguration")) return S3E_NO_SUCH_CORS;
    return S3E_OTHER;
}

int s3GetOutcome(int httpRc, long status, s3ErrCode code) {
    if (httpRc == HTTP_TOO_LARGE) return STORE_TOOLARGE;
    if (httpRc != HTTP_OK) return STORE_ERR;
    if (status == 200) return STORE_OK;
    if (status == 404 && code != S3E_NO_SUCH_BUCKET) return STORE_NOTFOUND;
    return STORE_ERR;
}

int s3HeadOutcome(int httpRc, long status) {
    if (httpRc != HTTP_OK) return STORE_ERR;
    return status == 200 ? STORE_OK : status == 404 ? STORE_NOTFOUND : STORE_ERR;
}

int s3PutOutcome(storeCond cond, int httpRc, long status, s3ErrCode code) {
    if (httpRc != HTTP_OK) return STORE_ERR;
    if (status >= 200 && status < 300) return STORE_OK;
    if (status == 412) return STORE_CONFLICT;
    if (status == 404 && cond == STORE_PUT_IF_MATCH && code == S3E_NO_SUCH_KEY) return STORE_CONFLICT;
    return STORE_ERR;
}

int s3DeleteOutcome(int httpRc, long status, s3ErrCode code) {
    if (httpRc != HTTP_OK || code == S3E_NO_SUCH_BUCKET) return STORE_ERR;
    return status == 200 || status == 204 || status == 404 ? STORE_OK : STORE_ERR;
}

int s3UrlSplit(const char *rest, char **bucket, char **prefix, char *err) {
    size_t bl = strcspn(rest, "/");
    if (bl < 3 || bl > 63 || strspn(rest, "abcdefghijklmnopqrstuvwxyz0123456789.-") < bl)
        return errSet(err, "store URL s3://%.80s: bucket name must be 3-63 of a-z 0-9 . -", rest);
    const char *p = rest + bl;
    while (*p == '/') p++;
    size_t pl = strlen(p);
    while (pl && p[pl - 1] == '/') pl--;
    char *pre = strndup(p, pl);
    if (!pre) return errSet(err, "out of memory");
    if (*pre && storeKeyCheck(pre, err) < 0) { free(pre); return -1; }
    int rc = 0;
    if (bucket && !(*bucket = strndup(rest, bl))) rc = -1;
    if (prefix) *prefix = pre; else free(pre);
    return rc < 0 ? errSet(err, "out of memory") : 0;
}

const char *s3Hint(const char *code) {
    static const struct { const char *code, *hint; } h[] = {
        {"InvalidAccessKeyId", "unknown access key: check AWS_ACCESS_KEY_ID"},
        {"SignatureDoesNotMatch", "signature rejected: check AWS_SECRET_ACCESS_KEY"},
        {"NoSuchBucket", "the bucket does not exist: create it or fix the s3:// URL"},
        {"AccessDenied", "the credentials may not do this: check the bucket policy"},
        {"RequestTimeTooSkewed", "the clock of this machine is off"},
        {"PermanentRedirect", "the bucket is in another region: set AWS_REGION"},
        {"AuthorizationHeaderMalformed", "wrong region: set AWS_REGION"},
        {"InvalidToken", "bad AWS_SESSION_TOKEN"},
        {"ExpiredToken", "AWS_SESSION_TOKEN has expired"},
    };
    for (size_t i = 0; code && i < sizeof h / sizeof h[0]; i++) if (!strcmp(code, h[i].code)) return h[i].hint;
    return NULL;
}

int s3Encode(buf *b, const char *s, int keepSlash) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int plain = isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || (keepSlash && c == '/');
        if ((plain ? bufPutc(b, c) : bufPrintf(b, "%%%02X", c)) < 0) return -1;
    }
    return 0;
}

char *s3ObjectUrl(const char *base, const char *prefix, const char *key, const char *query) {
    buf u = BUF_INIT;
    int rc = bufPuts(&u, base);
    rc |= bufPutc(&u, '/');
    if (*prefix) { rc |= s3Encode(&u, prefix, 1); if (*key) rc |= bufPutc(&u, '/'); }
    rc |= s3Encode(&u, key, 1);
    if (query) rc |= bufPutc(&u, '?') | bufPuts(&u, query);
    if (rc) { bufFree(&u); return NULL; }
    return bufDetach(&u);
}

void s3IfMatch(const char *etag, int quote, char out[STORE_ETAG_MAX + 2]) {
    snprintf(out, STORE_ETAG_MAX + 2, quote ? "\"%s\"" : "%s", etag);
}
