/* docevent.c -- the DID documents of a history: entry kinds, the event rules, docApply. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/di.h"
#include "core/json.h"
#include "core/multiformat.h"
#include "verifier/event/docevent.h"
#include "verifier/event/event.h"

#define ROT_MAX 64   /* assertion methods a KeyRotation removes (every one a document lists) */

/* The members of a DID document that name or hold keys (W3C DID Core §5.3). */
static const char *const keyMembers[] = {"assertionMethod", "verificationMethod", "authentication",
                                         "capabilityInvocation", "capabilityDelegation", "keyAgreement"};

/* absId: ref made absolute against did ("#k" -> "<did>#k"). 0, or -1 when too long. */
static int absId(const char *ref, const char *did, char out[DOC_VM_MAX]) {
    int n = ref[0] == '#' ? snprintf(out, DOC_VM_MAX, "%s%s", did, ref) : snprintf(out, DOC_VM_MAX, "%s", ref);
    return n < 0 || n >= DOC_VM_MAX ? -1 : 0;
}

/* sameId: ref (absolute, or "#frag" relative to did) names the id want (absolute or relative). */
static int sameId(const char *did, const char *ref, const char *want) {
    size_t dl = strlen(did);
    if (!ref || !want) return 0;
    if (ref[0] == '#' && want[0] == '#') return !strcmp(ref, want);
    if (ref[0] == '#') return !strncmp(want, did, dl) && !strcmp(want + dl, ref);
    if (want[0] == '#') return !strncmp(ref, did, dl) && !strcmp(ref + dl, want);
    return !strcmp(ref, want);
}

/* methodKey: the multikey of verification method object vm ("Multikey" type). */
static const char *methodKey(const json_t *vm) {
    const char *t = jsonGetStr(vm, "type");
    return t && !strcmp(t, "Multikey") ? jsonGetStr(vm, "publicKeyMultibase") : NULL;
}

/* assertionAt: the verification method object of an assertionMethod item (embedded,
 * or a reference resolved in verificationMethod), or NULL. */
static const json_t *assertionAt(const json_t *doc, const json_t *item) {
    const char *did = jsonGetStr(doc, "id");
    if (json_is_object(item)) return item;
    if (!json_is_string(item) || !did) return NULL;
    size_t i;
    json_t *vm;
    json_array_foreach(json_object_get(doc, "verificationMethod"), i, vm)
        if (sameId(did, jsonGetStr(vm, "id"), json_string_value(item))) return vm;
    return NULL;
}

size_t docSigningKeys(const json_t *doc, docKey *keys, size_t max) {
    const char *did = jsonGetStr(doc, "id");
    size_t i, n = 0;
    json_t *item;
    uint8_t pk[32];
    if (!did) return 0;
    json_array_foreach(json_object_get(doc, "assertionMethod"), i, item) {
        const json_t *m = assertionAt(doc, item);
        const char *id = m ? jsonGetStr(m, "id") : NULL, *mk = m ? methodKey(m) : NULL;
        if (n == max || !id || !mk || strlen(mk) >= MULTIKEY_PUB_MAX || mkDecodeEd25519Pub(mk, pk, NULL) < 0 ||
            absId(id, did, keys[n].vm) < 0)
            continue;
        snprintf(keys[n].mk, sizeof keys[n].mk, "%s", mk);
        n++;
    }
    return n;
}

int docAssertionKey(const json_t *doc, const char *vm, uint8_t pk[32], char reason[ERR_MAX]) {
    const char *did = jsonGetStr(doc, "id");
    size_t i;
    json_t *item;
    if (!did) return errSet(reason, "the DID document has no id"), DOC_BAD_SIGNATURE;
    json_array_foreach(json_object_get(doc, "assertionMethod"), i, item) {
        const json_t *m = assertionAt(doc, item);
        if (!m || !sameId(did, jsonGetStr(m, "id"), vm)) continue;
        const char *mk = methodKey(m);
        char e[ERR_MAX];
        if (!mk) return errSet(reason, "assertion method %.100s is not a Multikey", vm), DOC_BAD_SIGNATURE;
        if (mkDecodeEd25519Pub(mk, pk, e) < 0) return errSet(reason, "assertion method %.100s: %s", vm, e), DOC_BAD_SIGNATURE;
        return DOC_OK;
    }
    size_t dl = strlen(did);
    const char *shown = !strncmp(vm, did, dl) && vm[dl] == '#' ? vm + dl : vm;   /* the fragment says which key */
    return errSet(reason, "key %.120s is not an assertionMethod", shown), DOC_BAD_SIGNATURE;
}

const char *docEventId(const json_t *doc) {
    const json_t *ev = json_object_get(doc, "event");
    return ev ? eventId(ev) : NULL;
}

