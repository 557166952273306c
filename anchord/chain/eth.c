/* eth.c -- the relayer's write side: fees, nonces, signing, sending, following, deploy and anchor. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "anchord/chain/eth.h"
#include "anchord/ops/metrics.h"
#include "anchord/chain/ethtx.h"
#include "anchord/chain/registry_code.h"
#include "verifier/chain/chain.h"
#include "core/err.h"
#include "core/hex.h"
#include "core/keccak.h"

#define MAX_VERSIONS 32      /* broadcast versions (bumps) of one nonce we follow */
#define MAX_RENONCE 8        /* times a nonce taken by someone else is recovered */
#define GWEI 1000000000ull

/* ---- small helpers ---------------------------------------------------- */

/* now / nap: the client's monotonic clock and sleep (a unit test's fake one). */
static uint64_t now(const ethClient *c) { return (uint64_t)c->clock->monoMs(c->clock->ctx); }
static void nap(const ethClient *c, int64_t ms) { c->clock->sleepMs(c->clock->ctx, ms); }

static void ethLog(ethClient *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ethLog(ethClient *c, const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (c->log) c->log(c->logCtx, line);
    else fprintf(stderr, "anchord: eth: %s\n", line);
}

/* gwei: wei as a decimal gwei string ("1.5") for messages. */
static const char *gwei(uint64_t wei, char out[32]) {
    snprintf(out, 32, "%llu.%09llu", (unsigned long long)(wei / GWEI), (unsigned long long)(wei % GWEI));
    char *e = out + strlen(out) - 1;
    while (*e == '0') *e-- = 0;
    if (*e == '.') *e = 0;
    return out;
}

/* fail: errSet, returning -code (one of the CHAIN_E* categories). */
static int fail(int code, char *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(int code, char *err, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, ERR_MAX, fmt, ap);
        va_end(ap);
        errUtf8Fix(err);
    }
    return -code;
}

static json_t *addrJson(const uint8_t a[ETH_ADDR_LEN]) { return ethDataJson(a, ETH_ADDR_LEN); }

/* ---- connection ------------------------------------------------------- */

void ethRpcMetrics(const char *kind) { metricsInc("rpc_errors_total", kind, 1); }

int ethOpen(ethClient *c, const config *cfg, int withKey, const ethHooks *h, char *err) {
    uint8_t contract[ETH_ADDR_LEN];
    char e[ERR_MAX];
    chainReadOpts o = {.timeoutMs = (long)cfg->rpcTimeoutMs, .attempts = (int)cfg->rpcAttempts,
                       .backoffMs = (long)cfg->rpcBackoffMs, .onError = ethRpcMetrics, .chainIdName = "WA_CHAIN_ID"};
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    c->maxFeeWei = (uint64_t)cfg->maxFeeGwei * GWEI;
    c->clock = h && h->clock ? h->clock : &clockReal;
    if (h) o.post = h->post, o.postCtx = h->postCtx, o.clock = h->clock;
    if (*cfg->contract && ethAddrParse(cfg->contract, contract, e) < 0) return fail(CHAIN_ECONFIG, err, "WA_CONTRACT: %s", e);
    int rc = chainReadOpen(&c->rd, cfg->rpcUrls, &o, (uint64_t)cfg->chainId, *cfg->contract ? contract : NULL, e);
    if (rc == -CHAIN_ECHAIN) return fail(CHAIN_ECHAIN, err, "%s; refusing to sign", e);
    if (rc == -CHAIN_ECONFIG) return fail(CHAIN_ECONFIG, err, "WA_RPC_URLS: %s", e);   /* the list names no setting */
    if (rc) return fail(-rc, err, "%s", e);
    if (withKey) {
        if (ethKeyLoad(&c->key, cfg->relayerKeyFile, err) < 0) { ethClose(c); return -CHAIN_ECONFIG; }
        c->hasKey = 1;
    }
    return 0;
}

void ethClose(ethClient *c) {
    chainReadClose(&c->rd);
    if (c->hasKey) ethKeyWipe(&c->key);
    c->hasKey = 0;
}

void ethReceiptFree(ethReceipt *r) { chainReceiptFree(&r->mined); }

/* ---- building a transaction ------------------------------------------- */

