/* docstate.h -- the DID document side of an event: current assertion keys, the
 * next state of a log (the signed event embedded, key changes applied).
 *
 * Event -> entry mapping (docs/pipeline.md): the new entry's state is the previous
 * DID document with the event as its top-level member "event" (replacing the one
 * before). An event of type "KeyRotation" with data {"publicKeyMultibase":"z6Mk..."}
 * also replaces the assertion key: a new verification method <DID>#key-<version> is
 * added and is the only assertionMethod; every key that was an assertionMethod is
 * removed from verificationMethod too (and from the other relationships), so it can
 * never sign again, while earlier versions of the log keep it. */
#ifndef WA_DOCSTATE_H
#define WA_DOCSTATE_H
#include <stddef.h>
#include <jansson.h>
#include "core/err.h"
#include "anchord/didreg.h"

#define DOCSTATE_ROTATION "KeyRotation"

/* docAssertionKeys: the assertionMethod keys of a DID document (references "#frag" or
 * absolute ids resolved against verificationMethod, or embedded methods), with
 * absolute ids, into keys (room for DIDREG_MAX_KEYS). Keys that are not Ed25519
 * multikeys are skipped. Returns the count (0 = none), or -1 + err. */
int docAssertionKeys(const json_t *state, const char *did, didKey keys[DIDREG_MAX_KEYS], char *err);

/* docNextState: a new state object: a copy of prev with "event" = event (a copy),
 * and, for a KeyRotation event, the rotation applied with the new method named
 * <did>#key-<versionNumber>. NULL + err (a specific reason: the event is then
 * rejected) on a malformed rotation. */
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

/* docEventId: the "id" of the event embedded in a state, or NULL. */
const char *docEventId(const json_t *state);

#endif
