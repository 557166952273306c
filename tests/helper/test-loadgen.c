/* test-loadgen.c -- `test-tool loadgen`: POST every line of a JSON Lines file once to a loopback URL with C
 * requests in flight (core/io/http: httpRun, a request per connection reused), and
 * report throughput and client-side latency percentiles.
 *
 * usage: test-tool loadgen URL FILE CONNS
 * Prints one line: "sent N ok N other N codes CODE:N... seconds S rps R p50 P p90 P p99 P
 * max P" (latencies in ms, from the request being handed to the HTTP layer to its last
 * byte; code 0 = no answer).
 * Exit 0 when every request got 202, 1 otherwise, 2 usage. Only 127.0.0.1 URLs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/io/clock.h"
#include "core/io/http.h"
#include "tests/helper/test-tool.h"

static double nowMs(void) { return (double)clockMonoNs() / 1e6; }

static int cmpd(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static char *text;   /* the file; lines point into it */

/* readLines: the file's non-empty lines (malloc'd array of pointers into text). */
static char **readLines(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    rewind(f);
    char *b = malloc((size_t)sz + 1);
    if (!b || fread(b, 1, (size_t)sz, f) != (size_t)sz) { fprintf(stderr, "loadgen: cannot read %s\n", path); exit(2); }
    fclose(f);
    b[sz] = 0;
    text = b;
    size_t cap = 1024, k = 0;
    char **l = malloc(cap * sizeof *l);
    for (char *s = strtok(b, "\n"); s; s = strtok(NULL, "\n")) {
        if (!*s) continue;
        if (k == cap) l = realloc(l, (cap *= 2) * sizeof *l);
        l[k++] = s;
    }
    *n = k;
    return l;
}

/* A run: the lines, a pool of requests (one per connection), what came back. */
typedef struct run {
    char **lines;
    size_t n, next, done, ok;
    const char *url;
    httpReq *reqs;
    double *t0, *lat;
    int *freeReq, nfree;
    long codes[600];
} run;

/* feedNext: hand the next line to a free pooled request. */
static httpReq *feedNext(void *ctx) {
    run *u = ctx;
    if (u->next >= u->n || u->nfree == 0) return NULL;
    static const char *const hdrs[] = {"Content-Type: application/json", NULL};
    int k = u->freeReq[--u->nfree];
    httpReq *r = &u->reqs[k];
    httpReqFree(r);
    *r = (httpReq){.method = "POST", .url = u->url, .headers = hdrs, .data = u->lines[u->next],
                   .len = strlen(u->lines[u->next]), .discardBody = 1, .maxErrBody = 1024, .timeoutMs = 30000,
                   .allowHttp = 1};
    u->next++;
    u->t0[k] = nowMs();
    return r;
}

/* feedDone: its latency and status code; the request goes back to the pool. */
static long feedDone(httpReq *r, void *ctx) {
    run *u = ctx;
    int k = (int)(r - u->reqs);
    long code = r->rc == HTTP_OK ? r->status : 0;
    u->lat[u->done++] = nowMs() - u->t0[k];
    u->codes[code >= 0 && code < 600 ? code : 0]++;
    u->ok += code == 202;
    u->freeReq[u->nfree++] = k;
    return 0;
}

int cmdLoadgen(int argc, char **argv) {
    if (argc != 4 || strncmp(argv[1], "http://127.0.0.1:", 17)) {
        fprintf(stderr, "usage: test-tool loadgen http://127.0.0.1:PORT/PATH FILE CONNS\n");
        return 2;
    }
    run u = {.url = argv[1]};
    u.lines = readLines(argv[2], &u.n);
    int conns = atoi(argv[3]);
    if (conns < 1 || conns > 1024) conns = 32;
    char err[ERR_MAX];
    httpClient *c = httpClientNew(conns, err);
    u.lat = calloc(u.n + 1, sizeof *u.lat);
    u.reqs = calloc((size_t)conns, sizeof *u.reqs);
    u.t0 = calloc((size_t)conns, sizeof *u.t0);
    u.freeReq = calloc((size_t)conns, sizeof *u.freeReq);
    for (int i = conns - 1; i >= 0; i--) u.freeReq[u.nfree++] = i;
    httpFeed f = {feedNext, NULL, feedDone, &u};
    double start = nowMs();
    if (httpRun(c, &f, conns, err) < 0) { fprintf(stderr, "loadgen: %s\n", err); return 2; }
    double secs = (nowMs() - start) / 1e3;
    size_t done = u.done;
    double *lat = u.lat;
    qsort(lat, done, sizeof *lat, cmpd);
    #define PCT(p) (done ? lat[(size_t)((double)(done - 1) * (p))] : 0.0)
    printf("sent %zu ok %zu other %zu codes", done, u.ok, done - u.ok);
    for (int code = 0; code < 600; code++) if (u.codes[code]) printf(" %d:%ld", code, u.codes[code]);
    printf(" seconds %.2f rps %.0f p50 %.2f p90 %.2f p99 %.2f max %.2f\n", secs, (double)done / secs, PCT(0.5), PCT(0.9),
           PCT(0.99), done ? lat[done - 1] : 0.0);
    for (int i = 0; i < conns; i++) httpReqFree(&u.reqs[i]);
    httpClientFree(c);
    free(u.reqs);
    free(u.t0);
    free(u.freeReq);
    free(lat);
    free(text);
    free(u.lines);
    return u.ok == u.n ? 0 : 1;
}
