/* stale.c -- the freshness scan over the batch manifests after a history's last anchor. */
#include <stdio.h>
#include <string.h>
#include "verifier/stale.h"
#include "verifier/proof/witness.h"

int staleLeaves(const manifest *m, const char *did, const char *const *vids, size_t n, char why[ERR_MAX]) {
    for (size_t i = 0; i < m->n; i++) {
        const manifestLeaf *l = &m->leaves[i];
        uint64_t k;
        if (l->unused || strcmp(l->did, did) || witnessVersionNumber(l->versionId, &k) < 0 || k == 0) continue;
        if (k > n)
            return errSet(why, "batch %llu anchors version %.60s of this DID, but the served did.jsonl stops at version %zu",
                          (unsigned long long)m->ref.batchId, l->versionId, n), 1;
        if (strcmp(vids[k - 1], l->versionId))
            return errSet(why, "batch %llu anchors version %.60s of this DID, but the served version %llu is %.60s",
                          (unsigned long long)m->ref.batchId, l->versionId, (unsigned long long)k, vids[k - 1]), 1;
    }
    return 0;
}

/* checked: m is batch id as the chain has it. 0 yes, 1 no, -1 + err (chain unreachable). */
static int checked(const manifest *m, uint64_t id, rootsSrc *src, char *err) {
    merkleHash root;
    char reason[ERR_MAX];
    if (m->ref.batchId != id || manifestRoot(m, root, reason) < 0 || memcmp(root, m->ref.root, 32) ||
        m->ref.chainId != src->chainId || memcmp(m->ref.contract, src->contract, ETH_ADDR_LEN))
        return 1;
    return rootsBatch(src, &m->ref, reason, err);
}

int staleScanRun(const char *did, const char *const *vids, size_t n, uint64_t last, rootsSrc *src,
                 const staleSource *s, staleScan *out, char *err) {
    memset(out, 0, sizeof *out);
    out->ran = 1;
    out->last = last;
    if (rootsBatchCount(src, &out->count, err) < 0) return -1;
    uint64_t id = last + 1;
    buf b = BUF_INIT;
    int rc = 0;
    for (; id < out->count && out->read + out->missing + out->refused < s->max && !out->stale; id++) {
        char e[ERR_MAX];
        manifest m;
        bufReset(&b);
        int got = s->get(s->ctx, id, &b, err);
        if (got < 0) { rc = -1; break; }
        if (got == 0) { out->missing++; continue; }
        if (manifestParse((const char *)b.p, b.len, &m, e) < 0) { out->refused++; continue; }
        int k = checked(&m, id, src, err);
        if (k < 0) rc = -1;
        else if (k) out->refused++;
        else {
            out->read++;
            out->stale = staleLeaves(&m, did, vids, n, out->why);
        }
        manifestFree(&m);
        if (rc < 0) break;
    }
    out->complete = rc == 0 && (out->stale || id >= out->count);
    bufFree(&b);
    return rc;
}
