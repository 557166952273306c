/* store_az.c -- the Azure Blob Storage store: Shared Key or SAS, conditional Put Blob,
 * curl multi, retries.
 *
 * azblob://account/container[/prefix]. Requests are the Blob REST API at a pinned
 * x-ms-version (AZ_VERSION): Put Blob (BlockBlob, one request up to the service's
 * single-put limit), Get Blob, Get Blob Properties (HEAD), Delete Blob, List Blobs and
 * Set Blob Service Properties (CORS). Each attempt is signed when it starts (x-ms-date
 * must be within 15 minutes of the server's clock, and bulk runs or back-offs can be
 * long); the signing itself is azrest.c. Shared Key does not cover the body, so every
 * Put Blob carries Content-MD5, which the service checks.
 *
 * Every request runs on one curl multi handle, so sequential calls reuse the kept-alive
 * connection and bulk calls keep many in flight. The runner, retries and the lost-race
 * rule ("read back, then retry or CONFLICT") follow store_s3.c; issue 13 moves both onto
 * one shared HTTP client layer.
 *
 * Nothing of ours is attached to a blob but its bytes and the Content-Type and
 * Cache-Control properties (no x-ms-meta-*): whoever may read the container sees no
 * metadata of the writer. An ambiguous conditional Put Blob is recognised as ours by the
 * blob's Content-MD5 property (Azure ETags are not MD5s; the MD5 of a Put Blob is kept). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include "anchord/store/azrest.h"
#include "anchord/store/s3xml.h"
#include "anchord/store/store_impl.h"

#define AZ_VERSION      "2024-11-04"    /* x-ms-version: pinned (Azurite 3.35.0 knows it) */
#define AZ_ERRBODY_MAX  16384
#define AZ_LIST_MAX     (8u << 20)
#define AZ_LIST_PAGE    "1000"          /* maxresults: pages as small as S3's */
#define AZ_BACKOFF_MS   100
#define AZ_BACKOFF_CAP  2000
#define AZ_MAXHDR       12

typedef struct azBe {
    char *account, *container, *prefix;   /* prefix without leading/trailing '/', may be "" */
    char *endpoint;          /* scheme://host[:port][/path], no trailing '/' */
    const char *epath;       /* the endpoint's path ("" or "/devstoreaccount1"), in endpoint */
    unsigned char *key;      /* decoded account key (Shared Key), or NULL */
    size_t keylen;
    char *sas;               /* SAS query without '?', or NULL */
    const char *keyFrom;     /* the setting the credentials came from, for messages */
    int retries;             /* extra attempts after a transient failure */
    int trace;               /* $WA_STORE_TRACE: one stderr line per HTTP exchange */
    CURLM *multi;
    CURL **easy;             /* handle pool, grown up to the parallelism */
    int neasy;
} azBe;

/* One HTTP exchange, possibly attempted several times. */
typedef struct azCall {
    const char *method;      /* GET HEAD PUT DELETE */
    char *url;               /* without the SAS: for messages and traces */
    char *fullUrl;           /* what is sent (with the SAS when there is one) */
    char *canon;             /* canonicalized resource (Shared Key) */
    const char *key;         /* for messages */
    const unsigned char *body;
    size_t len, pos;
    storeCond cond;
    azHdr hdr[AZ_MAXHDR];    /* names are literals, values malloc'd */
    size_t nhdr;
    struct curl_slist *sent; /* this attempt's header lines (signed) */
    buf *out;                /* 2xx body goes here (GET), bounded by max */
    size_t max;
    int tooBig;
    buf errBody;             /* non-2xx body (Azure error XML), bounded */
    long status;
    CURLcode cc;
    char etag[STORE_ETAG_MAX];
    char code[64];           /* x-ms-error-code */
    char md5[25];            /* PUT: base64 MD5 of the body, sent as Content-MD5 */
    char gotMd5[25];         /* HEAD/GET: the blob's Content-MD5 property */
    char cerr[CURL_ERROR_SIZE];
    int attempts;
    int ambiguous;           /* conditional put whose outcome is unknown: read back */
    long long notBefore;     /* ms, monotonic */
    CURL *h;
} azCall;

static pthread_once_t curlOnce = PTHREAD_ONCE_INIT;
static void curlInit(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static long long nowMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* backoffMs: full-jitter exponential back-off for attempt n (1-based). */
static long long backoffMs(int n) {
    long long cap = (long long)AZ_BACKOFF_MS << (n < 5 ? n : 5);
    if (cap > AZ_BACKOFF_CAP) cap = AZ_BACKOFF_CAP;
    return 10 + randombytes_uniform((uint32_t)cap);
}

/* encodeTo: append s with every byte outside A-Za-z0-9-._~ (and '/' when keepSlash)
 * percent-encoded: paths and query values are sent, and signed, in this one form. */
static int encodeTo(buf *b, const char *s, int keepSlash) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int plain = isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || (keepSlash && c == '/');
        if ((plain ? bufPutc(b, c) : bufPrintf(b, "%%%02X", c)) < 0) return -1;
    }
    return 0;
}

