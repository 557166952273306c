/* store_az.c -- the Azure Blob Storage store: Shared Key or SAS, conditional Put Blob,
 * on the one HTTP layer.
 *
 * azblob://account/container[/prefix]. Requests are the Blob REST API at a pinned
 * x-ms-version (AZ_VERSION): Put Blob (BlockBlob, one request up to the service's
 * single-put limit), Get Blob, Get Blob Properties (HEAD), Delete Blob, List Blobs and
 * Get / Set Blob Service Properties (CORS). Each attempt is signed when it starts
 * (x-ms-date must be within 15 minutes of the server's clock, and bulk runs or back-offs
 * can be long); the signing itself is azrest.c, and so are the status -> outcome rules
 * (pure, unit-tested). Shared Key does not cover the body, so every Put Blob carries
 * Content-MD5, which the service checks.
 *
 * Requests, retries, the lost-race rule ("read back, then retry or CONFLICT") and bulk
 * runs are storecall.c's, shared with the S3 store: sequential calls reuse the kept-alive
 * connections and bulk calls keep many in flight.
 *
 * Nothing of ours is attached to a blob but its bytes and the Content-Type and
 * Cache-Control properties (no x-ms-meta-*): whoever may read the container sees no
 * metadata of the writer. An ambiguous conditional Put Blob is recognised as ours by the
 * blob's Content-MD5 property (Azure ETags are not MD5s; the MD5 of a Put Blob is kept). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/evp.h>
#include <sodium.h>
#include "core/io/clock.h"
#include "anchord/store/azrest.h"
#include "anchord/store/s3.h"
#include "anchord/store/storecall.h"
#include "anchord/store/store_impl.h"

#define AZ_LIST_MAX     (8u << 20)
#define AZ_PROPS_MAX    (64u << 10)
#define AZ_LIST_PAGE    "1000"          /* maxresults: pages as small as S3's */

typedef struct azBe {
    char *account, *container, *prefix;   /* prefix without leading/trailing '/', may be "" */
    char *endpoint;          /* scheme://host[:port][/path], no trailing '/' */
    const char *epath;       /* the endpoint's path ("" or "/devstoreaccount1"), in endpoint */
    unsigned char *key;      /* decoded account key (Shared Key), or NULL */
    size_t keylen;
    char *sas;               /* SAS query without '?', or NULL */
    const char *keyFrom;     /* the setting the credentials came from, for messages */
    storeCallClient cl;      /* the HTTP side: connections, retries, trace */
} azBe;

/* ---- calls ---- */

/* callInit: a call for method on the blob key (NULL: the container itself, "" with
 * service: the account) with an optional raw query (already encoded). The URL sent
 * carries the SAS; the one shown (messages, traces) does not. */
static int callInit(azBe *b, storeCall *c, const char *method, const char *key, int service,
                    const char *query, const void *body, size_t len) {
    buf path = BUF_INIT, u = BUF_INIT, f = BUF_INIT, canon = BUF_INIT;
    int rc = bufPuts(&path, b->epath);
    if (service) rc |= bufPutc(&path, '/');
    else {
        rc |= bufPrintf(&path, "/%s", b->container);
        if (key) {
            rc |= bufPutc(&path, '/');
            if (*b->prefix) rc |= s3Encode(&path, b->prefix, 1) | bufPutc(&path, '/');
            rc |= s3Encode(&path, key, 1);
        }
    }
    size_t hostEnd = (size_t)(b->epath - b->endpoint);
    if (rc == 0) rc = bufPrintf(&u, "%.*s%s%s%s", (int)hostEnd, b->endpoint, (char *)path.p, query ? "?" : "", query ? query : "");
    if (rc == 0) rc = bufPrintf(&f, "%s%s%s", (char *)u.p, !b->sas ? "" : query ? "&" : "?", b->sas ? b->sas : "");
    if (rc == 0 && b->key) rc = azCanonResource(&canon, b->account, (char *)path.p, query, NULL);
    bufFree(&path);
    if (rc < 0) { bufFree(&u); bufWipe(&f); bufFree(&canon); }
    const char *what = key ? key : service ? "(service)" : "(container)";
    if (storeCallInit(&b->cl, c, method, bufDetach(&f), bufDetach(&u), what, body, len) < 0) {
        bufFree(&canon);
        return -1;
    }
    c->aux = bufDetach(&canon);
    c->noExpect = 1;           /* Expect is not signed: no 100-continue round trip */
    return storeCallHeader(c, "x-ms-version", AZ_VERSION);
}

