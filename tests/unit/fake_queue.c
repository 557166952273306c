/* fake_queue.c -- the in-memory queue backend of the unit tests (fake_queue.h). Each
 * operation does what its Lua script or Redis command does in queue_redis.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "core/fnv.h"
#include "anchord/queue/queue_impl.h"
#include "tests/unit/fake_queue.h"

#define BUCKETS 4096

/* A hash, or a string when str is set, at one key. */
typedef struct fobj {
    char *key;
    char **f, **v;
    size_t n;
    char *str;
    long long expireAt;          /* fake ms; 0 = never */
    struct fobj *next;           /* bucket chain */
} fobj;

typedef struct fentry {
    char sid[QUEUE_SID_MAX];
    char *scid, *id, *did, *body;
    size_t len;
    char *tp;                    /* trace context ("tp"), NULL none */
    char *reason, *orig;         /* dead letters: the reason and the original stream id */
    int gone;                    /* acknowledged and deleted */
    int pending;                 /* delivered to the group, not acknowledged */
    char consumer[128];
    long long deliveredAt;
} fentry;

typedef struct fstream {
    int shard;
    char name[32];
    int group;                   /* the consumer group exists */
    fentry *e;
    size_t n, cap;
    size_t next;                 /* entries [0, next) were delivered by a read of new entries */
    long long lastMs, lastSeq;
    struct fstream *link;
} fstream;

typedef struct fbatch {          /* one open batch of the journal's open set */
    int shard;
    char id[JOURNAL_ID_MAX];
    long long created;
} fbatch;

typedef struct fq {
    long long now;
    fobj *bucket[BUCKETS];
    fstream *streams;
    fbatch *open;
    size_t nopen;
    long long calls[FQ_COUNT];
    int failAfter[FQ_COUNT], failTimes[FQ_COUNT];
} fq;

static fq *F(const queue *q) { return q->be; }

/* called: count a call of op; -1 + err when a failure is due (fakeQueueFail). */
static int called(queue *q, int op, char *err) {
    fq *f = F(q);
    f->calls[op]++;
    if (f->failTimes[op] <= 0) return 0;
    if (f->failAfter[op] > 0) { f->failAfter[op]--; return 0; }
    f->failTimes[op]--;
    return errSet(err, "fake queue: injected failure");
}

static char *dupN(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (d) { memcpy(d, s, n); d[n] = 0; }
    return d;
}

static char *dup(const char *s) { return dupN(s, strlen(s)); }

/* ---- keys ---- */

static size_t slotOf(const char *key) { return fnv1a32(key) % BUCKETS; }

static void objFree(fobj *o) {
    for (size_t i = 0; i < o->n; i++) { free(o->f[i]); free(o->v[i]); }
    free(o->f); free(o->v); free(o->str); free(o->key);
    free(o);
}

/* del: remove key. */
static void del(fq *f, const char *key) {
    for (fobj **p = &f->bucket[slotOf(key)]; *p; p = &(*p)->next)
        if (!strcmp((*p)->key, key)) {
            fobj *o = *p;
            *p = o->next;
            objFree(o);
            return;
        }
}

/* get: the object at key (an expired one is deleted first), NULL when none. */
static fobj *get(fq *f, const char *key) {
    for (fobj *o = f->bucket[slotOf(key)]; o; o = o->next)
        if (!strcmp(o->key, key)) {
            if (o->expireAt && o->expireAt <= f->now) { del(f, key); return NULL; }
            return o;
        }
    return NULL;
}

/* make: the object at key, created empty when absent. NULL when out of memory. */
static fobj *make(fq *f, const char *key) {
    fobj *o = get(f, key);
    if (o) return o;
    if (!(o = calloc(1, sizeof *o)) || !(o->key = dup(key))) { free(o); return NULL; }
    size_t s = slotOf(key);
    o->next = f->bucket[s];
    f->bucket[s] = o;
    return o;
}

static const char *hget(const fobj *o, const char *field) {
    for (size_t i = 0; o && i < o->n; i++) if (!strcmp(o->f[i], field)) return o->v[i];
    return NULL;
}

