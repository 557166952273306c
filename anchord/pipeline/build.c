/* build.c -- the build phase: every DID's work verified against what the store and the
 * registry hold, its events re-verified and appended as new log entries, rejections
 * written as dead letters, DIDs that cannot be built now re-queued; journal "built". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/json.h"
#include "core/jcs.h"
#include "core/rfc3339.h"
#include "core/sha256.h"
#include "core/io/clock.h"
#include "didlog/webvh.h"
#include "verifier/proof/witness.h"
#include "anchord/pipeline/batch.h"
#include "anchord/pipeline/batch_int.h"
#include "anchord/ingest/budget.h"
#include "anchord/ingest/genesis.h"
#include "verifier/event/docstate.h"
#include "anchord/ops/log.h"

/* fatal: building w failed for a reason that is none of its events' (out of memory, a
 * key that cannot sign): batchBuildFailed fails the whole batch. Returns -1. */
static int fatal(didWork *w, const char *why) {
    if (!w->fatal) snprintf(w->err, sizeof w->err, "%s", why);
    w->fatal = 1;
    return -1;
}

int batchAddRej(didWork *w, const queueEntry *e, int genesis, const char *prefix, const char *detail) {
    rejected *r = w->nrej < SIZE_MAX / sizeof *r - 1 ? realloc(w->rej, (w->nrej + 1) * sizeof *r) : NULL;
    if (!r) return fatal(w, "out of memory while recording a rejection");   /* neither built nor dead-lettered */
    w->rej = r;
    r[w->nrej].e = e;
    r[w->nrej].genesis = genesis;
    errSet(r[w->nrej].reason, "%s%s", prefix, detail);   /* a bound may cut a character: errSet mends it */
    w->nrej++;
    return 0;
}

/* addRej: batchAddRej from the build threads; a failure travels in w->fatal (set by the
 * one thread that builds w) to batchBuildFailed, which batchBuild checks after them. */
static void addRej(didWork *w, const queueEntry *e, int genesis, const char *prefix, const char *detail) {
    (void)batchAddRej(w, e, genesis, prefix, detail);
}

int batchBuildFailed(const batch *b, char *err) {
    for (size_t i = 0; i < b->nw; i++)
        if (b->w[i].fatal)
            return errSet(err, "building %.200s: %.200s: nothing is acknowledged, the next run resumes the batch",
                          b->w[i].did[0] ? b->w[i].did : b->w[i].scid, b->w[i].err);
    return 0;
}
/* ---- genesis ---- */

int batchGenesisCheck(const pipeCtx *c, const char *text, size_t len, char scid[WEBVH_SCID_LEN + 1],
                      char did[DOC_DID_MAX], char *err) {
    genesisPolicy p;
    char detail[ERR_MAX];
    snprintf(p.updateKey, sizeof p.updateKey, "%s", c->pubMk);
    snprintf(p.witness, sizeof p.witness, "%s", c->witDid);
    snprintf(p.domain, sizeof p.domain, "%s", c->cfg->domain);
    snprintf(p.didPath, sizeof p.didPath, "%s", c->didPath);
    if (genesisCheck(&p, text, len, scid, did, detail) != REJ_OK) return errSet(err, "genesis log: %s", detail);
    return 0;
}

/* ---- building one DID ---- */

/* What appendEntry and buildEvent return when building failed for a reason that is not
 * the event's (see appendEntry): the event is not refused. */
#define BUILD_NOT_ITS (-2)

/* dropBuilt: forget w's new entries and rejections of this batch (a deferred DID: every
 * stream entry of it goes back to the queue and is judged again by a later run). */
static void dropBuilt(didWork *w) {
    for (size_t i = 0; i < w->nne; i++) free(w->ne[i].line);
    w->nne = 0;
    w->nrej = 0;
}

/* addEntry: a copy of line (len bytes, versionId vid) as w's next new entry, recorded as
 * queue entry e's (id "genesis" when genesis). 0 / -1 out of memory (w unchanged). */
