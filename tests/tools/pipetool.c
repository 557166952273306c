/* pipetool.c -- test driver for `anchord run` (tests/integration/pipeline*.sh, bench).
 *
 *   pipetool did N                       the DID of test subject N
 *   pipetool register FROM TO            queue the genesis logs of subjects [FROM,TO) on the
 *                                        "dids" stream (ingestDid, checked like the worker does)
 *   pipetool genesis N [updater=M] [mk=MULTIKEY]
 *                                        print subject N's genesis did.jsonl line (updater: with
 *                                        subject M's key as the only update key, signed by it;
 *                                        mk: this string as the assertion key, never decoded)
 *   pipetool sign N ID [type=T] [data=JSON] [key=M] [vm=FRAG] [tamper=1]
 *                 [did=DID] [vmabs=VM] [time=RFC3339|now+SECS|now-SECS] [created=1]
 *                 [signedcreated=RFC3339]
 *                                        print one signed event of subject N (signed with
 *                                        subject M's key, verification method #FRAG or VM;
 *                                        did= another "did" member (signed as such);
 *                                        created=1 adds proof.created after signing,
 *                                        signedcreated= signs it)
 *   pipetool events FROM TO COUNT PREFIX print COUNT events round-robin over [FROM,TO)
 *   pipetool rawadd N LINE               XADD an event line to the stream directly (bypassing
 *                                        ingest: tests that the worker never trusts the queue)
 *   pipetool check                       verify every DID folder and manifest in WA_STORE;
 *                                        prints "batch ID ROOT", "event SCID ID", "summary ..."
 * Subjects: seed = SHA-256("wa-pipe-subject-N"); genesis versionTime fixed, so a
 * subject's DID depends only on N, the publisher/witness keys, WA_DOMAIN and WA_PREFIX.
 * Exit 0 ok, 1 a check failed, 2 usage or setup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <hiredis/hiredis.h>
#include "core/edkey.h"
#include "core/hex.h"
#include "core/jcs.h"
#include "core/json.h"
#include "core/multiformat.h"
#include "core/sha256.h"
#include "didlog/key.h"
#include "didlog/webvh.h"
#include "verifier/proof/manifest.h"
#include "verifier/proof/witness.h"
#include "anchord/pipeline/batch.h"
#include "anchord/config/config.h"
#include "anchord/ingest/ingest.h"
#include "anchord/queue/queue.h"
#include "anchord/store/store.h"
#include "verifier/event/event.h"

static config cfg;
static pipeCtx pc;
static edKey pubKey, witKey;   /* pc.pub / pc.wit sign with these (the publisher's role) */

static int die(const char *what, const char *err) {
    fprintf(stderr, "pipetool: %s: %s\n", what, err);
    exit(2);
}

static void subjectKey(int n, edKey *k) {
    char label[64];
    uint8_t seed[32];
    snprintf(label, sizeof label, "wa-pipe-subject-%d", n);
    sha256(label, strlen(label), seed);
    edKeyFromSeed(seed, k);
}

/* setup: config and the publisher/witness public keys (from the key files). */
static void setup(void) {
    char err[ERR_MAX];
    if (configLoad(&cfg, NULL, err) < 0) die("config", err);
    pc.cfg = &cfg;
    if (!cfg.publisherKeyFile[0]) die("setup", "WA_PUBLISHER_KEY_FILE is not set");
    if (keyFileRead(cfg.publisherKeyFile, &pubKey, err) < 0) die("publisher key", err);
    if (cfg.witnessKeyFile[0]) { if (keyFileRead(cfg.witnessKeyFile, &witKey, err) < 0) die("witness key", err); }
    else witKey = pubKey;
    pc.pub = edSignerMem(pubKey.sk);
    pc.wit = edSignerMem(witKey.sk);
    mkEncodeEd25519Pub(pc.pub.pk, pc.pubMk);
    didkeyFromPub(pc.wit.pk, pc.witDid);
    snprintf(pc.didPath, sizeof pc.didPath, "%s%s", cfg.prefix[0] ? ":" : "", cfg.prefix);
    for (char *p = pc.didPath; *p; p++) if (*p == '/') *p = ':';
}

/* genesisBy: subject n's genesis entry (JCS line) into line; its DID into did. Update key:
 * the publisher's, or subject `updater`'s when >= 0 (a log the service must refuse). */
