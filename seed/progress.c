/* progress.c -- a one-line progress bar (isatty(2)) or a line per 10% for logs. */
#include <stdio.h>
#include <unistd.h>
#include "core/io/clock.h"
#include "seed/progress.h"

double progressNow(void) { return (double)clockMonoNs() / 1e9; }

void progressStart(progress *p, const char *label, size_t total, int quiet) {
    *p = (progress){.label = label, .total = total, .tty = isatty(2), .quiet = quiet, .lastPct = -1};
    p->t0 = p->last = progressNow();
}

static void draw(progress *p, int final) {
    double el = progressNow() - p->t0;
    int pct = p->total ? (int)(100.0 * (double)p->done / (double)p->total) : 100;
    if (p->tty) {
        char bar[31];
        int fill = pct * 30 / 100;
        for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
        bar[30] = 0;
        fprintf(stderr, "\r%-10s [%s] %3d%% %zu/%zu not ok %zu %.1fs%s", p->label, bar, pct, p->done, p->total, p->bad, el,
                final ? "\n" : "");
    } else if ((final && pct != p->lastPct) || (!final && pct / 10 != p->lastPct / 10)) {
        fprintf(stderr, "%s: %zu/%zu (%d%%), not ok %zu, %.1fs\n", p->label, p->done, p->total, pct, p->bad, el);
    }
    p->lastPct = pct;
    fflush(stderr);
}

void progressSet(progress *p, size_t done, size_t bad) {
    p->done = done, p->bad = bad;
    if (p->quiet) return;
    double now = progressNow();
    if (p->tty && now - p->last < 0.1) return;
    p->last = now;
    draw(p, 0);
}

void progressEnd(progress *p) {
    if (!p->quiet) draw(p, 1);
}