/* hset: field = value (len bytes). 0 / -1 (out of memory). */
static int hsetN(fobj *o, const char *field, const char *value, size_t len) {
    char *v = dupN(value, len);
    if (!v) return -1;
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->f[i], field)) { free(o->v[i]); o->v[i] = v; return 0; }
    char **nf = realloc(o->f, (o->n + 1) * sizeof *nf), **nv = nf ? realloc(o->v, (o->n + 1) * sizeof *nv) : NULL;
    if (nf) o->f = nf;
    if (nv) o->v = nv;
    if (!nf || !nv || !(o->f[o->n] = dup(field))) { free(v); return -1; }
    o->v[o->n++] = v;
    return 0;
}

static int hset(fobj *o, const char *field, const char *value) { return hsetN(o, field, value, strlen(value)); }

static void hdel(fobj *o, const char *field) {
    for (size_t i = 0; i < o->n; i++)
        if (!strcmp(o->f[i], field)) {
            free(o->f[i]); free(o->v[i]);
            o->f[i] = o->f[o->n - 1]; o->v[i] = o->v[o->n - 1];
            o->n--;
            return;
        }
}

/* hincr: field += by (HINCRBY). 0 / -1. */
static int hincr(fobj *o, const char *field, long long by) {
    const char *v = hget(o, field);
    char s[24];
    snprintf(s, sizeof s, "%lld", (v ? atoll(v) : 0) + by);
    return hset(o, field, s);
}

/* ---- streams ---- */

static fstream *stream(fq *f, int shard, const char *name, int create) {
    for (fstream *s = f->streams; s; s = s->link)
        if (s->shard == shard && !strcmp(s->name, name)) return s;
    if (!create) return NULL;
    fstream *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->shard = shard;
    snprintf(s->name, sizeof s->name, "%s", name);
    s->link = f->streams;
    f->streams = s;
    return s;
}

/* xadd: a new entry (XADD *) with the fields given, NULL when out of memory. */
static fentry *xadd(fq *f, fstream *s, const queueEntry *src, const char *reason) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        fentry *e = realloc(s->e, cap * sizeof *e);
        if (!e) return NULL;
        s->e = e;
        s->cap = cap;
    }
    fentry *e = &s->e[s->n];
    memset(e, 0, sizeof *e);
    e->scid = dup(src->scid);
    e->id = dup(src->id);
    e->did = dup(src->did);
    e->body = dupN(src->payload, src->len);
    if (reason) { e->reason = dup(reason); e->orig = dup(src->sid); }
    if (!e->scid || !e->id || !e->did || !e->body || (reason && (!e->reason || !e->orig))) {
        free(e->scid); free(e->id); free(e->did); free(e->body); free(e->reason); free(e->orig);
        return NULL;
    }
    e->len = src->len;
    if (src->traceparent && *src->traceparent && !(e->tp = dup(src->traceparent))) return NULL;
    long long ms = f->now > s->lastMs ? f->now : s->lastMs;
    s->lastSeq = ms == s->lastMs ? s->lastSeq + 1 : 0;
    s->lastMs = ms;
    snprintf(e->sid, sizeof e->sid, "%lld-%lld", ms, s->lastSeq);
    s->n++;
    return e;
}

/* live: the entry sid still in the stream, or NULL. */
static fentry *live(fstream *s, const char *sid) {
    for (size_t i = 0; s && i < s->n; i++)
        if (!s->e[i].gone && !strcmp(s->e[i].sid, sid)) return &s->e[i];
    return NULL;
}

/* deliver: e to consumer (the group's pending list), appended to out. 0 / -1. */
static int deliver(fq *f, fentry *e, const char *consumer, queueEntries *out) {
    e->pending = 1;
    e->deliveredAt = f->now;
    snprintf(e->consumer, sizeof e->consumer, "%s", consumer);
    queueEntry *d = queueEntriesAdd(out, e->sid);
    if (!d) return -1;
    if ((*e->scid && !(d->scid = dup(e->scid))) || (*e->id && !(d->id = dup(e->id))) ||
        (*e->did && !(d->did = dup(e->did))) || (e->len && !(d->payload = dupN(e->body, e->len))) ||
        (e->tp && !(d->traceparent = dup(e->tp))))
        return -1;
    d->len = e->len;
    return queueEntryComplete(d);
}