/* ---- docApply ---- */

/* findMethod: the verificationMethod object whose absolute id is abs, or NULL. */
static json_t *findMethod(const json_t *doc, const char *did, const char *abs) {
    size_t i;
    json_t *vm;
    char id[DOC_VM_MAX];
    json_array_foreach(json_object_get(doc, "verificationMethod"), i, vm) {
        const char *s = jsonGetStr(vm, "id");
        if (s && absId(s, did, id) == 0 && !strcmp(id, abs)) return vm;
    }
    return NULL;
}

/* dropRefs: remove from the array member `rel` of doc every item (reference or embedded
 * method) whose absolute id is one of ids[0..n). */
static void dropRefs(json_t *doc, const char *rel, const char *did, char ids[][DOC_VM_MAX], size_t n) {
    json_t *arr = json_object_get(doc, rel);
    if (!json_is_array(arr)) return;
    for (size_t i = json_array_size(arr); i-- > 0;) {
        json_t *it = json_array_get(arr, i);
        const char *s = json_is_string(it) ? json_string_value(it) : jsonGetStr(it, "id");
        char abs[DOC_VM_MAX];
        if (!s || absId(s, did, abs) < 0) continue;
        for (size_t k = 0; k < n; k++)
            if (!strcmp(abs, ids[k])) { json_array_remove(arr, i); break; }
    }
}

/* rotate: apply a KeyRotation event to doc (a copy the caller owns). 0 / -1 + reason. */
static int rotate(json_t *doc, const json_t *ev, const char *did, unsigned long version, char *reason) {
    const char *mk = jsonGetStr(json_object_get(ev, "data"), "publicKeyMultibase");
    uint8_t pk[32];
    char e[ERR_MAX], id[DOC_VM_MAX];
    if (!mk) return errSet(reason, "KeyRotation: data.publicKeyMultibase is missing");
    if (strlen(mk) >= MULTIKEY_PUB_MAX || mkDecodeEd25519Pub(mk, pk, e) < 0)
        return errSet(reason, "KeyRotation: data.publicKeyMultibase: %s", strlen(mk) >= MULTIKEY_PUB_MAX ? "too long" : e);
    docKey cur[ROT_MAX];
    size_t nk = docSigningKeys(doc, cur, ROT_MAX);
    for (size_t i = 0; i < nk; i++)
        if (!strcmp(cur[i].mk, mk)) return errSet(reason, "KeyRotation: %.60s is already the assertion key", mk);
    char (*old)[DOC_VM_MAX] = malloc(ROT_MAX * sizeof *old);
    size_t n = 0, i;
    json_t *item;
    if (!old) return errSet(reason, "out of memory");
    json_array_foreach(json_object_get(doc, "assertionMethod"), i, item) {   /* every one, usable or not */
        const char *s = json_is_string(item) ? json_string_value(item) : jsonGetStr(item, "id");
        if (s && n < ROT_MAX && absId(s, did, old[n]) == 0) n++;
    }
    for (size_t r = 0; r < sizeof keyMembers / sizeof *keyMembers; r++) dropRefs(doc, keyMembers[r], did, old, n);
    free(old);
    snprintf(id, sizeof id, "%.480s#key-%lu", did, version);
    if (findMethod(doc, did, id)) return errSet(reason, "KeyRotation: method %s exists already", id);
    json_t *vms = json_object_get(doc, "verificationMethod");
    if (!json_is_array(vms)) json_object_set_new(doc, "verificationMethod", vms = json_array());
    json_array_append_new(vms, json_pack("{s:s,s:s,s:s,s:s}", "id", id, "type", "Multikey", "controller", did,
                                         "publicKeyMultibase", mk));
    json_object_set_new(doc, "assertionMethod", json_pack("[s]", id));
    return 0;
}

static int isRotation(const json_t *ev) {
    const char *t = jsonGetStr(ev, "type");
    return t && !strcmp(t, DOCEVENT_KEY_ROTATION);
}

