/* queue_redis.c -- the queue's Redis backend (queue_impl.h): streams, Lua scripts,
 * hashes, lease and journal as Redis commands, sent through qlink.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "core/io/clock.h"
#include "anchord/queue/qlink.h"
#include "anchord/queue/queue_impl.h"

#define CHUNK 1000   /* items per pipeline: bounds the argument arrays built for one */

/* ---- Lua scripts (each touches keys of one {sN} slot only) ---- */

/* The DID's log budget (budget.h): an event queued with a budget holds `reserved` bytes
 * (its status hash) counted in `pending` (the DID registry hash) until it leaves the
 * queue -- published (queueUnreserveMany) or dead-lettered (luaDead). Releasing deletes
 * the status field first, so it happens once however often it is repeated. */
#define LUA_UNRESERVE(STATUS, REG) \
    "local rsv = redis.call('HGET', " STATUS ", 'reserved')\n" \
    "if rsv then\n" \
    "  redis.call('HDEL', " STATUS ", 'reserved')\n" \
    "  if redis.call('EXISTS', " REG ") == 1 then redis.call('HINCRBY', " REG ", 'pending', -tonumber(rsv)) end\n" \
    "end\n"

/* KEYS: stream, status, rate, DID registry. ARGV: scid, id, did, body, limit, now_ms,
 * budget, cost, traceparent ('' = none: no "tp" field), ttl_ms. A budget > 0 refuses ({3, bytes
 * used}) an event whose cost does not fit in budget - (registry size + pending) and reserves it
 * otherwise. ttl_ms > 0: the status hash (the replay marker) expires then (queueItem.ttlMs). */
static const char luaEnqueue[] =
    "if redis.call('EXISTS', KEYS[2]) == 1 then return {1, ''} end\n"
    "local lim = tonumber(ARGV[5])\n"
    "if lim > 0 and tonumber(redis.call('GET', KEYS[3]) or '0') >= lim then\n"
    "  return {2, tostring(redis.call('PTTL', KEYS[3]))} end\n"
    "local budget = tonumber(ARGV[7])\n"
    "local reserve = budget > 0 and redis.call('EXISTS', KEYS[4]) == 1\n"
    "if reserve then\n"
    "  local used = tonumber(redis.call('HGET', KEYS[4], 'size') or '0') +\n"
    "               math.max(0, tonumber(redis.call('HGET', KEYS[4], 'pending') or '0'))\n"
    "  if used + tonumber(ARGV[8]) > budget then return {3, tostring(used)} end\n"
    "end\n"
    "local f = {'scid', ARGV[1], 'id', ARGV[2], 'did', ARGV[3], 'body', ARGV[4]}\n"
    "if ARGV[9] ~= '' then f[9] = 'tp'; f[10] = ARGV[9] end\n"
    "local sid = redis.call('XADD', KEYS[1], '*', unpack(f))\n"
    "redis.call('HSET', KEYS[2], 'status', 'queued', 'sid', sid, 'received', ARGV[6])\n"
    "if reserve then\n"
    "  redis.call('HSET', KEYS[2], 'reserved', ARGV[8])\n"
    "  redis.call('HINCRBY', KEYS[4], 'pending', ARGV[8])\n"
    "end\n"
    "if tonumber(ARGV[10]) > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[10]) end\n"
    "if lim > 0 and redis.call('INCR', KEYS[3]) == 1 then redis.call('PEXPIRE', KEYS[3], 61000) end\n"
    "return {0, sid}\n";

/* A status hash that had expired while its event was queued (or was never written: an
 * entry added past ingest) and is written again by luaDead or luaRequeue expires after
 * QUEUE_GENESIS_KEEP_MS, like a registration's: Redis keeps no history. */
#define LUA_FRESH_TTL(STATUS) \
    "if redis.call('PTTL', " STATUS ") == -1 and fresh then redis.call('PEXPIRE', " STATUS ", 86400000) end\n"

/* KEYS: stream, dead, status, DID registry. ARGV: group, sid, reason, scid, id, did, body, now_ms. */
static const char luaDead[] =
    "local fresh = redis.call('EXISTS', KEYS[3]) == 0\n"
    "if redis.call('HGET', KEYS[3], 'status') ~= 'rejected' then\n"
    "  redis.call('XADD', KEYS[2], '*', 'sid', ARGV[2], 'scid', ARGV[4], 'id', ARGV[5], 'did', ARGV[6],\n"
    "             'reason', ARGV[3], 'body', ARGV[7])\n"
    "  redis.call('HSET', KEYS[3], 'status', 'rejected', 'reason', ARGV[3], 'rejected', ARGV[8])\n"
    "end\n"
    LUA_FRESH_TTL("KEYS[3]")
    LUA_UNRESERVE("KEYS[3]", "KEYS[4]")
    "redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])\n"
    "redis.call('XDEL', KEYS[1], ARGV[2])\n"
    "return 0\n";

/* KEYS: stream, status. ARGV: group, sid, scid, id, did, body, now_ms, traceparent ('' none).
 * Re-queue: a fresh copy at the stream's end (the replay marker is the status hash, which
 * is kept), then the old entry acknowledged and deleted. Done already = old entry gone. */
