/* store.c -- the object store front: URL dispatch, key rules, headers by name, the probe. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "core/hex.h"
#include "anchord/ops/metrics.h"
#include "anchord/store/azrest.h"
#include "anchord/store/s3.h"
#include "anchord/store/store_impl.h"

int storeUrlCheck(const char *url, char *why) {
    if (!strncmp(url, "s3://", 5)) return s3UrlSplit(url + 5, NULL, NULL, why);
    if (!strncmp(url, "azblob://", 9)) return azUrlSplit(url + 9, NULL, NULL, NULL, why);
    if (!strncmp(url, "file://", 7)) return url[7] ? 0 : errSet(why, "store URL file://: needs a directory");
    return errSet(why, "store URL %.200s: want s3://bucket/prefix, azblob://account/container/prefix or file:///dir", url);
}

/* optsCheck: o (NULL: the defaults) into *out, refusing values outside their ranges. */
static int optsCheck(const storeOpts *o, storeOpts *out, char *err) {
    *out = o ? *o : (storeOpts)STORE_OPTS_DEFAULT;
    if (out->parallel < 1 || out->parallel > STORE_PARALLEL_MAX)
        return errSet(err, "store: %d requests in flight: want 1..%d", out->parallel, STORE_PARALLEL_MAX);
    if (out->retries < 0 || out->retries > STORE_RETRIES_MAX)
        return errSet(err, "store: %d retries: want 0..%d", out->retries, STORE_RETRIES_MAX);
    if (out->trace != 0 && out->trace != 1) return errSet(err, "store: trace %d: want 0 or 1", out->trace);
    return 0;
}

store *storeOpen(const char *url, const storeOpts *o, char *err) {
    if (!url || !*url) url = STORE_DEFAULT_URL;
    storeOpts opts;
    if (storeUrlCheck(url, err) < 0 || optsCheck(o, &opts, err) < 0) return NULL;
    if (sodium_init() < 0) { errSet(err, "libsodium failed to initialise"); return NULL; }
    store *s = calloc(1, sizeof *s);
    if (!s) { errSet(err, "out of memory"); return NULL; }
    s->parallel = opts.parallel;
    int rc;
    if (!strncmp(url, "s3://", 5)) rc = storeS3Open(s, url + 5, &opts, err);
    else if (!strncmp(url, "azblob://", 9)) rc = storeAzOpen(s, url + 9, &opts, err);
    else rc = storeFileOpen(s, url + 7, err);
    if (rc < 0) { free(s); return NULL; }
    return s;
}

void storeClose(store *s) {
    if (!s) return;
    s->ops->close(s);
    free(s);
}

const char *storeDescribe(const store *s) { return s->desc; }

/* endsWith: whether s ends in suffix. */
static int endsWith(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

const char *storeContentType(const char *key) {
    if (endsWith(key, ".jsonl")) return "text/jsonl";
    if (endsWith(key, ".json")) return "application/json";
    if (endsWith(key, ".html")) return "text/html; charset=utf-8";   /* the browser page (seed/www) */
    return "application/octet-stream";
}

const char *storeCacheControl(const char *key) {
    /* Batch manifests never change once written; everything else is revalidated. */
    if (!strncmp(key, "batches/", 8)) return "public, max-age=31536000, immutable";
    return "no-cache";
}

int storeKeyCheck(const char *key, char *err) {
    size_t n = strlen(key);
    if (n == 0 || n > STORE_KEY_MAX) return errSet(err, "store key: length %zu outside 1..%d", n, STORE_KEY_MAX);
    if (key[0] == '/') return errSet(err, "store key %.80s: must be relative", key);
    for (const char *p = key; *p; p++)
        if (*p <= ' ' || *p >= 127 || strchr("\\?#%\"'<>", *p))
            return errSet(err, "store key %.80s: character 0x%02x not allowed", key, (unsigned char)*p);
    for (const char *seg = key; seg; ) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if (len == 0 || (len == 1 && seg[0] == '.') || (len == 2 && !strncmp(seg, "..", 2)))
            return errSet(err, "store key %.80s: empty, '.' or '..' path segment", key);
        seg = end ? end + 1 : NULL;
    }
    return 0;
}

