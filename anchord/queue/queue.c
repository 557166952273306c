/* queue.c -- the queue's generic part (queue.h): key names, shards, status records,
 * the lease token and the batch journal's bookkeeping, over a backend (queue_impl.h). */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include "core/err.h"
#include "core/fnv.h"
#include "core/hex.h"
#include "core/io/clock.h"
#include "anchord/queue/queue_impl.h"

/* ---- the handle ---- */

queue *queueOpen(const char *url, int shards, int timeoutMs, char *err) {
    queue *q = calloc(1, sizeof *q);
    if (!q) { errSet(err, "out of memory"); return NULL; }
    q->shards = shards > 0 ? shards : 1;
    q->waitReplicas = -1;   /* 1 on a cluster, 0 on one Redis (queueSetWait) */
    q->waitMs = 500;
    if (queueRedisOpen(q, url, timeoutMs, err) < 0) { free(q); return NULL; }
    return q;
}

void queueClose(queue *q) {
    if (!q) return;
    if (q->ops) q->ops->close(q);
    free(q);
}

const char *queueAddr(const queue *q) { return q->addr; }

void queueSetWait(queue *q, int replicas, int timeoutMs) {
    q->waitReplicas = replicas < 0 ? -1 : replicas;
    q->waitMs = timeoutMs > 0 ? timeoutMs : 500;
}
int queueShards(const queue *q) { return q->shards; }
int queuePing(queue *q, char *err) { return q->ops->ping(q, err); }

/* ---- keys ---- */

int queueShardOf(const queue *q, const char *scid) {
    return (int)(fnv1a32(scid) % (uint32_t)q->shards);   /* part of the data layout (core/fnv.h) */
}

void queueKey(const queue *q, int shard, const char *what, const char *scid, const char *id,
              char *out, size_t cap) {
    int n = snprintf(out, cap, "wa:{s%d}:%s", shard, what);
    if (scid && n > 0 && (size_t)n < cap) n += snprintf(out + n, cap - (size_t)n, ":%s", scid);
    if (id && n > 0 && (size_t)n < cap) snprintf(out + n, cap - (size_t)n, ":%s", id);
}

/* ---- enqueue ---- */

int queueEnqueue(queue *q, const char *stream, const char *scid, const char *id, const char *did,
                 const char *payload, size_t n, long long ratePerMin, char sid[QUEUE_SID_MAX],
                 long long *retryAfter, char *err) {
    queueItem it = {.stream = stream, .scid = scid, .id = id, .did = did, .payload = payload, .len = n,
                    .ratePerMin = ratePerMin, .budget = 0};
    if (queueEnqueueMany(q, &it, 1, err) < 0) return -1;
    if (it.rc == QUEUE_OK) snprintf(sid, QUEUE_SID_MAX, "%s", it.sid);
    if (it.rc == QUEUE_RATE && retryAfter) *retryAfter = it.retryAfter;
    return it.rc;
}

int queueEnqueueMany(queue *q, queueItem *it, size_t n, char *err) {
    for (size_t i = 0; i < n; i++) it[i].rc = -1, it[i].sid[0] = 0, it[i].retryAfter = 0, it[i].used = 0;
    return n ? q->ops->enqueueMany(q, it, n, err) : 0;
}

int queueScanScids(queue *q, const char *what, int (*fn)(void *arg, const char *scid, char *err), void *arg,
                   char *err) {
    for (int sh = 0; sh < q->shards; sh++)
        if (q->ops->scanScids(q, sh, what, fn, arg, err) < 0) return -1;
    return 0;
}

/* ---- stream entries ---- */

void queueEntriesFree(queueEntries *es) {
    for (size_t i = 0; i < es->n; i++) {
        queueEntry *e = &es->e[i];
        free(e->scid); free(e->id); free(e->did); free(e->payload); free(e->traceparent);
    }
    free(es->e);
    memset(es, 0, sizeof *es);
}

