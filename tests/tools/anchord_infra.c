/* anchord_infra.c -- test driver for anchord's infrastructure (the suites run
 * `anchord serve` and `anchord submit` themselves):
 *   anchord_infra ident N                  print "scid did vm multikey" of test identity N
 *   anchord_infra register N [DID]         put identity N into the DID registry (WA_REDIS_URL)
 *   anchord_infra sign N ID [key=value...] print a signed event (one line); keys:
 *        time=RFC3339|now|now+SECS|now-SECS  type=T  data=JSON  vm=VM  signer=M (sign with
 *        identity M's key)  did=DID  tamper=1 (change data after signing)  extra=1
 *        created=RFC3339 (proof.created, signed)
 *   anchord_infra genesis N                print a genesis-shaped did.jsonl line for identity N
 *   anchord_infra sign-many NIDS COUNT P   COUNT signed events "P<i>" round-robin over identities 1..NIDS
 *   anchord_infra register-many NIDS       register identities 1..NIDS (benchmarks)
 *   anchord_infra qtest                    queue/lease/journal tests against WA_REDIS_URL
 *   anchord_infra slowloris PORT N SECS MODE   hold N connections to 127.0.0.1:PORT for SECS:
 *        MODE idle (request line, then silence) or trickle (one header line every 500 ms);
 *        prints "open K closed C" at the end (closed = dropped by the server)
 * Identities are deterministic: seed = SHA-256("wa-test-identity-N"). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <hiredis/hiredis.h>
#include "../unit/t.h"
#include "core/edkey.h"
#include "core/jcs.h"
#include "core/json.h"
#include "core/multiformat.h"
#include "core/sha256.h"
#include "anchord/cmd.h"
#include "anchord/queue/didreg.h"
#include "anchord/queue/queue.h"
#include "verifier/event/event.h"

typedef struct ident {
    edKey key;
    char scid[64], did[256], vm[300], mk[MULTIKEY_PUB_MAX];
} ident;

static void identOf(int n, ident *id) {
    char label[64];
    uint8_t seed[32];
    snprintf(label, sizeof label, "wa-test-identity-%d", n);
    sha256(label, strlen(label), seed);
    edKeyFromSeed(seed, &id->key);
    buf b = BUF_INIT;
    mhSha256B58(label, strlen(label), &b);   /* a well-formed SCID ("Qm" + 44) */
    snprintf(id->scid, sizeof id->scid, "%s", (char *)b.p);
    bufFree(&b);
    snprintf(id->did, sizeof id->did, "did:webvh:%s:localhost%%3A8080", id->scid);
    snprintf(id->vm, sizeof id->vm, "%s#key-1", id->did);
    mkEncodeEd25519Pub(id->key.pk, id->mk);
}

static const char *kv(int argc, char **argv, const char *key) {
    size_t n = strlen(key);
    for (int i = 0; i < argc; i++)
        if (!strncmp(argv[i], key, n) && argv[i][n] == '=') return argv[i] + n + 1;
    return NULL;
}

static void timeArg(const char *t, char out[64]) {
    time_t now = time(NULL);
    if (!t) t = "now";
    if (!strncmp(t, "now", 3)) {
        now += atol(t + 3);   /* "now+30", "now-600" */
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(out, 64, "%Y-%m-%dT%H:%M:%SZ", &tm);
    } else snprintf(out, 64, "%s", t);
}

