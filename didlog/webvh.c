/* webvh.c -- did:webvh v1.0 log model: parse each line once, verify every rule. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "core/di.h"
#include "core/io/clock.h"
#include "core/jcs.h"
#include "core/json.h"
#include "core/multiformat.h"
#include "core/rfc3339.h"
#include "core/sha256.h"
#include "core/io/clock.h"
#include "didlog/didurl.h"
#include "didlog/webvh.h"
#include "didlog/webvh_int.h"

/* ---------- parsing ---------- */

static void witnessFree(webvhWitness *w) {
    free(w->ids);
    free(w->pks);
    memset(w, 0, sizeof *w);
}

void webvhFree(webvhLog *log) {
    if (!log) return;
    for (size_t i = 0; i < log->n; i++) {
        json_decref(log->e[i].obj);
        witnessFree(&log->e[i].own);
    }
    free(log->e);
    bufFree(&log->text);
    free(log);
}

/* webvhPush: add a parsed line (obj is taken over) whose bytes are text[off, off+len). */
int webvhPush(webvhLog *log, json_t *obj, size_t off, size_t len) {
    if (log->n == log->cap) {
        size_t cap = log->cap ? log->cap * 2 : 8;
        webvhEntry *e = realloc(log->e, cap * sizeof *e);
        if (!e) return -1;
        log->e = e;
        log->cap = cap;
    }
    webvhEntry *e = &log->e[log->n++];
    memset(e, 0, sizeof *e);
    e->obj = obj;
    e->off = off;
    e->len = len;
    return 0;
}

webvhLog *webvhParse(const char *text, size_t len, char *err) {
    if (len > WEBVH_LOG_MAX) { errSet(err, "invalidDid: DID log larger than %u bytes", WEBVH_LOG_MAX); return NULL; }
    webvhLog *log = calloc(1, sizeof *log);
    if (!log || bufAppend(&log->text, text, len) < 0 ||
        ((len == 0 || text[len - 1] != '\n') && bufPutc(&log->text, '\n') < 0)) {
        webvhFree(log);
        errSet(err, "out of memory");
        return NULL;
    }
    const char *t = (const char *)log->text.p;
    size_t pos = 0, total = log->text.len;
    while (pos < total) {
        const char *nl = memchr(t + pos, '\n', total - pos);
        size_t ll = (size_t)(nl - (t + pos));
        char perr[ERR_MAX];
        json_t *o = jsonParse(t + pos, ll, WEBVH_LINE_MAX, JSON_MAX_DEPTH_DEFAULT, perr);
        if (o && !json_is_object(o)) { json_decref(o); o = NULL; snprintf(perr, sizeof perr, "not a JSON object"); }
        if (!o) {
            snprintf(log->parseErr, sizeof log->parseErr, "invalidDid: line %zu: %.200s", log->n + 1, perr);
            break;
        }
        if (webvhPush(log, o, pos, ll) < 0) { json_decref(o); webvhFree(log); errSet(err, "out of memory"); return NULL; }
        pos += ll + 1;
    }
    if (log->n == 0) {
        errSet(err, "%s", log->parseErr[0] ? log->parseErr : "invalidDid: empty DID log");
        webvhFree(log);
        return NULL;
    }
    return log;
}

const webvhEntry *webvhHead(const webvhLog *log) {
    return log && log->verified ? &log->e[log->verified - 1] : NULL;
}

const char *webvhLine(const webvhLog *log, size_t i, size_t *len) {
    if (i >= log->n) return NULL;
    *len = log->e[i].len;
    return (const char *)log->text.p + log->e[i].off;
}

int webvhUsesWitnesses(const webvhLog *log) {
    for (size_t i = 0; i < log->n; i++) {
        json_t *p = json_object_get(log->e[i].obj, "parameters");
        json_t *w = json_object_get(p, "witness");
        if (json_is_object(w) && json_object_size(w) > 0) return 1;
    }
    return 0;
}

/* ---------- time (core/rfc3339: the project's one rule) ---------- */

int webvhParseTime(const char *s, double *t) {
    rfc3339Time rt;
    if (rfc3339Parse(s, &rt) < 0) return -1;
    *t = rfc3339Seconds(&rt);
    return 0;
}