/* gone: XACK + XDEL. */
static void gone(fentry *e) { e->gone = 1; e->pending = 0; }

/* ---- the operations ---- */

static int fPing(queue *q, char *err) { return called(q, FQ_PING, err); }

/* enqueueOne: luaEnqueue. */
static int enqueueOne(queue *q, queueItem *it, char *err) {
    fq *f = F(q);
    int sh = queueShardOf(q, it->scid);
    char kStatus[256], kRate[256], kReg[256], win[24];
    snprintf(win, sizeof win, "%lld", f->now / 60000);
    queueKey(q, sh, it->stream, it->scid, it->id, kStatus, sizeof kStatus);
    queueKey(q, sh, "rate", it->scid, win, kRate, sizeof kRate);
    queueKey(q, sh, "did", it->scid, NULL, kReg, sizeof kReg);
    if (get(f, kStatus)) { it->rc = QUEUE_REPLAY; return 0; }
    fobj *rate = get(f, kRate), *reg = get(f, kReg);
    if (it->ratePerMin > 0 && rate && atoll(rate->str) >= it->ratePerMin) {
        long long pttl = rate->expireAt - f->now;
        it->rc = QUEUE_RATE;
        it->retryAfter = pttl > 0 ? (pttl + 999) / 1000 : 60;
        return 0;
    }
    int reserve = it->budget > 0 && reg;
    if (reserve) {
        const char *sz = hget(reg, "size"), *pd = hget(reg, "pending");
        long long used = (sz ? atoll(sz) : 0) + (pd && atoll(pd) > 0 ? atoll(pd) : 0);
        if (used + (it->cost > 0 ? it->cost : 0) > it->budget) { it->rc = QUEUE_BUDGET; it->used = used; return 0; }
    }
    fstream *s = stream(f, sh, it->stream, 1);
    queueEntry src = {.scid = (char *)it->scid, .id = (char *)it->id, .did = (char *)it->did,
                      .payload = (char *)it->payload, .len = it->len, .traceparent = (char *)it->traceparent};
    fentry *e = s ? xadd(f, s, &src, NULL) : NULL;
    fobj *st = e ? make(f, kStatus) : NULL;
    char ts[24], cost[24];
    snprintf(ts, sizeof ts, "%lld", f->now);
    snprintf(cost, sizeof cost, "%lld", it->cost > 0 ? it->cost : 0);
    if (!st || hset(st, "status", "queued") < 0 || hset(st, "sid", e->sid) < 0 || hset(st, "received", ts) < 0 ||
        (reserve && (hset(st, "reserved", cost) < 0 || hincr(reg, "pending", it->cost) < 0)))
        return errSet(err, "out of memory");
    if (it->ttlMs > 0) st->expireAt = f->now + it->ttlMs;
    if (it->ratePerMin > 0) {
        if (!rate && (!(rate = make(f, kRate)) || !(rate->str = dup("0")))) return errSet(err, "out of memory");
        char n[24];
        snprintf(n, sizeof n, "%lld", atoll(rate->str) + 1);
        free(rate->str);
        if (!(rate->str = dup(n))) return errSet(err, "out of memory");
        if (!strcmp(n, "1")) rate->expireAt = f->now + 61000;
    }
    it->rc = QUEUE_OK;
    snprintf(it->sid, sizeof it->sid, "%s", e->sid);
    return 0;
}

static int fEnqueueMany(queue *q, queueItem *it, size_t n, char *err) {
    if (called(q, FQ_ENQUEUE, err) < 0) return -1;
    for (size_t i = 0; i < n; i++)
        if (enqueueOne(q, &it[i], err) < 0) return -1;
    return 0;
}