static const char luaRequeue[] =
    "if #redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2]) == 0 then return '' end\n"
    "local fresh = redis.call('EXISTS', KEYS[2]) == 0\n"
    "local f = {'scid', ARGV[3], 'id', ARGV[4], 'did', ARGV[5], 'body', ARGV[6]}\n"
    "if ARGV[8] ~= '' then f[9] = 'tp'; f[10] = ARGV[8] end\n"
    "local sid = redis.call('XADD', KEYS[1], '*', unpack(f))\n"
    "redis.call('HSET', KEYS[2], 'status', 'queued', 'sid', sid, 'requeued', ARGV[7])\n"
    LUA_FRESH_TTL("KEYS[2]")
    "redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])\n"
    "redis.call('XDEL', KEYS[1], ARGV[2])\n"
    "return sid\n";

/* KEYS: status, DID registry: the budget a published event held (queueUnreserveMany). */
static const char luaUnreserve[] = LUA_UNRESERVE("KEYS[1]", "KEYS[2]") "return 0\n";

/* KEYS: status. ARGV: ttl_ms, field, value, ...: the status of an event that left the
 * queue (queueStatusPutMany). A status that is gone (expired) is not written again; the
 * stream id `sid` goes; the key keeps its TTL unless ttl_ms > 0 sets a new one. */
static const char luaStatus[] =
    "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end\n"
    "redis.call('HDEL', KEYS[1], 'sid')\n"
    "redis.call('HSET', KEYS[1], unpack(ARGV, 2))\n"
    "if tonumber(ARGV[1]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end\n"
    "return 1\n";

