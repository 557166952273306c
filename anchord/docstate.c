/* docstate.c -- assertion keys of a DID document; the next state for an event. */
#include <stdio.h>
#include <string.h>
#include "core/json.h"
#include "core/multiformat.h"
#include "anchord/docstate.h"

/* absId: ref made absolute against did ("#k" -> "<did>#k"). */
static void absId(const char *ref, const char *did, char *out, size_t cap) {
    if (ref[0] == '#') snprintf(out, cap, "%s%s", did, ref);
    else snprintf(out, cap, "%s", ref);
}

/* findMethod: the verificationMethod object whose (absolute) id is abs, or NULL. */
static json_t *findMethod(const json_t *state, const char *did, const char *abs) {
    size_t i;
    json_t *vm;
    char id[DIDREG_DID_MAX];
    json_array_foreach(json_object_get(state, "verificationMethod"), i, vm) {
        const char *s = jsonGetStr(vm, "id");
        if (!s) continue;
        absId(s, did, id, sizeof id);
        if (!strcmp(id, abs)) return vm;
    }
    return NULL;
}

int docAssertionKeys(const json_t *state, const char *did, didKey keys[DIDREG_MAX_KEYS], char *err) {
    const json_t *am = json_object_get(state, "assertionMethod");
    if (am && !json_is_array(am)) return errSet(err, "assertionMethod is not an array");
    size_t i, n = 0;
    json_t *it;
    json_array_foreach(am, i, it) {
        char abs[DIDREG_DID_MAX];
        const json_t *vm = it;
        if (json_is_string(it)) {
            absId(json_string_value(it), did, abs, sizeof abs);
            vm = findMethod(state, did, abs);
        } else if (json_is_object(it) && jsonGetStr(it, "id")) {
            absId(jsonGetStr(it, "id"), did, abs, sizeof abs);
        } else continue;
        const char *mk = jsonGetStr(vm, "publicKeyMultibase");
        uint8_t pk[32];
        if (!mk || mkDecodeEd25519Pub(mk, pk, NULL) < 0 || strlen(abs) >= DIDREG_DID_MAX ||
            strlen(mk) >= MULTIKEY_PUB_MAX || n == DIDREG_MAX_KEYS)
            continue;
        snprintf(keys[n].vm, sizeof keys[n].vm, "%s", abs);
        snprintf(keys[n].multikey, sizeof keys[n].multikey, "%s", mk);
        n++;
    }
    return (int)n;
}

const char *docEventId(const json_t *state) { return jsonGetStr(json_object_get(state, "event"), "id"); }

/* dropRefs: remove from the array member `rel` of doc every item (reference string or
 * embedded method) whose absolute id is one of ids[0..n). */
static void dropRefs(json_t *doc, const char *rel, const char *did, char ids[][DIDREG_DID_MAX], size_t n) {
    json_t *arr = json_object_get(doc, rel);
    if (!json_is_array(arr)) return;
    for (size_t i = json_array_size(arr); i-- > 0;) {
        json_t *it = json_array_get(arr, i);
        const char *s = json_is_string(it) ? json_string_value(it) : jsonGetStr(it, "id");
        if (!s) continue;
        char abs[DIDREG_DID_MAX];
        absId(s, did, abs, sizeof abs);
        for (size_t k = 0; k < n; k++)
            if (!strcmp(abs, ids[k])) { json_array_remove(arr, i); break; }
    }
}

/* methodKeyCheck: vm's publicKeyMultibase, when it is an Ed25519 multikey, is strong. */
static int methodKeyCheck(const json_t *vm, char *err) {
    const char *mk = jsonGetStr(vm, "publicKeyMultibase");
    if (!mk) return 0;
    buf b = BUF_INIT;
    uint8_t pk[32];
    char e[ERR_MAX];
    int rc = 0;
    if (mbDecode(mk, &b, NULL) == 0 && b.len >= 2 && b.p[0] == 0xed && b.p[1] == 0x01 && mkDecodeEd25519Pub(mk, pk, e) < 0)
        rc = errSet(err, "verification method %.120s: %s", jsonGetStr(vm, "id") ? jsonGetStr(vm, "id") : "(no id)", e);
    bufFree(&b);
    return rc;
}

int docKeysCheck(const json_t *state, char *err) {
    static const char *const rels[] = {"verificationMethod", "assertionMethod", "authentication",
                                       "capabilityInvocation", "capabilityDelegation", "keyAgreement"};
    for (size_t r = 0; r < sizeof rels / sizeof *rels; r++) {
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(state, rels[r]), i, it)
            if (json_is_object(it) && methodKeyCheck(it, err) < 0) return -1;
    }
    return 0;
}

int docRotationKey(const json_t *event, char *err) {
    const char *mk = jsonGetStr(json_object_get(event, "data"), "publicKeyMultibase");
    uint8_t pk[32];
    char e[ERR_MAX];
    if (!mk) return errSet(err, "KeyRotation: data.publicKeyMultibase is missing");
    if (mkDecodeEd25519Pub(mk, pk, e) < 0) return errSet(err, "KeyRotation: data.publicKeyMultibase: %s", e);
    return 0;
}

/* rotate: apply a KeyRotation to doc (a copy we own). */
static int rotate(json_t *doc, const json_t *event, const char *did, unsigned long version, char *err) {
    const char *mk = jsonGetStr(json_object_get(event, "data"), "publicKeyMultibase");
    if (docRotationKey(event, err) < 0) return -1;
    didKey cur[DIDREG_MAX_KEYS];
    int n = docAssertionKeys(doc, did, cur, err);
    if (n < 0) return -1;
    char old[DIDREG_MAX_KEYS][DIDREG_DID_MAX];
    for (int i = 0; i < n; i++) {
        if (!strcmp(cur[i].multikey, mk)) return errSet(err, "KeyRotation: %.60s is already the assertion key", mk);
        memcpy(old[i], cur[i].vm, DIDREG_DID_MAX);
    }
    static const char *const rels[] = {"assertionMethod", "verificationMethod", "authentication",
                                       "capabilityInvocation", "capabilityDelegation", "keyAgreement"};
    for (size_t r = 0; r < sizeof rels / sizeof *rels; r++) dropRefs(doc, rels[r], did, old, (size_t)n);
    char id[DIDREG_DID_MAX];
    snprintf(id, sizeof id, "%s#key-%lu", did, version);
    if (findMethod(doc, did, id)) return errSet(err, "KeyRotation: method %s exists already", id);
    json_t *vms = json_object_get(doc, "verificationMethod");
    if (!json_is_array(vms)) json_object_set_new(doc, "verificationMethod", vms = json_array());
    json_array_append_new(vms, json_pack("{s:s,s:s,s:s,s:s}", "id", id, "type", "Multikey", "controller", did,
                                         "publicKeyMultibase", mk));
    json_object_set_new(doc, "assertionMethod", json_pack("[s]", id));
    return 0;
}

json_t *docNextState(const json_t *prev, const json_t *event, const char *did, unsigned long versionNumber,
                     char *err) {
    json_t *doc = json_deep_copy(prev);
    if (!doc) { errSet(err, "out of memory"); return NULL; }
    const char *type = jsonGetStr(event, "type");
    if (type && !strcmp(type, DOCSTATE_ROTATION) && rotate(doc, event, did, versionNumber, err) < 0) {
        json_decref(doc);
        return NULL;
    }
    json_object_set_new(doc, "event", json_deep_copy(event));
    return doc;
}
