/* docevent.c -- the embedded signed event of a DID log entry, checked against the previous document. */
#include <stdio.h>
#include <string.h>
#include "core/di.h"
#include "core/json.h"
#include "core/multiformat.h"
#include "verifier/docevent.h"

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

/* assertionAt: the verification method object of assertionMethod[i] (an
 * embedded object, or a reference resolved in verificationMethod), or NULL. */
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

int docAssertionKey(const json_t *doc, const char *vm, uint8_t pk[32], char reason[ERR_MAX]) {
    const char *did = jsonGetStr(doc, "id");
    size_t i;
    json_t *item;
    if (!did) return errSet(reason, "the previous DID document has no id");
    json_array_foreach(json_object_get(doc, "assertionMethod"), i, item) {
        const json_t *m = assertionAt(doc, item);
        if (!m || !sameId(did, jsonGetStr(m, "id"), vm)) continue;
        const char *mk = methodKey(m);
        char e[ERR_MAX];
        if (!mk) return errSet(reason, "assertion method %.100s is not a Multikey", vm);
        if (mkDecodeEd25519Pub(mk, pk, e) < 0) return errSet(reason, "assertion method %.100s: %s", vm, e);
        return 0;
    }
    size_t dl = strlen(did);
    const char *shown = !strncmp(vm, did, dl) && vm[dl] == '#' ? vm + dl : vm;   /* the fragment says which key */
    return errSet(reason, "key %.120s is not an assertionMethod of the previous version", shown);
}

int docHasAssertionMultikey(const json_t *doc, const char *mk) {
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(doc, "assertionMethod"), i, item) {
        const json_t *m = assertionAt(doc, item);
        const char *k = m ? methodKey(m) : NULL;
        if (k && !strcmp(k, mk)) return 1;
    }
    return 0;
}

/* shape: the six members with the right types, nothing else. */
static int shape(const json_t *ev, char *reason) {
    static const char *const str[] = {"id", "did", "type", "time"};
    if (!json_is_object(ev)) return errSet(reason, "event: must be an object");
    if (json_object_size(ev) != 6) return errSet(reason, "event: must have exactly id, did, type, time, data, proof");
    for (int i = 0; i < 4; i++)
        if (!json_is_string(json_object_get(ev, str[i]))) return errSet(reason, "event: \"%s\" must be a string", str[i]);
    if (!json_is_object(json_object_get(ev, "data"))) return errSet(reason, "event: \"data\" must be an object");
    if (!json_is_object(json_object_get(ev, "proof"))) return errSet(reason, "event: \"proof\" must be one proof object");
    return 0;
}

int docEventCheck(const json_t *prevDoc, const json_t *doc, json_t *seenIds, char reason[ERR_MAX]) {
    const json_t *ev = json_object_get(doc, "event");
    char e[ERR_MAX];
    uint8_t pk[32];
    if (!ev) return errSet(reason, "event: the entry carries no signed event");
    if (shape(ev, reason) < 0) return -1;
    const char *id = jsonGetStr(ev, "id"), *did = jsonGetStr(ev, "did"), *type = jsonGetStr(ev, "type");
    const char *prevDid = jsonGetStr(prevDoc, "id");
    if (!prevDid || strcmp(did, prevDid)) return errSet(reason, "event: signed for %.120s, not for this DID", did);
    if (json_object_get(seenIds, id)) return errSet(reason, "event: id %.100s was already used (replay)", id);
    const json_t *proof = json_object_get(ev, "proof");
    const char *vm = jsonGetStr(proof, "verificationMethod");
    if (!vm) return errSet(reason, "event: proof has no verificationMethod");
    if (docAssertionKey(prevDoc, vm, pk, e) < 0) return errSet(reason, "event: %s", e);
    if (diVerify(ev, proof, pk, e) < 0) return errSet(reason, "event: signature: %s", e);
    if (!strcmp(type, DOCEVENT_KEY_ROTATION)) {
        const char *mk = jsonGetStr(json_object_get(ev, "data"), "publicKeyMultibase");
        if (!mk) return errSet(reason, "event: KeyRotation without data.publicKeyMultibase");
        if (!docHasAssertionMultikey(doc, mk))
            return errSet(reason, "event: KeyRotation key %.60s is not an assertion key of the version it creates", mk);
    }
    json_object_set_new(seenIds, id, json_true());
    return 0;
}
