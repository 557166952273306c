/* test_anchord_batch.c -- batch.c's rejection bookkeeping (issue 14, found by reading the
 * code: addRej ignored an allocation failure at ten call sites, after which the batch
 * acknowledged every claimed stream id, so a rejected event could vanish with no dead
 * letter). Invariant 1 (DESIGN.md §4): an accepted event is never lost, out of memory
 * included -- a rejection that cannot be recorded fails the batch (batchBuildFailed),
 * which then acknowledges nothing and is resumed by the next run. And the stop flag the
 * lease thread sets is a C11 atomic. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "anchord/pipeline/batch.h"
#include "t.h"

int main(void) {
    didWork w[2];
    memset(w, 0, sizeof w);
    snprintf(w[0].did, sizeof w[0].did, "did:webvh:QmA:example.com");
    snprintf(w[1].did, sizeof w[1].did, "did:webvh:QmB:example.com");
    batch b;
    memset(&b, 0, sizeof b);
    b.w = w;
    b.nw = 2;
    queueEntry e;
    memset(&e, 0, sizeof e);
    char err[ERR_MAX] = "";
    T_CHECK(batchAddRej(&w[0], &e, 0, "store tampered: ", "why") == 0 && w[0].nrej == 1 &&
            !strcmp(w[0].rej[0].reason, "store tampered: why"), "a rejection is recorded with its reason");
    T_CHECK(batchBuildFailed(&b, err) == 0, "nothing failed yet");
    /* a rejection list as long as memory can count: the allocation cannot succeed */
    w[1].nrej = SIZE_MAX / sizeof(rejected);
    T_CHECK(batchAddRej(&w[1], &e, 0, "", "unknown_did") == -1, "the failure is reported");
    T_CHECK(w[1].rej == NULL, "the list is left as it was");
    w[1].nrej = 0;
    err[0] = 0;
    T_CHECK(batchBuildFailed(&b, err) == -1 && strstr(err, "did:webvh:QmB:example.com"),
            "the batch fails, naming the DID (nothing would be acknowledged): [%s]", err);
    free(w[0].rej);

    /* issue 14: the lease thread set a plain volatile int that the main thread reads
     * (a data race); the flag pipeCtx.stop points to is a C11 atomic_int */
    pipeCtx c;
    memset(&c, 0, sizeof c);
    T_CHECK(_Generic(c.stop, atomic_int *: 1, default: 0), "pipeCtx.stop points to an atomic_int");
    return T_DONE();
}
