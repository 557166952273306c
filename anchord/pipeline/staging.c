/* staging.c -- the Merkle tree of a batch and its staging bundle (written before the
 * transaction, so a crash after sending can always finish publishing the same bytes).
 *
 * Bundle (_wa/staging/<journalId>.json, JCS, deterministic for a given build; internal:
 * under STORE_INTERNAL, never served; a batch journaled by an older version names its
 * bundle at staging/<id>.json, and resuming reads and deletes the key its journal names):
 *   {"batch":ID,"root":HEX,"treeSize":N,"dids":[{"scid","did","new":bool,"baseEtag",
 *    "baseVersionId","bytes":N,"entries":[{"line","versionId","sid","id","genesis":bool}]}]}
 * DIDs and entries are in leaf order; "bytes" (the DID's three objects once published, as
 * building estimated them; absent in bundles of older versions) sizes the publish chunks
 * of a resumed batch (WA_BATCH_MEMORY). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/hex.h"
#include "core/jcs.h"
#include "core/json.h"
#include "core/io/clock.h"
#include "anchord/pipeline/batch.h"
#include "anchord/ops/log.h"

#define STAGING_MAX ((size_t)1 << 30)

/* buildTree: leaves = the new entries' line bytes, in leaf order. */
static int buildTree(batch *b, char *err) {
    merkleFree(b->tree);
    if (!(b->tree = merkleNew(b->nleaves, err))) return -1;
    for (size_t i = 0; i < b->nw; i++)
        for (size_t k = 0; k < b->w[i].nne; k++)
            merkleSetLeaf(b->tree, b->w[i].ne[k].leaf, b->w[i].ne[k].line, b->w[i].ne[k].len);
    merkleSeal(b->tree);
    memcpy(b->root, merkleRoot(b->tree), 32);
    return 0;
}

/* didJson: the bundle item of one DID. */
static json_t *didJson(const didWork *w) {
    json_t *es = json_array();
    for (size_t k = 0; es && k < w->nne; k++) {
        const newEntry *n = &w->ne[k];
        json_array_append_new(es, json_pack("{s:s%,s:s,s:s,s:s,s:b}", "line", n->line, n->len, "versionId",
                                            n->versionId, "sid", n->sid, "id", n->id, "genesis", n->genesis));
    }
    return json_pack("{s:s,s:s,s:b,s:s,s:s,s:I,s:o}", "scid", w->scid, "did", w->did, "new", w->isNew, "baseEtag",
                     w->baseEtag, "baseVersionId", w->baseVersionId, "bytes", (json_int_t)w->bytes, "entries", es);
}

/* bundleText: the bundle's JCS text, one DID at a time: a tree of the whole bundle
 * held every line a second time (tens of MB at 12,000 entries) next to the text.
 * The members are written in JCS order (batch, dids, root, treeSize), so the bytes
 * are exactly jcsDump of the whole document. */
static int bundleText(const batch *b, buf *out, char *err) {
    char root[65];
    hexEncode(b->root, 32, root);
    json_t *id = json_string(b->j.id), *rt = json_string(root);
    int rc = id && rt && bufPuts(out, "{\"batch\":") == 0 && jcsAppend(id, out, err) == 0 &&
             bufPuts(out, ",\"dids\":[") == 0 ? 0 : -1;
    int first = 1;
    for (size_t i = 0; rc == 0 && i < b->nw; i++) {
        if (!b->w[i].nne) continue;
        json_t *d = didJson(&b->w[i]);
        if (!d || (!first && bufPutc(out, ',') < 0) || jcsAppend(d, out, err) < 0) rc = -1;
        json_decref(d);
        first = 0;
    }
    if (rc == 0 && (bufPuts(out, "],\"root\":") < 0 || jcsAppend(rt, out, err) < 0 ||
                    bufPrintf(out, ",\"treeSize\":%zu}", b->nleaves) < 0))
        rc = -1;
    json_decref(id);
    json_decref(rt);
    return rc;
}

int batchStage(pipeCtx *c, const char *token, batch *b, char *err) {
    int64_t t0 = clockMonoMs();
    if (buildTree(b, err) < 0) return -1;
    buf body = BUF_INIT;
    char je[ERR_MAX] = "";
    if (bundleText(b, &body, je) < 0) {
        bufFree(&body);
        return errSet(err, "staging bundle: %s", je[0] ? je : "out of memory");
    }
    const char *text = (const char *)body.p;
    size_t len = body.len;
    snprintf(b->stagingKey, sizeof b->stagingKey, STORE_INTERNAL "staging/%s.json", b->j.id);
    char etag[STORE_ETAG_MAX], e[ERR_MAX];
    int rc = storePut(c->st, b->stagingKey, text, len, STORE_PUT_IF_ABSENT, NULL, etag, e);
    if (rc == STORE_CONFLICT) {
        /* A bundle of an earlier attempt of this batch that never reached "staged": no
         * transaction depends on it (the journal says so), so it is replaced. */
        rc = storeGet(c->st, b->stagingKey, STAGING_MAX, NULL, etag, e);
        if (rc == STORE_OK) rc = storePut(c->st, b->stagingKey, text, len, STORE_PUT_IF_MATCH, etag, etag, e);
    }
    bufFree(&body);
    if (rc != STORE_OK) return errSet(err, "staging bundle %s: %s", b->stagingKey, rc == STORE_CONFLICT ? "changed under us" : e);
    char root[65], n[24];
    hexEncode(b->root, 32, root);
    snprintf(n, sizeof n, "%zu", b->nleaves);
    const char *kv[] = {"root", root, "stagingKey", b->stagingKey, "leaves", n};
    if (batchJournal(c, b, token, JS_STAGED, kv, 6, err) < 0) return -1;
    b->tStage = batchSince(t0);
    logKv(LL_INFO, "batch staged", "{s:s,s:s,s:I,s:I,s:s,s:f}", "batch", b->j.id, "root", root, "leaves",
          (json_int_t)b->nleaves, "bytes", (json_int_t)len, "staging", b->stagingKey, "seconds", b->tStage);
    return 0;
}

