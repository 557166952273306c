/* bench_didverify.c -- figures for bench_didverify.sh.
 *
 *   bench_didverify verify DIR ANCHORS THREADS
 *       reads every history listed in DIR/dids.txt (did.jsonl, witness.json,
 *       did-witness.json, as test-tool fixture publishes them) into memory, then verifies
 *       them all with verifyHistory against the anchors file on THREADS threads;
 *       prints "<dids> <entries> <signatures> <seconds>"; exit 1 unless every
 *       history is ANCHORED. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "didlog/didurl.h"
#include "core/io/file.h"
#include "didlog/webvh.h"
#include "verifier/verify.h"

typedef struct hist { buf f[3]; char *did; } hist;
typedef struct job { hist *h; int n, start, step; rootsSrc *src; long entries, bad; unsigned long sigs; } job;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void *run(void *arg) {
    job *j = arg;
    char err[ERR_MAX];
    for (int i = j->start; i < j->n; i += j->step) {
        hist *h = &j->h[i];
        historyInput in = {(const char *)h->f[0].p, h->f[0].len, (const char *)h->f[1].p, h->f[1].len,
                           (const char *)h->f[2].p, h->f[2].len, h->did, 0, NULL};
        historyReport r;
        if (verifyHistory(&in, j->src, &r, err) < 0 || historyVerdict(&r) != VERDICT_ANCHORED) {
            if (!j->bad++) fprintf(stderr, "bench: %s: %s\n", h->did, r.n ? r.v[r.n - 1].reason : err);
        }
        j->entries += (long)r.n;
        j->sigs += r.sigs;
        historyFree(&r);
    }
    return NULL;
}

static int verifyAll(const char *dir, const char *anchors, int threads) {
    static const char *names[3] = {"did.jsonl", "witness.json", "did-witness.json"};
    char err[ERR_MAX], path[1200];
    buf list = BUF_INIT, ab = BUF_INIT;
    snprintf(path, sizeof path, "%s/dids.txt", dir);
    if (fileRead(path, 1u << 28, &list, err) < 0 || fileRead(anchors, 1u << 28, &ab, err) < 0) { fprintf(stderr, "%s\n", err); return 2; }
    anchorsFile af;
    rootsSrc src;
    if (anchorsParse((const char *)ab.p, ab.len, &af, err) < 0 || rootsOpenAnchors(&src, &af, NULL, 0, err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    int n = 0, cap = 0;
    hist *h = NULL;
    for (char *p = (char *)list.p, *e; p && *p; p = e + 1) {
        if (!(e = strchr(p, '\n'))) break;
        *e = 0;
        if (n == cap) h = realloc(h, (size_t)(cap = cap ? 2 * cap : 1024) * sizeof *h);
        memset(&h[n], 0, sizeof h[n]);
        h[n].did = p;
        char scid[WEBVH_SCID_LEN + 1];
        didScidOf(p, scid);
        for (int k = 0; k < 3; k++) {
            snprintf(path, sizeof path, "%s/.well-known/did/%s/%s", dir, scid, names[k]);
            if (fileRead(path, WEBVH_LOG_MAX, &h[n].f[k], err) < 0) { fprintf(stderr, "%s\n", err); return 2; }
        }
        n++;
    }
    pthread_t th[16];
    job jobs[16];
    if (threads < 1 || threads > 16) threads = 2;
    double t0 = now();
    for (int i = 0; i < threads; i++) {
        jobs[i] = (job){h, n, i, threads, &src, 0, 0, 0};
        pthread_create(&th[i], NULL, run, &jobs[i]);
    }
    long entries = 0, bad = 0;
    unsigned long sigs = 0;
    for (int i = 0; i < threads; i++) pthread_join(th[i], NULL), entries += jobs[i].entries, bad += jobs[i].bad, sigs += jobs[i].sigs;
    double s = now() - t0;
    printf("%d %ld %lu %.4f\n", n, entries, sigs, s);
    for (int i = 0; i < n; i++) for (int k = 0; k < 3; k++) bufFree(&h[i].f[k]);
    free(h);
    rootsClose(&src);
    anchorsFree(&af);
    bufFree(&list);
    bufFree(&ab);
    if (bad) fprintf(stderr, "bench: %ld histories not ANCHORED\n", bad);
    return bad ? 1 : 0;
}

int main(int argc, char **argv) {
    if (sodium_init() < 0) return 2;
    if (argc == 5 && !strcmp(argv[1], "verify")) return verifyAll(argv[2], argv[3], atoi(argv[4]));
    fprintf(stderr, "usage: bench_didverify verify DIR ANCHORS THREADS\n");
    return 2;
}
