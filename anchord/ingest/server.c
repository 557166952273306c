/* server.c -- the ingest HTTP API on libmicrohttpd (server.h; `anchord serve` runs it). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <microhttpd.h>
#include "core/jcs.h"
#include "core/io/clock.h"
#include "core/io/httpd.h"
#include "core/io/net.h"
#include "anchord/ingest/commit.h"
#include "anchord/config/config.h"
#include "anchord/ingest/ingest.h"
#include "anchord/ingest/published.h"
#include "anchord/ingest/server.h"
#include "anchord/ops/log.h"
#include "anchord/ops/metrics.h"
#include "anchord/ops/trace.h"
#include "anchord/ingest/apidocs.h"
#include "anchord/queue/qmetrics.h"

/* A small pool of Redis connections: one per request in flight, reused. */
typedef struct qpool {
    pthread_mutex_t mu;
    queue **free;
    size_t n, cap;
    const config *cfg;
} qpool;

typedef struct server {
    config cfg;
    ingestCtx ing;
    qpool pool;
    committer *commit;               /* group commit of the POST /events enqueues */
    published *pub;                  /* GET /events of an event whose status expired */
} server;

enum { ST_NEW, ST_COMMITTING, ST_ANSWERED };   /* a POST /events request's stage */
#define COMMIT_MAX 256                            /* events per Redis round trip at most */

typedef struct request {
    int started;                     /* the handler has seen this request's headers */
    int badTarget;                   /* the raw request target cannot be decoded safely */
    int route;
    buf body;
    int tooLarge;
    int stage;
    struct MHD_Connection *conn;
    ingestResult res;
    ingestPending pend;
    commitReq cr;
    span sp;                         /* "ingest" (POST): from the headers to the request's end */
    char tp[TRACEPARENT_MAX];        /* sp's context, queued with the event (stream field "tp") */
} request;

enum { R_NONE, R_EVENTS, R_DIDS, R_STATUS, R_HEALTH, R_METRICS, R_APIDOC };

static queue *poolGet(qpool *p, char *err) {
    queue *q = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->n) q = p->free[--p->n];
    pthread_mutex_unlock(&p->mu);
    if (!q && (q = queueOpen(p->cfg->redisUrl, (int)p->cfg->streamShards, 2000, err)))
        queueSetWait(q, configRedisWaitReplicas(p->cfg), (int)p->cfg->redisWaitMs);
    return q;
}

static void poolPut(qpool *p, queue *q) {
    pthread_mutex_lock(&p->mu);
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        queue **f = realloc(p->free, cap * sizeof *f);
        if (f) { p->free = f; p->cap = cap; }
    }
    if (p->n < p->cap) { p->free[p->n++] = q; q = NULL; }
    pthread_mutex_unlock(&p->mu);
    queueClose(q);
}

static void poolFree(qpool *p) {
    for (size_t i = 0; i < p->n; i++) queueClose(p->free[i]);
    free(p->free);
    pthread_mutex_destroy(&p->mu);
}

/* replyHow: queue a response with body s (copied) and the JSON/CORS headers;
 * closeConn: "Connection: close", and MHD closes the connection after it. */
