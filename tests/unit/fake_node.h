/* fake_node.h -- a scripted Ethereum JSON-RPC node in process, for unit tests of the chain
 * client (the read client verifier/chain/chain.h and anchord's write side
 * anchord/chain/eth.h) without anvil.
 *
 * It sits behind the transport seam (ethRpcPostFn: fakeNodePost) and answers the methods
 * the clients use: eth_chainId, eth_blockNumber, eth_getTransactionCount (latest,
 * pending), eth_feeHistory, eth_maxPriorityFeePerGas, eth_estimateGas, eth_call (the
 * registry's roots/batchCount/verify, anchor replays), eth_getCode,
 * eth_sendRawTransaction (raw EIP-1559 transactions decoded with ethTxDecode; geth's pool
 * rules: already known, nonce too low, replacement needs +10 % on both fees, insufficient
 * funds), eth_getTransactionReceipt and eth_getLogs (the registry's Anchored events).
 * Blocks are mined on a fake monotonic clock (fakeClock, also the client's clockSrc): one
 * block every blockMs of fake time, holding every pooled transaction whose max fee
 * covers the base fee and whose tip reaches minTip. Anchor transactions to the registry
 * run the registry's rules (batchId = batchCount++, roots, the Anchored log).
 * Scripted faults: error answers by method (fakeRule), transport failures, HTTP 503, a
 * reorganisation, another sender taking our nonce, mined reverts.
 * Not thread-safe; test code only. */
#ifndef WA_FAKE_NODE_H
#define WA_FAKE_NODE_H
#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"
#include "core/io/clock.h"
#include "anchord/chain/ethtx.h"

/* fakeClock: a monotonic clock whose sleep only advances it (clockSrc over it: fakeClockSrc). */
typedef struct fakeClock {
    int64_t now;                 /* ms */
    clockSrc src;                /* monoMs / sleepMs over now */
    unsigned sleeps;             /* sleeps taken */
} fakeClock;
void fakeClockInit(fakeClock *c, int64_t startMs);

#define FAKE_RULES 8
#define FAKE_TXS 256
#define FAKE_ACCOUNTS 8
#define FAKE_BATCHES 64

/* fakeRule: answer `method` with a JSON-RPC error {code, message, data (NULL = none)}
 * after `skip` calls of it, `times` times (-1 = always). accept (eth_sendRawTransaction
 * only): the transaction still enters the pool, as when an earlier attempt reached it. */
typedef struct fakeRule {
    const char *method;
    int skip, times;
    int code;
    const char *message, *data;
    int accept;
} fakeRule;

enum { FAKE_POOL = 1, FAKE_MINED, FAKE_GONE };

typedef struct fakeTx {
    uint8_t hash[32], from[20];
    ethTx tx;                    /* tx.data points into raw */
    uint8_t *raw;
    size_t rawLen;
    int state;                   /* FAKE_POOL / FAKE_MINED / FAKE_GONE (replaced or dropped) */
    uint64_t block;              /* when mined */
    int status;                  /* when mined: 1 success, 0 reverted */
    uint64_t batchId;            /* when it anchored a root */
    int anchored;
    int64_t sentAt;              /* fake time it entered the pool */
    int foreign;                 /* put there by the test, not sent by the client */
} fakeTx;

typedef struct fakeAccount {
    uint8_t addr[20];
    uint64_t nonce;              /* mined transactions (the "latest" count) */
} fakeAccount;

typedef struct fakeNode {
    uint64_t chainId;
    fakeClock *clock;
    int64_t blockMs;             /* a block every blockMs (default 2000) */
    int64_t nextBlockAt;
    int mining;                  /* 0 = no block is mined while 0 (default 1) */
    uint64_t head;               /* latest block number */
    unsigned salt;               /* changes the hashes of blocks >= saltFrom (reorgs) */
    uint64_t saltFrom;
    uint64_t baseFee, tip, minTip;   /* wei: base fee, eth_maxPriorityFeePerGas, the miner's floor */
    int64_t minTipEndsAt;        /* from this fake time on minTip is 0 (0 = never) */
    int pendingLag;              /* the next n "pending" counts are answered as "latest" (a lagging node) */
    uint64_t gasEstimate;
    uint64_t balance;            /* every sender's balance in wei */
    int revertOnChain;           /* mined anchors revert (status 0); their replay reverts NotRelayer(from) */
    int revertEstimate;          /* eth_estimateGas of an anchor reverts NotRelayer(from) */
    int badEstimate;             /* eth_estimateGas answers a malformed quantity ("0xzz") */
    uint64_t reorgBlock;         /* when head reaches reorgBlock + reorgDepth, blocks >= reorgBlock are
                                    replaced by empty ones once (their transactions go back to the pool) */
    uint64_t reorgDepth;
    int reorged;
    int stealNonce;              /* at the next block, a foreign transaction of the sender takes the nonce
                                    of each pooled client transaction instead (one-shot) */
    int failPosts;               /* the next n requests get no answer (transport error) */
    int http503;                 /* the next n requests get HTTP 503 */
    int duplicateLog;            /* eth_getLogs repeats the first Anchored log */
    fakeRule rules[FAKE_RULES];
    fakeTx txs[FAKE_TXS];
    size_t ntx;
    fakeAccount acct[FAKE_ACCOUNTS];
    size_t nacct;
    uint8_t contract[20];        /* the registry; its code is there when hasContract */
    int hasContract;
    uint8_t created[4][20];      /* contracts deployed through the node */
    size_t ncreated;
    uint8_t roots[FAKE_BATCHES][32];
    uint64_t batchCount;
    unsigned calls, sends;       /* requests answered, eth_sendRawTransaction accepted */
    struct { char method[48]; unsigned n; } counts[32];
    size_t ncounts;
} fakeNode;

/* fakeNodeInit: a node of chain chainId on clock c, a registry at contract (NULL = none),
 * base fee 1 gwei, tip 1 gwei, minTip 0, estimate 50000, balance 100 ETH. */
void fakeNodeInit(fakeNode *n, uint64_t chainId, fakeClock *c, const uint8_t *contract);
void fakeNodeFree(fakeNode *n);

/* fakeNodePost: the ethRpcPostFn of the node (ctx = the fakeNode). */
int fakeNodePost(void *ctx, const char *url, const char *body, size_t len, buf *resp, long *status, char *err);

/* fakeNodeForeign: put a transaction of `from` at nonce with the given fees into the pool
 * as if another process using the same key had sent it (it is mined like any other). */
void fakeNodeForeign(fakeNode *n, const uint8_t from[20], uint64_t nonce, uint64_t tip, uint64_t maxFee);

/* fakeNodeCount: the number of requests of method answered so far (errors included). */
unsigned fakeNodeCount(const fakeNode *n, const char *method);
/* fakeNodeSent: the i-th transaction the client sent that entered the pool (not foreign), or NULL. */
const fakeTx *fakeNodeSent(const fakeNode *n, size_t i);
/* fakeNodeNonce: the latest nonce of addr. */
uint64_t fakeNodeNonce(const fakeNode *n, const uint8_t addr[20]);

#endif
