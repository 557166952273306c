/* reject.h -- why a request or event was refused, and the HTTP status of each reason.
 * The name doubles as the API's "error" string and the metrics label. */
#ifndef WA_REJECT_H
#define WA_REJECT_H
#include "verifier/event/event.h"

typedef enum {
    REJ_OK = 0,
    REJ_MALFORMED,      /* 400 malformed: not JSON, or bad request syntax */
    REJ_INVALID,        /* 422 invalid: JSON, but not a valid event / log */
    REJ_UNKNOWN_DID,    /* 404 unknown_did: no such DID registered here */
    REJ_BAD_SIGNATURE,  /* 401 bad_signature: proof missing, wrong key or does not verify */
    REJ_REPLAY,         /* 409 replay: this (DID, id) was accepted before */
    REJ_RATE_LIMITED,   /* 429 rate_limited: too many events for this DID this minute */
    REJ_TOO_LARGE,      /* 413 too_large: body above WA_MAX_BODY */
    REJ_MEDIA_TYPE,     /* 415 unsupported_media_type: not application/json */
    REJ_UNAVAILABLE,    /* 503 unavailable: Redis cannot be reached */
    REJ_NOT_FOUND,      /* 404 not_found: no such route or record */
    REJ_METHOD,         /* 405 method_not_allowed */
    REJ_INTERNAL,       /* 500 internal */
    REJ_BUDGET,         /* 413 budget_exceeded: the DID's log budget (WA_DID_BUDGET) cannot hold the event */
    REJ_COUNT
} rejectCode;

/* rejectStatus: the HTTP status for code. */
int rejectStatus(rejectCode code);
/* rejectName: the short machine-readable name ("bad_signature"). */
const char *rejectName(rejectCode code);

/* rejectOfEvent: the refusal of an event check's outcome (one to one: EVENT_OK ->
 * REJ_OK, EVENT_MALFORMED -> REJ_MALFORMED, EVENT_TOO_LARGE -> REJ_TOO_LARGE,
 * EVENT_INVALID -> REJ_INVALID, EVENT_BAD_SIGNATURE -> REJ_BAD_SIGNATURE). */
rejectCode rejectOfEvent(eventCode code);

/* rejectSay: write the one-line detail (ERR_MAX bytes) and return code, so
 * that each check is one line. */
rejectCode rejectSay(char *detail, rejectCode code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