static int addEntry(didWork *w, const char *line, size_t len, const char *vid, const queueEntry *e, int genesis) {
    newEntry *v = realloc(w->ne, (w->nne + 1) * sizeof *v);
    if (!v) return -1;
    w->ne = v;
    newEntry *n = &v[w->nne];
    memset(n, 0, sizeof *n);
    if (!(n->line = malloc(len + 1))) return -1;
    memcpy(n->line, line, len);
    n->line[len] = 0;
    n->len = len;
    snprintf(n->versionId, sizeof n->versionId, "%s", vid);
    snprintf(n->sid, sizeof n->sid, "%s", e->sid);
    snprintf(n->id, sizeof n->id, "%s", genesis ? "genesis" : e->id);
    n->genesis = genesis;
    w->nne++;
    return 0;
}

/* buildGenesis: w's genesis queue entry, refused (addRej) when the DID is registered or
 * published already, its log fails genesisCheck or names another SCID/DID, or it would
 * exceed WA_DID_BUDGET; otherwise its line is w's first new entry (w->bytes its cost).
 * Out of memory: fatal (the batch fails). */
static void buildGenesis(pipeCtx *c, didWork *w) {
    const queueEntry *e = w->genesis;
    char scid[WEBVH_SCID_LEN + 1], did[DOC_DID_MAX], err[ERR_MAX];
    if (w->reg) { addRej(w, e, 1, "", "this DID is already registered"); return; }
    if (w->log.found) { addRej(w, e, 1, "", "did.jsonl of this DID already exists in the store"); return; }
    if (batchGenesisCheck(c, e->payload, e->len, scid, did, err) < 0) { addRej(w, e, 1, "", err); return; }
    if (strcmp(scid, w->scid) || strcmp(did, e->did)) {
        addRej(w, e, 1, "", "genesis log does not match its queue entry (scid/did)");
        return;
    }
    webvhLog *log = webvhParse(e->payload, e->len, err);
    size_t len, need;
    const char *line = log ? webvhLine(log, 0, &len) : NULL;
    const char *vid = line ? jsonGetStr(log->e[0].obj, "versionId") : NULL;
    if (vid && (need = len + 1 + budgetFilesMin(w->did) + budgetProofsMax(vid, w->maxLeaves)) + budgetDidWebMax(w->did, len) >
                   (size_t)c->cfg->didBudget) {
        snprintf(err, sizeof err, "budget_exceeded: published, this genesis log would make the DID's files %zu bytes, "
                 "above WA_DID_BUDGET (%lld)", need + budgetDidWebMax(w->did, len), c->cfg->didBudget);
        addRej(w, e, 1, "", err);
    } else if (!vid || addEntry(w, line, len, vid, e, 1) < 0) fatal(w, "out of memory");   /* it passed every check */
    else w->bytes = need;
    webvhFree(log);
}

/* digestsMatch: 1 when the registry holds the SHA-256 of all three objects, they
 * match, and the record's mac is ours (byte for byte what this worker verified and
 * published); 0 when a digest or the mac is missing or the mac is not ours (a registry
 * written before digests, by hand, or under another publisher key); -1 + why when a
 * digest differs. Self-consistent forgeries (an anchor proof to a root on no chain,
 * another txHash, reordered items) pass every other check: this one catches them. */
static int digestsMatch(const pipeCtx *c, const didWork *w, char *why) {
    const storeObj *obj[3] = {&w->log, &w->wj, &w->dw};
    const char *want[3] = {w->reg->logSha, w->reg->wjSha, w->reg->dwSha};
    static const char *const name[3] = {"did.jsonl", "witness.json", "did-witness.json"};
    int all = 1;
    for (int i = 0; i < 3; i++) {
        char hex[2 * SHA256_LEN + 1];
        if (!want[i][0]) { all = 0; continue; }
        sha256Hex(obj[i]->body.p ? obj[i]->body.p : (const uint8_t *)"", obj[i]->body.len, hex);
        if (strcmp(hex, want[i]))
            return errSet(why, "%s was changed after it was published (SHA-256 %.12s..., the registry has %.12s...)",
                          name[i], hex, want[i]);
    }
    return all && didregMacOk(c->regKey, w->scid, w->reg);
}

/* checkAnchors: every version of log has a consistent Merkle anchor proof in
 * witness.json, and the file names this DID. 0 / -1 + why. */