static json_t *callObj(ethClient *c, const uint8_t *to, const uint8_t *data, size_t len) {
    json_t *o = json_object();
    if (c->hasKey) json_object_set_new(o, "from", addrJson(c->key.addr));
    if (to) json_object_set_new(o, "to", addrJson(to));
    json_object_set_new(o, "data", ethDataJson(data, len));
    return o;
}

/* txCount: eth_getTransactionCount(relayer, tag). */
static int txCount(ethClient *c, const char *tag, uint64_t *n, char *err) {
    return chainTxCount(&c->rd, c->key.addr, tag, n, err);
}

/* estimate: eth_estimateGas + WA_GAS_MARGIN_PCT, or WA_GAS_LIMIT when set. */
static int estimate(ethClient *c, const uint8_t *to, const uint8_t *data, size_t len, uint64_t *gas, char *err) {
    uint64_t g;
    if (c->cfg->gasLimit > 0) { *gas = (uint64_t)c->cfg->gasLimit; return 0; }
    int rc = chainQty(&c->rd, "eth_estimateGas", json_pack("[o]", callObj(c, to, data, len)), &g, err);
    if (rc) return chainRevert(&c->rd, "eth_estimateGas", rc, err);
    *gas = g + g * (uint64_t)c->cfg->gasMarginPct / 100;
    return 0;
}

/* suggestFees: tip = max(eth_maxPriorityFeePerGas, floor); maxFee = 2 * next
 * base fee + tip (survives six full blocks of +12.5 % base fee), capped. */
static int suggestFees(ethClient *c, uint64_t *tip, uint64_t *maxFee, char *err) {
    json_t *r;
    uint64_t base = 0, t = 0;
    char e[ERR_MAX], g1[32], g2[32];
    int rc = chainRpc(&c->rd, "eth_feeHistory", json_pack("[s,s,[]]", "0x1", "latest"), &r, err);
    if (rc) return rc;
    json_t *bf = json_object_get(r, "baseFeePerGas");
    rc = json_array_size(bf) ? ethQty(json_array_get(bf, json_array_size(bf) - 1), &base, e) : errSet(e, "no baseFeePerGas");
    json_decref(r);
    if (rc < 0) return errSet(err, "eth_feeHistory: %s", e);
    if (chainQty(&c->rd, "eth_maxPriorityFeePerGas", NULL, &t, e) == -CHAIN_EDOWN) return fail(CHAIN_EDOWN, err, "%s", e);
    if (t < (uint64_t)c->cfg->minPriorityFeeWei) t = (uint64_t)c->cfg->minPriorityFeeWei;
    if (base > c->maxFeeWei || c->maxFeeWei - base < t)
        return errSet(err, "base fee %s gwei + tip %s gwei exceed WA_MAX_FEE_GWEI; not sending",
                      gwei(base, g1), gwei(t, g2));
    *tip = t;
    *maxFee = base > (c->maxFeeWei - t) / 2 ? c->maxFeeWei : 2 * base + t;
    return 0;
}

/* bumpFees: replacement fees: both at least +12.5 % (+1 wei, nodes want a strict
 * increase of >= 10 %, some 12.5 %) and at least today's suggestion. 1 when the cap
 * forbids a valid bump (then we keep waiting). */
static int bumpFees(ethClient *c, ethTx *tx) {
    uint64_t st = 0, sm = 0, t, m;
    char e[ERR_MAX], g[32];
    if (suggestFees(c, &st, &sm, e)) st = sm = 0;
    t = tx->maxPriorityFeePerGas + tx->maxPriorityFeePerGas / 8 + 1;
    m = tx->maxFeePerGas + tx->maxFeePerGas / 8 + 1;
    if (st > t) t = st;
    if (sm > m) m = sm;
    if (m > c->maxFeeWei) {
        ethLog(c, "cannot bump nonce %llu: max fee would exceed WA_MAX_FEE_GWEI (%s gwei); waiting",
             (unsigned long long)tx->nonce, gwei(c->maxFeeWei, g));
        return 1;
    }
    if (t > m) t = m;
    tx->maxPriorityFeePerGas = t;
    tx->maxFeePerGas = m;
    return 0;
}

/* ---- broadcasting and following --------------------------------------- */

enum { SENT, S_NONCE_LOW, S_UNDERPRICED };

