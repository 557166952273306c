/* didreg.h -- what the ingest side knows about a DID: its canonical DID string,
 * log head (versionId, ETag) and current assertion keys.
 *
 * An interface (lookup function + context) so the source can change; the
 * Redis implementation reads the hash wa:{sN}:did:<scid> with fields
 *   did        the DID as registered (canonical form)
 *   versionId  head of did.jsonl,  etag  its store ETag
 *   keys       JSON array [{"id": VM id, "publicKeyMultibase": "z6Mk..."}]
 *   logSha, wjSha, dwSha   hex SHA-256 of did.jsonl, witness.json, did-witness.json as
 *              the worker last published them ("" = unknown): anything else found in
 *              the store is tampering (only anchord writes there)
 *   mac        hex keyed BLAKE2b of the SCID, versionId and the three digests under a
 *              key only the worker can derive (didregMac): digests that also carry a
 *              valid mac let the worker replay a log instead of re-verifying it, so
 *              whoever can write Redis and the bucket still cannot slip a forged log in
 *   size       bytes of the three objects together as last published (WA_DID_BUDGET)
 *   vbase      what a next version costs besides its event (budgetVersionBase)
 *   pending    bytes reserved by this DID's queued events (ingest adds, the worker
 *              releases as each event is published or dead-lettered: queue.h); never
 *              written by didregPut
 * which the worker maintains as it publishes (tests write it with didregPut). */
#ifndef WA_DIDREG_H
#define WA_DIDREG_H
#include <stddef.h>
#include "core/multiformat.h"
#include "verifier/event/docevent.h"
#include "anchord/queue/queue.h"

typedef struct didInfo {
    char did[DOC_DID_MAX];
    char versionId[128];
    char etag[128];
    char logSha[65], wjSha[65], dwSha[65];
    char mac[65];                    /* didregMac of the record ("" = none) */
    long long size, vbase;           /* budget fields (0 = unknown: a record from before budgets) */
    docKey keys[DOC_MAX_KEYS];       /* assertion keys (docSigningKeys of the head document) */
    size_t nkeys;
} didInfo;

typedef struct didRegistry {
    /* lookup: the DID with this SCID. 1 found, 0 unknown, -1 + err (Redis down). */
    int (*lookup)(const struct didRegistry *r, queue *q, const char *scid, didInfo *out, char *err);
    void *ctx;
} didRegistry;

#define DIDREG_MAC_KEY 32

struct edSigner;
/* didregMacKey: the registry key: keyed BLAKE2b ("waregmac") of the publisher key's
 * Ed25519 signature of a fixed label. RFC 8032 signatures are deterministic, so the
 * same key gives the same registry key wherever it is held (a file, a PKCS#11
 * token) and only its holder can compute it; the signature is never published.
 * The caller sodium_memzero's key. 0 / -1 + err (the signer failed). */
int didregMacKey(const struct edSigner *pub, uint8_t key[DIDREG_MAC_KEY], char *err);

/* didregMac: in->mac = the mac of (scid, versionId, logSha, wjSha, dwSha) under key. */
void didregMac(const uint8_t key[DIDREG_MAC_KEY], const char *scid, didInfo *in);

/* didregMacOk: 1 when in->mac is the mac of its fields (constant-time compare), else 0. */
int didregMacOk(const uint8_t key[DIDREG_MAC_KEY], const char *scid, const didInfo *in);

/* didregRedis: the Redis-backed registry. */
extern const didRegistry didregRedis;

/* didregCache: a registry that answers from a small in-process cache (1024
 * slots by SCID, found DIDs only) for ttlMs, else asks `inner`. For the ingest
 * API: it saves a Redis round trip per event. Safe because the worker re-checks
 * every event against the DID's keys at batch time: an event signed with a key
 * rotated out less than ttlMs ago is queued, then rejected (dead letter with
 * its reason) instead of refused at once. Thread-safe. didregCacheFree frees it. */
didRegistry *didregCache(const didRegistry *inner, long long ttlMs);
void didregCacheFree(didRegistry *r);

/* didregGet / didregPut: read / write the Redis record of a SCID. didregGet: 1 found,
 * 0 unknown, -1 + err (Redis), DIDREG_DAMAGED + err (the record exists but cannot be
 * read: a failure of this DID alone, the worker defers its events). */
#define DIDREG_DAMAGED (-2)
int didregGet(queue *q, const char *scid, didInfo *out, char *err);
int didregPut(queue *q, const char *scid, const didInfo *info, char *err);
/* didregPutMany: didregPut for n DIDs, pipelined (the worker after publishing). */
int didregPutMany(queue *q, size_t n, const char *const *scids, const didInfo *const *infos, char *err);

#endif
