/* test-queue.c -- `test-tool queue-suite`: the queue, lease and journal of anchord/queue
 * against a real Redis (WA_REDIS_URL; tests/integration/anchord_queue.sh): enqueue with
 * replay markers and the per-DID rate limit, consumer groups (read, reclaim, claim by id,
 * ack), dead letters, status records, scripts reloaded after SCRIPT FLUSH, reconnects,
 * shard keys; lease acquire/renew/release; the batch journal's fenced, forward-only
 * states and crash injection (WA_CRASH_AT). Prints ok/FAIL lines and "# passed N failed M". */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <hiredis/hiredis.h>
#include "tests/unit/t.h"
#include "core/json.h"
#include "anchord/queue/queue.h"
#include "anchord/queue/rcluster.h"
#include "tests/helper/test-tool.h"

static long long xlen(redisContext *raw, const char *key) {
    redisReply *r = redisCommand(raw, "XLEN %s", key);
    long long n = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    freeReplyObject(r);
    return n;
}

static long long pendingCount(redisContext *raw, const char *key) {
    redisReply *r = redisCommand(raw, "XPENDING %s %s", key, QUEUE_GROUP);
    long long n = r && r->type == REDIS_REPLY_ARRAY && r->elements > 0 ? r->element[0]->integer : -1;
    freeReplyObject(r);
    return n;
}

