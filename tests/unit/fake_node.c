/* fake_node.c -- a scripted Ethereum JSON-RPC node in process (see fake_node.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "core/err.h"
#include "core/hex.h"
#include "core/keccak.h"
#include "verifier/chain/abi.h"
#include "verifier/chain/ethrpc.h"
#include "tests/unit/fake_node.h"

/* ---- the clock ---- */

static int64_t fcMono(void *ctx) { return ((fakeClock *)ctx)->now; }
static void fcSleep(void *ctx, int64_t ms) {
    fakeClock *c = ctx;
    if (ms > 0) c->now += ms;
    c->sleeps++;
}

void fakeClockInit(fakeClock *c, int64_t startMs) {
    memset(c, 0, sizeof *c);
    c->now = startMs;
    c->src.monoMs = fcMono;
    c->src.sleepMs = fcSleep;
    c->src.ctx = c;
}

/* ---- node state ---- */

void fakeNodeInit(fakeNode *n, uint64_t chainId, fakeClock *c, const uint8_t *contract) {
    memset(n, 0, sizeof *n);
    n->chainId = chainId;
    n->clock = c;
    n->blockMs = 2000;
    n->nextBlockAt = c->now + n->blockMs;
    n->mining = 1;
    n->head = 100;
    n->baseFee = n->tip = 1000000000ull;
    n->gasEstimate = 50000;
    n->balance = 100000000000000000ull;   /* 0.1 ETH: covers any test fee */
    if (contract) { memcpy(n->contract, contract, 20); n->hasContract = 1; }
}

void fakeNodeFree(fakeNode *n) {
    for (size_t i = 0; i < n->ntx; i++) free(n->txs[i].raw);
    n->ntx = 0;
}

static fakeAccount *account(fakeNode *n, const uint8_t addr[20]) {
    for (size_t i = 0; i < n->nacct; i++) if (!memcmp(n->acct[i].addr, addr, 20)) return &n->acct[i];
    if (n->nacct == FAKE_ACCOUNTS) abort();
    fakeAccount *a = &n->acct[n->nacct++];
    memcpy(a->addr, addr, 20);
    a->nonce = 0;
    return a;
}

uint64_t fakeNodeNonce(const fakeNode *n, const uint8_t addr[20]) {
    for (size_t i = 0; i < n->nacct; i++) if (!memcmp(n->acct[i].addr, addr, 20)) return n->acct[i].nonce;
    return 0;
}

static fakeTx *pooled(fakeNode *n, const uint8_t from[20], uint64_t nonce) {
    for (size_t i = 0; i < n->ntx; i++)
        if (n->txs[i].state == FAKE_POOL && n->txs[i].tx.nonce == nonce && !memcmp(n->txs[i].from, from, 20))
            return &n->txs[i];
    return NULL;
}

/* pending: the latest count plus the pooled transactions that follow it without a gap. */
static uint64_t pending(fakeNode *n, const uint8_t from[20]) {
    uint64_t p = fakeNodeNonce(n, from);
    while (pooled(n, from, p)) p++;
    return p;
}

static void blockHash(const fakeNode *n, uint64_t b, uint8_t out[32]) {
    uint8_t in[20];
    uint64_t salt = b >= n->saltFrom ? n->salt : 0;
    memcpy(in, "fakeblk:", 8);
    for (int i = 0; i < 8; i++) in[8 + i] = (uint8_t)(b >> (8 * i));
    for (int i = 0; i < 4; i++) in[16 + i] = (uint8_t)(salt >> (8 * i));
    keccak256(in, sizeof in, out);
}

/* isAnchor: tx calls anchor(bytes32) on the registry; root set. */
static int isAnchor(const fakeNode *n, const ethTx *tx, const uint8_t **root) {
    uint8_t sel[4];
    abiSelector("anchor(bytes32)", sel);
    if (!n->hasContract || !tx->hasTo || memcmp(tx->to, n->contract, 20) || tx->dataLen != 36 || memcmp(tx->data, sel, 4))
        return 0;
    *root = tx->data + 4;
    return 1;
}

/* execute: t goes into block head with the registry's rules. */
static void execute(fakeNode *n, fakeTx *t) {
    static const uint8_t zero[32];
    const uint8_t *root;
    t->state = FAKE_MINED;
    t->block = n->head;
    t->status = 1;
    account(n, t->from)->nonce = t->tx.nonce + 1;
    if (!t->tx.hasTo && n->ncreated < 4) ethCreateAddr(t->from, t->tx.nonce, n->created[n->ncreated++]);
    if (!isAnchor(n, &t->tx, &root)) return;
    if (n->revertOnChain || !memcmp(root, zero, 32) || n->batchCount == FAKE_BATCHES) { t->status = 0; return; }
    t->batchId = n->batchCount++;
    memcpy(n->roots[t->batchId], root, 32);
    t->anchored = 1;
}

