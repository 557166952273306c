/* batch_bounds.c -- the two bounds bench_batch.sh prints the batch next to:
 *   batch_bounds s3raw N SIZE       N unconditional PUTs of SIZE bytes to $WA_STORE through
 *                                   storePutMany (libcurl multi, keep-alive, SigV4, no
 *                                   conditions), then N GETs of them (storeGetMany):
 *                                   prints "N PUT_SECONDS GET_SECONDS"
 *   batch_bounds ed25519 SECS T     libsodium Ed25519 signs/s and verifies/s on T threads
 *                                   (64-byte messages, as eddsa-jcs-2022 signs): "SIGN VERIFY" */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "anchord/store/store.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int s3raw(int n, int size) {
    char err[ERR_MAX];
    store *s = storeOpen(getenv("WA_STORE"), NULL, err);
    if (!s) { fprintf(stderr, "batch_bounds: %s\n", err); return 1; }
    char *body = malloc((size_t)size);
    memset(body, 'x', (size_t)size);
    storeReq *r = calloc((size_t)n, sizeof *r);
    char (*keys)[64] = calloc((size_t)n, 64);
    for (int i = 0; i < n; i++) {
        snprintf(keys[i], 64, "bench-raw/%06d/did.jsonl", i);
        r[i] = (storeReq){.key = keys[i], .data = body, .len = (size_t)size, .cond = STORE_PUT_ANY};
    }
    double t0 = now();
    int failed = storePutMany(s, r, (size_t)n, err);
    double secs = now() - t0;
    if (failed) fprintf(stderr, "batch_bounds: %d puts failed: %s\n", failed, failed > 0 ? r[0].err : err);
    storeGetReq *g = calloc((size_t)n, sizeof *g);
    for (int i = 0; i < n; i++) g[i] = (storeGetReq){.key = keys[i], .max = (size_t)size};
    t0 = now();
    int gfailed = storeGetMany(s, g, (size_t)n, err);
    double gsecs = now() - t0;
    if (gfailed) fprintf(stderr, "batch_bounds: %d gets failed\n", gfailed);
    for (int i = 0; i < n; i++) bufFree(&g[i].body);
    free(g);
    printf("%d %.3f %.3f\n", n, secs, gsecs);
    free(keys); free(r); free(body);
    storeClose(s);
    return failed ? 1 : 0;
}

typedef struct edjob { double secs; int sign; long count; double took; } edjob;

static void *edRun(void *arg) {
    edjob *j = arg;
    unsigned char pk[32], sk[64], msg[64], sig[64];
    crypto_sign_keypair(pk, sk);
    randombytes_buf(msg, sizeof msg);
    crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
    double t0 = now();
    do {
        for (int i = 0; i < 200; i++) {
            if (j->sign) crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
            else if (crypto_sign_verify_detached(sig, msg, sizeof msg, pk) != 0) abort();
        }
        j->count += 200;
    } while ((j->took = now() - t0) < j->secs);
    return NULL;
}

static double edRate(double secs, int threads, int sign) {
    pthread_t th[16];
    edjob jobs[16];
    double rate = 0;
    for (int i = 0; i < threads; i++) jobs[i] = (edjob){secs, sign, 0, 0}, pthread_create(&th[i], NULL, edRun, &jobs[i]);
    for (int i = 0; i < threads; i++) pthread_join(th[i], NULL), rate += (double)jobs[i].count / jobs[i].took;
    return rate;
}

int main(int argc, char **argv) {
    if (sodium_init() < 0) return 2;
    if (argc == 4 && !strcmp(argv[1], "s3raw")) return s3raw(atoi(argv[2]), atoi(argv[3]));
    if (argc == 4 && !strcmp(argv[1], "ed25519")) {
        int t = atoi(argv[3]);
        if (t < 1 || t > 16) t = 2;
        double s = edRate(atof(argv[2]), t, 1);
        printf("%.0f %.0f\n", s, edRate(atof(argv[2]), t, 0));
        return 0;
    }
    fprintf(stderr, "usage: batch_bounds s3raw N SIZE | ed25519 SECS THREADS\n");
    return 2;
}
