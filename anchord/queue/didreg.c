/* didreg.c -- the Redis-backed DID registry (assertion keys and log head per SCID). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <sodium.h>
#include "core/err.h"
#include "core/fnv.h"
#include "core/hex.h"
#include "core/json.h"
#include "core/jcs.h"
#include "core/edsigner.h"
#include "core/io/clock.h"
#include "anchord/queue/didreg.h"

static int copyStr(char *dst, size_t cap, const char *src, const char *what, char *err) {
    if (!src) { dst[0] = 0; return 0; }
    if (strlen(src) >= cap) return errSet(err, "did registry: %s too long", what);
    memcpy(dst, src, strlen(src) + 1);
    return 0;
}

int didregGet(queue *q, const char *scid, didInfo *out, char *err) {
    char k[256];
    json_t *h = NULL;
    memset(out, 0, sizeof *out);
    queueKey(q, queueShardOf(q, scid), "did", scid, NULL, k, sizeof k);
    int rc = queueHgetall(q, k, &h, err);
    if (rc <= 0) return rc;
    const char *keys = jsonGetStr(h, "keys");
    json_t *arr = keys ? jsonParse(keys, strlen(keys), 1 << 16, 8, NULL) : NULL;
    rc = 1;
    if (copyStr(out->did, sizeof out->did, jsonGetStr(h, "did"), "did", err) < 0 ||
        copyStr(out->versionId, sizeof out->versionId, jsonGetStr(h, "versionId"), "versionId", err) < 0 ||
        copyStr(out->etag, sizeof out->etag, jsonGetStr(h, "etag"), "etag", err) < 0 ||
        copyStr(out->logSha, sizeof out->logSha, jsonGetStr(h, "logSha"), "logSha", err) < 0 ||
        copyStr(out->wjSha, sizeof out->wjSha, jsonGetStr(h, "wjSha"), "wjSha", err) < 0 ||
        copyStr(out->dwSha, sizeof out->dwSha, jsonGetStr(h, "dwSha"), "dwSha", err) < 0 ||
        copyStr(out->mac, sizeof out->mac, jsonGetStr(h, "mac"), "mac", err) < 0) rc = DIDREG_DAMAGED;
    else if (!out->did[0] || !json_is_array(arr)) {
        errSet(err, "did registry: record %s is damaged", k);
        rc = DIDREG_DAMAGED;
    }
    if (rc == 1) {
        const char *sz = jsonGetStr(h, "size"), *vb = jsonGetStr(h, "vbase");
        out->size = sz ? strtoll(sz, NULL, 10) : 0;
        out->vbase = vb ? strtoll(vb, NULL, 10) : 0;
    }
    size_t i;
    json_t *e;
    if (rc == 1) json_array_foreach(arr, i, e) {
        if (out->nkeys == DOC_MAX_KEYS) break;
        docKey *dk = &out->keys[out->nkeys];
        if (copyStr(dk->vm, sizeof dk->vm, jsonGetStr(e, "id"), "key id", err) < 0 ||
            copyStr(dk->mk, sizeof dk->mk, jsonGetStr(e, "publicKeyMultibase"), "key", err) < 0) {
            rc = DIDREG_DAMAGED;
            break;
        }
        if (dk->vm[0] && dk->mk[0]) out->nkeys++;
    }
    json_decref(arr);
    json_decref(h);
    return rc;
}

int didregPut(queue *q, const char *scid, const didInfo *info, char *err) {
    return didregPutMany(q, 1, &scid, &info, err);
}

int didregPutMany(queue *q, size_t n, const char *const *scids, const didInfo *const *infos, char *err) {
    char (*keys)[256] = calloc(n ? n : 1, 256);
    char **kj = calloc(n ? n : 1, sizeof *kj);
    char (*nums)[2][24] = calloc(n ? n : 1, sizeof *nums);
    const char **kp = calloc(n ? n : 1, sizeof *kp), **kv = calloc(n ? n * 20 : 1, sizeof *kv);
    int rc = keys && kj && nums && kp && kv ? 0 : errSet(err, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const didInfo *in = infos[i];
        json_t *arr = json_array();
        for (size_t k = 0; arr && k < in->nkeys; k++)
            json_array_append_new(arr, json_pack("{s:s,s:s}", "id", in->keys[k].vm, "publicKeyMultibase", in->keys[k].mk));
        kj[i] = arr ? jcsDump(arr, NULL, err) : NULL;
        json_decref(arr);
        if (!kj[i]) { rc = errSet(err, "did registry: cannot encode keys"); break; }
        queueKey(q, queueShardOf(q, scids[i]), "did", scids[i], NULL, keys[i], 256);
        kp[i] = keys[i];
        snprintf(nums[i][0], sizeof nums[i][0], "%lld", in->size);
        snprintf(nums[i][1], sizeof nums[i][1], "%lld", in->vbase);
        const char *f[] = {"did", in->did, "versionId", in->versionId, "etag", in->etag, "keys", kj[i],
                           "logSha", in->logSha, "wjSha", in->wjSha, "dwSha", in->dwSha, "mac", in->mac,
                           "size", nums[i][0], "vbase", nums[i][1]};
        memcpy(&kv[i * 20], f, sizeof f);
    }
    if (rc == 0) rc = queueHsetMany(q, n, kp, kv, 20, err);
    for (size_t i = 0; kj && i < n; i++) free(kj[i]);
    free(keys); free(kj); free(nums); free(kp); free(kv);
    return rc;
}

int didregMacKey(const edSigner *pub, uint8_t key[DIDREG_MAC_KEY], char *err) {
    static const char label[] = "witness-anchor: registry mac key v1";   /* never a log entry's 64-byte hashData */
    uint8_t sig[ED_SIG_LEN];
    if (sodium_init() < 0) return errSet(err, "libsodium: cannot initialise");
    if (edSignerSign(pub, (const uint8_t *)label, sizeof label - 1, sig, err) < 0) return -1;
    crypto_generichash(key, DIDREG_MAC_KEY, sig, sizeof sig, (const uint8_t *)"waregmac", 8);
    sodium_memzero(sig, sizeof sig);
    return 0;
}

