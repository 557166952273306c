/* eth.h -- the relayer's Ethereum client: configuration, chain id check, nonce and
 * fee policy, send with replacement of stuck transactions, receipts, confirmations,
 * WitnessAnchorRegistry calls (deploy, anchor, roots, verify, batchCount). */
#ifndef WA_ETH_H
#define WA_ETH_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "anchord/config/config.h"
#include "anchord/chain/ethkey.h"
#include "verifier/chain/ethrpc.h"

/* Failure categories. Functions here return 0, or minus one of these (so -1 is
 * the generic failure, as everywhere else); anchord uses them as exit codes. */
enum {
    ETH_EFAIL = 1,      /* anything else (node refused, malformed answer, ...) */
    ETH_ECONFIG = 3,    /* bad or missing configuration or key */
    ETH_EDOWN = 4,      /* no RPC URL reachable */
    ETH_ECHAIN = 5,     /* the node's chain id differs from WA_CHAIN_ID */
    ETH_EREVERT = 6,    /* the call or transaction reverted */
    ETH_ETIMEOUT = 7    /* not mined / not confirmed in time */
};

typedef struct ethConfig {
    char rpcUrls[1024];          /* WA_RPC_URLS, comma-separated */
    uint64_t chainId;            /* WA_CHAIN_ID */
    int hasContract;
    uint8_t contract[ETH_ADDR_LEN];   /* WA_CONTRACT */
    unsigned confirmations;      /* WA_CONFIRMATIONS (>= 1; 1 = in a block) */
    long rpcTimeoutMs;           /* WA_RPC_TIMEOUT_MS */
    int rpcAttempts;             /* WA_RPC_ATTEMPTS */
    long rpcBackoffMs;           /* WA_RPC_BACKOFF_MS */
    unsigned gasMarginPct;       /* WA_GAS_MARGIN_PCT, added to eth_estimateGas */
    uint64_t gasLimit;           /* WA_GAS_LIMIT, 0 = estimate */
    uint64_t maxFeeWei;          /* WA_MAX_FEE_GWEI: never pay more per gas */
    uint64_t minPriorityFeeWei;  /* WA_MIN_PRIORITY_FEE_WEI: tip floor */
    unsigned bumpSeconds;        /* WA_TX_BUMP_SECONDS: replace when unmined this long */
    unsigned txTimeoutSeconds;   /* WA_TX_TIMEOUT_SECONDS: give up (tx may still mine) */
    unsigned pollMs;             /* WA_POLL_MS */
    char relayerKeyFile[CONFIG_STR_MAX];  /* WA_RELAYER_KEY_FILE ("" = $WA_RELAYER_KEY) */
} ethConfig;

typedef struct ethReceipt {
    uint8_t txHash[32];
    uint8_t blockHash[32];
    uint64_t blockNumber;
    uint64_t gasUsed;
    uint64_t nonce;
    int status;                        /* 1 success, 0 reverted */
    int hasContractAddress;
    uint8_t contractAddress[ETH_ADDR_LEN];
    unsigned replacements;             /* fee bumps broadcast before it was mined */
    json_t *logs;                      /* the receipt's logs (owned) */
} ethReceipt;

/* What the onSigned hook sees: called after signing and BEFORE each broadcast
 * (first send and every replacement), so a journal can record the transaction
 * first. Returning -1 aborts the send. */
typedef struct ethSentTx {
    const uint8_t *raw;
    size_t rawLen;
    const uint8_t *txHash;
    uint64_t nonce;
    uint64_t maxFeePerGas;
    uint64_t maxPriorityFeePerGas;
} ethSentTx;

typedef struct ethClient {
    ethConfig cfg;
    ethRpc rpc;
    ethKey key;
    int hasKey;
    int contractChecked;
    uint64_t nextNonce;      /* floor for the next nonce: one we used is never reused */
    void (*log)(void *ctx, const char *line);   /* default: stderr */
    void *logCtx;
    int (*onSigned)(void *ctx, const ethSentTx *s);
    void *signedCtx;
} ethClient;

typedef struct ethAnchored {
    uint64_t batchId;
    uint8_t root[32];
    uint64_t timestamp;
    ethReceipt rc;
} ethAnchored;

/* ethConfigFrom: the client's settings out of anchord's loaded (and already
 * validated) configuration (anchord/config/config.h owns every WA_* name, default and
 * bound). -ETH_ECONFIG + err on a bad value. */
int ethConfigFrom(const config *in, ethConfig *cfg, char *err);

/* ethOpen: connect and check eth_chainId against cfg->chainId (-ETH_ECHAIN on
 * mismatch), then, when withKey, load the relayer key (ethKeyLoad). Nothing is
 * signed before the chain id has been checked. */
int ethOpen(ethClient *c, const ethConfig *cfg, int withKey, char *err);
void ethClose(ethClient *c);

/* ethSend: build, sign and broadcast a type-2 transaction to `to` (NULL =
 * contract creation) with calldata, then follow it until it has
 * cfg.confirmations confirmations: pending nonce (never below one already used),
 * eth_estimateGas + margin, fees from the base fee and the suggested tip, "nonce
 * too low" / nonce taken by another sender recovered with a fresh nonce, fee
 * bumps of >= 12.5 % after cfg.bumpSeconds, reorgs followed. A receipt with
 * status 0 gives -ETH_EREVERT (with the revert reason when the node gives one).
 * out is filled in both cases; free with ethReceiptFree. */
int ethSend(ethClient *c, const uint8_t *to, const uint8_t *data, size_t len, ethReceipt *out, char *err);

/* ethResume: follow a raw transaction signed earlier (e.g. from a journal):
 * rebroadcast it, then as ethSend. */
int ethResume(ethClient *c, const uint8_t *raw, size_t len, ethReceipt *out, char *err);

void ethReceiptFree(ethReceipt *r);

/* ethDeploy: deploy WitnessAnchorRegistry (anchord/chain/registry_code.c); addr gets
 * the new contract's address (checked against keccak(rlp(sender, nonce))). */
int ethDeploy(ethClient *c, uint8_t addr[ETH_ADDR_LEN], ethReceipt *out, char *err);

/* ethAnchor: anchor(root) on cfg.contract; the batchId comes from the receipt's
 * Anchored log (emitted by the contract, topic0 = keccak of the event signature,
 * root equal to ours), read again after the confirmations. */
int ethAnchor(ethClient *c, const uint8_t root[32], ethAnchored *a, char *err);

/* ethAnchorResume: follow an anchor(root) transaction signed before a crash (the
 * newest raw transaction the journal holds) as ethResume does, then take the batchId
 * from its confirmed receipt as ethAnchor does. */
int ethAnchorResume(ethClient *c, const uint8_t root[32], const uint8_t *raw, size_t len, ethAnchored *a,
                    char *err);

/* ethRpcMetrics: the RPC client's failure hook (ethRpc.onError) that ethOpen
 * installs: counts rpc_errors_total{kind}. */
void ethRpcMetrics(const char *kind);

/* eth_call views of the registry at the latest block. */
int ethRoots(ethClient *c, uint64_t batchId, uint8_t root[32], char *err);
int ethVerifyRoot(ethClient *c, uint64_t batchId, const uint8_t root[32], int *ok, char *err);
int ethBatchCount(ethClient *c, uint64_t *n, char *err);

#endif