/* KEYS: lease. ARGV: token, ttl. */
static const char luaRenew[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end\n"
    "return 0\n";
static const char luaRelease[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end\n"
    "return 0\n";

/* KEYS: batch, lease, open. ARGV: token, id, state, stateIndex, now_ms, create(0/1), k, v, ...
 * Fenced by the lease; creates or advances (never backwards) one journal hash; an acked one
 * leaves the open set, drops its stream-id lists (its entries are gone) and expires in 7 days. Answers
 * an integer (journalCode): 0 done, 1 lease lost, 2 the batch exists (create), 3 no
 * such batch (advance), 4 the state would go backwards; nothing changed unless 0. */
static const char luaJournal[] =
    "if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 1 end\n"
    "local cur = tonumber(redis.call('HGET', KEYS[1], 'stateIndex') or '-1')\n"
    "local idx = tonumber(ARGV[4])\n"
    "if ARGV[6] == '1' then\n"
    "  if cur >= 0 then return 2 end\n"
    "  redis.call('HSET', KEYS[1], 'id', ARGV[2], 'created', ARGV[5])\n"
    "  redis.call('ZADD', KEYS[3], ARGV[5], ARGV[2])\n"
    "elseif cur < 0 then return 3\n"
    "elseif idx < cur then return 4 end\n"
    "redis.call('HSET', KEYS[1], 'state', ARGV[3], 'stateIndex', ARGV[4], 'updated', ARGV[5])\n"
    "for i = 7, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end\n"
    "if idx == 6 then\n"
    "  redis.call('ZREM', KEYS[3], ARGV[2]); redis.call('HDEL', KEYS[1], 'sids', 'dsids')\n"
    "  redis.call('PEXPIRE', KEYS[1], 604800000)\n"
    "end\n"
    "return 0\n";

/* What luaJournal's integers mean. */
static const int journalCode[] = {0, JOURNAL_LEASE_LOST, JOURNAL_EXISTS, JOURNAL_MISSING, JOURNAL_BACKWARDS};

enum { L_ENQUEUE, L_DEAD, L_RENEW, L_RELEASE, L_JOURNAL, L_REQUEUE, L_UNRESERVE, L_STATUS, L_COUNT };
static const char *const luaText[L_COUNT] = {luaEnqueue, luaDead, luaRenew, luaRelease, luaJournal, luaRequeue,
                                             luaUnreserve, luaStatus};

typedef struct rq {
    qlink *l;
    char sha[L_COUNT][41];   /* what EVALSHA names each script by */
} rq;

static qlink *qlinkOf(queue *q) { return ((rq *)q->be)->l; }

/* cmd: one command, its reply; NULL + err when it got none or an error reply. */
static redisReply *cmd(queue *q, int flags, int argc, const char **argv, const size_t *lens, char *err) {
    redisReply *r;
    if (qlinkCommand(qlinkOf(q), flags, argc, argv, lens, &r, err) < 0) return NULL;
    if (qlinkReplyErr(r, err) < 0) { freeReplyObject(r); return NULL; }
    return r;
}

/* evalsha: EVALSHA of script `which` with nkeys keys and n arguments in av (al NULL = strlen). */
static redisReply *evalsha(queue *q, int flags, int which, int nkeys, const char **av, const size_t *al, int n,
                           char *err) {
    const char *argv[64];
    size_t lens[64];
    char nk[8];
    if (n + 3 > 64) { errSet(err, "redis: too many script arguments"); return NULL; }
    snprintf(nk, sizeof nk, "%d", nkeys);
    argv[0] = "EVALSHA"; lens[0] = 7;
    argv[1] = ((rq *)q->be)->sha[which]; lens[1] = 40;
    argv[2] = nk; lens[2] = strlen(nk);
    for (int i = 0; i < n; i++) { argv[3 + i] = av[i]; lens[3 + i] = al ? al[i] : strlen(av[i]); }
    return cmd(q, flags, n + 3, argv, lens, err);
}

/* replyErrs: -1 + err (the first error reply) when a pipeline's replies hold one, else 0. */
static int replyErrs(const qlinkCmd *c, size_t n, char *err) {
    for (size_t i = 0; i < n; i++)
        if (c[i].reply && qlinkReplyErr(c[i].reply, err) < 0) return -1;
    return 0;
}

static void freeReplies(qlinkCmd *c, size_t n) {
    for (size_t i = 0; i < n; i++) { if (c[i].reply) freeReplyObject(c[i].reply); c[i].reply = NULL; }
}

/* waitWant: the replicas a write must reach (queueSetWait; -1 = 1 on a cluster, 0 on one
 * Redis), or -1 + err when the mode cannot be found. */
static int waitWant(queue *q, char *err) {
    if (q->waitReplicas >= 0) return q->waitReplicas;
    int cluster = qlinkIsCluster(qlinkOf(q), err);
    return cluster < 0 ? -1 : cluster;
}

/* durable: the writes to shard's slot since qlinkWaitMark reached want replicas within
 * q->waitMs. 0 / -1 + err (fewer: they might not survive a fail-over of their master). */
static int durable(queue *q, int shard, int want, char *err) {
    char k[64];
    int acked;
    queueKey(q, shard, "lease", NULL, NULL, k, sizeof k);   /* any key of the shard: its slot */
    if (qlinkWait(qlinkOf(q), k, want, q->waitMs, &acked, err) < 0) return -1;
    if (acked < want)
        return errSet(err, "redis: WAIT: the write of shard %d reached %d of %d replica%s within %d ms "
                           "(it might not survive a fail-over; WA_REDIS_WAIT_REPLICAS)", shard, acked, want,
                      want == 1 ? "" : "s", q->waitMs);
    return 0;
}

/* rPing: PING where each shard lives (on a cluster every master that holds one). */
static int rPing(queue *q, char *err) {
    const char *av[] = {"PING"};
    int cluster = qlinkIsCluster(qlinkOf(q), err);
    if (cluster < 0) return -1;
    for (int sh = 0; sh < (cluster ? q->shards : 1); sh++) {
        char k[64];
        redisReply *r;
        queueKey(q, sh, "lease", NULL, NULL, k, sizeof k);
        if (qlinkCommandNear(qlinkOf(q), k, QLINK_IDEMPOTENT, 1, av, NULL, &r, err) < 0) return -1;
        int rc = qlinkReplyErr(r, err);
        freeReplyObject(r);
        if (rc < 0) return -1;
    }
    return 0;
}

/* ---- enqueue ---- */

/* The EVALSHA of one item, with the strings it names. */
typedef struct encArgs {
    char kStream[96], kStatus[256], kRate[256], kReg[256], lim[24], ts[24], win[24], bud[24], cost[24], ttl[24];
    const char *av[17];
    size_t al[17];
} encArgs;

static void encBuild(queue *q, const queueItem *it, long long now, encArgs *a) {
    int sh = queueShardOf(q, it->scid);
    snprintf(a->win, sizeof a->win, "%lld", now / 60000);
    queueKey(q, sh, it->stream, NULL, NULL, a->kStream, sizeof a->kStream);
    queueKey(q, sh, it->stream, it->scid, it->id, a->kStatus, sizeof a->kStatus);
    queueKey(q, sh, "rate", it->scid, a->win, a->kRate, sizeof a->kRate);
    queueKey(q, sh, "did", it->scid, NULL, a->kReg, sizeof a->kReg);
    snprintf(a->lim, sizeof a->lim, "%lld", it->ratePerMin);
    snprintf(a->ts, sizeof a->ts, "%lld", now);
    snprintf(a->bud, sizeof a->bud, "%lld", it->budget > 0 ? it->budget : 0);
    snprintf(a->cost, sizeof a->cost, "%lld", it->cost > 0 ? it->cost : 0);
    snprintf(a->ttl, sizeof a->ttl, "%lld", it->ttlMs > 0 ? it->ttlMs : 0);
    const char *av[] = {"EVALSHA", ((rq *)q->be)->sha[L_ENQUEUE], "4", a->kStream, a->kStatus, a->kRate, a->kReg,
                        it->scid, it->id, it->did, it->payload, a->lim, a->ts, a->bud, a->cost,
                        it->traceparent ? it->traceparent : "", a->ttl};
    memcpy(a->av, av, sizeof av);
    for (int i = 0; i < 17; i++) a->al[i] = i == 10 ? it->len : strlen(av[i]);
}

/* takeAnswer: the script's reply {code, sid | pttl | used} into it. 0 / -1 + err. */
static int takeAnswer(queueItem *it, const redisReply *r, char *err) {
    if (qlinkReplyErr(r, err) < 0) return -1;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_INTEGER)
        return errSet(err, "redis: unexpected reply to enqueue");
    const char *s = r->element[1]->type == REDIS_REPLY_STRING ? r->element[1]->str : "";
    it->rc = (int)r->element[0]->integer;
    if (it->rc == QUEUE_OK) snprintf(it->sid, sizeof it->sid, "%s", s);
    if (it->rc == QUEUE_RATE) {
        long long ms = atoll(s);
        it->retryAfter = ms > 0 ? (ms + 999) / 1000 : 60;
    }
    if (it->rc == QUEUE_BUDGET) it->used = atoll(s);
    return 0;
}

/* unconfirmed: WAIT for each shard that took a QUEUE_OK item of it[0..n) (want replicas);
 * the items of a shard whose write the replicas did not confirm go back to rc -1 ("maybe
 * queued": a retry is answered QUEUE_REPLAY if it was), the others stay QUEUE_OK.
 * 0 / -1 + err (err NULL: keep the caller's) when some went back. */
static int unconfirmed(queue *q, queueItem *it, size_t n, int want, char *err) {
    unsigned char *st = calloc((size_t)q->shards, 1);   /* per shard: 0 not asked, 1 confirmed, 2 not */
    int rc = 0;
    char why[ERR_MAX] = "out of memory";
    for (size_t i = 0; i < n; i++) {
        if (it[i].rc != QUEUE_OK) continue;
        int sh = queueShardOf(q, it[i].scid);
        if (st && !st[sh]) st[sh] = durable(q, sh, want, why) == 0 ? 1 : 2;
        if (st && st[sh] == 1) continue;
        it[i].rc = -1;
        it[i].sid[0] = 0;
        if (rc == 0 && err) errSet(err, "%s", why);
        rc = -1;
    }
    free(st);
    return rc;
}

/* Never re-sent after a lost reply: a second run would answer QUEUE_REPLAY for an event
 * the first run queued, and the client would be told it was a replay. */
static int rEnqueueMany(queue *q, queueItem *it, size_t n, char *err) {
    int want = waitWant(q, err);
    if (want < 0) return -1;
    encArgs *a = calloc(n < CHUNK ? (n ? n : 1) : CHUNK, sizeof *a);
    qlinkCmd *c = calloc(n < CHUNK ? (n ? n : 1) : CHUNK, sizeof *c);
    if (!a || !c) { free(a); free(c); return errSet(err, "out of memory"); }
    long long now = (long long)clockWallMs();
    int rc = 0;
    if (want) qlinkWaitMark(qlinkOf(q));
    for (size_t off = 0; off < n; off += CHUNK) {
        size_t m = n - off < CHUNK ? n - off : CHUNK;
        for (size_t i = 0; i < m; i++) {
            encBuild(q, &it[off + i], now, &a[i]);
            c[i] = (qlinkCmd){17, a[i].av, a[i].al, NULL};
        }
        int sent = qlinkPipeline(qlinkOf(q), 0, c, m, err);
        for (size_t i = 0; i < m; i++)   /* the answered ones, also when the connection failed */
            if (c[i].reply && takeAnswer(&it[off + i], c[i].reply, rc ? NULL : err) < 0) rc = -1;
        freeReplies(c, m);
        if (sent < 0) { rc = -1; break; }   /* the rest stay rc -1: not sent */
    }
    free(a);
    free(c);
    if (want && unconfirmed(q, it, n, want, rc ? NULL : err) < 0) rc = -1;
    return rc;
}

/* ---- scanning, reading ---- */

static int rScanScids(queue *q, int sh, const char *what, int (*fn)(void *, const char *, char *), void *arg,
                      char *err) {
    char pat[128], cursor[32] = "0";
    queueKey(q, sh, what, "*", NULL, pat, sizeof pat);
    size_t plen = strlen(pat) - 1;
    do {
        const char *av[] = {"SCAN", cursor, "MATCH", pat, "COUNT", "1000"};
        redisReply *r;
        if (qlinkCommandNear(qlinkOf(q), pat, QLINK_IDEMPOTENT, 6, av, NULL, &r, err) < 0) return -1;
        int rc = qlinkReplyErr(r, err);
        if (rc == 0 && !(r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[0]->type == REDIS_REPLY_STRING &&
                         r->element[1]->type == REDIS_REPLY_ARRAY))
            rc = errSet(err, "redis: unexpected reply to SCAN");
        if (rc == 0) snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
        for (size_t i = 0; rc == 0 && i < r->element[1]->elements; i++) {
            const redisReply *k = r->element[1]->element[i];
            if (k->type == REDIS_REPLY_STRING && k->len > plen && !strchr(k->str + plen, ':'))
                rc = fn(arg, k->str + plen, err);
        }
        freeReplyObject(r);
        if (rc < 0) return -1;
    } while (strcmp(cursor, "0"));
    return 0;
}

static char *dupN(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (d) { memcpy(d, s, n); d[n] = 0; }
    return d;
}

/* addEntry: one [sid, [field, value, ...]] element; nil bodies (deleted) are skipped. */
static int addEntry(queueEntries *out, const redisReply *el, char *err) {
    if (el->type != REDIS_REPLY_ARRAY || el->elements != 2 || el->element[0]->type != REDIS_REPLY_STRING)
        return errSet(err, "redis: unexpected stream entry");
    const redisReply *f = el->element[1];
    if (f->type != REDIS_REPLY_ARRAY) return 0;   /* deleted entry */
    queueEntry *e = queueEntriesAdd(out, el->element[0]->str);
    if (!e) return errSet(err, "out of memory");
    for (size_t i = 0; i + 1 < f->elements; i += 2) {
        const redisReply *k = f->element[i], *v = f->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING) continue;
        char **dst = !strcmp(k->str, "scid") ? &e->scid : !strcmp(k->str, "id") ? &e->id
                   : !strcmp(k->str, "did") ? &e->did : !strcmp(k->str, "body") ? &e->payload
                   : !strcmp(k->str, "tp") ? &e->traceparent : NULL;
        if (!dst || *dst) continue;
        if (!(*dst = dupN(v->str, v->len))) return errSet(err, "out of memory");
        if (dst == &e->payload) e->len = v->len;
    }
    return queueEntryComplete(e) < 0 ? errSet(err, "out of memory") : 0;
}

