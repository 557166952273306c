/* ethtx.h -- EIP-1559 (type 2) transactions: signing hash, signature, raw encoding. */
#ifndef WA_ETHTX_H
#define WA_ETHTX_H
#include <stddef.h>
#include <stdint.h>
#include "anchord/chain/ethkey.h"
#include "core/buf.h"

/* Amounts are 64-bit: wei per gas up to 18.4 ETH, far above any fee cap we allow;
 * `value` is always 0 for anchoring but kept general. */
typedef struct ethTx {
    uint64_t chainId;
    uint64_t nonce;
    uint64_t maxPriorityFeePerGas;   /* wei */
    uint64_t maxFeePerGas;           /* wei */
    uint64_t gas;
    int hasTo;                       /* 0: contract creation */
    uint8_t to[ETH_ADDR_LEN];
    uint64_t value;                  /* wei */
    const uint8_t *data;
    size_t dataLen;
} ethTx;

/* ethTxSigHash: keccak256(0x02 || rlp([chainId, nonce, maxPriorityFeePerGas,
 * maxFeePerGas, gas, to, value, data, accessList])), the digest EIP-1559 signs. */
int ethTxSigHash(const ethTx *tx, uint8_t hash[32], char *err);

/* ethTxSign: the raw signed transaction 0x02 || rlp([... , accessList, yParity,
 * r, s]) into raw (reset first), and its hash (keccak of raw) into txHash. */
int ethTxSign(const ethTx *tx, const ethKey *k, buf *raw, uint8_t txHash[32], char *err);

/* ethTxDecode: parse a raw type-2 transaction (strict RLP, empty access list
 * only). tx->data points into raw. sig gets r || s || yParity; from gets the
 * recovered sender. 0 / -1 + err. */
int ethTxDecode(const uint8_t *raw, size_t n, ethTx *tx, uint8_t sig[ETH_SIG_LEN],
                uint8_t from[ETH_ADDR_LEN], char *err);

/* ethCreateAddr: the address of a contract created by `from` with `nonce`:
 * keccak256(rlp([from, nonce]))[12:]. */
int ethCreateAddr(const uint8_t from[ETH_ADDR_LEN], uint64_t nonce, uint8_t out[ETH_ADDR_LEN]);

#endif