void webvhFormatTime(long long t, char out[32]) {
    char s[RFC3339_MAX];
    rfc3339Format(t, s);
    memcpy(out, s, 21);   /* "YYYY-MM-DDTHH:MM:SSZ" + NUL for years 0000..9999 */
    out[20] = 0;
}

/* ---------- verification ---------- */

typedef struct vctx {
    const webvhOpts *o;
    double now, skew;
    buf j;                          /* JCS of the entry without proof, split at versionId */
    size_t pre;                     /* bytes before the versionId value */
    buf tmp;
    const char *code;
    char msg[ERR_MAX];
    struct { const char *mk; uint8_t pk[32]; } kc[8];   /* decoded update keys */
    int nkc;
} vctx;

static int fail(vctx *c, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(vctx *c, const char *code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    c->code = code;
    return -1;
}

/* keyOf: Ed25519 key of a multikey, cached per verification. */
static int keyOf(vctx *c, const char *mk, uint8_t pk[32]) {
    for (int i = 0; i < c->nkc; i++)
        if (!strcmp(c->kc[i].mk, mk)) { memcpy(pk, c->kc[i].pk, 32); return 0; }
    if (mkDecodeEd25519Pub(mk, pk, NULL) < 0) return -1;
    int slot = c->nkc < 8 ? c->nkc++ : 7;
    c->kc[slot].mk = mk;
    memcpy(c->kc[slot].pk, pk, 32);
    return 0;
}

static int isStrArray(const json_t *a) {
    size_t i;
    json_t *v;
    if (!json_is_array(a)) return 0;
    json_array_foreach(a, i, v) if (!json_is_string(v) || json_string_length(v) == 0) return 0;
    return 1;
}

static int strInArray(const json_t *a, const char *s) {
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) if (!strcmp(json_string_value(v), s)) return 1;
    return 0;
}

/* parseWitness: validate a non-empty `witness` parameter into w. */
static int parseWitness(vctx *c, json_t *wo, webvhWitness *w) {
    const char *k;
    json_t *v;
    json_object_foreach(wo, k, v)
        if (strcmp(k, "threshold") && strcmp(k, "witnesses"))
            return fail(c, "invalidParameters", "witness: unknown member '%s'", k);
    json_t *th = json_object_get(wo, "threshold"), *ws = json_object_get(wo, "witnesses");
    if (!json_is_number(th) || json_number_value(th) != floor(json_number_value(th)) || json_number_value(th) < 1)
        return fail(c, "invalidParameters", "witness: threshold must be an integer >= 1");
    if (!json_is_array(ws) || json_array_size(ws) == 0)
        return fail(c, "invalidParameters", "witness: witnesses must be a non-empty array");
    size_t n = json_array_size(ws);
    if (json_number_value(th) > (double)n)
        return fail(c, "invalidParameters", "witness: threshold %g exceeds the %zu distinct witnesses", json_number_value(th), n);
    w->ids = calloc(n, sizeof *w->ids);
    w->pks = calloc(n, sizeof *w->pks);
    if (!w->ids || !w->pks) return fail(c, "invalidDid", "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(ws, i);
        const char *id = jsonGetStr(x, "id");
        if (!json_is_object(x) || !id) return fail(c, "invalidParameters", "witness %zu: missing id", i + 1);
        if (strncmp(id, "did:key:", 8) || strchr(id, '#'))
            return fail(c, "invalidParameters", "witness %zu: id '%.80s' is not a did:key DID", i + 1, id);
        char e2[ERR_MAX];
        if (didkeyToPub(id, w->pks[i], e2) < 0)
            return fail(c, "invalidParameters", "witness %zu: %s", i + 1, e2);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(w->ids[j], id)) return fail(c, "invalidParameters", "witness: duplicate witness id %.80s", id);
        w->ids[i] = id;
    }
    w->n = n;
    w->threshold = (int)json_number_value(th);
    return 0;
}