static int checkAnchors(const didWork *w, const webvhLog *log, char *why) {
    char e[ERR_MAX];
    witnessFile wf = {0};
    if (witnessParse((char *)w->wj.body.p, w->wj.body.len, &wf, e) < 0) return errSet(why, "witness.json: %s", e);
    int rc = 0;
    for (size_t i = 0; i < log->n && rc == 0; i++) {
        const anchorProof *p = witnessFind(&wf, log->e[i].versionId);
        size_t len;
        const char *line = webvhLine(log, i, &len);
        merkleHash lh;
        merkleHashLeaf(line, len, lh);
        if (!p) rc = errSet(why, "witness.json has no anchor for version %.60s", log->e[i].versionId);
        else if (memcmp(lh, p->leafHash, 32)) rc = errSet(why, "witness.json: leafHash of %.60s is not the entry's", p->versionId);
        else if (merkleVerify(lh, p->leafIndex, p->treeSize, p->proof, p->proofLen, p->root, e) < 0)
            rc = errSet(why, "witness.json: proof of %.60s: %s", p->versionId, e);
    }
    if (rc == 0 && wf.did && strcmp(wf.did, w->did)) rc = errSet(why, "witness.json names another DID");
    witnessFree(&wf);
    return rc;
}

/* checkStore: refuse to build on objects that are not what we published: the log must
 * verify with its witness file, end at the registry's head, every version must have a
 * consistent Merkle anchor proof in witness.json, every entry must keep the trust model
 * (verifier/event/docevent.h docLogCheck: what didverify checks, so nothing is built on a log
 * it would refuse), and the objects must be the ones published (registry digests). When the digests match, the objects are those this
 * worker verified when it built them: the log is only replayed (parameters and state,
 * no signatures), so a batch costs the same whatever the length of the logs it
 * touches. A mismatch runs every check first, for the most specific reason.
 * 0 ok (*out = the log), -1 + why. */
static int checkStore(const pipeCtx *c, didWork *w, webvhLog **out, char *why) {
    char e[ERR_MAX], dwhy[ERR_MAX];
    webvhResult r;
    *out = NULL;
    if (!w->log.found) return errSet(why, "did.jsonl is missing");
    if (!w->wj.found) return errSet(why, "witness.json is missing");
    if (!w->dw.found) return errSet(why, "did-witness.json is missing");
    int same = digestsMatch(c, w, dwhy);
    json_t *dw = NULL;
    if (same <= 0 && !(dw = webvhParseWitnessFile((char *)w->dw.body.p, w->dw.body.len, e)))
        return errSet(why, "did-witness.json: %s", e);
    webvhLog *log = webvhParse((char *)w->log.body.p, w->log.body.len, e);
    if (!log) { json_decref(dw); return errSet(why, "did.jsonl: %s", e); }
    *out = log;
    webvhOpts o = {.did = w->did, .witnessProofs = dw, .trusted = same > 0 ? log->n : 0};
    int rc = 0;
    if (log->parseErr[0]) rc = errSet(why, "did.jsonl: %s", log->parseErr);
    else if (webvhVerify(log, &o, &r) < 0) rc = errSet(why, "did.jsonl does not verify: %s", r.error);
    else if (strcmp(webvhHead(log)->versionId, w->reg->versionId))
        rc = errSet(why, "did.jsonl ends at %.60s but the registry's head is %.60s", webvhHead(log)->versionId,
                    w->reg->versionId);
    else if (same <= 0 && docLogCheck(log, log->n, e) != DOC_OK) rc = errSet(why, "did.jsonl: %s", e);
    else if (same <= 0) rc = checkAnchors(w, log, why);
    w->replayed = rc == 0 && same > 0;
    if (rc == 0 && same < 0) rc = errSet(why, "%s", dwhy);
    json_decref(dw);
    return rc;
}

/* versionTime: now (wall clock), but strictly after prev (seconds), in ms precision. */
static void versionTime(double prev, char out[RFC3339_MAX]) {
    int64_t ms = clockWallMs(), p = (int64_t)(prev * 1000.0 + 0.5);
    if (ms <= p) ms = p + 1;
    rfc3339FormatMs(ms, out);
}

/* ---- publisher key rotation ---- */

/* onlyKey: 1 when updateKeys is exactly [mk]. */
static int onlyKey(const json_t *uk, const char *mk) {
    const char *k = json_string_value(json_array_get(uk, 0));
    return json_array_size(uk) == 1 && k && !strcmp(k, mk);
}