static int eligible(const fakeNode *n, const fakeTx *t) {
    if (t->tx.maxFeePerGas < n->baseFee) return 0;
    if (n->minTipEndsAt && n->clock->now >= n->minTipEndsAt) return 1;
    uint64_t room = t->tx.maxFeePerGas - n->baseFee, tip = t->tx.maxPriorityFeePerGas < room ? t->tx.maxPriorityFeePerGas : room;
    return tip >= n->minTip;
}

static void steal(fakeNode *n) {
    for (size_t i = 0; i < n->ntx; i++) {
        fakeTx *t = &n->txs[i];
        fakeAccount *a = account(n, t->from);
        if (t->state != FAKE_POOL || t->foreign || t->tx.nonce != a->nonce) continue;
        t->state = FAKE_GONE;      /* another transaction of this key took the nonce */
        a->nonce++;
    }
    n->stealNonce = 0;
}

static void reorg(fakeNode *n) {
    for (size_t i = n->ntx; i-- > 0;) {
        fakeTx *t = &n->txs[i];
        if (t->state != FAKE_MINED || t->block < n->reorgBlock) continue;
        t->state = FAKE_POOL;
        fakeAccount *a = account(n, t->from);
        if (a->nonce > t->tx.nonce) a->nonce = t->tx.nonce;
        if (t->anchored) { n->batchCount--; memset(n->roots[t->batchId], 0, 32); t->anchored = 0; }
    }
    n->salt++;
    n->saltFrom = n->reorgBlock;
    n->reorged = 1;
}

static void mine(fakeNode *n) {
    n->head++;
    if (n->stealNonce) steal(n);
    for (int more = 1; more;) {
        more = 0;
        for (size_t i = 0; i < n->ntx; i++) {
            fakeTx *t = &n->txs[i];
            if (t->state == FAKE_POOL && t->tx.nonce == fakeNodeNonce(n, t->from) && eligible(n, t)) {
                execute(n, t);
                more = 1;
            }
        }
    }
    if (n->reorgBlock && !n->reorged && n->head >= n->reorgBlock + n->reorgDepth) reorg(n);
}

/* tick: mine the blocks whose time has come. */
static void tick(fakeNode *n) {
    while (n->mining && n->clock->now >= n->nextBlockAt) {
        mine(n);
        n->nextBlockAt += n->blockMs;
    }
    if (!n->mining) n->nextBlockAt = n->clock->now + n->blockMs;
}

/* ---- answers ---- */

static json_t *hexJson(const uint8_t *p, size_t len) {
    char *s = hexDup0x(p, len);
    json_t *j = json_string(s ? s : "0x");
    free(s);
    return j;
}

static json_t *qty(uint64_t v) {
    char s[19];
    ethQtyStr(v, s);
    return json_string(s);
}

static json_t *word(uint64_t v) {
    uint8_t w[32];
    abiPutWord(w, v);
    return hexJson(w, 32);
}

typedef struct answer {
    json_t *result;              /* or */
    int code;
    char message[ERR_MAX];
    char data[200];
} answer;

static void fail(answer *a, int code, const char *msg, const char *data) {
    a->code = code;
    snprintf(a->message, sizeof a->message, "%s", msg);
    snprintf(a->data, sizeof a->data, "%s", data ? data : "");
}

/* notRelayer: the revert data NotRelayer(from) as 0x hex into out. */
static void notRelayer(const json_t *call, char out[200]) {
    uint8_t d[36] = {0}, from[20] = {0};
    ethDataFixed(json_object_get(call, "from"), from, 20, NULL);
    abiSelector("NotRelayer(address)", d);
    memcpy(d + 16, from, 20);
    hexEncode0x(d, sizeof d, out);
}

static json_t *anchoredLog(const fakeNode *n, const fakeTx *t) {
    uint8_t topic0[32], data[64], bh[32];
    keccak256(ABI_ANCHORED_SIG, strlen(ABI_ANCHORED_SIG), topic0);
    memcpy(data, t->tx.data + 4, 32);   /* the root the transaction anchored */
    abiPutWord(data + 32, 1700000000 + 2 * t->block);
    blockHash(n, t->block, bh);
    return json_pack("{s:o, s:[o,o], s:o, s:o, s:o, s:o, s:s, s:b}", "address", hexJson(n->contract, 20), "topics",
                     hexJson(topic0, 32), word(t->batchId), "data", hexJson(data, 64), "blockNumber", qty(t->block),
                     "transactionHash", hexJson(t->hash, 32), "blockHash", hexJson(bh, 32), "logIndex", "0x0",
                     "removed", 0);
}