json_t *docApply(const json_t *prev, const json_t *ev, unsigned long version, char reason[ERR_MAX]) {
    const char *did = jsonGetStr(prev, "id");
    if (!did) { errSet(reason, "the previous DID document has no id"); return NULL; }
    json_t *doc = json_deep_copy(prev), *evc = json_deep_copy(ev);
    if (!doc || !evc || json_object_set_new(doc, "event", evc) < 0) {
        json_decref(doc);
        errSet(reason, "out of memory");
        return NULL;
    }
    if (isRotation(ev) && rotate(doc, ev, did, version, reason) < 0) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* ---- the checks ---- */

/* shape: the six members with the right types, nothing else; a credential: its schema
 * (eventValidate without a clock: what was valid when anchored stays so). */
static int shape(const json_t *ev, char *reason) {
    static const char *const str[] = {"id", "did", "type", "time"};
    if (!json_is_object(ev)) return errSet(reason, "event: must be an object");
    if (eventIsCredential(ev)) {
        event parsed;
        char e[ERR_MAX];
        if (eventValidate((json_t *)ev, NULL, &parsed, e) != EVENT_OK) return errSet(reason, "event: %s", e);
        return 0;
    }
    if (json_object_size(ev) != 6) return errSet(reason, "event: must have exactly id, did, type, time, data, proof");
    for (int i = 0; i < 4; i++)
        if (!json_is_string(json_object_get(ev, str[i]))) return errSet(reason, "event: \"%s\" must be a string", str[i]);
    if (!json_is_object(json_object_get(ev, "data"))) return errSet(reason, "event: \"data\" must be an object");
    if (!json_is_object(json_object_get(ev, "proof"))) return errSet(reason, "event: \"proof\" must be one proof object");
    return 0;
}

/* signedFor: ev signed for keysDoc's DID by one of keysDoc's assertion keys (whose
 * = "of the previous version", "of the genesis document"), its id unused in seenIds. */
static int signedFor(const json_t *keysDoc, const json_t *ev, const char *whose, const json_t *seenIds, char *reason) {
    char e[ERR_MAX];
    uint8_t pk[32];
    if (shape(ev, reason) < 0) return DOC_INVALID;
    const char *id = eventId(ev), *did = eventDid(ev), *keysDid = jsonGetStr(keysDoc, "id");
    if (!keysDid || strcmp(did, keysDid)) return errSet(reason, "event: signed for %.120s, not for this DID", did), DOC_INVALID;
    if (json_object_get(seenIds, id)) return errSet(reason, "event: id %.100s was already used (replay)", id), DOC_INVALID;
    const json_t *proof = json_object_get(ev, "proof");
    const char *vm = jsonGetStr(proof, "verificationMethod");
    if (!vm) return errSet(reason, "event: proof has no verificationMethod"), DOC_BAD_SIGNATURE;
    if (docAssertionKey(keysDoc, vm, pk, e) < 0) return errSet(reason, "event: %s %s", e, whose), DOC_BAD_SIGNATURE;
    if (diVerify(ev, proof, pk, e) < 0) return errSet(reason, "event: signature: %s", e), DOC_BAD_SIGNATURE;
    return DOC_OK;
}

/* keyCmp / sameKeys: the signing keys of two documents are the same set (vm id + key). */
static int keyCmp(const void *x, const void *y) {
    const docKey *a = x, *b = y;
    int c = strcmp(a->vm, b->vm);
    return c ? c : strcmp(a->mk, b->mk);
}

static int sameKeys(const json_t *a, const json_t *b) {
    docKey *ka = malloc(2 * ROT_MAX * sizeof *ka), *kb = ka ? ka + ROT_MAX : NULL;
    if (!ka) return 0;
    size_t na = docSigningKeys(a, ka, ROT_MAX), nb = docSigningKeys(b, kb, ROT_MAX);
    qsort(ka, na, sizeof *ka, keyCmp);
    qsort(kb, nb, sizeof *kb, keyCmp);
    int same = na == nb;
    for (size_t i = 0; same && i < na; i++) same = !keyCmp(&ka[i], &kb[i]);
    free(ka);
    return same;
}

/* firstDiff: the first member (of want, then of got) whose values differ, ignoring skip; NULL when none. */
static const char *firstDiff(const json_t *want, const json_t *got, const char *skip) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)want, k, v)
        if ((!skip || strcmp(k, skip)) && !json_equal(v, json_object_get(got, k))) return k;
    json_object_foreach((json_t *)got, k, v)
        if ((!skip || strcmp(k, skip)) && !json_object_get(want, k)) return k;
    return NULL;
}

/* diffReason: why got is not the document wanted (member k differs); kind and the
 * event say which rule. Returns DOC_INVALID. */
static int diffReason(const json_t *want, const json_t *got, const char *k, unsigned long version, docKind kind,
                      const json_t *ev, char *reason) {
    if (!sameKeys(want, got)) {
        if (kind == DOC_KIND_MAINTENANCE)
            return errSet(reason, "version %lu changes the assertion keys in an entry without a new event (only a "
                                  "KeyRotation signed by a key of version %lu may change them)", version, version - 1), DOC_INVALID;
        if (!isRotation(ev))
            return errSet(reason, "version %lu changes the assertion keys without a KeyRotation event (only a KeyRotation "
                                  "signed by a key of version %lu may change them)", version, version - 1), DOC_INVALID;
        return errSet(reason, "version %lu: the assertion keys are not exactly the KeyRotation's key %.60s", version,
                      jsonGetStr(json_object_get(ev, "data"), "publicKeyMultibase")), DOC_INVALID;
    }
    if (kind == DOC_KIND_MAINTENANCE)
        return errSet(reason, "version %lu changes \"%.60s\" of the DID document in an entry without a new event "
                              "(publisher maintenance changes parameters only)", version, k), DOC_INVALID;
    return errSet(reason, "version %lu changes \"%.60s\" of the DID document: an event entry is the previous document "
                          "with its event applied, nothing else", version, k), DOC_INVALID;
}