queueEntry *queueEntriesAdd(queueEntries *es, const char *sid) {
    if (es->n == es->cap) {
        size_t cap = es->cap ? es->cap * 2 : 64;
        queueEntry *e = realloc(es->e, cap * sizeof *e);
        if (!e) return NULL;
        es->e = e;
        es->cap = cap;
    }
    queueEntry *e = &es->e[es->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->sid, sizeof e->sid, "%s", sid);
    return e;
}

int queueEntryComplete(queueEntry *e) {
    char **need[] = {&e->scid, &e->id, &e->did, &e->payload};
    for (size_t i = 0; i < 4; i++)
        if (!*need[i] && !(*need[i] = calloc(1, 1))) return -1;
    return 0;
}

/* ---- streams ---- */

int queueGroupEnsure(queue *q, int shard, const char *stream, char *err) {
    return q->ops->groupEnsure(q, shard, stream, err);
}

int queueReadNew(queue *q, int shard, const char *stream, const char *consumer, size_t max,
                 long long blockMs, queueEntries *out, char *err) {
    return q->ops->readNew(q, shard, stream, consumer, max, blockMs, out, err);
}

int queueReclaim(queue *q, int shard, const char *stream, const char *consumer, long long minIdleMs,
                 size_t max, queueEntries *out, char *err) {
    return q->ops->reclaim(q, shard, stream, consumer, minIdleMs, max, out, err);
}

int queueClaimIds(queue *q, int shard, const char *stream, const char *consumer,
                  const char *const *sids, size_t n, queueEntries *out, char *err) {
    return n ? q->ops->claimIds(q, shard, stream, consumer, sids, n, out, err) : 0;
}

int queueAck(queue *q, int shard, const char *stream, const char *const *sids, size_t n, char *err) {
    return n ? q->ops->ack(q, shard, stream, sids, n, err) : 0;
}

int queueDeadLetter(queue *q, int shard, const char *stream, const queueEntry *e, const char *reason,
                    char *err) {
    return q->ops->deadLetter(q, shard, stream, e, reason, err);
}

int queueRequeue(queue *q, int shard, const char *stream, const queueEntry *e, char newSid[QUEUE_SID_MAX],
                 char *err) {
    return q->ops->requeue(q, shard, stream, e, newSid, err);
}

int queueUnreserveMany(queue *q, size_t n, const char *const *scids, const char *const *ids, char *err) {
    return n ? q->ops->unreserveMany(q, n, scids, ids, err) : 0;
}

long long queueDepth(queue *q, int shard, const char *stream, char *err) {
    return q->ops->depth(q, shard, stream, err);
}

long long queueOldestMs(queue *q, int shard, const char *stream, char *err) {
    return q->ops->oldestMs(q, shard, stream, err);
}

/* ---- hashes: status records and the DID registry ---- */

int queueHset(queue *q, const char *key, const char *const *kv, size_t nkv, char *err) {
    if (nkv == 0 || nkv % 2 || nkv > 40) return errSet(err, "queueHset: bad field list");
    return q->ops->hsetMany(q, 1, &key, kv, nkv, err);
}

int queueHsetMany(queue *q, size_t n, const char *const *keys, const char *const *kv, size_t nkv, char *err) {
    if (nkv == 0 || nkv % 2 || nkv > 40) return errSet(err, "queueHsetMany: bad field list");
    return n ? q->ops->hsetMany(q, n, keys, kv, nkv, err) : 0;
}

int queueStatusPutMany(queue *q, size_t n, const char *const *keys, const char *const *kv, size_t nkv,
                       const long long *ttlMs, char *err) {
    if (nkv == 0 || nkv % 2 || nkv > 40) return errSet(err, "queueStatusPutMany: bad field list");
    return n ? q->ops->statusPutMany(q, n, keys, kv, nkv, ttlMs, err) : 0;
}

int queueHgetall(queue *q, const char *key, json_t **out, char *err) {
    return q->ops->hgetall(q, key, out, err);
}