static int addEntries(queueEntries *out, const redisReply *arr, char *err) {
    int count = 0;
    if (arr->type != REDIS_REPLY_ARRAY) return 0;
    for (size_t i = 0; i < arr->elements; i++) {
        size_t before = out->n;
        if (addEntry(out, arr->element[i], err) < 0) return -1;
        count += (int)(out->n - before);
    }
    return count;
}

static int rGroupEnsure(queue *q, int shard, const char *stream, char *err) {
    char k[96];
    queueKey(q, shard, stream, NULL, NULL, k, sizeof k);
    const char *av[] = {"XGROUP", "CREATE", k, QUEUE_GROUP, "0", "MKSTREAM"};
    redisReply *r;
    if (qlinkCommand(qlinkOf(q), QLINK_IDEMPOTENT, 6, av, NULL, &r, err) < 0) return -1;
    int rc = r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "BUSYGROUP", 9) ? 0 : qlinkReplyErr(r, err);
    freeReplyObject(r);
    return rc;
}

/* Never re-sent: a second XREADGROUP ">" delivers other entries; the first one's stay
 * pending until reclaimed. */
static int rReadNew(queue *q, int shard, const char *stream, const char *consumer, size_t max, long long blockMs,
                    queueEntries *out, char *err) {
    char k[96], cnt[24], blk[24];
    queueKey(q, shard, stream, NULL, NULL, k, sizeof k);
    snprintf(cnt, sizeof cnt, "%zu", max);
    snprintf(blk, sizeof blk, "%lld", blockMs);
    const char *av[12] = {"XREADGROUP", "GROUP", QUEUE_GROUP, consumer, "COUNT", cnt};
    int n = 6;
    if (blockMs > 0) { av[n++] = "BLOCK"; av[n++] = blk; }
    av[n++] = "STREAMS"; av[n++] = k; av[n++] = ">";
    redisReply *r = cmd(q, 0, n, av, NULL, err);
    if (!r) return -1;
    int c = 0;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->type == REDIS_REPLY_ARRAY &&
        r->element[0]->elements == 2)
        c = addEntries(out, r->element[0]->element[1], err);
    freeReplyObject(r);
    return c;
}

