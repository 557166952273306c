/* store_s3.c -- the S3 store: SigV4 requests on the one HTTP layer, conditional PUTs.
 *
 * Signing is libcurl's (CURLOPT_AWS_SIGV4, through core/io/http.h). libcurl 7.88 signs
 * every header we add and takes the path and query of the URL as they are, so this file
 * (a) always sends x-amz-content-sha256 with the real payload hash (radosgw rejects
 * requests without it, and 7.88 would hash an upload body as empty), (b) builds URLs
 * already in canonical form (s3Encode: each byte outside A-Za-z0-9-._~ percent-encoded,
 * query parameters sorted), and (c) never adds an empty "Expect:" header (it would be
 * signed, and the server never sees it: 403). Requests, retries, the read-back of
 * ambiguous conditional PUTs and bulk runs are storecall.c's, shared with the Azure store;
 * the status -> outcome rules are s3.c's (pure, unit-tested).
 *
 * Nothing of ours is attached to an object but its bytes and the Content-Type and
 * Cache-Control headers: whoever may read the bucket sees no metadata of the writer. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <sodium.h>
#include "core/hex.h"
#include "core/sha256.h"
#include "anchord/store/s3.h"
#include "anchord/store/s3xml.h"
#include "anchord/store/storecall.h"
#include "anchord/store/store_impl.h"

#define S3_LIST_MAX     (8u << 20)
#define S3_CORS_MAX     (64u << 10)

typedef struct s3Be {
    char *bucket, *prefix;   /* prefix has no leading/trailing '/', may be "" */
    char *base;              /* URL up to the object key: ".../bucket" or "...//bucket.host" */
    char *endpoint;          /* scheme://host[:port], for messages */
    char sigv4[128];         /* "aws:amz:<region>:s3" */
    char *akey, *skey, *token;
    int quoteIfMatch;        /* send If-Match "etag" (AWS) instead of etag (radosgw) */
    storeCallClient cl;      /* the HTTP side: connections, retries, trace */
} s3Be;

/* ---- calls ---- */

/* callInit: a call for method on url (taken over; the object key or a bucket
 * sub-resource, key names it in messages); body (PUT) is hashed for x-amz-content-sha256. */
static int callInit(s3Be *b, storeCall *c, const char *method, char *url, const char *key, const void *body, size_t len) {
    if (storeCallInit(&b->cl, c, method, url, NULL, key, body, len) < 0) return -1;
    c->req.sigv4 = b->sigv4;
    c->req.user = b->akey;
    c->req.password = b->skey;
    char sha[65];
    sha256Hex(body, len, sha);
    if (storeCallHeader(c, "x-amz-content-sha256", sha) < 0) return -1;
    return b->token ? storeCallHeader(c, "x-amz-security-token", b->token) : 0;
}

/* objectCall: callInit on key (relative to the store prefix). */
static int objectCall(s3Be *b, storeCall *c, const char *method, const char *key, const void *body, size_t len) {
    return callInit(b, c, method, s3ObjectUrl(b->base, b->prefix, key, NULL), key, body, len);
}

/* bucketCall: callInit on the bucket itself with a canonical query ("list-type=2&...",
 * "cors="): no prefix in the path. */
static int bucketCall(s3Be *b, storeCall *c, const char *method, const char *query, const char *what,
                      const void *body, size_t len) {
    buf u = BUF_INIT;
    if (bufPrintf(&u, "%s/?%s", b->base, query) < 0) bufFree(&u);
    return callInit(b, c, method, bufDetach(&u), what, body, len);
}

/* codeOf: the S3 error code of a finished call, as the enum the outcomes take. */
static s3ErrCode codeOf(const storeCall *c) { return s3ErrOf(c->code); }

/* callError: one line saying why c failed (storeCallOps.error). */
static int callError(void *be, storeCall *c, char *err) {
    s3Be *b = be;
    return storeCallError(c, "s3", b->endpoint, b->bucket, s3Hint(c->code), NULL, err);
}

/* ---- operations ---- */

