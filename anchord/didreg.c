/* didreg.c -- the Redis-backed DID registry (assertion keys and log head per SCID). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "core/err.h"
#include "core/json.h"
#include "core/jcs.h"
#include "anchord/didreg.h"

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
        copyStr(out->etag, sizeof out->etag, jsonGetStr(h, "etag"), "etag", err) < 0) rc = -1;
    else if (!out->did[0] || !json_is_array(arr)) rc = errSet(err, "did registry: record %s is damaged", k);
    size_t i;
    json_t *e;
    if (rc == 1) json_array_foreach(arr, i, e) {
        if (out->nkeys == DIDREG_MAX_KEYS) break;
        didKey *dk = &out->keys[out->nkeys];
        if (copyStr(dk->vm, sizeof dk->vm, jsonGetStr(e, "id"), "key id", err) < 0 ||
            copyStr(dk->multikey, sizeof dk->multikey, jsonGetStr(e, "publicKeyMultibase"), "key", err) < 0) {
            rc = -1;
            break;
        }
        if (dk->vm[0] && dk->multikey[0]) out->nkeys++;
    }
    json_decref(arr);
    json_decref(h);
    return rc;
}

int didregPut(queue *q, const char *scid, const didInfo *info, char *err) {
    char k[256];
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < info->nkeys; i++)
        json_array_append_new(arr, json_pack("{s:s,s:s}", "id", info->keys[i].vm,
                                             "publicKeyMultibase", info->keys[i].multikey));
    char *keys = arr ? jcsDump(arr, NULL, err) : NULL;
    json_decref(arr);
    if (!keys) return errSet(err, "did registry: cannot encode keys");
    queueKey(q, queueShardOf(q, scid), "did", scid, NULL, k, sizeof k);
    const char *kv[] = {"did", info->did, "versionId", info->versionId, "etag", info->etag, "keys", keys};
    int rc = queueHset(q, k, kv, 8, err);
    free(keys);
    return rc;
}

int didregPutMany(queue *q, size_t n, const char *const *scids, const didInfo *const *infos, char *err) {
    char (*keys)[256] = calloc(n ? n : 1, 256);
    char **kj = calloc(n ? n : 1, sizeof *kj);
    const char **kp = calloc(n ? n : 1, sizeof *kp), **kv = calloc(n ? n * 8 : 1, sizeof *kv);
    int rc = keys && kj && kp && kv ? 0 : errSet(err, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const didInfo *in = infos[i];
        json_t *arr = json_array();
        for (size_t k = 0; arr && k < in->nkeys; k++)
            json_array_append_new(arr, json_pack("{s:s,s:s}", "id", in->keys[k].vm, "publicKeyMultibase", in->keys[k].multikey));
        kj[i] = arr ? jcsDump(arr, NULL, err) : NULL;
        json_decref(arr);
        if (!kj[i]) { rc = errSet(err, "did registry: cannot encode keys"); break; }
        queueKey(q, queueShardOf(q, scids[i]), "did", scids[i], NULL, keys[i], 256);
        kp[i] = keys[i];
        const char *f[] = {"did", in->did, "versionId", in->versionId, "etag", in->etag, "keys", kj[i]};
        memcpy(&kv[i * 8], f, sizeof f);
    }
    if (rc == 0) rc = queueHsetMany(q, n, kp, kv, 8, err);
    for (size_t i = 0; kj && i < n; i++) free(kj[i]);
    free(keys); free(kj); free(kp); free(kv);
    return rc;
}

static int lookupRedis(const didRegistry *r, queue *q, const char *scid, didInfo *out, char *err) {
    return didregGet(q, scid, out, err);
}

const didRegistry didregRedis = {lookupRedis, NULL};