int storeEtagCopy(char out[STORE_ETAG_MAX], const char *p, size_t n) {
    while (n && (*p == ' ' || *p == '\t')) { p++; n--; }
    while (n && strchr(" \t\r\n", p[n - 1])) n--;
    if (n >= 2 && !strncmp(p, "W/", 2)) { p += 2; n -= 2; }
    if (n >= 2 && p[0] == '"' && p[n - 1] == '"') { p++; n -= 2; }
    if (n == 0 || n >= STORE_ETAG_MAX) return -1;
    memcpy(out, p, n);
    out[n] = 0;
    return 0;
}

int storePutManySerial(store *s, storeReq *reqs, size_t n, char *err) {
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        storeReq *r = &reqs[i];
        r->err[0] = 0;
        r->rc = s->ops->put(s, r->key, r->data, r->len, r->cond, r->ifMatch, r->etag, r->err);
        if (r->rc == STORE_ERR) failed++;
    }
    return failed;
}

/* checkCond: common argument checks for a put. */
static int checkCond(const char *key, storeCond cond, const char *ifMatch, char *err) {
    if (storeKeyCheck(key, err) < 0) return -1;
    if (cond == STORE_PUT_IF_MATCH && (!ifMatch || !*ifMatch || strlen(ifMatch) >= STORE_ETAG_MAX))
        return errSet(err, "store put %.80s: If-Match needs an ETag", key);
    if (cond < STORE_PUT_ANY || cond > STORE_PUT_IF_MATCH) return errSet(err, "store put: bad condition");
    return 0;
}

int storeGet(store *s, const char *key, size_t max, buf *body, char etag[STORE_ETAG_MAX], char *err) {
    if (etag) etag[0] = 0;
    int rc = storeKeyCheck(key, err) < 0 ? STORE_ERR : s->ops->get(s, key, max, body, etag, err);
    if (rc != STORE_OK && body) bufReset(body);     /* store.h: nothing returned but on OK */
    return rc;
}

/* putOnce: storePut without counting (the probe's conflicts are asked for, not lost races). */
static int putOnce(store *s, const char *key, const void *data, size_t len, storeCond cond, const char *ifMatch,
                   char newEtag[STORE_ETAG_MAX], char *err) {
    if (checkCond(key, cond, ifMatch, err) < 0) return STORE_ERR;
    char tmp[STORE_ETAG_MAX];
    return s->ops->put(s, key, data, len, cond, ifMatch, newEtag ? newEtag : tmp, err);
}

int storePut(store *s, const char *key, const void *data, size_t len, storeCond cond,
             const char *ifMatch, char newEtag[STORE_ETAG_MAX], char *err) {
    int rc = putOnce(s, key, data, len, cond, ifMatch, newEtag, err);
    if (rc == STORE_CONFLICT) metricsInc("s3_conflicts_total", NULL, 1);   /* the store counts (here and in storePutMany) */
    return rc;
}

int storePutMany(store *s, storeReq *reqs, size_t n, char *err) {
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        reqs[i].etag[0] = reqs[i].err[0] = 0;
        reqs[i].rc = checkCond(reqs[i].key, reqs[i].cond, reqs[i].ifMatch, reqs[i].err);
        if (reqs[i].rc < 0) bad++;
    }
    if (bad) return errSet(err, "store put-many: %d request(s) malformed, nothing sent", bad);
    int rc = s->ops->putMany(s, reqs, n, err);
    for (size_t i = 0; rc >= 0 && i < n; i++)
        if (reqs[i].rc == STORE_CONFLICT) metricsInc("s3_conflicts_total", NULL, 1);
    return rc;
}

int storeGetMany(store *s, storeGetReq *reqs, size_t n, char *err) {
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        reqs[i].etag[0] = reqs[i].err[0] = 0;
        reqs[i].rc = storeKeyCheck(reqs[i].key, reqs[i].err) < 0 ? STORE_ERR : STORE_OK;
        if (reqs[i].rc != STORE_OK) bad++;
    }
    if (bad) return errSet(err, "store get-many: %d malformed key(s), nothing sent", bad);
    int failed = 0;
    if (s->ops->getMany) failed = s->ops->getMany(s, reqs, n, err);
    else
        for (size_t i = 0; i < n; i++) {
            reqs[i].rc = s->ops->get(s, reqs[i].key, reqs[i].max, &reqs[i].body, reqs[i].etag, reqs[i].err);
            if (reqs[i].rc == STORE_ERR) failed++;
        }
    for (size_t i = 0; failed >= 0 && i < n; i++)
        if (reqs[i].rc != STORE_OK) bufReset(&reqs[i].body);
    return failed;
}