/* loadDid: one "dids" item of the bundle into a new work. */
static int loadDid(batch *b, const json_t *d, char *err) {
    didWork *w = &b->w[b->nw];
    memset(w, 0, sizeof *w);
    const char *scid = jsonGetStr(d, "scid"), *did = jsonGetStr(d, "did"), *be = jsonGetStr(d, "baseEtag"),
               *bv = jsonGetStr(d, "baseVersionId");
    json_t *es = json_object_get(d, "entries");
    if (!scid || !did || !be || !bv || !json_is_array(es) || strlen(scid) > WEBVH_SCID_LEN || strlen(did) >= DOC_DID_MAX)
        return errSet(err, "staging bundle: malformed DID item");
    snprintf(w->scid, sizeof w->scid, "%s", scid);
    snprintf(w->did, sizeof w->did, "%s", did);
    snprintf(w->baseEtag, sizeof w->baseEtag, "%s", be);
    snprintf(w->baseVersionId, sizeof w->baseVersionId, "%s", bv);
    w->isNew = json_is_true(json_object_get(d, "new"));
    json_t *bytes = json_object_get(d, "bytes");
    w->est = json_is_integer(bytes) && json_integer_value(bytes) > 0 ? (size_t)json_integer_value(bytes) : 0;
    b->nw++;
    if (!(w->ne = calloc(json_array_size(es) + 1, sizeof *w->ne))) return errSet(err, "out of memory");
    size_t k;
    json_t *e;
    json_array_foreach(es, k, e) {
        newEntry *n = &w->ne[w->nne];
        json_t *line = json_object_get(e, "line");
        const char *vid = jsonGetStr(e, "versionId"), *sid = jsonGetStr(e, "sid"), *id = jsonGetStr(e, "id");
        if (!json_is_string(line) || !vid || !sid || !id || strlen(vid) >= BATCH_VID_MAX || strlen(sid) >= QUEUE_SID_MAX ||
            strlen(id) > EVENT_ID_MAX)
            return errSet(err, "staging bundle: malformed entry of %s", scid);
        n->len = json_string_length(line);
        if (!(n->line = malloc(n->len + 1))) return errSet(err, "out of memory");
        memcpy(n->line, json_string_value(line), n->len + 1);
        strcpy(n->versionId, vid);
        strcpy(n->sid, sid);
        strcpy(n->id, id);
        n->genesis = json_is_true(json_object_get(e, "genesis"));
        n->leaf = b->nleaves++;
        w->nne++;
    }
    return 0;
}

int batchLoadStaging(pipeCtx *c, batch *b, char *err) {
    const char *key = journalField(&b->j, "stagingKey"), *root = journalField(&b->j, "root");
    if (!key || !root) return errSet(err, "journal %s: no staging bundle recorded", b->j.id);
    snprintf(b->stagingKey, sizeof b->stagingKey, "%s", key);
    buf body = BUF_INIT;
    char e[ERR_MAX];
    int rc = storeGet(c->st, key, STAGING_MAX, &body, NULL, e);
    if (rc != STORE_OK) {
        bufFree(&body);
        return errSet(err, "staging bundle %s: %s", key, rc == STORE_NOTFOUND ? "missing from the store"
                                                        : rc == STORE_TOOLARGE ? "larger than 1 GiB" : e);
    }
    json_t *doc = jsonParse((char *)body.p, body.len, STAGING_MAX, 16, e);
    bufFree(&body);
    if (!doc) return errSet(err, "staging bundle %s: %s", key, e);
    json_t *dids = json_object_get(doc, "dids");
    rc = 0;
    if (!json_is_array(dids) || !(b->w = calloc(json_array_size(dids) + 1, sizeof *b->w)))
        rc = errSet(err, "staging bundle %s: no DIDs", key);
    size_t i;
    json_t *d;
    if (rc == 0) json_array_foreach(dids, i, d) if ((rc = loadDid(b, d, err)) < 0) break;
    json_decref(doc);
    if (rc < 0 || buildTree(b, err) < 0) return -1;
    char hex[65];
    hexEncode(b->root, 32, hex);
    if (strcmp(hex, root)) return errSet(err, "staging bundle %s: its entries give root %s, the journal has %s", key, hex, root);
    return 0;
}