static int fScanScids(queue *q, int shard, const char *what, int (*fn)(void *, const char *, char *), void *arg,
                      char *err) {
    if (called(q, FQ_SCAN, err) < 0) return -1;
    fq *f = F(q);
    char pre[128];
    queueKey(q, shard, what, "", NULL, pre, sizeof pre);   /* "wa:{sN}:<what>:" */
    size_t plen = strlen(pre);
    for (size_t b = 0; b < BUCKETS; b++)
        for (fobj *o = f->bucket[b]; o; o = o->next)
            if (!strncmp(o->key, pre, plen) && o->key[plen] && !strchr(o->key + plen, ':') &&
                fn(arg, o->key + plen, err) < 0)
                return -1;
    return 0;
}

static int fGroupEnsure(queue *q, int shard, const char *name, char *err) {
    if (called(q, FQ_GROUP, err) < 0) return -1;
    fstream *s = stream(F(q), shard, name, 1);
    if (!s) return errSet(err, "out of memory");
    s->group = 1;
    return 0;
}

/* group: the stream of a consumer-group command, -1 + err (NOGROUP) when it has none. */
static fstream *group(queue *q, int shard, const char *name, char *err) {
    fstream *s = stream(F(q), shard, name, 0);
    if (!s || !s->group) errSet(err, "fake queue: NOGROUP no consumer group on %s of shard %d", name, shard);
    return s && s->group ? s : NULL;
}

static int fReadNew(queue *q, int shard, const char *name, const char *consumer, size_t max, long long blockMs,
                    queueEntries *out, char *err) {
    if (called(q, FQ_READ, err) < 0) return -1;
    fstream *s = group(q, shard, name, err);
    if (!s) return -1;
    int c = 0;
    for (; s->next < s->n && (size_t)c < max; s->next++) {
        fentry *e = &s->e[s->next];
        if (e->gone) continue;
        if (deliver(F(q), e, consumer, out) < 0) return errSet(err, "out of memory");
        c++;
    }
    return c;
}

static int fReclaim(queue *q, int shard, const char *name, const char *consumer, long long minIdleMs, size_t max,
                    queueEntries *out, char *err) {
    if (called(q, FQ_RECLAIM, err) < 0) return -1;
    fstream *s = group(q, shard, name, err);
    if (!s) return -1;
    fq *f = F(q);
    int c = 0;
    for (size_t i = 0; i < s->n && (size_t)c < max; i++) {
        fentry *e = &s->e[i];
        if (!e->pending || f->now - e->deliveredAt < minIdleMs) continue;
        if (deliver(f, e, consumer, out) < 0) return errSet(err, "out of memory");
        c++;
    }
    return c;
}

static int fClaimIds(queue *q, int shard, const char *name, const char *consumer, const char *const *sids, size_t n,
                     queueEntries *out, char *err) {
    if (called(q, FQ_CLAIM, err) < 0) return -1;
    fstream *s = group(q, shard, name, err);
    if (!s) return -1;
    int c = 0;
    for (size_t i = 0; i < n; i++) {
        fentry *e = live(s, sids[i]);
        if (!e || !e->pending) continue;   /* XCLAIM skips what is not in the pending list */
        if (deliver(F(q), e, consumer, out) < 0) return errSet(err, "out of memory");
        c++;
    }
    return c;
}

static int fAck(queue *q, int shard, const char *name, const char *const *sids, size_t n, char *err) {
    if (called(q, FQ_ACK, err) < 0) return -1;
    fstream *s = stream(F(q), shard, name, 0);
    for (size_t i = 0; i < n; i++) {
        fentry *e = live(s, sids[i]);
        if (e) gone(e);
    }
    return 0;
}

/* unreserve: LUA_UNRESERVE of a status hash and its DID's registry record. */
static int unreserve(fq *f, fobj *status, const char *kReg) {
    const char *rsv = hget(status, "reserved");
    if (!rsv) return 0;
    long long v = atoll(rsv);
    hdel(status, "reserved");
    fobj *reg = get(f, kReg);
    return reg ? hincr(reg, "pending", -v) : 0;
}

