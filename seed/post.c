/* post.c -- bounded-concurrency HTTP POSTs that keep per-key order (core/io/http: httpRun
 * with a feed whose next() is the per-key scheduler). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/io/http.h"
#include "core/json.h"
#include "seed/post.h"

#define POST_REPLY_MAX 4096   /* an error answer is kept up to this (its "error" name) */
#define POST_WINDOW 8192      /* how far past the first unsent job the scheduler looks */

typedef struct sched {
    postJob *jobs;
    size_t n, low;            /* jobs [0, low) are all sent */
    unsigned char *sent;
    size_t *pendingOfKey;     /* hash of key -> in-flight or unsent-earlier marker */
    size_t keyCap;
    unsigned char *blocked;   /* scratch of nextJob */
} sched;

/* nextJob: the first unsent job whose key has no request in flight and no earlier unsent job. */
static long nextJob(sched *s) {
    while (s->low < s->n && s->sent[s->low]) s->low++;
    size_t end = s->low + POST_WINDOW < s->n ? s->low + POST_WINDOW : s->n, i;
    long found = -1;
    for (i = s->low; i < end && found < 0; i++) {
        size_t k = s->jobs[i].key % s->keyCap;
        if (s->sent[i]) continue;
        if (!s->blocked[k] && !s->pendingOfKey[k]) found = (long)i;
        s->blocked[k] = 1;   /* a later job of this key must wait for this one */
    }
    for (size_t j = s->low; j < i; j++) s->blocked[s->jobs[j].key % s->keyCap] = 0;
    return found;
}

/* A run: the scheduler, a pool of `conc` requests (one per request in flight), the tally. */
typedef struct postRun {
    sched s;
    const char *url;
    const char *const *hdrs;
    httpReq *reqs;
    size_t *jobOf;            /* the job each pool request carries */
    int *freeReq, nfree;
    size_t done, transport;
    int stop;                 /* every answer so far was "cannot connect": send nothing more */
    progress *pg;
    postTally *t;
} postRun;

static httpReq *feedNext(void *ctx) {
    postRun *p = ctx;
    if (p->stop || p->nfree == 0) return NULL;
    long j = nextJob(&p->s);
    if (j < 0) return NULL;
    int k = p->freeReq[--p->nfree];
    httpReq *r = &p->reqs[k];
    httpReqFree(r);
    *r = (httpReq){.method = "POST", .url = p->url, .headers = p->hdrs, .data = p->s.jobs[j].body,
                   .len = p->s.jobs[j].len, .discardBody = 1, .maxErrBody = POST_REPLY_MAX - 1,
                   .connectTimeoutMs = 10000, .timeoutMs = 60000, .allowHttp = 1, .noExpect = 1};
    p->jobOf[k] = (size_t)j;
    p->s.sent[j] = 1;
    p->s.pendingOfKey[p->s.jobs[j].key % p->s.keyCap]++;
    return r;
}

/* transportWords: a short, stable description of a transport outcome (summary buckets). */
static const char *transportWords(int rc) {
    return rc == HTTP_NOCONN ? "cannot connect" : rc == HTTP_SETUP ? "not sent" : "no answer (timeout or reset)";
}

/* feedDone: record the answer of a request in its job and the tally (never resent). */
static long feedDone(httpReq *r, void *ctx) {
    postRun *p = ctx;
    int k = (int)(r - p->reqs);
    postJob *j = &p->s.jobs[p->jobOf[k]];
    j->status = r->rc == HTTP_OK ? (int)r->status : 0;
    j->error[0] = 0;
    if (r->rc != HTTP_OK) snprintf(j->error, sizeof j->error, "%s", transportWords(r->rc));
    else if (r->status < 200 || r->status > 299) {
        json_t *o = jsonParse((const char *)r->body.p, r->body.len, 0, 8, NULL);
        snprintf(j->error, sizeof j->error, "%s", jsonGetStr(o, "error") ? jsonGetStr(o, "error") : "http");
        json_decref(o);
    }
    if (j->status >= 200 && j->status <= 299) p->t->accepted++;
    else if (j->status == 409) p->t->conflicts++;
    else p->t->rejected++;
    p->s.pendingOfKey[j->key % p->s.keyCap]--;
    if (r->rc == HTTP_NOCONN) p->transport++;
    p->done++;
    if (p->transport && p->transport == p->done) p->stop = 1;   /* the server is not there: stop early */
    if (p->pg) progressSet(p->pg, p->done, p->t->rejected + p->t->conflicts);
    p->freeReq[p->nfree++] = k;
    return 0;
}

int postMany(const char *url, const char *ctype, postJob *jobs, size_t n, int conc, progress *pg, postTally *t,
             char *err) {
    memset(t, 0, sizeof *t);
    if (conc < 1) conc = 1;
    if (conc > 256) conc = 256;
    char h[128];
    snprintf(h, sizeof h, "Content-Type: %s", ctype);
    const char *const hdrs[] = {h, NULL};
    postRun p = {.s = {.jobs = jobs, .n = n, .keyCap = n * 2 + 1}, .url = url, .hdrs = hdrs, .pg = pg, .t = t};
    p.s.sent = calloc(n + 1, 1);
    p.s.pendingOfKey = calloc(p.s.keyCap, sizeof *p.s.pendingOfKey);
    p.s.blocked = calloc(p.s.keyCap, 1);
    p.reqs = calloc((size_t)conc, sizeof *p.reqs);
    p.jobOf = calloc((size_t)conc, sizeof *p.jobOf);
    p.freeReq = calloc((size_t)conc, sizeof *p.freeReq);
    httpClient *c = NULL;
    int rc = p.s.sent && p.s.pendingOfKey && p.s.blocked && p.reqs && p.jobOf && p.freeReq ? 0 : errSet(err, "out of memory");
    if (rc == 0 && !(c = httpClientNew(conc, err))) rc = -1;
    for (int i = conc - 1; rc == 0 && i >= 0; i--) p.freeReq[p.nfree++] = i;
    httpFeed f = {feedNext, NULL, feedDone, &p};
    if (rc == 0) rc = httpRun(c, &f, conc, err);
    if (rc == 0 && p.stop) rc = errSet(err, "%s: cannot connect", url);
    httpClientFree(c);
    for (int i = 0; p.reqs && i < conc; i++) httpReqFree(&p.reqs[i]);
    free(p.reqs), free(p.jobOf), free(p.freeReq), free(p.s.blocked), free(p.s.sent), free(p.s.pendingOfKey);
    return rc;
}

void postSummary(const postJob *jobs, size_t n, char *out, size_t cap) {
    /* few distinct errors: a tiny linear table is enough */
    struct { char e[48]; int status; size_t c; } tab[16];
    int nt = 0;
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].status >= 200 && jobs[i].status <= 299) continue;
        int k = 0;
        while (k < nt && (strcmp(tab[k].e, jobs[i].error) || tab[k].status != jobs[i].status)) k++;
        if (k == nt && nt < 16) snprintf(tab[nt].e, sizeof tab[nt].e, "%s", jobs[i].error), tab[nt].status = jobs[i].status, tab[nt++].c = 0;
        if (k < nt) tab[k].c++;
    }
    size_t o = 0;
    out[0] = 0;
    for (int k = 0; k < nt && o < cap; k++)
        o += (size_t)snprintf(out + o, cap - o, "%s%d %s: %zu", k ? ", " : "", tab[k].status, tab[k].e, tab[k].c);
}
