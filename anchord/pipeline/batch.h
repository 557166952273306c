/* batch.h -- one anchoring batch of `anchord run` in memory, and its phases.
 *
 *   claim   stream entries of "dids" (genesis logs) and "events", journal "claimed" (claim.c)
 *   build   group by DID (group.c); read the registry and the objects (objects.c); verify,
 *           re-verify every event, append entries, dead letters (build.c)
 *   stage   Merkle tree over the new entries, staging bundle in the store (staging.c)
 *   anchor  (cmd_run.c: ethAnchor with the journal hook)
 *   publish witness.json, did-witness.json, did.jsonl (conditional), manifest,
 *           status records, DID registry (publish.c)
 *   ack     XACK, staging bundle deleted (publish.c)
 * Each phase advances the journal (queue.h) so a crash resumes where it stopped;
 * docs/pipeline.md has the state machine and what every crash point leaves. */
#ifndef WA_BATCH_H
#define WA_BATCH_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "core/edsigner.h"
#include "core/merkle.h"
#include "core/multiformat.h"
#include "anchord/config/config.h"
#include "anchord/queue/didreg.h"
#include "verifier/event/event.h"
#include "anchord/queue/queue.h"
#include "anchord/store/store.h"

#define BATCH_VID_MAX 128

/* The long-lived context of a run: connections, keys, settings. */
typedef struct pipeCtx {
    const config *cfg;
    queue *q;
    store *st;
    edSigner pub;                      /* publisher update key: signs log entries */
    edSigner wit;                      /* witness key: signs did-witness.json proofs */
    uint8_t regKey[DIDREG_MAC_KEY];    /* didregMac key (from pub): authenticates registry digests */
    edSigner prev;                     /* publisher key being rotated out (hasPrev) */
    int hasPrev;
    char prevMk[MULTIKEY_PUB_MAX];
    char pubMk[MULTIKEY_PUB_MAX];
    char witDid[DIDKEY_MAX];           /* did:key of the witness key */
    char consumer[96];                 /* consumer name in the stream group */
    int threads;                       /* build / publish-preparation threads */
    char didPath[300];                 /* ":.well-known:did" (WA_PREFIX as DID path) */
    atomic_int *stop;                  /* set by SIGTERM / a lost lease (another thread): stop between steps */
} pipeCtx;

/* One new log entry of the batch (one leaf). */
typedef struct newEntry {
    char *line;                        /* JCS bytes, no newline (the leaf input) */
    size_t len;
    char versionId[BATCH_VID_MAX];
    int genesis;                       /* 1: from the "dids" stream */
    char sid[QUEUE_SID_MAX];           /* its stream entry */
    char id[EVENT_ID_MAX + 1];         /* event id, "genesis" for a registration */
    size_t leaf;                       /* leaf index */
} newEntry;

/* A rejected stream entry (dead letter) found while building. */
typedef struct rejected {
    const queueEntry *e;
    int genesis;
    char reason[ERR_MAX];
} rejected;

/* An object as read from the store. */
typedef struct storeObj {
    int found;
    buf body;
    char etag[STORE_ETAG_MAX];
} storeObj;

enum { UNREAD_REGISTRY = 1, UNREAD_STORE = 2 };   /* didWork.unread */

