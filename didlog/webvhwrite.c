/* webvhwrite.c -- did:webvh v1.0 log writing: genesis (SCID), next entries, witness proofs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "core/di.h"
#include "core/edsigner.h"
#include "core/jcs.h"
#include "core/json.h"
#include "core/multiformat.h"
#include "didlog/webvh.h"
#include "didlog/webvh_int.h"

/* proofOpts: eddsa-jcs-2022 proof options for the key pk, created at `created`. */
static json_t *proofOpts(const uint8_t pk[32], const char *created) {
    char vm[DIDKEY_MAX];
    if (didkeyVm(pk, vm) < 0) return NULL;
    return json_pack("{ss ss ss ss ss}", "type", "DataIntegrityProof", "cryptosuite", "eddsa-jcs-2022",
                     "verificationMethod", vm, "proofPurpose", "assertionMethod", "created", created);
}

/* signEntry: set entry.proof = [proof by key]. 0 / -1. */
static int signEntry(json_t *entry, const edSigner *key, const char *created, char *err) {
    json_t *opts = proofOpts(key->pk, created);
    if (!opts) return errSet(err, "cannot build proof options");
    json_t *proof = diSignWith(entry, opts, key, err);
    json_decref(opts);
    if (!proof) return -1;
    return json_object_set_new(entry, "proof", json_pack("[o]", proof)) < 0 ? errSet(err, "out of memory") : 0;
}

/* entryHashB58: base58(multihash(JCS(entry))) into out (entry has no proof yet). */
static int entryHashB58(const json_t *entry, buf *out, char *err) {
    size_t n;
    char *s = jcsDump(entry, &n, err);
    if (!s) return -1;
    bufReset(out);
    int rc = mhSha256B58(s, n, out);
    free(s);
    return rc < 0 ? errSet(err, "out of memory") : 0;
}

/* keyListed: is the multikey of pk in the array keys? */
static int keyListed(const json_t *keys, const uint8_t pk[32]) {
    char mk[MULTIKEY_PUB_MAX];
    size_t i;
    json_t *v;
    if (mkEncodeEd25519Pub(pk, mk) < 0) return 0;
    json_array_foreach(keys, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), mk)) return 1;
    return 0;
}

/* commit: append entry's JCS line to the log, check it with every per-entry
 * rule and keep it, or roll back. Takes entry over. */
static int commit(webvhLog *log, json_t *entry, buf *line, char *err) {
    size_t n, off = log->text.len;
    char *s = jcsDump(entry, &n, err);
    if (!s) { json_decref(entry); return -1; }
    if (bufAppend(&log->text, s, n) < 0 || bufPutc(&log->text, '\n') < 0 || webvhPush(log, entry, off, n) < 0) {
        free(s);
        json_decref(entry);
        log->text.len = off;
        return errSet(err, "out of memory");
    }
    vctxPub *c = webvhCtxNew(NULL);
    int rc = c ? webvhCheckEntry(log, log->n - 1, c) : -1;
    if (rc < 0) {
        const char *code;
        errSet(err, "new entry %zu is invalid: %s", log->n, c ? webvhCtxError(c, &code) : "out of memory");
        webvhDropLast(log);
    } else {
        log->verified = log->n;
        if (line && (bufAppend(line, s, n) < 0 || bufPutc(line, '\n') < 0)) rc = errSet(err, "out of memory");
    }
    webvhCtxFree(c);
    free(s);
    return rc;
}

int webvhReplaceAll(const char *s, size_t n, const char *from, const char *to, buf *out) {
    size_t fl = strlen(from);
    const char *end = s + n, *q;
    bufReset(out);
    while ((q = memmem(s, (size_t)(end - s), from, fl))) {
        if (bufAppend(out, s, (size_t)(q - s)) < 0 || bufPuts(out, to) < 0) return -1;
        s = q + fl;
    }
    return bufAppend(out, s, (size_t)(end - s));
}

webvhLog *webvhCreate(const json_t *state, const json_t *params, const char *versionTime,
                      const uint8_t sk[64], buf *line, char *err) {
    webvhLog *log = NULL;
    json_t *p = json_deep_copy(params), *entry = NULL, *pre = NULL;
    buf scid = BUF_INIT, text = BUF_INIT, h = BUF_INIT;
    char *s = NULL;
    size_t n;
    if (!json_is_object(p) || !json_is_object(state)) { errSet(err, "state and parameters must be objects"); goto out; }
    edSigner key = edSignerMem(sk);
    if (!keyListed(json_object_get(p, "updateKeys"), key.pk)) { errSet(err, "the signing key is not in updateKeys"); goto out; }
    json_object_set_new(p, "method", json_string(WEBVH_METHOD));
    json_object_set_new(p, "scid", json_string("{SCID}"));
    pre = json_pack("{ss ss sO sO}", "versionId", "{SCID}", "versionTime", versionTime, "parameters", p, "state", state);
    if (!pre || !(s = jcsDump(pre, &n, err))) { if (!pre) errSet(err, "out of memory"); goto out; }
    /* SCID = base58(multihash(JCS(preliminary entry))), then the literal replacement. */
    if (mhSha256B58(s, n, &scid) < 0 || webvhReplaceAll(s, n, "{SCID}", (const char *)scid.p, &text) < 0) { errSet(err, "out of memory"); goto out; }
    if (!(entry = jsonParse((const char *)text.p, text.len, WEBVH_LINE_MAX, JSON_MAX_DEPTH_DEFAULT, err))) goto out;
    if (entryHashB58(entry, &h, err) < 0) goto out;   /* versionId is the SCID here */
    bufReset(&text);
    bufPrintf(&text, "1-%s", (const char *)h.p);
    json_object_set_new(entry, "versionId", json_string((const char *)text.p));
    if (signEntry(entry, &key, versionTime, err) < 0) goto out;
    if (!(log = calloc(1, sizeof *log))) { errSet(err, "out of memory"); goto out; }
    if (commit(log, entry, line, err) < 0) { entry = NULL; webvhFree(log); log = NULL; goto out; }
    entry = NULL;
out:
    json_decref(p);
    json_decref(pre);
    json_decref(entry);
    free(s);
    bufFree(&scid);
    bufFree(&text);
    bufFree(&h);
    return log;
}

