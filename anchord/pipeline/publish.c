/* publish.c -- publish an anchored batch: per DID witness.json, then did-witness.json,
 * then did.jsonl (conditional writes, idempotent), then did.json (the parallel did:web
 * document of the new head, didlog/didweb.h), the batch manifest, status records and the
 * DID registry.
 *
 * Idempotent: every object is computed from what the store holds now plus the batch's
 * entries; an object that already holds them is not written again. A did.jsonl that
 * changed under us (a foreign writer) is not overwritten: that DID's leaves are marked
 * "unused" in the manifest and its events are re-queued for the next batch.
 *
 * One DID never stops the others (DESIGN.md §4, 6): a failure of one DID's objects (not
 * readable, not parseable, a PUT refused, beyond WA_DID_BUDGET) leaves that DID
 * unpublished ("unused" leaves) and its events re-queued -- or dead-lettered when it is
 * beyond the budget -- while every other DID is published. Only a store that takes no
 * writes at all (storeProbe fails) stops the batch (resumed later). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/hex.h"
#include "core/sha256.h"
#include "core/jcs.h"
#include "core/json.h"
#include "core/rfc3339.h"
#include "core/io/clock.h"
#include "didlog/webvh.h"
#include "didlog/didweb.h"
#include "verifier/proof/manifest.h"
#include "verifier/proof/witness.h"
#include "anchord/pipeline/batch.h"
#include "anchord/ingest/budget.h"
#include "verifier/event/docstate.h"
#include "anchord/ops/log.h"

#define PUT_RETRIES 3

typedef struct pubCtx {
    pipeCtx *c;
    batch *b;
    char witVm[DIDKEY_MAX];
    char created[RFC3339_MAX];
} pubCtx;

/* hasLines: body holds every new entry of w as a whole line. */
static int hasLines(const buf *body, const didWork *w) {
    if (!body->p) return 0;
    for (size_t k = 0; k < w->nne; k++) {
        const newEntry *n = &w->ne[k];
        const unsigned char *p = body->p, *end = body->p + body->len;
        int found = 0;
        while (!found && (p = memmem(p, (size_t)(end - p), n->line, n->len))) {
            found = (p == body->p || p[-1] == '\n') && (p + n->len == end || p[n->len] == '\n');
            p++;
        }
        if (!found) return 0;
    }
    return 1;
}

static int appendLines(buf *out, const didWork *w) {
    for (size_t k = 0; k < w->nne; k++)
        if (bufAppend(out, w->ne[k].line, w->ne[k].len) < 0 || bufPutc(out, '\n') < 0) return -1;
    return 0;
}

/* decideLog: what to do with did.jsonl: nothing (ours already), a put, or unused. */
static int decideLog(didWork *w) {
    bufFree(&w->newLog);
    w->putLog = 0;
    if (w->log.found && hasLines(&w->log.body, w)) {
        memcpy(w->newEtag, w->log.etag, STORE_ETAG_MAX);
        return 0;
    }
    if (w->isNew ? w->log.found : !w->log.found || strcmp(w->log.etag, w->baseEtag)) {
        w->unused = 1;
        return 0;
    }
    if (!w->isNew) {
        if (bufAppend(&w->newLog, w->log.body.p, w->log.body.len) < 0) return -1;
        if (w->newLog.len && w->newLog.p[w->newLog.len - 1] != '\n' && bufPutc(&w->newLog, '\n') < 0) return -1;
    }
    if (appendLines(&w->newLog, w) < 0) return -1;
    w->putLog = 1;
    return 0;
}

/* vnum: the version number of a versionId, 0 when it has none. */
static uint64_t vnum(const char *vid) {
    uint64_t n = 0;
    if (vid) witnessVersionNumber(vid, &n);
    return n;
}

static const newEntry *ours(const didWork *w, const char *vid) {
    for (size_t k = 0; k < w->nne; k++) if (!strcmp(w->ne[k].versionId, vid)) return &w->ne[k];
    return NULL;
}

/* prepWj: witness.json = the anchors of earlier versions, then ours (kept when already
 * there, else made from the tree). Anchors of unpublished versions (a lost race) at or
 * above our first version number are dropped. */
