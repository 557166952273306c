/* progress.h -- progress of a bulk step on stderr: a bar on a terminal, plain lines otherwise. */
#ifndef WA_SEED_PROGRESS_H
#define WA_SEED_PROGRESS_H
#include <stddef.h>

typedef struct progress {
    const char *label;
    size_t total, done, bad;
    int tty, quiet, lastPct;
    double t0, last;
} progress;

/* progressStart: begin a step of total units; quiet = print nothing. */
void progressStart(progress *p, const char *label, size_t total, int quiet);

/* progressSet: done units so far, bad of them failed; redraws at most ~10 times a second. */
void progressSet(progress *p, size_t done, size_t bad);

/* progressEnd: the final line with the count, failures and rate. */
void progressEnd(progress *p);

/* progressNow: monotonic seconds (core/io/clock). */
double progressNow(void);

#endif
