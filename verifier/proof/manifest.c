/* manifest.c -- batch manifests and anchors files: parse, emit, rebuild roots. */
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "core/jcs.h"
#include "core/json.h"
#include "verifier/proof/jfield.h"
#include "verifier/proof/manifest.h"

static const char *manifestKeys[] = {"batchId", "root", "treeSize", "chainId", "contract",
                                     "txHash", "blockNumber", "leaves", NULL};
static const char *leafKeys[] = {"leafHash", "did", "versionId", "status", NULL};
static const char *anchorsKeys[] = {"chainId", "contract", "anchors", NULL};
static const char *refKeys[] = {"batchId", "root", "blockNumber", "txHash", NULL};

/* parseRef: the chain fields shared by manifests and anchors entries. */
static int parseRef(const json_t *o, chainRef *r, int withChain, const char *where, char *err) {
    if (jfU64(o, "batchId", &r->batchId, where, err) || jfU64(o, "blockNumber", &r->blockNumber, where, err) ||
        jfHex(o, "root", r->root, 32, 0, where, err) || jfHex(o, "txHash", r->txHash, 32, 1, where, err))
        return -1;
    if (withChain && (jfU64(o, "chainId", &r->chainId, where, err) ||
                      jfHex(o, "contract", r->contract, 20, 1, where, err)))
        return -1;
    return 0;
}

static int parseLeaf(const json_t *o, manifestLeaf *l, size_t i, char *err) {
    char where[64];
    snprintf(where, sizeof where, "manifest: leaves[%zu]", i);
    if (!json_is_object(o)) return errSet(err, "%s must be an object", where);
    const char *did = jsonGetStr(o, "did"), *vid = jsonGetStr(o, "versionId"), *st = jsonGetStr(o, "status");
    if (jfOnly(o, leafKeys, where, err) || jfHex(o, "leafHash", l->leafHash, 32, 0, where, err)) return -1;
    if (!did || strlen(did) >= MANIFEST_DID_MAX || !vid || strlen(vid) >= 128)
        return errSet(err, "%s needs string did and versionId", where);
    if (!st || (strcmp(st, "published") && strcmp(st, "unused")))
        return errSet(err, "%s.status must be \"published\" or \"unused\"", where);
    l->unused = !strcmp(st, "unused");
    l->did = strdup(did);
    l->versionId = strdup(vid);
    return l->did && l->versionId ? 0 : errSet(err, "out of memory");
}

int manifestParse(const char *s, size_t n, manifest *m, char *err) {
    memset(m, 0, sizeof *m);
    json_t *root = jsonParse(s, n, MANIFEST_MAX_BYTES, 8, err);
    if (!root) return -1;
    int rc = -1;
    const json_t *leaves = json_object_get(root, "leaves");
    if (!json_is_object(root) || !json_is_array(leaves)) {
        errSet(err, "manifest: must be an object with a \"leaves\" array");
        goto out;
    }
    if (jfOnly(root, manifestKeys, "manifest", err) || parseRef(root, &m->ref, 1, "manifest", err) ||
        jfU64(root, "treeSize", &m->treeSize, "manifest", err))
        goto out;
    if (m->treeSize != json_array_size(leaves) || m->treeSize == 0) {
        errSet(err, "manifest: treeSize %llu but %zu leaves", (unsigned long long)m->treeSize,
               json_array_size(leaves));
        goto out;
    }
    if (!(m->leaves = calloc(m->treeSize, sizeof *m->leaves))) { errSet(err, "out of memory"); goto out; }
    for (m->n = 0; m->n < m->treeSize; m->n++)
        if (parseLeaf(json_array_get(leaves, m->n), &m->leaves[m->n], m->n, err) < 0) { m->n++; goto out; }
    rc = 0;
out:
    json_decref(root);
    if (rc) manifestFree(m);
    return rc;
}

/* refJson: chain fields as a JSON object (chainId/contract only when asked). */
static json_t *refJson(const chainRef *r, int withChain) {
    json_t *o = json_pack("{s:I, s:o, s:I, s:o}", "batchId", (json_int_t)r->batchId, "root",
                          jfHexJson(r->root, 32, 0), "blockNumber", (json_int_t)r->blockNumber, "txHash",
                          jfHexJson(r->txHash, 32, 1));
    if (o && withChain) {
        json_object_set_new(o, "chainId", json_integer((json_int_t)r->chainId));
        json_object_set_new(o, "contract", jfHexJson(r->contract, 20, 1));
    }
    return o;
}