static int prepWj(pubCtx *pc, didWork *w, char *err) {
    batch *b = pc->b;
    witnessFile cur = {0}, out = {0};
    int rc = 0;
    bufFree(&w->newWj);
    w->putWj = 0;
    if (w->wj.found && witnessParse((char *)w->wj.body.p, w->wj.body.len, &cur, err) < 0) return -1;
    uint64_t first = vnum(w->ne[0].versionId);
    if (!(out.did = strdup(w->did))) rc = errSet(err, "out of memory");
    for (size_t i = 0; rc == 0 && i < cur.n; i++)
        if (cur.v[i].versionNumber < first) rc = witnessAdd(&out, &cur.v[i], err);
    for (size_t k = 0; rc == 0 && k < w->nne; k++) {
        const newEntry *n = &w->ne[k];
        const anchorProof *have = witnessFind(&cur, n->versionId);
        if (have && !memcmp(have->leafHash, merkleLeaf(b->tree, n->leaf), 32) && have->batchId == b->batchId) {
            rc = witnessAdd(&out, have, err);
            continue;
        }
        anchorProof *p = calloc(1, sizeof *p);
        if (!p) { rc = errSet(err, "out of memory"); break; }
        snprintf(p->versionId, sizeof p->versionId, "%s", n->versionId);
        p->versionNumber = vnum(n->versionId);
        p->leafIndex = n->leaf;
        p->treeSize = b->nleaves;
        memcpy(p->leafHash, merkleLeaf(b->tree, n->leaf), 32);
        rc = merkleProof(b->tree, n->leaf, p->proof, &p->proofLen, err);
        memcpy(p->root, b->root, 32);
        p->batchId = b->batchId;
        p->chainId = b->chainId;
        p->blockNumber = b->blockNumber;
        memcpy(p->contract, b->contract, 20);
        memcpy(p->txHash, b->txHash, 32);
        if (rc == 0) rc = witnessAdd(&out, p, err);
        free(p);
    }
    if (rc == 0) rc = witnessDump(&out, &w->newWj, err);
    witnessFree(&cur);
    witnessFree(&out);
    if (rc == 0) w->putWj = !(w->wj.found && w->wj.body.len == w->newWj.len && !memcmp(w->wj.body.p, w->newWj.p, w->newWj.len));
    return rc;
}

/* hasWitnessProof: item's proof array holds one by vm. */
static int hasWitnessProof(const json_t *item, const char *vm) {
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(item, "proof"), i, p) {
        const char *v = jsonGetStr(p, "verificationMethod");
        if (v && !strcmp(v, vm)) return 1;
    }
    return 0;
}

/* pruneDw: keep, for each witness (a proof's verificationMethod), only its proof on the
 * highest version <= base (the published head the batch builds on) and its proof on the
 * highest version above it (the one written with this batch); items left without a proof
 * are dropped. A proof for version N approves every version <= N (v1.0 "The Witness
 * Proofs File"), and until did.jsonl is written a reader only sees versions <= base, so
 * each published version stays witnessed at every moment. -1 out of memory. */
static int pruneDw(json_t *arr, uint64_t base) {
    json_t *best = json_object(), *item, *p;   /* vm -> [highest <= base, highest > base] */
    size_t i, j;
    if (!best) return -1;
    json_array_foreach(arr, i, item) {
        uint64_t n = vnum(jsonGetStr(item, "versionId"));
        json_array_foreach(json_object_get(item, "proof"), j, p) {
            const char *vm = jsonGetStr(p, "verificationMethod");
            json_t *b = json_object_get(best, vm ? vm : "");
            if (!b && json_object_set_new(best, vm ? vm : "", b = json_pack("[II]", (json_int_t)0, (json_int_t)0)) < 0) {
                json_decref(best);
                return -1;
            }
            json_t *slot = json_array_get(b, n > base);
            if ((uint64_t)json_integer_value(slot) < n) json_integer_set(slot, (json_int_t)n);
        }
    }
    for (i = json_array_size(arr); i-- > 0;) {
        item = json_array_get(arr, i);
        uint64_t n = vnum(jsonGetStr(item, "versionId"));
        json_t *proofs = json_object_get(item, "proof");
        for (j = json_array_size(proofs); j-- > 0;) {
            const char *vm = jsonGetStr(json_array_get(proofs, j), "verificationMethod");
            json_t *slot = json_array_get(json_object_get(best, vm ? vm : ""), n > base);
            if ((uint64_t)json_integer_value(slot) != n) json_array_remove(proofs, j);
        }
        if (!json_array_size(proofs)) json_array_remove(arr, i);
    }
    json_decref(best);
    return 0;
}

/* prepDw: did-witness.json with our witness proof on the last new version (kept when
 * present: a resumed batch does not re-sign), which approves the batch's earlier ones,
 * then pruned (pruneDw). Items of unpublished versions at or above our first version
 * number are dropped. */
static int prepDw(pubCtx *pc, didWork *w, char *err) {
    bufFree(&w->newDw);
    w->putDw = 0;
    json_t *arr = w->dw.found ? webvhParseWitnessFile((char *)w->dw.body.p, w->dw.body.len, err) : json_array();
    if (!arr) return -1;
    uint64_t first = vnum(w->ne[0].versionId);
    for (size_t i = json_array_size(arr); i-- > 0;) {
        const char *vid = jsonGetStr(json_array_get(arr, i), "versionId");
        if (vid && vnum(vid) >= first && !ours(w, vid)) json_array_remove(arr, i);
    }
    const char *vid = w->ne[w->nne - 1].versionId;
    size_t i;
    json_t *item, *found = NULL;
    json_array_foreach(arr, i, item) {
        const char *v = jsonGetStr(item, "versionId");
        if (v && !strcmp(v, vid)) found = item;
    }
    int rc = 0;
    if (!found || !hasWitnessProof(found, pc->witVm)) {
        json_t *proof = webvhWitnessSignWith(vid, &pc->c->wit, pc->created, err);
        rc = proof ? webvhWitnessAdd(arr, vid, proof, err) : -1;
        json_decref(proof);
    }
    if (rc == 0 && pruneDw(arr, first - 1) < 0) rc = errSet(err, "out of memory");
    if (rc == 0 && jcsAppend(arr, &w->newDw, err) < 0) rc = -1;
    json_decref(arr);
    if (rc == 0) w->putDw = !(w->dw.found && w->dw.body.len == w->newDw.len && !memcmp(w->dw.body.p, w->newDw.p, w->newDw.len));
    return rc;
}