static void qtestQueue(queue *q, redisContext *raw) {
    char err[ERR_MAX] = "", sid[QUEUE_SID_MAX], key[256], sid1[QUEUE_SID_MAX];
    const char *scid = "QmTestScid0000000000000000000000000000000000a";
    const char *did = "did:webvh:QmTestScid0000000000000000000000000000000000a:example.com";
    long long ra = 0;
    queueKey(q, 0, "events", NULL, NULL, key, sizeof key);
    T_CHECK(!strcmp(key, "wa:{s0}:events"), "key layout %s", key);

    T_CHECK(queueEnqueue(q, "events", scid, "e1", did, "{\"a\":1}", 7, 0, sid1, &ra, err) == QUEUE_OK, "enqueue: %s", err);
    T_CHECK(strchr(sid1, '-') != NULL, "stream id %s", sid1);
    T_CHECK(queueEnqueue(q, "events", scid, "e1", did, "{\"a\":2}", 7, 0, sid, &ra, err) == QUEUE_REPLAY, "replay refused");
    T_CHECK(xlen(raw, key) == 1, "replay queued nothing");
    json_t *st = NULL;
    T_CHECK(queueStatusGet(q, scid, "e1", &st, err) == 1 && !strcmp(jsonGetStr(st, "status"), "queued") &&
            !strcmp(jsonGetStr(st, "sid"), sid1), "status queued");
    json_decref(st);
    T_CHECK(queueStatusGet(q, scid, "nope", &st, err) == 0, "status unknown");

    /* rate limit: 3 per minute per DID, counted on accepted events only */
    const char *scid2 = "QmTestScid0000000000000000000000000000000000b";
    int ok = 0, limited = 0;
    for (int i = 0; i < 5; i++) {
        char id[16];
        snprintf(id, sizeof id, "r%d", i);
        int rc = queueEnqueue(q, "events", scid2, id, did, "{}", 2, 3, sid, &ra, err);
        ok += rc == QUEUE_OK;
        limited += rc == QUEUE_RATE;
    }
    T_CHECK(ok == 3 && limited == 2 && ra >= 1 && ra <= 61, "rate limit ok=%d limited=%d retry=%lld", ok, limited, ra);
    T_CHECK(xlen(raw, key) == 4, "rate-limited events not queued (xlen %lld)", xlen(raw, key));
    T_CHECK(queueStatusGet(q, scid2, "r4", &st, err) == 0, "no status for a rate-limited event");
    T_CHECK(queueEnqueue(q, "events", scid2, "r4", did, "{}", 2, 0, sid, &ra, err) == QUEUE_OK,
            "rate-limited id can be sent again later (no replay marker left)");

    /* consumer group: read, reclaim from a dead consumer, claim by id, ack */
    T_CHECK(queueGroupEnsure(q, 0, "events", err) == 0 && queueGroupEnsure(q, 0, "events", err) == 0, "group");
    queueEntries a = {0}, b = {0}, c = {0};
    T_CHECK(queueReadNew(q, 0, "events", "worker-a", 3, 0, &a, err) == 3, "read 3: %s", err);
    T_CHECK(a.n == 3 && !strcmp(a.e[0].sid, sid1) && !strcmp(a.e[0].id, "e1") && !strcmp(a.e[0].payload, "{\"a\":1}") &&
            a.e[0].len == 7 && !strcmp(a.e[0].did, did) && !strcmp(a.e[0].scid, scid), "entry fields");
    T_CHECK(queueReadNew(q, 0, "events", "worker-a", 100, 0, &a, err) == 2 && a.n == 5, "read rest");
    struct timeval t0, t1;
    gettimeofday(&t0, NULL);
    T_CHECK(queueReadNew(q, 0, "events", "worker-a", 10, 300, &b, err) == 0, "empty read with BLOCK");
    gettimeofday(&t1, NULL);
    long el = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_usec - t0.tv_usec) / 1000;
    T_CHECK(el >= 250 && el < 2000, "BLOCK waited %ldms", el);
    T_CHECK(pendingCount(raw, key) == 5, "5 pending");
    T_CHECK(queueReclaim(q, 0, "events", "worker-b", 3600000, 100, &b, err) == 0, "nothing idle long enough");
    usleep(20000);
    T_CHECK(queueReclaim(q, 0, "events", "worker-b", 10, 2, &b, err) == 2 && b.n == 2, "XAUTOCLAIM 2 of a dead worker's");
    T_CHECK(queueReclaim(q, 0, "events", "worker-b", 10, 100, &b, err) >= 3 && b.n == 5, "XAUTOCLAIM rest (%zu)", b.n);
    const char *sids[2] = {a.e[0].sid, a.e[1].sid};
    T_CHECK(queueClaimIds(q, 0, "events", "worker-c", sids, 2, &c, err) == 2 && !strcmp(c.e[1].sid, a.e[1].sid),
            "XCLAIM by id");
    T_CHECK(queueAck(q, 0, "events", sids, 2, err) == 0 && xlen(raw, key) == 3 && pendingCount(raw, key) == 3,
            "ack + delete");
    T_CHECK(queueAck(q, 0, "events", sids, 2, err) == 0 && xlen(raw, key) == 3, "ack idempotent");
    queueEntriesFree(&c);
    T_CHECK(queueClaimIds(q, 0, "events", "worker-c", sids, 2, &c, err) == 0, "acked entries are gone");

    /* dead letter */
    char dkey[64];
    queueKey(q, 0, "dead", NULL, NULL, dkey, sizeof dkey);
    const queueEntry *e = &a.e[2];
    T_CHECK(queueDeadLetter(q, 0, "events", e, "bad_signature: key rotated", err) == 0, "dead letter: %s", err);
    T_CHECK(queueDeadLetter(q, 0, "events", e, "bad_signature: key rotated", err) == 0, "dead letter again");
    T_CHECK(xlen(raw, dkey) == 1 && xlen(raw, key) == 2 && pendingCount(raw, key) == 2, "dead: moved once");
    T_CHECK(queueStatusGet(q, e->scid, e->id, &st, err) == 1 && !strcmp(jsonGetStr(st, "status"), "rejected") &&
            strstr(jsonGetStr(st, "reason"), "key rotated"), "status rejected with reason");
    json_decref(st);
    redisReply *r = redisCommand(raw, "XRANGE %s - +", dkey);
    T_CHECK(r && r->elements == 1 && r->element[0]->element[1]->elements == 12, "dead entry fields");
    freeReplyObject(r);
    T_CHECK(queueDepth(q, 0, "events", err) == 2, "depth");
    const char *kvs[] = {"status", "anchored", "versionId", "2-QmX", "witness", ".well-known/did/x/witness.json"};
    T_CHECK(queueStatusSet(q, scid, "e1", kvs, 6, err) == 0 && queueStatusGet(q, scid, "e1", &st, err) == 1 &&
            !strcmp(jsonGetStr(st, "status"), "anchored") && !strcmp(jsonGetStr(st, "versionId"), "2-QmX"), "anchored");
    json_decref(st);
    queueEntriesFree(&a); queueEntriesFree(&b); queueEntriesFree(&c);

    /* retention (queue.h): a status hash with a TTL; written on anchoring only while it exists */
    long long ttl3 = 3000, ttl0 = 0;
    queueItem ti = {.stream = "events", .scid = scid, .id = "ttl-1", .did = did, .payload = "{}", .len = 2,
                    .ttlMs = 400};
    char k1[256], k2[256];
    queueKey(q, 0, "events", scid, "ttl-1", k1, sizeof k1);
    queueKey(q, 0, "events", scid, "ttl-2", k2, sizeof k2);
    T_CHECK(queueEnqueueMany(q, &ti, 1, err) == 0 && ti.rc == QUEUE_OK, "enqueue with a TTL: %s", err);
    r = redisCommand(raw, "PTTL %s", k1);
    T_CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer > 0 && r->integer <= 400, "status TTL %lld",
            r ? r->integer : -9);
    freeReplyObject(r);
    const char *akv[] = {"status", "anchored", "versionId", "3-QmY"};
    const char *const k1p[] = {k1}, *const k2p[] = {k2};
    T_CHECK(queueStatusPutMany(q, 1, k1p, akv, 4, &ttl0, err) == 0 && queueStatusGet(q, scid, "ttl-1", &st, err) == 1 &&
            !strcmp(jsonGetStr(st, "status"), "anchored") && !jsonGetStr(st, "sid"), "anchored: sid dropped: %s", err);
    json_decref(st);
    r = redisCommand(raw, "PTTL %s", k1);
    T_CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer > 0 && r->integer <= 400, "anchored: TTL kept");
    freeReplyObject(r);
    usleep(500000);
    T_CHECK(queueStatusGet(q, scid, "ttl-1", &st, err) == 0, "status expired");
    T_CHECK(queueStatusPutMany(q, 1, k1p, akv, 4, &ttl0, err) == 0 && queueStatusGet(q, scid, "ttl-1", &st, err) == 0,
            "an expired status is not written again");
    ti.rc = -1;
    T_CHECK(queueEnqueueMany(q, &ti, 1, err) == 0 && ti.rc == QUEUE_OK, "its id is accepted again (the time window "
            "refuses it at ingest, queue.h)");
    ti.id = "ttl-2"; ti.ttlMs = 0;
    T_CHECK(queueEnqueueMany(q, &ti, 1, err) == 0 && ti.rc == QUEUE_OK, "enqueue without a TTL");
    r = redisCommand(raw, "PTTL %s", k2);
    T_CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer == -1, "ttlMs 0: kept");
    freeReplyObject(r);
    T_CHECK(queueStatusPutMany(q, 1, k2p, akv, 4, &ttl3, err) == 0, "anchored with a new TTL: %s", err);
    r = redisCommand(raw, "PTTL %s", k2);
    T_CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer > 0 && r->integer <= 3000, "the new TTL set");
    freeReplyObject(r);
    ti.id = "ttl-3";   /* its status expires while queued; the dead letter writes it again, for a day */
    T_CHECK(queueEnqueueMany(q, &ti, 1, err) == 0 && ti.rc == QUEUE_OK, "enqueue ttl-3");
    queueKey(q, 0, "events", scid, "ttl-3", k2, sizeof k2);
    freeReplyObject(redisCommand(raw, "DEL %s", k2));
    queueEntry te = {.scid = (char *)scid, .id = "ttl-3", .did = (char *)did, .payload = "{}", .len = 2};
    snprintf(te.sid, sizeof te.sid, "%s", ti.sid);
    T_CHECK(queueDeadLetter(q, 0, "events", &te, "invalid: test", err) == 0, "dead letter: %s", err);
    r = redisCommand(raw, "PTTL %s", k2);
    T_CHECK(r && r->type == REDIS_REPLY_INTEGER && r->integer > 0 && r->integer <= QUEUE_GENESIS_KEEP_MS,
            "a rejected status written again expires (PTTL %lld)", r ? r->integer : -9);
    freeReplyObject(r);

    /* scripts survive SCRIPT FLUSH; connections survive CLIENT KILL */
    freeReplyObject(redisCommand(raw, "SCRIPT FLUSH"));
    T_CHECK(queueEnqueue(q, "events", scid, "after-flush", did, "{}", 2, 0, sid, &ra, err) == QUEUE_OK, "NOSCRIPT reload: %s", err);
    freeReplyObject(redisCommand(raw, "CLIENT KILL TYPE normal SKIPME yes"));
    int first = queuePing(q, err);
    T_CHECK(first == 0 || strstr(err, "redis:"), "after kill: %s", err);
    T_CHECK(queuePing(q, err) == 0, "reconnected");

    /* shards: keys of one SCID share a hash tag */
    char m[QUEUE_SID_MAX];
    queue *q4 = queueOpen("redis://127.0.0.1:1", 4, 500, err);
    int sh = queueShardOf(q4, scid);
    T_CHECK(sh >= 0 && sh < 4, "shard in range");
    int seen[4] = {0};
    for (int i = 0; i < 64; i++) {
        snprintf(m, sizeof m, "Qm%044d", i);
        seen[queueShardOf(q4, m)]++;
    }
    T_CHECK(seen[0] && seen[1] && seen[2] && seen[3], "SCIDs spread over shards");
    T_CHECK(queuePing(q4, err) < 0 && strstr(err, "redis:") && strstr(err, "127.0.0.1:1") &&
            strstr(err, "refused"), "clear error: %s", err);
    T_CHECK(queueEnqueue(q4, "events", scid, "x", did, "{}", 2, 0, m, &ra, err) < 0, "enqueue fails when down");
    queueClose(q4);
}