static int fDeadLetter(queue *q, int shard, const char *name, const queueEntry *e, const char *reason, char *err) {
    if (called(q, FQ_DEAD, err) < 0) return -1;
    fq *f = F(q);
    char kStatus[256], kReg[256], ts[24];
    queueKey(q, shard, name, e->scid, e->id, kStatus, sizeof kStatus);
    queueKey(q, shard, "did", e->scid, NULL, kReg, sizeof kReg);
    snprintf(ts, sizeof ts, "%lld", f->now);
    fobj *st = make(f, kStatus);
    if (!st) return errSet(err, "out of memory");
    const char *cur = hget(st, "status");
    if (!cur || strcmp(cur, "rejected")) {
        fstream *d = stream(f, shard, "dead", 1);
        if (!d || !xadd(f, d, e, reason) || hset(st, "status", "rejected") < 0 || hset(st, "reason", reason) < 0 ||
            hset(st, "rejected", ts) < 0)
            return errSet(err, "out of memory");
    }
    if (unreserve(f, st, kReg) < 0) return errSet(err, "out of memory");
    fentry *old = live(stream(f, shard, name, 0), e->sid);
    if (old) gone(old);
    return 0;
}

static int fRequeue(queue *q, int shard, const char *name, const queueEntry *e, char newSid[QUEUE_SID_MAX],
                    char *err) {
    if (called(q, FQ_REQUEUE, err) < 0) return -1;
    fq *f = F(q);
    fstream *s = stream(f, shard, name, 0);
    fentry *old = live(s, e->sid);
    newSid[0] = 0;
    if (!old) return 0;   /* done already */
    size_t at = (size_t)(old - s->e);
    char kStatus[256], ts[24];
    queueKey(q, shard, name, e->scid, e->id, kStatus, sizeof kStatus);
    snprintf(ts, sizeof ts, "%lld", f->now);
    fentry *n = xadd(f, s, e, NULL);   /* may move s->e */
    fobj *st = n ? make(f, kStatus) : NULL;
    if (!st || hset(st, "status", "queued") < 0 || hset(st, "sid", n->sid) < 0 || hset(st, "requeued", ts) < 0)
        return errSet(err, "out of memory");
    gone(&s->e[at]);
    snprintf(newSid, QUEUE_SID_MAX, "%s", n->sid);
    return 0;
}

static int fUnreserveMany(queue *q, size_t n, const char *const *scids, const char *const *ids, char *err) {
    if (called(q, FQ_UNRESERVE, err) < 0) return -1;
    for (size_t i = 0; i < n; i++) {
        char kStatus[256], kReg[256];
        int sh = queueShardOf(q, scids[i]);
        queueKey(q, sh, "events", scids[i], ids[i], kStatus, sizeof kStatus);
        queueKey(q, sh, "did", scids[i], NULL, kReg, sizeof kReg);
        fobj *st = get(F(q), kStatus);
        if (st && unreserve(F(q), st, kReg) < 0) return errSet(err, "out of memory");
    }
    return 0;
}

static long long fDepth(queue *q, int shard, const char *name, char *err) {
    if (called(q, FQ_DEPTH, err) < 0) return -1;
    fstream *s = stream(F(q), shard, name, 0);
    long long n = 0;
    for (size_t i = 0; s && i < s->n; i++) n += !s->e[i].gone;
    return n;
}

static long long fOldestMs(queue *q, int shard, const char *name, char *err) {
    if (called(q, FQ_OLDEST, err) < 0) return -1;
    fstream *s = stream(F(q), shard, name, 0);
    for (size_t i = 0; s && i < s->n; i++)
        if (!s->e[i].gone) return atoll(s->e[i].sid);
    return 0;
}

static int fHsetMany(queue *q, size_t n, const char *const *keys, const char *const *kv, size_t nkv, char *err) {
    if (called(q, FQ_HSET, err) < 0) return -1;
    for (size_t i = 0; i < n; i++) {
        fobj *o = make(F(q), keys[i]);
        if (!o) return errSet(err, "out of memory");
        for (size_t k = 0; k < nkv; k += 2)
            if (hset(o, kv[i * nkv + k], kv[i * nkv + k + 1]) < 0) return errSet(err, "out of memory");
    }
    return 0;
}