static webvhLog *genesisBy(int n, int updater, const char *withMk, buf *line, char did[DOC_DID_MAX]) {
    edKey k, u;
    char umk[MULTIKEY_PUB_MAX];
    char mk[MULTIKEY_PUB_MAX], id[DOC_DID_MAX], vm[DOC_DID_MAX + 8], err[ERR_MAX];
    subjectKey(n, &k);
    mkEncodeEd25519Pub(k.pk, mk);
    if (withMk) snprintf(mk, sizeof mk, "%s", withMk);
    snprintf(id, sizeof id, "did:webvh:{SCID}:%.200s%.200s:{SCID}", cfg.domain, pc.didPath);
    snprintf(vm, sizeof vm, "%s#key-1", id);
    json_t *state = json_pack("{s:[s,s],s:s,s:[{s:s,s:s,s:s,s:s}],s:[s]}", "@context", "https://www.w3.org/ns/did/v1",
                              "https://w3id.org/security/multikey/v1", "id", id, "verificationMethod", "id", vm, "type",
                              "Multikey", "controller", id, "publicKeyMultibase", mk, "assertionMethod", vm);
    if (updater >= 0) subjectKey(updater, &u);
    else u = pubKey;
    mkEncodeEd25519Pub(u.pk, umk);
    json_t *params = json_pack("{s:[s],s:{s:i,s:[{s:s}]}}", "updateKeys", umk, "witness", "threshold", 1,
                               "witnesses", "id", pc.witDid);
    webvhLog *log = webvhCreate(state, params, "2025-01-01T00:00:00Z", u.sk, line, err);
    if (updater >= 0) edKeyWipe(&u);
    json_decref(state);
    json_decref(params);
    edKeyWipe(&k);
    if (!log) die("genesis", err);
    snprintf(did, DOC_DID_MAX, "%s", log->e[0].did);
    return log;
}

static webvhLog *genesis(int n, buf *line, char did[DOC_DID_MAX]) { return genesisBy(n, -1, NULL, line, did); }

static void didOf(int n, char did[DOC_DID_MAX]) {
    buf line = BUF_INIT;
    webvhFree(genesis(n, &line, did));
    bufFree(&line);
}

static rejectCode checkGenesis(void *ctx, const char *log, size_t len, char scid[WEBVH_SCID_LEN + 1],
                               char did[DOC_DID_MAX], char *detail) {
    (void)ctx;
    return batchGenesisCheck(&pc, log, len, scid, did, detail) < 0 ? REJ_INVALID : REJ_OK;
}

static queue *openQ(void) {
    char err[ERR_MAX];
    queue *q = queueOpen(cfg.redisUrl, (int)cfg.streamShards, 5000, err);
    if (!q) die("redis", err);
    return q;
}

static int cmdRegister(int from, int to) {
    queue *q = openQ();
    ingestCtx ic = {&cfg, &didregRedis, checkGenesis, NULL};
    int bad = 0;
    for (int n = from; n < to; n++) {
        buf line = BUF_INIT;
        char did[DOC_DID_MAX];
        webvhFree(genesis(n, &line, did));
        ingestResult r;
        ingestDid(&ic, q, (char *)line.p, line.len, &r);
        if (r.code != REJ_OK) { fprintf(stderr, "register %d: %s: %s\n", n, rejectName(r.code), r.detail); bad++; }
        bufFree(&line);
    }
    queueClose(q);
    printf("registered %d\n", to - from - bad);
    return bad ? 1 : 0;
}

static const char *kv(int argc, char **argv, const char *key) {
    size_t n = strlen(key);
    for (int i = 0; i < argc; i++)
        if (!strncmp(argv[i], key, n) && argv[i][n] == '=') return argv[i] + n + 1;
    return NULL;
}

/* signOpts: the optional parts of a signed test event (NULL = default). */
typedef struct signOpts {
    const char *did, *vmabs, *time, *signedCreated;
    int tamper, created;
} signOpts;

/* eventTime: "now", "now+SECS", "now-SECS" or a literal RFC 3339 time into t. */
static void eventTime(const char *spec, char t[32]) {
    if (spec && strncmp(spec, "now", 3)) { snprintf(t, 32, "%s", spec); return; }
    webvhFormatTime((long long)time(NULL) + (spec ? atoll(spec + 3) : 0), t);
}

/* signEvent: one signed event line (malloc'd): eventSign, then the tool-side edits
 * (created=1 adds proof.created after signing, tamper=1 changes data). */
