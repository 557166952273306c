/* chain.c -- on-chain roots for didverify: registry ABI, eth_call, receipts, Anchored logs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/hex.h"
#include "core/keccak.h"
#include "verifier/chain/chain.h"

#define LOG_RANGE 5000          /* blocks per eth_getLogs request (halved when refused) */

/* ---- ABI ---- */

void regSelector(const char *sig, uint8_t out[4]) {
    uint8_t h[32];
    keccak256(sig, strlen(sig), h);
    memcpy(out, h, 4);
}

void regPutWord(uint8_t p[32], uint64_t v) {
    memset(p, 0, 32);
    for (int i = 0; i < 8; i++) p[31 - i] = (uint8_t)(v >> (8 * i));
}

int regWord(const uint8_t p[32], uint64_t *v) {
    for (int i = 0; i < 25; i++) if (p[i]) return -1;
    uint64_t x = 0;
    for (int i = 25; i < 32; i++) x = x << 8 | p[i];
    if (x >> 53) return -1;
    *v = x;
    return 0;
}

void regRootsCall(uint64_t batchId, uint8_t out[36]) {
    regSelector("roots(uint256)", out);
    regPutWord(out + 4, batchId);
}

void regBatchCountCall(uint8_t out[4]) { regSelector("batchCount()", out); }

int regAnchored(const json_t *lg, const uint8_t contract[ETH_ADDR_LEN], uint64_t *batchId,
                uint8_t root[32], uint64_t *timestamp, char *err) {
    uint8_t topic0[32], t[32], addr[ETH_ADDR_LEN], data[64];
    json_t *topics = json_object_get(lg, "topics");
    keccak256(REG_ANCHORED_SIG, strlen(REG_ANCHORED_SIG), topic0);
    if (ethDataFixed(json_object_get(lg, "address"), addr, ETH_ADDR_LEN, NULL) < 0 ||
        memcmp(addr, contract, ETH_ADDR_LEN) || json_array_size(topics) != 2 ||
        ethDataFixed(json_array_get(topics, 0), t, 32, NULL) < 0 || memcmp(t, topic0, 32) ||
        json_is_true(json_object_get(lg, "removed")))
        return 0;
    if (ethDataFixed(json_array_get(topics, 1), t, 32, NULL) < 0 ||
        ethDataFixed(json_object_get(lg, "data"), data, 64, NULL) < 0)
        return errSet(err, "malformed Anchored log");
    if (regWord(t, batchId) < 0 || regWord(data + 32, timestamp) < 0)
        return errSet(err, "Anchored batchId/timestamp out of range");
    memcpy(root, data, 32);
    return 1;
}

/* ---- sources ---- */

int chainOpenRpc(chainSrc *s, const char *urls, const uint8_t contract[ETH_ADDR_LEN], uint64_t chainId, char *err) {
    json_t *r;
    char e[ERR_MAX];
    uint64_t id;
    memset(s, 0, sizeof *s);
    memcpy(s->contract, contract, ETH_ADDR_LEN);
    if (ethRpcInit(&s->rpc, urls, err) < 0) return -1;
    s->hasRpc = 1;
    if (ethRpcCall(&s->rpc, "eth_chainId", NULL, &r, err) != 0) { chainClose(s); return -1; }
    int bad = ethQty(r, &id, e) < 0;
    json_decref(r);
    if (bad) { chainClose(s); return errSet(err, "eth_chainId: %s", e); }
    if (chainId && chainId != id) {
        chainClose(s);
        errSet(err, "chain id mismatch: the RPC node is on chain %llu, --chain-id is %llu",
               (unsigned long long)id, (unsigned long long)chainId);
        return CHAIN_WRONG_ID;
    }
    s->chainId = id;
    return 0;
}