/* s3Get: storeGet (store.h) on the GET of key. */
static int s3Get(store *s, const char *key, size_t max, buf *body, char *etag, char *err) {
    s3Be *b = s->be;
    storeCall c;
    int rc = objectCall(b, &c, "GET", key, NULL, 0);
    if (rc == 0) {
        storeCallInto(&c, body, max);
        storeCallRunOne(&b->cl, &c);
        rc = s3GetOutcome(c.req.rc, c.req.status, codeOf(&c));
        if (rc == STORE_OK && etag) memcpy(etag, c.etag, STORE_ETAG_MAX);
        if (rc == STORE_ERR) callError(b, &c, err);
    } else rc = errSet(err, "out of memory");
    storeCallFree(&c);
    return rc;
}

/* putInit: a PUT call with the headers for key and its condition; a conditional one
 * knows the MD5 of its body (the ETag S3 gives a single-part PUT: the read-back mark). */
static int putInit(void *be, storeCall *c, const char *key, const void *data, size_t len,
                   storeCond cond, const char *ifMatch) {
    s3Be *b = be;
    if (objectCall(b, c, "PUT", key, data, len) < 0) return -1;
    c->cond = cond;
    int rc = storeCallHeader(c, "Content-Type", storeContentType(key));
    rc |= storeCallHeader(c, "Cache-Control", storeCacheControl(key));
    if (cond != STORE_PUT_ANY) {
        unsigned char md[16];
        unsigned int l = 0;
        if (!EVP_Digest(data ? data : "", len, md, &l, EVP_md5(), NULL)) return -1;
        hexEncode(md, sizeof md, c->mark);
    }
    if (cond == STORE_PUT_IF_ABSENT) rc |= storeCallHeader(c, "If-None-Match", "*");
    if (cond == STORE_PUT_IF_MATCH) {
        char q[STORE_ETAG_MAX + 2];
        s3IfMatch(ifMatch, b->quoteIfMatch, q);
        rc |= storeCallHeader(c, "If-Match", q);
    }
    return rc;
}

/* putOutcome: storeCallOps.putOutcome (s3PutOutcome). */
static int putOutcome(void *be, storeCall *c, char *newEtag, char *err) {
    int rc = s3PutOutcome(c->cond, c->req.rc, c->req.status, codeOf(c));
    if (rc == STORE_OK) memcpy(newEtag, c->etag, STORE_ETAG_MAX);
    return rc == STORE_ERR ? callError(be, c, err) : rc;
}

/* s3Head: storeCallOps.head: key's ETag; the mark is the ETag in lower case. A single-part
 * PUT (no SSE-KMS/SSE-C) has the MD5 of its bytes as ETag on S3 and radosgw, so the mark
 * tells our bytes; where the ETag is not an MD5 it never matches, and an ambiguous write
 * that landed reads as CONFLICT (the caller re-reads: never a lost write). */
static int s3Head(void *be, const char *key, char *etag, char *mark, char *err) {
    s3Be *b = be;
    storeCall c;
    int rc = objectCall(b, &c, "HEAD", key, NULL, 0);
    if (rc == 0) {
        storeCallRunOne(&b->cl, &c);
        rc = s3HeadOutcome(c.req.rc, c.req.status);
        memcpy(etag, c.etag, STORE_ETAG_MAX);
        size_t i = 0;
        for (; c.etag[i] && i < STORECALL_MARK_MAX - 1; i++) mark[i] = (char)tolower((unsigned char)c.etag[i]);
        mark[i] = 0;
        if (rc == STORE_ERR) callError(b, &c, err);
    } else rc = errSet(err, "out of memory");
    storeCallFree(&c);
    return rc;
}

/* s3Put: storePut (store.h): PUT, an ambiguous conditional one settled by reading back. */
static int s3Put(store *s, const char *key, const void *data, size_t len, storeCond cond,
                 const char *ifMatch, char *newEtag, char *err) {
    return storeCallPutOne(&((s3Be *)s->be)->cl, key, data, len, cond, ifMatch, newEtag, err);
}

