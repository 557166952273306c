/* docevent.h -- the DID documents of a Witness Anchor history and the signed events
 * they carry: what the subject signed decides every document (DESIGN.md §3, §9;
 * docs/formats.md "Entry kinds"; docs/didverify.md "Trust model").
 *
 * An event is the top-level member "event" of a DID document:
 * {"id","did","type","time","data","proof"} with one eddsa-jcs-2022 proof. Each
 * entry of a history is exactly one of:
 *   genesis      version 1, the registrant's document. When it embeds an event, that
 *                event is checked like every other, against the genesis document's own
 *                assertion keys, and may not be a KeyRotation (nothing to rotate).
 *   event        "event" is new (not the previous version's): signed for this DID, with
 *                an id not used before, by an assertion key of the PREVIOUS version; and
 *                the document is exactly docApply(previous document, event, version).
 *                So the keys change only by a KeyRotation signed by a key valid before
 *                it, and to exactly the key the rotation names; a key rotated out stays
 *                valid for the history it signed, never for later events.
 *   maintenance  the document is the previous one, unchanged (same event): the entry
 *                only changes did:webvh parameters (updateKeys, witness, ...: the
 *                publisher's own), and must change at least one.
 * Anything else is refused, so the publisher's update key can append what the subject
 * signed and maintain its own parameters, never add or alter an event or change the
 * subject's keys (anchord builds documents with docApply; didverify and the worker's
 * store check run docEntryCheck).
 *
 * No I/O, no global state; thread-safe on distinct documents. */
#ifndef WA_DOCEVENT_H
#define WA_DOCEVENT_H
#include <stddef.h>
#include <jansson.h>
#include "core/err.h"
#include "core/multiformat.h"
#include "didlog/webvh.h"

#define DOCEVENT_KEY_ROTATION "KeyRotation"
#define DOC_VM_MAX 512                 /* an absolute verification method id, NUL included */
#define DOC_DID_MAX 512                /* a DID this service hosts, NUL included */
#define DOC_MAX_KEYS 16                /* assertion keys kept per DID (registry, worker) */

/* Outcomes of the checks (a code to switch on; the reason is for people). */
#define DOC_OK 0
#define DOC_INVALID (-1)               /* a rule of the document or its transition is broken */
#define DOC_BAD_SIGNATURE (-2)         /* the event's proof names no assertion key, or does not verify */

typedef enum { DOC_KIND_UNKNOWN = 0, DOC_KIND_GENESIS, DOC_KIND_EVENT, DOC_KIND_MAINTENANCE } docKind;

typedef struct docKey {
    char vm[DOC_VM_MAX];               /* absolute id "did:…#frag" */
    char mk[MULTIKEY_PUB_MAX];         /* its Ed25519 public multikey */
} docKey;

/* docEntryCheck: entry number `version` of a history (1 = genesis: prevDoc NULL) with
 * document doc and its entry's parameters, against the previous document. seenIds (a
 * JSON object) collects event ids: an id seen before is a replay. *kind (may be NULL)
 * gets the entry's kind. DOC_OK, or DOC_INVALID / DOC_BAD_SIGNATURE + reason. */
int docEntryCheck(const json_t *prevDoc, const json_t *doc, const json_t *params, unsigned long version,
                  json_t *seenIds, docKind *kind, char reason[ERR_MAX]);

/* docLogCheck: docEntryCheck over entries [0, n) of a parsed log (the worker's check of
 * a store object it did not publish itself). DOC_OK, or the first failure's code with
 * "entry N (versionId …): " + reason. */
int docLogCheck(const webvhLog *log, size_t n, char reason[ERR_MAX]);

/* docApply: the document of an event entry: a copy of prev (caller decrefs) with
 * "event" = a copy of ev and, for a KeyRotation with data {"publicKeyMultibase": mk},
 * every assertion key of prev removed (from verificationMethod and every verification
 * relationship) and a new Multikey method <DID>#key-<version> for mk as the only
 * assertionMethod. NULL + reason for a rotation that cannot apply (no or bad key, mk
 * already the assertion key, the method id taken). */
json_t *docApply(const json_t *prev, const json_t *ev, unsigned long version, char reason[ERR_MAX]);

/* docSigningKeys: the assertion keys of doc (assertionMethod items by reference into
 * verificationMethod, "#frag" or absolute, or embedded) that are Ed25519 Multikeys (type
 * "Multikey"), with absolute ids, into keys (room for max). Other items are skipped:
 * they can sign nothing here. The count (0 = none). The one resolver of a document's
 * assertion keys: the registry's list (ingest), the worker's and didverify's checks
 * (docAssertionKey below resolves one method the same way) all come from it. */
size_t docSigningKeys(const json_t *doc, docKey *keys, size_t max);

/* docAssertionKey: the Ed25519 key of verification method vm (absolute or "#frag")
 * when doc lists it under assertionMethod as a Multikey. DOC_OK, or DOC_BAD_SIGNATURE +
 * reason. */
int docAssertionKey(const json_t *doc, const char *vm, uint8_t pk[32], char reason[ERR_MAX]);

/* docEventId: the id of the event a document embeds, or NULL. */
const char *docEventId(const json_t *doc);

#endif
