/* test_roots.c -- didverify's online root source (verifier/roots.h) on the one read client,
 * against a scripted node (tests/unit/fake_node.c) whose registry the write side filled
 * (anchord/chain/eth.h: three anchor transactions). Checks rootsBatch's answers
 * (holds / does not hold + reason / could not ask), rootsExport's anchors file
 * (docs/formats.md "Anchors file") and its typed disagreements (a batch announced twice,
 * beyond batchCount(), a count that does not match: 1 + reason, never a transport error),
 * range splitting when a node refuses eth_getLogs, and the chain id check. */
#include <stdlib.h>
#include "anchord/chain/eth.h"
#include "anchord/config/config.h"
#include "core/err.h"
#include "core/hex.h"
#include "verifier/roots.h"
#include "tests/unit/fake_node.h"
#include "tests/unit/t.h"

static const char KEY1[] = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
static const char REGISTRY[] = "0x4242424242424242424242424242424242424242";

static fakeClock clk;
static fakeNode node;
static uint8_t reg[20];
static chainRef anchored[3];

static void quiet(void *ctx, const char *line) { (void)ctx; (void)line; }

/* fill: a node whose registry holds batches 0..2, anchored by the write side. */
static void fill(void) {
    config cfg;
    ethClient c;
    char err[ERR_MAX];
    fakeClockInit(&clk, 5000000);
    hexDecode(REGISTRY, reg, 20);
    fakeNodeInit(&node, 31337, &clk, reg);
    configDefaults(&cfg);
    configSet(&cfg, "WA_CONTRACT", REGISTRY, err);
    setenv("WA_RELAYER_KEY", KEY1, 1);
    unsetenv("WA_RELAYER_KEY_FILE");
    ethHooks h = {fakeNodePost, &node, &clk.src};
    if (ethOpen(&c, &cfg, 1, &h, err) != 0) { fprintf(stderr, "open: %s\n", err); abort(); }
    c.log = quiet;
    for (int i = 0; i < 3; i++) {
        ethAnchored a;
        uint8_t root[32];
        memset(root, 0xb0 + i, 32);
        if (ethAnchor(&c, root, &a, err) != 0) { fprintf(stderr, "anchor: %s\n", err); abort(); }
        chainRef *r = &anchored[i];
        r->batchId = a.batchId, r->chainId = 31337, r->blockNumber = a.rc.mined.blockNumber;
        memcpy(r->root, root, 32);
        memcpy(r->contract, reg, 20);
        memcpy(r->txHash, a.rc.mined.txHash, 32);
        ethReceiptFree(&a.rc);
    }
    ethClose(&c);
}

static int openSrc(rootsSrc *s, uint64_t chainId, char *err) {
    chainReadOpts o = {.post = fakeNodePost, .postCtx = &node, .clock = &clk.src, .chainIdName = "--chain-id"};
    return rootsOpenRpcWith(s, "http://fake", reg, chainId, &o, err);
}

static void testBatch(void) {
    rootsSrc s;
    char err[ERR_MAX], reason[ERR_MAX];
    T_CHECK(openSrc(&s, 31337, err) == 0, "open: %s", err);
    for (int i = 0; i < 3; i++)
        T_CHECK(rootsBatch(&s, &anchored[i], reason, err) == 0, "batch %d holds: %s", i, reason);
    unsigned calls = node.calls;
    T_CHECK(rootsBatch(&s, &anchored[1], reason, err) == 0 && node.calls == calls, "a confirmed batch is cached");
    chainRef c = anchored[2];
    c.root[0] ^= 1;
    T_CHECK(rootsBatch(&s, &c, reason, err) == 1, "another root: does not hold");
    c = anchored[2];
    c.batchId = 7;
    T_CHECK(rootsBatch(&s, &c, reason, err) == 1, "a batch the registry does not have: does not hold");
    rootsClose(&s);
    T_CHECK(openSrc(&s, 31337, err) == 0, "open: %s", err);
    c = anchored[0];
    c.blockNumber++;
    T_CHECK(rootsBatch(&s, &c, reason, err) == 1, "another block: does not hold (the receipt's)");
    c = anchored[0];
    memcpy(c.txHash, anchored[1].txHash, 32);
    T_CHECK(rootsBatch(&s, &c, reason, err) == 1, "another batch's transaction: does not hold");
    node.failPosts = 100;
    T_CHECK(rootsBatch(&s, &anchored[2], reason, err) == -CHAIN_EDOWN, "node down: -CHAIN_EDOWN, not an answer");
    node.failPosts = 0;
    uint64_t n = 0;
    T_CHECK(rootsBatchCount(&s, &n, err) == 0 && n == 3, "batchCount() = 3");
    rootsClose(&s);
    T_CHECK(openSrc(&s, 1, err) == -CHAIN_ECHAIN, "chain id mismatch: -CHAIN_ECHAIN");
}

