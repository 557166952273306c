/* queue_impl.h -- what a queue backend provides (queue_redis.c: Redis through qlink.h;
 * tests/unit/fake_queue.c: in memory), shared with queue.c. Like store_impl.h.
 *
 * queue.c keeps everything that is the same whatever holds the data: the key names
 * (queueKey, so every backend sees the same names), the shard of a SCID, the lease token,
 * the journal's id, states, in-memory copy and crash points (WA_CRASH_AT), the status
 * records as hashes, and every error message of a typed outcome (JOURNAL_*).
 *
 * The contract every backend keeps (the pipeline's invariants rest on it):
 *  - enqueueMany: per item, the replay marker (status hash), the rate count, the budget
 *    reservation and the stream entry appear together or not at all; an item answered
 *    QUEUE_OK is durable when the call returns (with q->waitReplicas: on that many
 *    replicas; an item whose write they did not confirm is left rc -1, "maybe queued"); an item is never sent twice after a
 *    lost reply (XADD must not run twice): it stays rc -1, "maybe queued";
 *  - a claimed entry belongs to one consumer until acked; reclaim / claimIds move it;
 *    ack removes it (XACK then XDEL); done twice = nothing more happens;
 *  - deadLetter and requeue are atomic and idempotent (a second call changes nothing);
 *  - journalRun changes nothing and answers JOURNAL_LEASE_LOST unless token holds the
 *    shard's lease (a write done but not confirmed by q->waitReplicas replicas is -1),
 *    JOURNAL_EXISTS for a create of an existing batch, JOURNAL_MISSING
 *    for an advance of an unknown one, JOURNAL_BACKWARDS for a state below the stored
 *    one; it sets the hash fields id, created (create), state, stateIndex, updated and
 *    kv, adds a created batch to the shard's open set and removes an acked one;
 *  - lease operations are compare-and-set on the token (QLEASE_*);
 *  - an error is -1 + err (the backend's own words); a typed outcome carries no text:
 *    queue.c writes it.
 * A backend is used by one thread at a time (queue.h).
 *
 * The queue on Redis Cluster (issue 16) is not a new backend: it is queue_redis.c, whose
 * commands keep every key of one command (a script's too) under one {sN} hash tag, over
 * the transport qlink.c on the slot router anchord/queue/rcluster.h (qlink.h says how). */
#ifndef WA_QUEUE_IMPL_H
#define WA_QUEUE_IMPL_H
#include "anchord/queue/queue.h"

/* lease operations of queueOps.lease */
enum { QLEASE_ACQUIRE, QLEASE_RENEW, QLEASE_RELEASE };

/* One slot per operation of queue.h; each does what the queue.h function of the same name
 * says (queue.c only adds the checks and messages common to every backend). */