/* prepDj: did.json, the parallel did:web document of the last new entry (did:webvh v1.0
 * "Publishing a Parallel did:web DID"), put after did.jsonl unconditionally: it is derived
 * from the log, only the writer whose did.jsonl write won puts it, and a reader never sees
 * a did:web document of a version not yet in did.jsonl. A head that deactivates the DID
 * has none (the worker never writes one; a genesis cannot be one). 0 / -1 + err. */
static int prepDj(didWork *w, char *err) {
    const newEntry *n = &w->ne[w->nne - 1];
    bufFree(&w->newDj);
    w->putDj = 0;
    json_t *e = jsonParse(n->line, n->len, WEBVH_LINE_MAX, 64, err);
    if (!e) return -1;
    json_t *st = json_object_get(e, "state"), *web = NULL;
    int rc = 0;
    if (!json_is_true(json_object_get(json_object_get(e, "parameters"), "deactivated"))) {
        if (!(web = webvhDidWebDoc(st, err)) || jcsAppend(web, &w->newDj, err) < 0) rc = -1;
        else w->putDj = 1;
    }
    json_decref(web);
    json_decref(e);
    return rc;
}

/* headState: keys, head versionId and the budget's vbase after the batch, from the last
 * new entry. */
static int headState(const pipeCtx *c, didWork *w, char *err) {
    const newEntry *n = &w->ne[w->nne - 1];
    json_t *e = jsonParse(n->line, n->len, WEBVH_LINE_MAX, 64, err);
    if (!e) return -1;
    docKey keys[DOC_MAX_KEYS];
    size_t nkeys = docSigningKeys(json_object_get(e, "state"), keys, DOC_MAX_KEYS);
    free(w->keys);
    w->nkeys = 0;
    if (nkeys && !(w->keys = malloc(nkeys * sizeof *keys))) { json_decref(e); return errSet(err, "out of memory"); }
    if (nkeys) memcpy(w->keys, keys, nkeys * sizeof *keys);
    w->nkeys = nkeys;
    size_t evLen = 0;
    char *ev = jcsDump(json_object_get(json_object_get(e, "state"), "event"), &evLen, NULL);
    free(ev);
    json_decref(e);
    w->vbase = budgetVersionBase(n->len, ev ? evLen : 0, n->versionId, (size_t)c->cfg->batchMaxEvents);
    snprintf(w->headVid, sizeof w->headVid, "%s", n->versionId);
    return 0;
}

/* pubFail: w fails to publish, this DID alone: its entries stay unpublished ("unused"
 * leaves) and settle() re-queues its events. */
static void pubFail(didWork *w, const char *what, const char *why) {
    w->failed = 1;
    w->unused = 1;
    snprintf(w->err, sizeof w->err, "%s: %.200s", what, why);
}

/* filesBytes: the bytes of w's four objects once published as prepared. */
static size_t filesBytes(const didWork *w) {
    return (w->putLog ? w->newLog.len : w->log.body.len) + w->newWj.len + w->newDw.len + w->newDj.len;
}

/* budgetHeld: what is about to be published fits in WA_DID_BUDGET; else w is not
 * published and settle() dead-letters its events (the worker never publishes beyond the
 * budget; building already kept within it, so this holds the line for batches built
 * before a budget existed or under a larger one). 1 fits, 0 not. */
static int budgetHeld(const pipeCtx *c, didWork *w) {
    size_t n = filesBytes(w);
    if (n <= (size_t)c->cfg->didBudget) return 1;
    w->overBudget = 1;
    w->unused = 1;
    snprintf(w->err, sizeof w->err, "budget_exceeded: published, the DID's files would hold %zu bytes, above "
             "WA_DID_BUDGET (%lld)", n, c->cfg->didBudget);
    return 0;
}

/* findEntry: the claimed stream entry with id sid, or NULL (already handled). */
static const queueEntry *findEntry(const queueEntries *es, const char *sid) {
    for (size_t i = 0; i < es->n; i++) if (!strcmp(es->e[i].sid, sid)) return &es->e[i];
    return NULL;
}

/* settledBefore: resuming, a DID some of whose stream entries are gone was settled by an
 * earlier attempt of this batch (re-queued or dead-lettered, settle()): it stays
 * unpublished, as that attempt decided (and as its manifest, if written, says). */
static void settledBefore(const batch *b, didWork *w) {
    for (size_t k = 0; k < w->nne; k++)
        if (!findEntry(w->ne[k].genesis ? &b->dids : &b->events, w->ne[k].sid)) {
            pubFail(w, "resumed", "its queue entries were settled by an earlier attempt of this batch");
            return;
        }
}

static void prepareOne(void *ctx, size_t i) {
    pubCtx *pc = ctx;
    didWork *w = &pc->b->w[i];
    if (!w->nne || w->unused) return;
    if (w->unread || w->overBudget) {   /* resuming: its objects could not be read (err) */
        w->failed = w->unread != 0;
        w->unused = 1;
        return;
    }
    w->err[0] = 0;
    if (decideLog(w) < 0) { pubFail(w, "did.jsonl", "out of memory"); return; }
    if (w->unused) return;
    char e[ERR_MAX];
    if (prepWj(pc, w, e) < 0) pubFail(w, "witness.json", e);
    else if (prepDw(pc, w, e) < 0) pubFail(w, "did-witness.json", e);
    else if (prepDj(w, e) < 0) pubFail(w, WEBVH_DIDWEB_NAME, e);
    else if (headState(pc->c, w, e) < 0) pubFail(w, "head state", e);
    else budgetHeld(pc->c, w);
}

