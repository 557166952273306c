/* test_publish.c -- publishing an anchored batch (anchord/pipeline/publish.c), in-process:
 * the queue is tests/unit/fake_queue.c, the store the real local-directory backend
 * (file://) in a private temporary directory, the batch built by batchClaim /
 * batchBuild / batchStage from genesis logs and signed events, the anchoring faked by
 * setting the chain fields (no node). What it checks (DESIGN.md §1 step 7, §4 invariants
 * 2-3; docs/pipeline.md "Publish"):
 *  - order per DID: witness.json, then did-witness.json, then did.jsonl (a DID whose
 *    did-witness.json cannot be written has a witness.json and no did.jsonl; one whose
 *    did.jsonl cannot be written has both proof files);
 *  - one DID never stops the others: the failed ones are "unused" leaves and their
 *    entries go back to the queue, the rest are published with records and registry;
 *  - a foreign write of did.jsonl: that DID is unused, a genesis is dead-lettered, events
 *    re-queued, its registry record untouched, its leaves "unused" in the manifest;
 *  - a crash before "published" (WA_CRASH_AT, a forked child): the resumed publish finds
 *    every object already ours and writes none again, with the same outcome;
 *  - a manifest that exists with other bytes stops the batch; the journal is not advanced.
 * Then, on the in-memory store (tests/unit/fake_store.c) and a fresh fake queue, faults a
 * directory cannot make:
 *  - a store that takes no writes (its own retries exhausted, then the probe fails too):
 *    batchPublish fails, the journal stays at "staged", nothing is written; once the store
 *    takes writes again the same batch publishes;
 *  - a witness.json put still conflicting after every retry: that DID alone fails (its
 *    registration re-queued, published by the next batch), the others are published;
 *  - a lost answer on witness.json (a conflict on an object that already holds our bytes):
 *    recognised as ours, not written again, the DID published;
 *  - a lost answer on did.jsonl (the write landed, the answer failed): recognised as
 *    published (resync), not written again, registry record and status written.
 * Needs no server. */
#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/di.h"
#include "core/edkey.h"
#include "core/jcs.h"
#include "core/json.h"
#include "core/rfc3339.h"
#include "core/sha256.h"
#include "core/io/clock.h"
#include "core/io/file.h"
#include "didlog/webvh.h"
#include "verifier/proof/manifest.h"
#include "anchord/ingest/genesis.h"
#include "anchord/pipeline/batch.h"
#include "anchord/queue/didreg.h"
#include "tests/unit/fake_queue.h"
#include "tests/unit/fake_store.h"
#include "tests/unit/t.h"

#define SUBJECTS 5
#define EXTRA 5             /* subjects of the fault tests on the in-memory store */

static config cfg;
static pipeCtx pc;
static edKey pubKey, witKey;
static atomic_int stopReq;
static char dir[256];
static char token[LEASE_TOKEN_MAX];
static char dids[SUBJECTS + EXTRA][DOC_DID_MAX], scids[SUBJECTS + EXTRA][64];

static void die(const char *what, const char *err) {
    fprintf(stderr, "test_publish: %s: %s\n", what, err);
    exit(1);
}

static void keyOf(const char *label, edKey *k) {
    uint8_t seed[32];
    sha256(label, strlen(label), seed);
    edKeyFromSeed(seed, k);
}

static void subjectKey(int n, edKey *k) {
    char label[64];
    snprintf(label, sizeof label, "wa-test-publish-subject-%d", n);
    keyOf(label, k);
}

/* genesisLine: subject n's genesis log (one JCS line) into line, its DID and SCID. */
static void genesisLine(int n, buf *line) {
    edKey k;
    char mk[MULTIKEY_PUB_MAX], id[DOC_DID_MAX], vm[DOC_DID_MAX + 8], err[ERR_MAX];
    subjectKey(n, &k);
    mkEncodeEd25519Pub(k.pk, mk);
    snprintf(id, sizeof id, "did:webvh:{SCID}:%.200s%.200s:{SCID}", cfg.domain, pc.didPath);
    snprintf(vm, sizeof vm, "%s#key-1", id);
    json_t *state = json_pack("{s:[s,s],s:s,s:[{s:s,s:s,s:s,s:s}],s:[s]}", "@context", "https://www.w3.org/ns/did/v1",
                              "https://w3id.org/security/multikey/v1", "id", id, "verificationMethod", "id", vm, "type",
                              "Multikey", "controller", id, "publicKeyMultibase", mk, "assertionMethod", vm);
    json_t *params = json_pack("{s:[s],s:{s:i,s:[{s:s}]}}", "updateKeys", pc.pubMk, "witness", "threshold", 1,
                               "witnesses", "id", pc.witDid);
    webvhLog *log = webvhCreate(state, params, "2025-01-01T00:00:00Z", pubKey.sk, line, err);
    if (!log) die("genesis", err);
    snprintf(dids[n], sizeof dids[n], "%s", log->e[0].did);
    snprintf(scids[n], sizeof scids[n], "%s", jsonGetStr(json_object_get(log->e[0].obj, "parameters"), "scid"));
    webvhFree(log);
    json_decref(state);
    json_decref(params);
    edKeyWipe(&k);
}

