/* storecall.c -- the S3 and Azure stores' requests on the HTTP layer: runner, retries,
 * read-back of ambiguous conditional puts, bulk runs (storecall.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "core/io/clock.h"
#include "anchord/store/s3xml.h"
#include "anchord/store/storecall.h"
#include "anchord/store/store_impl.h"

storeCallVerdict storeCallJudge(const char *method, storeCond cond, int httpRc, long status, int definite) {
    if (httpRc == HTTP_NOCONN) return STORECALL_RETRY;             /* nothing was sent: always safe */
    if (httpRc == HTTP_TOO_LARGE || httpRc == HTTP_SETUP) return STORECALL_SETTLED;
    int failed = httpRc != HTTP_OK || status >= 500 || status == 408 || status == 429;
    int conditional = !strcmp(method, "PUT") && cond != STORE_PUT_ANY;
    if (conditional && (failed || (status == 409 && !definite))) return STORECALL_AMBIGUOUS;
    return failed ? STORECALL_RETRY : STORECALL_SETTLED;
}

int storeCallSettle(storeCond cond, int headRc, int ours, const char *etag, const char *ifMatch) {
    if (headRc == STORE_OK && ours) return STORE_OK;
    if (headRc == STORE_NOTFOUND) return cond == STORE_PUT_IF_ABSENT ? 1 : STORE_CONFLICT;
    return cond == STORE_PUT_IF_MATCH && ifMatch && !strcmp(etag, ifMatch) ? 1 : STORE_CONFLICT;
}

int storeCallError(const storeCall *c, const char *tag, const char *endpoint, const char *where, const char *hint,
                   const char *from, char *err) {
    const httpReq *r = &c->req;
    if (r->rc == HTTP_TOO_LARGE)
        return errSet(err, "%s %s %s: object larger than the limit of %zu bytes", tag, r->method, c->key, r->maxBody);
    if (r->rc != HTTP_OK)
        return errSet(err, "%s %s %s: cannot reach %s: %s (%d attempts)", tag, r->method, c->key, endpoint, r->err,
                      r->attempts);
    return errSet(err, "%s %s %s/%s: HTTP %ld%s%s%s%s%s%s", tag, r->method, where, c->key, r->status,
                  *c->code ? " " : "", c->code, hint ? ": " : "", hint ? hint : "", from ? " from " : "", from ? from : "");
}

void storeWipeFree(char *p) {
    if (p) { sodium_memzero(p, strlen(p)); free(p); }
}

int storeCallInit(storeCallClient *cl, storeCall *c, const char *method, char *url, char *shown, const char *key,
                  const void *body, size_t len) {
    memset(c, 0, sizeof *c);
    c->url = url;
    c->shown = shown;
    c->key = key;
    size_t n = 0;
    c->capture[n++] = "ETag";
    if (cl->ops->codeHeader) c->capture[n++] = cl->ops->codeHeader;
    c->req = (httpReq){.method = method, .url = url, .data = body, .len = len, .discardBody = 1,
                       .capture = c->capture, .connectTimeoutMs = 5000, .lowSpeedSecs = 30, .allowHttp = 1,
                       .userAgent = "witness-anchor-store/1", .ctx = c};
    return url ? 0 : -1;
}

void storeCallInto(storeCall *c, buf *out, size_t max) {
    c->out = out;
    c->req.discardBody = 0;
    c->req.maxBody = max;
}

int storeCallHeader(storeCall *c, const char *name, const char *value) {
    if (c->nhdr >= STORECALL_HDR_MAX) return -1;
    char *v = strdup(value);
    if (!v) return -1;
    c->hdr[c->nhdr].name = name;
    c->hdr[c->nhdr++].value = v;
    return 0;
}

/* freeLines: wipe and free this attempt's header lines. */
static void freeLines(storeCall *c) {
    for (size_t i = 0; i < c->nlines; i++) storeWipeFree(c->lines[i]);
    c->nlines = 0;
    c->lines[0] = NULL;
}

