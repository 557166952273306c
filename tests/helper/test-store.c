/* test-store.c -- `test-tool store`: an object store from the shell, ops commands and the conformance suite.
 *
 * Used by tests/integration/store*.sh, bench/bench_store*.sh, scripts/demo.sh and by operators to look at
 * a bucket the way anchord sees it. The store URL comes from -u URL or $WA_STORE;
 * credentials and endpoint from the AWS_* / AZURE_STORAGE_* environment (never from the
 * command line). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include "anchord/config/config.h"
#include "anchord/store/store.h"
#include "core/io/file.h"
#include "tests/helper/test-tool.h"

#define EX_OK 0
#define EX_ERR 1
#define EX_USAGE 2
#define EX_NOTFOUND 3
#define EX_CONFLICT 4

static const char usage[] =
    "usage: test-tool store [-u URL] COMMAND [ARGS]\n"
    "  probe                         check that conditional writes are honoured\n"
    "  get KEY                       object to stdout, \"etag: E\" to stderr\n"
    "  put KEY FILE|- [--if-absent | --if-match ETAG]   prints the new ETag\n"
    "  ls [PREFIX]                   keys and sizes\n"
    "  rm KEY                        delete (missing is fine)\n"
    "  cors                          set the CORS rule (S3: the bucket's; Azure: the account's)\n"
    "  suite                         conformance suite (ok/FAIL lines, then a summary)\n"
    "  race WRITERS ROUNDS           concurrent compare-and-swap check (processes)\n"
    "  bulk N [SIZE] [PREFIX]        put N objects with storePutMany; prints the rate\n"
    "URL: s3://bucket/prefix, azblob://account/container/prefix or file:///dir\n"
    "  (default $WA_STORE, then file://./public).\n"
    "Environment: AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION\n"
    "  AWS_ENDPOINT_URL AWS_S3_ADDRESSING_STYLE(path|virtual)\n"
    "  WA_STORE_PARALLEL (32) WA_STORE_RETRIES (5) WA_STORE_TRACE (0|1), checked as anchord checks them\n"
    "  AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT + AZURE_STORAGE_KEY or\n"
    "  AZURE_STORAGE_SAS_TOKEN (+ AZURE_STORAGE_SERVICE_ENDPOINT)\n"
    "Exit: 0 ok, 1 error, 2 usage, 3 not found, 4 conflict (ETag changed / key exists).\n";

static const char *url;

/* openOrDie: the store of -u URL, else WA_STORE; WA_STORE_PARALLEL, WA_STORE_RETRIES and
 * WA_STORE_TRACE as anchord reads them (its settings table: a bad value is an error). */
static store *openOrDie(void) {
    char err[ERR_MAX];
    config cfg;
    if (configLoad(&cfg, NULL, err) < 0) { fprintf(stderr, "test-tool store: %s\n", err); exit(EX_ERR); }
    storeOpts so = {(int)cfg.storeParallel, (int)cfg.storeRetries, (int)cfg.storeTrace};
    store *s = storeOpen(url ? url : cfg.store, &so, err);
    if (!s) { fprintf(stderr, "test-tool store: %s\n", err); exit(EX_ERR); }
    return s;
}

/* exitFor: the exit code for a store result, printing err on STORE_ERR. */
static int exitFor(int rc, const char *what, const char *err) {
    if (rc == STORE_ERR) { fprintf(stderr, "test-tool store: %s\n", err); return EX_ERR; }
    if (rc == STORE_NOTFOUND) { fprintf(stderr, "test-tool store: %s: not found\n", what); return EX_NOTFOUND; }
    if (rc == STORE_CONFLICT) { fprintf(stderr, "test-tool store: %s: conflict (changed or exists)\n", what); return EX_CONFLICT; }
    if (rc == STORE_TOOLARGE) { fprintf(stderr, "test-tool store: %s: larger than 1 GiB\n", what); return EX_ERR; }
    return EX_OK;
}

/* ---- ops commands ---- */

