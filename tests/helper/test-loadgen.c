/* test-loadgen.c -- `test-tool loadgen`: POST every line of a JSON Lines file once to a loopback URL with C
 * requests in flight, and report throughput and client-side latency percentiles.
 *
 * usage: test-tool loadgen URL FILE CONNS
 * Prints one line: "sent N ok N other N codes CODE:N... seconds S rps R p50 P p90 P p99 P
 * max P" (latencies in ms, from the request being handed to libcurl to its last byte).
 * Exit 0 when every request got 202, 1 otherwise, 2 usage. Only 127.0.0.1 URLs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include "tests/helper/test-tool.h"

typedef struct req {
    CURL *h;
    struct curl_slist *hdr;
    double t0;
    size_t line;
} req;

static double nowMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static size_t discard(char *p, size_t sz, size_t n, void *ud) {
    (void)p; (void)ud;
    return sz * n;
}

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

int cmdLoadgen(int argc, char **argv) {
    if (argc != 4 || strncmp(argv[1], "http://127.0.0.1:", 17)) {
        fprintf(stderr, "usage: test-tool loadgen http://127.0.0.1:PORT/PATH FILE CONNS\n");
        return 2;
    }
    size_t n, next = 0, done = 0, ok = 0;
    char **lines = readLines(argv[2], &n);
    int conns = atoi(argv[3]);
    if (conns < 1 || conns > 1024) conns = 32;
    double *lat = calloc(n + 1, sizeof *lat);
    long codes[600] = {0};
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)conns);
    req *rs = calloc((size_t)conns, sizeof *rs);
    double start = nowMs();
    for (int i = 0; i < conns; i++) {
        rs[i].h = curl_easy_init();
        rs[i].hdr = curl_slist_append(NULL, "Content-Type: application/json");
        curl_easy_setopt(rs[i].h, CURLOPT_URL, argv[1]);
        curl_easy_setopt(rs[i].h, CURLOPT_HTTPHEADER, rs[i].hdr);
        curl_easy_setopt(rs[i].h, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(rs[i].h, CURLOPT_PRIVATE, &rs[i]);
        curl_easy_setopt(rs[i].h, CURLOPT_TIMEOUT_MS, 30000L);
        curl_easy_setopt(rs[i].h, CURLOPT_NOSIGNAL, 1L);
    }
    /* start: hand request r the next line, if any. */
    #define START(r) do { if (next < n) { (r)->line = next; (r)->t0 = nowMs(); \
        curl_easy_setopt((r)->h, CURLOPT_POSTFIELDS, lines[next++]); curl_multi_add_handle(m, (r)->h); } } while (0)
    for (int i = 0; i < conns; i++) START(&rs[i]);
    int running = 1;
    while (done < n && running >= 0) {
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            req *r;
            long code = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            lat[done++] = nowMs() - r->t0;
            codes[code >= 0 && code < 600 ? code : 0]++;
            ok += code == 202;
            curl_multi_remove_handle(m, r->h);
            START(r);
        }
        if (done < n) curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    double secs = (nowMs() - start) / 1e3;
    qsort(lat, done, sizeof *lat, cmpd);
    #define PCT(p) (done ? lat[(size_t)((double)(done - 1) * (p))] : 0.0)
    printf("sent %zu ok %zu other %zu codes", done, ok, done - ok);
    for (int c = 0; c < 600; c++) if (codes[c]) printf(" %d:%ld", c, codes[c]);
    printf(" seconds %.2f rps %.0f p50 %.2f p90 %.2f p99 %.2f max %.2f\n", secs, (double)done / secs, PCT(0.5), PCT(0.9),
           PCT(0.99), done ? lat[done - 1] : 0.0);
    for (int i = 0; i < conns; i++) { curl_easy_cleanup(rs[i].h); curl_slist_free_all(rs[i].hdr); }
    curl_multi_cleanup(m);
    curl_global_cleanup();
    free(rs);
    free(lat);
    free(text);
    free(lines);
    return ok == n ? 0 : 1;
}
