/* store_s3.c -- the S3 store: libcurl SigV4, conditional PUTs, curl multi, retries.
 *
 * Signing is libcurl's CURLOPT_AWS_SIGV4. libcurl 7.88 signs every header we add and
 * takes the path and query of the URL as they are, so this file (a) always sends
 * x-amz-content-sha256 with the real payload hash (radosgw rejects requests without it,
 * and 7.88 would hash an upload body as empty), (b) builds URLs already in canonical form
 * (each byte outside A-Za-z0-9-._~ percent-encoded, query parameters sorted), and
 * (c) never adds an empty "Expect:" header (it would be signed, and the server never
 * sees it: 403). Every request runs on one curl multi handle, so sequential calls reuse
 * the kept-alive connection and bulk puts keep many requests in flight.
 *
 * Nothing of ours is attached to an object but its bytes and the Content-Type and
 * Cache-Control headers: whoever may read the bucket sees no metadata of the writer. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include "core/hex.h"
#include "anchord/store/s3xml.h"
#include "anchord/store/store_impl.h"

#define S3_ERRBODY_MAX  16384
#define S3_LIST_MAX     (8u << 20)
#define S3_BACKOFF_MS   100
#define S3_BACKOFF_CAP  2000

typedef struct s3Be {
    char *bucket, *prefix;   /* prefix has no leading/trailing '/', may be "" */
    char *base;              /* URL up to the object key: ".../bucket" or "...//bucket.host" */
    char *endpoint;          /* scheme://host[:port], for messages */
    char sigv4[128];         /* "aws:amz:<region>:s3" */
    char *akey, *skey, *token;
    int quoteIfMatch;        /* send If-Match "etag" (AWS) instead of etag (radosgw) */
    int retries;             /* extra attempts after a transient failure */
    int trace;               /* $WA_STORE_TRACE: one stderr line per HTTP exchange */
    CURLM *multi;
    CURL **easy;             /* handle pool, grown up to the parallelism */
    int neasy;
} s3Be;

/* One HTTP exchange, possibly attempted several times. */
typedef struct s3Call {
    const char *method;      /* GET HEAD PUT DELETE */
    char *url;
    const char *key;         /* for messages */
    const unsigned char *body;
    size_t len, pos;
    storeCond cond;
    struct curl_slist *hdrs;
    buf *out;                /* 2xx body goes here (GET), bounded by max */
    size_t max;
    int tooBig;
    buf errBody;             /* non-2xx body (S3 error XML), bounded */
    long status;
    CURLcode cc;
    char etag[STORE_ETAG_MAX];
    char md5[33];            /* PUT: hex MD5 of the body = the ETag S3 gives a single-part PUT */
    char cerr[CURL_ERROR_SIZE];
    int attempts;
    int ambiguous;           /* conditional put whose outcome is unknown: read back */
    long long notBefore;     /* ms, monotonic */
    CURL *h;
} s3Call;

static pthread_once_t curlOnce = PTHREAD_ONCE_INIT;
static void curlInit(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static long long nowMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* backoffMs: full-jitter exponential back-off for attempt n (1-based). */
static long long backoffMs(int n) {
    long long cap = (long long)S3_BACKOFF_MS << (n < 5 ? n : 5);
    if (cap > S3_BACKOFF_CAP) cap = S3_BACKOFF_CAP;
    return 10 + randombytes_uniform((uint32_t)cap);
}

/* encodeTo: append s percent-encoded as SigV4 canonical form wants; keepSlash for paths. */
static int encodeTo(buf *b, const char *s, int keepSlash) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int plain = isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || (keepSlash && c == '/');
        if ((plain ? bufPutc(b, c) : bufPrintf(b, "%%%02X", c)) < 0) return -1;
    }
    return 0;
}

/* objectUrl: malloc'd URL of key (relative to the store prefix), plus an optional
 * canonical query string (already sorted and encoded). */
