/* docstate.c -- the next state of a DID document for an event; key strength checks. */
#include <stdio.h>
#include <string.h>
#include "core/buf.h"
#include "core/json.h"
#include "core/multiformat.h"
#include "verifier/event/docstate.h"

json_t *docNextState(const json_t *prev, const json_t *event, const char *did, unsigned long versionNumber,
                     char *err) {
    const char *id = jsonGetStr(prev, "id");
    if (!id || strcmp(id, did)) {
        errSet(err, "the log's head is not a document of %.200s", did);
        return NULL;
    }
    return docApply(prev, event, versionNumber, err);
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