int queueStatusSet(queue *q, const char *scid, const char *id, const char *const *kv, size_t nkv,
                   char *err) {
    char k[256];
    queueKey(q, queueShardOf(q, scid), "events", scid, id, k, sizeof k);
    return queueHset(q, k, kv, nkv, err);
}

int queueStatusGet(queue *q, const char *scid, const char *id, json_t **out, char *err) {
    char k[256];
    queueKey(q, queueShardOf(q, scid), "events", scid, id, k, sizeof k);
    return queueHgetall(q, k, out, err);
}

/* ---- lease ---- */

int leaseAcquire(queue *q, int shard, long long ttlMs, char token[LEASE_TOKEN_MAX], char *err) {
    uint8_t rnd[16];
    randombytes_buf(rnd, sizeof rnd);
    hexEncode(rnd, sizeof rnd, token);
    int got = q->ops->lease(q, QLEASE_ACQUIRE, shard, token, ttlMs, err);
    if (got != 1) token[0] = 0;
    return got;
}

int leaseRenew(queue *q, int shard, const char *token, long long ttlMs, char *err) {
    return q->ops->lease(q, QLEASE_RENEW, shard, token, ttlMs, err);
}

int leaseRelease(queue *q, int shard, const char *token, char *err) {
    return q->ops->lease(q, QLEASE_RELEASE, shard, token, 0, err);
}

/* ---- journal ---- */

static const char *const stateNames[JS_COUNT] = {"claimed", "built", "staged", "submitted",
                                                 "confirmed", "published", "acked"};
static char crashSpec[64];

const char *journalStateName(int s) { return s >= 0 && s < JS_COUNT ? stateNames[s] : "?"; }

int journalStateIndex(const char *name) {
    for (int i = 0; i < JS_COUNT; i++) if (!strcmp(name, stateNames[i])) return i;
    return -1;
}

void journalCrashAt(const char *spec) { snprintf(crashSpec, sizeof crashSpec, "%s", spec ? spec : ""); }

/* crashPoint: SIGKILL self when WA_CRASH_AT names this point (tests only). */
static void crashPoint(int before, int state) {
    if (!crashSpec[0]) return;
    const char *s = crashSpec;
    if (!strncmp(s, "before:", 7) != !!before) return;
    if (before) s += 7;
    if (!strcmp(s, stateNames[state])) {
        fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"WA_CRASH_AT: killing self\",\"at\":\"%s\"}\n", crashSpec);
        kill(getpid(), SIGKILL);
    }
}

void journalFree(journal *j) {
    for (size_t i = 0; i < j->n; i++) { free(j->k[i]); free(j->v[i]); }
    free(j->k); free(j->v);
    j->k = j->v = NULL;
    j->n = 0;
}

const char *journalField(const journal *j, const char *name) {
    for (size_t i = 0; i < j->n; i++) if (!strcmp(j->k[i], name)) return j->v[i];
    return NULL;
}

/* setField: record k=v in the in-memory copy (replacing an older value). 0 / -1 (out of memory). */
static int setField(journal *j, const char *k, const char *v) {
    for (size_t i = 0; i < j->n; i++)
        if (!strcmp(j->k[i], k)) {
            char *d = strdup(v);
            if (!d) return -1;
            free(j->v[i]); j->v[i] = d;
            return 0;
        }
    char **nk = realloc(j->k, (j->n + 1) * sizeof *nk);
    if (!nk) return -1;
    j->k = nk;
    char **nv = realloc(j->v, (j->n + 1) * sizeof *nv);
    if (!nv) return -1;
    j->v = nv;
    if (!(j->k[j->n] = strdup(k))) return -1;
    if (!(j->v[j->n] = strdup(v))) { free(j->k[j->n]); return -1; }
    j->n++;
    return 0;
}

