/* storage.h -- `seed seed-storage`: the rollout plan's bulk upload of the genesis logs.
 *
 * Two targets, either or both:
 *   --store URL     plain upload into an object store (anchord/store/store.h), create-only
 *                   (If-None-Match: *): a log already there is counted, never replaced.
 *                   Nothing is anchored: these logs are pending until anchord registers
 *                   and anchors them; use it to prefill a mirror or a test bucket.
 *   --register URL  POST /dids to anchord serve, the way a DID enters this system: the
 *                   worker anchors the genesis entry, then publishes it with its proofs.
 * --page FILE also puts the browser page at the store root ("index.html"). */
#ifndef WA_SEED_STORAGE_H
#define WA_SEED_STORAGE_H
#include "core/err.h"
#include "seed/meta.h"

typedef struct storageOpts {
    const char *storeUrl, *registerUrl, *page;
    int parallel;
    int quiet;
} storageOpts;

/* storageRun: upload/register every genesis log of ix. Returns 0 all done (already
 * present / registered counts as done), 1 some failed, or + err minus an exit code
 * (core/io/exit.h): -EXIT_CONFIG (a log cannot be read, the store URL or settings are
 * refused), -EXIT_UNAVAILABLE (the server or the store could not be reached or used). */
int storageRun(const seedIndex *ix, const storageOpts *o, char *err);

#endif