static int rReclaim(queue *q, int shard, const char *stream, const char *consumer, long long minIdleMs, size_t max,
                    queueEntries *out, char *err) {
    char k[96], idle[24], cnt[24], start[QUEUE_SID_MAX] = "0-0";
    queueKey(q, shard, stream, NULL, NULL, k, sizeof k);
    snprintf(idle, sizeof idle, "%lld", minIdleMs);
    int total = 0;
    do {   /* XAUTOCLAIM pages through the pending list by cursor */
        snprintf(cnt, sizeof cnt, "%zu", max - (size_t)total);
        const char *av[] = {"XAUTOCLAIM", k, QUEUE_GROUP, consumer, idle, start, "COUNT", cnt};
        redisReply *r = cmd(q, 0, 8, av, NULL, err);
        if (!r) return -1;
        if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 || r->element[0]->type != REDIS_REPLY_STRING) {
            freeReplyObject(r);
            return errSet(err, "redis: unexpected XAUTOCLAIM reply");
        }
        snprintf(start, sizeof start, "%s", r->element[0]->str);
        int c = addEntries(out, r->element[1], err);
        freeReplyObject(r);
        if (c < 0) return -1;
        total += c;
    } while (strcmp(start, "0-0") && (size_t)total < max);
    return total;
}

static int rClaimIds(queue *q, int shard, const char *stream, const char *consumer, const char *const *sids, size_t n,
                     queueEntries *out, char *err) {
    char k[96];
    queueKey(q, shard, stream, NULL, NULL, k, sizeof k);
    int total = 0;
    for (size_t off = 0; off < n; off += 500) {   /* bounded command size */
        size_t m = n - off < 500 ? n - off : 500;
        const char **av = malloc((m + 5) * sizeof *av);
        if (!av) return errSet(err, "out of memory");
        av[0] = "XCLAIM"; av[1] = k; av[2] = QUEUE_GROUP; av[3] = consumer; av[4] = "0";
        for (size_t i = 0; i < m; i++) av[5 + i] = sids[off + i];
        redisReply *r = cmd(q, QLINK_IDEMPOTENT, (int)(m + 5), av, NULL, err);
        free(av);
        if (!r) return -1;
        int c = addEntries(out, r, err);
        freeReplyObject(r);
        if (c < 0) return -1;
        total += c;
    }
    return total;
}