/* The work of one DID. */
typedef struct didWork {
    char scid[WEBVH_SCID_LEN + 1];
    char did[DOC_DID_MAX];
    int isNew;                         /* genesis registration in this batch */
    const queueEntry *genesis;         /* its "dids" entry */
    const queueEntry **ev;             /* its claimed events, stream order */
    size_t nev, capev;
    didInfo *reg;                      /* registry record (existing DIDs) */
    storeObj log, wj, dw;              /* did.jsonl, witness.json, did-witness.json */
    char baseEtag[STORE_ETAG_MAX];     /* did.jsonl ETag the new entries build on ("" new) */
    char baseVersionId[BATCH_VID_MAX];
    newEntry *ne;
    size_t nne;
    rejected *rej;
    size_t nrej;
    int tampered;                      /* refused to build on the store's objects */
    int replayed;                      /* its objects matched the registry's digests: not re-verified */
    int deferred;                      /* our keys cannot extend its log (err): events re-queued */
    int fatal;                         /* building it failed for a reason that is not its events' and not
                                        * its alone (out of memory, a key that cannot sign) (err): the
                                        * whole batch fails (batchBuildFailed), nothing is acknowledged */
    int unread;                        /* UNREAD_*: its registry record or objects could not be read
                                        * (err): nothing built, its genesis and events re-queued */
    int overBudget;                    /* its files are beyond WA_DID_BUDGET (err): events dead-lettered */
    size_t bytes;                      /* did.jsonl, witness.json, did-witness.json with the versions built
                                        * so far (budget.h); did.json is added per head (budgetDidWebMax) */
    size_t maxLeaves;                  /* leaves its batch can have: bounds an anchor proof's size */
    /* memory (WA_BATCH_MEMORY): which objects are in memory between building and publishing */
    size_t est;                        /* its three objects' bytes before reading them (registry, bundle) */
    int held;                          /* log, wj, dw are in memory (read, not yet dropped) */
    /* publish */
    int unused;                        /* not published (lost did.jsonl to a foreign writer, failed, over budget) */
    int failed;                        /* publishing it failed, this DID alone (err): events re-queued */
    size_t vbase;                      /* budgetVersionBase of its new head (the registry's vbase) */
    int putLog, putWj, putDw, putDj;   /* which objects need a PUT */
    buf newLog, newWj, newDw;
    buf newDj;                         /* did.json: the parallel did:web document of the new head
                                        * (derived from did.jsonl, never read back; put after it) */
    char newEtag[STORE_ETAG_MAX];
    docKey *keys;                      /* assertion keys after the batch (nkeys, allocated: ~10 KB a DID otherwise) */
    size_t nkeys;
    char headVid[BATCH_VID_MAX];
    char logSha[65], wjSha[65], dwSha[65];   /* digests of its objects as published (the registry's) */
    size_t pubBytes;                   /* their size together */
    char err[ERR_MAX];                 /* a failure of this DID's publish preparation */
} didWork;

typedef struct batch {
    journal j;
    int shard;
    int resumed;
    queueEntries dids, events;         /* claimed stream entries */
    didWork *w;
    size_t nw;
    rejected *junk;                    /* entries that name no valid DID (dead letters) */
    size_t njunk;
    size_t nleaves;
    merkleTree *tree;
    uint8_t root[32];
    char stagingKey[STORE_KEY_MAX];
    /* chain */
    uint64_t batchId, blockNumber, chainId;
    uint8_t txHash[32], contract[20];
    /* counts for logs and metrics */
    size_t nRejected, nTampered, nReplayed, nDeferred, nConflicts, nUnused, nPublished, nFailed;
    double tRead, tBuild, tStage, tAnchor, tPublish, tAck;
} batch;

/* batchFree: release everything the batch holds (not the journal's id). */
void batchFree(batch *b);

/* batchClaim: reclaim stale entries (XAUTOCLAIM) and read new ones from "dids" and
 * "events" (at most WA_BATCH_MAX_EVENTS together), waiting at most WA_BATCH_MAX_WAIT
 * for the first; then journalCreate. 1 claimed, 0 nothing to do, -1 + err. */
int batchClaim(pipeCtx *c, int shard, const char *token, batch *b, char *err);

/* batchReclaim: for a journaled batch (b->j loaded), claim its stream entries again
 * (XCLAIM; entries already gone are skipped). 0 / -1 + err. */
int batchReclaim(pipeCtx *c, batch *b, char *err);

/* batchGroup: one work per DID of b's claimed entries (b->w, b->nw): genesis
 * registrations first (stream order), then DIDs in order of their first event, each
 * DID's events in stream order; an entry lacking a field or naming no valid SCID goes to
 * b->junk (a dead letter), a second registration of a DID to that DID's rejections.
 * No I/O. 0 / -1 + err (out of memory). Exposed for tests. */
int batchGroup(batch *b, char *err);

/* batchBuild: group entries by DID, read registry and store objects, verify, reject
 * (dead letters), build the new entries; journal "built". 0 / -1 + err. */
int batchBuild(pipeCtx *c, const char *token, batch *b, char *err);

/* batchAddRej: record e (of w) as rejected with reason prefix + detail (a dead letter
 * once the batch is built). 0, or -1 when it cannot be recorded (out of memory): then
 * w->fatal is set and the batch must fail, for an entry that is neither built nor
 * dead-lettered would be acknowledged and lost. Exposed for tests. */
int batchAddRej(didWork *w, const queueEntry *e, int genesis, const char *prefix, const char *detail);

