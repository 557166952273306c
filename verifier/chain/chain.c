/* chain.c -- the one read client of the chain: chain id, registry calls, receipts, Anchored logs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/hex.h"
#include "core/keccak.h"
#include "verifier/chain/chain.h"

/* ---- connection ---- */

int chainReadOpen(chainReader *r, const char *urls, const chainReadOpts *o, uint64_t expectChainId,
                  const uint8_t *contract, char *err) {
    uint64_t id;
    memset(r, 0, sizeof *r);
    if (ethRpcInit(&r->rpc, urls, err) < 0) return -CHAIN_ECONFIG;
    if (o) {
        if (o->timeoutMs) r->rpc.timeoutMs = o->timeoutMs;
        if (o->attempts) r->rpc.attempts = o->attempts;
        if (o->backoffMs) r->rpc.backoffMs = o->backoffMs;
        r->rpc.onError = o->onError;
        r->rpc.clock = o->clock;
        ethRpcSetTransport(&r->rpc, o->post, o->postCtx);
    }
    if (contract) { r->hasContract = 1; memcpy(r->contract, contract, ETH_ADDR_LEN); }
    int rc = chainQty(r, "eth_chainId", NULL, &id, err);
    if (rc) { chainReadClose(r); return rc; }
    if (expectChainId && id != expectChainId) {
        chainReadClose(r);
        errSet(err, "chain id mismatch: the RPC node is on chain %llu, %s is %llu", (unsigned long long)id,
               o && o->chainIdName ? o->chainIdName : "the expected chain id", (unsigned long long)expectChainId);
        return -CHAIN_ECHAIN;
    }
    r->chainId = id;
    return 0;
}

void chainReadClose(chainReader *r) {
    ethRpcFree(&r->rpc);
    memset(r, 0, sizeof *r);
}

/* ---- calls ---- */

int chainRpc(chainReader *r, const char *method, json_t *params, json_t **res, char *err) {
    int rc = ethRpcCall(&r->rpc, method, params, res, err);
    return rc == 0 ? 0 : rc == ETH_RPC_EDOWN ? -CHAIN_EDOWN : -CHAIN_EFAIL;
}

int chainQty(chainReader *r, const char *method, json_t *params, uint64_t *out, char *err) {
    json_t *res;
    char e[ERR_MAX];
    int rc = chainRpc(r, method, params, &res, err);
    if (rc) return rc;
    rc = ethQty(res, out, e) < 0 ? errSet(err, "%s: %s", method, e) : 0;
    json_decref(res);
    return rc;
}

int chainRevert(chainReader *r, const char *what, int rc, char *err) {
    if (rc != -CHAIN_EFAIL || r->rpc.lastClass != RPC_NODE_REVERT) return rc;
    char reason[200];
    size_t n;
    uint8_t *d = r->rpc.lastData.len ? hexDecodeAny((const char *)r->rpc.lastData.p, &n) : NULL;
    if (d) {
        abiRevertReason(d, n, reason, sizeof reason);
        free(d);
        if (what) errSet(err, "%s: execution reverted: %s", what, reason);
        else errSet(err, "execution reverted: %s", reason);
    }
    return -CHAIN_EREVERT;
}

int chainCall(chainReader *r, const uint8_t *from, const uint8_t *data, size_t len, const char *tag,
              uint8_t *out, size_t want, char *err) {
    json_t *res, *call = json_object();
    char e[ERR_MAX];
    if (!r->hasContract) { json_decref(call); return errSet(err, "eth_call: no registry contract given"), -CHAIN_ECONFIG; }
    if (from) json_object_set_new(call, "from", ethDataJson(from, ETH_ADDR_LEN));
    json_object_set_new(call, "to", ethDataJson(r->contract, ETH_ADDR_LEN));
    json_object_set_new(call, "data", ethDataJson(data, len));
    int rc = chainRpc(r, "eth_call", json_pack("[o,s]", call, tag), &res, err);
    if (rc) return chainRevert(r, "eth_call", rc, err);
    rc = ethDataFixed(res, out, want, e) < 0 ? errSet(err, "eth_call: %s (is the contract a WitnessAnchorRegistry?)", e) : 0;
    json_decref(res);
    return rc;
}

int chainRoots(chainReader *r, uint64_t batchId, const char *tag, uint8_t root[32], char *err) {
    uint8_t d[36];
    abiRootsCall(batchId, d);
    return chainCall(r, NULL, d, sizeof d, tag, root, 32, err);
}

int chainBatchCount(chainReader *r, const char *tag, uint64_t *n, char *err) {
    uint8_t d[4], w[32];
    abiBatchCountCall(d);
    int rc = chainCall(r, NULL, d, sizeof d, tag, w, 32, err);
    if (rc) return rc;
    return abiWord(w, n) < 0 ? errSet(err, "batchCount() out of range") : 0;
}

int chainVerifyRoot(chainReader *r, uint64_t batchId, const uint8_t root[32], int *ok, char *err) {
    uint8_t d[68], w[32];
    uint64_t v;
    abiVerifyCall(batchId, root, d);
    int rc = chainCall(r, NULL, d, sizeof d, "latest", w, 32, err);
    if (rc) return rc;
    if (abiWord(w, &v) < 0 || v > 1) return errSet(err, "verify: result is not a bool");
    *ok = v == 1;
    return 0;
}

