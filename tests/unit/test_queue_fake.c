/* test_queue_fake.c -- the queue's contract (anchord/queue/queue.h, queue_impl.h) on the
 * in-memory backend tests/unit/fake_queue.c: the assertions test-tool queue-suite runs
 * against Redis (tests/integration/anchord_queue.sh), so the fake the pipeline's unit
 * tests stand on answers as Redis does -- replay and rate guards, the consumer group,
 * dead letters, re-queueing, budget reservations, the fenced lease and the journal's
 * typed outcomes (JOURNAL_*) -- and batchJournal's use of them (DESIGN.md §1: only a
 * Redis failure is retried; a lost lease stops the batch). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/err.h"
#include "core/json.h"
#include "anchord/queue/queue_impl.h"
#include "anchord/pipeline/batch.h"
#include "tests/unit/fake_queue.h"
#include "tests/unit/t.h"

static const char *scid = "QmTestScid0000000000000000000000000000000000a";
static const char *did = "did:webvh:QmTestScid0000000000000000000000000000000000a:example.com";

/* statusIs: the status record of (s, id) has field = want. */
static int statusIs(queue *q, const char *s, const char *id, const char *field, const char *want) {
    char err[ERR_MAX];
    json_t *st = NULL;
    int ok = queueStatusGet(q, s, id, &st, err) == 1 && jsonGetStr(st, field) && !strcmp(jsonGetStr(st, field), want);
    json_decref(st);
    return ok;
}

static void testEnqueue(queue *q) {
    char err[ERR_MAX] = "", sid[QUEUE_SID_MAX], key[256], sid1[QUEUE_SID_MAX];
    long long ra = 0;
    queueKey(q, 0, "events", NULL, NULL, key, sizeof key);
    T_CHECK(!strcmp(key, "wa:{s0}:events"), "key layout %s", key);
    T_CHECK(queueEnqueue(q, "events", scid, "e1", did, "{\"a\":1}", 7, 0, sid1, &ra, err) == QUEUE_OK, "enqueue: %s", err);
    T_CHECK(strchr(sid1, '-') != NULL, "stream id %s", sid1);
    T_CHECK(queueEnqueue(q, "events", scid, "e1", did, "{\"a\":2}", 7, 0, sid, &ra, err) == QUEUE_REPLAY, "replay refused");
    T_CHECK(queueDepth(q, 0, "events", err) == 1, "replay queued nothing");
    T_CHECK(statusIs(q, scid, "e1", "status", "queued") && statusIs(q, scid, "e1", "sid", sid1), "status queued");
    json_t *st = NULL;
    T_CHECK(queueStatusGet(q, scid, "nope", &st, err) == 0 && !st, "status unknown");

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
    T_CHECK(queueDepth(q, 0, "events", err) == 4, "rate-limited events not queued");
    T_CHECK(queueStatusGet(q, scid2, "r4", &st, err) == 0, "no status for a rate-limited event");
    T_CHECK(queueEnqueue(q, "events", scid2, "r4", did, "{}", 2, 0, sid, &ra, err) == QUEUE_OK,
            "rate-limited id can be sent again later (no replay marker left)");
    fakeQueueAdvance(q, 61000);
    T_CHECK(queueEnqueue(q, "events", scid2, "r5", did, "{}", 2, 3, sid, &ra, err) == QUEUE_OK, "a new minute, a new window");

    /* a failure changes nothing: the item stays -1 ("maybe queued"), nothing is queued */
    queueItem it = {.stream = "events", .scid = scid, .id = "f1", .did = did, .payload = "{}", .len = 2};
    fakeQueueFail(q, FQ_ENQUEUE, 0, 1);
    T_CHECK(queueEnqueueMany(q, &it, 1, err) < 0 && it.rc == -1 && queueDepth(q, 0, "events", err) == 6,
            "failed enqueue: nothing queued (%s)", err);
    T_CHECK(queueEnqueueMany(q, &it, 1, err) == 0 && it.rc == QUEUE_OK, "then it goes through");
}

