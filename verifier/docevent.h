/* docevent.h -- the signed lifecycle event each non-genesis DID log entry
 * carries in its DID document (top-level member "event", DESIGN.md §3:
 * {"id","did","type","time","data","proof"} with an eddsa-jcs-2022 proof), checked
 * against the document version that was current BEFORE that entry: the event's
 * verificationMethod must be in that version's assertionMethod. So a key rotated
 * out stays valid for the history it signed, never for later events. A
 * "KeyRotation" event's data.publicKeyMultibase must be an assertion key of the
 * document of the entry it creates. */
#ifndef WA_DOCEVENT_H
#define WA_DOCEVENT_H
#include <jansson.h>
#include "core/err.h"

#define DOCEVENT_KEY_ROTATION "KeyRotation"

/* docEventCheck: the event in doc (this entry's state) against prevDoc (the
 * previous entry's state, whose id is the DID the event was signed for).
 * seenIds (a JSON object) collects event ids: an id seen before is a replay.
 * 0, or -1 + reason. */
int docEventCheck(const json_t *prevDoc, const json_t *doc, json_t *seenIds, char reason[ERR_MAX]);

/* docAssertionKey: the Ed25519 key of verification method vm (absolute
 * "did…#frag" or "#frag" relative to the document's id) when the document lists
 * it under assertionMethod (by reference into verificationMethod, or embedded)
 * as a Multikey. 0, or -1 + reason. */
int docAssertionKey(const json_t *doc, const char *vm, uint8_t pk[32], char reason[ERR_MAX]);

/* docHasAssertionMultikey: 1 when some assertionMethod of doc is the multikey mk. */
int docHasAssertionMultikey(const json_t *doc, const char *mk);

#endif