static char *signEvent(int n, const char *id, const char *type, const char *data, int signer, const char *frag,
                       const signOpts *o) {
    char did[DOC_DID_MAX], vm[DOC_DID_MAX + 64], t[32], err[ERR_MAX];
    didOf(n, did);
    if (o->did) snprintf(did, sizeof did, "%s", o->did);
    if (o->vmabs) snprintf(vm, sizeof vm, "%s", o->vmabs);
    else snprintf(vm, sizeof vm, "%s#%s", did, frag ? frag : "key-1");
    eventTime(o->time, t);
    json_t *d = jsonParse(data, strlen(data), 1 << 16, 16, err);
    if (!d) die("data", err);
    edKey k;
    subjectKey(signer, &k);
    eventDraft dr = {.id = id, .did = did, .type = type, .time = t, .data = d, .vm = vm, .created = o->signedCreated};
    json_t *ev = eventSign(&dr, k.sk, err);
    edKeyWipe(&k);
    json_decref(d);
    if (!ev) die("sign", err);
    if (o->created) json_object_set_new(json_object_get(ev, "proof"), "created", json_string(t));
    if (o->tamper) json_object_set_new(json_object_get(ev, "data"), "tampered", json_true());
    char *out = jcsDump(ev, NULL, err);
    json_decref(ev);
    return out;
}

static int cmdSign(int argc, char **argv) {
    int n = atoi(argv[0]);
    const char *type = kv(argc, argv, "type"), *data = kv(argc, argv, "data"), *key = kv(argc, argv, "key");
    signOpts o = {kv(argc, argv, "did"), kv(argc, argv, "vmabs"), kv(argc, argv, "time"), kv(argc, argv, "signedcreated"),
                  kv(argc, argv, "tamper") != NULL, kv(argc, argv, "created") != NULL};
    char *s = signEvent(n, argv[1], type ? type : "Manufactured", data ? data : "{\"step\":\"made\"}", key ? atoi(key) : n,
                        kv(argc, argv, "vm"), &o);
    puts(s);
    free(s);
    return 0;
}

/* cmdEvents: COUNT events; event k goes to subject FROM + k % (TO-FROM). */
static int cmdEvents(int from, int to, int count, const char *prefix) {
    int span = to - from;
    char (*dids)[DOC_DID_MAX] = calloc((size_t)span, DOC_DID_MAX);
    edKey *keys = calloc((size_t)span, sizeof *keys);
    for (int i = 0; i < span; i++) { didOf(from + i, dids[i]); subjectKey(from + i, &keys[i]); }
    char t[32], err[ERR_MAX], id[64], vm[DOC_DID_MAX + 8];
    webvhFormatTime((long long)time(NULL), t);
    for (int k = 0; k < count; k++) {
        int i = k % span;
        snprintf(id, sizeof id, "%s-%d-%d", prefix, from + i, k);
        snprintf(vm, sizeof vm, "%s#key-1", dids[i]);
        json_t *data = json_pack("{s:i,s:s}", "seq", k, "site", "Berlin");
        eventDraft dr = {.id = id, .did = dids[i], .type = "Manufactured", .time = t, .data = data, .vm = vm};
        char *s = eventSignLine(&dr, keys[i].sk, NULL, err);
        json_decref(data);
        if (!s) die("sign", err);
        puts(s);
        free(s);
    }
    for (int i = 0; i < span; i++) edKeyWipe(&keys[i]);
    free(keys);
    free(dids);
    return 0;
}

/* cmdRawAdd: XADD an event to its shard's stream, no checks (a compromised queue). */
static int cmdRawAdd(int n, const char *line) {
    char did[DOC_DID_MAX], err[ERR_MAX], key[96];
    didOf(n, did);
    json_t *ev = jsonParse(line, strlen(line), 1 << 16, 32, err);
    if (!ev) die("event", err);
    const char *scid = did + strlen("did:webvh:");
    char sc[WEBVH_SCID_LEN + 1];
    snprintf(sc, sizeof sc, "%.*s", WEBVH_SCID_LEN, scid);
    queue *q = openQ();
    queueKey(q, queueShardOf(q, sc), "events", NULL, NULL, key, sizeof key);
    char host[256], pass[256];
    int port, db;
    redisUrlParse(cfg.redisUrl, host, &port, pass, &db, err);
    redisContext *r = redisConnect(host, port);
    redisReply *rep = r ? redisCommand(r, "XADD %s * scid %s id %s did %s body %s", key, sc, jsonGetStr(ev, "id"), did, line)
                        : NULL;
    int ok = rep && rep->type == REDIS_REPLY_STRING;
    if (ok) puts(rep->str);
    freeReplyObject(rep);
    redisFree(r);
    queueClose(q);
    json_decref(ev);
    return ok ? 0 : 1;
}

/* ---- check ---- */

