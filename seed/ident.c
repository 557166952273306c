/* ident.c -- generate identities: keys, DID documents, genesis logs and the index, in parallel. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "core/jcs.h"
#include "core/json.h"
#include "core/multiformat.h"
#include "core/rfc3339.h"
#include "didlog/didurl.h"
#include "core/io/file.h"
#include "didlog/key.h"
#include "didlog/webvh.h"
#include "seed/ident.h"
#include "seed/product.h"
#include "seed/rng.h"

typedef struct genCtx {
    const identOpts *o;
    const productProfile *prof;
    const char *tmpl;            /* DID template */
    char time[RFC3339_MAX];
    json_t *params;              /* genesis parameters (shared, read-only) */
    json_t **items;              /* count * nkinds index objects */
    long long next;              /* next group to build */
    pthread_mutex_t mu;
    int failed;
    char err[ERR_MAX];
} genCtx;

/* stateFor: the genesis DID document (with the {SCID} placeholder). */
static json_t *stateFor(const char *tmpl, const char *mk, json_t *product, const char *parentDid) {
    char vm[SEED_DID_MAX + 8], part[SEED_DID_MAX + 16];
    snprintf(vm, sizeof vm, "%s#key-1", tmpl);
    json_t *st = json_pack("{s:[s,s], s:s, s:[{s:s,s:s,s:s,s:s}], s:[s], s:O}", "@context",
                           "https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1", "id", tmpl,
                           "verificationMethod", "id", vm, "type", "Multikey", "controller", tmpl,
                           "publicKeyMultibase", mk, "assertionMethod", vm, "product", product);
    if (st && parentDid) {
        snprintf(part, sizeof part, "%s#part-of", tmpl);
        json_object_set_new(st, "service", json_pack("[{s:s,s:s,s:s}]", "id", part, "type", "IsPartOf",
                                                     "serviceEndpoint", parentDid));
    }
    return st;
}

/* itemCreate: key, genesis log and index object of one DID; its DID into did. */
static json_t *itemCreate(genCtx *g, int kindIx, long long n, json_t *product, const char *parentDid,
                          char did[SEED_DID_MAX], char *err) {
    const identOpts *o = g->o;
    const char *kind = g->prof->kinds[kindIx];
    uint8_t sd[32];
    edKey k;
    rngKeySeed(o->meta.seed, kind, (uint64_t)n, sd);
    edKeyFromSeed(sd, &k);
    sodium_memzero(sd, sizeof sd);
    char mk[MULTIKEY_PUB_MAX], scid[WEBVH_SCID_LEN + 1], path[SEED_PATH_MAX], rel[SEED_PATH_MAX], vm[SEED_DID_MAX + 8];
    mkEncodeEd25519Pub(k.pk, mk);
    json_t *st = stateFor(g->tmpl, mk, product, parentDid), *obj = NULL;
    buf line = BUF_INIT;
    json_t *params = json_deep_copy(g->params);   /* jansson refcounts are not shared across threads */
    webvhLog *log = st && params ? webvhCreate(st, params, g->time, o->publisher->sk, &line, err) : NULL;
    json_decref(params);
    if (!st || !params) errSet(err, "out of memory");
    if (!log) goto out;
    snprintf(did, SEED_DID_MAX, "%s", webvhHead(log)->did);
    snprintf(vm, sizeof vm, "%s#key-1", did);
    if (didScidOf(did, scid) < 0) { errSet(err, "%s: no SCID", did); goto out; }
    snprintf(path, sizeof path, "%s/keys/%s.json", o->outDir, scid);
    if (keyFileWrite(path, &k, err) < 0) goto out;
    if (snprintf(rel, sizeof rel, "public/%s/%s", o->meta.prefix, scid) >= (int)sizeof rel ||
        snprintf(path, sizeof path, "%s/%s", o->outDir, rel) >= (int)sizeof path) {
        errSet(err, "output path too long");
        goto out;
    }
    if (fileMkdirs(path, 0755, err) < 0) goto out;
    strncat(path, "/did.jsonl", sizeof path - strlen(path) - 1);
    if (fileWrite(path, line.p, line.len, 0644, err) < 0) goto out;
    char keyRel[128];
    snprintf(keyRel, sizeof keyRel, "keys/%s.json", scid);
    strncat(rel, "/did.jsonl", sizeof rel - strlen(rel) - 1);
    obj = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:{}}", "n", (json_int_t)n, "kind", kind, "did", did,
                    "scid", scid, "vm", vm, "key", keyRel, "log", rel, "product", product, "links");
    if (!obj) errSet(err, "out of memory");
out:
    edKeyWipe(&k);
    webvhFree(log);
    json_decref(st);
    bufFree(&line);
    return obj;
}