/* outcome: the message of a typed journal outcome; returns rc. */
static int outcome(const journal *j, int rc, int state, char *err) {
    switch (rc) {
    case JOURNAL_LEASE_LOST:
        errSet(err, "journal %s: lease lost (shard %d: expired, or taken by another worker)", j->id, j->shard);
        break;
    case JOURNAL_EXISTS: errSet(err, "journal %s: the batch exists already", j->id); break;
    case JOURNAL_MISSING: errSet(err, "journal %s: no such batch", j->id); break;
    case JOURNAL_BACKWARDS: errSet(err, "journal %s: state %s would go backwards", j->id, stateNames[state]); break;
    default: break;
    }
    return rc;
}

/* journalRun: journal state (create or advance) in the backend, then in j. 0, JOURNAL_* + err, -1 + err. */
static int journalRun(queue *q, journal *j, const char *token, int state, int create,
                      const char *const *kv, size_t nkv, char *err) {
    if (state < 0 || state >= JS_COUNT || nkv % 2) return errSet(err, "journal: bad state or field list");
    crashPoint(1, state);
    int rc = q->ops->journalRun(q, j, token, state, create, kv, nkv, err);
    if (rc != 0) return rc == -1 ? -1 : outcome(j, rc, state, err);
    j->state = state;
    if (setField(j, "state", stateNames[state]) < 0) return errSet(err, "out of memory");
    for (size_t i = 0; i < nkv; i += 2)
        if (setField(j, kv[i], kv[i + 1]) < 0) return errSet(err, "out of memory");
    crashPoint(0, state);
    return 0;
}

int journalCreate(queue *q, int shard, const char *token, const char *sids,
                  const char *const *kv, size_t nkv, journal *j, char *err) {
    uint8_t rnd[4];
    char hex[9];
    memset(j, 0, sizeof *j);
    randombytes_buf(rnd, sizeof rnd);
    hexEncode(rnd, sizeof rnd, hex);
    snprintf(j->id, sizeof j->id, "%lld-%s", (long long)clockWallMs(), hex);
    j->shard = shard;
    const char *all[48];
    if (nkv + 2 > sizeof all / sizeof *all) return errSet(err, "journal: too many fields");
    all[0] = "sids"; all[1] = sids;
    for (size_t i = 0; i < nkv; i++) all[2 + i] = kv[i];
    int rc = setField(j, "id", j->id) < 0 ? errSet(err, "out of memory")
                                          : journalRun(q, j, token, JS_CLAIMED, 1, all, nkv + 2, err);
    if (rc != 0) journalFree(j);
    return rc;
}

int journalAdvance(queue *q, journal *j, const char *token, int state, const char *const *kv,
                   size_t nkv, char *err) {
    return journalRun(q, j, token, state, 0, kv, nkv, err);
}

int journalLoad(queue *q, int shard, const char *id, journal *j, char *err) {
    char k[128];
    json_t *h = NULL;
    memset(j, 0, sizeof *j);
    queueKey(q, shard, "batch", id, NULL, k, sizeof k);
    int rc = queueHgetall(q, k, &h, err);
    if (rc <= 0) return rc;
    snprintf(j->id, sizeof j->id, "%s", id);
    j->shard = shard;
    const char *name;
    json_t *v;
    json_object_foreach(h, name, v)
        if (setField(j, name, json_string_value(v) ? json_string_value(v) : "") < 0) {
            json_decref(h);
            journalFree(j);
            return errSet(err, "out of memory");
        }
    json_decref(h);
    const char *st = journalField(j, "state");
    j->state = st ? journalStateIndex(st) : -1;
    if (j->state < 0) { journalFree(j); return errSet(err, "journal %s: bad state", id); }
    return 1;
}

int journalResumeFind(queue *q, int shard, journal *j, char *err) {
    char id[JOURNAL_ID_MAX];
    long long n, oldest;
    memset(j, 0, sizeof *j);
    if (q->ops->journalOpen(q, shard, &n, id, &oldest, err) < 0) return -1;
    if (!id[0]) return 0;
    return journalLoad(q, shard, id, j, err);
}

int journalOpenStats(queue *q, int shard, long long *n, long long *oldestMs, char *err) {
    char id[JOURNAL_ID_MAX];
    return q->ops->journalOpen(q, shard, n, id, oldestMs, err);
}
