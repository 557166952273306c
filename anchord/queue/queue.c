/* queue.c -- Redis streams, replay/rate guards, status, lease and journal on hiredis. */
#include <ctype.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <sodium.h>
#include "core/err.h"
#include "core/hex.h"
#include "anchord/queue/queue.h"

struct queue {
    redisContext *rc;
    char host[256], pass[256], addr[300];
    int port, db, shards, timeoutMs;
};

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
 * budget, cost. A budget > 0 refuses ({3, bytes used}) an event whose cost does not fit
 * in budget - (registry size + pending) and reserves it otherwise. */
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
    "local sid = redis.call('XADD', KEYS[1], '*', 'scid', ARGV[1], 'id', ARGV[2], 'did', ARGV[3], 'body', ARGV[4])\n"
    "redis.call('HSET', KEYS[2], 'status', 'queued', 'sid', sid, 'received', ARGV[6])\n"
    "if reserve then\n"
    "  redis.call('HSET', KEYS[2], 'reserved', ARGV[8])\n"
    "  redis.call('HINCRBY', KEYS[4], 'pending', ARGV[8])\n"
    "end\n"
    "if lim > 0 and redis.call('INCR', KEYS[3]) == 1 then redis.call('PEXPIRE', KEYS[3], 61000) end\n"
    "return {0, sid}\n";

/* KEYS: stream, dead, status, DID registry. ARGV: group, sid, reason, scid, id, did, body, now_ms. */
static const char luaDead[] =
    "if redis.call('HGET', KEYS[3], 'status') ~= 'rejected' then\n"
    "  redis.call('XADD', KEYS[2], '*', 'sid', ARGV[2], 'scid', ARGV[4], 'id', ARGV[5], 'did', ARGV[6],\n"
    "             'reason', ARGV[3], 'body', ARGV[7])\n"
    "  redis.call('HSET', KEYS[3], 'status', 'rejected', 'reason', ARGV[3], 'rejected', ARGV[8])\n"
    "end\n"
    LUA_UNRESERVE("KEYS[3]", "KEYS[4]")
    "redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])\n"
    "redis.call('XDEL', KEYS[1], ARGV[2])\n"
    "return 0\n";

/* KEYS: stream, status. ARGV: group, sid, scid, id, did, body, now_ms.
 * Re-queue: a fresh copy at the stream's end (the replay marker is the status hash, which
 * is kept), then the old entry acknowledged and deleted. Done already = old entry gone. */
static const char luaRequeue[] =
    "if #redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2]) == 0 then return '' end\n"
    "local sid = redis.call('XADD', KEYS[1], '*', 'scid', ARGV[3], 'id', ARGV[4], 'did', ARGV[5], 'body', ARGV[6])\n"
    "redis.call('HSET', KEYS[2], 'status', 'queued', 'sid', sid, 'requeued', ARGV[7])\n"
    "redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])\n"
    "redis.call('XDEL', KEYS[1], ARGV[2])\n"
    "return sid\n";

/* KEYS: status, DID registry: the budget a published event held (queueUnreserveMany). */
static const char luaUnreserve[] = LUA_UNRESERVE("KEYS[1]", "KEYS[2]") "return 0\n";