static char *objectUrl(s3Be *b, const char *key, const char *query) {
    buf u = BUF_INIT;
    int rc = bufPuts(&u, b->base);
    rc |= bufPutc(&u, '/');
    if (*b->prefix) { rc |= encodeTo(&u, b->prefix, 1); if (*key) rc |= bufPutc(&u, '/'); }
    rc |= encodeTo(&u, key, 1);
    if (query) rc |= bufPutc(&u, '?') | bufPuts(&u, query);
    if (rc) { bufFree(&u); return NULL; }
    return bufDetach(&u);
}

/* ---- curl callbacks ---- */

static size_t onRead(char *dst, size_t size, size_t nmemb, void *ud) {
    s3Call *c = ud;
    size_t n = size * nmemb, left = c->len - c->pos;
    if (n > left) n = left;
    memcpy(dst, c->body + c->pos, n);
    c->pos += n;
    return n;
}

/* onSeek: curl rewinds the body when it resends on a reused connection that had died. */
static int onSeek(void *ud, curl_off_t off, int origin) {
    s3Call *c = ud;
    if (origin != SEEK_SET || off < 0 || (size_t)off > c->len) return CURL_SEEKFUNC_FAIL;
    c->pos = (size_t)off;
    return CURL_SEEKFUNC_OK;
}

static size_t onWrite(char *p, size_t size, size_t nmemb, void *ud) {
    s3Call *c = ud;
    size_t n = size * nmemb;
    long code = 0;
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && code < 300) {
        if (!c->out) return n;
        if (c->out->len + n > c->max) { c->tooBig = 1; return 0; }
        return bufAppend(c->out, p, n) < 0 ? 0 : n;
    }
    if (c->errBody.len + n <= S3_ERRBODY_MAX) bufAppend(&c->errBody, p, n);
    return n;
}

static size_t onHeader(char *p, size_t size, size_t nmemb, void *ud) {
    s3Call *c = ud;
    size_t n = size * nmemb;
    if (n >= 5 && !strncmp(p, "HTTP/", 5)) c->etag[0] = 0;     /* a new response (after 100) */
    else if (n > 5 && !strncasecmp(p, "etag:", 5)) storeEtagCopy(c->etag, p + 5, n - 5);
    return n;
}

/* ---- calls ---- */

/* callInit: a call for method on key; body (PUT) is hashed for x-amz-content-sha256. */
static int callInit(s3Be *b, s3Call *c, const char *method, const char *key, const char *query,
                    const void *body, size_t len) {
    memset(c, 0, sizeof *c);
    c->method = method;
    c->key = key;
    c->body = body;
    c->len = len;
    if (!(c->url = objectUrl(b, key, query))) return -1;
    char sha[65], line[128];
    storeSha256Hex(body ? body : "", len, sha);
    snprintf(line, sizeof line, "x-amz-content-sha256: %s", sha);
    if (!(c->hdrs = curl_slist_append(NULL, line))) return -1;
    if (b->token) {
        buf t = BUF_INIT;
        bufPrintf(&t, "x-amz-security-token: %s", b->token);
        struct curl_slist *l = t.p ? curl_slist_append(c->hdrs, (char *)t.p) : NULL;
        bufWipe(&t);
        if (!l) return -1;
    }
    return 0;
}

/* callHeader: add "name: value" to the call's (signed) headers. */
static int callHeader(s3Call *c, const char *name, const char *value) {
    char line[STORE_KEY_MAX + 128];
    snprintf(line, sizeof line, "%s: %s", name, value);
    struct curl_slist *l = curl_slist_append(c->hdrs, line);
    if (!l) return -1;
    c->hdrs = l;
    return 0;
}

static void callFree(s3Call *c) {
    for (struct curl_slist *l = c->hdrs; l; l = l->next) sodium_memzero(l->data, strlen(l->data));
    curl_slist_free_all(c->hdrs);
    free(c->url);
    bufFree(&c->errBody);
    c->hdrs = NULL;
    c->url = NULL;
}

