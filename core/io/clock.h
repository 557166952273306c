/* clock.h -- the one place that reads the clocks and sleeps (docs/io.md, "Clocks").
 *
 * Wall clock (CLOCK_REALTIME: clockWallMs): times that leave the process or are compared
 * with other machines -- the event time window, versionTime and proof "created", status
 * records (received/anchored/rejected), journal ids and created/updated, the rate-limit
 * minute (shared by every ingest server), stream-entry ages (Redis ids are the server's
 * wall ms), log "ts", metric timestamps, "now" of did:webvh versionTime checks, seed's
 * now-relative times.
 * Monotonic (CLOCK_MONOTONIC: clockMonoMs/Ns): everything measured inside the process --
 * durations and phase timings, deadlines (tx timeout, bump time, confirmations, batch max
 * wait), retry back-off, cache TTLs, the lease keeper's wait, progress rates, benches.
 * A wall-clock step (NTP, an operator) never shortens or stretches a monotonic interval.
 * Thread-safe; no state. No errors: the clocks used always exist on Linux. */
#ifndef WA_CLOCK_H
#define WA_CLOCK_H
#include <pthread.h>
#include <stdint.h>

/* clockWallMs: milliseconds since 1970-01-01T00:00:00Z (CLOCK_REALTIME). */
int64_t clockWallMs(void);
/* clockMonoMs / clockMonoNs: CLOCK_MONOTONIC in ms / ns, from an unspecified start. */
int64_t clockMonoMs(void);
int64_t clockMonoNs(void);

/* clockSleepMs / clockSleepUs: sleep the whole time (a sleep interrupted by a signal
 * resumes for what is left); ms/us <= 0 returns at once. Callers that must notice a
 * signal sleep in short steps and check their flag in between. */
void clockSleepMs(int64_t ms);
void clockSleepUs(int64_t us);

/* How clockBackoffMs spreads pauses, so that clients that failed together do not
 * retry together. */
typedef enum {
    CLOCK_JITTER_NONE,   /* d exactly (journal writes) */
    CLOCK_JITTER_HALF,   /* d + uniform[0, d/2] (JSON-RPC rounds, Redis Cluster retries) */
    CLOCK_JITTER_FULL    /* 10 + uniform[0, d) ("full jitter": the object stores) */
} clockJitter;

/* clockBackoffMs: the pause before retry `attempt` (1 = the first retry), with
 * d = min(capMs, baseMs << (attempt-1)) spread by j as above. attempt < 1 counts as 1;
 * baseMs <= 0 gives 0 (NONE, HALF) or 10 (FULL: the 10 ms floor); capMs <= 0 means no cap.
 * The numbers the project used before this module: journal base 250 NONE; RPC base
 * WA_RPC_BACKOFF_MS cap 10 s HALF; S3/Azure base 200 cap 2 s FULL. Thread-safe
 * (libsodium's randombytes_uniform). */
int64_t clockBackoffMs(int attempt, int64_t baseMs, int64_t capMs, clockJitter j);

/* clockCondInit: initialise cv as a condition variable whose timed waits run on the
 * monotonic clock. 0, or an errno value (pthread's). */
int clockCondInit(pthread_cond_t *cv);
/* clockCondWaitMs: wait on cv (initialised by clockCondInit; mu held, as for
 * pthread_cond_wait) for at most ms milliseconds: a wall-clock step neither shortens
 * nor stretches the wait. 0 woken (or spuriously: re-check the predicate), ETIMEDOUT
 * when ms passed. ms <= 0 returns ETIMEDOUT without waiting. */
int clockCondWaitMs(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t ms);

/* clockSrc: the monotonic clock and sleep as a seam, so that a unit test can run code
 * with timeouts and bumps without waiting (its sleepMs advances its monoMs).
 * clockReal is the real clock (clockMonoMs, clockSleepMs; ctx unused). */
typedef struct clockSrc {
    int64_t (*monoMs)(void *ctx);
    void (*sleepMs)(void *ctx, int64_t ms);
    void *ctx;
} clockSrc;
extern const clockSrc clockReal;

#endif