/* KEYS: lease. ARGV: token, ttl. */
static const char luaRenew[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end\n"
    "return 0\n";
static const char luaRelease[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end\n"
    "return 0\n";

/* KEYS: batch, lease, open. ARGV: token, id, state, stateIndex, now_ms, create(0/1), k, v, ...
 * Fenced by the lease; creates or advances (never backwards) one journal hash. */
static const char luaJournal[] =
    "if redis.call('GET', KEYS[2]) ~= ARGV[1] then return redis.error_reply('lease lost') end\n"
    "local cur = tonumber(redis.call('HGET', KEYS[1], 'stateIndex') or '-1')\n"
    "local idx = tonumber(ARGV[4])\n"
    "if ARGV[6] == '1' then\n"
    "  if cur >= 0 then return redis.error_reply('batch exists') end\n"
    "  redis.call('HSET', KEYS[1], 'id', ARGV[2], 'created', ARGV[5])\n"
    "  redis.call('ZADD', KEYS[3], ARGV[5], ARGV[2])\n"
    "elseif cur < 0 then return redis.error_reply('no such batch')\n"
    "elseif idx < cur then return redis.error_reply('state cannot go backwards') end\n"
    "redis.call('HSET', KEYS[1], 'state', ARGV[3], 'stateIndex', ARGV[4], 'updated', ARGV[5])\n"
    "for i = 7, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end\n"
    "if idx == 6 then redis.call('ZREM', KEYS[3], ARGV[2]); redis.call('PEXPIRE', KEYS[1], 604800000) end\n"
    "return 0\n";

enum { L_ENQUEUE, L_DEAD, L_RENEW, L_RELEASE, L_JOURNAL, L_REQUEUE, L_UNRESERVE, L_COUNT };
static const char *const luaText[L_COUNT] = {luaEnqueue, luaDead, luaRenew, luaRelease, luaJournal, luaRequeue,
                                             luaUnreserve};
static char luaSha[L_COUNT][41];  /* SHA-1 hex, what EVALSHA names a script by */
static pthread_once_t luaOnce = PTHREAD_ONCE_INIT;

/* luaHash: SHA-1 of every script, computed once for all threads. */
static void luaHash(void) {
    for (int i = 0; i < L_COUNT; i++) {
        unsigned char md[20];
        unsigned int n = 0;
        EVP_Digest(luaText[i], strlen(luaText[i]), md, &n, EVP_sha1(), NULL);
        hexEncode(md, 20, luaSha[i]);
    }
}

static long long nowMs(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* ---- URL, connection ---- */

int redisUrlParse(const char *url, char host[256], int *port, char pass[256], int *db, char *err) {
    *port = 6379; *db = 0; pass[0] = 0;
    if (strncmp(url, "redis://", 8)) return errSet(err, "must start with redis://");
    const char *p = url + 8, *at = strchr(p, '@');
    if (at) {
        if (*p != ':') return errSet(err, "credentials must be :password@ (no user name)");
        size_t n = (size_t)(at - p - 1);
        if (n == 0 || n >= 256) return errSet(err, "bad password length");
        memcpy(pass, p + 1, n); pass[n] = 0;
        p = at + 1;
    }
    size_t hn = strcspn(p, ":/");
    if (hn == 0 || hn >= 256) return errSet(err, "missing host");
    memcpy(host, p, hn); host[hn] = 0;
    for (size_t i = 0; i < hn; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-", host[i]))
            return errSet(err, "bad host name");
    p += hn;
    if (*p == ':') {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (end == p + 1 || v < 1 || v > 65535) return errSet(err, "port must be 1..65535");
        *port = (int)v;
        p = end;
    }
    if (*p == '/') {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (end == p + 1 || v < 0 || v > 15 || *end) return errSet(err, "database must be 0..15");
        *db = (int)v;
        p = end;
    }
    if (*p) return errSet(err, "unexpected \"%.20s\"", p);
    return 0;
}

queue *queueOpen(const char *url, int shards, int timeoutMs, char *err) {
    queue *q = calloc(1, sizeof *q);
    if (!q) { errSet(err, "out of memory"); return NULL; }
    char e[ERR_MAX];
    if (redisUrlParse(url, q->host, &q->port, q->pass, &q->db, e) < 0) {
        errSet(err, "WA_REDIS_URL: %s", e);
        free(q);
        return NULL;
    }
    snprintf(q->addr, sizeof q->addr, "%s:%d", q->host, q->port);
    q->shards = shards > 0 ? shards : 1;
    q->timeoutMs = timeoutMs > 0 ? timeoutMs : 5000;
    return q;
}

static void disconnect(queue *q) {
    if (q->rc) redisFree(q->rc);
    q->rc = NULL;
}

void queueClose(queue *q) {
    if (!q) return;
    disconnect(q);
    sodium_memzero(q->pass, sizeof q->pass);
    free(q);
}

const char *queueAddr(const queue *q) { return q->addr; }
int queueShards(const queue *q) { return q->shards; }

static int replyErr(queue *q, redisReply *r, char *err) {
    if (!r) {
        errSet(err, "redis: %s at %s", q->rc && q->rc->errstr[0] ? q->rc->errstr : "connection lost", q->addr);
        disconnect(q);   /* re-opened by the next call */
        return -1;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        errSet(err, "redis: %.*s", (int)r->len, r->str);
        freeReplyObject(r);
        return -1;
    }
    return 0;
}

/* stale: the server closed an idle connection (restarted, timeout). Redis never
 * speaks unasked on these connections, so anything readable before we send is
 * EOF or an error; finding out now, rather than from the reply, is what lets
 * the command go out once on a new connection instead of failing. */
static int stale(const queue *q) {
    struct pollfd p = {.fd = q->rc->fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

/* connect: (re)open the connection, AUTH/SELECT, load the Lua scripts. */
static int connectQ(queue *q, char *err) {
    if (q->rc && !q->rc->err && !stale(q)) return 0;
    pthread_once(&luaOnce, luaHash);
    disconnect(q);
    struct timeval tv = {q->timeoutMs / 1000, (q->timeoutMs % 1000) * 1000};
    q->rc = redisConnectWithTimeout(q->host, q->port, tv);
    if (!q->rc || q->rc->err) {
        char why[128];
        snprintf(why, sizeof why, "%s", q->rc ? q->rc->errstr : "out of memory");
        why[0] = (char)tolower((unsigned char)why[0]);   /* "redis: connection refused at h:p" */
        errSet(err, "redis: %s at %s", why, q->addr);
        disconnect(q);
        return -1;
    }
    redisSetTimeout(q->rc, tv);
    redisReply *r;
    if (q->pass[0]) {
        r = redisCommand(q->rc, "AUTH %s", q->pass);
        if (replyErr(q, r, err) < 0) { disconnect(q); return -1; }
        freeReplyObject(r);
    }
    if (q->db) {
        r = redisCommand(q->rc, "SELECT %d", q->db);
        if (replyErr(q, r, err) < 0) { disconnect(q); return -1; }
        freeReplyObject(r);
    }
    for (int i = 0; i < L_COUNT; i++) {
        r = redisCommand(q->rc, "SCRIPT LOAD %s", luaText[i]);
        if (replyErr(q, r, err) < 0) { disconnect(q); return -1; }
        int same = r->type == REDIS_REPLY_STRING && r->len == 40 && !memcmp(r->str, luaSha[i], 40);
        freeReplyObject(r);
        if (!same) { disconnect(q); return errSet(err, "redis: script hash mismatch at %s", q->addr); }
    }
    return 0;
}

/* cmd: one command from argv (binary safe). Never retried: a command whose
 * reply was lost may have run, and XADD must not run twice. */
static redisReply *cmd(queue *q, char *err, int argc, const char **argv, const size_t *lens) {
    if (connectQ(q, err) < 0) return NULL;
    redisReply *r = redisCommandArgv(q->rc, argc, argv, lens);
    if (replyErr(q, r, err) < 0) return NULL;
    return r;
}

/* cmdf: printf-style command for fixed, non-binary arguments. */
static redisReply *cmdf(queue *q, char *err, const char *fmt, ...) {
    if (connectQ(q, err) < 0) return NULL;
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(q->rc, fmt, ap);
    va_end(ap);
    if (replyErr(q, r, err) < 0) return NULL;
    return r;
}

/* evalsha: run script `which` with keys and args; reloads once on NOSCRIPT
 * (a SCRIPT FLUSH; the script did not run, so the retry is safe). */
static redisReply *evalsha(queue *q, char *err, int which, int nkeys, const char **av, const size_t *al, int n) {
    const char *argv[64];
    size_t lens[64];
    char nk[8];
    if (n + 3 > 64) { errSet(err, "redis: too many script arguments"); return NULL; }
    for (int attempt = 0; attempt < 2; attempt++) {
        if (connectQ(q, err) < 0) return NULL;
        snprintf(nk, sizeof nk, "%d", nkeys);
        argv[0] = "EVALSHA"; lens[0] = 7;
        argv[1] = luaSha[which]; lens[1] = 40;
        argv[2] = nk; lens[2] = strlen(nk);
        for (int i = 0; i < n; i++) { argv[3 + i] = av[i]; lens[3 + i] = al ? al[i] : strlen(av[i]); }
        redisReply *r = redisCommandArgv(q->rc, n + 3, argv, lens);
        if (r && r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "NOSCRIPT", 8) && attempt == 0) {
            freeReplyObject(r);
            disconnect(q);   /* reconnecting re-loads every script */
            continue;
        }
        if (replyErr(q, r, err) < 0) return NULL;
        return r;
    }
    errSet(err, "redis: script could not be loaded");
    return NULL;
}

int queuePing(queue *q, char *err) {
    redisReply *r = cmdf(q, err, "PING");
    if (!r) return -1;
    freeReplyObject(r);
    return 0;
}

/* ---- keys ---- */

int queueShardOf(const queue *q, const char *scid) {
    uint32_t h = 2166136261u;   /* FNV-1a: stable across versions and platforms */
    for (const unsigned char *p = (const unsigned char *)scid; *p; p++) h = (h ^ *p) * 16777619u;
    return (int)(h % (uint32_t)q->shards);
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

/* appendEnqueue: the EVALSHA of one item into the pipeline. 0 / -1 (out of memory). */
static int appendEnqueue(queue *q, const queueItem *it, long long now) {
    int sh = queueShardOf(q, it->scid);
    char kStream[96], kStatus[256], kRate[256], kReg[256], lim[24], ts[24], win[24], bud[24], cost[24], nk[] = "4";
    snprintf(win, sizeof win, "%lld", now / 60000);
    queueKey(q, sh, it->stream, NULL, NULL, kStream, sizeof kStream);
    queueKey(q, sh, it->stream, it->scid, it->id, kStatus, sizeof kStatus);
    queueKey(q, sh, "rate", it->scid, win, kRate, sizeof kRate);
    queueKey(q, sh, "did", it->scid, NULL, kReg, sizeof kReg);
    snprintf(lim, sizeof lim, "%lld", it->ratePerMin);
    snprintf(ts, sizeof ts, "%lld", now);
    snprintf(bud, sizeof bud, "%lld", it->budget > 0 ? it->budget : 0);
    snprintf(cost, sizeof cost, "%lld", it->cost > 0 ? it->cost : 0);
    const char *av[] = {"EVALSHA", luaSha[L_ENQUEUE], nk, kStream, kStatus, kRate, kReg, it->scid, it->id, it->did,
                        it->payload, lim, ts, bud, cost};
    size_t al[15];
    for (int i = 0; i < 15; i++) al[i] = i == 10 ? it->len : strlen(av[i]);
    return redisAppendCommandArgv(q->rc, 15, av, al) == REDIS_OK ? 0 : -1;
}

/* takeAnswer: the script's reply {code, sid | pttl} into it. 0, 1 NOSCRIPT, -1 + err. */
static int takeAnswer(queueItem *it, const redisReply *r, char *err) {
    if (r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "NOSCRIPT", 8)) return 1;
    if (r->type == REDIS_REPLY_ERROR) return errSet(err, "redis: %.*s", (int)r->len, r->str);
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

/* enqueueRound: one pipelined round trip over the items still without an answer.
 * 0 all answered, 1 some hit NOSCRIPT (they did not run), -1 + err. */
static int enqueueRound(queue *q, queueItem *it, size_t n, char *err) {
    if (connectQ(q, err) < 0) return -1;
    long long now = nowMs();
    size_t sent = 0;
    for (size_t i = 0; i < n; i++) {
        if (it[i].rc != -1) continue;
        if (appendEnqueue(q, &it[i], now) < 0) return errSet(err, "redis: out of memory"), disconnect(q), -1;
        sent++;
    }
    int again = 0, rc = 0;
    for (size_t i = 0; i < n && sent; i++) {
        if (it[i].rc != -1) continue;
        sent--;
        redisReply *r = NULL;
        if (redisGetReply(q->rc, (void **)&r) != REDIS_OK || !r) { replyErr(q, NULL, err); return -1; }
        int t = takeAnswer(&it[i], r, rc ? NULL : err);
        freeReplyObject(r);
        if (t == 1) again = 1;
        else if (t < 0) rc = -1;   /* read the other replies: the connection stays in step */
    }
    return rc < 0 ? -1 : again;
}

int queueEnqueueMany(queue *q, queueItem *it, size_t n, char *err) {
    for (size_t i = 0; i < n; i++) it[i].rc = -1, it[i].sid[0] = 0, it[i].retryAfter = 0, it[i].used = 0;
    int rc = enqueueRound(q, it, n, err);
    if (rc == 1) {   /* a SCRIPT FLUSH: reconnecting re-loads the scripts; those did not run */
        disconnect(q);
        rc = enqueueRound(q, it, n, err);
        if (rc == 1) rc = errSet(err, "redis: script could not be loaded");
    }
    return rc;
}

/* scanShard: one shard's SCAN loop for queueScanScids. */
static int scanShard(queue *q, int sh, const char *what, int (*fn)(void *, const char *, char *), void *arg,
                     char *err) {
    char pat[128], cursor[32] = "0";
    queueKey(q, sh, what, "*", NULL, pat, sizeof pat);
    size_t plen = strlen(pat) - 1;
    do {
        const char *av[] = {"SCAN", cursor, "MATCH", pat, "COUNT", "1000"};
        redisReply *r = cmd(q, err, 6, av, NULL);
        if (!r) return -1;
        int rc = r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[0]->type == REDIS_REPLY_STRING &&
                 r->element[1]->type == REDIS_REPLY_ARRAY ? 0 : errSet(err, "redis: unexpected reply to SCAN");
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

int queueScanScids(queue *q, const char *what, int (*fn)(void *arg, const char *scid, char *err), void *arg,
                   char *err) {
    for (int sh = 0; sh < q->shards; sh++)
        if (scanShard(q, sh, what, fn, arg, err) < 0) return -1;
    return 0;
}

/* ---- reading ---- */

static char *dupN(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (d) { memcpy(d, s, n); d[n] = 0; }
    return d;
}

void queueEntriesFree(queueEntries *es) {
    for (size_t i = 0; i < es->n; i++) {
        queueEntry *e = &es->e[i];
        free(e->scid); free(e->id); free(e->did); free(e->payload);
    }
    free(es->e);
    memset(es, 0, sizeof *es);
}

/* addEntry: one [sid, [field, value, ...]] element; nil bodies (deleted) are skipped. */
static int addEntry(queueEntries *out, const redisReply *el, char *err) {
    if (el->type != REDIS_REPLY_ARRAY || el->elements != 2 || el->element[0]->type != REDIS_REPLY_STRING)
        return errSet(err, "redis: unexpected stream entry");
    const redisReply *f = el->element[1];
    if (f->type != REDIS_REPLY_ARRAY) return 0;   /* deleted entry */
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 64;
        queueEntry *e = realloc(out->e, cap * sizeof *e);
        if (!e) return errSet(err, "out of memory");
        out->e = e; out->cap = cap;
    }
    queueEntry *e = &out->e[out->n];
    memset(e, 0, sizeof *e);
    snprintf(e->sid, sizeof e->sid, "%s", el->element[0]->str);
    for (size_t i = 0; i + 1 < f->elements; i += 2) {
        const redisReply *k = f->element[i], *v = f->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING) continue;
        char **dst = !strcmp(k->str, "scid") ? &e->scid : !strcmp(k->str, "id") ? &e->id
                   : !strcmp(k->str, "did") ? &e->did : !strcmp(k->str, "body") ? &e->payload : NULL;
        if (!dst || *dst) continue;
        if (!(*dst = dupN(v->str, v->len))) return errSet(err, "out of memory");
        if (dst == &e->payload) e->len = v->len;
    }
    /* An entry lacking a field is still returned (the field empty), so that the worker
     * dead-letters it: refusing the whole read would stop every batch on one bad entry. */
    char **need[] = {&e->scid, &e->id, &e->did, &e->payload};
    for (size_t i = 0; i < 4; i++)
        if (!*need[i] && !(*need[i] = dupN("", 0))) return errSet(err, "out of memory");
    out->n++;
    return 0;
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

int queueGroupEnsure(queue *q, int shard, const char *stream, char *err) {
    char k[96];
    queueKey(q, shard, stream, NULL, NULL, k, sizeof k);
    if (connectQ(q, err) < 0) return -1;
    redisReply *r = redisCommand(q->rc, "XGROUP CREATE %s %s 0 MKSTREAM", k, QUEUE_GROUP);
    if (r && r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "BUSYGROUP", 9)) {
        freeReplyObject(r);
        return 0;
    }
    if (replyErr(q, r, err) < 0) return -1;
    freeReplyObject(r);
    return 0;
}

int queueReadNew(queue *q, int shard, const char *stream, const char *consumer, size_t max,
                 long long blockMs, queueEntries *out, char *err) {
    char k[96], cnt[24], blk[24];
    queueKey(q, shard, stream, NULL, NULL, k, sizeof k);
    snprintf(cnt, sizeof cnt, "%zu", max);
    snprintf(blk, sizeof blk, "%lld", blockMs);
    const char *av[12] = {"XREADGROUP", "GROUP", QUEUE_GROUP, consumer, "COUNT", cnt};
    int n = 6;
    if (blockMs > 0) { av[n++] = "BLOCK"; av[n++] = blk; }
    av[n++] = "STREAMS"; av[n++] = k; av[n++] = ">";
    size_t al[12];
    for (int i = 0; i < n; i++) al[i] = strlen(av[i]);
    if (blockMs > 0 && connectQ(q, err) == 0) {   /* BLOCK must outlive the read timeout */
        struct timeval tv = {(q->timeoutMs + blockMs) / 1000, ((q->timeoutMs + blockMs) % 1000) * 1000};
        redisSetTimeout(q->rc, tv);
    }
    redisReply *r = cmd(q, err, n, av, al);
    if (q->rc) {
        struct timeval tv = {q->timeoutMs / 1000, (q->timeoutMs % 1000) * 1000};
        redisSetTimeout(q->rc, tv);
    }
    if (!r) return -1;
    int c = 0;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->type == REDIS_REPLY_ARRAY &&
        r->element[0]->elements == 2)
        c = addEntries(out, r->element[0]->element[1], err);
    freeReplyObject(r);
    return c;
}

int queueReclaim(queue *q, int shard, const char *stream, const char *consumer, long long minIdleMs,
                 size_t max, queueEntries *out, char *err) {
    char k[96], idle[24], cnt[24], start[QUEUE_SID_MAX] = "0-0";
    queueKey(q, shard, stream, NULL, NULL, k, sizeof k);
    snprintf(idle, sizeof idle, "%lld", minIdleMs);
    int total = 0;
    do {   /* XAUTOCLAIM pages through the pending list by cursor */
        snprintf(cnt, sizeof cnt, "%zu", max - (size_t)total);
        redisReply *r = cmdf(q, err, "XAUTOCLAIM %s %s %s %s %s COUNT %s", k, QUEUE_GROUP, consumer, idle, start, cnt);
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

int queueClaimIds(queue *q, int shard, const char *stream, const char *consumer,
                  const char *const *sids, size_t n, queueEntries *out, char *err) {
    char k[96];
    queueKey(q, shard, stream, NULL, NULL, k, sizeof k);
    int total = 0;
    for (size_t off = 0; off < n; off += 500) {   /* bounded command size */
        size_t m = n - off < 500 ? n - off : 500;
        const char **av = malloc((m + 5) * sizeof *av);
        if (!av) return errSet(err, "out of memory");
        av[0] = "XCLAIM"; av[1] = k; av[2] = QUEUE_GROUP; av[3] = consumer; av[4] = "0";
        for (size_t i = 0; i < m; i++) av[5 + i] = sids[off + i];
        redisReply *r = cmd(q, err, (int)(m + 5), av, NULL);
        free(av);
        if (!r) return -1;
        int c = addEntries(out, r, err);
        freeReplyObject(r);
        if (c < 0) return -1;
        total += c;
    }
    return total;
}

int queueAck(queue *q, int shard, const char *stream, const char *const *sids, size_t n, char *err) {
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
            redisReply *r = cmd(q, err, a, av, NULL);
            if (!r) { free(av); return -1; }
            freeReplyObject(r);
        }
        free(av);
    }
    return 0;
}

int queueDeadLetter(queue *q, int shard, const char *stream, const queueEntry *e, const char *reason,
                    char *err) {
    char kStream[96], kDead[96], kStatus[256], kReg[256], ts[24];
    queueKey(q, shard, stream, NULL, NULL, kStream, sizeof kStream);
    queueKey(q, shard, "dead", NULL, NULL, kDead, sizeof kDead);
    queueKey(q, shard, stream, e->scid, e->id, kStatus, sizeof kStatus);
    queueKey(q, shard, "did", e->scid, NULL, kReg, sizeof kReg);
    snprintf(ts, sizeof ts, "%lld", nowMs());
    const char *av[] = {kStream, kDead, kStatus, kReg, QUEUE_GROUP, e->sid, reason, e->scid, e->id, e->did, e->payload, ts};
    size_t al[12];
    for (int i = 0; i < 12; i++) al[i] = strlen(av[i]);
    al[10] = e->len;
    redisReply *r = evalsha(q, err, L_DEAD, 4, av, al, 12);
    if (!r) return -1;
    freeReplyObject(r);
    return 0;
}

int queueRequeue(queue *q, int shard, const char *stream, const queueEntry *e, char newSid[QUEUE_SID_MAX],
                 char *err) {
    char kStream[96], kStatus[256], ts[24];
    queueKey(q, shard, stream, NULL, NULL, kStream, sizeof kStream);
    queueKey(q, shard, stream, e->scid, e->id, kStatus, sizeof kStatus);
    snprintf(ts, sizeof ts, "%lld", nowMs());
    const char *av[] = {kStream, kStatus, QUEUE_GROUP, e->sid, e->scid, e->id, e->did, e->payload, ts};
    size_t al[9];
    for (int i = 0; i < 9; i++) al[i] = strlen(av[i]);
    al[7] = e->len;
    redisReply *r = evalsha(q, err, L_REQUEUE, 2, av, al, 9);
    if (!r) return -1;
    newSid[0] = 0;
    if (r->type == REDIS_REPLY_STRING) snprintf(newSid, QUEUE_SID_MAX, "%.*s", (int)r->len, r->str);
    freeReplyObject(r);
    return 0;
}

long long queueDepth(queue *q, int shard, const char *stream, char *err) {
    char k[96];
    queueKey(q, shard, stream, NULL, NULL, k, sizeof k);
    redisReply *r = cmdf(q, err, "XLEN %s", k);
    if (!r) return -1;
    long long n = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
    freeReplyObject(r);
    return n;
}

long long queueOldestMs(queue *q, int shard, const char *stream, char *err) {
    char k[96];
    queueKey(q, shard, stream, NULL, NULL, k, sizeof k);
    redisReply *r = cmdf(q, err, "XRANGE %s - + COUNT 1", k);
    if (!r) return -1;
    long long ms = 0;   /* a stream id is "<ms>-<seq>" */
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->type == REDIS_REPLY_ARRAY &&
        r->element[0]->elements >= 1 && r->element[0]->element[0]->type == REDIS_REPLY_STRING)
        ms = strtoll(r->element[0]->element[0]->str, NULL, 10);
    freeReplyObject(r);
    return ms;
}

int journalOpenStats(queue *q, int shard, long long *n, long long *oldestMs, char *err) {
    char k[64];
    queueKey(q, shard, "batches", NULL, NULL, k, sizeof k);
    redisReply *r = cmdf(q, err, "ZRANGE %s 0 0 WITHSCORES", k);
    if (!r) return -1;
    *oldestMs = 0;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[1]->type == REDIS_REPLY_STRING)
        *oldestMs = strtoll(r->element[1]->str, NULL, 10);
    freeReplyObject(r);
    if (!(r = cmdf(q, err, "ZCARD %s", k))) return -1;
    *n = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
    freeReplyObject(r);
    return 0;
}

/* ---- hashes: status records and the DID registry ---- */

int queueHset(queue *q, const char *key, const char *const *kv, size_t nkv, char *err) {
    if (nkv == 0 || nkv % 2 || nkv > 40) return errSet(err, "queueHset: bad field list");
    const char *av[42] = {"HSET", key};
    for (size_t i = 0; i < nkv; i++) av[2 + i] = kv[i];
    redisReply *r = cmd(q, err, (int)nkv + 2, av, NULL);
    if (!r) return -1;
    freeReplyObject(r);
    return 0;
}

/* pipelined: n commands, append(q, i, ctx) queueing the i-th, in rounds of 1000 (one
 * round trip each). A round with a NOSCRIPT answer (a SCRIPT FLUSH: those scripts did not
 * run) is sent once more on a new connection, so only idempotent commands go through
 * here. 0 / -1 + err (the first error answer; the connection is dropped). */
static int pipelined(queue *q, size_t n, int (*append)(queue *q, size_t i, void *ctx), void *ctx, char *err) {
    for (size_t off = 0; off < n; off += 1000) {
        size_t m = n - off < 1000 ? n - off : 1000;
        for (int attempt = 0;; attempt++) {
            if (connectQ(q, err) < 0) return -1;
            for (size_t i = 0; i < m; i++)
                if (append(q, off + i, ctx) < 0) return errSet(err, "redis: out of memory"), disconnect(q), -1;
            int noscript = 0, rc = 0;
            for (size_t i = 0; i < m; i++) {
                redisReply *r = NULL;
                if (redisGetReply(q->rc, (void **)&r) != REDIS_OK || !r) { replyErr(q, NULL, err); return -1; }
                if (r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "NOSCRIPT", 8)) noscript = 1;
                else if (r->type == REDIS_REPLY_ERROR && rc == 0) rc = errSet(err, "redis: %.*s", (int)r->len, r->str);
                freeReplyObject(r);   /* every reply read: the connection stays in step */
            }
            if (rc < 0) { disconnect(q); return -1; }
            if (!noscript) break;
            disconnect(q);   /* reconnecting re-loads every script */
            if (attempt == 1) return errSet(err, "redis: script could not be loaded");
        }
    }
    return 0;
}

typedef struct hsetCtx { const char *const *keys, *const *kv; size_t nkv; } hsetCtx;

static int appendHset(queue *q, size_t i, void *ctx) {
    const hsetCtx *c = ctx;
    const char *av[42] = {"HSET", c->keys[i]};
    for (size_t k = 0; k < c->nkv; k++) av[2 + k] = c->kv[i * c->nkv + k];
    return redisAppendCommandArgv(q->rc, (int)c->nkv + 2, av, NULL) == REDIS_OK ? 0 : -1;
}

int queueHsetMany(queue *q, size_t n, const char *const *keys, const char *const *kv, size_t nkv, char *err) {
    if (nkv == 0 || nkv % 2 || nkv > 40) return errSet(err, "queueHsetMany: bad field list");
    hsetCtx c = {keys, kv, nkv};
    return pipelined(q, n, appendHset, &c, err);
}

typedef struct unreserveCtx { const char *const *scids, *const *ids; } unreserveCtx;

static int appendUnreserve(queue *q, size_t i, void *ctx) {
    const unreserveCtx *c = ctx;
    char kStatus[256], kReg[256];
    int sh = queueShardOf(q, c->scids[i]);
    queueKey(q, sh, "events", c->scids[i], c->ids[i], kStatus, sizeof kStatus);
    queueKey(q, sh, "did", c->scids[i], NULL, kReg, sizeof kReg);
    const char *av[] = {"EVALSHA", luaSha[L_UNRESERVE], "2", kStatus, kReg};
    return redisAppendCommandArgv(q->rc, 5, av, NULL) == REDIS_OK ? 0 : -1;
}

int queueUnreserveMany(queue *q, size_t n, const char *const *scids, const char *const *ids, char *err) {
    unreserveCtx c = {scids, ids};
    return pipelined(q, n, appendUnreserve, &c, err);
}

int queueHgetall(queue *q, const char *key, json_t **out, char *err) {
    const char *av[] = {"HGETALL", key};
    redisReply *r = cmd(q, err, 2, av, NULL);
    if (!r) return -1;
    *out = NULL;
    if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) { freeReplyObject(r); return 0; }
    json_t *o = json_object();
    for (size_t i = 0; o && i + 1 < r->elements; i += 2)
        json_object_set_new(o, r->element[i]->str, json_stringn(r->element[i + 1]->str, r->element[i + 1]->len));
    freeReplyObject(r);
    if (!o) return errSet(err, "out of memory");
    *out = o;
    return 1;
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
    char k[64];
    uint8_t rnd[16];
    randombytes_buf(rnd, sizeof rnd);
    hexEncode(rnd, sizeof rnd, token);
    queueKey(q, shard, "lease", NULL, NULL, k, sizeof k);
    redisReply *r = cmdf(q, err, "SET %s %s NX PX %lld", k, token, ttlMs);
    if (!r) return -1;
    int got = r->type == REDIS_REPLY_STATUS;   /* OK, or nil when held */
    freeReplyObject(r);
    if (!got) token[0] = 0;
    return got;
}

static int leaseCas(queue *q, int which, int shard, const char *token, long long ttlMs, char *err) {
    char k[64], ttl[24];
    queueKey(q, shard, "lease", NULL, NULL, k, sizeof k);
    snprintf(ttl, sizeof ttl, "%lld", ttlMs);
    const char *av[] = {k, token, ttl};
    redisReply *r = evalsha(q, err, which, 1, av, NULL, which == L_RENEW ? 3 : 2);
    if (!r) return -1;
    int ok = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    return ok;
}

int leaseRenew(queue *q, int shard, const char *token, long long ttlMs, char *err) {
    return leaseCas(q, L_RENEW, shard, token, ttlMs, err);
}

int leaseRelease(queue *q, int shard, const char *token, char *err) {
    return leaseCas(q, L_RELEASE, shard, token, 0, err);
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

/* setField: record k=v in the in-memory copy (replacing an older value). */
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

static int journalRun(queue *q, journal *j, const char *token, int state, int create,
                      const char *const *kv, size_t nkv, char *err) {
    if (state < 0 || state >= JS_COUNT || nkv % 2) return errSet(err, "journal: bad state or field list");
    char kBatch[128], kLease[64], kOpen[64], idx[8], ts[24];
    queueKey(q, j->shard, "batch", j->id, NULL, kBatch, sizeof kBatch);
    queueKey(q, j->shard, "lease", NULL, NULL, kLease, sizeof kLease);
    queueKey(q, j->shard, "batches", NULL, NULL, kOpen, sizeof kOpen);
    snprintf(idx, sizeof idx, "%d", state);
    snprintf(ts, sizeof ts, "%lld", nowMs());
    size_t n = 9 + nkv;
    const char **av = malloc(n * sizeof *av);
    if (!av) return errSet(err, "out of memory");
    const char *fixed[] = {kBatch, kLease, kOpen, token, j->id, stateNames[state], idx, ts, create ? "1" : "0"};
    memcpy(av, fixed, sizeof fixed);
    for (size_t i = 0; i < nkv; i++) av[9 + i] = kv[i];
    crashPoint(1, state);
    redisReply *r = n + 3 <= 64 ? evalsha(q, err, L_JOURNAL, 3, av, NULL, (int)n)
                                : (errSet(err, "journal: too many fields"), NULL);
    free(av);
    if (!r) return -1;
    freeReplyObject(r);
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
    snprintf(j->id, sizeof j->id, "%lld-%s", nowMs(), hex);
    j->shard = shard;
    const char *all[48];
    if (nkv + 2 > sizeof all / sizeof *all) return errSet(err, "journal: too many fields");
    all[0] = "sids"; all[1] = sids;
    for (size_t i = 0; i < nkv; i++) all[2 + i] = kv[i];
    if (setField(j, "id", j->id) < 0 || journalRun(q, j, token, JS_CLAIMED, 1, all, nkv + 2, err) < 0) {
        if (!err || !*err) errSet(err, "out of memory");
        journalFree(j);
        return -1;
    }
    return 0;
}

int journalAdvance(queue *q, journal *j, const char *token, int state, const char *const *kv,
                   size_t nkv, char *err) {
    return journalRun(q, j, token, state, 0, kv, nkv, err);
}

int journalLoad(queue *q, int shard, const char *id, journal *j, char *err) {
    char k[128];
    memset(j, 0, sizeof *j);
    queueKey(q, shard, "batch", id, NULL, k, sizeof k);
    redisReply *r = cmdf(q, err, "HGETALL %s", k);
    if (!r) return -1;
    if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) { freeReplyObject(r); return 0; }
    snprintf(j->id, sizeof j->id, "%s", id);
    j->shard = shard;
    for (size_t i = 0; i + 1 < r->elements; i += 2)
        if (setField(j, r->element[i]->str, r->element[i + 1]->str) < 0) {
            freeReplyObject(r);
            journalFree(j);
            return errSet(err, "out of memory");
        }
    freeReplyObject(r);
    const char *st = journalField(j, "state");
    j->state = st ? journalStateIndex(st) : -1;
    if (j->state < 0) { journalFree(j); return errSet(err, "journal %s: bad state", id); }
    return 1;
}

int journalResumeFind(queue *q, int shard, journal *j, char *err) {
    char k[64];
    queueKey(q, shard, "batches", NULL, NULL, k, sizeof k);
    redisReply *r = cmdf(q, err, "ZRANGE %s 0 0", k);
    if (!r) return -1;
    char id[48] = "";
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->type == REDIS_REPLY_STRING)
        snprintf(id, sizeof id, "%s", r->element[0]->str);
    freeReplyObject(r);
    if (!id[0]) { memset(j, 0, sizeof *j); return 0; }
    return journalLoad(q, shard, id, j, err);
}