/* applyParams: validate e's parameters and compute e->act, e->need. */
static int applyParams(vctx *c, const webvhEntry *prev, webvhEntry *e) {
    int first = prev == NULL;
    if (first) {
        memset(&e->act, 0, sizeof e->act);
        e->act.ttl = WEBVH_TTL_DEFAULT;
    } else {
        e->act = prev->act;
    }
    const char *k;
    json_t *v;
    int hasMethod = 0, hasKeys = 0, hasNext = 0, hasWitness = 0;
    json_object_foreach(e->params, k, v) {
        if (!strcmp(k, "method")) {
            if (!json_is_string(v) || strcmp(json_string_value(v), WEBVH_METHOD))
                return fail(c, "invalidDid", "parameters.method: '%.40s' is not a supported method version (only %s)",
                            json_is_string(v) ? json_string_value(v) : "?", WEBVH_METHOD);
            hasMethod = 1;
        } else if (!strcmp(k, "scid")) {
            if (!first) return fail(c, "invalidParameters", "parameters.scid may only appear in the first entry");
            if (!json_is_string(v) || json_string_length(v) != WEBVH_SCID_LEN || !didIsBase58(json_string_value(v), WEBVH_SCID_LEN))
                return fail(c, "invalidDid", "parameters.scid is not a base58btc SHA-256 multihash");
            e->act.scid = json_string_value(v);
        } else if (!strcmp(k, "updateKeys")) {
            if (!json_is_null(v) && !isStrArray(v)) return fail(c, "invalidParameters", "parameters.updateKeys must be an array of multikeys");
            size_t i;
            json_t *key;
            uint8_t pk[32];
            json_array_foreach(json_is_null(v) ? NULL : v, i, key)   /* no weak key may ever sign an entry */
                if (keyOf(c, json_string_value(key), pk) < 0)
                    return fail(c, "invalidParameters", "parameters.updateKeys[%zu] is not a strong Ed25519 multikey "
                                "(small-order, non-canonical or another key type)", i);
            e->act.updateKeys = json_is_null(v) ? NULL : v;
            hasKeys = 1;
        } else if (!strcmp(k, "nextKeyHashes")) {
            if (!json_is_null(v) && !isStrArray(v)) return fail(c, "invalidParameters", "parameters.nextKeyHashes must be an array of strings");
            e->act.nextKeyHashes = json_is_null(v) || json_array_size(v) == 0 ? NULL : v;
            hasNext = 1;
        } else if (!strcmp(k, "witness")) {
            if (!json_is_null(v) && !json_is_object(v)) return fail(c, "invalidParameters", "parameters.witness must be an object");
            if (json_is_object(v) && json_object_size(v) && parseWitness(c, v, &e->own) < 0) return -1;
            hasWitness = 1;
        } else if (!strcmp(k, "watchers")) {
            if (!json_is_null(v) && !isStrArray(v)) return fail(c, "invalidParameters", "parameters.watchers must be an array of URLs");
            e->act.watchers = json_is_null(v) || json_array_size(v) == 0 ? NULL : v;
        } else if (!strcmp(k, "portable")) {
            if (!json_is_boolean(v)) return fail(c, "invalidParameters", "parameters.portable must be a boolean");
            if (json_is_true(v) && !first) return fail(c, "invalidParameters", "parameters.portable: true is only allowed in the first entry");
            e->act.portable = json_is_true(v);
        } else if (!strcmp(k, "deactivated")) {
            if (!json_is_boolean(v)) return fail(c, "invalidParameters", "parameters.deactivated must be a boolean");
            e->act.deactivated = json_is_true(v);
        } else if (!strcmp(k, "ttl")) {
            double t = json_is_null(v) ? WEBVH_TTL_DEFAULT : json_number_value(v);
            if (!json_is_null(v) && (!json_is_number(v) || t != floor(t) || t < 0 || t > 2147483648.0))
                return fail(c, "invalidParameters", "parameters.ttl must be an integer from 0 to 2^31");
            e->act.ttl = (long long)t;
        } else {
            return fail(c, "invalidParameters", "parameters: unknown parameter '%.60s'", k);
        }
    }
    if (first && (!hasMethod || !e->act.scid || !hasKeys))
        return fail(c, "invalidParameters", "the first entry must set method, scid and updateKeys");
    if (!first && prev->act.deactivated)
        return fail(c, "invalidDid", "the DID was deactivated in the previous entry; no later entries are allowed");
    /* Witnesses: a new list takes effect after its entry, except when none were active. */
    e->need = (!first && prev->act.wit.threshold) ? prev->act.wit : e->own;
    if (hasWitness) e->act.wit = e->own, e->act.witness = json_object_get(e->params, "witness");
    if (!first && prev->act.prerotation) {
        if (!hasKeys) return fail(c, "invalidParameters", "pre-rotation is active: updateKeys must be present (no inheritance)");
        if (!hasNext) return fail(c, "invalidParameters", "pre-rotation is active: nextKeyHashes must be present");
        size_t i;
        json_t *key;
        json_array_foreach(e->act.updateKeys, i, key) {
            bufReset(&c->tmp);
            if (webvhKeyHash(json_string_value(key), &c->tmp) < 0) return fail(c, "invalidDid", "out of memory");
            if (!strInArray(prev->act.nextKeyHashes, (const char *)c->tmp.p))
                return fail(c, "invalidParameters", "pre-rotation: updateKeys[%zu] %.60s is not committed in the previous nextKeyHashes", i,
                            json_string_value(key));
        }
    }
    e->act.prerotation = e->act.nextKeyHashes != NULL;
    return 0;
}