/* ---- curl callbacks ---- */

static size_t onRead(char *dst, size_t size, size_t nmemb, void *ud) {
    azCall *c = ud;
    size_t n = size * nmemb, left = c->len - c->pos;
    if (n > left) n = left;
    memcpy(dst, c->body + c->pos, n);
    c->pos += n;
    return n;
}

/* onSeek: curl rewinds the body when it resends on a reused connection that had died. */
static int onSeek(void *ud, curl_off_t off, int origin) {
    azCall *c = ud;
    if (origin != SEEK_SET || off < 0 || (size_t)off > c->len) return CURL_SEEKFUNC_FAIL;
    c->pos = (size_t)off;
    return CURL_SEEKFUNC_OK;
}

static size_t onWrite(char *p, size_t size, size_t nmemb, void *ud) {
    azCall *c = ud;
    size_t n = size * nmemb;
    long code = 0;
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && code < 300) {
        if (!c->out) return n;
        if (c->out->len + n > c->max) { c->tooBig = 1; return 0; }
        return bufAppend(c->out, p, n) < 0 ? 0 : n;
    }
    if (c->errBody.len + n <= AZ_ERRBODY_MAX) bufAppend(&c->errBody, p, n);
    return n;
}

/* hdrCopy: the value of header line p (n bytes) after its name (nl bytes incl. ':'),
 * trimmed, into out (outlen); nothing when it does not fit. */
static void hdrCopy(char *out, size_t outlen, const char *p, size_t n, size_t nl) {
    p += nl; n -= nl;
    while (n && (*p == ' ' || *p == '\t')) { p++; n--; }
    while (n && strchr(" \t\r\n", p[n - 1])) n--;
    if (n < outlen) { memcpy(out, p, n); out[n] = 0; }
}

static size_t onHeader(char *p, size_t size, size_t nmemb, void *ud) {
    azCall *c = ud;
    size_t n = size * nmemb;
    if (n >= 5 && !strncmp(p, "HTTP/", 5)) c->etag[0] = c->code[0] = c->gotMd5[0] = 0;   /* a new response */
    else if (n > 5 && !strncasecmp(p, "etag:", 5)) storeEtagCopy(c->etag, p + 5, n - 5);
    else if (n > 16 && !strncasecmp(p, "x-ms-error-code:", 16)) hdrCopy(c->code, sizeof c->code, p, n, 16);
    else if (n > 12 && !strncasecmp(p, "content-md5:", 12)) hdrCopy(c->gotMd5, sizeof c->gotMd5, p, n, 12);
    return n;
}

/* ---- calls ---- */

/* callHeader: add a (signed) request header; value is copied. */
static int callHeader(azCall *c, const char *name, const char *value) {
    if (c->nhdr >= AZ_MAXHDR) return -1;
    char *v = strdup(value);
    if (!v) return -1;
    c->hdr[c->nhdr++] = (azHdr){name, v};
    return 0;
}

/* callInit: a call for method on the blob key (NULL: the container itself, "" with
 * service: the account) with an optional raw query (already encoded). */
static int callInit(azBe *b, azCall *c, const char *method, const char *key, int service,
                    const char *query, const void *body, size_t len) {
    memset(c, 0, sizeof *c);
    c->method = method;
    c->key = key ? key : service ? "(service)" : "(container)";
    c->body = body;
    c->len = len;
    buf path = BUF_INIT, u = BUF_INIT, canon = BUF_INIT;
    int rc = bufPuts(&path, b->epath);
    if (service) rc |= bufPutc(&path, '/');
    else {
        rc |= bufPrintf(&path, "/%s", b->container);
        if (key) {
            rc |= bufPutc(&path, '/');
            if (*b->prefix) rc |= encodeTo(&path, b->prefix, 1) | bufPutc(&path, '/');
            rc |= encodeTo(&path, key, 1);
        }
    }
    if (rc == 0) {
        size_t hostEnd = (size_t)(b->epath - b->endpoint);
        rc = bufPrintf(&u, "%.*s%s%s%s", (int)hostEnd, b->endpoint, (char *)path.p, query ? "?" : "", query ? query : "");
    }
    if (rc == 0 && b->key) rc = azCanonResource(&canon, b->account, (char *)path.p, query, NULL);
    if (rc == 0) {
        c->url = bufDetach(&u);
        buf f = BUF_INIT;
        rc = bufPrintf(&f, "%s%s%s", c->url, !b->sas ? "" : query ? "&" : "?", b->sas ? b->sas : "");
        c->fullUrl = bufDetach(&f);
        c->canon = bufDetach(&canon);
        rc |= !c->url || !c->fullUrl ? -1 : 0;
    }
    bufFree(&path); bufFree(&u); bufFree(&canon);
    if (rc == 0) rc = callHeader(c, "x-ms-version", AZ_VERSION);
    return rc < 0 ? -1 : 0;
}