/* eventLine: a signed event `id` of subject n (malloc'd JCS). */
static char *eventLine(int n, const char *id) {
    edKey k;
    char vm[DOC_DID_MAX + 16], t[RFC3339_MAX], err[ERR_MAX];
    snprintf(vm, sizeof vm, "%s#key-1", dids[n]);
    rfc3339Format(clockWallMs() / 1000, t);
    json_t *ev = json_pack("{s:s,s:s,s:s,s:s,s:{s:s}}", "id", id, "did", dids[n], "type", "Manufactured", "time", t,
                           "data", "step", "Glass Created");
    json_t *opts = json_pack("{s:s,s:s,s:s,s:s}", "type", "DataIntegrityProof", "cryptosuite", "eddsa-jcs-2022",
                             "verificationMethod", vm, "proofPurpose", "assertionMethod");
    subjectKey(n, &k);
    json_t *proof = diSign(ev, opts, k.sk, err);
    edKeyWipe(&k);
    if (!proof) die("sign", err);
    json_object_set_new(ev, "proof", proof);
    char *out = jcsDump(ev, NULL, err);
    json_decref(ev);
    json_decref(opts);
    return out;
}

static void setup(void) {
    char err[ERR_MAX];
    snprintf(dir, sizeof dir, "%s/wa-publish-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) die("mkdtemp", dir);
    if (configLoad(&cfg, NULL, err) < 0) die("config", err);
    snprintf(cfg.domain, sizeof cfg.domain, "example.com");
    snprintf(cfg.prefix, sizeof cfg.prefix, ".well-known/did");
    pc.cfg = &cfg;
    keyOf("wa-test-publish-publisher", &pubKey);
    keyOf("wa-test-publish-witness", &witKey);
    pc.pub = edSignerMem(pubKey.sk);
    pc.wit = edSignerMem(witKey.sk);
    mkEncodeEd25519Pub(pc.pub.pk, pc.pubMk);
    didkeyFromPub(pc.wit.pk, pc.witDid);
    if (didregMacKey(&pc.pub, pc.regKey, err) < 0) die("registry key", err);
    if (genesisDidPath(cfg.prefix, pc.didPath, err) < 0) die("DID path", err);
    snprintf(pc.consumer, sizeof pc.consumer, "test-publish-%d", (int)getpid());
    pc.threads = 2;
    pc.stop = &stopReq;
    char url[300];
    snprintf(url, sizeof url, "file://%s", dir);
    if (!(pc.q = fakeQueueOpen(1)) || !(pc.st = storeOpen(url, NULL, err))) die("open", err);
    if (leaseAcquire(pc.q, 0, 3600000, token, err) != 1) die("lease", err);
}

/* path: the file of key name of subject n (name NULL: its folder). */
static void path(int n, const char *name, char *out, size_t cap) {
    snprintf(out, cap, "%.255s/%.200s/%.63s%s%.40s", dir, cfg.prefix, scids[n], name ? "/" : "", name ? name : "");
}

static int exists(int n, const char *name) {
    char p[1024];
    struct stat st;
    path(n, name, p, sizeof p);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* lines: how many lines subject n's did.jsonl holds (-1 when it has none). */
static int lines(int n) {
    char p[1024];
    path(n, "did.jsonl", p, sizeof p);
    size_t len;
    char *s = t_slurp(p, &len);
    if (!s) return -1;
    int c = 0;
    for (size_t i = 0; i < len; i++) c += s[i] == '\n';
    free(s);
    return c;
}

/* snapshot: every regular file below d with its size and modification time (ns). */
static void snapshot(const char *d, buf *out) {
    DIR *dp = opendir(d);
    struct dirent *e;
    while (dp && (e = readdir(dp))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2]))) continue;
        char p[1024];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", d, e->d_name);
        if (lstat(p, &st) < 0) continue;
        if (S_ISDIR(st.st_mode)) snapshot(p, out);
        else bufPrintf(out, "%s %lld %lld.%09ld\n", p, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                       st.st_mtim.tv_nsec);
    }
    if (dp) closedir(dp);
}