/* addLine: "name: value" as the next header line. 0 / -1. */
static int addLine(storeCall *c, const char *name, const char *value) {
    if (c->nlines >= STORECALL_HDR_MAX + 2) return -1;
    buf b = BUF_INIT;
    if (bufPrintf(&b, "%s: %s", name, value) < 0) { bufWipe(&b); return -1; }
    c->lines[c->nlines++] = bufDetach(&b);
    c->lines[c->nlines] = NULL;
    return 0;
}

int storeCallLines(storeCall *c, const char *const *extra, size_t n) {
    freeLines(c);
    for (size_t i = 0; i < c->nhdr; i++)
        if (addLine(c, c->hdr[i].name, c->hdr[i].value) < 0) goto oom;
    for (size_t i = 0; i + 1 < n; i += 2)
        if (addLine(c, extra[i], extra[i + 1]) < 0) goto oom;
    c->req.headers = (const char *const *)c->lines;
    return 0;
oom:
    freeLines(c);
    return -1;
}

int storeCallCapture(storeCall *c, const char *name) {
    size_t i = 0;
    while (c->capture[i]) i++;
    if (i + 1 >= sizeof c->capture / sizeof *c->capture) return -1;
    c->capture[i] = name;
    c->capture[i + 1] = NULL;
    return (int)i;
}

void storeCallFree(storeCall *c) {
    free(c->aux);
    c->aux = NULL;
    freeLines(c);
    for (size_t i = 0; i < c->nhdr; i++) storeWipeFree(c->hdr[i].value);
    c->nhdr = 0;
    storeWipeFree(c->url);
    free(c->shown);
    c->url = c->shown = NULL;
    httpReqFree(&c->req);
}

/* ---- the runner ---- */

/* onStart: before each attempt: the backend signs it, or the fixed headers go as they are. */
static int onStart(httpReq *r, void *ctx) {
    storeCallClient *cl = ctx;
    storeCall *c = r->ctx;
    c->req.noExpect = c->noExpect;
    if (cl->ops->sign) return cl->ops->sign(cl->be, c);
    if (c->nlines == 0 && c->nhdr > 0 && storeCallLines(c, NULL, 0) < 0) return errSet(r->err, "out of memory");
    return 0;     /* unsigned lines are built once and sent again as they are */
}

/* readAnswer: the attempt's ETag and error code (the code header, else the error body's <Code>). */
static void readAnswer(const storeCallClient *cl, storeCall *c) {
    httpReq *r = &c->req;
    c->etag[0] = c->code[0] = 0;
    if (r->rc != HTTP_OK) return;
    if (r->got[0][0] && storeEtagCopy(c->etag, r->got[0], strlen(r->got[0])) < 0) c->etag[0] = 0;
    size_t n = cl->ops->codeHeader ? strlen(r->got[1]) : 0;   /* capture[1] (storeCallInit) */
    if (n && n < sizeof c->code) memcpy(c->code, r->got[1], n + 1);   /* a code that does not fit: none */
    else if (r->status < 200 || r->status >= 300) s3xmlTag(r->body.p ? (char *)r->body.p : NULL, "Code", c->code, sizeof c->code);
}

/* trace: one stderr line per attempt (storeOpts.trace): never a header (signatures, tokens)
 * and, for Azure, never the SAS (the shown URL). */
static void trace(const storeCallClient *cl, const storeCall *c) {
    const httpReq *r = &c->req;
    fprintf(stderr, "%s %s %s -> %ld%s%s%s%s (attempt %d, new connections %ld)\n", cl->ops->tag, r->method,
            c->shown ? c->shown : c->url, r->status, *c->code ? " " : "", c->code,
            r->rc != HTTP_OK ? " curl: " : "", r->rc != HTTP_OK ? r->err : "", r->attempts, r->newConnections);
}

