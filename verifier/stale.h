/* stale.h -- is a served history the newest one the chain knows of? (DESIGN.md §9: STALE)
 *
 * A server can serve an older, consistent prefix of a history (did.jsonl, witness.json and
 * did-witness.json cut back together): every version in it is anchored and verifies. Later
 * batches know better: their manifests (batches/<batchId>.json) list every leaf with its DID
 * and versionId. staleScanRun reads the manifests of the batches after the history's last
 * anchored one, in batch order, each checked against the chain first (its leaves rebuild
 * its root; root, block and transaction are the chain's: rootsBatch), and stops at the
 * first published leaf of this DID whose version the served log does not have.
 *
 * Cost: one batchCount() eth_call (offline: the anchors file) always; then, per later
 * batch, one manifest read and rootsBatch (eth_call roots + one receipt, cached per
 * batch), at most `max` of them. A history whose last anchor is in the newest batch costs
 * the one eth_call; one untouched for a year of hourly batches would need 8,760 manifests,
 * so the default bound (didverify --stale-batches) reads the first 100 after it and says
 * that the scan is incomplete.
 * Trust: a leaf's did/versionId labels are not covered by the root (the leaf hash is of
 * the entry, which a rolled-back log no longer has), so a server that rewrites the log and
 * the manifests together can hide a rollback from a scan of its own manifests; manifests
 * are immutable, and a mirror taken earlier (--manifests DIR) cannot be rewritten.
 * No global state; not thread-safe on one staleScan. */
#ifndef WA_STALE_H
#define WA_STALE_H
#include <stddef.h>
#include <stdint.h>
#include "core/buf.h"
#include "core/err.h"
#include "verifier/roots.h"

/* staleGetFn: batch batchId's manifest into out: 1 found, 0 not published (404, or 403
 * where the bucket hides missing keys), -1 + err (I/O). */
typedef int (*staleGetFn)(void *ctx, uint64_t batchId, buf *out, char *err);

typedef struct staleSource {
    staleGetFn get;
    void *ctx;
    uint64_t max;                    /* manifests read at most (UINT64_MAX = all) */
} staleSource;

typedef struct staleScan {
    int ran;                         /* the scan was made */
    uint64_t last;                   /* the history's last anchored batch */
    uint64_t count;                  /* batches on chain: [last + 1, count) came later */
    uint64_t read, missing, refused; /* manifests checked, not published, not the chain's */
    int complete;                    /* every later batch was checked (read or missing) */
    int stale;                       /* evidence found: why */
    char why[ERR_MAX];
} staleScan;

/* staleScanRun: scan for did, whose served log has versions vids[0..n), last anchored in
 * batch `last`, with manifests from s and roots from src; results in out. 0, or -1 + err
 * when the chain or the manifest source could not be asked. */
int staleScanRun(const char *did, const char *const *vids, size_t n, uint64_t last, rootsSrc *src,
                 const staleSource *s, staleScan *out, char *err);

/* staleLeaves: 1 + why when manifest m names a published version of did that vids[0..n)
 * lack (a later version number, or another versionId at a number vids has), else 0. */
int staleLeaves(const manifest *m, const char *did, const char *const *vids, size_t n, char why[ERR_MAX]);

#endif