/* anchored: what the chain step would have set (no node: the values are the test's). */
static void anchored(batch *b, uint64_t id) {
    b->batchId = id;
    b->blockNumber = 100 + id;
    b->chainId = 31337;
    memset(b->txHash, (int)id, sizeof b->txHash);
    memset(b->contract, 0xab, sizeof b->contract);
}

/* buildBatch: claim, build and stage one batch of shard 0. 1 claimed, 0 none. */
static int buildBatch(batch *b) {
    char err[ERR_MAX];
    int got = batchClaim(&pc, 0, token, b, err);
    if (got < 0) die("claim", err);
    if (got == 0) return 0;
    if (batchBuild(&pc, token, b, err) < 0) die("build", err);
    if (b->nleaves && batchStage(&pc, token, b, err) < 0) die("stage", err);
    return 1;
}

/* workOf: the work of subject n in b, or NULL. */
static const didWork *workOf(const batch *b, int n) {
    for (size_t i = 0; i < b->nw; i++) if (!strcmp(b->w[i].scid, scids[n])) return &b->w[i];
    return NULL;
}

/* statusOf: field of the status record of subject n's event id ("genesis": its registration). */
static int statusIs(int n, const char *id, const char *field, const char *want) {
    char k[256], err[ERR_MAX];
    json_t *h = NULL;
    queueKey(pc.q, 0, strcmp(id, "genesis") ? "events" : "dids", scids[n], id, k, sizeof k);
    int ok = queueHgetall(pc.q, k, &h, err) == 1 && jsonGetStr(h, field) && !strcmp(jsonGetStr(h, field), want);
    json_decref(h);
    return ok;
}

/* manifestUnused: the manifest of batch id: 1 when every leaf of did is unused, 0 when
 * none is, -1 when mixed, missing or unreadable. */
static int manifestUnused(uint64_t id, const char *did) {
    char p[1024];
    size_t len;
    snprintf(p, sizeof p, "%s/batches/%llu.json", dir, (unsigned long long)id);
    char *s = t_slurp(p, &len), err[ERR_MAX];
    manifest m = {0};
    if (!s || manifestParse(s, len, &m, err) < 0) { free(s); return -1; }
    int un = 0, used = 0;
    for (size_t i = 0; i < m.n; i++)
        if (!strcmp(m.leaves[i].did, did)) { un += m.leaves[i].unused; used += !m.leaves[i].unused; }
    manifestFree(&m);
    free(s);
    return un && !used ? 1 : used && !un ? 0 : -1;
}

/* testGenesis: five registrations in one batch: two published, one lost to a foreign
 * did.jsonl, one whose did-witness.json and one whose did.jsonl cannot be written; a
 * crash before "published" and the resumed publish. */
