/* s3.h -- the S3 backend's pure decisions, apart from the HTTP exchange (store_s3.c does
 * the I/O; unit-tested without a server by tests/unit/test_s3.c).
 *
 * Outcomes follow the S3 API reference (GetObject, PutObject with If-None-Match / If-Match,
 * DeleteObject, HeadObject) as AWS and radosgw answer them; error codes are the <Code> of
 * the error body, a protocol field parsed once into s3ErrCode. No I/O, no state,
 * thread-safe. */
#ifndef WA_S3_H
#define WA_S3_H
#include <stddef.h>
#include "core/buf.h"
#include "anchord/store/store.h"

/* The S3 error codes the store decides on (every other one is S3E_OTHER). */
typedef enum { S3E_NONE, S3E_NO_SUCH_KEY, S3E_NO_SUCH_BUCKET, S3E_NO_SUCH_CORS, S3E_OTHER } s3ErrCode;

/* s3ErrOf: the enum of an error body's <Code> text ("" or NULL: S3E_NONE). */
s3ErrCode s3ErrOf(const char *code);

/* s3GetOutcome: a finished GetObject of transport outcome httpRc (HTTP_*): 200 STORE_OK;
 * a body over the caller's max STORE_TOOLARGE; 404 STORE_NOTFOUND unless the bucket is
 * missing (NoSuchBucket: an error, never "not found"); anything else STORE_ERR. */
int s3GetOutcome(int httpRc, long status, s3ErrCode code);

/* s3HeadOutcome: a finished HeadObject (no body, so no code): 200 STORE_OK, 404
 * STORE_NOTFOUND, else STORE_ERR. */
int s3HeadOutcome(int httpRc, long status);

/* s3PutOutcome: a settled, unambiguous PutObject under cond: 2xx STORE_OK; 412 (a
 * condition failed) STORE_CONFLICT; 404 NoSuchKey to If-Match (AWS: the key is gone) a
 * lost race too, STORE_CONFLICT; anything else STORE_ERR. */
int s3PutOutcome(storeCond cond, int httpRc, long status, s3ErrCode code);

/* s3DeleteOutcome: DeleteObject: 200, 204 and 404 (already gone: idempotent) STORE_OK,
 * but a missing bucket (NoSuchBucket) STORE_ERR; anything else STORE_ERR. */
int s3DeleteOutcome(int httpRc, long status, s3ErrCode code);

/* s3UrlSplit: the rest of "s3://BUCKET[/PREFIX]" into bucket (3-63 of a-z 0-9 . -) and
 * prefix (a store key, storeKeyCheck; leading and trailing '/' dropped; "" when absent),
 * each malloc'd. NULL outputs only check. 0 / -1 + err. */
int s3UrlSplit(const char *rest, char **bucket, char **prefix, char *err);

/* s3Hint: what to check for a well-known error code ("unknown access key: check
 * AWS_ACCESS_KEY_ID"), or NULL. */
const char *s3Hint(const char *code);

/* s3Encode: append s to b with every byte outside A-Za-z0-9-._~ (and '/' when keepSlash)
 * percent-encoded in upper-case hex: the canonical form SigV4 signs, so a URL built from
 * it is sent and signed as it is (libcurl 7.88 signs the path and query it is given).
 * Also Azure's one encoding of paths and query values. 0 / -1 out of memory. */
int s3Encode(buf *b, const char *s, int keepSlash);

/* s3ObjectUrl: base + "/" + prefix "/" key (each encoded, '/' kept; no '/' between an
 * empty prefix and the key) + "?" query when query is not NULL (already canonical:
 * sorted, encoded). Caller frees; NULL when out of memory. */
char *s3ObjectUrl(const char *base, const char *prefix, const char *key, const char *query);

/* s3IfMatch: the If-Match value for etag: quoted ("\"etag\"", RFC 9110 and AWS) or bare
 * (radosgw 16 compares it as sent); storeProbe switches when a server refuses one form. */
void s3IfMatch(const char *etag, int quote, char out[STORE_ETAG_MAX + 2]);

#endif