static int rAck(queue *q, int shard, const char *stream, const char *const *sids, size_t n, char *err) {
    char k[96];
    queueKey(q, shard, stream, NULL, NULL, k, sizeof k);
    for (size_t off = 0; off < n; off += 500) {
        size_t m = n - off < 500 ? n - off : 500;
        const char **av = malloc((m + 3) * sizeof *av);
        if (!av) return errSet(err, "out of memory");
        for (int pass = 0; pass < 2; pass++) {   /* XACK first: an unacked entry is never deleted alone */
            int a = 0;
            av[a++] = pass ? "XDEL" : "XACK";
            av[a++] = k;
            if (!pass) av[a++] = QUEUE_GROUP;
            for (size_t i = 0; i < m; i++) av[a++] = sids[off + i];
            redisReply *r = cmd(q, QLINK_IDEMPOTENT, a, av, NULL, err);
            if (!r) { free(av); return -1; }
            freeReplyObject(r);
        }
        free(av);
    }
    return 0;
}

static int rDeadLetter(queue *q, int shard, const char *stream, const queueEntry *e, const char *reason, char *err) {
    char kStream[96], kDead[96], kStatus[256], kReg[256], ts[24];
    queueKey(q, shard, stream, NULL, NULL, kStream, sizeof kStream);
    queueKey(q, shard, "dead", NULL, NULL, kDead, sizeof kDead);
    queueKey(q, shard, stream, e->scid, e->id, kStatus, sizeof kStatus);
    queueKey(q, shard, "did", e->scid, NULL, kReg, sizeof kReg);
    snprintf(ts, sizeof ts, "%lld", (long long)clockWallMs());
    const char *av[] = {kStream, kDead, kStatus, kReg, QUEUE_GROUP, e->sid, reason, e->scid, e->id, e->did, e->payload, ts};
    size_t al[12];
    for (int i = 0; i < 12; i++) al[i] = strlen(av[i]);
    al[10] = e->len;
    redisReply *r = evalsha(q, QLINK_IDEMPOTENT, L_DEAD, 4, av, al, 12, err);
    if (!r) return -1;
    freeReplyObject(r);
    return 0;
}

static int rRequeue(queue *q, int shard, const char *stream, const queueEntry *e, char newSid[QUEUE_SID_MAX],
                    char *err) {
    char kStream[96], kStatus[256], ts[24];
    queueKey(q, shard, stream, NULL, NULL, kStream, sizeof kStream);
    queueKey(q, shard, stream, e->scid, e->id, kStatus, sizeof kStatus);
    snprintf(ts, sizeof ts, "%lld", (long long)clockWallMs());
    const char *av[] = {kStream, kStatus, QUEUE_GROUP, e->sid, e->scid, e->id, e->did, e->payload, ts,
                        e->traceparent ? e->traceparent : ""};
    size_t al[10];
    for (int i = 0; i < 10; i++) al[i] = strlen(av[i]);
    al[7] = e->len;
    redisReply *r = evalsha(q, QLINK_IDEMPOTENT, L_REQUEUE, 2, av, al, 10, err);
    if (!r) return -1;
    newSid[0] = 0;
    if (r->type == REDIS_REPLY_STRING) snprintf(newSid, QUEUE_SID_MAX, "%.*s", (int)r->len, r->str);
    freeReplyObject(r);
    return 0;
}

/* The EVALSHA of one release of queueUnreserveMany. */
typedef struct unresArgs {
    char kStatus[256], kReg[256];
    const char *av[5];
} unresArgs;

static int rUnreserveMany(queue *q, size_t n, const char *const *scids, const char *const *ids, char *err) {
    unresArgs *a = calloc(n < CHUNK ? (n ? n : 1) : CHUNK, sizeof *a);
    qlinkCmd *c = calloc(n < CHUNK ? (n ? n : 1) : CHUNK, sizeof *c);
    int rc = a && c ? 0 : errSet(err, "out of memory");
    for (size_t off = 0; rc == 0 && off < n; off += CHUNK) {
        size_t m = n - off < CHUNK ? n - off : CHUNK;
        for (size_t i = 0; i < m; i++) {
            int sh = queueShardOf(q, scids[off + i]);
            queueKey(q, sh, "events", scids[off + i], ids[off + i], a[i].kStatus, sizeof a[i].kStatus);
            queueKey(q, sh, "did", scids[off + i], NULL, a[i].kReg, sizeof a[i].kReg);
            const char *av[] = {"EVALSHA", ((rq *)q->be)->sha[L_UNRESERVE], "2", a[i].kStatus, a[i].kReg};
            memcpy(a[i].av, av, sizeof av);
            c[i] = (qlinkCmd){5, a[i].av, NULL, NULL};
        }
        rc = qlinkPipeline(qlinkOf(q), QLINK_IDEMPOTENT, c, m, err);
        if (rc == 0) rc = replyErrs(c, m, err);
        freeReplies(c, m);
    }
    free(a);
    free(c);
    return rc;
}