/* sendRaw: eth_sendRawTransaction; a node that knows the transaction already counts
 * it as sent. The node's answer is switched on by kind (rpcClassify). */
static int sendRaw(ethClient *c, const buf *raw, char *err) {
    json_t *r;
    char a[ETH_ADDR_HEX_MAX];
    int rc = chainRpc(&c->rd, "eth_sendRawTransaction", json_pack("[o]", ethDataJson(raw->p, raw->len)), &r, err);
    if (rc == 0) { json_decref(r); return SENT; }
    if (rc != -CHAIN_EFAIL) return rc;
    switch (c->rd.rpc.lastClass) {
    case RPC_NODE_KNOWN: return SENT;
    case RPC_NODE_NONCE_LOW: return S_NONCE_LOW;
    case RPC_NODE_UNDERPRICED: return S_UNDERPRICED;
    case RPC_NODE_FUNDS:
        ethAddrHex(c->key.addr, a);
        return fail(CHAIN_EFAIL, err, "relayer %s has insufficient funds for gas * max fee", a);
    default: return -CHAIN_EFAIL;
    }
}

/* getReceipt: 1 found (out->mined filled), 0 not yet, < 0 error. */
static int getReceipt(ethClient *c, const uint8_t h[32], ethReceipt *out, char *err) {
    return chainGetReceipt(&c->rd, h, &out->mined, err);
}

typedef struct follow {
    uint8_t hashes[MAX_VERSIONS][32];
    int n;
    unsigned bumps;
} follow;

static void remember(follow *f, const uint8_t h[32]) {
    for (int i = 0; i < f->n; i++) if (!memcmp(f->hashes[i], h, 32)) return;
    if (f->n == MAX_VERSIONS) { memmove(f->hashes[0], f->hashes[1], 32 * (MAX_VERSIONS - 1)); f->n--; }
    memcpy(f->hashes[f->n++], h, 32);
}

/* anyReceipt: a receipt of any version we broadcast for this nonce. */
static int anyReceipt(ethClient *c, const follow *f, ethReceipt *out, char *err) {
    for (int i = f->n - 1; i >= 0; i--) {
        int rc = getReceipt(c, f->hashes[i], out, err);
        if (rc) return rc;
    }
    return 0;
}

/* renonce: our nonce went to another transaction (same key used elsewhere):
 * move to the pending nonce, above anything used. */
static int renonce(ethClient *c, ethTx *tx, follow *f, int *count, char *err) {
    uint64_t p;
    if (++*count > MAX_RENONCE) return errSet(err, "nonce %llu: taken by other transactions %d times; giving up",
                                              (unsigned long long)tx->nonce, MAX_RENONCE);
    int rc = txCount(c, "pending", &p, err);
    if (rc) return rc;
    uint64_t old = tx->nonce;
    /* Never above the pending count: a nonce gap would never be mined. p <= old means
     * nothing of ours is pending at old any more (a node said "underpriced" about a
     * transaction since dropped, or lags): send at old again. */
    tx->nonce = p > old ? p : old;
    f->n = 0;
    ethLog(c, "nonce %llu %s; resending as nonce %llu", (unsigned long long)old,
           p > old ? "was used by another transaction of this key" : "refused but nothing is pending there",
           (unsigned long long)tx->nonce);
    return 0;
}

/* signAndSend: sign tx, give it to the journal hook, broadcast. */
static int signAndSend(ethClient *c, const ethTx *tx, int replacing, uint8_t h[32], char *err) {
    buf raw = BUF_INIT;
    char hx[67], g1[32], g2[32];
    int rc = ethTxSign(tx, &c->key, &raw, h, err);
    if (rc == 0 && c->onSigned) {
        ethSentTx s = {raw.p, raw.len, h, tx->nonce, tx->maxFeePerGas, tx->maxPriorityFeePerGas};
        if (c->onSigned(c->signedCtx, &s) < 0) rc = errSet(err, "transaction not sent: the journal hook refused it");
    }
    if (rc == 0) {
        rc = sendRaw(c, &raw, err);
        hexEncode0x(h, 32, hx);
        if (rc == SENT)
            ethLog(c, "%s %s nonce %llu gas %llu tip %s gwei max fee %s gwei", replacing ? "replaced with" : "sent",
                   hx, (unsigned long long)tx->nonce,
                 (unsigned long long)tx->gas, gwei(tx->maxPriorityFeePerGas, g1), gwei(tx->maxFeePerGas, g2));
    }
    bufFree(&raw);
    return rc;
}

