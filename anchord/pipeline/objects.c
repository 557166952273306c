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

int batchReadRegistry(pipeCtx *c, batch *b, size_t from, size_t to, char *err) {
    for (size_t i = from; i < to; i++) {
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
        w->est = w->reg->size > 0 ? (size_t)w->reg->size : 0;
        snprintf(w->did, sizeof w->did, "%s", w->reg->did);
    }
    return 0;
}

/* readRange: did.jsonl, witness.json and did-witness.json of works [from, to) (those want
 * accepts, all when want is NULL), many GETs in flight, each at most WA_DID_BUDGET bytes
 * (the three together may not hold more, and a DID's memory stays bounded); a work read
 * is held. A failed GET marks its DID unread, an object above the budget marks it
 * overBudget. *bytes (may be NULL) = what the bodies read take. 0 / -1 + err (nothing
 * could be sent). */
static int readRange(pipeCtx *c, batch *b, size_t from, size_t to, int (*want)(const didWork *w), size_t *bytes,
                     char *err) {
    static const char *const names[3] = {"did.jsonl", "witness.json", "did-witness.json"};
    size_t nw = 0;
    for (size_t i = from; i < to; i++) nw += !want || want(&b->w[i]);
    size_t n = nw * 3;
    storeGetReq *r = calloc(n ? n : 1, sizeof *r);
    char (*keys)[STORE_KEY_MAX] = calloc(n ? n : 1, STORE_KEY_MAX);
    didWork **who = calloc(nw ? nw : 1, sizeof *who);
    if (!r || !keys || !who) { free(r); free(keys); free(who); return errSet(err, "out of memory"); }
    for (size_t i = from, k = 0; i < to; i++)
        if (!want || want(&b->w[i])) who[k++] = &b->w[i];
    for (size_t i = 0; i < n; i++) {
        batchObjKey(c, who[i / 3]->scid, names[i % 3], keys[i], STORE_KEY_MAX);
        r[i].key = keys[i];
        r[i].max = (size_t)c->cfg->didBudget;
    }
    int failed = n ? storeGetMany(c->st, r, n, err) : 0;
    size_t got = 0;
    for (size_t i = 0; failed >= 0 && i < n; i++) {
        didWork *w = who[i / 3];
        storeObj *o = i % 3 == 0 ? &w->log : i % 3 == 1 ? &w->wj : &w->dw;
        bufFree(&o->body);
        o->found = r[i].rc == STORE_OK;
        o->body = r[i].body;
        memcpy(o->etag, r[i].etag, STORE_ETAG_MAX);
        if (!o->found) bufFree(&o->body);
        got += o->body.len;
        w->held = 1;
        if (r[i].rc == STORE_ERR && !w->unread) {
            w->unread = UNREAD_STORE;
            snprintf(w->err, sizeof w->err, "cannot read its %s: %s", names[i % 3], r[i].err);
        } else if (r[i].rc == STORE_TOOLARGE && !w->overBudget) {
            w->overBudget = 1;
            snprintf(w->err, sizeof w->err, "budget_exceeded: its %s is larger than WA_DID_BUDGET (%lld bytes)",
                     names[i % 3], c->cfg->didBudget);
        }
    }
    if (bytes) *bytes = got;
    free(r);
    free(keys);
    free(who);
    return failed < 0 ? -1 : 0;
}

size_t batchObjBytes(const didWork *w) {
    return w->log.body.len + w->wj.body.len + w->dw.body.len + w->newLog.len + w->newWj.len + w->newDw.len;
}

void batchDropObjects(didWork *w) {
    bufFree(&w->log.body); bufFree(&w->wj.body); bufFree(&w->dw.body);
    bufFree(&w->newLog); bufFree(&w->newWj); bufFree(&w->newDw);
    w->held = 0;
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
    if (readRange(c, b, 0, b->nw, NULL, NULL, err) < 0) return -1;
    return batchStoreDown(c, b, err);
}

/* missing: w is to be published and its objects are not in memory. */
static int missing(const didWork *w) { return w->nne && !w->unused && !w->held; }

int batchReadMissing(pipeCtx *c, batch *b, size_t from, size_t to, char *err) {
    if (readRange(c, b, from, to, missing, NULL, err) < 0) return -1;
    const didWork *first = NULL;
    for (size_t i = from; i < to && !first; i++)
        if (b->w[i].nne && b->w[i].unread == UNREAD_STORE) first = &b->w[i];
    char e[ERR_MAX];
    if (!first || storePing(c->st, e) == 0) return 0;
    return errSet(err, "%s; the store does not answer: %s", first->err, e);
}
/* ---- reading while building ----
 * The GETs are bound by the store's latency, not by our CPU (radosgw: ~25 % CPU
 * busy while 32 GETs are in flight), so a reader thread fetches the objects in
 * chunks while the build threads work on the chunks already read. Building has
 * no side effects (dead letters are written after it), so a failed read still
 * stops the batch before anything durable happens. */

#define READ_CHUNK 128   /* most DIDs per storeGetMany */

/* Memory (WA_BATCH_MEMORY = M). What is counted is the objects' bytes; what they cost is
 * about twice that (buffer slack, the parse trees of the DIDs being built, allocator
 * arenas per thread: measured by pipeline_memory.sh), so the counted bytes stay under
 * ~M/2.5: the reader stops reading ahead while the objects read and not yet built take
 * more than M/16; a built DID keeps its objects for publishing while the kept ones take
 * at most M/4, else they are released and batchPublish reads them again. Building thus
 * counts at most M/4 kept + M/16 in flight + one read chunk (registry sizes under M/32);
 * publishing counts what is still kept + one chunk of at most M/8 (publish.c). */

