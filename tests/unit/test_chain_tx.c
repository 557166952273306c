/* test_chain_tx.c -- the relayer's transaction lifecycle (anchord/chain/eth.c, DESIGN.md §5,
 * docs/eth.md "Transaction lifecycle") against a scripted node (tests/unit/fake_node.c)
 * behind the JSON-RPC transport seam, on a fake clock (bumps and timeouts without
 * waiting). Each case checks the outcome code and what reached the node:
 *   fees (EIP-1559: tip = max(suggestion, WA_MIN_PRIORITY_FEE_WEI), max fee = 2 * base +
 *   tip under WA_MAX_FEE_GWEI, nothing sent above it), gas = estimate + WA_GAS_MARGIN_PCT;
 *   the journal hook runs before every broadcast and can stop it; "already known" = sent;
 *   "nonce too low" for our own transaction is followed; a nonce taken by another sender
 *   and "underpriced" at the first send move to the pending nonce; a stuck transaction is
 *   replaced with fees >= +12.5 % after WA_TX_BUMP_SECONDS, or waits when the cap forbids
 *   it; a reorganisation is followed to the new block; status 0 is -CHAIN_EREVERT with the
 *   replayed reason; WA_TX_TIMEOUT_SECONDS is -CHAIN_ETIMEOUT; ethResume refuses another
 *   signer or chain; the chain id is checked before the key is loaded; RPC retries. */
#include <stdarg.h>
#include <stdlib.h>
#include "anchord/chain/eth.h"
#include "anchord/chain/ethtx.h"
#include "anchord/config/config.h"
#include "core/err.h"
#include "core/hex.h"
#include "tests/unit/fake_node.h"
#include "tests/unit/t.h"

#define GWEI 1000000000ull
/* anvil's test accounts #1 and #2 (public test keys, never funded anywhere real) */
static const char KEY1[] = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
static const char KEY2[] = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
static const char REGISTRY[] = "0x4242424242424242424242424242424242424242";

typedef struct rig {
    fakeClock clk;
    fakeNode node;
    config cfg;
    ethClient c;
    uint8_t relayer[20];
    unsigned signedCalls, sendsAtSign;   /* the onSigned hook's view */
    int refuse;
} rig;

static rig R;   /* the client borrows cfg and the node: one rig at a time, never copied */

static int onSigned(void *ctx, const ethSentTx *s) {
    rig *r = ctx;
    r->signedCalls++;
    r->sendsAtSign = r->node.sends;
    return r->refuse ? -1 : 0;
}

static void quiet(void *ctx, const char *line) { (void)ctx; (void)line; }

/* open: a fresh rig with settings (NAME, VALUE, ..., NULL); the relayer key from $WA_RELAYER_KEY.
 * Returns ethOpen's result. */
static int rigOpen(const char *name, ...) {
    char err[ERR_MAX];
    va_list ap;
    fakeNodeFree(&R.node);
    memset(&R, 0, sizeof R);
    fakeClockInit(&R.clk, 1000000);
    uint8_t reg[20];
    hexDecode(REGISTRY, reg, 20);
    fakeNodeInit(&R.node, 31337, &R.clk, reg);
    configDefaults(&R.cfg);
    configSet(&R.cfg, "WA_CONTRACT", REGISTRY, err);
    va_start(ap, name);
    for (const char *k = name; k; k = va_arg(ap, const char *)) {
        const char *v = va_arg(ap, const char *);
        if (configSet(&R.cfg, k, v, err) < 0) { fprintf(stderr, "setting %s: %s\n", k, err); abort(); }
    }
    va_end(ap);
    setenv("WA_RELAYER_KEY", KEY1, 1);
    unsetenv("WA_RELAYER_KEY_FILE");
    ethHooks h = {fakeNodePost, &R.node, &R.clk.src};
    int rc = ethOpen(&R.c, &R.cfg, 1, &h, err);
    if (rc == 0) {
        memcpy(R.relayer, R.c.key.addr, 20);
        R.c.onSigned = onSigned;
        R.c.signedCtx = &R;
        R.c.log = quiet;
    }
    return rc;
}

