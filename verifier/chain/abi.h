/* abi.h -- the WitnessAnchorRegistry's ABI (contracts/): call data, result words, the
 * Anchored log and revert data. Pure: no I/O, no allocation, thread-safe.
 * Used by the chain read client (verifier/chain/chain.h) and anchord's write side. */
#ifndef WA_ABI_H
#define WA_ABI_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "verifier/chain/ethaddr.h"

#define ABI_ANCHORED_SIG "Anchored(uint256,bytes32,uint256)"

/* abiSelector: the 4-byte function selector keccak256(sig)[0..4). */
void abiSelector(const char *sig, uint8_t out[4]);
/* abiPutWord: v as a big-endian 256-bit ABI word. */
void abiPutWord(uint8_t p[32], uint64_t v);
/* abiWord: an ABI word as uint64; -1 when it does not fit in 53 bits (JSON-safe). */
int abiWord(const uint8_t p[32], uint64_t *v);

/* abiRootsCall / abiBatchCountCall / abiVerifyCall / abiAnchorCall: the call data of
 * roots(uint256), batchCount(), verify(uint256,bytes32), anchor(bytes32). */
void abiRootsCall(uint64_t batchId, uint8_t out[36]);
void abiBatchCountCall(uint8_t out[4]);
void abiVerifyCall(uint64_t batchId, const uint8_t root[32], uint8_t out[68]);
void abiAnchorCall(const uint8_t root[32], uint8_t out[36]);

/* abiAnchored: decode one log object of a receipt or eth_getLogs answer.
 * 1 when it is an Anchored event of `contract` (not removed), with batchId,
 * root and timestamp set; 0 when it is some other log; -1 + err when it claims
 * to be one but is malformed. */
int abiAnchored(const json_t *log, const uint8_t contract[ETH_ADDR_LEN], uint64_t *batchId,
                uint8_t root[32], uint64_t *timestamp, char *err);

/* abiRevertReason: revert data (Error(string), Panic(uint256), the registry's custom
 * errors, else the raw selector) as one printable line in out (cap bytes). */
void abiRevertReason(const uint8_t *data, size_t n, char *out, size_t cap);

#endif