/* waitMined: poll until one of f's versions has a receipt (1), the nonce was
 * consumed by someone else (2), the bump time came (3), or an error (< 0). */
static int waitMined(ethClient *c, const ethTx *tx, follow *f, uint64_t bumpAt, uint64_t deadline,
                     ethReceipt *out, char *err) {
    for (;;) {
        int rc = anyReceipt(c, f, out, err);
        if (rc) return rc;
        uint64_t latest;
        if ((rc = txCount(c, "latest", &latest, err))) return rc;
        if (latest > tx->nonce) {
            /* Used -- but maybe by us, with the receipt not yet visible (mined
             * after our last look, or a load-balanced node lagging): look a few
             * more times before concluding another sender took it. */
            for (int i = 0; i < 3; i++) {
                if ((rc = anyReceipt(c, f, out, err))) return rc;
                nap(c, c->cfg->pollMs);
            }
            return 2;
        }
        uint64_t t = now(c);
        if (t >= deadline) {
            char hx[67] = "none";
            if (f->n) hexEncode0x(f->hashes[f->n - 1], 32, hx);
            return fail(CHAIN_ETIMEOUT, err, "not mined within WA_TX_TIMEOUT_SECONDS=%u: nonce %llu, last tx %s "
                                              "(see the stuck-transaction runbook in docs/eth.md)", (unsigned)c->cfg->txTimeoutSeconds,
                                              (unsigned long long)tx->nonce, hx);
        }
        if (t >= bumpAt) return 3;
        nap(c, c->cfg->pollMs);
    }
}

/* confirm: wait for WA_CONFIRMATIONS blocks on top of the receipt's block,
 * then read the receipt again: 1 confirmed (out refreshed), 0 reorged away. */
static int confirm(ethClient *c, ethReceipt *out, uint64_t deadline, char *err) {
    uint64_t head, need = (uint64_t)c->cfg->confirmations;
    for (;;) {
        int rc = chainBlockNumber(&c->rd, &head, err);
        if (rc) return rc;
        if (head + 1 >= out->mined.blockNumber + need) break;
        if (now(c) >= deadline)
            return fail(CHAIN_ETIMEOUT, err, "block %llu: not %llu confirmations before the deadline",
                        (unsigned long long)out->mined.blockNumber, (unsigned long long)need);
        nap(c, c->cfg->pollMs);
    }
    chainReceipt again;
    int rc = chainGetReceipt(&c->rd, out->mined.txHash, &again, err);
    if (rc < 0) return rc;
    if (rc == 0 || memcmp(again.blockHash, out->mined.blockHash, 32)) {
        chainReceiptFree(&again);
        ethLog(c, "block %llu was reorganised away; following the transaction again", (unsigned long long)out->mined.blockNumber);
        return 0;
    }
    chainReceiptFree(&out->mined);
    out->mined = again;
    return 1;
}

/* replayReason: the revert reason of a mined, failed transaction, by replaying
 * it with eth_call at its block (best effort). */
static void replayReason(ethClient *c, const ethTx *tx, const ethReceipt *r, char *out, size_t cap) {
    char e[ERR_MAX], blk[19];
    json_t *res;
    ethQtyStr(r->mined.blockNumber, blk);
    json_t *o = callObj(c, tx->hasTo ? tx->to : NULL, tx->data, tx->dataLen);
    json_object_set_new(o, "gas", json_string("0x1c9c380"));
    int rc = chainRpc(&c->rd, "eth_call", json_pack("[o,s]", o, blk), &res, e);
    if (rc == 0) { json_decref(res); snprintf(out, cap, "out of gas or reason unavailable"); return; }
    if (chainRevert(&c->rd, NULL, rc, e) == -CHAIN_EREVERT) snprintf(out, cap, "%.180s", e);
    else snprintf(out, cap, "reason unavailable");
}

