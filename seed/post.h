/* post.h -- POST many bodies to anchord serve with bounded concurrency (core/io/http).
 *
 * Bodies that share an ordering key (a DID) are sent one after the other, in list
 * order: the next one only after the previous one was answered, so a DID's events
 * reach the queue in lifecycle order whatever the concurrency. Each job gets its
 * HTTP status and, for an error answer, the API's "error" name (docs/api.md). */
#ifndef WA_SEED_POST_H
#define WA_SEED_POST_H
#include <stddef.h>
#include "core/err.h"
#include "seed/progress.h"

typedef struct postJob {
    const char *body;
    size_t len;
    size_t key;              /* ordering key: jobs with the same key go in order */
    int status;              /* out: HTTP status, 0 = no answer (transport error) */
    char error[48];          /* out: "error" of the answer, or the transport error */
} postJob;

typedef struct postTally {
    size_t accepted;         /* 2xx */
    size_t conflicts;        /* 409 (already registered / replay) */
    size_t rejected;         /* other answers and transport errors */
} postTally;

/* postMany: POST every job to url with Content-Type ctype, at most concurrency at once,
 * reporting through pg (may be NULL). Fills each job and the tally.
 * 0 when every request got an answer (whatever it said), -1 + err when the run
 * could not start or the server could not be reached at all. */
int postMany(const char *url, const char *ctype, postJob *jobs, size_t n, int concurrency, progress *pg,
             postTally *t, char *err);

/* postSummary: "error:count, ..." of the non-2xx answers into out. */
void postSummary(const postJob *jobs, size_t n, char *out, size_t cap);

#endif