typedef struct overlap {
    pipeCtx *c;
    batch *b;
    void (*build)(pipeCtx *c, batch *b, size_t i);
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t ready;        /* works [0, ready) have their objects */
    int failed;          /* the store failed: nothing more is built */
    size_t limit;        /* WA_BATCH_MEMORY (0: no limit) */
    size_t inflight;     /* bytes read and not yet built */
    size_t kept;         /* bytes of built works kept for publishing */
    int64_t t0;                /* clockMonoMs */
    double tRead;
    char err[ERR_MAX];
} overlap;

/* chunkEnd: where the read chunk starting at from ends: before end, DIDs whose
 * registry sizes (w->est) stay under limit/32 (at least one DID). */
static size_t chunkEnd(const overlap *o, size_t from, size_t end) {
    const batch *b = o->b;
    size_t to = from, sum = 0;
    while (to < end) {
        sum += b->w[to].est;
        if (o->limit && to > from && sum > o->limit / 32) break;
        to++;
    }
    return to;
}

/* reader: the reader thread over arg's overlap: reads the registry records of b's works,
 * READ_CHUNK at a time, and their objects in chunks (chunkEnd), raising o->ready after
 * each one and waiting while what is in flight is above limit/16; on a Redis or store
 * failure sets o->failed and o->err and stops. It is the only user of c->q meanwhile
 * (building does no I/O). Wakes the waiting builders
 * each time; o->tRead is its time. Returns NULL. */
static void *reader(void *arg) {
    overlap *o = arg;
    batch *b = o->b;
    char err[ERR_MAX];
    int rc = 0;
    for (size_t from = 0, to; rc == 0 && from < b->nw; from = to) {
        /* the registry records of the next READ_CHUNK DIDs (~10 KB each until built) */
        size_t regTo = from + READ_CHUNK < b->nw ? from + READ_CHUNK : b->nw;
        rc = batchReadRegistry(o->c, b, from, regTo, err);
        for (; rc == 0 && from < regTo; from = to) {
            to = chunkEnd(o, from, regTo);
            pthread_mutex_lock(&o->mu);
            while (o->limit && o->inflight > o->limit / 16 && !o->failed) pthread_cond_wait(&o->cv, &o->mu);
            pthread_mutex_unlock(&o->mu);
            size_t got = 0;
            rc = readRange(o->c, b, from, to, NULL, &got, err);
            pthread_mutex_lock(&o->mu);
            if (rc == 0) o->ready = to, o->inflight += got;
            pthread_cond_broadcast(&o->cv);
            pthread_mutex_unlock(&o->mu);
        }
        to = from;
    }
    if (rc < 0) {
        pthread_mutex_lock(&o->mu);
        o->failed = 1;
        snprintf(o->err, sizeof o->err, "%s", err);
        pthread_cond_broadcast(&o->cv);
        pthread_mutex_unlock(&o->mu);
    }
    o->tRead = batchSince(o->t0);
    return NULL;
}

/* settleMemory: work i is built: its objects are kept for publishing while the kept ones
 * fit in limit/4, else released (batchPublish reads them again). */
static void settleMemory(overlap *o, size_t i) {
    didWork *w = &o->b->w[i];
    size_t n = batchObjBytes(w);
    pthread_mutex_lock(&o->mu);
    o->inflight -= n < o->inflight ? n : o->inflight;
    int keep = !o->limit || (w->nne && o->kept + n <= o->limit / 4);
    if (keep) o->kept += n;
    pthread_cond_broadcast(&o->cv);
    pthread_mutex_unlock(&o->mu);
    if (!keep) batchDropObjects(w);
}

/* buildWhenRead: build work i once its objects are in (the pool hands out i in order). */
static void buildWhenRead(void *ctx, size_t i) {
    overlap *o = ctx;
    pthread_mutex_lock(&o->mu);
    while (o->ready <= i && !o->failed) pthread_cond_wait(&o->cv, &o->mu);
    int go = !o->failed;
    pthread_mutex_unlock(&o->mu);
    if (!go) return;
    o->build(o->c, o->b, i);
    settleMemory(o, i);
}

int batchReadAndBuild(pipeCtx *c, batch *b, int64_t t0, void (*build)(pipeCtx *c, batch *b, size_t i), char *err) {
    overlap o = {.c = c, .b = b, .build = build, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .t0 = t0,
                 .limit = c->cfg->batchMemory > 0 ? (size_t)c->cfg->batchMemory : 0};
    pthread_t rt;
    json_object_seed(0);   /* before the builders race to set it (batchRunThreads does too) */
    int threaded = pthread_create(&rt, NULL, reader, &o) == 0;
    if (!threaded) o.limit = 0, reader(&o);   /* then one after the other (nothing to wait for) */
    batchRunThreads(c, b->nw, buildWhenRead, &o);
    if (threaded) pthread_join(rt, NULL);
    if (o.failed) return errSet(err, "%s", o.err);
    b->tRead = o.tRead;
    b->tBuild = batchSince(t0) - o.tRead;
    return 0;
}
