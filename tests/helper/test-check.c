/* test-check.c -- `test-tool check`: verify every DID folder and manifest in WA_STORE, as
 * a reader would (tests/integration/pipeline*.sh, fault_*, redteam_*, load, bench):
 *   - each batches/<id>.json rebuilds its root from its leaves;
 *   - each <prefix>/<scid>/did.jsonl verifies (did:webvh, with did-witness.json's proofs),
 *     every version has an anchor proof in witness.json whose leaf hash and RFC 9162 proof
 *     give the root, and the batch manifest names the same leaf, version and transaction;
 *   - no event id is in two entries of a log.
 * Prints "batch ID ROOT" per manifest, "event SCID ID" per event, then
 * "summary dids=N entries=N batches=N staging=N failures=N"; one "check: ..." line on
 * stderr per failure. Exit 0 all good, 1 a check failed, 2 setup. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/hex.h"
#include "core/json.h"
#include "didlog/webvh.h"
#include "verifier/proof/manifest.h"
#include "verifier/proof/witness.h"
#include "anchord/store/store.h"
#include "tests/helper/test-tool.h"

static const config *cfg;

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
        const char *eid = docEventId(log->e[i].state);   /* either form: a credential's UUID */
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

int cmdCheck(int argc, char **argv) {
    char err[ERR_MAX];
    if (argc != 1) { fprintf(stderr, "usage: test-tool check\n"); return 2; }
    cfg = ttConfig();
    storeOpts so = {(int)cfg->storeParallel, (int)cfg->storeRetries, (int)cfg->storeTrace};
    store *st = storeOpen(cfg->store, &so, err);
    if (!st) ttDie("store", err);
    keyList all = {0};
    if (storeList(st, "", collect, &all, err) != STORE_OK) ttDie("list", err);
    buf b = BUF_INIT;
    objs = calloc(all.n + 1, sizeof *objs);
    for (size_t i = 0; i < all.n; i++) {
        if (!strncmp(all.k[i], STORE_INTERNAL, strlen(STORE_INTERNAL)) || !strncmp(all.k[i], "staging/", 8)) continue;
        objs[nobjs].key = all.k[i];
        objs[nobjs++].max = (size_t)1 << 30;
    }
    if (storeGetMany(st, objs, nobjs, err) < 0) ttDie("get", err);
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
    size_t plen = strlen(cfg->prefix);
    for (size_t i = 0; i < all.n; i++) {
        const char *k = all.k[i];
        if (!strncmp(k, STORE_INTERNAL "staging/", strlen(STORE_INTERNAL "staging/")) || !strncmp(k, "staging/", 8))
            staging++;
        size_t n = strlen(k);
        if (n < 10 || strcmp(k + n - 10, "/did.jsonl") || (plen && strncmp(k, cfg->prefix, plen))) continue;
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