/* lifecycle: send tx (nonce and fees set) until confirmed; see ethSend. */
static int lifecycle(ethClient *c, ethTx *tx, ethReceipt *out, char *err) {
    follow f = {.n = 0};
    int renonces = 0, bumped = 0, rc;
    uint64_t deadline = now(c) + 1000ull * (uint64_t)c->cfg->txTimeoutSeconds;
    uint8_t h[32];
    memset(out, 0, sizeof *out);
    for (;;) {
        rc = signAndSend(c, tx, f.n > 0, h, err);
        if (rc == SENT) {
            remember(&f, h);
            f.bumps += bumped;
        } else if (rc == S_NONCE_LOW) {
            /* The nonce is used: by this very transaction if an earlier attempt
             * of the same request reached the node, else by another sender.
             * Following h tells which (receipt, or nonce used -> renonce). */
            remember(&f, h);
        } else if (rc == S_UNDERPRICED && f.n == 0) {
            /* Another transaction of this key is pending at our nonce. */
            if ((rc = renonce(c, tx, &f, &renonces, err))) return rc;
            continue;
        } else if (rc == S_UNDERPRICED) {
            ethLog(c, "replacement for nonce %llu underpriced by the node; bumping again later", (unsigned long long)tx->nonce);
        } else return rc;
        bumped = 0;
        for (;;) {
            rc = waitMined(c, tx, &f, now(c) + 1000ull * (uint64_t)c->cfg->txBumpSeconds, deadline, out, err);
            if (rc < 0) return rc;
            if (rc == 2) {
                if ((rc = renonce(c, tx, &f, &renonces, err))) return rc;
                break;
            }
            if (rc == 3) {
                if (bumpFees(c, tx)) continue;
                bumped = 1;
                break;
            }
            rc = confirm(c, out, deadline, err);
            if (rc < 0) { ethReceiptFree(out); return rc; }
            if (rc == 1) goto done;
            ethReceiptFree(out);   /* reorged: rebroadcast and follow again */
            break;
        }
    }
done:
    out->nonce = tx->nonce;
    out->replacements = f.bumps;
    if (tx->nonce + 1 > c->nextNonce) c->nextNonce = tx->nonce + 1;
    if (!out->mined.status) {
        char hx[67], why[200];
        hexEncode0x(out->mined.txHash, 32, hx);
        replayReason(c, tx, out, why, sizeof why);
        errSet(err, "transaction %s reverted in block %llu (gas used %llu of %llu): %s", hx,
               (unsigned long long)out->mined.blockNumber, (unsigned long long)out->mined.gasUsed,
               (unsigned long long)tx->gas, why);
        return -CHAIN_EREVERT;
    }
    return 0;
}

int ethSend(ethClient *c, const uint8_t *to, const uint8_t *data, size_t len, ethReceipt *out, char *err) {
    ethTx tx = {.chainId = c->rd.chainId, .data = data, .dataLen = len};
    int rc;
    memset(out, 0, sizeof *out);
    if (!c->hasKey) return fail(CHAIN_ECONFIG, err, "no relayer key loaded");
    if (to) { tx.hasTo = 1; memcpy(tx.to, to, ETH_ADDR_LEN); }
    if ((rc = txCount(c, "pending", &tx.nonce, err))) return rc;
    if (tx.nonce < c->nextNonce) tx.nonce = c->nextNonce;
    if ((rc = estimate(c, to, data, len, &tx.gas, err))) return rc;
    if ((rc = suggestFees(c, &tx.maxPriorityFeePerGas, &tx.maxFeePerGas, err))) return rc;
    return lifecycle(c, &tx, out, err);
}

int ethResume(ethClient *c, const uint8_t *raw, size_t len, ethReceipt *out, char *err) {
    ethTx tx;
    uint8_t sig[ETH_SIG_LEN], from[ETH_ADDR_LEN];
    memset(out, 0, sizeof *out);
    if (!c->hasKey) return fail(CHAIN_ECONFIG, err, "no relayer key loaded");
    if (ethTxDecode(raw, len, &tx, sig, from, err) < 0) return -CHAIN_EFAIL;
    if (memcmp(from, c->key.addr, ETH_ADDR_LEN)) return errSet(err, "resume: transaction was not signed by this relayer key");
    if (tx.chainId != c->rd.chainId) return fail(CHAIN_ECHAIN, err, "resume: transaction is for chain %llu", (unsigned long long)tx.chainId);
    return lifecycle(c, &tx, out, err);   /* signing again yields the same bytes (RFC 6979) */
}