/* callSign: storeCallOps.sign: this attempt's x-ms-date, and with a key the Shared Key
 * Authorization over the call's headers. */
static int callSign(void *be, storeCall *c) {
    azBe *b = be;
    char date[AZ_DATE_MAX], sig[AZ_SIG_MAX], auth[AZ_SIG_MAX + 128];
    azHttpDate((time_t)(clockWallMs() / 1000), date);
    if (!b->key) {
        const char *extra[] = {"x-ms-date", date};
        return storeCallLines(c, extra, 2) < 0 ? errSet(c->req.err, "out of memory") : 0;
    }
    azHdr h[STORECALL_HDR_MAX + 1];
    for (size_t i = 0; i < c->nhdr; i++) h[i] = (azHdr){c->hdr[i].name, c->hdr[i].value};
    h[c->nhdr] = (azHdr){"x-ms-date", date};
    buf sts = BUF_INIT;
    size_t clen = !strcmp(c->req.method, "PUT") ? c->req.len : 0;
    if (azStringToSign(&sts, c->req.method, h, c->nhdr + 1, clen, c->aux, NULL) < 0) {
        bufFree(&sts);
        return errSet(c->req.err, "out of memory");
    }
    azSignature(b->key, b->keylen, (char *)sts.p, sts.len, sig);
    bufFree(&sts);
    snprintf(auth, sizeof auth, "SharedKey %s:%s", b->account, sig);
    const char *extra[] = {"x-ms-date", date, "Authorization", auth};
    int rc = storeCallLines(c, extra, 4);
    sodium_memzero(auth, sizeof auth);
    sodium_memzero(sig, sizeof sig);
    return rc < 0 ? errSet(c->req.err, "out of memory") : 0;
}

/* definite: storeCallOps.definite: 409 BlobAlreadyExists is a definite answer (the blob
 * was there before); any other 409 to a conditional put is ambiguous, as the store
 * contract says. */
static int definite(const storeCall *c) { return azDefinite409(c->code); }

/* callError: storeCallOps.error: one line saying why c failed. */
static int callError(void *be, storeCall *c, char *err) {
    azBe *b = be;
    int auth = !strcmp(c->code, "AuthenticationFailed") || !strcmp(c->code, "AuthorizationFailure");
    return storeCallError(c, "az", b->endpoint, b->container, azHint(c->code), auth ? b->keyFrom : NULL, err);
}

/* ---- operations ---- */

/* azGet: storeGet (store.h) on the Get Blob of key. */
static int azGet(store *s, const char *key, size_t max, buf *body, char *etag, char *err) {
    azBe *b = s->be;
    storeCall c;
    int rc = callInit(b, &c, "GET", key, 0, NULL, NULL, 0);
    if (rc == 0) {
        storeCallInto(&c, body, max);
        storeCallRunOne(&b->cl, &c);
        rc = azGetOutcome(c.req.rc, c.req.status, c.code);
        if (rc == STORE_OK && etag) memcpy(etag, c.etag, STORE_ETAG_MAX);
        if (rc == STORE_ERR) callError(b, &c, err);
    } else rc = errSet(err, "out of memory");
    storeCallFree(&c);
    return rc;
}

/* putInit: a Put Blob call with the headers for key and its condition; its Content-MD5
 * (base64) is also the read-back mark. */
