/* witness.c -- witness.json parse and emit (per-DID Merkle anchor proofs). */
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "core/jcs.h"
#include "core/json.h"
#include "verifier/proof/jfield.h"
#include "verifier/proof/witness.h"

static const char *anchorKeys[] = {"versionId", "leafIndex", "treeSize", "leafHash", "proof", "root",
                                   "batchId", "chainId", "contract", "txHash", "blockNumber", NULL};

int witnessVersionNumber(const char *vid, uint64_t *out) {
    const char *dash = strchr(vid, '-');
    if (!dash || dash == vid || dash - vid > 15 || !dash[1]) return -1;
    uint64_t v = 0;
    for (const char *p = vid; p < dash; p++) {
        if (*p < '0' || *p > '9' || (p == vid && *p == '0')) return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return 0;
}

static int parseAnchor(const json_t *o, anchorProof *p, size_t i, char *err) {
    char where[64];
    snprintf(where, sizeof where, "witness.json: anchors[%zu]", i);
    if (!json_is_object(o)) return errSet(err, "%s must be an object", where);
    if (jfOnly(o, anchorKeys, where, err) || jfStr(o, "versionId", p->versionId, WITNESS_VID_MAX, where, err))
        return -1;
    if (witnessVersionNumber(p->versionId, &p->versionNumber) < 0)
        return errSet(err, "%s.versionId \"%s\" is not of the form <number>-<hash>", where, p->versionId);
    if (jfU64(o, "leafIndex", &p->leafIndex, where, err) || jfU64(o, "treeSize", &p->treeSize, where, err) ||
        jfU64(o, "batchId", &p->batchId, where, err) || jfU64(o, "chainId", &p->chainId, where, err) ||
        jfU64(o, "blockNumber", &p->blockNumber, where, err) ||
        jfHex(o, "leafHash", p->leafHash, 32, 0, where, err) || jfHex(o, "root", p->root, 32, 0, where, err) ||
        jfHex(o, "contract", p->contract, 20, 1, where, err) || jfHex(o, "txHash", p->txHash, 32, 1, where, err))
        return -1;
    const json_t *pr = json_object_get(o, "proof");
    if (!json_is_array(pr) || json_array_size(pr) > MERKLE_MAX_PROOF)
        return errSet(err, "%s.proof must be an array of at most %d hashes", where, MERKLE_MAX_PROOF);
    p->proofLen = json_array_size(pr);
    for (size_t j = 0; j < p->proofLen; j++) {
        char w[96];
        snprintf(w, sizeof w, "%s.proof[%zu]", where, j);
        if (jfHexValue(json_array_get(pr, j), p->proof[j], 32, 0, w, err)) return -1;
    }
    return 0;
}

int witnessParse(const char *s, size_t n, witnessFile *w, char *err) {
    memset(w, 0, sizeof *w);
    json_t *root = jsonParse(s, n, WITNESS_MAX_BYTES, 8, err);
    if (!root) return -1;
    int rc = -1;
    const char *did = jsonGetStr(root, "did");
    const json_t *arr = json_object_get(root, "anchors");
    if (!json_is_object(root) || json_object_size(root) != 2 || !did || !json_is_array(arr)) {
        errSet(err, "witness.json: must be an object with exactly \"did\" and \"anchors\"");
        goto out;
    }
    if (json_array_size(arr) > WITNESS_MAX_ANCHORS) {
        errSet(err, "witness.json: more than %d anchors", WITNESS_MAX_ANCHORS);
        goto out;
    }
    if (!(w->did = strdup(did))) { errSet(err, "out of memory"); goto out; }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        anchorProof p;
        memset(&p, 0, sizeof p);
        if (parseAnchor(json_array_get(arr, i), &p, i, err) < 0 || witnessAdd(w, &p, err) < 0) goto out;
    }
    rc = 0;
out:
    json_decref(root);
    if (rc) witnessFree(w);
    return rc;
}

int witnessAdd(witnessFile *w, const anchorProof *p, char *err) {
    if (w->n && p->versionNumber <= w->v[w->n - 1].versionNumber)
        return errSet(err, "witness.json: version %s is not after %s", p->versionId, w->v[w->n - 1].versionId);
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 4;
        anchorProof *v = realloc(w->v, cap * sizeof *v);
        if (!v) return errSet(err, "out of memory");
        w->v = v;
        w->cap = cap;
    }
    w->v[w->n++] = *p;
    return 0;
}

const anchorProof *witnessFind(const witnessFile *w, const char *versionId) {
    for (size_t i = 0; i < w->n; i++)
        if (!strcmp(w->v[i].versionId, versionId)) return &w->v[i];
    return NULL;
}

static json_t *anchorJson(const anchorProof *p) {
    json_t *pr = json_array();
    for (size_t j = 0; j < p->proofLen; j++) json_array_append_new(pr, jfHexJson(p->proof[j], 32, 0));
    return json_pack("{s:s, s:I, s:I, s:o, s:o, s:o, s:I, s:I, s:o, s:o, s:I}", "versionId", p->versionId,
                     "leafIndex", (json_int_t)p->leafIndex, "treeSize", (json_int_t)p->treeSize, "leafHash",
                     jfHexJson(p->leafHash, 32, 0), "proof", pr, "root", jfHexJson(p->root, 32, 0), "batchId",
                     (json_int_t)p->batchId, "chainId", (json_int_t)p->chainId, "contract",
                     jfHexJson(p->contract, 20, 1), "txHash", jfHexJson(p->txHash, 32, 1), "blockNumber",
                     (json_int_t)p->blockNumber);
}

int witnessDump(const witnessFile *w, buf *out, char *err) {
    json_t *arr = json_array();
    for (size_t i = 0; i < w->n; i++) json_array_append_new(arr, anchorJson(&w->v[i]));
    json_t *root = json_pack("{s:s, s:o}", "did", w->did ? w->did : "", "anchors", arr);
    int rc = root ? jcsAppend(root, out, err) : errSet(err, "out of memory");
    json_decref(root);
    return rc;
}

void witnessFree(witnessFile *w) {
    free(w->did);
    free(w->v);
    memset(w, 0, sizeof *w);
}