static void callFreeSent(azCall *c) {
    for (struct curl_slist *l = c->sent; l; l = l->next) sodium_memzero(l->data, strlen(l->data));
    curl_slist_free_all(c->sent);
    c->sent = NULL;
}

static void callFree(azCall *c) {
    callFreeSent(c);
    for (size_t i = 0; i < c->nhdr; i++) free((char *)c->hdr[i].value);
    c->nhdr = 0;
    free(c->url);
    if (c->fullUrl) sodium_memzero(c->fullUrl, strlen(c->fullUrl));   /* holds the SAS */
    free(c->fullUrl);
    free(c->canon);
    bufFree(&c->errBody);
    c->url = c->fullUrl = c->canon = NULL;
}

/* callSign: this attempt's header lines: the call's headers, x-ms-date now, the Shared
 * Key Authorization (when signing with a key), and an empty Expect (no 100-continue
 * round trip: Expect is not signed). -1 when out of memory. */
static int callSign(azBe *b, azCall *c) {
    callFreeSent(c);
    char date[AZ_DATE_MAX], line[STORE_KEY_MAX + 128];
    azHttpDate(time(NULL), date);
    azHdr h[AZ_MAXHDR + 1];
    memcpy(h, c->hdr, c->nhdr * sizeof *h);
    h[c->nhdr] = (azHdr){"x-ms-date", date};
    size_t n = c->nhdr + 1;
    struct curl_slist *l = NULL, *t;
    for (size_t i = 0; i < n; i++) {
        snprintf(line, sizeof line, "%s: %s", h[i].name, h[i].value);
        if (!(t = curl_slist_append(l, line))) goto oom;
        l = t;
    }
    if (!(t = curl_slist_append(l, "Expect:"))) goto oom;
    l = t;
    if (b->key) {
        buf sts = BUF_INIT;
        char sig[AZ_SIG_MAX];
        size_t clen = !strcmp(c->method, "PUT") ? c->len : 0;
        if (azStringToSign(&sts, c->method, h, n, clen, c->canon, NULL) < 0) { bufFree(&sts); goto oom; }
        azSignature(b->key, b->keylen, (char *)sts.p, sts.len, sig);
        bufFree(&sts);
        snprintf(line, sizeof line, "Authorization: SharedKey %s:%s", b->account, sig);
        t = curl_slist_append(l, line);
        sodium_memzero(line, sizeof line);
        if (!t) goto oom;
        l = t;
    }
    c->sent = l;
    return 0;
oom:
    c->sent = l;
    callFreeSent(c);
    return -1;
}

/* callSetup: (re)configure a pooled easy handle for one attempt of c; -1 if it cannot
 * be signed (out of memory: the caller ends the call as a curl error). */
static int callSetup(azBe *b, azCall *c, CURL *h) {
    curl_easy_reset(h);
    c->h = h;
    c->pos = 0;
    c->status = 0;
    c->cc = CURLE_OK;
    c->tooBig = 0;
    c->etag[0] = c->cerr[0] = c->gotMd5[0] = c->code[0] = 0;
    bufReset(&c->errBody);
    if (c->out) bufReset(c->out);
    if (callSign(b, c) < 0) return -1;
    curl_easy_setopt(h, CURLOPT_URL, c->fullUrl);
    curl_easy_setopt(h, CURLOPT_PRIVATE, c);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->sent);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, onWrite);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->cerr);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);     /* stalled for 30 s = timeout; */
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);     /* big objects may take long */
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "witness-anchor-store/1");
    if (!strcmp(c->method, "PUT")) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, onRead);
        curl_easy_setopt(h, CURLOPT_READDATA, c);
        curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, onSeek);
        curl_easy_setopt(h, CURLOPT_SEEKDATA, c);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)c->len);
    } else if (!strcmp(c->method, "HEAD")) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(c->method, "GET")) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
    }
    return 0;
}

/* transient: whether a failed attempt is worth repeating; sets c->ambiguous when a
 * conditional put may or may not have been applied (the caller reads back instead).
 * 409 BlobAlreadyExists is a definite answer (the blob was there before); any other
 * 409 on a conditional put is treated like a 5xx, as the store contract says. */
