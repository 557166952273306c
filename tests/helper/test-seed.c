/* test-seed.c -- `test-tool seed-check`: the seed data (tests/integration/seed.sh):
 *   seed-check register DIR       put every DID of an identities directory into the DID
 *                                 registry (WA_REDIS_URL, WA_STREAM_SHARDS), with the
 *                                 assertion key of its genesis document -- what the worker
 *                                 does once a genesis log is anchored
 *   seed-check events DIR FILE    check every event of FILE: schema (verifier/event/event.h) and
 *                                 signature against the assertionMethod of its DID's genesis
 *                                 document, ids unique per DID, times increasing per DID and
 *                                 after the genesis; prints "events N dids M types T"
 *   seed-check logs DIR WITNESSKEY verify every genesis log with didlog/webvh.h, its witness
 *                                 proof made here with the witness key file; prints "logs N"
 * (`test-tool fixture publish` makes the page tests' published output from seed data.)
 * Exit 0 all good, 1 a check failed (message names the line / DID), 2 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/json.h"
#include "core/multiformat.h"
#include "core/io/file.h"
#include "didlog/key.h"
#include "didlog/webvh.h"
#include "anchord/queue/didreg.h"
#include "verifier/event/event.h"
#include "core/hex.h"
#include "core/jcs.h"
#include "core/merkle.h"
#include "verifier/proof/witness.h"
#include "seed/meta.h"
#include "tests/helper/test-tool.h"

static webvhLog *genesisOf(const seedIndex *ix, const seedItem *it, char *err) {
    char path[SEED_PATH_MAX];
    buf b = BUF_INIT;
    if (seedPath(ix, it->log, path) < 0 || fileRead(path, WEBVH_LOG_MAX, &b, err) < 0) { bufFree(&b); return NULL; }
    webvhLog *l = webvhParse((const char *)b.p, b.len, err);
    bufFree(&b);
    webvhOpts o = {.skipWitness = 1};   /* fills the entry fields; the witness is checked by `logs` */
    webvhResult r;
    if (l && webvhVerify(l, &o, &r) < 0) { snprintf(err, ERR_MAX, "%s", r.error); webvhFree(l); return NULL; }
    return l;
}

/* assertionKey: the multikey of the genesis document's first assertion method. */
static const char *assertionKey(const webvhLog *l, const char **vm) {
    json_t *st = l->e[0].state;
    *vm = json_string_value(json_array_get(json_object_get(st, "assertionMethod"), 0));
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(st, "verificationMethod"), i, m)
        if (*vm && jsonGetStr(m, "id") && !strcmp(jsonGetStr(m, "id"), *vm)) return jsonGetStr(m, "publicKeyMultibase");
    return NULL;
}

static int seedRegister(const seedIndex *ix) {
    char err[ERR_MAX];
    queue *q = ttQueue();
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < ix->n; i++) {
        webvhLog *l = genesisOf(ix, &ix->it[i], err);
        const char *vm, *mk = l ? assertionKey(l, &vm) : NULL;
        if (!mk) { fprintf(stderr, "%s: no assertion key (%s)\n", ix->it[i].did, l ? "" : err); rc = 1; }
        else if (identRegister(q, ix->it[i].scid, ix->it[i].did, l->e[0].versionId, vm, mk, err) < 0) {
            fprintf(stderr, "register: %s\n", err);
            rc = 1;
        }
        webvhFree(l);
    }
    queueClose(q);
    if (!rc) printf("registered %zu\n", ix->n);
    return rc;
}

static json_t *byDid;   /* DID -> index position */

static long findDid(const seedIndex *ix, const char *did) {
    if (!byDid) {
        byDid = json_object();
        for (size_t i = 0; i < ix->n; i++) json_object_set_new(byDid, ix->it[i].did, json_integer((json_int_t)i));
    }
    json_t *v = json_object_get(byDid, did);
    return v ? (long)json_integer_value(v) : -1;
}