/* genesisCheck: the event a genesis document embeds, if any. */
static int genesisCheck(const json_t *doc, json_t *seenIds, char *reason) {
    const json_t *ev = json_object_get(doc, "event");
    if (!ev) return DOC_OK;
    int rc = signedFor(doc, ev, "of the genesis document", seenIds, reason);
    if (rc) return rc;
    if (isRotation(ev)) return errSet(reason, "event: a genesis event cannot be a KeyRotation (no key before it)"), DOC_INVALID;
    json_object_set_new(seenIds, eventId(ev), json_true());
    return DOC_OK;
}

/* maintenanceCheck: an entry without a new event leaves the document as it was. */
static int maintenanceCheck(const json_t *prev, const json_t *doc, const json_t *params, unsigned long version,
                            char *reason) {
    if (!json_object_get(doc, "event") && json_object_get(prev, "event"))
        return errSet(reason, "version %lu drops the signed event of version %lu (an entry without a new event leaves "
                              "the document unchanged)", version, version - 1), DOC_INVALID;
    const char *k = firstDiff(prev, doc, NULL);
    if (k) return diffReason(prev, doc, k, version, DOC_KIND_MAINTENANCE, NULL, reason);
    if (!json_object_size(params))
        return errSet(reason, "version %lu carries no new event and changes no parameter", version), DOC_INVALID;
    return DOC_OK;
}

/* eventEntryCheck: a new event, signed by a key of prev, and doc = docApply(prev, event). */
static int eventEntryCheck(const json_t *prev, const json_t *doc, unsigned long version, json_t *seenIds, char *reason) {
    const json_t *ev = json_object_get(doc, "event");
    char e[ERR_MAX];
    int rc = signedFor(prev, ev, "of the previous version", seenIds, reason);
    if (rc) return rc;
    if (!isRotation(ev)) {   /* the common case, without a copy: everything but "event" unchanged */
        const char *k = firstDiff(prev, doc, "event");
        if (k) return diffReason(prev, doc, k, version, DOC_KIND_EVENT, ev, reason);
    } else {
        json_t *want = docApply(prev, ev, version, e);
        if (!want) return errSet(reason, "event: %s", e), DOC_INVALID;
        const char *k = firstDiff(want, doc, NULL);
        rc = k ? diffReason(want, doc, k, version, DOC_KIND_EVENT, ev, reason) : DOC_OK;
        json_decref(want);
        if (rc) return rc;
    }
    json_object_set_new(seenIds, eventId(ev), json_true());
    return DOC_OK;
}

int docEntryCheck(const json_t *prevDoc, const json_t *doc, const json_t *params, unsigned long version,
                  json_t *seenIds, docKind *kind, char reason[ERR_MAX]) {
    docKind k = !prevDoc ? DOC_KIND_GENESIS : DOC_KIND_EVENT;
    const json_t *ev = json_object_get(doc, "event"), *pev = json_object_get(prevDoc, "event");
    if (prevDoc && (!ev || (pev && json_equal(ev, pev)))) k = DOC_KIND_MAINTENANCE;
    if (kind) *kind = k;
    if (!json_is_object(doc)) return errSet(reason, "the DID document is not an object"), DOC_INVALID;
    if (k == DOC_KIND_GENESIS) return genesisCheck(doc, seenIds, reason);
    if (k == DOC_KIND_MAINTENANCE) return maintenanceCheck(prevDoc, doc, params, version, reason);
    return eventEntryCheck(prevDoc, doc, version, seenIds, reason);
}

int docLogCheck(const webvhLog *log, size_t n, char reason[ERR_MAX]) {
    json_t *seen = json_object();
    char e[ERR_MAX];
    int rc = seen ? DOC_OK : errSet(reason, "out of memory");
    for (size_t i = 0; i < n && i < log->n && rc == DOC_OK; i++) {
        rc = docEntryCheck(i ? log->e[i - 1].state : NULL, log->e[i].state, log->e[i].params, (unsigned long)i + 1, seen,
                           NULL, e);
        if (rc) errSet(reason, "entry %zu (versionId %.60s): %s", i + 1, log->e[i].versionId ? log->e[i].versionId : "?", e);
    }
    json_decref(seen);
    return rc;
}