static void testGroup(queue *q) {
    char err[ERR_MAX] = "";
    queueEntries a = {0}, b = {0}, c = {0};
    T_CHECK(queueGroupEnsure(q, 0, "events", err) == 0 && queueGroupEnsure(q, 0, "events", err) == 0, "group");
    T_CHECK(queueReadNew(q, 0, "events", "worker-a", 3, 0, &a, err) == 3, "read 3: %s", err);
    T_CHECK(a.n == 3 && !strcmp(a.e[0].id, "e1") && !strcmp(a.e[0].payload, "{\"a\":1}") && a.e[0].len == 7 &&
            !strcmp(a.e[0].did, did) && !strcmp(a.e[0].scid, scid), "entry fields");
    T_CHECK(queueReadNew(q, 0, "events", "worker-a", 100, 0, &a, err) == 4 && a.n == 7, "read rest");
    T_CHECK(queueReadNew(q, 0, "events", "worker-a", 10, 300, &b, err) == 0, "empty read (the fake never blocks)");
    T_CHECK(fakeQueuePending(q, 0, "events") == 7, "7 pending");
    T_CHECK(queueReclaim(q, 0, "events", "worker-b", 3600000, 100, &b, err) == 0, "nothing idle long enough");
    fakeQueueAdvance(q, 20);
    T_CHECK(queueReclaim(q, 0, "events", "worker-b", 10, 2, &b, err) == 2 && b.n == 2, "XAUTOCLAIM 2 of a dead worker's");
    T_CHECK(queueReclaim(q, 0, "events", "worker-b", 10, 100, &b, err) == 5 && b.n == 7, "XAUTOCLAIM the rest (%zu)", b.n);
    T_CHECK(queueReclaim(q, 0, "events", "worker-c", 10, 100, &c, err) == 0, "reclaimed entries are not idle");
    const char *sids[2] = {a.e[0].sid, a.e[1].sid};
    T_CHECK(queueClaimIds(q, 0, "events", "worker-c", sids, 2, &c, err) == 2 && !strcmp(c.e[1].sid, a.e[1].sid),
            "XCLAIM by id");
    T_CHECK(queueAck(q, 0, "events", sids, 2, err) == 0 && queueDepth(q, 0, "events", err) == 5 &&
            fakeQueuePending(q, 0, "events") == 5, "ack + delete");
    T_CHECK(queueAck(q, 0, "events", sids, 2, err) == 0 && queueDepth(q, 0, "events", err) == 5, "ack idempotent");
    queueEntriesFree(&c);
    T_CHECK(queueClaimIds(q, 0, "events", "worker-c", sids, 2, &c, err) == 0, "acked entries are gone");
    T_CHECK(queueReadNew(q, 0, "dids", "worker-a", 3, 0, &c, err) < 0, "no group on dids: an error (%s)", err);

    /* dead letter */
    const queueEntry *e = &a.e[2];
    T_CHECK(queueDeadLetter(q, 0, "events", e, "bad_signature: key rotated", err) == 0, "dead letter: %s", err);
    T_CHECK(queueDeadLetter(q, 0, "events", e, "bad_signature: key rotated", err) == 0, "dead letter again");
    const char *dsid, *did0, *why;
    T_CHECK(fakeQueueDead(q, 0, 0, &dsid, &did0, &why) == 1 && !fakeQueueDead(q, 0, 1, &dsid, &did0, &why) &&
            queueDepth(q, 0, "events", err) == 4 && fakeQueuePending(q, 0, "events") == 4, "dead: moved once");
    T_CHECK(fakeQueueDead(q, 0, 0, &dsid, &did0, &why) && !strcmp(dsid, e->sid) && !strcmp(did0, e->id) &&
            !strcmp(why, "bad_signature: key rotated"), "dead entry fields");
    T_CHECK(statusIs(q, e->scid, e->id, "status", "rejected") && statusIs(q, e->scid, e->id, "reason",
            "bad_signature: key rotated"), "status rejected with reason");
    T_CHECK(queueDepth(q, 0, "dead", err) == 1 && queueOldestMs(q, 0, "dead", err) == fakeQueueNow(q), "dead stream");
    const char *kvs[] = {"status", "anchored", "versionId", "2-QmX", "witness", ".well-known/did/x/witness.json"};
    T_CHECK(queueStatusSet(q, scid, "e1", kvs, 6, err) == 0 && statusIs(q, scid, "e1", "status", "anchored") &&
            statusIs(q, scid, "e1", "versionId", "2-QmX"), "anchored");

    /* requeue: a fresh copy at the end, the old one gone, the status queued with the new id */
    const queueEntry *r = &a.e[3];
    char ns[QUEUE_SID_MAX], again[QUEUE_SID_MAX];
    long long before = queueDepth(q, 0, "events", err);
    T_CHECK(queueRequeue(q, 0, "events", r, ns, err) == 0 && ns[0] && strcmp(ns, r->sid) &&
            queueDepth(q, 0, "events", err) == before && statusIs(q, r->scid, r->id, "sid", ns) &&
            statusIs(q, r->scid, r->id, "status", "queued"), "requeue: %s", err);
    T_CHECK(queueRequeue(q, 0, "events", r, again, err) == 0 && !again[0] && queueDepth(q, 0, "events", err) == before,
            "requeue again: nothing more");
    queueEntries d = {0};
    T_CHECK(queueReadNew(q, 0, "events", "worker-d", 10, 0, &d, err) == 1 && !strcmp(d.e[0].sid, ns) &&
            !strcmp(d.e[0].id, r->id), "the copy is read as new");
    T_CHECK(queueOldestMs(q, 0, "events", err) > 0 && queueOldestMs(q, 1, "events", err) == 0, "oldest entry");
    queueEntriesFree(&a); queueEntriesFree(&b); queueEntriesFree(&c); queueEntriesFree(&d);
}

