/* roots.c -- on-chain roots for didverify: online through the read client, or an anchors file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/hex.h"
#include "verifier/roots.h"

#define LOG_RANGE 5000          /* blocks per eth_getLogs request (halved when refused) */

/* ---- sources ---- */

int rootsOpenRpc(rootsSrc *s, const char *urls, const uint8_t contract[ETH_ADDR_LEN], uint64_t chainId, char *err) {
    return rootsOpenRpcWith(s, urls, contract, chainId, NULL, err);
}

int rootsOpenRpcWith(rootsSrc *s, const char *urls, const uint8_t contract[ETH_ADDR_LEN], uint64_t chainId,
                     const chainReadOpts *o, char *err) {
    static const chainReadOpts dflt = {.chainIdName = "--chain-id"};
    memset(s, 0, sizeof *s);
    int rc = chainReadOpen(&s->rd, urls, o ? o : &dflt, chainId, contract, err);
    if (rc) return rc;
    s->hasRpc = 1;
    s->chainId = s->rd.chainId;
    memcpy(s->contract, contract, ETH_ADDR_LEN);
    return 0;
}

int rootsOpenAnchors(rootsSrc *s, const anchorsFile *a, const uint8_t *contract, uint64_t chainId, char *err) {
    memset(s, 0, sizeof *s);
    if (chainId && chainId != a->chainId)
        return errSet(err, "the anchors file is for chain %llu, not %llu", (unsigned long long)a->chainId,
                      (unsigned long long)chainId), -CHAIN_ECONFIG;
    if (contract && memcmp(contract, a->contract, ETH_ADDR_LEN)) {
        char x[ETH_ADDR_HEX_MAX];
        ethAddrHex(a->contract, x);
        return errSet(err, "the anchors file is for contract %s, not the one given", x), -CHAIN_ECONFIG;
    }
    s->anchors = a;
    s->chainId = a->chainId;
    memcpy(s->contract, a->contract, ETH_ADDR_LEN);
    return 0;
}

void rootsClose(rootsSrc *s) {
    if (s->hasRpc) chainReadClose(&s->rd);
    free(s->seen);
    memset(s, 0, sizeof *s);
}

/* receiptCheck: the receipt of c->txHash holds Anchored(c->batchId, c->root) from the
 * contract, status 1, in c->blockNumber. 0 / 1 + reason / -CHAIN_E* + err. */
static int receiptCheck(rootsSrc *s, const chainRef *c, char *reason, char *err) {
    chainReceipt r;
    char tx[67], e[ERR_MAX];
    uint64_t id, ts;
    uint8_t root[32];
    size_t i, found = 0;
    json_t *lg;
    hexEncode0x(c->txHash, 32, tx);
    int rc = chainGetReceipt(&s->rd, c->txHash, &r, err);
    if (rc < 0) return rc;
    if (rc == 0) return errSet(reason, "transaction %.18s… is not on chain", tx), 1;
    rc = 1;
    if (!r.status) { errSet(reason, "transaction %.18s… reverted", tx); goto out; }
    json_array_foreach(r.logs, i, lg) {
        int k = abiAnchored(lg, s->contract, &id, root, &ts, e);
        if (k < 0) { errSet(reason, "transaction %.18s…: %s", tx, e); goto out; }
        if (k == 1 && id == c->batchId && !memcmp(root, c->root, 32)) found++;
    }
    if (!found) {
        errSet(reason, "transaction %.18s… did not anchor batch %llu with this root", tx, (unsigned long long)c->batchId);
        goto out;
    }
    if (r.blockNumber != c->blockNumber) {
        errSet(reason, "block %llu is wrong: transaction %.18s… was mined in block %llu",
               (unsigned long long)c->blockNumber, tx, (unsigned long long)r.blockNumber);
        goto out;
    }
    rc = 0;
out:
    chainReceiptFree(&r);
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
        hexEncode0x(f->txHash, 32, b);
        return errSet(reason, "txHash is wrong: batch %llu was anchored by transaction %.18s…",
                      (unsigned long long)c->batchId, b), 1;
    }
    return 0;
}

int rootsBatch(rootsSrc *s, const chainRef *c, char reason[ERR_MAX], char *err) {
    static const uint8_t zero[32];
    if (s->anchors) {
        const chainRef *f = anchorsFind(s->anchors, c->batchId);
        if (!f) return errSet(reason, "batch %llu is not in the anchors file", (unsigned long long)c->batchId), 1;
        return compareRef(c, f, reason);
    }
    for (size_t i = 0; i < s->nseen; i++)
        if (s->seen[i].batchId == c->batchId) return compareRef(c, &s->seen[i], reason);
    chainRef f = *c;
    int rc = chainRoots(&s->rd, c->batchId, "latest", f.root, err);
    if (rc) return rc;
    if (!memcmp(f.root, zero, 32)) return errSet(reason, "batch %llu is not on chain (roots(%llu) is zero)",
                                                 (unsigned long long)c->batchId, (unsigned long long)c->batchId), 1;
    if (memcmp(f.root, c->root, 32)) return compareRef(c, &f, reason);
    if ((rc = receiptCheck(s, c, reason, err))) return rc;
    if (s->nseen == s->capSeen) {
        size_t cap = s->capSeen ? 2 * s->capSeen : 16;
        chainRef *v = realloc(s->seen, cap * sizeof *v);
        if (!v) return errSet(err, "out of memory");
        s->seen = v, s->capSeen = cap;
    }
    s->seen[s->nseen++] = f;
    return 0;
}