static void testExport(void) {
    rootsSrc s;
    anchorsFile a;
    char err[ERR_MAX], reason[ERR_MAX];
    T_CHECK(openSrc(&s, 31337, err) == 0, "open: %s", err);
    int rc = rootsExport(&s, 0, &a, reason, err);
    T_CHECK(rc == 0 && a.n == 3 && a.chainId == 31337 && !memcmp(a.contract, reg, 20), "export: 3 batches (%d %s)", rc, err);
    for (size_t i = 0; rc == 0 && i < 3; i++)
        T_CHECK(a.v[i].batchId == i && !memcmp(a.v[i].root, anchored[i].root, 32) &&
                a.v[i].blockNumber == anchored[i].blockNumber && !memcmp(a.v[i].txHash, anchored[i].txHash, 32),
                "export: batch %zu as anchored", i);
    if (rc == 0) anchorsFree(&a);

    /* The node refuses ranges twice: the range is halved, the result is the same. */
    node.rules[0] = (fakeRule){"eth_getLogs", 0, 2, -32005, "query returned more than 10000 results", NULL, 0};
    unsigned before = fakeNodeCount(&node, "eth_getLogs");
    rc = rootsExport(&s, 0, &a, reason, err);
    T_CHECK(rc == 0 && a.n == 3 && fakeNodeCount(&node, "eth_getLogs") - before >= 3, "refused ranges split (%d %s)", rc, err);
    if (rc == 0) anchorsFree(&a);

    node.duplicateLog = 1;
    rc = rootsExport(&s, 0, &a, reason, err);
    T_CHECK(rc == 1 && a.v == NULL && a.n == 0, "a batch announced twice: 1 + reason (%d)", rc);
    node.duplicateLog = 0;

    node.batchCount = 2;   /* the registry says 2, the logs show batch 2 */
    rc = rootsExport(&s, 0, &a, reason, err);
    T_CHECK(rc == 1 && a.v == NULL, "a log beyond batchCount(): 1 + reason (%d)", rc);
    node.batchCount = 4;   /* a batch without its log */
    rc = rootsExport(&s, 0, &a, reason, err);
    T_CHECK(rc == 1, "batchCount() above the logs found: 1 + reason (%d)", rc);
    node.batchCount = 3;
    memset(node.roots[1], 0xee, 32);   /* roots(1) is not the log's root */
    rc = rootsExport(&s, 0, &a, reason, err);
    T_CHECK(rc == 1, "a log's root differs from roots(): 1 + reason (%d)", rc);
    memcpy(node.roots[1], anchored[1].root, 32);

    node.failPosts = 100;
    rc = rootsExport(&s, 0, &a, reason, err);
    T_CHECK(rc == -CHAIN_EDOWN && a.v == NULL, "node down: -CHAIN_EDOWN (%d)", rc);
    node.failPosts = 0;
    rootsClose(&s);
}

int main(void) {
    fill();
    testBatch();
    testExport();
    fakeNodeFree(&node);
    return T_DONE();
}