/* s3PutMany: storePutMany (store.h): the puts with s->parallel in flight. */
static int s3PutMany(store *s, storeReq *reqs, size_t n, char *err) {
    return storeCallPutMany(&((s3Be *)s->be)->cl, s->parallel, reqs, n, err);
}

/* getPrep: storeCallMany prep: a GET of the storeGetReq req into its body. 0 / -1. */
static int getPrep(storeCallClient *cl, storeCall *c, void *req) {
    storeGetReq *r = req;
    if (objectCall(cl->be, c, "GET", r->key, NULL, 0) < 0) return -1;
    storeCallInto(c, &r->body, r->max);
    return 0;
}

/* getDone: storeCallMany done: c's outcome into req (rc, etag, err); 1 when it failed. */
static int getDone(storeCallClient *cl, storeCall *c, void *req) {
    storeGetReq *r = req;
    r->rc = s3GetOutcome(c->req.rc, c->req.status, codeOf(c));
    if (r->rc == STORE_OK) memcpy(r->etag, c->etag, STORE_ETAG_MAX);
    if (r->rc == STORE_ERR) callError(cl->be, c, r->err);
    return r->rc == STORE_ERR;
}

/* s3GetMany: storeGetMany (store.h): the gets with s->parallel in flight. */
static int s3GetMany(store *s, storeGetReq *reqs, size_t n, char *err) {
    s3Be *b = s->be;
    return storeCallMany(&b->cl, s->parallel, reqs, sizeof *reqs, n, getPrep, getDone, err);
}

/* s3Del: storeDelete (store.h): DELETE of key, judged by s3DeleteOutcome. */
static int s3Del(store *s, const char *key, char *err) {
    s3Be *b = s->be;
    storeCall c;
    int rc = objectCall(b, &c, "DELETE", key, NULL, 0);
    if (rc == 0) {
        storeCallRunOne(&b->cl, &c);
        rc = s3DeleteOutcome(c.req.rc, c.req.status, codeOf(&c));
        if (rc == STORE_ERR) callError(b, &c, err);
    } else rc = errSet(err, "out of memory");
    storeCallFree(&c);
    return rc;
}

/* listPage: one ListObjectsV2 page of the keys below full, from token (updated: "" after
 * the last page) to fn. STORE_OK, 1 (fn stopped), STORE_ERR. */
static int listPage(s3Be *b, const char *full, char *token, size_t tlen, storeListFn *fn, void *ctx, char *err) {
    /* Parameters in canonical (sorted, encoded) order: curl 7.88 signs the query as is. */
    buf q = BUF_INIT;
    int rc = 0;
    if (*token) rc |= bufPuts(&q, "continuation-token=") | s3Encode(&q, token, 0) | bufPutc(&q, '&');
    rc |= bufPuts(&q, "list-type=2&prefix=") | s3Encode(&q, full, 0);
    storeCall c;
    if (rc < 0 || bucketCall(b, &c, "GET", (char *)q.p, "(list)", NULL, 0) < 0) rc = errSet(err, "out of memory");
    else {
        storeCallInto(&c, NULL, S3_LIST_MAX);
        storeCallRunOne(&b->cl, &c);
        if (c.req.rc != HTTP_OK || c.req.status != 200) rc = callError(b, &c, err);
        else {
            rc = s3xmlListPage((char *)c.req.body.p, *b->prefix ? strlen(b->prefix) + 1 : 0, fn, ctx, token, tlen);
            if (rc < 0) rc = errSet(err, "s3 list %s: malformed ListObjectsV2 answer", b->bucket);
        }
    }
    storeCallFree(&c);
    bufFree(&q);
    return rc;
}

