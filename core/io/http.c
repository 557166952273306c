/* http.c -- the one HTTP client (http.h): libcurl multi under every call, so sequential
 * requests reuse kept-alive connections and bulk runs keep many in flight. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include <sodium.h>
#include "core/io/clock.h"
#include "core/io/http.h"

/* One request in flight: the easy handle it runs on and this attempt's state. */
typedef struct slot {
    CURL *h;                        /* created on first use, reused after */
    httpReq *r;                     /* NULL: the slot is free */
    struct curl_slist *hdrs;        /* this attempt's header lines (wiped when freed) */
    size_t pos;                     /* upload position */
    int over, oom;                  /* the 2xx body passed maxBody / could not be stored */
    char cerr[CURL_ERROR_SIZE];
} slot;

/* A request waiting for its pause to end before it is sent again. */
typedef struct delayed { httpReq *r; int64_t notBefore; } delayed;

struct httpClient {
    CURLM *multi;
    slot *slots;
    int max;
    int *freeIdx, nfree;            /* slots without a request (a stack, set up per run) */
    delayed *wait;                  /* requests waiting to be resent */
    size_t nwait, capWait;
};

static pthread_once_t curlOnce = PTHREAD_ONCE_INIT;
static CURLcode curlInitRc = CURLE_OK;
static void curlInit(void) { curlInitRc = curl_global_init(CURL_GLOBAL_DEFAULT); }

httpClient *httpClientNew(int maxParallel, char *err) {
    pthread_once(&curlOnce, curlInit);
    if (curlInitRc != CURLE_OK) { errSet(err, "libcurl: cannot initialise: %s", curl_easy_strerror(curlInitRc)); return NULL; }
    if (maxParallel < 1 || maxParallel > HTTP_PARALLEL_MAX) {
        errSet(err, "http: %d requests in flight: want 1..%d", maxParallel, HTTP_PARALLEL_MAX);
        return NULL;
    }
    httpClient *c = calloc(1, sizeof *c);
    if (c) c->slots = calloc((size_t)maxParallel, sizeof *c->slots);
    if (c) c->freeIdx = calloc((size_t)maxParallel, sizeof *c->freeIdx);
    if (c && c->slots && c->freeIdx) c->multi = curl_multi_init();
    if (!c || !c->multi) { httpClientFree(c); errSet(err, "out of memory"); return NULL; }
    c->max = maxParallel;
    return c;
}

/* wipeHeaders: zero and free a header list (lines may hold tokens or signatures). */
static void wipeHeaders(struct curl_slist **l) {
    for (struct curl_slist *p = *l; p; p = p->next) sodium_memzero(p->data, strlen(p->data));
    curl_slist_free_all(*l);
    *l = NULL;
}

void httpClientFree(httpClient *c) {
    if (!c) return;
    for (int i = 0; c->slots && i < c->max; i++) {
        slot *s = &c->slots[i];
        if (s->h && s->r) curl_multi_remove_handle(c->multi, s->h);
        if (s->h) curl_easy_cleanup(s->h);
        wipeHeaders(&s->hdrs);
    }
    if (c->multi) curl_multi_cleanup(c->multi);
    free(c->slots);
    free(c->freeIdx);
    free(c->wait);
    free(c);
}

void httpReqFree(httpReq *r) { bufFree(&r->body); }

/* ---- curl callbacks ---- */

static size_t onRead(char *dst, size_t size, size_t nmemb, void *ud) {
    slot *s = ud;
    size_t n = size * nmemb, left = s->r->len - s->pos;
    if (n > left) n = left;
    if (n) memcpy(dst, (const char *)s->r->data + s->pos, n);
    s->pos += n;
    return n;
}

/* onSeek: curl rewinds the body when it resends on a reused connection that had died. */
static int onSeek(void *ud, curl_off_t off, int origin) {
    slot *s = ud;
    if (origin != SEEK_SET || off < 0 || (size_t)off > s->r->len) return CURL_SEEKFUNC_FAIL;
    s->pos = (size_t)off;
    return CURL_SEEKFUNC_OK;
}

/* onWrite: a 2xx body into r->body up to maxBody (more stops the transfer), or
 * dropped; any other body kept up to maxErrBody, the rest read and dropped. */