static int seedEvents(const seedIndex *ix, const char *file) {
    char err[ERR_MAX];
    buf b = BUF_INIT;
    if (fileRead(file, 1u << 30, &b, err) < 0) { fprintf(stderr, "%s\n", err); return 2; }
    double *last = calloc(ix->n, sizeof *last);
    webvhLog **logs = calloc(ix->n, sizeof *logs);
    json_t *ids = json_object(), *types = json_object();
    size_t n = 0, line = 0, dids = 0;
    int rc = 0;
    eventLimits lim = {0, 0, 0, 1 << 16};
    for (const char *s = (const char *)b.p, *end = s + b.len; rc == 0 && s < end;) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
        line++;
        event ev;
        lim.nowMs = 4102444800000LL;   /* 2100: no time window here, only the schema */
        lim.maxSkewMs = 4102444800000LL;
        if (eventParse(s, len, &lim, &ev, err) != EVENT_OK) { fprintf(stderr, "line %zu: %s\n", line, err); rc = 1; break; }
        long i = findDid(ix, ev.did);
        if (i >= 0 && !logs[i]) logs[i] = genesisOf(ix, &ix->it[i], err);
        webvhLog *l = i >= 0 ? logs[i] : NULL;
        const char *vm, *mk = l ? assertionKey(l, &vm) : NULL;
        docKey k;
        if (!mk) { fprintf(stderr, "line %zu: DID not in the index\n", line); rc = 1; }
        else {
            snprintf(k.vm, sizeof k.vm, "%s", vm);
            snprintf(k.mk, sizeof k.mk, "%s", mk);
            char key[700];
            snprintf(key, sizeof key, "%s %s", ev.did, ev.id);
            if (eventVerify(&ev, &k, 1, err) != EVENT_OK) { fprintf(stderr, "line %zu: %s\n", line, err); rc = 1; }
            else if (json_object_get(ids, key)) { fprintf(stderr, "line %zu: id %s repeated\n", line, ev.id); rc = 1; }
            else if ((double)ev.timeMs / 1000 <= (last[i] ? last[i] : l->e[0].time)) {
                fprintf(stderr, "line %zu: time %s not after the DID's previous event/genesis\n", line, ev.time);
                rc = 1;
            }
            json_object_set_new(ids, key, json_true());
            if (!last[i]) dids++;
            last[i] = (double)ev.timeMs / 1000;
            json_object_set_new(types, ev.type, json_true());
        }
        eventFree(&ev);
        n++;
        s += len + 1;
    }
    if (rc == 0) printf("events %zu dids %zu types %zu\n", n, dids, json_object_size(types));
    json_decref(ids), json_decref(types), json_decref(byDid);
    for (size_t i = 0; i < ix->n; i++) webvhFree(logs[i]);
    free(logs);
    free(last);
    bufFree(&b);
    return rc;
}

static int seedLogs(const seedIndex *ix, const char *witKey) {
    char err[ERR_MAX];
    edKey wk;
    if (keyFileRead(witKey, &wk, err) < 0) { fprintf(stderr, "%s\n", err); return 2; }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < ix->n; i++) {
        webvhLog *l = genesisOf(ix, &ix->it[i], err);
        json_t *wf = json_array(), *p = l ? webvhWitnessSign(l->e[0].versionId, wk.sk, "2025-01-01T00:00:00Z", err) : NULL;
        webvhResult r;
        webvhOpts o = {.did = ix->it[i].did, .witnessProofs = wf};
        if (!p || webvhWitnessAdd(wf, l->e[0].versionId, p, err) < 0) { fprintf(stderr, "%s: %s\n", ix->it[i].did, err); rc = 1; }
        else if (webvhVerify(l, &o, &r) < 0) { fprintf(stderr, "%s: %s\n", ix->it[i].did, r.error); rc = 1; }
        json_decref(p);   /* webvhWitnessAdd keeps its own reference */
        json_decref(wf);
        webvhFree(l);
    }
    edKeyWipe(&wk);
    if (!rc) printf("logs %zu\n", ix->n);
    return rc;
}

typedef struct pub {
    webvhLog *log;
    const seedItem *it;
} pub;

/* appendEvents: one entry per event of this DID (at most 3), state.event = the event
 * (either form: its DID and time are "did"/"time" or a credential's issuer/validFrom). */
static int appendEvents(pub *p, json_t *events, const edKey *k, char *err) {
    size_t i, n = 0;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        const char *did = eventDid(ev), *t = jsonGetStr(ev, eventIsCredential(ev) ? "validFrom" : "time");
        if (!did || !t || strcmp(did, p->it->did) || n == 3) continue;
        json_t *st = json_deep_copy(webvhHead(p->log)->state), *params = json_object();
        json_object_set(st, "event", ev);
        int rc = webvhAppend(p->log, st, params, t, k->sk, NULL, err);
        json_decref(st), json_decref(params);
        if (rc < 0) return -1;
        n++;
    }
    return 0;
}