int rootsBatchCount(rootsSrc *s, uint64_t *count, char *err) {
    if (s->anchors) {
        *count = s->anchors->n ? s->anchors->v[s->anchors->n - 1].batchId + 1 : 0;
        return 0;
    }
    return chainBatchCount(&s->rd, "latest", count, err);
}

/* ---- anchors export ---- */

typedef struct collect {
    anchorsFile *a;
    size_t cap;
} collect;

/* addLog: one Anchored log as an entry of the anchors file being built. */
static int addLog(void *ctx, const chainAnchoredLog *l, char *err) {
    collect *c = ctx;
    anchorsFile *a = c->a;
    if (a->n == c->cap) {
        size_t nc = c->cap ? 2 * c->cap : 64;
        chainRef *v = realloc(a->v, nc * sizeof *v);
        if (!v) return errSet(err, "out of memory");
        a->v = v, c->cap = nc;
    }
    chainRef *r = &a->v[a->n++];
    memset(r, 0, sizeof *r);
    r->batchId = l->batchId, r->chainId = a->chainId, r->blockNumber = l->blockNumber;
    memcpy(r->root, l->root, 32);
    memcpy(r->txHash, l->txHash, 32);
    memcpy(r->contract, a->contract, ETH_ADDR_LEN);
    return 0;
}

/* byBatch: qsort order of chainRefs by batchId, ascending. <0 / 0 / >0. */
static int byBatch(const void *x, const void *y) {
    const chainRef *a = x, *b = y;
    return a->batchId < b->batchId ? -1 : a->batchId > b->batchId;
}

/* collectLogs: every Anchored log of blocks [from, latest] into c, halving the range
 * while the node refuses it. 0 / -CHAIN_E* + err. */
static int collectLogs(rootsSrc *s, uint64_t from, uint64_t latest, collect *c, char *err) {
    uint64_t range = LOG_RANGE;
    for (uint64_t b = from; b <= latest;) {
        uint64_t e = latest - b < range - 1 ? latest : b + range - 1;
        int refused = 0, rc = chainAnchoredLogs(&s->rd, b, e, addLog, c, &refused, err);
        if (rc && refused && range > 1) { range /= 2; continue; }
        if (rc && refused) return errSet(err, "eth_getLogs refused a one-block range at %llu", (unsigned long long)b);
        if (rc) return rc;
        b = e + 1;
    }
    return 0;
}

/* agree: the collected logs against the registry at block tag. 0, or 1 + reason. */
static int agree(rootsSrc *s, const anchorsFile *out, uint64_t fromBlock, const char *tag, char *reason, char *err) {
    uint64_t count;
    uint8_t root[32];
    int rc = chainBatchCount(&s->rd, tag, &count, err);
    if (rc) return rc;
    for (size_t i = 0; i < out->n; i++) {
        const chainRef *r = &out->v[i];
        if (i && r->batchId == out->v[i - 1].batchId)
            return errSet(reason, "batch %llu was announced twice", (unsigned long long)r->batchId), 1;
        if (r->batchId >= count)
            return errSet(reason, "batch %llu is beyond batchCount() = %llu", (unsigned long long)r->batchId,
                          (unsigned long long)count), 1;
        if ((rc = chainRoots(&s->rd, r->batchId, tag, root, err))) return rc;
        if (memcmp(root, r->root, 32))
            return errSet(reason, "batch %llu: the Anchored log's root differs from roots()", (unsigned long long)r->batchId), 1;
    }
    if (fromBlock == 0 && (out->n != count || (count && out->v[count - 1].batchId != count - 1)))
        return errSet(reason, "found %zu Anchored logs but batchCount() is %llu", out->n, (unsigned long long)count), 1;
    return 0;
}

int rootsExport(rootsSrc *s, uint64_t fromBlock, anchorsFile *out, char reason[ERR_MAX], char *err) {
    uint64_t latest;
    char tag[19];
    collect c = {out, 0};
    memset(out, 0, sizeof *out);
    if (!s->hasRpc) return errSet(err, "anchors export needs an RPC source"), -CHAIN_ECONFIG;
    out->chainId = s->chainId;
    memcpy(out->contract, s->contract, ETH_ADDR_LEN);
    int rc = chainBlockNumber(&s->rd, &latest, err);
    if (rc == 0) rc = collectLogs(s, fromBlock, latest, &c, err);
    if (rc == 0) {
        qsort(out->v, out->n, sizeof *out->v, byBatch);
        ethQtyStr(latest, tag);
        rc = agree(s, out, fromBlock, tag, reason, err);
    }
    if (rc) anchorsFree(out);
    return rc;
}
