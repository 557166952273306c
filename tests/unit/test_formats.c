/* test_formats.c -- witness.json, batch manifest and anchors file: round trips,
 * strict rejections, and manifest roots rebuilt with the RFC 6962 tree. */
#include <string.h>
#include "core/err.h"
#include "tests/unit/t.h"
#include "verifier/proof/manifest.h"
#include "verifier/proof/witness.h"

static anchorProof sample(uint64_t vnum) {
    anchorProof p;
    memset(&p, 0, sizeof p);
    snprintf(p.versionId, sizeof p.versionId, "%llu-QmHash%llu", (unsigned long long)vnum, (unsigned long long)vnum);
    p.versionNumber = vnum;
    p.leafIndex = vnum;
    p.treeSize = 10;
    p.proofLen = 3;
    for (int i = 0; i < 3; i++) memset(p.proof[i], 0x10 + i, 32);
    memset(p.leafHash, 0xab, 32);
    memset(p.root, 0xcd, 32);
    p.batchId = 7;
    p.chainId = 31337;
    p.blockNumber = 99;
    memset(p.contract, 0x5f, 20);
    memset(p.txHash, 0xee, 32);
    return p;
}

static void testWitness(void) {
    witnessFile w = {0}, w2;
    char err[ERR_MAX];
    buf a = BUF_INIT, b = BUF_INIT;
    w.did = strdup("did:webvh:QmScid:example.com");
    anchorProof p1 = sample(1), p2 = sample(2);
    T_CHECK(witnessAdd(&w, &p1, err) == 0 && witnessAdd(&w, &p2, err) == 0, "add");
    T_CHECK(witnessAdd(&w, &p1, err) < 0 && strstr(err, "not after"), "duplicate version rejected: %s", err);
    T_CHECK(witnessDump(&w, &a, err) == 0, "dump");
    T_CHECK(witnessParse((char *)a.p, a.len, &w2, err) == 0, "parse back: %s", err);
    T_CHECK(witnessDump(&w2, &b, err) == 0 && a.len == b.len && !memcmp(a.p, b.p, a.len), "round trip byte-exact");
    T_CHECK(witnessFind(&w2, "2-QmHash2") && witnessFind(&w2, "2-QmHash2")->proofLen == 3, "find");
    T_CHECK(!witnessFind(&w2, "3-QmHash3"), "find absent");
    witnessFree(&w2);

    /* Each tampering of the text is a specific error. */
    struct { const char *from, *to, *want; } bad[] = {
        {"\"leafIndex\":1", "\"leafIndex\":-1", "leafIndex"},
        {"\"leafIndex\":1", "\"leafIndex\":1.5", "leafIndex"},
        {"\"root\":\"cdcd", "\"root\":\"0xcdcd", "root"},
        {"\"contract\":\"0x", "\"contract\":\"", "contract"},
        {"\"versionId\":\"1-", "\"versionId\":\"01-", "versionId"},
        {"\"batchId\":7", "\"batchId\":7,\"extra\":1", "unknown field"},
        {"\"versionId\":\"2-QmHash2\"", "\"versionId\":\"1-QmHash1\"", "not after"},
        {"\"did\":", "\"dids\":", "exactly"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *s = strdup((char *)a.p), *at = strstr(s, bad[i].from);
        T_CHECK(at != NULL, "fixture has %s", bad[i].from);
        if (!at) { free(s); continue; }
        buf t = BUF_INIT;
        bufAppend(&t, s, (size_t)(at - s));
        bufPuts(&t, bad[i].to);
        bufPuts(&t, at + strlen(bad[i].from));
        err[0] = 0;
        T_CHECK(witnessParse((char *)t.p, t.len, &w2, err) < 0 && strstr(err, bad[i].want),
                "tamper %zu rejected naming %s: %s", i, bad[i].want, err);
        bufFree(&t);
        free(s);
    }
    bufFree(&a);
    bufFree(&b);
    witnessFree(&w);
}

static void testManifest(void) {
    manifest m = {0}, m2;
    char err[ERR_MAX];
    buf a = BUF_INIT, b = BUF_INIT;
    m.n = m.treeSize = 5;
    m.leaves = calloc(5, sizeof *m.leaves);
    merkleHash hs[5];
    for (int i = 0; i < 5; i++) {
        char in[16];
        snprintf(in, sizeof in, "e%d", i);
        merkleHashLeaf(in, strlen(in), hs[i]);
        memcpy(m.leaves[i].leafHash, hs[i], 32);
        m.leaves[i].did = strdup("did:webvh:QmX:example.com");
        m.leaves[i].versionId = strdup("2-QmY");
        m.leaves[i].unused = i == 3;
    }
    merkleTree *t = merkleBuild(hs, 5, err);
    memcpy(m.ref.root, merkleRoot(t), 32);
    m.ref.chainId = 1;
    T_CHECK(manifestDump(&m, &a, err) == 0, "dump");
    T_CHECK(manifestParse((char *)a.p, a.len, &m2, err) == 0, "parse: %s", err);
    T_CHECK(manifestDump(&m2, &b, err) == 0 && a.len == b.len && !memcmp(a.p, b.p, a.len), "round trip");
    T_CHECK(m2.leaves[3].unused && !m2.leaves[2].unused, "unused status kept");
    merkleHash r;
    T_CHECK(manifestRoot(&m2, r, err) == 0 && !memcmp(r, merkleRoot(t), 32), "root rebuilt from leaves");
    m2.leaves[4].leafHash[0] ^= 1;
    T_CHECK(manifestRoot(&m2, r, err) == 0 && memcmp(r, merkleRoot(t), 32), "changed leaf changes the root");
    manifestFree(&m2);
    char *s = strdup((char *)a.p), *at = strstr(s, "\"treeSize\":5");
    at[11] = '6';
    T_CHECK(manifestParse(s, strlen(s), &m2, err) < 0 && strstr(err, "treeSize"), "treeSize mismatch: %s", err);
    free(s);
    merkleFree(t);
    manifestFree(&m);
    bufFree(&a);
    bufFree(&b);
}

static void testAnchors(void) {
    anchorsFile f = {0}, f2;
    char err[ERR_MAX];
    buf a = BUF_INIT;
    f.chainId = 11155111;
    memset(f.contract, 0x42, 20);
    f.n = 3;
    f.v = calloc(3, sizeof *f.v);
    for (int i = 0; i < 3; i++) { f.v[i].batchId = (uint64_t)i * 2; memset(f.v[i].root, i + 1, 32); }
    T_CHECK(anchorsDump(&f, &a, err) == 0, "dump");
    T_CHECK(anchorsParse((char *)a.p, a.len, &f2, err) == 0, "parse: %s", err);
    T_CHECK(f2.n == 3 && anchorsFind(&f2, 4) && anchorsFind(&f2, 4)->root[0] == 3, "find batch 4");
    T_CHECK(!anchorsFind(&f2, 3) && !anchorsFind(&f2, 5), "absent batches");
    T_CHECK(anchorsFind(&f2, 2)->chainId == 11155111 && anchorsFind(&f2, 2)->contract[0] == 0x42, "chain copied");
    anchorsFree(&f2);
    char *s = strdup((char *)a.p), *at = strstr(s, "\"batchId\":4");
    at[10] = '1';
    T_CHECK(anchorsParse(s, strlen(s), &f2, err) < 0 && strstr(err, "not after"), "out of order: %s", err);
    free(s);
    anchorsFree(&f);
    bufFree(&a);
}

int main(void) {
    testWitness();
    testManifest();
    testAnchors();
    return T_DONE();
}