static void root(uint8_t r[32], uint8_t v) { memset(r, v, 32); }

/* The plain path: fees, gas, the hook before the broadcast, one transaction, batch 0. */
static void testSend(void) {
    ethAnchored a;
    uint8_t r[32];
    char err[ERR_MAX];
    T_CHECK(rigOpen(NULL) == 0, "open");
    root(r, 0x11);
    int rc = ethAnchor(&R.c, r, &a, err);
    T_CHECK(rc == 0, "anchor: %d %s", rc, err);
    const fakeTx *t = fakeNodeSent(&R.node, 0);
    T_CHECK(t && t->tx.gas == 62500, "gas = estimate 50000 + 25 %%: %llu", t ? (unsigned long long)t->tx.gas : 0);
    T_CHECK(t && t->tx.maxPriorityFeePerGas == 1 * GWEI && t->tx.maxFeePerGas == 3 * GWEI,
            "tip = the node's 1 gwei, max fee = 2 * base + tip = 3 gwei");
    T_CHECK(t && t->tx.nonce == 0 && a.rc.nonce == 0 && a.rc.replacements == 0, "nonce 0, no replacement");
    T_CHECK(R.signedCalls == 1 && R.sendsAtSign == 0, "the journal hook ran once, before the broadcast");
    T_CHECK(R.node.sends == 1 && fakeNodeCount(&R.node, "eth_sendRawTransaction") == 1, "one broadcast");
    T_CHECK(a.batchId == 0 && R.node.batchCount == 1 && a.rc.mined.status == 1 && a.rc.mined.blockNumber == 101,
            "batch 0 in block 101");
    ethReceiptFree(&a.rc);
    ethClose(&R.c);
}

/* Fees: the tip floor, the cap on the max fee, and no transaction at all above the cap. */
static void testFees(void) {
    ethAnchored a;
    uint8_t r[32];
    char err[ERR_MAX];
    root(r, 0x12);
    T_CHECK(rigOpen(NULL) == 0, "open");
    R.node.tip = 50000000;   /* 0.05 gwei: below WA_MIN_PRIORITY_FEE_WEI (0.1 gwei) */
    T_CHECK(ethAnchor(&R.c, r, &a, err) == 0, "anchor with a low tip suggestion: %s", err);
    const fakeTx *t = fakeNodeSent(&R.node, 0);
    T_CHECK(t && t->tx.maxPriorityFeePerGas == 100000000, "tip raised to the floor");
    ethReceiptFree(&a.rc);
    ethClose(&R.c);

    T_CHECK(rigOpen(NULL) == 0, "open");
    R.node.baseFee = 150 * GWEI;   /* 2 * 150 + 1 > WA_MAX_FEE_GWEI = 200 */
    T_CHECK(ethAnchor(&R.c, r, &a, err) == 0, "anchor at a high base fee: %s", err);
    t = fakeNodeSent(&R.node, 0);
    T_CHECK(t && t->tx.maxFeePerGas == 200 * GWEI, "max fee capped at WA_MAX_FEE_GWEI");
    ethReceiptFree(&a.rc);
    ethClose(&R.c);

    T_CHECK(rigOpen(NULL) == 0, "open");
    R.node.baseFee = 250 * GWEI;
    int rc = ethAnchor(&R.c, r, &a, err);
    T_CHECK(rc == -CHAIN_EFAIL && R.node.sends == 0 && R.signedCalls == 0, "base fee above the cap: refused, nothing signed (%d)", rc);
    ethReceiptFree(&a.rc);
    ethClose(&R.c);
}

/* A node that already has the transaction ("already known", "nonce too low" for our own
 * earlier attempt) has it: follow it, send nothing else. */
