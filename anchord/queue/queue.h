/* queue.h -- the queue of anchord: event streams, replay and rate limits, per-event
 * status, dead letters, the worker lease and the batch journal.
 *
 * One API over a backend (queue_impl.h, like the store's storeOps): Redis
 * (queue_redis.c, over the transport qlink.h) in the product, an in-memory fake in the
 * unit tests (tests/unit/fake_queue.c). The key names below are built here
 * (queueKey), so every backend sees the same names.
 *
 * Key layout (every key of one shard shares the hash tag {sN}, so each Lua
 * script touches one Redis Cluster slot; N = fnv1a(scid) % WA_STREAM_SHARDS):
 *   wa:{sN}:events            stream of accepted events (group "anchord")
 *   wa:{sN}:dids              stream of registered genesis logs
 *   wa:{sN}:dead              dead-letter stream (entry + reason)
 *   wa:{sN}:events:<scid>:<id> hash: status of one event; its existence is the
 *                             replay marker (written atomically with XADD); `reserved` =
 *                             the budget bytes it holds while queued (queueItem); it
 *                             expires once the event could no longer be accepted
 *                             (queueItem.ttlMs), anchored or not
 *   wa:{sN}:dids:<scid>:genesis hash: status of one registration (replay marker until the
 *                             DID is registered; expires QUEUE_GENESIS_KEEP_MS after)
 *   wa:{sN}:rate:<scid>:<min> fixed-window counter of accepted events
 *   wa:{sN}:did:<scid>        DID registry (didreg.h); `pending` = budget bytes its
 *                             queued events reserved
 *   wa:{sN}:lease             worker lease (random token, PX)
 *   wa:{sN}:batch:<id>        batch journal hash;  wa:{sN}:batches  zset of open batches
 * Functions return -1 + err on Redis errors; a lost connection is re-opened
 * on the next call ("redis: connection refused at HOST:PORT"). Outcomes that are
 * answers, not failures, are codes (QUEUE_*, JOURNAL_*), never message text. One queue
 * per thread: a queue is not thread-safe. */
#ifndef WA_QUEUE_H
#define WA_QUEUE_H
#include <stddef.h>
#include <jansson.h>

#define QUEUE_SID_MAX   48    /* stream ids "1700000000000-12" */
#define QUEUE_GROUP     "anchord"
#define LEASE_TOKEN_MAX 33
#define JOURNAL_ID_MAX  48    /* "<ms>-<8 hex>" */

typedef struct queue queue;

/* queueUrlCheck: url is a WA_REDIS_URL: one Redis, redis://[:password@]host[:port][/db],
 * or the seeds of a Redis Cluster, redis://[:password@]h1[:p1],h2[:p2],... (rcluster.h's
 * rclusterUrlParse, docs/operations.md "Redis Cluster"). 0 / -1 + err (no password in it). */
int queueUrlCheck(const char *url, char *err);

/* queueOpen: a handle for url with `shards` stream shards; connects lazily,
 * so a server that is down surfaces at the first call. NULL + err on a bad URL. */
queue *queueOpen(const char *url, int shards, int timeoutMs, char *err);
void queueClose(queue *q);
/* queueSetWait: how durable an enqueue (queueEnqueue*) and a journal write must be before
 * they are answered as done: WAIT until `replicas` replicas of the master that took it
 * have it, at most timeoutMs (WA_REDIS_WAIT_REPLICAS, WA_REDIS_WAIT_MS). replicas -1 (the
 * default of queueOpen, with 500 ms) = 1 on a Redis Cluster, 0 on a single Redis; 0 = no
 * WAIT. A write the replicas do not confirm in time is not answered as done: an item is
 * left rc -1 ("maybe queued": sending it again is answered QUEUE_REPLAY if it was), a
 * journal write answers -1 (the batch stops and is resumed). docs/redis-cluster.md. */
void queueSetWait(queue *q, int replicas, int timeoutMs);

/* queueAddr: "host:port" for messages. */
const char *queueAddr(const queue *q);

/* queuePing: 0 when Redis answers PING. */
int queuePing(queue *q, char *err);