static int putInit(void *be, storeCall *c, const char *key, const void *data, size_t len,
                   storeCond cond, const char *ifMatch) {
    azBe *b = be;
    if (callInit(b, c, "PUT", key, 0, NULL, data, len) < 0) return -1;
    c->cond = cond;
    unsigned char md5[16];
    unsigned int l = 0;
    if (!EVP_Digest(data ? data : "", len, md5, &l, EVP_md5(), NULL)) return -1;
    EVP_EncodeBlock((unsigned char *)c->mark, md5, 16);
    int rc = storeCallHeader(c, "x-ms-blob-type", "BlockBlob");
    rc |= storeCallHeader(c, "x-ms-blob-content-type", storeContentType(key));
    rc |= storeCallHeader(c, "x-ms-blob-cache-control", storeCacheControl(key));
    rc |= storeCallHeader(c, "Content-MD5", c->mark);
    if (cond == STORE_PUT_IF_ABSENT) rc |= storeCallHeader(c, "If-None-Match", "*");
    if (cond == STORE_PUT_IF_MATCH) {
        char q[STORE_ETAG_MAX + 2];
        s3IfMatch(ifMatch, 1, q);   /* quoted; Azure accepts both forms */
        rc |= storeCallHeader(c, "If-Match", q);
    }
    return rc;
}

/* putOutcome: storeCallOps.putOutcome (azPutOutcome). */
static int putOutcome(void *be, storeCall *c, char *newEtag, char *err) {
    int rc = azPutOutcome(c->cond, c->req.rc, c->req.status, c->code);
    if (rc == STORE_OK) memcpy(newEtag, c->etag, STORE_ETAG_MAX);
    return rc == STORE_ERR ? callError(be, c, err) : rc;
}

/* azHead: storeCallOps.head: ETag and Content-MD5 property (base64) of key. A Put Blob
 * keeps the Content-MD5 it checked, so the property tells our bytes; a blob without it
 * never matches (at worst a needless CONFLICT, never a lost write). */
static int azHead(void *be, const char *key, char *etag, char *mark, char *err) {
    azBe *b = be;
    storeCall c;
    int rc = callInit(b, &c, "HEAD", key, 0, NULL, NULL, 0), md5 = -1;
    if (rc == 0 && (md5 = storeCallCapture(&c, "Content-MD5")) < 0) rc = -1;
    if (rc == 0) {
        storeCallRunOne(&b->cl, &c);
        rc = azGetOutcome(c.req.rc, c.req.status, c.code);
        memcpy(etag, c.etag, STORE_ETAG_MAX);
        snprintf(mark, STORECALL_MARK_MAX, "%s", c.req.got[md5]);
        if (rc == STORE_ERR) callError(b, &c, err);
    } else rc = errSet(err, "out of memory");
    storeCallFree(&c);
    return rc;
}

/* azPut: storePut (store.h): Put Blob, an ambiguous conditional one settled by reading back. */
static int azPut(store *s, const char *key, const void *data, size_t len, storeCond cond,
                 const char *ifMatch, char *newEtag, char *err) {
    return storeCallPutOne(&((azBe *)s->be)->cl, key, data, len, cond, ifMatch, newEtag, err);
}

/* azPutMany: storePutMany (store.h): the puts with s->parallel in flight. */
static int azPutMany(store *s, storeReq *reqs, size_t n, char *err) {
    return storeCallPutMany(&((azBe *)s->be)->cl, s->parallel, reqs, n, err);
}

/* getPrep: storeCallMany prep: a GET of the storeGetReq req into its body. 0 / -1. */
static int getPrep(storeCallClient *cl, storeCall *c, void *req) {
    storeGetReq *r = req;
    if (callInit(cl->be, c, "GET", r->key, 0, NULL, NULL, 0) < 0) return -1;
    storeCallInto(c, &r->body, r->max);
    return 0;
}

/* getDone: storeCallMany done: c's outcome into req (rc, etag, err); 1 when it failed. */
static int getDone(storeCallClient *cl, storeCall *c, void *req) {
    storeGetReq *r = req;
    r->rc = azGetOutcome(c->req.rc, c->req.status, c->code);
    if (r->rc == STORE_OK) memcpy(r->etag, c->etag, STORE_ETAG_MAX);
    if (r->rc == STORE_ERR) callError(cl->be, c, r->err);
    return r->rc == STORE_ERR;
}