/* ---- the put phases ---- */

enum { PH_WJ, PH_DW, PH_LOG };
static const char *const phaseName[] = {"witness.json", "did-witness.json", "did.jsonl"};

static storeObj *phObj(didWork *w, int ph) { return ph == PH_WJ ? &w->wj : ph == PH_DW ? &w->dw : &w->log; }
static buf *phBuf(didWork *w, int ph) { return ph == PH_WJ ? &w->newWj : ph == PH_DW ? &w->newDw : &w->newLog; }
static int *phPut(didWork *w, int ph) { return ph == PH_WJ ? &w->putWj : ph == PH_DW ? &w->putDw : &w->putLog; }

/* getObj: key's current bytes into o (at most WA_DID_BUDGET). 0 / -1 + err (a store
 * error, or an object beyond the budget: this DID's failure). */
static int getObj(pubCtx *pc, const char *key, storeObj *o, char *err) {
    bufFree(&o->body);
    int rc = storeGet(pc->c->st, key, (size_t)pc->c->cfg->didBudget, &o->body, o->etag, err);
    if (rc == STORE_ERR) return -1;
    if (rc == STORE_TOOLARGE) return errSet(err, "%s is larger than WA_DID_BUDGET (%lld bytes)", key, pc->c->cfg->didBudget);
    o->found = rc == STORE_OK;
    if (!o->found) bufFree(&o->body);
    return 0;
}

/* djResumed: a resumed batch does not write did.json again where the store already holds
 * the bytes it would write (did.json is put unconditionally, never read otherwise: a
 * resumption is rare, a GET per DID then is cheap; re-running a step changes nothing). */
static void djResumed(pubCtx *pc) {
    for (size_t i = 0; pc->b->resumed && i < pc->b->nw; i++) {
        didWork *w = &pc->b->w[i];
        char key[STORE_KEY_MAX], e[ERR_MAX];
        storeObj o = {0};
        if (!w->nne || w->unused || !w->putDj) continue;
        batchObjKey(pc->c, w->scid, WEBVH_DIDWEB_NAME, key, sizeof key);
        if (getObj(pc, key, &o, e) == 0 && o.found && o.body.len == w->newDj.len && !memcmp(o.body.p, w->newDj.p, o.body.len))
            w->putDj = 0;
        bufFree(&o.body);
    }
}

/* reread: fetch the current object of phase ph again after a conflict. */
static int reread(pubCtx *pc, didWork *w, int ph, char *err) {
    char key[STORE_KEY_MAX];
    batchObjKey(pc->c, w->scid, phaseName[ph], key, sizeof key);
    return getObj(pc, key, phObj(w, ph), err);
}

/* conflict: a put of phase ph lost a race: read again and decide again (a failure of
 * this DID's objects fails it alone: pubFail). The store counted the conflict in
 * s3_conflicts_total (metrics.h: callers never count it again). */
static void conflict(pubCtx *pc, didWork *w, int ph) {
    char e[ERR_MAX];
    pc->b->nConflicts++;
    if (reread(pc, w, ph, e) < 0) { pubFail(w, phaseName[ph], e); return; }
    logKv(LL_WARN, "conditional write lost a race; read again", "{s:s,s:s,s:s}", "batch", pc->b->j.id, "did", w->did,
          "object", phaseName[ph]);
    if (ph == PH_LOG) {
        if (decideLog(w) < 0) pubFail(w, phaseName[ph], "out of memory");
    } else if ((ph == PH_WJ ? prepWj(pc, w, e) : prepDw(pc, w, e)) < 0) {
        pubFail(w, phaseName[ph], e);
    }
    if (!w->unused) budgetHeld(pc->c, w);
}

/* putPhase: every pending put of phase ph of works [from, to), many in flight; conflicts re-read and
 * retried a few times. When puts fail, storeProbe decides whose failure it is: a store
 * that takes no writes at all (full disk, read-only, down) stops the batch, -1 + err (it
 * resumes later and publishes the same entries); a store that takes the probe's writes
 * has failed those DIDs alone (pubFail). 0 / -1 + err. */