static int transient(azCall *c) {
    int conditional = !strcmp(c->method, "PUT") && c->cond != STORE_PUT_ANY;
    if (c->cc == CURLE_COULDNT_CONNECT || c->cc == CURLE_COULDNT_RESOLVE_HOST)
        return 1;                                   /* nothing was sent: always safe */
    int failed = c->tooBig ? 0 : c->cc != CURLE_OK ? 1
               : c->status >= 500 || c->status == 408 || c->status == 429;
    int lost409 = c->status == 409 && strcmp(c->code, "BlobAlreadyExists");
    if (conditional && (failed || lost409)) { c->ambiguous = 1; return 0; }
    return failed;
}

/* azRun: perform calls with up to parallel in flight, retrying transient failures with
 * jittered back-off; each attempt is signed when it starts. Results are in each call's
 * status/cc/etag/code/ambiguous. */
static void azRun(azBe *b, azCall **calls, size_t n, int parallel) {
    if ((size_t)parallel > n) parallel = (int)n;
    if (parallel > 256) parallel = 256;
    if (parallel < 1) return;
    if (parallel > b->neasy) {
        CURL **e = realloc(b->easy, (size_t)parallel * sizeof *e);
        if (!e) parallel = b->neasy; else b->easy = e;
        while (b->neasy < parallel && (b->easy[b->neasy] = curl_easy_init())) b->neasy++;
        parallel = b->neasy;
        if (parallel < 1) return;
    }
    curl_multi_setopt(b->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)parallel);
    curl_multi_setopt(b->multi, CURLMOPT_MAXCONNECTS, (long)(parallel > 8 ? parallel : 8));
    int freeIdx[256], nfree = 0, active = 0;
    for (int i = parallel - 1; i >= 0; i--) freeIdx[nfree++] = i;
    azCall **delayed = calloc(n, sizeof *delayed);
    size_t next = 0, ndelayed = 0, done = 0;
    for (size_t i = 0; i < n; i++) calls[i]->attempts = 0;
    while (done < n) {
        long long now = nowMs(), wake = now + 100;
        /* Start delayed retries that are due, then fresh calls, while handles are free. */
        while (nfree > 0) {
            azCall *c = NULL;
            for (size_t i = 0; !c && i < ndelayed; i++) {
                if (delayed[i]->notBefore <= now) { c = delayed[i]; delayed[i] = delayed[--ndelayed]; }
                else if (delayed[i]->notBefore < wake) wake = delayed[i]->notBefore;
            }
            if (!c && next < n) c = calls[next++];
            if (!c) break;
            CURL *h = b->easy[freeIdx[nfree - 1]];
            c->attempts++;
            if (callSetup(b, c, h) < 0) { c->cc = CURLE_OUT_OF_MEMORY; c->h = NULL; done++; continue; }
            nfree--;
            curl_multi_add_handle(b->multi, h);
            active++;
        }
        int running = 0;
        curl_multi_perform(b->multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(b->multi, &left))) {
            if (m->msg != CURLMSG_DONE) continue;
            CURL *h = m->easy_handle;
            azCall *c = NULL;
            curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&c);
            c->cc = m->data.result;
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c->status);
            curl_multi_remove_handle(b->multi, h);
            active--;
            for (int i = 0; i < b->neasy; i++) if (b->easy[i] == h) freeIdx[nfree++] = i;
            c->h = NULL;
            if (b->trace) {
                long conns = 0;     /* 0 = the request went over a kept-alive connection */
                curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &conns);
                fprintf(stderr, "az %s %s -> %ld%s%s%s (attempt %d, new connections %ld)\n", c->method, c->url,
                        c->status, *c->code ? " " : "", c->code, c->cc ? " curl error" : "", c->attempts, conns);
            }
            if (delayed && transient(c) && c->attempts <= b->retries) {
                c->notBefore = nowMs() + backoffMs(c->attempts);
                delayed[ndelayed++] = c;
            } else {
                done++;
            }
        }
        if (done < n && active > 0) {
            long long t = wake - nowMs();
            curl_multi_poll(b->multi, NULL, 0, t < 1 ? 1 : t > 100 ? 100 : (int)t, NULL);
        } else if (done < n) {
            long long t = wake - nowMs();
            if (t > 0) { struct timespec ts = {t / 1000, (t % 1000) * 1000000}; nanosleep(&ts, NULL); }
        }
    }
    free(delayed);
}

/* azRun1: one call, sequentially (still on the shared multi handle: connection reuse). */
static void azRun1(azBe *b, azCall *c) { azRun(b, &c, 1, 1); }