static void receipt(const fakeNode *n, const json_t *params, answer *a) {
    uint8_t h[32], bh[32];
    if (ethDataFixed(json_array_get(params, 0), h, 32, NULL) < 0) { fail(a, -32602, "invalid argument 0", NULL); return; }
    for (size_t i = 0; i < n->ntx; i++) {
        const fakeTx *t = &n->txs[i];
        if (t->state != FAKE_MINED || memcmp(t->hash, h, 32)) continue;
        blockHash(n, t->block, bh);
        json_t *logs = json_array();
        if (t->anchored) json_array_append_new(logs, anchoredLog(n, t));
        uint8_t ca[20];
        json_t *caj = json_null();
        if (!t->tx.hasTo) { ethCreateAddr(t->from, t->tx.nonce, ca); json_decref(caj); caj = hexJson(ca, 20); }
        a->result = json_pack("{s:o, s:o, s:o, s:s, s:o, s:o, s:o}", "transactionHash", hexJson(t->hash, 32),
                              "blockNumber", qty(t->block), "blockHash", hexJson(bh, 32), "status", t->status ? "0x1" : "0x0",
                              "gasUsed", qty(t->tx.gas * 4 / 5), "logs", logs, "contractAddress", caj);
        return;
    }
    a->result = json_null();
}

static int hasCode(const fakeNode *n, const uint8_t addr[20]) {
    if (n->hasContract && !memcmp(addr, n->contract, 20)) return 1;
    for (size_t i = 0; i < n->ncreated; i++) if (!memcmp(addr, n->created[i], 20)) return 1;
    return 0;
}

static void call(fakeNode *n, const json_t *params, int estimate, answer *a) {
    const json_t *c = json_array_get(params, 0);
    uint8_t to[20], sel[4];
    buf d = BUF_INIT;
    int hasTo = ethDataFixed(json_object_get(c, "to"), to, 20, NULL) == 0;
    if (ethData(json_object_get(c, "data"), &d, NULL) < 0) { fail(a, -32602, "invalid data", NULL); return; }
    ethTx tx = {.hasTo = hasTo, .data = d.p, .dataLen = d.len};
    const uint8_t *root;
    if (hasTo) memcpy(tx.to, to, 20);
    if (isAnchor(n, &tx, &root) && ((estimate && n->revertEstimate) || (!estimate && n->revertOnChain))) {
        char data[200];
        notRelayer(c, data);
        fail(a, 3, "execution reverted", data);
    } else if (estimate) {
        a->result = n->badEstimate ? json_string("0xzz") : qty(n->gasEstimate);
    } else if (!hasTo || !hasCode(n, to) || d.len < 4) {
        a->result = json_string("0x");
    } else {
        uint64_t id = 0;
        abiSelector("roots(uint256)", sel);
        if (!memcmp(d.p, sel, 4) && d.len == 36 && abiWord(d.p + 4, &id) == 0) {
            static const uint8_t zero[32];
            a->result = hexJson(id < n->batchCount ? n->roots[id] : zero, 32);
        } else if (abiSelector("batchCount()", sel), !memcmp(d.p, sel, 4)) {
            a->result = word(n->batchCount);
        } else if (abiSelector("verify(uint256,bytes32)", sel), !memcmp(d.p, sel, 4) && d.len == 68) {
            a->result = word(abiWord(d.p + 4, &id) == 0 && id < n->batchCount && !memcmp(n->roots[id], d.p + 36, 32));
        } else a->result = json_string("0x");
    }
    bufFree(&d);
}