typedef struct queueOps {
    /* ping: 0 when the backend answers, -1 + err. */
    int (*ping)(queue *q, char *err);
    /* enqueueMany: every item's rc, sid, retryAfter, used (queue.h queueItem); the items
     * arrive with rc -1. 0 / -1 + err. */
    int (*enqueueMany)(queue *q, queueItem *it, size_t n, char *err);
    /* scanScids: fn for every SCID with a key wa:{s<shard>}:<what>:<scid> (not deeper keys). */
    int (*scanScids)(queue *q, int shard, const char *what, int (*fn)(void *arg, const char *scid, char *err),
                     void *arg, char *err);
    /* groupEnsure: the stream's consumer group exists (already there = 0). 0 / -1 + err. */
    int (*groupEnsure)(queue *q, int shard, const char *stream, char *err);
    /* readNew: up to max new entries for consumer, waiting up to blockMs (0 = not) for the
     * first, appended to out. How many, or -1 + err. */
    int (*readNew)(queue *q, int shard, const char *stream, const char *consumer, size_t max, long long blockMs,
                   queueEntries *out, char *err);
    /* reclaim: up to max entries pending longer than minIdleMs, now consumer's, appended to
     * out. How many, or -1 + err. */
    int (*reclaim)(queue *q, int shard, const char *stream, const char *consumer, long long minIdleMs, size_t max,
                   queueEntries *out, char *err);
    /* claimIds: the entries sids (those still there), now consumer's whatever their idle
     * time, appended to out. How many, or -1 + err. */
    int (*claimIds)(queue *q, int shard, const char *stream, const char *consumer, const char *const *sids,
                    size_t n, queueEntries *out, char *err);
    /* ack: acknowledge then delete the entries sids. 0 / -1 + err. */
    int (*ack)(queue *q, int shard, const char *stream, const char *const *sids, size_t n, char *err);
    /* deadLetter: e with reason to the dead stream, status rejected, budget released, e
     * acked and deleted, atomically. 0 / -1 + err. */
    int (*deadLetter)(queue *q, int shard, const char *stream, const queueEntry *e, const char *reason, char *err);
    /* requeue: a fresh copy of e at the stream's end (its sid into newSid), e acked and
     * deleted, atomically; newSid "" when e was gone already. 0 / -1 + err. */
    int (*requeue)(queue *q, int shard, const char *stream, const queueEntry *e, char newSid[QUEUE_SID_MAX],
                   char *err);
    /* unreserveMany: release the budget each event (scids[i], ids[i]) reserved. 0 / -1 + err. */
    int (*unreserveMany)(queue *q, size_t n, const char *const *scids, const char *const *ids, char *err);
    /* depth: entries in the stream (acked ones are deleted), or -1 + err. */
    long long (*depth)(queue *q, int shard, const char *stream, char *err);
    /* oldestMs: the oldest entry's time (ms since the epoch, from its id), 0 when the
     * stream is empty, or -1 + err. */
    long long (*oldestMs)(queue *q, int shard, const char *stream, char *err);
    /* hsetMany / hgetall: plain hashes (queueHsetMany, queueHgetall). */
    int (*hsetMany)(queue *q, size_t n, const char *const *keys, const char *const *kv, size_t nkv, char *err);
    int (*hgetall)(queue *q, const char *key, json_t **out, char *err);
    /* statusPutMany: queueStatusPutMany (only existing keys are written). */
    int (*statusPutMany)(queue *q, size_t n, const char *const *keys, const char *const *kv, size_t nkv,
                         const long long *ttlMs, char *err);
    /* lease: op QLEASE_*; ACQUIRE sets token if the lease is free (SET NX PX), RENEW and
     * RELEASE only when it holds token. 1 done, 0 not (held / not ours), -1 + err. */
    int (*lease)(queue *q, int op, int shard, const char *token, long long ttlMs, char *err);
    /* journalRun: create (1) or advance (0) the batch j->id of j->shard to state with kv
     * fields, fenced by token (the contract above). 0, JOURNAL_* (no err), -1 + err. */
    int (*journalRun)(queue *q, const journal *j, const char *token, int state, int create,
                      const char *const *kv, size_t nkv, char *err);
    /* journalOpen: the shard's unfinished batches: how many, the oldest's id ("" when none)
     * and when it was created (ms, 0 when none). 0 / -1 + err. */
    int (*journalOpen)(queue *q, int shard, long long *n, char oldest[JOURNAL_ID_MAX], long long *oldestMs,
                       char *err);
    /* close: free the backend state (q->be), closing its connections. */
    void (*close)(queue *q);
} queueOps;

struct queue {
    const queueOps *ops;
    void *be;                 /* backend state */
    int shards;
    int waitReplicas;         /* queueSetWait: replicas a write must reach, -1 = 1 on a cluster, 0 alone */
    int waitMs;               /* ... within this many ms */
    char addr[300];           /* "host:port" for messages */
};

/* queueEntriesAdd: a new entry with stream id sid (its fields NULL, length 0) at the end
 * of es; the backend fills it. NULL when out of memory. */
queueEntry *queueEntriesAdd(queueEntries *es, const char *sid);
/* queueEntryComplete: a field e lacks becomes "": an entry lacking a field is still
 * returned, so that the worker dead-letters it (refusing the whole read would stop every
 * batch on one bad entry). 0 / -1 (out of memory). */
int queueEntryComplete(queueEntry *e);

/* queueRedisOpen: the Redis backend of q (q->shards already set) from a redis:// URL.
 * Connects lazily. 0 / -1 + err (a bad URL). */
int queueRedisOpen(queue *q, const char *url, int timeoutMs, char *err);

#endif