static int putPhase(pubCtx *pc, int ph, size_t from, size_t to, char *err) {
    batch *b = pc->b;
    size_t cap = to - from ? to - from : 1;
    storeReq *r = calloc(cap, sizeof *r);
    char (*keys)[STORE_KEY_MAX] = calloc(cap, STORE_KEY_MAX);
    size_t *who = calloc(cap, sizeof *who);
    if (!r || !keys || !who) { free(r); free(keys); free(who); return errSet(err, "out of memory"); }
    int rc = 0;
    for (int round = 0; rc == 0 && round <= PUT_RETRIES; round++) {
        size_t n = 0;
        for (size_t i = from; i < to; i++) {
            didWork *w = &b->w[i];
            if (!w->nne || w->unused || !*phPut(w, ph)) continue;
            storeObj *o = phObj(w, ph);
            batchObjKey(pc->c, w->scid, phaseName[ph], keys[n], STORE_KEY_MAX);
            r[n] = (storeReq){.key = keys[n], .data = phBuf(w, ph)->p, .len = phBuf(w, ph)->len,
                              .cond = o->found ? STORE_PUT_IF_MATCH : STORE_PUT_IF_ABSENT,
                              .ifMatch = o->found ? o->etag : NULL};
            who[n++] = i;
        }
        if (n == 0) break;
        if (round == PUT_RETRIES) {   /* a writer racing this DID's object: this DID waits */
            for (size_t k = 0; k < n; k++) pubFail(&b->w[who[k]], phaseName[ph], "still conflicting after every retry");
            break;
        }
        int failed = storePutMany(pc->c->st, r, n, err);
        if (failed < 0) { rc = -1; break; }
        char e[ERR_MAX];
        if (failed > 0 && storeProbe(pc->c->st, e) < 0) {   /* a full disk, read-only credentials, down */
            size_t k = 0;
            while (r[k].rc != STORE_ERR) k++;
            rc = errSet(err, "%s: %s; the store takes no writes: %s", phaseName[ph], r[k].err, e);
            break;
        }
        for (size_t k = 0; k < n; k++) {
            didWork *w = &b->w[who[k]];
            if (r[k].rc == STORE_ERR) { pubFail(w, phaseName[ph], r[k].err); continue; }
            if (r[k].rc == STORE_OK) {
                *phPut(w, ph) = 0;
                if (ph == PH_LOG) memcpy(w->newEtag, r[k].etag, STORE_ETAG_MAX);
                continue;
            }
            conflict(pc, w, ph);
        }
    }
    free(r);
    free(keys);
    free(who);
    return rc;
}

/* putDidJson: did.json of every DID published by this batch (resync included), after its
 * did.jsonl, unconditionally, many in flight. A DID whose did.json cannot be written stays
 * published (its did.jsonl holds the entries): a warning, and did.json follows with its
 * next version. -1 + err only when nothing could be sent (the batch resumes later). */
static int putDidJson(pubCtx *pc, char *err) {
    batch *b = pc->b;
    storeReq *r = calloc(b->nw ? b->nw : 1, sizeof *r);
    char (*keys)[STORE_KEY_MAX] = calloc(b->nw ? b->nw : 1, STORE_KEY_MAX);
    size_t *who = calloc(b->nw ? b->nw : 1, sizeof *who), n = 0;
    if (!r || !keys || !who) { free(r); free(keys); free(who); return errSet(err, "out of memory"); }
    for (size_t i = 0; i < b->nw; i++) {
        didWork *w = &b->w[i];
        if (!w->nne || w->unused || !w->putDj) continue;
        batchObjKey(pc->c, w->scid, WEBVH_DIDWEB_NAME, keys[n], STORE_KEY_MAX);
        r[n] = (storeReq){.key = keys[n], .data = w->newDj.p, .len = w->newDj.len, .cond = STORE_PUT_ANY};
        who[n++] = i;
    }
    int rc = n ? storePutMany(pc->c->st, r, n, err) : 0;
    for (size_t k = 0; rc >= 0 && k < n; k++) {
        if (r[k].rc == STORE_OK) { b->w[who[k]].putDj = 0; continue; }
        logKv(LL_WARN, "did.json not written: the DID is published, its did.json follows with its next version",
              "{s:s,s:s,s:s}", "batch", b->j.id, "did", b->w[who[k]].did, "reason", r[k].err);
    }
    free(r);
    free(keys);
    free(who);
    return rc < 0 ? -1 : 0;
}

/* shaHex: hex SHA-256 of b's bytes (what the registry remembers of a published object). */
static void shaHex(const buf *b, char out[2 * SHA256_LEN + 1]) {
    sha256Hex(b->p ? b->p : (const uint8_t *)"", b->len, out);
}

/* resync: w failed after some of its objects may have been written. A did.jsonl that
 * holds our lines after all (a write that landed although its answer failed) means a w
 * whose publication was fully prepared is published: failed and unused are cleared. Otherwise the registry's witness.json and
 * did-witness.json digests follow the store wherever it now holds our new bytes, so the
 * next batch builds on them (their proofs of versions not in did.jsonl are dropped by
 * the next publish: prepWj, prepDw) instead of taking our own write for tampering;
 * anything else is left for the next batch to judge. 0 / -1 + err (Redis). */
