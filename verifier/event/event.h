/* event.h -- the signed lifecycle event of DESIGN.md §3:
 *   {"id","did","type","time","data":{...},"proof":{DataIntegrityProof eddsa-jcs-2022}}
 * Schema validation with specific messages, and signature checking against a
 * caller-supplied list of the DID's current assertion keys. */
#ifndef WA_EVENT_H
#define WA_EVENT_H
#include <stddef.h>
#include <jansson.h>
#include "core/err.h"
#include "anchord/queue/didreg.h"
#include "anchord/ingest/reject.h"

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
#define SCID_LEN       46    /* base58btc multihash sha2-256, "Qm..." */

typedef struct eventLimits {
    long long nowMs;       /* the clock the time checks use */
    long long maxSkewMs;   /* how far ahead "time" and "proof.created" may be */
    long long maxAgeMs;    /* how far behind; 0 = no limit */
    size_t maxBody;        /* largest accepted document */
} eventLimits;

typedef struct event {
    json_t *doc;               /* the parsed event (owned) */
    const char *id, *did, *type, *time;   /* point into doc */
    char scid[SCID_LEN + 1];
    long long timeMs;
} event;

/* eventParse: parse and validate one event. REJ_OK, or REJ_MALFORMED (not
 * JSON) / REJ_TOO_LARGE / REJ_INVALID (schema) with the reason in detail.
 * On success ev holds the document; release it with eventFree. */
rejectCode eventParse(const char *body, size_t len, const eventLimits *lim, event *ev, char detail[ERR_MAX]);

/* eventValidate: the schema check of an already parsed document (what
 * eventParse runs); fills ev's pointers but does not take ownership. */
rejectCode eventValidate(json_t *doc, const eventLimits *lim, event *ev, char detail[ERR_MAX]);

/* eventVerify: the proof's verificationMethod must be one of keys (a relative
 * "#frag" is read against the event's DID) and its eddsa-jcs-2022 signature
 * must verify with that key. REJ_OK or REJ_BAD_SIGNATURE + detail. */
rejectCode eventVerify(const event *ev, const didKey *keys, size_t nkeys, char detail[ERR_MAX]);

void eventFree(event *ev);

/* didWebvhParse: check did:webvh:<scid>:<host>[%3A<port>][:<path>...] in
 * canonical form (lowercase host, "%3A" for the port) and copy its SCID.
 * 0 / -1 + err. */
int didWebvhParse(const char *did, char scid[SCID_LEN + 1], char *err);

/* rfc3339Utc: parse "YYYY-MM-DDThh:mm:ss[.frac]Z" into ms since the epoch. 0 / -1. */
int rfc3339Utc(const char *s, long long *ms);

/* scidValid: a SCID as did:webvh v1.0 makes them: base58btc of a sha2-256
 * multihash, SCID_LEN characters starting "Qm". */
int scidValid(const char *s);

/* idValid: event ids are 1..128 of [A-Za-z0-9._-], starting with a letter or digit. */
int idValid(const char *id);

#endif
