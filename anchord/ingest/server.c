/* server.c -- the ingest HTTP API on libmicrohttpd (server.h; `anchord serve` runs it). */
#include <ctype.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <microhttpd.h>
#include "core/jcs.h"
#include "core/io/clock.h"
#include "core/io/net.h"
#include "anchord/ingest/commit.h"
#include "anchord/config/config.h"
#include "anchord/ingest/ingest.h"
#include "anchord/ingest/server.h"
#include "anchord/ops/log.h"
#include "anchord/ops/metrics.h"
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
} request;

enum { R_NONE, R_EVENTS, R_DIDS, R_STATUS, R_HEALTH, R_METRICS, R_APIDOC };

static queue *poolGet(qpool *p, char *err) {
    queue *q = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->n) q = p->free[--p->n];
    pthread_mutex_unlock(&p->mu);
    if (!q) q = queueOpen(p->cfg->redisUrl, (int)p->cfg->streamShards, 2000, err);
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

/* ---- request framing (RFC 9112) ----
 * libmicrohttpd 0.9.75 (Debian 12) is lenient where that lets the bytes after one
 * request be read as another (request smuggling through a proxy that frames them
 * otherwise): it takes the first of two Content-Length headers, lets Transfer-Encoding
 * override Content-Length, keeps "Transfer-Encoding :" as a header of another name
 * (its only check of whitespace before the colon runs at MHD_OPTION_STRICT_FOR_CLIENT
 * -1, which is also its most lenient level for everything else), reads a body of an
 * unknown transfer coding until the client closes, and decodes "%00" in the path
 * (POST /events%00.json is routed as /events). It has no MHD_OPTION_CLIENT_DISCIPLINE_LVL
 * (0.9.77+). So the handler's first call checks the headers and the raw target (seen
 * by the URI log callback, before decoding) and answers 400 with the connection closed. */

/* tokenChar: RFC 9110 §5.6.2 tchar. */
static int tokenChar(unsigned char ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

typedef struct hdrScan {
    int badName, nLength, badLength, nCoding;
    const char *coding;
} hdrScan;

/* scanHeader: MHD_get_connection_values callback over the request headers. */
static enum MHD_Result scanHeader(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    hdrScan *h = cls;
    const unsigned char *k = (const unsigned char *)key;
    if (!*k) h->badName = 1;
    for (; *k; k++) if (!tokenChar(*k)) h->badName = 1;
    if (!strcasecmp(key, "Content-Length")) {
        h->nLength++;
        if (!value || !*value || strspn(value, "0123456789") != strlen(value)) h->badLength = 1;
    } else if (!strcasecmp(key, "Transfer-Encoding")) {
        h->nCoding++;
        h->coding = value ? value : "";
    }
    return MHD_YES;
}

/* framingBad: why the request's framing cannot be trusted (RFC 9112 §5.1, §6.1, §6.3),
 * or NULL. */
static const char *framingBad(struct MHD_Connection *c, const char *version, const request *rq) {
    if (rq->badTarget)
        return "the request target has a malformed %-escape or encodes a control character (such as %00)";
    hdrScan h = {0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, scanHeader, &h);
    if (h.badName) return "a header field name is not a token (whitespace before the colon?) (RFC 9112 5.1)";
    if (h.nLength > 1 || h.badLength) return "Content-Length must be given once, as digits (RFC 9112 6.3)";
    if (h.nCoding && h.nLength) return "Transfer-Encoding and Content-Length together (RFC 9112 6.3)";
    if (h.nCoding > 1 || (h.nCoding && strcasecmp(h.coding, "chunked")))
        return "the only transfer coding accepted is one Transfer-Encoding: chunked (RFC 9112 6.1)";
    if (h.nCoding && version && !strcmp(version, "HTTP/1.0"))
        return "Transfer-Encoding in an HTTP/1.0 request (RFC 9112 6.1)";
    return NULL;
}

/* targetBad: the raw request target (before %-decoding) has a byte outside visible
 * ASCII, a '%' not followed by two hex digits, or an escape of a control character. */
static int targetBad(const char *t) {
    for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
        if (*p <= ' ' || *p >= 0x7f) return 1;
        if (*p != '%') continue;
        if (!isxdigit(p[1]) || !isxdigit(p[2])) return 1;
        char hex[3] = {(char)p[1], (char)p[2], 0};
        long v = strtol(hex, NULL, 16);
        if (v < 0x20 || v == 0x7f) return 1;
        p += 2;
    }
    return 0;
}

/* uriLog: MHD's URI log callback, called with the raw target before it decodes it:
 * the request's record (the handler's *state), marked when the target is bad. */