/* fStatusPutMany: fHsetMany of the keys that exist, without `sid`, then their new TTL. */
static int fStatusPutMany(queue *q, size_t n, const char *const *keys, const char *const *kv, size_t nkv,
                          const long long *ttlMs, char *err) {
    if (called(q, FQ_HSET, err) < 0) return -1;
    for (size_t i = 0; i < n; i++) {
        fobj *o = get(F(q), keys[i]);
        if (!o || o->str) continue;
        hdel(o, "sid");
        if (ttlMs && ttlMs[i] > 0) o->expireAt = F(q)->now + ttlMs[i];
        for (size_t k = 0; k < nkv; k += 2)
            if (hset(o, kv[i * nkv + k], kv[i * nkv + k + 1]) < 0) return errSet(err, "out of memory");
    }
    return 0;
}

static int fHgetall(queue *q, const char *key, json_t **out, char *err) {
    *out = NULL;
    if (called(q, FQ_HGET, err) < 0) return -1;
    fobj *o = get(F(q), key);
    if (!o || o->str || !o->n) return 0;
    json_t *h = json_object();
    for (size_t i = 0; h && i < o->n; i++) json_object_set_new(h, o->f[i], json_string(o->v[i]));
    if (!h) return errSet(err, "out of memory");
    *out = h;
    return 1;
}

static int fLease(queue *q, int op, int shard, const char *token, long long ttlMs, char *err) {
    if (called(q, FQ_LEASE, err) < 0) return -1;
    fq *f = F(q);
    char k[64];
    queueKey(q, shard, "lease", NULL, NULL, k, sizeof k);
    fobj *o = get(f, k);
    if (op == QLEASE_ACQUIRE) {
        if (o) return 0;
        if (!(o = make(f, k)) || !(o->str = dup(token))) return errSet(err, "out of memory");
        o->expireAt = f->now + ttlMs;
        return 1;
    }
    if (!o || strcmp(o->str, token)) return 0;
    if (op == QLEASE_RENEW) o->expireAt = f->now + ttlMs;
    else del(f, k);
    return 1;
}

/* openAdd / openDel: the journal's open set (ZADD / ZREM). */
static int openAdd(fq *f, int shard, const char *id) {
    fbatch *b = realloc(f->open, (f->nopen + 1) * sizeof *b);
    if (!b) return -1;
    f->open = b;
    b[f->nopen].shard = shard;
    snprintf(b[f->nopen].id, sizeof b[f->nopen].id, "%s", id);
    b[f->nopen++].created = f->now;
    return 0;
}

static void openDel(fq *f, int shard, const char *id) {
    for (size_t i = 0; i < f->nopen; i++)
        if (f->open[i].shard == shard && !strcmp(f->open[i].id, id)) {
            memmove(&f->open[i], &f->open[i + 1], (f->nopen - i - 1) * sizeof *f->open);
            f->nopen--;
            return;
        }
}

/* fJournalRun: luaJournal. */
static int fJournalRun(queue *q, const journal *j, const char *token, int state, int create,
                       const char *const *kv, size_t nkv, char *err) {
    if (called(q, FQ_JOURNAL, err) < 0) return -1;
    fq *f = F(q);
    char kBatch[128], kLease[64], idx[8], ts[24];
    queueKey(q, j->shard, "batch", j->id, NULL, kBatch, sizeof kBatch);
    queueKey(q, j->shard, "lease", NULL, NULL, kLease, sizeof kLease);
    fobj *lease = get(f, kLease), *b = get(f, kBatch);
    if (!lease || strcmp(lease->str, token)) return JOURNAL_LEASE_LOST;
    const char *si = hget(b, "stateIndex");
    int cur = si ? atoi(si) : -1;
    snprintf(idx, sizeof idx, "%d", state);
    snprintf(ts, sizeof ts, "%lld", f->now);
    if (create) {
        if (cur >= 0) return JOURNAL_EXISTS;
        if (!(b = make(f, kBatch)) || hset(b, "id", j->id) < 0 || hset(b, "created", ts) < 0 ||
            openAdd(f, j->shard, j->id) < 0)
            return errSet(err, "out of memory");
    } else if (cur < 0) {
        return JOURNAL_MISSING;
    } else if (state < cur) {
        return JOURNAL_BACKWARDS;
    }
    if (hset(b, "state", journalStateName(state)) < 0 || hset(b, "stateIndex", idx) < 0 || hset(b, "updated", ts) < 0)
        return errSet(err, "out of memory");
    for (size_t i = 0; i + 1 < nkv; i += 2)
        if (hset(b, kv[i], kv[i + 1]) < 0) return errSet(err, "out of memory");
    if (state == JS_ACKED) { openDel(f, j->shard, j->id); hdel(b, "sids"); hdel(b, "dsids"); }
    return 0;
}