/* countScid: queueScanScids callback. */
static int countScid(void *arg, const char *s, char *err) {
    (*(int *)arg)++;
    return strlen(s) == 46 ? 0 : errSet(err, "bad scid %s", s);
}

static void testBudget(void) {
    queue *q = fakeQueueOpen(2);
    char err[ERR_MAX] = "", k[256];
    const char *s = "QmBudgetScid0000000000000000000000000000000000";
    queueKey(q, queueShardOf(q, s), "did", s, NULL, k, sizeof k);
    const char *reg[] = {"did", "did:webvh:x", "size", "900"};
    T_CHECK(queueHset(q, k, reg, 4, err) == 0, "registry record");
    queueItem it[3] = {
        {.stream = "events", .scid = s, .id = "b1", .did = "did:webvh:x", .payload = "{}", .len = 2, .budget = 1000, .cost = 60},
        {.stream = "events", .scid = s, .id = "b2", .did = "did:webvh:x", .payload = "{}", .len = 2, .budget = 1000, .cost = 60},
        {.stream = "events", .scid = s, .id = "b3", .did = "did:webvh:x", .payload = "{}", .len = 2, .budget = 1000, .cost = 30},
    };
    T_CHECK(queueEnqueueMany(q, it, 3, err) == 0 && it[0].rc == QUEUE_OK && it[1].rc == QUEUE_BUDGET &&
            it[1].used == 960 && it[2].rc == QUEUE_OK, "budget: %d %d(%lld) %d", it[0].rc, it[1].rc, it[1].used, it[2].rc);
    json_t *h = NULL;
    T_CHECK(queueHgetall(q, k, &h, err) == 1 && !strcmp(jsonGetStr(h, "pending"), "90"), "pending 90");
    json_decref(h);
    T_CHECK(statusIs(q, s, "b1", "reserved", "60"), "reserved on the status");
    const char *scids[] = {s, s}, *ids[] = {"b1", "b1"};
    T_CHECK(queueUnreserveMany(q, 2, scids, ids, err) == 0 && queueHgetall(q, k, &h, err) == 1 &&
            !strcmp(jsonGetStr(h, "pending"), "30"), "released once");
    json_decref(h);
    queueEntries es = {0};
    queueGroupEnsure(q, queueShardOf(q, s), "events", err);
    T_CHECK(queueReadNew(q, queueShardOf(q, s), "events", "w", 10, 0, &es, err) == 2, "two queued");
    T_CHECK(queueDeadLetter(q, queueShardOf(q, s), "events", &es.e[1], "budget_exceeded", err) == 0 &&
            queueHgetall(q, k, &h, err) == 1 && !strcmp(jsonGetStr(h, "pending"), "0"), "a dead letter releases");
    json_decref(h);
    int n = 0;
    T_CHECK(queueScanScids(q, "did", countScid, &n, err) == 0 && n == 1, "scan: %d (%s)", n, err);
    queueEntriesFree(&es);
    queueClose(q);
}