static void testKnown(void) {
    static const char *words[] = {"already known", "nonce too low"};
    for (int i = 0; i < 2; i++) {
        ethAnchored a;
        uint8_t r[32];
        char err[ERR_MAX];
        root(r, (uint8_t)(0x20 + i));
        T_CHECK(rigOpen(NULL) == 0, "open");
        R.node.rules[0] = (fakeRule){"eth_sendRawTransaction", 0, 1, -32000, words[i], NULL, 1};
        int rc = ethAnchor(&R.c, r, &a, err);
        T_CHECK(rc == 0 && R.node.sends == 1 && a.rc.replacements == 0 && a.batchId == 0,
                "'%s' for our own transaction: followed to its receipt (%d %s)", words[i], rc, err);
        ethReceiptFree(&a.rc);
        ethClose(&R.c);
    }
}

/* Another process with the same key takes our nonce: resend at the pending nonce. */
static void testNonceTaken(void) {
    ethAnchored a;
    uint8_t r[32];
    char err[ERR_MAX];
    root(r, 0x31);
    T_CHECK(rigOpen(NULL) == 0, "open");
    R.node.stealNonce = 1;
    int rc = ethAnchor(&R.c, r, &a, err);
    const fakeTx *t0 = fakeNodeSent(&R.node, 0), *t1 = fakeNodeSent(&R.node, 1);
    T_CHECK(rc == 0 && a.rc.nonce == 1, "nonce taken: anchored with nonce 1 (%d %s)", rc, err);
    T_CHECK(t0 && t1 && t0->tx.nonce == 0 && t1->tx.nonce == 1 && t0->state == FAKE_GONE, "sent at 0, then at 1");
    T_CHECK(fakeNodeNonce(&R.node, R.relayer) == 2 && R.node.batchCount == 1, "two nonces used, one anchor");
    ethReceiptFree(&a.rc);
    ethClose(&R.c);

    /* "replacement transaction underpriced" at the first send: a transaction of this key
     * with higher fees is pending at our nonce (a lagging node did not count it). */
    root(r, 0x32);
    T_CHECK(rigOpen(NULL) == 0, "open");
    fakeNodeForeign(&R.node, R.relayer, 0, 10 * GWEI, 50 * GWEI);
    R.node.pendingLag = 1;
    rc = ethAnchor(&R.c, r, &a, err);
    T_CHECK(rc == 0 && a.rc.nonce == 1 && R.node.sends == 1, "underpriced at the first send: resent at nonce 1 (%d %s)", rc, err);
    T_CHECK(fakeNodeCount(&R.node, "eth_sendRawTransaction") == 2, "two broadcasts, one accepted");
    ethReceiptFree(&a.rc);
    ethClose(&R.c);
}

/* A stuck transaction is replaced after WA_TX_BUMP_SECONDS with both fees >= +12.5 %. */
static void testBump(void) {
    ethAnchored a;
    uint8_t r[32];
    char err[ERR_MAX];
    root(r, 0x41);
    T_CHECK(rigOpen(NULL) == 0, "open");
    R.node.minTip = 1100000000;   /* 1.1 gwei: the first tip (1 gwei) is not mined, one bump is */
    int rc = ethAnchor(&R.c, r, &a, err);
    const fakeTx *t0 = fakeNodeSent(&R.node, 0), *t1 = fakeNodeSent(&R.node, 1);
    T_CHECK(rc == 0 && a.rc.replacements == 1 && R.node.sends == 2, "bumped once, then mined (%d %s)", rc, err);
    T_CHECK(t0 && t1 && t1->tx.nonce == t0->tx.nonce, "the replacement uses the same nonce");
    T_CHECK(t0 && t1 && t1->tx.maxPriorityFeePerGas * 8 >= t0->tx.maxPriorityFeePerGas * 9 &&
            t1->tx.maxFeePerGas * 8 >= t0->tx.maxFeePerGas * 9, "both fees +12.5 %% or more");
    T_CHECK(t0 && t1 && t1->sentAt - t0->sentAt >= 90000, "not before WA_TX_BUMP_SECONDS (90 s): %lld ms",
            t0 && t1 ? (long long)(t1->sentAt - t0->sentAt) : 0LL);
    T_CHECK(t0 && t0->state == FAKE_GONE && R.signedCalls == 2, "the first version was replaced; the hook saw both");
    ethReceiptFree(&a.rc);
    ethClose(&R.c);

    /* The cap forbids a valid bump: keep waiting (no replacement) until it is mined. */
    root(r, 0x42);
    T_CHECK(rigOpen("WA_MAX_FEE_GWEI", "3", NULL) == 0, "open");
    R.node.minTip = 1100000000;
    R.node.minTipEndsAt = R.clk.now + 400000;
    rc = ethAnchor(&R.c, r, &a, err);
    T_CHECK(rc == 0 && a.rc.replacements == 0 && R.node.sends == 1, "cap reached: no bump, mined later (%d %s)", rc, err);
    T_CHECK(R.clk.now >= R.node.minTipEndsAt, "it waited for the block that took it");
    ethReceiptFree(&a.rc);
    ethClose(&R.c);
}