/* updateSigner: our key that may sign the entry after head h: the publisher key, or
 * WA_PREVIOUS_PUBLISHER_KEY's while h's updateKeys are still that one (*rotate = 1: the
 * entry must move them to ours). NULL when h is under neither. */
static const edSigner *updateSigner(const pipeCtx *c, const webvhEntry *h, int *rotate) {
    *rotate = 0;
    if (onlyKey(h->act.updateKeys, c->pubMk)) return &c->pub;
    if (c->hasPrev && onlyKey(h->act.updateKeys, c->prevMk)) return *rotate = 1, &c->prev;
    return NULL;
}

/* signerFor: the key signing the next entry after head h, with params rotating
 * updateKeys to ours when due (did:webvh: an entry is signed by a key active before
 * it). NULL + why (a deactivated log; keysUsable refused any other first). */
static const edSigner *signerFor(const pipeCtx *c, const webvhEntry *h, json_t *params, char *why) {
    if (h->act.deactivated) return errSet(why, "invalid: the DID is deactivated: its log takes no entry"), NULL;
    int rotate;
    const edSigner *key = updateSigner(c, h, &rotate);
    if (!key) return errSet(why, "invalid: the log's updateKeys are not this worker's keys"), NULL;
    if (rotate) json_object_set_new(params, "updateKeys", json_pack("[s]", c->pubMk));
    return key;
}

/* keysUsable: our keys can extend a log whose head is h: updateSigner has a key for
 * it and our witness alone meets its witness threshold. Else a configuration problem
 * (a key replaced without WA_PREVIOUS_PUBLISHER_KEY, another witness key): -1 + why,
 * and the DID's events wait in the queue instead of being dead-lettered or published
 * unwitnessed. */
static int keysUsable(const pipeCtx *c, const webvhEntry *h, char *why) {
    int rotate;
    if (!updateSigner(c, h, &rotate))
        return errSet(why, "its updateKeys are neither the publisher key %.60s%s", c->pubMk,
                      c->hasPrev ? " nor WA_PREVIOUS_PUBLISHER_KEY's" : " (is WA_PREVIOUS_PUBLISHER_KEY missing?)");
    const webvhWitness *w = &h->act.wit;
    int ours = 0;
    for (size_t i = 0; i < w->n; i++) ours |= !strcmp(w->ids[i], c->witDid);
    if (w->threshold > 1 || (w->threshold == 1 && !ours))
        return errSet(why, "its witnesses (threshold %d) cannot be met by this worker's witness %.80s (WA_WITNESS_KEY)",
                      w->threshold, c->witDid);
    return 0;
}

/* rotationTarget: the key a publisher-rotation queue entry (anchord rotate-publisher)
 * rotates to -- its body is {"publisherRotation": MULTIKEY}, a shape no event has --
 * into to; 0 when qe is not one. */
static int rotationTarget(const queueEntry *qe, char to[MULTIKEY_PUB_MAX]) {
    if (qe->len > 256 || !memmem(qe->payload, qe->len, "\"publisherRotation\"", 19)) return 0;
    char e[ERR_MAX];
    json_t *o = jsonParse(qe->payload, qe->len, 256, 2, e);
    const char *k = json_object_size(o) == 1 ? jsonGetStr(o, "publisherRotation") : NULL;
    int is = k && strlen(k) < MULTIKEY_PUB_MAX;
    if (is) strcpy(to, k);
    json_decref(o);
    return is;
}

/* A signer that notes when the one it wraps fails. A key that cannot sign (its token
 * gone, logged out) says nothing about the event: the batch fails and is built again
 * by the next run, instead of the event being dead-lettered. */
typedef struct signWatch {
    const edSigner *key;
    int failed;
} signWatch;

/* watchedSign: edSigner.sign over ctx's signWatch: the wrapped key's answer (0 / -1 + err),
 * noting a failure in sw->failed. */
static int watchedSign(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[ED_SIG_LEN], char *err) {
    signWatch *sw = ctx;
    int rc = edSignerSign(sw->key, msg, len, sig, err);
    sw->failed |= rc < 0;
    return rc;
}

/* appendEntry: the next entry of log with state (signerFor's key, rotating if due),
 * recorded as qe's. 0 appended; -1 + why, qe is refused (no key of ours may sign, or
 * the budget cannot hold it); BUILD_NOT_ITS when it failed for a reason not qe's: a key
 * that cannot sign or out of memory (w->fatal: the batch fails), or an entry the log
 * refuses although the event passed every check (w->deferred: the DID's events go back
 * to the queue, error logged) -- never a dead letter. */