static size_t onWrite(char *p, size_t size, size_t nmemb, void *ud) {
    slot *s = ud;
    httpReq *r = s->r;
    size_t n = size * nmemb;
    long code = 0;
    curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && code < 300) {
        if (r->discardBody) return n;
        if (n > r->maxBody - r->body.len || r->body.len > r->maxBody) { s->over = 1; return 0; }
        if (bufAppend(&r->body, p, n) < 0) { s->oom = 1; return 0; }
        return n;
    }
    size_t cap = r->maxErrBody ? r->maxErrBody : HTTP_ERRBODY_DEFAULT;
    size_t room = r->body.len < cap ? cap - r->body.len : 0;
    if (room && bufAppend(&r->body, p, n < room ? n : room) < 0) s->oom = 1;
    return n;
}

/* onHeader: keep the values of the headers r->capture names; a status line (a new
 * response, as after "100 Continue") clears them. */
static size_t onHeader(char *p, size_t size, size_t nmemb, void *ud) {
    slot *s = ud;
    httpReq *r = s->r;
    size_t n = size * nmemb;
    if (n >= 5 && !strncmp(p, "HTTP/", 5)) {
        for (int i = 0; i < HTTP_CAPTURE_MAX; i++) r->got[i][0] = 0;
        return n;
    }
    for (int i = 0; r->capture && i < HTTP_CAPTURE_MAX && r->capture[i]; i++) {
        size_t nl = strlen(r->capture[i]);
        if (n <= nl || p[nl] != ':' || strncasecmp(p, r->capture[i], nl)) continue;
        const char *v = p + nl + 1;
        size_t vn = n - nl - 1;
        while (vn && (*v == ' ' || *v == '\t')) { v++; vn--; }
        while (vn && strchr(" \t\r\n", v[vn - 1])) vn--;
        if (vn < HTTP_HEADER_MAX) { memcpy(r->got[i], v, vn); r->got[i][vn] = 0; }
        else r->got[i][0] = 0;
    }
    return n;
}

/* ---- one attempt ---- */

/* setHeaders: s->hdrs from r's lines (+ an empty Expect). 0 / -1 out of memory. */
static int setHeaders(slot *s, const httpReq *r) {
    for (const char *const *h = r->headers; h && *h; h++) {
        struct curl_slist *l = curl_slist_append(s->hdrs, *h);
        if (!l) return -1;
        s->hdrs = l;
    }
    if (r->noExpect) {
        struct curl_slist *l = curl_slist_append(s->hdrs, "Expect:");
        if (!l) return -1;
        s->hdrs = l;
    }
    return 0;
}

/* setup: configure s's easy handle for one attempt of r. 0 / -1 + r->err. */
static int setup(slot *s, httpReq *r) {
    if (!s->h && !(s->h = curl_easy_init())) return errSet(r->err, "libcurl: cannot create a handle");
    CURL *h = s->h;
    curl_easy_reset(h);
    s->r = r;
    s->pos = 0;
    s->over = s->oom = 0;
    s->cerr[0] = 0;
    if (setHeaders(s, r) < 0) { wipeHeaders(&s->hdrs); return errSet(r->err, "out of memory"); }
    curl_easy_setopt(h, CURLOPT_URL, r->url);
    curl_easy_setopt(h, CURLOPT_PRIVATE, s);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, r->allowHttp ? "http,https" : "https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, s->hdrs);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, onWrite);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s->cerr);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, r->connectTimeoutMs > 0 ? r->connectTimeoutMs : 10000L);
    if (r->timeoutMs > 0) curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, r->timeoutMs);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, r->lowSpeedSecs > 0 ? r->lowSpeedSecs : 30L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    if (r->userAgent) curl_easy_setopt(h, CURLOPT_USERAGENT, r->userAgent);
    if (r->sigv4) {
        curl_easy_setopt(h, CURLOPT_AWS_SIGV4, r->sigv4);
        curl_easy_setopt(h, CURLOPT_USERNAME, r->user ? r->user : "");
        curl_easy_setopt(h, CURLOPT_PASSWORD, r->password ? r->password : "");
    }
    const char *m = r->method ? r->method : "GET";
    if (!strcmp(m, "PUT")) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, onRead);
        curl_easy_setopt(h, CURLOPT_READDATA, s);
        curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, onSeek);
        curl_easy_setopt(h, CURLOPT_SEEKDATA, s);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->len);
    } else if (!strcmp(m, "HEAD")) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(m, "GET")) {
        if (strcmp(m, "POST")) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
        if (r->data || !strcmp(m, "POST")) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->len);
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->data ? (const char *)r->data : "");
        }
    }
    return 0;
}

