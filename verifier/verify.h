/* verify.h -- the verdict on one published history: did.jsonl + witness.json +
 * did-witness.json against on-chain roots, version by version.
 *
 * Per version, in this order (the first failure is the reason):
 *   1. the did:webvh v1.0 log rules (didlog/webvh.h; a broken entry also
 *      invalidates every later one, as in did:webvh resolution);
 *   2. the embedded signed event against the previous version's assertion keys
 *      (verifier/event/docevent.h; genesis entries carry none);
 *   3. with a witness.json anchor: its versionId is this entry's; leaf hash =
 *      SHA-256(0x00 || the line's bytes); the RFC 9162 inclusion proof leads to
 *      the stated root; chainId and contract are the configured ones; the chain
 *      says that batch has that root (and block, transaction);
 *   4. the did-witness.json threshold (anchored versions only).
 * A version with no anchor is PENDING, allowed only for a trailing suffix.
 * Anchors for versions the log does not have are normal while a batch publishes (the
 * worker writes the proofs before did.jsonl) and no fault of the log; one whose proof
 * leads to a root the chain holds shows that a later version exists: the history is
 * STALE. So are histories whose later batches' manifests name a later version
 * (verifier/stale.h, when in->fresh gives the manifests).
 * The verdict: INVALID if any version is, else STALE, else PENDING, else ANCHORED. */
#ifndef WA_VERIFY_H
#define WA_VERIFY_H
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "verifier/roots.h"
#include "verifier/event/docevent.h"
#include "verifier/stale.h"
#include "verifier/proof/witness.h"

typedef enum { VERDICT_ANCHORED = 0, VERDICT_PENDING = 1, VERDICT_INVALID = 2, VERDICT_STALE = 3 } verdict;

typedef struct versionReport {
    char versionId[WITNESS_VID_MAX];
    verdict v;
    uint64_t batchId, blockNumber;   /* ANCHORED */
    uint8_t txHash[32];
    char reason[ERR_MAX];            /* INVALID (and PENDING: why) */
    int claimed;                     /* witness.json has an anchor for it */
    docKind kind;                    /* genesis, event or publisher maintenance (verifier/event/docevent.h);
                                        UNKNOWN when the document was not checked */
} versionReport;

typedef struct historyReport {
    char did[512];
    versionReport *v;
    size_t n, cap;
    size_t anchored, pending, invalid;
    unsigned long sigs;              /* Ed25519 signatures checked (for the benchmark) */
    size_t ahead;                    /* witness.json anchors of versions did.jsonl lacks */
    int aheadOnChain;                /* one of them leads to a root on chain (then stale) */
    int stale;                       /* a later version of this DID is anchored: staleWhy */
    char staleWhy[ERR_MAX];
    staleScan scan;                  /* the manifest scan (scan.ran = made) */
} historyReport;

typedef struct historyInput {
    const char *log; size_t logLen;              /* did.jsonl */
    const char *witness; size_t witnessLen;      /* witness.json; NULL = none published */
    const char *didWitness; size_t didWitnessLen;/* did-witness.json; NULL = none */
    const char *did;                             /* the DID asked for; NULL = the log's */
    double now;                                  /* 0 = the clock (versionTime skew check) */
    const staleSource *fresh;                    /* later batches' manifests; NULL = no scan */
} historyInput;

/* verifyHistory: fill r (free with historyFree). 0 when verified (the verdicts
 * are in r, whatever they are), -1 + err only when the chain could not be asked. */
int verifyHistory(const historyInput *in, rootsSrc *src, historyReport *r, char *err);

/* historyVerdict: INVALID if any version is, else STALE when a later version is
 * known, else PENDING if any is, else ANCHORED (an empty history is INVALID). */
verdict historyVerdict(const historyReport *r);

void historyFree(historyReport *r);

#endif