/* checkVersionId: "<n>-<hash>", n = index + 1, one dash, base58 hash. */
static int checkVersionId(vctx *c, webvhEntry *e, size_t idx) {
    const char *s = e->versionId, *dash = strchr(s, '-');
    if (!dash || strchr(dash + 1, '-')) return fail(c, "invalidDid", "versionId must be <number>-<entryHash> with exactly one dash");
    unsigned long n = 0;
    if (dash == s || (s[0] == '0') || dash - s > 9) return fail(c, "invalidDid", "versionId: bad version number");
    for (const char *p = s; p < dash; p++) {
        if (*p < '0' || *p > '9') return fail(c, "invalidDid", "versionId: version number is not decimal");
        n = n * 10 + (unsigned long)(*p - '0');
    }
    if (n != idx + 1) return fail(c, "invalidDid", "versionId: version number %lu, expected %zu (no gaps)", n, idx + 1);
    size_t hl = strlen(dash + 1);
    if (hl == 0 || !didIsBase58(dash + 1, hl)) return fail(c, "invalidDid", "versionId: entryHash is not base58btc");
    e->versionNumber = n;
    return 0;
}

/* keyInObjectKeys: does any object key in v contain s (such a key makes the
 * SCID text replacement change JCS member order)? */
static int keyInObjectKeys(const json_t *v, const char *s) {
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, x) if (strstr(k, s) || keyInObjectKeys(x, s)) return 1;
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) if (keyInObjectKeys(x, s)) return 1;
    }
    return 0;
}

/* buildJcs: JCS of the entry without proof, split around the versionId value:
 * {"parameters":…,"state":…,"versionId":"<here>","versionTime":"…"} */
static int buildJcs(vctx *c, const webvhEntry *e) {
    char jerr[ERR_MAX];
    bufReset(&c->j);
    if (bufPuts(&c->j, "{\"parameters\":") < 0 || jcsAppend(e->params, &c->j, jerr) < 0 ||
        bufPuts(&c->j, ",\"state\":") < 0 || jcsAppend(e->state, &c->j, jerr) < 0 ||
        bufPuts(&c->j, ",\"versionId\":\"") < 0)
        return fail(c, "invalidDid", "JCS: cannot canonicalise the entry");
    c->pre = c->j.len;
    /* versionTime was validated (digits, '-', ':', '.', 'T', 'Z', '+'): no escaping needed. */
    if (bufPrintf(&c->j, "\",\"versionTime\":\"%s\"}", e->versionTime) < 0) return fail(c, "invalidDid", "out of memory");
    return 0;
}

/* hashWith: base58(multihash(JCS with versionId = vid)) into c->tmp, and the raw digest. */
static int hashWith(vctx *c, const char *vid, uint8_t digest[32]) {
    bufReset(&c->tmp);
    if (bufAppend(&c->tmp, c->j.p, c->pre) < 0 || bufPuts(&c->tmp, vid) < 0 ||
        bufAppend(&c->tmp, c->j.p + c->pre, c->j.len - c->pre) < 0)
        return -1;
    sha256(c->tmp.p, c->tmp.len, digest);
    return 0;
}