/* macOf: the raw mac of the record's fields, each NUL-terminated (unambiguous). */
static void macOf(const uint8_t key[DIDREG_MAC_KEY], const char *scid, const didInfo *in, uint8_t out[32]) {
    crypto_generichash_state st;
    const char *f[] = {scid, in->versionId, in->logSha, in->wjSha, in->dwSha};
    crypto_generichash_init(&st, key, DIDREG_MAC_KEY, 32);
    for (size_t i = 0; i < 5; i++) crypto_generichash_update(&st, (const uint8_t *)f[i], strlen(f[i]) + 1);
    crypto_generichash_final(&st, out, 32);
}

void didregMac(const uint8_t key[DIDREG_MAC_KEY], const char *scid, didInfo *in) {
    uint8_t m[32];
    macOf(key, scid, in, m);
    hexEncode(m, 32, in->mac);
}

int didregMacOk(const uint8_t key[DIDREG_MAC_KEY], const char *scid, const didInfo *in) {
    uint8_t m[32], got[32];
    if (strlen(in->mac) != 64 || hexDecode(in->mac, got, 32) < 0) return 0;
    macOf(key, scid, in, m);
    return sodium_memcmp(m, got, 32) == 0;
}

static int lookupRedis(const didRegistry *r, queue *q, const char *scid, didInfo *out, char *err) {
    return didregGet(q, scid, out, err);
}

const didRegistry didregRedis = {lookupRedis, NULL};

/* ---- the ingest cache ---- */

#define CACHE_SLOTS 1024

typedef struct cacheSlot {
    long long until;      /* ms; 0 = empty */
    char scid[64];
    didInfo info;
} cacheSlot;

typedef struct cache {
    didRegistry reg;      /* first: the didRegistry * handed out points here */
    const didRegistry *inner;
    long long ttlMs;
    pthread_mutex_t mu;
    cacheSlot *slots;
} cache;

/* slotOf: the cache slot of a SCID. */
static size_t slotOf(const char *scid) { return fnv1a32(scid) % CACHE_SLOTS; }

static int cachedLookup(const didRegistry *r, queue *q, const char *scid, didInfo *out, char *err) {
    cache *c = (cache *)r;
    cacheSlot *s = &c->slots[slotOf(scid)];
    long long now = (long long)clockMonoMs();
    int hit = 0;
    pthread_mutex_lock(&c->mu);
    if (s->until > now && !strcmp(s->scid, scid)) { *out = s->info; hit = 1; }
    pthread_mutex_unlock(&c->mu);
    if (hit) return 1;
    int rc = c->inner->lookup(c->inner, q, scid, out, err);
    if (rc == 1 && strlen(scid) < sizeof s->scid) {   /* unknown DIDs are not cached: registration shows at once */
        pthread_mutex_lock(&c->mu);
        s->info = *out;
        strcpy(s->scid, scid);
        s->until = now + c->ttlMs;
        pthread_mutex_unlock(&c->mu);
    }
    return rc;
}

didRegistry *didregCache(const didRegistry *inner, long long ttlMs) {
    cache *c = calloc(1, sizeof *c);
    if (!c || !(c->slots = calloc(CACHE_SLOTS, sizeof *c->slots))) { free(c); return NULL; }
    c->reg.lookup = cachedLookup;
    c->reg.ctx = c;
    c->inner = inner;
    c->ttlMs = ttlMs;
    pthread_mutex_init(&c->mu, NULL);
    return &c->reg;
}

void didregCacheFree(didRegistry *r) {
    cache *c = (cache *)r;
    if (!c) return;
    pthread_mutex_destroy(&c->mu);
    free(c->slots);
    free(c);
}