/* dumpJson: JCS of a freshly built value, which it consumes. */
static int dumpJson(json_t *v, buf *out, char *err) {
    int rc = v ? jcsAppend(v, out, err) : errSet(err, "out of memory");
    json_decref(v);
    return rc;
}

int manifestDump(const manifest *m, buf *out, char *err) {
    json_t *o = refJson(&m->ref, 1), *arr = json_array();
    for (size_t i = 0; i < m->n; i++) {
        const manifestLeaf *l = &m->leaves[i];
        json_array_append_new(arr, json_pack("{s:o, s:s, s:s, s:s}", "leafHash", jfHexJson(l->leafHash, 32, 0),
                                             "did", l->did, "versionId", l->versionId, "status",
                                             l->unused ? "unused" : "published"));
    }
    json_object_set_new(o, "treeSize", json_integer((json_int_t)m->n));
    json_object_set_new(o, "leaves", arr);
    return dumpJson(o, out, err);
}

int manifestRoot(const manifest *m, merkleHash out, char *err) {
    merkleHash *h = malloc((m->n ? m->n : 1) * sizeof *h);
    if (!h) return errSet(err, "out of memory");
    for (size_t i = 0; i < m->n; i++) memcpy(h[i], m->leaves[i].leafHash, 32);
    merkleTree *t = merkleBuild(h, m->n, err);
    free(h);
    if (!t) return -1;
    memcpy(out, merkleRoot(t), 32);
    merkleFree(t);
    return 0;
}

void manifestFree(manifest *m) {
    for (size_t i = 0; i < m->n; i++) {
        free(m->leaves[i].did);
        free(m->leaves[i].versionId);
    }
    free(m->leaves);
    memset(m, 0, sizeof *m);
}

int anchorsParse(const char *s, size_t n, anchorsFile *a, char *err) {
    memset(a, 0, sizeof *a);
    json_t *root = jsonParse(s, n, MANIFEST_MAX_BYTES, 8, err);
    if (!root) return -1;
    int rc = -1;
    const json_t *arr = json_object_get(root, "anchors");
    if (!json_is_object(root) || !json_is_array(arr)) {
        errSet(err, "anchors file: must be an object with an \"anchors\" array");
        goto out;
    }
    if (jfOnly(root, anchorsKeys, "anchors file", err) || jfU64(root, "chainId", &a->chainId, "anchors file", err) ||
        jfHex(root, "contract", a->contract, 20, 1, "anchors file", err))
        goto out;
    if (!(a->v = calloc(json_array_size(arr) + 1, sizeof *a->v))) { errSet(err, "out of memory"); goto out; }
    for (; a->n < json_array_size(arr); a->n++) {
        char where[64];
        const json_t *o = json_array_get(arr, a->n);
        chainRef *r = &a->v[a->n];
        snprintf(where, sizeof where, "anchors file: anchors[%zu]", a->n);
        if (!json_is_object(o)) { errSet(err, "%s must be an object", where); goto out; }
        if (jfOnly(o, refKeys, where, err) || parseRef(o, r, 0, where, err)) goto out;
        if (a->n && r->batchId <= a->v[a->n - 1].batchId) {
            errSet(err, "%s: batchId %llu is not after %llu", where, (unsigned long long)r->batchId,
                   (unsigned long long)a->v[a->n - 1].batchId);
            goto out;
        }
        r->chainId = a->chainId;
        memcpy(r->contract, a->contract, 20);
    }
    rc = 0;
out:
    json_decref(root);
    if (rc) anchorsFree(a);
    return rc;
}

int anchorsDump(const anchorsFile *a, buf *out, char *err) {
    json_t *arr = json_array();
    for (size_t i = 0; i < a->n; i++) json_array_append_new(arr, refJson(&a->v[i], 0));
    return dumpJson(json_pack("{s:I, s:o, s:o}", "chainId", (json_int_t)a->chainId, "contract",
                              jfHexJson(a->contract, 20, 1), "anchors", arr),
                    out, err);
}

const chainRef *anchorsFind(const anchorsFile *a, uint64_t batchId) {
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->v[mid].batchId < batchId) lo = mid + 1;
        else hi = mid;
    }
    return lo < a->n && a->v[lo].batchId == batchId ? &a->v[lo] : NULL;
}

void anchorsFree(anchorsFile *a) {
    free(a->v);
    memset(a, 0, sizeof *a);
}