/* resetOut: clear r's outputs before an attempt. */
static void resetOut(httpReq *r) {
    r->rc = HTTP_OK;
    r->status = 0;
    bufReset(&r->body);
    for (int i = 0; i < HTTP_CAPTURE_MAX; i++) r->got[i][0] = 0;
    r->err[0] = 0;
    r->newConnections = 0;
}

/* outcome: r's rc, status and err from the finished transfer on s. */
static void outcome(slot *s, httpReq *r, CURLcode cc) {
    curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(s->h, CURLINFO_NUM_CONNECTS, &r->newConnections);
    if (s->over) {
        r->rc = HTTP_TOO_LARGE;
        bufReset(&r->body);
        errSet(r->err, "response larger than %zu bytes", r->maxBody);
    } else if (s->oom) {
        r->rc = HTTP_FAILED;
        errSet(r->err, "out of memory");
    } else if (cc == CURLE_OK) {
        r->rc = HTTP_OK;
    } else {
        r->rc = cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_COULDNT_RESOLVE_PROXY || cc == CURLE_COULDNT_CONNECT
                    ? HTTP_NOCONN : HTTP_FAILED;
        errSet(r->err, "%s", s->cerr[0] ? s->cerr : curl_easy_strerror(cc));
    }
}

/* ---- the run loop ---- */

typedef struct run {
    httpClient *c;
    const httpFeed *f;
    int parallel, active;
} run;

/* settle: report r's finished attempt; a pause puts it on the wait list. */
static void settle(run *u, httpReq *r) {
    long pause = u->f->done ? u->f->done(r, u->f->ctx) : 0;
    if (pause <= 0) return;
    httpClient *c = u->c;
    if (c->nwait == c->capWait) {
        size_t cap = c->capWait ? 2 * c->capWait : 16;
        delayed *w = realloc(c->wait, cap * sizeof *w);
        if (!w) return;   /* out of memory for the wait list: r is not resent, its last outcome stands */
        c->wait = w;
        c->capWait = cap;
    }
    c->wait[c->nwait++] = (delayed){r, clockMonoMs() + pause};
}

/* takeSlot: a slot without a request, or NULL when all are busy. */
static slot *takeSlot(run *u) {
    httpClient *c = u->c;
    return c->nfree > 0 ? &c->slots[c->freeIdx[--c->nfree]] : NULL;
}

/* giveSlot: s has no request any more. */
static void giveSlot(run *u, slot *s) { u->c->freeIdx[u->c->nfree++] = (int)(s - u->c->slots); }

/* launch: one attempt of r on s; a request that cannot be set up is settled at once. */
static void launch(run *u, slot *s, httpReq *r) {
    resetOut(r);
    r->attempts++;
    s->r = r;
    int ok = !u->f->start || u->f->start(r, u->f->ctx) == 0;
    if (ok && setup(s, r) == 0) {
        if (curl_multi_add_handle(u->c->multi, s->h) == CURLM_OK) { u->active++; return; }
        errSet(r->err, "libcurl: cannot start the request");
    }
    if (!ok && !r->err[0]) errSet(r->err, "the request was refused before it was sent");
    wipeHeaders(&s->hdrs);
    s->r = NULL;
    giveSlot(u, s);
    r->rc = HTTP_SETUP;
    settle(u, r);
}

/* reap: settle every finished transfer. */
static void reap(run *u) {
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(u->c->multi, &left))) {
        if (m->msg != CURLMSG_DONE) continue;
        slot *s = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
        CURLcode cc = m->data.result;
        httpReq *r = s->r;
        outcome(s, r, cc);
        curl_multi_remove_handle(u->c->multi, s->h);
        wipeHeaders(&s->hdrs);
        s->r = NULL;
        giveSlot(u, s);
        u->active--;
        settle(u, r);
    }
}

/* startDue: resend waiting requests whose pause is over, then take fresh ones from the
 * feed, while slots are free. *wake = the earliest pause end still ahead. Returns 1 when
 * the feed had nothing more to give. */