/* batchBuildFailed: -1 + err (naming the DID and w->err) when building some DID failed
 * fatally (w->fatal: out of memory, a key that cannot sign): the batch stops before any
 * dead letter, transaction or acknowledgement (batchBuild checks it; the next run
 * resumes the batch); 0 otherwise. */
int batchBuildFailed(const batch *b, char *err);

/* batchReadObjects: did.jsonl, witness.json, did-witness.json of every DID of b, many
 * GETs in flight, into w->log / w->wj / w->dw (each at most WA_DID_BUDGET bytes; w->held
 * set). batchPublish reads itself what is not held, a chunk at a time; this reads all. A
 * failure that belongs to one DID marks it (unread: a GET failed; overBudget: an object
 * above the budget) and the rest go on. 0 / -1 + err (the store failed: nothing could be
 * sent, or reads failed and the store does not answer storePing). */
int batchReadObjects(pipeCtx *c, batch *b, char *err);

/* batchReadMissing: the objects of the works i in [from, to) that have new entries, are
 * not yet decided unused and are not held, read as batchReadObjects does; the same
 * store-down rule (batchStoreDown) over them. 0 / -1 + err. */
int batchReadMissing(pipeCtx *c, batch *b, size_t from, size_t to, char *err);

/* batchObjBytes: the bytes of w's three objects in memory. */
size_t batchObjBytes(const didWork *w);

/* batchDropObjects: release w's objects and new objects (w->held = 0). */
void batchDropObjects(didWork *w);

/* batchStage: the Merkle tree and the staging bundle (put before any transaction);
 * journal "staged". 0 / -1 + err. */
int batchStage(pipeCtx *c, const char *token, batch *b, char *err);

/* batchLoadStaging: rebuild b from the journal's staging bundle (resuming at staged or
 * later): the DIDs, their new entries, the tree. 0 / -1 + err. */
int batchLoadStaging(pipeCtx *c, batch *b, char *err);

/* batchPublish: witness.json, did-witness.json, did.jsonl per DID, conflicts, the
 * manifest, status records and registry; journal "published". DIDs go through in chunks
 * whose objects (old and new) fit in WA_BATCH_MEMORY / 8 next to what is still held; the
 * objects of a DID not held are read first (batchReadMissing), and every DID's objects
 * are released once its chunk is written. 0 / -1 + err. */
int batchPublish(pipeCtx *c, const char *token, batch *b, char *err);

/* batchAck: XACK/XDEL the journal's stream entries, delete the staging bundle;
 * journal "acked". 0 / -1 + err. */
int batchAck(pipeCtx *c, const char *token, batch *b, char *err);

/* batchSids: the comma-separated stream ids of a journal field as pointers into
 * one copy; the caller frees *sids and *copy. *n = 0 for an empty field. 0 / -1 + err. */
int batchSids(const batch *b, const char *field, char **copy, const char ***sids, size_t *n, char *err);

/* batchGenesisCheck: the rules a genesis log must meet to be anchored here: a valid
 * did:webvh v1.0 log of exactly one entry, our witness alone (threshold 1), the
 * publisher key as the only update key, the DID at <domain><prefix path>:<scid>.
 * 0 / -1 + err (the reason). */
int batchGenesisCheck(const pipeCtx *c, const char *text, size_t len, char scid[WEBVH_SCID_LEN + 1],
                      char did[DOC_DID_MAX], char *err);

/* batchRunThreads: call fn(ctx, i) for i in [0, n) on c->threads threads. */
void batchRunThreads(const pipeCtx *c, size_t n, void (*fn)(void *ctx, size_t i), void *ctx);

/* batchSince: seconds since startMonoMs, a clockMonoMs value (phase timings: a wall-clock
 * step does not distort them). Times that leave the process use clockWallMs. */
double batchSince(int64_t startMonoMs);

/* batchObjKey: "<prefix>/<scid>/<name>" into out. */
void batchObjKey(const pipeCtx *c, const char *scid, const char *name, char *out, size_t cap);

/* batchJournal: journalAdvance, retried a few times on Redis errors (-1; an advance is
 * idempotent). 0, -1 + err, or the JOURNAL_* code + err at once (final: not retried). */
int batchJournal(pipeCtx *c, batch *b, const char *token, int state, const char *const *kv, size_t nkv,
                 char *err);

#endif