typedef struct keyList { char **k; size_t n, cap; } keyList;

static int collect(void *ctx, const char *key, long long size) {
    (void)size;
    keyList *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->k = realloc(l->k, l->cap * sizeof *l->k);
    }
    l->k[l->n++] = strdup(key);
    return 0;
}

static int failures;
#define BAD(...) do { fprintf(stderr, "check: " __VA_ARGS__); fputc('\n', stderr); failures++; } while (0)

/* Every object is fetched up front with storeGetMany (many in flight); get() looks up. */
static storeGetReq *objs;
static size_t nobjs;

static int get(store *st, const char *key, buf *b) {
    (void)st;
    bufReset(b);
    for (size_t i = 0; i < nobjs; i++)
        if (!strcmp(objs[i].key, key)) {
            if (objs[i].rc == STORE_ERR) BAD("%s: %s", key, objs[i].err);
            if (objs[i].rc != STORE_OK) return -1;
            bufAppend(b, objs[i].body.p, objs[i].body.len);
            return 0;
        }
    return -1;
}

/* checkManifests: each manifest rebuilds its root; remember leaves for the DIDs. */
static manifest *mans;
static size_t nmans;

static const manifest *findMan(uint64_t id) {
    for (size_t i = 0; i < nmans; i++) if (mans[i].ref.batchId == id) return &mans[i];
    return NULL;
}

static void checkDid(store *st, const char *dir, size_t *entries) {
    char key[STORE_KEY_MAX + 32], err[ERR_MAX];
    buf lb = BUF_INIT, wb = BUF_INIT, db = BUF_INIT;
    snprintf(key, sizeof key, "%s/did.jsonl", dir);
    if (get(st, key, &lb) < 0) { BAD("%s: missing", key); goto out; }
    snprintf(key, sizeof key, "%s/witness.json", dir);
    if (get(st, key, &wb) < 0) { BAD("%s: missing", key); goto out; }
    snprintf(key, sizeof key, "%s/did-witness.json", dir);
    if (get(st, key, &db) < 0) { BAD("%s: missing", key); goto out; }
    json_t *dw = webvhParseWitnessFile((char *)db.p, db.len, err);
    if (!dw) { BAD("%s: %s", key, err); goto out; }
    webvhLog *log = webvhParse((char *)lb.p, lb.len, err);
    webvhOpts o = {.witnessProofs = dw};
    webvhResult r;
    if (!log || webvhVerify(log, &o, &r) < 0) { BAD("%s/did.jsonl: %s", dir, log ? r.error : err); webvhFree(log); json_decref(dw); goto out; }
    witnessFile wf = {0};
    if (witnessParse((char *)wb.p, wb.len, &wf, err) < 0) BAD("%s/witness.json: %s", dir, err);
    json_t *seen = json_object();
    for (size_t i = 0; i < log->n; i++) {
        size_t len;
        const char *line = webvhLine(log, i, &len);
        merkleHash lh;
        merkleHashLeaf(line, len, lh);
        const anchorProof *p = witnessFind(&wf, log->e[i].versionId);
        if (!p) { BAD("%s: version %s has no anchor proof", dir, log->e[i].versionId); continue; }
        if (memcmp(lh, p->leafHash, 32)) BAD("%s: leafHash of %s", dir, p->versionId);
        if (merkleVerify(lh, p->leafIndex, p->treeSize, p->proof, p->proofLen, p->root, err) < 0)
            BAD("%s: proof of %s: %s", dir, p->versionId, err);
        const manifest *m = findMan(p->batchId);
        if (!m) BAD("%s: no manifest for batch %llu", dir, (unsigned long long)p->batchId);
        else if (memcmp(m->ref.root, p->root, 32) || p->leafIndex >= m->n ||
                 memcmp(m->leaves[p->leafIndex].leafHash, lh, 32) || m->leaves[p->leafIndex].unused ||
                 strcmp(m->leaves[p->leafIndex].versionId, p->versionId) || memcmp(m->ref.txHash, p->txHash, 32))
            BAD("%s: %s disagrees with batches/%llu.json", dir, p->versionId, (unsigned long long)p->batchId);
        const char *eid = jsonGetStr(json_object_get(log->e[i].state, "event"), "id");
        if (eid) {
            if (json_object_get(seen, eid)) BAD("%s: event %s is in two entries", dir, eid);
            json_object_set_new(seen, eid, json_true());
            printf("event %s %s\n", log->e[0].act.scid, eid);
        }
        (*entries)++;
    }
    json_decref(seen);
    witnessFree(&wf);
    webvhFree(log);
    json_decref(dw);
out:
    bufFree(&lb); bufFree(&wb); bufFree(&db);
}

