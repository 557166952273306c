/* chain.h -- the one read client of the chain: the WitnessAnchorRegistry and the
 * transactions that anchor it, over JSON-RPC (verifier/chain/ethrpc.h).
 *
 * Used by didverify (verifier/roots.h: roots, receipts, Anchored logs) and by anchord's
 * write side (anchord/chain/eth.h), which adds signing, sending and following only.
 * Ownership: a chainReader owns its ethRpc; chainReadClose frees it. Thread safety: a
 * chainReader is used by one thread at a time; readers are independent.
 * Errors: 0 (or an answer >= 0 where stated), or minus one of CHAIN_E* with one line in
 * err. The numbers are anchord's exit codes for the chain commands (docs/eth.md). */
#ifndef WA_CHAIN_H
#define WA_CHAIN_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "core/err.h"
#include "verifier/chain/abi.h"
#include "verifier/chain/ethaddr.h"
#include "verifier/chain/ethrpc.h"

/* Failure categories: a function returns 0 or minus one of these (so -1 is the generic
 * failure, as everywhere else). */
enum {
    CHAIN_EFAIL = 1,      /* anything else: the node refused, a malformed answer, ... */
    CHAIN_ECONFIG = 3,    /* bad or missing configuration (URL list, contract, key) */
    CHAIN_EDOWN = 4,      /* no RPC URL answered */
    CHAIN_ECHAIN = 5,     /* the node's chain id is not the expected one */
    CHAIN_EREVERT = 6,    /* the call or transaction reverted */
    CHAIN_ETIMEOUT = 7    /* not mined / not confirmed in time (the write side) */
};

typedef struct chainReader {
    ethRpc rpc;
    uint64_t chainId;                  /* what the node reported at open */
    int hasContract;
    uint8_t contract[ETH_ADDR_LEN];    /* the registry, when hasContract */
} chainReader;

typedef struct chainReadOpts {         /* zero = the ethRpc defaults */
    long timeoutMs;                    /* one request */
    int attempts;                      /* rounds over all URLs */
    long backoffMs;                    /* first pause between rounds */
    void (*onError)(const char *kind); /* counts RPC failures (anchord's rpc_errors_total) */
    const char *chainIdName;           /* what a mismatch message calls the expected id
                                          ("WA_CHAIN_ID"); NULL = "the expected chain id" */
    ethRpcPostFn post;                 /* NULL = HTTP; unit tests: a scripted node */
    void *postCtx;
    const clockSrc *clock;             /* the RPC's retry pauses; NULL = the real clock */
} chainReadOpts;

typedef struct chainReceipt {
    uint8_t txHash[32], blockHash[32];
    uint64_t blockNumber, gasUsed;
    int status;                        /* 1 success, 0 reverted */
    int hasContractAddress;
    uint8_t contractAddress[ETH_ADDR_LEN];
    json_t *logs;                      /* the receipt's logs (owned; an array) */
} chainReceipt;

/* chainReadOpen: connect to urls (comma-separated, fail-over in order; -CHAIN_ECONFIG
 * when the list is bad) with o (NULL = defaults) and read eth_chainId; a non-zero
 * expectChainId must match (-CHAIN_ECHAIN, nothing else asked). contract NULL = no
 * registry calls (they answer -CHAIN_ECONFIG). On error nothing is left open. */
int chainReadOpen(chainReader *r, const char *urls, const chainReadOpts *o, uint64_t expectChainId,
                  const uint8_t *contract, char *err);
/* chainReadClose: free r; safe on a zeroed or closed reader. */
void chainReadClose(chainReader *r);

/* chainRpc: one JSON-RPC call (params stolen; NULL = []): 0 and *res (caller decrefs),
 * -CHAIN_EDOWN when no node answered, -CHAIN_EFAIL when a node answered with an error
 * (its kind in r->rpc.lastClass, its code and revert data beside it). */
int chainRpc(chainReader *r, const char *method, json_t *params, json_t **res, char *err);
/* chainQty: chainRpc of a method whose answer is a quantity, into *out. */
int chainQty(chainReader *r, const char *method, json_t *params, uint64_t *out, char *err);
/* chainRevert: rc, a chainRpc result for the request `what`, as a revert when the node
 * said the call reverted (RPC_NODE_REVERT): -CHAIN_EREVERT with "what: execution
 * reverted: REASON" in err (what NULL: without the "what: ") when revert data came
 * (abiRevertReason), err as the node put it otherwise. Any other rc is returned as it is. */
int chainRevert(chainReader *r, const char *what, int rc, char *err);

/* chainCall: eth_call of the registry (from may be NULL) with data at tag ("latest" or a
 * 0x block number), exactly want result bytes into out; a revert is -CHAIN_EREVERT. */
int chainCall(chainReader *r, const uint8_t *from, const uint8_t *data, size_t len, const char *tag,
              uint8_t *out, size_t want, char *err);
/* chainRoots: roots(batchId) at tag (all zero: no such batch). */
int chainRoots(chainReader *r, uint64_t batchId, const char *tag, uint8_t root[32], char *err);
/* chainBatchCount: batchCount() at tag. */
int chainBatchCount(chainReader *r, const char *tag, uint64_t *n, char *err);
/* chainVerifyRoot: verify(batchId, root) at the latest block into *ok (1 / 0). */
int chainVerifyRoot(chainReader *r, uint64_t batchId, const uint8_t root[32], int *ok, char *err);
/* chainHasCode: 0 when addr holds contract code, -CHAIN_ECONFIG when it holds none. */
int chainHasCode(chainReader *r, const uint8_t addr[ETH_ADDR_LEN], char *err);
/* chainBlockNumber: eth_blockNumber. */
int chainBlockNumber(chainReader *r, uint64_t *n, char *err);
/* chainTxCount: eth_getTransactionCount(addr, tag) ("latest" or "pending"). */
int chainTxCount(chainReader *r, const uint8_t addr[ETH_ADDR_LEN], const char *tag, uint64_t *n, char *err);
/* chainGetReceipt: the receipt of txHash: 1 found (out filled: blockNumber, blockHash,
 * status, gasUsed and a logs array are required; free with chainReceiptFree), 0 not
 * (yet) on chain, or -CHAIN_E* (a malformed receipt is -CHAIN_EFAIL). */
int chainGetReceipt(chainReader *r, const uint8_t txHash[32], chainReceipt *out, char *err);
/* chainReceiptFree: release out's logs; safe on a zeroed receipt. */
void chainReceiptFree(chainReceipt *rc);
/* One Anchored event of the registry as eth_getLogs reports it. */
typedef struct chainAnchoredLog {
    uint64_t batchId, timestamp, blockNumber;
    uint8_t root[32], txHash[32];
} chainAnchoredLog;

/* chainAnchoredLogs: each Anchored log of the registry in blocks [from, to] to fn, in
 * the node's order; fn returns 0 to go on or -1 + err to stop (returned as -CHAIN_EFAIL).
 * -CHAIN_EFAIL with *refused = 1 when the node refused the range (the caller splits it);
 * a malformed log is -CHAIN_EFAIL. */
int chainAnchoredLogs(chainReader *r, uint64_t from, uint64_t to,
                      int (*fn)(void *ctx, const chainAnchoredLog *a, char *err), void *ctx, int *refused,
                      char *err);

#endif