int chainHasCode(chainReader *r, const uint8_t addr[ETH_ADDR_LEN], char *err) {
    json_t *res;
    buf code = BUF_INIT;
    char e[ERR_MAX], a[ETH_ADDR_HEX_MAX];
    int rc = chainRpc(r, "eth_getCode", json_pack("[o,s]", ethDataJson(addr, ETH_ADDR_LEN), "latest"), &res, err);
    if (rc) return rc;
    rc = ethData(res, &code, e) < 0 ? errSet(err, "eth_getCode: %s", e) : 0;
    json_decref(res);
    if (rc == 0 && code.len == 0) {
        ethAddrHex(addr, a);
        errSet(err, "no contract code at %s on chain %llu", a, (unsigned long long)r->chainId);
        rc = -CHAIN_ECONFIG;
    }
    bufFree(&code);
    return rc;
}

int chainBlockNumber(chainReader *r, uint64_t *n, char *err) {
    return chainQty(r, "eth_blockNumber", NULL, n, err);
}

int chainTxCount(chainReader *r, const uint8_t addr[ETH_ADDR_LEN], const char *tag, uint64_t *n, char *err) {
    return chainQty(r, "eth_getTransactionCount", json_pack("[o,s]", ethDataJson(addr, ETH_ADDR_LEN), tag), n, err);
}

/* ---- receipts and logs ---- */

int chainGetReceipt(chainReader *r, const uint8_t h[32], chainReceipt *out, char *err) {
    json_t *res;
    char e[ERR_MAX] = "";
    uint64_t st = 0;
    memset(out, 0, sizeof *out);
    int rc = chainRpc(r, "eth_getTransactionReceipt", json_pack("[o]", ethDataJson(h, 32)), &res, err);
    if (rc) return rc;
    if (json_is_null(res)) { json_decref(res); return 0; }
    memcpy(out->txHash, h, 32);
    if (ethQty(json_object_get(res, "blockNumber"), &out->blockNumber, e) < 0 ||
        ethDataFixed(json_object_get(res, "blockHash"), out->blockHash, 32, e) < 0 ||
        ethQty(json_object_get(res, "status"), &st, e) < 0 ||
        ethQty(json_object_get(res, "gasUsed"), &out->gasUsed, e) < 0 ||
        (!json_is_array(json_object_get(res, "logs")) && errSet(e, "no logs array"))) {
        json_decref(res);
        return errSet(err, "eth_getTransactionReceipt: malformed receipt (%s)", e);
    }
    out->status = st == 1;
    json_t *ca = json_object_get(res, "contractAddress");
    out->hasContractAddress = json_is_string(ca) && ethDataFixed(ca, out->contractAddress, ETH_ADDR_LEN, e) == 0;
    out->logs = json_incref(json_object_get(res, "logs"));
    json_decref(res);
    return 1;
}

void chainReceiptFree(chainReceipt *rc) {
    json_decref(rc->logs);
    rc->logs = NULL;
}

int chainAnchoredLogs(chainReader *r, uint64_t from, uint64_t to,
                      int (*fn)(void *ctx, const chainAnchoredLog *a, char *err), void *ctx, int *refused,
                      char *err) {
    uint8_t topic0[32];
    char f[19], t[19];
    json_t *res, *lg;
    size_t i;
    *refused = 0;
    if (!r->hasContract) return errSet(err, "eth_getLogs: no registry contract given"), -CHAIN_ECONFIG;
    keccak256(ABI_ANCHORED_SIG, strlen(ABI_ANCHORED_SIG), topic0);
    ethQtyStr(from, f);
    ethQtyStr(to, t);
    json_t *q = json_pack("{s:o, s:[o], s:s, s:s}", "address", ethDataJson(r->contract, ETH_ADDR_LEN), "topics",
                          ethDataJson(topic0, 32), "fromBlock", f, "toBlock", t);
    int rc = chainRpc(r, "eth_getLogs", json_pack("[o]", q), &res, err);
    if (rc == -CHAIN_EFAIL) *refused = 1;
    if (rc) return rc;
    if (!json_is_array(res)) { json_decref(res); return errSet(err, "eth_getLogs: the answer is not an array"); }
    json_array_foreach(res, i, lg) {
        chainAnchoredLog a;
        char e[ERR_MAX];
        int k = abiAnchored(lg, r->contract, &a.batchId, a.root, &a.timestamp, e);
        if (k < 0) { rc = errSet(err, "eth_getLogs: %s", e); break; }
        if (k == 0) continue;
        if (ethQty(json_object_get(lg, "blockNumber"), &a.blockNumber, e) < 0 ||
            ethDataFixed(json_object_get(lg, "transactionHash"), a.txHash, 32, e) < 0) {
            rc = errSet(err, "eth_getLogs: malformed log: %s", e);
            break;
        }
        if ((rc = fn(ctx, &a, err)) < 0) { rc = -CHAIN_EFAIL; break; }
    }
    json_decref(res);
    return rc;
}
