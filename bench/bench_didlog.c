/* bench_didlog.c -- figures for bench_didlog.sh.
 *
 *   bench_didlog gen DIR N           N did:webvh logs of 5 entries (library writer)
 *   bench_didlog verify DIR THREADS  verify every .jsonl file in DIR (read first), print
 *                                    "<logs> <entries> <seconds>"
 *   bench_didlog ed25519 SECS THREADS  libsodium Ed25519 verifications/s on THREADS */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "core/edkey.h"
#include "core/multiformat.h"
#include "core/rfc3339.h"
#include "core/io/file.h"
#include "didlog/webvh.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* gen: a typical custodial log: genesis, then 4 updates of the document. */
static int gen(const char *dir, int n) {
    char err[ERR_MAX], mk[MULTIKEY_PUB_MAX], path[1024], did[160], t[RFC3339_MAX];
    for (int i = 0; i < n; i++) {
        edKey k;
        edKeyGenerate(&k);
        mkEncodeEd25519Pub(k.pk, mk);
        snprintf(did, sizeof did, "did:webvh:{SCID}:anchor.example.com:.well-known:did:p%d", i);
        json_t *st = json_pack("{s[ss] ss s[{ss ss ss ss}] s[s] s[s]}", "@context", "https://www.w3.org/ns/did/v1",
                               "https://w3id.org/security/multikey/v1", "id", did, "verificationMethod", "id", "#key-1", "type",
                               "Multikey", "controller", did, "publicKeyMultibase", mk, "authentication", "#key-1",
                               "assertionMethod", "#key-1");
        json_t *p = json_pack("{s[s]}", "updateKeys", mk), *empty = json_object();
        buf line = BUF_INIT;
        rfc3339Format(1700000000LL + i, t);
        webvhLog *log = webvhCreate(st, p, t, k.sk, &line, err);
        for (int e = 1; log && e < 5; e++) {
            json_t *s2 = json_deep_copy(webvhHead(log)->state);
            json_object_set_new(s2, "service", json_pack("[{ss ss ss}]", "id", "#event", "type", "LinkedDomains", "serviceEndpoint",
                                                         "https://anchor.example.com/events/1234567890"));
            json_object_set_new(json_array_get(json_object_get(s2, "service"), 0), "seq", json_integer(e));
            rfc3339Format(1700000000LL + i + e * 86400LL, t);
            if (webvhAppend(log, s2, empty, t, k.sk, &line, err) < 0) { webvhFree(log); log = NULL; }
            json_decref(s2);
        }
        snprintf(path, sizeof path, "%s/%05d.jsonl", dir, i);
        int rc = log ? fileWrite(path, line.p, line.len, 0644, err) : -1;
        webvhFree(log);
        json_decref(st);
        json_decref(p);
        json_decref(empty);
        bufFree(&line);
        edKeyWipe(&k);
        if (rc < 0) { fprintf(stderr, "gen: %s\n", err); return 1; }
    }
    return 0;
}

typedef struct job { buf *files; int n, start, step; long entries, bad; } job;

static void *verifyRun(void *arg) {
    job *j = arg;
    for (int i = j->start; i < j->n; i += j->step) {
        webvhLog *log = webvhParse((const char *)j->files[i].p, j->files[i].len, NULL);
        webvhResult r;
        if (!log || webvhVerify(log, NULL, &r) < 0) j->bad++;
        else j->entries += (long)log->n;
        webvhFree(log);
    }
    return NULL;
}

static int verify(const char *dir, int threads) {
    DIR *d = opendir(dir);
    struct dirent *de;
    buf *files = NULL;
    int n = 0, cap = 0;
    char err[ERR_MAX], path[1024];
    while (d && (de = readdir(d))) {
        if (!strstr(de->d_name, ".jsonl")) continue;
        if (n == cap) files = realloc(files, (size_t)(cap = cap ? cap * 2 : 1024) * sizeof *files);
        memset(&files[n], 0, sizeof files[n]);
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (fileRead(path, WEBVH_LOG_MAX, &files[n++], err) < 0) { fprintf(stderr, "%s\n", err); return 1; }
    }
    if (d) closedir(d);
    pthread_t th[16];
    job jobs[16];
    if (threads < 1 || threads > 16) threads = 2;
    double t0 = now();
    for (int i = 0; i < threads; i++) {
        jobs[i] = (job){files, n, i, threads, 0, 0};
        pthread_create(&th[i], NULL, verifyRun, &jobs[i]);
    }
    long entries = 0, bad = 0;
    for (int i = 0; i < threads; i++) pthread_join(th[i], NULL), entries += jobs[i].entries, bad += jobs[i].bad;
    double s = now() - t0;
    printf("%d %ld %.4f\n", n, entries, s);
    for (int i = 0; i < n; i++) bufFree(&files[i]);
    free(files);
    if (bad) fprintf(stderr, "verify: %ld invalid logs\n", bad);
    return bad ? 1 : 0;
}

typedef struct edjob { double secs; long count; } edjob;

static void *edRun(void *arg) {
    edjob *j = arg;
    edKey k;
    uint8_t msg[64], sig[64];
    edKeyGenerate(&k);
    randombytes_buf(msg, sizeof msg);
    crypto_sign_detached(sig, NULL, msg, sizeof msg, k.sk);
    double t0 = now();
    while (now() - t0 < j->secs)
        for (int i = 0; i < 200; i++) j->count += crypto_sign_verify_detached(sig, msg, sizeof msg, k.pk) == 0;
    j->secs = now() - t0;
    return NULL;
}

static int ed25519(double secs, int threads) {
    pthread_t th[16];
    edjob jobs[16];
    if (threads < 1 || threads > 16) threads = 2;
    for (int i = 0; i < threads; i++) jobs[i] = (edjob){secs, 0}, pthread_create(&th[i], NULL, edRun, &jobs[i]);
    double rate = 0;
    for (int i = 0; i < threads; i++) pthread_join(th[i], NULL), rate += (double)jobs[i].count / jobs[i].secs;
    printf("%.0f\n", rate);
    return 0;
}

int main(int argc, char **argv) {
    if (sodium_init() < 0) return 2;
    if (argc == 4 && !strcmp(argv[1], "gen")) return gen(argv[2], atoi(argv[3]));
    if (argc == 4 && !strcmp(argv[1], "verify")) return verify(argv[2], atoi(argv[3]));
    if (argc == 4 && !strcmp(argv[1], "ed25519")) return ed25519(atof(argv[2]), atoi(argv[3]));
    fprintf(stderr, "usage: bench_didlog gen DIR N | verify DIR THREADS | ed25519 SECS THREADS\n");
    return 2;
}