/* callSetup: (re)configure a pooled easy handle for one attempt of c. */
static void callSetup(s3Be *b, s3Call *c, CURL *h) {
    curl_easy_reset(h);
    c->h = h;
    c->pos = 0;
    c->status = 0;
    c->cc = CURLE_OK;
    c->tooBig = 0;
    c->etag[0] = c->cerr[0] = 0;
    bufReset(&c->errBody);
    if (c->out) bufReset(c->out);
    curl_easy_setopt(h, CURLOPT_URL, c->url);
    curl_easy_setopt(h, CURLOPT_PRIVATE, c);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, b->sigv4);
    curl_easy_setopt(h, CURLOPT_USERNAME, b->akey);
    curl_easy_setopt(h, CURLOPT_PASSWORD, b->skey);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->hdrs);
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
}

/* transient: whether a failed attempt is worth repeating; sets c->ambiguous when a
 * conditional put may or may not have been applied (the caller reads back instead). */
static int transient(s3Call *c) {
    int conditional = !strcmp(c->method, "PUT") && c->cond != STORE_PUT_ANY;
    if (c->cc == CURLE_COULDNT_CONNECT || c->cc == CURLE_COULDNT_RESOLVE_HOST)
        return 1;                                   /* nothing was sent: always safe */
    int failed = c->tooBig ? 0 : c->cc != CURLE_OK ? 1
               : c->status >= 500 || c->status == 408 || c->status == 429;
    if (conditional && (failed || c->status == 409)) { c->ambiguous = 1; return 0; }
    return failed;
}

static CURL *easyGet(s3Be *b, int *free, int nfree) {
    return nfree > 0 ? b->easy[free[nfree - 1]] : NULL;
}

/* s3Run: perform calls with up to parallel in flight, retrying transient failures with
 * jittered back-off. Results are in each call's status/cc/etag/ambiguous. */
