/* event.h -- the signed lifecycle event of DESIGN.md §3, in one of two forms:
 *   plain       {"id","did","type","time","data":{...},"proof":{DataIntegrityProof eddsa-jcs-2022}}
 *   credential  a W3C VCDM 2.0 credential (the member "@context" says which form):
 *               {"@context":["https://www.w3.org/ns/credentials/v2"],"id":"urn:uuid:U",
 *                "type":["VerifiableCredential","DigitalTraceabilityEvent"],"issuer":DID,
 *                "validFrom":T,["validUntil":T,]"credentialSubject":{an EPCIS 2.0 event},
 *                "proof":{the same DataIntegrityProof, with the credential's "@context"}}
 *               (docs/formats.md "Events as Verifiable Credentials": the EPCIS event names
 *               the issuer's DID as its object; the event id is U, so a credential and a
 *               plain event with id U are one event id for replay).
 * Both go through the same functions: eventParse/eventValidate pick the form, eventVerify
 * checks either proof the same way, docevent.c checks either in a history.
 * Schema validation with specific messages, signing (eventSign: seed and the test
 * tool) and signature checking against a caller-supplied list of the DID's current
 * assertion keys (verifier/event/docevent.h docSigningKeys, or the registry's copy).
 * Outcomes are eventCode values (anchord/ingest/reject.h maps them onto API refusals:
 * rejectOfEvent); the reason is one line in the caller's buffer.
 * No I/O, no global state; thread-safe. */
#ifndef WA_EVENT_H
#define WA_EVENT_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "core/err.h"
#include "didlog/didurl.h"
#include "verifier/event/docevent.h"

#define EVENT_ID_MAX   128
#define EVENT_TYPE_MAX 64
#define EVENT_DEPTH    32
/* Numbers in an event that are not integers of magnitude below 2^53 (the ones JCS must
 * convert by a shortest round trip, RFC 8785 §3.2.2.3: a few us each, ~10 us for a
 * subnormal, against ~0.01 us a byte of a string): refused above this count, and
 * subnormal numbers refused at all, before any key lookup, canonicalisation or
 * signature work, so a body that cannot verify stays cheap to refuse (docs/api.md
 * "Cost of a refusal"). */
#define EVENT_MAX_REALS 1024

/* eventCode: what the checks found (a code to switch on; the reason is for people). */
typedef enum {
    EVENT_OK = 0,
    EVENT_MALFORMED,       /* not JSON */
    EVENT_TOO_LARGE,       /* the body is above eventLimits.maxBody */
    EVENT_INVALID,         /* JSON, but not a valid event (schema, time window) */
    EVENT_BAD_SIGNATURE    /* the proof names no listed key, or does not verify */
} eventCode;

typedef struct eventLimits {
    long long nowMs;       /* the clock the time checks use */
    long long maxSkewMs;   /* how far ahead "time" and "proof.created" may be */
    long long maxAgeMs;    /* how far behind; 0 = no limit */
    size_t maxBody;        /* largest accepted document */
} eventLimits;

typedef struct event {
    json_t *doc;               /* the parsed event (owned) */
    const char *id, *did, *type, *time;   /* point into doc; a credential's: the UUID of its
                                           * "urn:uuid:" id, issuer, credentialSubject.type,
                                           * validFrom */
    char scid[WEBVH_SCID_LEN + 1];
    long long timeMs;          /* "time" in ms since the epoch */
} event;

/* Times ("time", "proof.created"): core/rfc3339.h's rule ("Z" or "+00:00", at most 9
 * fraction digits) and, the events' own policy, no year before 1970; then the window of
 * eventLimits. */

/* eventParse: parse and validate one event. EVENT_OK, or EVENT_MALFORMED (not
 * JSON) / EVENT_TOO_LARGE / EVENT_INVALID (schema) with the reason in detail.
 * On success ev holds the document; release it with eventFree. */
eventCode eventParse(const char *body, size_t len, const eventLimits *lim, event *ev, char detail[ERR_MAX]);