static int appendEntry(pipeCtx *c, didWork *w, webvhLog *log, json_t *state, const queueEntry *qe, char *why) {
    const webvhEntry *h = webvhHead(log);
    char vt[RFC3339_MAX], d[ERR_MAX];
    size_t len;
    versionTime(h->time, vt);
    json_t *params = json_object();
    const edSigner *key = signerFor(c, h, params, why);
    signWatch sw = {key, 0};
    edSigner watched = {.sign = watchedSign, .ctx = &sw};
    if (key) memcpy(watched.pk, key->pk, sizeof watched.pk);
    const edSigner *use = key && !key->sk ? &watched : key;   /* a key in memory cannot fail: as fast as before */
    int rc = -1;
    if (key && webvhAppendWith(log, state, params, vt, use, NULL, d) < 0) {
        if (sw.failed) {
            errSet(why, "cannot sign log entries: %.200s", d);
            fatal(w, why);
        } else {
            errSet(w->err, "internal: cannot build the entry of %.60s: %.200s", qe->id, d);
            w->deferred = 1;
        }
        rc = BUILD_NOT_ITS;
    } else if (key) {
        const char *line = webvhLine(log, log->n - 1, &len);
        size_t cost = len + 1 + budgetProofsMax(log->e[log->n - 1].versionId, w->maxLeaves);
        size_t dj = budgetDidWebMax(w->did, len);   /* did.json of this head: replaced, counted once */
        if (w->bytes + cost + dj > (size_t)c->cfg->didBudget) {   /* never built beyond the budget: undone */
            errSet(why, "budget_exceeded: this version would bring the DID's files to %zu bytes, above WA_DID_BUDGET (%lld)",
                   w->bytes + cost + dj, c->cfg->didBudget);
            webvhDropLast(log);
        } else if (addEntry(w, line, len, log->e[log->n - 1].versionId, qe, 0) < 0) {
            rc = BUILD_NOT_ITS;
            fatal(w, "out of memory");
        } else {
            w->bytes += cost;
            rc = 0;
        }
    }
    json_decref(params);
    return rc;
}

/* buildRotation: the entry of a publisher-rotation queue entry: the state unchanged,
 * updateKeys from the previous publisher key to ours. 0 appended, -1 rejected,
 * BUILD_NOT_ITS (appendEntry). */
static int buildRotation(pipeCtx *c, didWork *w, webvhLog *log, const char *to, const queueEntry *qe, char *why) {
    const webvhEntry *h = webvhHead(log);
    if (strcmp(to, c->pubMk))
        return errSet(why, "invalid: publisher rotation to %.60s, but the publisher key is %.60s", to, c->pubMk);
    if (onlyKey(h->act.updateKeys, c->pubMk))
        return errSet(why, "replay: publisher rotation: the log's updateKeys are already the publisher key");
    return appendEntry(c, w, log, h->state, qe, why);
}

/* buildEvent: verify one event and append its entry. 0 appended, -1 rejected (why),
 * BUILD_NOT_ITS (appendEntry: not the event's failure; build nothing more of w). */
static int buildEvent(pipeCtx *c, didWork *w, webvhLog *log, json_t *seen, docKey *keys, size_t *nkeys,
                      const queueEntry *qe, char *why) {
    char to[MULTIKEY_PUB_MAX];
    if (rotationTarget(qe, to)) return buildRotation(c, w, log, to, qe, why);
    /* The queued body is the JCS form ingest measured against WA_MAX_EVENT. */
    long long max = c->cfg->maxEvent < c->cfg->maxBody ? c->cfg->maxEvent : c->cfg->maxBody;
    eventLimits lim = {clockWallMs(), c->cfg->maxSkewMs, 0, (size_t)max};
    event ev;
    char d[ERR_MAX];
    eventCode rc = eventParse(qe->payload, qe->len, &lim, &ev, d);
    if (rc != EVENT_OK) return errSet(why, "%s: %s", rejectName(rejectOfEvent(rc)), d);
    int out = -1;
    json_t *state = NULL;
    const webvhEntry *h = webvhHead(log);
    if (strcmp(ev.scid, w->scid) || strcmp(ev.id, qe->id) || strcmp(ev.did, w->did))
        errSet(why, "invalid: the event does not match its queue entry (did %.100s, id %.60s)", ev.did, ev.id);
    else if (json_object_get(seen, ev.id))
        errSet(why, "replay: event %.60s is already in the log of %.100s", ev.id, w->did);
    else if ((rc = eventVerify(&ev, keys, *nkeys, d)) != EVENT_OK)
        errSet(why, "%s: %s", rejectName(rejectOfEvent(rc)), d);
    else if (!(state = docNextState(h->state, ev.doc, w->did, log->n + 1, d)))
        errSet(why, "invalid: %s", d);
    else if ((out = appendEntry(c, w, log, state, qe, why)) == 0) {
        *nkeys = docSigningKeys(state, keys, DOC_MAX_KEYS);
        json_object_set_new(seen, ev.id, json_true());
    }
    json_decref(state);
    eventFree(&ev);
    return out;
}