static long long rDepth(queue *q, int shard, const char *stream, char *err) {
    char k[96];
    queueKey(q, shard, stream, NULL, NULL, k, sizeof k);
    const char *av[] = {"XLEN", k};
    redisReply *r = cmd(q, QLINK_IDEMPOTENT, 2, av, NULL, err);
    if (!r) return -1;
    long long n = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
    freeReplyObject(r);
    return n;
}

static long long rOldestMs(queue *q, int shard, const char *stream, char *err) {
    char k[96];
    queueKey(q, shard, stream, NULL, NULL, k, sizeof k);
    const char *av[] = {"XRANGE", k, "-", "+", "COUNT", "1"};
    redisReply *r = cmd(q, QLINK_IDEMPOTENT, 6, av, NULL, err);
    if (!r) return -1;
    long long ms = 0;   /* a stream id is "<ms>-<seq>" */
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->type == REDIS_REPLY_ARRAY &&
        r->element[0]->elements >= 1 && r->element[0]->element[0]->type == REDIS_REPLY_STRING)
        ms = strtoll(r->element[0]->element[0]->str, NULL, 10);
    freeReplyObject(r);
    return ms;
}

/* ---- hashes ---- */

static int rHsetMany(queue *q, size_t n, const char *const *keys, const char *const *kv, size_t nkv, char *err) {
    size_t argc = nkv + 2, m0 = n < CHUNK ? (n ? n : 1) : CHUNK;
    const char **av = calloc(m0 * argc, sizeof *av);
    qlinkCmd *c = calloc(m0, sizeof *c);
    int rc = av && c ? 0 : errSet(err, "out of memory");
    for (size_t off = 0; rc == 0 && off < n; off += CHUNK) {
        size_t m = n - off < CHUNK ? n - off : CHUNK;
        for (size_t i = 0; i < m; i++) {
            const char **a = &av[i * argc];
            a[0] = "HSET";
            a[1] = keys[off + i];
            for (size_t k = 0; k < nkv; k++) a[2 + k] = kv[(off + i) * nkv + k];
            c[i] = (qlinkCmd){(int)argc, a, NULL, NULL};
        }
        rc = qlinkPipeline(qlinkOf(q), QLINK_IDEMPOTENT, c, m, err);
        if (rc == 0) rc = replyErrs(c, m, err);
        freeReplies(c, m);
    }
    free(av);
    free(c);
    return rc;
}

static int rStatusPutMany(queue *q, size_t n, const char *const *keys, const char *const *kv, size_t nkv,
                          const long long *ttlMs, char *err) {
    size_t argc = nkv + 5, m0 = n < CHUNK ? (n ? n : 1) : CHUNK;
    const char **av = calloc(m0 * argc, sizeof *av);
    char (*ttl)[24] = calloc(m0, sizeof *ttl);
    qlinkCmd *c = calloc(m0, sizeof *c);
    int rc = av && ttl && c ? 0 : errSet(err, "out of memory");
    for (size_t off = 0; rc == 0 && off < n; off += CHUNK) {
        size_t m = n - off < CHUNK ? n - off : CHUNK;
        for (size_t i = 0; i < m; i++) {
            const char **a = &av[i * argc];
            snprintf(ttl[i], sizeof ttl[i], "%lld", ttlMs && ttlMs[off + i] > 0 ? ttlMs[off + i] : 0);
            a[0] = "EVALSHA"; a[1] = ((rq *)q->be)->sha[L_STATUS]; a[2] = "1"; a[3] = keys[off + i]; a[4] = ttl[i];
            for (size_t k = 0; k < nkv; k++) a[5 + k] = kv[(off + i) * nkv + k];
            c[i] = (qlinkCmd){(int)argc, a, NULL, NULL};
        }
        rc = qlinkPipeline(qlinkOf(q), QLINK_IDEMPOTENT, c, m, err);
        if (rc == 0) rc = replyErrs(c, m, err);
        freeReplies(c, m);
    }
    free(av);
    free(ttl);
    free(c);
    return rc;
}

static int rHgetall(queue *q, const char *key, json_t **out, char *err) {
    const char *av[] = {"HGETALL", key};
    redisReply *r = cmd(q, QLINK_IDEMPOTENT, 2, av, NULL, err);
    *out = NULL;
    if (!r) return -1;
    if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) { freeReplyObject(r); return 0; }
    json_t *o = json_object();
    for (size_t i = 0; o && i + 1 < r->elements; i += 2)
        json_object_set_new(o, r->element[i]->str, json_stringn(r->element[i + 1]->str, r->element[i + 1]->len));
    freeReplyObject(r);
    if (!o) return errSet(err, "out of memory");
    *out = o;
    return 1;
}

/* ---- lease, journal ---- */

