/* test_clock.c -- core/io/clock: the clocks agree with the system's, sleeps last the
 * whole time even when a signal arrives, the back-off gives the numbers the project
 * used before (journal 250 << n; RPC d + up to 50 %, cap 10 s; S3/Azure 10 + [0, d),
 * d = 200 << (n-1), cap 2 s), the condition wait runs on the monotonic clock. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>
#include "core/io/clock.h"
#include "tests/unit/t.h"

static void testClocks(void) {
    int64_t w = clockWallMs();
    int64_t sys = (int64_t)time(NULL) * 1000;
    T_CHECK(w >= sys - 1000 && w <= sys + 2000, "wall %lld vs time() %lld", (long long)w, (long long)sys);
    int64_t a = clockMonoNs(), b = clockMonoNs();
    T_CHECK(b >= a, "monotonic ns goes back: %lld then %lld", (long long)a, (long long)b);
    int64_t m = clockMonoMs();
    T_CHECK(m >= a / 1000000 && m <= clockMonoNs() / 1000000, "mono ms agrees with mono ns");
    T_CHECK(clockReal.monoMs(clockReal.ctx) >= m, "clockReal.monoMs");
}

static void onAlarm(int sig) { (void)sig; }

/* A 300 ms sleep with a signal at 50 ms still lasts 300 ms. */
static void testSleep(void) {
    int64_t t0 = clockMonoMs();
    clockSleepMs(120);
    int64_t d = clockMonoMs() - t0;
    T_CHECK(d >= 120 && d < 2000, "clockSleepMs(120) took %lld ms", (long long)d);
    t0 = clockMonoNs();
    clockSleepUs(20000);
    d = (clockMonoNs() - t0) / 1000;
    T_CHECK(d >= 20000, "clockSleepUs(20000) took %lld us", (long long)d);
    t0 = clockMonoMs();
    clockSleepMs(0);
    clockSleepMs(-5);
    clockSleepUs(-1);
    T_CHECK(clockMonoMs() - t0 < 50, "sleep <= 0 returns at once");

    struct sigaction sa = {0};
    sa.sa_handler = onAlarm;   /* no SA_RESTART: nanosleep returns EINTR */
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &it, NULL);
    t0 = clockMonoMs();
    clockSleepMs(300);
    d = clockMonoMs() - t0;
    T_CHECK(d >= 300, "a signal at 50 ms cut a 300 ms sleep to %lld ms", (long long)d);
    t0 = clockMonoMs();
    clockReal.sleepMs(clockReal.ctx, 30);
    T_CHECK(clockMonoMs() - t0 >= 30, "clockReal.sleepMs");
}

static void testBackoff(void) {
    /* journal writes: 250, 500, 1000, no jitter */
    T_CHECK(clockBackoffMs(1, 250, 0, CLOCK_JITTER_NONE) == 250, "journal 1");
    T_CHECK(clockBackoffMs(2, 250, 0, CLOCK_JITTER_NONE) == 500, "journal 2");
    T_CHECK(clockBackoffMs(3, 250, 0, CLOCK_JITTER_NONE) == 1000, "journal 3");
    T_CHECK(clockBackoffMs(0, 250, 0, CLOCK_JITTER_NONE) == 250, "attempt 0 counts as 1");
    T_CHECK(clockBackoffMs(9, 250, 1000, CLOCK_JITTER_NONE) == 1000, "capped");
    T_CHECK(clockBackoffMs(1000000, 250, 0, CLOCK_JITTER_NONE) > 0, "no overflow without a cap");
    T_CHECK(clockBackoffMs(3, 0, 10000, CLOCK_JITTER_HALF) == 0, "base 0 (WA_RPC_BACKOFF_MS=0): no pause");
    T_CHECK(clockBackoffMs(3, -5, 10000, CLOCK_JITTER_NONE) == 0, "negative base: no pause");
    /* RPC rounds: d = 250 << (n-1) capped at 10 s, plus uniform [0, d/2] */
    int badHalf = 0, badFull = 0, sawHalfTop = 0, sawFullLow = 0;
    for (int n = 1; n <= 12; n++) {
        int64_t d = 250LL << (n - 1);
        if (d > 10000) d = 10000;
        for (int i = 0; i < 400; i++) {
            int64_t p = clockBackoffMs(n, 250, 10000, CLOCK_JITTER_HALF);
            if (p < d || p > d + d / 2) badHalf++;
            if (p > d + d / 4) sawHalfTop = 1;
        }
        /* S3/Azure: 10 + uniform [0, d), d = 200 << (n-1) capped at 2 s */
        int64_t f = 200LL << (n - 1);
        if (f > 2000) f = 2000;
        for (int i = 0; i < 400; i++) {
            int64_t p = clockBackoffMs(n, 200, 2000, CLOCK_JITTER_FULL);
            if (p < 10 || p >= 10 + f) badFull++;
            if (p < 10 + f / 4) sawFullLow = 1;
        }
    }
    T_CHECK(badHalf == 0, "%d HALF pauses out of [d, 1.5 d]", badHalf);
    T_CHECK(badFull == 0, "%d FULL pauses out of [10, 10 + d)", badFull);
    T_CHECK(sawHalfTop && sawFullLow, "the jitter spreads (upper half / lower quarter seen)");
    T_CHECK(clockBackoffMs(5, 0, 2000, CLOCK_JITTER_FULL) == 10, "FULL keeps its 10 ms floor");
}

typedef struct waiter { pthread_mutex_t mu; pthread_cond_t cv; int flag; } waiter;

static void *wake(void *arg) {
    waiter *w = arg;
    clockSleepMs(50);
    pthread_mutex_lock(&w->mu);
    w->flag = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void testCond(void) {
    waiter w = {.mu = PTHREAD_MUTEX_INITIALIZER};
    T_CHECK(clockCondInit(&w.cv) == 0, "clockCondInit");
    pthread_mutex_lock(&w.mu);
    int64_t t0 = clockMonoMs();
    int rc;
    do rc = clockCondWaitMs(&w.cv, &w.mu, 150 - (clockMonoMs() - t0));
    while (rc == 0);
    int64_t d = clockMonoMs() - t0;
    T_CHECK(rc == ETIMEDOUT && d >= 150 && d < 2000, "timed out after %lld ms (rc %d)", (long long)d, rc);
    T_CHECK(clockCondWaitMs(&w.cv, &w.mu, 0) == ETIMEDOUT, "ms 0: ETIMEDOUT at once");
    pthread_t th;
    pthread_create(&th, NULL, wake, &w);
    t0 = clockMonoMs();
    rc = 0;
    while (!w.flag && rc == 0) rc = clockCondWaitMs(&w.cv, &w.mu, 5000);
    d = clockMonoMs() - t0;
    T_CHECK(w.flag && rc == 0 && d < 4000, "woken after %lld ms (rc %d)", (long long)d, rc);
    pthread_mutex_unlock(&w.mu);
    pthread_join(th, NULL);
    /* The condition really is on CLOCK_MONOTONIC. */
    pthread_condattr_t a;
    clockid_t id = CLOCK_REALTIME;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_condattr_getclock(&a, &id);
    T_CHECK(id == CLOCK_MONOTONIC, "the platform supports monotonic condition variables");
    pthread_condattr_destroy(&a);
    pthread_cond_destroy(&w.cv);
}

int main(void) {
    testClocks();
    testSleep();
    testBackoff();
    testCond();
    return T_DONE();
}