/* queueShards / queueShardOf: shard count; the shard of a DID's SCID. */
int queueShards(const queue *q);
int queueShardOf(const queue *q, const char *scid);

/* queueKey: the full name of one of the per-shard keys above, e.g.
 * queueKey(q, shard, "events", NULL, NULL). */
void queueKey(const queue *q, int shard, const char *what, const char *scid, const char *id,
              char *out, size_t cap);

enum { QUEUE_OK = 0, QUEUE_REPLAY = 1, QUEUE_RATE = 2, QUEUE_BUDGET = 3 };

/* queueEnqueue: atomically (one Lua script) refuse a replayed (scid,id) and a
 * DID over its per-minute limit (0 = none), else XADD the payload to the
 * stream ("events" or "dids") and write the "queued" status record. No state
 * changes unless QUEUE_OK. sid gets the stream id; *retryAfter (when QUEUE_RATE)
 * the seconds until the window resets. Returns QUEUE_* or -1 + err. */
int queueEnqueue(queue *q, const char *stream, const char *scid, const char *id, const char *did,
                 const char *payload, size_t n, long long ratePerMin, char sid[QUEUE_SID_MAX],
                 long long *retryAfter, char *err);

/* queueScanScids: fn(arg, scid) for every SCID with a key wa:{sN}:<what>:<scid> in any
 * shard (SCAN: keys added meanwhile may or may not be seen). fn returns 0 to go on,
 * -1 to stop. 0 / -1 + err (Redis, or fn's -1 with its own err). */
int queueScanScids(queue *q, const char *what, int (*fn)(void *arg, const char *scid, char *err), void *arg,
                   char *err);

/* queueItem: one enqueue of queueEnqueueMany (inputs, then its answer). With budget > 0
 * (WA_DID_BUDGET) the item is refused (QUEUE_BUDGET) when cost bytes do not fit in
 * budget - (the registry's size + pending) of its DID, and otherwise reserves them
 * (status field `reserved`, registry field `pending`) until the event is published
 * (queueUnreserveMany) or dead-lettered. A DID without a registry record reserves nothing. */
typedef struct queueItem {
    const char *stream, *scid, *id, *did, *payload;
    size_t len;
    long long ratePerMin;
    long long budget, cost;        /* bytes; budget 0 = no budget check */
    long long ttlMs;               /* > 0: the status hash expires after ttlMs; 0 = kept */
    const char *traceparent;       /* W3C trace context kept with the entry (field "tp"), NULL/"" none */
    int rc;                        /* out: QUEUE_* or -1 (no answer) */
    char sid[QUEUE_SID_MAX];       /* out: stream id when QUEUE_OK */
    long long retryAfter;          /* out: seconds when QUEUE_RATE */
    long long used;                /* out: bytes the DID holds and has reserved, when QUEUE_BUDGET */
} queueItem;

/* queueEnqueueMany: queueEnqueue of n items in one pipelined round trip, in order
 * (so a replay later in the same group is refused). 0 when every item has its
 * answer; -1 + err when Redis failed: the items left with rc -1 may or may not be
 * queued (sending one again is answered QUEUE_REPLAY if it was). */
int queueEnqueueMany(queue *q, queueItem *it, size_t n, char *err);

/* One claimed stream entry. */
typedef struct queueEntry {
    char sid[QUEUE_SID_MAX];
    char *scid, *id, *did;
    char *payload;
    size_t len;
    char *traceparent;             /* its "tp" field (trace.h), NULL when it has none */
} queueEntry;

typedef struct queueEntries {
    queueEntry *e;
    size_t n, cap;
} queueEntries;

void queueEntriesFree(queueEntries *es);

/* queueGroupEnsure: create the consumer group of a stream (idempotent). */
int queueGroupEnsure(queue *q, int shard, const char *stream, char *err);

/* queueReadNew: XREADGROUP up to max new entries for consumer, waiting up to
 * blockMs (0 = do not wait) for the first. Appends to out. Count or -1. */
int queueReadNew(queue *q, int shard, const char *stream, const char *consumer, size_t max,
                 long long blockMs, queueEntries *out, char *err);