/* checkScid: spec "Verify SCID" on the first entry. */
static int checkScid(vctx *c, const webvhEntry *e) {
    const char *scid = e->act.scid;
    if (keyInObjectKeys(e->params, scid) || keyInObjectKeys(e->state, scid))
        return fail(c, "invalidDid", "SCID appears in an object key (not supported)");
    buf s = BUF_INIT, h = BUF_INIT;
    int rc = -1;
    const char *p = (const char *)c->j.p, *end = p + c->j.len, *q;
    size_t sl = strlen(scid);
    /* The prefix, "{SCID}" as versionId, the suffix; every scid occurrence replaced. */
    for (int part = 0; part < 3; part++) {
        const char *a = part == 0 ? p : part == 1 ? "{SCID}" : p + c->pre;
        const char *b = part == 0 ? p + c->pre : part == 1 ? a + 6 : end;
        while ((q = memmem(a, (size_t)(b - a), scid, sl))) {
            if (bufAppend(&s, a, (size_t)(q - a)) < 0 || bufPuts(&s, "{SCID}") < 0) goto out;
            a = q + sl;
        }
        if (bufAppend(&s, a, (size_t)(b - a)) < 0) goto out;
    }
    if (mhSha256B58(s.p, s.len, &h) < 0) goto out;
    rc = strcmp((const char *)h.p, scid) ? fail(c, "invalidDid", "SCID %s does not match the hash of the first entry (%s)", scid, (const char *)h.p) : 0;
out:
    if (rc < 0 && !c->code) fail(c, "invalidDid", "out of memory");
    bufFree(&s);
    bufFree(&h);
    return rc;
}

/* checkProofs: every proof is eddsa-jcs-2022 by an authorised update key over
 * docHash = SHA-256(JCS(entry without proof)). */
static int checkProofs(vctx *c, const webvhEntry *e, const json_t *keys, const uint8_t docHash[32]) {
    json_t *proofs = json_object_get(e->obj, "proof");
    if (!json_is_array(proofs) || json_array_size(proofs) == 0)
        return fail(c, "invalidDid", "proof: missing (a non-empty array of Data Integrity proofs is required)");
    size_t i;
    json_t *p;
    json_array_foreach(proofs, i, p) {
        const char *type = jsonGetStr(p, "type"), *cs = jsonGetStr(p, "cryptosuite"), *pp = jsonGetStr(p, "proofPurpose");
        const char *vm = jsonGetStr(p, "verificationMethod"), *pv = jsonGetStr(p, "proofValue");
        if (!type || strcmp(type, "DataIntegrityProof")) return fail(c, "invalidProof", "proof %zu: type must be DataIntegrityProof", i + 1);
        if (!cs || strcmp(cs, "eddsa-jcs-2022")) return fail(c, "invalidProof", "proof %zu: cryptosuite '%.40s' is not eddsa-jcs-2022", i + 1, cs ? cs : "");
        if (!pp || strcmp(pp, "assertionMethod")) return fail(c, "invalidProof", "proof %zu: proofPurpose must be assertionMethod", i + 1);
        if (!vm || strncmp(vm, "did:key:", 8)) return fail(c, "invalidProof", "proof %zu: verificationMethod must be a did:key", i + 1);
        const char *body = vm + 8, *hash = strchr(body, '#');
        size_t bl = hash ? (size_t)(hash - body) : strlen(body);
        if (hash && (strlen(hash + 1) != bl || memcmp(hash + 1, body, bl)))
            return fail(c, "invalidProof", "proof %zu: did:key body and fragment differ", i + 1);
        const char *mk = NULL;
        size_t k;
        json_t *kv;
        json_array_foreach(keys, k, kv) {
            const char *s = json_string_value(kv);
            if (strlen(s) == bl && !memcmp(s, body, bl)) { mk = s; break; }
        }
        if (!mk) return fail(c, "invalidProof", "proof %zu: key %.*s is not an authorised update key", i + 1, (int)(bl > 60 ? 60 : bl), body);
        uint8_t pk[32], hd[64];
        if (keyOf(c, mk, pk) < 0) return fail(c, "invalidProof", "proof %zu: update key is not an Ed25519 multikey", i + 1);
        bufReset(&c->tmp);
        if (!pv || mbDecode(pv, &c->tmp, NULL) < 0 || c->tmp.len != 64)
            return fail(c, "invalidProof", "proof %zu: proofValue must be a base58btc 64-byte signature", i + 1);
        uint8_t sig[64];
        memcpy(sig, c->tmp.p, 64);
        json_t *cfg = json_copy((json_t *)p);
        char jerr[ERR_MAX];
        bufReset(&c->tmp);
        int jr = cfg ? json_object_del(cfg, "proofValue") | jcsAppend(cfg, &c->tmp, jerr) : -1;
        json_decref(cfg);
        if (jr < 0) return fail(c, "invalidProof", "proof %zu: cannot canonicalise the proof options", i + 1);
        sha256(c->tmp.p, c->tmp.len, hd);
        memcpy(hd + 32, docHash, 32);
        if (crypto_sign_verify_detached(sig, hd, 64, pk) != 0)
            return fail(c, "invalidProof", "proof %zu: signature does not verify", i + 1);
    }
    return 0;
}