static int fJournalOpen(queue *q, int shard, long long *n, char oldest[JOURNAL_ID_MAX], long long *oldestMs,
                        char *err) {
    if (called(q, FQ_JOPEN, err) < 0) return -1;
    fq *f = F(q);
    const fbatch *first = NULL;
    *n = 0;
    for (size_t i = 0; i < f->nopen; i++) {
        const fbatch *b = &f->open[i];
        if (b->shard != shard) continue;
        (*n)++;
        if (!first || b->created < first->created || (b->created == first->created && strcmp(b->id, first->id) < 0))
            first = b;
    }
    snprintf(oldest, JOURNAL_ID_MAX, "%s", first ? first->id : "");
    *oldestMs = first ? first->created : 0;
    return 0;
}

static void fClose(queue *q) {
    fq *f = F(q);
    if (!f) return;
    for (size_t b = 0; b < BUCKETS; b++)
        for (fobj *o = f->bucket[b], *next; o; o = next) { next = o->next; objFree(o); }
    for (fstream *s = f->streams, *next; s; s = next) {
        next = s->link;
        for (size_t i = 0; i < s->n; i++) {
            fentry *e = &s->e[i];
            free(e->scid); free(e->id); free(e->did); free(e->body); free(e->tp); free(e->reason); free(e->orig);
        }
        free(s->e);
        free(s);
    }
    free(f->open);
    free(f);
    q->be = NULL;
}

static const queueOps fakeOps = {
    .ping = fPing, .enqueueMany = fEnqueueMany, .scanScids = fScanScids, .groupEnsure = fGroupEnsure,
    .readNew = fReadNew, .reclaim = fReclaim, .claimIds = fClaimIds, .ack = fAck, .deadLetter = fDeadLetter,
    .requeue = fRequeue, .unreserveMany = fUnreserveMany, .depth = fDepth, .oldestMs = fOldestMs,
    .hsetMany = fHsetMany, .hgetall = fHgetall, .lease = fLease, .journalRun = fJournalRun,
    .journalOpen = fJournalOpen, .statusPutMany = fStatusPutMany, .close = fClose,
};

/* ---- test controls ---- */

queue *fakeQueueOpen(int shards) {
    queue *q = calloc(1, sizeof *q);
    fq *f = calloc(1, sizeof *f);
    if (!q || !f) { free(q); free(f); return NULL; }
    f->now = FAKE_QUEUE_T0;
    q->ops = &fakeOps;
    q->be = f;
    q->shards = shards > 0 ? shards : 1;
    snprintf(q->addr, sizeof q->addr, "fake");
    return q;
}

void fakeQueueAdvance(queue *q, long long ms) { F(q)->now += ms; }
long long fakeQueueNow(const queue *q) { return F(q)->now; }

void fakeQueueFail(queue *q, int op, int after, int times) {
    F(q)->failAfter[op] = after;
    F(q)->failTimes[op] = times;
}

long long fakeQueueCalls(const queue *q, int op) { return F(q)->calls[op]; }

size_t fakeQueuePending(const queue *q, int shard, const char *name) {
    fstream *s = stream(F(q), shard, name, 0);
    size_t n = 0;
    for (size_t i = 0; s && i < s->n; i++) n += s->e[i].pending;
    return n;
}

int fakeQueueDead(const queue *q, int shard, size_t i, const char **sid, const char **id, const char **reason) {
    fstream *s = stream(F(q), shard, "dead", 0);
    if (!s || i >= s->n) return 0;
    *sid = s->e[i].orig;
    *id = s->e[i].id;
    *reason = s->e[i].reason;
    return 1;
}