/* groupCreate: the DIDs of group n; parts are made after kind 0 and link to it. */
static int groupCreate(genCtx *g, long long n, char *err) {
    json_t *prod[PRODUCT_KINDS_MAX];
    if (productGroup(g->prof, g->o->meta.seed, n, prod) < 0) return errSet(err, "out of memory");
    json_t **out = g->items + n * g->prof->nkinds;
    char first[SEED_DID_MAX], did[SEED_DID_MAX];
    int rc = 0;
    for (int k = 0; k < g->prof->nkinds && rc == 0; k++) {
        const char *parent = g->prof->partsOfFirst && k > 0 ? first : NULL;
        if (!(out[k] = itemCreate(g, k, n, prod[k], parent, k ? did : first, err))) rc = -1;
        else if (parent) {   /* the index links both ways; the DID documents point part -> whole */
            json_object_set_new(json_object_get(out[k], "links"), g->prof->kinds[0], json_string(first));
            json_object_set_new(json_object_get(out[0], "links"), g->prof->kinds[k], json_string(did));
        }
    }
    for (int k = 0; k < g->prof->nkinds; k++) json_decref(prod[k]);
    return rc;
}

static void *worker(void *arg) {
    genCtx *g = arg;
    char err[ERR_MAX];
    for (;;) {
        pthread_mutex_lock(&g->mu);
        long long n = g->failed || g->next >= g->o->meta.count ? -1 : g->next++;
        pthread_mutex_unlock(&g->mu);
        if (n < 0) return NULL;
        if (groupCreate(g, n, err) < 0) {
            pthread_mutex_lock(&g->mu);
            if (!g->failed++) snprintf(g->err, sizeof g->err, "group %lld: %.200s", n, err);
            pthread_mutex_unlock(&g->mu);
        }
    }
}

/* writeIndex: index.jsonl (JCS lines, group order) and seed.json. */
static int writeIndex(genCtx *g, size_t n, char *err) {
    buf b = BUF_INIT;
    char path[SEED_PATH_MAX];
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (jcsAppend(g->items[i], &b, err) < 0 || bufPutc(&b, '\n') < 0) rc = -1;
    snprintf(path, sizeof path, "%s/index.jsonl", g->o->outDir);
    if (rc == 0) rc = fileWrite(path, b.p, b.len, 0644, err);
    bufReset(&b);
    json_t *m = seedMetaJson(&g->o->meta);
    snprintf(path, sizeof path, "%s/seed.json", g->o->outDir);
    if (rc == 0 && (!m || jcsAppend(m, &b, err) < 0 || bufPutc(&b, '\n') < 0)) rc = -1;
    if (rc == 0) rc = fileWrite(path, b.p, b.len, 0644, err);
    json_decref(m);
    bufFree(&b);
    return rc;
}

int identGenerate(const identOpts *o, size_t *ndids, char *err) {
    const productProfile *prof = productProfileByName(o->meta.profile);
    if (!prof) return errSet(err, "unknown profile %s (dpp, iot)", o->meta.profile);
    char path[SEED_PATH_MAX];
    snprintf(path, sizeof path, "%s/seed.json", o->outDir);
    if (access(path, F_OK) == 0) return errSet(err, "%s exists: choose a new --out directory", path);
    snprintf(path, sizeof path, "%s/keys", o->outDir);
    if (fileMkdirs(o->outDir, 0755, err) < 0 || fileMkdirs(path, 0700, err) < 0) return -1;
    buf tmpl = BUF_INIT;
    if (didTemplate(o->meta.domain, o->meta.prefix, 0, &tmpl, err) < 0) { bufFree(&tmpl); return -1; }
    size_t n = (size_t)o->meta.count * (size_t)prof->nkinds;
    genCtx g = {.o = o, .prof = prof, .tmpl = (const char *)tmpl.p, .items = calloc(n, sizeof(json_t *))};
    rfc3339Format(o->meta.time, g.time);
    g.params = json_pack("{s:[s], s:{s:i, s:[{s:s}]}}", "updateKeys", o->meta.publisher, "witness", "threshold", 1,
                         "witnesses", "id", o->meta.witness);
    pthread_mutex_init(&g.mu, NULL);
    int jobs = o->jobs < 1 ? 1 : o->jobs > 64 ? 64 : o->jobs, started = 0;
    pthread_t th[64];
    if (g.items && g.params)
        for (; started < jobs; started++)
            if (pthread_create(&th[started], NULL, worker, &g)) break;
    if (!started) g.failed = 1, snprintf(g.err, sizeof g.err, "cannot start worker threads");
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    int rc = g.failed ? errSet(err, "%s", g.err) : writeIndex(&g, n, err);
    for (size_t i = 0; g.items && i < n; i++) json_decref(g.items[i]);
    free(g.items);
    json_decref(g.params);
    pthread_mutex_destroy(&g.mu);
    bufFree(&tmpl);
    if (rc == 0) *ndids = n;
    return rc;
}