int storePing(store *s, char *err) {
    unsigned char r[8];
    char hex[17], key[64], e[ERR_MAX];
    randombytes_buf(r, sizeof r);
    hexEncode(r, sizeof r, hex);
    snprintf(key, sizeof key, STORE_INTERNAL "probe/ping-%s", hex);
    int rc = storeGet(s, key, 64, NULL, NULL, e);
    if (rc == STORE_ERR) return errSet(err, "%s", e);
    return rc == STORE_NOTFOUND ? 0 : errSet(err, "store ping: %s: a fresh random key exists", storeDescribe(s));
}

int storeList(store *s, const char *prefix, storeListFn *fn, void *ctx, char *err) {
    if (!prefix) prefix = "";
    if (strlen(prefix) > STORE_KEY_MAX) return errSet(err, "store list: prefix too long");
    return s->ops->list(s, prefix, fn, ctx, err);
}

int storeDelete(store *s, const char *key, char *err) {
    if (storeKeyCheck(key, err) < 0) return STORE_ERR;
    return s->ops->del(s, key, err);
}

int storeSetCors(store *s, char *err) { return s->ops->cors(s, err); }

/* probeExpect: the body of key must be want. */
static int probeExpect(store *s, const char *key, const char *want, char *err) {
    buf b = BUF_INIT;
    char e[ERR_MAX];
    int rc = storeGet(s, key, 4096, &b, NULL, e);
    int ok = rc == STORE_OK && b.len == strlen(want) && !memcmp(b.p, want, b.len);
    bufFree(&b);
    if (rc == STORE_ERR) return errSet(err, "store probe: %s", e);
    if (!ok) return errSet(err, "store probe: %s: read back the wrong object (conditional write ignored?)", storeDescribe(s));
    return 0;
}

/* probeSteps: the probe proper; the caller deletes the scratch key. */
static int probeSteps(store *s, const char *key, char *err) {
    char e[ERR_MAX], etag[STORE_ETAG_MAX], etag2[STORE_ETAG_MAX];
    int rc = putOnce(s, key, "probe-1", 7, STORE_PUT_IF_ABSENT, NULL, etag, e);
    if (rc == STORE_ERR) return errSet(err, "store probe: %s", e);
    if (rc != STORE_OK) return errSet(err, "store probe: %s: If-None-Match: * refused a new key", storeDescribe(s));
    rc = putOnce(s, key, "probe-2", 7, STORE_PUT_IF_ABSENT, NULL, etag2, e);
    if (rc == STORE_ERR) return errSet(err, "store probe: %s", e);
    if (rc != STORE_CONFLICT)
        return errSet(err, "store probe: %s ignores If-None-Match: * (an existing object was overwritten); "
                      "refusing to run: writers could overwrite each other", storeDescribe(s));
    if (probeExpect(s, key, "probe-1", err) < 0) return -1;
    rc = putOnce(s, key, "probe-3", 7, STORE_PUT_IF_MATCH, "0123456789abcdef0123456789abcdef", etag2, e);
    if (rc == STORE_ERR) return errSet(err, "store probe: %s", e);
    if (rc != STORE_CONFLICT)
        return errSet(err, "store probe: %s ignores If-Match (a stale ETag overwrote the object); "
                      "refusing to run: writers could overwrite each other", storeDescribe(s));
    rc = putOnce(s, key, "probe-4", 7, STORE_PUT_IF_MATCH, etag, etag2, e);
    if (rc == STORE_CONFLICT && s->ops->altIfMatch && s->ops->altIfMatch(s) == 0)
        rc = putOnce(s, key, "probe-4", 7, STORE_PUT_IF_MATCH, etag, etag2, e);
    if (rc == STORE_ERR) return errSet(err, "store probe: %s", e);
    if (rc != STORE_OK)
        return errSet(err, "store probe: %s refuses If-Match with the current ETag %s", storeDescribe(s), etag);
    return probeExpect(s, key, "probe-4", err);
}

int storeProbe(store *s, char *err) {
    unsigned char r[8];
    char hex[17], key[64], e[ERR_MAX];
    randombytes_buf(r, sizeof r);
    hexEncode(r, sizeof r, hex);
    snprintf(key, sizeof key, STORE_INTERNAL "probe/%s", hex);
    s->down = 0;
    int rc = probeSteps(s, key, err);
    int down = rc < 0 && s->down;                /* the message is in err already */
    if (storeDelete(s, key, e) != STORE_OK && rc == 0) return errSet(err, "store probe: delete: %s", e);
    return down ? STORE_DOWN : rc;
}