static int resync(pubCtx *pc, didWork *w, char *err) {
    char key[STORE_KEY_MAX], e[ERR_MAX];
    storeObj o = {0};
    batchObjKey(pc->c, w->scid, phaseName[PH_LOG], key, sizeof key);
    int prepared = w->headVid[0] && w->newWj.len && w->newDw.len;   /* everything records() writes */
    if (prepared && getObj(pc, key, &o, e) == 0 && o.found && hasLines(&o.body, w)) {
        memcpy(w->newEtag, o.etag, STORE_ETAG_MAX);
        w->failed = w->unused = 0;
        logKv(LL_WARN, "did.jsonl holds this batch's entries after all: published", "{s:s,s:s,s:s}", "batch", pc->b->j.id,
              "did", w->did, "reason", w->err);
        bufFree(&o.body);
        return 0;
    }
    didInfo *in = w->isNew ? NULL : calloc(1, sizeof *in);
    int rc = in ? didregGet(pc->c->q, w->scid, in, err) : 0;
    if (rc == -1) { free(in); bufFree(&o.body); return -1; }
    int changed = 0;
    for (int ph = PH_WJ; rc == 1 && ph <= PH_DW; ph++) {
        const buf *want = phBuf(w, ph);
        char *sha = ph == PH_WJ ? in->wjSha : in->dwSha;
        batchObjKey(pc->c, w->scid, phaseName[ph], key, sizeof key);
        if (!want->len || getObj(pc, key, &o, e) < 0 || !o.found || o.body.len != want->len ||
            memcmp(o.body.p, want->p, want->len))
            continue;
        shaHex(want, sha);
        changed = 1;
    }
    if (changed) {
        didregMac(pc->c->regKey, w->scid, in);
        rc = didregPut(pc->c->q, w->scid, in, err);
    }
    free(in);
    bufFree(&o.body);
    return rc < 0 && rc != DIDREG_DAMAGED ? -1 : 0;
}

/* settle: the entries of a DID that were not published. Beyond the budget: its genesis and
 * events are dead letters with the reason. Failed (this DID's objects): they go back to the
 * queue, an error says why. did.jsonl changed by another writer: its events go back to the
 * queue (the next batch builds on what the store holds then), and a genesis whose
 * did.jsonl someone else created is rejected. */
static int settle(pubCtx *pc, didWork *w, char *err) {
    batch *b = pc->b;
    char sid[QUEUE_SID_MAX];
    if (w->overBudget)
        logKv(LL_ERROR, "beyond WA_DID_BUDGET: entries not published, events dead-lettered", "{s:s,s:s,s:s,s:I}", "batch",
              b->j.id, "did", w->did, "reason", w->err, "entries", (json_int_t)w->nne);
    else if (w->failed)
        logKv(LL_ERROR, "publishing this DID failed: entries not published, events re-queued", "{s:s,s:s,s:s,s:I}",
              "batch", b->j.id, "did", w->did, "reason", w->err, "entries", (json_int_t)w->nne);
    else
        logKv(LL_WARN, "did.jsonl changed by another writer: entries not published, events re-queued",
              "{s:s,s:s,s:I}", "batch", b->j.id, "did", w->did, "entries", (json_int_t)w->nne);
    for (size_t k = 0; k < w->nne; k++) {
        const newEntry *n = &w->ne[k];
        const char *stream = n->genesis ? "dids" : "events";
        const queueEntry *e = findEntry(n->genesis ? &b->dids : &b->events, n->sid);
        if (!e) continue;
        int rc = w->overBudget ? queueDeadLetter(pc->c->q, b->shard, stream, e, w->err, err)
               : n->genesis && !w->failed ? queueDeadLetter(pc->c->q, b->shard, "dids", e,
                                                            "did.jsonl of this DID was created by another writer", err)
               : queueRequeue(pc->c->q, b->shard, stream, e, sid, err);
        if (rc < 0) return -1;
    }
    b->nUnused += w->nne;
    b->nFailed += w->failed;
    return 0;
}

/* putManifest: batches/<batchId>.json, immutable: create, or find the same bytes. */
static int putManifest(pubCtx *pc, char *err) {
    batch *b = pc->b;
    manifest m = {0};
    m.ref.batchId = b->batchId;
    m.ref.chainId = b->chainId;
    m.ref.blockNumber = b->blockNumber;
    memcpy(m.ref.root, b->root, 32);
    memcpy(m.ref.contract, b->contract, 20);
    memcpy(m.ref.txHash, b->txHash, 32);
    m.treeSize = b->nleaves;
    m.n = b->nleaves;
    if (!(m.leaves = calloc(b->nleaves ? b->nleaves : 1, sizeof *m.leaves))) return errSet(err, "out of memory");
    for (size_t i = 0; i < b->nw; i++)
        for (size_t k = 0; k < b->w[i].nne; k++) {
            manifestLeaf *l = &m.leaves[b->w[i].ne[k].leaf];
            memcpy(l->leafHash, merkleLeaf(b->tree, b->w[i].ne[k].leaf), 32);
            l->did = b->w[i].did;
            l->versionId = b->w[i].ne[k].versionId;
            l->unused = b->w[i].unused;
        }
    buf out = BUF_INIT, cur = BUF_INIT;
    char key[64], e[ERR_MAX];
    int rc = manifestDump(&m, &out, err);
    free(m.leaves);
    snprintf(key, sizeof key, "batches/%llu.json", (unsigned long long)b->batchId);
    if (rc == 0) {
        rc = storePut(pc->c->st, key, out.p, out.len, STORE_PUT_IF_ABSENT, NULL, NULL, e);
        if (rc == STORE_CONFLICT) {
            rc = storeGet(pc->c->st, key, MANIFEST_MAX_BYTES, &cur, NULL, e);
            if (rc == STORE_TOOLARGE || (rc == STORE_OK && (cur.len != out.len || memcmp(cur.p, out.p, out.len))))
                rc = errSet(e, "exists with other content (two batches claim batchId %llu?)", (unsigned long long)b->batchId);
        }
        if (rc != STORE_OK) rc = errSet(err, "manifest %s: %s", key, e);
    }
    bufFree(&out);
    bufFree(&cur);
    return rc;
}