static void testGenesis(void) {
    char err[ERR_MAX], sid[QUEUE_SID_MAX], p[1024];
    for (int n = 0; n < SUBJECTS; n++) {
        buf line = BUF_INIT;
        genesisLine(n, &line);
        T_CHECK(queueEnqueue(pc.q, "dids", scids[n], "genesis", dids[n], (char *)line.p, line.len, 0, sid, NULL, err) ==
                QUEUE_OK, "register %d: %s", n, err);
        bufFree(&line);
    }
    batch b = {0};
    T_CHECK(buildBatch(&b) == 1 && b.nw == SUBJECTS && b.nleaves == SUBJECTS && b.nRejected == 0,
            "batch 1 built: %zu DIDs, %zu leaves, %zu rejected", b.nw, b.nleaves, b.nRejected);
    anchored(&b, 1);
    /* after building, before publishing: a foreign did.jsonl for subject 2; the paths of
     * subject 3's did-witness.json and subject 4's did.jsonl taken by directories */
    path(2, NULL, p, sizeof p);
    T_CHECK(fileMkdirs(p, 0755, err) == 0, "mkdir: %s", err);
    path(2, "did.jsonl", p, sizeof p);
    FILE *f = fopen(p, "w");
    T_CHECK(f && fputs("{\"not\":\"ours\"}\n", f) >= 0 && fclose(f) == 0, "a foreign did.jsonl");
    path(3, "did-witness.json", p, sizeof p);
    T_CHECK(fileMkdirs(p, 0755, err) == 0, "mkdir: %s", err);
    path(4, "did.jsonl", p, sizeof p);
    T_CHECK(fileMkdirs(p, 0755, err) == 0, "mkdir: %s", err);

    /* a crash right before "published": every object written, nothing after */
    pid_t pid = fork();
    if (pid == 0) {
        journalCrashAt("before:published");
        batchPublish(&pc, token, &b, err);
        _exit(3);
    }
    int ws;
    waitpid(pid, &ws, 0);
    T_CHECK(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL, "the first publish was killed before 'published'");
    T_CHECK(exists(0, "did.jsonl") && exists(0, "witness.json") && exists(0, "did-witness.json") &&
            exists(1, "did.jsonl"), "its objects were written");
    buf before = BUF_INIT, after = BUF_INIT;
    snapshot(dir, &before);

    /* the next run resumes the batch (as runBatch does at "staged" or later) */
    batch r = {0};
    T_CHECK(journalResumeFind(pc.q, 0, &r.j, err) == 1 && !strcmp(r.j.id, b.j.id) && r.j.state == JS_STAGED,
            "journal still at staged");
    r.shard = 0;
    r.resumed = 1;
    anchored(&r, 1);
    T_CHECK(batchReclaim(&pc, &r, err) == 0 && batchLoadStaging(&pc, &r, err) == 0 && batchReadObjects(&pc, &r, err) == 0,
            "resumed: %s", err);
    T_CHECK(batchPublish(&pc, token, &r, err) == 0, "resumed publish: %s", err);
    snapshot(dir, &after);
    bufPutc(&before, 0);
    bufPutc(&after, 0);
    /* the resumed publish writes no object again (the manifest too was written by the child) */
    int same = 1;
    for (char *l = (char *)before.p, *e; l && *l; l = e ? e + 1 : NULL) {
        e = strchr(l, '\n');
        if (e) *e = 0;
        same &= strstr((char *)after.p, l) != NULL;
        if (e) *e = '\n';
    }
    T_CHECK(same, "resumed: no object written again (sizes and times unchanged)");
    bufFree(&before);
    bufFree(&after);
    T_CHECK(r.j.state == JS_PUBLISHED && r.nPublished == 2 && r.nUnused == 3 && r.nFailed == 2,
            "published 2, unused 3, failed 2 (%zu, %zu, %zu)", r.nPublished, r.nUnused, r.nFailed);

    /* published DIDs */
    for (int n = 0; n < 2; n++) {
        didInfo in;
        const didWork *w = workOf(&r, n);
        T_CHECK(lines(n) == 1 && exists(n, "witness.json") && exists(n, "did-witness.json"), "subject %d published", n);
        T_CHECK(w && didregGet(pc.q, scids[n], &in, err) == 1 && !strcmp(in.versionId, w->ne[0].versionId) &&
                didregMacOk(pc.regKey, scids[n], &in), "subject %d: registry head and mac", n);
        T_CHECK(statusIs(n, "genesis", "status", "anchored") && statusIs(n, "genesis", "batchId", "1"),
                "subject %d: status anchored", n);
        T_CHECK(manifestUnused(1, dids[n]) == 0, "subject %d: manifest leaf used", n);
    }
    /* a foreign did.jsonl: not overwritten, the registration dead-lettered, no registry record */
    didInfo in;
    const char *dsid, *did0, *why;
    int dead = 0;
    for (size_t i = 0; fakeQueueDead(pc.q, 0, i, &dsid, &did0, &why); i++)
        dead += !strcmp(did0, "genesis") && strstr(why, "another writer") != NULL;
    T_CHECK(lines(2) == 1 && dead == 1 && didregGet(pc.q, scids[2], &in, err) == 0 && manifestUnused(1, dids[2]) == 1,
            "foreign did.jsonl: kept, registration dead-lettered, no registry record, leaf unused");
    T_CHECK(statusIs(2, "genesis", "status", "rejected"), "foreign did.jsonl: status rejected");
    /* order: witness.json before did-witness.json before did.jsonl */
    T_CHECK(exists(3, "witness.json") && !exists(3, "did-witness.json") && lines(3) == -1,
            "did-witness.json refused: witness.json written first, did.jsonl never");
    T_CHECK(exists(4, "witness.json") && exists(4, "did-witness.json") && !exists(4, "did.jsonl"),
            "did.jsonl refused: both proof files written before it");
    T_CHECK(statusIs(3, "genesis", "status", "queued") && statusIs(4, "genesis", "status", "queued") &&
            queueDepth(pc.q, 0, "dids", err) == 4, "the failed ones re-queued (2 + the 2 not yet acked)");
    T_CHECK(manifestUnused(1, dids[3]) == 1 && manifestUnused(1, dids[4]) == 1, "their leaves unused");
    T_CHECK(batchAck(&pc, token, &r, err) == 0 && r.j.state == JS_ACKED && queueDepth(pc.q, 0, "dids", err) == 2,
            "acked: %s", err);
    /* the paths free again: the next batch publishes them */
    path(3, "did-witness.json", p, sizeof p); rmdir(p);
    path(4, "did.jsonl", p, sizeof p); rmdir(p);
    batch c = {0};
    T_CHECK(buildBatch(&c) == 1 && c.nleaves == 2, "batch 2: the two re-queued registrations");
    anchored(&c, 2);
    T_CHECK(batchPublish(&pc, token, &c, err) == 0 && c.nPublished == 2 && lines(3) == 1 && lines(4) == 1 &&
            batchAck(&pc, token, &c, err) == 0, "batch 2 published: %s", err);
    batchFree(&b);
    batchFree(&r);
    batchFree(&c);
}

