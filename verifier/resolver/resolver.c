/* resolver.c -- the DID resolver endpoint of `didverify serve` (resolver.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <microhttpd.h>
#include "core/err.h"
#include "core/jcs.h"
#include "core/json.h"
#include "core/io/clock.h"
#include "core/io/httpd.h"
#include "didlog/deref.h"
#include "didlog/didurl.h"
#include "didlog/resolution.h"
#include "didlog/webvh.h"
#include "verifier/report.h"
#include "verifier/verify.h"
#include "verifier/proof/manifest.h"
#include "verifier/proof/witness.h"
#include "verifier/resolver/rcache.h"
#include "verifier/resolver/resolver.h"

#define PREFIX "/1.0/identifiers/"
#define CT_RESULT "application/did-resolution"
#define CT_DEREF "application/did-url-dereferencing"
#define CT_UR "application/ld+json;profile=\"https://w3id.org/did-resolution\""
#define RES_CTX "https://w3id.org/did-resolution/v1"

typedef struct server {
    resolverOpts o;
    rootsSrc *src;
    pthread_mutex_t rootsMu;         /* a rootsSrc is used by one thread at a time */
    rcache *cache;
} server;

typedef struct request {
    int badTarget;
    char *target;                    /* the raw request target, before MHD decodes it */
} request;

/* ---- answers ---- */

/* reply: body s[0..n) with status, content type and the common headers; xcache "hit" /
 * "miss" or NULL; maxAge: seconds a client may cache the answer (Cache-Control), < 0 none. */