static int cmdGet(store *s, const char *key) {
    buf b = BUF_INIT;
    char etag[STORE_ETAG_MAX], err[ERR_MAX];
    int rc = storeGet(s, key, (size_t)1 << 30, &b, etag, err);
    if (rc == STORE_OK) { fwrite(b.p, 1, b.len, stdout); fprintf(stderr, "etag: %s\n", etag); }
    bufFree(&b);
    return exitFor(rc, key, err);
}

static int cmdPut(store *s, int argc, char **argv) {
    if (argc < 2) { fputs(usage, stderr); return EX_USAGE; }
    storeCond cond = STORE_PUT_ANY;
    const char *etag = NULL;
    if (argc >= 3 && !strcmp(argv[2], "--if-absent")) cond = STORE_PUT_IF_ABSENT;
    else if (argc >= 4 && !strcmp(argv[2], "--if-match")) { cond = STORE_PUT_IF_MATCH; etag = argv[3]; }
    else if (argc >= 3) { fputs(usage, stderr); return EX_USAGE; }
    buf b = BUF_INIT;
    char err[ERR_MAX], out[STORE_ETAG_MAX];
    if (fileRead(argv[1], (size_t)1 << 30, &b, err) < 0) { fprintf(stderr, "test-tool store: %s\n", err); return EX_ERR; }
    int rc = storePut(s, argv[0], b.p, b.len, cond, etag, out, err);
    if (rc == STORE_OK) printf("%s\n", out);
    bufFree(&b);
    return exitFor(rc, argv[0], err);
}

static int printKey(void *ctx, const char *key, long long size) {
    printf("%lld\t%s\n", size, key);
    return 0;
}

/* ---- suite ---- */

static int nPass, nFail;

static void check(int cond, const char *name, const char *why) {
    if (cond) { nPass++; printf("ok %s\n", name); }
    else { nFail++; printf("FAIL %s: %s\n", name, why ? why : ""); }
    fflush(stdout);
}

typedef struct keys { int n; char first[STORE_KEY_MAX + 1], last[STORE_KEY_MAX + 1]; int sorted; } keys;

static int collect(void *ctx, const char *key, long long size) {
    keys *k = ctx;
    if (k->n == 0) snprintf(k->first, sizeof k->first, "%s", key);
    else if (strcmp(k->last, key) >= 0) k->sorted = 0;
    snprintf(k->last, sizeof k->last, "%s", key);
    k->n++;
    return 0;
}

/* getIs: whether key holds exactly data (len bytes) and, if etag, that ETag. */
static int getIs(store *s, const char *key, const void *data, size_t len, const char *etag) {
    buf b = BUF_INIT;
    char e[STORE_ETAG_MAX], err[ERR_MAX];
    int rc = storeGet(s, key, len + 16, &b, e, err);
    int ok = rc == STORE_OK && b.len == len && (len == 0 || !memcmp(b.p, data, len)) && (!etag || !strcmp(e, etag));
    if (rc == STORE_ERR) fprintf(stderr, "get %s: %s\n", key, err);
    bufFree(&b);
    return ok;
}

/* contentEtags: whether the store's ETags follow the bytes (S3: MD5, file: SHA-256).
 * Azure gives every write a new ETag; store.h promises neither. */
static int contentEtags(void) {
    const char *u = url ? url : getenv("WA_STORE");
    return !u || strncmp(u, "azblob://", 9);
}