/* checkState: state.id is a bare did:webvh DID with the log's SCID; moves need portability. */
static int checkState(vctx *c, const webvhEntry *prev, webvhEntry *e) {
    const char *id = jsonGetStr(e->state, "id");
    if (!id) return fail(c, "invalidDid", "state.id: missing");
    didParts dp;
    char derr[ERR_MAX];
    if (didParse(id, DID_LOCALHOST, &dp, derr) < 0) return fail(c, "invalidDid", "state.id: %s", derr);
    size_t dl = dp.didLen;
    int scidOk = !strcmp(dp.scid, e->act.scid);
    didPartsFree(&dp);
    if (dl != strlen(id)) return fail(c, "invalidDid", "state.id must be a bare DID (no path, query or fragment)");
    if (!scidOk) return fail(c, "invalidDid", "state.id SCID differs from parameters.scid %s", e->act.scid);
    e->did = id;
    if (prev && strcmp(prev->did, id)) {
        if (!prev->act.portable) return fail(c, "invalidDid", "state.id changed from %.120s but the DID is not portable", prev->did);
        json_t *aka = json_object_get(e->state, "alsoKnownAs");
        if (!json_is_array(aka) || !isStrArray(aka) || !strInArray(aka, prev->did))
            return fail(c, "invalidDid", "portable move: alsoKnownAs must contain the prior DID %.120s", prev->did);
    }
    return 0;
}

/* webvhCheckEntry: every per-entry rule for entry idx (previous ones verified). */
int webvhCheckEntry(webvhLog *log, size_t idx, vctxPub *pub) {
    vctx *c = (vctx *)pub;
    webvhEntry *e = &log->e[idx], *prev = idx ? &log->e[idx - 1] : NULL;
    const char *k;
    json_t *v;
    json_object_foreach(e->obj, k, v)
        if (strcmp(k, "versionId") && strcmp(k, "versionTime") && strcmp(k, "parameters") && strcmp(k, "state") && strcmp(k, "proof"))
            return fail(c, "invalidDid", "unknown entry member '%.40s'", k);
    e->versionId = jsonGetStr(e->obj, "versionId");
    e->versionTime = jsonGetStr(e->obj, "versionTime");
    e->params = json_object_get(e->obj, "parameters");
    e->state = json_object_get(e->obj, "state");
    if (!e->versionId) return fail(c, "invalidDid", "versionId: missing or not a string");
    if (!e->versionTime) return fail(c, "invalidDid", "versionTime: missing or not a string");
    if (!json_is_object(e->params)) return fail(c, "invalidDid", "parameters: missing or not an object");
    if (!json_is_object(e->state)) return fail(c, "invalidDid", "state: missing or not an object");
    if (checkVersionId(c, e, idx) < 0) return -1;
    rfc3339Time vt;
    if (rfc3339Parse(e->versionTime, &vt) < 0)
        return fail(c, "invalidDid", "versionTime '%.40s' is not an RFC 3339 UTC time", e->versionTime);
    e->time = rfc3339Seconds(&vt);
    if (prev && e->time <= prev->time) return fail(c, "invalidDid", "versionTime %s is not after the previous entry's %s", e->versionTime, prev->versionTime);
    if (e->time > c->now + c->skew) return fail(c, "invalidDid", "versionTime %s is in the future", e->versionTime);
    if (applyParams(c, prev, e) < 0) return -1;
    if (checkState(c, prev, e) < 0) return -1;
    if (c->o && idx < c->o->trusted) return 0;   /* verified before: no crypto again */
    if (buildJcs(c, e) < 0) return -1;
    if (!prev && checkScid(c, e) < 0) return -1;
    uint8_t d[32];
    if (hashWith(c, prev ? prev->versionId : e->act.scid, d) < 0) return fail(c, "invalidDid", "out of memory");
    bufReset(&c->tmp);
    uint8_t mh[34] = {0x12, 0x20};
    memcpy(mh + 2, d, 32);
    if (b58Encode(mh, 34, &c->tmp) < 0) return fail(c, "invalidDid", "out of memory");
    if (strcmp((const char *)c->tmp.p, strchr(e->versionId, '-') + 1))
        return fail(c, "invalidDid", "entryHash does not match the entry (computed %s)", (const char *)c->tmp.p);
    if (hashWith(c, e->versionId, d) < 0) return fail(c, "invalidDid", "out of memory");
    const json_t *keys = (!prev || prev->act.prerotation) ? e->act.updateKeys : prev->act.updateKeys;
    if (!keys) return fail(c, "invalidProof", "no active updateKeys");
    return checkProofs(c, e, keys, d);
}