static int rLease(queue *q, int op, int shard, const char *token, long long ttlMs, char *err) {
    char k[64], ttl[24];
    queueKey(q, shard, "lease", NULL, NULL, k, sizeof k);
    snprintf(ttl, sizeof ttl, "%lld", ttlMs);
    redisReply *r;
    int done;
    if (op == QLEASE_ACQUIRE) {   /* never re-sent: a second SET NX is answered "held" */
        const char *av[] = {"SET", k, token, "NX", "PX", ttl};
        if (!(r = cmd(q, 0, 6, av, NULL, err))) return -1;
        done = r->type == REDIS_REPLY_STATUS;   /* OK, or nil when held */
    } else {
        const char *av[] = {k, token, ttl};
        if (!(r = evalsha(q, QLINK_IDEMPOTENT, op == QLEASE_RENEW ? L_RENEW : L_RELEASE, 1, av, NULL,
                          op == QLEASE_RENEW ? 3 : 2, err)))
            return -1;
        done = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    }
    freeReplyObject(r);
    return done;
}

static int rJournalRun(queue *q, const journal *j, const char *token, int state, int create,
                       const char *const *kv, size_t nkv, char *err) {
    char kBatch[128], kLease[64], kOpen[64], idx[8], ts[24];
    queueKey(q, j->shard, "batch", j->id, NULL, kBatch, sizeof kBatch);
    queueKey(q, j->shard, "lease", NULL, NULL, kLease, sizeof kLease);
    queueKey(q, j->shard, "batches", NULL, NULL, kOpen, sizeof kOpen);
    snprintf(idx, sizeof idx, "%d", state);
    snprintf(ts, sizeof ts, "%lld", (long long)clockWallMs());
    const char *av[61] = {kBatch, kLease, kOpen, token, j->id, journalStateName(state), idx, ts, create ? "1" : "0"};
    if (9 + nkv > sizeof av / sizeof *av) return errSet(err, "journal: too many fields");
    for (size_t i = 0; i < nkv; i++) av[9 + i] = kv[i];
    int want = waitWant(q, err);
    if (want < 0) return -1;
    if (want) qlinkWaitMark(qlinkOf(q));
    /* an advance is compare-and-set (the same state again changes nothing); a create is not */
    redisReply *r = evalsha(q, create ? 0 : QLINK_IDEMPOTENT, L_JOURNAL, 3, av, NULL, (int)(9 + nkv), err);
    if (!r) return -1;
    long long v = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    freeReplyObject(r);
    if (v < 0 || v >= (long long)(sizeof journalCode / sizeof *journalCode))
        return errSet(err, "redis: unexpected reply to the journal script");
    if (v == 0 && want && durable(q, j->shard, want, err) < 0) return -1;   /* written, not known to last */
    return journalCode[v];
}

static int rJournalOpen(queue *q, int shard, long long *n, char oldest[JOURNAL_ID_MAX], long long *oldestMs,
                        char *err) {
    char k[64];
    queueKey(q, shard, "batches", NULL, NULL, k, sizeof k);
    const char *av[] = {"ZRANGE", k, "0", "0", "WITHSCORES"}, *card[] = {"ZCARD", k};
    redisReply *r = cmd(q, QLINK_IDEMPOTENT, 5, av, NULL, err);
    if (!r) return -1;
    oldest[0] = 0;
    *oldestMs = 0;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[0]->type == REDIS_REPLY_STRING &&
        r->element[1]->type == REDIS_REPLY_STRING) {
        snprintf(oldest, JOURNAL_ID_MAX, "%s", r->element[0]->str);
        *oldestMs = strtoll(r->element[1]->str, NULL, 10);
    }
    freeReplyObject(r);
    if (!(r = cmd(q, QLINK_IDEMPOTENT, 2, card, NULL, err))) return -1;
    *n = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
    freeReplyObject(r);
    return 0;
}

static void rClose(queue *q) {
    rq *b = q->be;
    if (!b) return;
    qlinkClose(b->l);
    free(b);
    q->be = NULL;
}

/* The backend: each r* function above implements the queueOps slot of the same name
 * (queue_impl.h says what it answers) with Redis commands or a Lua script. */
static const queueOps redisOps = {
    .ping = rPing, .enqueueMany = rEnqueueMany, .scanScids = rScanScids, .groupEnsure = rGroupEnsure,
    .readNew = rReadNew, .reclaim = rReclaim, .claimIds = rClaimIds, .ack = rAck, .deadLetter = rDeadLetter,
    .requeue = rRequeue, .unreserveMany = rUnreserveMany, .depth = rDepth, .oldestMs = rOldestMs,
    .hsetMany = rHsetMany, .hgetall = rHgetall, .lease = rLease, .journalRun = rJournalRun,
    .journalOpen = rJournalOpen, .statusPutMany = rStatusPutMany, .close = rClose,
};

int queueUrlCheck(const char *url, char *err) { return qlinkUrlCheck(url, err); }

int queueRedisOpen(queue *q, const char *url, int timeoutMs, char *err) {
    rq *b = calloc(1, sizeof *b);
    if (!b) return errSet(err, "out of memory");
    if (!(b->l = qlinkOpen(url, timeoutMs, err))) { free(b); return -1; }
    for (int i = 0; i < L_COUNT; i++)
        if (qlinkScriptAdd(b->l, luaText[i], b->sha[i], err) < 0) {
            qlinkClose(b->l);
            free(b);
            return -1;
        }
    q->ops = &redisOps;
    q->be = b;
    snprintf(q->addr, sizeof q->addr, "%s", qlinkAddr(b->l));
    return 0;
}