/* admit: geth's pool rules for one raw transaction; 0 pooled, or an error in a. */
static int admit(fakeNode *n, const json_t *params, int foreign, answer *a) {
    buf raw = BUF_INIT;
    char e[ERR_MAX], msg[160];
    if (ethData(json_array_get(params, 0), &raw, e) < 0) { fail(a, -32602, e, NULL); return -1; }
    if (n->ntx == FAKE_TXS) abort();
    fakeTx *t = &n->txs[n->ntx];
    memset(t, 0, sizeof *t);
    t->raw = raw.p, t->rawLen = raw.len;
    uint8_t sig[ETH_SIG_LEN];
    if (ethTxDecode(t->raw, t->rawLen, &t->tx, sig, t->from, e) < 0) { bufFree(&raw); fail(a, -32602, e, NULL); return -1; }
    keccak256(t->raw, t->rawLen, t->hash);
    int rc = -1;
    fakeTx *old = pooled(n, t->from, t->tx.nonce);
    for (size_t i = 0; i < n->ntx; i++)
        if (!memcmp(n->txs[i].hash, t->hash, 32) && n->txs[i].state != FAKE_GONE) {
            if (n->txs[i].state == FAKE_POOL) fail(a, -32000, "already known", NULL);
            else fail(a, -32000, "nonce too low", NULL);
            goto out;
        }
    if (t->tx.chainId != n->chainId) { fail(a, -32000, "invalid chain id for signer", NULL); goto out; }
    if (t->tx.nonce < fakeNodeNonce(n, t->from)) {
        snprintf(msg, sizeof msg, "nonce too low: next nonce %llu, tx nonce %llu",
                 (unsigned long long)fakeNodeNonce(n, t->from), (unsigned long long)t->tx.nonce);
        fail(a, -32000, msg, NULL);
        goto out;
    }
    if (t->tx.gas > n->balance / (t->tx.maxFeePerGas ? t->tx.maxFeePerGas : 1)) {
        fail(a, -32000, "insufficient funds for gas * price + value", NULL);
        goto out;
    }
    if (old && (t->tx.maxFeePerGas < old->tx.maxFeePerGas + old->tx.maxFeePerGas / 10 ||
                t->tx.maxPriorityFeePerGas < old->tx.maxPriorityFeePerGas + old->tx.maxPriorityFeePerGas / 10)) {
        fail(a, -32000, "replacement transaction underpriced", NULL);
        goto out;
    }
    if (old) old->state = FAKE_GONE;
    t->state = FAKE_POOL;
    t->sentAt = n->clock->now;
    t->foreign = foreign;
    n->ntx++;
    if (!foreign) n->sends++;
    a->result = hexJson(t->hash, 32);
    return 0;
out:
    free(t->raw);
    memset(t, 0, sizeof *t);
    return rc;
}

void fakeNodeForeign(fakeNode *n, const uint8_t from[20], uint64_t nonce, uint64_t tip, uint64_t maxFee) {
    if (n->ntx == FAKE_TXS) abort();
    fakeTx *t = &n->txs[n->ntx++];
    memset(t, 0, sizeof *t);
    memcpy(t->from, from, 20);
    t->tx = (ethTx){.chainId = n->chainId, .nonce = nonce, .maxPriorityFeePerGas = tip, .maxFeePerGas = maxFee, .gas = 21000};
    t->hash[0] = 0xf0, t->hash[1] = (uint8_t)n->ntx;
    t->state = FAKE_POOL;
    t->sentAt = n->clock->now;
    t->foreign = 1;
}

static void getLogs(const fakeNode *n, const json_t *params, answer *a) {
    uint64_t from = 0, to = 0;
    const json_t *q = json_array_get(params, 0);
    if (ethQty(json_object_get(q, "fromBlock"), &from, NULL) < 0 || ethQty(json_object_get(q, "toBlock"), &to, NULL) < 0) {
        fail(a, -32602, "invalid block range", NULL);
        return;
    }
    json_t *logs = json_array();
    for (size_t i = 0; i < n->ntx; i++) {
        const fakeTx *t = &n->txs[i];
        if (t->state == FAKE_MINED && t->anchored && t->block >= from && t->block <= to)
            json_array_append_new(logs, anchoredLog(n, t));
    }
    if (n->duplicateLog && json_array_size(logs)) json_array_append(logs, json_array_get(logs, 0));
    a->result = logs;
}

/* rule: the scripted error for method, if one is due now. */
static const fakeRule *rule(fakeNode *n, const char *method) {
    for (int i = 0; i < FAKE_RULES; i++) {
        fakeRule *r = &n->rules[i];
        if (!r->method || strcmp(r->method, method) || !r->times) continue;
        if (r->skip > 0) { r->skip--; continue; }
        if (r->times > 0) r->times--;
        return r;
    }
    return NULL;
}

static void count(fakeNode *n, const char *method) {
    for (size_t i = 0; i < n->ncounts; i++)
        if (!strcmp(n->counts[i].method, method)) { n->counts[i].n++; return; }
    if (n->ncounts == sizeof n->counts / sizeof *n->counts) return;
    snprintf(n->counts[n->ncounts].method, sizeof n->counts[0].method, "%s", method);
    n->counts[n->ncounts++].n = 1;
}