int chainOpenAnchors(chainSrc *s, const anchorsFile *a, const uint8_t *contract, uint64_t chainId, char *err) {
    memset(s, 0, sizeof *s);
    if (chainId && chainId != a->chainId)
        return errSet(err, "the anchors file is for chain %llu, not %llu", (unsigned long long)a->chainId,
                      (unsigned long long)chainId);
    if (contract && memcmp(contract, a->contract, ETH_ADDR_LEN)) {
        char x[ETH_ADDR_HEX_MAX];
        ethAddrHex(a->contract, x);
        return errSet(err, "the anchors file is for contract %s, not the one given", x);
    }
    s->anchors = a;
    s->chainId = a->chainId;
    memcpy(s->contract, a->contract, ETH_ADDR_LEN);
    return 0;
}

void chainClose(chainSrc *s) {
    if (s->hasRpc) ethRpcFree(&s->rpc);
    free(s->seen);
    memset(s, 0, sizeof *s);
}

/* ethCall: eth_call of the registry with data at block tag into want bytes. */
static int ethCall(chainSrc *s, const uint8_t *data, size_t len, const char *tag, uint8_t *out, size_t want, char *err) {
    json_t *r, *call = json_pack("{s:o, s:o}", "to", ethDataJson(s->contract, ETH_ADDR_LEN), "data", ethDataJson(data, len));
    char e[ERR_MAX];
    if (ethRpcCall(&s->rpc, "eth_call", json_pack("[o,s]", call, tag), &r, err) != 0) return -1;
    int rc = ethDataFixed(r, out, want, e) < 0 ? errSet(err, "eth_call: %s (is the contract a WitnessAnchorRegistry?)", e) : 0;
    json_decref(r);
    return rc;
}

static int onChainRoot(chainSrc *s, uint64_t batchId, const char *tag, uint8_t root[32], char *err) {
    uint8_t d[36];
    regRootsCall(batchId, d);
    return ethCall(s, d, sizeof d, tag, root, 32, err);
}

static void hex0x(const uint8_t *p, size_t n, char *out) {
    out[0] = '0', out[1] = 'x';
    hexEncode(p, n, out + 2);
}

/* receiptCheck: the receipt of c->txHash holds Anchored(c->batchId, c->root)
 * from the contract, status 1, in c->blockNumber. 0 / 1 + reason / -1 + err. */
static int receiptCheck(chainSrc *s, const chainRef *c, char *reason, char *err) {
    json_t *r;
    char tx[67], e[ERR_MAX];
    hex0x(c->txHash, 32, tx);
    if (ethRpcCall(&s->rpc, "eth_getTransactionReceipt", json_pack("[s]", tx), &r, err) != 0) return -1;
    int rc = 1;
    uint64_t block, status, id, ts;
    uint8_t root[32];
    size_t i, found = 0;
    json_t *lg;
    if (json_is_null(r)) { errSet(reason, "transaction %.18s… is not on chain", tx); goto out; }
    if (ethQty(json_object_get(r, "blockNumber"), &block, e) < 0 || ethQty(json_object_get(r, "status"), &status, e) < 0) {
        rc = errSet(err, "eth_getTransactionReceipt: malformed receipt: %s", e);
        goto out;
    }
    if (status != 1) { errSet(reason, "transaction %.18s… reverted", tx); goto out; }
    json_array_foreach(json_object_get(r, "logs"), i, lg) {
        int k = regAnchored(lg, s->contract, &id, root, &ts, e);
        if (k < 0) { errSet(reason, "transaction %.18s…: %s", tx, e); goto out; }
        if (k == 1 && id == c->batchId && !memcmp(root, c->root, 32)) found++;
    }
    if (!found) {
        errSet(reason, "transaction %.18s… did not anchor batch %llu with this root", tx, (unsigned long long)c->batchId);
        goto out;
    }
    if (block != c->blockNumber) {
        errSet(reason, "block %llu is wrong: transaction %.18s… was mined in block %llu",
               (unsigned long long)c->blockNumber, tx, (unsigned long long)block);
        goto out;
    }
    rc = 0;
out:
    json_decref(r);
    return rc;
}