vctxPub *webvhCtxNew(const webvhOpts *o) {
    vctx *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->o = o;
    c->now = o && o->now ? o->now : (double)clockWallMs() / 1000;
    c->skew = o && o->futureSkew ? o->futureSkew : WEBVH_FUTURE_SKEW;
    return (vctxPub *)c;
}

void webvhCtxFree(vctxPub *pub) {
    vctx *c = (vctx *)pub;
    if (!c) return;
    bufFree(&c->j);
    bufFree(&c->tmp);
    free(c);
}

const char *webvhCtxError(vctxPub *pub, const char **code) {
    vctx *c = (vctx *)pub;
    if (code) *code = c->code ? c->code : "invalidDid";
    return c->msg;
}

/* ---------- witnesses ---------- */

typedef struct approval { const char *id; size_t idLen; size_t last; } approval;

/* witnessApprovals: for each witness did:key, the last entry index (< valid)
 * it approved with a valid proof in the did-witness.json. */
static size_t witnessApprovals(const webvhLog *log, size_t valid, const json_t *wf, approval *ap, size_t cap) {
    size_t na = 0, i, j;
    json_t *item, *p;
    if (!json_is_array(wf)) return 0;
    json_array_foreach(wf, i, item) {
        const char *vid = jsonGetStr(item, "versionId");
        json_t *proofs = json_object_get(item, "proof");
        if (!vid || !json_is_array(proofs)) continue;
        size_t idx = strtoul(vid, NULL, 10);
        if (idx == 0 || idx > valid || strcmp(log->e[idx - 1].versionId, vid)) continue;  /* not in this log */
        idx--;
        json_t *doc = json_pack("{ss}", "versionId", vid);
        json_array_foreach(proofs, j, p) {
            const char *vm = jsonGetStr(p, "verificationMethod"), *pp = jsonGetStr(p, "proofPurpose");
            if (!vm || strncmp(vm, "did:key:", 8) || !pp || strcmp(pp, "assertionMethod")) continue;
            const char *hash = strchr(vm, '#');
            /* did:key:<mb>#<mb>: the fragment must exist and equal the body. */
            if (!hash || strlen(hash + 1) != (size_t)(hash - vm - 8) || memcmp(hash + 1, vm + 8, (size_t)(hash - vm - 8))) continue;
            size_t idl = (size_t)(hash - vm);
            size_t a;
            for (a = 0; a < na; a++) if (ap[a].idLen == idl && !memcmp(ap[a].id, vm, idl)) break;
            if (a < na && ap[a].last >= idx) continue;  /* already counted at or after idx */
            uint8_t pk[32];
            char key[DIDKEY_MAX];
            if (idl >= sizeof key) continue;
            memcpy(key, vm, idl);
            key[idl] = 0;
            if (didkeyToPub(key, pk, NULL) < 0 || !doc || diVerify(doc, p, pk, NULL) < 0) continue;
            if (a == na) {
                if (na == cap) continue;
                ap[na].id = vm, ap[na].idLen = idl, na++;
            }
            ap[a].last = idx;
        }
        json_decref(doc);
    }
    return na;
}

