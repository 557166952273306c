/* chain.h -- where didverify gets the roots it trusts: the WitnessAnchorRegistry
 * read over JSON-RPC (eth_call roots(batchId) plus the anchoring transaction's
 * receipt), or an offline anchors file exported from the registry's Anchored
 * logs. Also the registry's read-only ABI, shared with anchord's client.
 *
 * Dependency note: this is the lowest layer that talks to a node; anchord's
 * transaction code builds on verifier/chain/ethrpc.h and these ABI helpers, so the
 * direction stays programs -> anchord -> verifier -> didlog -> core. */
#ifndef WA_CHAIN_H
#define WA_CHAIN_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "core/err.h"
#include "verifier/chain/ethaddr.h"
#include "verifier/chain/ethrpc.h"
#include "verifier/proof/manifest.h"

#define REG_ANCHORED_SIG "Anchored(uint256,bytes32,uint256)"

/* ---- the registry's ABI (no I/O) ---- */

/* regSelector: the 4-byte function selector keccak256(sig)[0..4). */
void regSelector(const char *sig, uint8_t out[4]);
/* regPutWord: v as a big-endian 256-bit ABI word. */
void regPutWord(uint8_t p[32], uint64_t v);
/* regWord: an ABI word as uint64; -1 when it does not fit in 53 bits (JSON-safe). */
int regWord(const uint8_t p[32], uint64_t *v);
/* regRootsCall / regBatchCountCall: the calldata of roots(uint256), batchCount(). */
void regRootsCall(uint64_t batchId, uint8_t out[36]);
void regBatchCountCall(uint8_t out[4]);
/* regAnchored: decode one log object of a receipt or eth_getLogs answer.
 * 1 when it is an Anchored event of `contract` (not removed), with batchId,
 * root and timestamp set; 0 when it is some other log; -1 + err when it claims
 * to be one but is malformed. */
int regAnchored(const json_t *log, const uint8_t contract[ETH_ADDR_LEN], uint64_t *batchId,
                uint8_t root[32], uint64_t *timestamp, char *err);

/* ---- root sources ---- */

typedef struct chainSrc {
    uint64_t chainId;
    uint8_t contract[ETH_ADDR_LEN];
    const anchorsFile *anchors;      /* offline source (borrowed), or NULL */
    ethRpc rpc;                      /* online source when anchors == NULL */
    int hasRpc;
    chainRef *seen;                  /* online: batches already confirmed */
    size_t nseen, capSeen;
} chainSrc;

/* chainOpenRpc: connect to urls (comma-separated) and read eth_chainId; when
 * chainId is non-zero it must match. 0; CHAIN_WRONG_ID + err when the node is on
 * another chain; -1 + err when it could not be asked (bad URL, unreachable,
 * malformed answer). */
#define CHAIN_WRONG_ID (-2)
int chainOpenRpc(chainSrc *s, const char *urls, const uint8_t contract[ETH_ADDR_LEN], uint64_t chainId, char *err);
/* chainOpenAnchors: an offline source; contract/chainId, when given (non-NULL /
 * non-zero), must be the file's. */
int chainOpenAnchors(chainSrc *s, const anchorsFile *a, const uint8_t *contract, uint64_t chainId, char *err);
void chainClose(chainSrc *s);

/* chainBatch: what the chain says about batchId, given the claim c (root,
 * blockNumber, txHash as witness.json or a manifest states them).
 * 0: all of c holds. 1: it does not, and why is in reason ("batch 7 is not on
 * chain", "root … differs from the on-chain root …", "block …", "tx …").
 * -1: the chain could not be asked (err). Offline: the anchors file entry.
 * Online: roots(batchId) at the latest block, then the receipt of c->txHash
 * must be a successful transaction in c->blockNumber whose Anchored log from
 * the contract has this batchId and root (cached per batch). */
int chainBatch(chainSrc *s, const chainRef *c, char reason[ERR_MAX], char *err);

/* chainBatchCount: how many batches the registry holds: batchCount() at the latest
 * block online, the highest batchId + 1 of the anchors file offline (its snapshot). 0 / -1 + err. */
int chainBatchCount(chainSrc *s, uint64_t *count, char *err);

/* chainExport: the anchors file of the registry from its Anchored logs
 * (eth_getLogs from fromBlock to the latest block, in block ranges that shrink
 * when a node refuses a range), each root checked against roots(batchId) at
 * that block; from block 0 the batch ids must be exactly 0..batchCount-1. */
int chainExport(chainSrc *s, uint64_t fromBlock, anchorsFile *out, char *err);

#endif