/* testEvents: events of published DIDs; a foreign write of one did.jsonl between
 * building and publishing. */
static void testEvents(void) {
    char err[ERR_MAX], sid[QUEUE_SID_MAX], p[1024];
    didInfo reg1;
    T_CHECK(didregGet(pc.q, scids[1], &reg1, err) == 1, "subject 1 registered");
    for (int n = 0; n < 2; n++) {
        char *ev = eventLine(n, "evt-1");
        T_CHECK(queueEnqueue(pc.q, "events", scids[n], "evt-1", dids[n], ev, strlen(ev), 0, sid, NULL, err) == QUEUE_OK,
                "event of %d: %s", n, err);
        free(ev);
    }
    batch b = {0};
    T_CHECK(buildBatch(&b) == 1 && b.nleaves == 2 && b.nRejected == 0, "batch 3 built (%zu leaves, %zu rejected)",
            b.nleaves, b.nRejected);
    anchored(&b, 3);
    path(1, "did.jsonl", p, sizeof p);
    FILE *f = fopen(p, "a");
    if (f) { fputs("{\"foreign\":true}\n", f); fclose(f); }
    T_CHECK(batchPublish(&pc, token, &b, err) == 0 && b.nPublished == 1 && b.nUnused == 1 && b.nFailed == 0,
            "published 1, unused 1: %s", err);
    didInfo in;
    T_CHECK(lines(0) == 2 && didregGet(pc.q, scids[0], &in, err) == 1 && !strncmp(in.versionId, "2-", 2) &&
            statusIs(0, "evt-1", "status", "anchored"), "subject 0: second entry published");
    T_CHECK(lines(1) == 2 && didregGet(pc.q, scids[1], &in, err) == 1 && !strcmp(in.versionId, reg1.versionId) &&
            !strcmp(in.logSha, reg1.logSha), "foreign did.jsonl: not overwritten, registry untouched");
    T_CHECK(statusIs(1, "evt-1", "status", "queued") && manifestUnused(3, dids[1]) == 1 &&
            manifestUnused(3, dids[0]) == 0, "its event re-queued, its leaf unused");
    T_CHECK(batchAck(&pc, token, &b, err) == 0 && queueDepth(pc.q, 0, "events", err) == 1,
            "acked; the re-queued event waits");
    batchFree(&b);
}

/* testManifestClash: a manifest that exists with other bytes (two batches claiming one
 * batchId) stops the batch before its records; the journal stays where it was. */
static void testManifestClash(void) {
    char err[ERR_MAX], sid[QUEUE_SID_MAX], p[1024];
    char *ev = eventLine(0, "evt-2");
    T_CHECK(queueEnqueue(pc.q, "events", scids[0], "evt-2", dids[0], ev, strlen(ev), 0, sid, NULL, err) == QUEUE_OK,
            "event 2 of subject 0");
    free(ev);
    batch b = {0};
    T_CHECK(buildBatch(&b) == 1 && b.nleaves == 1, "batch 4 built (%zu leaves)", b.nleaves);   /* evt-2 only */
    anchored(&b, 4);
    snprintf(p, sizeof p, "%s/batches/4.json", dir);
    FILE *f = fopen(p, "w");
    if (f) { fputs("{\"someone\":\"else\"}", f); fclose(f); }
    int state = b.j.state;
    T_CHECK(batchPublish(&pc, token, &b, err) < 0 && b.j.state == state, "refused: %s", err);
    T_CHECK(!statusIs(0, "evt-2", "status", "anchored"), "no status written");
    batchFree(&b);
}