static int cmdCheck(void) {
    char err[ERR_MAX];
    storeOpts so = {(int)cfg.storeParallel, (int)cfg.storeRetries, (int)cfg.storeTrace};
    store *st = storeOpen(cfg.store, &so, err);
    if (!st) die("store", err);
    keyList all = {0};
    if (storeList(st, "", collect, &all, err) != STORE_OK) die("list", err);
    buf b = BUF_INIT;
    objs = calloc(all.n + 1, sizeof *objs);
    for (size_t i = 0; i < all.n; i++) {
        if (!strncmp(all.k[i], STORE_INTERNAL, strlen(STORE_INTERNAL)) || !strncmp(all.k[i], "staging/", 8)) continue;
        objs[nobjs].key = all.k[i];
        objs[nobjs++].max = (size_t)1 << 30;
    }
    if (storeGetMany(st, objs, nobjs, err) < 0) die("get", err);
    mans = calloc(all.n + 1, sizeof *mans);
    for (size_t i = 0; i < all.n; i++) {
        if (strncmp(all.k[i], "batches/", 8)) continue;
        if (get(st, all.k[i], &b) < 0) continue;
        manifest *m = &mans[nmans];
        merkleHash root;
        if (manifestParse((char *)b.p, b.len, m, err) < 0) { BAD("%s: %s", all.k[i], err); continue; }
        if (manifestRoot(m, root, err) < 0 || memcmp(root, m->ref.root, 32)) BAD("%s: leaves do not give the root", all.k[i]);
        char hex[65];
        hexEncode(m->ref.root, 32, hex);
        printf("batch %llu 0x%s\n", (unsigned long long)m->ref.batchId, hex);
        nmans++;
    }
    size_t dids = 0, entries = 0, staging = 0;
    size_t plen = strlen(cfg.prefix);
    for (size_t i = 0; i < all.n; i++) {
        const char *k = all.k[i];
        if (!strncmp(k, STORE_INTERNAL "staging/", strlen(STORE_INTERNAL "staging/")) || !strncmp(k, "staging/", 8))
            staging++;
        size_t n = strlen(k);
        if (n < 10 || strcmp(k + n - 10, "/did.jsonl") || (plen && strncmp(k, cfg.prefix, plen))) continue;
        char dir[STORE_KEY_MAX];
        snprintf(dir, sizeof dir, "%.*s", (int)(n - 10), k);
        checkDid(st, dir, &entries);
        dids++;
    }
    printf("summary dids=%zu entries=%zu batches=%zu staging=%zu failures=%d\n", dids, entries, nmans, staging, failures);
    bufFree(&b);
    for (size_t i = 0; i < nobjs; i++) bufFree(&objs[i].body);
    for (size_t i = 0; i < nmans; i++) manifestFree(&mans[i]);
    for (size_t i = 0; i < all.n; i++) free(all.k[i]);
    free(all.k);
    free(objs);
    free(mans);
    storeClose(st);
    return failures ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: pipetool did|register|genesis|sign|events|rawadd|check ...\n"); return 2; }
    setup();
    const char *c = argv[1];
    if (!strcmp(c, "did") && argc == 3) {
        char did[DOC_DID_MAX];
        didOf(atoi(argv[2]), did);
        puts(did);
        return 0;
    }
    if (!strcmp(c, "genesis") && argc >= 3 && argc <= 5) {
        buf line = BUF_INIT;
        char did[DOC_DID_MAX];
        const char *up = kv(argc - 3, argv + 3, "updater");
        webvhFree(genesisBy(atoi(argv[2]), up ? atoi(up) : -1, kv(argc - 3, argv + 3, "mk"), &line, did));
        fputs((char *)line.p, stdout);
        bufFree(&line);
        return 0;
    }
    if (!strcmp(c, "register") && argc == 4) return cmdRegister(atoi(argv[2]), atoi(argv[3]));
    if (!strcmp(c, "sign") && argc >= 4) return cmdSign(argc - 2, argv + 2);
    if (!strcmp(c, "events") && argc == 6) return cmdEvents(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), argv[5]);
    if (!strcmp(c, "rawadd") && argc == 4) return cmdRawAdd(atoi(argv[2]), argv[3]);
    if (!strcmp(c, "check") && argc == 2) return cmdCheck();
    fprintf(stderr, "pipetool: bad arguments (see the comment at the top of tests/tools/pipetool.c)\n");
    return 2;
}
