/* test_stale.c -- verifier/stale.h: the freshness scan over later batch manifests
 * (DESIGN.md §9 STALE; docs/didverify.md "Verdicts"). Batches are checked against an
 * offline anchors file (chainOpenAnchors): a manifest naming a later version of the DID
 * makes it stale, one that is not the chain's (edited leaves, another root) is refused
 * and proves nothing, a missing one is counted, the bound stops the scan early. */
#include "t.h"
#include "core/merkle.h"
#include "core/sha256.h"
#include "verifier/stale.h"

#define DID "did:webvh:QmSubjectSubjectSubjectSubjectSubjectSubject1:example.com"
#define OTHER "did:webvh:QmOtherOtherOtherOtherOtherOtherOtherOther12:example.com"

static manifest mans[6];          /* batches 0..5 */
static int missing[6], garbled[6];
static size_t gets;

/* mkManifest: batch id whose leaves name (did, versionId) pairs; its root into anchors a. */
static void mkManifest(uint64_t id, const char *const *dids, const char *const *vids, size_t n, anchorsFile *a) {
    manifest *m = &mans[id];
    merkleHash *h = calloc(n, sizeof *h);
    m->leaves = calloc(n, sizeof *m->leaves);
    m->n = n, m->treeSize = n;
    for (size_t i = 0; i < n; i++) {
        char in[200];
        snprintf(in, sizeof in, "%s %s", dids[i], vids[i]);
        sha256(in, strlen(in), h[i]);
        memcpy(m->leaves[i].leafHash, h[i], 32);
        m->leaves[i].did = strdup(dids[i]);
        m->leaves[i].versionId = strdup(vids[i]);
    }
    merkleTree *t = merkleBuild(h, n, NULL);
    m->ref.batchId = id, m->ref.chainId = 31337, m->ref.blockNumber = 10 + id;
    memcpy(m->ref.root, merkleRoot(t), 32);
    memset(m->ref.contract, 0x11, 20);
    memset(m->ref.txHash, (int)id + 1, 32);
    a->v[id] = m->ref;
    merkleFree(t);
    free(h);
}

static int get(void *ctx, uint64_t id, buf *out, char *err) {
    (void)ctx;
    gets++;
    if (id >= 6 || missing[id]) return 0;
    if (garbled[id]) return bufPuts(out, "{not a manifest") < 0 ? errSet(err, "oom") : 1;
    return manifestDump(&mans[id], out, err) < 0 ? -1 : 1;
}

int main(void) {
    char err[ERR_MAX], why[ERR_MAX];
    anchorsFile a = {.chainId = 31337, .n = 6};
    a.v = calloc(6, sizeof *a.v);
    memset(a.contract, 0x11, 20);
    const char *d2[] = {DID, OTHER}, *v01[] = {"1-QmA", "1-QmO"}, *v2[] = {"2-QmB", "2-QmO"};
    const char *o1[] = {OTHER}, *vo[] = {"3-QmO"}, *d3[] = {OTHER, DID}, *v3[] = {"4-QmO", "3-QmC"};
    mkManifest(0, d2, v01, 2, &a);
    mkManifest(1, d2, v2, 2, &a);
    mkManifest(2, o1, vo, 1, &a);
    mkManifest(3, o1, vo, 1, &a);
    mkManifest(4, d3, v3, 2, &a);
    mkManifest(5, o1, vo, 1, &a);
    rootsSrc src;
    memset(&src, 0, sizeof src);
    T_CHECK(rootsOpenAnchors(&src, &a, NULL, 0, err) == 0, "anchors source: %s", err);
    const char *served[] = {"1-QmA", "2-QmB", "3-QmC"};

    /* staleLeaves alone */
    T_CHECK(staleLeaves(&mans[4], DID, served, 2, why) == 1 && strstr(why, "batch 4 anchors version 3-QmC"), "later version: %s", why);
    T_CHECK(staleLeaves(&mans[4], DID, served, 3, why) == 0, "the served log has it");
    const char *fork[] = {"1-QmA", "2-QmB", "3-QmX"};
    T_CHECK(staleLeaves(&mans[4], DID, fork, 3, why) == 1 && strstr(why, "served version 3 is 3-QmX"), "another version 3: %s", why);
    mans[4].leaves[1].unused = 1;
    T_CHECK(staleLeaves(&mans[4], DID, served, 2, why) == 0, "an unused leaf (lost race) is no later version");
    mans[4].leaves[1].unused = 0;

    /* the scan: served up to version 2, last anchored in batch 1 */
    staleSource s = {get, NULL, UINT64_MAX};
    staleScan sc;
    T_CHECK(staleScanRun(DID, served, 2, 1, &src, &s, &sc, err) == 0, "scan: %s", err);
    T_CHECK(sc.ran && sc.count == 6 && sc.stale && sc.read == 3 && sc.complete && strstr(sc.why, "batch 4"),
            "stale at batch 4 after reading 2, 3, 4 (read %llu)", (unsigned long long)sc.read);
    T_CHECK(staleScanRun(DID, served, 3, 4, &src, &s, &sc, err) == 0 && !sc.stale && sc.complete && sc.read == 1,
            "served up to version 3 (batch 4): batch 5 read, fresh");
    T_CHECK(staleScanRun(DID, served, 3, 5, &src, &s, &sc, err) == 0 && !sc.stale && sc.complete && sc.read == 0,
            "last anchor in the newest batch: nothing to read");
    gets = 0;
    s.max = 1;
    T_CHECK(staleScanRun(DID, served, 2, 1, &src, &s, &sc, err) == 0 && !sc.stale && !sc.complete && gets == 1,
            "bound of 1: stopped early, not complete");
    s.max = UINT64_MAX;

    /* missing and refused manifests prove nothing */
    missing[4] = 1;
    T_CHECK(staleScanRun(DID, served, 2, 1, &src, &s, &sc, err) == 0 && !sc.stale && sc.missing == 1 && sc.complete,
            "batch 4 not published: counted missing, not stale");
    missing[4] = 0;
    garbled[4] = 1;
    T_CHECK(staleScanRun(DID, served, 2, 1, &src, &s, &sc, err) == 0 && !sc.stale && sc.refused == 1, "garbled manifest refused");
    garbled[4] = 0;
    free(mans[4].leaves[0].versionId);
    mans[4].leaves[0].versionId = strdup("4-QmEdited");
    memset(mans[4].leaves[0].leafHash, 0xee, 32);   /* an edited leaf: the root no longer rebuilds */
    T_CHECK(staleScanRun(DID, served, 2, 1, &src, &s, &sc, err) == 0 && !sc.stale && sc.refused == 1,
            "a manifest whose leaves do not give the chain's root is refused");

    for (int i = 0; i < 6; i++) manifestFree(&mans[i]);
    rootsClose(&src);
    free(a.v);
    return T_DONE();
}
