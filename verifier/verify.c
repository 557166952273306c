/* verify.c -- per-version verdicts on one published history (see verify.h for the checks). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/hex.h"
#include "core/json.h"
#include "core/merkle.h"
#include "didlog/webvh.h"
#include "verifier/event/docevent.h"
#include "verifier/verify.h"

/* addRow: a new version row (INVALID until decided). NULL when out of memory. */
static versionReport *addRow(historyReport *r, const char *vid) {
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 8;
        versionReport *v = realloc(r->v, cap * sizeof *v);
        if (!v) return NULL;
        r->v = v, r->cap = cap;
    }
    versionReport *x = &r->v[r->n++];
    memset(x, 0, sizeof *x);
    snprintf(x->versionId, sizeof x->versionId, "%s", vid);
    x->v = VERDICT_INVALID;
    return x;
}

/* anchorCheck: one witness.json anchor of log entry i. 0 holds, 1 not (reason),
 * -1 the chain could not be asked (err). */
static int anchorCheck(const anchorProof *ap, const webvhLog *log, size_t i, rootsSrc *src, char *reason, char *err) {
    char e[ERR_MAX], a[65], b[65];
    merkleHash lh;
    size_t len;
    if (strcmp(ap->versionId, log->e[i].versionId))
        return errSet(reason, "witness.json anchors %.60s as version %zu, but the log's is %.60s", ap->versionId, i + 1,
                      log->e[i].versionId), 1;
    const char *line = webvhLine(log, i, &len);
    merkleHashLeaf(line, len, lh);
    if (memcmp(lh, ap->leafHash, 32)) {
        hexEncode(ap->leafHash, 32, a);
        hexEncode(lh, 32, b);
        return errSet(reason, "leaf hash %.16s… in witness.json is not SHA-256(0x00 || entry) = %.16s…", a, b), 1;
    }
    if (merkleVerify(ap->leafHash, ap->leafIndex, ap->treeSize, (const merkleHash *)ap->proof, ap->proofLen, ap->root, e) < 0)
        return errSet(reason, "inclusion proof (leaf %llu of %llu): %s", (unsigned long long)ap->leafIndex,
                      (unsigned long long)ap->treeSize, e), 1;
    if (ap->chainId != src->chainId)
        return errSet(reason, "anchored on chain %llu, but the roots come from chain %llu", (unsigned long long)ap->chainId,
                      (unsigned long long)src->chainId), 1;
    if (memcmp(ap->contract, src->contract, ETH_ADDR_LEN)) {
        char x[ETH_ADDR_HEX_MAX], y[ETH_ADDR_HEX_MAX];
        ethAddrHex(ap->contract, x);
        ethAddrHex(src->contract, y);
        return errSet(reason, "anchored at contract %s, but the roots come from contract %s", x, y), 1;
    }
    chainRef c = {.batchId = ap->batchId, .chainId = ap->chainId, .blockNumber = ap->blockNumber};
    memcpy(c.root, ap->root, 32);
    memcpy(c.contract, ap->contract, ETH_ADDR_LEN);
    memcpy(c.txHash, ap->txHash, 32);
    return rootsBatch(src, &c, reason, err);
}

/* witnessSigs: proofs in did-witness.json on versions of this log (each is checked once). */
static unsigned long witnessSigs(const webvhLog *log, size_t valid, const json_t *wf) {
    size_t i;
    json_t *item;
    unsigned long n = 0;
    json_array_foreach(wf, i, item) {
        const char *vid = jsonGetStr(item, "versionId");
        unsigned long k = vid ? strtoul(vid, NULL, 10) : 0;
        if (k && k <= valid && !strcmp(log->e[k - 1].versionId, vid)) n += json_array_size(json_object_get(item, "proof"));
    }
    return n;
}

/* pendingGaps: a version with no anchor before one that has an anchor is not
 * pending but skipped: only a trailing suffix may wait for its batch. */
static void pendingGaps(historyReport *r) {
    size_t last = 0;
    int any = 0;
    for (size_t i = 0; i < r->n; i++) if (r->v[i].claimed) last = i, any = 1;
    for (size_t i = 0; any && i < last; i++)
        if (r->v[i].v == VERDICT_PENDING) {
            r->v[i].v = VERDICT_INVALID;
            snprintf(r->v[i].reason, sizeof r->v[i].reason, "no anchor in witness.json, but later version %s has one",
                     r->v[last].versionId);
        }
}