/* hintFor: what to check for a well-known Azure error code. */
static const char *hintFor(const char *code) {
    static const struct { const char *code, *hint; } h[] = {
        {"AuthenticationFailed", "signature or SAS rejected: check the account key or SAS token"},
        {"AuthorizationFailure", "refused: a wrong key or SAS (Azurite says so for a bad signature), "
                                 "or the credentials may not do this (network rules)"},
        {"AuthorizationPermissionMismatch", "the SAS or role lacks this permission"},
        {"AuthorizationResourceTypeMismatch", "the SAS lacks this resource type (srt=sco)"},
        {"AuthorizationServiceMismatch", "the SAS is not for the blob service (ss=b)"},
        {"ContainerNotFound", "the container does not exist: create it or fix the azblob:// URL"},
        {"ResourceNotFound", "no such account or container: check the azblob:// URL and the endpoint"},
        {"AccountIsDisabled", "the storage account is disabled"},
        {"InvalidHeaderValue", "the server refused a header (x-ms-version " AZ_VERSION " unknown to it?)"},
        {"RequestTimeTooSkewed", "the clock of this machine is off"},
        {"Md5Mismatch", "the body was changed in transit"},
    };
    for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) if (!strcmp(code, h[i].code)) return h[i].hint;
    return NULL;
}

/* errCode: the Azure error code of a failed call: x-ms-error-code, else the XML <Code>. */
static const char *errCode(azCall *c) {
    if (!*c->code) s3xmlTag(c->errBody.p ? (char *)c->errBody.p : NULL, "Code", c->code, sizeof c->code);
    return c->code;
}

/* callError: one line saying why c failed. */
static int callError(azBe *b, azCall *c, char *err) {
    if (c->tooBig) return errSet(err, "az %s %s: object larger than the limit of %zu bytes", c->method, c->key, c->max);
    if (c->cc != CURLE_OK)
        return errSet(err, "az %s %s: cannot reach %s: %s (%d attempts)", c->method, c->key, b->endpoint,
                      c->cerr[0] ? c->cerr : curl_easy_strerror(c->cc), c->attempts);
    const char *code = errCode(c), *hint = hintFor(code);
    int auth = !strcmp(code, "AuthenticationFailed") || !strcmp(code, "AuthorizationFailure");
    return errSet(err, "az %s %s/%s: HTTP %ld%s%s%s%s%s%s", c->method, b->container, c->key, c->status,
                  *code ? " " : "", code, hint ? ": " : "", hint ? hint : "", auth ? " from " : "", auth ? b->keyFrom : "");
}

/* ---- operations ---- */

/* getDecide: STORE_OK / STORE_NOTFOUND / STORE_ERR for a finished GET or HEAD. Only
 * 404 BlobNotFound is "not found": a missing container or account is an error. */
static int getDecide(azBe *b, azCall *c, char *etag, char *err) {
    if (c->tooBig) return STORE_TOOLARGE;   /* store.h: over the caller's max, nothing returned */
    if (c->cc == CURLE_OK && c->status == 200) {
        if (etag) memcpy(etag, c->etag, STORE_ETAG_MAX);
        return STORE_OK;
    }
    if (c->cc == CURLE_OK && c->status == 404 && !strcmp(errCode(c), "BlobNotFound")) return STORE_NOTFOUND;
    return callError(b, c, err);
}

static int azGet(store *s, const char *key, size_t max, buf *body, char *etag, char *err) {
    azBe *b = s->be;
    azCall c;
    buf tmp = BUF_INIT;
    if (callInit(b, &c, "GET", key, 0, NULL, NULL, 0) < 0) { callFree(&c); return errSet(err, "out of memory"); }
    c.out = body ? body : &tmp;
    c.max = max;
    azRun1(b, &c);
    int rc = getDecide(b, &c, etag, err);
    if ((rc == STORE_NOTFOUND || rc == STORE_TOOLARGE) && body) bufReset(body);
    bufFree(&tmp);
    callFree(&c);
    return rc;
}

/* putInit: a Put Blob call with the headers for key and its condition. */
static int putInit(azBe *b, azCall *c, const char *key, const void *data, size_t len,
                   storeCond cond, const char *ifMatch) {
    if (callInit(b, c, "PUT", key, 0, NULL, data, len) < 0) return -1;
    c->cond = cond;
    unsigned char md5[16];
    unsigned int l = 0;
    if (!EVP_Digest(data ? data : "", len, md5, &l, EVP_md5(), NULL)) return -1;
    EVP_EncodeBlock((unsigned char *)c->md5, md5, 16);
    int rc = callHeader(c, "x-ms-blob-type", "BlockBlob");
    rc |= callHeader(c, "x-ms-blob-content-type", storeContentType(key));
    rc |= callHeader(c, "x-ms-blob-cache-control", storeCacheControl(key));
    rc |= callHeader(c, "Content-MD5", c->md5);
    if (cond == STORE_PUT_IF_ABSENT) rc |= callHeader(c, "If-None-Match", "*");
    if (cond == STORE_PUT_IF_MATCH) {
        char q[STORE_ETAG_MAX + 2];
        snprintf(q, sizeof q, "\"%s\"", ifMatch);
        rc |= callHeader(c, "If-Match", q);
    }
    return rc;
}