static void *uriLog(void *cls, const char *uri, struct MHD_Connection *c) {
    request *rq = calloc(1, sizeof *rq);
    if (rq) rq->badTarget = targetBad(uri);
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

/* answer: the response to a POST whose outcome is r. */
static enum MHD_Result answer(struct MHD_Connection *c, int route, const ingestResult *r) {
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
        ingestEventDone(&s->ing, &rq->pend, rq->cr.err, &rq->res);
        return answer(c, rq->route, &rq->res);
    }
    if (rq->stage == ST_COMMITTING) return MHD_YES;   /* not resumed yet (MHD does not call then) */
    char err[ERR_MAX];
    queue *q = poolGet(&s->pool, err);
    if (!q) return replyErr(c, REJ_INTERNAL, err, 0);
    int ready = 0;
    if (rq->route == R_EVENTS)
        ready = ingestEventCheck(&s->ing, q, (const char *)rq->body.p, rq->body.len, &rq->res, &rq->pend);
    else ingestDid(&s->ing, q, (const char *)rq->body.p, rq->body.len, &rq->res);
    poolPut(&s->pool, q);
    if (!ready) return answer(c, rq->route, &rq->res);
    rq->stage = ST_COMMITTING;
    rq->conn = c;
    rq->cr = (commitReq){.item = &rq->pend.item, .done = resumeAnswered, .arg = rq};
    MHD_suspend_connection(c);   /* before submitting: the answer may come at once */
    commitSubmit(s->commit, &rq->cr);
    return MHD_YES;
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
    int rc = queueStatusGet(q, scid, id, &st, e);
    poolPut(&s->pool, q);
    if (rc < 0) return replyErr(c, REJ_UNAVAILABLE, e, 0);
    if (rc == 0) return replyErr(c, REJ_NOT_FOUND, "no event with this id for this SCID", 0);
    json_object_del(st, "sid");   /* internal */
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
        const char *why = framingBad(c, version, rq);
        if (why) return replyFraming(c, why);
        int methodOk;
        int route = routeOf(method, url, &methodOk);
        if (route == R_NONE) return replyErr(c, REJ_NOT_FOUND, "no such endpoint", 0);
        if (!methodOk) return replyErr(c, REJ_METHOD, "method not allowed here", 0);
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
    bufFree(&rq->body);
    free(rq);
    *state = NULL;
}

int serverRun(const config *cfg, genesisCheckFn checkFn, void *genesisCtx, char *err) {
    struct sockaddr_storage ss;
    if (netListenParse(cfg->listen, &ss, err) < 0) return -1;   /* the settings table checked it already */
    server *s = calloc(1, sizeof *s);
    if (!s) return errSet(err, "out of memory");
    s->cfg = *cfg;
    didRegistry *cached = cfg->registryCacheMs > 0 ? didregCache(&didregRedis, cfg->registryCacheMs) : NULL;
    s->ing = (ingestCtx){&s->cfg, cached ? cached : &didregRedis, checkFn, genesisCtx};
    pthread_mutex_init(&s->pool.mu, NULL);
    s->pool.cfg = &s->cfg;
    journalCrashAt(NULL);
    /* Threads inherit this mask, so only sigwait below sees SIGINT/SIGTERM. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (!(s->commit = commitStart(cfg->redisUrl, (int)cfg->streamShards, 2000, COMMIT_MAX, err))) {
        poolFree(&s->pool); didregCacheFree(cached); free(s);
        return -1;
    }
    unsigned timeout = (unsigned)((cfg->httpTimeoutMs + 999) / 1000);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL,
        handler, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->httpThreads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->httpMaxConns,
        /* slowloris: one address that trickles bytes keeps its connections alive past
         * the idle timeout; the cap keeps it from taking every slot */
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->httpMaxConnsPerIp,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout,
        /* headers + read buffer (bodies go to our own bounded buffer); MHD zeroes the
         * pool between keep-alive requests: 64 KB made that 3 % of the server's CPU */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(16 * 1024),
        MHD_OPTION_NOTIFY_COMPLETED, completed, s,
        MHD_OPTION_URI_LOG_CALLBACK, uriLog, s,
        MHD_OPTION_END);
    if (!d) {
        commitStop(s->commit); commitFree(s->commit);
        poolFree(&s->pool); didregCacheFree(cached); free(s);
        return errSet(err, "cannot listen on %s", cfg->listen);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    logKv(LL_INFO, "listening", "{s:s,s:i,s:s,s:I,s:I}", "listen", cfg->listen, "port", info ? info->port : 0,
          "redis", cfg->redisUrl[8] == ':' ? "(with password)" : cfg->redisUrl, "maxBody", (json_int_t)cfg->maxBody,
          "threads", (json_int_t)cfg->httpThreads);
    int sig = 0;
    sigwait(&set, &sig);
    logKv(LL_INFO, "shutting down", "{s:i}", "signal", sig);
    /* Every suspended connection must be resumed before MHD_stop_daemon (it panics
     * otherwise): the committer answers what it holds, later requests at once. */
    commitStop(s->commit);
    MHD_stop_daemon(d);
    commitFree(s->commit);
    poolFree(&s->pool);
    didregCacheFree(cached);
    free(s);
    return 0;
}