/* recordsRange: for the works [from, to): status records of the published events, the DID registry (with the digests
 * of the three objects as published, checked by the next batch, and their size for the
 * budget), then the budget the published events reserved at ingest is released (in this
 * order: a reader in between counts those bytes twice, never not at all). */
static int recordsRange(pubCtx *pc, size_t from, size_t to, char *err) {
    batch *b = pc->b;
    queue *q = pc->c->q;
    size_t n = 0, nd = 0;
    for (size_t i = from; i < to; i++) if (!b->w[i].unused) { n += b->w[i].nne; nd += b->w[i].nne > 0; }
    char (*keys)[256] = calloc(n ? n : 1, 256);
    const char **kp = calloc(n ? n : 1, sizeof *kp), **kv = calloc(n ? n * 10 : 1, sizeof *kv);
    long long *ttl = calloc(n ? n : 1, sizeof *ttl);
    const char **scids = calloc(nd ? nd : 1, sizeof *scids);
    const char **uScids = calloc(n ? n : 1, sizeof *uScids), **uIds = calloc(n ? n : 1, sizeof *uIds);
    didInfo **infos = calloc(nd ? nd : 1, sizeof *infos);
    char bid[24], tx[67], now[24];
    snprintf(bid, sizeof bid, "%llu", (unsigned long long)b->batchId);
    snprintf(now, sizeof now, "%lld", (long long)clockWallMs());   /* "anchored": ms, like "received" */
    hexEncode(b->txHash, 32, tx);   /* no "0x" in Redis: a value of at most 64 bytes keeps the hash compact */
    int rc = keys && kp && kv && ttl && scids && uScids && uIds && infos ? 0 : errSet(err, "out of memory");
    size_t j = 0, d = 0, u = 0;
    for (size_t i = from; rc == 0 && i < to; i++) {
        didWork *w = &b->w[i];
        if (w->unused || !w->nne) continue;
        for (size_t k = 0; k < w->nne; k++, j++) {
            const newEntry *ne = &w->ne[k];
            queueKey(q, queueShardOf(q, w->scid), ne->genesis ? "dids" : "events", w->scid, ne->id, keys[j], 256);
            kp[j] = keys[j];
            /* the witness.json key is not stored: GET /events names it (server.c) */
            const char *f[] = {"status", "anchored", "versionId", ne->versionId, "batchId", bid, "txHash", tx,
                               "anchored", now};
            memcpy(&kv[j * 10], f, sizeof f);
            ttl[j] = ne->genesis ? QUEUE_GENESIS_KEEP_MS : 0;   /* the registry is a DID's marker from now on */
            if (!ne->genesis) uScids[u] = w->scid, uIds[u++] = ne->id;
        }
        if (!(infos[d] = calloc(1, sizeof **infos))) { rc = errSet(err, "out of memory"); break; }
        snprintf(infos[d]->did, sizeof infos[d]->did, "%s", w->did);
        snprintf(infos[d]->versionId, sizeof infos[d]->versionId, "%s", w->headVid);
        snprintf(infos[d]->etag, sizeof infos[d]->etag, "%s", w->newEtag);
        memcpy(infos[d]->logSha, w->logSha, sizeof w->logSha);   /* digests() of its chunk */
        memcpy(infos[d]->wjSha, w->wjSha, sizeof w->wjSha);
        memcpy(infos[d]->dwSha, w->dwSha, sizeof w->dwSha);
        didregMac(pc->c->regKey, w->scid, infos[d]);
        infos[d]->size = (long long)w->pubBytes;   /* with did.json (digests()) */
        infos[d]->vbase = (long long)w->vbase;
        if (w->nkeys) memcpy(infos[d]->keys, w->keys, w->nkeys * sizeof *w->keys);
        infos[d]->nkeys = w->nkeys;
        scids[d++] = w->scid;
    }
    if (rc == 0) rc = queueStatusPutMany(q, j, kp, kv, 10, ttl, err);
    if (rc == 0) rc = didregPutMany(q, d, scids, (const didInfo *const *)infos, err);
    if (rc == 0) rc = queueUnreserveMany(q, u, uScids, uIds, err);
    for (size_t i = 0; infos && i < nd; i++) free(infos[i]);
    free(keys); free(kp); free(kv); free(ttl); free(scids); free(uScids); free(uIds); free(infos);
    return rc;
}

/* records: recordsRange over slices of RECORDS_SLICE DIDs (a registry record takes
 * ~10 KB until it is written: one slice at a time, not the whole batch). */
#define RECORDS_SLICE 256
static int records(pubCtx *pc, char *err) {
    for (size_t from = 0; from < pc->b->nw; from += RECORDS_SLICE) {
        size_t to = from + RECORDS_SLICE < pc->b->nw ? from + RECORDS_SLICE : pc->b->nw;
        if (recordsRange(pc, from, to, err) < 0) return -1;
    }
    return 0;
}

/* digests: what records() keeps of a published w once its objects are released: the
 * SHA-256 of the three objects as published and their size. */
static void digests(didWork *w) {
    const buf *lb = w->newLog.len ? &w->newLog : &w->log.body;   /* no new log: ours was there */
    shaHex(lb, w->logSha);
    shaHex(&w->newWj, w->wjSha);
    shaHex(&w->newDw, w->dwSha);
    w->pubBytes = lb->len + w->newWj.len + w->newDw.len + w->newDj.len;   /* did.json stays until putDidJson */
}