static void suiteBasics(store *s, const char *ns) {
    char k[256], k2[256], e1[STORE_ETAG_MAX], e2[STORE_ETAG_MAX], e3[STORE_ETAG_MAX], err[ERR_MAX];
    snprintf(k, sizeof k, "%s/a/did.jsonl", ns);
    int rc = storePut(s, k, "{\"v\":1}\n", 8, STORE_PUT_ANY, NULL, e1, err);
    check(rc == STORE_OK && *e1, "put (plain) answers OK and an ETag", err);
    check(getIs(s, k, "{\"v\":1}\n", 8, e1), "get returns the same bytes and ETag", NULL);
    rc = storePut(s, k, "{\"v\":1}\n", 8, STORE_PUT_ANY, NULL, e2, err);
    if (contentEtags()) check(rc == STORE_OK && !strcmp(e1, e2), "same bytes give the same ETag", err);
    else check(rc == STORE_OK && *e2 && strcmp(e1, e2), "a rewrite of the same bytes gets a new ETag (Azure)", err);
    snprintf(k2, sizeof k2, "%s/missing.json", ns);
    check(storeGet(s, k2, 100, NULL, NULL, err) == STORE_NOTFOUND, "get of a missing key is NOTFOUND", err);

    /* put-if-absent */
    snprintf(k2, sizeof k2, "%s/b/witness.json", ns);
    rc = storePut(s, k2, "first", 5, STORE_PUT_IF_ABSENT, NULL, e2, err);
    check(rc == STORE_OK, "put-if-absent on a new key succeeds", err);
    rc = storePut(s, k2, "second", 6, STORE_PUT_IF_ABSENT, NULL, e3, err);
    check(rc == STORE_CONFLICT, "put-if-absent on an existing key is CONFLICT", err);
    check(getIs(s, k2, "first", 5, e2), "a refused put-if-absent changes nothing", NULL);

    /* put-if-match (compare-and-swap) */
    rc = storePut(s, k2, "third", 5, STORE_PUT_IF_MATCH, e2, e3, err);
    check(rc == STORE_OK && strcmp(e2, e3), "put-if-match with the current ETag succeeds, new ETag", err);
    rc = storePut(s, k2, "fourth", 6, STORE_PUT_IF_MATCH, e2, e1, err);
    check(rc == STORE_CONFLICT, "put-if-match with a stale ETag is CONFLICT", err);
    check(getIs(s, k2, "third", 5, e3), "a refused put-if-match changes nothing", NULL);
    snprintf(k, sizeof k, "%s/nothere.json", ns);
    rc = storePut(s, k, "x", 1, STORE_PUT_IF_MATCH, e3, e1, err);
    check(rc == STORE_CONFLICT, "put-if-match on a missing key is CONFLICT", err);
    check(storeGet(s, k, 100, NULL, NULL, err) == STORE_NOTFOUND, "... and creates nothing", err);

    /* empty object, delete */
    snprintf(k, sizeof k, "%s/empty", ns);
    rc = storePut(s, k, "", 0, STORE_PUT_IF_ABSENT, NULL, e1, err);
    check(rc == STORE_OK && getIs(s, k, "", 0, e1), "empty object round trip", err);
    check(storeDelete(s, k, err) == STORE_OK, "delete succeeds", err);
    check(storeGet(s, k, 100, NULL, NULL, err) == STORE_NOTFOUND, "deleted key is NOTFOUND", err);
    check(storeDelete(s, k, err) == STORE_OK, "deleting a missing key is OK (idempotent)", err);
    rc = storePut(s, k, "again", 5, STORE_PUT_IF_ABSENT, NULL, e1, err);
    check(rc == STORE_OK, "put-if-absent after delete succeeds", err);

    /* key rules */
    check(storePut(s, "../escape", "x", 1, STORE_PUT_ANY, NULL, e1, err) == STORE_ERR, "key '../escape' refused", NULL);
    check(storePut(s, "/abs", "x", 1, STORE_PUT_ANY, NULL, e1, err) == STORE_ERR, "key '/abs' refused", NULL);
    check(storePut(s, "a//b", "x", 1, STORE_PUT_ANY, NULL, e1, err) == STORE_ERR, "key 'a//b' refused", NULL);
    check(storePut(s, "a/b c", "x", 1, STORE_PUT_ANY, NULL, e1, err) == STORE_ERR, "key with a space refused", NULL);
    check(storePut(s, "k", "x", 1, STORE_PUT_IF_MATCH, NULL, e1, err) == STORE_ERR, "put-if-match without an ETag refused", NULL);
    check(!strcmp(storeContentType("x/did.jsonl"), "text/jsonl") && !strcmp(storeContentType("x/w.json"), "application/json")
          && !strcmp(storeCacheControl("batches/1.json"), "public, max-age=31536000, immutable")
          && !strcmp(storeCacheControl("x/did.jsonl"), "no-cache"), "headers chosen by name (DESIGN.md §3)", NULL);
}