static void testShards(void) {
    char m[QUEUE_SID_MAX];
    queue *q4 = fakeQueueOpen(4);
    int sh = queueShardOf(q4, scid);
    T_CHECK(sh >= 0 && sh < 4 && queueShards(q4) == 4, "shard in range");
    int seen[4] = {0};
    for (int i = 0; i < 64; i++) {
        snprintf(m, sizeof m, "Qm%044d", i);
        seen[queueShardOf(q4, m)]++;
    }
    T_CHECK(seen[0] && seen[1] && seen[2] && seen[3], "SCIDs spread over shards");
    queueClose(q4);
}

static void testLease(queue *q) {
    char err[ERR_MAX] = "", t1[LEASE_TOKEN_MAX], t2[LEASE_TOKEN_MAX];
    T_CHECK(leaseAcquire(q, 0, 10000, t1, err) == 1 && strlen(t1) == 32, "lease acquired");
    T_CHECK(leaseAcquire(q, 0, 10000, t2, err) == 0 && !t2[0], "lease held");
    T_CHECK(leaseAcquire(q, 1, 10000, t2, err) == 1, "other shard's lease independent");
    T_CHECK(leaseRenew(q, 0, t2, 10000, err) == 0, "renew by non-owner refused");
    T_CHECK(leaseRenew(q, 0, t1, 10000, err) == 1, "renew by owner");
    T_CHECK(leaseRelease(q, 0, t2, err) == 0, "release by non-owner refused");
    T_CHECK(leaseRelease(q, 0, t1, err) == 1, "release by owner");
    T_CHECK(leaseRelease(q, 0, t1, err) == 0, "release twice");
    T_CHECK(leaseAcquire(q, 0, 60, t1, err) == 1, "short lease");
    fakeQueueAdvance(q, 150);
    T_CHECK(leaseAcquire(q, 0, 10000, t2, err) == 1, "expired lease taken over");
    T_CHECK(leaseRenew(q, 0, t1, 10000, err) == 0, "old owner cannot renew");
    fakeQueueFail(q, FQ_LEASE, 0, 1);
    T_CHECK(leaseRenew(q, 0, t2, 10000, err) == -1, "a failed renewal is -1, not 'lost'");
    leaseRelease(q, 0, t2, err);
    leaseRelease(q, 1, t2, err);
}