int webvhAppend(webvhLog *log, const json_t *state, const json_t *params, const char *versionTime,
                const uint8_t sk[64], buf *line, char *err) {
    edSigner key = edSignerMem(sk);
    return webvhAppendWith(log, state, params, versionTime, &key, line, err);
}

int webvhAppendWith(webvhLog *log, const json_t *state, const json_t *params, const char *versionTime,
                    const edSigner *key, buf *line, char *err) {
    if (!log || log->n == 0 || log->verified != log->n || log->parseErr[0])
        return errSet(err, "the DID log must be fully verified before appending");
    if (!json_is_object(state) || !json_is_object(params)) return errSet(err, "state and parameters must be objects");
    const webvhEntry *prev = &log->e[log->n - 1];
    if (prev->act.deactivated) return errSet(err, "the DID is deactivated; no further entries are allowed");
    const json_t *keys = prev->act.prerotation ? json_object_get(params, "updateKeys") : prev->act.updateKeys;
    if (!keyListed(keys, key->pk))
        return errSet(err, prev->act.prerotation ? "pre-rotation is active: the signing key must be one of the new updateKeys"
                                                 : "the signing key is not an active update key");
    json_t *entry = json_pack("{ss ss sO sO}", "versionId", prev->versionId, "versionTime", versionTime,
                              "parameters", params, "state", state);
    if (!entry) return errSet(err, "out of memory (or versionTime not a string)");
    json_t *cp = json_deep_copy(entry);   /* our own copies: the caller keeps state/params */
    json_decref(entry);
    entry = cp;
    buf h = BUF_INIT;
    int rc = -1;
    if (!entry || entryHashB58(entry, &h, err) < 0) goto out;
    char vid[128];
    snprintf(vid, sizeof vid, "%zu-%s", log->n + 1, (const char *)h.p);
    json_object_set_new(entry, "versionId", json_string(vid));
    if (signEntry(entry, key, versionTime, err) < 0) goto out;
    rc = commit(log, entry, line, err);
    entry = NULL;
out:
    json_decref(entry);
    bufFree(&h);
    return rc;
}

void webvhDropLast(webvhLog *log) {
    if (!log || log->n == 0) return;
    webvhEntry *e = &log->e[--log->n];
    json_decref(e->obj);
    free(e->own.ids);
    free(e->own.pks);
    log->text.len = e->off;
    log->text.p[e->off] = 0;
    if (log->verified > log->n) log->verified = log->n;
}

json_t *webvhWitnessSign(const char *versionId, const uint8_t sk[64], const char *created, char *err) {
    edSigner key = edSignerMem(sk);
    return webvhWitnessSignWith(versionId, &key, created, err);
}

json_t *webvhWitnessSignWith(const char *versionId, const edSigner *key, const char *created, char *err) {
    json_t *doc = json_pack("{ss}", "versionId", versionId), *opts = proofOpts(key->pk, created);
    json_t *proof = doc && opts ? diSignWith(doc, opts, key, err) : NULL;
    if (!doc || !opts) errSet(err, "out of memory");
    json_decref(doc);
    json_decref(opts);
    return proof;
}

int webvhWitnessAdd(json_t *wf, const char *versionId, json_t *proof, char *err) {
    size_t i, j;
    json_t *item, *p, *target = NULL;
    const char *vm = jsonGetStr(proof, "verificationMethod");
    if (!json_is_array(wf) || !vm) return errSet(err, "bad witness file or proof");
    json_array_foreach(wf, i, item) if (!strcmp(jsonGetStr(item, "versionId") ? jsonGetStr(item, "versionId") : "", versionId)) target = item;
    if (!target) {
        target = json_pack("{ss s[]}", "versionId", versionId, "proof");
        if (!target || json_array_append_new(wf, target) < 0) return errSet(err, "out of memory");
    }
    json_t *proofs = json_object_get(target, "proof");
    if (!json_is_array(proofs)) return errSet(err, "witness file entry for %s has no proof array", versionId);
    json_array_foreach(proofs, j, p) {
        const char *v2 = jsonGetStr(p, "verificationMethod");
        if (v2 && !strcmp(v2, vm)) { json_array_remove(proofs, j); break; }
    }
    return json_array_append(proofs, proof) < 0 ? errSet(err, "out of memory") : 0;
}

json_t *webvhParseWitnessFile(const char *text, size_t len, char *err) {
    json_t *wf = jsonParse(text, len, WEBVH_WITNESS_MAX, JSON_MAX_DEPTH_DEFAULT, err);
    if (!wf) return NULL;
    size_t i;
    json_t *item;
    if (!json_is_array(wf)) { json_decref(wf); errSet(err, "did-witness.json: not a JSON array"); return NULL; }
    json_array_foreach(wf, i, item)
        if (!jsonGetStr(item, "versionId") || !json_is_array(json_object_get(item, "proof"))) {
            json_decref(wf);
            errSet(err, "did-witness.json: item %zu needs versionId and a proof array", i + 1);
            return NULL;
        }
    return wf;
}