/* azGetMany: storeGetMany (store.h): the gets with s->parallel in flight. */
static int azGetMany(store *s, storeGetReq *reqs, size_t n, char *err) {
    azBe *b = s->be;
    return storeCallMany(&b->cl, s->parallel, reqs, sizeof *reqs, n, getPrep, getDone, err);
}

/* azDel: storeDelete (store.h): Delete Blob of key, judged by azDeleteOutcome. */
static int azDel(store *s, const char *key, char *err) {
    azBe *b = s->be;
    storeCall c;
    int rc = callInit(b, &c, "DELETE", key, 0, NULL, NULL, 0);
    if (rc == 0) {
        storeCallRunOne(&b->cl, &c);
        rc = azDeleteOutcome(c.req.rc, c.req.status, c.code);
        if (rc == STORE_ERR) callError(b, &c, err);
    } else rc = errSet(err, "out of memory");
    storeCallFree(&c);
    return rc;
}

/* listPage: one List Blobs page of the keys below full, from marker (updated: "" after
 * the last page) to fn. STORE_OK, 1 (fn stopped), STORE_ERR. */
static int listPage(azBe *b, const char *full, char *marker, size_t mlen, storeListFn *fn, void *ctx, char *err) {
    buf q = BUF_INIT;
    int rc = bufPuts(&q, "restype=container&comp=list&maxresults=" AZ_LIST_PAGE "&prefix=") | s3Encode(&q, full, 0);
    if (*marker) rc |= bufPuts(&q, "&marker=") | s3Encode(&q, marker, 0);
    storeCall c;
    if (rc < 0 || callInit(b, &c, "GET", NULL, 0, (char *)q.p, NULL, 0) < 0) rc = errSet(err, "out of memory");
    else {
        storeCallInto(&c, NULL, AZ_LIST_MAX);
        storeCallRunOne(&b->cl, &c);
        if (c.req.rc != HTTP_OK || c.req.status != 200) rc = callError(b, &c, err);
        else {
            rc = azListPage((char *)c.req.body.p, *b->prefix ? strlen(b->prefix) + 1 : 0, fn, ctx, marker, mlen);
            if (rc < 0) rc = errSet(err, "az list %s: malformed List Blobs answer", b->container);
        }
    }
    storeCallFree(&c);
    bufFree(&q);
    return rc;
}