/* eventValidate: the schema check of an already parsed document (what
 * eventParse runs); fills ev's pointers but does not take ownership.
 * lim NULL: the schema alone, no clock (a history's check, docevent.c: a credential
 * valid when it was anchored stays so after its validUntil).
 * EVENT_OK or EVENT_INVALID + detail. */
eventCode eventValidate(json_t *doc, const eventLimits *lim, event *ev, char detail[ERR_MAX]);

/* eventVerify: the proof's verificationMethod must be one of keys (a relative
 * "#frag" is read against the event's DID) and its eddsa-jcs-2022 signature
 * must verify with that key. EVENT_OK or EVENT_BAD_SIGNATURE + detail. */
eventCode eventVerify(const event *ev, const docKey *keys, size_t nkeys, char detail[ERR_MAX]);

void eventFree(event *ev);

/* eventDraft: an event before it is signed (all borrowed). */
typedef struct eventDraft {
    const char *id, *did, *type, *time;   /* time: RFC 3339 (core/rfc3339.h) */
    const json_t *data;                   /* copied into the event */
    const char *vm;                       /* proof.verificationMethod: "did...#frag" or "#frag" */
    const char *created;                  /* proof.created (signed), or NULL for none */
} eventDraft;

/* eventSign: {"id","did","type","time","data","proof"} of d with one eddsa-jcs-2022
 * DataIntegrityProof (proofPurpose assertionMethod) by sk (libsodium's 64-byte form):
 * the signing side of eventVerify. It checks none of the fields -- tests sign bad
 * events on purpose; eventValidate is the check. New object, or NULL + err. */
json_t *eventSign(const eventDraft *d, const uint8_t sk[64], char *err);

/* eventSignLine: eventSign as one JCS line (no newline; caller frees), *len (may be
 * NULL) its length. NULL + err. */
char *eventSignLine(const eventDraft *d, const uint8_t sk[64], size_t *len, char *err);

/* eventIsCredential: doc is in the credential form (it has an "@context"). */
int eventIsCredential(const json_t *doc);

/* eventDid / eventId: the DID an event of either form is signed for ("did", or a
 * credential's "issuer") and its event id ("id", or the UUID of a credential's
 * "urn:uuid:" id); NULL when absent or not a string. */
const char *eventDid(const json_t *doc);
const char *eventId(const json_t *doc);

/* credDraft: a credential-form event before it is signed (all borrowed). */
typedef struct credDraft {
    const char *uuid;                     /* the id is "urn:uuid:<uuid>" */
    const char *did;                      /* issuer */
    const char *validFrom, *validUntil;   /* RFC 3339; validUntil NULL for none */
    const json_t *subject;                /* credentialSubject (the EPCIS event), copied */
    const char *vm, *created;             /* as eventDraft's */
} credDraft;

/* eventSignCredential: eventSign's sibling for the credential form: the credential of
 * d with one eddsa-jcs-2022 DataIntegrityProof by sk (its proof carries the
 * credential's @context). Checks none of the fields. New object, or NULL + err. */
json_t *eventSignCredential(const credDraft *d, const uint8_t sk[64], char *err);

/* eventSubjectOf: the EPCIS 2.0 event (credentialSubject) of a lifecycle event of the
 * plain type `type` about did at time t (docs/formats.md, the mapping table; seed and
 * didlog sign-event --format vc): Manufactured -> ObjectEvent commissioning, Assembled ->
 * AssociationEvent assembling (parentID/childEPCs from data's glassPane+frame, or into),
 * Installed -> ObjectEvent installing, QualityChecked and Inspected -> inspecting, Shipped
 * -> shipping, any other -> ObjectEvent OBSERVE with bizStep the type; data as "details".
 * New object, or NULL (out of memory, data NULL). */
json_t *eventSubjectOf(const char *type, const char *did, const char *t, const json_t *data);

/* eventSignDoc: the proof of doc (any form, its own "proof" ignored) by sk for
 * verification method vm, created (may be NULL), set as doc's "proof". 0 / -1 + err. */
int eventSignDoc(json_t *doc, const char *vm, const char *created, const uint8_t sk[64], char *err);

/* idValid: event ids are 1..128 of [A-Za-z0-9._-], starting with a letter or digit. */
int idValid(const char *id);

#endif