/* ---- faults on the in-memory store ---- */

static store *fst;          /* pc.st during the fault tests */

/* registerOne: enqueue subject n's genesis registration. */
static void registerOne(int n) {
    char err[ERR_MAX], sid[QUEUE_SID_MAX];
    buf line = BUF_INIT;
    genesisLine(n, &line);
    T_CHECK(queueEnqueue(pc.q, "dids", scids[n], "genesis", dids[n], (char *)line.p, line.len, 0, sid, NULL, err) ==
            QUEUE_OK, "register %d: %s", n, err);
    bufFree(&line);
}

/* objKey: the store key of object name of subject n. */
static void objKey(int n, const char *name, char *out, size_t cap) { batchObjKey(&pc, scids[n], name, out, cap); }

/* has: subject n's object name is in the in-memory store. */
static int has(int n, const char *name) {
    char k[STORE_KEY_MAX];
    objKey(n, name, k, sizeof k);
    return fakeStoreObject(fst, k) != NULL;
}

/* putsOf: how many puts of subject n's object name the store's log holds. */
static int putsOf(int n, const char *name) {
    char k[STORE_KEY_MAX + 8];
    objKey(n, name, k + 4, STORE_KEY_MAX);
    memcpy(k, "put ", 4);
    size_t kl = strlen(k);
    int c = 0;
    for (const char *l = fakeStoreLog(fst); *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
        c += !strncmp(l, k, kl) && l[kl] == ' ';
    return c;
}

/* journalAt: the shard's oldest unfinished batch is b, at state. */
static int journalAt(const batch *b, int state) {
    char err[ERR_MAX];
    batch r = {0};
    int ok = journalResumeFind(pc.q, 0, &r.j, err) == 1 && !strcmp(r.j.id, b->j.id) && r.j.state == state;
    batchFree(&r);
    return ok;
}

/* publishedOne: subject n is published by batch id: its three objects, registry head and
 * mac, status anchored. */
static int publishedOne(int n, const batch *b, uint64_t id) {
    char err[ERR_MAX], bid[24];
    didInfo in;
    const didWork *w = workOf(b, n);
    snprintf(bid, sizeof bid, "%llu", (unsigned long long)id);
    return w && has(n, "witness.json") && has(n, "did-witness.json") && has(n, "did.jsonl") &&
           didregGet(pc.q, scids[n], &in, err) == 1 && !strcmp(in.versionId, w->ne[0].versionId) &&
           didregMacOk(pc.regKey, scids[n], &in) && statusIs(n, "genesis", "status", "anchored") &&
           statusIs(n, "genesis", "batchId", bid);
}

/* testStoreDown: every write fails (the store's own retries exhausted) and so does the
 * probe: the batch stops before anything is written, the journal stays at "staged"; the
 * same batch publishes once the store takes writes again. */
static void testStoreDown(void) {
    char err[ERR_MAX] = "";
    int n = SUBJECTS;
    registerOne(n);
    batch b = {0};
    T_CHECK(buildBatch(&b) == 1 && b.nleaves == 1, "store down: batch built (%zu leaves)", b.nleaves);
    anchored(&b, 11);
    fakeStoreLogReset(fst);
    /* the next two puts fail: witness.json, then the probe's first write */
    T_CHECK(fakeStoreRule(fst, "put", NULL, 1, FAKE_FAIL, NULL, 0) == 0 &&
            fakeStoreRule(fst, "put", NULL, 1, FAKE_FAIL, NULL, 0) == 0, "store down: rules");
    int state = b.j.state;
    T_CHECK(batchPublish(&pc, token, &b, err) < 0 && err[0], "store down: batchPublish fails: %s", err);
    T_CHECK(b.j.state == state && state == JS_STAGED && journalAt(&b, JS_STAGED),
            "store down: journal still at staged");
    T_CHECK(putsOf(n, "witness.json") == 1 && !has(n, "witness.json") && putsOf(n, "did-witness.json") == 0 &&
            putsOf(n, "did.jsonl") == 0, "store down: one failed put of witness.json, no other object of the DID");
    T_CHECK(strstr(fakeStoreLog(fst), "put " STORE_INTERNAL "probe/") && !strstr(fakeStoreLog(fst), "put batches/") &&
            !workOf(&b, n)->failed,
            "store down: the probe failed too: the batch stopped (not this DID alone), no manifest put");
    T_CHECK(!fakeStoreObject(fst, "batches/11.json") && !statusIs(n, "genesis", "status", "anchored"),
            "store down: no manifest, status not anchored");
    didInfo in;
    T_CHECK(didregGet(pc.q, scids[n], &in, err) == 0, "store down: no registry record");
    /* the store takes writes again: the same batch publishes */
    T_CHECK(batchPublish(&pc, token, &b, err) == 0 && b.nPublished == 1 && b.nFailed == 0 && publishedOne(n, &b, 11) &&
            fakeStoreObject(fst, "batches/11.json") && journalAt(&b, JS_PUBLISHED), "store back: published: %s", err);
    T_CHECK(batchAck(&pc, token, &b, err) == 0, "store back: acked: %s", err);
    batchFree(&b);
}

/* testConflictsExhausted: witness.json of one DID conflicts on every round: that DID
 * alone fails and waits for the next batch; the other is published. */
static void testConflictsExhausted(void) {
    char err[ERR_MAX] = "", k[STORE_KEY_MAX];
    int a = SUBJECTS + 1, c = SUBJECTS + 2;
    registerOne(a);
    registerOne(c);
    batch b = {0};
    T_CHECK(buildBatch(&b) == 1 && b.nleaves == 2, "conflicts: batch built (%zu leaves)", b.nleaves);
    anchored(&b, 12);
    fakeStoreLogReset(fst);
    objKey(a, "witness.json", k, sizeof k);
    for (int i = 0; i < 3; i++)     /* publish.c PUT_RETRIES */
        T_CHECK(fakeStoreRule(fst, "put", k, 1, FAKE_CONFLICT, NULL, 0) == 0, "conflicts: rule %d", i);
    T_CHECK(batchPublish(&pc, token, &b, err) == 0 && b.nPublished == 1 && b.nFailed == 1 && b.nUnused == 1 &&
            b.nConflicts == 3, "conflicts: published 1, failed 1, 3 conflicts (%zu, %zu, %zu): %s", b.nPublished,
            b.nFailed, b.nConflicts, err);
    T_CHECK(putsOf(a, "witness.json") == 3 && !has(a, "witness.json") && putsOf(a, "did-witness.json") == 0 &&
            putsOf(a, "did.jsonl") == 0, "conflicts: 3 tries of witness.json, nothing else of that DID");
    T_CHECK(statusIs(a, "genesis", "status", "queued") && publishedOne(c, &b, 12),
            "conflicts: it re-queued, the other published");
    T_CHECK(batchAck(&pc, token, &b, err) == 0, "conflicts: acked: %s", err);
    batchFree(&b);
    batch d = {0};
    T_CHECK(buildBatch(&d) == 1 && d.nleaves == 1, "conflicts: the next batch takes it again");
    anchored(&d, 13);
    T_CHECK(batchPublish(&pc, token, &d, err) == 0 && d.nPublished == 1 && publishedOne(a, &d, 13) &&
            batchAck(&pc, token, &d, err) == 0, "conflicts: then published: %s", err);
    batchFree(&d);
}

/* ourWitness: the witness.json bytes publishing b writes for subject n, from a forked
 * child publishing the same batch on its copy of the store and queue (malloc'd; *len). */
static char *ourWitness(batch *b, int n, size_t *len) {
    int fd[2];
    char err[ERR_MAX], k[STORE_KEY_MAX];
    if (pipe(fd) < 0) die("pipe", "");
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        objKey(n, "witness.json", k, sizeof k);
        const buf *o = batchPublish(&pc, token, b, err) == 0 ? fakeStoreObject(fst, k) : NULL;
        _exit(o && write(fd[1], o->p, o->len) == (ssize_t)o->len ? 0 : 1);
    }
    close(fd[1]);
    buf out = BUF_INIT;
    char tmp[4096];
    ssize_t r;
    while ((r = read(fd[0], tmp, sizeof tmp)) > 0)
        if (bufAppend(&out, tmp, (size_t)r) < 0) die("read", "out of memory");
    close(fd[0]);
    int ws;
    waitpid(pid, &ws, 0);
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0 || !out.len) die("child publish", "no witness.json");
    *len = out.len;
    return (char *)out.p;
}