/* ---- the registry ----------------------------------------------------- */

int ethDeploy(ethClient *c, uint8_t addr[ETH_ADDR_LEN], ethReceipt *out, char *err) {
    size_t n;
    uint8_t *code = hexDecodeAny(registryInitCodeHex, &n), want[ETH_ADDR_LEN];
    if (!code) return errSet(err, "deploy: corrupt embedded bytecode");
    int rc = ethSend(c, NULL, code, n, out, err);
    free(code);
    if (rc) return rc;
    ethCreateAddr(c->key.addr, out->nonce, want);
    if (!out->mined.hasContractAddress || memcmp(want, out->mined.contractAddress, ETH_ADDR_LEN))
        return errSet(err, "deploy: receipt's contractAddress is not keccak(rlp(sender, nonce))");
    memcpy(addr, want, ETH_ADDR_LEN);
    return chainHasCode(&c->rd, addr, err);
}

int ethNeedContract(ethClient *c, char *err) {
    if (!c->rd.hasContract) return fail(CHAIN_ECONFIG, err, "WA_CONTRACT is not set (deploy with `anchord deploy`)");
    if (c->contractChecked) return 0;
    char e[ERR_MAX];
    int rc = chainHasCode(&c->rd, c->rd.contract, e);
    c->contractChecked = rc == 0;
    if (rc == -CHAIN_ECONFIG) return fail(CHAIN_ECONFIG, err, "%s (WA_CONTRACT)", e);
    return rc ? fail(-rc, err, "%s", e) : 0;
}

/* findAnchored: the batchId from the receipt: exactly one log, not removed,
 * emitted by the contract, topic0 = keccak(ABI_ANCHORED_SIG), root = ours. */
static int findAnchored(ethClient *c, ethAnchored *a, char *err) {
    size_t i, found = 0;
    json_t *lg;
    json_array_foreach(a->rc.mined.logs, i, lg) {
        uint64_t id, ts;
        uint8_t root[32];
        char e[ERR_MAX];
        int k = abiAnchored(lg, c->rd.contract, &id, root, &ts, e);
        if (k < 0) return errSet(err, "receipt: %s", e);
        if (k == 0) continue;
        if (memcmp(root, a->root, 32)) return errSet(err, "receipt: Anchored root differs from the root we sent");
        a->batchId = id;
        a->timestamp = ts;
        found++;
    }
    if (found != 1) {
        char ca[ETH_ADDR_HEX_MAX];
        ethAddrHex(c->rd.contract, ca);
        return errSet(err, "receipt: %zu Anchored events from %s (want exactly 1)", found, ca);
    }
    /* The receipt is only the RPC's word: the registry itself must hold our root under
     * that batchId (a lying or broken node could forge the log's batchId). */
    int ok = 0, rc = chainVerifyRoot(&c->rd, a->batchId, a->root, &ok, err);
    if (rc) return rc;
    if (!ok) return errSet(err, "receipt: roots(%llu) on chain is not our root (forged or wrong batchId in the "
                                "receipt); not publishing", (unsigned long long)a->batchId);
    return 0;
}

int ethAnchor(ethClient *c, const uint8_t root[32], ethAnchored *a, char *err) {
    static const uint8_t zero[32];
    uint8_t data[36];
    memset(a, 0, sizeof *a);
    if (!memcmp(root, zero, 32)) return errSet(err, "refusing to anchor the zero root (the registry rejects it)");
    int rc = ethNeedContract(c, err);
    if (rc) return rc;
    abiAnchorCall(root, data);
    memcpy(a->root, root, 32);
    if ((rc = ethSend(c, c->rd.contract, data, sizeof data, &a->rc, err))) return rc;
    return findAnchored(c, a, err);
}

int ethAnchorResume(ethClient *c, const uint8_t root[32], const uint8_t *raw, size_t len, ethAnchored *a,
                    char *err) {
    memset(a, 0, sizeof *a);
    int rc = ethNeedContract(c, err);
    if (rc) return rc;
    memcpy(a->root, root, 32);
    if ((rc = ethResume(c, raw, len, &a->rc, err))) return rc;
    return findAnchored(c, a, err);
}