static int cmdSign(int argc, char **argv) {
    if (argc < 3) return 2;
    ident id, signer;
    identOf(atoi(argv[1]), &id);
    const char *s = kv(argc, argv, "signer");
    identOf(s ? atoi(s) : atoi(argv[1]), &signer);
    char t[64], err[ERR_MAX];
    timeArg(kv(argc, argv, "time"), t);
    const char *data = kv(argc, argv, "data");
    if (!data) data = "{\"step\":\"Glass Created\"}";
    json_t *d = jsonParse(data, strlen(data), 1 << 16, 32, err);
    if (!d) { fprintf(stderr, "data: %s\n", err); return 2; }
    const char *did = kv(argc, argv, "did"), *type = kv(argc, argv, "type"), *vm = kv(argc, argv, "vm");
    eventDraft dr = {.id = argv[2], .did = did ? did : id.did, .type = type ? type : "Manufactured", .time = t,
                     .data = d, .vm = vm ? vm : id.vm, .created = kv(argc, argv, "created")};
    json_t *ev = eventSign(&dr, signer.key.sk, err);
    json_decref(d);
    if (!ev) { fprintf(stderr, "sign: %s\n", err); return 2; }
    if (kv(argc, argv, "tamper")) json_object_set_new(json_object_get(ev, "data"), "tampered", json_true());
    if (kv(argc, argv, "extra")) json_object_set_new(ev, "extra", json_true());
    char *out = jcsDump(ev, NULL, err);
    puts(out);
    free(out);
    json_decref(ev);
    edKeyWipe(&id.key);
    edKeyWipe(&signer.key);
    return 0;
}

static queue *openEnv(char *err) {
    const char *url = getenv("WA_REDIS_URL");
    const char *sh = getenv("WA_STREAM_SHARDS");
    return queueOpen(url ? url : "redis://127.0.0.1:6379", sh ? atoi(sh) : 1, 2000, err);
}

static int cmdRegister(int argc, char **argv) {
    if (argc < 2) return 2;
    ident id;
    identOf(atoi(argv[1]), &id);
    char err[ERR_MAX];
    queue *q = openEnv(err);
    didInfo *di = calloc(1, sizeof *di);
    snprintf(di->did, sizeof di->did, "%s", argc > 2 ? argv[2] : id.did);
    snprintf(di->versionId, sizeof di->versionId, "1-Qmtest");
    snprintf(di->etag, sizeof di->etag, "\"e1\"");
    snprintf(di->keys[0].vm, sizeof di->keys[0].vm, "%s", id.vm);
    snprintf(di->keys[0].mk, sizeof di->keys[0].mk, "%s", id.mk);
    di->nkeys = 1;
    int rc = q ? didregPut(q, id.scid, di, err) : -1;
    if (rc < 0) fprintf(stderr, "register: %s\n", err);
    free(di);
    queueClose(q);
    return rc < 0 ? 1 : 0;
}

static int cmdGenesis(int argc, char **argv) {
    if (argc < 2) return 2;
    ident id;
    identOf(atoi(argv[1]), &id);
    json_t *e = json_pack("{s:s,s:s,s:{s:s,s:s,s:[s]},s:{s:[s],s:s},s:[{s:s}]}", "versionId", "1-QmX",
                          "versionTime", "2025-01-01T00:00:00Z", "parameters", "method", "did:webvh:1.0", "scid",
                          id.scid, "updateKeys", id.mk, "state", "@context", "https://www.w3.org/ns/did/v1", "id",
                          id.did, "proof", "type", "DataIntegrityProof");
    char *s = jcsDump(e, NULL, NULL);
    puts(s);
    free(s);
    json_decref(e);
    return 0;
}

/* ---- qtest: queue, lease and journal against a real Redis ---- */

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
    T_CHECK(journalResumeFind(q, 0, &k, err) == 0, "closed batch is not resumed");
    T_CHECK(leaseAcquire(q, 0, 1000, other, err) == 0, "lease still ours");
    leaseRelease(q, 0, tok, err);
    journalFree(&j);
}