/* s3List: storeList (store.h): ListObjectsV2 under prefix, page by page (continuation token). */
static int s3List(store *s, const char *prefix, storeListFn *fn, void *ctx, char *err) {
    s3Be *b = s->be;
    char token[2048] = "";
    buf full = BUF_INIT;
    if (bufPrintf(&full, "%s%s%s", b->prefix, *b->prefix ? "/" : "", prefix) < 0) { bufFree(&full); return errSet(err, "out of memory"); }
    int rc;
    do rc = listPage(b, (char *)full.p, token, sizeof token, fn, ctx, err);
    while (rc == STORE_OK && *token);
    bufFree(&full);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

/* The CORS rule DESIGN.md §3 asks for: anyone may GET/HEAD, and read the ETag. */
static const char corsXml[] =
    "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
    "<AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>"
    "<AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader>"
    "<MaxAgeSeconds>3600</MaxAgeSeconds></CORSRule></CORSConfiguration>";

/* corsPut: put corsXml as the bucket's CORS configuration ("cors=": the canonical ?cors). */
static int corsPut(s3Be *b, char *err) {
    unsigned char md5[16];
    unsigned int l = 0;
    char b64[32];
    EVP_Digest(corsXml, sizeof corsXml - 1, md5, &l, EVP_md5(), NULL);
    EVP_EncodeBlock((unsigned char *)b64, md5, 16);
    storeCall c;
    int rc = bucketCall(b, &c, "PUT", "cors=", "(cors)", corsXml, sizeof corsXml - 1);
    if (rc == 0) rc = storeCallHeader(&c, "Content-MD5", b64) | storeCallHeader(&c, "Content-Type", "application/xml");
    if (rc < 0) rc = errSet(err, "out of memory");
    else {
        storeCallRunOne(&b->cl, &c);
        rc = c.req.rc == HTTP_OK && c.req.status == 200 ? STORE_OK : callError(b, &c, err);
    }
    storeCallFree(&c);
    return rc;
}

/* s3Cors: storeSetCors (store.h): read the configuration; none -> put ours; one that lets
 * any origin GET and read the ETag -> OK; any other -> refuse, leaving it as it is. */
static int s3Cors(store *s, char *err) {
    s3Be *b = s->be;
    storeCall c;
    int rc;
    if (bucketCall(b, &c, "GET", "cors=", "(cors)", NULL, 0) < 0) rc = errSet(err, "out of memory");
    else {
        storeCallInto(&c, NULL, S3_CORS_MAX);
        storeCallRunOne(&b->cl, &c);
        if (c.req.rc == HTTP_OK && c.req.status == 200)
            rc = s3xmlCorsOpen(c.req.body.p ? (char *)c.req.body.p : "") ? STORE_OK
               : errSet(err, "bucket %s has a CORS configuration without a rule that lets any origin GET and read the ETag: "
                             "add one (docs/cdn.md) or delete the configuration so that it is set", b->bucket);
        else if (c.req.rc == HTTP_OK && c.req.status == 404 && codeOf(&c) == S3E_NO_SUCH_CORS)
            rc = corsPut(b, err);
        else
            rc = callError(b, &c, err);
    }
    storeCallFree(&c);
    return rc;
}

/* s3AltIfMatch: storeOps.altIfMatch: switch between quoted and bare If-Match ETags. 0. */
static int s3AltIfMatch(store *s) {
    s3Be *b = s->be;
    b->quoteIfMatch = !b->quoteIfMatch;
    return 0;
}

/* s3Close: release the backend: its client, and its keys wiped. */
static void s3Close(store *s) {
    s3Be *b = s->be;
    if (!b) return;
    httpClientFree(b->cl.http);
    free(b->bucket); free(b->prefix); free(b->base); free(b->endpoint);
    storeWipeFree(b->akey); storeWipeFree(b->skey); storeWipeFree(b->token);
    free(b);
    s->be = NULL;
}

static const storeOps s3Ops = {
    s3Get, s3Put, s3PutMany, s3List, s3Del, s3Cors, s3AltIfMatch, s3Close, s3GetMany,
};

static const storeCallOps s3CallOps = {
    .tag = "s3", .codeHeader = NULL, .sign = NULL, .definite = NULL,
    .head = s3Head, .putInit = putInit, .putOutcome = putOutcome, .error = callError,
};

/* envGet: the first non-empty of two environment variables (b may be NULL). */
static const char *envGet(const char *a, const char *b) {
    const char *v = getenv(a);
    if ((!v || !*v) && b) v = getenv(b);
    return v && *v ? v : NULL;
}

/* s3Config: bucket, prefix, endpoint, style and keys from the URL rest and AWS_* env.
 * 1 path-style, 0 virtual-host style, -1 + err. */
static int s3Config(s3Be *b, const char *rest, char *err) {
    if (s3UrlSplit(rest, &b->bucket, &b->prefix, err) < 0) return -1;

    const char *region = envGet("AWS_REGION", "AWS_DEFAULT_REGION");
    if (!region) region = "us-east-1";
    if (strlen(region) > 64 || strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(region))
        return errSet(err, "AWS_REGION %.64s: not a region name", region);
    snprintf(b->sigv4, sizeof b->sigv4, "aws:amz:%s:s3", region);

    const char *ep = envGet("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");
    buf e = BUF_INIT;
    if (ep) bufPuts(&e, ep); else bufPrintf(&e, "https://s3.%s.amazonaws.com", region);
    while (e.len && e.p[e.len - 1] == '/') e.p[--e.len] = 0;
    b->endpoint = bufDetach(&e);
    if (!b->endpoint) return errSet(err, "out of memory");
    const char *host = strstr(b->endpoint, "://");
    if (!host || strncmp(b->endpoint, "http", 4) || strchr(host + 3, '/') || strchr(host + 3, '?'))
        return errSet(err, "AWS_ENDPOINT_URL %.100s: want http(s)://host[:port]", b->endpoint);
    host += 3;

    /* AWS itself: virtual-host style; other servers rarely have wildcard DNS: path. */
    const char *style = envGet("AWS_S3_ADDRESSING_STYLE", NULL);
    int path = style ? !strcmp(style, "path") : ep != NULL;
    if (style && strcmp(style, "path") && strcmp(style, "virtual"))
        return errSet(err, "AWS_S3_ADDRESSING_STYLE %.20s: want path or virtual", style);
    buf u = BUF_INIT;
    if (path) bufPrintf(&u, "%s/%s", b->endpoint, b->bucket);
    else bufPrintf(&u, "%.*s%s.%s", (int)(host - b->endpoint), b->endpoint, b->bucket, host);
    if (!(b->base = bufDetach(&u))) return errSet(err, "out of memory");

    const char *ak = envGet("AWS_ACCESS_KEY_ID", NULL), *sk = envGet("AWS_SECRET_ACCESS_KEY", NULL);
    const char *tok = envGet("AWS_SESSION_TOKEN", NULL);
    if (!ak || !sk) return errSet(err, "s3 store: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    if (strpbrk(ak, "\r\n:") || strpbrk(sk, "\r\n") || (tok && strpbrk(tok, "\r\n")))
        return errSet(err, "s3 store: AWS credentials contain a line break or ':' in the key id");
    if (!(b->akey = strdup(ak)) || !(b->skey = strdup(sk)) || (tok && !(b->token = strdup(tok))))
        return errSet(err, "out of memory");
    b->quoteIfMatch = 0;    /* radosgw wants it bare; storeProbe switches if a server differs */
    return path;
}

int storeS3Open(store *s, const char *rest, const storeOpts *o, char *err) {
    s3Be *b = calloc(1, sizeof *b);
    if (!b) return errSet(err, "out of memory");
    s->be = b;
    s->ops = &s3Ops;
    b->cl = (storeCallClient){.ops = &s3CallOps, .be = b, .retries = o->retries, .trace = o->trace, .down = &s->down};
    int path = s3Config(b, rest, err);
    if (path >= 0 && !(b->cl.http = httpClientNew(STORE_PARALLEL_MAX, err))) path = -1;
    if (path < 0) { s3Close(s); return -1; }
    snprintf(s->desc, sizeof s->desc, "s3://%s%s%s (%s-style, %s)", b->bucket, *b->prefix ? "/" : "",
             b->prefix, path ? "path" : "virtual-host", b->endpoint);
    return 0;
}
