/* publish.c -- publish an anchored batch: per DID witness.json, then did-witness.json,
 * then did.jsonl (conditional writes, idempotent), the batch manifest, status records
 * and the DID registry.
 *
 * Idempotent: every object is computed from what the store holds now plus the batch's
 * entries; an object that already holds them is not written again. A did.jsonl that
 * changed under us (a foreign writer) is not overwritten: that DID's leaves are marked
 * "unused" in the manifest and its events are re-queued for the next batch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/hex.h"
#include "core/sha256.h"
#include "core/jcs.h"
#include "core/json.h"
#include "didlog/webvh.h"
#include "verifier/manifest.h"
#include "verifier/witness.h"
#include "anchord/batch.h"
#include "anchord/docstate.h"
#include "anchord/log.h"
#include "anchord/metrics.h"

#define PUT_RETRIES 3

typedef struct pubCtx {
    pipeCtx *c;
    batch *b;
    char witVm[DIDKEY_MAX];
    char created[32];
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

static uint64_t vnum(const char *vid) {
    uint64_t n = 0;
    witnessVersionNumber(vid, &n);
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

/* prepDw: did-witness.json with our witness proof on every new version (kept when
 * present: a resumed batch does not re-sign). Items of unpublished versions at or above
 * our first version number are dropped. */
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
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < w->nne; k++) {
        const char *vid = w->ne[k].versionId;
        size_t i;
        json_t *item, *found = NULL;
        json_array_foreach(arr, i, item) {
            const char *v = jsonGetStr(item, "versionId");
            if (v && !strcmp(v, vid)) found = item;
        }
        if (found && hasWitnessProof(found, pc->witVm)) continue;
        json_t *proof = webvhWitnessSignWith(vid, &pc->c->wit, pc->created, err);
        if (!proof) { rc = -1; break; }
        rc = webvhWitnessAdd(arr, vid, proof, err);
        json_decref(proof);
    }
    if (rc == 0 && jcsAppend(arr, &w->newDw, err) < 0) rc = -1;
    json_decref(arr);
    if (rc == 0) w->putDw = !(w->dw.found && w->dw.body.len == w->newDw.len && !memcmp(w->dw.body.p, w->newDw.p, w->newDw.len));
    return rc;
}

/* headState: keys and head versionId after the batch, from the last new entry. */
static int headState(didWork *w, char *err) {
    const newEntry *n = &w->ne[w->nne - 1];
    json_t *e = jsonParse(n->line, n->len, WEBVH_LINE_MAX, 64, err);
    if (!e) return -1;
    int k = docAssertionKeys(json_object_get(e, "state"), w->did, w->keys, err);
    json_decref(e);
    if (k < 0) return -1;
    w->nkeys = (size_t)k;
    snprintf(w->headVid, sizeof w->headVid, "%s", n->versionId);
    return 0;
}

static void prepareOne(void *ctx, size_t i) {
    pubCtx *pc = ctx;
    didWork *w = &pc->b->w[i];
    w->err[0] = 0;
    if (!w->nne) return;
    if (decideLog(w) < 0) { snprintf(w->err, sizeof w->err, "out of memory"); return; }
    if (w->unused) return;
    char e[ERR_MAX];
    if (prepWj(pc, w, e) < 0) snprintf(w->err, sizeof w->err, "%.100s: witness.json: %.130s", w->did, e);
    else if (prepDw(pc, w, e) < 0) snprintf(w->err, sizeof w->err, "%.100s: did-witness.json: %.130s", w->did, e);
    else if (headState(w, e) < 0) snprintf(w->err, sizeof w->err, "%.100s: head state: %.130s", w->did, e);
}

/* ---- the put phases ---- */

enum { PH_WJ, PH_DW, PH_LOG };
static const char *const phaseName[] = {"witness.json", "did-witness.json", "did.jsonl"};

static storeObj *phObj(didWork *w, int ph) { return ph == PH_WJ ? &w->wj : ph == PH_DW ? &w->dw : &w->log; }
static buf *phBuf(didWork *w, int ph) { return ph == PH_WJ ? &w->newWj : ph == PH_DW ? &w->newDw : &w->newLog; }
static int *phPut(didWork *w, int ph) { return ph == PH_WJ ? &w->putWj : ph == PH_DW ? &w->putDw : &w->putLog; }

/* reread: fetch the current object of phase ph again after a conflict. */
static int reread(pubCtx *pc, didWork *w, int ph, char *err) {
    char key[STORE_KEY_MAX];
    storeObj *o = phObj(w, ph);
    batchObjKey(pc->c, w->scid, phaseName[ph], key, sizeof key);
    bufFree(&o->body);
    int rc = storeGet(pc->c->st, key, (size_t)64 << 20, &o->body, o->etag, err);
    if (rc == STORE_ERR) return -1;
    o->found = rc == STORE_OK;
    if (!o->found) bufFree(&o->body);
    return 0;
}