/* azList: storeList (store.h): List Blobs under prefix, page by page (marker). */
static int azList(store *s, const char *prefix, storeListFn *fn, void *ctx, char *err) {
    azBe *b = s->be;
    char marker[4096] = "";
    buf full = BUF_INIT;
    if (bufPrintf(&full, "%s%s%s", b->prefix, *b->prefix ? "/" : "", prefix) < 0) { bufFree(&full); return errSet(err, "out of memory"); }
    int rc;
    do rc = listPage(b, (char *)full.p, marker, sizeof marker, fn, ctx, err);
    while (rc == STORE_OK && *marker);
    bufFree(&full);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

/* The CORS rule DESIGN.md §3 asks for: anyone may GET/HEAD, and read the ETag. It is a
 * setting of the whole account's blob service (Azure has no per-container CORS); the
 * other service properties (logging, metrics, static website) are left as they are. */
static const char corsXml[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?><StorageServiceProperties><Cors><CorsRule>"
    "<AllowedOrigins>*</AllowedOrigins><AllowedMethods>GET,HEAD</AllowedMethods>"
    "<MaxAgeInSeconds>3600</MaxAgeInSeconds><ExposedHeaders>ETag</ExposedHeaders>"
    "<AllowedHeaders>*</AllowedHeaders></CorsRule></Cors></StorageServiceProperties>";

/* corsPut: set corsXml as the blob service's CORS rules (Set Blob Service Properties). */
static int corsPut(azBe *b, char *err) {
    storeCall c;
    int rc = callInit(b, &c, "PUT", NULL, 1, "restype=service&comp=properties", corsXml, sizeof corsXml - 1);
    if (rc == 0) rc = storeCallHeader(&c, "Content-Type", "application/xml");
    if (rc < 0) rc = errSet(err, "out of memory");
    else {
        storeCallRunOne(&b->cl, &c);
        rc = c.req.rc == HTTP_OK && c.req.status == 202 ? STORE_OK : callError(b, &c, err);
    }
    storeCallFree(&c);
    return rc;
}

/* azCors: storeSetCors (store.h), as on S3: read the blob service's CORS rules (Get Blob
 * Service Properties); none -> set ours; one that lets any origin GET and read the ETag
 * -> OK, untouched; only others -> refuse, leaving them as they are (they are the whole
 * account's: other containers' readers may depend on them). */
static int azCors(store *s, char *err) {
    azBe *b = s->be;
    storeCall c;
    int rc, open = 0;
    if (callInit(b, &c, "GET", NULL, 1, "restype=service&comp=properties", NULL, 0) < 0) rc = errSet(err, "out of memory");
    else {
        storeCallInto(&c, NULL, AZ_PROPS_MAX);
        storeCallRunOne(&b->cl, &c);
        if (c.req.rc != HTTP_OK || c.req.status != 200) rc = callError(b, &c, err);
        else {
            int n = azCorsRules(c.req.body.p ? (char *)c.req.body.p : NULL, &open);
            rc = n < 0 ? errSet(err, "az account %s: malformed Get Blob Service Properties answer", b->account)
               : open ? STORE_OK
               : n > 0 ? errSet(err, "account %s: the blob service has CORS rules, none of which lets any origin GET and "
                                     "read the ETag: add one (docs/azure.md) or remove them so that it is set", b->account)
               : corsPut(b, err);
        }
    }
    storeCallFree(&c);
    return rc;
}

/* azClose: release the backend: its client, and its secrets wiped. */
static void azClose(store *s) {
    azBe *b = s->be;
    if (!b) return;
    httpClientFree(b->cl.http);
    free(b->account); free(b->container); free(b->prefix); free(b->endpoint);
    if (b->key) { sodium_memzero(b->key, b->keylen); free(b->key); }
    storeWipeFree(b->sas);
    free(b);
    s->be = NULL;
}

static const storeOps azOps = {
    azGet, azPut, azPutMany, azList, azDel, azCors, NULL, azClose, azGetMany,
};

static const storeCallOps azCallOps = {
    .tag = "az", .codeHeader = "x-ms-error-code", .sign = callSign, .definite = definite,
    .head = azHead, .putInit = putInit, .putOutcome = putOutcome, .error = callError,
};

/* envGet: a non-empty environment variable, or NULL. */
static const char *envGet(const char *name) {
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* setEndpoint: b->endpoint from ep (http(s)://host[:port][/path]), or the public one. */
static int setEndpoint(azBe *b, const char *ep, const char *proto, const char *suffix, const char *from, char *err) {
    buf e = BUF_INIT;
    if (ep) bufPuts(&e, ep);
    else bufPrintf(&e, "%s://%s.blob.%s", proto ? proto : "https", b->account, suffix ? suffix : "core.windows.net");
    while (e.len && e.p[e.len - 1] == '/') e.p[--e.len] = 0;
    if (!(b->endpoint = bufDetach(&e))) return errSet(err, "out of memory");
    const char *host = strstr(b->endpoint, "://");
    if (!host || (strncmp(b->endpoint, "http://", 7) && strncmp(b->endpoint, "https://", 8)) ||
        strpbrk(b->endpoint, "?# \t\r\n") || host[3] == 0 || host[3] == '/')
        return errSet(err, "%s: blob endpoint %.100s: want http(s)://host[:port][/path]", from, b->endpoint);
    const char *path = strchr(host + 3, '/');
    b->epath = path ? path : b->endpoint + strlen(b->endpoint);
    return 0;
}

/* setSas: the SAS token (leading '?' dropped); it must carry a signature. */
static int setSas(azBe *b, const char *sas, const char *from, char *err) {
    if (*sas == '?') sas++;
    if (strpbrk(sas, "?# \t\r\n") || (strncmp(sas, "sig=", 4) && !strstr(sas, "&sig=")))
        return errSet(err, "%s: not a SAS token (want sv=...&sig=..., no spaces)", from);
    if (!(b->sas = strdup(sas))) return errSet(err, "out of memory");
    b->keyFrom = from;
    return 0;
}

/* fromConnString: account check, credentials and endpoint from a connection string. */
static int fromConnString(azBe *b, const char *cs, char *err) {
    static const char *from = "AZURE_STORAGE_CONNECTION_STRING";
    azConn c;
    if (azConnParse(cs, &c, err) < 0) return -1;
    int rc = 0;
    if (c.accountName && strcmp(c.accountName, b->account))
        rc = errSet(err, "%s names account %.40s, the store URL %s", from, c.accountName, b->account);
    else if (c.accountKey) {
        rc = azKeyDecode(c.accountKey, from, &b->key, &b->keylen, err);
        b->keyFrom = from;
    } else if (c.sas) rc = setSas(b, c.sas, from, err);
    else rc = errSet(err, "%s has neither AccountKey nor SharedAccessSignature", from);
    if (rc == 0 && c.protocol && strcmp(c.protocol, "http") && strcmp(c.protocol, "https"))
        rc = errSet(err, "%s: DefaultEndpointsProtocol %.20s: want http or https", from, c.protocol);
    if (rc == 0) rc = setEndpoint(b, c.blobEndpoint, c.protocol, c.endpointSuffix, from, err);
    azConnFree(&c);
    return rc;
}

/* fromEnv: AZURE_STORAGE_ACCOUNT (optional, must match) + AZURE_STORAGE_KEY or
 * AZURE_STORAGE_SAS_TOKEN; endpoint AZURE_STORAGE_SERVICE_ENDPOINT (as the az CLI's
 * --blob-endpoint) or the public one. */
static int fromEnv(azBe *b, char *err) {
    const char *acct = envGet("AZURE_STORAGE_ACCOUNT"), *key = envGet("AZURE_STORAGE_KEY");
    const char *sas = envGet("AZURE_STORAGE_SAS_TOKEN");
    if (acct && strcmp(acct, b->account))
        return errSet(err, "AZURE_STORAGE_ACCOUNT is %.40s, the store URL names %s", acct, b->account);
    int rc;
    if (key) {
        rc = azKeyDecode(key, "AZURE_STORAGE_KEY", &b->key, &b->keylen, err);
        b->keyFrom = "AZURE_STORAGE_KEY";
    } else if (sas) rc = setSas(b, sas, "AZURE_STORAGE_SAS_TOKEN", err);
    else rc = errSet(err, "azblob store: set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_KEY "
                     "or AZURE_STORAGE_SAS_TOKEN (with AZURE_STORAGE_ACCOUNT)");
    if (rc < 0) return -1;
    return setEndpoint(b, envGet("AZURE_STORAGE_SERVICE_ENDPOINT"), NULL, NULL, "AZURE_STORAGE_SERVICE_ENDPOINT", err);
}

int storeAzOpen(store *s, const char *rest, const storeOpts *o, char *err) {
    azBe *b = calloc(1, sizeof *b);
    if (!b) return errSet(err, "out of memory");
    s->be = b;
    s->ops = &azOps;
    b->cl = (storeCallClient){.ops = &azCallOps, .be = b, .retries = o->retries, .trace = o->trace, .down = &s->down};
    int rc = azUrlSplit(rest, &b->account, &b->container, &b->prefix, err);
    if (rc == 0) {
        const char *cs = envGet("AZURE_STORAGE_CONNECTION_STRING");
        rc = cs ? fromConnString(b, cs, err) : fromEnv(b, err);
    }
    if (rc == 0 && !(b->cl.http = httpClientNew(STORE_PARALLEL_MAX, err))) rc = -1;
    if (rc < 0) { azClose(s); return -1; }
    snprintf(s->desc, sizeof s->desc, "azblob://%s/%s%s%s (%s, %s)", b->account, b->container, *b->prefix ? "/" : "",
             b->prefix, b->endpoint, b->key ? "Shared Key" : "SAS");
    return 0;
}