/* putOutcome: STORE_OK / STORE_CONFLICT / STORE_ERR for a finished, unambiguous PUT.
 * 412 ConditionNotMet (If-Match stale, or If-Match on a missing blob on Azurite), 409
 * BlobAlreadyExists (If-None-Match: *) and 404 BlobNotFound on If-Match are lost races. */
static int putOutcome(azBe *b, azCall *c, char *newEtag, char *err) {
    if (c->cc == CURLE_OK && c->status >= 200 && c->status < 300) {
        memcpy(newEtag, c->etag, STORE_ETAG_MAX);
        return STORE_OK;
    }
    if (c->cc != CURLE_OK) return callError(b, c, err);
    const char *code = errCode(c);
    if (c->status == 412 && c->cond != STORE_PUT_ANY) return STORE_CONFLICT;
    if (c->status == 409 && c->cond == STORE_PUT_IF_ABSENT && !strcmp(code, "BlobAlreadyExists")) return STORE_CONFLICT;
    if (c->status == 404 && c->cond == STORE_PUT_IF_MATCH && !strcmp(code, "BlobNotFound")) return STORE_CONFLICT;
    return callError(b, c, err);
}

/* azHead: ETag and Content-MD5 property (base64) of key. STORE_OK/NOTFOUND/ERR. */
static int azHead(azBe *b, const char *key, char *etag, char md5[25], char *err) {
    azCall c;
    if (callInit(b, &c, "HEAD", key, 0, NULL, NULL, 0) < 0) { callFree(&c); return errSet(err, "out of memory"); }
    azRun1(b, &c);
    int rc = getDecide(b, &c, etag, err);
    memcpy(md5, c.gotMd5, sizeof c.gotMd5);
    callFree(&c);
    return rc;
}

/* holdsOurs: the blob's Content-MD5 property is the MD5 of our body: Put Blob keeps the
 * Content-MD5 it checked, so the blob holds exactly our bytes (store.h: identical bytes
 * are one outcome; a writer that must know it won makes its bytes unique). A blob without
 * the property never matches: at worst a needless CONFLICT, never a lost write. */
static int holdsOurs(const azCall *c, const char *md5) { return c->md5[0] && !strcmp(md5, c->md5); }

/* resolve: after an ambiguous conditional PUT (409, 5xx, timeout), look at the blob.
 * It holds our bytes (holdsOurs) -> OK: our write landed, or another writer's identical
 * bytes did, which is the same object. Returns OK, 1 (unchanged: retry the PUT),
 * CONFLICT (other bytes) or ERR. */
static int resolve(azBe *b, azCall *c, const char *ifMatch, char *newEtag, char *err) {
    char etag[STORE_ETAG_MAX] = "", md5[sizeof c->md5] = "";
    int rc = azHead(b, c->key, etag, md5, err);
    if (rc == STORE_ERR) return rc;
    if (rc == STORE_OK && holdsOurs(c, md5)) { memcpy(newEtag, etag, STORE_ETAG_MAX); return STORE_OK; }
    if (rc == STORE_NOTFOUND) return c->cond == STORE_PUT_IF_ABSENT ? 1 : STORE_CONFLICT;
    return c->cond == STORE_PUT_IF_MATCH && !strcmp(etag, ifMatch) ? 1 : STORE_CONFLICT;
}

/* putFinish: settle a finished PUT: read back and retry while it is ambiguous ("read
 * again, then retry"); after such a retry a 412/409 may be our own earlier attempt
 * landing late, so a CONFLICT is checked against our bytes (holdsOurs) once more. */
static int putFinish(azBe *b, azCall *c, const char *ifMatch, char *newEtag, char *err) {
    int rounds = 0;
    for (; c->ambiguous; rounds++) {
        int rc = resolve(b, c, ifMatch, newEtag, err);
        if (rc != 1) return rc;
        if (rounds >= b->retries) return callError(b, c, err);
        long long t = backoffMs(rounds + 1);
        struct timespec ts = {t / 1000, (t % 1000) * 1000000};
        nanosleep(&ts, NULL);
        c->ambiguous = 0;
        azRun1(b, c);
    }
    int rc = putOutcome(b, c, newEtag, err);
    if (rc == STORE_CONFLICT && rounds > 0) {
        char etag[STORE_ETAG_MAX], md5[sizeof c->md5];
        if (azHead(b, c->key, etag, md5, err) == STORE_OK && holdsOurs(c, md5)) {
            memcpy(newEtag, etag, STORE_ETAG_MAX);
            return STORE_OK;
        }
    }
    return rc;
}

