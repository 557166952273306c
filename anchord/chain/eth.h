/* eth.h -- the relayer's write side of the chain: nonce and fee policy, signing, sending
 * with replacement of stuck transactions, confirmations, reorgs; deploy and anchor.
 * Every read (chain id, receipts, counts, the registry's views) goes through the one
 * read client, verifier/chain/chain.h, which this client holds as `rd`.
 *
 * Ownership: an ethClient borrows its configuration (which must outlive it) and owns its
 * reader and key; ethClose frees both. Thread safety: one thread at a time per client.
 * Errors: 0, or minus one of CHAIN_E* (verifier/chain/chain.h) with one line in err;
 * anchord uses them as exit codes. */
#ifndef WA_ETH_H
#define WA_ETH_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "anchord/config/config.h"
#include "anchord/chain/ethkey.h"
#include "core/io/clock.h"
#include "verifier/chain/chain.h"

typedef struct ethReceipt {
    chainReceipt mined;                /* the receipt as the chain has it (owned logs) */
    uint64_t nonce;
    unsigned replacements;             /* fee bumps broadcast before it was mined */
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
    chainReader rd;          /* every read; the chain id checked at open; the contract */
    const config *cfg;       /* WA_* settings (anchord/config/config.h), borrowed */
    uint64_t maxFeeWei;      /* WA_MAX_FEE_GWEI in wei */
    ethKey key;
    int hasKey;
    int contractChecked;     /* WA_CONTRACT was found to hold code */
    uint64_t nextNonce;      /* floor for the next nonce: one we used is never reused */
    const clockSrc *clock;   /* deadlines, bump times and polls (clockReal) */
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

/* ethHooks: what a unit test puts in place of the node and the clock (NULL members =
 * the real ones): the JSON-RPC transport (tests/unit/fake_node.c) and the monotonic
 * clock whose sleep the lifecycle's polls and bumps use. */
typedef struct ethHooks {
    ethRpcPostFn post;
    void *postCtx;
    const clockSrc *clock;
} ethHooks;

/* ethOpen: the client for cfg (borrowed; WA_RPC_URLS, WA_CHAIN_ID, WA_CONTRACT, the RPC,
 * fee and transaction settings, WA_RELAYER_KEY_FILE): connect and check eth_chainId
 * against WA_CHAIN_ID (-CHAIN_ECHAIN on mismatch, nothing signed), then, when withKey,
 * load the relayer key (ethKeyLoad; -CHAIN_ECONFIG). h may be NULL. On error nothing is
 * left open. */
int ethOpen(ethClient *c, const config *cfg, int withKey, const ethHooks *h, char *err);
void ethClose(ethClient *c);

/* ethNeedContract: WA_CONTRACT is set (else -CHAIN_ECONFIG, "deploy with anchord
 * deploy") and holds contract code (checked once per client). */
int ethNeedContract(ethClient *c, char *err);

/* ethSend: build, sign and broadcast a type-2 transaction to `to` (NULL =
 * contract creation) with calldata, then follow it until it has
 * WA_CONFIRMATIONS confirmations: pending nonce (never below one already used),
 * eth_estimateGas + margin, fees from the base fee and the suggested tip, "nonce
 * too low" / nonce taken by another sender recovered with a fresh nonce, fee
 * bumps of >= 12.5 % after WA_TX_BUMP_SECONDS, reorgs followed. A receipt with
 * status 0 gives -CHAIN_EREVERT (with the revert reason when the node gives one).
 * out is filled in both cases; free with ethReceiptFree. */
int ethSend(ethClient *c, const uint8_t *to, const uint8_t *data, size_t len, ethReceipt *out, char *err);

/* ethResume: follow a raw transaction signed earlier (e.g. from a journal):
 * rebroadcast it, then as ethSend. */
int ethResume(ethClient *c, const uint8_t *raw, size_t len, ethReceipt *out, char *err);

/* ethReceiptFree: release r's logs; safe on a zeroed receipt. */
void ethReceiptFree(ethReceipt *r);

/* ethDeploy: deploy WitnessAnchorRegistry (anchord/chain/registry_code.c); addr gets
 * the new contract's address (checked against keccak(rlp(sender, nonce))). */
int ethDeploy(ethClient *c, uint8_t addr[ETH_ADDR_LEN], ethReceipt *out, char *err);

/* ethAnchor: anchor(root) on WA_CONTRACT; the batchId comes from the receipt's
 * Anchored log (emitted by the contract, topic0 = keccak of the event signature,
 * root equal to ours), read again after the confirmations, and roots(batchId) on chain
 * must be our root. */
int ethAnchor(ethClient *c, const uint8_t root[32], ethAnchored *a, char *err);

/* ethAnchorResume: follow an anchor(root) transaction signed before a crash (the
 * newest raw transaction the journal holds) as ethResume does, then take the batchId
 * from its confirmed receipt as ethAnchor does. */
int ethAnchorResume(ethClient *c, const uint8_t root[32], const uint8_t *raw, size_t len, ethAnchored *a,
                    char *err);

/* ethRpcMetrics: the RPC client's failure hook (ethRpc.onError) that ethOpen
 * installs: counts rpc_errors_total{kind}. */
void ethRpcMetrics(const char *kind);

#endif