/* testLostWitness: the put of witness.json conflicts on an object that already holds our
 * bytes (what a conditional put whose answer was lost meets when retried): recognised as
 * ours, not written again; the DID is published. */
static void testLostWitness(void) {
    char err[ERR_MAX] = "", k[STORE_KEY_MAX];
    int n = SUBJECTS + 3;
    registerOne(n);
    batch b = {0};
    T_CHECK(buildBatch(&b) == 1 && b.nleaves == 1, "lost witness.json: batch built");
    anchored(&b, 14);
    size_t len;
    char *ours = ourWitness(&b, n, &len);
    fakeStoreLogReset(fst);
    objKey(n, "witness.json", k, sizeof k);
    T_CHECK(fakeStoreRule(fst, "put", k, 1, FAKE_FOREIGN, ours, len) == 0, "lost witness.json: rule");
    T_CHECK(batchPublish(&pc, token, &b, err) == 0 && b.nPublished == 1 && b.nFailed == 0 && b.nConflicts == 1,
            "lost witness.json: published, one conflict (%zu, %zu): %s", b.nPublished, b.nConflicts, err);
    const buf *o = fakeStoreObject(fst, k);
    T_CHECK(putsOf(n, "witness.json") == 1 && o && o->len == len && !memcmp(o->p, ours, len),
            "lost witness.json: recognised as ours, not written again");
    T_CHECK(putsOf(n, "did-witness.json") == 1 && putsOf(n, "did.jsonl") == 1 && publishedOne(n, &b, 14),
            "lost witness.json: the rest written once, the DID published");
    T_CHECK(batchAck(&pc, token, &b, err) == 0, "lost witness.json: acked: %s", err);
    free(ours);
    batchFree(&b);
}