static void testJournal(queue *q) {
    char err[ERR_MAX] = "", tok[LEASE_TOKEN_MAX], other[LEASE_TOKEN_MAX];
    journal j, k;
    long long n, oldest;
    T_CHECK(journalResumeFind(q, 0, &j, err) == 0, "no open batch");
    T_CHECK(leaseAcquire(q, 0, 30000, tok, err) == 1, "lease");
    T_CHECK(journalCreate(q, 0, "not-the-token", "1-0,2-0", NULL, 0, &j, err) == JOURNAL_LEASE_LOST && j.n == 0,
            "create fenced: %s", err);
    T_CHECK(journalOpenStats(q, 0, &n, &oldest, err) == 0 && n == 0, "a fenced create leaves nothing");
    T_CHECK(journalCreate(q, 0, tok, "1-0,2-0", NULL, 0, &j, err) == 0 && j.state == JS_CLAIMED, "create: %s", err);
    T_CHECK(journalOpenStats(q, 0, &n, &oldest, err) == 0 && n == 1 && oldest == fakeQueueNow(q), "open stats");
    T_CHECK(q->ops->journalRun(q, &j, tok, JS_CLAIMED, 1, NULL, 0, err) == JOURNAL_EXISTS, "create twice: exists");
    const char *f1[] = {"root", "ab12", "leaves", "2"};
    T_CHECK(journalAdvance(q, &j, tok, JS_BUILT, f1, 4, err) == 0, "built");
    const char *f2[] = {"stagingKey", "staging/x.json"};
    T_CHECK(journalAdvance(q, &j, tok, JS_STAGED, f2, 2, err) == 0, "staged");
    T_CHECK(journalAdvance(q, &j, tok, JS_BUILT, NULL, 0, err) == JOURNAL_BACKWARDS && j.state == JS_STAGED,
            "no going back: %s", err);
    T_CHECK(journalAdvance(q, &j, "stale", JS_SUBMITTED, NULL, 0, err) == JOURNAL_LEASE_LOST, "fenced");
    journal none = {.id = "1-deadbeef", .shard = 0};
    T_CHECK(journalAdvance(q, &none, tok, JS_BUILT, NULL, 0, err) == JOURNAL_MISSING && none.n == 0, "unknown batch");
    T_CHECK(journalResumeFind(q, 0, &k, err) == 1 && !strcmp(k.id, j.id) && k.state == JS_STAGED &&
            !strcmp(journalField(&k, "root"), "ab12") && !strcmp(journalField(&k, "sids"), "1-0,2-0") &&
            !strcmp(journalField(&k, "stagingKey"), "staging/x.json"), "resume finds it with its data");
    journalFree(&k);
    const char *f3[] = {"txHash", "0xfeed"};
    T_CHECK(journalAdvance(q, &j, tok, JS_SUBMITTED, f3, 2, err) == 0 &&
            journalAdvance(q, &j, tok, JS_SUBMITTED, f3, 2, err) == 0, "same state repeated (idempotent resume)");
    fakeQueueFail(q, FQ_JOURNAL, 0, 1);
    T_CHECK(journalAdvance(q, &j, tok, JS_CONFIRMED, NULL, 0, err) == -1 && j.state == JS_SUBMITTED,
            "a failed write is -1 and leaves j as it was");

    /* crash injection: the child dies by SIGKILL right after / right before a transition */
    for (int before = 0; before < 2; before++) {
        pid_t pid = fork();
        if (pid == 0) {
            journalCrashAt(before ? "before:confirmed" : "confirmed");
            journalAdvance(q, &j, tok, JS_CONFIRMED, NULL, 0, err);
            _exit(0);
        }
        int ws;
        waitpid(pid, &ws, 0);
        T_CHECK(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL, "killed %s confirmed", before ? "before" : "at");
    }
    T_CHECK(journalAdvance(q, &j, tok, JS_CONFIRMED, NULL, 0, err) == 0, "no crash point: confirmed");
    T_CHECK(journalAdvance(q, &j, tok, JS_PUBLISHED, NULL, 0, err) == 0, "published: %s", err);
    T_CHECK(journalAdvance(q, &j, tok, JS_ACKED, NULL, 0, err) == 0, "acked: %s", err);
    T_CHECK(journalResumeFind(q, 0, &k, err) == 0, "closed batch is not resumed");
    T_CHECK(leaseAcquire(q, 0, 1000, other, err) == 0, "lease still ours");

    /* the lease expires, another worker takes it: every write of the first is refused */
    journal j2;
    T_CHECK(journalCreate(q, 0, tok, "3-0", NULL, 0, &j2, err) == 0, "second batch");
    fakeQueueAdvance(q, 30001);
    T_CHECK(leaseAcquire(q, 0, 30000, other, err) == 1, "expired: taken by another");
    T_CHECK(journalAdvance(q, &j2, tok, JS_BUILT, NULL, 0, err) == JOURNAL_LEASE_LOST, "the old holder is fenced");
    T_CHECK(journalAdvance(q, &j2, other, JS_BUILT, NULL, 0, err) == 0, "the new holder resumes it");
    leaseRelease(q, 0, other, err);
    journalFree(&j);
    journalFree(&j2);
}

