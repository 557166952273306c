/* ethtx.c -- EIP-1559 transaction building on RLP + Keccak-256 + libsecp256k1. */
#include <string.h>
#include "anchord/chain/ethtx.h"
#include "anchord/chain/rlp.h"
#include "core/err.h"
#include "core/keccak.h"

#define TX_TYPE_1559 0x02

/* putFields: the nine unsigned fields, in EIP-1559 order, as RLP items. */
static int putFields(buf *f, const ethTx *tx) {
    static const uint8_t none[1];
    return rlpPutUint(f, tx->chainId) || rlpPutUint(f, tx->nonce) ||
           rlpPutUint(f, tx->maxPriorityFeePerGas) || rlpPutUint(f, tx->maxFeePerGas) ||
           rlpPutUint(f, tx->gas) ||
           rlpPutBytes(f, tx->hasTo ? tx->to : none, tx->hasTo ? ETH_ADDR_LEN : 0) ||
           rlpPutUint(f, tx->value) || rlpPutBytes(f, tx->data ? tx->data : none, tx->dataLen) ||
           rlpPutList(f, none, 0) /* empty access list */ ? -1 : 0;
}

/* putScalar: a 32-byte big-endian r or s as an RLP integer (no leading zeros). */
static int putScalar(buf *f, const uint8_t *s32) {
    size_t i = 0;
    while (i < 32 && s32[i] == 0) i++;
    return rlpPutBytes(f, s32 + i, 32 - i);
}

/* envelope: out = 0x02 || rlp(list(fields)). */
static int envelope(buf *out, const buf *fields) {
    bufReset(out);
    return bufPutc(out, TX_TYPE_1559) || rlpPutList(out, fields->p, fields->len) ? -1 : 0;
}

int ethTxSigHash(const ethTx *tx, uint8_t hash[32], char *err) {
    buf f = BUF_INIT, e = BUF_INIT;
    int rc = -1;
    if (putFields(&f, tx) == 0 && envelope(&e, &f) == 0) {
        keccak256(e.p, e.len, hash);
        rc = 0;
    } else errSet(err, "tx: out of memory");
    bufFree(&f);
    bufFree(&e);
    return rc;
}

int ethTxSign(const ethTx *tx, const ethKey *k, buf *raw, uint8_t txHash[32], char *err) {
    uint8_t h[32], sig[ETH_SIG_LEN];
    if (ethTxSigHash(tx, h, err) < 0 || ethSignHash(k, h, sig, err) < 0) return -1;
    buf f = BUF_INIT;
    int rc = -1;
    if (putFields(&f, tx) == 0 && rlpPutUint(&f, sig[64]) == 0 && putScalar(&f, sig) == 0 &&
        putScalar(&f, sig + 32) == 0 && envelope(raw, &f) == 0) {
        keccak256(raw->p, raw->len, txHash);
        rc = 0;
    } else errSet(err, "tx: out of memory");
    bufFree(&f);
    return rc;
}

/* nextUint / nextScalar: consume one list element of the expected shape. */
static int nextItem(const uint8_t **p, size_t *n, rlpItem *it, char *err) {
    if (*n == 0) return errSet(err, "tx: too few fields");
    if (rlpNext(*p, *n, it, err) < 0) return -1;
    *p += it->size;
    *n -= it->size;
    return 0;
}
static int nextUint(const uint8_t **p, size_t *n, uint64_t *v, const char *what, char *err) {
    rlpItem it;
    char e[ERR_MAX];
    if (nextItem(p, n, &it, err) < 0) return -1;
    if (rlpUint(&it, v, e) < 0) return errSet(err, "tx %s: %s", what, e);
    return 0;
}
static int nextScalar(const uint8_t **p, size_t *n, uint8_t out[32], const char *what, char *err) {
    rlpItem it;
    if (nextItem(p, n, &it, err) < 0) return -1;
    if (it.isList || it.len > 32 || (it.len && it.payload[0] == 0))
        return errSet(err, "tx %s: not a 256-bit integer", what);
    memset(out, 0, 32);
    memcpy(out + 32 - it.len, it.payload, it.len);
    return 0;
}

int ethTxDecode(const uint8_t *raw, size_t n, ethTx *tx, uint8_t sig[ETH_SIG_LEN],
                uint8_t from[ETH_ADDR_LEN], char *err) {
    rlpItem list, it;
    uint64_t yParity = 0;
    memset(tx, 0, sizeof *tx);
    if (n < 1 || raw[0] != TX_TYPE_1559) return errSet(err, "tx: not an EIP-1559 (type 2) transaction");
    if (rlpValidate(raw + 1, n - 1, err) < 0 || rlpNext(raw + 1, n - 1, &list, err) < 0) return -1;
    if (!list.isList) return errSet(err, "tx: payload is not a list");
    const uint8_t *p = list.payload;
    size_t left = list.len;
    if (nextUint(&p, &left, &tx->chainId, "chainId", err) || nextUint(&p, &left, &tx->nonce, "nonce", err) ||
        nextUint(&p, &left, &tx->maxPriorityFeePerGas, "maxPriorityFeePerGas", err) ||
        nextUint(&p, &left, &tx->maxFeePerGas, "maxFeePerGas", err) || nextUint(&p, &left, &tx->gas, "gas", err))
        return -1;
    if (nextItem(&p, &left, &it, err) < 0) return -1;
    if (it.isList || (it.len != 0 && it.len != ETH_ADDR_LEN)) return errSet(err, "tx to: want 0 or 20 bytes");
    tx->hasTo = it.len == ETH_ADDR_LEN;
    if (tx->hasTo) memcpy(tx->to, it.payload, ETH_ADDR_LEN);
    if (nextUint(&p, &left, &tx->value, "value", err) < 0 || nextItem(&p, &left, &it, err) < 0) return -1;
    if (it.isList) return errSet(err, "tx data: is a list");
    tx->data = it.payload;
    tx->dataLen = it.len;
    if (nextItem(&p, &left, &it, err) < 0) return -1;
    if (!it.isList || it.len) return errSet(err, "tx: only an empty access list is supported");
    if (nextUint(&p, &left, &yParity, "yParity", err) || yParity > 1 ||
        nextScalar(&p, &left, sig, "r", err) || nextScalar(&p, &left, sig + 32, "s", err))
        return yParity > 1 ? errSet(err, "tx: yParity must be 0 or 1") : -1;
    if (left) return errSet(err, "tx: too many fields");
    sig[64] = (uint8_t)yParity;
    uint8_t h[32];
    if (ethTxSigHash(tx, h, err) < 0) return -1;
    return ethRecoverAddr(h, sig, from, err);
}

int ethCreateAddr(const uint8_t from[ETH_ADDR_LEN], uint64_t nonce, uint8_t out[ETH_ADDR_LEN]) {
    buf f = BUF_INIT, l = BUF_INIT;
    uint8_t h[32];
    int rc = -1;
    if (rlpPutBytes(&f, from, ETH_ADDR_LEN) == 0 && rlpPutUint(&f, nonce) == 0 &&
        rlpPutList(&l, f.p, f.len) == 0) {
        keccak256(l.p, l.len, h);
        memcpy(out, h + 12, ETH_ADDR_LEN);
        rc = 0;
    }
    bufFree(&f);
    bufFree(&l);
    return rc;
}
