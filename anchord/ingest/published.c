/* published.c -- an anchored event's status from its DID's published files (published.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "core/err.h"
#include "core/fnv.h"
#include "core/hex.h"
#include "core/json.h"
#include "didlog/webvh.h"
#include "verifier/event/docevent.h"
#include "verifier/proof/witness.h"
#include "anchord/store/store.h"
#include "anchord/ingest/published.h"

/* One cached answer. */
typedef struct pslot {
    char scid[64], id[160];          /* "" = empty */
    char versionId[WITNESS_VID_MAX];
    unsigned long long batchId;
    char txHash[67];
} pslot;

struct published {
    const config *cfg;
    pthread_mutex_t mu;              /* the store handle and the cache */
    store *st;                       /* NULL until the first lookup */
    pslot slot[PUBLISHED_SLOTS];
};

published *publishedNew(const config *cfg) {
    published *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->cfg = cfg;
    pthread_mutex_init(&p->mu, NULL);
    return p;
}

void publishedFree(published *p) {
    if (!p) return;
    storeClose(p->st);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

/* objKey: "<prefix>/<scid>/<name>" (the bucket layout, docs/formats.md). */
static void objKey(const published *p, const char *scid, const char *name, char *out, size_t cap) {
    if (p->cfg->prefix[0]) snprintf(out, cap, "%s/%s/%s", p->cfg->prefix, scid, name);
    else snprintf(out, cap, "%s/%s", scid, name);
}

/* fetch: key's body into b. 1 found, 0 absent, -1 + err. Called with p->mu held. */
static int fetch(published *p, const char *key, size_t max, buf *b, char *err) {
    char e[ERR_MAX];
    if (!p->st) {
        storeOpts so = {(int)p->cfg->storeParallel, (int)p->cfg->storeRetries, (int)p->cfg->storeTrace};
        if (!(p->st = storeOpen(p->cfg->store, &so, e))) return errSet(err, "store: %s", e);
    }
    int rc = storeGet(p->st, key, max, b, NULL, e);
    if (rc == STORE_OK) return 1;
    if (rc == STORE_NOTFOUND) return 0;
    if (rc == STORE_TOOLARGE) return errSet(err, "%s is larger than %zu bytes", key, max);
    return errSet(err, "store: %s", e);
}

/* lookup: fill s (scid and id set) from the published files. 1 / 0 / -1 as publishedStatus.
 * Called with p->mu held. */
static int lookup(published *p, pslot *s, char *err) {
    char key[STORE_KEY_MAX];
    buf b = BUF_INIT;
    size_t max = p->cfg->didBudget > 0 ? (size_t)p->cfg->didBudget : WITNESS_MAX_BYTES;
    objKey(p, s->scid, "did.jsonl", key, sizeof key);
    int rc = fetch(p, key, max, &b, err);
    webvhLog *log = NULL;
    if (rc == 1 && !(log = webvhParse(b.p ? (const char *)b.p : "", b.len, err))) rc = -1;
    bufFree(&b);
    const char *vid = NULL;
    for (size_t i = 0; rc == 1 && log && i < log->n && !vid; i++) {
        const char *eid = docEventId(json_object_get(log->e[i].obj, "state"));   /* only split, not checked */
        if (eid && !strcmp(eid, s->id)) vid = jsonGetStr(log->e[i].obj, "versionId");
    }
    if (rc == 1 && !vid) rc = 0;
    if (rc == 1 && strlen(vid) >= sizeof s->versionId) rc = errSet(err, "%s: versionId too long", key);
    if (rc == 1) snprintf(s->versionId, sizeof s->versionId, "%s", vid);
    webvhFree(log);
    if (rc != 1) return rc;
    objKey(p, s->scid, "witness.json", key, sizeof key);
    if ((rc = fetch(p, key, WITNESS_MAX_BYTES, &b, err)) != 1) { bufFree(&b); return rc; }
    witnessFile w = {0};
    if (witnessParse(b.p ? (const char *)b.p : "", b.len, &w, err) < 0) rc = -1;
    bufFree(&b);
    const anchorProof *a = rc == 1 ? witnessFind(&w, s->versionId) : NULL;
    if (rc == 1 && !a) rc = 0;
    if (a) {
        s->batchId = (unsigned long long)a->batchId;
        s->txHash[0] = '0', s->txHash[1] = 'x';
        hexEncode(a->txHash, 32, s->txHash + 2);
    }
    witnessFree(&w);
    return rc;
}

int publishedStatus(published *p, const char *scid, const char *id, json_t **out, char *err) {
    *out = NULL;
    if (strlen(scid) >= sizeof p->slot[0].scid || strlen(id) >= sizeof p->slot[0].id) return 0;
    char k[256];
    snprintf(k, sizeof k, "%s/%s", scid, id);
    pthread_mutex_lock(&p->mu);
    pslot *s = &p->slot[fnv1a32(k) % PUBLISHED_SLOTS], got = {0};
    int rc = 1;
    if (strcmp(s->scid, scid) || strcmp(s->id, id)) {
        strcpy(got.scid, scid);
        strcpy(got.id, id);
        if ((rc = lookup(p, &got, err)) == 1) *s = got;
    } else got = *s;
    pthread_mutex_unlock(&p->mu);
    if (rc != 1) return rc;
    char bid[24];
    snprintf(bid, sizeof bid, "%llu", got.batchId);
    char wk[STORE_KEY_MAX];
    objKey(p, scid, "witness.json", wk, sizeof wk);
    if (!(*out = json_pack("{s:s,s:s,s:s,s:s,s:s}", "status", "anchored", "versionId", got.versionId, "batchId", bid,
                           "txHash", got.txHash, "witness", wk)))
        return errSet(err, "out of memory");
    return 1;
}