/* The block holding our transaction is reorganised away during the confirmations:
 * follow the transaction to its new block; one anchor. */
static void testReorg(void) {
    ethAnchored a;
    uint8_t r[32], bh[32];
    char err[ERR_MAX];
    root(r, 0x51);
    T_CHECK(rigOpen("WA_CONFIRMATIONS", "3", NULL) == 0, "open");
    R.node.reorgBlock = 101;
    R.node.reorgDepth = 1;
    int rc = ethAnchor(&R.c, r, &a, err);
    T_CHECK(rc == 0 && R.node.reorged, "reorg followed (%d %s)", rc, err);
    T_CHECK(a.rc.mined.blockNumber > 101 && R.node.batchCount == 1 && a.batchId == 0,
            "anchored in the new block %llu, once", (unsigned long long)a.rc.mined.blockNumber);
    memset(bh, 0, sizeof bh);
    for (size_t i = 0; i < R.node.ntx; i++)
        if (R.node.txs[i].state == FAKE_MINED && !memcmp(R.node.txs[i].hash, a.rc.mined.txHash, 32))
            T_CHECK(R.node.txs[i].block == a.rc.mined.blockNumber, "the receipt is the new block's");
    T_CHECK(R.node.head + 1 >= a.rc.mined.blockNumber + 3, "3 confirmations on the new block");
    ethReceiptFree(&a.rc);
    ethClose(&R.c);
}

/* Reverts: mined with status 0 (reason replayed), or refused at estimation (nothing sent). */
static void testRevert(void) {
    ethAnchored a;
    uint8_t r[32];
    char err[ERR_MAX];
    root(r, 0x61);
    T_CHECK(rigOpen(NULL) == 0, "open");
    R.node.revertOnChain = 1;
    int rc = ethAnchor(&R.c, r, &a, err);
    T_CHECK(rc == -CHAIN_EREVERT && a.rc.mined.status == 0 && R.node.batchCount == 0, "status 0: -CHAIN_EREVERT (%d)", rc);
    T_CHECK(strstr(err, "NotRelayer(0x70997970C51812dc3A010C7d01b50e0d17dc79C8)") != NULL, "the replayed reason is reported: %s", err);
    ethReceiptFree(&a.rc);
    ethClose(&R.c);

    T_CHECK(rigOpen(NULL) == 0, "open");
    R.node.revertEstimate = 1;
    rc = ethAnchor(&R.c, r, &a, err);
    T_CHECK(rc == -CHAIN_EREVERT && R.node.sends == 0 && R.signedCalls == 0, "estimate reverts: nothing signed or sent (%d)", rc);
    ethReceiptFree(&a.rc);
    /* The same client later gets a malformed answer: a failure, not the earlier revert
     * again (the node's error kind and revert data belong to one call only). */
    R.node.revertEstimate = 0;
    R.node.badEstimate = 1;
    rc = ethAnchor(&R.c, r, &a, err);
    T_CHECK(rc == -CHAIN_EFAIL && R.node.sends == 0, "a malformed estimate after a revert: -CHAIN_EFAIL, not a revert (%d %s)", rc, err);
    ethReceiptFree(&a.rc);
    ethClose(&R.c);
}