static void suiteBig(store *s, const char *ns) {
    size_t n = (16u << 20) + 12345;
    unsigned char *p = malloc(n);
    char k[256], e[STORE_ETAG_MAX], err[ERR_MAX];
    if (!p) { check(0, "16 MiB object", "out of memory"); return; }
    randombytes_buf(p, n);
    snprintf(k, sizeof k, "%s/big.bin", ns);
    int rc = storePut(s, k, p, n, STORE_PUT_IF_ABSENT, NULL, e, err);
    check(rc == STORE_OK, "put of a 16 MiB + 12345 B object", err);
    check(getIs(s, k, p, n, e), "get returns the 16 MiB object intact", NULL);
    p[n / 2] ^= 1;
    rc = storePut(s, k, p, n, STORE_PUT_IF_MATCH, e, e, err);
    check(rc == STORE_OK && getIs(s, k, p, n, e), "compare-and-swap of a 16 MiB object", err);
    buf b = BUF_INIT;
    rc = storeGet(s, k, 1 << 20, &b, NULL, err);
    check(rc == STORE_TOOLARGE && b.len == 0, "get bounded by max answers TOOLARGE for a bigger object (nothing returned)",
          rc == STORE_ERR ? err : NULL);
    bufFree(&b);
    free(p);
}

static void suiteMany(store *s, const char *ns) {
    enum { N = 1050 };      /* more than one ListObjectsV2 page (1000) */
    storeReq *r = calloc(N + 2, sizeof *r);
    char (*names)[64] = calloc(N + 2, 64), err[ERR_MAX];
    if (!r || !names) { check(0, "bulk put", "out of memory"); free(r); free(names); return; }
    for (int i = 0; i < N; i++) {
        snprintf(names[i], 64, "%s/many/%05d.json", ns, i);
        r[i] = (storeReq){.key = names[i], .data = names[i], .len = strlen(names[i]), .cond = STORE_PUT_IF_ABSENT};
    }
    int failed = storePutMany(s, r, N, err);
    int ok = 0;
    for (int i = 0; i < N; i++) ok += r[i].rc == STORE_OK && r[i].etag[0];
    check(failed == 0 && ok == N, "storePutMany: 1050 puts-if-absent all OK with ETags", failed ? r[0].err : err);
    /* A second run of a few: existing keys conflict, a new one succeeds, a stale CAS conflicts. */
    snprintf(names[N], 64, "%s/many/new.json", ns);
    storeReq r2[3] = {
        {.key = names[0], .data = "x", .len = 1, .cond = STORE_PUT_IF_ABSENT},
        {.key = names[N], .data = "y", .len = 1, .cond = STORE_PUT_IF_ABSENT},
        {.key = names[1], .data = "z", .len = 1, .cond = STORE_PUT_IF_MATCH, .ifMatch = "0123456789abcdef"},
    };
    failed = storePutMany(s, r2, 3, err);
    check(failed == 0 && r2[0].rc == STORE_CONFLICT && r2[1].rc == STORE_OK && r2[2].rc == STORE_CONFLICT,
          "storePutMany reports each request's own outcome", err);
    char pre[128];
    snprintf(pre, sizeof pre, "%s/many/", ns);
    keys k = {.sorted = 1};
    int rc = storeList(s, pre, collect, &k, err);
    char why[ERR_MAX + 2 * STORE_KEY_MAX + 64];
    snprintf(why, sizeof why, "rc %d n %d first %s last %s %s", rc, k.n, k.first, k.last, rc ? err : "");
    check(rc == STORE_OK && k.n == N + 1 && k.sorted && !strcmp(k.first, names[0]),
          "list returns every key once, in order (paged)", why);
    keys k2 = {.sorted = 1};
    snprintf(pre, sizeof pre, "%s/many/0104", ns);
    rc = storeList(s, pre, collect, &k2, err);
    check(rc == STORE_OK && k2.n == 10, "list by a partial-name prefix", err);
    free(r);
    free(names);
}