static enum MHD_Result replyHow(struct MHD_Connection *c, int status, const char *ctype, const char *s, size_t n,
                                long long retryAfter, int closeConn) {
    struct MHD_Response *r = MHD_create_response_from_buffer(n, (void *)s, MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    if (closeConn) MHD_add_response_header(r, "Connection", "close");
    MHD_add_response_header(r, "Content-Type", ctype);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    if (status == 405) MHD_add_response_header(r, "Allow", "GET, POST");
    if (retryAfter > 0) {
        char ra[24];
        snprintf(ra, sizeof ra, "%lld", retryAfter);
        MHD_add_response_header(r, "Retry-After", ra);
    }
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    char code[8];
    snprintf(code, sizeof code, "%d", status);
    metricsInc("http_requests_total", code, 1);
    return rc;
}

static enum MHD_Result reply(struct MHD_Connection *c, int status, const char *ctype, const char *s, size_t n,
                             long long retryAfter) {
    return replyHow(c, status, ctype, s, n, retryAfter, 0);
}

/* replyJsonHow: v (stolen) in JCS form. */
static enum MHD_Result replyJsonHow(struct MHD_Connection *c, int status, json_t *v, long long retryAfter,
                                    int closeConn) {
    char *s = v ? jcsDump(v, NULL, NULL) : NULL;
    json_decref(v);
    if (!s) return replyHow(c, 500, "application/json", "{\"error\":\"internal\"}", 20, 0, closeConn);
    enum MHD_Result rc = replyHow(c, status, "application/json", s, strlen(s), retryAfter, closeConn);
    free(s);
    return rc;
}

static enum MHD_Result replyJson(struct MHD_Connection *c, int status, json_t *v, long long retryAfter) {
    return replyJsonHow(c, status, v, retryAfter, 0);
}

/* replyErr: {"error": name, "detail": text}. The detail is made valid UTF-8 first (a
 * header value, or text cut by a bound): a refusal never turns into a 500. */
static enum MHD_Result replyErr(struct MHD_Connection *c, rejectCode code, const char *detail, long long retryAfter) {
    char d[ERR_MAX];
    snprintf(d, sizeof d, "%s", detail ? detail : "");
    errUtf8Fix(d);
    return replyJson(c, rejectStatus(code), json_pack("{s:s,s:s}", "error", rejectName(code), "detail", d), retryAfter);
}

/* replyFraming: 400 malformed for a request whose framing or target cannot be trusted,
 * and the connection closed: its remaining bytes are never read as another request. */
static enum MHD_Result replyFraming(struct MHD_Connection *c, const char *detail) {
    return replyJsonHow(c, 400, json_pack("{s:s,s:s}", "error", rejectName(REJ_MALFORMED), "detail", detail), 0, 1);
}

/* uriLog: MHD's URI log callback, called with the raw target before it decodes it:
 * the request's record (the handler's *state), marked when the target is bad. */
static void *uriLog(void *cls, const char *uri, struct MHD_Connection *c) {
    request *rq = calloc(1, sizeof *rq);
    if (rq) rq->badTarget = httpdTargetBad(uri);
    return rq;
}

static int routeOf(const char *method, const char *url, int *methodOk) {
    int post = !strcmp(method, "POST"), get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    int r = !strcmp(url, "/events") ? R_EVENTS : !strcmp(url, "/dids") ? R_DIDS
          : !strncmp(url, "/events/", 8) ? R_STATUS : !strcmp(url, "/health") ? R_HEALTH
          : !strcmp(url, "/metrics") ? R_METRICS
          : !strcmp(url, "/openapi.yaml") || !strncmp(url, "/schemas/", 9) ? R_APIDOC : R_NONE;
    *methodOk = r == R_NONE || ((r == R_EVENTS || r == R_DIDS) ? post : get);
    return r;
}

/* mediaOk: application/json (events), application/jsonl or text/jsonl too (logs);
 * parameters such as "; charset=utf-8" are allowed. */
static int mediaOk(const char *ct, int route) {
    if (!ct) return 0;
    size_t n = strcspn(ct, "; ");
    if (n == 16 && !strncasecmp(ct, "application/json", 16)) return 1;
    return route == R_DIDS && ((n == 17 && !strncasecmp(ct, "application/jsonl", 17)) ||
                               (n == 10 && !strncasecmp(ct, "text/jsonl", 10)));
}

/* answer: the response to a POST whose outcome is r (recorded on its span). */
static enum MHD_Result answer(struct MHD_Connection *c, request *rq, const ingestResult *r) {
    int route = rq->route;
    spanAttrStr(&rq->sp, "wa.outcome", r->code == REJ_OK ? "queued" : rejectName(r->code));
    spanAttrInt(&rq->sp, "http.response.status_code", r->code == REJ_OK ? 202 : rejectStatus(r->code));
    if (r->id[0]) spanAttrStr(&rq->sp, "wa.event.id", r->id);
    if (r->scid[0]) spanAttrStr(&rq->sp, "wa.scid", r->scid);
    if (r->sid[0]) spanAttrStr(&rq->sp, "wa.stream.id", r->sid);
    if (r->code != REJ_OK) spanError(&rq->sp, rejectName(r->code));
    if (r->code != REJ_OK) return replyErr(c, r->code, r->detail, r->retryAfter);
    if (route == R_EVENTS) return replyJson(c, 202, json_pack("{s:s,s:s}", "id", r->id, "status", "queued"), 0);
    return replyJson(c, 202, json_pack("{s:s,s:s}", "scid", r->scid, "status", "queued"), 0);
}

/* resumeAnswered: the committer has Redis' answer for this request (any thread). */
static void resumeAnswered(commitReq *cr) {
    request *rq = cr->arg;
    rq->stage = ST_ANSWERED;
    MHD_resume_connection(rq->conn);   /* MHD calls the handler again: doPost answers */
}

/* doPost: checks on this thread; the enqueue of an event goes to the group commit
 * (the connection is suspended until Redis answered), a genesis log's is direct. */
static enum MHD_Result doPost(server *s, struct MHD_Connection *c, request *rq) {
    if (rq->stage == ST_ANSWERED) {
        const span *was = traceSetCurrent(&rq->sp);
        ingestEventDone(&s->ing, &rq->pend, rq->cr.err, &rq->res);
        traceSetCurrent(was);
        return answer(c, rq, &rq->res);
    }
    if (rq->stage == ST_COMMITTING) return MHD_YES;   /* not resumed yet (MHD does not call then) */
    char err[ERR_MAX];
    queue *q = poolGet(&s->pool, err);
    if (!q) return replyErr(c, REJ_INTERNAL, err, 0);
    int ready = 0;
    const span *was = traceSetCurrent(&rq->sp);   /* its log lines name the request's trace */
    if (rq->route == R_EVENTS)
        ready = ingestEventCheck(&s->ing, q, (const char *)rq->body.p, rq->body.len, &rq->res, &rq->pend);
    else ingestDid(&s->ing, q, (const char *)rq->body.p, rq->body.len, &rq->res);
    traceSetCurrent(was);
    poolPut(&s->pool, q);
    if (!ready) return answer(c, rq, &rq->res);
    traceparentFormat(&rq->sp.ctx, rq->tp);      /* anchord run continues this trace */
    rq->pend.item.traceparent = rq->tp[0] ? rq->tp : NULL;
    rq->stage = ST_COMMITTING;
    rq->conn = c;
    rq->cr = (commitReq){.item = &rq->pend.item, .done = resumeAnswered, .arg = rq};
    MHD_suspend_connection(c);   /* before submitting: the answer may come at once */
    commitSubmit(s->commit, &rq->cr);
    return MHD_YES;
}

/* registered: 1 when a DID with this SCID is registered (the ingest registry, cached),
 * 0 when not, -1 + err (Redis). Spares the store a read for a SCID never seen here. */
static int registered(const server *s, queue *q, const char *scid, char *err) {
    didInfo *di = malloc(sizeof *di);
    if (!di) return errSet(err, "out of memory");
    int rc = s->ing.reg->lookup(s->ing.reg, q, scid, di, err);
    free(di);
    return rc < 0 ? -1 : rc > 0;
}

/* statusShow: a status record as GET shows it: without the internal stream id, with the
 * witness.json key and a 0x-prefixed txHash (Redis keeps neither: docs/operations.md "Redis
 * memory"). */
static void statusShow(const server *s, const char *scid, json_t *st) {
    json_object_del(st, "sid");
    const char *tx = json_string_value(json_object_get(st, "txHash"));
    if (tx && strncmp(tx, "0x", 2)) {
        char t[80];
        snprintf(t, sizeof t, "0x%s", tx);
        json_object_set_new(st, "txHash", json_string(t));
    }
    const char *status = json_string_value(json_object_get(st, "status"));
    if (status && !strcmp(status, "anchored") && !json_object_get(st, "witness")) {
        char k[600];
        if (s->cfg.prefix[0]) snprintf(k, sizeof k, "%s/%s/witness.json", s->cfg.prefix, scid);
        else snprintf(k, sizeof k, "%s/witness.json", scid);
        json_object_set_new(st, "witness", json_string(k));
    }
}

static enum MHD_Result doStatus(server *s, struct MHD_Connection *c, const char *url) {
    char scid[WEBVH_SCID_LEN + 2], id[EVENT_ID_MAX + 2], e[ERR_MAX];
    const char *p = url + 8, *slash = strchr(p, '/');
    size_t sn = slash ? (size_t)(slash - p) : 0;
    if (!slash || sn > WEBVH_SCID_LEN || strlen(slash + 1) > EVENT_ID_MAX)
        return replyErr(c, REJ_NOT_FOUND, "use GET /events/{scid}/{id}", 0);
    memcpy(scid, p, sn); scid[sn] = 0;
    strcpy(id, slash + 1);
    if (!didScidValid(scid) || !idValid(id))
        return replyErr(c, REJ_MALFORMED, "bad SCID or event id in the path", 0);
    queue *q = poolGet(&s->pool, e);
    if (!q) return replyErr(c, REJ_INTERNAL, e, 0);
    json_t *st = NULL;
    int rc = queueStatusGet(q, scid, id, &st, e), known = 1;
    if (rc == 0) known = registered(s, q, scid, e);   /* nothing is published for an unknown SCID */
    poolPut(&s->pool, q);
    if (rc < 0 || known < 0) return replyErr(c, REJ_UNAVAILABLE, e, 0);
    /* Redis holds what is in flight: an anchored event's status expires with its replay
     * marker, and is then read from the published files */
    if (rc == 0 && known && (rc = publishedStatus(s->pub, scid, id, &st, e)) < 0)
        return replyErr(c, REJ_UNAVAILABLE, e, 0);
    if (rc == 0) return replyErr(c, REJ_NOT_FOUND, "no event with this id for this SCID", 0);
    statusShow(s, scid, st);
    json_object_set_new(st, "id", json_string(id));
    json_object_set_new(st, "scid", json_string(scid));
    return replyJson(c, 200, st, 0);
}

static enum MHD_Result doHealth(server *s, struct MHD_Connection *c) {
    char e[ERR_MAX];
    queue *q = poolGet(&s->pool, e);
    if (!q) return replyErr(c, REJ_INTERNAL, e, 0);
    int rc = queuePing(q, e);
    poolPut(&s->pool, q);
    if (rc < 0) return replyErr(c, REJ_UNAVAILABLE, e, 0);
    return replyJson(c, 200, json_pack("{s:s}", "status", "ok"), 0);
}

static enum MHD_Result doMetrics(server *s, struct MHD_Connection *c) {
    char e[ERR_MAX];
    queue *q = poolGet(&s->pool, e);
    if (q) {   /* queue gauges are read at scrape time; a Redis outage leaves the last values */
        qmetricsUpdate(q, clockWallMs(), e);   /* stream-entry ages: Redis ids are wall ms */
        poolPut(&s->pool, q);
    }
    buf b = BUF_INIT;
    metricsRender(&b);
    enum MHD_Result rc = reply(c, 200, "text/plain; version=0.0.4", b.p ? (char *)b.p : "", b.len, 0);
    bufFree(&b);
    return rc;
}

/* doApiDoc: the embedded OpenAPI description or a JSON Schema (apidocs.h); 404 for a
 * name that is not one of them. */
static enum MHD_Result doApiDoc(struct MHD_Connection *c, const char *url) {
    const apiDoc *d = apiDocFind(url);
    if (!d) return replyErr(c, REJ_NOT_FOUND, "no such schema (GET /openapi.yaml lists them)", 0);
    return reply(c, 200, d->type, (const char *)d->data, d->len, 0);
}

/* handler: MHD calls it once with the headers, then per body chunk, then with
 * *upload_size == 0 when the body is complete. */
static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                               const char *version, const char *upload, size_t *uploadSize, void **state) {
    server *s = cls;
    request *rq = *state;
    if (!rq || !rq->started) {
        if (!rq && !(rq = *state = calloc(1, sizeof *rq))) return MHD_NO;   /* uriLog could not allocate */
        rq->started = 1;
        const char *why = httpdFramingBad(c, version, rq->badTarget);
        if (why) return replyFraming(c, why);
        int methodOk;
        int route = routeOf(method, url, &methodOk);
        if (route == R_NONE) return replyErr(c, REJ_NOT_FOUND, "no such endpoint", 0);
        if (!methodOk) return replyErr(c, REJ_METHOD, "method not allowed here", 0);
        if ((route == R_EVENTS || route == R_DIDS) && traceOn()) {
            /* a W3C traceparent continues the caller's trace; none (or a bad one) starts one */
            traceCtx parent;
            traceparentParse(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "traceparent"), &parent);
            spanStart(&rq->sp, "ingest", SPAN_SERVER, &parent);
            spanAttrStr(&rq->sp, "http.request.method", "POST");
            spanAttrStr(&rq->sp, "url.path", route == R_EVENTS ? "/events" : "/dids");
        }
        if (route == R_EVENTS || route == R_DIDS) {
            if (!mediaOk(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"), route))
                return replyErr(c, REJ_MEDIA_TYPE,
                                route == R_EVENTS ? "Content-Type must be application/json"
                                                  : "Content-Type must be application/jsonl or application/json", 0);
            const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
            if (cl && strtoull(cl, NULL, 10) > (unsigned long long)s->cfg.maxBody) {
                char d[ERR_MAX];
                snprintf(d, sizeof d, "body of %.20s bytes is above the limit of %lld", cl, s->cfg.maxBody);
                return replyErr(c, REJ_TOO_LARGE, d, 0);   /* answered before the body is read */
            }
        }
        rq->route = route;
        return MHD_YES;
    }
    if (*uploadSize) {
        if (!rq->tooLarge && rq->body.len + *uploadSize > (size_t)s->cfg.maxBody) {
            rq->tooLarge = 1;   /* chunked body over the limit: stop keeping it */
            bufFree(&rq->body);
        }
        if (!rq->tooLarge && bufAppend(&rq->body, upload, *uploadSize) < 0) return MHD_NO;
        *uploadSize = 0;
        return MHD_YES;
    }
    switch (rq->route) {
    case R_EVENTS:
    case R_DIDS:
        if (rq->tooLarge) {
            char d[ERR_MAX];
            snprintf(d, sizeof d, "body is above the limit of %lld bytes", s->cfg.maxBody);
            return replyErr(c, REJ_TOO_LARGE, d, 0);
        }
        return doPost(s, c, rq);
    case R_STATUS: return doStatus(s, c, url);
    case R_HEALTH: return doHealth(s, c);
    case R_APIDOC: return doApiDoc(c, url);
    default: return doMetrics(s, c);
    }
}

static void completed(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode toe) {
    request *rq = *state;
    if (!rq) return;
    free(rq->pend.canon);   /* set only between check and answer */
    if (rq->sp.recording && rq->stage != ST_ANSWERED && !rq->res.code && !rq->res.id[0])
        spanError(&rq->sp, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "refused before the body" : "connection ended");
    spanEnd(&rq->sp);
    bufFree(&rq->body);
    free(rq);
    *state = NULL;
}

int serverRun(const config *cfg, genesisCheckFn checkFn, void *genesisCtx, char *err) {
    if (netListenParse(cfg->listen, NULL, err) < 0) return -1;   /* the settings table checked it already */
    server *s = calloc(1, sizeof *s);
    if (!s) return errSet(err, "out of memory");
    s->cfg = *cfg;
    didRegistry *cached = cfg->registryCacheMs > 0 ? didregCache(&didregRedis, cfg->registryCacheMs) : NULL;
    s->ing = (ingestCtx){&s->cfg, cached ? cached : &didregRedis, checkFn, genesisCtx};
    pthread_mutex_init(&s->pool.mu, NULL);
    s->pool.cfg = &s->cfg;
    if (!(s->pub = publishedNew(&s->cfg))) { didregCacheFree(cached); free(s); return errSet(err, "out of memory"); }
    journalCrashAt(NULL);
    httpdBlockSignals();   /* threads inherit the mask, so only httpdWaitSignal sees SIGINT/SIGTERM */
    if (!(s->commit = commitStart(cfg->redisUrl, (int)cfg->streamShards, 2000, COMMIT_MAX, err)) ||
        (commitSetWait(s->commit, configRedisWaitReplicas(cfg), (int)cfg->redisWaitMs), 0)) {
        poolFree(&s->pool); didregCacheFree(cached); publishedFree(s->pub); free(s);
        return -1;
    }
    httpdOpts ho = {cfg->listen, (unsigned)cfg->httpThreads, (unsigned)cfg->httpMaxConns, (unsigned)cfg->httpMaxConnsPerIp,
                    cfg->httpTimeoutMs, 1};
    unsigned port = 0;
    struct MHD_Daemon *d = httpdStart(&ho, handler, s, completed, uriLog, &port, err);
    if (!d) {
        commitStop(s->commit); commitFree(s->commit);
        poolFree(&s->pool); didregCacheFree(cached); publishedFree(s->pub); free(s);
        return -1;
    }
    logKv(LL_INFO, "listening", "{s:s,s:i,s:s,s:I,s:I}", "listen", cfg->listen, "port", (int)port,
          "redis", cfg->redisUrl[8] == ':' ? "(with password)" : cfg->redisUrl, "maxBody", (json_int_t)cfg->maxBody,
          "threads", (json_int_t)cfg->httpThreads);
    int sig = httpdWaitSignal();
    logKv(LL_INFO, "shutting down", "{s:i}", "signal", sig);
    /* Every suspended connection must be resumed before MHD_stop_daemon (it panics
     * otherwise): the committer answers what it holds, later requests at once. */
    commitStop(s->commit);
    MHD_stop_daemon(d);
    commitFree(s->commit);
    poolFree(&s->pool);
    didregCacheFree(cached);
    publishedFree(s->pub);
    free(s);
    return 0;
}