/* testBatchJournal: batchJournal retries a Redis failure and stops at once on a typed
 * outcome (the strstr on "lease lost" it replaces decided the same by message text). */
static void testBatchJournal(void) {
    queue *q = fakeQueueOpen(1);
    char err[ERR_MAX] = "", tok[LEASE_TOKEN_MAX];
    pipeCtx c = {.q = q};
    batch b = {0};
    T_CHECK(leaseAcquire(q, 0, 30000, tok, err) == 1 && journalCreate(q, 0, tok, "", NULL, 0, &b.j, err) == 0, "batch");
    long long calls = fakeQueueCalls(q, FQ_JOURNAL);
    fakeQueueFail(q, FQ_JOURNAL, 0, 1);
    T_CHECK(batchJournal(&c, &b, tok, JS_BUILT, NULL, 0, err) == 0 && fakeQueueCalls(q, FQ_JOURNAL) == calls + 2,
            "a Redis failure is retried");
    calls = fakeQueueCalls(q, FQ_JOURNAL);
    fakeQueueFail(q, FQ_JOURNAL, 0, 3);
    T_CHECK(batchJournal(&c, &b, tok, JS_STAGED, NULL, 0, err) == -1 && fakeQueueCalls(q, FQ_JOURNAL) == calls + 3,
            "three failures: -1");
    calls = fakeQueueCalls(q, FQ_JOURNAL);
    T_CHECK(batchJournal(&c, &b, "another", JS_STAGED, NULL, 0, err) == JOURNAL_LEASE_LOST &&
            fakeQueueCalls(q, FQ_JOURNAL) == calls + 1, "a lost lease is final: not retried");
    T_CHECK(batchJournal(&c, &b, tok, JS_CLAIMED, NULL, 0, err) == JOURNAL_BACKWARDS &&
            fakeQueueCalls(q, FQ_JOURNAL) == calls + 2, "going backwards is final");
    journalFree(&b.j);
    queueClose(q);
}

/* testUrl: queueUrlCheck takes one Redis or the seeds of a cluster (rclusterUrlParse). */
static void testUrl(void) {
    char err[ERR_MAX];
    T_CHECK(queueUrlCheck("redis://h", err) == 0, "defaults");
    T_CHECK(queueUrlCheck("redis://:pw@127.0.0.1:7000/2", err) == 0, "full url");
    T_CHECK(queueUrlCheck("redis://127.0.0.1:7000,127.0.0.1:7001,h3", err) == 0, "seeds of a cluster");
    T_CHECK(queueUrlCheck("redis://h1:7000,redis://h2:7001", err) == 0, "seeds as repeated URLs");
    T_CHECK(queueUrlCheck("http://x", err) < 0, "scheme");
    T_CHECK(queueUrlCheck("redis://h:99999", err) < 0, "port");
    T_CHECK(queueUrlCheck("redis://u:pw@h", err) < 0, "user name");
    T_CHECK(queueUrlCheck("redis://:secret@h1,h2/3", err) < 0 && !strstr(err, "secret"),
            "a database on several seeds is refused, the password not quoted: %s", err);
    queue *q = queueOpen("redis://h:0", 1, 100, err);
    T_CHECK(!q && !strncmp(err, "WA_REDIS_URL: ", 14), "queueOpen names the setting: %s", err);
}

int main(void) {
    queue *q = fakeQueueOpen(1);
    T_CHECK(q != NULL, "open");
    if (!q) return T_DONE();
    char err[ERR_MAX];
    T_CHECK(queuePing(q, err) == 0 && !strcmp(queueAddr(q), "fake"), "ping");
    testEnqueue(q);
    testGroup(q);
    testLease(q);
    testJournal(q);
    queueClose(q);
    testBudget();
    testShards();
    testBatchJournal();
    testUrl();
    return T_DONE();
}