/* aheadHint: witness.json anchors of versions did.jsonl (nlog entries) does not have.
 * Normal for a moment while a batch publishes (the worker writes the proofs before
 * did.jsonl), so never a fault of this log; but one whose inclusion proof leads to a
 * root the chain holds is evidence that a later version exists: r->stale. At most
 * AHEAD_MAX of them are checked. 0 / -1 + err (the chain could not be asked). */
#define AHEAD_MAX 8
static int aheadHint(const witnessFile *wj, size_t nlog, rootsSrc *src, historyReport *r, char *err) {
    size_t tried = 0;
    for (size_t a = 0; a < wj->n; a++) {
        const anchorProof *ap = &wj->v[a];
        char e[ERR_MAX];
        if (ap->versionNumber <= nlog) continue;
        r->ahead++;
        if (r->stale || tried++ == AHEAD_MAX || ap->chainId != src->chainId ||
            memcmp(ap->contract, src->contract, ETH_ADDR_LEN) ||
            merkleVerify(ap->leafHash, ap->leafIndex, ap->treeSize, (const merkleHash *)ap->proof, ap->proofLen, ap->root, e) < 0)
            continue;
        chainRef c = {.batchId = ap->batchId, .chainId = ap->chainId, .blockNumber = ap->blockNumber};
        memcpy(c.root, ap->root, 32);
        memcpy(c.contract, ap->contract, ETH_ADDR_LEN);
        memcpy(c.txHash, ap->txHash, 32);
        int k = rootsBatch(src, &c, e, err);
        if (k < 0) return -1;
        if (k == 0) {
            r->stale = r->aheadOnChain = 1;
            snprintf(r->staleWhy, sizeof r->staleWhy, "witness.json anchors version %.60s in batch %llu (its root is on chain), "
                     "but the served did.jsonl stops at version %zu", ap->versionId, (unsigned long long)ap->batchId, nlog);
        }
    }
    return 0;
}

/* scan: the manifests of the batches after the history's last anchor (verifier/stale.h). */
static int scan(historyReport *r, size_t nlog, rootsSrc *src, const staleSource *fresh, char *err) {
    uint64_t last = 0;
    const char **vids = malloc((nlog ? nlog : 1) * sizeof *vids);
    if (!vids) return errSet(err, "out of memory");
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].v == VERDICT_ANCHORED && r->v[i].batchId > last) last = r->v[i].batchId;
    for (size_t i = 0; i < nlog; i++) vids[i] = r->v[i].versionId;
    int rc = staleScanRun(r->did, vids, nlog, last, src, fresh, &r->scan, err);
    free(vids);
    if (rc == 0 && r->scan.stale) {
        r->stale = 1;
        snprintf(r->staleWhy, sizeof r->staleWhy, "%s", r->scan.why);
    }
    return rc;
}

/* checkEntries: the verdict of every parsed entry. 0 / -1 (chain unreachable). */
static int checkEntries(webvhLog *log, const webvhResult *wr, const witnessFile *wj, const char *global, size_t w,
                        const char *wmsg, rootsSrc *src, historyReport *r, char *err) {
    size_t s = wr->valid, a = 0, docBad = 0;
    json_t *seen = json_object();
    int rc = 0;
    for (size_t i = 0; i < log->n && rc == 0; i++) {
        char vid[32];
        snprintf(vid, sizeof vid, "(entry %zu)", i + 1);
        const char *v = jsonGetStr(log->e[i].obj, "versionId");   /* as written, when not verified */
        versionReport *row = addRow(r, v ? v : vid);
        if (!row) { rc = errSet(err, "out of memory"); break; }
        while (a < wj->n && wj->v[a].versionNumber < i + 1) a++;
        const anchorProof *ap = a < wj->n && wj->v[a].versionNumber == i + 1 ? &wj->v[a] : NULL;
        row->claimed = ap != NULL;
        if (global[0]) { snprintf(row->reason, sizeof row->reason, "%s", global); continue; }
        if (i >= s) {
            if (i == s) snprintf(row->reason, sizeof row->reason, "%s", wr->error);
            else snprintf(row->reason, sizeof row->reason, "follows the invalid version %zu", s + 1);
            continue;
        }
        if (docBad) {   /* its keys come from a document the subject did not sign */
            snprintf(row->reason, sizeof row->reason, "follows the invalid version %zu", docBad);
            continue;
        }
        r->sigs += json_array_size(json_object_get(log->e[i].obj, "proof"));
        docKind kind;
        int dk = docEntryCheck(i ? log->e[i - 1].state : NULL, log->e[i].state, log->e[i].params, (unsigned long)i + 1,
                               seen, &kind, row->reason);
        row->kind = kind;
        r->sigs += kind == DOC_KIND_EVENT || (kind == DOC_KIND_GENESIS && json_object_get(log->e[i].state, "event"));
        if (dk != DOC_OK) { docBad = i + 1; continue; }
        if (!ap) {
            row->v = VERDICT_PENDING;
            snprintf(row->reason, sizeof row->reason, "no anchor in witness.json yet");
            continue;
        }
        int k = anchorCheck(ap, log, i, src, row->reason, err);
        if (k < 0) rc = -1;
        if (k) continue;
        if (i >= w) { snprintf(row->reason, sizeof row->reason, "did-witness.json: %.200s", wmsg); continue; }
        row->v = VERDICT_ANCHORED;
        row->reason[0] = 0;
        row->batchId = ap->batchId, row->blockNumber = ap->blockNumber;
        memcpy(row->txHash, ap->txHash, 32);
    }
    json_decref(seen);
    return rc;
}