static int startDue(run *u, int64_t *wake) {
    httpClient *c = u->c;
    int64_t now = clockMonoMs();
    for (size_t i = 0; i < c->nwait && c->nfree > 0; ) {
        if (c->wait[i].notBefore <= now) {
            httpReq *r = c->wait[i].r;
            c->wait[i] = c->wait[--c->nwait];
            launch(u, takeSlot(u), r);
        } else {
            if (c->wait[i].notBefore < *wake) *wake = c->wait[i].notBefore;
            i++;
        }
    }
    for (size_t i = 0; i < c->nwait; i++) if (c->wait[i].notBefore < *wake) *wake = c->wait[i].notBefore;
    while (c->nfree > 0) {
        httpReq *r = u->f->next(u->f->ctx);
        if (!r) return 1;
        r->attempts = 0;
        launch(u, takeSlot(u), r);
    }
    return 0;
}

int httpRun(httpClient *c, const httpFeed *f, int parallel, char *err) {
    if (!c || !f || !f->next) return errSet(err, "http: no client or feed");
    run u = {c, f, parallel < 1 ? 1 : parallel > c->max ? c->max : parallel, 0};
    curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)u.parallel);
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)(u.parallel > 8 ? u.parallel : 8));
    c->nwait = 0;
    c->nfree = 0;
    for (int i = u.parallel - 1; i >= 0; i--) c->freeIdx[c->nfree++] = i;
    for (;;) {
        int64_t wake = clockMonoMs() + 100;
        int dry = startDue(&u, &wake);
        if (dry && u.active == 0 && c->nwait == 0) return 0;
        if (u.active > 0) {
            int running = 0;
            if (curl_multi_perform(c->multi, &running) != CURLM_OK) break;
            reap(&u);
            if (u.active > 0) {
                int64_t t = wake - clockMonoMs();
                curl_multi_poll(c->multi, NULL, 0, t < 1 ? 1 : t > 100 ? 100 : (int)t, NULL);
            }
        } else {
            clockSleepMs(wake - clockMonoMs());
        }
    }
    /* The multi handle failed: end what is in flight and what waits, without resending. */
    for (int i = 0; i < c->max; i++) {
        slot *s = &c->slots[i];
        if (!s->r) continue;
        curl_multi_remove_handle(c->multi, s->h);
        wipeHeaders(&s->hdrs);
        s->r->rc = HTTP_SETUP;
        errSet(s->r->err, "libcurl: the transfer loop failed");
        s->r = NULL;
    }
    c->nwait = 0;
    return errSet(err, "http: libcurl's transfer loop failed");
}

/* The feed of httpRunMany: reqs in order. */
typedef struct many { httpReq **reqs; size_t n, next; long (*done)(httpReq *, void *); void *ctx; } many;

static httpReq *manyNext(void *ctx) {
    many *m = ctx;
    return m->next < m->n ? m->reqs[m->next++] : NULL;
}

static long manyDone(httpReq *r, void *ctx) {
    many *m = ctx;
    return m->done ? m->done(r, m->ctx) : 0;
}

int httpRunMany(httpClient *c, httpReq **reqs, size_t n, int parallel, long (*done)(httpReq *r, void *ctx),
                void *ctx, char *err) {
    many m = {reqs, n, 0, done, ctx};
    httpFeed f = {manyNext, NULL, manyDone, &m};
    return httpRun(c, &f, parallel, err);
}

int httpDo(httpClient *c, httpReq *r, char *err) {
    if (httpRunMany(c, &r, 1, 1, NULL, NULL, err) < 0) return -1;
    if (r->rc == HTTP_SETUP) return errSet(err, "%s", r->err);
    return 0;
}

int httpGet(const char *url, size_t max, int allowHttp, buf *out, long *status, char *err) {
    httpClient *c = httpClientNew(1, err);
    if (!c) return -1;
    httpReq r = {.method = "GET", .url = url, .maxBody = max, .maxErrBody = max < SIZE_MAX ? max + 1 : max,
                 .connectTimeoutMs = 10000, .timeoutMs = 30000, .allowHttp = allowHttp, .userAgent = "didlog/1.0"};
    int rc = httpDo(c, &r, err);
    httpClientFree(c);
    *status = r.status;
    if (rc == 0 && r.rc == HTTP_OK && r.body.len > max) r.rc = HTTP_TOO_LARGE;
    if (rc == 0 && r.rc == HTTP_TOO_LARGE) rc = errSet(err, "%s: response larger than %zu bytes", url, max);
    else if (rc == 0 && r.rc != HTTP_OK) rc = errSet(err, "%s: %s", url, r.err);
    bufFree(out);
    if (rc == 0) *out = r.body;
    else httpReqFree(&r);
    return rc;
}