static void s3Run(s3Be *b, s3Call **calls, size_t n, int parallel) {
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
    s3Call **delayed = calloc(n, sizeof *delayed);
    size_t next = 0, ndelayed = 0, done = 0;
    for (size_t i = 0; i < n; i++) calls[i]->attempts = 0;
    while (done < n) {
        long long now = nowMs(), wake = now + 100;
        /* Start delayed retries that are due, then fresh calls, while handles are free. */
        for (size_t i = 0; i < ndelayed && nfree > 0; ) {
            if (delayed[i]->notBefore <= now) {
                s3Call *c = delayed[i];
                delayed[i] = delayed[--ndelayed];
                CURL *h = easyGet(b, freeIdx, nfree--);
                callSetup(b, c, h);
                c->attempts++;
                curl_multi_add_handle(b->multi, h);
                active++;
            } else {
                if (delayed[i]->notBefore < wake) wake = delayed[i]->notBefore;
                i++;
            }
        }
        while (next < n && nfree > 0) {
            s3Call *c = calls[next++];
            CURL *h = easyGet(b, freeIdx, nfree--);
            callSetup(b, c, h);
            c->attempts++;
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
            s3Call *c = NULL;
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
                fprintf(stderr, "s3 %s %s -> %ld%s%s (attempt %d, new connections %ld)\n", c->method, c->url,
                        c->status, c->cc ? " curl: " : "", c->cc ? curl_easy_strerror(c->cc) : "", c->attempts, conns);
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

/* s3Run1: one call, sequentially (still on the shared multi handle: connection reuse). */
static void s3Run1(s3Be *b, s3Call *c) { s3Run(b, &c, 1, 1); }

/* hintFor: what to check for a well-known S3 error code. */
static const char *hintFor(const char *code) {
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
    for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) if (!strcmp(code, h[i].code)) return h[i].hint;
    return NULL;
}

/* callError: one line saying why c failed. */
static int callError(s3Be *b, s3Call *c, char *err) {
    if (c->tooBig) return errSet(err, "s3 %s %s: object larger than the limit of %zu bytes", c->method, c->key, c->max);
    if (c->cc != CURLE_OK)
        return errSet(err, "s3 %s %s: cannot reach %s: %s (%d attempts)", c->method, c->key, b->endpoint,
                      c->cerr[0] ? c->cerr : curl_easy_strerror(c->cc), c->attempts);
    char code[64] = "", *body = c->errBody.p ? (char *)c->errBody.p : NULL;
    s3xmlTag(body, "Code", code, sizeof code);
    const char *hint = hintFor(code);
    return errSet(err, "s3 %s %s/%s: HTTP %ld%s%s%s%s", c->method, b->bucket, c->key, c->status,
                  *code ? " " : "", code, hint ? ": " : "", hint ? hint : "");
}

/* errCode: the S3 error code of a failed call ("" if none). */
static void errCode(s3Call *c, char *code, size_t n) {
    code[0] = 0;
    s3xmlTag(c->errBody.p ? (char *)c->errBody.p : NULL, "Code", code, n);
}

/* ---- operations ---- */

static int s3Get(store *s, const char *key, size_t max, buf *body, char *etag, char *err) {
    s3Be *b = s->be;
    s3Call c;
    buf tmp = BUF_INIT;
    if (callInit(b, &c, "GET", key, NULL, NULL, 0) < 0) { callFree(&c); return errSet(err, "out of memory"); }
    c.out = body ? body : &tmp;
    c.max = max;
    s3Run1(b, &c);
    int rc;
    char code[64];
    errCode(&c, code, sizeof code);
    if (c.tooBig) {
        rc = STORE_TOOLARGE;
        if (body) bufReset(body);
    } else if (c.cc == CURLE_OK && c.status == 200) {
        rc = STORE_OK;
        if (etag) memcpy(etag, c.etag, STORE_ETAG_MAX);
    } else if (c.cc == CURLE_OK && c.status == 404 && strcmp(code, "NoSuchBucket")) {
        rc = STORE_NOTFOUND;
    } else {
        rc = callError(b, &c, err);
    }
    bufFree(&tmp);
    callFree(&c);
    return rc;
}

/* putInit: a PUT call with the headers for key and its condition. */
static int putInit(s3Be *b, s3Call *c, const char *key, const void *data, size_t len,
                   storeCond cond, const char *ifMatch) {
    if (callInit(b, c, "PUT", key, NULL, data, len) < 0) return -1;
    c->cond = cond;
    int rc = callHeader(c, "Content-Type", storeContentType(key));
    rc |= callHeader(c, "Cache-Control", storeCacheControl(key));
    if (cond != STORE_PUT_ANY) {
        unsigned char md[16];
        unsigned int l = 0;
        if (!EVP_Digest(data ? data : "", len, md, &l, EVP_md5(), NULL)) return -1;
        hexEncode(md, sizeof md, c->md5);
    }
    if (cond == STORE_PUT_IF_ABSENT) rc |= callHeader(c, "If-None-Match", "*");
    if (cond == STORE_PUT_IF_MATCH) {
        char q[STORE_ETAG_MAX + 2];
        snprintf(q, sizeof q, b->quoteIfMatch ? "\"%s\"" : "%s", ifMatch);
        rc |= callHeader(c, "If-Match", q);
    }
    return rc;
}

/* putOutcome: STORE_OK / STORE_CONFLICT / STORE_ERR for a finished, unambiguous PUT. */
static int putOutcome(s3Be *b, s3Call *c, char *newEtag, char *err) {
    char code[64];
    errCode(c, code, sizeof code);
    if (c->cc == CURLE_OK && c->status >= 200 && c->status < 300) {
        memcpy(newEtag, c->etag, STORE_ETAG_MAX);
        return STORE_OK;
    }
    if (c->cc == CURLE_OK && c->status == 412) return STORE_CONFLICT;
    /* If-Match on a key that is gone: AWS answers 404 NoSuchKey; it is a lost race too. */
    if (c->cc == CURLE_OK && c->status == 404 && c->cond == STORE_PUT_IF_MATCH && !strcmp(code, "NoSuchKey"))
        return STORE_CONFLICT;
    return callError(b, c, err);
}

/* s3Head: the ETag of key. STORE_OK/NOTFOUND/ERR. */
static int s3Head(s3Be *b, const char *key, char *etag, char *err) {
    s3Call c;
    if (callInit(b, &c, "HEAD", key, NULL, NULL, 0) < 0) { callFree(&c); return errSet(err, "out of memory"); }
    s3Run1(b, &c);
    int rc = c.cc == CURLE_OK && c.status == 200 ? STORE_OK
           : c.cc == CURLE_OK && c.status == 404 ? STORE_NOTFOUND : callError(b, &c, err);
    memcpy(etag, c.etag, STORE_ETAG_MAX);
    callFree(&c);
    return rc;
}

/* holdsOurs: the object's ETag is the MD5 of our body: S3 and radosgw give a single-part
 * PUT (no SSE-KMS/SSE-C) that ETag, so the key holds exactly our bytes. Where the ETag is
 * not an MD5 this never matches, and an ambiguous write that landed reads as CONFLICT
 * (the caller re-reads: never a lost write, at worst a needless retry). */
static int holdsOurs(const s3Call *c, const char *etag) { return c->md5[0] && !strcasecmp(etag, c->md5); }

/* resolve: after an ambiguous conditional PUT (409, 5xx, timeout), look at the key (HEAD).
 * It holds our bytes (holdsOurs) -> OK: our write landed, or another writer's identical
 * bytes did, which is the same object (store.h: identical bytes are one outcome). Returns
 * OK, 1 (unchanged: retry the PUT), CONFLICT (other bytes) or ERR. */
static int resolve(s3Be *b, s3Call *c, const char *ifMatch, char *newEtag, char *err) {
    char etag[STORE_ETAG_MAX];
    int rc = s3Head(b, c->key, etag, err);
    if (rc == STORE_ERR) return rc;
    if (rc == STORE_OK && holdsOurs(c, etag)) { memcpy(newEtag, etag, STORE_ETAG_MAX); return STORE_OK; }
    if (rc == STORE_NOTFOUND) return c->cond == STORE_PUT_IF_ABSENT ? 1 : STORE_CONFLICT;
    return c->cond == STORE_PUT_IF_MATCH && !strcmp(etag, ifMatch) ? 1 : STORE_CONFLICT;
}

/* putFinish: settle a finished PUT: read back and retry while it is ambiguous ("read
 * again, then retry"); after such a retry a 412 may be our own earlier attempt landing
 * late, so a CONFLICT is checked against our bytes (holdsOurs) once more. */
static int putFinish(store *s, s3Call *c, const char *ifMatch, char *newEtag, char *err) {
    s3Be *b = s->be;
    int rounds = 0;
    for (; c->ambiguous; rounds++) {
        int rc = resolve(b, c, ifMatch, newEtag, err);
        if (rc != 1) return rc;
        if (rounds >= b->retries) return callError(b, c, err);
        long long t = backoffMs(rounds + 1);
        struct timespec ts = {t / 1000, (t % 1000) * 1000000};
        nanosleep(&ts, NULL);
        c->ambiguous = 0;
        s3Run1(b, c);
    }
    int rc = putOutcome(b, c, newEtag, err);
    if (rc == STORE_CONFLICT && rounds > 0) {
        char etag[STORE_ETAG_MAX];
        if (s3Head(b, c->key, etag, err) == STORE_OK && holdsOurs(c, etag)) {
            memcpy(newEtag, etag, STORE_ETAG_MAX);
            return STORE_OK;
        }
    }
    return rc;
}

static int s3Put(store *s, const char *key, const void *data, size_t len, storeCond cond,
                 const char *ifMatch, char *newEtag, char *err) {
    s3Be *b = s->be;
    s3Call c;
    if (putInit(b, &c, key, data, len, cond, ifMatch) < 0) { callFree(&c); return errSet(err, "out of memory"); }
    s3Run1(b, &c);
    int rc = putFinish(s, &c, ifMatch, newEtag, err);
    callFree(&c);
    return rc;
}

/* s3Many: n requests in flight at once (curl multi, reused connections): prep
 * sets up call i from request i, done reads its answer back and says whether it
 * failed. Returns the number of failed requests, or -1 + err when nothing could
 * be started. */
typedef int (*s3Prep)(s3Be *b, s3Call *c, void *req);
typedef int (*s3Done)(store *s, s3Call *c, void *req);
static int s3Many(store *s, void *reqs, size_t size, size_t n, s3Prep prep, s3Done done, char *err) {
    s3Be *b = s->be;
    s3Call *calls = calloc(n ? n : 1, sizeof *calls);
    s3Call **ptrs = calloc(n ? n : 1, sizeof *ptrs);
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
        s3Run(b, ptrs, n, s->parallel);
        for (size_t i = 0; i < n; i++) failed += done(s, &calls[i], (char *)reqs + i * size);
    }
    for (size_t i = 0; i < n; i++) callFree(&calls[i]);
    free(calls);
    free(ptrs);
    return failed;
}

static int putPrep(s3Be *b, s3Call *c, void *req) {
    storeReq *r = req;
    return putInit(b, c, r->key, r->data, r->len, r->cond, r->ifMatch);
}

static int putDone(store *s, s3Call *c, void *req) {
    storeReq *r = req;
    r->rc = putFinish(s, c, r->ifMatch, r->etag, r->err);
    return r->rc == STORE_ERR;
}

static int s3PutMany(store *s, storeReq *reqs, size_t n, char *err) {
    return s3Many(s, reqs, sizeof *reqs, n, putPrep, putDone, err);
}

static int getPrep(s3Be *b, s3Call *c, void *req) {
    storeGetReq *r = req;
    if (callInit(b, c, "GET", r->key, NULL, NULL, 0) < 0) return -1;
    c->out = &r->body;
    c->max = r->max;
    return 0;
}

static int getDone(store *s, s3Call *c, void *req) {
    storeGetReq *r = req;
    char code[64];
    errCode(c, code, sizeof code);
    if (c->tooBig) {
        r->rc = STORE_TOOLARGE;
        bufReset(&r->body);
    } else if (c->cc == CURLE_OK && c->status == 200) {
        r->rc = STORE_OK;
        memcpy(r->etag, c->etag, STORE_ETAG_MAX);
    } else if (c->cc == CURLE_OK && c->status == 404 && strcmp(code, "NoSuchBucket")) {
        r->rc = STORE_NOTFOUND;
        bufReset(&r->body);
    } else {
        r->rc = callError(s->be, c, r->err);
        return 1;
    }
    return 0;
}

static int s3GetMany(store *s, storeGetReq *reqs, size_t n, char *err) {
    return s3Many(s, reqs, sizeof *reqs, n, getPrep, getDone, err);
}

static int s3Del(store *s, const char *key, char *err) {
    s3Be *b = s->be;
    s3Call c;
    if (callInit(b, &c, "DELETE", key, NULL, NULL, 0) < 0) { callFree(&c); return errSet(err, "out of memory"); }
    s3Run1(b, &c);
    int rc = c.cc == CURLE_OK && (c.status == 204 || c.status == 200 || c.status == 404) ? STORE_OK : callError(b, &c, err);
    char code[64];
    errCode(&c, code, sizeof code);
    if (rc == STORE_OK && !strcmp(code, "NoSuchBucket")) rc = callError(b, &c, err);
    callFree(&c);
    return rc;
}

static int s3List(store *s, const char *prefix, storeListFn *fn, void *ctx, char *err) {
    s3Be *b = s->be;
    char token[2048] = "";
    buf full = BUF_INIT;
    bufPrintf(&full, "%s%s%s", b->prefix, *b->prefix ? "/" : "", prefix);
    int rc = STORE_OK;
    do {
        /* Parameters in canonical (sorted, encoded) order: curl 7.88 signs the query as is. */
        buf q = BUF_INIT, page = BUF_INIT;
        if (*token) { bufPuts(&q, "continuation-token="); encodeTo(&q, token, 0); bufPutc(&q, '&'); }
        bufPuts(&q, "list-type=2&prefix=");
        encodeTo(&q, full.p ? (char *)full.p : "", 0);
        s3Call c;
        if (!q.p || callInit(b, &c, "GET", "", (char *)q.p, NULL, 0) < 0) {
            rc = errSet(err, "out of memory");
        } else {
            free(c.url);        /* list the bucket, not an object: no prefix in the path */
            buf u = BUF_INIT;
            bufPrintf(&u, "%s/?%s", b->base, (char *)q.p);
            c.url = bufDetach(&u);
            c.out = &page;
            c.max = S3_LIST_MAX;
            c.key = "(list)";
            s3Run1(b, &c);
            if (c.cc != CURLE_OK || c.status != 200) rc = callError(b, &c, err);
            else {
                int r = s3xmlListPage((char *)page.p, *b->prefix ? strlen(b->prefix) + 1 : 0, fn, ctx, token, sizeof token);
                if (r < 0) rc = errSet(err, "s3 list %s: malformed ListObjectsV2 answer", b->bucket);
                if (r != 0) token[0] = 0;
            }
        }
        callFree(&c);
        bufFree(&q);
        bufFree(&page);
    } while (rc == STORE_OK && *token);
    bufFree(&full);
    return rc;
}

/* The CORS rule DESIGN.md §3 asks for: anyone may GET/HEAD, and read the ETag. */
static const char corsXml[] =
    "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
    "<AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>"
    "<AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader>"
    "<MaxAgeSeconds>3600</MaxAgeSeconds></CORSRule></CORSConfiguration>";

/* corsCall: a call on the bucket's ?cors sub-resource (not an object). -1 out of memory. */
static int corsCall(s3Be *b, s3Call *c, const char *method, const char *body, size_t len) {
    if (callInit(b, c, method, "", NULL, body, len) < 0) return -1;
    free(c->url);
    buf u = BUF_INIT;
    bufPrintf(&u, "%s/?cors=", b->base);    /* "cors=": the canonical form of ?cors */
    c->url = bufDetach(&u);
    c->key = "(cors)";
    return c->url ? 0 : -1;
}

/* corsPut: put corsXml as the bucket's CORS configuration. */
static int corsPut(s3Be *b, char *err) {
    unsigned char md5[16];
    unsigned int l = 0;
    char b64[32];
    EVP_Digest(corsXml, sizeof corsXml - 1, md5, &l, EVP_md5(), NULL);
    EVP_EncodeBlock((unsigned char *)b64, md5, 16);
    s3Call c;
    int rc = corsCall(b, &c, "PUT", corsXml, sizeof corsXml - 1);
    if (rc == 0) rc = callHeader(&c, "Content-MD5", b64) | callHeader(&c, "Content-Type", "application/xml");
    if (rc < 0) { callFree(&c); return errSet(err, "out of memory"); }
    s3Run1(b, &c);
    rc = c.cc == CURLE_OK && c.status == 200 ? STORE_OK : callError(b, &c, err);
    callFree(&c);
    return rc;
}

/* s3Cors: storeSetCors (store.h): read the configuration; none -> put ours; one that lets
 * any origin GET and read the ETag -> OK; any other -> refuse, leaving it as it is. */
static int s3Cors(store *s, char *err) {
    s3Be *b = s->be;
    buf conf = BUF_INIT;
    s3Call c;
    if (corsCall(b, &c, "GET", NULL, 0) < 0) { callFree(&c); return errSet(err, "out of memory"); }
    c.out = &conf;
    c.max = 64 * 1024;
    s3Run1(b, &c);
    char code[64];
    errCode(&c, code, sizeof code);
    int rc;
    if (c.cc == CURLE_OK && c.status == 200)
        rc = s3xmlCorsOpen(conf.p ? (char *)conf.p : "") ? STORE_OK
           : errSet(err, "bucket %s has a CORS configuration without a rule that lets any origin GET and read the ETag: "
                         "add one (docs/cdn.md) or delete the configuration so that it is set", b->bucket);
    else if (c.cc == CURLE_OK && c.status == 404 && !strcmp(code, "NoSuchCORSConfiguration"))
        rc = corsPut(b, err);
    else
        rc = callError(b, &c, err);
    bufFree(&conf);
    callFree(&c);
    return rc;
}

static int s3AltIfMatch(store *s) {
    s3Be *b = s->be;
    b->quoteIfMatch = !b->quoteIfMatch;
    return 0;
}

static void wipeFree(char *p) {
    if (p) { sodium_memzero(p, strlen(p)); free(p); }
}

static void s3Close(store *s) {
    s3Be *b = s->be;
    if (!b) return;
    for (int i = 0; i < b->neasy; i++) curl_easy_cleanup(b->easy[i]);
    free(b->easy);
    if (b->multi) curl_multi_cleanup(b->multi);
    free(b->bucket); free(b->prefix); free(b->base); free(b->endpoint);
    wipeFree(b->akey); wipeFree(b->skey); wipeFree(b->token);
    free(b);
    s->be = NULL;
}

static const storeOps s3Ops = {
    s3Get, s3Put, s3PutMany, s3List, s3Del, s3Cors, s3AltIfMatch, s3Close, s3GetMany,
};

/* envGet: the first non-empty of two environment variables (b may be NULL). */
static const char *envGet(const char *a, const char *b) {
    const char *v = getenv(a);
    if ((!v || !*v) && b) v = getenv(b);
    return v && *v ? v : NULL;
}

/* s3Config: bucket, prefix, endpoint, style and keys from the URL rest and AWS_* env. */
static int s3Config(s3Be *b, const char *rest, char *err) {
    const char *slash = strchr(rest, '/');
    size_t bl = slash ? (size_t)(slash - rest) : strlen(rest);
    if (bl < 3 || bl > 63 || strspn(rest, "abcdefghijklmnopqrstuvwxyz0123456789.-") < bl)
        return errSet(err, "store URL s3://%.80s: bucket name must be 3-63 of a-z 0-9 . -", rest);
    b->bucket = strndup(rest, bl);
    const char *p = slash ? slash + 1 : "";
    while (*p == '/') p++;
    b->prefix = strdup(p);
    if (!b->bucket || !b->prefix) return errSet(err, "out of memory");
    size_t pl = strlen(b->prefix);
    while (pl && b->prefix[pl - 1] == '/') b->prefix[--pl] = 0;
    if (*b->prefix && storeKeyCheck(b->prefix, err) < 0) return -1;

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
    const char *r = envGet("WA_STORE_RETRIES", NULL);
    b->retries = r ? atoi(r) : 5;
    if (b->retries < 0 || b->retries > 20) b->retries = 5;
    b->trace = envGet("WA_STORE_TRACE", NULL) != NULL;
    b->quoteIfMatch = 0;    /* radosgw wants it bare; storeProbe switches if a server differs */
    return path;
}

int storeS3Open(store *s, const char *rest, char *err) {
    pthread_once(&curlOnce, curlInit);
    s3Be *b = calloc(1, sizeof *b);
    if (!b) return errSet(err, "out of memory");
    s->be = b;
    s->ops = &s3Ops;
    int path = s3Config(b, rest, err);
    if (path >= 0 && !(b->multi = curl_multi_init())) path = errSet(err, "curl_multi_init failed");
    if (path < 0) { s3Close(s); return -1; }
    snprintf(s->desc, sizeof s->desc, "s3://%s%s%s (%s-style, %s)", b->bucket, *b->prefix ? "/" : "",
             b->prefix, path ? "path" : "virtual-host", b->endpoint);
    return 0;
}