static void qtestLease(queue *q) {
    char err[ERR_MAX] = "", t1[LEASE_TOKEN_MAX], t2[LEASE_TOKEN_MAX];
    T_CHECK(leaseAcquire(q, 0, 10000, t1, err) == 1 && strlen(t1) == 32, "lease acquired");
    T_CHECK(leaseAcquire(q, 0, 10000, t2, err) == 0, "lease held");
    T_CHECK(leaseAcquire(q, 1, 10000, t2, err) == 1, "other shard's lease independent");
    T_CHECK(leaseRenew(q, 0, t2, 10000, err) == 0, "renew by non-owner refused");
    T_CHECK(leaseRenew(q, 0, t1, 10000, err) == 1, "renew by owner");
    T_CHECK(leaseRelease(q, 0, t2, err) == 0, "release by non-owner refused");
    T_CHECK(leaseRelease(q, 0, t1, err) == 1, "release by owner");
    T_CHECK(leaseRelease(q, 0, t1, err) == 0, "release twice");
    T_CHECK(leaseAcquire(q, 0, 60, t1, err) == 1, "short lease");
    usleep(150000);
    T_CHECK(leaseAcquire(q, 0, 10000, t2, err) == 1, "expired lease taken over");
    T_CHECK(leaseRenew(q, 0, t1, 10000, err) == 0, "old owner cannot renew");
    leaseRelease(q, 0, t2, err);
    leaseRelease(q, 1, t2, err);
}