static enum MHD_Result reply(struct MHD_Connection *c, int status, const char *ctype, const char *s, size_t n,
                             const char *xcache, long long maxAge, int closeConn) {
    struct MHD_Response *r = MHD_create_response_from_buffer(n, (void *)s, MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    if (closeConn) MHD_add_response_header(r, "Connection", "close");
    MHD_add_response_header(r, "Content-Type", ctype);
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    MHD_add_response_header(r, "Vary", "Accept");
    if (xcache) MHD_add_response_header(r, "X-Cache", xcache);
    char cc[40] = "no-store";
    if (maxAge >= 0) snprintf(cc, sizeof cc, "max-age=%lld", maxAge);
    MHD_add_response_header(r, "Cache-Control", cc);
    if (status == 405) MHD_add_response_header(r, "Allow", "GET, HEAD");
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return rc;
}

/* replyJson: v (stolen) in RFC 8785 (JCS) form: numbers as the log holds them. */
static enum MHD_Result replyJson(struct MHD_Connection *c, int status, const char *ctype, json_t *v, const char *xcache,
                                 long long maxAge, int closeConn) {
    size_t n = 0;
    char *s = v ? jcsDump(v, &n, NULL) : NULL;
    json_decref(v);
    if (!s) return reply(c, 500, "application/json", "{\"error\":\"internalError\"}", 25, NULL, -1, 1);
    enum MHD_Result rc = reply(c, status, ctype, s, n, xcache, maxAge, closeConn);
    free(s);
    return rc;
}

/* problemType: the DID Resolution problem type URI of an error code. */
static const char *problemType(const char *code) {
    static const char *const map[][2] = {
        {"invalidDid", "https://www.w3.org/ns/did#INVALID_DID"},
        {"invalidDidUrl", "https://www.w3.org/ns/did#INVALID_DID_URL"},
        {"notFound", "https://www.w3.org/ns/did#NOT_FOUND"},
        {"representationNotSupported", "https://www.w3.org/ns/did#REPRESENTATION_NOT_SUPPORTED"},
        {"methodNotSupported", "https://www.w3.org/ns/did#METHOD_NOT_SUPPORTED"},
        {"internalError", "https://www.w3.org/ns/did#INTERNAL_ERROR"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) if (!strcmp(code, map[i][0])) return map[i][1];
    return "https://www.w3.org/ns/did#INVALID_DID_DOCUMENT";
}

/* errorResult: a resolution result (deref 0) or a dereferencing result (deref 1) that
 * carries error code with detail. */
static json_t *errorResult(int deref, const char *code, const char *detail) {
    char d[ERR_MAX];
    snprintf(d, sizeof d, "%s", detail ? detail : "");
    errUtf8Fix(d);
    json_t *meta = json_pack("{ss s{ss ss}}", "error", code, "problemDetails", "type", problemType(code), "detail", d);
    if (deref)
        return json_pack("{ss so sn s{}}", "@context", RES_CTX, "dereferencingMetadata", meta, "contentStream", "contentMetadata");
    return json_pack("{ss sn s{} so}", "@context", RES_CTX, "didDocument", "didDocumentMetadata", "didResolutionMetadata", meta);
}

static enum MHD_Result replyError(struct MHD_Connection *c, int status, int deref, const char *code, const char *detail) {
    return replyJson(c, status, deref ? CT_DEREF : CT_RESULT, errorResult(deref, code, detail), NULL, -1, 0);
}

/* statusOf: the HTTP status of a result's error code (NULL: 200). Codes a fetched log
 * earns (invalidDid: the log is for another DID, invalidProof, invalidParameters) are
 * the upstream's fault: 502. */
static int statusOf(const char *code) {
    if (!code) return 200;
    if (!strcmp(code, "invalidDidUrl")) return 400;
    if (!strcmp(code, "notFound")) return 404;
    if (!strcmp(code, "representationNotSupported")) return 406;
    if (!strcmp(code, "methodNotSupported")) return 501;
    if (!strcmp(code, "internalError")) return 500;
    return 502;
}

/* ---- Accept negotiation ---- */

/* acceptHas: the Accept header lists a media range (q not 0) that is type (exact) or,
 * unless exact, matches it (the any-type range, or "major/" followed by the star). */
static int acceptHas(const char *accept, const char *type, int exact) {
    const char *p = accept;
    size_t major = strcspn(type, "/");
    while (p && *p) {
        p += strspn(p, " \t,");
        size_t n = strcspn(p, ",");
        size_t m = strcspn(p, ";,");
        while (m && (p[m - 1] == ' ' || p[m - 1] == '\t')) m--;
        const char *semi = memchr(p, ';', n);
        int zero = 0;
        for (const char *q = semi; q && q < p + n; q = memchr(q + 1, ';', (size_t)(p + n - q - 1))) {
            const char *v = q + 1 + strspn(q + 1, " \t");
            if (!strncasecmp(v, "q=0", 3) && strspn(v + 3, ".0") == strcspn(v + 3, ";, \t")) zero = 1;
        }
        if (!zero && m) {
            if (m == strlen(type) && !strncasecmp(p, type, m)) return 1;
            if (!exact && ((m == 3 && !strncmp(p, "*/*", 3)) ||
                           (m == major + 2 && !strncasecmp(p, type, major + 1) && p[major + 1] == '*'))) return 1;
        }
        p += n;
    }
    return 0;
}

/* pickRep: what to answer for accept: the whole result (1, *ct its type) or the content
 * alone (2, *ct the content's type, one of types), or nothing acceptable (0). The result
 * is preferred when named or when nothing is named; a content type named exactly beats a
 * wildcard. */
static int pickRep(const char *accept, const char *resultType, const char *const *types, const char **ct) {
    if (!accept || !*accept || acceptHas(accept, resultType, 1) || acceptHas(accept, CT_RESULT, 1)) { *ct = resultType; return 1; }
    if (strstr(accept, "w3id.org/did-resolution") && acceptHas(accept, "application/ld+json", 1)) { *ct = CT_UR; return 1; }
    for (size_t i = 0; types[i]; i++) if (acceptHas(accept, types[i], 1)) { *ct = types[i]; return 2; }
    if (acceptHas(accept, resultType, 0)) { *ct = resultType; return 1; }
    for (size_t i = 0; types[i]; i++) if (acceptHas(accept, types[i], 0)) { *ct = types[i]; return 2; }
    return 0;
}

/* ---- the DID URL a request names ---- */

/* didUrlOf: the DID URL of the target's part after /1.0/identifiers/ (rest). Encoded form
 * ("did%3A…"): decoded once, and the request's query, if any, is the DID URL's query
 * (resolution options). Plain form ("did:…"): taken as it is with the query; the first
 * "%23" starts the fragment (a client cannot send '#'). 0 / -1 + err. */
static int didUrlOf(const char *rest, buf *out, char *err) {
    const char *q = strchr(rest, '?');
    size_t pn = q ? (size_t)(q - rest) : strlen(rest);
    bufReset(out);
    if (!strncasecmp(rest, "did%3A", 6)) {
        char *d = malloc(pn + 1);
        size_t dn = 0;
        if (!d) return errSet(err, "out of memory");
        if (didPctDecode(rest, pn, d, pn + 1, &dn) < 0 || dn != strlen(d)) { free(d); return errSet(err, "the encoded DID URL has a bad %%-escape"); }
        char *hash = strchr(d, '#');
        int rc = bufAppend(out, d, hash ? (size_t)(hash - d) : dn);
        if (q && q[1]) rc |= bufPuts(out, strchr((const char *)out->p, '?') ? "&" : "?") | bufPuts(out, q + 1);
        if (hash) rc |= bufPuts(out, hash);
        free(d);
        return rc < 0 ? errSet(err, "out of memory") : 0;
    }
    if (bufPuts(out, rest) < 0) return errSet(err, "out of memory");
    char *h = strstr((char *)out->p, "%23");
    if (h) {
        *h = '#';
        memmove(h + 1, h + 3, strlen(h + 3) + 1);
        out->len -= 2;
    }
    return 0;
}

/* ---- fetching (rfetch.h) and the cache ---- */

enum { LOAD_CHAIN = 10 };   /* load: the chain could not be asked (beside RFETCH_*) */

/* The manifests of later batches (the STALE scan), from the DID's origin under the rules. */
typedef struct manCtx {
    server *s;
    const didParts *p;
} manCtx;

/* getManifest: a staleGetFn: https://host[:port]/batches/<id>.json. */
static int getManifest(void *ctx, uint64_t id, buf *out, char *err) {
    manCtx *m = ctx;
    buf url = BUF_INIT;
    long status;
    rfetchRules r = m->s->o.fetch;
    if (MANIFEST_MAX_BYTES < r.maxBytes) r.maxBytes = MANIFEST_MAX_BYTES;
    int rc = m->p->port ? bufPrintf(&url, "https://%s:%d/batches/%llu.json", m->p->host, m->p->port, (unsigned long long)id)
                        : bufPrintf(&url, "https://%s/batches/%llu.json", m->p->host, (unsigned long long)id);
    if (rc < 0) return errSet(err, "out of memory");
    int k = rfetchGet(&r, (const char *)url.p, out, &status, err);
    bufFree(&url);
    return k == RFETCH_OK ? 1 : k == RFETCH_NOTFOUND ? 0 : -1;
}

/* load: the published files of did (parsed p) and their anchoring report, from the cache
 * (*hit = 1) or fetched and checked now. RFETCH_OK, another RFETCH_* (did.jsonl, or a
 * proof file that failed otherwise than 404), or LOAD_CHAIN; err says why. */
static int load(server *s, const char *did, const didParts *p, rcacheEntry *e, int *hit, char *err) {
    static const char *names[3] = {"did.jsonl", "witness.json", "did-witness.json"};
    static const size_t max[3] = {WEBVH_LOG_MAX, WITNESS_MAX_BYTES, WEBVH_WITNESS_MAX};
    *hit = rcacheGet(s->cache, did, clockMonoMs(), e);
    if (*hit) return RFETCH_OK;
    buf url = BUF_INIT;
    int rc = RFETCH_OK;
    for (int i = 0; i < 3 && rc == RFETCH_OK; i++) {
        rfetchRules r = s->o.fetch;
        long status;
        if (max[i] < r.maxBytes) r.maxBytes = max[i];
        if (didHttpsUrl(p, names[i], NULL, &url, err) < 0) { rc = RFETCH_REFUSED; break; }
        rc = rfetchGet(&r, (const char *)url.p, &e->file[i], &status, err);
        e->have[i] = rc == RFETCH_OK;
        if (i > 0 && rc == RFETCH_NOTFOUND) rc = RFETCH_OK;
    }
    bufFree(&url);
    if (rc != RFETCH_OK) return rc;
    manCtx mc = {s, p};
    staleSource fresh = {getManifest, &mc, s->o.staleBatches};
    historyInput in = {e->file[0].p ? (const char *)e->file[0].p : "", e->file[0].len,
                       e->have[1] ? (const char *)e->file[1].p : NULL, e->file[1].len,
                       e->have[2] ? (const char *)e->file[2].p : NULL, e->file[2].len, did, 0,
                       s->o.staleBatches ? &fresh : NULL};
    historyReport hr;
    pthread_mutex_lock(&s->rootsMu);
    int k = verifyHistory(&in, s->src, &hr, err);
    pthread_mutex_unlock(&s->rootsMu);
    if (k < 0) return LOAD_CHAIN;
    json_t *j = reportJson(&hr);
    historyFree(&hr);
    size_t n = 0;
    char *txt = j ? jcsDump(j, &n, err) : NULL;
    json_decref(j);
    if (!txt || bufAppend(&e->anchoring, txt, n) < 0) { free(txt); errSet(err, "out of memory"); return LOAD_CHAIN; }
    free(txt);
    return RFETCH_OK;
}

/* derefFetch: the webvhFetchFn of a DID URL path: the same rules as the log's. */
static int derefFetch(void *ctx, const char *url, size_t max, buf *out, long *status, char *err) {
    server *s = ctx;
    rfetchRules r = s->o.fetch;
    if (max < r.maxBytes) r.maxBytes = max;
    int k = rfetchGet(&r, url, out, status, err);
    return k == RFETCH_OK || k == RFETCH_NOTFOUND ? 0 : -1;
}

/* ---- resolving ---- */

typedef struct answer {
    int status;
    json_t *body;                    /* the result (or the content alone) */
    const char *ctype;
    char ctBuf[128];                 /* the content type when it came from the result */
    long long maxAge;                /* seconds the files stay cached here (Cache-Control of a 200) */
} answer;

/* resolveLoaded: the result for DID URL u (version query q) from the files in e; caches
 * e by the log's ttl when it was fetched now. Fills a (status 0: out of memory). */
static void resolveLoaded(server *s, const webvhDidUrl *u, const webvhQuery *q, rcacheEntry *e, int hit, answer *a,
                          char *err) {
    const char *did = (const char *)u->did.p;
    int deref = webvhDidUrlDereferences(u);
    webvhLog *log = webvhParse((const char *)e->file[0].p, e->file[0].len, err);
    json_t *wf = e->have[2] ? webvhParseWitnessFile((const char *)e->file[2].p, e->file[2].len, NULL) : NULL;
    if (!log) {
        a->status = 502;
        a->body = errorResult(deref, "invalidDid", err);
        json_decref(wf);
        return;
    }
    webvhOpts wo = {.did = did, .witnessProofs = wf};
    webvhResult r;
    webvhVerify(log, &wo, &r);
    const webvhEntry *head = webvhHead(log);
    long long ttl = head ? head->act.ttl : WEBVH_TTL_DEFAULT;
    if (ttl > s->o.cacheMaxTtl) ttl = s->o.cacheMaxTtl;
    if (!hit && ttl > 0) rcachePut(s->cache, did, e, clockMonoMs() + ttl * 1000);
    a->maxAge = hit ? (e->expires - clockMonoMs()) / 1000 : ttl;
    if (a->maxAge < 0) a->maxAge = 0;
    json_t *res = webvhResolution(log, &r, q, err);
    json_t *dm = res ? json_object_get(res, "didDocumentMetadata") : NULL;
    if (dm && json_object_size(dm) && e->anchoring.len)
        json_object_set_new(dm, "anchoring", jsonParse((const char *)e->anchoring.p, e->anchoring.len, e->anchoring.len, 64, NULL));
    if (res && deref) {
        json_t *d = webvhDereferenceWith(res, u, derefFetch, s, err);
        json_decref(res);
        res = d ? d : errorResult(1, "internalError", err);
        a->status = d ? 0 : 502;
    }
    a->body = res;
    webvhFree(log);
    json_decref(wf);
}

/* represent: the status and the representation of result a->body for accept. */
static void represent(answer *a, int deref, const char *accept) {
    json_t *res = a->body;
    const json_t *md = json_object_get(res, deref ? "dereferencingMetadata" : "didResolutionMetadata");
    const char *code = jsonGetStr(md, "error");
    if (!a->status) a->status = statusOf(code);
    a->ctype = deref ? CT_DEREF : CT_RESULT;
    if (code) return;
    const json_t *dmd = json_object_get(res, "didDocumentMetadata");
    if (!deref && json_is_true(json_object_get(dmd, "deactivated")) && json_is_null(json_object_get(res, "didDocument"))) {
        a->status = 410;
        return;
    }
    const char *docTypes[] = {"application/did+ld+json", "application/did+json", "application/ld+json", "application/json", NULL};
    const char *ct = jsonGetStr(md, "contentType");
    const char *one[] = {ct ? ct : "application/json", NULL};
    int k = pickRep(accept, deref ? CT_DEREF : CT_RESULT, deref ? one : docTypes, &a->ctype);
    if (k == 0) {
        json_decref(res);
        a->status = 406;
        a->ctype = deref ? CT_DEREF : CT_RESULT;
        a->body = errorResult(deref, "representationNotSupported", "no representation named in Accept can be given");
    } else if (k == 2) {
        snprintf(a->ctBuf, sizeof a->ctBuf, "%s", a->ctype);   /* it may live in res */
        a->ctype = a->ctBuf;
        a->body = json_incref(json_object_get(res, deref ? "contentStream" : "didDocument"));
        json_decref(res);
    }
}

/* replyAnswer: send a (its body stolen); a string content (text, a URL) goes as is. */
static enum MHD_Result replyAnswer(struct MHD_Connection *c, answer *a, const char *xcache) {
    long long maxAge = a->status == 200 || a->status == 410 ? a->maxAge : -1;
    if (json_is_string(a->body)) {
        enum MHD_Result rc = reply(c, a->status, a->ctype, json_string_value(a->body), json_string_length(a->body), xcache,
                                   maxAge, 0);
        json_decref(a->body);
        return rc;
    }
    return replyJson(c, a->status, a->ctype, a->body, xcache, maxAge, 0);
}

/* doResolve: GET /1.0/identifiers/{did-or-did-url}. */
static enum MHD_Result doResolve(server *s, struct MHD_Connection *c, const char *rest) {
    char err[ERR_MAX] = "";
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
    buf durl = BUF_INIT;
    webvhDidUrl u;
    memset(&u, 0, sizeof u);
    didParts p;
    memset(&p, 0, sizeof p);
    webvhQuery q;
    rcacheEntry e;
    memset(&e, 0, sizeof e);
    int parsed = 0, hit = 0;
    enum MHD_Result rc;
    const char *s0;
    if (didUrlOf(rest, &durl, err) < 0) { rc = replyError(c, 400, 0, "invalidDid", err); goto out; }
    s0 = (const char *)durl.p;
    if (strncmp(s0, "did:", 4)) { rc = replyError(c, 400, 0, "invalidDid", "not a DID"); goto out; }
    if (strncmp(s0, WEBVH_PREFIX, strlen(WEBVH_PREFIX))) {
        rc = replyError(c, 501, 0, "methodNotSupported", "this resolver resolves did:webvh only");
        goto out;
    }
    if (didParse(s0, s->o.fetch.testOrigin ? DID_LOCALHOST : 0, &p, err) < 0 || webvhQueryParse(s0, &q, err) < 0) {
        rc = replyError(c, 400, 0, "invalidDid", err);
        goto out;
    }
    parsed = 1;
    if (webvhDidUrlParse(s0, &u, err) < 0) { rc = replyError(c, 400, 1, "invalidDidUrl", err); goto out; }
    int deref = webvhDidUrlDereferences(&u);
    const char *docTypes[] = {"application/did+ld+json", "application/did+json", "application/ld+json", "application/json", NULL}, *ct;
    if (!deref && !pickRep(accept, CT_RESULT, docTypes, &ct)) {   /* before any fetch */
        rc = replyError(c, 406, 0, "representationNotSupported", "no representation named in Accept can be given");
        goto out;
    }
    int k = load(s, (const char *)u.did.p, &p, &e, &hit, err);
    if (k == RFETCH_NOTFOUND) rc = replyError(c, 404, deref, "notFound", err);
    else if (k == RFETCH_REFUSED) rc = replyError(c, 400, deref, "invalidDid", err);
    else if (k != RFETCH_OK) rc = replyError(c, 502, deref, "internalError", err);
    else {
        answer a = {0, NULL, NULL, "", -1};
        resolveLoaded(s, &u, &q, &e, hit, &a, err);
        if (!a.body) rc = replyError(c, 500, deref, "internalError", err);
        else {
            represent(&a, deref, accept);
            rc = replyAnswer(c, &a, hit ? "hit" : "miss");
        }
    }
out:
    rcacheEntryFree(&e);
    webvhDidUrlFree(&u);
    if (parsed) didPartsFree(&p);
    bufFree(&durl);
    return rc;
}

/* ---- the server ---- */

/* uriLog: MHD's URI log callback (raw target, before decoding): the request's record. */
static void *uriLog(void *cls, const char *uri, struct MHD_Connection *c) {
    (void)cls; (void)c;
    request *rq = calloc(1, sizeof *rq);
    if (rq) {
        rq->badTarget = httpdTargetBad(uri);
        rq->target = strdup(uri);
    }
    return rq;
}

static void completed(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode toe) {
    (void)cls; (void)c; (void)toe;
    request *rq = *state;
    if (rq) free(rq->target);
    free(rq);
    *state = NULL;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload, size_t *uploadSize, void **state) {
    server *s = cls;
    request *rq = *state;
    (void)upload; (void)uploadSize;
    if (!rq || !rq->target) return MHD_NO;   /* uriLog could not allocate */
    const char *why = httpdFramingBad(c, version, rq->badTarget);
    if (why) return replyJson(c, 400, "application/json", json_pack("{ss ss}", "error", "malformed", "detail", why), NULL, -1, 1);
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return replyJson(c, 405, "application/json", json_pack("{ss ss}", "error", "method", "detail", "GET or HEAD only"), NULL, -1, 0);
    if (!strcmp(url, "/health")) return replyJson(c, 200, "application/json", json_pack("{ss}", "status", "ok"), NULL, -1, 0);
    if (strncmp(rq->target, PREFIX, strlen(PREFIX)))
        return replyJson(c, 404, "application/json", json_pack("{ss ss}", "error", "notFound", "detail", "use GET " PREFIX "{did}"), NULL, -1, 0);
    return doResolve(s, c, rq->target + strlen(PREFIX));
}

int resolverRun(const resolverOpts *o, rootsSrc *src, char *err) {
    server *s = calloc(1, sizeof *s);
    if (!s) return errSet(err, "out of memory");
    s->o = *o;
    s->src = src;
    pthread_mutex_init(&s->rootsMu, NULL);
    if (!(s->cache = rcacheNew(o->cacheMax, o->cacheBytes))) { free(s); return errSet(err, "out of memory"); }
    httpdBlockSignals();
    httpdOpts ho = {o->listen, o->threads, o->maxConns, o->maxConnsPerIp, o->idleTimeoutMs, 0};
    unsigned port = 0;
    struct MHD_Daemon *d = httpdStart(&ho, handler, s, completed, uriLog, &port, err);
    if (!d) { rcacheFree(s->cache); free(s); return -1; }
    fprintf(stderr, "didverify serve: listening on %s (port %u)\n", o->listen, port);
    httpdWaitSignal();
    MHD_stop_daemon(d);
    rcacheFree(s->cache);
    pthread_mutex_destroy(&s->rootsMu);
    free(s);
    return 0;
}