/* checkWitnesses: the first entry in [from, valid) lacking its threshold, or valid. */
static size_t checkWitnesses(const webvhLog *log, size_t from, size_t valid, const json_t *wf, char *msg) {
    approval ap[256];
    size_t na = 0, i;
    int computed = 0;
    for (i = from; i < valid; i++) {
        const webvhWitness *w = &log->e[i].need;
        if (!w->threshold) continue;
        if (!computed) na = witnessApprovals(log, valid, wf, ap, 256), computed = 1;
        int got = 0;
        for (size_t k = 0; k < w->n; k++)
            for (size_t a = 0; a < na; a++)
                if (ap[a].idLen == strlen(w->ids[k]) && !memcmp(ap[a].id, w->ids[k], ap[a].idLen) && ap[a].last >= i) { got++; break; }
        if (got < w->threshold) {
            snprintf(msg, ERR_MAX, "witness: %d of %d required witness approvals for this or a later version%s", got, w->threshold,
                     wf ? "" : " (no did-witness.json)");
            return i;
        }
    }
    return valid;
}

size_t webvhCheckWitnesses(const webvhLog *log, size_t valid, const json_t *witnessProofs, char msg[ERR_MAX]) {
    msg[0] = 0;
    return checkWitnesses(log, 0, valid > log->n ? log->n : valid, witnessProofs, msg);
}

static void result(webvhResult *r, const webvhLog *log, size_t at, const char *code, const char *msg) {
    r->code = code;
    if (at < log->n && log->e[at].versionId)
        snprintf(r->error, sizeof r->error, "entry %zu (versionId %.60s): %s", at + 1, log->e[at].versionId, msg);
    else
        snprintf(r->error, sizeof r->error, "entry %zu: %s", at + 1, msg);
}

int webvhVerify(webvhLog *log, const webvhOpts *o, webvhResult *r) {
    static const webvhOpts none;
    if (!o) o = &none;
    memset(r, 0, sizeof *r);
    log->verified = 0;
    vctxPub *c = webvhCtxNew(o);
    if (!c) { r->code = "invalidDid"; snprintf(r->error, sizeof r->error, "out of memory"); return -1; }
    size_t i;
    for (i = 0; i < log->n; i++) {
        witnessFree(&log->e[i].own);
        if (webvhCheckEntry(log, i, c) < 0) {
            const char *code;
            const char *m = webvhCtxError(c, &code);
            result(r, log, i, code, m);
            break;
        }
    }
    webvhCtxFree(c);
    size_t valid = i;
    if (valid == log->n && log->parseErr[0]) {
        r->code = "invalidDid";
        snprintf(r->error, sizeof r->error, "%s", log->parseErr);
    }
    /* The DID resolved must carry the log's SCID and be some entry's state.id. */
    if (valid && o->did) {
        char scid[WEBVH_SCID_LEN + 1];
        size_t match = 0, dl = strcspn(o->did, "/?#");
        for (size_t k = 0; k < valid; k++) match += strlen(log->e[k].did) == dl && !strncmp(log->e[k].did, o->did, dl);
        if (didScidOf(o->did, scid) < 0 || strcmp(scid, log->e[0].act.scid)) {
            r->code = "invalidDid";
            snprintf(r->error, sizeof r->error, "the DID's SCID is not this log's SCID %s", log->e[0].act.scid);
            valid = 0;
        } else if (!match) {
            r->code = "invalidDid";
            snprintf(r->error, sizeof r->error, "no entry's state.id is the DID %.120s", o->did);
            valid = 0;
        }
    }
    if (!o->skipWitness && valid) {
        char msg[ERR_MAX];
        size_t w = checkWitnesses(log, o->trusted, valid, o->witnessProofs, msg);
        if (w < valid) {
            valid = w;
            result(r, log, w, "invalidDid", msg);
        }
    }
    r->valid = valid;
    log->verified = valid;
    r->ok = valid == log->n && !r->code;
    return r->ok ? 0 : -1;
}

int webvhKeyHash(const char *multikey, buf *out) {
    return mhSha256B58(multikey, strlen(multikey), out);
}