int verifyHistory(const historyInput *in, rootsSrc *src, historyReport *r, char *err) {
    char e[ERR_MAX], global[ERR_MAX] = "", wmsg[ERR_MAX] = "";
    witnessFile wj = {0};
    json_t *wf = NULL;
    memset(r, 0, sizeof *r);
    if (in->did) snprintf(r->did, sizeof r->did, "%s", in->did);
    webvhLog *log = webvhParse(in->log, in->logLen, e);
    if (!log) {
        versionReport *row = addRow(r, "(did.jsonl)");
        if (!row) return errSet(err, "out of memory");
        snprintf(row->reason, sizeof row->reason, "did.jsonl: %.200s", e);
        r->invalid = 1;
        return 0;
    }
    if (in->didWitness && !(wf = webvhParseWitnessFile(in->didWitness, in->didWitnessLen, e)))
        snprintf(global, sizeof global, "did-witness.json: %.200s", e);
    if (in->witness && witnessParse(in->witness, in->witnessLen, &wj, e) < 0 && !global[0])
        snprintf(global, sizeof global, "witness.json: %.200s", e);
    webvhOpts o = {.did = in->did, .skipWitness = 1, .now = in->now};
    webvhResult wr;
    webvhVerify(log, &o, &wr);
    if (!in->did && wr.valid) snprintf(r->did, sizeof r->did, "%s", log->e[wr.valid - 1].did);
    if (!global[0] && wj.did && r->did[0] && strcmp(wj.did, r->did))
        snprintf(global, sizeof global, "witness.json is for %.100s, not this DID (a proof moved to another DID?)", wj.did);
    size_t w = wr.valid;
    if (w && webvhUsesWitnesses(log)) {
        w = webvhCheckWitnesses(log, wr.valid, wf, wmsg);
        r->sigs += witnessSigs(log, wr.valid, wf);
    }
    int rc = checkEntries(log, &wr, &wj, global, w, wmsg, src, r, err);
    if (rc == 0 && log->parseErr[0]) {
        versionReport *row = addRow(r, "(unreadable line)");
        if (row) snprintf(row->reason, sizeof row->reason, "%s", log->parseErr);
        if (row) row->claimed = 0;
    }
    if (rc == 0 && !global[0]) rc = aheadHint(&wj, log->n, src, r, err);
    pendingGaps(r);
    for (size_t i = 0; i < r->n; i++)
        r->anchored += r->v[i].v == VERDICT_ANCHORED, r->pending += r->v[i].v == VERDICT_PENDING,
            r->invalid += r->v[i].v == VERDICT_INVALID;
    if (rc == 0 && in->fresh && in->fresh->max && r->anchored && !r->invalid && !r->stale) rc = scan(r, log->n, src, in->fresh, err);
    webvhFree(log);
    witnessFree(&wj);
    json_decref(wf);
    return rc;
}

verdict historyVerdict(const historyReport *r) {
    if (r->invalid || !r->n) return VERDICT_INVALID;
    if (r->stale) return VERDICT_STALE;
    return r->pending ? VERDICT_PENDING : VERDICT_ANCHORED;
}

void historyFree(historyReport *r) {
    free(r->v);
    memset(r, 0, sizeof *r);
}
