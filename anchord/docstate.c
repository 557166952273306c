/* docstate.c -- assertion keys of a DID document for the registry; the next state for an event. */
#include <stdio.h>
#include <string.h>
#include "core/json.h"
#include "anchord/docstate.h"

_Static_assert(sizeof(((didKey *)0)->vm) == sizeof(((docKey *)0)->vm) &&
                   sizeof(((didKey *)0)->multikey) == sizeof(((docKey *)0)->mk), "didKey and docKey hold the same strings");

int docAssertionKeys(const json_t *state, const char *did, didKey keys[DIDREG_MAX_KEYS], char *err) {
    (void)did, (void)err;
    docKey k[DIDREG_MAX_KEYS];
    size_t n = docSigningKeys(state, k, DIDREG_MAX_KEYS);
    for (size_t i = 0; i < n; i++) {
        memcpy(keys[i].vm, k[i].vm, sizeof keys[i].vm);
        memcpy(keys[i].multikey, k[i].mk, sizeof keys[i].multikey);
    }
    return (int)n;
}

json_t *docNextState(const json_t *prev, const json_t *event, const char *did, unsigned long versionNumber,
                     char *err) {
    const char *id = jsonGetStr(prev, "id");
    if (!id || strcmp(id, did)) {
        errSet(err, "the log's head is not a document of %.200s", did);
        return NULL;
    }
    return docApply(prev, event, versionNumber, err);
}