/* finish: a settled call's 2xx body goes to c->out (else out is emptied). */
static void finish(storeCall *c) {
    if (!c->out) return;
    httpReq *r = &c->req;
    if (r->rc == HTTP_OK && r->status >= 200 && r->status < 300) {
        bufFree(c->out);
        *c->out = r->body;
        r->body = (buf)BUF_INIT;
    } else {
        bufReset(c->out);
    }
}

/* onDone: judge one finished attempt: a pause before sending it again, or 0 (settled). */
static long onDone(httpReq *r, void *ctx) {
    storeCallClient *cl = ctx;
    storeCall *c = r->ctx;
    readAnswer(cl, c);
    if (cl->trace) trace(cl, c);
    int definite = r->status == 409 && cl->ops->definite && cl->ops->definite(c);
    storeCallVerdict v = storeCallJudge(r->method, c->cond, r->rc, r->status, definite);
    if (v == STORECALL_RETRY && r->attempts <= cl->retries)
        return (long)clockBackoffMs(r->attempts, STORECALL_BACKOFF_BASE, STORECALL_BACKOFF_CAP, CLOCK_JITTER_FULL);
    c->ambiguous = v == STORECALL_AMBIGUOUS;
    c->settled = 1;
    if (cl->down && r->rc != HTTP_SETUP && r->rc != HTTP_TOO_LARGE) *cl->down = r->rc != HTTP_OK;
    finish(c);
    return 0;
}

/* A run's context: the client and the feed (one struct: httpFeed has one ctx). */
typedef struct runCtx { storeCallClient *cl; storeCall **calls; size_t n, next; } runCtx;

/* runNext: httpFeed.next: the next call of the run to start, or NULL when all are
 * started (a resend is the HTTP layer's, not a new one from here). */
static httpReq *runNext(void *ctx) {
    runCtx *u = ctx;
    return u->next < u->n ? &u->calls[u->next++]->req : NULL;
}

/* runStart / runDone: httpFeed.start / .done: onStart / onDone with the run's client. */
static int runStart(httpReq *r, void *ctx) { return onStart(r, ((runCtx *)ctx)->cl); }
static long runDone(httpReq *r, void *ctx) { return onDone(r, ((runCtx *)ctx)->cl); }

void storeCallRun(storeCallClient *cl, storeCall **calls, size_t n, int parallel) {
    runCtx u = {cl, calls, n, 0};
    httpFeed f = {runNext, runStart, runDone, &u};
    for (size_t i = 0; i < n; i++) calls[i]->ambiguous = calls[i]->settled = 0;
    char e[ERR_MAX];
    if (n == 0 || httpRun(cl->http, &f, (size_t)parallel > n ? (int)n : parallel, e) == 0) return;
    for (size_t i = 0; i < n; i++) {      /* the HTTP layer failed as a whole */
        storeCall *c = calls[i];
        if (c->settled) continue;
        c->req.rc = HTTP_SETUP;
        snprintf(c->req.err, sizeof c->req.err, "%s", e);
        c->settled = 1;
        finish(c);
    }
}

void storeCallRunOne(storeCallClient *cl, storeCall *c) { storeCallRun(cl, &c, 1, 1); }

/* readBack: HEAD the key of an ambiguous PUT and decide (storeCallSettle). */
static int readBack(storeCallClient *cl, storeCall *c, const char *ifMatch, char *newEtag, char *err) {
    char etag[STORE_ETAG_MAX] = "", mark[STORECALL_MARK_MAX] = "";
    int rc = cl->ops->head(cl->be, c->key, etag, mark, err);
    if (rc == STORE_ERR) return rc;
    int ours = c->mark[0] && !strcmp(mark, c->mark);
    rc = storeCallSettle(c->cond, rc, ours, etag, ifMatch);
    if (rc == STORE_OK) memcpy(newEtag, etag, STORE_ETAG_MAX);
    return rc;
}