/* testLostLog: the put of did.jsonl lands but its answer is lost (an error): the DID is
 * found published after all (our lines are there), not written again, recorded. */
static void testLostLog(void) {
    char err[ERR_MAX] = "", k[STORE_KEY_MAX];
    int n = SUBJECTS + 4;
    registerOne(n);
    batch b = {0};
    T_CHECK(buildBatch(&b) == 1 && b.nleaves == 1, "lost did.jsonl: batch built");
    anchored(&b, 15);
    fakeStoreLogReset(fst);
    objKey(n, "did.jsonl", k, sizeof k);
    T_CHECK(fakeStoreRule(fst, "put", k, 1, FAKE_LOST, NULL, 0) == 0, "lost did.jsonl: rule");
    T_CHECK(batchPublish(&pc, token, &b, err) == 0 && b.nPublished == 1 && b.nFailed == 0 && b.nUnused == 0,
            "lost did.jsonl: published, none failed (%zu, %zu): %s", b.nPublished, b.nFailed, err);
    T_CHECK(putsOf(n, "did.jsonl") == 1 && putsOf(n, "witness.json") == 1 && putsOf(n, "did-witness.json") == 1,
            "lost did.jsonl: every object written once");
    T_CHECK(publishedOne(n, &b, 15) && !statusIs(n, "genesis", "status", "queued"),
            "lost did.jsonl: registry record and status anchored, nothing re-queued");
    T_CHECK(batchAck(&pc, token, &b, err) == 0 && queueDepth(pc.q, 0, "dids", err) == 0, "lost did.jsonl: acked");
    batchFree(&b);
}

/* testFaults: the fault tests, on a fresh fake queue and the in-memory store. */
static void testFaults(void) {
    char err[ERR_MAX];
    queue *q0 = pc.q;
    store *s0 = pc.st;
    if (!(pc.q = fakeQueueOpen(1)) || !(fst = pc.st = fakeStoreOpen())) die("open", "fake");
    if (leaseAcquire(pc.q, 0, 3600000, token, err) != 1) die("lease", err);
    testStoreDown();
    testConflictsExhausted();
    testLostWitness();
    testLostLog();
    storeClose(pc.st);
    queueClose(pc.q);
    pc.q = q0;
    pc.st = s0;
}

int main(void) {
    setup();
    testGenesis();
    testEvents();
    testManifestClash();
    testFaults();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    storeClose(pc.st);
    queueClose(pc.q);
    edSignerClose(&pc.pub);
    edSignerClose(&pc.wit);
    edKeyWipe(&pubKey);
    edKeyWipe(&witKey);
    return T_DONE();
}