static int writeOut(const char *out, const char *rel, const void *d, size_t n, char *err) {
    char path[SEED_PATH_MAX], dir[SEED_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", out, rel);
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = 0;
    if (fileMkdirs(dir, 0755, err) < 0) return -1;
    return fileWrite(path, d, n, 0644, err);
}

/* publish: the page tests' stand-in for what the worker publishes, from seed data (see
 * fixturePublish in test-tool.h). */
static int publish(const seedIndex *ix, const char *evFile, const char *keyFile, const char *out, size_t K) {
    char err[ERR_MAX];
    edKey k;
    buf b = BUF_INIT;
    if (keyFileRead(keyFile, &k, err) < 0 || fileRead(evFile, 1u << 30, &b, err) < 0) { fprintf(stderr, "%s\n", err); return 2; }
    json_t *events = json_array();
    for (const char *s = (const char *)b.p, *end = s + b.len; s < end;) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
        if (len) json_array_append_new(events, jsonParse(s, len, 0, 32, NULL));
        s += len + 1;
    }
    if (K > ix->n) K = ix->n;
    pub *p = calloc(K, sizeof *p);
    size_t leaves = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < K; i++) {
        p[i].it = &ix->it[i];
        if (!(p[i].log = genesisOf(ix, p[i].it, err)) || appendEvents(&p[i], events, &k, err) < 0) {
            fprintf(stderr, "%s: %s\n", ix->it[i].did, err);
            rc = 1;
        } else leaves += p[i].log->n - 1;
    }
    merkleTree *t = rc == 0 ? merkleNew(leaves, err) : NULL;
    size_t li = 0;
    for (size_t i = 0; t && i < K; i++)
        for (size_t e = 0; e + 1 < p[i].log->n; e++) {
            size_t len;
            const char *line = webvhLine(p[i].log, e, &len);
            merkleSetLeaf(t, li++, line, len);
        }
    if (t) merkleSeal(t);
    anchorProof ap = {.treeSize = leaves, .batchId = 0, .chainId = 31337, .blockNumber = 7};
    memset(ap.contract, 0x5a, 20);
    memset(ap.txHash, 0xab, 32);
    if (t) memcpy(ap.root, merkleRoot(t), 32);
    li = 0;
    for (size_t i = 0; t && rc == 0 && i < K; i++) {
        witnessFile w = {0};
        w.did = strdup(p[i].it->did);
        for (size_t e = 0; e + 1 < p[i].log->n; e++, li++) {
            snprintf(ap.versionId, sizeof ap.versionId, "%s", p[i].log->e[e].versionId);
            ap.versionNumber = e + 1, ap.leafIndex = li;
            memcpy(ap.leafHash, merkleLeaf(t, li), 32);
            merkleProof(t, li, ap.proof, &ap.proofLen, err);
            if (witnessAdd(&w, &ap, err) < 0) rc = 1;
        }
        buf wj = BUF_INIT;
        char rel[SEED_PATH_MAX];
        snprintf(rel, sizeof rel, "%s", p[i].it->log + 7);          /* strip "public/" */
        if (rc == 0 && writeOut(out, rel, p[i].log->text.p, p[i].log->text.len, err) < 0) rc = 1;
        strcpy(strrchr(rel, '/') + 1, "witness.json");
        if (rc == 0 && (witnessDump(&w, &wj, err) < 0 || writeOut(out, rel, wj.p, wj.len, err) < 0)) rc = 1;
        bufFree(&wj);
        witnessFree(&w);
    }
    if (t && rc == 0) {
        char root[65], snap[400];
        hexEncode(ap.root, 32, root);
        int n = snprintf(snap, sizeof snap, "{\"anchors\":[{\"batchId\":0,\"blockNumber\":7,\"root\":\"%s\",\"txHash\":\"0x%s\"}],"
                         "\"chainId\":31337,\"contract\":\"0x5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a\"}\n", root,
                         "abababababababababababababababababababababababababababababababab");
        if (writeOut(out, "anchors.json", snap, (size_t)n, err) < 0) rc = 1;
    }
    if (rc) fprintf(stderr, "publish: %s\n", err);
    else printf("published %zu DIDs, %zu anchored entries, %zu pending\n", K, leaves, K);
    for (size_t i = 0; i < K; i++) webvhFree(p[i].log);
    free(p);
    merkleFree(t);
    json_decref(events);
    bufFree(&b);
    edKeyWipe(&k);
    return rc;
}

int fixturePublish(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage: test-tool fixture publish DIR EVENTS PUBKEY OUT K\n"); return 2; }
    seedIndex ix;
    char err[ERR_MAX];
    if (seedIndexLoad(argv[1], &ix, err) < 0) { fprintf(stderr, "%s\n", err); return 2; }
    int rc = publish(&ix, argv[2], argv[3], argv[4], (size_t)atol(argv[5]));
    seedIndexFree(&ix);
    return rc;
}

int cmdSeedCheck(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: test-tool seed-check register DIR | events DIR FILE | logs DIR WITNESSKEY\n"); return 2; }
    seedIndex ix;
    char err[ERR_MAX];
    if (seedIndexLoad(argv[2], &ix, err) < 0) { fprintf(stderr, "%s\n", err); return 2; }
    int rc = !strcmp(argv[1], "register") ? seedRegister(&ix)
           : !strcmp(argv[1], "events") && argc > 3 ? seedEvents(&ix, argv[3])
           : !strcmp(argv[1], "logs") && argc > 3 ? seedLogs(&ix, argv[3]) : 2;
    seedIndexFree(&ix);
    return rc;
}
