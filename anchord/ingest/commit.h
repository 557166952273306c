/* commit.h -- group commit: the Redis enqueues of concurrent requests in one round trip.
 *
 * HTTP threads hand checked events to one committer thread and suspend their
 * connection; the committer sends everything waiting as one pipeline
 * (queueEnqueueMany), and calls each request's done() with the answer, which resumes
 * it. Nothing waits on a timer: while one pipeline is in flight the next group
 * gathers, so an idle server answers as fast as before and a busy one makes one
 * round trip (and one Redis read/write) for many events. A 202 is still sent only
 * after Redis answered QUEUE_OK for that very event. */
#ifndef WA_COMMIT_H
#define WA_COMMIT_H
#include <stddef.h>
#include "core/err.h"
#include "anchord/queue/queue.h"

typedef struct commitReq {
    queueItem *item;                 /* filled in by the committer (item->rc) */
    char err[ERR_MAX];               /* why, when item->rc is -1 */
    void (*done)(struct commitReq *r);   /* the answer is in (see commitSubmit) */
    void *arg;                       /* the caller's */
    struct commitReq *next;          /* private */
} commitReq;

typedef struct committer committer;

/* commitStart: the committer thread with its own Redis connection (opened lazily);
 * at most max items per round trip. NULL + err. */
committer *commitStart(const char *redisUrl, int shards, int timeoutMs, size_t max, char *err);
/* commitSetWait: queueSetWait of the committer's queue (WA_REDIS_WAIT_*); call right after
 * commitStart, before the first commitSubmit. */
void commitSetWait(committer *c, int replicas, int timeoutMs);

/* commitSubmit: queue r; done(r) follows exactly once: on the committer thread,
 * or at once on the caller's (item->rc -1, "shutting down") after commitStop began. */
void commitSubmit(committer *c, commitReq *r);

/* commitStop: answer everything submitted and stop the thread; later submits are
 * answered at once. commitFree: free c once nothing can submit any more. */
void commitStop(committer *c);
void commitFree(committer *c);

#endif
