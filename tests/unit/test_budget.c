/* test_budget.c -- anchord/ingest/budget.c: the bounds of what a version adds to a DID's files
 * (WA_DID_BUDGET, DESIGN.md §8) hold for real anchor and witness proofs, and are tight;
 * webvhDropLast undoes an append exactly (the worker's way back from a version that would
 * cross the budget). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "t.h"
#include "core/edkey.h"
#include "core/jcs.h"
#include "core/json.h"
#include "core/merkle.h"
#include "core/multiformat.h"
#include "didlog/key.h"
#include "didlog/webvh.h"
#include "verifier/proof/witness.h"
#include "anchord/ingest/budget.h"

static void depth(void) {
    T_CHECK(budgetDepth(1) == 0 && budgetDepth(2) == 1 && budgetDepth(3) == 2 && budgetDepth(4) == 2,
            "depth of trees of 1..4 leaves");
    T_CHECK(budgetDepth(12000) == 14 && budgetDepth(1u << 20) == 20 && budgetDepth((1u << 20) + 1) == 21,
            "depth of 12000, 2^20, 2^20+1 leaves");
}

/* realProofs: the bytes one real version adds to witness.json (an anchor of leaf i of a
 * tree of n, realistic chain numbers) and to did-witness.json (a real witness proof). */
static size_t realProofs(const char *vid, size_t n, size_t i) {
    char err[ERR_MAX];
    merkleTree *t = merkleNew(n, err);
    for (size_t k = 0; t && k < n; k++) merkleSetLeaf(t, k, &k, sizeof k);
    if (!t) return 0;
    merkleSeal(t);
    anchorProof a;
    memset(&a, 0, sizeof a);
    snprintf(a.versionId, sizeof a.versionId, "%s", vid);
    a.versionNumber = 2;
    a.leafIndex = i;
    a.treeSize = n;
    memcpy(a.leafHash, merkleLeaf(t, i), 32);
    merkleProof(t, i, a.proof, &a.proofLen, err);
    memcpy(a.root, merkleRoot(t), 32);
    a.batchId = 123456;
    a.chainId = 11155111;
    a.blockNumber = 7654321;
    memset(a.txHash, 0xab, 32);
    memset(a.contract, 0xcd, 20);
    merkleFree(t);
    anchorProof first = a;
    snprintf(first.versionId, sizeof first.versionId, "1-QmFirst");
    first.versionNumber = 1;
    witnessFile one = {.did = "did:webvh:x", .v = &first, .n = 1, .cap = 1};
    anchorProof two[2] = {first, a};
    witnessFile both = {.did = "did:webvh:x", .v = two, .n = 2, .cap = 2};
    buf b1 = BUF_INIT, b2 = BUF_INIT;
    witnessDump(&one, &b1, err);
    witnessDump(&both, &b2, err);
    size_t wj = b2.len - b1.len;
    bufFree(&b1);
    bufFree(&b2);
    uint8_t seed[32] = {7};
    edKey k;
    edKeyFromSeed(seed, &k);
    json_t *arr = json_array(), *p1 = webvhWitnessSign("1-QmFirst", k.sk, "2025-01-01T00:00:00Z", err);
    webvhWitnessAdd(arr, "1-QmFirst", p1, err);
    size_t before = 0, after = 0;
    char *s = jcsDump(arr, &before, err);
    free(s);
    json_t *p2 = webvhWitnessSign(vid, k.sk, "2025-01-01T00:00:00Z", err);
    webvhWitnessAdd(arr, vid, p2, err);
    s = jcsDump(arr, &after, err);
    free(s);
    json_decref(p1);
    json_decref(p2);
    json_decref(arr);
    edKeyWipe(&k);
    return wj + (after - before);
}

static void proofBounds(void) {
    const char *vid = "2-QmVtYjZ8bN1KjKXw3FPJ4qvRrnWCX5ED1Hj1GTfrZ5Edmo";
    size_t sizes[] = {1, 2, 3, 100, 12000};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        size_t n = sizes[i], real = realProofs(vid, n, 0), bound = budgetProofsMax(vid, n);
        T_CHECK(real > 0 && real <= bound, "tree of %zu: a real version adds %zu bytes, the bound is %zu", n, real, bound);
        T_CHECK(bound <= real + 160, "tree of %zu: the bound (%zu) is tight (real %zu)", n, bound, real);
    }
    T_CHECK(budgetProofsMax(vid, 12000) < budgetProofsMax(vid, 1u << 20), "a deeper tree costs more");
    buf b = BUF_INIT;
    char err[ERR_MAX];
    witnessFile w = {.did = "did:webvh:QmX:example.com"};
    witnessDump(&w, &b, err);
    T_CHECK(budgetFilesMin("did:webvh:QmX:example.com") == b.len + 2, "empty witness.json + []");
    bufFree(&b);
    T_CHECK(budgetVersionBase(1000, 400, vid, 100) == 601 + budgetProofsMax(vid, 100) + BUDGET_SLACK,
            "version base: the line without its event, its newline, the proofs, the slack");
}

static void dropLast(void) {
    char err[ERR_MAX], mk[MULTIKEY_PUB_MAX];
    uint8_t seed[32] = {9};
    edKey k;
    edKeyFromSeed(seed, &k);
    mkEncodeEd25519Pub(k.pk, mk);
    json_t *st = json_pack("{s[s] ss}", "@context", "https://www.w3.org/ns/did/v1", "id", "did:webvh:{SCID}:example.com");
    json_t *p = json_pack("{s[s]}", "updateKeys", mk);
    webvhLog *log = webvhCreate(st, p, "2025-01-01T00:00:00Z", k.sk, NULL, err);
    T_CHECK(log != NULL, "create: %s", err);
    if (!log) return;
    json_t *empty = json_object(), *s2 = json_deep_copy(webvhHead(log)->state);
    json_object_set_new(s2, "alsoKnownAs", json_pack("[s]", "https://a.example"));
    T_CHECK(webvhAppend(log, s2, empty, "2025-01-02T00:00:00Z", k.sk, NULL, err) == 0, "append: %s", err);
    size_t n = log->n, len = log->text.len;
    char *text = strndup((char *)log->text.p, len);
    T_CHECK(webvhAppend(log, s2, empty, "2025-01-03T00:00:00Z", k.sk, NULL, err) == 0 && log->n == n + 1, "append 3");
    webvhDropLast(log);
    T_CHECK(log->n == n && log->text.len == len && !memcmp(log->text.p, text, len) && log->verified == n,
            "drop: the log is as before the append");
    T_CHECK(webvhAppend(log, s2, empty, "2025-01-04T00:00:00Z", k.sk, NULL, err) == 0 && log->n == n + 1,
            "append after a drop: %s", err);
    webvhLog *again = webvhParse((char *)log->text.p, log->text.len, err);
    webvhResult r;
    webvhOpts o = {0};
    T_CHECK(again && webvhVerify(again, &o, &r) == 0 && again->n == n + 1, "the log after drop + append verifies");
    webvhFree(again);
    free(text);
    json_decref(empty);
    json_decref(s2);
    json_decref(st);
    json_decref(p);
    webvhFree(log);
    edKeyWipe(&k);
}

int main(void) {
    depth();
    proofBounds();
    dropLast();
    return T_DONE();
}