/* queueReclaim: XAUTOCLAIM up to max entries pending longer than minIdleMs
 * (a dead worker's) for consumer. Appends to out. Count or -1. */
int queueReclaim(queue *q, int shard, const char *stream, const char *consumer, long long minIdleMs,
                 size_t max, queueEntries *out, char *err);

/* queueClaimIds: XCLAIM the given entries for consumer whatever their idle
 * time (resuming a journaled batch). Entries already gone are skipped. */
int queueClaimIds(queue *q, int shard, const char *stream, const char *consumer,
                  const char *const *sids, size_t n, queueEntries *out, char *err);

/* queueAck: XACK and XDEL the entries (their content now lives in published
 * logs, or in the dead-letter stream). Idempotent. */
int queueAck(queue *q, int shard, const char *stream, const char *const *sids, size_t n, char *err);

/* queueDeadLetter: atomically copy e with reason to the dead-letter stream,
 * mark its status "rejected" with the reason, release the budget it reserved (queueItem),
 * XACK and XDEL it. Idempotent. */
int queueDeadLetter(queue *q, int shard, const char *stream, const queueEntry *e, const char *reason,
                    char *err);

/* queueRequeue: atomically XADD a fresh copy of e to the end of the same stream
 * (bypassing the replay check: its status record, the replay marker, stays and is set
 * back to "queued" with the new sid), then XACK and XDEL e. Idempotent: when e is no
 * longer in the stream nothing happens and newSid is "". */
int queueRequeue(queue *q, int shard, const char *stream, const queueEntry *e, char newSid[QUEUE_SID_MAX],
                 char *err);

/* queueUnreserveMany: release the budget the events (scids[i], ids[i]) reserved at ingest
 * (queueItem), pipelined; the worker calls it once they are published. Idempotent. */
int queueUnreserveMany(queue *q, size_t n, const char *const *scids, const char *const *ids, char *err);

/* queueDepth: entries in a stream not yet acknowledged (XLEN; acked entries are deleted). */
long long queueDepth(queue *q, int shard, const char *stream, char *err);

/* queueOldestMs: when the oldest entry still in a stream was added (ms since the
 * epoch, from its id), 0 when the stream is empty. -1 + err. */
long long queueOldestMs(queue *q, int shard, const char *stream, char *err);

/* queueStatusSet: set fields (kv = name, value, name, value ...) of an event's
 * status record, e.g. "status","anchored","versionId","3-Qm...". */
int queueStatusSet(queue *q, const char *scid, const char *id, const char *const *kv, size_t nkv,
                   char *err);
/* queueStatusGet: the status record as a JSON object (*out, caller decrefs).
 * 1 found, 0 unknown event, -1 + err. */
int queueStatusGet(queue *q, const char *scid, const char *id, json_t **out, char *err);

/* queueStatusPutMany: the status of events that left the queue (anchored): for each
 * keys[i] (a status hash: queueKey(.., "events"|"dids", scid, id)) that still exists, drop
 * its stream id `sid`, set the nkv strings kv[i*nkv ...] and, when ttlMs && ttlMs[i] > 0,
 * make it expire in ttlMs[i] (else it keeps its own TTL); atomically per key, pipelined. A
 * status hash that expired stays gone (the event is answered from what is published). */
/* How long a registration's status stays once the DID is registered; also a status hash
 * that had expired and is written again by a dead letter or a re-queue (queue_redis.c). */
#define QUEUE_GENESIS_KEEP_MS 86400000LL
int queueStatusPutMany(queue *q, size_t n, const char *const *keys, const char *const *kv, size_t nkv,
                       const long long *ttlMs, char *err);

/* queueHset / queueHgetall: plain hash access (HSET key k v ...; HGETALL as a
 * JSON object of strings, 1 found / 0 absent / -1 + err). */
int queueHset(queue *q, const char *key, const char *const *kv, size_t nkv, char *err);
int queueHgetall(queue *q, const char *key, json_t **out, char *err);
/* queueHsetMany: HSET keys[i] with the nkv strings kv[i*nkv ...], for i < n, pipelined
 * (one round trip per 1000 keys). 0 / -1 + err. */