static void qtestJournal(queue *q) {
    char err[ERR_MAX] = "", tok[LEASE_TOKEN_MAX], other[LEASE_TOKEN_MAX];
    journal j, k;
    T_CHECK(journalResumeFind(q, 0, &j, err) == 0, "no open batch");
    T_CHECK(leaseAcquire(q, 0, 30000, tok, err) == 1, "lease");
    T_CHECK(journalCreate(q, 0, "not-the-token", "1-0,2-0", NULL, 0, &j, err) == JOURNAL_LEASE_LOST,
            "create fenced: %s", err);
    T_CHECK(journalCreate(q, 0, tok, "1-0,2-0", NULL, 0, &j, err) == 0 && j.state == JS_CLAIMED, "create: %s", err);
    const char *f1[] = {"root", "ab12", "leaves", "2"};
    T_CHECK(journalAdvance(q, &j, tok, JS_BUILT, f1, 4, err) == 0, "built");
    const char *f2[] = {"stagingKey", "staging/x.json"};
    T_CHECK(journalAdvance(q, &j, tok, JS_STAGED, f2, 2, err) == 0, "staged");
    T_CHECK(journalAdvance(q, &j, tok, JS_BUILT, NULL, 0, err) == JOURNAL_BACKWARDS, "no going back: %s", err);
    T_CHECK(journalAdvance(q, &j, "stale", JS_SUBMITTED, NULL, 0, err) == JOURNAL_LEASE_LOST, "fenced");
    journal none = {.id = "1-deadbeef", .shard = 0};
    T_CHECK(journalAdvance(q, &none, tok, JS_BUILT, NULL, 0, err) == JOURNAL_MISSING && none.n == 0,
            "advance of an unknown batch: %s", err);
    T_CHECK(journalResumeFind(q, 0, &k, err) == 1 && !strcmp(k.id, j.id) && k.state == JS_STAGED &&
            !strcmp(journalField(&k, "root"), "ab12") && !strcmp(journalField(&k, "sids"), "1-0,2-0") &&
            !strcmp(journalField(&k, "stagingKey"), "staging/x.json"), "resume finds it with its data");
    journalFree(&k);
    const char *f3[] = {"txHash", "0xfeed"};
    T_CHECK(journalAdvance(q, &j, tok, JS_SUBMITTED, f3, 2, err) == 0 &&
            journalAdvance(q, &j, tok, JS_SUBMITTED, f3, 2, err) == 0, "same state repeated (idempotent resume)");

    /* crash injection: the child dies by SIGKILL right after / right before a transition */
    pid_t pid = fork();
    if (pid == 0) {
        journalCrashAt("confirmed");
        journalAdvance(q, &j, tok, JS_CONFIRMED, NULL, 0, err);
        _exit(0);
    }
    int ws;
    waitpid(pid, &ws, 0);
    T_CHECK(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL, "killed at confirmed");
    T_CHECK(journalLoad(q, 0, j.id, &k, err) == 1 && k.state == JS_CONFIRMED, "state written before the kill");
    journalFree(&k);
    pid = fork();
    if (pid == 0) {
        journalCrashAt("before:published");
        journalAdvance(q, &j, tok, JS_PUBLISHED, NULL, 0, err);
        _exit(0);
    }
    waitpid(pid, &ws, 0);
    T_CHECK(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL, "killed before published");
    T_CHECK(journalLoad(q, 0, j.id, &k, err) == 1 && k.state == JS_CONFIRMED, "state not written");
    journalFree(&k);
    journalCrashAt(NULL);
    T_CHECK(journalAdvance(q, &j, tok, JS_PUBLISHED, NULL, 0, err) == 0, "published after the crashes: %s", err);
    T_CHECK(journalAdvance(q, &j, tok, JS_ACKED, NULL, 0, err) == 0, "acked: %s", err);
    T_CHECK(journalLoad(q, 0, j.id, &k, err) == 1 && k.state == JS_ACKED && !journalField(&k, "sids") &&
            journalField(&k, "root"), "acked: the stream ids dropped (Redis keeps no history), the rest kept");
    journalFree(&k);
    T_CHECK(journalResumeFind(q, 0, &k, err) == 0, "closed batch is not resumed");
    T_CHECK(leaseAcquire(q, 0, 1000, other, err) == 0, "lease still ours");
    leaseRelease(q, 0, tok, err);
    journalFree(&j);
}

int cmdQueueSuite(int argc, char **argv) {
    char err[ERR_MAX];
    if (argc != 1) { fprintf(stderr, "usage: test-tool queue-suite\n"); return 2; }
    const char *url = getenv("WA_REDIS_URL");
    queue *q = queueOpen(url, 1, 2000, err);
    T_CHECK(q != NULL, "open: %s", err);
    if (!q) return T_DONE();
    rclusterUrl u;
    T_CHECK(rclusterUrlParse(url, &u, err) == 0, "url");
    redisContext *raw = redisConnect(u.host[0], u.port[0]);   /* one Redis */
    T_CHECK(queuePing(q, err) == 0, "ping: %s", err);
    qtestQueue(q, raw);
    qtestLease(q);
    queueClose(q);
    q = queueOpen(url, 1, 2000, err);
    qtestJournal(q);
    queueClose(q);
    redisFree(raw);
    return T_DONE();
}

