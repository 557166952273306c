/* ingest_bound.c -- the Ed25519-verify bound of the ingest benchmark: libsodium
 * crypto_sign_verify_detached on T threads over messages of the benchmark's own event
 * sizes (each line of FILE is signed once, then verified in a loop for SECONDS).
 * Usage: ingest_bound FILE THREADS SECONDS   -> prints "<verifies/s> <mean bytes> <CPU us per
 * verify>" (the CPU time, not the wall time: on a shared machine a verify's wall time
 * includes the waits for a core, its CPU time does not). */
#include <pthread.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "core/buf.h"
#include "core/err.h"
#include "core/io/file.h"

typedef struct msgs {
    const unsigned char **p;
    size_t *len;
    unsigned char (*sig)[64];
    size_t n;
    unsigned char pk[32];
    double seconds;
} msgs;

typedef struct worker {
    const msgs *m;
    size_t start;
    long long done;
    int bad;
} worker;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* run: verify messages round-robin until the time is up (checked every 256). */
static void *run(void *arg) {
    worker *w = arg;
    const msgs *m = w->m;
    double end = now() + m->seconds;
    size_t i = w->start;
    for (;;) {
        for (int k = 0; k < 256; k++, i = (i + 1) % m->n, w->done++)
            if (crypto_sign_verify_detached(m->sig[i], m->p[i], m->len[i], m->pk) != 0) w->bad = 1;
        if (now() >= end) break;
    }
    return NULL;
}

/* cpuSeconds: user + system CPU time of the whole process (every thread) so far. */
static double cpuSeconds(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv) {
    if (argc != 4 || sodium_init() < 0) { fprintf(stderr, "usage: ingest_bound FILE THREADS SECONDS\n"); return 2; }
    int threads = atoi(argv[2]);
    if (threads < 1 || threads > 64) threads = 2;
    buf b = BUF_INIT;
    char err[ERR_MAX];
    if (fileRead(argv[1], 1u << 30, &b, err) < 0) { fprintf(stderr, "ingest_bound: %s\n", err); return 1; }
    msgs m = {.seconds = atof(argv[3])};
    size_t cap = 1024, total = 0;
    m.p = malloc(cap * sizeof *m.p);
    m.len = malloc(cap * sizeof *m.len);
    for (size_t pos = 0; pos < b.len && m.n < 20000;) {   /* a sample of the events is enough */
        const unsigned char *nl = memchr(b.p + pos, '\n', b.len - pos);
        size_t end = nl ? (size_t)(nl - b.p) : b.len;
        if (m.n == cap) {
            cap *= 2;
            m.p = realloc(m.p, cap * sizeof *m.p);
            m.len = realloc(m.len, cap * sizeof *m.len);
        }
        if (end > pos) { m.p[m.n] = b.p + pos; m.len[m.n] = end - pos; total += end - pos; m.n++; }
        pos = end + 1;
    }
    if (!m.n) { fprintf(stderr, "ingest_bound: no events in %s\n", argv[1]); return 1; }
    unsigned char sk[64];
    crypto_sign_keypair(m.pk, sk);
    m.sig = malloc(m.n * sizeof *m.sig);
    for (size_t i = 0; i < m.n; i++) crypto_sign_detached(m.sig[i], NULL, m.p[i], m.len[i], sk);
    sodium_memzero(sk, sizeof sk);
    worker w[64];
    pthread_t t[64];
    double t0 = now(), c0 = cpuSeconds();
    for (int i = 0; i < threads; i++) {
        w[i] = (worker){&m, (size_t)i * m.n / (size_t)threads, 0, 0};
        pthread_create(&t[i], NULL, run, &w[i]);
    }
    long long done = 0;
    int bad = 0;
    for (int i = 0; i < threads; i++) { pthread_join(t[i], NULL); done += w[i].done; bad |= w[i].bad; }
    double secs = now() - t0, cpu = cpuSeconds() - c0;
    if (bad) { fprintf(stderr, "ingest_bound: a signature did not verify\n"); return 1; }
    printf("%.0f %.0f %.1f\n", (double)done / secs, (double)total / (double)m.n, done ? 1e6 * cpu / (double)done : 0);
    free(m.p); free(m.len); free(m.sig); bufFree(&b);
    return 0;
}
