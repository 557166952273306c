/* reject.c -- reason names and HTTP statuses of refusals. */
#include <stdarg.h>
#include <stdio.h>
#include "core/err.h"
#include "anchord/ingest/reject.h"

static const struct { int status; const char *name; } table[REJ_COUNT] = {
    [REJ_OK] = {202, "ok"},
    [REJ_MALFORMED] = {400, "malformed"},
    [REJ_INVALID] = {422, "invalid"},
    [REJ_UNKNOWN_DID] = {404, "unknown_did"},
    [REJ_BAD_SIGNATURE] = {401, "bad_signature"},
    [REJ_REPLAY] = {409, "replay"},
    [REJ_RATE_LIMITED] = {429, "rate_limited"},
    [REJ_TOO_LARGE] = {413, "too_large"},
    [REJ_MEDIA_TYPE] = {415, "unsupported_media_type"},
    [REJ_UNAVAILABLE] = {503, "unavailable"},
    [REJ_NOT_FOUND] = {404, "not_found"},
    [REJ_METHOD] = {405, "method_not_allowed"},
    [REJ_INTERNAL] = {500, "internal"},
    [REJ_BUDGET] = {413, "budget_exceeded"},
};

int rejectStatus(rejectCode code) { return code < REJ_COUNT ? table[code].status : 500; }
const char *rejectName(rejectCode code) { return code < REJ_COUNT ? table[code].name : "internal"; }

rejectCode rejectOfEvent(eventCode code) {
    switch (code) {
    case EVENT_OK: return REJ_OK;
    case EVENT_MALFORMED: return REJ_MALFORMED;
    case EVENT_TOO_LARGE: return REJ_TOO_LARGE;
    case EVENT_INVALID: return REJ_INVALID;
    case EVENT_BAD_SIGNATURE: return REJ_BAD_SIGNATURE;
    }
    return REJ_INTERNAL;
}

rejectCode rejectSay(char *detail, rejectCode code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, ERR_MAX, fmt, ap);
    va_end(ap);
    errUtf8Fix(detail);   /* valid UTF-8 even where a bound cut a character */
    return code;
}