int storeCallPut(storeCallClient *cl, storeCall *c, const char *ifMatch, char newEtag[STORE_ETAG_MAX], char *err) {
    int rounds = 0;
    for (; c->ambiguous; rounds++) {
        int rc = readBack(cl, c, ifMatch, newEtag, err);
        if (rc != 1) return rc;
        if (rounds >= cl->retries) return cl->ops->error(cl->be, c, err);
        clockSleepMs(clockBackoffMs(rounds + 1, STORECALL_BACKOFF_BASE, STORECALL_BACKOFF_CAP, CLOCK_JITTER_FULL));
        storeCallRunOne(cl, c);
    }
    int rc = cl->ops->putOutcome(cl->be, c, newEtag, err);
    if (rc == STORE_CONFLICT && rounds > 0) {
        char etag[STORE_ETAG_MAX] = "", mark[STORECALL_MARK_MAX] = "", e[ERR_MAX];
        if (cl->ops->head(cl->be, c->key, etag, mark, e) == STORE_OK && c->mark[0] && !strcmp(mark, c->mark)) {
            memcpy(newEtag, etag, STORE_ETAG_MAX);
            return STORE_OK;
        }
    }
    return rc;
}

int storeCallMany(storeCallClient *cl, int parallel, void *reqs, size_t size, size_t n,
                  int (*prep)(storeCallClient *cl, storeCall *c, void *req),
                  int (*done)(storeCallClient *cl, storeCall *c, void *req), char *err) {
    storeCall *calls = calloc(n ? n : 1, sizeof *calls);
    storeCall **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    if (!calls || !ptrs) { free(calls); free(ptrs); return errSet(err, "out of memory"); }
    size_t ok = 0;
    for (; ok < n; ok++) {
        if (prep(cl, &calls[ok], (char *)reqs + ok * size) < 0) break;
        ptrs[ok] = &calls[ok];
    }
    int failed = 0;
    if (ok < n) {
        failed = errSet(err, "out of memory");
        n = ok + 1;   /* the call whose set-up failed is freed too */
    } else {
        storeCallRun(cl, ptrs, n, parallel);
        for (size_t i = 0; i < n; i++) failed += done(cl, &calls[i], (char *)reqs + i * size);
    }
    for (size_t i = 0; i < n; i++) storeCallFree(&calls[i]);
    free(calls);
    free(ptrs);
    return failed;
}

int storeCallPutOne(storeCallClient *cl, const char *key, const void *data, size_t len, storeCond cond,
                    const char *ifMatch, char newEtag[STORE_ETAG_MAX], char *err) {
    storeCall c;
    int rc = cl->ops->putInit(cl->be, &c, key, data, len, cond, ifMatch) < 0 ? errSet(err, "out of memory") : 0;
    if (rc == 0) {
        storeCallRunOne(cl, &c);
        rc = storeCallPut(cl, &c, ifMatch, newEtag, err);
    }
    storeCallFree(&c);
    return rc;
}

/* putPrep: storeCallMany prep: call c for the storeReq req. 0 / -1 (out of memory). */
static int putPrep(storeCallClient *cl, storeCall *c, void *req) {
    storeReq *r = req;
    return cl->ops->putInit(cl->be, c, r->key, r->data, r->len, r->cond, r->ifMatch);
}

/* putDone: storeCallMany done: settle c into req (rc, etag, err); 1 when it failed. */
static int putDone(storeCallClient *cl, storeCall *c, void *req) {
    storeReq *r = req;
    r->rc = storeCallPut(cl, c, r->ifMatch, r->etag, r->err);
    return r->rc == STORE_ERR;
}

int storeCallPutMany(storeCallClient *cl, int parallel, storeReq *reqs, size_t n, char *err) {
    return storeCallMany(cl, parallel, reqs, sizeof *reqs, n, putPrep, putDone, err);
}
