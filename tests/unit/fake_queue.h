/* fake_queue.h -- an in-memory queue backend (anchord/queue/queue_impl.h) for unit tests:
 * streams with one consumer group, status hashes, the DID registry, rate counters, the
 * lease and the batch journal, keeping the contract queue_impl.h states (the same answers
 * as queue_redis.c's Lua scripts; test_queue_fake.c checks it with the assertions
 * tests/integration/anchord_queue.sh runs against Redis).
 *
 * Differences from Redis, on purpose: time is the fake's own clock (fakeQueueAdvance),
 * starting at FAKE_QUEUE_T0 and moving only when a test moves it, so lease expiry, rate
 * windows and reclaim idle times are deterministic; queueReadNew never blocks; a
 * fork()ed child's writes stay in the child. Built into $(BUILD)/tests/libfake.a, never
 * into the product. Not thread-safe (like a queue). */
#ifndef WA_FAKE_QUEUE_H
#define WA_FAKE_QUEUE_H
#include <stddef.h>
#include "anchord/queue/queue.h"

#define FAKE_QUEUE_T0 1700000000000LL   /* the fake clock at open, ms since the epoch */

/* The operations a test can count and make fail (queue_impl.h's queueOps). */
enum {
    FQ_PING, FQ_ENQUEUE, FQ_SCAN, FQ_GROUP, FQ_READ, FQ_RECLAIM, FQ_CLAIM, FQ_ACK, FQ_DEAD, FQ_REQUEUE,
    FQ_UNRESERVE, FQ_DEPTH, FQ_OLDEST, FQ_HSET, FQ_HGET, FQ_LEASE, FQ_JOURNAL, FQ_JOPEN, FQ_COUNT
};

/* fakeQueueOpen: an empty queue with `shards` shards. NULL when out of memory. Close it
 * with queueClose. */
queue *fakeQueueOpen(int shards);

/* fakeQueueAdvance: move the fake clock by ms; fakeQueueNow: its time (ms). */
void fakeQueueAdvance(queue *q, long long ms);
long long fakeQueueNow(const queue *q);

/* fakeQueueFail: after `after` more calls of op that succeed, the next `times` calls fail
 * with -1 + err ("fake queue: injected failure"), changing nothing. */
void fakeQueueFail(queue *q, int op, int after, int times);

/* fakeQueueCalls: calls of op so far (failed ones included). */
long long fakeQueueCalls(const queue *q, int op);

/* fakeQueuePending: entries of a stream delivered to the group and not acknowledged. */
size_t fakeQueuePending(const queue *q, int shard, const char *stream);

/* fakeQueueDead: the i-th dead letter of a shard (in order): its original stream id,
 * id and reason (pointers into the fake). 1 found, 0 no such. */
int fakeQueueDead(const queue *q, int shard, size_t i, const char **sid, const char **id, const char **reason);

#endif