/* conflict: a put of phase ph lost a race: read again and decide again. */
static int conflict(pubCtx *pc, didWork *w, int ph, char *err) {
    metricsInc("s3_conflicts_total", NULL, 1);
    pc->b->nConflicts++;
    if (reread(pc, w, ph, err) < 0) return -1;
    logKv(LL_WARN, "conditional write lost a race; read again", "{s:s,s:s,s:s}", "batch", pc->b->j.id, "did", w->did,
          "object", phaseName[ph]);
    if (ph == PH_LOG) return decideLog(w) < 0 ? errSet(err, "out of memory") : 0;
    return ph == PH_WJ ? prepWj(pc, w, err) : prepDw(pc, w, err);
}

/* putPhase: every pending put of phase ph, many in flight; conflicts re-read and
 * retried a few times. 0 / -1 + err (the store failed; the batch resumes later). */
static int putPhase(pubCtx *pc, int ph, char *err) {
    batch *b = pc->b;
    storeReq *r = calloc(b->nw ? b->nw : 1, sizeof *r);
    char (*keys)[STORE_KEY_MAX] = calloc(b->nw ? b->nw : 1, STORE_KEY_MAX);
    size_t *who = calloc(b->nw ? b->nw : 1, sizeof *who);
    if (!r || !keys || !who) { free(r); free(keys); free(who); return errSet(err, "out of memory"); }
    int rc = 0;
    for (int round = 0; rc == 0 && round <= PUT_RETRIES; round++) {
        size_t n = 0;
        for (size_t i = 0; i < b->nw; i++) {
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
        if (round == PUT_RETRIES) { rc = errSet(err, "%s: still conflicting after %d attempts", phaseName[ph], PUT_RETRIES); break; }
        int failed = storePutMany(pc->c->st, r, n, err);
        if (failed < 0) { rc = -1; break; }
        for (size_t k = 0; k < n && rc == 0; k++) {
            didWork *w = &b->w[who[k]];
            if (r[k].rc == STORE_ERR) { rc = errSet(err, "%s", r[k].err); break; }
            if (r[k].rc == STORE_OK) {
                *phPut(w, ph) = 0;
                if (ph == PH_LOG) memcpy(w->newEtag, r[k].etag, STORE_ETAG_MAX);
                continue;
            }
            rc = conflict(pc, w, ph, err);
        }
    }
    free(r);
    free(keys);
    free(who);
    return rc;
}

/* findEntry: the claimed stream entry with id sid, or NULL (already handled). */
static const queueEntry *findEntry(const queueEntries *es, const char *sid) {
    for (size_t i = 0; i < es->n; i++) if (!strcmp(es->e[i].sid, sid)) return &es->e[i];
    return NULL;
}

/* handleUnused: a DID whose did.jsonl another writer changed: its events go back to
 * the queue (the next batch builds on what the store holds then); a genesis
 * registration whose did.jsonl someone else created is rejected. */
static int handleUnused(pubCtx *pc, didWork *w, char *err) {
    batch *b = pc->b;
    char sid[QUEUE_SID_MAX];
    logKv(LL_WARN, "did.jsonl changed by another writer: entries not published, events re-queued",
          "{s:s,s:s,s:I}", "batch", b->j.id, "did", w->did, "entries", (json_int_t)w->nne);
    for (size_t k = 0; k < w->nne; k++) {
        const newEntry *n = &w->ne[k];
        const queueEntry *e = findEntry(n->genesis ? &b->dids : &b->events, n->sid);
        if (!e) continue;
        int rc = n->genesis ? queueDeadLetter(pc->c->q, b->shard, "dids", e,
                                              "did.jsonl of this DID was created by another writer", err)
                            : queueRequeue(pc->c->q, b->shard, "events", e, sid, err);
        if (rc < 0) return -1;
    }
    b->nUnused += w->nne;
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
            if (rc == STORE_OK && (cur.len != out.len || memcmp(cur.p, out.p, out.len)))
                rc = errSet(e, "exists with other content (two batches claim batchId %llu?)", (unsigned long long)b->batchId);
        }
        if (rc != STORE_OK) rc = errSet(err, "manifest %s: %s", key, e);
    }
    bufFree(&out);
    bufFree(&cur);
    return rc;
}

/* shaHex: hex SHA-256 of b's bytes (what the registry remembers of a published object). */
static void shaHex(const buf *b, char out[65]) {
    uint8_t h[SHA256_LEN];
    sha256(b->p ? b->p : (const uint8_t *)"", b->len, h);
    hexEncode(h, SHA256_LEN, out);
}

/* records: status records of the published events and the DID registry (with the
 * digests of the three objects as published, checked by the next batch). */