/* buildExisting: w's events on its published log (checkStore), each appended (buildEvent)
 * or refused (addRej). All refused when the DID is not registered or the store was
 * tampered with (w->tampered); none built (w->deferred, w->err) when its keys cannot be
 * used or an entry could not be built; a fatal failure stops building (w->fatal). */
static void buildExisting(pipeCtx *c, didWork *w) {
    char why[ERR_MAX];
    if (!w->reg) {
        for (size_t i = 0; i < w->nev; i++) addRej(w, w->ev[i], 0, "", "unknown_did: the DID is not registered here");
        return;
    }
    webvhLog *log;
    if (checkStore(c, w, &log, why) < 0) {
        w->tampered = 1;
        for (size_t i = 0; i < w->nev; i++) addRej(w, w->ev[i], 0, "store tampered: ", why);
        snprintf(w->err, sizeof w->err, "%s", why);
        webvhFree(log);
        return;
    }
    const webvhEntry *h = webvhHead(log);
    if (!h->act.deactivated && keysUsable(c, h, why) < 0) {   /* deactivated: each event refused below */
        w->deferred = 1;
        snprintf(w->err, sizeof w->err, "%s", why);
        webvhFree(log);
        return;
    }
    snprintf(w->baseEtag, sizeof w->baseEtag, "%s", w->log.etag);
    snprintf(w->baseVersionId, sizeof w->baseVersionId, "%s", h->versionId);
    w->bytes = w->log.body.len + w->wj.body.len + w->dw.body.len;
    json_t *seen = json_object();
    for (size_t i = 0; i < log->n; i++) {
        const char *id = docEventId(log->e[i].state);
        if (id) json_object_set_new(seen, id, json_true());
    }
    docKey keys[DOC_MAX_KEYS];
    size_t nkeys = docSigningKeys(h->state, keys, DOC_MAX_KEYS);
    for (size_t i = 0; i < w->nev; i++) {
        int r = buildEvent(c, w, log, seen, keys, &nkeys, w->ev[i], why);
        if (r == BUILD_NOT_ITS) break;
        if (r < 0) addRej(w, w->ev[i], 0, "", why);
    }
    if (w->deferred) dropBuilt(w);   /* all its events go back to the queue, judged again later */
    json_decref(seen);
    webvhFree(log);
}

/* refuseAll: every entry of w is a dead letter with the reason in w->err. */
static void refuseAll(didWork *w) {
    if (w->genesis) addRej(w, w->genesis, 1, "", w->err);
    for (size_t k = 0; k < w->nev; k++) addRej(w, w->ev[k], 0, "", w->err);
}

/* buildOne: build work i of b (a build thread; batchReadAndBuild calls it once its objects are in). */
static void buildOne(pipeCtx *c, batch *b, size_t i) {
    didWork *w = &b->w[i];
    if (w->unread) {
        /* nothing to build on: deadLetters re-queues its genesis and events */
    } else if (w->overBudget) {
        refuseAll(w);
    } else {
        if (w->genesis) buildGenesis(c, w);
        if (w->isNew) {   /* events for a DID not yet published cannot have passed ingest */
            for (size_t k = 0; k < w->nev; k++) addRej(w, w->ev[k], 0, "", "unknown_did: the DID is not published yet");
        } else if (w->nev) buildExisting(c, w);
    }
    free(w->reg);   /* only building reads it: 10 KB a DID less for the rest of the batch */
    w->reg = NULL;
}