/* compareRef: the claim c against the chain's facts f. 0 or 1 + reason. */
static int compareRef(const chainRef *c, const chainRef *f, char *reason) {
    char a[65], b[67];   /* b also holds "0x" + a txHash */
    if (memcmp(c->root, f->root, 32)) {
        hexEncode(c->root, 32, a);
        hexEncode(f->root, 32, b);
        return errSet(reason, "root %.16s… differs from the on-chain root %.16s… of batch %llu", a, b,
                      (unsigned long long)c->batchId), 1;
    }
    if (c->blockNumber != f->blockNumber)
        return errSet(reason, "block %llu is wrong: batch %llu was anchored in block %llu", (unsigned long long)c->blockNumber,
                      (unsigned long long)c->batchId, (unsigned long long)f->blockNumber), 1;
    if (memcmp(c->txHash, f->txHash, 32)) {
        hex0x(f->txHash, 32, b);
        return errSet(reason, "txHash is wrong: batch %llu was anchored by transaction %.18s…",
                      (unsigned long long)c->batchId, b), 1;
    }
    return 0;
}

int chainBatch(chainSrc *s, const chainRef *c, char reason[ERR_MAX], char *err) {
    static const uint8_t zero[32];
    if (s->anchors) {
        const chainRef *f = anchorsFind(s->anchors, c->batchId);
        if (!f) return errSet(reason, "batch %llu is not in the anchors file", (unsigned long long)c->batchId), 1;
        return compareRef(c, f, reason);
    }
    for (size_t i = 0; i < s->nseen; i++)
        if (s->seen[i].batchId == c->batchId) return compareRef(c, &s->seen[i], reason);
    chainRef f = *c;
    if (onChainRoot(s, c->batchId, "latest", f.root, err) < 0) return -1;
    if (!memcmp(f.root, zero, 32)) return errSet(reason, "batch %llu is not on chain (roots(%llu) is zero)",
                                                 (unsigned long long)c->batchId, (unsigned long long)c->batchId), 1;
    if (memcmp(f.root, c->root, 32)) return compareRef(c, &f, reason);
    int rc = receiptCheck(s, c, reason, err);
    if (rc) return rc;
    if (s->nseen == s->capSeen) {
        size_t cap = s->capSeen ? 2 * s->capSeen : 16;
        chainRef *v = realloc(s->seen, cap * sizeof *v);
        if (!v) return errSet(err, "out of memory");
        s->seen = v, s->capSeen = cap;
    }
    s->seen[s->nseen++] = f;
    return 0;
}

int chainBatchCount(chainSrc *s, uint64_t *count, char *err) {
    uint8_t d[4], w[32];
    if (s->anchors) {
        *count = s->anchors->n ? s->anchors->v[s->anchors->n - 1].batchId + 1 : 0;
        return 0;
    }
    regBatchCountCall(d);
    if (ethCall(s, d, sizeof d, "latest", w, 32, err) < 0) return -1;
    if (regWord(w, count) < 0) return errSet(err, "batchCount() out of range");
    return 0;
}

/* ---- anchors export ---- */

static int qtyCall(chainSrc *s, const char *method, uint64_t *out, char *err) {
    json_t *r;
    char e[ERR_MAX];
    if (ethRpcCall(&s->rpc, method, NULL, &r, err) != 0) return -1;
    int rc = ethQty(r, out, e) < 0 ? errSet(err, "%s: %s", method, e) : 0;
    json_decref(r);
    return rc;
}

static int addRef(anchorsFile *a, size_t *cap, const chainRef *r, char *err) {
    if (a->n == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        chainRef *v = realloc(a->v, nc * sizeof *v);
        if (!v) return errSet(err, "out of memory");
        a->v = v, *cap = nc;
    }
    a->v[a->n++] = *r;
    return 0;
}

/* getLogs: the Anchored logs of blocks [from, to] appended to a. 0, -1 + err,
 * or -2 when the node refused the range (the caller splits it). */
