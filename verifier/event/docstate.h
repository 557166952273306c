/* docstate.h -- the DID document side of an event for the worker: the next state of a
 * log, the strength of its keys (the assertion keys themselves: docSigningKeys in
 * verifier/event/docevent.h).
 *
 * Event -> entry mapping (docs/pipeline.md, docs/formats.md "Entry kinds"): the new
 * entry's state is docApply(previous state, event) of verifier/event/docevent.h -- the one
 * function didverify recomputes, so the worker never writes a document the verifier
 * would refuse: the previous DID document with the event as its top-level member
 * "event" (replacing the one before); an event of type "KeyRotation" with data
 * {"publicKeyMultibase":"z6Mk..."} also replaces the assertion key: a new verification
 * method <DID>#key-<version> is added and is the only assertionMethod; every key that
 * was an assertionMethod is removed from verificationMethod too (and from the other
 * relationships), so it can never sign again, while earlier versions of the log keep it. */
#ifndef WA_DOCSTATE_H
#define WA_DOCSTATE_H
#include <stddef.h>
#include <jansson.h>
#include "core/err.h"
#include "verifier/event/docevent.h"

/* docNextState: docApply(prev, event, versionNumber) (a new state object); did must be
 * prev's id. NULL + err (a specific reason: the event is then rejected) on a malformed
 * rotation. */
json_t *docNextState(const json_t *prev, const json_t *event, const char *did, unsigned long versionNumber,
                     char *err);

/* docKeysCheck: every Ed25519 multikey of the document (verificationMethod and the
 * methods embedded in relationships) is a strong key (mkDecodeEd25519Pub: no
 * small-order, mixed-order or non-canonical point); keys of other types are not
 * looked at. 0 / -1 + err naming the method. */
int docKeysCheck(const json_t *state, char *err);

/* docRotationKey: the new key of a KeyRotation event (its data.publicKeyMultibase) is
 * a strong Ed25519 multikey. 0 / -1 + err. */
int docRotationKey(const json_t *event, char *err);

#endif
