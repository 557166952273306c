/* clock.c -- the one place that reads the clocks and sleeps (clock.h). */
#include <errno.h>
#include <time.h>
#include <sodium.h>
#include "core/io/clock.h"

/* now: clock id c in nanoseconds. */
static int64_t now(clockid_t c) {
    struct timespec ts;
    clock_gettime(c, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t clockWallMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clockMonoNs(void) { return now(CLOCK_MONOTONIC); }

int64_t clockMonoMs(void) { return now(CLOCK_MONOTONIC) / 1000000; }

/* sleepNs: nanosleep the whole ns, resuming after a signal. */
static void sleepNs(int64_t ns) {
    if (ns <= 0) return;
    struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
}

void clockSleepMs(int64_t ms) {
    if (ms > 0) sleepNs(ms > INT64_MAX / 1000000 ? INT64_MAX : ms * 1000000);
}

void clockSleepUs(int64_t us) {
    if (us > 0) sleepNs(us > INT64_MAX / 1000 ? INT64_MAX : us * 1000);
}

/* uniform: a uniform integer in [0, n) for n >= 1 (n above 2^32-1 is cut to it). */
static int64_t uniform(int64_t n) {
    return n <= 1 ? 0 : (int64_t)randombytes_uniform(n > UINT32_MAX ? UINT32_MAX : (uint32_t)n);
}

int64_t clockBackoffMs(int attempt, int64_t baseMs, int64_t capMs, clockJitter j) {
    int64_t d = baseMs > 0 ? baseMs : 0;
    for (int i = 1; i < attempt && d > 0 && (capMs <= 0 || d < capMs) && d <= INT64_MAX / 4; i++) d *= 2;
    if (capMs > 0 && d > capMs) d = capMs;
    switch (j) {
    case CLOCK_JITTER_HALF: return d + uniform(d / 2 + 1);
    case CLOCK_JITTER_FULL: return 10 + uniform(d);
    default: return d;
    }
}

int clockCondInit(pthread_cond_t *cv) {
    pthread_condattr_t a;
    int rc = pthread_condattr_init(&a);
    if (rc) return rc;
    rc = pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    if (!rc) rc = pthread_cond_init(cv, &a);
    pthread_condattr_destroy(&a);
    return rc;
}

int clockCondWaitMs(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t ms) {
    if (ms <= 0) return ETIMEDOUT;
    int64_t at = now(CLOCK_MONOTONIC) + (ms > INT64_MAX / 4000000 ? INT64_MAX / 4 : ms * 1000000);
    struct timespec ts = {(time_t)(at / 1000000000), (long)(at % 1000000000)};
    int rc = pthread_cond_timedwait(cv, mu, &ts);
    return rc == ETIMEDOUT ? ETIMEDOUT : 0;
}

static int64_t realMono(void *ctx) { (void)ctx; return clockMonoMs(); }
static void realSleep(void *ctx, int64_t ms) { (void)ctx; clockSleepMs(ms); }

const clockSrc clockReal = {realMono, realSleep, NULL};