static int getLogs(chainSrc *s, uint64_t from, uint64_t to, anchorsFile *a, size_t *cap, char *err) {
    uint8_t topic0[32];
    char f[19], t[19];
    json_t *r, *lg;
    size_t i;
    keccak256(REG_ANCHORED_SIG, strlen(REG_ANCHORED_SIG), topic0);
    ethQtyStr(from, f);
    ethQtyStr(to, t);
    json_t *q = json_pack("{s:o, s:[o], s:s, s:s}", "address", ethDataJson(s->contract, ETH_ADDR_LEN), "topics",
                          ethDataJson(topic0, 32), "fromBlock", f, "toBlock", t);
    int rc = ethRpcCall(&s->rpc, "eth_getLogs", json_pack("[o]", q), &r, err);
    if (rc == ETH_RPC_ENODE) return -2;
    if (rc) return -1;
    if (!json_is_array(r)) { json_decref(r); return errSet(err, "eth_getLogs: the answer is not an array"); }
    rc = 0;
    json_array_foreach(r, i, lg) {
        chainRef ref = {.chainId = s->chainId};
        uint64_t ts;
        char e[ERR_MAX];
        memcpy(ref.contract, s->contract, ETH_ADDR_LEN);
        int k = regAnchored(lg, s->contract, &ref.batchId, ref.root, &ts, e);
        if (k < 0) { rc = errSet(err, "eth_getLogs: %s", e); break; }
        if (k == 0) continue;
        if (ethQty(json_object_get(lg, "blockNumber"), &ref.blockNumber, e) < 0 ||
            ethDataFixed(json_object_get(lg, "transactionHash"), ref.txHash, 32, e) < 0) {
            rc = errSet(err, "eth_getLogs: malformed log: %s", e);
            break;
        }
        if ((rc = addRef(a, cap, &ref, err)) < 0) break;
    }
    json_decref(r);
    return rc;
}

static int byBatch(const void *x, const void *y) {
    const chainRef *a = x, *b = y;
    return a->batchId < b->batchId ? -1 : a->batchId > b->batchId;
}

int chainExport(chainSrc *s, uint64_t fromBlock, anchorsFile *out, char *err) {
    uint64_t latest, count;
    size_t cap = 0;
    char tag[19];
    memset(out, 0, sizeof *out);
    out->chainId = s->chainId;
    memcpy(out->contract, s->contract, ETH_ADDR_LEN);
    if (qtyCall(s, "eth_blockNumber", &latest, err) < 0) return -1;
    ethQtyStr(latest, tag);
    uint64_t range = LOG_RANGE;
    for (uint64_t b = fromBlock; b <= latest;) {
        uint64_t e = latest - b < range - 1 ? latest : b + range - 1;
        int rc = getLogs(s, b, e, out, &cap, err);
        if (rc == -2 && range > 1) { range /= 2; continue; }
        if (rc < 0) { if (rc == -2) errSet(err, "eth_getLogs refused a one-block range at %llu", (unsigned long long)b); goto fail; }
        b = e + 1;
    }
    qsort(out->v, out->n, sizeof *out->v, byBatch);
    uint8_t d[4], w[32], root[32];
    regBatchCountCall(d);
    if (ethCall(s, d, sizeof d, tag, w, 32, err) < 0) goto fail;
    if (regWord(w, &count) < 0) { errSet(err, "batchCount() out of range"); goto fail; }
    for (size_t i = 0; i < out->n; i++) {
        chainRef *r = &out->v[i];
        if (i && r->batchId == out->v[i - 1].batchId) { errSet(err, "batch %llu was announced twice", (unsigned long long)r->batchId); goto fail; }
        if (r->batchId >= count) { errSet(err, "batch %llu is beyond batchCount() = %llu", (unsigned long long)r->batchId, (unsigned long long)count); goto fail; }
        if (onChainRoot(s, r->batchId, tag, root, err) < 0) goto fail;
        if (memcmp(root, r->root, 32)) { errSet(err, "batch %llu: the Anchored log's root differs from roots()", (unsigned long long)r->batchId); goto fail; }
    }
    if (fromBlock == 0 && (out->n != count || (count && out->v[count - 1].batchId != count - 1))) {
        errSet(err, "found %zu Anchored logs but batchCount() is %llu", out->n, (unsigned long long)count);
        goto fail;
    }
    return 0;
fail:
    anchorsFree(out);
    return -1;
}