static int cmdSuite(store *s) {
    char ns[64], err[ERR_MAX];
    unsigned char r[4];
    randombytes_buf(r, sizeof r);
    snprintf(ns, sizeof ns, "suite-%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
    int rc = storeProbe(s, err);
    check(rc == 0, "probe: conditional writes are honoured", err);
    if (rc) { printf("test-tool store suite: %d passed, %d failed\n", nPass, nFail); return EX_ERR; }
    suiteBasics(s, ns);
    suiteBig(s, ns);
    suiteMany(s, ns);
    printf("test-tool store suite: %d passed, %d failed\n", nPass, nFail);
    return nFail ? EX_ERR : EX_OK;
}

/* ---- race ---- */

/* raceOnce: child of round r: wait for the start pipe, then one CAS from etag (NULL:
 * one create-only put). */
static int raceOnce(int startFd, const char *key, const char *etag, int round, int writer) {
    char c, body[64], err[ERR_MAX], ne[STORE_ETAG_MAX];
    store *s = openOrDie();
    if (read(startFd, &c, 1) < 0) return EX_ERR;
    int n = snprintf(body, sizeof body, "round %d writer %d", round, writer);
    int rc = storePut(s, key, body, (size_t)n, etag ? STORE_PUT_IF_MATCH : STORE_PUT_IF_ABSENT, etag, ne, err);
    if (rc == STORE_ERR) fprintf(stderr, "writer %d: %s\n", writer, err);
    storeClose(s);
    return rc == STORE_OK ? EX_OK : rc == STORE_CONFLICT ? EX_CONFLICT : EX_ERR;
}

/* incrementer: read-modify-write the counter `times` times, re-reading after a conflict. */
static int incrementer(int startFd, const char *key, int times, int writer, int *conflicts) {
    char c, err[ERR_MAX], etag[STORE_ETAG_MAX], ne[STORE_ETAG_MAX], body[64];
    store *s = openOrDie();
    if (read(startFd, &c, 1) < 0) return EX_ERR;
    for (int done = 0; done < times; ) {
        buf b = BUF_INIT;
        if (storeGet(s, key, 64, &b, etag, err) != STORE_OK) { fprintf(stderr, "get: %s\n", err); return EX_ERR; }
        long v = strtol((char *)b.p, NULL, 10);
        bufFree(&b);
        /* The writer in the bytes: the store knows its own write by them (store.h), and two
         * writers must not write the same value as one. */
        int n = snprintf(body, sizeof body, "%ld writer %d", v + 1, writer);
        int rc = storePut(s, key, body, (size_t)n, STORE_PUT_IF_MATCH, etag, ne, err);
        if (rc == STORE_OK) done++;
        else if (rc == STORE_CONFLICT) (*conflicts)++;
        else { fprintf(stderr, "put: %s\n", err); return EX_ERR; }
    }
    storeClose(s);
    return EX_OK;
}

/* forkAll: start w children running fn(i); they block on a pipe until all exist. */
static int runAll(int w, int (*fn)(int startFd, int i, void *ctx), void *ctx, int *codes) {
    int p[2];
    if (pipe(p) < 0) return -1;
    pid_t *pid = calloc((size_t)w, sizeof *pid);
    for (int i = 0; i < w; i++) {
        pid[i] = fork();
        if (pid[i] == 0) { close(p[1]); _exit(fn(p[0], i, ctx)); }
    }
    close(p[0]);
    close(p[1]);        /* EOF: every child's read returns at once */
    for (int i = 0; i < w; i++) {
        int st = 0;
        waitpid(pid[i], &st, 0);
        codes[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 99;
    }
    free(pid);
    return 0;
}

typedef struct raceCtx { const char *key; const char *etag; int round; int times; } raceCtx;
static int raceChild(int fd, int i, void *ctx) { raceCtx *c = ctx; return raceOnce(fd, c->key, c->etag, c->round, i); }
static int incChild(int fd, int i, void *ctx) {
    raceCtx *c = ctx;
    int conflicts = 0, rc = incrementer(fd, c->key, c->times, i, &conflicts);
    if (rc == EX_OK) printf("writer %d: %d conflicts\n", i, conflicts);
    fflush(stdout);
    return rc;
}

static int cmdRace(store *s, int w, int rounds) {
    char key[96], etag[STORE_ETAG_MAX], err[ERR_MAX], why[128];
    unsigned char r[4];
    randombytes_buf(r, sizeof r);
    snprintf(key, sizeof key, "race-%02x%02x%02x%02x/did.jsonl", r[0], r[1], r[2], r[3]);
    int *codes = calloc((size_t)w, sizeof *codes), exact = 0, errors = 0;
    if (!codes || storePut(s, key, "0", 1, STORE_PUT_IF_ABSENT, NULL, etag, err) != STORE_OK) {
        fprintf(stderr, "test-tool store: race: %s\n", err);
        return EX_ERR;
    }
    for (int round = 0; round < rounds; round++) {
        if (storeGet(s, key, 64, NULL, etag, err) != STORE_OK) { fprintf(stderr, "test-tool store: %s\n", err); return EX_ERR; }
        raceCtx c = {key, etag, round, 0};
        runAll(w, raceChild, &c, codes);
        int wins = 0;
        for (int i = 0; i < w; i++) { wins += codes[i] == EX_OK; errors += codes[i] != EX_OK && codes[i] != EX_CONFLICT; }
        exact += wins == 1;
        if (wins != 1) printf("round %d: %d winners\n", round, wins);
    }
    snprintf(why, sizeof why, "%d of %d rounds had exactly one winner, %d errors", exact, rounds, errors);
    check(exact == rounds && errors == 0, "race: exactly one of the concurrent CAS writers wins each round", why);

    /* Create-only race: w writers put-if-absent one new key; one wins, its bytes stay. */
    exact = errors = 0;
    for (int round = 0; round < rounds; round++) {
        char ck[128], want[64];
        snprintf(ck, sizeof ck, "%.*screate-%d.json", (int)(strrchr(key, '/') - key + 1), key, round);
        raceCtx c = {ck, NULL, round, 0};
        runAll(w, raceChild, &c, codes);
        int wins = 0, winner = -1;
        for (int i = 0; i < w; i++) {
            if (codes[i] == EX_OK) { wins++; winner = i; }
            errors += codes[i] != EX_OK && codes[i] != EX_CONFLICT;
        }
        snprintf(want, sizeof want, "round %d writer %d", round, winner);
        buf b = BUF_INIT;
        int kept = storeGet(s, ck, 64, &b, NULL, err) == STORE_OK && b.len == strlen(want) && !memcmp(b.p, want, b.len);
        bufFree(&b);
        exact += wins == 1 && kept;
        if (wins != 1 || !kept) printf("create round %d: %d winners, winner's bytes %s\n", round, wins, kept ? "kept" : "lost");
    }
    snprintf(why, sizeof why, "%d of %d rounds had exactly one winner whose bytes stayed, %d errors", exact, rounds, errors);
    check(exact == rounds && errors == 0, "race: exactly one of the concurrent create-only writers wins each round", why);

    /* Lost-update check: every writer increments `times` times, retrying after conflicts. */
    int times = rounds;
    if (storePut(s, key, "0", 1, STORE_PUT_ANY, NULL, etag, err) != STORE_OK) { fprintf(stderr, "%s\n", err); return EX_ERR; }
    raceCtx c = {key, NULL, 0, times};
    fflush(stdout);
    runAll(w, incChild, &c, codes);
    errors = 0;
    for (int i = 0; i < w; i++) errors += codes[i] != EX_OK;
    buf b = BUF_INIT;
    storeGet(s, key, 64, &b, NULL, err);
    long v = b.p ? strtol((char *)b.p, NULL, 10) : -1;
    bufFree(&b);
    snprintf(why, sizeof why, "counter %ld, want %d; %d writers failed", v, w * times, errors);
    check(v == w * times && errors == 0, "race: with re-read and retry no update is lost", why);
    free(codes);
    printf("test-tool store race: %d passed, %d failed\n", nPass, nFail);
    return nFail ? EX_ERR : EX_OK;
}

/* ---- bulk ---- */

static int cmdBulk(store *s, int n, int size, const char *prefix) {
    storeReq *r = calloc((size_t)n, sizeof *r);
    char *names = calloc((size_t)n, 96), *data = malloc((size_t)size + 1), err[ERR_MAX];
    if (!r || !names || !data) { fprintf(stderr, "test-tool store: out of memory\n"); return EX_ERR; }
    randombytes_buf(data, (size_t)size);
    for (int i = 0; i < n; i++) {
        snprintf(names + (size_t)i * 96, 96, "%s/%07d.json", prefix, i);
        r[i] = (storeReq){.key = names + (size_t)i * 96, .data = data, .len = (size_t)size, .cond = STORE_PUT_ANY};
    }
    struct timespec a, z;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int failed = storePutMany(s, r, (size_t)n, err);
    clock_gettime(CLOCK_MONOTONIC, &z);
    double t = (double)(z.tv_sec - a.tv_sec) + (double)(z.tv_nsec - a.tv_nsec) / 1e9;
    if (failed) fprintf(stderr, "test-tool store: %d failed: %s\n", failed, failed > 0 ? r[0].err : err);
    printf("bulk %d objects of %d B in %.3f s: %.0f obj/s\n", n, size, t, n / t);
    free(r); free(names); free(data);
    return failed ? EX_ERR : EX_OK;
}

int cmdStore(int argc, char **argv) {
    int i = 1;
    if (i < argc && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))) { fputs(usage, stdout); return EX_OK; }
    if (i + 1 < argc && !strcmp(argv[i], "-u")) { url = argv[i + 1]; i += 2; }
    if (i >= argc) { fputs(usage, stderr); return EX_USAGE; }
    const char *cmd = argv[i++];
    int left = argc - i;
    char **a = argv + i, err[ERR_MAX];
    store *s = openOrDie();
    int rc;
    if (!strcmp(cmd, "probe")) {
        rc = storeProbe(s, err) == 0 ? EX_OK : EX_ERR;
        if (rc) fprintf(stderr, "test-tool store: %s\n", err); else printf("%s: conditional writes honoured\n", storeDescribe(s));
    } else if (!strcmp(cmd, "get") && left == 1) rc = cmdGet(s, a[0]);
    else if (!strcmp(cmd, "put")) rc = cmdPut(s, left, a);
    else if (!strcmp(cmd, "ls") && left <= 1) rc = exitFor(storeList(s, left ? a[0] : "", printKey, NULL, err), "ls", err);
    else if (!strcmp(cmd, "rm") && left == 1) rc = exitFor(storeDelete(s, a[0], err), a[0], err);
    else if (!strcmp(cmd, "cors") && left == 0) rc = exitFor(storeSetCors(s, err), "cors", err);
    else if (!strcmp(cmd, "suite") && left == 0) rc = cmdSuite(s);
    else if (!strcmp(cmd, "race") && left == 2 && atoi(a[0]) > 0 && atoi(a[1]) > 0) rc = cmdRace(s, atoi(a[0]), atoi(a[1]));
    else if (!strcmp(cmd, "bulk") && left >= 1 && left <= 3 && atoi(a[0]) > 0)
        rc = cmdBulk(s, atoi(a[0]), left > 1 ? atoi(a[1]) : 200, left > 2 ? a[2] : "bulk");
    else { fputs(usage, stderr); rc = EX_USAGE; }
    storeClose(s);
    return rc;
}