/* pubChunkEnd: where the publish chunk starting at from ends: its DIDs' objects to come
 * (new ones, and old ones not held: twice w->bytes, or w->est when not built here) stay
 * under WA_BATCH_MEMORY / 8 -- next to the held objects of later DIDs (at most M/4; the
 * rest is what these bytes cost beyond their count: objects.c "Memory") -- with at
 * least one DID and at most PUB_CHUNK. */
#define PUB_CHUNK 1024
static size_t pubChunkEnd(const pipeCtx *c, const batch *b, size_t from) {
    size_t limit = c->cfg->batchMemory > 0 ? (size_t)c->cfg->batchMemory / 8 : 0, sum = 0, to = from;
    while (to < b->nw && to - from < PUB_CHUNK) {
        const didWork *w = &b->w[to];
        size_t est = w->bytes > w->est ? w->bytes : w->est;
        sum += w->nne ? (w->held ? est : 2 * est) : 0;
        if (limit && to > from && sum > limit) break;
        to++;
    }
    return to;
}

typedef struct rangeCtx {
    pubCtx *pc;
    size_t from;
} rangeCtx;

static void prepareInRange(void *ctx, size_t i) {
    rangeCtx *rc = ctx;
    prepareOne(rc->pc, rc->from + i);
}

/* publishChunk: works [from, to): their objects read when not held, prepared, written
 * (the proofs before the log they prove: a reader never sees an entry without its witness
 * proof), failures settled, digests kept, objects released. 0 / -1 + err. */
static int publishChunk(pubCtx *pc, size_t from, size_t to, char *err) {
    pipeCtx *c = pc->c;
    batch *b = pc->b;
    if (batchReadMissing(c, b, from, to, err) < 0) return -1;
    rangeCtx rc = {pc, from};
    batchRunThreads(c, to - from, prepareInRange, &rc);
    if (putPhase(pc, PH_WJ, from, to, err) < 0 || putPhase(pc, PH_DW, from, to, err) < 0 ||
        putPhase(pc, PH_LOG, from, to, err) < 0)
        return -1;
    for (size_t i = from; i < to; i++) {
        didWork *w = &b->w[i];
        if (w->failed && w->nne && resync(pc, w, err) < 0) return -1;
        if (w->unused && w->nne && settle(pc, w, err) < 0) return -1;
        if (!w->unused) b->nPublished += w->nne;
        if (!w->unused && w->nne) digests(w);
        batchDropObjects(w);
    }
    return 0;
}

int batchPublish(pipeCtx *c, const char *token, batch *b, char *err) {
    int64_t t0 = clockMonoMs();
    pubCtx pc = {c, b, "", ""};
    didkeyVm(c->wit.pk, pc.witVm);
    rfc3339Format(clockWallMs() / 1000, pc.created);
    for (size_t i = 0; b->resumed && i < b->nw; i++) settledBefore(b, &b->w[i]);
    b->nPublished = b->nUnused = b->nFailed = 0;
    for (size_t from = 0, to; from < b->nw; from = to) {
        to = pubChunkEnd(c, b, from);
        if (publishChunk(&pc, from, to, err) < 0) return -1;
    }
    djResumed(&pc);
    if (putDidJson(&pc, err) < 0) return -1;
    if (putManifest(&pc, err) < 0 || records(&pc, err) < 0) return -1;
    char np[24], nu[24];
    snprintf(np, sizeof np, "%zu", b->nPublished);
    snprintf(nu, sizeof nu, "%zu", b->nUnused);
    const char *kv[] = {"published", np, "unused", nu};
    if (batchJournal(c, b, token, JS_PUBLISHED, kv, 4, err) < 0) return -1;
    b->tPublish = batchSince(t0);
    logKv(LL_INFO, "batch published", "{s:s,s:I,s:I,s:I,s:I,s:I,s:f}", "batch", b->j.id, "batchId",
          (json_int_t)b->batchId, "entries", (json_int_t)b->nPublished, "unused", (json_int_t)b->nUnused, "conflicts",
          (json_int_t)b->nConflicts, "failed", (json_int_t)b->nFailed, "seconds", b->tPublish);
    return 0;
}

int batchAck(pipeCtx *c, const char *token, batch *b, char *err) {
    int64_t t0 = clockMonoMs();
    static const char *const f[2][2] = {{"sids", "events"}, {"dsids", "dids"}};
    for (int s = 0; s < 2; s++) {
        char *copy;
        const char **sids;
        size_t n;
        if (batchSids(b, f[s][0], &copy, &sids, &n, err) < 0) return -1;
        int rc = n ? queueAck(c->q, b->shard, f[s][1], sids, n, err) : 0;
        free(sids);
        free(copy);
        if (rc < 0) return -1;
    }
    const char *sk = journalField(&b->j, "stagingKey");
    char e[ERR_MAX];
    if (sk && storeDelete(c->st, sk, e) != STORE_OK) return errSet(err, "staging bundle %s: %s", sk, e);
    if (batchJournal(c, b, token, JS_ACKED, NULL, 0, err) < 0) return -1;
    b->tAck = batchSince(t0);
    return 0;
}