int queueHsetMany(queue *q, size_t n, const char *const *keys, const char *const *kv, size_t nkv, char *err);

/* ---- lease: one worker per shard at a time ---- */

/* leaseAcquire: SET NX PX with a fresh random token. 1 acquired (token set),
 * 0 held by someone else, -1 + err. */
int leaseAcquire(queue *q, int shard, long long ttlMs, char token[LEASE_TOKEN_MAX], char *err);
/* leaseRenew / leaseRelease: only by the token's owner (Lua compare-and-set).
 * 1 done, 0 not ours (expired or taken), -1 + err. */
int leaseRenew(queue *q, int shard, const char *token, long long ttlMs, char *err);
int leaseRelease(queue *q, int shard, const char *token, char *err);

/* ---- batch journal: claimed -> built -> staged -> submitted -> confirmed -> published -> acked ---- */

enum { JS_CLAIMED, JS_BUILT, JS_STAGED, JS_SUBMITTED, JS_CONFIRMED, JS_PUBLISHED, JS_ACKED, JS_COUNT };

typedef struct journal {
    char id[JOURNAL_ID_MAX]; /* local batch id "<ms>-<hex>" (not the chain batchId) */
    int shard;
    int state;            /* JS_* */
    char **k, **v;        /* every field of the hash (sids, root, txHash, batchId, ...) */
    size_t n;
} journal;

const char *journalStateName(int state);
int journalStateIndex(const char *name);   /* -1 if unknown */

/* journalCrashAt: test-only crash injection (WA_CRASH_AT): "STATE" kills the
 * process with SIGKILL right after that state is journaled, "before:STATE"
 * right before. NULL or "" disables. */
void journalCrashAt(const char *spec);

/* What journalCreate / journalAdvance answer besides 0 and -1 (-1 = Redis failed: the
 * write may be retried). Negative, so that every "< 0" check stays fail-safe; each comes
 * with a message in err, but callers decide on the code. Nothing was written. */
enum {
    JOURNAL_LEASE_LOST = -2,   /* token does not hold the shard's lease: final, stop the batch */
    JOURNAL_EXISTS     = -3,   /* create: a batch with this id exists */
    JOURNAL_MISSING    = -4,   /* advance: no such batch */
    JOURNAL_BACKWARDS  = -5    /* advance: the stored state is later than the one asked */
};

/* journalCreate: a new batch in state "claimed" holding the comma-joined
 * stream ids `sids` (and kv fields), added to the open set. Fenced: answers
 * JOURNAL_LEASE_LOST unless token still holds the shard's lease. 0 (j filled),
 * JOURNAL_* / -1 + err (j empty). */
int journalCreate(queue *q, int shard, const char *token, const char *sids,
                  const char *const *kv, size_t nkv, journal *j, char *err);

/* journalAdvance: move j to state (never backwards: JOURNAL_BACKWARDS; the same
 * state may be repeated to add fields) and set kv fields, fenced by the lease token
 * (JOURNAL_LEASE_LOST). JS_ACKED closes the batch (removed from the open set, kept 7
 * days). 0, JOURNAL_* + err, -1 + err; j is updated on 0 only. */
int journalAdvance(queue *q, journal *j, const char *token, int state, const char *const *kv,
                   size_t nkv, char *err);

/* journalResumeFind: the oldest unfinished batch of the shard into j.
 * 1 found, 0 none, -1 + err. */
int journalResumeFind(queue *q, int shard, journal *j, char *err);

/* journalOpenStats: how many batches of the shard are unfinished and when the
 * oldest was created (ms, 0 when none). 0 / -1 + err. */
int journalOpenStats(queue *q, int shard, long long *n, long long *oldestMs, char *err);

/* journalLoad: batch `id` of the shard into j. 1 found, 0 none, -1 + err. */
int journalLoad(queue *q, int shard, const char *id, journal *j, char *err);

/* journalField: a field's value or NULL. */
const char *journalField(const journal *j, const char *name);
void journalFree(journal *j);

#endif