/* deferEvents: a DID our keys cannot extend (keysUsable), or whose registry record or
 * objects could not be read: its events (and a genesis not built) go back to the end of
 * the queue, untouched, for a later run; an error says why. */
static int deferEvents(pipeCtx *c, batch *b, didWork *w, char *err) {
    char sid[QUEUE_SID_MAX];
    logKv(LL_ERROR, w->unread ? "cannot read this DID's registry record or objects: its work re-queued"
                              : "cannot extend this DID with the configured keys: events re-queued",
          "{s:s,s:s,s:s,s:s,s:I}", "batch", b->j.id, "did", w->did, "scid", w->scid, "reason", w->err, "events",
          (json_int_t)w->nev);
    if (w->unread && w->genesis && queueRequeue(c->q, b->shard, "dids", w->genesis, sid, err) < 0) return -1;
    for (size_t k = 0; k < w->nev; k++)
        if (queueRequeue(c->q, b->shard, "events", w->ev[k], sid, err) < 0) return -1;
    b->nDeferred++;
    return 0;
}

/* deadLetters: write every rejection found while building (main thread: Redis). */
static int deadLetters(pipeCtx *c, batch *b, char *err) {
    for (size_t k = 0; k < b->njunk; k++) {
        rejected *r = &b->junk[k];
        if (queueDeadLetter(c->q, b->shard, r->genesis ? "dids" : "events", r->e, r->reason, err) < 0) return -1;
        logKv(LL_WARN, "rejected", "{s:s,s:s,s:s,s:s}", "batch", b->j.id, "sid", r->e->sid, "id", r->e->id, "reason",
              r->reason);
    }
    b->nRejected += b->njunk;
    for (size_t i = 0; i < b->nw; i++) {
        didWork *w = &b->w[i];
        if (w->tampered)
            logKv(LL_ERROR, "store tampered: refusing to build on this DID", "{s:s,s:s,s:s,s:I}", "batch", b->j.id,
                  "did", w->did, "reason", w->err, "events", (json_int_t)w->nev);
        for (size_t k = 0; k < w->nrej; k++) {
            rejected *r = &w->rej[k];
            if (queueDeadLetter(c->q, b->shard, r->genesis ? "dids" : "events", r->e, r->reason, err) < 0) return -1;
            logKv(LL_WARN, "rejected", "{s:s,s:s,s:s,s:s}", "batch", b->j.id, "scid", r->e->scid, "id",
                  r->genesis ? "genesis" : r->e->id, "reason", r->reason);
        }
        b->nRejected += w->nrej;
        b->nTampered += w->tampered;
        b->nReplayed += w->replayed;
        if ((w->deferred || w->unread) && deferEvents(c, b, w, err) < 0) return -1;
    }
    return 0;
}
int batchBuild(pipeCtx *c, const char *token, batch *b, char *err) {
    int64_t t0 = clockMonoMs();
    if (batchGroup(b, err) < 0 || batchReadAndBuild(c, b, t0, buildOne, err) < 0 ||
        batchBuildFailed(b, err) < 0 || batchStoreDown(c, b, err) < 0)
        return -1;
    b->nleaves = 0;
    for (size_t i = 0; i < b->nw; i++)
        for (size_t k = 0; k < b->w[i].nne; k++) b->w[i].ne[k].leaf = b->nleaves++;
    if (deadLetters(c, b, err) < 0) return -1;
    char nl[24], nr[24];
    snprintf(nl, sizeof nl, "%zu", b->nleaves);
    snprintf(nr, sizeof nr, "%zu", b->nRejected);
    const char *kv[] = {"leaves", nl, "rejected", nr};
    if (batchJournal(c, b, token, JS_BUILT, kv, 4, err) < 0) return -1;
    logKv(LL_INFO, "batch built", "{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:f}", "batch", b->j.id, "dids", (json_int_t)b->nw,
          "entries", (json_int_t)b->nleaves, "rejected", (json_int_t)b->nRejected, "tampered",
          (json_int_t)b->nTampered, "replayed", (json_int_t)b->nReplayed, "deferred", (json_int_t)b->nDeferred,
          "readSeconds", b->tRead, "buildSeconds", b->tBuild);
    return 0;
}
