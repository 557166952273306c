/* roots.h -- where didverify gets the roots it trusts: the WitnessAnchorRegistry read
 * over JSON-RPC (roots(batchId) plus the anchoring transaction's receipt, through the
 * one read client verifier/chain/chain.h), or an offline anchors file exported from the
 * registry's Anchored logs (verifier/proof/manifest.h).
 *
 * Ownership: a rootsSrc owns its reader and its cache; an anchors file is borrowed.
 * Thread safety: one thread at a time per rootsSrc.
 * Errors: 0, 1 + reason where a claim does not hold (an answer, not an error), or minus
 * one of CHAIN_E* with one line in err when the chain could not be asked. */
#ifndef WA_ROOTS_H
#define WA_ROOTS_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "verifier/chain/chain.h"
#include "verifier/proof/manifest.h"

typedef struct rootsSrc {
    uint64_t chainId;
    uint8_t contract[ETH_ADDR_LEN];
    const anchorsFile *anchors;      /* offline source (borrowed), or NULL */
    chainReader rd;                  /* online source when anchors == NULL */
    int hasRpc;
    chainRef *seen;                  /* online: batches already confirmed */
    size_t nseen, capSeen;
} rootsSrc;

/* rootsOpenRpc: connect to urls (comma-separated) and read eth_chainId; when chainId is
 * non-zero it must match (-CHAIN_ECHAIN "chain id mismatch"); -CHAIN_ECONFIG for a bad
 * URL list, -CHAIN_EDOWN when no node answered. */
int rootsOpenRpc(rootsSrc *s, const char *urls, const uint8_t contract[ETH_ADDR_LEN], uint64_t chainId, char *err);
/* rootsOpenRpcWith: rootsOpenRpc with the read client's options o (timeouts, transport:
 * a unit test's scripted node); NULL = rootsOpenRpc's. */
int rootsOpenRpcWith(rootsSrc *s, const char *urls, const uint8_t contract[ETH_ADDR_LEN], uint64_t chainId,
                     const chainReadOpts *o, char *err);
/* rootsOpenAnchors: an offline source; contract/chainId, when given (non-NULL /
 * non-zero), must be the file's (-CHAIN_ECONFIG). */
int rootsOpenAnchors(rootsSrc *s, const anchorsFile *a, const uint8_t *contract, uint64_t chainId, char *err);
/* rootsClose: free s; safe on a zeroed or closed source. */
void rootsClose(rootsSrc *s);

/* rootsBatch: what the chain says about batchId, given the claim c (root, blockNumber,
 * txHash as witness.json or a manifest states them).
 * 0: all of c holds. 1: it does not, and why is in reason ("batch 7 is not on chain",
 * "root … differs from the on-chain root …", "block …", "tx …"). -CHAIN_E*: the chain
 * could not be asked (err). Offline: the anchors file entry. Online: roots(batchId) at
 * the latest block, then the receipt of c->txHash must be a successful transaction in
 * c->blockNumber whose Anchored log from the contract has this batchId and root (cached
 * per batch). */
int rootsBatch(rootsSrc *s, const chainRef *c, char reason[ERR_MAX], char *err);

/* rootsBatchCount: how many batches the registry holds: batchCount() at the latest block
 * online, the highest batchId + 1 of the anchors file offline (its snapshot). */
int rootsBatchCount(rootsSrc *s, uint64_t *count, char *err);

/* rootsExport: the anchors file of the registry from its Anchored logs (eth_getLogs from
 * fromBlock to the latest block, in block ranges that shrink when a node refuses a
 * range), each root checked against roots(batchId) at that block; from block 0 the
 * batch ids must be exactly 0..batchCount-1. 0 with *out filled (anchorsFree); 1 +
 * reason when the chain's logs and roots disagree (a batch announced twice, beyond
 * batchCount(), a root that differs, a count that does not match); -CHAIN_E* + err.
 * Online sources only. */
int rootsExport(rootsSrc *s, uint64_t fromBlock, anchorsFile *out, char reason[ERR_MAX], char *err);

#endif