static void dispatch(fakeNode *n, const char *m, const json_t *params, answer *a) {
    uint8_t addr[20];
    const fakeRule *r = rule(n, m);
    if (r) {
        answer ignored = {0};
        if (r->accept && !strcmp(m, "eth_sendRawTransaction")) admit(n, params, 0, &ignored);
        json_decref(ignored.result);
        fail(a, r->code, r->message, r->data);
        return;
    }
    if (!strcmp(m, "eth_chainId")) a->result = qty(n->chainId);
    else if (!strcmp(m, "eth_blockNumber")) a->result = qty(n->head);
    else if (!strcmp(m, "eth_maxPriorityFeePerGas")) a->result = qty(n->tip);
    else if (!strcmp(m, "eth_feeHistory"))
        a->result = json_pack("{s:o, s:[o,o], s:[f]}", "oldestBlock", qty(n->head), "baseFeePerGas", qty(n->baseFee),
                              qty(n->baseFee), "gasUsedRatio", 0.5);
    else if (!strcmp(m, "eth_getTransactionCount")) {
        const char *tag = json_string_value(json_array_get(params, 1));
        if (ethDataFixed(json_array_get(params, 0), addr, 20, NULL) < 0 || !tag) fail(a, -32602, "invalid argument", NULL);
        else if (!strcmp(tag, "pending") && n->pendingLag > 0) { n->pendingLag--; a->result = qty(fakeNodeNonce(n, addr)); }
        else a->result = qty(!strcmp(tag, "pending") ? pending(n, addr) : fakeNodeNonce(n, addr));
    } else if (!strcmp(m, "eth_getCode")) {
        static const uint8_t code[] = {0x60, 0x80, 0x60, 0x40, 0x52};
        if (ethDataFixed(json_array_get(params, 0), addr, 20, NULL) < 0) fail(a, -32602, "invalid argument 0", NULL);
        else a->result = hasCode(n, addr) ? hexJson(code, sizeof code) : json_string("0x");
    } else if (!strcmp(m, "eth_estimateGas")) call(n, params, 1, a);
    else if (!strcmp(m, "eth_call")) call(n, params, 0, a);
    else if (!strcmp(m, "eth_sendRawTransaction")) admit(n, params, 0, a);
    else if (!strcmp(m, "eth_getTransactionReceipt")) receipt(n, params, a);
    else if (!strcmp(m, "eth_getLogs")) getLogs(n, params, a);
    else {
        char msg[120];
        snprintf(msg, sizeof msg, "the method %.60s does not exist/is not available", m);
        fail(a, -32601, msg, NULL);
    }
}

int fakeNodePost(void *ctx, const char *url, const char *body, size_t len, buf *resp, long *status, char *err) {
    fakeNode *n = ctx;
    n->calls++;
    tick(n);
    if (n->failPosts > 0) { n->failPosts--; return errSet(err, "Couldn't connect to server (fake node)"); }
    if (n->http503 > 0) { n->http503--; *status = 503; return bufPuts(resp, "busy") < 0 ? errSet(err, "out of memory") : 0; }
    json_t *req = json_loadb(body, len, 0, NULL), *out;
    const char *m = json_string_value(json_object_get(req, "method"));
    answer a = {0};
    if (!m) fail(&a, -32600, "invalid request", NULL);
    else { count(n, m); dispatch(n, m, json_object_get(req, "params"), &a); }
    if (a.result) out = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", json_object_get(req, "id"), "result", a.result);
    else {
        json_t *e = json_pack("{s:i, s:s}", "code", a.code, "message", a.message);
        if (a.data[0]) json_object_set_new(e, "data", json_string(a.data));
        out = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", json_object_get(req, "id"), "error", e);
    }
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    json_decref(req);
    *status = 200;
    int rc = text && bufPuts(resp, text) == 0 ? 0 : errSet(err, "out of memory");
    free(text);
    return rc;
}

unsigned fakeNodeCount(const fakeNode *n, const char *method) {
    for (size_t i = 0; i < n->ncounts; i++) if (!strcmp(n->counts[i].method, method)) return n->counts[i].n;
    return 0;
}

const fakeTx *fakeNodeSent(const fakeNode *n, size_t i) {
    for (size_t k = 0; k < n->ntx; k++)
        if (!n->txs[k].foreign && i-- == 0) return &n->txs[k];
    return NULL;
}
