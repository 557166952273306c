/* store.h -- the object store: S3 (SigV4), Azure Blob Storage (Shared Key or SAS), both
 * with ETag conditional writes, or a local directory.
 *
 * One interface for anchord, seed and didverify. A store is opened from a URL:
 *   s3://bucket[/prefix]   S3 or an S3-compatible server; AWS_* environment as the AWS CLI
 *   azblob://account/container[/prefix]   Azure Blob Storage (or Azurite); AZURE_STORAGE_*
 *                          environment as the az CLI (docs/azure.md)
 *   file:///dir            a local directory (the embedded default)
 * Keys are relative ("abc/did.jsonl"); the store adds its prefix.
 *
 * Result codes: every operation returns STORE_OK (0), or STORE_ERR (-1) with one line in
 * err, or one of the positive outcomes below that are not errors but answers:
 *   STORE_NOTFOUND  get: no such key
 *   STORE_TOOLARGE  get: the object is larger than the caller's max (nothing returned)
 *   STORE_CONFLICT  a conditional put lost: the key changed (If-Match) or already exists
 *                   (If-None-Match: *). The caller reads the key again (new ETag) and
 *                   decides whether to retry. Lost races the server reports as 409 or 500
 *                   are resolved inside the store (read back, then retry or CONFLICT), so
 *                   callers only ever see OK or CONFLICT for them. The read-back knows
 *                   our write by its bytes (S3: the ETag is their MD5; Azure: the
 *                   blob's Content-MD5 property), so when two writers race to put the
 *                   very same bytes, both may see OK: the key holds what each wanted.
 *                   A writer that must know that it, and not a twin, won makes its
 *                   bytes unique (test-tool store race does).
 * ETags are opaque strings without quotes; pass back exactly what get/put returned. Equal
 * bytes need not give equal ETags (Azure gives every write a new one).
 *
 * A store handle is not thread-safe: use one per thread or process. Bulk work goes
 * through storePutMany, which keeps storeOpts.parallel requests in flight on reused
 * connections. */
#ifndef WA_STORE_H
#define WA_STORE_H
#include <stddef.h>
#include "core/buf.h"
#include "core/err.h"

#define STORE_OK        0
#define STORE_ERR      (-1)
#define STORE_NOTFOUND  1
#define STORE_CONFLICT  2
#define STORE_TOOLARGE  3
#define STORE_DOWN     (-2)    /* storeProbe only: the server could not be reached */

#define STORE_ETAG_MAX  80     /* room for any ETag we accept, plus NUL */
#define STORE_KEY_MAX   900    /* longest key (S3 allows 1024 bytes incl. prefix) */
#define STORE_DEFAULT_URL "file://./public"
#define STORE_PARALLEL_MAX 256   /* requests in flight at most (storeOpts.parallel) */
#define STORE_RETRIES_MAX  20    /* retries of one request at most (storeOpts.retries) */
/* Every internal object (the start-up probe, staging bundles of not-yet-anchored log
 * lines) lives below this top-level key prefix, and nothing public does: the bucket
 * policy and the CDN serve everything but it (docs/store.md "Key layout"). */
#define STORE_INTERNAL    "_wa/"

typedef struct store store;

/* When a put may happen. */
typedef enum {
    STORE_PUT_ANY = 0,      /* unconditional (immutable objects, e.g. batches/) */
    STORE_PUT_IF_ABSENT,    /* If-None-Match: * -- create only */
    STORE_PUT_IF_MATCH      /* If-Match: etag -- compare-and-swap */
} storeCond;

/* One put for storePutMany: inputs, then outputs filled by the store. */
typedef struct storeReq {
    const char *key;
    const void *data;
    size_t len;
    storeCond cond;
    const char *ifMatch;            /* the expected ETag when cond == STORE_PUT_IF_MATCH */
    int rc;                         /* out: STORE_OK / STORE_CONFLICT / STORE_ERR */
    char etag[STORE_ETAG_MAX];      /* out: the new ETag on STORE_OK */
    char err[ERR_MAX];              /* out: why, on STORE_ERR */
} storeReq;

/* One get for storeGetMany: inputs, then outputs filled by the store. */
typedef struct storeGetReq {
    const char *key;
    size_t max;                     /* largest body accepted */
    int rc;                         /* out: STORE_OK / STORE_NOTFOUND / STORE_TOOLARGE / STORE_ERR */
    buf body;                       /* out: the object (caller frees; start it as BUF_INIT) */
    char etag[STORE_ETAG_MAX];      /* out: its ETag on STORE_OK */
    char err[ERR_MAX];              /* out: why, on STORE_ERR */
} storeGetReq;

/* storeList callback: one key (relative to the store prefix) and its size; return
 * non-zero to stop the listing early. */
typedef int storeListFn(void *ctx, const char *key, long long size);

/* How a store handle works; anchord takes them from its settings (WA_STORE_PARALLEL,
 * WA_STORE_RETRIES, WA_STORE_TRACE), other programs pass their own or NULL. */
typedef struct storeOpts {
    int parallel;   /* requests in flight for storePutMany / storeGetMany, 1..STORE_PARALLEL_MAX */
    int retries;    /* extra attempts after a transient failure (5xx, 408, 429, transport), 0..20 */
    int trace;      /* 1: one stderr line per HTTP attempt (S3, Azure) */
} storeOpts;
#define STORE_OPTS_DEFAULT {32, 5, 0}