static int azPut(store *s, const char *key, const void *data, size_t len, storeCond cond,
                 const char *ifMatch, char *newEtag, char *err) {
    azBe *b = s->be;
    azCall c;
    if (putInit(b, &c, key, data, len, cond, ifMatch) < 0) { callFree(&c); return errSet(err, "out of memory"); }
    azRun1(b, &c);
    int rc = putFinish(b, &c, ifMatch, newEtag, err);
    callFree(&c);
    return rc;
}

/* azMany: n requests in flight at once (curl multi, reused connections): prep sets up
 * call i from request i, done reads its answer back and says whether it failed.
 * Returns the number of failed requests, or -1 + err when nothing could be started. */
typedef int (*azPrep)(azBe *b, azCall *c, void *req);
typedef int (*azDone)(azBe *b, azCall *c, void *req);
static int azMany(store *s, void *reqs, size_t size, size_t n, azPrep prep, azDone done, char *err) {
    azBe *b = s->be;
    azCall *calls = calloc(n ? n : 1, sizeof *calls);
    azCall **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    if (!calls || !ptrs) { free(calls); free(ptrs); return errSet(err, "out of memory"); }
    size_t ok = 0;
    for (; ok < n; ok++) {
        if (prep(b, &calls[ok], (char *)reqs + ok * size) < 0) break;
        ptrs[ok] = &calls[ok];
    }
    int failed = 0;
    if (ok < n) {
        failed = errSet(err, "out of memory");
        n = ok + 1;   /* the call whose set-up failed is freed too */
    } else {
        azRun(b, ptrs, n, s->parallel);
        for (size_t i = 0; i < n; i++) failed += done(b, &calls[i], (char *)reqs + i * size);
    }
    for (size_t i = 0; i < n; i++) callFree(&calls[i]);
    free(calls);
    free(ptrs);
    return failed;
}

static int putPrep(azBe *b, azCall *c, void *req) {
    storeReq *r = req;
    return putInit(b, c, r->key, r->data, r->len, r->cond, r->ifMatch);
}

static int putDone(azBe *b, azCall *c, void *req) {
    storeReq *r = req;
    r->rc = putFinish(b, c, r->ifMatch, r->etag, r->err);
    return r->rc == STORE_ERR;
}

static int azPutMany(store *s, storeReq *reqs, size_t n, char *err) {
    return azMany(s, reqs, sizeof *reqs, n, putPrep, putDone, err);
}

static int getPrep(azBe *b, azCall *c, void *req) {
    storeGetReq *r = req;
    if (callInit(b, c, "GET", r->key, 0, NULL, NULL, 0) < 0) return -1;
    c->out = &r->body;
    c->max = r->max;
    return 0;
}

static int getDone(azBe *b, azCall *c, void *req) {
    storeGetReq *r = req;
    r->rc = getDecide(b, c, r->etag, r->err);
    if (r->rc == STORE_NOTFOUND || r->rc == STORE_TOOLARGE) bufReset(&r->body);
    return r->rc == STORE_ERR;
}

static int azGetMany(store *s, storeGetReq *reqs, size_t n, char *err) {
    return azMany(s, reqs, sizeof *reqs, n, getPrep, getDone, err);
}

static int azDel(store *s, const char *key, char *err) {
    azBe *b = s->be;
    azCall c;
    if (callInit(b, &c, "DELETE", key, 0, NULL, NULL, 0) < 0) { callFree(&c); return errSet(err, "out of memory"); }
    azRun1(b, &c);
    int rc = c.cc == CURLE_OK && (c.status == 202 || c.status == 200 || (c.status == 404 && !strcmp(errCode(&c), "BlobNotFound")))
           ? STORE_OK : callError(b, &c, err);
    callFree(&c);
    return rc;
}