static int records(pubCtx *pc, char *err) {
    batch *b = pc->b;
    queue *q = pc->c->q;
    size_t n = 0, nd = 0;
    for (size_t i = 0; i < b->nw; i++) if (!b->w[i].unused) { n += b->w[i].nne; nd += b->w[i].nne > 0; }
    char (*keys)[256] = calloc(n ? n : 1, 256), (*wkeys)[STORE_KEY_MAX] = calloc(nd ? nd : 1, STORE_KEY_MAX);
    const char **kp = calloc(n ? n : 1, sizeof *kp), **kv = calloc(n ? n * 12 : 1, sizeof *kv);
    const char **scids = calloc(nd ? nd : 1, sizeof *scids);
    didInfo **infos = calloc(nd ? nd : 1, sizeof *infos);
    char bid[24], tx[67] = "0x", now[24];
    snprintf(bid, sizeof bid, "%llu", (unsigned long long)b->batchId);
    snprintf(now, sizeof now, "%lld", batchNowMs());   /* "anchored": ms, like "received" */
    hexEncode(b->txHash, 32, tx + 2);
    int rc = keys && wkeys && kp && kv && scids && infos ? 0 : errSet(err, "out of memory");
    size_t j = 0, d = 0;
    for (size_t i = 0; rc == 0 && i < b->nw; i++) {
        didWork *w = &b->w[i];
        if (w->unused || !w->nne) continue;
        batchObjKey(pc->c, w->scid, "witness.json", wkeys[d], STORE_KEY_MAX);
        for (size_t k = 0; k < w->nne; k++, j++) {
            const newEntry *ne = &w->ne[k];
            queueKey(q, queueShardOf(q, w->scid), ne->genesis ? "dids" : "events", w->scid, ne->id, keys[j], 256);
            kp[j] = keys[j];
            const char *f[] = {"status", "anchored", "versionId", ne->versionId, "batchId", bid, "txHash", tx,
                               "witness", wkeys[d], "anchored", now};
            memcpy(&kv[j * 12], f, sizeof f);
        }
        if (!(infos[d] = calloc(1, sizeof **infos))) { rc = errSet(err, "out of memory"); break; }
        snprintf(infos[d]->did, sizeof infos[d]->did, "%s", w->did);
        snprintf(infos[d]->versionId, sizeof infos[d]->versionId, "%s", w->headVid);
        snprintf(infos[d]->etag, sizeof infos[d]->etag, "%s", w->newEtag);
        const buf *lb = w->newLog.len ? &w->newLog : &w->log.body;   /* no new log: ours was there */
        shaHex(lb, infos[d]->logSha);
        shaHex(&w->newWj, infos[d]->wjSha);
        shaHex(&w->newDw, infos[d]->dwSha);
        didregMac(pc->c->regKey, w->scid, infos[d]);
        memcpy(infos[d]->keys, w->keys, sizeof w->keys);
        infos[d]->nkeys = w->nkeys;
        scids[d++] = w->scid;
    }
    if (rc == 0) rc = queueHsetMany(q, j, kp, kv, 12, err);
    if (rc == 0) rc = didregPutMany(q, d, scids, (const didInfo *const *)infos, err);
    for (size_t i = 0; infos && i < nd; i++) free(infos[i]);
    free(keys); free(wkeys); free(kp); free(kv); free(scids); free(infos);
    return rc;
}

int batchPublish(pipeCtx *c, const char *token, batch *b, char *err) {
    long long t0 = batchNowMs();
    pubCtx pc = {c, b, "", ""};
    didkeyVm(c->wit.pk, pc.witVm);
    webvhFormatTime((long long)time(NULL), pc.created);
    batchRunThreads(c, b->nw, prepareOne, &pc);
    for (size_t i = 0; i < b->nw; i++)
        if (b->w[i].err[0]) return errSet(err, "%s", b->w[i].err);
    /* did:webvh order: the proofs before the log they prove (a reader never sees an
     * entry without its witness proof). */
    if (putPhase(&pc, PH_WJ, err) < 0 || putPhase(&pc, PH_DW, err) < 0 || putPhase(&pc, PH_LOG, err) < 0) return -1;
    b->nPublished = 0;
    for (size_t i = 0; i < b->nw; i++) {
        didWork *w = &b->w[i];
        if (w->unused && w->nne && handleUnused(&pc, w, err) < 0) return -1;
        if (!w->unused) b->nPublished += w->nne;
    }
    if (putManifest(&pc, err) < 0 || records(&pc, err) < 0) return -1;
    char np[24], nu[24];
    snprintf(np, sizeof np, "%zu", b->nPublished);
    snprintf(nu, sizeof nu, "%zu", b->nUnused);
    const char *kv[] = {"published", np, "unused", nu};
    if (batchJournal(c, b, token, JS_PUBLISHED, kv, 4, err) < 0) return -1;
    b->tPublish = batchSince(t0);
    logKv(LL_INFO, "batch published", "{s:s,s:I,s:I,s:I,s:I,s:f}", "batch", b->j.id, "batchId", (json_int_t)b->batchId,
          "entries", (json_int_t)b->nPublished, "unused", (json_int_t)b->nUnused, "conflicts",
          (json_int_t)b->nConflicts, "seconds", b->tPublish);
    return 0;
}

int batchAck(pipeCtx *c, const char *token, batch *b, char *err) {
    long long t0 = batchNowMs();
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