/* storeUrlCheck: the one parser of store URLs: file://DIR, s3://BUCKET[/PREFIX] (bucket
 * 3-63 of a-z 0-9 . -), azblob://ACCOUNT/CONTAINER[/PREFIX]; a prefix is a store key
 * (storeKeyCheck). No I/O, no environment. 0 / -1 + why. (anchord's WA_STORE validator.) */
int storeUrlCheck(const char *url, char *why);

/* storeOpen: open url (NULL or "" = STORE_DEFAULT_URL) with o (NULL = STORE_OPTS_DEFAULT).
 * Reads the AWS_* environment for s3://, AZURE_STORAGE_* for azblob://. Does no network
 * I/O: call storeProbe before relying on it. NULL + err on a malformed URL, an option out
 * of its range or missing credentials. */
store *storeOpen(const char *url, const storeOpts *o, char *err);

/* storeClose: free the handle, close connections, wipe the credentials. NULL is ok. */
void storeClose(store *s);

/* storeProbe: prove the backend honours If-None-Match: * and If-Match by writing,
 * overwriting and deleting a scratch object under <prefix>/_wa/probe/. 0; STORE_DOWN + err
 * when the server could not be reached (nothing answered: try later); -1 + err when a
 * condition is ignored, or on any other error (wrong keys, no bucket, refused). */
int storeProbe(store *s, char *err);

/* storeGet: read key (at most max bytes) into body (may be NULL to only learn the
 * ETag) and its ETag into etag (may be NULL). STORE_OK / STORE_NOTFOUND /
 * STORE_TOOLARGE (the object has more than max bytes) / STORE_ERR. */
int storeGet(store *s, const char *key, size_t max, buf *body, char etag[STORE_ETAG_MAX], char *err);

/* storePut: write key with the given condition; newEtag (may be NULL) gets the ETag of
 * what was written. Content-Type and Cache-Control follow the key's name.
 * STORE_OK / STORE_CONFLICT / STORE_ERR. Plain puts are retried on 5xx and timeouts. */
int storePut(store *s, const char *key, const void *data, size_t len, storeCond cond,
             const char *ifMatch, char newEtag[STORE_ETAG_MAX], char *err);

/* storePutMany: run n puts with many in flight (S3: curl multi, connection reuse).
 * Each request gets its own rc/etag/err. Returns the number of requests that ended in
 * STORE_ERR (0 = all OK or CONFLICT), or -1 + err when nothing could be started. */
int storePutMany(store *s, storeReq *reqs, size_t n, char *err);

/* storeGetMany: run n gets with many in flight (S3: curl multi, connection reuse; the
 * local store reads one after the other). Each request gets its own rc/body/etag/err;
 * a body holds bytes only on STORE_OK (as storeGet's). Returns the number of requests that ended in STORE_ERR, or -1 + err when nothing
 * could be started. */
int storeGetMany(store *s, storeGetReq *reqs, size_t n, char *err);

/* storePing: one GET of a fresh random key under STORE_INTERNAL "probe/": 0 when the store
 * answers it (NOTFOUND), -1 + err when it cannot be reached or refuses. It tells a store
 * that is down from one whose answers for some keys failed (anchord: a failure that
 * belongs to one DID). */
int storePing(store *s, char *err);

/* storeList: call fn for every key starting with prefix ("" = all), in byte order.
 * STORE_OK / STORE_ERR. */
int storeList(store *s, const char *prefix, storeListFn *fn, void *ctx, char *err);

/* storeDelete: remove key; deleting a missing key is STORE_OK (idempotent). */
int storeDelete(store *s, const char *key, char *err);

/* storeSetCors: make sure objects are readable cross-origin (Access-Control-Allow-Origin: *,
 * GET/HEAD, ETag exposed). S3: reads the bucket's CORS configuration (s3:GetBucketCORS);
 * none -> puts the rule (s3:PutBucketCORS); one with such a rule -> OK, untouched; one
 * without -> ERR (an operator's rules are never replaced). Azure: the same with the
 * account's blob-service CORS rules (Azure has no per-container CORS). file: nothing to do
 * (the web server in front of the directory sets it). STORE_OK / STORE_ERR. */
int storeSetCors(store *s, char *err);

/* storeDescribe: "s3://bucket/prefix (path-style, http://127.0.0.1:9000)" for logs. */
const char *storeDescribe(const store *s);

/* storeContentType / storeCacheControl: the headers DESIGN.md §3 gives an object by
 * its name: *.jsonl text/jsonl, *.json application/json, *.html text/html, else
 * application/octet-stream; batches/ immutable for a year, everything else no-cache
 * (readers revalidate with the ETag). Also for HTTP servers that serve a file store. */
const char *storeContentType(const char *key);
const char *storeCacheControl(const char *key);

/* storeKeyCheck: 0 when key is a safe relative key (no empty, "." or ".." segments, no
 * leading '/', printable ASCII without spaces, backslashes or '?#%', length <= STORE_KEY_MAX);
 * else -1 + err. */
int storeKeyCheck(const char *key, char *err);

#endif