static int azList(store *s, const char *prefix, storeListFn *fn, void *ctx, char *err) {
    azBe *b = s->be;
    char marker[4096] = "";
    buf full = BUF_INIT;
    bufPrintf(&full, "%s%s%s", b->prefix, *b->prefix ? "/" : "", prefix);
    int rc = full.p ? STORE_OK : errSet(err, "out of memory");
    while (rc == STORE_OK) {
        buf q = BUF_INIT, page = BUF_INIT;
        bufPuts(&q, "restype=container&comp=list&maxresults=" AZ_LIST_PAGE "&prefix=");
        encodeTo(&q, (char *)full.p, 0);
        if (*marker) { bufPuts(&q, "&marker="); encodeTo(&q, marker, 0); }
        azCall c = {0};
        if (!q.p || callInit(b, &c, "GET", NULL, 0, (char *)q.p, NULL, 0) < 0) {
            rc = errSet(err, "out of memory");
        } else {
            c.out = &page;
            c.max = AZ_LIST_MAX;
            azRun1(b, &c);
            if (c.cc != CURLE_OK || c.status != 200) rc = callError(b, &c, err);
            else {
                int r = azListPage((char *)page.p, *b->prefix ? strlen(b->prefix) + 1 : 0, fn, ctx, marker, sizeof marker);
                if (r < 0) rc = errSet(err, "az list %s: malformed List Blobs answer", b->container);
                if (r != 0) marker[0] = 0;
            }
        }
        callFree(&c);
        bufFree(&q);
        bufFree(&page);
        if (!*marker) break;
    }
    bufFree(&full);
    return rc;
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
    azCall c;
    int rc = callInit(b, &c, "PUT", NULL, 1, "restype=service&comp=properties", corsXml, sizeof corsXml - 1);
    if (rc == 0) rc = callHeader(&c, "Content-Type", "application/xml");
    if (rc < 0) { callFree(&c); return errSet(err, "out of memory"); }
    azRun1(b, &c);
    rc = c.cc == CURLE_OK && c.status == 202 ? STORE_OK : callError(b, &c, err);
    callFree(&c);
    return rc;
}

/* azCors: storeSetCors (store.h), as on S3: read the blob service's CORS rules (Get Blob
 * Service Properties); none -> set ours; one that lets any origin GET and read the ETag
 * -> OK, untouched; only others -> refuse, leaving them as they are (they are the whole
 * account's: other containers' readers may depend on them). */
static int azCors(store *s, char *err) {
    azBe *b = s->be;
    buf conf = BUF_INIT;
    azCall c;
    if (callInit(b, &c, "GET", NULL, 1, "restype=service&comp=properties", NULL, 0) < 0) {
        callFree(&c);
        return errSet(err, "out of memory");
    }
    c.out = &conf;
    c.max = 64 * 1024;
    azRun1(b, &c);
    int rc, open = 0;
    if (c.cc != CURLE_OK || c.status != 200) rc = callError(b, &c, err);
    else {
        int n = azCorsRules(conf.p ? (char *)conf.p : NULL, &open);
        rc = n < 0 ? errSet(err, "az account %s: malformed Get Blob Service Properties answer", b->account)
           : open ? STORE_OK
           : n > 0 ? errSet(err, "account %s: the blob service has CORS rules, none of which lets any origin GET and "
                                 "read the ETag: add one (docs/azure.md) or remove them so that it is set", b->account)
           : corsPut(b, err);
    }
    bufFree(&conf);
    callFree(&c);
    return rc;
}

static void azClose(store *s) {
    azBe *b = s->be;
    if (!b) return;
    for (int i = 0; i < b->neasy; i++) curl_easy_cleanup(b->easy[i]);
    free(b->easy);
    if (b->multi) curl_multi_cleanup(b->multi);
    free(b->account); free(b->container); free(b->prefix); free(b->endpoint);
    if (b->key) { sodium_memzero(b->key, b->keylen); free(b->key); }
    if (b->sas) { sodium_memzero(b->sas, strlen(b->sas)); free(b->sas); }
    free(b);
    s->be = NULL;
}

static const storeOps azOps = {
    azGet, azPut, azPutMany, azList, azDel, azCors, NULL, azClose, azGetMany,
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

int storeAzOpen(store *s, const char *rest, char *err) {
    pthread_once(&curlOnce, curlInit);
    azBe *b = calloc(1, sizeof *b);
    if (!b) return errSet(err, "out of memory");
    s->be = b;
    s->ops = &azOps;
    int rc = azUrlSplit(rest, &b->account, &b->container, &b->prefix, err);
    if (rc == 0) {
        const char *cs = envGet("AZURE_STORAGE_CONNECTION_STRING");
        rc = cs ? fromConnString(b, cs, err) : fromEnv(b, err);
    }
    if (rc == 0 && !(b->multi = curl_multi_init())) rc = errSet(err, "curl_multi_init failed");
    if (rc < 0) { azClose(s); return -1; }
    const char *r = envGet("WA_STORE_RETRIES");
    b->retries = r ? atoi(r) : 5;
    if (b->retries < 0 || b->retries > 20) b->retries = 5;
    b->trace = envGet("WA_STORE_TRACE") != NULL;
    snprintf(s->desc, sizeof s->desc, "azblob://%s/%s%s%s (%s, %s)", b->account, b->container, *b->prefix ? "/" : "",
             b->prefix, b->endpoint, b->key ? "Shared Key" : "SAS");
    return 0;
}