static int cmdQtest(void) {
    char err[ERR_MAX];
    const char *url = getenv("WA_REDIS_URL");
    queue *q = queueOpen(url, 1, 2000, err);
    T_CHECK(q != NULL, "open: %s", err);
    if (!q) return T_DONE();
    char host[256], pass[256];
    int port, db;
    T_CHECK(redisUrlParse(url, host, &port, pass, &db, err) == 0, "url");
    redisContext *raw = redisConnect(host, port);
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

/* cmdSignMany: many distinct events through cmdSign (one process, for benchmarks). */
static int cmdSignMany(int argc, char **argv) {
    if (argc < 4) return 2;
    long nids = atol(argv[1]), count = atol(argv[2]);
    for (long i = 0; i < count; i++) {
        char n[24], id[64];
        snprintf(n, sizeof n, "%ld", 1 + i % (nids > 0 ? nids : 1));
        snprintf(id, sizeof id, "%s%ld", argv[3], i);
        char *av[] = {"sign", n, id, NULL};
        if (cmdSign(3, av)) return 1;
    }
    return 0;
}

static int cmdRegisterMany(int argc, char **argv) {
    if (argc < 2) return 2;
    for (long i = 1; i <= atol(argv[1]); i++) {
        char n[24];
        snprintf(n, sizeof n, "%ld", i);
        char *av[] = {"register", n, NULL};
        if (cmdRegister(2, av)) return 1;
    }
    return 0;
}

/* closedByPeer: the server has closed fd (EOF or reset); never blocks. */
static int closedByPeer(int fd) {
    char c[256];
    ssize_t n = recv(fd, c, sizeof c, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* cmdSlowloris: the slow-client attack (docs/api.md: WA_HTTP_TIMEOUT, WA_HTTP_MAX_CONNS). */
static int cmdSlowloris(int argc, char **argv) {
    if (argc < 5) return 2;
    int port = atoi(argv[1]), n = atoi(argv[2]), secs = atoi(argv[3]), trickle = !strcmp(argv[4], "trickle");
    int *fd = calloc((size_t)n, sizeof *fd), *dead = calloc((size_t)n, sizeof *dead), open = 0;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < n; i++) {
        fd[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fd[i] < 0 || connect(fd[i], (struct sockaddr *)&a, sizeof a) < 0) { dead[i] = 1; continue; }
        const char *req = "POST /events HTTP/1.1\r\nHost: x\r\n";
        if (send(fd[i], req, strlen(req), MSG_NOSIGNAL) < 0) dead[i] = 1;
        else open++;
    }
    for (int t = 0; t < secs * 2; t++) {
        usleep(500000);
        for (int i = 0; i < n; i++) {
            if (dead[i]) continue;
            if (closedByPeer(fd[i]) || (trickle && send(fd[i], "X-a: b\r\n", 8, MSG_NOSIGNAL) < 0)) dead[i] = 1;
        }
    }
    int closed = 0;
    for (int i = 0; i < n; i++) {
        if (!dead[i] && closedByPeer(fd[i])) dead[i] = 1;
        closed += dead[i];
        if (fd[i] >= 0) close(fd[i]);
    }
    printf("open %d closed %d\n", open, closed - (n - open));
    free(fd);
    free(dead);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: see the comment at the top of anchord_infra.c\n"); return 2; }
    if (!strcmp(argv[1], "sign-many")) return cmdSignMany(argc - 1, argv + 1);
    if (!strcmp(argv[1], "register-many")) return cmdRegisterMany(argc - 1, argv + 1);
    const char *c = argv[1];
    if (!strcmp(c, "sign")) return cmdSign(argc - 1, argv + 1);
    if (!strcmp(c, "register")) return cmdRegister(argc - 1, argv + 1);
    if (!strcmp(c, "genesis")) return cmdGenesis(argc - 1, argv + 1);
    if (!strcmp(c, "qtest")) return cmdQtest();
    if (!strcmp(c, "slowloris")) return cmdSlowloris(argc - 1, argv + 1);
    if (!strcmp(c, "ident") && argc > 2) {
        ident id;
        identOf(atoi(argv[2]), &id);
        printf("%s %s %s %s\n", id.scid, id.did, id.vm, id.mk);
        return 0;
    }
    fprintf(stderr, "anchord_infra: unknown command %s\n", c);
    return 2;
}
