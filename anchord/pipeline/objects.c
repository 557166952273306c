/* objects.c -- what a batch reads before building: the DID registry records and the
 * three objects of every DID (did.jsonl, witness.json, did-witness.json), many GETs in
 * flight, overlapped with building (batch_int.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "anchord/pipeline/batch.h"
#include "anchord/pipeline/batch_int.h"

int batchReadRegistry(pipeCtx *c, batch *b, char *err) {
    for (size_t i = 0; i < b->nw; i++) {
        didWork *w = &b->w[i];
        if (!(w->reg = calloc(1, sizeof *w->reg))) return errSet(err, "out of memory");
        int rc = didregGet(c->q, w->scid, w->reg, err);
        if (rc == DIDREG_DAMAGED) {   /* this DID's record alone: its work waits, the batch goes on */
            w->unread = UNREAD_REGISTRY;
            snprintf(w->err, sizeof w->err, "%s", err);
            free(w->reg);
            w->reg = NULL;
            continue;
        }
        if (rc < 0) return -1;
        if (rc == 0) { free(w->reg); w->reg = NULL; continue; }
        /* A registration of a DID the registry already has is refused (buildGenesis);
         * the DID's events are built on the published log as usual, never dropped. */
        w->isNew = 0;
        snprintf(w->did, sizeof w->did, "%s", w->reg->did);
    }
    return 0;
}

/* readRange: did.jsonl, witness.json and did-witness.json of works [from, to), many
 * GETs in flight, each at most WA_DID_BUDGET bytes (the three together may not hold more,
 * and a DID's memory stays bounded). A failed GET marks its DID unread, an object above
 * the budget marks it overBudget. 0 / -1 + err (nothing could be sent). */
static int readRange(pipeCtx *c, batch *b, size_t from, size_t to, char *err) {
    static const char *const names[3] = {"did.jsonl", "witness.json", "did-witness.json"};
    size_t n = (to - from) * 3;
    storeGetReq *r = calloc(n ? n : 1, sizeof *r);
    char (*keys)[STORE_KEY_MAX] = calloc(n ? n : 1, STORE_KEY_MAX);
    if (!r || !keys) { free(r); free(keys); return errSet(err, "out of memory"); }
    for (size_t i = 0; i < n; i++) {
        batchObjKey(c, b->w[from + i / 3].scid, names[i % 3], keys[i], STORE_KEY_MAX);
        r[i].key = keys[i];
        r[i].max = (size_t)c->cfg->didBudget;
    }
    int failed = storeGetMany(c->st, r, n, err);
    for (size_t i = 0; failed >= 0 && i < n; i++) {
        didWork *w = &b->w[from + i / 3];
        storeObj *o = i % 3 == 0 ? &w->log : i % 3 == 1 ? &w->wj : &w->dw;
        bufFree(&o->body);
        o->found = r[i].rc == STORE_OK;
        o->body = r[i].body;
        memcpy(o->etag, r[i].etag, STORE_ETAG_MAX);
        if (!o->found) bufFree(&o->body);
        if (r[i].rc == STORE_ERR && !w->unread) {
            w->unread = UNREAD_STORE;
            snprintf(w->err, sizeof w->err, "cannot read its %s: %s", names[i % 3], r[i].err);
        } else if (r[i].rc == STORE_TOOLARGE && !w->overBudget) {
            w->overBudget = 1;
            snprintf(w->err, sizeof w->err, "budget_exceeded: its %s is larger than WA_DID_BUDGET (%lld bytes)",
                     names[i % 3], c->cfg->didBudget);
        }
    }
    free(r);
    free(keys);
    return failed < 0 ? -1 : 0;
}

/* storeDown: the reads that failed are the store's, not their DIDs': the store does not
 * answer storePing either. -1 + err then (the batch stops before anything durable
 * happens and is resumed), else 0: the failed DIDs wait (re-queued) and the batch goes on
 * without them -- one DID's objects never stop it. */
int batchStoreDown(pipeCtx *c, const batch *b, char *err) {
    const didWork *first = NULL;
    for (size_t i = 0; i < b->nw && !first; i++)
        if (b->w[i].unread == UNREAD_STORE) first = &b->w[i];
    char e[ERR_MAX];
    if (!first || storePing(c->st, e) == 0) return 0;
    return errSet(err, "%s; the store does not answer: %s", first->err, e);
}

int batchReadObjects(pipeCtx *c, batch *b, char *err) {
    if (readRange(c, b, 0, b->nw, err) < 0) return -1;
    return batchStoreDown(c, b, err);
}
/* ---- reading while building ----
 * The GETs are bound by the store's latency, not by our CPU (radosgw: ~25 % CPU
 * busy while 32 GETs are in flight), so a reader thread fetches the objects in
 * chunks while the build threads work on the chunks already read. Building has
 * no side effects (dead letters are written after it), so a failed read still
 * stops the batch before anything durable happens. */

#define READ_CHUNK 128   /* DIDs per storeGetMany */

typedef struct overlap {
    pipeCtx *c;
    batch *b;
    void (*build)(pipeCtx *c, batch *b, size_t i);
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t ready;        /* works [0, ready) have their objects */
    int failed;          /* the store failed: nothing more is built */
    int64_t t0;                /* clockMonoMs */
    double tRead;
    char err[ERR_MAX];
} overlap;

static void *reader(void *arg) {
    overlap *o = arg;
    batch *b = o->b;
    char err[ERR_MAX];
    for (size_t from = 0; from < b->nw; from += READ_CHUNK) {
        size_t to = from + READ_CHUNK < b->nw ? from + READ_CHUNK : b->nw;
        int rc = readRange(o->c, b, from, to, err);
        pthread_mutex_lock(&o->mu);
        if (rc < 0) o->failed = 1, snprintf(o->err, sizeof o->err, "%s", err);
        else o->ready = to;
        pthread_cond_broadcast(&o->cv);
        pthread_mutex_unlock(&o->mu);
        if (rc < 0) break;
    }
    o->tRead = batchSince(o->t0);
    return NULL;
}

/* buildWhenRead: build work i once its objects are in (the pool hands out i in order). */
static void buildWhenRead(void *ctx, size_t i) {
    overlap *o = ctx;
    pthread_mutex_lock(&o->mu);
    while (o->ready <= i && !o->failed) pthread_cond_wait(&o->cv, &o->mu);
    int go = !o->failed;
    pthread_mutex_unlock(&o->mu);
    if (go) o->build(o->c, o->b, i);
}

int batchReadAndBuild(pipeCtx *c, batch *b, int64_t t0, void (*build)(pipeCtx *c, batch *b, size_t i), char *err) {
    overlap o = {.c = c, .b = b, .build = build, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .t0 = t0};
    pthread_t rt;
    json_object_seed(0);   /* before the builders race to set it (batchRunThreads does too) */
    int threaded = pthread_create(&rt, NULL, reader, &o) == 0;
    if (!threaded) reader(&o);   /* then one after the other */
    batchRunThreads(c, b->nw, buildWhenRead, &o);
    if (threaded) pthread_join(rt, NULL);
    if (o.failed) return errSet(err, "%s", o.err);
    b->tRead = o.tRead;
    b->tBuild = batchSince(t0) - o.tRead;
    return 0;
}