/* Never mined: -CHAIN_ETIMEOUT after WA_TX_TIMEOUT_SECONDS (bumping meanwhile). */
static void testTimeout(void) {
    ethAnchored a;
    uint8_t r[32];
    char err[ERR_MAX];
    root(r, 0x71);
    T_CHECK(rigOpen("WA_TX_TIMEOUT_SECONDS", "600", NULL) == 0, "open");
    R.node.minTip = 1000 * GWEI;
    int64_t t0 = R.clk.now;
    int rc = ethAnchor(&R.c, r, &a, err);
    T_CHECK(rc == -CHAIN_ETIMEOUT, "not mined: -CHAIN_ETIMEOUT (%d %s)", rc, err);
    T_CHECK(R.clk.now - t0 >= 600000 && R.clk.now - t0 < 610000, "after WA_TX_TIMEOUT_SECONDS of (fake) time: %lld ms",
            (long long)(R.clk.now - t0));
    T_CHECK(R.node.sends >= 6 && R.node.batchCount == 0, "bumped every 90 s meanwhile (%u sends)", R.node.sends);
    ethReceiptFree(&a.rc);
    ethClose(&R.c);
}

/* The journal hook refuses: nothing is broadcast. Insufficient funds: a failure. */
static void testRefusals(void) {
    ethAnchored a;
    uint8_t r[32];
    char err[ERR_MAX];
    root(r, 0x81);
    T_CHECK(rigOpen(NULL) == 0, "open");
    R.refuse = 1;
    int rc = ethAnchor(&R.c, r, &a, err);
    T_CHECK(rc == -CHAIN_EFAIL && fakeNodeCount(&R.node, "eth_sendRawTransaction") == 0, "hook refused: nothing sent (%d)", rc);
    ethReceiptFree(&a.rc);
    ethClose(&R.c);

    T_CHECK(rigOpen(NULL) == 0, "open");
    R.node.balance = 1000;
    rc = ethAnchor(&R.c, r, &a, err);
    T_CHECK(rc == -CHAIN_EFAIL && R.node.sends == 0, "insufficient funds: -CHAIN_EFAIL, nothing pooled (%d)", rc);
    T_CHECK(strstr(err, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8") != NULL, "names the relayer to fund: %s", err);
    ethReceiptFree(&a.rc);
    ethClose(&R.c);

    uint8_t z[32] = {0};
    T_CHECK(rigOpen(NULL) == 0, "open");
    T_CHECK(ethAnchor(&R.c, z, &a, err) == -CHAIN_EFAIL && R.node.sends == 0, "the zero root is refused before sending");
    ethReceiptFree(&a.rc);
    ethClose(&R.c);
}

/* signed: a raw type-2 transaction of anchor(root) to the registry signed with key. */
static void signRaw(const char *key, uint64_t chainId, uint64_t nonce, buf *raw) {
    uint8_t sk[32], data[36], r[32], h[32];
    ethKey k;
    char err[ERR_MAX];
    hexDecode(key, sk, 32);
    root(r, 0x91);
    abiAnchorCall(r, data);
    ethTx tx = {.chainId = chainId, .nonce = nonce, .maxPriorityFeePerGas = GWEI, .maxFeePerGas = 3 * GWEI, .gas = 62500,
                .hasTo = 1, .data = data, .dataLen = sizeof data};
    hexDecode(REGISTRY, tx.to, 20);
    if (ethKeyFromBytes(&k, sk, err) < 0 || ethTxSign(&tx, &k, raw, h, err) < 0) abort();
    ethKeyWipe(&k);
}

/* ethResume: another signer or another chain is refused; our own is followed. */
static void testResume(void) {
    ethReceipt rc0;
    buf raw = BUF_INIT;
    char err[ERR_MAX];
    T_CHECK(rigOpen(NULL) == 0, "open");
    signRaw(KEY2, 31337, 0, &raw);
    int rc = ethResume(&R.c, raw.p, raw.len, &rc0, err);
    T_CHECK(rc == -CHAIN_EFAIL && R.node.sends == 0, "resume: another signer refused, nothing sent (%d)", rc);
    signRaw(KEY1, 1, 0, &raw);
    rc = ethResume(&R.c, raw.p, raw.len, &rc0, err);
    T_CHECK(rc == -CHAIN_ECHAIN && R.node.sends == 0, "resume: another chain refused, nothing sent (%d)", rc);
    signRaw(KEY1, 31337, 0, &raw);
    rc = ethResume(&R.c, raw.p, raw.len, &rc0, err);
    T_CHECK(rc == 0 && rc0.nonce == 0 && rc0.mined.status == 1 && R.node.sends == 1 && R.node.batchCount == 1,
            "resume: our transaction rebroadcast and confirmed (%d %s)", rc, err);
    ethReceiptFree(&rc0);
    bufFree(&raw);
    ethClose(&R.c);
}

/* Opening: the chain id is checked before the key is even read; RPC retries on the clock. */
static void testOpen(void) {
    char err[ERR_MAX];
    T_CHECK(rigOpen("WA_CHAIN_ID", "1", NULL) == -CHAIN_ECHAIN, "chain id mismatch: -CHAIN_ECHAIN");
    T_CHECK(R.node.calls == 1 && fakeNodeCount(&R.node, "eth_chainId") == 1, "only eth_chainId was asked");
    T_CHECK(getenv("WA_RELAYER_KEY") != NULL, "the relayer key was not loaded");
    unsetenv("WA_RELAYER_KEY");

    /* Two lost requests, then an answer: one round per attempt, paused on the (fake) clock. */
    fakeNodeFree(&R.node);
    memset(&R, 0, sizeof R);
    fakeClockInit(&R.clk, 1000000);
    fakeNodeInit(&R.node, 31337, &R.clk, NULL);
    configDefaults(&R.cfg);
    R.node.failPosts = 1;
    R.node.http503 = 1;
    ethHooks h = {fakeNodePost, &R.node, &R.clk.src};
    int rc = ethOpen(&R.c, &R.cfg, 0, &h, err);
    T_CHECK(rc == 0 && R.node.calls == 3 && R.clk.sleeps == 2, "transport error and 503 retried (%d %s)", rc, err);
    T_CHECK(R.clk.now - 1000000 >= 250 + 500 && R.clk.now - 1000000 <= 375 + 750, "back-off 250 ms then 500 ms (+ jitter): %lld",
            (long long)(R.clk.now - 1000000));
    ethClose(&R.c);
    R.node.failPosts = 100;
    rc = ethOpen(&R.c, &R.cfg, 0, &h, err);
    T_CHECK(rc == -CHAIN_EDOWN, "no answer at all: -CHAIN_EDOWN (%d)", rc);
    ethClose(&R.c);
}

/* Deploy: the contract address is keccak(rlp(sender, nonce)) and holds code; anchoring
 * needs WA_CONTRACT with code. */
static void testDeploy(void) {
    ethReceipt d;
    ethAnchored a;
    uint8_t addr[20], want[20], r[32];
    char err[ERR_MAX];
    T_CHECK(rigOpen(NULL) == 0, "open");
    int rc = ethDeploy(&R.c, addr, &d, err);
    ethCreateAddr(R.relayer, 0, want);
    T_CHECK(rc == 0 && !memcmp(addr, want, 20), "deployed at keccak(rlp(sender, 0)) (%d %s)", rc, err);
    ethReceiptFree(&d);
    R.node.hasContract = 0;
    R.c.contractChecked = 0;
    root(r, 0xa1);
    rc = ethAnchor(&R.c, r, &a, err);
    T_CHECK(rc == -CHAIN_ECONFIG && R.node.sends == 1, "WA_CONTRACT without code: -CHAIN_ECONFIG, nothing sent (%d)", rc);
    ethReceiptFree(&a.rc);
    ethClose(&R.c);
}

int main(void) {
    testSend();
    testFees();
    testKnown();
    testNonceTaken();
    testBump();
    testReorg();
    testRevert();
    testTimeout();
    testRefusals();
    testResume();
    testOpen();
    testDeploy();
    fakeNodeFree(&R.node);
    return T_DONE();
}
